/* SPDX-License-Identifier: BSD-2-Clause */
/* fixture.h: shared setup for the unit tests that run threads
 * (tests/fixture.c). Tasks are built in the root CSpace with tk.h's calls,
 * each step CHECKed; the harness plays the CPU: sys() and sys6() make a
 * thread the running one, put a system call in its registers and enter the
 * kernel (kernel_syscall), as the trap from user mode would. */
#ifndef TETHER_FIXTURE_H
#define TETHER_FIXTURE_H

#include "tk.h"
#include "sched.h"
#include "thread.h"

#define MB (1ull << 20)

/* The object a root-CSpace slot names, as a thread, and that thread's state. */
oref obj(u32 slot);
struct thread *th(u32 slot);
u32 state(u32 slot);

/* ---- tasks ---- */
/* CSpace cs and AddrSpace as (root-CSpace slots) paid by bank. */
void new_spaces(u32 bank, u32 cs, u32 as);
/* Thread t from bank, configured to run in CSpace cs and AddrSpace as
 * (root-CSpace slots) at pc with priority prio (stack 0, argument 0); not
 * started. */
void new_thread(u32 bank, u32 t, u32 cs, u32 as, u64 pc, u64 prio);
/* Thread t's receive windows, no fault handler: ncap cap slots from cap
 * address cwin, memory window at mwin of 2^mlog2 pages (MWIN_OFF: none). */
void set_windows(u32 t, u32 cwin, u32 ncap, u64 mwin, u64 mlog2);
void start_thread(u32 t);

/* ---- the harness as the CPU ---- */
/* Enter the kernel with system call n from thread `slot`, which must be the
 * running one: a7 = n, a0, a1..a6 = the message words w (NULL: zeros). */
struct hal_regs *trap(u32 slot, u64 n, u64 a0, const u64 w[6]);
/* Make thread `slot` (it must be runnable) the running one and trap. */
struct hal_regs *sys6(u32 slot, u64 n, u64 a0, const u64 w[6]);
/* The same with four message words (the others zero). */
struct hal_regs *sys(u32 slot, u64 n, u64 a0, u64 w0, u64 w1, u64 w2, u64 w3);
/* The a0 of a message: cap, label and number of items. */
u64 msg(u32 cap, u64 label, u64 items);
/* Thread `slot`'s a0 (after a system call: its answer). */
u64 a0(u32 slot);

#endif
