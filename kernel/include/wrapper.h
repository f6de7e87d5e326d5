/* wrapper.h: wrapper (forwarder) objects, C8.
 *
 * A wrapper holds a copy of its target capability (a node in the target's
 * derivation tree, so UNMAP of an ancestor reaches it: nobody escapes an
 * UNMAP by wrapping) with the rights mask applied, and an optional badge.
 * Invoking a wrapper cap invokes the target; destroying the wrapper rescinds
 * every copy of the wrapper cap at once (S3). Chains are resolved up to
 * WRAP_MAX_DEPTH wrappers. */
#ifndef TETHER_WRAPPER_H
#define TETHER_WRAPPER_H

#include "cap.h"

#define WRAP_MAX_DEPTH 8u

struct wrapper {
    struct slot target;  /* copy of the target cap, rights already masked */
    u64 badge;           /* 0 = none; applies to an unbadged endpoint      */
    oref waiters;        /* threads queued on an endpoint through it (I6)  */
    u32 pad[5];
};

static inline struct wrapper *wrapper_body(oref w) { return (struct wrapper *)obj_body(w); }

/* What a capability finally designates, after wrappers. */
struct target {
    oref obj;
    u8 type;
    u8 rights;   /* intersection of the rights along the chain */
    u64 badge;   /* the badge along the chain (at most one is set) */
    u32 wraps;   /* number of wrappers passed */
    oref via;    /* the first wrapper passed (the one the cap names), or 0 */
};

/* Resolve the live cap in s: E_OK, E_EMPTY, E_REVOKED (a destroyed object or
 * a wrapper whose target was removed), E_DEPTH. The common case, a live cap
 * to anything but a wrapper, is inline; the rest is cap_resolve_chain(). */
int cap_resolve_chain(const struct slot *s, struct target *t);
static inline int cap_resolve(const struct slot *s, struct target *t)
{
    const struct obj *o = obj_get(s->obj);
    if (__builtin_expect(o->live == s->epoch, 1)) {
        if (__builtin_expect(o->type != OBJ_WRAPPER, 1)) {
            t->obj = s->obj;
            t->type = o->type;
            t->rights = s->rights;
            t->badge = s->badge;
            t->wraps = 0;
            t->via = 0;
            return E_OK;
        }
        /* One live wrapper over a live non-wrapper: the next most common
         * case (C8: forwarding costs a few loads, no IPC). */
        const struct wrapper *w = (const struct wrapper *)sref_ptr(o->body);
        const struct slot *ts = &w->target;
        const struct obj *to = obj_get(ts->obj);
        if (to->live == ts->epoch && to->type != OBJ_WRAPPER) {
            t->obj = ts->obj;
            t->type = to->type;
            t->rights = s->rights & ts->rights;
            t->badge = ts->badge ? ts->badge : w->badge ? w->badge : s->badge;
            t->wraps = 1;
            t->via = s->obj;
            return E_OK;
        }
    }
    return cap_resolve_chain(s, t);
}

/* Perform: initialise wrapper w over src (live), masked rights and badge. */
void wrapper_init(oref w, struct slot *src, u8 rights, u64 badge);
int wrapper_reap_step(oref w, u32 *budget);

#endif
