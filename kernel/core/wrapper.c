/* wrapper.c: wrapper objects (C8): resolution and destruction. */
#include "wrapper.h"
#include "endpoint.h"

int cap_resolve_chain(const struct slot *s, struct target *t)
{
    t->rights = R_ALL;
    t->badge = 0;
    t->wraps = 0;
    t->via = s->obj;
    for (;;) {
        if (!s->obj)
            return t->wraps ? E_REVOKED : E_EMPTY; /* wrapper target unmapped */
        if (!cap_live(s))
            return E_REVOKED;
        t->rights &= s->rights;
        if (s->badge)
            t->badge = s->badge;
        struct obj *o = obj_get(s->obj);
        if (o->type != OBJ_WRAPPER) {
            t->obj = s->obj;
            t->type = o->type;
            if (!t->wraps)
                t->via = 0;
            return E_OK;
        }
        if (++t->wraps > WRAP_MAX_DEPTH)
            return E_DEPTH;
        struct wrapper *w = wrapper_body(s->obj);
        if (w->badge)
            t->badge = w->badge;
        s = &w->target;
    }
}

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
