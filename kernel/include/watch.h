/* SPDX-License-Identifier: BSD-2-Clause */
/* watch.h: revocation notification (DESIGN.md T4; docs/design.md,
 * "Revocation notification").
 *
 * CS_WATCH registers a notification cap on the cap in a slot of a CSpace
 * (or on each cap of a range of slots). A registration fires once: when
 * that cap leaves the derivation tree (UNMAP or DELETE of it or of an
 * ancestor, the destruction of the CSpace holding an ancestor, ...) or
 * when the object it names is destroyed, the kernel signals the
 * notification with the cap's badge (watch_signal in watch.c: the rule)
 * and the registration is gone. GRANT moves the cap out of the slot but
 * not out of the tree: the registration ends unsignalled. So does it when
 * its notification or the watched CSpace is destroyed, or when the
 * notification cap it was made with leaves the tree (the registration
 * keeps a MAP of it, as THREAD_BIND_NTFN's binding does: whoever can take
 * that cap back can take back the right to be signalled).
 *
 * A registration (struct watch) is one 64-byte storage block charged to
 * the bank of the watched slot's CSpace (S1), like the CSpace's radix
 * nodes. It is found
 *   from the watched slot: the slot's SLOT_WATCHED flag (a slot has no
 *     room for more) and a search tree of every registration keyed by the
 *     slot's storage reference (store.watches): a digital search tree, one
 *     node per registration and no other storage, at most 33 deep;
 *   from the object the cap names: a list headed in its object-table
 *     entry (obj.watch), walked first when the object is destroyed (the
 *     cap itself dies lazily, by epoch);
 *   from its notification: a list in the notification's body, walked when
 *     it is destroyed;
 *   from its MAP of the notification cap (SLOT_WATCHER), the block's
 *     first 32 bytes.
 * Slots without a registration pay one flag test in remove() (cap.c).
 * Only CSpace slots are watched, never an AddrSpace's mapping slots. */
#ifndef TETHER_WATCH_H
#define TETHER_WATCH_H

#include "cap.h"
#include "charge.h"

struct wlink { sref prev, next; };

struct watch {
    struct slot ncap;       /* MAP of the notification cap (SLOT_WATCHER):
                             * what is signalled, with which badge        */
    sref key;               /* the watched slot                           */
    sref kid[2];            /* search tree by key, bit d at depth d       */
    oref cs;                /* the watched slot's CSpace (its bank paid)  */
    struct wlink on_obj;    /* list of the watched cap's object           */
    struct wlink on_ntfn;   /* list of the notification                   */
};
_Static_assert(sizeof(struct watch) == WATCH_BYTES && WATCH_BYTES == STORE_MIN,
               "a registration is one smallest storage block, what the ABI says it costs");
_Static_assert(WATCH_MAX <= RESERVE_MAX, "CS_WATCH reserves its blocks at once (charge.h)");

/* Budget units (cap.h: REVOKE_BUDGET) that firing or dropping one
 * registration costs a long operation (a search-tree walk and a signal). */
#define WATCH_UNITS 8u

/* Perform CS_WATCH for live slot s of CSpace cs with notification cap nc
 * (live, checked): a new registration in block r (reserved, charged to
 * cs's bank), or, if s has one (r unused), the same with nc instead. */
void watch_set(oref cs, struct slot *s, struct slot *nc, sref r);
/* s's registration ends unsignalled (CS_WATCH CAP_NONE, GRANT of s). */
void watch_drop(struct slot *s);
/* Watched slot s leaves the tree (remove(), cap.c): signal, and its
 * registration is gone. */
void watch_fire(struct slot *s);
/* A registration's own cap leaves the tree (remove(), cap.c): the
 * registration ends unsignalled; ncap is unlinked and freed with it. */
void watch_cap_gone(struct slot *ncap);
/* Object o is being destroyed (obj_destroy_step): fire every registration
 * on a cap to it, WATCH_UNITS of *budget each. E_OK when none is left,
 * else E_CONTINUE. */
int watch_object_step(oref o, u32 *budget);
/* Notification n is being destroyed: its registrations end unsignalled,
 * WATCH_UNITS of *budget each. E_OK or E_CONTINUE. */
int watch_ntfn_step(oref n, u32 *budget);

/* For kernel_check: the registration of slot s (flagged), or NULL; and a
 * walk over all of them (fn returns non-NULL to stop with that). */
struct watch *watch_of(const struct slot *s);
const char *watch_each(const char *(*fn)(const struct watch *w, u32 depth, u32 path));

#endif
