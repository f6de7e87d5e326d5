/* SPDX-License-Identifier: BSD-2-Clause */
/* driver.c: the random driver of the model test (driver.h). */
#include "driver.h"
#include "state.h"
#include "predict.h"
#include "adopt.h"
#include "invariants.h"
#include "coreview.h"
#include "rand.h"
#include "report.h"
#include "ckpt.h"
#include "aspace.h"
#include "schedctx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct call pend[MAXPEND];  /* rolled back by a restart (ckpt.c) */
int npend;
int hostile = 5;   /* percent of hostile arguments */
u32 mem_pct = 25;  /* percent of AddrSpace invocations */
long n_calls, n_cont[4], n_rc[E_COUNT], n_skip, n_mem[4], n_time[2];
int last_rc;
int hot_root = -1;  /* root of the tree the driver grows (pick_hot) */
bool grow;          /* growth phase: few removals, so trees get big */

void model_boot(void)
{
    ck_boot();  /* a new, empty store */
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
    ms[mo[rc].slot0 + pos_of(ROOT_CAP_CSPACE)] = (struct mslot){rc, -1, rc, pos_of(ROOT_CAP_CSPACE), 0, R_ALL, 0};
    ms[mo[rc].slot0 + pos_of(ROOT_CAP_BANK)] = (struct mslot){rb, -1, rc, pos_of(ROOT_CAP_BANK), 0, R_ALL, 0};
    int sy = new_obj(OBJ_SYSTEM, rb, tk_slot(ROOT_CAP_SYSTEM)->obj);
    ms[mo[rc].slot0 + pos_of(ROOT_CAP_SYSTEM)] = (struct mslot){sy, -1, rc, pos_of(ROOT_CAP_SYSTEM), 0, R_ALL, 0};
    int dg = new_obj(OBJ_DEBUG, rb, tk_slot(ROOT_CAP_DEBUG)->obj);
    ms[mo[rc].slot0 + pos_of(ROOT_CAP_DEBUG)] = (struct mslot){dg, -1, rc, pos_of(ROOT_CAP_DEBUG), 0, R_ALL, 0};
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
    if (p.kind == K_CKPT)
        ck_note(rc);  /* the state it holds: before the checks' task writes */
    n_calls++;
    if (rc >= 0 && rc < E_COUNT)
        n_rc[rc]++;
    if (c->label >= NTFN_SIGNAL && c->label <= SC_QUERY) {
        n_time[0]++;
        n_time[1] += rc == E_OK;
    }
    apply(c, &p, rc, r);
    if (!failed)
        check_all();
    last_rc = rc;
    return rc;
}

int call6(int ccs, u32 cptr, u32 label, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
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

/* SC_CONFIGURE (good and bad: zero budget or period, budget > period, a
 * period too long), SC_QUERY; NTFN_SIGNAL (badged, unbadged, through
 * wrappers), NTFN_POLL, NTFN_WAIT (no thread: E_WOULDBLOCK when nothing
 * is pending). */
static void gen_time(struct call *c)
{
    int obj;
    u32 k = rn(100);
    if (k < 40) {
        c->label = k < 28 ? SC_CONFIGURE : SC_QUERY;
        c->cptr = pick_cap(c->ccs, OBJ_SCHEDCTX, k < 28 ? R_WRITE : R_READ, &obj);
        switch (rn(8)) {
        case 0:  c->a[0] = 0, c->a[1] = rn(10); break;
        case 1:  c->a[1] = 1 + rn(10), c->a[0] = c->a[1] + 1 + rn(5); break;
        case 2:  c->a[0] = 1, c->a[1] = SC_MAX_PERIOD + (chance(50) ? 1 : rnd() >> 1); break;
        case 3:  c->a[0] = c->a[1] = chance(50) ? SC_MAX_PERIOD : 1; break;
        case 4:  c->a[0] = rnd(), c->a[1] = rnd(); break;
        default: c->a[0] = 1 + rn(5), c->a[1] = c->a[0] + rn(20); break;
        }
    } else {
        c->label = k < 70 ? NTFN_SIGNAL : k < 85 ? NTFN_POLL : NTFN_WAIT;
        c->cptr = pick_cap(c->ccs, OBJ_NOTIFICATION, k < 70 ? R_WRITE : R_READ, &obj);
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
        u64 type = k < 30 ? OBJ_BANK : k < 48 ? OBJ_CSPACE : k < 64 ? OBJ_ENDPOINT : k < 67 ? OBJ_THREAD
                 : k < 71 ? OBJ_SCHEDCTX : k < 75 ? OBJ_NOTIFICATION : k < 81 ? OBJ_ASPACE : OBJ_FRAME;
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
        /* A bank's limit; the other types take 0 (now and then not: E_INVAL). */
        c->a[3] = type == OBJ_BANK ? pick_limit() : chance((u32)hostile) ? pick_limit() : 0;
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
        /* Leave the root task's own caps alone most of the time (the
         * System cap: checkpoints are made through it). */
        if (c->label == CS_GRANT && c->ccs == ROOT_CS && cs == ROOT_CS &&
            (c->a[2] == ROOT_CAP_CSPACE || c->a[2] == ROOT_CAP_BANK || c->a[2] == ROOT_CAP_SYSTEM) && chance(95))
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
        if (cs == ROOT_CS && (c->a[0] == ROOT_CAP_CSPACE || c->a[0] == ROOT_CAP_BANK || c->a[0] == ROOT_CAP_SYSTEM) &&
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
    } else if (w < 93) {
        c->label = chance(50) ? CS_INFO : CS_TREE;
        c->cptr = pick_cap(c->ccs, OBJ_CSPACE, R_READ, &cs);
        c->a[0] = pick_idx(cs, W_ANY, false);
    } else if (w < 97) {                                   /* SchedContexts, notifications */
        gen_time(c);
    } else {                                               /* a label the object lacks */
        static const u32 bad[] = {0, 1, CS_COPY - 1, CS_WATCH + 1, BANK_CREATE - 1, BANK_QUERY + 1,
                                  AS_MAP_FRAME - 1, AS_INFO + 1, NTFN_SIGNAL - 1, NTFN_POLL + 1, SC_CONFIGURE - 1,
                                  SC_QUERY + 1, 0xffffffffu};
        c->cptr = pidx[rn(NPOS)];
        c->label = chance(50) ? bad[rn(ARRAY_LEN(bad))]
                 : (u32[]){CS_COPY, CS_INFO, BANK_QUERY, BANK_CREATE, AS_INFO, AS_MAP_FRAME, AS_UNMAP, AS_MAP,
                           SC_CONFIGURE, SC_QUERY, NTFN_SIGNAL, NTFN_POLL, NTFN_WAIT}[rn(13)];
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
    if (!churn_starts && ck_step())
        return;  /* a checkpoint, restart, power cut or refill */
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

u64 env_u64(const char *name, u64 dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 0) : dflt;
}

/* Every test starts from the run's seed mixed with its own number. */
void start(const char *name, u64 k)
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
    memset(n_time, 0, sizeof n_time);
    n_calls = 0;
    n_ck_commit = n_ck_full = n_ck_restart = n_ck_cut_new = n_ck_cut_old = n_ck_fresh = n_ck_ioerr = 0;
    n_ck_refill[0] = n_ck_refill[1] = 0;
    model_boot();
}

/* Run n random steps, rebooting now and then. */
void random_run(long n)
{
    long next_boot = 3000 + rn(5000), next_phase = 0;
    ck_allow_fresh = n > 5000;  /* (short runs of scripted tests keep their setup) */
    for (long i = 0; i < n && !failed; i++) {
        step_no++;
        bool churn_starts = false;
        if (i == next_phase) {
            grow = !grow;
            churn_starts = !grow;
            next_phase = i + (grow ? 400 + rn(1200) : 200 + rn(600));
        }
        if (i == next_boot || no > MAXOBJ - 8 || ns > MAXSLOT - 2 * NPOS) {
            model_boot();
            next_boot = i + 3000 + rn(5000);
        }
        random_step(churn_starts);
    }
}

