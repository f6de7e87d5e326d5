/* aspace.c: address spaces: mapping slots, flexpages, page tables. */
#include "aspace.h"
#include "bank.h"
#include "frame.h"
#include "invoke.h"
#include "sched.h"

static inline u64 va_of(u32 vpn) { return (u64)vpn << 12; }
static inline void *ctx_of(oref as) { return (void *)(uptr)as; }

void *aspace_pt_alloc(void *ctx)
{
    oref as = (oref)(uptr)ctx;
    sref r;
    if (bank_alloc_store(obj_get(as)->bank, PAGE_BYTES, &r) != E_OK)
        return NULL;
    aspace_body(as)->pt_pages++;
    return sref_ptr(r);
}

static void pt_free(void *ctx, void *page)
{
    oref as = (oref)(uptr)ctx;
    bank_free_store(obj_get(as)->bank, ptr_sref(page), PAGE_BYTES);
    aspace_body(as)->pt_pages--;
}

int aspace_init(oref as)
{
    return hal_pt_create(&aspace_body(as)->pt, aspace_pt_alloc, ctx_of(as));
}

void aspace_unmapped(const struct slot *s)
{
    struct aspace *a = aspace_body((oref)(s->badge >> 32));
    if (a->pt.root)
        hal_pt_unmap(&a->pt, va_of((u32)s->badge));
}

int aspace_reap_step(oref as, u32 *budget)
{
    struct aspace *a = aspace_body(as);
    /* Every mapping goes (with what was derived from it, C6), then the
     * mapping table, then the page tables. */
    int e = radix_reap_step(&a->map, obj_get(as)->bank, budget);
    if (e != E_OK)
        return e;
    /* Never leave the CPU on a page table that is about to be freed. */
    sched_forget_aspace(&a->pt);
    return hal_pt_destroy_step(&a->pt, pt_free, ctx_of(as), budget);
}

/* ---- installing mappings ------------------------------------------------ */

/* What a run of new mappings will allocate, counted exactly: each missing
 * radix leaf and second-level node once, each missing page table once. */
struct grow {
    u32 leaf, l2, table, gig;  /* the last ones counted; ~0u: none */
};
#define GROW_INIT {~0u, ~0u, ~0u, ~0u}

/* (The helpers of the map paths are forced inline: calls between them cost
 * more than their bodies on riscv64.) */
#define HOT static inline __attribute__((always_inline))

HOT u64 grow_bytes(struct aspace *a, u32 vpn, bool have_slot, int tables, struct grow *g)
{
    u64 n = 0;
    u32 leaf = vpn >> CS_LEAF_BITS, l2 = vpn >> (CS_LEAF_BITS + CS_L2_BITS);
    if (!have_slot && leaf != g->leaf) {
        g->leaf = leaf;
        if (!radix_has_leaf(&a->map, vpn)) {
            n += store_block_size(CS_LEAF_BYTES);
            if (!radix_has_l2(&a->map, vpn) && l2 != g->l2) {
                n += store_block_size(CS_L2_BYTES);
                g->l2 = l2;
            }
        }
    }
    u32 table = vpn >> 9, gig = vpn >> 18;  /* 512 pages per last-level table */
    if (table != g->table) {
        g->table = table;
        int k = tables < 0 ? 0 : tables;
        if (k == 2 && gig == g->gig)
            k = 1;  /* the 1 GiB table is already counted */
        else if (k == 2)
            g->gig = gig;
        n += (u64)k * PAGE_BYTES;
    }
    return n;
}

/* May page vpn of `as` receive a mapping? It must be empty (a void leaf is
 * cleaned when the mapping is made) and have no page-table entry of its own
 * (there should be none without a slot; checked anyway).
 * Adds the storage it would need to *need. */
HOT int check_dst(oref as, u32 vpn, struct grow *g, u64 *need, struct slot **dp, void **pte)
{
    struct aspace *a = aspace_body(as);
    struct slot *d = *dp = radix_slot(&a->map, vpn);
    int tables = hal_pt_need(&a->pt, va_of(vpn), pte);  /* -1: a page is mapped there */
    if (d && d->obj) {
        if (cap_live(d) || mdb_has_children(d))
            return E_FULL;
    } else if (tables < 0) {
        return E_FULL;  /* an entry without a slot: never overwrite it */
    }
    *need += grow_bytes(a, vpn, d != NULL, tables, g);
    return E_OK;
}

/* Allocate what a mapping at vpn needs (radix slot, page tables): the only
 * step that allocates, done for a whole transfer before anything is mapped. */
static int prepare_one(oref as, u32 vpn)
{
    struct aspace *a = aspace_body(as);
    struct slot *d;
    int e = radix_ensure(&a->map, obj_get(as)->bank, vpn, &d);
    if (e == E_OK)
        e = hal_pt_prepare(&a->pt, va_of(vpn), aspace_pt_alloc, ctx_of(as));
    return e;
}

/* Make slot d, page vpn of `as`, a mapping derived from src by op (checked
 * and prepared: nothing here can fail). pte: its empty page-table entry if
 * known (hal_pt_need), else NULL. */
HOT void map_one(oref as, u32 vpn, struct slot *d, void *pte, struct slot *src, u8 op, u8 rights)
{
    struct aspace *a = aspace_body(as);
    if (d->obj) {
        u32 budget = 1;
        cap_delete_step(d, &budget);  /* a void leaf (check_dst) */
    }
    oref frame = src->obj;
    switch (op) {
    case ITEM_COPY: cap_copy(src, d, rights, 0); break;
    case ITEM_MAP:  cap_map(src, d, rights, 0); break;
    default:
        if (src->flags & SLOT_MAPPING)
            aspace_unmapped(src);  /* it leaves its old page */
        cap_grant(src, d, rights);
        break;
    }
    d->flags = SLOT_MAPPING;
    d->badge = MAPPING_WHERE(as, vpn);
    rights &= R_READ | R_WRITE | R_EXEC;
    if (pte)
        hal_pt_set(pte, frame_page(frame), rights);
    else
        hal_pt_map(&a->pt, va_of(vpn), frame_page(frame), rights, aspace_pt_alloc, ctx_of(as));
}

int flex_check(const struct flex *f, u64 *need)
{
    struct aspace *src = aspace_body(f->src_as);
    struct grow g = GROW_INIT;
    for (u32 i = 0; i < f->npages; i++) {
        struct slot *s = radix_slot(&src->map, f->src_vpn + i);
        if (!s || !cap_live(s))
            continue;  /* nothing mapped there: nothing to send */
        if (f->op == ITEM_MAP && s->depth + 1u > MDB_MAX_DEPTH)
            return E_DEPTH;
        struct slot *d;
        int e = check_dst(f->dst_as, f->dst_vpn + i, &g, need, &d, NULL);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

int flex_prepare(const struct flex *f)
{
    struct aspace *src = aspace_body(f->src_as);
    for (u32 i = 0; i < f->npages; i++) {
        struct slot *s = radix_slot(&src->map, f->src_vpn + i);
        int e = s && cap_live(s) ? prepare_one(f->dst_as, f->dst_vpn + i) : E_OK;
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

void flex_do(const struct flex *f)
{
    struct aspace *src = aspace_body(f->src_as);
    for (u32 i = 0; i < f->npages; i++) {
        struct slot *s = radix_slot(&src->map, f->src_vpn + i);
        u32 d = f->dst_vpn + i;
        if (s && cap_live(s))
            map_one(f->dst_as, d, radix_slot(&aspace_body(f->dst_as)->map, d), NULL, s, f->op,
                    (u8)(s->rights & f->rights));
    }
}

/* ---- invocations -------------------------------------------------------- */

/* A flexpage argument: page-aligned va, 2^log2 pages, inside the limit. */
static int flex_range(u64 va, u64 log2, u32 *vpn, u32 *n)
{
    if (log2 > FLEX_MAX_LOG2 || va % PAGE_BYTES || va >= USER_VA_LIMIT ||
        (va >> 12) + (1ull << log2) > (USER_VA_LIMIT >> 12))
        return E_INVAL;
    *vpn = (u32)(va >> 12);
    *n = 1u << log2;
    return E_OK;
}

/* aspace_map for a page number already checked. */
HOT int map_page(oref as, u32 vpn, struct slot *src, u8 op, u8 rights)
{
    u64 need = 0;
    struct grow g = GROW_INIT;
    struct slot *d;
    void *pte = NULL;
    int e;
    if (op == ITEM_MAP && src->depth + 1u > MDB_MAX_DEPTH)
        return E_DEPTH;
    if ((e = check_dst(as, vpn, &g, &need, &d, &pte)) != E_OK)
        return e;
    if (need) {
        pte = NULL;  /* tables will be added: walk again when mapping */
        if ((e = bank_can_charge(obj_get(as)->bank, need)) != E_OK)
            return e;
        if ((e = prepare_one(as, vpn)) != E_OK)
            return e;  /* storage too fragmented: at most empty nodes were added */
        d = radix_slot(&aspace_body(as)->map, vpn);
    }
    map_one(as, vpn, d, pte, src, op, rights);
    return E_OK;
}

int aspace_map(oref as, u64 va, struct slot *src, u8 op, u8 rights)
{
    u32 vpn, n;
    int e = flex_range(va, 0, &vpn, &n);
    return e != E_OK ? e : map_page(as, vpn, src, op, rights);
}

/* AS_MAP_FRAME(frame cap, va, rights, op): a frame cap at a page. */
static int as_map_frame(struct inv *iv)
{
    oref as = iv->t.obj;
    struct slot *fs;
    u32 vpn, n;
    u64 op = iv->a[3];
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    int e = cspace_lookup_live(iv->caller_cs, iv->a[0], &fs);
    if (e != E_OK)
        return e == E_REVOKED ? E_EMPTY : e;
    if (obj_get(fs->obj)->type != OBJ_FRAME)
        return E_TYPE;
    if ((e = flex_range(iv->a[1], 0, &vpn, &n)) != E_OK)
        return e;
    if (op > ITEM_GRANT)
        return E_INVAL;
    u8 rights = (u8)(fs->rights & iv->a[2] & (R_READ | R_WRITE | R_EXEC));
    if (!(rights & R_READ))
        return E_RIGHTS;  /* every mapping can at least be read */
    return map_page(as, vpn, fs, (u8)op, rights);
}

/* AS_MAP(src aspace, src va, dst va, log2, rights, op): flexpage into this
 * AddrSpace; all or nothing. */
static int as_map(struct inv *iv)
{
    struct flex f;
    struct target st;
    u64 need = 0, op = iv->a[5];
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    int e = inv_lookup(iv, iv->a[0], &st);
    if (e != E_OK)
        return e;
    if (st.type != OBJ_ASPACE)
        return E_TYPE;
    if (!(st.rights & R_READ) || (op == ITEM_GRANT && !(st.rights & R_WRITE)))
        return E_RIGHTS;
    if ((e = flex_range(iv->a[1], iv->a[3], &f.src_vpn, &f.npages)) != E_OK ||
        (e = flex_range(iv->a[2], iv->a[3], &f.dst_vpn, &f.npages)) != E_OK)
        return e;
    if (op > ITEM_GRANT || !(iv->a[4] & R_READ))
        return E_INVAL;
    f.src_as = st.obj;
    f.dst_as = iv->t.obj;
    f.op = (u8)op;
    f.rights = (u8)iv->a[4];
    if (f.src_as == f.dst_as && f.src_vpn < f.dst_vpn + f.npages && f.dst_vpn < f.src_vpn + f.npages)
        return E_INVAL;  /* overlapping ranges in one AddrSpace */
    if ((e = flex_check(&f, &need)) != E_OK)
        return e;
    if (need && (e = bank_can_charge(obj_get(f.dst_as)->bank, need)) != E_OK)
        return e;
    if (need && (e = flex_prepare(&f)) != E_OK)
        return e;  /* storage too fragmented: at most empty nodes were added */
    flex_do(&f);
    return E_OK;
}

/* AS_UNMAP(va, log2, self): C5 for a range of pages; restartable. */
static int as_unmap(struct inv *iv)
{
    struct aspace *a = aspace_body(iv->t.obj);
    u32 vpn, n, budget = REVOKE_BUDGET;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    int e = flex_range(iv->a[0], iv->a[1], &vpn, &n);
    if (e != E_OK)
        return e;
    if (iv->a[2] > 1)
        return E_INVAL;
    for (u32 i = 0; i < n; i++) {
        struct slot *s = radix_slot(&a->map, vpn + i);
        if (!s || !s->obj)
            continue;
        e = iv->a[2] ? cap_delete_step(s, &budget) : cap_revoke_step(s, &budget);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

static int as_info(struct inv *iv)
{
    struct aspace *a = aspace_body(iv->t.obj);
    u32 vpn, n, r = 0;
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    int e = flex_range(iv->a[0] & ~(u64)(PAGE_BYTES - 1), 0, &vpn, &n);
    if (e != E_OK)
        return e;
    struct slot *s = radix_slot(&a->map, vpn);
    u32 st = s ? slot_status(s) : SLOT_EMPTY;
    iv->r[0] = st;
    iv->r[1] = st == SLOT_LIVE ? s->rights : 0;
    iv->r[2] = hal_pt_lookup(&a->pt, va_of(vpn), &r) != NULL;
    return E_OK;
}

int aspace_invoke(struct inv *iv)
{
    switch (iv->label) {
    case AS_MAP_FRAME: return as_map_frame(iv);
    case AS_MAP:       return as_map(iv);
    case AS_UNMAP:     return as_unmap(iv);
    case AS_INFO:      return as_info(iv);
    default:           return E_LABEL;
    }
}

/* ---- kernel access to user memory ---------------------------------------- */

bool aspace_readable(oref as, u64 va, u64 n)
{
    const hal_pt_root *pt = &aspace_body(as)->pt;
    u32 rights;
    if (va + n < va)
        return false;
    for (u64 p = va & ~(u64)(PAGE_BYTES - 1); p < va + n; p += PAGE_BYTES)
        if (!hal_pt_lookup(pt, p, &rights) || !(rights & R_READ))
            return false;
    return true;
}

int aspace_copy_in(oref as, u64 va, void *buf, u64 n)
{
    const hal_pt_root *pt = &aspace_body(as)->pt;
    u8 *out = buf;
    u32 rights;
    /* Check the whole range first: a bad pointer copies nothing. */
    if (!aspace_readable(as, va, n))
        return E_FAULT;
    while (n) {
        const u8 *page = hal_pt_lookup(pt, va, &rights);
        u64 off = va % PAGE_BYTES, k = PAGE_BYTES - off;
        if (k > n)
            k = n;
        for (u64 i = 0; i < k; i++)
            out[i] = page[off + i];
        out += k, va += k, n -= k;
    }
    return E_OK;
}
