/* SPDX-License-Identifier: BSD-2-Clause */
/* host_blk.h: the host machine's store (kernel/host/hal_blk.c), for tests.
 *
 * The host implements hal_blk_* (hal.h) on an image in memory, or on a
 * file, and models what makes persistence hard: a disk's volatile write
 * cache and power failures.
 *
 *   durable image   what survives a power failure (for a file store: the
 *                   file's contents)
 *   write cache     every write since the last flush, in order; reads see
 *                   them, hal_blk_flush makes them durable, a power failure
 *                   decides for each one whether it landed
 *
 * One store at a time (like the one device on riscv64); without one,
 * hal_blk_blocks() is 0 and every read or write is E_INVAL. Not
 * thread-safe. */
#ifndef TETHER_HOST_BLK_H
#define TETHER_HOST_BLK_H

#include "types.h"

/* Attach a new store of `blocks` zeroed blocks in memory, replacing (and
 * detaching) any store. E_OK, or E_NOMEM. */
int host_blk_attach(u64 blocks);

/* Attach the file at path as the store: its size / HAL_BLK_BYTES blocks
 * (a partial last block is ignored). Durable writes go to the file, with
 * fdatasync at each flush; the write cache stays in memory. E_OK, E_INVAL
 * (cannot open or read it), E_NOMEM. */
int host_blk_attach_file(const char *path);

/* Unplug the store: the write cache is dropped (as by a power failure that
 * keeps nothing), the durable image is freed (a file keeps it). */
void host_blk_detach(void);

/* What a power failure did to the write cache. */
struct host_blk_cut {
    u32 kept;      /* writes that landed whole                            */
    u32 dropped;   /* writes that left no trace                           */
    u32 torn;      /* writes of which only some 512-byte sectors landed   */
};

/* The power fails now. Each write in the cache is independently kept,
 * dropped or torn (each sector lands or not; at least one does and one
 * does not), in write order, all decided by seed (the same seed gives the
 * same outcome). Then the machine comes back: the cache is empty, reads
 * see the durable image, a pending host_blk_cut_after is cancelled and a
 * dead store (below) works again. */
struct host_blk_cut host_blk_power_cut(u64 seed);

/* Arm a power failure at the k-th block written from now (k >= 1; 0
 * disarms). The write holding that block puts the blocks before it into
 * the cache and fails with E_IO; from then on the store is dead: every
 * read, write and flush fails with E_IO (chosen over silently losing them:
 * the code under test sees the failure, and whatever it believed flushed
 * before the cut really was). host_blk_power_cut then decides what of the
 * cache landed and revives the store. */
void host_blk_cut_after(u64 k);

/* Is the store dead after a host_blk_cut_after failure? */
bool host_blk_dead(void);

/* Counters since host_blk_attach: requests that succeeded (reads, writes,
 * flushes), blocks moved (blocks_written: every block that reached the
 * cache, those of a write cut short included), power cuts. */
struct host_blk_stats {
    u64 reads, blocks_read;
    u64 writes, blocks_written;
    u64 flushes;
    u64 power_cuts;
    u64 started;  /* writes started with hal_blk_write_start */
};
struct host_blk_stats host_blk_stats(void);

/* Writes in the cache now (not yet durable). */
u32 host_blk_pending(void);

/* Read blocks [blk, blk + n) of the durable image: what a power failure
 * that kept none of the cache would leave. E_OK or E_INVAL. */
int host_blk_read_durable(u64 blk, void *buf, u32 n);

#endif
