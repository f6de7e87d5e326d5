/* SPDX-License-Identifier: BSD-2-Clause */
/* thread.c: thread objects and their invocations. */
#include "thread.h"
#include "cspace.h"
#include "invoke.h"
#include "endpoint.h"
#include "notification.h"
#include "wrapper.h"
#include "kernel.h"
#include "sched.h"
#include "schedctx.h"

void thread_fault(oref t, u32 kind, u64 addr, u64 pc)
{
    struct thread *th = thread_body(t);
    sched_dequeue(t);
    th->state = THREAD_FAULTED;
    th->fault = kind;
    th->fault_addr = addr;
    th->fault_pc = pc;
}

void thread_lost(oref t)
{
    struct thread *th = thread_body(t);
    ipc_cancel(t, true);  /* a caller waiting for its reply: E_REVOKED */
    thread_fault(t, FAULT_ASPACE, 0, th->regs.pc);
}

/* A cap the thread keeps (its spaces, time, endpoints): replace dst with a
 * copy of src, or empty it (src NULL). dst is a leaf: no task can reach
 * it to derive anything from it. */
static void set_slot(struct slot *dst, struct slot *src)
{
    u32 budget = 1;
    if (dst->obj)
        cap_delete_step(dst, &budget);
    if (src)
        cap_copy(src, dst, src->rights, src->badge);
}

/* Inactive or faulted: its registers are not in use (running, queued or
 * in IPC), so it may be configured, started, or have them written. */
static bool stopped(const struct thread *th)
{
    return th->state == THREAD_INACTIVE || th->state == THREAD_FAULTED;
}

void thread_setup(oref t, struct slot *self, oref driver, struct slot *cs, struct slot *as,
                  u64 pc, u64 sp, u8 prio)
{
    struct thread *th = thread_body(t);
    set_slot(&th->bound, self);
    th->driver = driver;
    th->driver_epoch = obj_get(driver)->epoch;
    set_slot(&th->cspace, cs);
    set_slot(&th->aspace, as);
    for (u32 i = 0; i < HAL_NREGS; i++)
        th->regs.x[i] = 0;
    th->regs.pc = pc;
    th->regs.x[REG_STACK] = sp;
    th->prio = prio;
}

void thread_start(oref t)
{
    struct thread *th = thread_body(t);
    th->state = THREAD_RUNNABLE;
    th->ipc = 0;
    sched_enqueue(t);
}

int thread_reap_step(oref t, u32 *budget)
{
    struct thread *th = thread_body(t);
    ipc_cancel(t, true);
    sched_forget_thread(t);
    th->state = THREAD_INACTIVE;
    ntfn_forget_thread(t);
    struct slot *kept[] = {&th->ntfn, &th->fault_ep, &th->timeout_ep, &th->sc, &th->bound};
    for (u32 i = 0; i < ARRAY_LEN(kept); i++) {
        if (!kept[i]->obj)
            continue;
        int e = cap_delete_step(kept[i], budget);
        if (e != E_OK)
            return e;
    }
    if (th->cspace.obj) {
        int e = cap_delete_step(&th->cspace, budget);
        if (e != E_OK)
            return e;
    }
    if (th->aspace.obj)
        return cap_delete_step(&th->aspace, budget);
    return E_OK;
}

/* ---- invocations ---------------------------------------------------- */

/* The live slot at cap address cptr of the caller's CSpace naming an object
 * of `type` directly (not through a wrapper: the thread keeps a copy). */
static int slot_of_type(const struct inv *iv, u64 cptr, u8 type, struct slot **s)
{
    int e = cspace_lookup_live(iv->caller_cs, cptr, s);
    if (e != E_OK)
        return e;
    return obj_get((*s)->obj)->type == type ? E_OK : E_TYPE;
}

/* Was th configured from CSpace cs (the same object: its epoch)? */
static bool configured_from(const struct thread *th, oref cs)
{
    return cs == th->driver && obj_get(cs)->live == th->driver_epoch;
}

bool thread_may_drive(const struct inv *iv, const struct thread *th)
{
    if (!th->driver)
        return true;  /* never configured: whoever holds the cap */
    return iv->caller_cs == thread_cspace(th) || configured_from(th, iv->caller_cs);
}

/* The cap a THREAD_CONFIGURE came through, for the thread to keep: the
 * invoked slot or, through wrappers, the innermost one's target (a node in
 * the thread's own tree, so an UNMAP from above reaches its copy). The
 * chain was resolved live: every step is a live wrapper. */
static struct slot *invoked_cap(const struct inv *iv)
{
    struct slot *s = cspace_slot(iv->caller_cs, iv->cptr);
    while (obj_get(s->obj)->type == OBJ_WRAPPER)
        s = &wrapper_body(s->obj)->target;
    return s;
}

/* A thread configured from another CSpace than last time changes hands (a
 * client's thread lent to a server, or taken back): it drops what its last
 * driver set for it -- where its faults and timeouts go (whose replies may
 * set its pc or map pages), its bound notification, its receive windows. */
static void drop_handlers(oref t, struct thread *th)
{
    set_slot(&th->fault_ep, NULL);
    set_slot(&th->timeout_ep, NULL);
    ntfn_forget_thread(t);
    set_slot(&th->ntfn, NULL);
    th->win_base = th->win_count = 0;
    th->mwin_vpn = th->mwin_log2 = th->mwin_on = 0;
}

static int thread_configure(struct inv *iv)
{
    oref t = iv->t.obj;
    struct thread *th = thread_body(t);
    struct slot *cs, *as;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    if (!stopped(th))
        return E_BUSY;
    int e = slot_of_type(iv, ARG(iv, THREAD_CONFIGURE, cs), OBJ_CSPACE, &cs);
    if (e != E_OK || (e = slot_of_type(iv, ARG(iv, THREAD_CONFIGURE, aspace), OBJ_ASPACE, &as)) != E_OK)
        return e;
    if (ARG(iv, THREAD_CONFIGURE, priority) >= NPRIO)
        return E_INVAL;
    /* A thread may not create one more important than it may be itself. */
    if (iv->caller && ARG(iv, THREAD_CONFIGURE, priority) > thread_body(iv->caller)->mcp)
        return E_RIGHTS;
    /* Perform. */
    if (!configured_from(th, iv->caller_cs))
        drop_handlers(t, th);
    thread_setup(t, invoked_cap(iv), iv->caller_cs, cs, as, ARG(iv, THREAD_CONFIGURE, pc),
                 ARG(iv, THREAD_CONFIGURE, sp), (u8)ARG(iv, THREAD_CONFIGURE, priority));
    th->mcp = (u32)ARG(iv, THREAD_CONFIGURE, priority);
    th->regs.x[REG_ARG0] = ARG(iv, THREAD_CONFIGURE, a0);
    th->state = THREAD_INACTIVE;
    return E_OK;
}

/* What THREAD_START and the register methods need of a thread: it was
 * configured (else E_INVAL), can run (else E_REVOKED: it lost its spaces,
 * or the cap it was configured through), and the caller may drive it
 * (else E_RIGHTS). */
static int drivable(const struct inv *iv, const struct thread *th)
{
    if (!th->driver)
        return E_INVAL;
    if (!thread_can_run(th))
        return E_REVOKED;
    return thread_may_drive(iv, th) ? E_OK : E_RIGHTS;
}

static int thread_start_inv(struct inv *iv)
{
    struct thread *th = thread_body(iv->t.obj);
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    if (!stopped(th))
        return E_BUSY;
    int e = drivable(iv, th);
    if (e != E_OK)
        return e;
    thread_start(iv->t.obj);
    return E_OK;
}

static int thread_suspend(struct inv *iv)
{
    struct thread *th = thread_body(iv->t.obj);
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    ipc_cancel(iv->t.obj, false);
    sched_dequeue(iv->t.obj);
    th->state = THREAD_INACTIVE;
    return E_OK;
}

static int thread_info(struct inv *iv)
{
    struct thread *th = thread_body(iv->t.obj);
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    RES(iv, THREAD_INFO, state) = th->state;
    RES(iv, THREAD_INFO, fault) = th->fault;
    RES(iv, THREAD_INFO, fault_addr) = th->fault_addr;
    RES(iv, THREAD_INFO, fault_pc) = th->fault_pc;
    return E_OK;
}

/* ---- registers (T3: a server drives a thread a client lent it) -------- */

#define REGS_MAX TETHER_NOUT_THREAD_READ_REGS  /* registers per call */

/* A range of register indices (abi.h TREG_*): 1..REGS_MAX of them, all
 * below the machine's HAL_TREGS. */
static bool regs_range_ok(u64 first, u64 count)
{
    return count >= 1 && count <= REGS_MAX && first < HAL_TREGS && count <= HAL_TREGS - first;
}

/* THREAD_READ_REGS: in any state. One CPU and an event-driven kernel: a
 * thread that is not the caller has all its registers saved, as it left
 * the CPU, so what is read is never half old, half new. */
static int thread_read_regs(struct inv *iv)
{
    struct thread *th = thread_body(iv->t.obj);
    u64 first = ARG(iv, THREAD_READ_REGS, first), count = ARG(iv, THREAD_READ_REGS, count);
    u64 v[REGS_MAX] = {0};
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    if (!regs_range_ok(first, count))
        return E_INVAL;
    int e = drivable(iv, th);
    if (e != E_OK)
        return e;
    /* Perform: read them all before writing a result (the caller's own
     * registers may be the ones read). */
    for (u32 i = 0; i < count; i++)
        v[i] = *hal_treg(&th->regs, (u32)first + i);
    RES(iv, THREAD_READ_REGS, v0) = v[0];
    RES(iv, THREAD_READ_REGS, v1) = v[1];
    RES(iv, THREAD_READ_REGS, v2) = v[2];
    RES(iv, THREAD_READ_REGS, v3) = v[3];
    return E_OK;
}

/* THREAD_WRITE_REGS: only while it does not run. A runnable thread may be
 * the caller, whose registers take the call's results; a blocked one's
 * registers are its IPC (the message a queued sender sends, the cap
 * address it sends through, checked again when it is received). */
static int thread_write_regs(struct inv *iv)
{
    struct thread *th = thread_body(iv->t.obj);
    u64 first = ARG(iv, THREAD_WRITE_REGS, first), count = ARG(iv, THREAD_WRITE_REGS, count);
    const u64 v[REGS_MAX] = {ARG(iv, THREAD_WRITE_REGS, v0), ARG(iv, THREAD_WRITE_REGS, v1),
                             ARG(iv, THREAD_WRITE_REGS, v2), ARG(iv, THREAD_WRITE_REGS, v3)};
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    if (!regs_range_ok(first, count))
        return E_INVAL;
    int e = drivable(iv, th);
    if (e != E_OK)
        return e;
    if (!stopped(th))
        return E_BUSY;
    for (u32 i = 0; i < count; i++)  /* perform */
        *hal_treg(&th->regs, (u32)first + i) = v[i];
    return E_OK;
}

/* An optional cap argument: CAP_NONE (*s = NULL) or a live cap whose
 * object, after wrappers if `wrapped`, is of `type`. */
static int opt_cap(const struct inv *iv, u64 cptr, u8 type, bool wrapped, struct slot **s)
{
    struct target tg;
    *s = NULL;
    if (cptr == CAP_NONE)
        return E_OK;
    int e = cspace_lookup_live(iv->caller_cs, cptr, s);
    if (e != E_OK)
        return e;
    if (!wrapped)
        return obj_get((*s)->obj)->type == type ? E_OK : E_TYPE;
    if ((e = cap_resolve(*s, &tg)) != E_OK)
        return e;
    return tg.type == type ? E_OK : E_TYPE;
}

/* THREAD_SET_IPC: fault endpoint (a cap address, or CAP_NONE) and the
 * receive window for transfer items. */
static int thread_set_ipc(struct inv *iv)
{
    struct thread *th = thread_body(iv->t.obj);
    struct slot *ep;
    if (!(iv->t.rights & R_WRITE) || !thread_may_drive(iv, th))
        return E_RIGHTS;
    int e = opt_cap(iv, ARG(iv, THREAD_SET_IPC, fault_ep), OBJ_ENDPOINT, true, &ep);
    if (e != E_OK)
        return e;
    if (ARG(iv, THREAD_SET_IPC, win_base) >= CAP_ADDR_LIMIT ||
        ARG(iv, THREAD_SET_IPC, win_count) > CAP_ADDR_LIMIT - ARG(iv, THREAD_SET_IPC, win_base))
        return E_BADCAP;
    bool mwin = ARG(iv, THREAD_SET_IPC, mwin_log2) <= CAP_ADDR_BITS;  /* else: no memory window */
    if (mwin && (ARG(iv, THREAD_SET_IPC, mwin_va) % PAGE_SIZE_BYTES ||
                 ARG(iv, THREAD_SET_IPC, mwin_va) >= USER_VA_LIMIT ||
                 (ARG(iv, THREAD_SET_IPC, mwin_va) >> 12) + (1ull << ARG(iv, THREAD_SET_IPC, mwin_log2)) >
                     (USER_VA_LIMIT >> 12)))
        return E_INVAL;
    /* Perform. The thread keeps a copy of the cap (C2): an UNMAP of the
     * original also takes its fault endpoint away. */
    set_slot(&th->fault_ep, ep);
    th->win_base = (u32)ARG(iv, THREAD_SET_IPC, win_base);
    th->win_count = (u32)ARG(iv, THREAD_SET_IPC, win_count);
    th->mwin_vpn = mwin ? (u32)(ARG(iv, THREAD_SET_IPC, mwin_va) >> 12) : 0;
    th->mwin_log2 = mwin ? (u8)ARG(iv, THREAD_SET_IPC, mwin_log2) : 0;
    th->mwin_on = mwin;
    return E_OK;
}

/* Is SchedContext s bound to a thread other than t (that thread's own
 * cap still names it)? */
static bool sc_bound_elsewhere(oref s, oref t)
{
    const struct schedctx *c = schedctx_body(s);
    oref b = c->thread;
    return b && b != t && obj_get(b)->live == c->thread_epoch && thread_sc(thread_body(b)) == s &&
           cap_live(&thread_body(b)->sc);
}

/* THREAD_BIND_SC (T1): its own SchedContext, or none (passive). */
static int thread_bind_sc(struct inv *iv)
{
    oref t = iv->t.obj;
    struct thread *th = thread_body(t);
    struct slot *sc;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    int e = opt_cap(iv, ARG(iv, THREAD_BIND_SC, sc), OBJ_SCHEDCTX, false, &sc);
    if (e != E_OK)
        return e;
    if (sc && sc_bound_elsewhere(sc->obj, t))
        return E_BUSY;
    /* Perform. The thread keeps a copy (C2): UNMAP of the original takes
     * the time away. */
    if (th->sc.obj && cap_live(&th->sc) && schedctx_body(th->sc.obj)->thread == t)
        schedctx_body(th->sc.obj)->thread = 0;
    set_slot(&th->sc, sc);
    if (sc) {
        schedctx_body(sc->obj)->thread = t;
        schedctx_body(sc->obj)->thread_epoch = obj_get(t)->epoch;
        sched_time_back(t);
    }
    if (t == sched_cur)
        sched_time_lost();  /* running: its time is checked again */
    return E_OK;
}

/* THREAD_SET_TIMEOUT (T1): where FAULT_TIMEOUT goes. */
static int thread_set_timeout(struct inv *iv)
{
    struct thread *th = thread_body(iv->t.obj);
    struct slot *ep;
    if (!(iv->t.rights & R_WRITE) || !thread_may_drive(iv, th))
        return E_RIGHTS;
    int e = opt_cap(iv, ARG(iv, THREAD_SET_TIMEOUT, timeout_ep), OBJ_ENDPOINT, true, &ep);
    if (e != E_OK)
        return e;
    set_slot(&th->timeout_ep, ep);  /* perform */
    return E_OK;
}

int thread_invoke(struct inv *iv)
{
    switch (iv->label) {
    case THREAD_CONFIGURE: return thread_configure(iv);
    case THREAD_START:     return thread_start_inv(iv);
    case THREAD_SUSPEND:   return thread_suspend(iv);
    case THREAD_INFO:      return thread_info(iv);
    case THREAD_SET_IPC:   return thread_set_ipc(iv);
    case THREAD_BIND_SC:   return thread_bind_sc(iv);
    case THREAD_SET_TIMEOUT: return thread_set_timeout(iv);
    case THREAD_READ_REGS: return thread_read_regs(iv);
    case THREAD_WRITE_REGS: return thread_write_regs(iv);
    case THREAD_BIND_NTFN: return thread_bind_ntfn(iv);  /* notification.c */
    default:               return E_LABEL;
    }
}
