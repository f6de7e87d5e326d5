/* hal_arch.h: the riscv64 machine's types for the HAL (kernel/include/hal.h
 * declares the functions every machine implements). Each machine has a
 * hal_arch.h with the same names; the Makefile picks the directory. */
#ifndef TETHER_HAL_ARCH_H
#define TETHER_HAL_ARCH_H

#include "types.h"

/* A user context: the 31 general registers and the pc, saved on every kernel
 * entry from U-mode and restored on the way back. x[0] is unused (x0 is the
 * zero register); the trap code in trap.S depends on this exact layout. */
struct hal_regs {
    u64 x[32];
    u64 pc;
};
#define REG_RA  1
#define REG_SP  2
#define REG_A0 10   /* a0..a7 are x10..x17 */
#define REG_A7 17

/* The root of one address space's hardware page table. The table is a cache
 * of the core's mappings (DESIGN.md P3): it may be destroyed and rebuilt. */
typedef struct {
    u64 *root;   /* kernel address of the top-level table page, or NULL */
} hal_pt_root;

/* Leave the kernel: restore r and sret to U-mode. Called at the end of every
 * kernel entry (the kernel is event driven: one stack, no kernel threads). */
_Noreturn void hal_return_to_user(struct hal_regs *r);

#endif
