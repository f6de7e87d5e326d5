/* SPDX-License-Identifier: BSD-2-Clause */
/* sched.h: the scheduler: fixed priorities (0..255, higher runs first),
 * round robin within a priority, preemption by the machine's timer tick.
 * A thread runs only on a SchedContext with budget left (T1, schedctx.h):
 * the run queues hold only threads that have time; a runnable thread
 * without it waits off the queues (waiting_time) until its SchedContext is
 * refilled, bound, reconfigured or lent. The kernel is event driven: each
 * kernel entry ends by asking sched_next() whose registers to return to. */
#ifndef TETHER_SCHED_H
#define TETHER_SCHED_H

#include "thread.h"
#include "schedctx.h"

/* Does th have CPU time now (a SchedContext with budget left)? */
static inline bool sched_has_time(const struct thread *th)
{
    oref s = thread_sc(th);
    return s && schedctx_has_time(s);
}

extern oref sched_cur;   /* the thread running now (0: none) */

/* The scheduler's state a checkpoint keeps (persist.c): the run queues, the
 * running thread, the clock and the release queue. */
struct sched_saved {
    oref cur;
    oref head[NPRIO], tail[NPRIO];
    u64 bitmap[NPRIO / 64], summary;
    u64 now;
    oref release_head;
    u32 pad;
};
void sched_save(struct sched_saved *s);
/* Restore it; the CPU is on no page table (a restored AddrSpace's tables
 * are new). */
void sched_load(const struct sched_saved *s);
/* After a restore, once AddrSpaces have page tables again: put the CPU on
 * the running thread's (sched_next's fast path assumes it is there). */
void sched_reactivate(void);

/* t became runnable: at the tail of its priority if it has time, else it
 * waits for time (off the queues). */
void sched_enqueue(oref t);
void sched_dequeue(oref t);
/* t may have time again (refill, bind, configure, lend): queue it if it is
 * runnable and was waiting for time. */
void sched_time_back(oref t);
/* The running thread lost the time it ran on (a lent SchedContext given
 * back): sched_next looks again. */
void sched_time_lost(void);
/* Yield: the current thread goes to the tail of its priority. */
void sched_yield(void);
/* Timer tick: one tick of time passes and is charged to the running
 * thread's SchedContext; a thread whose budget ran out leaves the CPU (to
 * its timeout handler, if it has one: FAULT_TIMEOUT); refills that are due
 * happen; round robin within a priority. */
void sched_timer(void);
/* Choose the thread to run, activate its AddrSpace; its registers, or NULL
 * when nothing can run (the machine then waits for an interrupt). */
struct hal_regs *sched_next(void);
/* Switch to runnable thread t directly (IPC fast path: t's CSpace and
 * AddrSpace caps were checked live by the caller). */
struct hal_regs *sched_run(oref t);
struct hal_regs *sched_run_thread(oref t, struct thread *th);  /* th = its body */
/* t is being destroyed: make sure it is not current. */
void sched_forget_thread(oref t);
/* pt is being destroyed: make sure it is not active. */
void sched_forget_aspace(const hal_pt_root *pt);
void sched_reset(void);
/* Make t the running thread as if the scheduler had chosen it (host tests
 * and debuggers play the CPU with this). */
void sched_switch_to(oref t);
/* The first thread queued at priority prio (0: none; the rest follow
 * through qnext), for the Debug object's dump. */
oref sched_queue_head(u32 prio);
/* Is a thread running or queued? */
bool sched_busy(void);
/* kernel_check (check.c): the run queues' links, tails and bitmaps; *n:
 * how many threads are queued. NULL, or what is wrong. */
const char *sched_check_queues(u64 *n);

#endif
