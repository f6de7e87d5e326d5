/* SPDX-License-Identifier: BSD-2-Clause */
/* wrapper.h: wrapper (forwarder) objects, C8.
 *
 * A wrapper holds a copy of its target capability (a node in the target's
 * derivation tree, so UNMAP of an ancestor reaches it: nobody escapes an
 * UNMAP by wrapping) with the rights mask applied, and an optional badge.
 * Invoking a wrapper cap invokes the target; destroying the wrapper rescinds
 * every copy of the wrapper cap at once (S3). Chains are resolved up to
 * WRAP_MAX_DEPTH (abi.h) wrappers. */
#ifndef TETHER_WRAPPER_H
#define TETHER_WRAPPER_H

#include "cap.h"

struct wrapper {
    struct slot target;  /* copy of the target cap, rights already masked */
    u64 badge;           /* 0 = none; applies to an unbadged endpoint      */
    oref waiters;        /* threads queued on an endpoint through it (I6)  */
    u32 pad[5];
};

static inline struct wrapper *wrapper_body(oref w) { return (struct wrapper *)obj_body(w); }

/* Perform: initialise wrapper w over src (live), masked rights and badge. */
void wrapper_init(oref w, struct slot *src, u8 rights, u64 badge);
int wrapper_reap_step(oref w, u32 *budget);

#endif
