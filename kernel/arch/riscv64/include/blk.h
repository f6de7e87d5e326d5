/* SPDX-License-Identifier: BSD-2-Clause */
/* blk.h: the riscv64 store (virtio_blk.c: hal_blk_* of hal.h) and its
 * boot-time check and benchmark (blk_selftest.c). */
#ifndef TETHER_BLK_H
#define TETHER_BLK_H

#include "types.h"

/* Find the first virtio-blk device among the device tree's "virtio,mmio"
 * nodes, map its registers, negotiate and set up its queue; print one line
 * ("virtio-blk: N MiB store ..." or "virtio-blk: no store ..."). Without a
 * usable device hal_blk_blocks() is 0. Buffers passed to hal_blk_* must lie
 * in RAM [ram_base, ram_end). Boot only, before the first user address
 * space (vm_map_mmio). */
void blk_init(const void *dtb, u64 ram_base, u64 ram_end, u64 timebase_hz);

/* What the driver has done since boot (for the self-test and benchmark). */
struct blk_stats {
    u64 requests;      /* device requests completed (flushes included) */
    u64 bytes;         /* data bytes moved                             */
    u64 flushes;
    u64 wait_cycles;   /* hal_cycles() spent polling the used ring     */
};
extern struct blk_stats blk_stats;

/* The page holding the queue (kernel image, bss): for the self-test. */
const void *blk_queue_page(void);

/* The test image's boot-time check: write patterns to blocks at both ends
 * of the store (one request for 1 MiB, single blocks, an unaligned buffer),
 * flush, read back, compare, check E_INVAL; the original contents are
 * restored and flushed. Uses [scratch, scratch + bytes) (at least 4 MiB
 * of free RAM, before kernel_init owns it). Prints "virtio-blk: self-test
 * ok ..." or panics. */
void blk_selftest(u8 *scratch, u64 bytes);

/* The benchmark image's boot-time measurement: 32 MiB written in 1 MiB
 * requests + a flush, then read back; prints "bench: qemu.disk_*" lines
 * (MiB/s by the time CSR; CPU instructions per MiB, polling excluded, which
 * are instructions under -icount). Same scratch rule (>= 1 MiB). */
void blk_bench(u8 *scratch, u64 bytes, u64 timebase_hz);

#endif
