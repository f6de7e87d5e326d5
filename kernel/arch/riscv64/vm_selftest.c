/* SPDX-License-Identifier: BSD-2-Clause */
/* vm_selftest.c: a boot-time check of the hal_pt_* contract (hal_arch.h),
 * run once on root-bank pages, which it gives back. A failure is a kernel bug, so
 * it panics. User-visible behaviour is tested from user space (user/tests). */
#include <tether/abi.h>
#include "hal.h"
#include "hal_arch.h"
#include "kernel.h"
#include "riscv.h"
#include "vm.h"

static unsigned freed;
static hal_page_free free_fn;

static void count_free(void *ctx, void *page)
{
    free_fn(ctx, page);
    freed++;
}

#define EXPECT(cond) do { if (!(cond)) { kprintf("vm self-test: %s\n", #cond); \
                          hal_panic("vm self-test failed"); } } while (0)

void vm_selftest(hal_page_alloc alloc, hal_page_free free_page, void *ctx)
{
    hal_pt_root pt;
    u32 rights;
    void *frame = alloc(ctx);
    u64 va = 0x40000000UL;

    EXPECT(frame && hal_pt_create(&pt, alloc, ctx) == E_OK);
    EXPECT(hal_pt_lookup(&pt, va, &rights) == NULL);
    EXPECT(hal_pt_map(&pt, va, frame, R_READ | R_WRITE, alloc, ctx) == E_OK);
    EXPECT(hal_pt_lookup(&pt, va + 123, &rights) == frame && rights == (R_READ | R_WRITE));
    EXPECT(hal_pt_map(&pt, va, frame, R_READ, alloc, ctx) == E_FULL);
    EXPECT(hal_pt_map(&pt, va + 1, frame, R_READ, alloc, ctx) == E_INVAL);
    EXPECT(hal_pt_map(&pt, USER_TOP, frame, R_READ, alloc, ctx) == E_INVAL);
    EXPECT(hal_pt_map(&pt, va + PAGE_SIZE, frame, R_WRITE, alloc, ctx) == E_INVAL);
    EXPECT(hal_pt_map(&pt, va + PAGE_SIZE, frame, 0, alloc, ctx) == E_INVAL);
    EXPECT(hal_pt_map(&pt, 0, frame, R_EXEC, alloc, ctx) == E_OK);
    EXPECT(hal_pt_unmap(&pt, va) == E_OK);
    EXPECT(hal_pt_lookup(&pt, va, &rights) == NULL);
    EXPECT(hal_pt_unmap(&pt, va) == E_EMPTY);
    EXPECT(hal_pt_unmap(&pt, 0x123000UL) == E_EMPTY);
    EXPECT(hal_pt_unmap(&pt, va + 8) == E_INVAL);
    freed = 0;
    free_fn = free_page;
    /* root + (L1 + L0 for va) + (L1 + L0 for 0), two per step */
    int steps = 0, e;
    do {
        u32 budget = 2;
        e = hal_pt_destroy_step(&pt, count_free, ctx, &budget);
        EXPECT(freed == 2u * (unsigned)++steps - (e == E_OK) && budget == (e == E_OK));
    } while (e == E_CONTINUE && steps < 10);
    free_page(ctx, frame);
    EXPECT(e == E_OK && pt.root == NULL && freed == 5 && steps == 3);
    kprintf("vm: hal_pt self-test ok\n");
}
