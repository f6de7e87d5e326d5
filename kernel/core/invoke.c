/* SPDX-License-Identifier: BSD-2-Clause */
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
