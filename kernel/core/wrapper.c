/* SPDX-License-Identifier: BSD-2-Clause */
/* wrapper.c: wrapper objects (C8): creation and destruction (resolution
 * through wrappers is part of every lookup: cspace.c). */
#include "wrapper.h"
#include "endpoint.h"

void wrapper_init(oref w, struct slot *src, u8 rights, u64 badge)
{
    struct wrapper *b = wrapper_body(w);
    /* The target is a COPY of src (C2): a sibling if src is derived, so
     * whoever can UNMAP src can also take it out of the wrapper. */
    cap_copy(src, &b->target, rights, src->badge);
    b->badge = badge;
}

int wrapper_reap_step(oref w, u32 *budget)
{
    /* Calls queued through the wrapper fail: their permission is gone. */
    while (wrapper_body(w)->waiters) {
        if (*budget == 0)
            return E_CONTINUE;
        (*budget)--;
        ipc_abort(wrapper_body(w)->waiters, E_REVOKED);
    }
    struct slot *t = &wrapper_body(w)->target;
    return t->obj ? cap_delete_step(t, budget) : E_OK;
}
