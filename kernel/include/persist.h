/* SPDX-License-Identifier: BSD-2-Clause */
/* persist.h: checkpoints of the whole system to the store, and restart
 * (DESIGN.md P1, P3; the format is include/tether/store.h, docs/store.md).
 *
 * The kernel state is one page-aligned region (obj.h: object table, buddy
 * map, page-table bits, arena) plus a few globals (the scheduler's, the
 * store's, the boot record). Between two kernel entries it is consistent,
 * so a checkpoint is taken there: at the end of the SYSTEM_CHECKPOINT
 * invocation, or on a timer tick when the interval has passed. Each page is
 * checksummed; only pages whose contents changed since the last committed
 * checkpoint are written (to blocks that checkpoint does not use), then the
 * directory blocks that changed, the manifest, a flush, the header, a flush.
 * Page-table pages are not kept: after a restart every AddrSpace starts with
 * empty tables, refilled from its mapping slots on the first access to each
 * page (aspace_refill). */
#ifndef TETHER_PERSIST_H
#define TETHER_PERSIST_H

#include <tether/store.h>
#include "kernel.h"
#include "aspace.h"
#include "sched.h"

/* The kernel's globals a checkpoint keeps beside the region (in the
 * manifest, after the directory refs; tools/storeinfo reads them too). */
struct kglobals {
    struct store st;          /* its pointers are recomputed on restore */
    u32 revocations, pad;
    struct sched_saved sched;
    struct kernel_boot boot;
};

/* The store header's kernel_id: a digest of the structure sizes and the
 * constants the checkpointed state depends on; a checkpoint with another
 * one is refused (STORE_VERSION covers the rest). Inline, so that a host
 * tool compiled with another machine's hal_arch.h gets that machine's
 * (tools/storeinfo_rv64.c). */
static inline u64 persist_kernel_id(void)
{
    const u64 v[] = {STORE_VERSION, sizeof(struct obj), sizeof(struct slot),
                     sizeof(struct thread), sizeof(struct aspace), sizeof(struct schedctx),
                     sizeof(struct kglobals), NPRIO, GRANULE, STORE_MIN, STORE_MAX_ORDER,
                     OBJ_PER_RAM, OBJ_COUNT, HAL_NREGS};
    return store_sum(v, sizeof v);
}

/* kernel_init / kernel_resume: when a store is attached, take the
 * persistence bookkeeping (paid by no bank, not checkpointed: 32 bytes per
 * page of RAM plus two bits per store block) from the front of
 * [*ram, *ram + *bytes) and leave the rest for store_init. */
void persist_carve(void **ram, u64 *bytes, struct kernel_boot *boot);

/* Write a checkpoint now (between kernel entries). The thread `caller`, if
 * not 0, sees resumed = 1 in the checkpointed copy of its SYSTEM_CHECKPOINT
 * results and 0 in the running system. E_OK; E_IO without a store or when
 * it fails; E_NOMEM when the store has no room (the last checkpoint stays). */
int persist_checkpoint(oref caller);

/* A kernel store faulted on a write-protected page at addr (P2 tracking):
 * the page is recorded as written and made writable: true. False: not a
 * page of the region (a kernel bug). */
bool persist_write_fault(u64 addr);

/* SYSTEM_CHECKPOINT asks for one at the end of this kernel entry; the
 * system call path runs it (persist_run_requested). */
void persist_request(oref caller);
extern oref persist_requested;  /* the thread that asked, or 0 */
void persist_run_requested(void);
/* Checkpoint every `ticks` timer ticks (0: only when invoked). */
void persist_set_interval(u64 ticks);
void persist_tick(void);

/* Boot from the store's newest committed checkpoint, if it has a valid one
 * that matches this kernel and machine: E_OK (the system is as it was at the
 * checkpoint; boot holds the restored boot record), else an error and the
 * caller boots fresh with kernel_init. Prints which. */
int persist_restore(void *ram, u64 bytes, struct kernel_boot *boot);

struct persist_stats {
    u64 generation;      /* the last committed checkpoint (0: none)      */
    u64 pages;           /* pages of kernel state                        */
    u64 written;         /* pages written by the last checkpoint         */
    u64 kept;            /* data pages it reused from the one before     */
    u64 dir_written;     /* directory blocks it wrote                    */
    u64 blocks_used;     /* store blocks the committed checkpoint uses   */
    u64 blocks;          /* store size in blocks                         */
    u64 cycles;          /* hal_cycles of the last checkpoint (the pause) */
};
extern struct persist_stats persist_stats;

#endif
