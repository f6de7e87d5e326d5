/* trap.h: kernel entry from traps (riscv64). */
#ifndef TETHER_TRAP_H
#define TETHER_TRAP_H

#include "types.h"

/* Install the trap vector; the timer ticks TICKS_PER_SECOND times a second
 * (timebase in Hz) once started, each tick preempting the running task. */
void trap_init(u64 timebase_hz);
void trap_timer_start(void);

/* Called by trap.S. */
_Noreturn void trap_user(struct hal_regs *r);
_Noreturn void trap_kernel(u64 scause, u64 stval, u64 sepc);

#endif
