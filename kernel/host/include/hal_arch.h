/* SPDX-License-Identifier: BSD-2-Clause */
/* hal_arch.h for the hosted machine (kernel/include/hal.h declares what
 * every machine provides). The host "CPU" is the test harness: it puts a
 * system call into a thread's registers and enters kernel_syscall(). Its
 * register file is its own, not riscv64's: only the roles the system-call
 * ABI needs, numbered differently, so that a core that named a RISC-V
 * register would not work here. */
#ifndef TETHER_HAL_ARCH_H
#define TETHER_HAL_ARCH_H

#include "types.h"

struct hal_regs {
    u64 pc;          /* the harness's "instruction" address            */
    u64 x[9];        /* by role: REG_* below                           */
};
#define HAL_NREGS 9

#define REG_MSGINFO 0           /* cap address | msginfo << 32 / result  */
#define REG_MSG(i)  (1 + (i))   /* the six message words, in order       */
#define REG_SYSNO   7           /* system call number on entry           */
#define REG_BADGE   7           /* badge of a received message           */
#define REG_ARG0    0           /* a new thread's argument               */
#define REG_STACK   8           /* stack pointer                         */

/* Register indices (abi.h TREG_*): the roles above are every register. */
#define HAL_TREGS TREG_OTHER
static inline u32 hal_other_reg(u32 i) { return i; }  /* never called */

/* A host "system call instruction" is 4 bytes long, like riscv64's ecall,
 * so that tests can check the pc moves past it. */
static inline void hal_syscall_done(struct hal_regs *r) { r->pc += 4; }

typedef struct {
    u64 *root;
} hal_pt_root;

/* Host only: the page table the harness "CPU" runs on now. */
extern const hal_pt_root *host_active_pt;

#endif
