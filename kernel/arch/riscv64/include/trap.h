/* SPDX-License-Identifier: BSD-2-Clause */
/* trap.h: kernel entry from traps (riscv64). */
#ifndef TETHER_TRAP_H
#define TETHER_TRAP_H

#include "hal.h"
#include "obj.h"

/* Install the trap vector; the timer ticks TICKS_PER_SECOND times a second
 * (timebase in Hz) once started; each tick is a kernel_timer() entry. */
void trap_init(u64 timebase_hz);
void trap_timer_start(void);

/* The root thread: a fault that stops it (no fault handler took it, I5)
 * powers the machine off (status 255), so a failing test image ends at
 * once instead of idling. */
struct kernel_boot;
void trap_set_root(const struct kernel_boot *b);

/* Leave the kernel to the registers a kernel entry returned; NULL: idle
 * until a timer tick gives something to run. */
_Noreturn void trap_resume(struct hal_regs *r);

/* Called by trapvec.S. */
_Noreturn void trap_user(struct hal_regs *r);
_Noreturn void trap_kernel(u64 scause, u64 stval, u64 sepc);

int trap_kernel_fault(u64 stval);

#endif
