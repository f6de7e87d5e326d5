/* SPDX-License-Identifier: BSD-2-Clause */
/* schedctx.c: SchedContext objects: budget accounting, periodic refill,
 * the release queue, and their invocations (see schedctx.h). */
#include "schedctx.h"
#include "invoke.h"
#include "sched.h"
#include "thread.h"

u64 sched_now;
/* SchedContexts whose budget ran out, by refill_at (earliest first). The
 * insertion is O(waiting contexts), like seL4 MCS's release queue. */
static oref release_head;

bool schedctx_time_pending(void)
{
    for (oref o = release_head; o; o = schedctx_body(o)->rnext)
        if (schedctx_body(o)->waiters)
            return true;
    return false;
}

oref schedctx_release_first(void)
{
    return release_head;
}

void schedctx_save(u64 *now, oref *release)
{
    *now = sched_now;
    *release = release_head;
}

void schedctx_load(u64 now, oref release)
{
    sched_now = now;
    release_head = release;
}

void schedctx_reset(void)
{
    sched_now = 0;
    release_head = 0;
}

static void release_unlink(struct schedctx *s);
static void wake_all(struct schedctx *s);

/* If s's period is over at tick `now`, start the one that contains it
 * (periods missed entirely are skipped); its waiting threads get their
 * time back. */
static void refill_at(struct schedctx *s, u64 now)
{
    if (!s->period || now < s->refill_at)
        return;
    s->remaining = s->budget;
    u64 late = now - s->refill_at;
    s->refill_at = now - late % s->period + s->period;
    release_unlink(s);
    wake_all(s);
}

static void refill(struct schedctx *s) { refill_at(s, sched_now); }

void schedctx_wait(oref o, oref t)
{
    struct thread *th = thread_body(t);
    if (th->wsc == o)
        return;
    schedctx_unwait(t);
    struct schedctx *s = schedctx_body(o);
    th->wsc = o;
    th->wprev = 0;
    th->wnext = s->waiters;
    if (s->waiters)
        thread_body(s->waiters)->wprev = t;
    s->waiters = t;
}

void schedctx_unwait(oref t)
{
    struct thread *th = thread_body(t);
    if (!th->wsc)
        return;
    if (th->wprev)
        thread_body(th->wprev)->wnext = th->wnext;
    else
        schedctx_body(th->wsc)->waiters = th->wnext;
    if (th->wnext)
        thread_body(th->wnext)->wprev = th->wprev;
    th->wsc = th->wprev = th->wnext = 0;
}

/* s has time again: every thread waiting for it is queued (those that
 * still find no time wait again, on a fresh list: no loop). */
static void wake_all(struct schedctx *s)
{
    oref t = s->waiters;
    s->waiters = 0;
    while (t) {
        struct thread *th = thread_body(t);
        oref n = th->wnext;
        th->wsc = th->wprev = th->wnext = 0;
        sched_time_back(t);
        t = n;
    }
}

static void release_unlink(struct schedctx *s)
{
    if (!s->released)
        return;
    if (s->rprev)
        schedctx_body(s->rprev)->rnext = s->rnext;
    else
        release_head = s->rnext;
    if (s->rnext)
        schedctx_body(s->rnext)->rprev = s->rprev;
    s->rprev = s->rnext = 0;
    s->released = 0;
}

static void release_insert(oref o, struct schedctx *s)
{
    oref prev = 0, next = release_head;
    while (next && schedctx_body(next)->refill_at <= s->refill_at) {
        prev = next;
        next = schedctx_body(next)->rnext;
    }
    s->rprev = prev;
    s->rnext = next;
    if (prev)
        schedctx_body(prev)->rnext = o;
    else
        release_head = o;
    if (next)
        schedctx_body(next)->rprev = o;
    s->released = 1;
}

bool schedctx_charge(oref o)
{
    struct schedctx *s = schedctx_body(o);
    /* The tick that just ended, (now - 1, now], belongs to the period that
     * contains now - 1. */
    refill_at(s, sched_now - 1);
    if (s->remaining)
        s->remaining--;
    s->consumed++;
    if (s->remaining)
        return false;
    if (sched_now >= s->refill_at) {
        refill(s);  /* used up exactly as its period ends: no overrun */
        return false;
    }
    s->overruns++;
    if (!s->released)
        release_insert(o, s);
    return true;
}

void schedctx_release(void)
{
    while (release_head && schedctx_body(release_head)->refill_at <= sched_now) {
        oref o = release_head;
        struct schedctx *s = schedctx_body(o);
        release_unlink(s);
        refill(s);  /* due: its waiting threads get their time back */
    }
}

int schedctx_reap_step(oref o, u32 *budget)
{
    (void)budget;
    struct schedctx *s = schedctx_body(o);
    release_unlink(s);  /* threads on it lost their time: its caps are void */
    while (s->waiters)
        schedctx_unwait(s->waiters);  /* they wait for a bind or a lend now */
    s->thread = 0;
    return E_OK;
}

/* ---- invocations ---------------------------------------------------- */

/* SC_CONFIGURE(budget, period): a new budget, full from now on. */
static int sc_configure(struct inv *iv)
{
    struct schedctx *s = schedctx_body(iv->t.obj);
    u64 budget = ARG(iv, SC_CONFIGURE, budget), period = ARG(iv, SC_CONFIGURE, period);
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    if (!budget || budget > period || period > SC_MAX_PERIOD)
        return E_INVAL;
    /* Perform. */
    release_unlink(s);
    s->budget = budget;
    s->period = period;
    s->remaining = budget;
    s->refill_at = sched_now + period;
    wake_all(s);  /* the threads waiting for its time */
    if (s->thread && obj_get(s->thread)->live == s->thread_epoch)
        sched_time_back(s->thread);  /* the bound one, if it had none */
    return E_OK;
}

static int sc_query(struct inv *iv)
{
    struct schedctx *s = schedctx_body(iv->t.obj);
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    refill(s);
    RES(iv, SC_QUERY, consumed) = s->consumed;
    RES(iv, SC_QUERY, remaining) = s->remaining;
    RES(iv, SC_QUERY, overruns) = s->overruns;
    RES(iv, SC_QUERY, period) = s->period;
    return E_OK;
}

int schedctx_invoke(struct inv *iv)
{
    switch (iv->label) {
    case SC_CONFIGURE: return sc_configure(iv);
    case SC_QUERY:     return sc_query(iv);
    default:           return E_LABEL;
    }
}
