/* SPDX-License-Identifier: BSD-2-Clause */
/* regioncopy.c: the kernel's region at a checkpoint (regioncopy.h). */
#include "regioncopy.h"
#include "tk.h"
#include "aspace.h"
#include "bank.h"
#include "frame.h"
#include "sched.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void region_save(struct region_copy *c)
{
    if (c->bytes != store.region_bytes) {
        free(c->region);
        c->region = malloc(store.region_bytes);
        if (!c->region)
            hal_panic("regioncopy: out of memory");
    }
    memcpy(c->region, store.region, store.region_bytes);
    c->bytes = store.region_bytes;
    c->tab_off = (u64)((u8 *)store.tab - store.region);
    c->map_off = (u64)(store.map - store.region);
    c->pt_off = (u64)(store.ptbits - store.region);
    c->arena_off = (u64)(store.base - store.region);
    c->arena_bytes = store.bytes;
    c->ntab = store.ntab, c->live_objs = store.live_objs, c->watches = store.watches;
    c->revocations = store_revocations;
    c->cur = sched_cur, c->free_obj = store.free_obj;
    c->now = sched_now;
}

/* The object whose body or frame page holds arena offset off (0: none,
 * e.g. a radix node). */
static u32 owner_of(u64 off)
{
    for (oref o = 1; o < store.ntab; o++) {
        const struct obj *x = obj_get(o);
        u64 b = (u64)x->body * GRANULE;
        if (x->state == OS_FREE)
            continue;
        if (off >= b && off < b + ((u64)STORE_MIN << x->order))
            return o;
        if (x->type == OBJ_FRAME && frame_body(o)->page && off - (u64)frame_body(o)->page * GRANULE < PAGE_BYTES)
            return o;
    }
    return 0;
}

const char *region_diff(const struct region_copy *c, u32 *obj)
{
    static char why[256];
    static u8 *apart;
    static u64 napart;
    *obj = 0;
    if (store.region_bytes != c->bytes || store.ntab != c->ntab || store.bytes != c->arena_bytes ||
        (u64)(store.base - store.region) != c->arena_off || (u64)((u8 *)store.tab - store.region) != c->tab_off)
        return "the region's layout differs";
    if (sched_cur != c->cur || sched_now != c->now || store.live_objs != c->live_objs ||
        store.free_obj != c->free_obj || store.watches != c->watches || store_revocations != c->revocations) {
        snprintf(why, sizeof why, "globals cur/now/live/free_obj/watches/revocations %u/%llu/%u/%u/%u/%u, at the "
                 "checkpoint %u/%llu/%u/%u/%u/%u", sched_cur, (unsigned long long)sched_now, store.live_objs,
                 store.free_obj, store.watches, store_revocations, c->cur, (unsigned long long)c->now, c->live_objs,
                 c->free_obj, c->watches, c->revocations);
        return why;
    }
    const struct obj *rt = (const struct obj *)(c->region + c->tab_off);
    const u8 *arena = c->region + c->arena_off, *map = c->region + c->map_off, *ptb = c->region + c->pt_off;
    u64 nblk = c->arena_bytes / STORE_MIN;
    if (napart < nblk) {
        free(apart);
        apart = malloc(nblk);
        napart = nblk;
        if (!apart)
            hal_panic("regioncopy: out of memory");
    }
    memset(apart, 0, nblk);
    for (oref o = 0; o < store.ntab; o++) {
        const struct obj *a = obj_get(o), *b = &rt[o];
        *obj = o;
        if (memcmp(a, b, sizeof *a)) {
            snprintf(why, sizeof why, "object-table entry %u: live/epoch/body/bank/prev/next/type/state/order/watch "
                     "%u/%u/%u/%u/%u/%u/%u/%u/%u/%u, at the checkpoint %u/%u/%u/%u/%u/%u/%u/%u/%u/%u", o, a->live,
                     a->epoch, a->body, a->bank, a->prev, a->next, a->type, a->state, a->order, a->watch, b->live,
                     b->epoch, b->body, b->bank, b->prev, b->next, b->type, b->state, b->order, b->watch);
            return why;
        }
        if (a->state == OS_FREE || (a->type != OBJ_BANK && a->type != OBJ_ASPACE))
            continue;
        u64 off = (u64)a->body * GRANULE;
        memset(apart + off / STORE_MIN, 1, ((u64)STORE_MIN << a->order) / STORE_MIN);
        if (a->type == OBJ_BANK) {
            const struct bank *p = obj_body(o), *q = (const void *)(arena + off);
            if (p->limit != q->limit || p->head != q->head || p->nobj != q->nobj || p->depth != q->depth ||
                memcmp(&p->pending, &q->pending, sizeof p->pending)) {
                snprintf(why, sizeof why, "bank %u: limit, objects, depth or the destruction in progress differ", o);
                return why;
            }
        } else if (memcmp(&((const struct aspace *)obj_body(o))->map, &((const struct aspace *)(arena + off))->map,
                          sizeof(struct cspace))) {
            snprintf(why, sizeof why, "AddrSpace %u: the root of its mapping slots differs", o);
            return why;
        }
    }
    *obj = 0;
    for (u64 m = 0; m < nblk;) {
        if (map[m]) {  /* a free block then: its contents do not matter */
            m += 1ull << (map[m] - 1);
            continue;
        }
        u64 page = m * STORE_MIN / PAGE_BYTES;
        if (ptb[page / 8] >> (page % 8) & 1) {  /* a page table then: not kept (P3) */
            m = (page + 1) * PAGE_BYTES / STORE_MIN;
            continue;
        }
        if (!apart[m] && memcmp(store.base + m * STORE_MIN, arena + m * STORE_MIN, STORE_MIN)) {
            *obj = owner_of(m * STORE_MIN);
            snprintf(why, sizeof why, "the storage at arena offset %#llx (object %u, type %d; 0: a radix node) "
                     "differs", (unsigned long long)(m * STORE_MIN), *obj, *obj ? obj_get(*obj)->type : -1);
            return why;
        }
        m++;
    }
    return NULL;
}
