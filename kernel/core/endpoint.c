/* endpoint.c: endpoint queues and destruction (I6). */
#include "endpoint.h"
#include "invoke.h"
#include "ipc.h"
#include "thread.h"

void ep_enqueue(oref ep, oref t, u32 qstate)
{
    struct endpoint *e = endpoint_body(ep);
    struct thread *th = thread_body(t);
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

void ep_remove(oref ep, oref t)
{
    struct endpoint *e = endpoint_body(ep);
    struct thread *th = thread_body(t);
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

int endpoint_reap_step(oref ep, u32 *budget)
{
    struct endpoint *e = endpoint_body(ep);
    while (e->head) {
        if (*budget == 0)
            return E_CONTINUE;
        (*budget)--;
        ipc_abort(e->head, E_REVOKED);
    }
    return E_OK;
}

/* Endpoints have no kernel methods: calling one is IPC, which needs a
 * calling thread (kernel_syscall). Without one (the host harness's
 * kernel_invoke) there is nothing to do. */
int endpoint_invoke(struct inv *iv)
{
    (void)iv;
    return E_LABEL;
}
