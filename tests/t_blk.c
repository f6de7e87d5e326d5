/* SPDX-License-Identifier: BSD-2-Clause */
/* t_blk.c: the host store (kernel/host/hal_blk.c, host_blk.h) that
 * persistence tests will crash: hal_blk_* on it, the volatile write cache,
 * power cuts (kept / dropped / torn writes), a cut at the k-th block
 * written, counters, file stores. The property every persistence test
 * relies on: data whose flush returned E_OK survives every cut, and a cut
 * never invents data (each sector holds a version that was written). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "hal.h"
#include "host_blk.h"
#include "rng.h"
#include <tether/abi.h>

#define B HAL_BLK_BYTES
#define SEC 512u
#define SPB (B / SEC)      /* sectors per block */
#define MAXB 64u

static u8 buf[MAXB * B], got[MAXB * B];

/* Contents that name themselves: every word of sector k (of the store) of
 * version v is v << 32 | k; version 0 is the zeroed store. */
static void fill(u8 *p, u64 blk, u32 n, u32 v)
{
    u64 *w = (u64 *)p;
    for (u64 i = 0; i < (u64)n * B / 8; i++)
        w[i] = v ? (u64)v << 32 | (blk * SPB + i / (SEC / 8)) : 0;
}
/* The version sector k (of the store) holds in p (its image at p), or -1
 * if its words disagree or name another sector. */
static long version_of(const u8 *sector, u64 k)
{
    const u64 *w = (const u64 *)sector;
    u64 v = w[0] >> 32;
    for (u32 i = 0; i < SEC / 8; i++)
        if (w[i] != (v ? v << 32 | k : 0))
            return -1;
    return (long)v;
}
static long durable_version(u64 k)
{
    static u8 blk[B];
    CHECK_EQ(host_blk_read_durable(k / SPB, blk, 1), E_OK);
    return version_of(blk + (k % SPB) * SEC, k);
}
static long current_version(u64 k)
{
    static u8 blk[B];
    CHECK_EQ(hal_blk_read(k / SPB, blk, 1), E_OK);
    return version_of(blk + (k % SPB) * SEC, k);
}
static int put(u64 blk, u32 n, u32 v)
{
    fill(buf, blk, n, v);
    return hal_blk_write(blk, buf, n);
}

TEST(blk_no_store_has_no_blocks)
{
    host_blk_detach();
    CHECK_EQ(hal_blk_blocks(), 0);
    CHECK_EQ(hal_blk_read(0, got, 1), E_INVAL);
    CHECK_EQ(hal_blk_write(0, buf, 1), E_INVAL);
    CHECK_EQ(hal_blk_flush(), E_OK);
    CHECK_EQ(host_blk_read_durable(0, got, 1), E_INVAL);
}

TEST(blk_write_read_flush)
{
    CHECK_EQ(host_blk_attach(MAXB), E_OK);
    CHECK_EQ(hal_blk_blocks(), MAXB);
    CHECK_EQ(put(3, 5, 1), E_OK);
    CHECK_EQ(hal_blk_read(3, got, 5), E_OK);
    CHECK(memcmp(got, buf, 5 * B) == 0);
    /* Read back, not yet durable. */
    CHECK_EQ(host_blk_pending(), 1);
    CHECK_EQ(durable_version(3 * SPB), 0);
    CHECK_EQ(hal_blk_flush(), E_OK);
    CHECK_EQ(host_blk_pending(), 0);
    CHECK_EQ(host_blk_read_durable(3, got, 5), E_OK);
    CHECK(memcmp(got, buf, 5 * B) == 0);
    /* The later of two writes to a block wins, in reads and in the flush. */
    CHECK_EQ(put(4, 1, 2), E_OK);
    CHECK_EQ(put(4, 1, 3), E_OK);
    CHECK_EQ(current_version(4 * SPB + 7), 3);
    CHECK_EQ(current_version(3 * SPB), 1);
    CHECK_EQ(hal_blk_flush(), E_OK);
    CHECK_EQ(durable_version(4 * SPB), 3);
    CHECK_EQ(durable_version(5 * SPB), 1);
    host_blk_detach();
}

TEST(blk_bad_ranges_are_einval)
{
    CHECK_EQ(host_blk_attach(8), E_OK);
    CHECK_EQ(hal_blk_read(0, got, 0), E_INVAL);
    CHECK_EQ(hal_blk_write(0, buf, 0), E_INVAL);
    CHECK_EQ(hal_blk_read(8, got, 1), E_INVAL);
    CHECK_EQ(hal_blk_write(7, buf, 2), E_INVAL);
    CHECK_EQ(hal_blk_write(~0ull, buf, 1), E_INVAL);
    CHECK_EQ(hal_blk_read(1, got, ~0u), E_INVAL);
    CHECK_EQ(hal_blk_write(7, buf, 1), E_OK);
    struct host_blk_stats st = host_blk_stats();
    CHECK_EQ(st.writes, 1);
    CHECK_EQ(st.reads, 0);
    CHECK_EQ(host_blk_pending(), 1);
    host_blk_detach();
}

TEST(blk_counters)
{
    CHECK_EQ(host_blk_attach(16), E_OK);
    CHECK_EQ(put(0, 4, 1), E_OK);
    CHECK_EQ(put(8, 2, 2), E_OK);
    CHECK_EQ(hal_blk_read(0, got, 16), E_OK);
    CHECK_EQ(hal_blk_flush(), E_OK);
    CHECK_EQ(hal_blk_flush(), E_OK);
    host_blk_power_cut(1);
    struct host_blk_stats st = host_blk_stats();
    CHECK_EQ(st.writes, 2);
    CHECK_EQ(st.blocks_written, 6);
    CHECK_EQ(st.reads, 1);
    CHECK_EQ(st.blocks_read, 16);
    CHECK_EQ(st.flushes, 2);
    CHECK_EQ(st.power_cuts, 1);
    CHECK_EQ(host_blk_attach(16), E_OK);   /* a new store starts from 0 */
    CHECK_EQ(host_blk_stats().writes, 0);
    host_blk_detach();
}

/* Eight unflushed one-block writes over flushed data, then a cut: each is
 * kept (all sectors new), dropped (all old) or torn (some of each), as the
 * cut reports; over 200 seeds each outcome happens; reads then see the
 * durable image; the flushed block beside them is untouched. */
TEST(blk_power_cut_keeps_drops_or_tears_each_write)
{
    u32 kept = 0, dropped = 0, torn = 0, mismatch = 0;
    for (u64 seed = 1; seed <= 200; seed++) {
        CHECK_EQ(host_blk_attach(16), E_OK);
        CHECK_EQ(put(0, 9, 1), E_OK);
        CHECK_EQ(hal_blk_flush(), E_OK);
        for (u32 b = 0; b < 8; b++)
            CHECK_EQ(put(b, 1, 2 + b), E_OK);
        CHECK_EQ(host_blk_pending(), 8);
        struct host_blk_cut c = host_blk_power_cut(seed);
        CHECK_EQ(c.kept + c.dropped + c.torn, 8);
        CHECK_EQ(host_blk_pending(), 0);
        u32 k = 0, d = 0, t = 0;
        for (u32 b = 0; b < 8; b++) {
            u32 olds = 0, news = 0;
            for (u32 i = 0; i < SPB; i++) {
                long v = durable_version(b * SPB + i);
                olds += v == 1;
                news += v == (long)(2 + b);
                CHECK_EQ(current_version(b * SPB + i), v);
            }
            CHECK_EQ(olds + news, SPB);
            k += news == SPB, d += olds == SPB, t += olds && news;
        }
        for (u32 i = 0; i < SPB; i++)
            CHECK_EQ(durable_version(8 * SPB + i), 1);
        mismatch += k != c.kept || d != c.dropped || t != c.torn;
        kept += k, dropped += d, torn += t;
    }
    CHECK_EQ(mismatch, 0);
    CHECK(kept > 100 && dropped > 100 && torn > 100);
    host_blk_detach();
}

TEST(blk_same_seed_same_cut)
{
    static u8 img[2][16 * B];
    u32 differ = 0;
    for (u64 seed = 10; seed < 20; seed++) {
        for (int run = 0; run < 3; run++) {
            CHECK_EQ(host_blk_attach(16), E_OK);
            for (u32 b = 0; b < 16; b += 2)
                CHECK_EQ(put(b, 2, 1 + b), E_OK);
            host_blk_power_cut(run < 2 ? seed : seed + 100);
            CHECK_EQ(host_blk_read_durable(0, img[run & 1], 16), E_OK);
            if (run == 1)
                CHECK(memcmp(img[0], img[1], sizeof img[0]) == 0);
        }
        differ += memcmp(img[0], img[1], sizeof img[0]) != 0;  /* run 2 vs run 1 */
    }
    CHECK(differ > 0);
    host_blk_detach();
}

/* Random writes and flushes, then a cut at a random moment (a power cut,
 * or host_blk_cut_after at a random block). Model per sector: the version
 * whose flush returned E_OK, and the versions written since. After the
 * cut each sector holds the flushed version or one written since, exactly
 * the flushed one if nothing was written since; reads agree. 1,000 cuts. */
TEST(blk_flushed_data_survives_every_cut)
{
    enum { NB = 24, NS = NB * SPB, MAXP = 64 };
    static long flushed[NS];
    static u32 since[NS][MAXP];
    static u32 nsince[NS];
    u32 bad = 0, torn = 0, cut_after = 0;
    rng = 0x5107e;
    for (u32 trial = 0; trial < 1000; trial++) {
        CHECK_EQ(host_blk_attach(NB), E_OK);
        memset(flushed, 0, sizeof flushed);
        memset(nsince, 0, sizeof nsince);
        u32 v = 0, ops = 1 + rn(40);
        bool dead = false;
        if (chance(50)) {
            host_blk_cut_after(1 + rn(60));
            cut_after++;
        }
        for (u32 op = 0; op < ops && !dead; op++) {
            if (chance(20)) {
                int e = hal_blk_flush();
                if (e == E_OK) {
                    for (u32 k = 0; k < NS; k++)
                        if (nsince[k])
                            flushed[k] = since[k][nsince[k] - 1], nsince[k] = 0;
                } else {
                    CHECK_EQ(e, E_IO);
                    dead = true;
                }
                continue;
            }
            u32 blk = rn(NB), n = 1 + rn(NB - blk < 6 ? NB - blk : 6);
            int e = put(blk, n, ++v);
            if (e != E_OK) {
                CHECK_EQ(e, E_IO);
                dead = true;
            }
            /* Each sector may now hold v (the first blocks of a write cut
             * short are in the cache too). */
            for (u32 k = blk * SPB; k < (blk + n) * SPB; k++)
                if (nsince[k] < MAXP)
                    since[k][nsince[k]++] = v;
        }
        if (dead) {
            CHECK(host_blk_dead());
            CHECK_EQ(hal_blk_read(0, got, 1), E_IO);
            CHECK_EQ(hal_blk_write(0, buf, 1), E_IO);
            CHECK_EQ(hal_blk_flush(), E_IO);
        }
        struct host_blk_cut c = host_blk_power_cut(rnd());
        torn += c.torn;
        CHECK(!host_blk_dead());
        for (u32 k = 0; k < NS; k++) {
            long d = durable_version(k);
            bool ok = d == flushed[k];
            for (u32 i = 0; i < nsince[k] && !ok; i++)
                ok = d == (long)since[k][i];
            if (!ok || current_version(k) != d) {
                if (bad++ < 5)
                    printf("    trial %u sector %u: holds %ld, flushed %ld, %u written since\n",
                           trial, k, d, flushed[k], nsince[k]);
            }
        }
    }
    CHECK_EQ(bad, 0);
    CHECK(torn > 100);
    CHECK(cut_after > 300);
    host_blk_detach();
}

/* host_blk_cut_after(k): the k-th block from now is where the power fails. */
TEST(blk_cut_after_k_blocks)
{
    CHECK_EQ(host_blk_attach(64), E_OK);
    CHECK_EQ(put(0, 4, 1), E_OK);
    CHECK_EQ(hal_blk_flush(), E_OK);
    host_blk_cut_after(3);
    CHECK_EQ(put(10, 2, 2), E_OK);          /* blocks 1 and 2 */
    CHECK_EQ(hal_blk_flush(), E_OK);        /* a flush writes no block */
    CHECK(!host_blk_dead());
    CHECK_EQ(put(20, 4, 3), E_IO);          /* block 3: its first; nothing of it arrives */
    CHECK(host_blk_dead());
    CHECK_EQ(host_blk_pending(), 0);
    CHECK_EQ(hal_blk_read(0, got, 1), E_IO);
    CHECK_EQ(put(30, 1, 4), E_IO);
    CHECK_EQ(hal_blk_flush(), E_IO);
    CHECK_EQ(hal_blk_read(64, got, 1), E_INVAL);   /* bad arguments first */
    struct host_blk_stats st = host_blk_stats();
    CHECK_EQ(st.blocks_written, 6);
    CHECK_EQ(st.writes, 2);
    CHECK_EQ(st.flushes, 2);
    host_blk_power_cut(5);
    CHECK(!host_blk_dead());
    CHECK_EQ(current_version(0), 1);
    CHECK_EQ(current_version(10 * SPB + 15), 2);
    CHECK_EQ(current_version(20 * SPB), 0);

    /* Cut inside a write: the blocks before the cut block reach the cache
     * (and may land), the rest never do. */
    u32 kept = 0;
    for (u64 seed = 1; seed <= 30; seed++) {
        CHECK_EQ(host_blk_attach(64), E_OK);
        host_blk_cut_after(3);
        CHECK_EQ(put(30, 5, 7), E_IO);
        CHECK_EQ(host_blk_pending(), 1);
        CHECK_EQ(host_blk_stats().blocks_written, 2);
        struct host_blk_cut c = host_blk_power_cut(seed);
        for (u32 k = 32 * SPB; k < 35 * SPB; k++)
            CHECK_EQ(durable_version(k), 0);
        if (c.kept) {
            kept++;
            CHECK_EQ(durable_version(30 * SPB), 7);
            CHECK_EQ(durable_version(32 * SPB - 1), 7);
        }
        /* The cut is over: the store counts afresh, no cut pending. */
        CHECK_EQ(put(40, 8, 8), E_OK);
    }
    CHECK(kept > 0);
    host_blk_cut_after(2);
    host_blk_cut_after(0);                  /* disarmed */
    CHECK_EQ(put(0, 8, 9), E_OK);
    host_blk_detach();
}

static char *temp_store(u64 bytes)
{
    static char path[] = "/tmp/t_blk.XXXXXX";
    strcpy(path, "/tmp/t_blk.XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_EQ(ftruncate(fd, (off_t)bytes), 0);
    close(fd);
    return path;
}

static long file_version(const char *path, u64 k)
{
    static u8 sec[SEC];
    FILE *f = fopen(path, "rb");
    long v = -2;
    if (f && fseek(f, (long)(k * SEC), SEEK_SET) == 0 && fread(sec, SEC, 1, f) == 1)
        v = version_of(sec, k);
    if (f)
        fclose(f);
    return v;
}

TEST(blk_file_store_keeps_what_was_flushed)
{
    char *path = temp_store(16 * B + 100);   /* a partial last block is ignored */
    CHECK_EQ(host_blk_attach_file(path), E_OK);
    CHECK_EQ(hal_blk_blocks(), 16);
    CHECK_EQ(put(2, 2, 1), E_OK);
    CHECK_EQ(hal_blk_flush(), E_OK);
    CHECK_EQ(file_version(path, 2 * SPB + 3), 1);
    CHECK_EQ(put(5, 1, 2), E_OK);             /* never flushed */
    CHECK_EQ(file_version(path, 5 * SPB), 0);
    host_blk_detach();
    CHECK_EQ(host_blk_attach_file(path), E_OK);
    CHECK_EQ(current_version(2 * SPB), 1);
    CHECK_EQ(current_version(4 * SPB - 1), 1);
    CHECK_EQ(current_version(5 * SPB), 0);
    /* What a power cut lands reaches the file too. */
    u32 kept = 0;
    for (u64 seed = 1; seed <= 20 && !kept; seed++) {
        CHECK_EQ(put(7, 1, 3), E_OK);
        kept = host_blk_power_cut(seed).kept;
    }
    CHECK_EQ(kept, 1);
    host_blk_detach();
    CHECK_EQ(file_version(path, 7 * SPB + 7), 3);
    unlink(path);
    CHECK_EQ(host_blk_attach_file("/nonexistent/store.img"), E_INVAL);
    CHECK_EQ(hal_blk_blocks(), 0);
}
