/* SPDX-License-Identifier: BSD-2-Clause */
/* schedctx.h: scheduling contexts, CPU time as a capability (T1, T2).
 *
 * A SchedContext is a budget of timer ticks per period of ticks, allocated
 * from a bank like every object (S1). A thread runs only on a SchedContext
 * with budget left: its own (bound with THREAD_BIND_SC; the thread keeps a
 * copy of the cap, a node in its derivation tree, so UNMAP or destruction of
 * the SchedContext takes the thread's time away), or one lent to it by a
 * caller (T2: a passive server has none of its own and runs on its
 * client's for the request; the reply, or its next receive, gives it back).
 *
 * Units are timer ticks (the machine's scheduling interrupt: 1 ms on
 * riscv64). The kernel is event driven and preempts only on the tick, so a
 * finer unit would promise what it can't keep; counting ticks makes
 * accounting O(1) per tick and exact in tests (seL4 MCS counts
 * microseconds and programs a one-shot timer for every budget expiry).
 *
 * Refill: periodic (a deferrable server): every `period` ticks the budget
 * is full again, whatever was used; a thread that used it up waits on the
 * release queue for the next period start. seL4 MCS uses sporadic servers
 * (each chunk of consumed budget comes back one period after it was
 * used), which bounds the CPU share over any window, at the price of a
 * list of refills per context; periodic refill bounds it per period, which
 * is what the shares here promise. */
#ifndef TETHER_SCHEDCTX_H
#define TETHER_SCHEDCTX_H

#include "cap.h"

struct schedctx {
    u64 budget, period;  /* ticks; 0 < budget <= period once configured */
    u64 remaining;       /* ticks left in this period                    */
    u64 refill_at;       /* tick at which the next period starts          */
    u64 consumed;        /* ticks used, all time                          */
    u32 overruns;        /* times the budget ran out                      */
    u32 released;        /* on the release queue (waiting for refill_at)  */
    oref thread;         /* bound thread (its th->sc names this), 0: none */
    u32 thread_epoch;
    oref waiters;        /* runnable threads waiting for its time (their
                          * wsc names it; linked through wnext/wprev)    */
    oref rprev, rnext;   /* release queue, by refill_at                   */
};
/* SC_MAX_PERIOD (abi.h): the longest period. */

static inline struct schedctx *schedctx_body(oref s) { return (struct schedctx *)obj_body(s); }

/* Ticks since boot (the scheduler's clock). */
extern u64 sched_now;


/* Charge one tick to s. True if its budget ran out now: s goes on the
 * release queue, and the caller takes its thread off the CPU
 * (schedctx_wait). */
bool schedctx_charge(oref s);
/* Refill every SchedContext on the release queue whose period started by
 * now, and give their waiting threads their time back. */
void schedctx_release(void);
/* Runnable thread t waits for s's time: it is queued again (sched_time_back)
 * when s has time again (refill, SC_CONFIGURE), or when it leaves the
 * list: schedctx_unwait (t queued, blocked, destroyed). Every thread that
 * waits for s is on the list: several may (time lent, and its owner). */
void schedctx_wait(oref s, oref t);
void schedctx_unwait(oref t);
void schedctx_reset(void);
/* The clock and the release queue, for a checkpoint (sched_save/load). */
void schedctx_save(u64 *now, oref *release);
void schedctx_load(u64 now, oref release);
/* Does s have budget left now? (If its period is over, the refill that is
 * due gives it its budget, at least one tick: no need to do it here.) */
static inline bool schedctx_has_time(oref o)
{
    const struct schedctx *s = schedctx_body(o);
    return s->period && (s->remaining || sched_now >= s->refill_at);
}
/* Will a refill give a waiting thread time (a SchedContext on the
 * release queue has waiters)? O(the release queue). */
bool schedctx_time_pending(void);
/* The first SchedContext on the release queue (kernel_check, the Debug
 * object's dump). */
oref schedctx_release_first(void);

int schedctx_reap_step(oref s, u32 *budget);

struct inv;
int schedctx_invoke(struct inv *iv);

#endif
