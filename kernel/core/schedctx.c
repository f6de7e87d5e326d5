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

oref schedctx_release_first(void)
{
    return release_head;
}

void schedctx_reset(void)
{
    sched_now = 0;
    release_head = 0;
}

/* Start the period that contains `now` if s's current one is over. */
static void refill(struct schedctx *s)
{
    if (sched_now < s->refill_at)
        return;
    s->remaining = s->budget;
    u64 late = sched_now - s->refill_at;  /* whole periods missed: skipped */
    s->refill_at = sched_now - late % s->period + s->period;
}

static void release_unlink(oref o, struct schedctx *s)
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
    (void)o;
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

bool schedctx_has_time(oref o)
{
    struct schedctx *s = schedctx_body(o);
    if (!s->period)
        return false;  /* never configured */
    refill(s);
    return s->remaining > 0;
}

bool schedctx_charge(oref o, oref t)
{
    struct schedctx *s = schedctx_body(o);
    refill(s);
    if (s->remaining)
        s->remaining--;
    s->consumed++;
    if (s->remaining)
        return false;
    s->overruns++;
    s->waiter = t;
    s->waiter_epoch = obj_get(t)->epoch;
    release_insert(o, s);
    return true;
}

void schedctx_release(void (*wake)(oref t))
{
    while (release_head && schedctx_body(release_head)->refill_at <= sched_now) {
        oref o = release_head;
        struct schedctx *s = schedctx_body(o);
        release_unlink(o, s);
        refill(s);
        oref t = s->waiter;
        s->waiter = 0;
        if (t && obj_get(t)->live == s->waiter_epoch)
            wake(t);
    }
}

int schedctx_reap_step(oref o, u32 *budget)
{
    (void)budget;
    struct schedctx *s = schedctx_body(o);
    release_unlink(o, s);  /* threads on it lost their time: its caps are void */
    s->thread = s->waiter = 0;
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
    release_unlink(iv->t.obj, s);
    s->budget = budget;
    s->period = period;
    s->remaining = budget;
    s->refill_at = sched_now + period;
    oref t = s->waiter;
    s->waiter = 0;
    if (t && obj_get(t)->live == s->waiter_epoch)
        sched_time_back(t);
    return E_OK;
}

static int sc_query(struct inv *iv)
{
    struct schedctx *s = schedctx_body(iv->t.obj);
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    if (s->period)
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
