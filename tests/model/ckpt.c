/* SPDX-License-Identifier: BSD-2-Clause */
/* ckpt.c: checkpoints and restarts in the model test (ckpt.h). */
#include "ckpt.h"
#include "driver.h"
#include "invariants.h"
#include "coreview.h"
#include "rand.h"
#include "report.h"
#include "regioncopy.h"
#include "aspace.h"
#include "bank.h"
#include "frame.h"
#include "persist.h"
#include "sched.h"
#include "host_blk.h"
#include "host_console.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_BLOCKS 4096u  /* 16 MiB: room for two full checkpoints of RAM_BYTES */
/* A small store: about what a first checkpoint of the model writes (most
 * pages are zero) or less; it fills up as the system grows. */
#define SMALL_BLOCKS (90 + rn(160))

u64 ck_gen;
bool ck_cut_armed, ck_allow_fresh, ck_small_store;
long n_ck_commit, n_ck_full, n_ck_restart, n_ck_cut_new, n_ck_cut_old, n_ck_fresh, n_ck_ioerr, n_ck_refill[2];
static long n_ck_calls, n_ck_nosys, n_ck_avoided;

/* The model's state at a checkpoint, and the kernel's region then. */
struct snap {
    bool valid;
    u64 gen;
    int no, ns, hot_root, npend;
    struct call pend[MAXPEND];
    struct mobj mo[MAXOBJ];
    struct mslot ms[MAXSLOT];
    int *ref2m;
    struct region_copy kernel;
};
static struct snap snaps[2];
/* The last committed checkpoint, and one whose commit is uncertain (a
 * power cut or device error during it: its header may have landed). */
static struct snap *committed = &snaps[0], *inflight = &snaps[1];
static u64 last_written;  /* blocks the last committed checkpoint wrote */
static char con[2048];    /* what the kernel printed during the operation */

static void save(struct snap *s, u64 gen)
{
    s->valid = true;
    s->gen = gen;
    s->no = no, s->ns = ns, s->hot_root = hot_root, s->npend = npend;
    memcpy(s->pend, pend, sizeof s->pend);
    memcpy(s->mo, mo, (size_t)no * sizeof *mo);
    memcpy(s->ms, ms, (size_t)ns * sizeof *ms);
    s->ref2m = realloc(s->ref2m, ntab * sizeof *ref2m);
    if (!s->ref2m)
        hal_panic("model: out of memory for a checkpoint's copy");
    memcpy(s->ref2m, ref2m, ntab * sizeof *ref2m);
    region_save(&s->kernel);
}

/* The model as it was at checkpoint s, with what a restore does to it:
 * every AddrSpace forgets its page tables, a live one gets an empty root
 * (P3), and no page-table entry is loaded. */
static void load(const struct snap *s)
{
    no = s->no, ns = s->ns, hot_root = s->hot_root, npend = s->npend;
    memcpy(pend, s->pend, sizeof pend);
    memcpy(mo, s->mo, (size_t)no * sizeof *mo);
    memcpy(ms, s->ms, (size_t)ns * sizeof *ms);
    memcpy(ref2m, s->ref2m, ntab * sizeof *ref2m);
    lv_dirty = true;
    for (int i = 0; i < no; i++) {
        struct mobj *o = &mo[i];
        if (o->state == OS_FREE || o->type != OBJ_ASPACE)
            continue;
        o->pt1m = o->pt0m = 0;
        o->ptroot = o->state == OS_LIVE;
        for (int q = 0; q < NVP; q++)
            ms[o->slot0 + q].pte = 0;
    }
}

void ck_boot(void)
{
    ck_small_store = chance(20);
    if (host_blk_attach(ck_small_store ? SMALL_BLOCKS : STORE_BLOCKS) != E_OK)
        hal_panic("model: cannot attach the host store");
    committed->valid = inflight->valid = false;
    ck_gen = 0;
    last_written = 0;
    ck_cut_armed = false;
}

void ck_done(void)
{
    host_blk_detach();
    committed->valid = inflight->valid = false;
    ck_gen = 0;
}

void ck_note(int rc)
{
    if (rc == E_OK) {
        save(committed, ck_gen + 1);
        ck_gen++;
        inflight->valid = false;  /* its header, if it landed, is overwritten */
        n_ck_commit++;
    } else if (rc == E_IO && ck_cut_armed) {
        save(inflight, ck_gen + 1);
    }
}


/* TETHER_CK_TRACE=1: every persistence operation is printed. */
static bool trace(void)
{
    static int on = -1;
    if (on < 0)
        on = getenv("TETHER_CK_TRACE") && atoi(getenv("TETHER_CK_TRACE"));
    return on;
}

/* A cap in CSpace ccs to a System object with R_WRITE (its address), or
 * ~0u. */
static u32 sys_cap(int ccs)
{
    for (int q = 0; q < NPOS; q++) {
        struct mt t;
        int s = mo[ccs].slot0 + q;
        if (occupied(s) && m_resolve(s, &t) == E_OK && t.type == OBJ_SYSTEM && (t.rights & R_WRITE))
            return pidx[q];
    }
    return ~0u;
}

/* A System invocation, mostly SYSTEM_CHECKPOINT, from the root task or
 * another CSpace holding a System cap (hostile: any cap). Returns the
 * answer, or -1 if the caller holds no System cap and none was made. */
static int system_call(u32 label, bool any)
{
    refresh();
    int ccs = ROOT_CS;
    if (any && chance(10)) {
        int cand[MAX_CSPACES], n = 0;
        for (int k = 0; k < nlv && n < MAX_CSPACES; k++)
            if (mo[lv[k]].type == OBJ_CSPACE && mo[lv[k]].state == OS_LIVE)
                cand[n++] = lv[k];
        if (n)
            ccs = cand[rn((u32)n)];
    }
    if (mo[ccs].state != OS_LIVE)
        return -1;
    u32 cptr = sys_cap(ccs);
    if (cptr == ~0u)
        n_ck_nosys++;
    if (any && (cptr == ~0u || chance(3)))
        cptr = chance(50) ? (u32)ROOT_CAP_SYSTEM : pidx[rn(NPOS)];  /* predicted: E_EMPTY, E_LABEL, E_RIGHTS ... */
    if (cptr == ~0u)
        return -1;
    u64 w0 = host_blk_stats().blocks_written;
    n_ck_calls++;
    host_console_capture(con, sizeof con);
    int rc = call6(ccs, cptr, label, 0, 0, 0, 0, 0, 0);
    host_console_capture(NULL, 0);
    if (rc == E_OK && label == SYSTEM_CHECKPOINT)
        last_written = host_blk_stats().blocks_written - w0;
    if (rc == E_NOMEM && label == SYSTEM_CHECKPOINT) {
        n_ck_full++;
        if (host_blk_stats().blocks_written != w0)
            mfail("SYSTEM_CHECKPOINT answered E_NOMEM after writing %llu blocks (a full store: nothing is written)",
                  (unsigned long long)(host_blk_stats().blocks_written - w0));
    }
    if (trace())
        printf("      %ld: %s -> %s (generation %llu; %llu blocks written, %llu of %llu used)\n", step_no, desc,
               ename(rc), (unsigned long long)ck_gen, (unsigned long long)(host_blk_stats().blocks_written - w0),
               (unsigned long long)persist_stats.blocks_used, (unsigned long long)persist_stats.blocks);
    return rc;
}

static int resume(void)
{
    host_console_capture(con, sizeof con);
    int e = tk_resume(RAM_BYTES);
    host_console_capture(NULL, 0);
    return e;
}

/* The power fails (the store decides what of its write cache lands) and
 * the machine boots from the store. */
static void restart(const char *why)
{
    host_blk_cut_after(0);
    struct host_blk_cut c = host_blk_power_cut(rnd());
    snprintf(desc, sizeof desc, "%s (generation %llu committed%s; the power cut kept %u writes, dropped %u, tore %u)",
             why, (unsigned long long)ck_gen, inflight->valid ? ", one in doubt" : "", c.kept, c.dropped, c.torn);
    int e = resume();
    if (trace())
        printf("      %ld: %s -> %d, generation %llu\n", step_no, desc, e, (unsigned long long)persist_stats.generation);
    if (e == E_EMPTY && !committed->valid) {  /* nothing committed: a fresh boot */
        n_ck_fresh++;
        model_boot();
        return;
    }
    if (e != E_OK) {
        mfail("kernel_resume answered %s; the kernel said: %s", ename(e), con);
        model_boot();
        return;
    }
    u64 g = persist_stats.generation;
    struct snap *s = committed->valid && g == committed->gen ? committed
                   : inflight->valid && g == inflight->gen  ? inflight
                                                            : NULL;
    if (!s) {
        mfail("restart resumed generation %llu; the model has %llu committed%s", (unsigned long long)g,
              (unsigned long long)ck_gen, inflight->valid ? " and the next one in doubt" : "");
        model_boot();
        return;
    }
    if (s == inflight) {  /* its header landed: it is the committed one */
        inflight = committed;
        committed = s;
    }
    inflight->valid = false;
    ck_gen = g;
    load(s);
    u32 o;
    const char *diff = region_diff(&s->kernel, &o);
    if (diff)
        mfail("restart: the restored kernel is not the checkpointed one: %s (model object %d)", diff,
              o && o < ntab ? ref2m[o] : -1);
    else
        check_all_full();
}

/* A checkpoint cut short by a power failure at its k-th block write; then
 * a restart, or (now and then) the store comes back and the system goes on
 * after the E_IO. */
static void cut(void)
{
    u64 k = 1 + rn((u32)(last_written ? last_written : 100) + 2), gen = ck_gen;
    host_blk_cut_after(k);
    ck_cut_armed = true;
    int rc = system_call(SYSTEM_CHECKPOINT, false);
    ck_cut_armed = false;
    host_blk_cut_after(0);
    if (rc < 0 || failed)
        return;
    if (rc == E_IO && committed->valid && chance(25)) {
        host_blk_power_cut(rnd());  /* a device error: the store is back, the system goes on */
        n_ck_ioerr++;
        return;
    }
    restart("RESTART after a power cut during a checkpoint");
    if (!failed && ck_gen == gen + 1)
        n_ck_cut_new++;
    else if (!failed && ck_gen)
        n_ck_cut_old++;
}

/* A task touches a page (P3: the first access after a restart refills its
 * entry from the mapping slot); mostly one whose entry is not loaded. */
static bool refill(void)
{
    static int cand[MAX_ASPACES * NVP * 2];
    int n = 0, as = -1, q = -1;
    refresh();
    for (int k = 0; k < nlv; k++) {
        const struct mobj *o = &mo[lv[k]];
        if (o->type != OBJ_ASPACE)
            continue;
        for (int p = 0; p < NVP && n < (int)ARRAY_LEN(cand); p++)
            if (occupied(o->slot0 + p) && !ms[o->slot0 + p].pte)
                cand[n++] = o->slot0 + p;
    }
    if (!n)
        return false;
    int s = cand[rn((u32)n)];
    as = ms[s].owner, q = ms[s].pos;
    if (chance(10)) {  /* any page of any AddrSpace */
        n = 0;
        for (int k = 0; k < nlv; k++)
            if (mo[lv[k]].type == OBJ_ASPACE)
                cand[n++] = lv[k];
        as = cand[rn((u32)n)], q = (int)rn(NVP), s = mo[as].slot0 + q;
    }
    u32 need = chance(80) ? R_READ : chance(70) ? R_WRITE : R_EXEC;
    u64 va = (u64)vpn_of[q] << 12;
    struct mobj *o = &mo[as];
    snprintf(desc, sizeof desc, "REFILL %s (need %x)", sname(s), need);
    m_usage();
    store_counts();
    /* aspace_refill on the model. */
    bool want = false, new1 = false, new0 = false;
    if (!o->ptroot) {
        want = false;  /* no tables at all (a dying AddrSpace after a restart) */
    } else if (occupied(s) && ms[s].pte) {
        u32 r = 0;
        want = store_track.on && need == R_WRITE && slot_live(s) && (ms[s].rights & R_WRITE) &&
               hal_pt_lookup(&aspace_body(o->ref)->pt, va, &r) && !(r & R_WRITE);  /* P2: a write grant */
    } else if (slot_live(s) && (ms[s].rights & need) == need && (ms[s].rights & R_READ)) {
        struct asm_ m = {o->al2m, o->pt1m, o->pt0m, o->aleafm};
        int pn = pt_need(&m, q);
        want = true;
        for (int t = pn; t > 0 && want; t--) {  /* the L1 table first, then the L0 one */
            if (m_can_charge(o->bank, PAGE_BYTES) != E_OK || !sim_alloc(ord(PAGE_BYTES))) {
                want = false;
                break;
            }
            m_charge_bank(o->bank, PAGE_BYTES, +1);
            if (t == 2)
                new1 = true;
            else
                new0 = true;
        }
    }
    u64 before = aspace_refills;
    bool got = aspace_refill(o->ref, va, need);
    n_ck_refill[!got]++;
    if (got != want) {
        mfail("aspace_refill answered %d, model %d", got, want);
        return true;
    }
    if (got && !(occupied(s) && ms[s].pte) && aspace_refills != before + 1) {
        mfail("a refill was not counted (aspace_refills %llu, before %llu)", (unsigned long long)aspace_refills,
              (unsigned long long)before);
        return true;
    }
    if (new1)
        o->pt1m |= (u8)(1u << vp_pt1[q]);
    if (new0)
        o->pt0m |= (u8)(1u << vp_pt0[q]);
    if (got)
        ms[s].pte = 1;
    check_all();
    return true;
}

int ck_checkpoint(void)
{
    return system_call(SYSTEM_CHECKPOINT, false);
}

void ck_restart(void)
{
    n_ck_restart++;
    restart("RESTART");
}

bool ck_step(void)
{
    u32 k = rn(10000);
    if (k < 30) {
        u32 label = chance(94) ? SYSTEM_CHECKPOINT : chance(50) ? SYSTEM_CHECK : SYSTEM_STATS;
        system_call(label, true);
        return true;
    }
    if (k < 40 && committed->valid) {
        n_ck_restart++;
        restart("RESTART");
        return true;
    }
    if (k < 50 && !inflight->valid && (committed->valid || ck_allow_fresh)) {
        cut();
        return true;
    }
    return k < 350 && refill();
}

void ck_report(void)
{
    printf("    persistence: %ld System calls (%ld without a System cap), %ld checkpoints committed (%ld refused: a "
           "full store); %ld restarts, "
           "%ld after a power cut during a checkpoint (%ld resumed it, %ld the one before, %ld found none: fresh), "
           "%ld device errors gone on from; %ld refills (%ld refused); %ld left out (a known bug)\n",
           n_ck_calls, n_ck_nosys, n_ck_commit, n_ck_full, n_ck_restart + n_ck_cut_new + n_ck_cut_old + n_ck_fresh,
           n_ck_cut_new + n_ck_cut_old + n_ck_fresh, n_ck_cut_new, n_ck_cut_old, n_ck_fresh, n_ck_ioerr,
           n_ck_refill[0] + n_ck_refill[1], n_ck_refill[1], n_ck_avoided);
}
