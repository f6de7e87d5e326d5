/* SPDX-License-Identifier: BSD-2-Clause */
/* persist_ref.c: see persist_ref.h. */
#include <stdlib.h>
#include <string.h>
#include "persist_ref.h"
#include "harness.h"
#include "aspace.h"
#include "bank.h"
#include "frame.h"
#include "persist.h"
#include "sched.h"

struct persist_ref ref;


void take_ref(void)
{
    free(ref.region);
    ref.bytes = store.region_bytes;
    ref.region = malloc(ref.bytes);
    memcpy(ref.region, store.region, ref.bytes);
    ref.arena_off = (u64)(store.base - store.region);
    ref.ntab = store.ntab;
    ref.cur = sched_cur;
    ref.now = sched_now;
}

static const void *ref_body(oref o)
{
    const struct obj *t = (const struct obj *)ref.region + o;
    return ref.region + ref.arena_off + (u64)t->body * GRANULE;
}

/* Object by object: the table, then every live object's body (what a
 * restore may change, and only that, is left out: page tables, and the
 * charges for them). */
void check_same_as_ref(void)
{
    CHECK_EQ(store.region_bytes, ref.bytes);
    CHECK_EQ(store.ntab, ref.ntab);
    CHECK_EQ(sched_cur, ref.cur);
    CHECK_EQ(sched_now, ref.now);
    const struct obj *rt = (const struct obj *)ref.region;
    u32 live = 0;
    for (oref o = 1; o < store.ntab; o++) {
        const struct obj *a = obj_get(o), *b = &rt[o];
        CHECK(a->live == b->live && a->epoch == b->epoch && a->body == b->body &&
              a->bank == b->bank && a->prev == b->prev && a->next == b->next &&
              a->type == b->type && a->state == b->state && a->order == b->order);
        if (a->state == OS_FREE)
            continue;
        live++;
        u64 n = (u64)STORE_MIN << a->order;
        const u8 *x = obj_body(o), *y = ref_body(o);
        if (a->type == OBJ_ASPACE) {  /* the mapping slots, not the tables */
            CHECK(!memcmp(&((const struct aspace *)x)->map, &((const struct aspace *)y)->map,
                          sizeof(struct cspace)));
        } else if (a->type == OBJ_BANK) {  /* all but usage (page tables) */
            const struct bank *p = (const void *)x, *q = (const void *)y;
            CHECK(p->limit == q->limit && p->head == q->head && p->nobj == q->nobj &&
                  p->depth == q->depth && !memcmp(&p->pending, &q->pending, sizeof p->pending));
        } else {
            CHECK(!memcmp(x, y, n));
        }
        if (a->type == OBJ_FRAME)
            CHECK(!memcmp(frame_page(o), ref.region + ref.arena_off +
                              (u64)frame_body(o)->page * GRANULE, 4096));
    }
    CHECK_EQ(live, store.live_objs);
}

struct persist_ref keep_ref(void)
{
    take_ref();
    struct persist_ref k = ref;
    ref.region = NULL;
    return k;
}

bool check_restored(u64 gen, bool cut, struct persist_ref *committed)
{
    bool landed = persist_stats.generation == gen + 1;
    if (!landed) {
        CHECK(cut);
        CHECK_EQ(persist_stats.generation, gen);
        free(ref.region);
        ref = *committed;
        committed->region = NULL;
    }
    check_same_as_ref();
    free(committed->region);
    committed->region = NULL;
    return landed;
}
