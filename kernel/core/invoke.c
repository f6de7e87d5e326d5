/* invoke.c: the kernel's single invocation path (I4): look up the cap,
 * resolve wrappers, dispatch to the object type's decoder. */
#include "invoke.h"
#include "bank.h"
#include "cspace.h"
#include "endpoint.h"
#include "thread.h"
#include "kernel.h"

/* Decoder for each object type; wrappers never reach here (resolved). */
static int (*const decoders[OBJ_COUNT])(struct inv *) = {
    [OBJ_BANK] = bank_invoke,
    [OBJ_CSPACE] = cspace_invoke,
    [OBJ_ENDPOINT] = endpoint_invoke,
    [OBJ_THREAD] = thread_invoke,
};

int inv_lookup(const struct inv *iv, u64 cptr, struct target *t)
{
    return cap_lookup(iv->caller_cs, cptr, t);
}

int inv_lookup_cspace(const struct inv *iv, u64 cptr, u8 need, oref *cs)
{
    struct target t;
    int e;
    /* The common case of copying within the invoked CSpace: no second lookup. */
    if (cptr == iv->cptr && iv->t.type == OBJ_CSPACE) {
        if ((iv->t.rights & need) != need)
            return E_RIGHTS;
        *cs = iv->t.obj;
        return E_OK;
    }
    e = inv_lookup(iv, cptr, &t);
    if (e != E_OK)
        return e;
    if (t.type != OBJ_CSPACE)
        return E_TYPE;
    if ((t.rights & need) != need)
        return E_RIGHTS;
    *cs = t.obj;
    return E_OK;
}

int kernel_lookup(oref caller_cs, u32 cptr, struct target *t)
{
    const struct obj *c = obj_get(caller_cs);
    if (caller_cs >= store.ntab || c->type != OBJ_CSPACE || c->state != OS_LIVE)
        return E_REVOKED;  /* no (live) CSpace to look cap addresses up in */
    return cap_lookup(caller_cs, cptr, t);
}

int kernel_invoke_target(oref caller_cs, u32 cptr, const struct target *t, u32 label,
                         const u64 *args, u64 *results)
{
    struct inv iv;
    iv.caller_cs = caller_cs;
    iv.cptr = cptr;
    iv.t = *t;
    iv.label = label;
    iv.a = args;
    iv.r = results;
    if (!decoders[t->type])
        return E_LABEL;  /* an object type with no methods (yet) */
    return decoders[t->type](&iv);
}

int kernel_invoke(oref caller_cs, u64 cap_label, const u64 *args, u64 *results)
{
    struct target t;
    int e = kernel_lookup(caller_cs, (u32)cap_label, &t);
    if (e != E_OK)
        return e;
    return kernel_invoke_target(caller_cs, (u32)cap_label, &t, (u32)(cap_label >> 32), args, results);
}
