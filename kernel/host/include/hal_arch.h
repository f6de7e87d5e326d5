/* hal_arch.h for the hosted machine: the same types as riscv64's; the HAL
 * functions (kernel/include/hal.h) are implemented in plain C in
 * kernel/host/ so that the core's thread and address-space code runs in
 * host tests. The host "CPU" is the test harness. */
#ifndef TETHER_HAL_ARCH_H
#define TETHER_HAL_ARCH_H

#include "types.h"

struct hal_regs {
    u64 x[32];
    u64 pc;
};
#define REG_RA  1
#define REG_SP  2
#define REG_A0 10
#define REG_A7 17

typedef struct {
    u64 *root;
} hal_pt_root;

/* Host only: the page table the harness "CPU" runs on now. */
extern const hal_pt_root *host_active_pt;

#endif
