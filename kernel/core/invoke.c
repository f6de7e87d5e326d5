/* invoke.c: the kernel's single invocation path (I4): look up the cap,
 * resolve wrappers, dispatch to the object type's decoder. */
#include "invoke.h"
#include "charge.h"
#include "cspace.h"
#include "endpoint.h"
#include "thread.h"
#include "aspace.h"
#include "kernel.h"
#include "system.h"

int inv_lookup(const struct inv *iv, u64 cptr, struct target *t)
{
    return cap_lookup(iv->caller_cs, cptr, t);
}

int inv_lookup_cspace_any(const struct inv *iv, u64 cptr, u8 need, oref *cs)
{
    struct target t;
    int e = inv_lookup(iv, cptr, &t);
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
    if (caller_cs >= store.ntab || obj_get(caller_cs)->type != OBJ_CSPACE ||
        obj_get(caller_cs)->state != OS_LIVE)
        return E_REVOKED;  /* no (live) CSpace to look cap addresses up in */
    return cap_lookup(caller_cs, cptr, t);
}

int kernel_invoke(oref caller_cs, u64 cap_label, const u64 *args, u64 *results)
{
    struct inv iv;
    int e = kernel_lookup(caller_cs, (u32)cap_label, &iv.t);
    if (e != E_OK)
        return e;
    iv.caller_cs = caller_cs;
    iv.caller = 0;  /* the kernel's own callers (boot, host harness) */
    iv.cptr = (u32)cap_label;
    iv.label = (u32)(cap_label >> 32);
    iv.a = args;
    iv.r = results;
    return kernel_dispatch(&iv);
}
