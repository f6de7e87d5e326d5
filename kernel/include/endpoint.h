/* endpoint.h: IPC endpoints (DESIGN.md §4, I1..I6).
 *
 * An endpoint is a rendezvous point with one FIFO queue of waiting threads,
 * all senders or all receivers (qstate). Queued threads are linked through
 * their qprev/qnext fields (a thread is never on a run queue and an
 * endpoint queue at once). Message passing itself is in ipc.c. */
#ifndef TETHER_ENDPOINT_H
#define TETHER_ENDPOINT_H

#include "thread.h"

enum { EPQ_IDLE = 0, EPQ_SEND = 1, EPQ_RECV = 2 };

struct endpoint {
    oref head, tail;   /* waiting threads, oldest first          */
    u32 qstate;        /* EPQ_*: what the waiting threads want   */
    u32 waiting;       /* queue length                           */
    u64 reserved[6];
};

static inline struct endpoint *endpoint_body(oref e) { return (struct endpoint *)obj_body(e); }

/* Queue thread t (body th) at the tail of endpoint ep (body e). */
static inline void ep_push(struct endpoint *e, oref ep, oref t, struct thread *th, u32 qstate)
{
    th->qnext = 0;
    th->qprev = e->tail;
    if (e->tail)
        thread_body(e->tail)->qnext = t;
    else
        e->head = t;
    e->tail = t;
    e->qstate = qstate;
    e->waiting++;
    th->ep = ep;
}

/* Take thread th off endpoint e's queue. */
static inline void ep_unlink(struct endpoint *e, struct thread *th)
{
    if (th->qprev)
        thread_body(th->qprev)->qnext = th->qnext;
    else
        e->head = th->qnext;
    if (th->qnext)
        thread_body(th->qnext)->qprev = th->qprev;
    else
        e->tail = th->qprev;
    th->qprev = th->qnext = 0;
    th->ep = 0;
    if (--e->waiting == 0)
        e->qstate = EPQ_IDLE;
}

void ep_enqueue(oref ep, oref t, u32 qstate);  /* the same, by reference */
void ep_remove(oref ep, oref t);

/* I6: wake every waiting thread with E_REVOKED, REVOKE_BUDGET per step. */
int endpoint_reap_step(oref ep, u32 *budget);

struct inv;
int endpoint_invoke(struct inv *iv);

#endif
