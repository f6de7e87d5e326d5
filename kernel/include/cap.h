/* SPDX-License-Identifier: BSD-2-Clause */
/* cap.h: capability slots and the derivation tree (C1..C7; the diagram is
 * in docs/design.md, section 5).
 *
 * A slot is 32 bytes: the object it names (table index + the epoch it was
 * created with, S3), rights, badge, and its place in the derivation tree.
 *
 * The derivation tree (mapping database) of one object is kept as a doubly
 * linked list in pre-order with a depth per node, as in seL4's MDB:
 *   - the subtree of node n is the run of nodes after n whose depth > n's;
 *   - the parent of n is the nearest preceding node with a smaller depth.
 * Depths along a run may jump by more than one: removing the first
 * descendant of n (which is how revocation proceeds, one node at a time)
 * leaves that node's children right after n; they then are n's children,
 * which is exactly where they belong. All operations below rely only on the
 * two properties above, never on "depth(next) <= depth + 1".
 *
 * Every node of one list names the same object: COPY of a root starts a new
 * list; COPY of a derived cap, MAP and GRANT stay in the source's list.
 * Hence if one node is void (its object was destroyed) all of them are. */
#ifndef TETHER_CAP_H
#define TETHER_CAP_H

#include "obj.h"
#include <tether/abi.h>

struct slot {
    oref obj;      /* 0 = empty slot                                  */
    u32 epoch;     /* object epoch when the cap was made (S3)         */
    u64 badge;     /* 0 = unbadged                                    */
    sref prev;     /* derivation list, 0 = none                       */
    sref next;
    u16 depth;     /* 0 = root of its derivation tree                 */
    u8 rights;     /* R_* bits                                        */
    u8 flags;      /* SLOT_*: 0 for almost every slot (remove() tests it once) */
} __attribute__((aligned(32)));  /* named by sref = offset / 32, wherever it is */
#define SLOT_MAPPING 1u  /* lives in an AddrSpace (badge = where, C9)              */
#define SLOT_WATCHED 2u  /* a CSpace slot with a revocation registration (T4)      */
#define SLOT_WATCHER 4u  /* a registration's own MAP of its notification cap (T4)  */
/* A mapping slot's badge says where it is: AddrSpace oref << 32 | page. */
#define MAPPING_WHERE(as, vpn) ((u64)(as) << 32 | (u32)(vpn))
_Static_assert(sizeof(struct slot) == 32, "a slot is 32 bytes, like seL4's");

/* MDB_MAX_DEPTH (abi.h): MAP beyond this depth fails with E_DEPTH. */
#define REVOKE_BUDGET 64u     /* units of work (a node removed, a block or an
                               * object freed) per step of a long operation */

static inline struct slot *slot_at(sref r) { return (struct slot *)sref_ptr(r); }
static inline sref slot_ref(const struct slot *s) { return ptr_sref(s); }

/* Is the object the slot names still the one the cap was made for? */
static inline bool cap_live(const struct slot *s)
{
    return obj_get(s->obj)->live == s->epoch;  /* entry 0 is never live */
}
/* Same, but also accepts an object that is being destroyed (so that its
 * destroyer can continue the destruction). */
static inline bool cap_names(const struct slot *s)
{
    const struct obj *o = obj_get(s->obj);
    return s->obj && o->epoch == s->epoch && o->state != OS_FREE;
}
/* The object a cap stored inside a kernel object names (a thread's CSpace,
 * AddrSpace or fault endpoint, a wrapper's target), or 0 if it is no longer
 * live. Every path that uses such a cap after it was stored goes through
 * this: the object may have been destroyed since, and its table entry
 * reused by another object. */
static inline oref cap_obj_live(const struct slot *s) { return cap_live(s) ? s->obj : 0; }

/* SLOT_EMPTY, SLOT_VOID or SLOT_LIVE. */
static inline u32 slot_status(const struct slot *s)
{
    return !s->obj ? SLOT_EMPTY : cap_live(s) ? SLOT_LIVE : SLOT_VOID;
}
static inline bool mdb_has_children(const struct slot *s)
{
    return s->next && slot_at(s->next)->depth > s->depth;
}

/* A fresh root cap in empty slot dst (new object, or COPY of a root). */
void cap_make_root(struct slot *dst, oref o, u32 epoch, u8 rights, u64 badge);

/* Performs. Each expects decode to have checked everything: src live, dst
 * empty, rights already masked. All O(1). */
/* (COPY and MAP are inline: they sit on the hottest paths.) */
static inline void cap_fill(struct slot *dst, const struct slot *src, u8 rights, u64 badge)
{
    dst->obj = src->obj;
    dst->epoch = src->epoch;
    dst->rights = rights;
    dst->badge = badge;
    dst->flags = 0;
}

/* Link n into the list right before p. */
static inline void cap_link_before(struct slot *p, struct slot *n)
{
    sref nr = slot_ref(n);
    n->next = slot_ref(p);
    n->prev = p->prev;
    if (p->prev)
        slot_at(p->prev)->next = nr;
    p->prev = nr;
}

/* Link n into the list right after p. */
static inline void cap_link_after(struct slot *p, struct slot *n)
{
    sref nr = slot_ref(n);
    n->prev = slot_ref(p);
    n->next = p->next;
    if (p->next)
        slot_at(p->next)->prev = nr;
    p->next = nr;
}

/* C2 */
static inline void cap_copy(struct slot *src, struct slot *dst, u8 rights, u64 badge)
{
    cap_fill(dst, src, rights, badge);
    if (src->depth == 0) {          /* copy of a root: a new root (C2) */
        dst->prev = dst->next = 0;
        dst->depth = 0;
        return;
    }
    /* Copy of a derived cap: a sibling, inserted just before the source so
     * that it does not adopt the source's children. */
    dst->depth = src->depth;
    cap_link_before(src, dst);
}

/* C3 */
static inline void cap_map(struct slot *src, struct slot *dst, u8 rights, u64 badge)
{
    cap_fill(dst, src, rights, badge);
    /* A child, right after src. If src already has descendants, the first
     * of them is a child of src (its nearest shallower predecessor is src);
     * take its depth, so that it and its siblings stay children of src. */
    dst->depth = mdb_has_children(src) ? slot_at(src->next)->depth : (u16)(src->depth + 1);
    cap_link_after(src, dst);
}

void cap_grant(struct slot *src, struct slot *dst, u8 rights);             /* C4 */

/* Remove up to *budget descendants of s (C5). Returns E_OK when none are
 * left, E_CONTINUE when the budget ran out first. */
int cap_revoke_step(struct slot *s, u32 *budget);
/* Remove s and its descendants (C6), in steps; E_OK or E_CONTINUE. */
int cap_delete_step(struct slot *s, u32 *budget);

/* The destination rule (S3 "a void cap acts as an empty slot"), the same
 * for every transfer (CS_COPY/MAP/GRANT/MINT, BANK_CREATE, BANK_WRAP, IPC
 * windows, mappings): an empty slot or a void leaf may receive a cap; the
 * void leaf is removed (O(1)) when the new cap is written. A live cap, or a
 * void one that still has descendants, is E_FULL: removing a subtree is a
 * long operation, which a transfer never starts (UNMAP or DELETE it first).
 * So is a void cap whose registration (T4) its object's destruction has
 * not signalled yet: a transfer never signals. So deciding changes
 * nothing, and writing cannot fail. */
static inline int cap_dst_check(const struct slot *d)
{
    if (!d || !d->obj)
        return E_OK;
    if (d->flags & SLOT_WATCHED)
        return E_FULL;  /* void, its registration not yet signalled (T4, watch.h) */
    return cap_live(d) || mdb_has_children(d) ? E_FULL : E_OK;
}
/* Perform: empty a destination cap_dst_check accepted. */
void cap_remove_leaf(struct slot *d);
static inline void cap_dst_clear(struct slot *d)
{
    if (d->obj)
        cap_remove_leaf(d);  /* a void leaf */
}

/* C1: a transferred cap has at most the source's rights. The one place
 * rights are masked. */
static inline u8 cap_rights_mask(u8 have, u64 mask) { return (u8)(have & mask); }

/* May a child be MAPped below s (derivation depth bounded)? */
static inline bool cap_can_derive(const struct slot *s) { return s->depth + 1u <= MDB_MAX_DEPTH; }

/* Parent of s in the derivation tree, or NULL for a root (O(siblings);
 * for tests, tools and the capgraph dump, not for kernel paths). */
struct slot *cap_parent(const struct slot *s);
/* The same in bounded work: looks back at most *budget nodes, one unit
 * each. E_OK with *p (NULL: s is a root), or E_CONTINUE if the parent is
 * further back (CS_TREE, the Debug object's tree dump). */
int cap_parent_within(const struct slot *s, u32 *budget, struct slot **p);

#endif
