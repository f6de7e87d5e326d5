/* SPDX-License-Identifier: BSD-2-Clause */
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
#define HAL_NREGS 32

/* The registers of the system-call ABI by role (hal.h), in the RISC-V
 * calling convention: a0..a7 are x10..x17. */
#define REG_MSGINFO 10          /* a0                                    */
#define REG_MSG(i)  (11 + (i))  /* a1..a6: the message words, in order   */
#define REG_SYSNO   17          /* a7: system call number on entry       */
#define REG_BADGE   17          /* a7: badge of a received message       */
#define REG_ARG0    10          /* a0: a new thread's argument           */
#define REG_STACK   2           /* sp                                    */

/* Register indices (abi.h TREG_*): the roles above, then the 22 others in
 * order: x1, x3..x9, x18..x31 (x0 is the zero register). */
#define HAL_TREGS (TREG_OTHER + 22u)
static inline u32 hal_other_reg(u32 i) { return i == 0 ? 1 : i < 8 ? 2 + i : 10 + i; }

/* The pc past the system call instruction (ecall is 4 bytes). */
static inline void hal_syscall_done(struct hal_regs *r) { r->pc += 4; }

/* The root of one address space's hardware page table. The table is a cache
 * of the core's mappings (DESIGN.md P3): it may be destroyed and rebuilt. */
typedef struct {
    u64 *root;   /* kernel address of the top-level table page, or NULL */
} hal_pt_root;

/* Leave the kernel: restore r and sret to U-mode. Called at the end of every
 * kernel entry (the kernel is event driven: one stack, no kernel threads). */
_Noreturn void hal_return_to_user(struct hal_regs *r);

#endif
