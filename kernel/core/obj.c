/* SPDX-License-Identifier: BSD-2-Clause */
/* obj.c: object table and buddy storage allocator (see obj.h). */
#include "obj.h"
#include "hal.h"

struct store store;
u32 store_revocations;
struct store_track store_track;

void store_writable(const void *p)
{
    u64 page = (u64)((const u8 *)p - store.region) / 4096;
    if (!(store_track.bits[page / 8] >> (page % 8) & 1)) {
        store_changing(page);
        hal_track_unprotect(store.region + page * 4096);
    }
}

#define MAP_ALLOCATED 0u  /* map byte of an allocated block or of a block interior */

u64 store_block_size(u64 bytes)
{
    u64 b = STORE_MIN;
    while (b < bytes)
        b <<= 1;
    return b;
}

int store_order(u64 bytes)
{
    int k = 0;
    while (((u64)STORE_MIN << k) < bytes)
        k++;
    return k;
}

/* Map index of the block at sref r (blocks are STORE_MIN aligned). */
static inline u64 map_idx(sref r) { return (u64)r * GRANULE / STORE_MIN; }
static inline sref *link_next(sref r) { return (sref *)sref_ptr(r); }
static inline sref *link_prev(sref r) { return (sref *)sref_ptr(r) + 1; }

static void fl_push(int k, sref r)
{
    sref h = store.free[k];
    *link_next(r) = h;
    *link_prev(r) = 0;
    if (h)
        *link_prev(h) = r;
    store.free[k] = r;
    store.map[map_idx(r)] = (u8)(k + 1);
}

static void fl_remove(int k, sref r)
{
    sref n = *link_next(r), p = *link_prev(r);
    if (p)
        *link_next(p) = n;
    else
        store.free[k] = n;
    if (n)
        *link_prev(n) = p;
    store.map[map_idx(r)] = MAP_ALLOCATED;
}

sref store_alloc(int k)
{
    if (k > STORE_MAX_ORDER)
        return 0;
    int j = k;
    while (j <= STORE_MAX_ORDER && !store.free[j])
        j++;
    if (j > STORE_MAX_ORDER)
        return 0;
    sref r = store.free[j];
    fl_remove(j, r);
    while (j > k) { /* split, keeping the lower half */
        j--;
        fl_push(j, r + (sref)((STORE_MIN << j) / GRANULE));
    }
    store.free_bytes -= (u64)STORE_MIN << k;
    hal_zero(sref_ptr(r), (usize)STORE_MIN << k);
    return r;
}

void store_free(sref r, int k)
{
    /* P2: every page of a freed block changes kind (free), written or not;
     * so does the page of a smaller one whose merges free all of it (below,
     * nothing need write that page). */
    u64 page = (u64)((u8 *)sref_ptr(r) - store.region) / 4096;
    int k0 = k;
    if (store_track.on && k >= 6)
        for (u64 p = 0; p < ((u64)STORE_MIN << k) / 4096; p++)
            store_written(page + p);
    store.free_bytes += (u64)STORE_MIN << k;
    u64 rel = (u64)r * GRANULE; /* offset from arena base */
    while (k < STORE_MAX_ORDER) {
        u64 bsz = (u64)STORE_MIN << k;
        u64 buddy = rel ^ bsz;
        if (buddy + bsz > store.bytes)
            break;
        sref br = (sref)(buddy / GRANULE);
        if (store.map[map_idx(br)] != (u8)(k + 1))
            break;
        fl_remove(k, br);
        rel &= ~bsz;
        k++;
    }
    if (store_track.on && k0 < 6 && k >= 6)
        store_written(page);
    fl_push(k, (sref)(rel / GRANULE));
}

void store_locate(void *ram, u64 bytes)
{
    /* Page aligned at both ends: the region is checkpointed by pages. */
    u8 *p = (u8 *)(((uptr)ram + 4095) & ~(uptr)4095);
    bytes -= (u64)(p - (u8 *)ram);
    bytes &= ~(u64)4095;

    /* Layout: [object table][buddy map][page-table bits][arena]. */
    u32 ntab = (u32)(bytes / OBJ_PER_RAM);
    u64 tab_bytes = ((u64)ntab * sizeof(struct obj) + STORE_MIN - 1) & ~(u64)(STORE_MIN - 1);
    u64 rest = bytes - tab_bytes;
    u64 map_bytes = (rest / STORE_MIN + STORE_MIN - 1) & ~(u64)(STORE_MIN - 1);
    u64 pt_bytes = (rest / 4096 / 8 + STORE_MIN) & ~(u64)(STORE_MIN - 1);
    u64 meta = tab_bytes + map_bytes + pt_bytes;

    /* The arena starts page aligned so that frames (4 KiB blocks) are pages,
     * and ends on a page. */
    u8 *base = (u8 *)(((uptr)(p + meta) + 4095) & ~(uptr)4095);
    u64 arena = (u64)(p + bytes - base) & ~(u64)4095;
    store.tab = (struct obj *)p;
    store.ntab = ntab;
    store.map = p + tab_bytes;
    store.ptbits = p + tab_bytes + map_bytes;
    store.base = base;
    store.bytes = arena;
    store.region = p;
    store.region_bytes = (u64)(base - p) + arena;
}

u64 store_init(void *ram, u64 bytes)
{
    store_locate(ram, bytes);
    u64 arena = store.bytes;
    u32 ntab = store.ntab;
    store.free_bytes = 0;
    store.live_objs = 0;
    store.watches = 0;
    store_revocations = 0;
    for (int k = 0; k <= STORE_MAX_ORDER; k++)
        store.free[k] = 0;
    hal_zero(store.region, (usize)(store.base - store.region));

    /* Entry 0 is "no object"; entries 1.. are threaded onto the free list. */
    store.free_obj = 0;
    for (u32 i = 0; i < ntab; i++)
        store.tab[i].live = OBJ_NOT_LIVE;
    for (u32 i = ntab - 1; i >= 1; i--) {
        store.tab[i].next = store.free_obj;
        store.free_obj = i;
    }

    /* Hand the arena to the allocator in maximal aligned blocks. Block 0
     * (sref 0) is kept back: sref 0 means "none". */
    u64 off = STORE_MIN;
    while (off < arena) {
        int k = STORE_MAX_ORDER;
        while (k > 0 && ((off & (((u64)STORE_MIN << k) - 1)) || off + ((u64)STORE_MIN << k) > arena))
            k--;
        if (off + ((u64)STORE_MIN << k) > arena)
            break;
        store_free((sref)(off / GRANULE), k);
        off += (u64)STORE_MIN << k;
    }
    return (u64)(store.base - store.region) + STORE_MIN;
}

oref obj_alloc(u8 type, int order)
{
    oref o = store.free_obj;
    if (!o)
        return 0;
    sref body = store_alloc(order);
    if (!body)
        return 0;
    struct obj *e = &store.tab[o];
    store.free_obj = e->next;
    e->body = body;
    e->type = type;
    e->state = OS_LIVE;
    e->live = e->epoch;
    e->order = (u8)order;
    e->bank = e->prev = e->next = 0;
    store.live_objs++;
    return o;
}

void obj_free(oref o)
{
    struct obj *e = &store.tab[o];
    store_free(e->body, e->order);
    e->body = 0;
    e->type = 0;
    e->state = OS_FREE;
    e->live = OBJ_NOT_LIVE;
    store.live_objs--;
    /* S3: old capabilities carry the old epoch and are now void. An entry
     * whose epoch would wrap is retired instead of reused. */
    if (++e->epoch == OBJ_NOT_LIVE)
        return;
    e->next = store.free_obj;
    store.free_obj = o;
}
