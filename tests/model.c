/* model.c: the randomized model test (DESIGN.md §7).
 *
 * A small reference model of banks, objects, CSpace slots and the derivation
 * tree -- plain arrays, an explicit parent per slot, quadratic where that is
 * simpler -- runs side by side with the real core. A driver issues random
 * invocations through kernel_invoke(), with cap addresses, exactly as a user
 * task would: valid ones, hostile ones (bad indices, wrong types, missing
 * rights, bad labels, badges), and long operations (UNMAP, DELETE,
 * BANK_DESTROY, cleaning a void destination) left half done, interleaved
 * with other operations and continued later by calling again.
 *
 * For every call the model predicts the error code, following the decoders'
 * check order (kernel/core/{bank,cspace,invoke}.c). After every call:
 *   - the observable state is compared: every tracked slot of every CSpace
 *     and wrapper (status, object identity, rights, badge, parent), every
 *     object (type, state, paying bank), every bank (usage, limit, objects),
 *     CSpace radix nodes, the storage left;
 *   - the core's own data is walked to check the invariants: derivation
 *     lists well formed (prev/next agree, one object per list, depth 0 only
 *     at a list head), every parent as the model says (C2..C6), every cap's
 *     rights exactly the model's (C1: source & mask; note that a child may
 *     keep more rights than a parent that was GRANTed with a smaller mask),
 *     no slot in two lists, every live cap names a
 *     live object and the others are void (S3), usage(B) = its objects + its
 *     sub-banks' usage and never above the limit, every allocated byte paid
 *     by a bank (S1).
 * Long operations are not mirrored budget for budget. After each call the
 * model adopts the removals the core made, checking each was allowed (a
 * descendant of the UNMAP target; a cap in, or derived from a cap in, an
 * object being destroyed; a void cap, which acts as empty anyway), and when
 * the operation reports E_OK it checks that everything it had to remove is
 * gone. The buddy allocator is not modelled: whether storage (not a bank
 * limit) runs out is computed from the core's free lists before each call.
 *
 * TETHER_SEED=n replays a run (the seed is printed at the start and with any
 * mismatch); TETHER_STEPS=n sets the number of random steps (default
 * 200000). `model name` runs only tests whose name contains `name`. */
#include "harness.h"
#include "tk.h"
#include "endpoint.h"
#include "aspace.h"
#include "frame.h"
#include "check.h"
#include "thread.h"
#include "hal.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ rng -- */

#include "rng.h"

/* -------------------------------------------------------------- config -- */

#define RAM_BYTES (4u << 20) /* small, so that storage runs out now and then */
#define NPOS 64              /* tracked slot indices per CSpace               */
#define MAXOBJ 3000          /* model objects per boot                        */
#define MAXSLOT 40000
#define MAX_CSPACES 16       /* non-free CSpaces at a time (bounds the checks) */
#define MAX_LIVE 400         /* non-free objects at a time                    */
#define MAX_ASPACES 6        /* non-free AddrSpaces at a time                 */
#define MAXPEND 4            /* half-done operations kept for later           */

/* Tracked slot positions and the cap address each one stands for: one leaf,
 * a second leaf under the same L2 node, a leaf under another L2 node, and
 * the last four addresses. Every other address below CAP_ADDR_LIMIT is only
 * ever read (it stays empty). */
static u32 pidx[NPOS];
#define NL2 3
#define NLEAF 4
static const u32 kl2[NL2] = {0, 2, 127};   /* l1 indices of the known L2 nodes */
static u32 kleaf1[NLEAF], kleaf2[NLEAF];    /* (l1, l2) of the known leaves     */
static u8 leaf_l2[NLEAF], pos_l2[NPOS], pos_leaf[NPOS];
#define L2_SHIFT (CS_L2_BITS + CS_LEAF_BITS)
#define L2_MASK ((1u << CS_L2_BITS) - 1)
/* Addresses that are in range but never written. */
static const u32 untracked[] = {1000, 5000, 40000, CAP_ADDR_LIMIT - 200};

static void init_positions(void)
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
#define NBLK 5
#define NOFF 10
#define NVP (NBLK * NOFF)
static const u32 vblk[NBLK] = {0x0, 0x100, 0x200, 0x40000, 0x3fff00};
static const u32 voff[NOFF] = {0, 1, 2, 3, 4, 5, 6, 7, 128, 255};
static u32 vpn_of[NVP];
/* Radix nodes (by vpn >> 15 and vpn >> 7) and page tables (L1 by vpn >> 18,
 * L0 by vpn >> 9) the tracked pages use, and which of them page p needs. */
#define ANL2 4
#define ANLEAF 12
#define ANPT1 4
#define ANPT0 6
static u32 akl2[ANL2], akleaf[ANLEAF], akpt1[ANPT1], akpt0[ANPT0];
static int nakl2, nakleaf, nakpt1, nakpt0;
static u8 vp_l2[NVP], vp_leaf[NVP], vp_pt1[NVP], vp_pt0[NVP];

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

static int find(const u32 *arr, int n, u32 v)
{
    for (int k = 0; k < n; k++)
        if (arr[k] == v)
            return k;
    return -1;
}

static void init_vpages(void)
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
static int vpos(u64 vpn)
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

static int pos_of(u64 idx)
{
    for (int p = 0; p < NPOS; p++)
        if (pidx[p] == idx)
            return p;
    return -1;
}

/* --------------------------------------------------------------- model -- */

struct mobj {
    u8 type, state;     /* OBJ_*, OS_LIVE / OS_DYING / OS_FREE               */
    u8 l2m, leafm;      /* CSpace: which known radix nodes exist (bit masks) */
    int bank;           /* model id of the paying bank; -1 for the root bank */
    oref ref;           /* the core's object, mapped at creation             */
    u32 epoch;
    u32 depth;          /* bank nesting                                      */
    u64 bsize;          /* its charge: body block + table entry (S1)         */
    u64 limit;          /* bank                                              */
    int slot0;          /* CSpace: model slot ids slot0 .. slot0+NPOS-1      */
    int tslot;          /* wrapper: model slot id of the target              */
    u64 wbadge;         /* wrapper badge                                     */
    u64 extra;          /* Frame: its page while it has one              */
    u8 al2m, pt1m, pt0m, ptroot; /* AddrSpace: radix L2 nodes, page tables */
    u16 aleafm;         /* AddrSpace: radix leaves                        */
};
struct mslot {
    int obj;            /* model object id, -1 = empty                       */
    int parent;         /* model slot id, -1 = a root                        */
    int owner, pos;     /* CSpace (or wrapper) it lives in, position         */
    u64 badge;
    u8 rights;
};

static struct mobj mo[MAXOBJ];
static int no;
static struct mslot ms[MAXSLOT];
static int ns;
static int *ref2m;      /* core object index -> model id of the non-free object */
static u32 ntab;
static u64 root_limit;
#define ROOT_BANK 0
#define ROOT_CS 1

/* Non-free objects and the slots they hold, rebuilt when objects change. */
static int lv[MAXOBJ], nlv;
static int act[MAXSLOT], nact;
static bool lv_dirty = true;

static void refresh(void)
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

static u64 blk(u64 n)
{
    u64 b = STORE_MIN;
    while (b < n)
        b <<= 1;
    return b;
}
static int ord(u64 n)
{
    int k = 0;
    while (((u64)STORE_MIN << k) < n)
        k++;
    return k;
}
static u64 body_size(int type)
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
static u64 charge(int type) { return blk(body_size(type)) + OBJ_PER_RAM; }
/* Storage an object has beyond its body: CSpace nodes, page tables. */
static u64 node_bytes(const struct mobj *o)
{
    if (o->type == OBJ_ASPACE)
        return (u64)__builtin_popcount(o->al2m) * blk(CS_L2_BYTES) +
               (u64)__builtin_popcount(o->aleafm) * blk(CS_LEAF_BYTES) +
               (u64)(o->ptroot + __builtin_popcount(o->pt1m) + __builtin_popcount(o->pt0m)) * PAGE_BYTES;
    if (o->type == OBJ_FRAME)
        return o->extra;
    return (u64)__builtin_popcount(o->l2m) * blk(CS_L2_BYTES) + (u64)__builtin_popcount(o->leafm) * blk(CS_LEAF_BYTES);
}

static bool occupied(int sid) { return sid >= 0 && ms[sid].obj >= 0; }
static bool slot_live(int sid) { return occupied(sid) && mo[ms[sid].obj].state == OS_LIVE; }

static int new_obj(int type, int bank, oref ref)
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
static u64 use[MAXOBJ];
static u32 nob[MAXOBJ];
static void m_usage(void)
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

static bool m_is_ancestor(int a, int b)
{
    for (; b >= 0; b = mo[b].bank)
        if (a == b)
            return true;
    return false;
}

/* Does destroying object t destroy object i? */
static bool m_destroys(int t, int i)
{
    return i == t || (mo[t].type == OBJ_BANK && m_is_ancestor(t, mo[i].bank));
}

/* ------------------------------------------------------ failure report -- */

static u64 seed, test_seed;
static const char *test_name;
static long step_no;
static char desc[256];
static int failed;

static void mfail(const char *fmt, ...)
{
    if (failed++)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("    MISMATCH seed=%llu test=%s step=%ld call=[%s]:\n      ", (unsigned long long)seed, test_name,
           step_no, desc);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n    replay: TETHER_SEED=%llu build/host/model %s\n", (unsigned long long)seed, test_name);
    harness_fail(__FILE__, __LINE__, "model and core agree", 0, 0);
}

static const char *ename(int e)
{
    switch (e) {
#define X(n, v, t) case v: return #n;
#include <tether/errors.def>
#undef X
    }
    return "E_?";
}
static const char *lname(u32 l)
{
    switch (l) {
#define X(n, v, t, d, in, out) case v: return #n;
#include <tether/labels.def>
#undef X
    }
    return "label?";
}
static const char *sname(int sid)
{
    static char buf[4][48];
    static int k;
    char *b = buf[k++ & 3];
    if (sid < 0)
        return "none";
    const struct mslot *m = &ms[sid];
    if (mo[m->owner].type == OBJ_WRAPPER)
        snprintf(b, 48, "wrapper%d.target", m->owner);
    else if (mo[m->owner].type == OBJ_FRAME)
        snprintf(b, 48, "frame%d.master", m->owner);
    else if (mo[m->owner].type == OBJ_ASPACE)
        snprintf(b, 48, "as%d[va %#llx]", m->owner, (unsigned long long)vpn_of[m->pos] << 12);
    else
        snprintf(b, 48, "cs%d[%u]", m->owner, pidx[m->pos]);
    return b;
}

/* ------------------------------------------------------- core readers -- */

static bool core_l2(oref cs, int k) { return cspace_body(cs)->l1[kl2[k]] != 0; }
static bool core_leaf(oref cs, int k)
{
    sref l2 = cspace_body(cs)->l1[kleaf1[k]];
    return l2 && ((sref *)sref_ptr(l2))[kleaf2[k]];
}
/* The core slot standing for model slot sid (NULL: no storage). */
static struct slot *core_slot(int sid)
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

/* The host page tables (kernel/host/hal_pt.c): three levels of 512 entries,
 * an entry = pointer | rights | valid (0x100). */
#define PTE_V 0x100ull
static const u64 *pt_child(const u64 *t, u32 i)
{
    return t && (t[i] & PTE_V) ? (const u64 *)(uptr)(t[i] & ~0xfffull) : NULL;
}
static const struct cspace *amap(oref as) { return &aspace_body(as)->map; }
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
static void core_as_masks(oref as, u8 *l2m, u16 *leafm, u8 *pt1m, u8 *pt0m)
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
static void store_counts(void)
{
    for (int k = 0; k <= STORE_MAX_ORDER; k++) {
        int n = 0;
        for (sref r = store.free[k]; r && n < 4; r = *(sref *)sref_ptr(r))
            n++;
        scnt[k] = n;
    }
}
static bool sim_alloc(int k)
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

/* ---------------------------------------------------------- prediction -- */

struct call {
    int ccs;           /* model id of the caller's CSpace */
    u32 cptr, label;
    u64 a[INVOKE_ARGS];
};

struct mt { int obj; u8 type, rights; u64 badge; u32 wraps; };

/* cap_resolve on the model. */
static int m_resolve(int sid, struct mt *t)
{
    t->rights = R_ALL;
    t->badge = 0;
    t->wraps = 0;
    for (;;) {
        if (!occupied(sid))
            return t->wraps ? E_REVOKED : E_EMPTY;
        const struct mobj *o = &mo[ms[sid].obj];
        if (o->state != OS_LIVE)
            return E_REVOKED;
        t->rights &= ms[sid].rights;
        if (ms[sid].badge)
            t->badge = ms[sid].badge;
        if (o->type != OBJ_WRAPPER) {
            t->obj = ms[sid].obj;
            t->type = o->type;
            return E_OK;
        }
        if (++t->wraps > WRAP_MAX_DEPTH)
            return E_DEPTH;
        if (o->wbadge)
            t->badge = o->wbadge;
        sid = o->tslot;
    }
}

/* cspace_lookup: E_BADCAP or E_OK with *sid (-1: an address never written). */
static int m_slot_at(int cs, u64 idx, int *sid)
{
    if (idx >= CAP_ADDR_LIMIT)
        return E_BADCAP;
    int p = pos_of(idx);
    *sid = p < 0 ? -1 : mo[cs].slot0 + p;
    return E_OK;
}
static int m_inv_lookup(int ccs, u64 cptr, struct mt *t)
{
    int sid;
    int e = m_slot_at(ccs, cptr, &sid);
    if (e != E_OK)
        return e;
    if (!occupied(sid))
        return E_EMPTY;
    return m_resolve(sid, t);
}
static int m_lookup_cs(int ccs, u64 cptr, u8 need, int *cs)
{
    struct mt t;
    int e = m_inv_lookup(ccs, cptr, &t);
    if (e != E_OK)
        return e;
    if (t.type != OBJ_CSPACE)
        return E_TYPE;
    if ((t.rights & need) != need)
        return E_RIGHTS;
    *cs = t.obj;
    return E_OK;
}

static int m_can_charge(int b, u64 bytes)
{
    for (; b >= 0; b = mo[b].bank) {
        if (mo[b].state != OS_LIVE)
            return E_REVOKED;
        if (bytes > mo[b].limit - use[b])
            return E_NOMEM;
    }
    return E_OK;
}
static void m_charge(int b, u64 bytes, int sign)
{
    for (; b >= 0; b = mo[b].bank)
        use[b] += sign > 0 ? bytes : -bytes;
}
static u64 grow_bytes(int cs, int pos)
{
    const struct mobj *o = &mo[cs];
    if (!(o->l2m & (1u << pos_l2[pos])))
        return blk(CS_L2_BYTES) + blk(CS_LEAF_BYTES);
    if (!(o->leafm & (1u << pos_leaf[pos])))
        return blk(CS_LEAF_BYTES);
    return 0;
}
/* cspace_ensure on the model (nothing is changed). */
static int m_ensure(int cs, int pos)
{
    u64 need = grow_bytes(cs, pos);
    if (!need)
        return E_OK;
    int e = m_can_charge(mo[cs].bank, need);
    if (e != E_OK)
        return e;
    if (!(mo[cs].l2m & (1u << pos_l2[pos])) && !sim_alloc(ord(CS_L2_BYTES)))
        return E_NOMEM;
    return sim_alloc(ord(CS_LEAF_BYTES)) ? E_OK : E_NOMEM;
}
static void m_add_nodes(int cs, int pos)
{
    mo[cs].l2m |= (u8)(1u << pos_l2[pos]);
    mo[cs].leafm |= (u8)(1u << pos_leaf[pos]);
}
/* bank_alloc_obj + cspace_ensure (alloc_with_slot) on the model. */
static int m_alloc_with_slot(int b, int type, int dcs, int pos)
{
    u64 size = body_size(type), bytes = charge(type);
    int e = m_can_charge(b, bytes);
    if (e != E_OK)
        return e;
    if (ntab - 1 - (u32)nlv == 0 || !sim_alloc(ord(size)))
        return E_NOMEM;
    m_charge(b, bytes, +1);
    e = E_OK;
    /* aspace_init: the page-table root; frame_init: the page; paid by b. */
    bool page = type == OBJ_ASPACE || type == OBJ_FRAME;
    if (page) {
        if ((e = m_can_charge(b, PAGE_BYTES)) != E_OK || !sim_alloc(ord(PAGE_BYTES)))
            e = e != E_OK ? e : E_NOMEM;
        else
            m_charge(b, PAGE_BYTES, +1);
    }
    if (e == E_OK) {
        e = m_ensure(dcs, pos);
        if (page)
            m_charge(b, PAGE_BYTES, -1);
    }
    m_charge(b, bytes, -1);
    return e;
}

enum kind { K_NONE, K_CREATE, K_WRAP, K_XFER, K_UNMAP, K_DESTROY, K_RESULTS, K_FLEX, K_AUNMAP };
enum xop { X_COPY, X_MAP, X_GRANT };

struct plan {
    int rc;            /* the final answer (after a void destination is clean) */
    enum kind kind;
    int clean;         /* void destination slot cleaned first, -1 = none       */
    int dst, src;      /* model slot ids                                       */
    int dcs, b, target;/* model object ids                                     */
    int own;           /* BANK_DESTROY after a foreign one in progress (target):
                        * the call's own target, or -1                         */
    bool foreign;      /* ... such a call: after the target is gone, any answer */
    int type, xop, self, nres;
    bool mint;
    u64 arg, badge, mask;
    u64 r[INVOKE_RESULTS];
    /* AddrSpaces: K_FLEX maps nfx (source slot, destination page, rights)
     * into AddrSpace fas; K_AUNMAP works on the occupied pages tg[]. */
    int fas, nfx, ntg;
    int fsrc[NVP], fdst[NVP], tg[NVP];
    u8 frt[NVP];
    const char *skip;  /* the call is not made (see do_call)             */
};

static bool has_child(int sid);
/* dst_check (bank.c) / the destination part of cs_transfer. */
static int m_dst(int dcs, u64 idx, struct plan *p)
{
    int e = m_slot_at(dcs, idx, &p->dst);
    if (e != E_OK)
        return e;
    if (p->dst < 0) {
        hal_panic("model: destination address is not tracked");
    }
    if (occupied(p->dst))  /* the destination rule: cap_dst_check */
        return slot_live(p->dst) || has_child(p->dst) ? E_FULL : (p->clean = p->dst, E_OK);
    return E_OK;
}

/* The destruction bank b has in progress (bank.h), read from the core: its
 * model object, or -1 if none (or stale). *foreign: not started by call c. */
static int m_pending(int b, const struct call *c, bool *foreign)
{
    const struct bank_pending *q = &bank_body(mo[b].ref)->pending;
    const struct obj *x = obj_get(q->obj);
    *foreign = false;
    if (!q->obj || x->epoch != q->epoch || x->state == OS_FREE || ref2m[q->obj] < 0)
        return -1;
    *foreign = !(q->cs == mo[c->ccs].ref && q->cs_epoch == mo[c->ccs].epoch && q->cscap == c->a[0] &&
                 q->idx == c->a[1]);
    return ref2m[q->obj];
}

/* BANK_DESTROY's own arguments through bank b: the object they name. */
static int predict_destroy(const struct call *c, int b, int *target)
{
    int scs, sid, e;
    if ((e = m_lookup_cs(c->ccs, c->a[0], R_READ, &scs)) != E_OK || (e = m_slot_at(scs, c->a[1], &sid)) != E_OK)
        return e;
    if (!occupied(sid))
        return E_EMPTY;
    int o = ms[sid].obj;
    if (mo[o].state == OS_FREE)
        return E_REVOKED;
    if (mo[o].bank < 0 || mo[o].type == OBJ_SYSTEM)
        return E_INVAL;  /* the root bank, the System object */
    if (!m_is_ancestor(b, mo[o].bank))
        return E_RIGHTS;
    *target = o;
    return E_OK;
}

static int predict_bank(const struct call *c, const struct mt *t, struct plan *p)
{
    const u64 *a = c->a;
    int e, scs;
    p->b = t->obj;
    switch (c->label) {
    case BANK_CREATE:
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if (a[0] >= OBJ_COUNT || a[0] == OBJ_NONE || a[0] == OBJ_WRAPPER || a[0] == OBJ_SYSTEM)
            return E_INVAL;
        if (a[0] == OBJ_BANK && mo[p->b].depth + 1 >= BANK_MAX_DEPTH)
            return E_DEPTH;
        if ((e = m_lookup_cs(c->ccs, a[1], R_WRITE, &p->dcs)) != E_OK || (e = m_dst(p->dcs, a[2], p)) != E_OK)
            return e;
        p->kind = K_CREATE;
        p->type = (int)a[0];
        p->arg = a[3];
        return m_alloc_with_slot(p->b, p->type, p->dcs, ms[p->dst].pos);
    case BANK_WRAP: {
        struct mt st;
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if ((e = m_lookup_cs(c->ccs, a[2], R_READ, &scs)) != E_OK || (e = m_slot_at(scs, a[3], &p->src)) != E_OK)
            return e;
        if (!slot_live(p->src))
            return E_EMPTY;
        if ((e = m_resolve(p->src, &st)) != E_OK)
            return e;
        if (st.wraps + 1 > WRAP_MAX_DEPTH)
            return E_DEPTH;
        if (a[4] && st.type != OBJ_ENDPOINT)
            return E_TYPE;
        if (a[4] && st.badge)
            return E_INVAL;
        if ((e = m_lookup_cs(c->ccs, a[0], R_WRITE, &p->dcs)) != E_OK || (e = m_dst(p->dcs, a[1], p)) != E_OK)
            return e;
        p->kind = K_WRAP;
        p->badge = a[4];
        p->mask = a[5];
        return m_alloc_with_slot(p->b, OBJ_WRAPPER, p->dcs, ms[p->dst].pos);
    }
    case BANK_DESTROY: {
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        int pend = m_pending(p->b, c, &p->foreign);
        if (pend >= 0) {  /* continued first (bank.c pending_step) */
            p->kind = K_DESTROY;
            p->target = pend;
            if (p->foreign && predict_destroy(c, p->b, &p->own) != E_OK)
                p->own = -1;
            return E_OK;
        }
        if ((e = predict_destroy(c, p->b, &p->target)) != E_OK)
            return e;
        p->kind = K_DESTROY;
        return E_OK;
    }
    case BANK_QUERY:
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        p->kind = K_RESULTS;
        p->nres = 3;
        p->r[0] = use[p->b];
        p->r[1] = mo[p->b].limit;
        p->r[2] = nob[p->b];
        return E_OK;
    default:
        return E_LABEL;
    }
}

static int predict_cs(const struct call *c, const struct mt *t, struct plan *p)
{
    const u64 *a = c->a;
    int e, scs, sid;
    switch (c->label) {
    case CS_COPY: case CS_MAP: case CS_GRANT: case CS_MINT:
        if (c->label == CS_MINT && a[5] > MINT_MAP)
            return E_INVAL;
        p->xop = c->label == CS_MAP || (c->label == CS_MINT && a[5] == MINT_MAP) ? X_MAP
               : c->label == CS_GRANT ? X_GRANT : X_COPY;
        p->mint = c->label == CS_MINT;
        p->dcs = t->obj;
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if ((e = m_slot_at(p->dcs, a[0], &p->dst)) != E_OK)
            return e;
        if ((e = m_lookup_cs(c->ccs, a[1], p->xop == X_GRANT ? R_READ | R_WRITE : R_READ, &scs)) != E_OK ||
            (e = m_slot_at(scs, a[2], &p->src)) != E_OK)
            return e;
        if (!slot_live(p->src))
            return E_EMPTY;
        if (p->mint) {
            if (mo[ms[p->src].obj].type != OBJ_ENDPOINT)
                return E_TYPE;
            if (!a[4] || ms[p->src].badge)
                return E_INVAL;
        }
        if ((e = m_dst(p->dcs, a[0], p)) != E_OK)
            return e;
        p->kind = K_XFER;
        p->mask = a[3];
        p->badge = a[4];
        return m_ensure(p->dcs, ms[p->dst].pos);
    case CS_UNMAP: case CS_DELETE:
        p->self = c->label == CS_DELETE ? 1 : (int)(a[1] > 1 ? 2 : a[1]);
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if ((e = m_slot_at(t->obj, a[0], &sid)) != E_OK)
            return e;
        if (c->label == CS_UNMAP && a[1] > 1)
            return E_INVAL;
        if (!occupied(sid))
            return E_EMPTY;
        p->kind = K_UNMAP;
        p->src = sid;
        return E_OK;
    case CS_INFO:
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        if ((e = m_slot_at(t->obj, a[0], &sid)) != E_OK)
            return e;
        p->kind = K_RESULTS;
        p->nres = 4;
        if (slot_live(sid)) {
            p->r[0] = SLOT_LIVE;
            p->r[1] = mo[ms[sid].obj].type;
            p->r[2] = ms[sid].rights;
            p->r[3] = ms[sid].badge;
        } else {
            p->r[0] = occupied(sid) ? SLOT_VOID : SLOT_EMPTY;
        }
        return E_OK;
    default:
        return E_LABEL;
    }
}

/* ---- AddrSpaces (C9) ---- */

/* flex_range on the model. */
static int m_flex_range(u64 va, u64 log2, u32 *vpn, u32 *n)
{
    if (log2 > FLEX_MAX_LOG2 || va % PAGE_BYTES || va >= USER_VA_LIMIT ||
        (va >> 12) + (1ull << log2) > (USER_VA_LIMIT >> 12))
        return E_INVAL;
    *vpn = (u32)(va >> 12);
    *n = 1u << log2;
    return E_OK;
}

static bool has_child(int sid)
{
    for (int k = 0; k < nact; k++)
        if (occupied(act[k]) && ms[act[k]].parent == sid)
            return true;
    return false;
}

/* check_dst on the model: a page may receive a mapping if it is empty or
 * holds a void leaf (cleaned when the mapping is made). No page of ours
 * holds a kernel-loaded PTE. */
static int m_check_dst(int d)
{
    if (occupied(d) && (slot_live(d) || has_child(d)))
        return E_FULL;
    return E_OK;
}

/* Storage state of an AddrSpace, for what a mapping at page p needs. */
struct asm_ { u8 l2m, pt1m, pt0m; u16 leafm; };
static u64 radix_need(const struct asm_ *m, int p)
{
    if (!(m->l2m & (1u << vp_l2[p])))
        return blk(CS_L2_BYTES) + blk(CS_LEAF_BYTES);
    return m->leafm & (1u << vp_leaf[p]) ? 0 : blk(CS_LEAF_BYTES);
}
static int pt_need(const struct asm_ *m, int p)
{
    return !(m->pt1m & (1u << vp_pt1[p])) ? 2 : !(m->pt0m & (1u << vp_pt0[p])) ? 1 : 0;
}
static void asm_add(struct asm_ *m, int p)
{
    m->l2m |= (u8)(1u << vp_l2[p]);
    m->leafm |= (u16)(1u << vp_leaf[p]);
    m->pt1m |= (u8)(1u << vp_pt1[p]);
    m->pt0m |= (u8)(1u << vp_pt0[p]);
}

/* The storage part of AS_MAP_FRAME / AS_MAP: what the perform really
 * allocates (radix nodes, page tables), in order, against the bank limits
 * and the free lists; the core must charge exactly that (S1). */
static int m_flex_storage(struct plan *p)
{
    const struct mobj *a = &mo[p->fas];
    struct asm_ sim = {a->al2m, a->pt1m, a->pt0m, a->aleafm};
    u64 tru = 0;
    int nl2 = 0, n4k = 0;
    for (int k = 0; k < p->nfx; k++) {
        int dp = ms[p->fdst[k]].pos;
        u64 rn_ = radix_need(&sim, dp);
        int pn = pt_need(&sim, dp);
        tru += rn_ + (u64)pn * PAGE_BYTES;
        nl2 += rn_ > blk(CS_LEAF_BYTES);
        n4k += (rn_ != 0) + pn;  /* leaves and page tables: both 4 KiB */
        asm_add(&sim, dp);
    }
    /* The core charges exactly what the mapping needs (S1). */
    int e = tru ? m_can_charge(a->bank, tru) : E_OK;
    if (e != E_OK)
        return e;
    /* It reserves every block first (second-level nodes, then the 4 KiB
     * ones): if the free lists are too fragmented, E_NOMEM and nothing
     * changed. */
    bool store_ok = true;
    for (int j = 0; j < nl2; j++)
        store_ok &= sim_alloc(ord(CS_L2_BYTES));
    for (int j = 0; j < n4k; j++)
        store_ok &= sim_alloc(ord(PAGE_BYTES));
    return store_ok ? E_OK : E_NOMEM;
}

static int predict_as(const struct call *c, const struct mt *t, struct plan *p)
{
    const u64 *a = c->a;
    int as = t->obj, e;
    u32 vpn, n;
    p->fas = as;
    switch (c->label) {
    case AS_MAP_FRAME: {
        int sid;
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if ((e = m_slot_at(c->ccs, a[0], &sid)) != E_OK)
            return e;
        if (!slot_live(sid))
            return E_EMPTY;
        if (mo[ms[sid].obj].type != OBJ_FRAME)
            return E_TYPE;
        if (m_flex_range(a[1], 0, &vpn, &n) != E_OK || a[3] > ITEM_GRANT)
            return E_INVAL;
        u8 r = (u8)(ms[sid].rights & a[2] & (R_READ | R_WRITE | R_EXEC));
        if (!(r & R_READ))
            return E_RIGHTS;
        int dp = vpos(vpn);
        if (dp < 0) {
            p->skip = "a page the model does not track";
            return E_OK;
        }
        int d = mo[as].slot0 + dp;
        if ((e = m_check_dst(d)) != E_OK)
            return e;
        p->kind = K_FLEX;
        p->xop = (int)a[3];
        p->nfx = 1;
        p->fsrc[0] = sid, p->fdst[0] = d, p->frt[0] = r;
        return m_flex_storage(p);
    }
    case AS_MAP: {
        struct mt st;
        u32 sv, dv;
        u64 op = a[5];
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if ((e = m_inv_lookup(c->ccs, a[0], &st)) != E_OK)
            return e;
        if (st.type != OBJ_ASPACE)
            return E_TYPE;
        if (!(st.rights & R_READ) || (op == ITEM_GRANT && !(st.rights & R_WRITE)))
            return E_RIGHTS;
        if (m_flex_range(a[1], a[3], &sv, &n) != E_OK || m_flex_range(a[2], a[3], &dv, &n) != E_OK)
            return E_INVAL;
        if (op > ITEM_GRANT || !(a[4] & R_READ))
            return E_INVAL;
        if (st.obj == as && sv < dv + n && dv < sv + n)
            return E_INVAL;
        p->kind = K_FLEX;
        p->xop = (int)op;
        for (int q = 0; q < NVP; q++) {  /* in page order */
            int s = mo[st.obj].slot0 + q;
            if (vpn_of[q] < sv || vpn_of[q] >= sv + n || !slot_live(s))
                continue;
            int dp = vpos(dv + vpn_of[q] - sv);
            if (dp < 0) {
                p->skip = "a page the model does not track";
                return E_OK;
            }
            int d = mo[as].slot0 + dp;
            if ((e = m_check_dst(d)) != E_OK)
                return e;
            p->fsrc[p->nfx] = s, p->fdst[p->nfx] = d, p->frt[p->nfx++] = (u8)(ms[s].rights & a[4]);
        }
        return m_flex_storage(p);
    }
    case AS_UNMAP:
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if (m_flex_range(a[0], a[1], &vpn, &n) != E_OK || a[2] > 1)
            return E_INVAL;
        p->kind = K_AUNMAP;
        p->self = (int)a[2];
        for (int q = 0; q < NVP; q++)
            if (vpn_of[q] >= vpn && vpn_of[q] < vpn + n && occupied(mo[as].slot0 + q))
                p->tg[p->ntg++] = mo[as].slot0 + q;
        return E_OK;
    case AS_INFO: {
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        if (m_flex_range(a[0] & ~(u64)(PAGE_BYTES - 1), 0, &vpn, &n) != E_OK)
            return E_INVAL;
        int dp = vpos(vpn), d = dp < 0 ? -1 : mo[as].slot0 + dp;
        p->kind = K_RESULTS;
        p->nres = 3;
        p->r[0] = slot_live(d) ? SLOT_LIVE : occupied(d) ? SLOT_VOID : SLOT_EMPTY;
        p->r[1] = slot_live(d) ? ms[d].rights : 0;
        p->r[2] = occupied(d);
        return E_OK;
    }
    default:
        return E_LABEL;
    }
}

static void predict(const struct call *c, struct plan *p)
{
    struct mt t;
    memset(p, 0, sizeof *p);
    p->clean = p->dst = p->src = p->target = p->own = -1;
    int e = mo[c->ccs].state != OS_LIVE ? E_REVOKED : m_inv_lookup(c->ccs, c->cptr, &t);
    if (e == E_OK) {
        switch (t.type) {
        case OBJ_BANK:     e = predict_bank(c, &t, p); break;
        case OBJ_CSPACE:   e = predict_cs(c, &t, p); break;
        case OBJ_ASPACE:   e = predict_as(c, &t, p); break;
        default:           e = E_LABEL; break;  /* the driver never uses thread labels */
        }
    }
    p->rc = e;
    /* A long operation or any error: nothing performs (decode, then
     * perform; a void destination is emptied only by a perform). */
    if (e != E_OK) {
        p->kind = K_NONE;
        p->skip = NULL;
    }
    if (p->kind == K_NONE)
        p->clean = -1;
}

static int hot_root = -1;  /* root of the tree the driver grows (pick_hot) */
static bool grow;          /* growth phase: few removals, so trees get big */

/* ------------------------------------------------------------ adoption -- */

static u32 stamp;
static u32 allow_st[MAXSLOT], rem_st[MAXSLOT], memo_st[MAXSLOT], d_st[MAXOBJ];
static u8 memo_v[MAXSLOT];
static int path[MAXSLOT], rem[MAXSLOT], nrem;

/* Mark (allow_st = stamp) every occupied active slot that has a seed slot
 * (allow_st already = stamp) as an ancestor. */
static void close_descendants(void)
{
    for (int k = 0; k < nact; k++) {
        int s = act[k];
        if (allow_st[s] == stamp) {
            memo_st[s] = stamp;
            memo_v[s] = 1;
        }
    }
    for (int k = 0; k < nact; k++) {
        int s = act[k], n = 0, x = s;
        if (!occupied(s))
            continue;
        while (x >= 0 && memo_st[x] != stamp) {
            path[n++] = x;
            x = ms[x].parent;
        }
        u8 v = x >= 0 && memo_v[x];
        while (n) {
            int y = path[--n];
            memo_st[y] = stamp;
            memo_v[y] = v;
            if (v)
                allow_st[y] = stamp;
        }
    }
}

/* Remove the slots in rem[] from the model: children move to the nearest
 * ancestor that stays (the core's semantics). */
static void remove_slots(void)
{
    for (int k = 0; k < nact; k++) {
        int s = act[k];
        if (!occupied(s) || rem_st[s] == stamp)
            continue;
        int p = ms[s].parent;
        while (p >= 0 && rem_st[p] == stamp)
            p = ms[p].parent;
        ms[s].parent = p;
    }
    for (int k = 0; k < nrem; k++) {
        ms[rem[k]].obj = -1;
        ms[rem[k]].parent = -1;
    }
}

/* A GRANT moves slot s to t: t takes its place in the tree (C4). */
static void m_grant(int s, int t)
{
    ms[t].parent = ms[s].parent;
    for (int k = 0; k < nact; k++)
        if (occupied(act[k]) && ms[act[k]].parent == s)
            ms[act[k]].parent = t;
    ms[s].obj = -1;
    ms[s].parent = -1;
    if (hot_root == s)
        hot_root = t;  /* the driver follows its tree */
}

/* AS_MAP_FRAME / AS_MAP performed: every pair, in page order (map_one). */
static void perform_flex(const struct plan *p)
{
    struct mobj *a = &mo[p->fas];
    for (int k = 0; k < p->nfx; k++) {
        int s = p->fsrc[k], t = p->fdst[k];
        if (occupied(t)) {
            mfail("model: destination %s still occupied at perform", sname(t));
            return;
        }
        ms[t].obj = ms[s].obj;
        ms[t].rights = p->frt[k];
        ms[t].badge = MAPPING_WHERE(a->ref, vpn_of[ms[t].pos]);
        if (p->xop == X_MAP)
            ms[t].parent = s;             /* C3 */
        else if (p->xop == X_COPY)
            ms[t].parent = ms[s].parent;  /* C2: a frame cap is never a root */
        else
            m_grant(s, t);
        struct asm_ m = {a->al2m, a->pt1m, a->pt0m, a->aleafm};
        asm_add(&m, ms[t].pos);
        a->al2m = m.l2m, a->pt1m = m.pt1m, a->pt0m = m.pt0m, a->aleafm = m.leafm;
    }
}

static void perform(const struct call *c, const struct plan *p)
{
    struct slot *d;
    (void)c;
    if (p->kind == K_FLEX) {
        perform_flex(p);
        return;
    }
    int dpos = ms[p->dst].pos;
    if (occupied(p->dst)) {
        mfail("model: destination %s still occupied at perform", sname(p->dst));
        return;
    }
    m_add_nodes(p->dcs, dpos);
    switch (p->kind) {
    case K_CREATE: case K_WRAP: {
        d = core_slot(p->dst);
        if (!d || !d->obj) {
            mfail("E_OK but no cap in %s", sname(p->dst));
            return;
        }
        oref r = d->obj;
        if (r >= ntab || (ref2m[r] >= 0 && mo[ref2m[r]].state != OS_FREE)) {
            mfail("new object %u is already a live object (model %d)", r, r < ntab ? ref2m[r] : -1);
            return;
        }
        int n = new_obj(p->kind == K_CREATE ? p->type : OBJ_WRAPPER, p->b, r);
        if (p->kind == K_CREATE && p->type == OBJ_BANK) {
            mo[n].limit = p->arg;
            mo[n].depth = mo[p->b].depth + 1;
        }
        if (p->kind == K_CREATE && p->type == OBJ_ASPACE)
            mo[n].ptroot = 1;
        if (p->kind == K_CREATE && p->type == OBJ_FRAME) {
            mo[n].extra = PAGE_BYTES;
            /* S4: a new frame's memory is zero, whatever it held before. */
            const u8 *pg = frame_page(r);
            for (u32 i = 0; i < PAGE_BYTES; i++)
                if (pg[i]) {
                    mfail("new frame %d: byte %u of its page is %#x, not zero", n, i, pg[i]);
                    return;
                }
            int ts = mo[n].tslot;  /* the hidden master; the task's cap is its child */
            ms[ts] = (struct mslot){.obj = n, .parent = -1, .owner = n, .pos = 0, .rights = R_ALL};
        }
        if (p->kind == K_WRAP) {
            const struct mslot *s = &ms[p->src];
            int ts = mo[n].tslot;
            ms[ts].obj = s->obj;
            ms[ts].rights = (u8)(s->rights & p->mask);
            ms[ts].badge = s->badge;
            ms[ts].parent = s->parent;  /* a COPY: new root or sibling (C2) */
            mo[n].wbadge = p->badge;
        }
        ms[p->dst].obj = n;
        ms[p->dst].rights = R_ALL;
        ms[p->dst].badge = 0;
        ms[p->dst].parent = p->kind == K_CREATE && p->type == OBJ_FRAME ? mo[n].tslot : -1;
        break;
    }
    case K_XFER: {
        struct mslot *s = &ms[p->src], *t = &ms[p->dst];
        t->obj = s->obj;
        t->rights = (u8)(s->rights & p->mask);  /* C1 */
        t->badge = p->mint ? p->badge : s->badge;
        if (p->xop == X_COPY) {
            t->parent = s->parent;              /* C2: root -> root, derived -> sibling */
        } else if (p->xop == X_MAP) {
            t->parent = p->src;                 /* C3 */
        } else {                                /* C4: takes the source's place */
            m_grant(p->src, p->dst);
        }
        break;
    }
    default:
        break;
    }
}

static void apply(const struct call *c, const struct plan *p, int rc, const u64 *r)
{
    bool ok;
    if (p->kind == K_UNMAP || p->kind == K_DESTROY || p->kind == K_AUNMAP)
        ok = rc == E_OK || rc == E_CONTINUE || p->foreign;
    else if (p->clean >= 0)
        ok = rc == p->rc || rc == E_CONTINUE;
    else
        ok = rc == p->rc;
    if (!ok) {
        mfail("core returned %s, model expects %s", ename(rc), ename(p->rc));
        return;
    }
    refresh();
    stamp++;

    /* What this call may remove (besides void caps): */
    if (p->kind == K_UNMAP) {            /* C5, C6: the target's descendants */
        allow_st[p->src] = stamp;
        close_descendants();
        if (!p->self)
            allow_st[p->src] = 0;
    } else if (p->kind == K_AUNMAP) {    /* C5 for every page of the range */
        for (int k = 0; k < p->ntg; k++)
            allow_st[p->tg[k]] = stamp;
        close_descendants();
        for (int k = 0; k < p->ntg && !p->self; k++) {
            bool below = false;  /* a page derived from another page of the range goes anyway */
            for (int x = ms[p->tg[k]].parent; x >= 0 && !below; x = ms[x].parent)
                for (int j = 0; j < p->ntg && !below; j++)
                    below = p->tg[j] == x;
            if (!below)
                allow_st[p->tg[k]] = 0;
        }
    } else if (p->kind == K_DESTROY) {   /* S2, S3: everything the object holds */
        for (int k = 0; k < nlv; k++) {
            int i = lv[k];
            if (!m_destroys(p->target, i) && !(p->own >= 0 && m_destroys(p->own, i)))
                continue;
            d_st[i] = stamp;
            if (mo[i].type == OBJ_CSPACE)
                for (int q = 0; q < NPOS; q++)
                    allow_st[mo[i].slot0 + q] = stamp;
            else if (mo[i].type == OBJ_ASPACE)
                for (int q = 0; q < NVP; q++)
                    allow_st[mo[i].slot0 + q] = stamp;
            else if (mo[i].type == OBJ_WRAPPER || mo[i].type == OBJ_FRAME)
                allow_st[mo[i].tslot] = stamp;
        }
        close_descendants();
    } else if (p->clean >= 0) {          /* the void destination (S3) */
        allow_st[p->clean] = stamp;
        close_descendants();
    }

    /* Objects: only those being destroyed may change state, one way. */
    for (int k = 0; k < nlv; k++) {
        struct mobj *o = &mo[lv[k]];
        const struct obj *e = obj_get(o->ref);
        int st = e->epoch != o->epoch || e->state == OS_FREE ? OS_FREE : e->state;
        if (st == o->state)
            continue;
        bool fwd = (o->state == OS_LIVE && st != OS_LIVE) || (o->state == OS_DYING && st == OS_FREE);
        if (d_st[lv[k]] != stamp || !fwd) {
            mfail("object %d (type %d) went from state %d to %d", lv[k], o->type, o->state, st);
            return;
        }
        o->state = (u8)st;
        if (st == OS_FREE) {
            ref2m[o->ref] = -1;
            lv_dirty = true;
        }
    }
    if (p->kind == K_DESTROY && mo[p->target].state == OS_LIVE) {
        mfail("BANK_DESTROY returned %s but object %d is still live", ename(rc), p->target);
        return;
    }
    if (p->foreign && rc != E_CONTINUE && mo[p->target].state != OS_FREE) {
        mfail("BANK_DESTROY returned %s before the destruction in progress (object %d) was done", ename(rc),
              p->target);
        return;
    }

    /* Slots: adopt the removals the core made, checking each one. */
    bool performs = rc == E_OK && (p->kind == K_CREATE || p->kind == K_WRAP || p->kind == K_XFER ||
                                   p->kind == K_FLEX);
    static u32 fdst_st[MAXSLOT], fsrc_st[MAXSLOT];
    if (performs && p->kind == K_FLEX)
        for (int k = 0; k < p->nfx; k++)
            fdst_st[p->fdst[k]] = fsrc_st[p->fsrc[k]] = stamp;
    nrem = 0;
    for (int k = 0; k < nact; k++) {
        int s = act[k];
        if (!occupied(s))
            continue;
        if (performs && p->kind == K_FLEX && fsrc_st[s] == stamp && p->xop == X_GRANT)
            continue;  /* moved, not removed */
        if (performs && p->kind == K_FLEX && fdst_st[s] == stamp) {
            /* a void leaf, replaced by the new mapping */
        } else if (s == p->clean && rc != E_CONTINUE) {
            /* replaced by the new cap if the call performed */
        } else {
            if (performs && p->xop == X_GRANT && p->kind == K_XFER && s == p->src)
                continue;  /* moved, not removed */
            struct slot *cs = core_slot(s);
            if (cs && cs->obj)
                continue;
        }
        if (allow_st[s] != stamp && mo[ms[s].obj].state == OS_LIVE) {
            mfail("live cap in %s (object %d) removed without cause", sname(s), ms[s].obj);
            return;
        }
        rem_st[s] = stamp;
        rem[nrem++] = s;
    }
    remove_slots();

    /* CSpace radix nodes of destroyed CSpaces, freed once they are empty;
     * page tables of destroyed AddrSpaces. */
    for (int k = 0; k < nlv; k++) {
        struct mobj *o = &mo[lv[k]];
        if (d_st[lv[k]] == stamp && o->type == OBJ_FRAME) {
            u64 x = o->state != OS_FREE && frame_body(o->ref)->page ? PAGE_BYTES : 0;
            if (x && o->state == OS_FREE) {
                mfail("frame %d is free but has its page", lv[k]);
                return;
            }
            if (!x && occupied(o->tslot)) {
                mfail("frame %d: page freed while its master cap is still there (S3)", lv[k]);
                return;
            }
            o->extra = x;
        }
        if (d_st[lv[k]] == stamp && o->type == OBJ_ASPACE) {
            u8 l2m = 0, pt1m = 0, pt0m = 0, root = 0;
            u16 leafm = 0;
            if (o->state != OS_FREE) {
                core_as_masks(o->ref, &l2m, &leafm, &pt1m, &pt0m);
                root = aspace_body(o->ref)->pt.root != NULL;
            }
            bool empty = true;
            for (int q = 0; q < NVP; q++)
                empty &= !occupied(o->slot0 + q);
            if ((l2m & ~o->al2m) || (leafm & ~o->aleafm) || (pt1m & ~o->pt1m) || (pt0m & ~o->pt0m) ||
                root > o->ptroot || ((l2m != o->al2m || leafm != o->aleafm || root != o->ptroot) && !empty)) {
                mfail("storage of dying AddrSpace %d changed from %x/%x/%x/%x/%d to %x/%x/%x/%x/%d (empty %d)",
                      lv[k], o->al2m, o->aleafm, o->pt1m, o->pt0m, o->ptroot, l2m, leafm, pt1m, pt0m, root, empty);
                return;
            }
            o->al2m = l2m, o->aleafm = leafm, o->pt1m = pt1m, o->pt0m = pt0m, o->ptroot = root;
        }
        if (d_st[lv[k]] != stamp || o->type != OBJ_CSPACE)
            continue;
        if (o->state == OS_FREE) {
            o->l2m = o->leafm = 0;
            continue;
        }
        u8 l2m = 0, leafm = 0;
        for (int n = 0; n < NL2; n++)
            l2m |= (u8)(core_l2(o->ref, n) << n);
        for (int n = 0; n < NLEAF; n++)
            leafm |= (u8)(core_leaf(o->ref, n) << n);
        if (l2m == o->l2m && leafm == o->leafm)
            continue;
        bool empty = true;
        for (int q = 0; q < NPOS; q++)
            empty &= !occupied(o->slot0 + q);
        if (!empty || (l2m & ~o->l2m) || (leafm & ~o->leafm)) {
            mfail("radix nodes of dying CSpace %d changed from %x/%x to %x/%x (empty %d)", lv[k], o->l2m, o->leafm,
                  l2m, leafm, empty);
            return;
        }
        o->l2m = l2m;
        o->leafm = leafm;
    }

    /* Completion rules of the long operations. */
    int must = 0;  /* allowed slots that must all be gone now */
    if (p->kind == K_UNMAP) {
        if (rc == E_CONTINUE && (nrem < 1 || nrem > (int)REVOKE_BUDGET || !occupied(p->src))) {
            mfail("UNMAP step removed %d slots (target %s left: %d)", nrem, sname(p->src), occupied(p->src));
            return;
        }
        must = rc == E_OK;
    } else if (p->kind == K_AUNMAP) {
        if (rc == E_CONTINUE && nrem != (int)REVOKE_BUDGET) {
            mfail("AS_UNMAP step removed %d slots, not the budget of %u", nrem, REVOKE_BUDGET);
            return;
        }
        must = rc == E_OK;
    } else if (p->kind == K_DESTROY && p->foreign && rc != E_OK) {
        /* an answer about the call's own arguments, after the other is done */
    } else if (p->kind == K_DESTROY && rc == E_OK) {
        for (int k = 0; k < nlv; k++)
            if (d_st[lv[k]] == stamp && mo[lv[k]].state != OS_FREE) {
                mfail("BANK_DESTROY done but object %d (type %d) is not free", lv[k], mo[lv[k]].type);
                return;
            }
        must = 1;
    } else if (p->clean >= 0) {
        if (rc == E_CONTINUE && (nrem < 1 || !occupied(p->clean))) {
            mfail("cleaning step of void %s removed %d slots", sname(p->clean), nrem);
            return;
        }
        must = rc != E_CONTINUE;
    }
    if (must)
        for (int k = 0; k < nact; k++)
            if (allow_st[act[k]] == stamp && occupied(act[k])) {
                mfail("%s returned %s but %s (a cap it had to remove) is still there", lname(c->label), ename(rc),
                      sname(act[k]));
                return;
            }

    if (performs)
        perform(c, p);
    if (rc == E_OK && p->kind == K_RESULTS)
        for (int k = 0; k < p->nres; k++)
            if (r[k] != p->r[k]) {
                mfail("result r%d = %llu, model expects %llu", k, (unsigned long long)r[k],
                      (unsigned long long)p->r[k]);
                return;
            }
}

/* -------------------------------------------------------------- checks -- */

#define HBITS 14
#define HSIZE (1u << HBITS)
static sref hkey[HSIZE];
static int hval[HSIZE];
static u32 hst[HSIZE], hcur;
static void hput(sref k, int v)
{
    u32 h = (k * 2654435761u) >> (32 - HBITS);
    while (hst[h] == hcur)
        h = (h + 1) & (HSIZE - 1);
    hst[h] = hcur;
    hkey[h] = k;
    hval[h] = v;
}
static int hget(sref k)
{
    for (u32 h = (k * 2654435761u) >> (32 - HBITS); hst[h] == hcur; h = (h + 1) & (HSIZE - 1))
        if (hkey[h] == k)
            return hval[h];
    return -1;
}

static struct slot *cptr_of[MAXSLOT];
static u32 vis[MAXSLOT], vcur;
static int stk_s[MAXSLOT];
static u16 stk_d[MAXSLOT];
static long checks_done;

static u64 core_node_bytes(oref cs)
{
    u64 b = 0;
    for (int n = 0; n < NL2; n++)
        b += core_l2(cs, n) ? blk(CS_L2_BYTES) : 0;
    for (int n = 0; n < NLEAF; n++)
        b += core_leaf(cs, n) ? blk(CS_LEAF_BYTES) : 0;
    return b;
}

/* Rarely: the whole radix tree of every CSpace, and the whole free store. */
static void deep_check(void)
{
    for (int k = 0; k < nlv; k++) {  /* AddrSpace radix: only the nodes the model knows */
        const struct mobj *o = &mo[lv[k]];
        if (o->type != OBJ_ASPACE)
            continue;
        const struct cspace *c = amap(o->ref);
        for (u32 i = 0; i < (1u << CS_L1_BITS); i++) {
            if (!c->l1[i])
                continue;
            if (find(akl2, nakl2, i) < 0) {
                mfail("AddrSpace %d has a radix L2 node at l1[%u] nobody mapped to", lv[k], i);
                return;
            }
            const sref *l2 = (const sref *)sref_ptr(c->l1[i]);
            for (u32 j = 0; j <= L2_MASK; j++)
                if (l2[j] && find(akleaf, nakleaf, i << 8 | j) < 0) {
                    mfail("AddrSpace %d has a radix leaf at %u/%u nobody mapped to", lv[k], i, j);
                    return;
                }
        }
    }
    for (int k = 0; k < nlv; k++) {
        const struct mobj *o = &mo[lv[k]];
        if (o->type != OBJ_CSPACE)
            continue;
        const struct cspace *c = cspace_body(o->ref);
        for (u32 i = 0; i < (1u << CS_L1_BITS); i++) {
            if (!c->l1[i])
                continue;
            int n = 0;
            while (n < NL2 && kl2[n] != i)
                n++;
            if (n == NL2) {
                mfail("CSpace %d has an L2 node at l1[%u] nobody wrote to", lv[k], i);
                return;
            }
            const sref *l2 = (const sref *)sref_ptr(c->l1[i]);
            for (u32 j = 0; j <= L2_MASK; j++) {
                if (!l2[j])
                    continue;
                int m = 0;
                while (m < NLEAF && !(kleaf1[m] == i && kleaf2[m] == j))
                    m++;
                if (m == NLEAF) {
                    mfail("CSpace %d has a leaf at %u/%u nobody wrote to", lv[k], i, j);
                    return;
                }
            }
        }
    }
    u64 fb = 0;
    for (int k = 0; k <= STORE_MAX_ORDER; k++)
        for (sref r = store.free[k]; r; r = *(sref *)sref_ptr(r))
            fb += (u64)STORE_MIN << k;
    if (fb != store.free_bytes)
        mfail("free lists hold %llu bytes, store.free_bytes = %llu", (unsigned long long)fb,
              (unsigned long long)store.free_bytes);
}

/* Bytes of radix nodes and page tables of AddrSpace x, from the nodes the
 * model knows of (deep_check makes sure there are no others). */
static u64 core_as_bytes(oref x)
{
    u8 l2m, pt1m, pt0m;
    u16 leafm;
    core_as_masks(x, &l2m, &leafm, &pt1m, &pt0m);
    return (u64)__builtin_popcount(l2m) * blk(CS_L2_BYTES) + (u64)__builtin_popcount(leafm) * blk(CS_LEAF_BYTES) +
           (u64)aspace_body(x)->pt_pages * PAGE_BYTES;
}

/* C9, S3, S4 against the hardware page tables (a cache of the mapping
 * slots): every tracked page of every AddrSpace has a PTE iff the model has
 * a mapping there, pointing at that frame's page, with its rights; with
 * `walk`, the whole table too: no other PTE, no other table. */
static void check_ptes(bool walk)
{
    for (int k = 0; k < nlv && !failed; k++) {
        const struct mobj *o = &mo[lv[k]];
        if (o->type != OBJ_ASPACE)
            continue;
        const hal_pt_root *pt = &aspace_body(o->ref)->pt;
        for (int q = 0; q < NVP; q++) {
            int s = o->slot0 + q;
            u32 r = 0;
            u8 *pg = hal_pt_lookup(pt, (u64)vpn_of[q] << 12, &r);
            if (!occupied(s)) {
                if (pg) {
                    mfail("%s: the page table maps %p, but there is no mapping", sname(s), (void *)pg);
                    return;
                }
                continue;
            }
            const struct mobj *f = &mo[ms[s].obj];
            if (f->state == OS_FREE || !pg || pg != frame_page(f->ref) || r != (ms[s].rights & 7u)) {
                mfail("%s: PTE %p rights %x; model: frame %d (state %d) page %p rights %x", sname(s), (void *)pg, r,
                      ms[s].obj, f->state, f->state == OS_FREE ? NULL : frame_page(f->ref), ms[s].rights & 7u);
                return;
            }
            if ((r & R_WRITE) && rn(32) == 0)
                pg[rn(PAGE_BYTES)] = (u8)(1 + rn(255));  /* the task writes: S4 checks new frames are zero */
        }
        if (!walk || !pt->root)
            continue;
        for (u32 i = 0; i < 512; i++) {
            const u64 *l1 = pt_child(pt->root, i);
            if (!l1)
                continue;
            int m1 = find(akpt1, nakpt1, i);
            if (m1 < 0 || !(o->pt1m & (1u << m1))) {
                mfail("AddrSpace %d: an L1 page table for VA %#llx the model does not expect", lv[k],
                      (unsigned long long)i << 30);
                return;
            }
            for (u32 j = 0; j < 512; j++) {
                const u64 *l0 = pt_child(l1, j);
                if (!l0)
                    continue;
                u32 x = i << 9 | j;
                int m = find(akpt0, nakpt0, x);
                if (m < 0 || !(o->pt0m & (1u << m))) {
                    mfail("AddrSpace %d: an L0 page table for VA %#llx the model does not expect", lv[k],
                          (unsigned long long)x << 21);
                    return;
                }
                for (u32 e = 0; e < 512; e++) {
                    if (!(l0[e] & PTE_V))
                        continue;
                    u32 vpn = x << 9 | e;
                    int q = vpos(vpn);
                    if (q < 0 || !occupied(o->slot0 + q)) {
                        mfail("AddrSpace %d: a PTE at VA %#llx (-> %#llx) with no mapping", lv[k],
                              (unsigned long long)vpn << 12, (unsigned long long)l0[e]);
                        return;
                    }
                }
            }
        }
    }
}

static void check_all(void)
{
    refresh();
    m_usage();
    checks_done++;

    /* Objects and banks. */
    for (int k = 0; k < nlv; k++) {
        int i = lv[k];
        const struct mobj *o = &mo[i];
        const struct obj *e = obj_get(o->ref);
        if (e->epoch != o->epoch || e->state != o->state || e->type != o->type) {
            mfail("object %d: core epoch/state/type %u/%u/%u, model %u/%u/%u", i, e->epoch, e->state, e->type,
                  o->epoch, o->state, o->type);
            return;
        }
        if (e->bank != (o->bank < 0 ? 0 : mo[o->bank].ref) || (o->bank >= 0 && mo[o->bank].state == OS_FREE)) {
            mfail("object %d: paid by core bank %u, model bank %d", i, e->bank, o->bank);
            return;
        }
        if (o->type == OBJ_BANK) {
            const struct bank *bk = bank_body(o->ref);
            if (bk->usage != use[i] || bk->limit != o->limit || bk->nobj != nob[i] || bk->depth != o->depth) {
                mfail("bank %d: usage/limit/nobj/depth core %llu/%llu/%u/%u, model %llu/%llu/%u/%u", i,
                      (unsigned long long)bk->usage, (unsigned long long)bk->limit, bk->nobj, bk->depth,
                      (unsigned long long)use[i], (unsigned long long)o->limit, nob[i], o->depth);
                return;
            }
            if (bk->usage > bk->limit) {
                mfail("bank %d over its limit", i);
                return;
            }
            /* The core's own books: usage = objects + sub-banks (S1). */
            u64 sum = (o->bank < 0 ? charge(OBJ_BANK) : 0);
            u32 cnt = 0;
            oref pr = 0;
            for (oref x = bk->head; x; pr = x, x = obj_get(x)->next) {
                const struct obj *xe = obj_get(x);
                int m = x < ntab ? ref2m[x] : -1;
                if (++cnt > bk->nobj || xe->prev != pr || m < 0 || mo[m].bank != i) {
                    mfail("bank %d: object list broken at object %u (model %d, count %u)", i, x, m, cnt);
                    return;
                }
                sum += ((u64)STORE_MIN << xe->order) + OBJ_PER_RAM + (xe->type == OBJ_CSPACE ? core_node_bytes(x) : 0) +
                       (xe->type == OBJ_ASPACE ? core_as_bytes(x) : 0) +
                       (xe->type == OBJ_FRAME && frame_body(x)->page ? PAGE_BYTES : 0) +
                       (xe->type == OBJ_BANK ? bank_body(x)->usage : 0);
            }
            if (cnt != bk->nobj || sum != bk->usage) {
                mfail("bank %d: usage %llu but objects + sub-banks = %llu (%u objects)", i,
                      (unsigned long long)bk->usage, (unsigned long long)sum, cnt);
                return;
            }
        } else if (o->type == OBJ_CSPACE) {
            u8 l2m = 0, leafm = 0;
            for (int n = 0; n < NL2; n++)
                l2m |= (u8)(core_l2(o->ref, n) << n);
            for (int n = 0; n < NLEAF; n++)
                leafm |= (u8)(core_leaf(o->ref, n) << n);
            u32 nodes = cspace_body(o->ref)->nodes;
            if (l2m != o->l2m || leafm != o->leafm ||
                nodes != (u32)__builtin_popcount(l2m) + (u32)__builtin_popcount(leafm)) {
                mfail("CSpace %d: radix nodes core %x/%x (%u), model %x/%x", i, l2m, leafm, nodes, o->l2m, o->leafm);
                return;
            }
        } else if (o->type == OBJ_ASPACE) {
            u8 l2m, pt1m, pt0m;
            u16 leafm;
            const struct aspace *as = aspace_body(o->ref);
            core_as_masks(o->ref, &l2m, &leafm, &pt1m, &pt0m);
            u32 pts = (u32)(o->ptroot + __builtin_popcount(o->pt1m) + __builtin_popcount(o->pt0m));
            if (l2m != o->al2m || leafm != o->aleafm || pt1m != o->pt1m || pt0m != o->pt0m ||
                (as->pt.root != NULL) != o->ptroot || as->pt_pages != pts ||
                as->map.nodes != (u32)(__builtin_popcount(l2m) + __builtin_popcount(leafm))) {
                mfail("AddrSpace %d: radix %x/%x (%u nodes), page tables %x/%x/%d (%u pages); model %x/%x, %x/%x/%d",
                      i, l2m, leafm, as->map.nodes, pt1m, pt0m, as->pt.root != NULL, as->pt_pages, o->al2m,
                      o->aleafm, o->pt1m, o->pt0m, o->ptroot);
                return;
            }
        } else if (o->type == OBJ_FRAME && (frame_body(o->ref)->page ? PAGE_BYTES : 0) != o->extra) {
            mfail("frame %d: page %s, model says %s", i, frame_body(o->ref)->page ? "present" : "freed",
                  o->extra ? "present" : "freed");
            return;
        } else if (o->type == OBJ_WRAPPER && wrapper_body(o->ref)->badge != o->wbadge) {
            mfail("wrapper %d: badge differs", i);
            return;
        }
    }
    if (store.live_objs != (u32)nlv) {
        mfail("core has %u objects, model %d", store.live_objs, nlv);
        return;
    }
    /* The root bank's usage is the storage in use plus one entry per object. */
    if (store.free_bytes != root_limit - use[ROOT_BANK] + (u64)OBJ_PER_RAM * (u64)nlv) {
        mfail("free storage %llu, but root bank limit - usage + entries = %llu (storage no bank pays for)",
              (unsigned long long)store.free_bytes,
              (unsigned long long)(root_limit - use[ROOT_BANK] + (u64)OBJ_PER_RAM * (u64)nlv));
        return;
    }

    /* Slots, one by one. */
    hcur++;
    for (int k = 0; k < nact; k++) {
        int s = act[k];
        struct slot *cs = core_slot(s);
        cptr_of[s] = cs;
        if (cs)
            hput(slot_ref(cs), s);
        const struct mslot *m = &ms[s];
        if (!occupied(s)) {
            if (cs && cs->obj) {
                mfail("%s: core has a cap (object %u), model is empty", sname(s), cs->obj);
                return;
            }
            continue;
        }
        const struct mobj *o = &mo[m->obj];
        if (!cs || cs->obj != o->ref || cs->epoch != o->epoch) {
            mfail("%s: core names object %u/%u, model object %d (%u/%u)", sname(s), cs ? cs->obj : 0,
                  cs ? cs->epoch : 0, m->obj, o->ref, o->epoch);
            return;
        }
        if (cap_live(cs) != (o->state == OS_LIVE)) {  /* S3 */
            mfail("%s: core live=%d, model object state %d", sname(s), cap_live(cs), o->state);
            return;
        }
        if (cs->flags != (mo[m->owner].type == OBJ_ASPACE ? SLOT_MAPPING : 0)) {
            mfail("%s: flags %x", sname(s), cs->flags);
            return;
        }
        if (cs->rights != m->rights || cs->badge != m->badge) {
            mfail("%s: rights/badge core %x/%llx, model %x/%llx", sname(s), cs->rights,
                  (unsigned long long)cs->badge, m->rights, (unsigned long long)m->badge);
            return;
        }
    }

    /* The derivation lists, walked from their heads. */
    vcur++;
    int spot = (int)rn(8);
    for (int k = 0; k < nact; k++) {
        int h = act[k];
        struct slot *hs = cptr_of[h];
        if (!hs || !hs->obj || hs->prev)
            continue;
        sref cur = slot_ref(hs), prev = 0;
        int sp = 0, len = 0;
        while (cur) {
            int x = hget(cur);
            if (x < 0) {
                mfail("the list of %s reaches a slot outside every CSpace and wrapper", sname(h));
                return;
            }
            struct slot *xs = cptr_of[x];
            if (vis[x] == vcur) {
                mfail("%s reached twice (cycle or two lists)", sname(x));
                return;
            }
            vis[x] = vcur;
            if (xs->prev != prev || xs->obj != hs->obj || xs->epoch != hs->epoch) {
                mfail("list of %s: bad prev link or mixed objects at %s", sname(h), sname(x));
                return;
            }
            if (len ? xs->depth == 0 : xs->depth != 0) {
                mfail("list of %s: %s has depth %u at position %d", sname(h), sname(x), xs->depth, len);
                return;
            }
            while (sp && stk_d[sp - 1] >= xs->depth)
                sp--;
            int par = sp ? stk_s[sp - 1] : -1;
            if (ms[x].parent != par) {
                mfail("%s: core parent %s, model parent %s", sname(x), sname(par), sname(ms[x].parent));
                return;
            }
            if (len == spot && cap_parent(xs) != (par >= 0 ? cptr_of[par] : NULL)) {
                mfail("cap_parent(%s) disagrees with the list", sname(x));
                return;
            }
            stk_s[sp] = x;
            stk_d[sp++] = xs->depth;
            prev = cur;
            cur = xs->next;
            len++;
        }
    }
    for (int k = 0; k < nact; k++)
        if (occupied(act[k]) && vis[act[k]] != vcur) {
            mfail("%s is not reachable from the head of its list", sname(act[k]));
            return;
        }
    check_ptes(checks_done % 16 == 0);
    if (checks_done % 1024 == 0 && !failed)
        deep_check();
    if (checks_done % 256 == 0 && !failed) {  /* the core's own checker agrees */
        const char *why = kernel_check();
        if (why)
            mfail("kernel_check: %s", why);
    }
}

/* ------------------------------------------------------------- driving -- */

static struct call pend[MAXPEND];
static int npend;
static int hostile = 5;   /* percent of hostile arguments */
static u32 mem_pct = 25;  /* percent of AddrSpace invocations */
static long n_calls, n_cont[4], n_rc[E_COUNT], n_skip, n_mem[4];
static int last_rc;

static void mboot(void)
{
    tk_boot(RAM_BYTES);
    ntab = store.ntab;
    free(ref2m);
    ref2m = malloc(ntab * sizeof *ref2m);
    for (u32 i = 0; i < ntab; i++)
        ref2m[i] = -1;
    no = ns = 0;
    npend = 0;
    hot_root = -1;
    lv_dirty = true;
    int rb = new_obj(OBJ_BANK, -1, tk.root_bank);
    root_limit = mo[rb].limit = bank_body(tk.root_bank)->limit;
    int rc = new_obj(OBJ_CSPACE, rb, tk.root_cs);
    m_add_nodes(rc, pos_of(ROOT_CAP_CSPACE));
    ms[mo[rc].slot0 + pos_of(ROOT_CAP_CSPACE)] = (struct mslot){rc, -1, rc, pos_of(ROOT_CAP_CSPACE), 0, R_ALL};
    ms[mo[rc].slot0 + pos_of(ROOT_CAP_BANK)] = (struct mslot){rb, -1, rc, pos_of(ROOT_CAP_BANK), 0, R_ALL};
    int sy = new_obj(OBJ_SYSTEM, rb, tk_slot(ROOT_CAP_SYSTEM)->obj);
    ms[mo[rc].slot0 + pos_of(ROOT_CAP_SYSTEM)] = (struct mslot){sy, -1, rc, pos_of(ROOT_CAP_SYSTEM), 0, R_ALL};
    snprintf(desc, sizeof desc, "boot");
    check_all();
}

static void describe(const struct call *c)
{
    snprintf(desc, sizeof desc, "caller cs%d cap %u %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)", c->ccs, c->cptr,
             lname(c->label), (unsigned long long)c->a[0], (unsigned long long)c->a[1],
             (unsigned long long)c->a[2], (unsigned long long)c->a[3], (unsigned long long)c->a[4],
             (unsigned long long)c->a[5]);
}

/* Predict, invoke, adopt, compare. Returns the core's answer. */
static int do_call(const struct call *c)
{
    struct plan p;
    u64 r[INVOKE_RESULTS] = {0};
    describe(c);
    m_usage();
    store_counts();
    predict(c, &p);
    if (p.skip) {
        n_skip++;
        return last_rc = p.rc;
    }
    int rc = kernel_invoke(mo[c->ccs].ref, (u64)c->label << 32 | c->cptr, c->a, r);
    n_calls++;
    if (rc >= 0 && rc < E_COUNT)
        n_rc[rc]++;
    apply(c, &p, rc, r);
    if (!failed)
        check_all();
    last_rc = rc;
    return rc;
}

static int call6(int ccs, u32 cptr, u32 label, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
    struct call c = {ccs, cptr, label, {a0, a1, a2, a3, a4, a5}};
    return do_call(&c);
}

/* A model CSpace to use as the caller: mostly the root task's. */
static int pick_caller(void)
{
    if (chance(90))
        return ROOT_CS;
    int cand[MAXOBJ], n = 0;
    for (int k = 0; k < nlv; k++)
        if (mo[lv[k]].type == OBJ_CSPACE && mo[lv[k]].state == OS_LIVE)
            cand[n++] = lv[k];
    return n ? cand[rn((u32)n)] : ROOT_CS;  /* none left (even the root's was destroyed) */
}

static u64 hostile_idx(bool dst)
{
    switch (rn(dst ? 5 : 6)) {
    case 0:  return CAP_ADDR_LIMIT;
    case 1:  return CAP_ADDR_LIMIT + rn(1u << 20);
    case 2:  return 1ull << 32 | pidx[rn(NPOS)];  /* must not be truncated */
    case 3:  return ~0ull;
    case 4:  return rnd() | 1ull << 63;
    default: return untracked[rn(ARRAY_LEN(untracked))];
    }
}

/* An address in caller ccs of a cap resolving to `type`, mostly with the
 * rights `need` (sometimes anything). */
static u32 pick_cap(int ccs, int type, u8 need, int *obj)
{
    int cand[NPOS], objs[NPOS], n = 0;
    *obj = -1;
    if (chance((u32)hostile))
        return chance(50) ? pidx[rn(NPOS)] : (u32)hostile_idx(false);
    if (chance(10))
        need = 0;
    for (int q = 0; q < NPOS; q++) {
        struct mt t;
        int s = mo[ccs].slot0 + q;
        if (occupied(s) && m_resolve(s, &t) == E_OK && t.type == type && (t.rights & need) == need)
            objs[n] = t.obj, cand[n++] = q;
    }
    if (!n)
        return pidx[rn(NPOS)];
    int k = (int)rn((u32)n);
    *obj = objs[k];
    return pidx[cand[k]];
}

enum want { W_ANY, W_OCC, W_FREE, W_PARENT };

/* An index in model CSpace cs (-1: unknown) for an argument. */
static u64 pick_idx(int cs, enum want w, bool dst)
{
    if (chance((u32)hostile))
        return hostile_idx(dst);
    if (cs < 0 || mo[cs].type != OBJ_CSPACE || w == W_ANY || chance(5))
        return pidx[rn(NPOS)];
    int cand[NPOS], n = 0;
    if (w == W_PARENT) {
        stamp++;
        for (int k = 0; k < nact; k++)
            if (occupied(act[k]) && ms[act[k]].parent >= 0)
                memo_st[ms[act[k]].parent] = stamp;
    }
    for (int q = 0; q < NPOS; q++) {
        int s = mo[cs].slot0 + q;
        bool ok = w == W_FREE ? !slot_live(s) : occupied(s);
        if (w == W_PARENT)
            ok = ok && memo_st[s] == stamp;
        if (ok)
            cand[n++] = q;
    }
    if (!n)
        return w == W_PARENT ? pick_idx(cs, W_OCC, dst) : pidx[rn(NPOS)];
    return pidx[cand[rn((u32)n)]];
}

static u64 pick_rights(void)
{
    switch (rn(10)) {
    case 0: case 1: case 2: case 4: case 5: case 6: return R_ALL;
    case 3:         return rnd();  /* bits above R_ALL must not matter */
    default:        return rn(16);
    }
}

static u64 pick_limit(void)
{
    switch (rn(8)) {
    case 0:  return 0;
    case 1:  return 64u * (1 + rn(8));
    case 2:  return 1024u * (1 + rn(16));
    case 3:  return 4096u * (1 + rn(32));
    case 4:  return 65536u + rn(1u << 18);
    case 5:  return ~0ull;
    case 6:  return 1u << 20;
    default: return 8192u + rn(1u << 16);
    }
}

/* The model CSpace a "cs" argument names, or -1. */
static int cs_of(int ccs, u64 cptr)
{
    struct mt t;
    return m_inv_lookup(ccs, cptr, &t) == E_OK && t.type == OBJ_CSPACE ? t.obj : -1;
}

/* A source slot from one growing derivation tree (so that UNMAP and
 * destruction get long), reached through a CSpace cap the caller holds.
 * Returns false if the caller holds no cap to the CSpace it is in. */
static bool pick_hot(int ccs, u64 *cscap, u64 *idx)
{
    static int mem[MAXSLOT];
    int n = 0;
    if (!slot_live(hot_root) || ms[hot_root].parent >= 0 || rn(1000) == 0) {
        for (int k = 0; k < nact; k++)
            if (slot_live(act[k]) && ms[act[k]].parent < 0 && ms[act[k]].owner == ROOT_CS)
                mem[n++] = act[k];
        if (!n)
            return false;
        hot_root = mem[rn((u32)n)];
        n = 0;
    }
    for (int k = 0; k < nact; k++) {
        int x = act[k];
        if (!occupied(x) || mo[ms[x].owner].type != OBJ_CSPACE)
            continue;
        while (ms[x].parent >= 0)
            x = ms[x].parent;
        if (x == hot_root)
            mem[n++] = act[k];
    }
    if (!n)
        return false;
    int m = mem[rn((u32)n)], owner = ms[m].owner;
    for (int q = 0, o = (int)rn(NPOS); q < NPOS; q++) {
        struct mt t;
        int s = mo[ccs].slot0 + (q + o) % NPOS;
        if (occupied(s) && m_resolve(s, &t) == E_OK && t.obj == owner) {
            *cscap = pidx[(q + o) % NPOS];
            *idx = pidx[ms[m].pos];
            return true;
        }
    }
    return false;
}

/* A cap in ccs to the object `target` (with R_WRITE), if there is one. */
static void pick_cap_to(int ccs, int target, u64 *cptr, int *obj)
{
    for (int q = 0, o = (int)rn(NPOS); q < NPOS; q++) {
        struct mt t;
        int s = mo[ccs].slot0 + (q + o) % NPOS;
        if (occupied(s) && m_resolve(s, &t) == E_OK && t.obj == target && (t.rights & R_WRITE)) {
            *cptr = pidx[(q + o) % NPOS];
            *obj = target;
            return;
        }
    }
}

/* A cap (cs cap address, index) in a CSpace the caller can read naming an
 * object that bank b paid for (directly or through sub-banks). */
static bool pick_target(int ccs, int b, u64 *cscap, u64 *idx, int *csid)
{
    static u64 ca[NPOS * NPOS], ia[NPOS * NPOS];
    static int cid[NPOS * NPOS];
    int n = 0;
    for (int q = 0; q < NPOS; q++) {
        struct mt t;
        int s = mo[ccs].slot0 + q;
        if (!occupied(s) || m_resolve(s, &t) != E_OK || t.type != OBJ_CSPACE || !(t.rights & R_READ))
            continue;
        for (int r = 0; r < NPOS; r++) {
            int x = mo[t.obj].slot0 + r, o = ms[x].obj;
            if (o >= 0 && o != ROOT_CS && mo[o].state != OS_FREE && m_is_ancestor(b, mo[o].bank))
                ca[n] = pidx[q], ia[n] = pidx[r], cid[n++] = t.obj;
        }
    }
    if (!n)
        return false;
    int k = (int)rn((u32)n);
    *cscap = ca[k], *idx = ia[k], *csid = cid[k];
    return true;
}

static int count_type(int type)
{
    int n = 0;
    for (int k = 0; k < nlv; k++)
        n += mo[lv[k]].type == type;
    return n;
}

/* A tracked page of model AddrSpace as (-1: any) with the wanted state. */
static int pick_vpos(int as, enum want w)
{
    int cand[NVP], n = 0;
    if (as < 0 || mo[as].type != OBJ_ASPACE || w == W_ANY || chance(5))
        return (int)rn(NVP);
    for (int q = 0; q < NVP; q++) {
        int s = mo[as].slot0 + q;
        if (w == W_FREE ? !slot_live(s) : w == W_PARENT ? occupied(s) && has_child(s) : occupied(s))
            cand[n++] = q;
    }
    if (!n)
        return w == W_PARENT ? pick_vpos(as, W_OCC) : (int)rn(NVP);
    return cand[rn((u32)n)];
}

/* A virtual address no flexpage accepts (unaligned or out of range). */
static u64 hostile_va(void)
{
    switch (rn(5)) {
    case 0:  return USER_VA_LIMIT;
    case 1:  return USER_VA_LIMIT + ((u64)rn(1u << 20) << 12);
    case 2:  return ((u64)vpn_of[rn(NVP)] << 12) + 1 + rn(PAGE_BYTES - 1);
    case 3:  return ~0ull << 12;
    default: return (rnd() | 1ull << 63) & ~0xfffull;
    }
}

static u64 pick_log2(void)
{
    u32 k = rn(100);
    return k < 45 ? 0 : k < 80 ? 1 + rn(3) : 4 + rn(FLEX_MAX_LOG2 - 3);
}

static u64 pick_mrights(void)
{
    switch (rn(8)) {
    case 0: case 1: case 2: return R_READ | R_WRITE;
    case 3:         return R_READ;
    case 4:         return R_ALL;
    case 5:         return rnd();
    default:        return rn(16);
    }
}

/* AddrSpace invocations: AS_MAP_FRAME, AS_MAP, AS_UNMAP, AS_INFO. */
static void gen_mem(struct call *c)
{
    int as, obj, k = (int)rn(100);
    bool bad = chance((u32)hostile);
    c->cptr = pick_cap(c->ccs, OBJ_ASPACE, k < 75 ? R_WRITE : R_READ, &as);
    if (k < 35) {
        c->label = AS_MAP_FRAME;
        n_mem[0]++;
        c->a[0] = pick_cap(c->ccs, OBJ_FRAME, R_READ, &obj);
        c->a[1] = bad && chance(50) ? hostile_va() : (u64)vpn_of[pick_vpos(as, chance(85) ? W_FREE : W_ANY)] << 12;
        c->a[2] = pick_mrights();
        u32 o = rn(100);
        c->a[3] = bad && chance(50) ? 3 + rn(100) : o < 55 ? ITEM_MAP : o < 80 ? ITEM_COPY : ITEM_GRANT;
    } else if (k < 65) {
        int sas;
        c->label = AS_MAP;
        n_mem[1]++;
        c->a[0] = pick_cap(c->ccs, OBJ_ASPACE, R_READ, &sas);
        u64 L = pick_log2();
        int sp = pick_vpos(sas, W_OCC);
        u32 off = voff[sp % NOFF] & ~((1u << L) - 1);
        int db = (int)rn(NBLK);
        if (sas == as && db == sp / NOFF && chance(80))
            db = (db + 1 + (int)rn(NBLK - 1)) % NBLK;
        c->a[1] = (u64)(vblk[sp / NOFF] + off) << 12;
        c->a[2] = (u64)(vblk[db] + off) << 12;
        c->a[3] = L;
        c->a[4] = chance(90) ? pick_mrights() | R_READ : pick_mrights();
        u32 o = rn(100);
        c->a[5] = o < 55 ? ITEM_MAP : o < 80 ? ITEM_COPY : ITEM_GRANT;
        if (bad) {
            switch (rn(5)) {
            case 0:  c->a[1] = hostile_va(); break;
            case 1:  c->a[2] = hostile_va(); break;
            case 2:  c->a[3] = FLEX_MAX_LOG2 + 1 + rn(60); break;
            case 3:  c->a[5] = 3 + rn(100); break;
            default: c->a[4] &= ~(u64)R_READ; break;
            }
        }
    } else if (k < 85) {
        c->label = AS_UNMAP;
        n_mem[2]++;
        u64 L = chance(60) ? 0 : pick_log2();
        int q = pick_vpos(as, chance(60) ? W_PARENT : W_OCC);
        c->a[0] = (u64)(vblk[q / NOFF] + (voff[q % NOFF] & ~((1u << L) - 1))) << 12;
        c->a[1] = L;
        c->a[2] = rn(2);
        if (bad) {
            switch (rn(3)) {
            case 0:  c->a[0] = hostile_va(); break;
            case 1:  c->a[1] = FLEX_MAX_LOG2 + 1 + rn(60); break;
            default: c->a[2] = 2 + rn(100); break;
            }
        }
    } else {
        c->label = AS_INFO;
        n_mem[3]++;
        c->a[0] = bad ? hostile_va() : ((u64)vpn_of[pick_vpos(as, W_ANY)] << 12) + (chance(20) ? rn(PAGE_BYTES) : 0);
        if (chance(5))  /* an untracked page: always empty */
            c->a[0] = (u64)(0x1000 + rn(0x30000)) << 12;
    }
}

/* Build one random call. */
static void gen_call(struct call *c)
{
    int w = (int)rn(100), obj, cs;
    memset(c, 0, sizeof *c);
    refresh();
    c->ccs = pick_caller();
    if (chance(mem_pct) && count_type(OBJ_ASPACE)) {
        gen_mem(c);
        return;
    }
    if (w < 16 && nlv >= MAX_LIVE)
        w = 95;                                            /* enough objects: query instead */
    if (grow && w >= 68 && w < 84 && chance(85))
        w = 22 + (int)rn(46);                              /* growth phase: transfer instead */
    if (w < 16) {                                          /* BANK_CREATE */
        c->label = BANK_CREATE;
        c->cptr = pick_cap(c->ccs, OBJ_BANK, R_WRITE, &obj);
        u32 k = rn(100);
        u64 type = k < 30 ? OBJ_BANK : k < 48 ? OBJ_CSPACE : k < 70 ? OBJ_ENDPOINT : k < 73 ? OBJ_THREAD
                 : k < 80 ? OBJ_ASPACE : OBJ_FRAME;
        if (type == OBJ_CSPACE && count_type(OBJ_CSPACE) >= MAX_CSPACES)
            type = OBJ_ENDPOINT;
        if (type == OBJ_ASPACE && count_type(OBJ_ASPACE) >= MAX_ASPACES)
            type = OBJ_FRAME;
        if (chance((u32)hostile))
            type = (u64[]){OBJ_NONE, OBJ_WRAPPER, OBJ_COUNT, ~0ull}[rn(4)];
        c->a[0] = type;
        c->a[1] = pick_cap(c->ccs, OBJ_CSPACE, R_WRITE, &cs);
        if (chance(50))  /* mostly into the caller's own CSpace: it can use the cap */
            pick_cap_to(c->ccs, c->ccs, &c->a[1], &cs);
        c->a[2] = pick_idx(cs, W_FREE, true);
        c->a[3] = pick_limit();
    } else if (w < 22) {                                   /* BANK_WRAP */
        c->label = BANK_WRAP;
        c->cptr = pick_cap(c->ccs, OBJ_BANK, R_WRITE, &obj);
        c->a[0] = pick_cap(c->ccs, OBJ_CSPACE, R_WRITE, &cs);
        c->a[1] = pick_idx(cs, W_FREE, true);
        c->a[2] = pick_cap(c->ccs, OBJ_CSPACE, R_READ, &cs);
        c->a[3] = pick_idx(cs, W_OCC, false);
        c->a[4] = chance(60) ? 0 : chance(80) ? 1 + rn(1000) : rnd();
        c->a[5] = pick_rights();
    } else if (w < 68) {                                   /* COPY / MAP / GRANT / MINT */
        int k = (int)rn(100);
        c->label = k < 30 ? CS_COPY : k < 75 ? CS_MAP : k < 88 ? CS_GRANT : CS_MINT;
        c->cptr = pick_cap(c->ccs, OBJ_CSPACE, R_WRITE, &cs);
        c->a[0] = pick_idx(cs, chance(85) ? W_FREE : W_ANY, true);
        if (c->label == CS_MINT || !chance(grow ? 85 : 50) || !pick_hot(c->ccs, &c->a[1], &c->a[2])) {
            c->a[1] = pick_cap(c->ccs, OBJ_CSPACE, c->label == CS_GRANT ? R_READ | R_WRITE : R_READ, &cs);
            c->a[2] = pick_idx(cs, W_OCC, false);
        }
        cs = cs_of(c->ccs, c->a[1]);
        c->a[3] = pick_rights();
        if (c->label == CS_MINT) {
            c->a[4] = chance(85) ? 1 + rn(100) : chance(50) ? 0 : rnd();
            c->a[5] = chance(95) ? rn(2) : 2 + rn(10);
        }
        /* Leave the root task's own caps alone most of the time. */
        if (c->label == CS_GRANT && c->ccs == ROOT_CS && cs == ROOT_CS &&
            (c->a[2] == ROOT_CAP_CSPACE || c->a[2] == ROOT_CAP_BANK) && chance(95))
            c->label = CS_COPY;
    } else if (w < 76) {                                   /* UNMAP / DELETE */
        c->label = chance(50) ? CS_UNMAP : CS_DELETE;
        c->cptr = pick_cap(c->ccs, OBJ_CSPACE, R_WRITE, &cs);
        c->a[0] = pick_idx(cs, chance(60) ? W_PARENT : W_OCC, false);
        if (chance(30) && occupied(hot_root)) {  /* the big tree, when the caller can reach it */
            int o = -1;
            u64 cp = c->cptr;
            pick_cap_to(c->ccs, ms[hot_root].owner, &cp, &o);
            if (o >= 0)
                c->cptr = (u32)cp, cs = o, c->a[0] = pidx[ms[hot_root].pos];
        }
        c->a[1] = chance((u32)hostile) ? 2 + rn(5) : rn(2);
        if (cs == ROOT_CS && (c->a[0] == ROOT_CAP_CSPACE || c->a[0] == ROOT_CAP_BANK) &&
            (c->label == CS_DELETE || c->a[1]) && chance(95))
            c->a[1] = 0, c->label = CS_UNMAP;
    } else if (w < 84) {                                   /* BANK_DESTROY */
        c->label = BANK_DESTROY;
        c->cptr = pick_cap(c->ccs, OBJ_BANK, R_WRITE, &obj);
        if (obj < 0 || !chance(80) || !pick_target(c->ccs, obj, &c->a[0], &c->a[1], &cs)) {
            c->a[0] = pick_cap(c->ccs, OBJ_CSPACE, R_READ, &cs);
            c->a[1] = pick_idx(cs, W_OCC, false);
        }
        /* The root task's CSpace is not destroyed (its caller would be gone). */
        int sid;
        cs = cs_of(c->ccs, c->a[0]);
        if (cs >= 0 && m_slot_at(cs, c->a[1], &sid) == E_OK && occupied(sid) && ms[sid].obj == ROOT_CS)
            c->label = BANK_QUERY;
    } else if (w < 88) {
        c->label = BANK_QUERY;
        c->cptr = pick_cap(c->ccs, OBJ_BANK, R_READ, &obj);
    } else if (w < 97) {
        c->label = CS_INFO;
        c->cptr = pick_cap(c->ccs, OBJ_CSPACE, R_READ, &cs);
        c->a[0] = pick_idx(cs, W_ANY, false);
    } else {                                               /* a label the object lacks */
        static const u32 bad[] = {0, 1, CS_COPY - 1, CS_INFO + 1, BANK_CREATE - 1, BANK_QUERY + 1,
                                  AS_MAP_FRAME - 1, AS_INFO + 1, 0xffffffffu};
        c->cptr = pidx[rn(NPOS)];
        c->label = chance(50) ? bad[rn(ARRAY_LEN(bad))]
                 : (u32[]){CS_COPY, CS_INFO, BANK_QUERY, BANK_CREATE, AS_INFO, AS_MAP_FRAME, AS_UNMAP, AS_MAP}[rn(8)];
        for (int k = 0; k < 6; k++)  /* small values are tracked indices */
            c->a[k] = chance(50) ? pidx[rn(NPOS)] : rnd() | 1ull << 63;
    }
}

/* UNMAP or DELETE of the root of the grown tree, if the root task can. */
static bool hot_unmap(struct call *c)
{
    int o = -1;
    u64 cp = 0;
    if (!occupied(hot_root))
        return false;
    pick_cap_to(ROOT_CS, ms[hot_root].owner, &cp, &o);
    if (o < 0)
        return false;
    memset(c, 0, sizeof *c);
    c->ccs = ROOT_CS;
    c->cptr = (u32)cp;
    c->label = chance(70) ? CS_UNMAP : CS_DELETE;
    c->a[0] = pidx[ms[hot_root].pos];
    c->a[1] = rn(2);
    return true;
}

/* One random step: a new call, or the continuation of a half-done one. */
static void random_step(bool churn_starts)
{
    struct call c;
    if (churn_starts && hot_unmap(&c)) {
        /* c is ready */
    } else if (npend && chance(8)) {
        int k = (int)rn((u32)npend);
        c = pend[k];
        pend[k] = pend[--npend];
        if (mo[c.ccs].state != OS_LIVE)
            return;  /* its caller is gone */
        n_cont[0]++;
    } else {
        gen_call(&c);
    }
    int rc = do_call(&c);
    /* E_CONTINUE: continue now, later, or never. */
    while (rc == E_CONTINUE && !failed) {
        n_cont[1]++;
        int k = (int)rn(10);
        if (k < 5 && mo[c.ccs].state == OS_LIVE) {
            step_no++;
            rc = do_call(&c);
        } else {
            if (k < 9) {
                if (npend == MAXPEND)
                    pend[rn(MAXPEND)] = c;
                else
                    pend[npend++] = c;
                n_cont[2]++;
            } else {
                n_cont[3]++;
            }
            break;
        }
    }
}

static u64 env_u64(const char *name, u64 dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 0) : dflt;
}

/* Every test starts from the run's seed mixed with its own number. */
static void start(const char *name, u64 k)
{
    static bool printed;
    if (!printed) {
        seed = env_u64("TETHER_SEED", (u64)time(NULL) ^ ((u64)clock() << 20));
        printf("model: seed=%llu (replay with TETHER_SEED=%llu)\n", (unsigned long long)seed,
               (unsigned long long)seed);
        init_positions();
        init_vpages();
        printed = true;
    }
    test_name = name;
    test_seed = seed + k * 0x9e3779b97f4a7c15ull;
    rng = test_seed;
    failed = 0;
    step_no = 0;
    hostile = 5;
    memset(n_cont, 0, sizeof n_cont);
    memset(n_rc, 0, sizeof n_rc);
    n_skip = 0;
    memset(n_mem, 0, sizeof n_mem);
    n_calls = 0;
    mboot();
}

/* Run n random steps, rebooting now and then. */
static void random_run(long n)
{
    long next_boot = 3000 + rn(5000), next_phase = 0;
    for (long i = 0; i < n && !failed; i++) {
        step_no++;
        bool churn_starts = false;
        if (i == next_phase) {
            grow = !grow;
            churn_starts = !grow;
            next_phase = i + (grow ? 400 + rn(1200) : 200 + rn(600));
        }
        if (i == next_boot || no > MAXOBJ - 8 || ns > MAXSLOT - 2 * NPOS) {
            mboot();
            next_boot = i + 3000 + rn(5000);
        }
        random_step(churn_starts);
    }
}

/* ----------------------------------------------------------------- tests -- */

/* Shorthands for scripted scenarios, all in the root task's CSpace. */
static int create(u32 bank, u64 type, u32 dcs, u32 dst, u64 limit)
{
    return call6(ROOT_CS, bank, BANK_CREATE, type, dcs, dst, limit, 0, 0);
}
static int xfer(u32 label, u32 dcs, u32 dst, u32 scs, u32 src, u64 rights)
{
    return call6(ROOT_CS, dcs, label, dst, scs, src, rights, 0, 0);
}

static void report_mem(void)
{
    printf("    AddrSpace calls: AS_MAP_FRAME %ld, AS_MAP %ld, AS_UNMAP %ld, AS_INFO %ld; not made: %ld to untracked "
           "pages\n", n_mem[0], n_mem[1], n_mem[2], n_mem[3], n_skip);
}

/* The main run: every rule, long random sequences. */
TEST(model_random_ops)
{
    start("model_random_ops", 1);
    long steps = (long)env_u64("TETHER_STEPS", 200000);
    random_run(steps);
    printf("    %ld steps, %ld calls: E_OK %ld, E_NOMEM %ld, E_CONTINUE %ld (continued later %ld, left %ld, "
           "abandoned %ld)\n",
           step_no, n_calls, n_rc[E_OK], n_rc[E_NOMEM], n_cont[1], n_cont[0], n_cont[2], n_cont[3]);
    report_mem();
    CHECK(!failed);
    CHECK(n_cont[1] > 0 || steps < 20000);
}

/* Bad input never crashes and is answered with the right error. */
TEST(model_hostile_args)
{
    start("model_hostile_args", 2);
    hostile = 40;
    random_run((long)env_u64("TETHER_STEPS", 200000) / 10);
    CHECK(!failed);
}

/* C5: a big UNMAP left half done, other work in between, then finished. */
TEST(C5_unmap_interleaved)
{
    start("C5_unmap_interleaved", 3);
    const u32 ep = 10, a = 11, b = 12, cc = 13;
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_ENDPOINT, ROOT_CAP_CSPACE, ep, 0), E_OK);
    for (u32 k = 0; k < 3; k++)
        CHECK_EQ(create(ROOT_CAP_BANK, OBJ_CSPACE, ROOT_CAP_CSPACE, a + k, 0), E_OK);
    for (u32 q = 0; q < NPOS && !failed; q++) {
        CHECK_EQ(xfer(CS_MAP, a, pidx[q], ROOT_CAP_CSPACE, ep, R_ALL), E_OK);
        CHECK_EQ(xfer(q & 1 ? CS_MAP : CS_COPY, b, pidx[q], a, pidx[q], q % 7 ? R_ALL : R_READ), E_OK);
        CHECK_EQ(xfer(q & 2 ? CS_COPY : CS_MAP, cc, pidx[q], b, pidx[q], R_ALL), E_OK);
    }
    int saw = 0;
    for (int round = 0; round < 3 && !failed; round++) {
        int rc = call6(ROOT_CS, ROOT_CAP_CSPACE, CS_UNMAP, ep, round == 2, 0, 0, 0, 0);
        saw += rc == E_CONTINUE;
        hostile = 5;
        random_run(200);  /* may add to, move or remove the tree */
        for (int n = 0; n < 100 && !failed && last_rc == E_CONTINUE; n++)
            call6(ROOT_CS, ROOT_CAP_CSPACE, CS_UNMAP, ep, round == 2, 0, 0, 0, 0);
    }
    CHECK(saw > 0);
    CHECK(!failed);
}

/* S2, S3: a bank tree destroyed in steps while it is being used. */
TEST(S2_bank_destroy_interleaved)
{
    start("S2_bank_destroy_interleaved", 4);
    const u32 B = 10, B2 = 11, X = 12, Y = 13;
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_BANK, ROOT_CAP_CSPACE, B, 1u << 20), E_OK);
    CHECK_EQ(create(B, OBJ_BANK, ROOT_CAP_CSPACE, B2, 1u << 19), E_OK);
    CHECK_EQ(create(B2, OBJ_CSPACE, ROOT_CAP_CSPACE, X, 0), E_OK);
    CHECK_EQ(create(B, OBJ_CSPACE, ROOT_CAP_CSPACE, Y, 0), E_OK);
    for (u32 q = 0; q < NPOS && !failed; q++) {
        CHECK_EQ(create(q & 1 ? B2 : B, OBJ_ENDPOINT, X, pidx[q], 0), E_OK);
        CHECK_EQ(xfer(CS_MAP, Y, pidx[q], X, pidx[q], R_ALL), E_OK);
        if (q < 20)
            CHECK_EQ(xfer(CS_MAP, ROOT_CAP_CSPACE, 20 + q, Y, pidx[q], R_READ | R_WRITE), E_OK);
    }
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, B, 0, 0, 0, 0), E_CONTINUE);
    random_run(300);
    int n = 0;
    while (!failed && n++ < 1000 &&
           call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, B, 0, 0, 0, 0) == E_CONTINUE)
        ;
    CHECK(!failed);
}

/* C8 + S3: wrapper chains; destroying one wrapper voids everything above. */
TEST(C8_wrapper_chain)
{
    start("C8_wrapper_chain", 5);
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_ENDPOINT, ROOT_CAP_CSPACE, 10, 0), E_OK);
    for (u32 k = 0; k < 8; k++)  /* wrapper k+1 wraps slot 10+k */
        CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_WRAP, ROOT_CAP_CSPACE, 11 + k, ROOT_CAP_CSPACE, 10 + k,
                       k == 3 ? 7 : 0, k == 5 ? R_READ : R_ALL), E_OK);
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_WRAP, ROOT_CAP_CSPACE, 19, ROOT_CAP_CSPACE, 18, 0, R_ALL), E_DEPTH);
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_WRAP, ROOT_CAP_CSPACE, 19, ROOT_CAP_CSPACE, 15, 9, R_ALL), E_INVAL);
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, 13, 0, 0, 0, 0), E_OK);
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_WRAP, ROOT_CAP_CSPACE, 19, ROOT_CAP_CSPACE, 16, 0, R_ALL),
             E_REVOKED);
    /* A wrapper over a CSpace cap works as a CSpace argument, with its mask. */
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_WRAP, ROOT_CAP_CSPACE, 30, ROOT_CAP_CSPACE, ROOT_CAP_CSPACE, 0,
                   R_READ), E_OK);
    CHECK_EQ(xfer(CS_COPY, 30, 31, ROOT_CAP_CSPACE, 10, R_ALL), E_RIGHTS);
    CHECK_EQ(xfer(CS_COPY, ROOT_CAP_CSPACE, 31, 30, 10, R_ALL), E_OK);
    CHECK_EQ(xfer(CS_GRANT, ROOT_CAP_CSPACE, 32, 30, 10, R_ALL), E_RIGHTS);
    random_run(2000);
    CHECK(!failed);
}

/* S1: nested banks run out; nesting depth is bounded. */
TEST(S1_bank_limits)
{
    start("S1_bank_limits", 6);
    u32 prev = ROOT_CAP_BANK;
    int rc = E_OK;
    for (u32 k = 0; k < BANK_MAX_DEPTH && rc == E_OK && !failed; k++) {
        rc = create(prev, OBJ_BANK, ROOT_CAP_CSPACE, 10 + k, 1u << 16);
        prev = 10 + k;
    }
    CHECK_EQ(rc, E_DEPTH);
    /* Charges are body block + 512 for the table entry: a CSpace 1536, an
     * endpoint 576. */
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_BANK, ROOT_CAP_CSPACE, 45, 2788), E_OK);
    CHECK_EQ(create(45, OBJ_CSPACE, ROOT_CAP_CSPACE, 46, 0), E_OK);  /* 1536 of 2788 */
    CHECK_EQ(create(45, OBJ_CSPACE, ROOT_CAP_CSPACE, 47, 0), E_NOMEM);
    int k = 0;  /* leak endpoints until the limit: 1252 bytes left = 2 */
    while (!failed && k++ < 20 && create(45, OBJ_ENDPOINT, ROOT_CAP_CSPACE, 47, 0) == E_OK)
        call6(ROOT_CS, ROOT_CAP_CSPACE, CS_DELETE, 47, 0, 0, 0, 0, 0);
    CHECK_EQ(last_rc, E_NOMEM);
    CHECK_EQ(k, 3);
    /* The object is paid by the root bank, the CSpace's new nodes by bank 45. */
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_ENDPOINT, 46, 0, 0), E_NOMEM);
    random_run(3000);
    CHECK(!failed);
}

/* C9 + S3: frames, AddrSpaces and flexpages in a memory-heavy run. */
TEST(C9_memory_random)
{
    start("C9_memory_random", 7);
    mem_pct = 70;
    random_run((long)env_u64("TETHER_STEPS", 200000) / 10);
    mem_pct = 25;
    report_mem();
    CHECK(!failed);
}

/* S3, C9: a frame mapped in well over REVOKE_BUDGET pages destroyed in
 * steps, other work (mapping onto its void pages, unmapping them,
 * destroying AddrSpaces) in between, then finished. */
TEST(S3_frame_destroy_interleaved)
{
    start("S3_frame_destroy_interleaved", 8);
    const u32 F = 10, A0 = 11;
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_FRAME, ROOT_CAP_CSPACE, F, 0), E_OK);
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_FRAME, ROOT_CAP_CSPACE, F + 10, 0), E_OK);
    for (u32 k = 0; k < 4; k++)
        CHECK_EQ(create(ROOT_CAP_BANK, OBJ_ASPACE, ROOT_CAP_CSPACE, A0 + k, 0), E_OK);
    /* The frame at every tracked page of A0 (MAP and COPY), then flexpages
     * of whole blocks onward: A0 -> A1 -> A2, A0 -> A3 (COPY). */
    for (int q = 0; q < NVP && !failed; q++)
        CHECK_EQ(call6(ROOT_CS, A0, AS_MAP_FRAME, q % 3 ? F : F + 10, (u64)vpn_of[q] << 12, R_READ | R_WRITE,
                       q % 2 ? ITEM_MAP : ITEM_COPY, 0, 0), E_OK);
    for (int b = 0; b < NBLK && !failed; b++) {
        u64 va = (u64)vblk[b] << 12;
        CHECK_EQ(call6(ROOT_CS, A0 + 1, AS_MAP, A0, va, va, 8, R_ALL, ITEM_MAP), E_OK);
        CHECK_EQ(call6(ROOT_CS, A0 + 2, AS_MAP, A0 + 1, va, va, 8, R_READ, b & 1 ? ITEM_GRANT : ITEM_MAP), E_OK);
        CHECK_EQ(call6(ROOT_CS, A0 + 3, AS_MAP, A0, va, va, 8, R_READ, ITEM_COPY), E_OK);
    }
    int saw = 0;
    for (int round = 0; round < 2 && !failed; round++) {
        int rc = call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, F + 10 * round, 0, 0, 0, 0);
        saw += rc == E_CONTINUE;
        mem_pct = 80;
        random_run(300);
        mem_pct = 25;
        for (int n = 0; n < 100 && !failed && last_rc == E_CONTINUE; n++)
            call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, F + 10 * round, 0, 0, 0, 0);
    }
    CHECK(saw > 0);
    CHECK(!failed);
}

int main(int argc, char **argv)
{
    return harness_run(argc, argv);
}
