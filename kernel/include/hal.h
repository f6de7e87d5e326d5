/* hal.h: the one interface between the portable core and a machine.
 *
 * Each machine (kernel/host for Linux, kernel/arch/riscv64 for QEMU virt)
 * implements exactly these functions; the core calls nothing else that is
 * machine specific. The machine calls into the core through kernel.h. */
#ifndef TETHER_HAL_H
#define TETHER_HAL_H

#include "types.h"

/* Console output (SBI debug console on riscv64, stdout on the host). */
void hal_putc(char c);

/* Unrecoverable kernel bug: print and stop. Never reached from user input. */
_Noreturn void hal_panic(const char *msg);

/* Clear a range of memory (used when object storage is handed out: frames and
 * kernel objects are always zeroed before first use). */
void hal_zero(void *p, usize n);

#endif
