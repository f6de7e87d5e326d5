/* SPDX-License-Identifier: BSD-2-Clause */
/* state.c: the reference model's state -- tracked positions and pages,
 * objects, slots, bank usage, sizes (state.h). */
#include "state.h"
#include "endpoint.h"
#include "aspace.h"
#include "frame.h"
#include "thread.h"
#include "hal.h"
#include <string.h>

/* Tracked slot positions and the cap address each one stands for: one leaf,
 * a second leaf under the same L2 node, a leaf under another L2 node, and
 * the last four addresses. Every other address below CAP_ADDR_LIMIT is only
 * ever read (it stays empty). */
u32 pidx[NPOS];
const u32 kl2[NL2] = {0, 2, 127};   /* l1 indices of the known L2 nodes */
u32 kleaf1[NLEAF], kleaf2[NLEAF];    /* (l1, l2) of the known leaves     */
u8 leaf_l2[NLEAF], pos_l2[NPOS], pos_leaf[NPOS];
/* Addresses that are in range but never written. */
const u32 untracked[4] = {1000, 5000, 40000, CAP_ADDR_LIMIT - 200};

void init_positions(void)
{
    for (u32 p = 0; p < NPOS; p++)
        pidx[p] = p < 48 ? p : p < 56 ? 128 + p - 48 : p < 60 ? 70000 + p - 56 : CAP_ADDR_LIMIT - 4 + p - 60;
    u32 nleaf = 0;
    for (u32 p = 0; p < NPOS; p++) {
        u32 l1 = pidx[p] >> L2_SHIFT, l2 = (pidx[p] >> CS_LEAF_BITS) & L2_MASK;
        u32 k = 0, j = 0;
        while (kl2[k] != l1)
            k++;
        while (j < nleaf && !(kleaf1[j] == l1 && kleaf2[j] == l2))
            j++;
        if (j == nleaf) {
            kleaf1[j] = l1, kleaf2[j] = l2, leaf_l2[j] = (u8)k;
            nleaf++;
        }
        pos_l2[p] = (u8)k;
        pos_leaf[p] = (u8)j;
    }
}

/* AddrSpace pages the model tracks: NOFF offsets in each of NBLK blocks of
 * 256 pages (one leaf, a second leaf and the last page of a block; a new
 * 2 MiB and a new 1 GiB page-table region; the top of the address range).
 * The flexpages the driver makes keep a page's offset inside its block, so
 * tracked pages only ever map to tracked pages and every other page stays
 * empty (the full page-table walk checks that). */
const u32 vblk[NBLK] = {0x0, 0x100, 0x200, 0x40000, 0x3fff00};
const u32 voff[NOFF] = {0, 1, 2, 3, 4, 5, 6, 7, 128, 255};
u32 vpn_of[NVP];
/* Radix nodes (by vpn >> 15 and vpn >> 7) and page tables (L1 by vpn >> 18,
 * L0 by vpn >> 9) the tracked pages use, and which of them page p needs. */
u32 akl2[ANL2], akleaf[ANLEAF], akpt1[ANPT1], akpt0[ANPT0];
int nakl2, nakleaf, nakpt1, nakpt0;
u8 vp_l2[NVP], vp_leaf[NVP], vp_pt1[NVP], vp_pt0[NVP];

static u8 uniq(u32 *arr, int *n, int max, u32 v)
{
    for (int k = 0; k < *n; k++)
        if (arr[k] == v)
            return (u8)k;
    if (*n == max)
        hal_panic("model: too many distinct nodes");
    arr[*n] = v;
    return (u8)(*n)++;
}

int find(const u32 *arr, int n, u32 v)
{
    for (int k = 0; k < n; k++)
        if (arr[k] == v)
            return k;
    return -1;
}

void init_vpages(void)
{
    for (int p = 0; p < NVP; p++) {
        u32 v = vpn_of[p] = vblk[p / NOFF] + voff[p % NOFF];
        vp_l2[p] = uniq(akl2, &nakl2, ANL2, v >> 15);
        vp_leaf[p] = uniq(akleaf, &nakleaf, ANLEAF, v >> 7);
        vp_pt1[p] = uniq(akpt1, &nakpt1, ANPT1, v >> 18);
        vp_pt0[p] = uniq(akpt0, &nakpt0, ANPT0, v >> 9);
    }
}

/* Tracked position of page vpn, or -1. Positions are in vpn order. */
int vpos(u64 vpn)
{
    for (int b = 0; b < NBLK; b++) {
        if (vpn < vblk[b] || vpn >= vblk[b] + 256)
            continue;
        for (int o = 0; o < NOFF; o++)
            if (vblk[b] + voff[o] == vpn)
                return b * NOFF + o;
        return -1;
    }
    return -1;
}

int pos_of(u64 idx)
{
    for (int p = 0; p < NPOS; p++)
        if (pidx[p] == idx)
            return p;
    return -1;
}

/* --------------------------------------------------------------- model -- */

struct mobj mo[MAXOBJ];
int no;
struct mslot ms[MAXSLOT];
int ns;
int *ref2m;      /* core object index -> model id of the non-free object */
u32 ntab;
u64 root_limit;

/* Non-free objects and the slots they hold, rebuilt when objects change. */
int lv[MAXOBJ], nlv;
int act[MAXSLOT], nact;
bool lv_dirty = true;

void refresh(void)
{
    if (!lv_dirty)
        return;
    nlv = nact = 0;
    for (int i = 0; i < no; i++) {
        struct mobj *o = &mo[i];
        if (o->state == OS_FREE)
            continue;
        lv[nlv++] = i;
        if (o->type == OBJ_CSPACE)
            for (int p = 0; p < NPOS; p++)
                act[nact++] = o->slot0 + p;
        else if (o->type == OBJ_ASPACE)
            for (int p = 0; p < NVP; p++)
                act[nact++] = o->slot0 + p;
        else if (o->type == OBJ_WRAPPER || o->type == OBJ_FRAME)
            act[nact++] = o->tslot;
    }
    lv_dirty = false;
}

u64 blk(u64 n)
{
    u64 b = STORE_MIN;
    while (b < n)
        b <<= 1;
    return b;
}
int ord(u64 n)
{
    int k = 0;
    while (((u64)STORE_MIN << k) < n)
        k++;
    return k;
}
u64 body_size(int type)
{
    switch (type) {
    case OBJ_BANK:     return sizeof(struct bank);
    case OBJ_CSPACE:   return sizeof(struct cspace);
    case OBJ_ENDPOINT: return sizeof(struct endpoint);
    case OBJ_WRAPPER:  return sizeof(struct wrapper);
    case OBJ_THREAD:   return sizeof(struct thread);
    case OBJ_ASPACE:   return sizeof(struct aspace);
    case OBJ_FRAME:    return sizeof(struct frame);
    default:           return 0;  /* not creatable (OBJ_SYSTEM: no state, a 64-byte body) */
    }
}
/* What a new object of `type` costs its bank: its body's block and
 * OBJ_PER_RAM bytes for its object-table entry (S1). */
u64 charge(int type) { return blk(body_size(type)) + OBJ_PER_RAM; }
/* Storage an object has beyond its body: CSpace nodes, page tables. */
u64 node_bytes(const struct mobj *o)
{
    if (o->type == OBJ_ASPACE)
        return (u64)__builtin_popcount(o->al2m) * blk(CS_L2_BYTES) +
               (u64)__builtin_popcount(o->aleafm) * blk(CS_LEAF_BYTES) +
               (u64)(o->ptroot + __builtin_popcount(o->pt1m) + __builtin_popcount(o->pt0m)) * PAGE_BYTES;
    if (o->type == OBJ_FRAME)
        return o->extra;
    return (u64)__builtin_popcount(o->l2m) * blk(CS_L2_BYTES) + (u64)__builtin_popcount(o->leafm) * blk(CS_LEAF_BYTES);
}

int new_obj(int type, int bank, oref ref)
{
    int id = no++;
    struct mobj *o = &mo[id];
    memset(o, 0, sizeof *o);
    o->type = (u8)type;
    o->state = OS_LIVE;
    o->bank = bank;
    o->ref = ref;
    o->epoch = obj_get(ref)->epoch;
    o->bsize = charge(type);
    o->slot0 = o->tslot = -1;
    if (type == OBJ_CSPACE) {
        o->slot0 = ns;
        for (int p = 0; p < NPOS; p++)
            ms[ns++] = (struct mslot){.obj = -1, .parent = -1, .owner = id, .pos = p};
    } else if (type == OBJ_ASPACE) {
        o->slot0 = ns;
        for (int p = 0; p < NVP; p++)
            ms[ns++] = (struct mslot){.obj = -1, .parent = -1, .owner = id, .pos = p};
    } else if (type == OBJ_WRAPPER || type == OBJ_FRAME) {
        o->tslot = ns;
        ms[ns++] = (struct mslot){.obj = -1, .parent = -1, .owner = id, .pos = 0};
    }
    ref2m[ref] = id;
    lv_dirty = true;
    return id;
}

/* Usage and object count of every bank, computed from scratch. */
u64 use[MAXOBJ];
u32 nob[MAXOBJ];
void m_usage(void)
{
    refresh();
    for (int k = 0; k < nlv; k++)
        use[lv[k]] = nob[lv[k]] = 0;
    for (int k = 0; k < nlv; k++) {
        struct mobj *o = &mo[lv[k]];
        u64 sz = o->bsize + node_bytes(o);
        if (o->bank < 0) {  /* the root bank pays for its own body */
            use[lv[k]] += sz;
            continue;
        }
        nob[o->bank]++;
        for (int b = o->bank; b >= 0; b = mo[b].bank)
            use[b] += sz;
    }
}

bool m_is_ancestor(int a, int b)
{
    for (; b >= 0; b = mo[b].bank)
        if (a == b)
            return true;
    return false;
}

/* Does destroying object t destroy object i? */
bool m_destroys(int t, int i)
{
    return i == t || (mo[t].type == OBJ_BANK && m_is_ancestor(t, mo[i].bank));
}
