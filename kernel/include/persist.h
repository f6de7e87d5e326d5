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
 * The first checkpoint (and the first after a restart) is written whole
 * there; later ones, with dirty tracking (P2), only pause there to take
 * the pages written since and protect them again, and are written while
 * threads run, copy-on-write (persist.c).
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
 * persistence bookkeeping (paid by no bank, not checkpointed: about 42
 * bytes per page of RAM, two bits per store block, and the copy reserve of
 * P2, 1/64 of RAM and at most 4 MiB) from the front of
 * [*ram, *ram + *bytes) and leave the rest for store_init. */
void persist_carve(void **ram, u64 *bytes, struct kernel_boot *boot);

/* Take a checkpoint now (between kernel entries). The thread `caller`, if
 * not 0, is in the checkpoint as past its SYSTEM_CHECKPOINT with resumed =
 * 1; in the running system its call is run again (E_CONTINUE) and waits
 * for the commit (persist_wait). With caller 0 it returns once committed.
 * E_OK; E_IO without a store or when it fails; E_NOMEM when the store has
 * no room (the last checkpoint stays). A checkpoint still being written is
 * finished first. */
int persist_checkpoint(oref caller);
/* The pause alone (tests): E_CONTINUE while the writer goes on
 * (persist_step, persist_busy), or the result of a full checkpoint. */
int persist_begin(void);
bool persist_busy(void);
/* One step of the writer (a kernel entry, a tick, the idle loop). */
void persist_step(void);
/* While the thread that asked for a checkpoint waits, its call runs again
 * and again (E_CONTINUE): the wait's progress is in the thread, the
 * generation in its ckpt_gen and PERSIST_WAITING | the generation in its
 * `generation` result register; when that checkpoint ends, PERSIST_DONE |
 * the generation there, and its result in the other result registers.
 * persist_waiting: is the call such a one (both agree; a new call, whose
 * register says otherwise, gives the wait up). persist_wait: E_CONTINUE
 * until the checkpoint ends (the writer takes a step), then its result,
 * *gen (0 if it failed) and the pages it wrote. */
#define PERSIST_WAITING (1ull << 63)
#define PERSIST_DONE    (1ull << 62)  /* ...and when it has ended (tell_waiter) */
bool persist_waiting(oref caller);
int persist_wait(oref caller, u64 *gen, u64 *written);

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
    u64 cycles;          /* hal_cycles of the last checkpoint's pause (all
                          * of it for a full one)                        */
    u64 work;            /* hal_cycles the writer spent after the pause,
                          * its waits for the device left out           */
    u64 copies;          /* pages copied before they changed (P2)        */
    u64 saved_now;       /* pages written at once: no reserve left       */
};
extern struct persist_stats persist_stats;

#endif
