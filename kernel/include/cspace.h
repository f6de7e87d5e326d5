/* SPDX-License-Identifier: BSD-2-Clause */
/* cspace.h: capability spaces.
 *
 * A CSpace maps cap addresses (indices below CAP_ADDR_LIMIT) to slots through
 * a radix tree of fixed depth: a 128-entry root in the CSpace body, 1 KiB
 * second-level nodes of 256 entries and 4 KiB leaves of 128 slots. Lookup is
 * three loads. Nodes are allocated when a slot is first written and charged
 * to the bank that paid for the CSpace (S1); they live until the CSpace is
 * destroyed. */
#ifndef TETHER_CSPACE_H
#define TETHER_CSPACE_H

#include "cap.h"
#include "wrapper.h"

#define CS_L1_BITS 7u
#define CS_L2_BITS 8u
#define CS_LEAF_BITS 7u
#define CS_L2_BYTES ((1u << CS_L2_BITS) * 4u)
#define CS_LEAF_BYTES ((1u << CS_LEAF_BITS) * (u32)sizeof(struct slot))
_Static_assert(CS_L1_BITS + CS_L2_BITS + CS_LEAF_BITS == CAP_ADDR_BITS, "cap address bits");

/* A space of slots indexed by number: the body of a CSpace, and the
 * mapping table of an AddrSpace (indexed by virtual page number, C9). */
struct cspace {
    u32 reap_cursor;   /* next index to clear while the space is destroyed */
    u32 nodes;         /* radix nodes allocated                              */
    u32 watches;       /* registrations on its slots (CS_WATCH, watch.h),
                        * each WATCH_BYTES charged to its bank              */
    u32 pad[13];
    sref l1[1u << CS_L1_BITS];
};

static inline struct cspace *cspace_body(oref cs) { return (struct cspace *)obj_body(cs); }

/* The slot at idx of space r, or NULL if no storage exists for it. */
static inline struct slot *radix_slot(const struct cspace *r, u32 idx)
{
    sref l2 = r->l1[idx >> (CS_L2_BITS + CS_LEAF_BITS)];
    if (!l2)
        return NULL;
    sref leaf = ((sref *)sref_ptr(l2))[(idx >> CS_LEAF_BITS) & ((1u << CS_L2_BITS) - 1)];
    if (!leaf)
        return NULL;
    return (struct slot *)sref_ptr(leaf) + (idx & ((1u << CS_LEAF_BITS) - 1));
}
static inline struct slot *cspace_slot(oref cs, u32 idx) { return radix_slot(cspace_body(cs), idx); }

static inline bool radix_has_l2(const struct cspace *r, u32 idx)
{
    return r->l1[idx >> (CS_L2_BITS + CS_LEAF_BITS)] != 0;
}
static inline bool radix_has_leaf(const struct cspace *r, u32 idx)
{
    sref l2 = r->l1[idx >> (CS_L2_BITS + CS_LEAF_BITS)];
    return l2 && ((sref *)sref_ptr(l2))[(idx >> CS_LEAF_BITS) & ((1u << CS_L2_BITS) - 1)];
}

/* Storage for slot idx of space r, nodes charged to bank: E_OK, E_NOMEM,
 * E_REVOKED (bank being destroyed). idx must be below CAP_ADDR_LIMIT. With
 * a reservation (bank.h) the nodes come from it (the reservation paid). */
struct reserve;
int radix_ensure(struct cspace *r, oref bank, u32 idx, struct reserve *rs, struct slot **s);

/* Counting the nodes a run of new slots needs, each node once (a node is
 * counted again only if the run comes back to it: an over-estimate). */
struct radix_grow {
    u32 leaf, l2;     /* the last ones counted, ~0u: none */
    u32 nleaf, nl2;   /* nodes to allocate                */
};
#define RADIX_GROW_INIT {~0u, ~0u, 0, 0}
static inline void radix_count(const struct cspace *r, u32 idx, struct radix_grow *g)
{
    u32 leaf = idx >> CS_LEAF_BITS, l2 = idx >> (CS_LEAF_BITS + CS_L2_BITS);
    if (leaf == g->leaf || radix_has_leaf(r, idx))
        return;
    g->leaf = leaf;
    g->nleaf++;
    if (l2 != g->l2 && !radix_has_l2(r, idx)) {
        g->l2 = l2;
        g->nl2++;
    }
}
static inline u64 radix_grow_total(const struct radix_grow *g)
{
    return (u64)g->nleaf * store_block_size(CS_LEAF_BYTES) + (u64)g->nl2 * store_block_size(CS_L2_BYTES);
}
/* Reserve the nodes g counted, charged to bank (reserve_add). */
int radix_reserve(struct reserve *rs, oref bank, const struct radix_grow *g);
/* Bytes of nodes radix_ensure(idx) would allocate now. */
u64 radix_grow_bytes(const struct cspace *r, u32 idx);
/* Destroy space r in steps: delete every slot (remove_slot: the caller's
 * way of deleting one, e.g. with descendants), then free the nodes. */
int radix_reap_step(struct cspace *r, oref bank, u32 *budget);
/* Bytes of nodes r holds (for kernel_check). */
u64 radix_bytes(const struct cspace *r);

/* Look up idx: E_BADCAP if out of range, else E_OK with *s (NULL = empty). */
static inline int cspace_lookup(oref cs, u64 idx, struct slot **s)
{
    if (idx >= CAP_ADDR_LIMIT)
        return E_BADCAP;
    *s = cspace_slot(cs, (u32)idx);
    return E_OK;
}
/* Look up a live cap: E_BADCAP, E_EMPTY, or E_REVOKED for a void one. */
static inline int cspace_lookup_live(oref cs, u64 idx, struct slot **s)
{
    int e = cspace_lookup(cs, idx, s);
    if (e != E_OK)
        return e;
    if (!*s || !(*s)->obj)
        return E_EMPTY;
    return cap_live(*s) ? E_OK : E_REVOKED;
}

/* Like lookup, but allocates missing nodes (charged): E_BADCAP, E_NOMEM. */
int cspace_ensure(oref cs, u64 idx, struct slot **s);
/* Bytes of nodes cspace_ensure(idx) would allocate now. */
u64 cspace_grow_bytes(oref cs, u64 idx);

int cspace_reap_step(oref cs, u32 *budget);
/* Is slot p one of space r's slots? Then *idx is its index. O(r's
 * second-level nodes x 256): it looks for p's leaf among r's nodes. */
bool radix_index_of(const struct cspace *r, const struct slot *p, u32 *idx);

/* What the holder of a CSpace may learn of its slot's place in the
 * derivation tree (CS_TREE): cs_tree_view in cspace.c is the rule. */
struct tree_view {
    u32 depth;    /* 0: a root (or no cap)                                */
    u32 derived;  /* 1 if not a root                                      */
    u32 parent;   /* index of the parent in the same CSpace, or TREE_ROOT,
                   * TREE_OUTSIDE, TREE_FAR (abi.h)                        */
};
/* Slot s of CSpace cs (NULL: no cap there). */
void cs_tree_view(oref cs, const struct slot *s, struct tree_view *v);

/* ---- lookups: every cap address a kernel entry names ends here ------- */

/* What a capability finally designates, after wrappers. */
struct target {
    oref obj;
    u8 type;
    u8 rights;   /* intersection of the rights along the chain */
    u64 badge;   /* the badge along the chain (at most one is set) */
    u32 wraps;   /* number of wrappers passed */
    oref via;    /* the first wrapper passed (the one the cap names), or 0 */
};

/* Resolve the live cap in s: E_OK, E_EMPTY, E_REVOKED (a destroyed object or
 * a wrapper whose target was removed), E_DEPTH. The common case, a live cap
 * to anything but a wrapper, is inline; the rest is cap_resolve_chain(). */
int cap_resolve_chain(const struct slot *s, struct target *t);
static inline int cap_resolve(const struct slot *s, struct target *t)
{
    const struct obj *o = obj_get(s->obj);
    if (__builtin_expect(o->live == s->epoch, 1)) {
        if (__builtin_expect(o->type != OBJ_WRAPPER, 1)) {
            t->obj = s->obj;
            t->type = o->type;
            t->rights = s->rights;
            t->badge = s->badge;
            t->wraps = 0;
            t->via = 0;
            return E_OK;
        }
        /* One live wrapper over a live non-wrapper: the next most common
         * case (C8: forwarding costs a few loads, no IPC). */
        const struct wrapper *w = (const struct wrapper *)sref_ptr(o->body);
        const struct slot *ts = &w->target;
        const struct obj *to = obj_get(ts->obj);
        if (to->live == ts->epoch && to->type != OBJ_WRAPPER) {
            t->obj = ts->obj;
            t->type = to->type;
            t->rights = s->rights & ts->rights;
            t->badge = ts->badge ? ts->badge : w->badge ? w->badge : s->badge;
            t->wraps = 1;
            t->via = s->obj;
            return E_OK;
        }
    }
    return cap_resolve_chain(s, t);
}

/* Cap address -> slot -> live check -> wrapper resolution, all inline for
 * the common case (the hottest code in the kernel). */
static inline int cap_lookup(oref cs, u64 cptr, struct target *t)
{
    if (cptr >= CAP_ADDR_LIMIT)
        return E_BADCAP;
    struct slot *s = cspace_slot(cs, (u32)cptr);
    if (!s || !s->obj)
        return E_EMPTY;
    return cap_resolve(s, t);
}

/* cap_lookup in a caller's CSpace that is checked to be live first (the
 * kernel's own callers, IPC system calls): E_REVOKED if it is not. */
int kernel_lookup(oref caller_cs, u32 cptr, struct target *t);
/* A CSpace cap at cptr of the invocation's caller with at least `need`
 * rights (invoke.h's inv_lookup_cspace is the inline common case). */
struct inv;
int inv_lookup_cspace_any(const struct inv *iv, u64 cptr, u8 need, oref *cs);

struct inv;
int cspace_invoke(struct inv *iv);

#endif
