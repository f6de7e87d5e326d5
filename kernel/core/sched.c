/* SPDX-License-Identifier: BSD-2-Clause */
/* sched.c: priority run queues (a two-level bitmap of non-empty priorities
 * and a FIFO per priority) and the choice of the next thread.
 *
 * Lazy scheduling (as in L4 and seL4): the running thread (sched_cur) is
 * not on a run queue while it runs. A runnable thread is either running or
 * queued; blocking the running thread costs no queue operation, and an IPC
 * fast path that switches straight to its partner touches no queue at all.
 * The running thread goes back to a queue only when it is preempted: at the
 * tail of its priority on a timer tick or yield, at the head when a more
 * important thread became runnable. */
#include "sched.h"
#include "aspace.h"
#include "hal.h"
#include "endpoint.h"
#include <tether/abi.h>

oref sched_cur;
static u32 checked_at;  /* store_revocations when sched_cur's caps were last checked */
static oref head[NPRIO], tail[NPRIO];
static u64 bitmap[NPRIO / 64];
static u64 summary;  /* bit w: bitmap[w] != 0 (two-level lookup, as in seL4) */
static const hal_pt_root *active_pt;  /* the page table the CPU is on */
static oref active_as;                /* the AddrSpace it belongs to    */

void sched_reset(void)
{
    schedctx_reset();
    for (u32 i = 0; i < NPRIO; i++)
        head[i] = tail[i] = 0;
    for (u32 i = 0; i < NPRIO / 64; i++)
        bitmap[i] = 0;
    summary = 0;
    sched_cur = 0;
    active_pt = NULL;
    active_as = 0;
}

void sched_save(struct sched_saved *s)
{
    s->cur = sched_cur;
    for (u32 i = 0; i < NPRIO; i++)
        s->head[i] = head[i], s->tail[i] = tail[i];
    for (u32 i = 0; i < NPRIO / 64; i++)
        s->bitmap[i] = bitmap[i];
    s->summary = summary;
    schedctx_save(&s->now, &s->release_head);
}

void sched_load(const struct sched_saved *s)
{
    sched_reset();
    sched_cur = s->cur;
    for (u32 i = 0; i < NPRIO; i++)
        head[i] = s->head[i], tail[i] = s->tail[i];
    for (u32 i = 0; i < NPRIO / 64; i++)
        bitmap[i] = s->bitmap[i];
    summary = s->summary;
    checked_at = store_revocations - 1;  /* check sched_cur's caps again */
    schedctx_load(s->now, s->release_head);
}

/* Runnable thread t has no time: off the run queues, on its SchedContext's
 * list of waiting threads (none: it waits for a bind or a lend). */
static void wait_for_time(oref t, struct thread *th)
{
    th->waiting_time = 1;
    oref s = thread_sc(th);
    if (s)
        schedctx_wait(s, t);
}

static void enqueue(oref t, bool at_head)
{
    struct thread *th = thread_body(t);
    if (th->queued)
        return;
    if (!sched_has_time(th)) {
        wait_for_time(t, th);  /* the run queues hold only threads with time */
        return;
    }
    th->waiting_time = 0;
    if (th->wsc)
        schedctx_unwait(t);
    u32 p = th->prio;
    if (at_head && head[p]) {
        th->qprev = 0;
        th->qnext = head[p];
        thread_body(head[p])->qprev = t;
        head[p] = t;
    } else {
        th->qnext = 0;
        th->qprev = tail[p];
        if (tail[p])
            thread_body(tail[p])->qnext = t;
        else
            head[p] = t;
        tail[p] = t;
    }
    bitmap[p / 64] |= 1ull << (p % 64);
    summary |= 1ull << (p / 64);
    th->queued = 1;
}

void sched_enqueue(oref t)
{
    enqueue(t, false);
}

void sched_dequeue(oref t)
{
    struct thread *th = thread_body(t);
    if (!th->queued)
        return;
    u32 p = th->prio;
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

/* Is the running thread t still allowed to run (not blocked, stopped,
 * out of time)? */
static inline bool running(oref t)
{
    if (!t)
        return false;
    const struct thread *th = thread_body(t);
    return th->state == THREAD_RUNNABLE && !th->queued && !th->waiting_time;
}

void sched_time_back(oref t)
{
    struct thread *th = thread_body(t);
    if (th->state == THREAD_RUNNABLE && th->waiting_time && t != sched_cur)
        enqueue(t, false);
    else if (t == sched_cur && th->waiting_time && sched_has_time(th)) {
        th->waiting_time = 0;
        schedctx_unwait(t);
    }
}

void sched_time_lost(void)
{
    store_revocations++;  /* the running thread's time is checked again */
}

void sched_yield(void)
{
    if (running(sched_cur))
        enqueue(sched_cur, false);  /* round robin within its priority */
}

void sched_timer(void)
{
    oref c = sched_cur;
    sched_now++;
    if (running(c)) {
        struct thread *th = thread_body(c);
        oref s = thread_sc(th);
        if (!s || !schedctx_has_time(s)) {
            wait_for_time(c, th);  /* no time (its SchedContext went, or ran out) */
        } else if (schedctx_charge(s)) {
            wait_for_time(c, th);  /* out of budget: off the CPU until refill */
            ipc_timeout(c);        /* its timeout handler is told, if any */
        } else {
            enqueue(c, false);  /* round robin within its priority */
        }
    }
    schedctx_release();
}

/* The highest priority with a queued thread; only if summary != 0. */
static inline u32 top_prio(void)
{
    u32 w = 63 - (u32)__builtin_clzll(summary);
    return w * 64 + 63 - (u32)__builtin_clzll(bitmap[w]);
}

static oref highest(void)
{
    return summary ? head[top_prio()] : 0;
}

struct hal_regs *sched_run_thread(oref t, struct thread *th)
{
    if (__builtin_expect(store_track.on, 0))
        store_writable(&th->regs);  /* the next trap saves them: no fault there */
    if (active_as != th->aspace.obj) {
        struct aspace *as = aspace_body(th->aspace.obj);
        hal_pt_activate(&as->pt);
        active_pt = &as->pt;
        active_as = th->aspace.obj;
    }
    sched_cur = t;
    checked_at = store_revocations;  /* its caller checked it can run */
    return &th->regs;
}

struct hal_regs *sched_run(oref t)
{
    return sched_run_thread(t, thread_body(t));
}

/* Take the most important queued thread that can run, stopping those that
 * can't; NULL if there is none. */
static __attribute__((noinline)) struct hal_regs *pick(void)
{
    oref t;
    while ((t = highest())) {
        struct thread *th = thread_body(t);
        sched_dequeue(t);
        if (!thread_can_run(th)) {
            thread_lost(t);
            continue;
        }
        if (sched_has_time(th))
            return sched_run(t);
        wait_for_time(t, th);  /* its SchedContext went away or ran out */
    }
    sched_cur = 0;
    return NULL;
}

/* The running thread c is preempted: first in line at its priority (if it
 * still has time), then the most important thread runs. (Out of line, as
 * pick: sched_next's common path then needs no registers saved.) */
static __attribute__((noinline)) struct hal_regs *preempt(oref c)
{
    enqueue(c, true);
    return pick();
}

/* Something was revoked since the running thread c was last checked: may
 * it go on (its spaces and its time)? Else it stops or waits for time, and
 * the most important thread runs. (Out of line: rare.) */
static __attribute__((noinline)) struct hal_regs *recheck(oref c, struct thread *th)
{
    if (thread_can_run(th) && sched_has_time(th)) {
        checked_at = store_revocations;
        return &th->regs;
    }
    return preempt(c);
}

struct hal_regs *sched_next(void)
{
    oref c = sched_cur;
    if (running(c)) {
        struct thread *th = thread_body(c);
        /* The common case: it goes on (equal priorities wait for a tick).
         * Its CSpace and AddrSpace need no new check unless something was
         * destroyed meanwhile. */
        if (!summary || top_prio() <= th->prio) {
            if (checked_at == store_revocations)
                return &th->regs;
            return recheck(c, th);
        }
        return preempt(c);
    }
    return pick();
}

void sched_switch_to(oref t)
{
    if (t == sched_cur && !thread_body(t)->queued)
        return;
    if (running(sched_cur))
        enqueue(sched_cur, true);
    sched_dequeue(t);
    sched_run(t);
}

void sched_forget_thread(oref t)
{
    sched_dequeue(t);
    if (thread_body(t)->wsc)
        schedctx_unwait(t);
    if (sched_cur == t)
        sched_cur = 0;
}

void sched_reactivate(void)
{
    oref c = sched_cur;
    if (!c || !thread_can_run(thread_body(c)))
        return;  /* (sched_next's recheck stops it) */
    struct thread *th = thread_body(c);
    struct aspace *as = aspace_body(th->aspace.obj);
    hal_pt_activate(&as->pt);
    active_pt = &as->pt;
    active_as = th->aspace.obj;
}

void sched_forget_aspace(const hal_pt_root *pt)
{
    if (active_pt == pt) {
        static const hal_pt_root none = {NULL};
        hal_pt_activate(&none);
        active_pt = NULL;
        active_as = 0;
    }
}

oref sched_queue_head(u32 prio)
{
    return prio < NPRIO ? head[prio] : 0;
}

bool sched_busy(void)
{
    return sched_cur || summary;
}

/* For kernel_check (check.c): the run queues are well formed (links, the
 * priority of each member, its queued flag, tails, bitmap and summary);
 * *n gets the number of queued threads. NULL, or what is wrong. */
const char *sched_check_queues(u64 *n)
{
    *n = 0;
    for (u32 p = 0; p < NPRIO; p++) {
        if (!head[p] != !(bitmap[p / 64] & (1ull << (p % 64))))
            return "sched: bitmap bit does not match a run queue";
        oref prev = 0;
        for (oref t = head[p]; t; prev = t, t = thread_body(t)->qnext) {
            if (t >= store.ntab || obj_get(t)->type != OBJ_THREAD)
                return "sched: a run queue holds something not a thread";
            const struct thread *th = thread_body(t);
            if (th->qprev != prev)
                return "sched: run queue qprev does not point back";
            if (!th->queued || th->prio != p)
                return "sched: a run queue member is not marked queued at its priority";
            if (++*n > store.ntab)
                return "sched: a run queue has a cycle";
        }
        if (tail[p] != prev)
            return "sched: run queue tail is not its last member";
    }
    for (u32 w = 0; w < NPRIO / 64; w++)
        if (!bitmap[w] != !(summary & (1ull << w)))
            return "sched: summary bit does not match the bitmap";
    return NULL;
}
