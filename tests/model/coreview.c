/* SPDX-License-Identifier: BSD-2-Clause */
/* coreview.c: the core's data at the model's tracked positions (coreview.h). */
#include "coreview.h"
#include "state.h"
#include "aspace.h"
#include "frame.h"

bool core_l2(oref cs, int k) { return cspace_body(cs)->l1[kl2[k]] != 0; }
bool core_leaf(oref cs, int k)
{
    sref l2 = cspace_body(cs)->l1[kleaf1[k]];
    return l2 && ((sref *)sref_ptr(l2))[kleaf2[k]];
}
/* The core slot standing for model slot sid (NULL: no storage). */
struct slot *core_slot(int sid)
{
    const struct mobj *o = &mo[ms[sid].owner];
    if (o->state == OS_FREE)
        return NULL;
    if (o->type == OBJ_WRAPPER)
        return &wrapper_body(o->ref)->target;
    if (o->type == OBJ_FRAME)
        return &frame_body(o->ref)->master;
    if (o->type == OBJ_ASPACE)
        return radix_slot(&aspace_body(o->ref)->map, vpn_of[ms[sid].pos]);
    return cspace_slot(o->ref, pidx[ms[sid].pos]);
}

const u64 *pt_child(const u64 *t, u32 i)
{
    return t && (t[i] & PTE_V) ? (const u64 *)(uptr)(t[i] & ~0xfffull) : NULL;
}
const struct cspace *amap(oref as) { return &aspace_body(as)->map; }
static bool core_al2(oref as, int k) { return amap(as)->l1[akl2[k]] != 0; }
static bool core_aleaf(oref as, int k)
{
    sref l2 = amap(as)->l1[akleaf[k] >> 8];
    return l2 && ((sref *)sref_ptr(l2))[akleaf[k] & 255];
}
static bool core_pt1(oref as, int k) { return pt_child(aspace_body(as)->pt.root, akpt1[k] & 511) != NULL; }
static bool core_pt0(oref as, int k)
{
    const u64 *l1 = pt_child(aspace_body(as)->pt.root, (akpt0[k] >> 9) & 511);
    return pt_child(l1, akpt0[k] & 511) != NULL;
}
void core_as_masks(oref as, u8 *l2m, u16 *leafm, u8 *pt1m, u8 *pt0m)
{
    *l2m = *pt1m = *pt0m = 0;
    *leafm = 0;
    for (int k = 0; k < nakl2; k++)
        *l2m |= (u8)(core_al2(as, k) << k);
    for (int k = 0; k < nakleaf; k++)
        *leafm |= (u16)(core_aleaf(as, k) << k);
    for (int k = 0; k < nakpt1; k++)
        *pt1m |= (u8)(core_pt1(as, k) << k);
    for (int k = 0; k < nakpt0; k++)
        *pt0m |= (u8)(core_pt0(as, k) << k);
}

/* Free blocks per order (up to 4) and a replay of store_alloc on them. */
static int scnt[STORE_MAX_ORDER + 1];
void store_counts(void)
{
    for (int k = 0; k <= STORE_MAX_ORDER; k++) {
        int n = 0;
        for (sref r = store.free[k]; r && n < 4; r = *(sref *)sref_ptr(r))
            n++;
        scnt[k] = n;
    }
}
bool sim_alloc(int k)
{
    int j = k;
    while (j <= STORE_MAX_ORDER && !scnt[j])
        j++;
    if (j > STORE_MAX_ORDER)
        return false;
    scnt[j]--;
    while (j > k)
        scnt[--j]++;
    return true;
}

