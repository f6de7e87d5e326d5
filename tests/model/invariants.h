/* SPDX-License-Identifier: BSD-2-Clause */
/* invariants.h: the walk comparing the core with the model after every call
 * (tests/model/invariants.c):
 *   - the observable state: every tracked slot of every CSpace, AddrSpace
 *     and wrapper (status, object identity, rights, badge, parent), every
 *     object (type, state, paying bank), every bank (usage, limit, objects),
 *     CSpace radix nodes, page tables, the storage left;
 *   - the core's own data, walked for the invariants: derivation lists well
 *     formed (prev/next agree, one object per list, depth 0 only at a list
 *     head), every parent as the model says (C2..C6), every cap's rights
 *     exactly the model's (C1), no slot in two lists, every live cap names a
 *     live object and the others are void (S3), usage(B) = its objects + its
 *     sub-banks' usage and never above the limit, every allocated byte paid
 *     by a bank (S1), the page tables a cache of the mapping slots (C9, S4).
 * Now and then also the whole radix trees, the free store, the page tables
 * and kernel_check(). (Named so as not to be taken for the kernel's
 * check.h.) */
#ifndef TETHER_MODEL_INVARIANTS_H
#define TETHER_MODEL_INVARIANTS_H

/* Compare everything; mismatches go to mfail(). */
void check_all(void);
/* The same, with every rare part too (the whole radix trees and page
 * tables, the free store, kernel_check()): after a restart. */
void check_all_full(void);

#endif
