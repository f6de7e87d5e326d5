/* SPDX-License-Identifier: BSD-2-Clause */
/* hal_blk.c: the store of hal.h on the host, with a volatile write cache
 * and power failures (host_blk.h says what each call does).
 *
 * Two images of the whole store: `dur`, the durable one (mirrored to the
 * file of a file store), and `cur`, what reads see (dur with the cache
 * applied). The cache is a log of the writes since the last flush, each
 * with a copy of its data: a flush lands them all in order, a power cut
 * lands each whole, not at all, or sector by sector, then resets cur from
 * dur where the log had touched it. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <tether/abi.h>
#include "hal.h"
#include "host_blk.h"

#define SECTOR 512u
#define SECTORS (HAL_BLK_BYTES / SECTOR)

struct write {
    u64 blk;
    u32 n;
    u8 *data;
};

static struct {
    bool attached;
    u64 blocks;
    u8 *cur, *dur;
    int fd;                 /* a file store's file, else -1 */
    struct write *log;
    u32 nlog, cap;
    u64 cut_in;             /* blocks until the armed power failure, 0: none */
    bool dead;
    struct host_blk_stats st;
    /* The write started (hal_blk_write_start) and not yet done: its data
     * is read from the caller's buffer only when it completes, as a device
     * reads it by DMA, so a buffer changed too early shows in the store. */
    struct { u64 blk; const void *buf; u32 n; bool on; int err; } started;
} s = {.fd = -1};

static bool range_ok(u64 blk, u32 n)
{
    return s.attached && n && blk < s.blocks && n <= s.blocks - blk;
}

/* bytes at offset off become durable. */
static void land(u64 off, const u8 *src, u64 bytes)
{
    memcpy(s.dur + off, src, bytes);
    if (s.fd >= 0 && pwrite(s.fd, src, bytes, (off_t)off) != (ssize_t)bytes)
        hal_panic("host_blk: cannot write the store file");
}

static void drop_log(void)
{
    for (u32 i = 0; i < s.nlog; i++)
        free(s.log[i].data);
    s.nlog = 0;
}

void host_blk_detach(void)
{
    s.started.on = false;
    s.started.err = E_OK;
    drop_log();
    free(s.log);
    free(s.cur);
    free(s.dur);
    if (s.fd >= 0)
        close(s.fd);
    s.log = NULL;
    s.cap = 0;
    s.cur = s.dur = NULL;
    s.fd = -1;
    s.attached = false;
    s.blocks = 0;
    s.cut_in = 0;
    s.dead = false;
}

static int attach(u64 blocks)
{
    host_blk_detach();
    u64 bytes = blocks * HAL_BLK_BYTES;
    s.dur = calloc(1, bytes ? bytes : 1);
    s.cur = calloc(1, bytes ? bytes : 1);
    if (!s.dur || !s.cur) {
        host_blk_detach();
        return E_NOMEM;
    }
    s.blocks = blocks;
    s.attached = true;
    memset(&s.st, 0, sizeof s.st);
    return E_OK;
}

int host_blk_attach(u64 blocks)
{
    return attach(blocks);
}

int host_blk_attach_file(const char *path)
{
    int fd = open(path, O_RDWR);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return E_INVAL;
    }
    int e = attach((u64)st.st_size / HAL_BLK_BYTES);
    if (e != E_OK) {
        close(fd);
        return e;
    }
    u64 bytes = s.blocks * HAL_BLK_BYTES;
    for (u64 off = 0; off < bytes;) {
        ssize_t r = pread(fd, s.dur + off, bytes - off, (off_t)off);
        if (r <= 0) {
            close(fd);
            host_blk_detach();
            return E_INVAL;
        }
        off += (u64)r;
    }
    memcpy(s.cur, s.dur, bytes);
    s.fd = fd;
    return E_OK;
}

u64 hal_blk_blocks(void)
{
    return s.blocks;
}

static int write_now(u64 blk, const void *buf, u32 n);

int hal_blk_write_start(u64 blk, const void *buf, u32 n)
{
    int e = hal_blk_wait();
    if (e != E_OK)
        return e;
    if (!range_ok(blk, n))
        return E_INVAL;
    s.started.blk = blk, s.started.buf = buf, s.started.n = n;
    s.started.on = true;
    s.st.started++;
    return E_OK;
}

/* The started write completes: its buffer is read now. */
static void complete_started(void)
{
    s.started.on = false;
    s.started.err = write_now(s.started.blk, s.started.buf, s.started.n);
}

/* A started write is in flight until the second poll after it. */
bool hal_blk_busy(void)
{
    if (!s.started.on)
        return false;
    if (!s.started.err) {
        s.started.err = E_CONTINUE;
        return true;
    }
    complete_started();
    return false;
}

u64 hal_blk_wait_cycles(void)
{
    return 0;  /* the host store answers at once */
}

int hal_blk_wait(void)
{
    if (s.started.on)
        complete_started();
    int e = s.started.err == E_CONTINUE ? E_OK : s.started.err;
    s.started.err = E_OK;
    return e;
}

int hal_blk_read(u64 blk, void *buf, u32 n)
{
    int e = hal_blk_wait();
    if (e != E_OK)
        return e;
    if (!range_ok(blk, n))
        return E_INVAL;
    if (s.dead)
        return E_IO;
    memcpy(buf, s.cur + blk * HAL_BLK_BYTES, (u64)n * HAL_BLK_BYTES);
    s.st.reads++;
    s.st.blocks_read += n;
    return E_OK;
}

int hal_blk_write(u64 blk, const void *buf, u32 n)
{
    int e = hal_blk_wait();
    return e != E_OK ? e : write_now(blk, buf, n);
}

static int write_now(u64 blk, const void *buf, u32 n)
{
    if (!range_ok(blk, n))
        return E_INVAL;
    if (s.dead)
        return E_IO;
    u32 take = n;
    bool cut = false;
    if (s.cut_in) {
        if (s.cut_in <= n) {
            take = (u32)(s.cut_in - 1);   /* the cut block and later ones never arrive */
            cut = true;
            s.cut_in = 0;
        } else {
            s.cut_in -= n;
        }
    }
    if (take) {
        u64 bytes = (u64)take * HAL_BLK_BYTES;
        if (s.nlog == s.cap) {
            u32 cap = s.cap ? 2 * s.cap : 64;
            struct write *log = realloc(s.log, cap * sizeof *log);
            if (!log)
                hal_panic("host_blk: out of memory for the write cache");
            s.log = log;
            s.cap = cap;
        }
        u8 *copy = malloc(bytes);
        if (!copy)
            hal_panic("host_blk: out of memory for the write cache");
        memcpy(copy, buf, bytes);
        s.log[s.nlog++] = (struct write){blk, take, copy};
        memcpy(s.cur + blk * HAL_BLK_BYTES, buf, bytes);
        s.st.blocks_written += take;
    }
    if (cut) {
        s.dead = true;
        return E_IO;
    }
    s.st.writes++;
    return E_OK;
}

int hal_blk_flush(void)
{
    int e = hal_blk_wait();
    if (e != E_OK)
        return e;
    if (!s.attached)
        return E_OK;
    if (s.dead)
        return E_IO;
    for (u32 i = 0; i < s.nlog; i++)
        land(s.log[i].blk * HAL_BLK_BYTES, s.log[i].data, (u64)s.log[i].n * HAL_BLK_BYTES);
    drop_log();
    if (s.fd >= 0 && fdatasync(s.fd) != 0)
        hal_panic("host_blk: fdatasync failed on the store file");
    s.st.flushes++;
    return E_OK;
}

/* splitmix64: the power cut's dice. */
static u64 next(u64 *x)
{
    u64 z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct host_blk_cut host_blk_power_cut(u64 seed)
{
    struct host_blk_cut c = {0, 0, 0};
    s.started.on = false;  /* a write in flight never reached the device */
    s.started.err = E_OK;
    u64 x = seed;
    for (u32 i = 0; i < s.nlog; i++) {
        struct write *w = &s.log[i];
        u64 off = w->blk * HAL_BLK_BYTES, sectors = (u64)w->n * SECTORS;
        switch (next(&x) % 3) {
        case 0:
            land(off, w->data, (u64)w->n * HAL_BLK_BYTES);
            c.kept++;
            break;
        case 1:
            c.dropped++;
            break;
        default: {
            /* Each sector lands with probability 1/2; one chosen sector
             * surely does, another surely does not. */
            u64 yes = next(&x) % sectors, no = (yes + 1 + next(&x) % (sectors - 1)) % sectors;
            for (u64 k = 0; k < sectors; k++)
                if (k == yes || (k != no && (next(&x) & 1)))
                    land(off + k * SECTOR, w->data + k * SECTOR, SECTOR);
            c.torn++;
        }
        }
    }
    for (u32 i = 0; i < s.nlog; i++) {
        u64 off = s.log[i].blk * HAL_BLK_BYTES;
        memcpy(s.cur + off, s.dur + off, (u64)s.log[i].n * HAL_BLK_BYTES);
    }
    drop_log();
    if (s.fd >= 0)
        fdatasync(s.fd);
    s.cut_in = 0;
    s.dead = false;
    s.st.power_cuts++;
    return c;
}

void host_blk_cut_after(u64 k)
{
    s.cut_in = k;
}

bool host_blk_dead(void)
{
    return s.dead;
}

struct host_blk_stats host_blk_stats(void)
{
    return s.st;
}

u32 host_blk_pending(void)
{
    return s.nlog;
}

int host_blk_read_durable(u64 blk, void *buf, u32 n)
{
    if (!range_ok(blk, n))
        return E_INVAL;
    memcpy(buf, s.dur + blk * HAL_BLK_BYTES, (u64)n * HAL_BLK_BYTES);
    return E_OK;
}
