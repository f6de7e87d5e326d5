/* SPDX-License-Identifier: BSD-2-Clause */
/* adopt.h: after each call, the model takes over what the core did
 * (tests/model/adopt.c). Long operations are not mirrored budget for
 * budget: the model adopts the removals the core made, checking each was
 * allowed (a descendant of the UNMAP target; a cap in, or derived from a cap
 * in, an object being destroyed; a void cap, which acts as empty anyway),
 * and when the operation reports E_OK it checks that everything it had to
 * remove is gone. A call that performs (create, wrap, transfer, map) is
 * then applied to the model. */
#ifndef TETHER_MODEL_ADOPT_H
#define TETHER_MODEL_ADOPT_H

#include "predict.h"

/* Check the core's answer rc (results r) to call c against plan p and
 * adopt the changes; mismatches go to mfail(). */
void apply(const struct call *c, const struct plan *p, int rc, const u64 *r);

/* Per-slot marks: a slot is marked when its stamp equals `stamp`; bump
 * `stamp` to clear all marks at once (the driver uses memo_st too). */
extern u32 stamp;
extern u32 memo_st[MAXSLOT];

#endif
