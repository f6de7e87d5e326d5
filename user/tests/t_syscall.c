/* SPDX-License-Identifier: BSD-2-Clause */
/* t_syscall.c: the system call boundary: null calls, bad user pointers,
 * unknown numbers, register preservation, invocations into the core. */
#include "harness.h"
#include "layout.h"
#include "tether.h"
#include "ulib.h"

#define KERNEL_VA   0xffffffc080200000UL   /* the kernel image */
#define DMAP_VA     0xffffffc000000000UL   /* start of the kernel half */
#define UNMAPPED_VA 0x50000000UL
#define NONCANON_VA 0x8000000000UL         /* beyond Sv39's 39 bits */

long regs_survive_syscall(long number);    /* regs.S */

static long raw(uint64_t num, uint64_t a0, uint64_t a1)
{
    uint64_t in[7] = { a0, a1 };
    return tether_syscall(num, in, 0);
}

TEST(null_syscall_yield)
{
    for (int i = 0; i < 10; i++)
        CHECK_EQ(tether_yield(), E_OK);
}

TEST(write_ok)
{
    static const char msg[] = "  (SYS_WRITE from user mode)\n";
    CHECK_EQ(tether_write(msg, sizeof msg - 1), E_OK);
    CHECK_EQ(tether_write(msg, 0), E_OK);
}

TEST(write_kernel_pointer_faults)
{
    CHECK_EQ(tether_write((void *)KERNEL_VA, 8), E_FAULT);
    CHECK_EQ(tether_write((void *)DMAP_VA, 1), E_FAULT);
    CHECK_EQ(tether_write((void *)-1UL, 1), E_FAULT);
}

TEST(write_unmapped_pointer_faults)
{
    CHECK_EQ(tether_write((void *)UNMAPPED_VA, 8), E_FAULT);
    CHECK_EQ(tether_write(0, 1), E_FAULT);
    CHECK_EQ(tether_write((void *)NONCANON_VA, 1), E_FAULT);
}

TEST(write_huge_length_is_refused)
{
    static const char buf[8] = "xxxxxxx";
    CHECK_EQ(tether_write(buf, ~0UL), E_INVAL);            /* > 4 KiB per call */
    CHECK_EQ(tether_write(buf, 1UL << 40), E_INVAL);
    CHECK_EQ(tether_write(buf, 4097), E_INVAL);
    CHECK_EQ(tether_write((void *)-8UL, 16), E_FAULT);      /* wraps around */
}

TEST(write_range_crossing_into_unmapped_faults)
{
    /* The last 4 bytes of the stack, and 4 beyond its top: nothing printed. */
    CHECK_EQ(tether_write((void *)(USER_STACK_TOP - 4), 8), E_FAULT);
    CHECK_EQ(tether_write((void *)(USER_STACK_TOP - USER_STACK_PAGES * 4096 - 4), 8), E_FAULT);
}

TEST(write_readonly_page_ok)
{
    /* SYS_WRITE only reads: read-only data and text are fine sources. */
    static const char ro[] = "  (SYS_WRITE from .rodata)\n";
    CHECK_EQ(tether_write(ro, sizeof ro - 1), E_OK);
}

/* One past the largest number in syscalls.def. */
static uint64_t first_unused_syscall(void)
{
    static const uint64_t nums[] = {
#define X(name, val, doc) val,
#include <tether/syscalls.def>
#undef X
    };
    uint64_t max = 0;
    for (unsigned i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (nums[i] > max)
            max = nums[i];
    return max + 1;
}

TEST(unknown_syscall)
{
    CHECK_EQ(raw(first_unused_syscall(), 0, 0), E_SYSCALL);
    CHECK_EQ(raw(99, 0, 0), E_SYSCALL);
    CHECK_EQ(raw(~0UL, 0, 0), E_SYSCALL);
    CHECK_EQ(raw(1UL << 32, 0, 0), E_SYSCALL);          /* not SYS_INVOKE */
    CHECK_EQ(raw((1UL << 32) | SYS_WRITE, 0, 1), E_SYSCALL);
}

TEST(registers_survive_syscalls)
{
    CHECK_EQ(regs_survive_syscall(SYS_YIELD), 0);
    CHECK_EQ(regs_survive_syscall(99), 0);
}

TEST(invoke_bad_cap)
{
    uint64_t r[4];
    CHECK_EQ(tether_invoke(CAP_ADDR_LIMIT, BANK_QUERY, 0, r), E_BADCAP);
    CHECK_EQ(tether_invoke(0xffffffffu, BANK_QUERY, 0, r), E_BADCAP);
    CHECK_EQ(tether_invoke(ROOT_CAP_FIRST_FREE, BANK_QUERY, 0, r), E_EMPTY);
}

TEST(invoke_root_bank_query)
{
    uint64_t r[4] = { 0 };
    CHECK_EQ(tether_invoke(ROOT_CAP_BANK, BANK_QUERY, 0, r), E_OK);
    CHECK(r[0] > 0);            /* usage: at least the root CSpace */
    CHECK(r[1] >= r[0]);        /* limit */
    printf("  root bank: usage %lu, limit %lu, objects %lu\n", r[0], r[1], r[2]);
    CHECK_EQ(tether_invoke(ROOT_CAP_BANK, 0xffff, 0, r), E_LABEL);
}
