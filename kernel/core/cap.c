/* cap.c: the derivation tree (see cap.h for the representation). */
#include "cap.h"
#include "aspace.h"
#include "sched.h"

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

static void fill(struct slot *dst, const struct slot *src, u8 rights, u64 badge)
{
    dst->obj = src->obj;
    dst->epoch = src->epoch;
    dst->rights = rights;
    dst->badge = badge;
    dst->flags = 0;
}

/* Link n into the list right before p. */
static void link_before(struct slot *p, struct slot *n)
{
    sref nr = slot_ref(n);
    n->next = slot_ref(p);
    n->prev = p->prev;
    if (p->prev)
        slot_at(p->prev)->next = nr;
    p->prev = nr;
}

/* Link n into the list right after p. */
static void link_after(struct slot *p, struct slot *n)
{
    sref nr = slot_ref(n);
    n->prev = slot_ref(p);
    n->next = p->next;
    if (p->next)
        slot_at(p->next)->prev = nr;
    p->next = nr;
}

static void unlink(struct slot *s)
{
    if (s->prev)
        slot_at(s->prev)->next = s->next;
    if (s->next)
        slot_at(s->next)->prev = s->prev;
}

/* Take node s out of the tree and empty it. A mapping also leaves its
 * AddrSpace's page table and the TLB (C9, S3). */
static void remove(struct slot *s)
{
    sched_gen++;  /* it may have been what a thread runs on */
    if (s->flags & SLOT_MAPPING)
        aspace_unmapped(s);
    unlink(s);
    clear(s);
}

void cap_copy(struct slot *src, struct slot *dst, u8 rights, u64 badge)
{
    fill(dst, src, rights, badge);
    if (src->depth == 0) {          /* copy of a root: a new root (C2) */
        dst->prev = dst->next = 0;
        dst->depth = 0;
        return;
    }
    /* Copy of a derived cap: a sibling, inserted just before the source so
     * that it does not adopt the source's children. */
    dst->depth = src->depth;
    link_before(src, dst);
}

void cap_map(struct slot *src, struct slot *dst, u8 rights, u64 badge)
{
    fill(dst, src, rights, badge);
    /* A child, right after src. If src already has descendants, the first
     * of them is a child of src (its nearest shallower predecessor is src);
     * take its depth, so that it and its siblings stay children of src. */
    dst->depth = mdb_has_children(src) ? slot_at(src->next)->depth : (u16)(src->depth + 1);
    link_after(src, dst);
}

void cap_grant(struct slot *src, struct slot *dst, u8 rights)
{
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
        remove(slot_at(s->next));
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
    remove(s);
    return E_OK;
}

int cap_prepare_dst(struct slot *dst, u32 *budget)
{
    if (!dst->obj)
        return E_OK;
    if (cap_live(dst))
        return E_FULL;
    return cap_delete_step(dst, budget);
}

struct slot *cap_parent(const struct slot *s)
{
    for (sref p = s->prev; p; p = slot_at(p)->prev)
        if (slot_at(p)->depth < s->depth)
            return slot_at(p);
    return NULL;
}
