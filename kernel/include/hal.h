/* SPDX-License-Identifier: BSD-2-Clause */
/* hal.h: the one interface between the portable core and a machine.
 *
 * Each machine (kernel/host for Linux, kernel/arch/riscv64 for QEMU virt)
 * implements exactly these functions; the core calls nothing else that is
 * machine specific. The machine calls into the core through kernel.h (the
 * target: riscv64's main.c and trap.c still use a few core functions
 * directly, see docs/design.md, section 3). */
#ifndef TETHER_HAL_H
#define TETHER_HAL_H

#include "types.h"
#include "hal_arch.h"  /* the machine's types: struct hal_regs, hal_pt_root */
#include <tether/abi.h>

/* ---- registers ---------------------------------------------------------
 * hal_arch.h gives struct hal_regs (a thread's saved user context) with a
 * u64 pc and an array x[HAL_NREGS], and names the registers of the
 * system-call ABI (include/tether/abi.h) by their role, so that the core
 * never names a machine register:
 *   REG_SYSNO    the system call number, on entry
 *   REG_MSGINFO  cap address | msginfo << 32 on entry; error | msginfo << 32
 *                on return (invocations and IPC)
 *   REG_MSG(i)   message word i (0 <= i < MSG_WORDS): consecutive entries
 *                of x[], so &x[REG_MSG(0)] is the message (invocation
 *                arguments in, results out)
 *   REG_BADGE    the badge of a received message, on return
 *   REG_ARG0     a new thread's argument (THREAD_CONFIGURE)
 *   REG_STACK    the stack pointer
 * and hal_syscall_done(r): r's pc past the system call instruction.
 * For THREAD_READ_REGS / _WRITE_REGS it also gives HAL_TREGS, the number of
 * register indices (abi.h TREG_*: TREG_OTHER plus its other registers), and
 * hal_other_reg(i), the x[] entry of index TREG_OTHER + i. */

/* The saved register of index i (abi.h TREG_*, i < HAL_TREGS) in r. */
static inline u64 *hal_treg(struct hal_regs *r, u32 i)
{
    switch (i) {
    case TREG_PC:      return &r->pc;
    case TREG_SP:      return &r->x[REG_STACK];
    case TREG_MSGINFO: return &r->x[REG_MSGINFO];
    case TREG_SYSNO:   return &r->x[REG_SYSNO];
    default:
        if (i < TREG_MSG(MSG_WORDS))
            return &r->x[REG_MSG(i - TREG_MSG(0))];
        return &r->x[hal_other_reg(i - TREG_OTHER)];
    }
}

/* Console output (SBI debug console on riscv64, stdout on the host). */
void hal_putc(char c);

/* Unrecoverable kernel bug: print and stop. Never reached from user input. */
_Noreturn void hal_panic(const char *msg);

/* Clear a range of memory (used when object storage is handed out: frames and
 * kernel objects are always zeroed before first use). */
void hal_zero(void *p, usize n);

/* ---- page tables: a cache of the core's mappings (C9, P3) ------------- */

/* Supplies one zeroed 4 KiB page (kernel address) for a page table, or NULL
 * when the bank that pays for it is exhausted. The core passes a callback
 * that charges the page to the address space's bank (S1). */
typedef void *(*hal_page_alloc)(void *ctx);
typedef void (*hal_page_free)(void *ctx, void *page);

/* Create an empty user address space: allocates the top-level table and
 * shares the kernel half. E_OK or E_NOMEM. */
int hal_pt_create(hal_pt_root *pt, hal_page_alloc alloc, void *ctx);

/* Map the 4 KiB page `frame` (kernel address of a page the core owns) at
 * user address va with rights R_READ | R_WRITE | R_EXEC (include/tether/abi.h).
 * Intermediate tables come from alloc. Returns E_OK; E_INVAL if va is not a
 * page-aligned user address or the rights are not a valid mix (none, or W
 * without R); E_FULL if va is already mapped; E_NOMEM if alloc failed (the
 * tables allocated so far stay in place, empty, and are freed by destroy). */
int hal_pt_map(hal_pt_root *pt, u64 va, void *frame, u32 rights,
               hal_page_alloc alloc, void *ctx);

/* How many page-table pages hal_pt_map(pt, va) would allocate now (0..2),
 * or -1 if a page is mapped at va already: lets the core check and charge
 * a bank before it changes anything (S1). When it returns 0 and entry is
 * not NULL, *entry names the (empty) page-table entry for va, which
 * hal_pt_set can fill without walking the tables again. */
int hal_pt_need(const hal_pt_root *pt, u64 va, void **entry);
/* Map frame with rights (as hal_pt_map, already checked) at the entry
 * hal_pt_need found; the page tables must not have changed since. */
void hal_pt_set(void *entry, void *frame, u32 rights);

/* Create the page tables a mapping at va needs (with alloc), without
 * mapping anything: E_OK, E_NOMEM, E_FULL (a large page is in the way). */
int hal_pt_prepare(hal_pt_root *pt, u64 va, hal_page_alloc alloc, void *ctx);

/* Remove the mapping at va and flush it from the TLB. E_OK, E_EMPTY if
 * nothing was mapped there, E_INVAL for a bad va. */
int hal_pt_unmap(hal_pt_root *pt, u64 va);

/* The frame mapped at user address va (any offset), its rights in *rights,
 * or NULL. */
void *hal_pt_lookup(const hal_pt_root *pt, u64 va, u32 *rights);

/* Free the page-table pages of an address space that is not active (not
 * the mapped frames: the core owns those), at most *budget of them per call
 * (*budget goes down by the number freed). Progress is kept in the tables:
 * they go bottom up, each one's entry in its parent cleared, the root last
 * (then pt->root becomes NULL). A call examines at most one table's entries
 * per page it frees, plus the root's and one more table's. E_OK when all
 * are gone (also when pt->root is NULL), E_CONTINUE otherwise. */
int hal_pt_destroy_step(hal_pt_root *pt, hal_page_free free_page, void *ctx, u32 *budget);

/* Change the rights of the page mapped at va (it must be mapped: E_EMPTY
 * otherwise) and flush it: incremental checkpoints (P2) hand out R_WRITE
 * on a first write. hal_pt_protect_all takes R_WRITE from every user page
 * of pt. */
int hal_pt_protect(hal_pt_root *pt, u64 va, u32 rights);
void hal_pt_protect_all(hal_pt_root *pt);
/* Take R_WRITE from the page mapped at va, if one is (one walk), without
 * flushing: the caller ends the batch with hal_tlb_flush_all. */
void hal_pt_take_write(hal_pt_root *pt, u64 va);

/* ---- tracking the kernel's own writes (P2) -----------------------------
 * hal_track_start: from now on the kernel's view of [region, region +
 * bytes) (page aligned) can be write-protected page by page; false if this
 * machine cannot (the host: checkpoints then compare every page). A kernel
 * store to a protected page enters the core (kernel_write_fault, kernel.h)
 * and the store is retried when it returns true. */
bool hal_track_start(void *region, u64 bytes);
/* Protect one page: it takes effect by the next hal_tlb_flush_all (a batch
 * protects many pages, then flushes once). Unprotecting is at once. */
void hal_track_protect(void *page);
void hal_track_unprotect(void *page);
/* hal_track_protect of page pages[k] of region, for k < n: one call. */
void hal_track_protect_list(void *region, const u32 *pages, u64 n);

/* Drop this CPU's cached translation of user address va (after an entry
 * was filled in: the walk may otherwise still see the old one). */
void hal_tlb_flush(u64 va);
/* Drop every cached translation of this CPU (after a batch of protections). */
void hal_tlb_flush_all(void);

/* Make pt the current address space of this CPU (NULL root: kernel only). */
void hal_pt_activate(const hal_pt_root *pt);

/* ---- the store: one block device (issue 12's persistence) ------------
 * Blocks of HAL_BLK_BYTES numbered from 0. Every request but
 * hal_blk_write_start is synchronous: it returns when the device has
 * completed it. The device may hold written
 * data in a volatile cache: a write is durable only once a later
 * hal_blk_flush has returned E_OK (until then a power failure may keep it,
 * lose it, or keep only some of its 512-byte sectors). buf is a kernel
 * address of n * HAL_BLK_BYTES bytes, any alignment, possibly many pages:
 * the machine moves it in one device request (or a few), not one per
 * block. Errors: E_INVAL for n == 0 or a range past the end (every range,
 * when there is no store); E_IO when the device fails. */
#define HAL_BLK_BYTES 4096u

/* Number of blocks on the store; 0 if there is none. */
u64 hal_blk_blocks(void);
/* Read / write blocks [blk, blk + n). */
int hal_blk_read(u64 blk, void *buf, u32 n);
int hal_blk_write(u64 blk, const void *buf, u32 n);
/* Everything written before the call is durable: E_OK (also with no store,
 * or a device without a volatile cache), or E_IO. */
int hal_blk_flush(void);
/* One write that runs while the kernel goes on (P2's background writer):
 * hal_blk_write_start posts it and returns (E_INVAL as hal_blk_write). At
 * most one is in flight; the device reads buf until it has completed, so
 * buf must not change before then. hal_blk_busy: is it still in flight
 * (it polls; false when none is). hal_blk_wait: wait for it, its status
 * (E_OK with none in flight). Every synchronous call above waits for it
 * first. */
int hal_blk_write_start(u64 blk, const void *buf, u32 n);
bool hal_blk_busy(void);
int hal_blk_wait(void);
/* hal_cycles spent so far waiting for the device (polling): a caller's
 * own CPU is its cycles less this (0 where waits take no cycles). */
u64 hal_blk_wait_cycles(void);

/* Power off the machine: status 0 = success (QEMU exits 0), otherwise QEMU
 * exits with that status. */
_Noreturn void hal_poweroff(u32 status);

/* Instruction/cycle counter (rdcycle; under QEMU -icount it counts
 * instructions). */
u64 hal_cycles(void);

#endif
