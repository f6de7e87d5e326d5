/* SPDX-License-Identifier: BSD-2-Clause */
/* kernel.h: how a machine enters the portable core. */
#ifndef TETHER_KERNEL_H
#define TETHER_KERNEL_H

#include "obj.h"

struct kernel_boot {
    oref root_bank;      /* all storage                                   */
    oref root_cs;        /* the root task's CSpace                        */
    oref root_as;        /* its AddrSpace (kernel_root_task)              */
    oref root_thread;    /* its first thread (kernel_root_task)           */
    oref root_sc;        /* its SchedContext (ROOT_CAP_SCHEDCTX)          */
    u32 root_epoch;      /* ... and its epoch (it may be destroyed)       */
    u64 unpaid_bytes;    /* object table + allocator map: paid by no bank */
};

/* Build the object store over [ram, ram + bytes), the root bank, the System
 * and Debug objects and the root CSpace with its well-known caps (ROOT_CAP_* in
 * <tether/abi.h>; the root task's own AddrSpace and thread are made next,
 * by kernel_root_task). */
int kernel_init(void *ram, u64 bytes, struct kernel_boot *boot);

/* Instead of kernel_init: resume the store's last committed checkpoint
 * (P1): E_OK and the system is as it was (boot restored too; continue with
 * sched_next's registers, kernel_continue); else boot fresh. */
int kernel_resume(void *ram, u64 bytes, struct kernel_boot *boot);
struct hal_regs *kernel_continue(void);
/* The machine caught a kernel store to a write-protected page at addr:
 * true if it is the core's write tracking (P2: the page is now writable,
 * retry the store), false if it is a kernel bug. */
bool kernel_write_fault(u64 addr);
/* Checkpoint every `ticks` timer ticks (0: only on SYSTEM_CHECKPOINT). */
void kernel_checkpoint_every(u64 ticks);

/* Invoke the cap at cap address (cap_label & 0xffffffff) of CSpace caller_cs
 * with label (cap_label >> 32), INVOKE_ARGS words in args and INVOKE_RESULTS
 * words out. Returns an E_* code; E_CONTINUE means "call again". */
int kernel_invoke(oref caller_cs, u64 cap_label, const u64 *args, u64 *results);

/* Kernel entries from the machine (syscall.c). The current thread's user
 * registers have been saved in the struct hal_regs the previous entry
 * returned; each returns the registers to resume, or NULL: nothing can run,
 * wait for an interrupt. */
struct hal_regs;
struct hal_regs *kernel_syscall(void);
struct hal_regs *kernel_exception(u32 fault, u64 addr);  /* FAULT_* kind */
struct hal_regs *kernel_timer(void);
/* The machine has nothing to run (an entry returned NULL) and is about to
 * wait for the timer: the checkpoint writer takes a step, and if no thread
 * will ever run again, the kernel says so once (`tether: no runnable
 * thread; blocked: ...`, debug.h). True: call again rather than wait (a
 * checkpoint is still being written). */
bool kernel_idle(void);

/* Create the root task's AddrSpace and thread from the root bank with caps
 * at ROOT_CAP_ASPACE / ROOT_CAP_THREAD; the machine then loads the image
 * (kernel_boot_map) and starts it. */
int kernel_root_task(struct kernel_boot *boot);

/* Boot loading: a new frame from the root bank, mapped at va of the root
 * AddrSpace with rights (a mapping slot below the frame's master cap, like
 * any other mapping). *page = its zeroed memory, for the loader to fill.
 * ctx is the struct kernel_boot. E_OK, E_NOMEM, E_FULL, E_INVAL. */
int kernel_boot_map(void *ctx, u64 va, u32 rights, void **page);

/* Boot modules: a new frame from the root bank whose cap, a child of the
 * frame's master cap with `rights` (R_* mask), the root task finds at cap
 * address `slot` of the root CSpace (CSpace nodes charged to the root
 * bank). *page = its zeroed memory, for the machine to fill. E_OK, E_NOMEM,
 * E_FULL (the slot holds a cap, even a void one), E_INVAL (slot or
 * rights out of range). kernel_boot_frame_drop destroys such a frame
 * again (a module refused halfway): every cap of it goes. */
int kernel_boot_frame(struct kernel_boot *b, u32 slot, u32 rights, void **page);
void kernel_boot_frame_drop(struct kernel_boot *b, u32 slot);

/* Boot: a zeroed 4 KiB page charged to the root bank (NULL if none), and
 * back; for the machine's own start-up checks. */
void *kernel_boot_page(struct kernel_boot *b);
void kernel_boot_page_free(struct kernel_boot *b, void *page);

/* Start the root thread at pc with stack pointer sp and argument arg (its
 * image mapped with kernel_boot_map; riscv64 passes the boot information's
 * address); returns the registers to enter user mode with. */
struct hal_regs *kernel_start(struct kernel_boot *b, u64 pc, u64 sp, u64 arg);

/* Has the root thread stopped on a fault nobody handles? */
bool kernel_root_stopped(const struct kernel_boot *b);

/* kernel printf (%s %c %d %u %x %lu %lx %llu %llx %p). */
void kprintf(const char *fmt, ...);

#endif
