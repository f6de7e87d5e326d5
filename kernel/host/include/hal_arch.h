/* hal_arch.h for the hosted machine: the same types and page-table calls as
 * kernel/arch/riscv64/include/hal_arch.h, implemented in plain C
 * (kernel/host/hal_pt.c) so that the core's thread and address-space code
 * runs in host tests. The host "CPU" is the test harness. */
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

typedef void *(*hal_page_alloc)(void *ctx);
typedef void (*hal_page_free)(void *ctx, void *page);

int hal_pt_create(hal_pt_root *pt, hal_page_alloc alloc, void *ctx);
int hal_pt_map(hal_pt_root *pt, u64 va, void *frame, u32 rights, hal_page_alloc alloc, void *ctx);
int hal_pt_unmap(hal_pt_root *pt, u64 va);
int hal_pt_need(const hal_pt_root *pt, u64 va);
void *hal_pt_lookup(const hal_pt_root *pt, u64 va, u32 *rights);
void hal_pt_destroy(hal_pt_root *pt, hal_page_free free_page, void *ctx);
void hal_pt_activate(const hal_pt_root *pt);
_Noreturn void hal_poweroff(u32 status);
u64 hal_cycles(void);

/* Host only: the page table the harness "CPU" runs on now. */
extern const hal_pt_root *host_active_pt;

#endif
