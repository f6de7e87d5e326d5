/* endpoint.c: endpoint queues and destruction (I6). */
#include "endpoint.h"
#include "invoke.h"
#include "ipc.h"
#include "thread.h"

void ep_enqueue(oref ep, oref t, u32 qstate)
{
    ep_push(endpoint_body(ep), ep, t, thread_body(t), qstate);
}

void ep_remove(oref ep, oref t)
{
    ep_unlink(endpoint_body(ep), thread_body(t));
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
