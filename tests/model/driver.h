/* SPDX-License-Identifier: BSD-2-Clause */
/* driver.h: the random driver of the model test (tests/model/driver.c):
 * boots, random calls (valid ones, hostile ones: bad indices, wrong types,
 * missing rights, bad labels, badges; long operations left half done,
 * continued later), growth and churn phases, and the step loop each call
 * goes through: predict, invoke, adopt, compare. */
#ifndef TETHER_MODEL_DRIVER_H
#define TETHER_MODEL_DRIVER_H

#include "tk.h"

/* Start test `name` (number k): the first call reads TETHER_SEED and prints
 * the seed; every test gets the run's seed mixed with k, and a fresh boot. */
void start(const char *name, u64 k);
/* Run n random steps, rebooting now and then. */
void random_run(long n);
/* One call from model CSpace ccs (predicted, made, adopted, checked).
 * Returns the core's answer (also in last_rc). */
int call6(int ccs, u32 cptr, u32 label, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);
/* Environment variable `name` as a number, or dflt. */
u64 env_u64(const char *name, u64 dflt);

/* Knobs the tests turn. */
extern int hostile;   /* percent of hostile arguments (start(): 5) */
extern u32 mem_pct;   /* percent of AddrSpace invocations (25)    */
/* The driver's state the model follows. */
extern int hot_root;  /* root of the tree the driver grows (pick_hot) */
extern bool grow;     /* growth phase: few removals, so trees get big */
/* Counts for the test's report: calls made; continuations (continued later,
 * E_CONTINUE answers, left for later, abandoned); answers by code; calls
 * not made (p.skip); AddrSpace calls by label. */
extern long n_calls, n_cont[4], n_rc[E_COUNT], n_skip, n_mem[4];
extern int last_rc;

#endif
