/* SPDX-License-Identifier: BSD-2-Clause */
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

#include "cspace.h"
#include "wrapper.h"
#include "objtype.h"

struct inv {
    oref caller_cs;      /* CSpace in which cap addresses are looked up */
    oref caller;         /* the calling thread, 0 for the kernel itself */
    u32 cptr;            /* cap address of the invoked cap              */
    struct target t;     /* the invoked object, after wrappers          */
    u32 label;
    const u64 *a;        /* INVOKE_ARGS argument words                  */
    u64 *r;              /* INVOKE_RESULTS result words; may be the same
                          * registers as a: decoders write results only
                          * on success, after reading every argument    */
};

/* A decoder that blocked the calling thread (NTFN_WAIT) has finished its
 * system call itself (pc past the ecall; whoever wakes the thread writes
 * its answer) and answers INV_BLOCKED. It is E_CONTINUE, so sys_invoke
 * needs no case of its own: it only schedules, leaving the registers. */
#define INV_BLOCKED E_CONTINUE

/* The named argument and result words of a method (labels.def):
 * ARG(iv, CS_COPY, src) is the argument `src` of CS_COPY (read-only),
 * RES(iv, CS_INFO, badge) = x sets its result `badge`. They are iv->a[k] and
 * iv->r[k] with k an integer constant (TETHER_IN_INDEX, abi.h): no cost, and
 * the same accesses as before (results still only after the last ARG). */
#define ARG(iv, label, name) ((iv)->a[TETHER_IN_INDEX(label, name)])
#define RES(iv, label, name) ((iv)->r[TETHER_OUT_INDEX(label, name)])

/* The two halves of kernel_invoke (kernel.h): look the cap up (checking the
 * caller's CSpace is live) and resolve wrappers; then, with a filled-in
 * struct inv, decode and perform. */
static inline int kernel_dispatch(struct inv *iv)
{
    int (*decode)(struct inv *) = objtype_invoke[iv->t.type];
    return decode ? decode(iv) : E_LABEL;  /* a type with no methods */
}

/* Look up cap address `cptr` in the caller's CSpace and resolve it. */
static inline int inv_lookup(const struct inv *iv, u64 cptr, struct target *t)
{
    return cap_lookup(iv->caller_cs, cptr, t);
}
/* Same, requiring a CSpace with at least `need` rights. Copying within the
 * invoked CSpace is the common case: then no second lookup is needed. */
static inline int inv_lookup_cspace(const struct inv *iv, u64 cptr, u8 need, oref *cs)
{
    if (cptr != iv->cptr || iv->t.type != OBJ_CSPACE)
        return inv_lookup_cspace_any(iv, cptr, need, cs);
    if ((iv->t.rights & need) != need)
        return E_RIGHTS;
    *cs = iv->t.obj;
    return E_OK;
}

#endif
