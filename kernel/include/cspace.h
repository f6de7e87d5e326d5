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
    u32 pad[14];
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

struct inv;
int cspace_invoke(struct inv *iv);

#endif
