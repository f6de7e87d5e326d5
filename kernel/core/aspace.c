/* SPDX-License-Identifier: BSD-2-Clause */
/* aspace.c: address spaces: mapping slots, flexpages, page tables. */
#include "aspace.h"
#include "charge.h"
#include "frame.h"
#include "invoke.h"
#include "sched.h"

static inline u64 va_of(u32 vpn) { return (u64)vpn << 12; }
static inline void *ctx_of(oref as) { return (void *)(uptr)as; }  /* pt_free's */

void *aspace_pt_alloc(void *ctx)
{
    const struct pt_ctx *c = ctx;
    oref bank = obj_get(c->as)->bank;
    sref r = c->rs ? reserve_take(c->rs, bank, PAGE_BYTES) : 0;
    if (!r && bank_alloc_store(bank, PAGE_BYTES, &r) != E_OK)
        return NULL;
    aspace_body(c->as)->pt_pages++;
    store_mark_pt(sref_ptr(r), true);
    return sref_ptr(r);
}

static void pt_free(void *ctx, void *page)
{
    oref as = (oref)(uptr)ctx;
    store_mark_pt(page, false);
    bank_free_store(obj_get(as)->bank, ptr_sref(page), PAGE_BYTES);
    aspace_body(as)->pt_pages--;
}

int aspace_init(oref as, oref bank, u64 arg)
{
    (void)bank, (void)arg;
    struct pt_ctx c = {as, NULL};
    return hal_pt_create(&aspace_body(as)->pt, aspace_pt_alloc, &c);
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

/* (The helpers of the map paths are forced inline: calls between them cost
 * more than their bodies on riscv64.) */
#define HOT static inline __attribute__((always_inline))

HOT void grow_count(struct aspace *a, u32 vpn, bool have_slot, int tables, struct as_grow *g)
{
    if (!have_slot)
        radix_count(&a->map, vpn, &g->r);
    u32 table = vpn >> 9, gig = vpn >> 18;  /* 512 pages per last-level table */
    if (table != g->table) {
        g->table = table;
        int k = tables < 0 ? 0 : tables;
        if (k == 2 && gig == g->gig)
            k = 1;  /* the 1 GiB table is already counted */
        else if (k == 2)
            g->gig = gig;
        g->npt += (u32)k;
    }
}

static inline bool grow_any(const struct as_grow *g) { return g->r.nleaf | g->r.nl2 | g->npt; }

/* Reserve (allocate and charge to the AddrSpace's bank) what g counted. */
static int grow_reserve(struct reserve *rs, oref as, const struct as_grow *g)
{
    oref bank = obj_get(as)->bank;
    int e = radix_reserve(rs, bank, &g->r);
    return e == E_OK ? reserve_add(rs, bank, PAGE_BYTES, g->npt) : e;
}

/* May page vpn of `as` receive a mapping? Its slot must pass the
 * destination rule (cap_dst_check) and have no page-table entry of its own
 * (there should be none without a slot; checked anyway). Counts what the
 * mapping would allocate into g. */
HOT int check_dst(oref as, u32 vpn, struct as_grow *g, struct slot **dp, void **pte)
{
    struct aspace *a = aspace_body(as);
    struct slot *d = *dp = radix_slot(&a->map, vpn);
    int tables = hal_pt_need(&a->pt, va_of(vpn), pte);  /* -1: a page is mapped there */
    int e = cap_dst_check(d);
    if (e != E_OK)
        return e;
    if ((!d || !d->obj) && tables < 0)
        return E_FULL;  /* an entry without a slot: never overwrite it */
    grow_count(a, vpn, d != NULL, tables, g);
    return E_OK;
}

/* Build what a mapping at vpn needs (radix slot, page tables) from the
 * reservation the caller made after counting: done for a whole transfer
 * before anything is mapped. */
static int prepare_one(oref as, u32 vpn, struct reserve *rs)
{
    struct aspace *a = aspace_body(as);
    struct pt_ctx c = {as, rs};
    struct slot *d;
    int e = radix_ensure(&a->map, obj_get(as)->bank, vpn, rs, &d);
    if (e == E_OK)
        e = hal_pt_prepare(&a->pt, va_of(vpn), aspace_pt_alloc, &c);
    return e;
}

/* Make slot d, page vpn of `as`, a mapping derived from src by op (checked
 * and prepared: nothing here can fail). pte: its empty page-table entry if
 * known (hal_pt_need), else NULL. */
HOT void map_one(oref as, u32 vpn, struct slot *d, void *pte, struct slot *src, u8 op, u8 rights)
{
    struct aspace *a = aspace_body(as);
    cap_dst_clear(d);
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
    if (__builtin_expect(store_track.on, 0))
        rights &= ~R_WRITE;  /* P2: granted on the first write (aspace_refill) */
    if (pte) {
        hal_pt_set(pte, frame_page(frame), rights);
    } else {
        struct pt_ctx c = {as, NULL};  /* prepared: allocates nothing */
        hal_pt_map(&a->pt, va_of(vpn), frame_page(frame), rights, aspace_pt_alloc, &c);
    }
}

/* The live mapping a flexpage transfer reads at page i of its source. */
static inline struct slot *flex_src(const struct flex *f, u32 i)
{
    struct slot *s = radix_slot(&aspace_body(f->src_as)->map, f->src_vpn + i);
    return s && cap_live(s) ? s : NULL;
}

static inline bool ranges_meet(u32 a, u32 na, u32 b, u32 nb) { return a < b + nb && b < a + na; }

int flex_disjoint(const struct flex *f, u32 n)
{
    for (u32 i = 0; i < n; i++)
        for (u32 j = 0; j < n; j++) {
            if (f[i].src_as == f[j].dst_as &&
                ranges_meet(f[i].src_vpn, f[i].npages, f[j].dst_vpn, f[j].npages))
                return E_INVAL;  /* would read what it writes */
            if (j > i && f[i].dst_as == f[j].dst_as &&
                ranges_meet(f[i].dst_vpn, f[i].npages, f[j].dst_vpn, f[j].npages))
                return E_INVAL;  /* writes a page twice */
            if (j > i && f[i].src_as == f[j].src_as && (f[i].op == ITEM_GRANT || f[j].op == ITEM_GRANT) &&
                ranges_meet(f[i].src_vpn, f[i].npages, f[j].src_vpn, f[j].npages))
                return E_INVAL;  /* a page moved away can't be used twice */
        }
    return E_OK;
}

int flex_check(const struct flex *f, struct as_grow *g)
{
    for (u32 i = 0; i < f->npages; i++) {
        struct slot *s = flex_src(f, i);
        if (!s)
            continue;  /* nothing mapped there: nothing to send */
        if (f->op == ITEM_MAP && !cap_can_derive(s))
            return E_DEPTH;
        struct slot *d;
        int e = check_dst(f->dst_as, f->dst_vpn + i, g, &d, NULL);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

int flex_reserve(struct reserve *rs, oref dst_as, const struct as_grow *g)
{
    return grow_any(g) ? grow_reserve(rs, dst_as, g) : E_OK;
}

int flex_prepare(const struct flex *f, struct reserve *rs)
{
    for (u32 i = 0; i < f->npages; i++) {
        int e = flex_src(f, i) ? prepare_one(f->dst_as, f->dst_vpn + i, rs) : E_OK;
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

void flex_do(const struct flex *f)
{
    for (u32 i = 0; i < f->npages; i++) {
        struct slot *s = flex_src(f, i);
        u32 d = f->dst_vpn + i;
        if (s)
            map_one(f->dst_as, d, radix_slot(&aspace_body(f->dst_as)->map, d), NULL, s, f->op,
                    cap_rights_mask(s->rights, f->rights));
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
    struct as_grow g = AS_GROW_INIT;
    struct slot *d;
    void *pte = NULL;
    int e;
    if (op == ITEM_MAP && !cap_can_derive(src))
        return E_DEPTH;
    if ((e = check_dst(as, vpn, &g, &d, &pte)) != E_OK)
        return e;
    if (grow_any(&g)) {
        /* Tables or nodes are missing: pay for all of them first. */
        struct reserve rs;
        reserve_init(&rs);
        if ((e = grow_reserve(&rs, as, &g)) == E_OK)
            e = prepare_one(as, vpn, &rs);
        reserve_drop(&rs);
        if (e != E_OK)
            return e;
        pte = NULL;  /* tables were added: walk again when mapping */
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
    u64 op = ARG(iv, AS_MAP_FRAME, op);
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    int e = cspace_lookup_live(iv->caller_cs, ARG(iv, AS_MAP_FRAME, frame), &fs);
    if (e != E_OK)
        return e == E_REVOKED ? E_EMPTY : e;
    if (obj_get(fs->obj)->type != OBJ_FRAME)
        return E_TYPE;
    if ((e = flex_range(ARG(iv, AS_MAP_FRAME, va), 0, &vpn, &n)) != E_OK)
        return e;
    if (op > ITEM_GRANT)
        return E_INVAL;
    u8 rights =
        cap_rights_mask(fs->rights, ARG(iv, AS_MAP_FRAME, rights) & (R_READ | R_WRITE | R_EXEC));
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
    u64 op = ARG(iv, AS_MAP, op);
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    int e = inv_lookup(iv, ARG(iv, AS_MAP, src_as), &st);
    if (e != E_OK)
        return e;
    if (st.type != OBJ_ASPACE)
        return E_TYPE;
    if (!(st.rights & R_READ) || (op == ITEM_GRANT && !(st.rights & R_WRITE)))
        return E_RIGHTS;
    if ((e = flex_range(ARG(iv, AS_MAP, src_va), ARG(iv, AS_MAP, log2_pages), &f.src_vpn,
                        &f.npages)) != E_OK ||
        (e = flex_range(ARG(iv, AS_MAP, dst_va), ARG(iv, AS_MAP, log2_pages), &f.dst_vpn,
                        &f.npages)) != E_OK)
        return e;
    if (op > ITEM_GRANT || !(ARG(iv, AS_MAP, rights) & R_READ))
        return E_INVAL;
    f.src_as = st.obj;
    f.dst_as = iv->t.obj;
    f.op = (u8)op;
    f.rights = (u8)ARG(iv, AS_MAP, rights);
    if ((e = flex_disjoint(&f, 1)) != E_OK)
        return e;  /* overlapping ranges in one AddrSpace */
    struct as_grow g = AS_GROW_INIT;
    struct reserve rs;
    if ((e = flex_check(&f, &g)) != E_OK)
        return e;
    reserve_init(&rs);
    if ((e = flex_reserve(&rs, f.dst_as, &g)) == E_OK)
        e = flex_prepare(&f, &rs);
    if (e == E_OK)
        flex_do(&f);
    reserve_drop(&rs);
    return e;
}

/* AS_UNMAP(va, log2, self): C5 for a range of pages; restartable. */
static int as_unmap(struct inv *iv)
{
    struct aspace *a = aspace_body(iv->t.obj);
    u32 vpn, n, budget = REVOKE_BUDGET;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    int e = flex_range(ARG(iv, AS_UNMAP, va), ARG(iv, AS_UNMAP, log2_pages), &vpn, &n);
    if (e != E_OK)
        return e;
    if (ARG(iv, AS_UNMAP, include_self) > 1)
        return E_INVAL;
    for (u32 i = 0; i < n; i++) {
        struct slot *s = radix_slot(&a->map, vpn + i);
        if (!s || !s->obj)
            continue;
        e = ARG(iv, AS_UNMAP, include_self) ? cap_delete_step(s, &budget)
                                            : cap_revoke_step(s, &budget);
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
    int e = flex_range(ARG(iv, AS_INFO, va) & ~(u64)(PAGE_BYTES - 1), 0, &vpn, &n);
    if (e != E_OK)
        return e;
    struct slot *s = radix_slot(&a->map, vpn);
    u32 st = s ? slot_status(s) : SLOT_EMPTY;
    RES(iv, AS_INFO, status) = st;
    RES(iv, AS_INFO, rights) = st == SLOT_LIVE ? s->rights : 0;
    RES(iv, AS_INFO, mapped) = hal_pt_lookup(&a->pt, va_of(vpn), &r) != NULL;
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

/* ---- page tables are a cache of the mapping slots (P3) ------------------ */

u64 aspace_refills;

/* The frame page mapped at vpn of `as` with at least `need` rights, from
 * its mapping slot (never from the page table), or NULL. */
static void *mapped_page(oref as, u32 vpn, u32 need)
{
    struct slot *s = radix_slot(&aspace_body(as)->map, vpn);
    if (!s || !cap_live(s) || (s->rights & need) != need)
        return NULL;
    return frame_page(s->obj);
}

/* P2: user write access to a page is granted on the first write since the
 * last checkpoint, and the page recorded as written; the checkpoint takes
 * the grants back (persist.c). */
static void grant_write(oref as, u32 vpn, const void *page)
{
    struct store_track *t = &store_track;
    if (t->ngrants < t->maxgrants)
        t->grants[t->ngrants++] = (struct track_grant){as, vpn};
    else
        t->overflow = 1;  /* the checkpoint then protects every AddrSpace */
    store_changing((u64)((const u8 *)page - store.region) / 4096);
}

bool aspace_refill(oref as, u64 va, u32 need)
{
    struct aspace *a = aspace_body(as);
    u32 rights, vpn = (u32)(va >> 12);
    if (va >= USER_VA_LIMIT || !a->pt.root)
        return false;
    if (hal_pt_lookup(&a->pt, va, &rights)) {
        /* Present: a real fault, unless it is the first write since the
         * last checkpoint to a page its slot lets it write (P2). */
        void *page = store_track.on && need == R_WRITE && !(rights & R_WRITE)
                         ? mapped_page(as, vpn, R_WRITE) : NULL;
        if (!page || hal_pt_protect(&a->pt, va_of(vpn), rights | R_WRITE) != E_OK)
            return false;
        grant_write(as, vpn, page);
        return true;
    }
    void *page = mapped_page(as, vpn, need);
    if (!page)
        return false;  /* no mapping allows it: a fault for the handler */
    u32 r = radix_slot(&a->map, vpn)->rights & (R_READ | R_WRITE | R_EXEC);
    if (store_track.on && need != R_WRITE)
        r &= ~R_WRITE;
    struct pt_ctx c = {as, NULL};
    if (hal_pt_map(&a->pt, va_of(vpn), page, r, aspace_pt_alloc, &c) != E_OK)
        return false;  /* the bank cannot pay for the table: a fault */
    if (r & R_WRITE && store_track.on)
        grant_write(as, vpn, page);
    hal_tlb_flush(va);  /* the walk must see the new entry, not a cached miss */
    aspace_refills++;
    return true;
}

void aspace_drop_page_tables(oref as)
{
    struct aspace *a = aspace_body(as);
    a->pt.root = NULL;
    if (a->pt_pages)
        bank_uncharge(obj_get(as)->bank, (u64)a->pt_pages * PAGE_BYTES);
    a->pt_pages = 0;
}

/* The root of a restored AddrSpace, charged without asking its banks: the
 * checkpoint had paid for it (and more: aspace_drop_page_tables credited
 * every page), so no limit is passed, and a bank being destroyed when the
 * checkpoint was taken must get its AddrSpaces back like any other (they
 * go when its destruction goes on). */
static void *restore_pt_alloc(void *ctx)
{
    const struct pt_ctx *c = ctx;
    sref r = store_alloc(store_order(PAGE_BYTES));
    if (!r)
        return NULL;
    bank_charge(obj_get(c->as)->bank, store_block_size(PAGE_BYTES));
    aspace_body(c->as)->pt_pages++;
    store_mark_pt(sref_ptr(r), true);
    return sref_ptr(r);
}

int aspace_new_page_tables(oref as)
{
    struct pt_ctx c = {as, NULL};
    return hal_pt_create(&aspace_body(as)->pt, restore_pt_alloc, &c);
}

/* ---- kernel access to user memory ---------------------------------------- */

/* (From the mapping slots: a page whose table entry is not refilled yet is
 * still mapped.) */
bool aspace_readable(oref as, u64 va, u64 n)
{
    if (va + n < va || va + n > USER_VA_LIMIT)
        return false;
    for (u64 p = va & ~(u64)(PAGE_BYTES - 1); p < va + n; p += PAGE_BYTES)
        if (!mapped_page(as, (u32)(p >> 12), R_READ))
            return false;
    return true;
}

int aspace_copy_in(oref as, u64 va, void *buf, u64 n)
{
    u8 *out = buf;
    /* Check the whole range first: a bad pointer copies nothing. */
    if (!aspace_readable(as, va, n))
        return E_FAULT;
    while (n) {
        const u8 *page = mapped_page(as, (u32)(va >> 12), R_READ);
        u64 off = va % PAGE_BYTES, k = PAGE_BYTES - off;
        if (k > n)
            k = n;
        for (u64 i = 0; i < k; i++)
            out[i] = page[off + i];
        out += k, va += k, n -= k;
    }
    return E_OK;
}
