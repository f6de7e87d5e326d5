/* sched.c: priority run queues (a bitmap of non-empty priorities and a FIFO
 * per priority) and the choice of the next thread. */
#include "sched.h"
#include "aspace.h"
#include "hal.h"
#include <tether/abi.h>

oref sched_cur;
static oref head[NPRIO], tail[NPRIO];
static u64 bitmap[NPRIO / 64];
static u64 summary;  /* bit w: bitmap[w] != 0 (two-level lookup, as in seL4) */
static const hal_pt_root *active_pt;

void sched_reset(void)
{
    for (u32 i = 0; i < NPRIO; i++)
        head[i] = tail[i] = 0;
    for (u32 i = 0; i < NPRIO / 64; i++)
        bitmap[i] = 0;
    summary = 0;
    sched_cur = 0;
    active_pt = NULL;
}

void sched_enqueue(oref t)
{
    struct thread *th = thread_body(t);
    if (th->queued)
        return;
    u8 p = th->prio;
    th->qnext = 0;
    th->qprev = tail[p];
    if (tail[p])
        thread_body(tail[p])->qnext = t;
    else
        head[p] = t;
    tail[p] = t;
    bitmap[p / 64] |= 1ull << (p % 64);
    summary |= 1ull << (p / 64);
    th->queued = 1;
}

void sched_dequeue(oref t)
{
    struct thread *th = thread_body(t);
    if (!th->queued)
        return;
    u8 p = th->prio;
    if (th->qprev)
        thread_body(th->qprev)->qnext = th->qnext;
    else
        head[p] = th->qnext;
    if (th->qnext)
        thread_body(th->qnext)->qprev = th->qprev;
    else
        tail[p] = th->qprev;
    if (!head[p]) {
        bitmap[p / 64] &= ~(1ull << (p % 64));
        if (!bitmap[p / 64])
            summary &= ~(1ull << (p / 64));
    }
    th->queued = 0;
}

void sched_tick(void)
{
    if (sched_cur && thread_body(sched_cur)->queued) {
        sched_dequeue(sched_cur);
        sched_enqueue(sched_cur);
    }
}

static oref highest(void)
{
    if (!summary)
        return 0;
    u32 w = 63 - (u32)__builtin_clzll(summary);
    return head[w * 64 + 63 - (u32)__builtin_clzll(bitmap[w])];
}

struct hal_regs *sched_run(oref t)
{
    struct thread *th = thread_body(t);
    struct aspace *as = aspace_body(th->aspace.obj);
    if (active_pt != &as->pt) {
        hal_pt_activate(&as->pt);
        active_pt = &as->pt;
    }
    sched_cur = t;
    return &th->regs;
}

/* A thread whose CSpace or AddrSpace was destroyed can't run. */
static inline bool can_run(const struct thread *th)
{
    return cap_live(&th->aspace) && cap_live(&th->cspace);
}

/* The rare case: stop threads that can't run until one can. */
static __attribute__((noinline)) struct hal_regs *sched_next_slow(oref t)
{
    if (!t) {
        sched_cur = 0;
        return NULL;
    }
    do {
        struct thread *th = thread_body(t);
        if (can_run(th))
            return sched_run(t);
        thread_fault(t, FAULT_ASPACE, 0, th->regs.pc);
    } while ((t = highest()));
    sched_cur = 0;
    return NULL;
}

struct hal_regs *sched_next(void)
{
    oref t = highest();
    if (t && can_run(thread_body(t)))
        return sched_run(t);
    return sched_next_slow(t);
}

void sched_switch_to(oref t)
{
    sched_dequeue(t);
    sched_enqueue(t);  /* the queues stay as they are: t is runnable */
    sched_run(t);
}

void sched_forget_thread(oref t)
{
    sched_dequeue(t);
    if (sched_cur == t)
        sched_cur = 0;
}

void sched_forget_aspace(const hal_pt_root *pt)
{
    if (active_pt == pt) {
        static const hal_pt_root none = {NULL};
        hal_pt_activate(&none);
        active_pt = NULL;
    }
}
