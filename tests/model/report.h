/* SPDX-License-Identifier: BSD-2-Clause */
/* report.h: failure reports of the model test (tests/model/report.c): the
 * run's seed and position, mismatch messages, names for error codes, labels
 * and model slots. */
#ifndef TETHER_MODEL_REPORT_H
#define TETHER_MODEL_REPORT_H

#include "types.h"

extern u64 seed, test_seed;   /* the run's seed (TETHER_SEED), the test's     */
extern const char *test_name;
extern long step_no;
extern char desc[256];        /* the call being made, for the report          */
extern int failed;            /* mismatches in this test (only the first is shown) */

/* Record a mismatch between model and core (printf format). */
void mfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *ename(int e);     /* E_* name */
const char *lname(u32 l);     /* label name */
const char *sname(int sid);   /* model slot, e.g. "cs3[17]" */

#endif
