/* SPDX-License-Identifier: BSD-2-Clause */
/* notification.c: notification objects (notification.h): signal, wait,
 * poll, binding to a thread, destruction (I6). */
#include "notification.h"
#include "endpoint.h"
#include "invoke.h"
#include "sched.h"
#include "watch.h"

static inline struct thread *T(oref t) { return thread_body(t); }

static void nq_push(struct notification *nb, oref n, oref t, struct thread *th)
{
    th->qnext = 0;
    th->qprev = nb->tail;
    if (nb->tail)
        T(nb->tail)->qnext = t;
    else
        nb->head = t;
    nb->tail = t;
    nb->waiting++;
    th->ep = n;
}

static void nq_unlink(struct notification *nb, struct thread *th)
{
    if (th->qprev)
        T(th->qprev)->qnext = th->qnext;
    else
        nb->head = th->qnext;
    if (th->qnext)
        T(th->qnext)->qprev = th->qprev;
    else
        nb->tail = th->qprev;
    th->qprev = th->qnext = 0;
    th->ep = 0;
    nb->waiting--;
}

void ntfn_remove(oref n, oref t)
{
    nq_unlink(ntfn_body(n), T(t));
}

/* The thread bound to n, if the binding still holds from both sides: the
 * thread is the same (epoch) and still keeps a live cap to n. Else 0. */
static oref bound_thread(oref n, const struct notification *nb)
{
    oref t = nb->bound;
    if (!t || obj_get(t)->live != nb->bound_epoch || cap_obj_live(&T(t)->ntfn) != n)
        return 0;
    return t;
}

/* End t's wait (on n, or on an endpoint: a bound thread in recv): a0 =
 * status, the word where the operation returns it. */
static void wake(oref t, struct thread *th, u64 status, u32 word_reg, u64 word)
{
    th->regs.x[REG_MSGINFO] = status;
    th->regs.x[word_reg] = word;
    th->state = THREAD_RUNNABLE;
    sched_enqueue(t);
}

int ntfn_reap_step(oref n, u32 *budget)
{
    struct notification *nb = ntfn_body(n);
    int e = watch_ntfn_step(n, budget);
    if (e != E_OK)
        return e;
    while (nb->head) {
        if (*budget == 0)
            return E_CONTINUE;
        (*budget)--;
        oref t = nb->head;
        nq_unlink(nb, T(t));
        wake(t, T(t), E_REVOKED, REG_MSG(0), 0);
    }
    nb->bound = 0;
    return E_OK;
}

bool ntfn_recv_bound(oref t, struct thread *th)
{
    oref n = cap_obj_live(&th->ntfn);
    if (!n)
        return false;
    struct notification *nb = ntfn_body(n);
    if (!nb->word || nb->bound != t)
        return false;
    th->regs.x[REG_BADGE] = nb->word;
    nb->word = 0;
    return true;
}

void ntfn_forget_thread(oref t)
{
    oref n = cap_obj_live(&T(t)->ntfn);
    if (n && ntfn_body(n)->bound == t)
        ntfn_body(n)->bound = 0;
}

/* ---- invocations ---------------------------------------------------- */

/* Signal n with badge: hand word | badge to the first waiter, or, with
 * none, OR it into the word and wake the bound thread if it waits in recv.
 * A waiter that can no longer run (its spaces are gone) is stopped
 * (thread_lost) and
 * passed over, at most `pass` of them (then E_CONTINUE, the badge not
 * delivered). */
static inline __attribute__((always_inline)) int deliver(oref n, struct notification *nb, u64 badge, u32 pass)
{
    for (; nb->head; pass--) {
        oref t = nb->head;
        struct thread *th = T(t);
        if (!pass)
            return E_CONTINUE;
        if (!thread_can_run(th)) {
            thread_lost(t);  /* off the queue, stopped */
            continue;
        }
        nq_unlink(nb, th);
        wake(t, th, E_OK, REG_MSG(TETHER_OUT_INDEX(NTFN_WAIT, word)), nb->word | badge);
        nb->word = 0;
        return E_OK;
    }
    nb->word |= badge;
    oref b = bound_thread(n, nb);
    if (b && T(b)->state == THREAD_BLOCKED_RECV) {
        ep_remove(T(b)->ep, b);
        wake(b, T(b), E_NOTIFIED, REG_BADGE, nb->word);
        nb->word = 0;
    }
    return E_OK;
}

void ntfn_notify(oref n, u64 badge)
{
    struct notification *nb = ntfn_body(n);
    nb->stuck = deliver(n, nb, badge, NOTIFY_PASS) != E_OK;
    if (nb->stuck)
        nb->word |= badge;
}

/* NTFN_SIGNAL: cheap, never blocks; passes over at most REVOKE_BUDGET
 * waiters that cannot run per call (then E_CONTINUE: the call restarts). */
static int ntfn_signal(struct inv *iv)
{
    oref n = iv->t.obj;
    struct notification *nb = ntfn_body(n);
    u64 badge = iv->t.badge;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    if (!badge)
        return E_INVAL;
    return deliver(n, nb, badge, REVOKE_BUDGET);
}

static int ntfn_wait(struct inv *iv, bool blk)
{
    oref n = iv->t.obj;
    struct notification *nb = ntfn_body(n);
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    if (nb->word || !blk) {
        u64 w = nb->word;
        nb->word = 0;
        RES(iv, NTFN_WAIT, word) = w;
        return E_OK;
    }
    if (!iv->caller)
        return E_WOULDBLOCK;  /* no thread to block (the kernel's own callers) */
    /* Block: the system call is finished here (pc past the ecall); the
     * signal (or the destruction) writes its answer. */
    oref t = iv->caller;
    struct thread *th = T(t);
    hal_syscall_done(&th->regs);
    sched_dequeue(t);
    th->state = THREAD_BLOCKED_WAIT;
    nq_push(nb, n, t, th);
    return INV_BLOCKED;
}

_Static_assert(TETHER_OUT_INDEX(NTFN_WAIT, word) == TETHER_OUT_INDEX(NTFN_POLL, word),
               "NTFN_WAIT and NTFN_POLL return the word in the same register");

int ntfn_invoke(struct inv *iv)
{
    switch (iv->label) {
    case NTFN_SIGNAL: return ntfn_signal(iv);
    case NTFN_WAIT:   return ntfn_wait(iv, true);
    case NTFN_POLL:   return ntfn_wait(iv, false);
    default:          return E_LABEL;
    }
}

/* THREAD_BIND_NTFN: check everything, then unbind the old notification
 * (if any) and bind the new one. */
int thread_bind_ntfn(struct inv *iv)
{
    oref t = iv->t.obj, n = 0;
    struct thread *th = T(t);
    struct slot *s = NULL;
    u64 cptr = ARG(iv, THREAD_BIND_NTFN, ntfn);
    if (!(iv->t.rights & R_WRITE) || !thread_may_drive(iv, th))
        return E_RIGHTS;
    if (cptr != CAP_NONE) {
        int e = cspace_lookup_live(iv->caller_cs, cptr, &s);
        if (e != E_OK)
            return e;
        n = s->obj;
        if (obj_get(n)->type != OBJ_NOTIFICATION)
            return E_TYPE;
        if (!(s->rights & R_READ))
            return E_RIGHTS;
        oref b = bound_thread(n, ntfn_body(n));
        if (b && b != t)
            return E_BUSY;
        if (!cap_can_derive(s))
            return E_DEPTH;
    }
    /* Perform. */
    ntfn_forget_thread(t);
    if (th->ntfn.obj) {
        u32 budget = 1;
        cap_delete_step(&th->ntfn, &budget);  /* a leaf: nothing derives from it */
    }
    if (n) {
        cap_map(s, &th->ntfn, s->rights, s->badge);
        ntfn_body(n)->bound = t;
        ntfn_body(n)->bound_epoch = obj_get(t)->epoch;
    }
    return E_OK;
}
