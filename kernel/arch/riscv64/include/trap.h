/* trap.h: kernel entry from traps (riscv64). */
#ifndef TETHER_TRAP_H
#define TETHER_TRAP_H

#include "types.h"

/* Install the trap vector and start the periodic timer (timebase in Hz). */
void trap_init(u64 timebase_hz);

/* Called by trap.S. */
_Noreturn void trap_user(struct hal_regs *r);
_Noreturn void trap_kernel(u64 scause, u64 stval, u64 sepc);

#endif
