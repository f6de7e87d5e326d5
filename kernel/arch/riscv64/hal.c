/* SPDX-License-Identifier: BSD-2-Clause */
/* hal.c: the simple parts of hal.h for riscv64: console, panic, power. */
#include "hal.h"
#include "hal_arch.h"
#include "kernel.h"
#include "riscv.h"
#include "sbi.h"

void hal_putc(char c)
{
    sbi_putc(c);
}

void hal_zero(void *p, usize n)
{
    u8 *b = p;
    while (n && ((uptr)b & 7)) {
        *b++ = 0;
        n--;
    }
    for (; n >= 8; n -= 8, b += 8)
        *(u64 *)b = 0;
    while (n--)
        *b++ = 0;
}

/* The compiler may emit calls to these for structure copies and
 * initialisations, even in freestanding code; the core never calls them. */
void *memset(void *d, int c, usize n);
void *memcpy(void *d, const void *s, usize n);
void *memset(void *d, int c, usize n)
{
    volatile u8 *b = d;  /* volatile: never turned back into a memset call */
    u64 w = (u8)c * 0x0101010101010101ull;
    while (n && ((uptr)b & 7))
        *b++ = (u8)c, n--;
    for (; n >= 8; n -= 8, b += 8)
        *(volatile u64 *)b = w;
    while (n--)
        *b++ = (u8)c;
    return d;
}
void *memcpy(void *d, const void *s, usize n)
{
    volatile u8 *b = d;
    const u8 *a = s;
    if (!(((uptr)b | (uptr)a) & 7))
        for (; n >= 8; n -= 8, b += 8, a += 8)
            *(volatile u64 *)b = *(const u64 *)a;
    while (n--)
        *b++ = *a++;
    return d;
}

/* The SiFive test device: writing 0x5555 ends QEMU with exit status 0,
 * (code << 16) | 0x3333 ends it with status `code`. */
_Noreturn void hal_poweroff(u32 status)
{
    volatile u32 *test = P2V(TEST_DEV_PA);
    u32 code = status & 0xffff ? status & 0xffff : 1;   /* never 0 on failure */
    *test = status == 0 ? 0x5555 : code << 16 | 0x3333;
    for (;;)
        __asm__ volatile("wfi");
}

_Noreturn void hal_panic(const char *msg)
{
    kprintf("\npanic: %s\n", msg);
    hal_poweroff(99);
}

u64 hal_cycles(void)
{
    return csr_read(cycle);
}
