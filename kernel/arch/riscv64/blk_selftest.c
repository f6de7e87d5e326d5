/* SPDX-License-Identifier: BSD-2-Clause */
/* blk_selftest.c: boot-time use of the store that no user task can make:
 * the test image's check of the hal_blk_* contract on the real device,
 * and the benchmark image's raw disk rates. Both run before kernel_init,
 * on free RAM the core has not taken yet (it zeroes what it hands out). */
#include <tether/abi.h>
#include "blk.h"
#include "hal.h"
#include "kernel.h"
#include "riscv.h"

#define MIB (1u << 20)
#define BPM (MIB / HAL_BLK_BYTES)   /* blocks per MiB */

/* user/tests/t_store.c checks from user space that no page of the first
 * PROBED bytes of kernel addresses can be reached: the queue must be there. */
#define PROBED (4ull * MIB)

#define EXPECT(cond) do { if (!(cond)) { kprintf("virtio-blk self-test: %s\n", #cond); \
                          hal_panic("virtio-blk self-test failed"); } } while (0)

static u64 word(u64 seed, u64 blk, u64 i)
{
    u64 x = seed ^ (blk * 0x9e3779b97f4a7c15ull) ^ (i << 40) ^ i;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    return x ^ (x >> 29);
}

/* n blocks for store blocks [blk, blk + n). */
static void fill(u8 *buf, u64 seed, u64 blk, u32 n)
{
    for (u32 b = 0; b < n; b++)
        for (u32 i = 0; i < HAL_BLK_BYTES / 8; i++) {
            u64 w = word(seed, blk + b, i);
            u8 *p = buf + (u64)b * HAL_BLK_BYTES + 8 * i;
            for (int k = 0; k < 8; k++)
                p[k] = (u8)(w >> 8 * k);   /* byte stores: buf may be unaligned */
        }
}

static bool same(const u8 *a, const u8 *b, u64 bytes)
{
    for (u64 i = 0; i < bytes; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* One call moving `blocks` blocks is exactly one device request. */
static int one_request(int (*op)(u64, void *, u32), u64 blk, void *buf, u32 n)
{
    u64 r0 = blk_stats.requests;
    int e = op(blk, buf, n);
    EXPECT(e != E_OK || blk_stats.requests == r0 + 1);
    return e;
}
static int wr(u64 blk, void *buf, u32 n)
{
    return hal_blk_write(blk, buf, n);
}

void blk_selftest(u8 *scratch, u64 bytes)
{
    u64 n = hal_blk_blocks();
    EXPECT(n >= 2 * BPM);
    EXPECT(bytes >= 4 * MIB);
    const u32 tail = 8;
    u8 *save_a = scratch, *save_b = save_a + MIB;           /* 1 MiB + 32 KiB */
    u8 *pat = save_b + tail * HAL_BLK_BYTES;                /* 1 MiB + 32 KiB */
    u8 *got = pat + MIB + tail * HAL_BLK_BYTES;             /* 1 MiB + 4 KiB */
    const u8 *qp = blk_queue_page();
    EXPECT(qp >= (const u8 *)_start && qp + 4096 <= (const u8 *)_end &&
           qp + 4096 <= (const u8 *)_start + PROBED);
    u64 seed = csr_read(time) | 1, r0 = blk_stats.requests, f0 = blk_stats.flushes;

    /* Keep what was there: the test leaves the store as it found it. */
    EXPECT(one_request(hal_blk_read, 0, save_a, BPM) == E_OK);
    EXPECT(one_request(hal_blk_read, n - tail, save_b, tail) == E_OK);

    /* 1 MiB at the start and 8 blocks at the end, one request each. */
    fill(pat, seed, 0, BPM);
    fill(pat + MIB, seed, n - tail, tail);
    EXPECT(one_request(wr, 0, pat, BPM) == E_OK);
    EXPECT(one_request(wr, n - tail, pat + MIB, tail) == E_OK);
    EXPECT(hal_blk_flush() == E_OK);
    hal_zero(got, MIB + HAL_BLK_BYTES);
    EXPECT(one_request(hal_blk_read, 0, got + 8, BPM) == E_OK);    /* unaligned buffer */
    EXPECT(same(got + 8, pat, MIB));
    EXPECT(one_request(hal_blk_read, n - tail, got, tail) == E_OK);
    EXPECT(same(got, pat + MIB, tail * HAL_BLK_BYTES));

    /* One block rewritten: its neighbours keep theirs. */
    fill(pat + 5 * HAL_BLK_BYTES, seed + 1, 5, 1);
    EXPECT(one_request(wr, 5, pat + 5 * HAL_BLK_BYTES, 1) == E_OK);
    EXPECT(hal_blk_flush() == E_OK);
    EXPECT(one_request(hal_blk_read, 4, got, 3) == E_OK);
    EXPECT(same(got, pat + 4 * HAL_BLK_BYTES, 3 * HAL_BLK_BYTES));
    fill(pat, seed, 5, 1);
    EXPECT(!same(got + HAL_BLK_BYTES, pat, HAL_BLK_BYTES));

    /* Bad ranges change nothing and reach no device. */
    u64 r1 = blk_stats.requests;
    EXPECT(hal_blk_read(0, got, 0) == E_INVAL);
    EXPECT(hal_blk_read(n, got, 1) == E_INVAL);
    EXPECT(hal_blk_read(n - 1, got, 2) == E_INVAL);
    EXPECT(hal_blk_write(~0ull, got, 1) == E_INVAL);
    EXPECT(hal_blk_write(1, got, ~0u) == E_INVAL);
    EXPECT(blk_stats.requests == r1);

    /* Put the old contents back. */
    EXPECT(one_request(wr, 0, save_a, BPM) == E_OK);
    EXPECT(one_request(wr, n - tail, save_b, tail) == E_OK);
    EXPECT(hal_blk_flush() == E_OK);
    EXPECT(one_request(hal_blk_read, 0, got, BPM) == E_OK);
    EXPECT(same(got, save_a, MIB));
    hal_zero(scratch, (u64)(got - scratch) + MIB + HAL_BLK_BYTES);
    kprintf("virtio-blk: self-test ok (%lu requests, %lu flushes; 1 MiB in one request, "
            "both ends of the store, unaligned buffer, bad ranges)\n",
            blk_stats.requests - r0, blk_stats.flushes - f0);
}

/* x / y with one decimal, as "a.b". */
static void put_rate(const char *name, u64 mib, u64 ticks, u64 timebase)
{
    u64 tenths = ticks ? (10 * mib * timebase + ticks / 2) / ticks : 0;
    kprintf("bench: qemu.%s %lu.%lu MiB/s\n", name, tenths / 10, tenths % 10);
}

#define BENCH_MIB 32u

void blk_bench(u8 *scratch, u64 bytes, u64 timebase)
{
    if (hal_blk_blocks() < BENCH_MIB * BPM || bytes < MIB) {
        kprintf("virtio-blk: benchmark skipped (needs a store of %u MiB)\n", BENCH_MIB);
        return;
    }
    fill(scratch, 7, 0, BPM);
    int err = E_OK;
    /* The last 32 MiB: a checkpoint at the start of the store survives. */
    u64 base = hal_blk_blocks() - (u64)BENCH_MIB * BPM;
    struct blk_stats s0 = blk_stats;
    u64 t0 = csr_read(time), c0 = hal_cycles();
    for (u32 i = 0; i < BENCH_MIB && err == E_OK; i++)
        err = hal_blk_write(base + (u64)i * BPM, scratch, BPM);
    if (err == E_OK)
        err = hal_blk_flush();
    u64 t1 = csr_read(time), c1 = hal_cycles();
    struct blk_stats s1 = blk_stats;
    for (u32 i = 0; i < BENCH_MIB && err == E_OK; i++)
        err = hal_blk_read(base + (u64)i * BPM, scratch, BPM);
    u64 t2 = csr_read(time);
    if (err != E_OK) {
        kprintf("virtio-blk: benchmark failed (error %d)\n", err);
        return;
    }
    /* Under -icount shift=0 hal_cycles() counts instructions; the polling
     * loop's share (waiting for the device) is left out: what remains is
     * the CPU's work per MiB. */
    u64 work = (c1 - c0) - (s1.wait_cycles - s0.wait_cycles);
    kprintf("virtio-blk: benchmark: %u MiB in %lu requests + 1 flush, %lu time ticks\n",
            BENCH_MIB, s1.requests - s0.requests - 1, t1 - t0);
    put_rate("disk_raw_mib_per_s", BENCH_MIB, t1 - t0, timebase);
    put_rate("disk_read_mib_per_s", BENCH_MIB, t2 - t1, timebase);
    kprintf("bench: qemu.disk_write_instr_per_mib %lu instructions\n", work / BENCH_MIB);
    hal_zero(scratch, MIB);
}
