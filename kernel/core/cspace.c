/* SPDX-License-Identifier: BSD-2-Clause */
/* cspace.c: capability spaces: radix lookup, growth, the slot-operation
 * invocations (COPY, MAP, GRANT, MINT, UNMAP, DELETE, INFO, WATCH, TREE)
 * and destruction. */
#include "cspace.h"
#include "charge.h"
#include "invoke.h"
#include "watch.h"

#define L2_SHIFT (CS_L2_BITS + CS_LEAF_BITS)
#define L2_MASK ((1u << CS_L2_BITS) - 1)
#define LEAF_MASK ((1u << CS_LEAF_BITS) - 1)
#define REAP_LOOKS 8192u  /* slot examinations per reap step (bounded work) */

u64 radix_grow_bytes(const struct cspace *r, u32 idx)
{
    sref l2 = r->l1[idx >> L2_SHIFT];
    if (!l2)
        return store_block_size(CS_L2_BYTES) + store_block_size(CS_LEAF_BYTES);
    if (!((sref *)sref_ptr(l2))[(idx >> CS_LEAF_BITS) & L2_MASK])
        return store_block_size(CS_LEAF_BYTES);
    return 0;
}

u64 cspace_grow_bytes(oref cs, u64 idx)
{
    return radix_grow_bytes(cspace_body(cs), (u32)idx);
}

/* A radix node for bank: from the reservation if one is given (then it
 * was counted and paid for before the operation committed), else newly
 * allocated and charged. */
static int radix_node(oref bank, u64 bytes, struct reserve *rs, sref *r)
{
    if (rs && (*r = reserve_take(rs, bank, bytes)))
        return E_OK;
    return bank_alloc_store(bank, bytes, r);
}

int radix_ensure(struct cspace *c, oref bank, u32 idx, struct reserve *rs, struct slot **s)
{
    u64 need = radix_grow_bytes(c, idx);
    if (need) {
        int e = rs ? E_OK : bank_can_charge(bank, need);
        if (e != E_OK)
            return e;
        sref *l1e = &c->l1[idx >> L2_SHIFT];
        sref new_l2 = 0, leaf;
        if (!*l1e && (e = radix_node(bank, CS_L2_BYTES, rs, &new_l2)) != E_OK)
            return e;
        sref l2 = *l1e ? *l1e : new_l2;
        if ((e = radix_node(bank, CS_LEAF_BYTES, rs, &leaf)) != E_OK) {
            if (new_l2)
                bank_free_store(bank, new_l2, CS_L2_BYTES);
            return e;
        }
        if (new_l2) {
            *l1e = new_l2;
            c->nodes++;
        }
        ((sref *)sref_ptr(l2))[(idx >> CS_LEAF_BITS) & L2_MASK] = leaf;
        c->nodes++;
    }
    *s = radix_slot(c, idx);
    return E_OK;
}

int radix_reserve(struct reserve *rs, oref bank, const struct radix_grow *g)
{
    int e = reserve_add(rs, bank, CS_L2_BYTES, g->nl2);
    return e == E_OK ? reserve_add(rs, bank, CS_LEAF_BYTES, g->nleaf) : e;
}

int cspace_ensure(oref cs, u64 idx, struct slot **s)
{
    if (idx >= CAP_ADDR_LIMIT)
        return E_BADCAP;
    return radix_ensure(cspace_body(cs), obj_get(cs)->bank, (u32)idx, NULL, s);
}

u64 radix_bytes(const struct cspace *c)
{
    u64 n = 0;
    for (u32 i = 0; i < (1u << CS_L1_BITS); i++) {
        if (!c->l1[i])
            continue;
        n += store_block_size(CS_L2_BYTES);
        const sref *l2 = sref_ptr(c->l1[i]);
        for (u32 j = 0; j <= L2_MASK; j++)
            if (l2[j])
                n += store_block_size(CS_LEAF_BYTES);
    }
    return n;
}

int radix_reap_step(struct cspace *c, oref bank, u32 *budget)
{
    u32 looks = 0;
    /* Phase 1: delete every cap (and its descendants, C6), in index order. */
    while (c->reap_cursor < CAP_ADDR_LIMIT) {
        u32 i = c->reap_cursor;
        if (++looks > REAP_LOOKS)
            return E_CONTINUE;
        sref l2 = c->l1[i >> L2_SHIFT];
        if (!l2) {
            c->reap_cursor = (i | ((1u << L2_SHIFT) - 1)) + 1;
            continue;
        }
        if (!((sref *)sref_ptr(l2))[(i >> CS_LEAF_BITS) & L2_MASK]) {
            c->reap_cursor = (i | LEAF_MASK) + 1;
            continue;
        }
        struct slot *s = radix_slot(c, i);
        if (s->obj) {
            int e = cap_delete_step(s, budget);
            if (e != E_OK)
                return e;
        }
        c->reap_cursor = i + 1;
    }
    /* Phase 2: free the radix nodes. */
    for (u32 i = 0; i < (1u << CS_L1_BITS); i++) {
        sref l2 = c->l1[i];
        if (!l2)
            continue;
        sref *n = (sref *)sref_ptr(l2);
        for (u32 j = 0; j <= L2_MASK; j++) {
            if (!n[j])
                continue;
            if (*budget == 0)
                return E_CONTINUE;
            (*budget)--;
            bank_free_store(bank, n[j], CS_LEAF_BYTES);
            n[j] = 0;
            c->nodes--;
        }
        if (*budget == 0)
            return E_CONTINUE;
        (*budget)--;
        bank_free_store(bank, l2, CS_L2_BYTES);
        c->l1[i] = 0;
        c->nodes--;
    }
    return E_OK;
}

bool radix_index_of(const struct cspace *r, const struct slot *p, u32 *idx)
{
    u64 off = (u64)((const u8 *)p - store.base);
    sref leaf = (sref)((off & ~(u64)(CS_LEAF_BYTES - 1)) / GRANULE);
    if (!leaf)
        return false;  /* the arena's first page holds no leaf (sref 0 is "none") */
    for (u32 i = 0; i < (1u << CS_L1_BITS); i++) {
        if (!r->l1[i])
            continue;
        const sref *l2 = sref_ptr(r->l1[i]);
        for (u32 j = 0; j <= L2_MASK; j++)
            if (l2[j] == leaf) {
                *idx = i << L2_SHIFT | j << CS_LEAF_BITS | (u32)(off % CS_LEAF_BYTES) / (u32)sizeof(struct slot);
                return true;
            }
    }
    return false;
}

int cspace_reap_step(oref cs, u32 *budget)
{
    return radix_reap_step(cspace_body(cs), obj_get(cs)->bank, budget);
}

/* ---- lookups ----------------------------------------------------------- */

int cap_resolve_chain(const struct slot *s, struct target *t)
{
    t->rights = R_ALL;
    t->badge = 0;
    t->wraps = 0;
    t->via = s->obj;
    for (;;) {
        if (!s->obj)
            return t->wraps ? E_REVOKED : E_EMPTY; /* wrapper target unmapped */
        if (!cap_live(s))
            return E_REVOKED;
        t->rights &= s->rights;
        if (s->badge)
            t->badge = s->badge;
        struct obj *o = obj_get(s->obj);
        if (o->type != OBJ_WRAPPER) {
            t->obj = s->obj;
            t->type = o->type;
            if (!t->wraps)
                t->via = 0;
            return E_OK;
        }
        if (++t->wraps > WRAP_MAX_DEPTH)
            return E_DEPTH;
        struct wrapper *w = wrapper_body(s->obj);
        if (w->badge)
            t->badge = w->badge;
        s = &w->target;
    }
}

int inv_lookup_cspace_any(const struct inv *iv, u64 cptr, u8 need, oref *cs)
{
    struct target t;
    int e = inv_lookup(iv, cptr, &t);
    if (e != E_OK)
        return e;
    if (t.type != OBJ_CSPACE)
        return E_TYPE;
    if ((t.rights & need) != need)
        return E_RIGHTS;
    *cs = t.obj;
    return E_OK;
}

int kernel_lookup(oref caller_cs, u32 cptr, struct target *t)
{
    if (caller_cs >= store.ntab || obj_get(caller_cs)->type != OBJ_CSPACE ||
        obj_get(caller_cs)->state != OS_LIVE)
        return E_REVOKED;  /* no (live) CSpace to look cap addresses up in */
    return cap_lookup(caller_cs, cptr, t);
}

/* ---- invocations ---------------------------------------------------- */

enum xfer { X_COPY, X_MAP, X_GRANT };

/* COPY / MAP / GRANT / MINT into the invoked CSpace (their dst, src_cs and
 * src are the same words: read as CS_COPY's). */
#define SAME_ARG(l, n) (TETHER_IN_INDEX(l, n) == TETHER_IN_INDEX(CS_COPY, n))
_Static_assert(SAME_ARG(CS_MAP, dst) && SAME_ARG(CS_MAP, src_cs) && SAME_ARG(CS_MAP, src) &&
                   SAME_ARG(CS_GRANT, dst) && SAME_ARG(CS_GRANT, src_cs) &&
                   SAME_ARG(CS_GRANT, src) && SAME_ARG(CS_MINT, dst) &&
                   SAME_ARG(CS_MINT, src_cs) && SAME_ARG(CS_MINT, src),
               "CS_COPY, CS_MAP, CS_GRANT and CS_MINT share dst, src_cs, src");
#undef SAME_ARG
static int cs_transfer(struct inv *iv, enum xfer op, u64 mask, u64 badge, bool mint)
{
    oref dcs = iv->t.obj, scs;
    struct slot *s, *d;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    int e = cspace_lookup(dcs, ARG(iv, CS_COPY, dst), &d);
    if (e != E_OK)
        return e;
    /* GRANT empties the source slot: it needs write access there too. */
    e = inv_lookup_cspace(iv, ARG(iv, CS_COPY, src_cs), op == X_GRANT ? R_READ | R_WRITE : R_READ, &scs);
    if (e != E_OK || (e = cspace_lookup(scs, ARG(iv, CS_COPY, src), &s)) != E_OK)
        return e;
    if (!s || !cap_live(s))
        return E_EMPTY;  /* a void cap transfers like an empty slot (S3) */
    if (mint) {
        u8 ty = obj_get(s->obj)->type;
        if (ty != OBJ_ENDPOINT && ty != OBJ_NOTIFICATION)
            return E_TYPE;
        if (!badge || s->badge)
            return E_INVAL;
    }
    if (op == X_MAP && !cap_can_derive(s))
        return E_DEPTH;
    if ((e = cap_dst_check(d)) != E_OK)
        return e;
    if (!d && (e = cspace_ensure(dcs, ARG(iv, CS_COPY, dst), &d)) != E_OK)
        return e;
    /* Perform (C1: rights only shrink). */
    cap_dst_clear(d);
    u8 rights = cap_rights_mask(s->rights, mask);
    switch (op) {
    case X_COPY:  cap_copy(s, d, rights, mint ? badge : s->badge); break;
    case X_MAP:   cap_map(s, d, rights, mint ? badge : s->badge); break;
    case X_GRANT: cap_grant(s, d, rights); break;
    }
    return E_OK;
}

static int cs_unmap(struct inv *iv, u64 idx, u64 self)
{
    struct slot *s;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    int e = cspace_lookup(iv->t.obj, idx, &s);
    if (e != E_OK)
        return e;
    if (self > 1)
        return E_INVAL;
    if (!s || !s->obj)
        return E_EMPTY;
    u32 budget = REVOKE_BUDGET;
    return self ? cap_delete_step(s, &budget) : cap_revoke_step(s, &budget);
}

static int cs_info(struct inv *iv)
{
    struct slot *s;
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    int e = cspace_lookup(iv->t.obj, ARG(iv, CS_INFO, slot), &s);
    if (e != E_OK)
        return e;
    u32 st = s ? slot_status(s) : SLOT_EMPTY;
    RES(iv, CS_INFO, status) = st;
    RES(iv, CS_INFO, type) = st == SLOT_LIVE ? obj_get(s->obj)->type : OBJ_NONE;
    RES(iv, CS_INFO, rights) = st == SLOT_LIVE ? s->rights : 0;
    RES(iv, CS_INFO, badge) = st == SLOT_LIVE ? s->badge : 0;
    return E_OK;
}

/* The rule of CS_TREE: what the holder of CSpace cs may learn about where
 * slot s (of cs) is in its derivation tree. Its depth and whether it is
 * derived are its own; of its parent only the index, and only if the
 * parent is a slot of cs too. A parent anywhere else (another CSpace, an
 * AddrSpace, a kernel object's kept cap, a frame's master) is
 * TREE_OUTSIDE, whatever it is: no CSpace, index or object of another
 * space comes out. The walk back to the parent is bounded (TREE_FAR). */
void cs_tree_view(oref cs, const struct slot *s, struct tree_view *v)
{
    struct slot *p;
    u32 budget = TREE_WALK_MAX, idx;
    v->depth = s ? s->depth : 0;
    v->derived = v->depth != 0;
    v->parent = TREE_ROOT;
    if (!v->derived)
        return;
    if (cap_parent_within(s, &budget, &p) != E_OK)
        v->parent = TREE_FAR;
    else
        v->parent = p && radix_index_of(cspace_body(cs), p, &idx) ? idx : TREE_OUTSIDE;
}

static int cs_tree(struct inv *iv)
{
    struct slot *s;
    struct tree_view v;
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    int e = cspace_lookup(iv->t.obj, ARG(iv, CS_TREE, slot), &s);
    if (e != E_OK)
        return e;
    if (s && !s->obj)
        s = NULL;  /* an empty slot */
    cs_tree_view(iv->t.obj, s, &v);
    RES(iv, CS_TREE, status) = s ? slot_status(s) : SLOT_EMPTY;
    RES(iv, CS_TREE, depth) = v.depth;
    RES(iv, CS_TREE, derived) = v.derived;
    RES(iv, CS_TREE, parent) = v.parent;
    return E_OK;
}

/* CS_WATCH (T4): check everything (the range, the notification cap, the
 * storage the new registrations need, reserved all or nothing), then
 * register, replace or remove (watch.h). Out of line: its reservation's
 * stack frame stays off the other methods' path. */
static __attribute__((noinline)) int cs_watch(struct inv *iv)
{
    oref cs = iv->t.obj;
    u64 first = ARG(iv, CS_WATCH, slot), count = ARG(iv, CS_WATCH, count);
    u64 ncptr = ARG(iv, CS_WATCH, ntfn);
    struct slot *nc = NULL;
    struct reserve rs;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    if (first >= CAP_ADDR_LIMIT || count > CAP_ADDR_LIMIT - first)
        return E_BADCAP;
    if (count == 0 || count > WATCH_MAX)
        return E_INVAL;
    if (ncptr != CAP_NONE) {
        int e = cspace_lookup_live(iv->caller_cs, ncptr, &nc);
        if (e != E_OK)
            return e;
        if (obj_get(nc->obj)->type != OBJ_NOTIFICATION)
            return E_TYPE;  /* wrappers too: the registration keeps a MAP */
        if (!(nc->rights & R_WRITE))
            return E_RIGHTS;
        if (!nc->badge)
            return E_INVAL;  /* a zero badge leaves no trace */
        if (!cap_can_derive(nc))
            return E_DEPTH;
    }
    u32 live = 0, fresh = 0, n = 0;
    for (u32 i = 0; i < count; i++) {
        struct slot *s = cspace_slot(cs, (u32)(first + i));
        live += s && cap_live(s);
        fresh += nc && s && cap_live(s) && !(s->flags & SLOT_WATCHED);
    }
    if (nc && !live)
        return E_EMPTY;  /* void slots are skipped, as empty ones (S3) */
    reserve_init(&rs);
    int e = reserve_add(&rs, obj_get(cs)->bank, WATCH_BYTES, fresh);
    if (e != E_OK)
        return e;
    /* Perform. */
    for (u32 i = 0; i < count; i++) {
        struct slot *s = cspace_slot(cs, (u32)(first + i));
        if (!s || !(nc ? cap_live(s) : (s->flags & SLOT_WATCHED) != 0))
            continue;
        n++;
        if (!nc)
            watch_drop(s);
        else
            watch_set(cs, s, nc, s->flags & SLOT_WATCHED ? 0 : reserve_take(&rs, obj_get(cs)->bank, WATCH_BYTES));
    }
    reserve_drop(&rs);  /* nothing is left: exactly `fresh` were taken */
    RES(iv, CS_WATCH, watched) = n;
    return E_OK;
}

int cspace_invoke(struct inv *iv)
{
    switch (iv->label) {
    case CS_COPY:   return cs_transfer(iv, X_COPY, ARG(iv, CS_COPY, rights), 0, false);
    case CS_MAP:    return cs_transfer(iv, X_MAP, ARG(iv, CS_MAP, rights), 0, false);
    case CS_GRANT:  return cs_transfer(iv, X_GRANT, ARG(iv, CS_GRANT, rights), 0, false);
    case CS_MINT:
        if (!(iv->t.rights & R_WRITE))
            return E_RIGHTS;  /* the invoked cap's rights come first, as everywhere */
        if (ARG(iv, CS_MINT, op) > MINT_MAP)
            return E_INVAL;
        return cs_transfer(iv, ARG(iv, CS_MINT, op) == MINT_MAP ? X_MAP : X_COPY,
                           ARG(iv, CS_MINT, rights), ARG(iv, CS_MINT, badge), true);
    case CS_UNMAP:  return cs_unmap(iv, ARG(iv, CS_UNMAP, slot), ARG(iv, CS_UNMAP, include_self));
    case CS_DELETE: return cs_unmap(iv, ARG(iv, CS_DELETE, slot), 1);
    case CS_INFO:   return cs_info(iv);
    case CS_WATCH:  return cs_watch(iv);
    case CS_TREE:   return cs_tree(iv);
    default:        return E_LABEL;
    }
}
