/* SPDX-License-Identifier: BSD-2-Clause */
/* cap.c: the derivation tree (see cap.h for the representation). */
#include "cap.h"
#include "aspace.h"
#include "watch.h"

static void clear(struct slot *s)
{
    s->obj = 0;
    s->epoch = 0;
    s->badge = 0;
    s->prev = s->next = 0;
    s->depth = 0;
    s->rights = 0;
    s->flags = 0;
}

void cap_make_root(struct slot *dst, oref o, u32 epoch, u8 rights, u64 badge)
{
    dst->obj = o;
    dst->epoch = epoch;
    dst->badge = badge;
    dst->rights = rights;
    dst->prev = dst->next = 0;
    dst->depth = 0;
    dst->flags = 0;
}

static void unlink(struct slot *s)
{
    if (s->prev)
        slot_at(s->prev)->next = s->next;
    if (s->next)
        slot_at(s->next)->prev = s->prev;
}

/* remove() of a slot with a revocation registration (T4): it fires,
 * which costs WATCH_UNITS of the step's budget in all; or of a
 * registration's own cap, which takes the registration (and the slot: true,
 * it is gone) with it. */
static __attribute__((noinline)) bool remove_watch(struct slot *s, u32 *budget)
{
    if (s->flags & SLOT_WATCHER) {
        watch_cap_gone(s);  /* unlinks s, frees the block it is in */
        return true;
    }
    watch_fire(s);
    *budget -= *budget < WATCH_UNITS - 1 ? *budget : WATCH_UNITS - 1;
    return false;
}

/* Take node s out of the tree and empty it (one unit of *budget, which
 * the caller took). A mapping also leaves its AddrSpace's page table and
 * the TLB (C9, S3). A slot without flags pays one test for all this. */
static void remove(struct slot *s, u32 *budget)
{
    store_revocations++;  /* it may have been what a thread runs on */
    if (__builtin_expect(s->flags != 0, 0)) {
        if (s->flags & SLOT_MAPPING)  /* never watched (watch.h) */
            aspace_unmapped(s);
        else if (remove_watch(s, budget))
            return;
    }
    unlink(s);
    clear(s);
}

static __attribute__((noinline)) void grant_watched(struct slot *src, struct slot *dst, u8 rights)
{
    watch_drop(src);  /* GRANT is no removal: the registration ends unsignalled */
    cap_grant(src, dst, rights);
}

void cap_grant(struct slot *src, struct slot *dst, u8 rights)
{
    if (__builtin_expect(src->flags & SLOT_WATCHED, 0)) {
        grant_watched(src, dst, rights);  /* (a tail call: no frame on the common path) */
        return;
    }
    *dst = *src;
    dst->rights = rights;
    sref d = slot_ref(dst);
    if (dst->prev)
        slot_at(dst->prev)->next = d;
    if (dst->next)
        slot_at(dst->next)->prev = d;
    clear(src);
}

int cap_revoke_step(struct slot *s, u32 *budget)
{
    while (mdb_has_children(s)) {
        if (*budget == 0)
            return E_CONTINUE;
        (*budget)--;
        /* Remove the first descendant; its children (if any) now follow s
         * directly and are s's children (see cap.h). */
        remove(slot_at(s->next), budget);
    }
    return E_OK;
}

int cap_delete_step(struct slot *s, u32 *budget)
{
    int r = cap_revoke_step(s, budget);
    if (r != E_OK)
        return r;
    if (*budget == 0)
        return E_CONTINUE;
    (*budget)--;
    remove(s, budget);
    return E_OK;
}

void cap_remove_leaf(struct slot *d)
{
    u32 budget = 0;
    remove(d, &budget);  /* a void leaf (cap_dst_check), or a registration's cap */
}

struct slot *cap_parent(const struct slot *s)
{
    for (sref p = s->prev; p; p = slot_at(p)->prev)
        if (slot_at(p)->depth < s->depth)
            return slot_at(p);
    return NULL;
}

int cap_parent_within(const struct slot *s, u32 *budget, struct slot **p)
{
    *p = NULL;
    for (sref r = s->depth ? s->prev : 0; r; r = slot_at(r)->prev) {
        if (*budget == 0)
            return E_CONTINUE;
        (*budget)--;
        if (slot_at(r)->depth < s->depth) {
            *p = slot_at(r);
            return E_OK;
        }
    }
    return E_OK;
}
