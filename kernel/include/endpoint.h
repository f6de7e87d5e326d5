/* SPDX-License-Identifier: BSD-2-Clause */
/* endpoint.h: IPC endpoints and message passing (I1..I6, docs/design.md).
 *
 * An endpoint is a rendezvous point with one FIFO queue of waiting threads,
 * all senders or all receivers (qstate). Queued threads are linked through
 * their qprev/qnext fields (a thread is never on a run queue and an
 * endpoint queue at once).
 *
 * Message passing: each operation is called by kernel_syscall on behalf of
 * thread t with its registers as the message (REG_MSGINFO = cap | msginfo
 * << 32, REG_MSG(0..5) = words) and returns the registers to resume next.
 * Checks come first; a message whose transfer items do not fit fails with
 * an error for the thread that made the system call, and nothing changes
 * for either party (I3). */
#ifndef TETHER_ENDPOINT_H
#define TETHER_ENDPOINT_H

#include "thread.h"
#include "cspace.h"

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

/* ---- message passing ---------------------------------------------- */
struct hal_regs *ipc_send(oref t, const struct target *ep, bool call, bool block);
struct hal_regs *ipc_recv(oref t, const struct target *ep, bool block);
/* Reply to the last call t received (one-shot reply right, I2); with
 * `ep`, then receive on it. */
struct hal_regs *ipc_reply(oref t, const struct target *ep);
/* Fast paths (I1): a call, or a reply_recv, with register words only,
 * between two threads that can take it at once, the partner being of at
 * least the caller's priority. NULL if the case is not that simple: the
 * caller then takes the general path, which gives the same result. */
struct hal_regs *ipc_call_fast(oref t, const struct target *ep);
struct hal_regs *ipc_replyrecv_fast(oref t);
/* Send t's fault to its fault endpoint (I5). False if it has none (the
 * caller then stops the thread). */
bool ipc_fault(oref t);
/* T1: t's budget ran out; if it has a timeout endpoint, send it a fault
 * message FAULT_TIMEOUT (words: 0, pc) there, like a fault to a handler:
 * the reply resumes t (once it has time again). */
void ipc_timeout(oref t);
/* Take t out of any IPC it takes part in (it is suspended or destroyed):
 * off endpoint queues; a caller waiting on its reply gets E_REVOKED. */
void ipc_cancel(oref t, bool destroyed);
/* End t's wait on an endpoint with error e (the endpoint is destroyed). */
void ipc_abort(oref t, u64 e);

#endif
