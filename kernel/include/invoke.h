/* invoke.h: one decode -> check -> perform path for every invocation (I4).
 *
 * kernel_invoke() looks up the invoked cap in the caller's CSpace, resolves
 * wrappers, and hands a `struct inv` to the decoder of the object type
 * (bank_invoke, cspace_invoke, ...). Decoders check every argument and change
 * nothing until all checks passed; then they perform to completion, or, for
 * long operations, do one bounded step and return E_CONTINUE: calling again
 * with the same arguments continues. */
#ifndef TETHER_INVOKE_H
#define TETHER_INVOKE_H

#include "wrapper.h"

struct inv {
    oref caller_cs;      /* CSpace in which cap addresses are looked up */
    struct target t;     /* the invoked object, after wrappers          */
    u32 label;
    const u64 *a;        /* INVOKE_ARGS argument words                  */
    u64 *r;              /* INVOKE_RESULTS result words                 */
};

/* The two halves of kernel_invoke (kernel.h): look the cap up (checking the
 * caller's CSpace is live) and resolve wrappers; then decode and perform. */
int kernel_lookup(oref caller_cs, u32 cptr, struct target *t);
int kernel_invoke_target(oref caller_cs, const struct target *t, u32 label, const u64 *args,
                         u64 *results);

/* Look up cap address `cptr` in the caller's CSpace and resolve it. */
int inv_lookup(const struct inv *iv, u64 cptr, struct target *t);
/* Same, requiring a CSpace with at least `need` rights. */
int inv_lookup_cspace(const struct inv *iv, u64 cptr, u8 need, oref *cs);

#endif
