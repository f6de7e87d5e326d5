/* SPDX-License-Identifier: BSD-2-Clause */
/* ckpt.h: checkpoints and restarts in the model test (tests/model/ckpt.c;
 * DESIGN.md P1..P3, docs/store.md).
 *
 * Every boot of the model attaches a new host store (kernel/host/hal_blk.c:
 * a write cache and power cuts); on some boots a small one, which fills up:
 * a checkpoint may then answer E_NOMEM, and the last one stays. The
 * driver's persistence operations:
 *   CHECKPOINT  SYSTEM_CHECKPOINT through a System cap the caller holds,
 *               predicted like any call (and now and then SYSTEM_CHECK /
 *               SYSTEM_STATS); at the commit the model records its whole
 *               state (objects, slots, the driver's pending continuations)
 *               and a copy of the kernel's region.
 *   RESTART     the kernel is torn down and a fresh one resumes from the
 *               store (kernel_resume on new host memory): the model rolls
 *               back to the state recorded at the committed checkpoint,
 *               every page table empty (P3); then the whole comparison
 *               (check_all_full), and the restored region against the copy
 *               taken at the commit, block by block (all allocated storage
 *               but page tables; a bank's usage and an AddrSpace's tables
 *               excepted, which the model checks).
 *   CUT         a checkpoint with a power cut armed after its k-th block
 *               write (each unflushed write kept, dropped or torn), then a
 *               RESTART: it must give the checkpoint before, or this one if
 *               its header landed (persist_stats.generation says which).
 *               Now and then the store comes back without a restart (a
 *               device error: E_IO) and the system goes on; a later restart
 *               may still find that checkpoint, until the next commit.
 *   REFILL      a task's first access to a page after a restart
 *               (aspace_refill, P3): the answer predicted, the page tables
 *               it allocates charged to the AddrSpace's bank (S1).
 * The model's orefs stay valid across a restart (the object table is
 * restored); everything the test holds by host address (the core's slots,
 * pages, page tables) is looked up again after one. */
#ifndef TETHER_MODEL_CKPT_H
#define TETHER_MODEL_CKPT_H

#include "predict.h"

extern u64 ck_gen;           /* the last committed generation (0: none)         */
extern bool ck_cut_armed;    /* a power cut is armed during this checkpoint      */
extern bool ck_allow_fresh;  /* a restart may find no checkpoint and boot fresh  */
extern bool ck_small_store;  /* this boot's store is small: it fills up (E_NOMEM) */

/* The driver's continuations (driver.c), rolled back with the model. */
extern struct call pend[MAXPEND];
extern int npend;
/* A fresh boot of the model and the core (driver.c). */
void model_boot(void);

/* A new boot: a new empty store (before kernel_init). */
void ck_boot(void);
/* The core answered rc to a SYSTEM_CHECKPOINT (before anything else runs):
 * record the state it holds. */
void ck_note(int rc);
/* For scripted tests: a checkpoint through the root task's System cap (its
 * answer; -1 if it holds none), a restart. */
int ck_checkpoint(void);
void ck_restart(void);
/* Maybe one persistence operation instead of a call: true if it made one. */
bool ck_step(void);
/* After a test: the store is detached (the next test boots without one
 * unless it attaches its own). */
void ck_done(void);

/* Counts for the report: checkpoints committed, restarts (plain, after a
 * cut: the new checkpoint / the one before, fresh boots), device errors
 * gone on from, refills (made, refused). */
extern long n_ck_commit, n_ck_full, n_ck_restart, n_ck_cut_new, n_ck_cut_old, n_ck_fresh, n_ck_ioerr, n_ck_refill[2];
void ck_report(void);

#endif
