/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_store.c: libFuzzer target over the restore path (kernel_resume) with
 * damaged, stale, truncated and forged store images.
 *
 * Once, at start-up, a small system (banks, spaces, frames with data mapped,
 * an endpoint with a MAP tree, a wrapper, a server blocked in recv, a client
 * that can run) is checkpointed twice, the second time incrementally; both
 * images of the store are kept, and which blocks hold what (headers,
 * manifests, directory blocks, data pages) is read from them.
 *
 * An input is: a mode byte, then mutations, each an op byte and a target
 * byte (plus arguments) applied to one block of a copy of the newest image:
 * bytes overwritten, a word set to a value near a boundary, a bit flipped,
 * another block copied over it (misdirected write), zeroed (lost write), the
 * older image's contents (stale block), or the store truncated. Mode bit 0:
 * afterwards the checksums (directory refs, manifest, header) are made to
 * match again, so that the checks behind them are reached (the data pages'
 * are not: a page of kernel state with a matching checksum is trusted as
 * the kernel's own, see docs/store.md); bit 2: restore into more RAM (a
 * store of another machine size).
 *
 * kernel_resume must never crash (ASan/UBSan) or panic. If it returns E_OK,
 * kernel_check must pass, the system must take invocations (objects of
 * several sizes created and destroyed), and a new checkpoint of it must be
 * restorable again. Replay: build/fuzz/fuzz_store
 * <file>; TETHER_FUZZ_TRACE=1 prints the mutations and results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "tk.h"
#include "host_blk.h"
#include "persist.h"
#include "sched.h"
#include "thread.h"
#include "frame.h"
#include <tether/store.h>

#define RAM (5u << 19)  /* 2.5 MiB: a store needs 2 MiB and a little */
#define NBLK 320u  /* 1.25 MiB: room for the two checkpoints and more */

static const u8 *in;
static size_t left;
static int trace;

static u64 take(unsigned bytes)
{
    u64 v = 0;
    for (unsigned i = 0; i < bytes && left; i++, left--)
        v = v << 8 | *in++;
    return v;
}

static void fail(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_store: %s: %s\n", what, why ? why : "");
    abort();
}

/* ---- the system and its two images ----------------------------------------- */

enum { SUB = 10, CS2 = 11, AS2 = 12, FR = 13, EP = 14, SRV = 15, CLI = 16, M1 = 17, M2 = 18, W = 19,
       FR2 = 20, SYS = ROOT_CAP_SYSTEM };

static u8 *img[2];    /* the store after generation 1, after generation 2 */
static u8 *work;      /* the image an input makes                          */

/* Restores go to two RAM buffers in turn (kept: a fresh allocation per run
 * costs more than the restore), so nothing may depend on where it was. */
static u8 *ram[2];
static u32 turn;
static int resume(u64 bytes)
{
    turn ^= 1;
    return kernel_resume(ram[turn], bytes, &tk);
}

/* Blocks of an image by what they hold (per generation: 0 = older). */
struct blocks {
    u64 manifest, mnblk;
    u64 dir[16], ndir;
    u64 data[1024], ndata;
};
static struct blocks gen[2];

static u8 *blk(u8 *image, u64 b) { return image + b * STORE_BLOCK; }

static void parse(u8 *image, u32 slot, struct blocks *g)
{
    const struct store_header *h = (const struct store_header *)blk(image, slot);
    const struct store_manifest *m = (const struct store_manifest *)blk(image, h->manifest_blk);
    if (h->magic != STORE_MAGIC || m->ndir > 16)
        fail("setup", "no checkpoint in the image");
    g->manifest = h->manifest_blk;
    g->mnblk = h->manifest_nblk;
    g->ndir = m->ndir;
    g->ndata = 0;
    for (u64 d = 0; d < m->ndir; d++) {
        g->dir[d] = ((const struct store_ref *)(m + 1))[d].blk;
        const struct store_page *e = (const struct store_page *)blk(image, g->dir[d]);
        for (u32 i = 0; i < STORE_DIR_ENTRIES; i++)
            if (e[i].kind == PAGE_DATA && g->ndata < 1024)
                g->data[g->ndata++] = e[i].blk;
    }
}

static void save(u8 *image)
{
    for (u64 b = 0; b < NBLK; b++)
        if (host_blk_read_durable(b, blk(image, b), 1) != E_OK)
            fail("setup", "cannot read the store");
}

/* Thread t (root slot) makes system call n: it runs, the kernel is entered. */
static void sys(u32 t, u64 n, u64 a0, u64 w0)
{
    oref o = tk_slot(t)->obj;
    sched_switch_to(o);
    u64 *x = thread_body(o)->regs.x;
    x[REG_SYSNO] = n;
    x[REG_MSGINFO] = a0;
    x[REG_MSG(0)] = w0;
    kernel_syscall();
}

static void new_thread(u32 t, u64 pc)
{
    if (tk_create(SUB, OBJ_THREAD, t, 0) != E_OK || tk_inv(t, THREAD_CONFIGURE, CS, AS2, pc, 0, 10, 0) != E_OK ||
        tk_time(SUB, t) != E_OK || tk_inv(t, THREAD_START, 0, 0, 0, 0, 0, 0) != E_OK)
        fail("setup", "thread");
}

static void setup(void)
{
    trace = getenv("TETHER_FUZZ_TRACE") != NULL;
    if (host_blk_attach(NBLK) != E_OK)
        fail("setup", "no store");
    tk_boot(RAM);
    int e = tk_create(BANK, OBJ_BANK, SUB, 1u << 20);
    e |= tk_create(SUB, OBJ_CSPACE, CS2, 0) | tk_create(SUB, OBJ_ASPACE, AS2, 0);
    e |= tk_create(SUB, OBJ_FRAME, FR, 0) | tk_create(SUB, OBJ_FRAME, FR2, 0);
    if (e != E_OK)
        fail("setup", "objects");
    memset(frame_page(tk_slot(FR)->obj), 0x5a, 4096);
    e |= tk_inv(AS2, AS_MAP_FRAME, FR, 0x400000, R_READ | R_WRITE, 0, 0, 0);
    e |= tk_inv(AS2, AS_MAP_FRAME, FR2, 0x401000, R_READ, 0, 0, 0);
    e |= tk_create(SUB, OBJ_ENDPOINT, EP, 0) | tk_map(M1, EP, R_ALL) | tk_map(M2, M1, R_READ);
    e |= tk_inv(SUB, BANK_WRAP, CS, W, CS, EP, 0x99, R_ALL);
    if (e != E_OK)
        fail("setup", "tree");
    new_thread(SRV, 0x1000);
    new_thread(CLI, 0x2000);
    sys(SRV, SYS_RECV, EP, 0);
    if (tk_inv(SYS, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0) != E_OK)
        fail("setup", "checkpoint 1");
    ram[0] = malloc(RAM + (1u << 20));
    ram[1] = malloc(RAM + (1u << 20));
    img[0] = malloc((size_t)NBLK * STORE_BLOCK);
    img[1] = malloc((size_t)NBLK * STORE_BLOCK);
    work = malloc((size_t)NBLK * STORE_BLOCK);
    save(img[0]);
    /* The client's call reaches the server: generation 2 differs. */
    sys(CLI, SYS_INVOKE, EP | (u64)MSG_INFO(7, 0) << 32, 42);
    memset(frame_page(tk_slot(FR2)->obj), 0x33, 100);
    if (tk_inv(SYS, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0) != E_OK)
        fail("setup", "checkpoint 2");
    save(img[1]);
    parse(img[0], 1, &gen[0]);
    parse(img[1], 0, &gen[1]);
    if (trace)
        fprintf(stderr, "setup: gen 1 manifest %llu, %llu data pages; gen 2 manifest %llu, %llu data pages\n",
                (unsigned long long)gen[0].manifest, (unsigned long long)gen[0].ndata,
                (unsigned long long)gen[1].manifest, (unsigned long long)gen[1].ndata);
}

/* ---- mutations ------------------------------------------------------------- */

static u64 nblk;  /* blocks of the store the input makes */

/* The block a target byte names. */
static u64 target(u8 t)
{
    const struct blocks *g = &gen[(t >> 3) & 1];
    u8 k = (u8)take(1);
    switch (t % 8) {
    case 0: case 6: return (t >> 4) & 1;  /* a header */
    case 1: case 7: return g->manifest + k % g->mnblk;
    case 2: return g->dir[k % g->ndir];
    case 3: case 5: return g->ndata ? g->data[k % g->ndata] : g->manifest;
    default: return (k << 8 | take(1)) % NBLK;
    }
}

/* Values near the boundaries the checks draw. */
static u64 value(u8 k)
{
    const u64 v[] = {0, 1, 2, 3, 4, 7, 8, 255, 256, 4095, 4096, NBLK - 1, NBLK, NBLK + 1, RAM / 4096,
                     RAM / 512, 0x7fffffff, 0xffffffff, 1ull << 32, ~0ull, ~0ull - 1, 1ull << 63,
                     gen[1].manifest, gen[0].manifest, PAGE_CACHE + 1, STORE_MAGIC, STORE_MANIFEST_MAGIC};
    const u32 n = sizeof v / sizeof v[0];
    return k < n ? v[k] : k < 2 * n ? v[k - n] + 1 : take(8);
}

static void mutate(void)
{
    u8 op = (u8)take(1), t = (u8)take(1);
    u64 b = target(t);
    u8 *p = blk(work, b);
    u32 off = (u32)take(2) % STORE_BLOCK;
    if (trace)
        fprintf(stderr, "  op %u on block %llu at %u\n", op % 8, (unsigned long long)b, off);
    switch (op % 8) {
    case 0: {  /* bytes overwritten */
        u32 n = 1 + (u32)take(1) % 16;
        for (u32 i = 0; i < n && off + i < STORE_BLOCK; i++)
            p[off + i] = (u8)take(1);
        break;
    }
    case 1: {  /* a 64-bit field; the first 512 bytes (the structures) more often */
        u64 v = value((u8)take(1));
        memcpy(p + (op & 8 ? off % 512 : off) / 8 * 8, &v, 8);
        break;
    }
    case 2: {  /* a 32-bit field (page entries: blk, kind) */
        u32 v = (u32)value((u8)take(1));
        memcpy(p + off / 4 * 4, &v, 4);
        break;
    }
    case 3: p[off] ^= (u8)(1u << (op >> 5)); break;                     /* a bit flip    */
    case 4: memmove(p, blk(work, target((u8)take(1))), STORE_BLOCK); break;  /* misdirected */
    case 5: memset(p, 0, STORE_BLOCK); break;                             /* lost write    */
    case 6: memcpy(p, blk(img[0], b), STORE_BLOCK); break;                /* stale block   */
    default: nblk = STORE_HEADERS + off % (nblk - STORE_HEADERS + 1); break;  /* truncated */
    }
}

/* Make the checksums match the (mutated) contents again, where the
 * references are in range: directory blocks, manifest, header. Not the
 * data pages' (see the top). */
static void resum(void)
{
    for (u32 i = 0; i < STORE_HEADERS; i++) {
        struct store_header *h = (struct store_header *)blk(work, i);
        if (h->manifest_blk >= STORE_HEADERS && h->manifest_nblk >= 1 && h->manifest_nblk <= 4 &&
            h->manifest_blk + h->manifest_nblk <= NBLK) {
            struct store_manifest *m = (struct store_manifest *)blk(work, h->manifest_blk);
            struct store_ref *refs = (struct store_ref *)(m + 1);
            u64 max = (h->manifest_nblk * STORE_BLOCK - sizeof *m) / sizeof *refs;
            for (u64 d = 0; d < m->ndir && d < max; d++) {
                if (refs[d].blk < STORE_HEADERS || refs[d].blk >= NBLK)
                    continue;
                refs[d].sum = store_sum(blk(work, refs[d].blk), STORE_BLOCK);
            }
            h->manifest_sum = store_sum(m, h->manifest_nblk * STORE_BLOCK);
        }
        h->sum = store_sum(h, __builtin_offsetof(struct store_header, sum));
    }
}

/* ---- the run ----------------------------------------------------------------- */

static void check(const char *what)
{
    const char *why = kernel_check();
    if (why)
        fail(what, why);
}

/* The restored system works: invocations, a new checkpoint, which restores. */
static void exercise(void)
{
    check("after a restore that returned E_OK");
    int e = tk_inv(BANK, BANK_QUERY, 0, 0, 0, 0, 0, 0);
    if (e < 0 || e >= E_COUNT)
        fail("BANK_QUERY", "bad error code");
    /* Storage of every size taken from the restored free lists and given
     * back (a broken list is found here, if not before). */
    for (u32 i = 0; i < 8; i++) {
        static const u8 types[] = {OBJ_ENDPOINT, OBJ_FRAME, OBJ_CSPACE, OBJ_THREAD};
        e = tk_create(BANK, types[i % 4], 900 + i, 0);
        if (e < 0 || e >= E_COUNT)
            fail("BANK_CREATE", "bad error code");
    }
    for (u32 i = 0; i < 8; i++)
        if (tk_status(900 + i) == SLOT_LIVE && tk_destroy(BANK, 900 + i) != E_OK)
            fail("BANK_DESTROY", "not E_OK");
    e = tk_inv(CS, CS_INFO, EP, 0, 0, 0, 0, 0);
    if (e < 0 || e >= E_COUNT)
        fail("CS_INFO", "bad error code");
    tk_inv(SYS, SYSTEM_CHECK, 0, 0, 0, 0, 0, 0);
    check("after invocations");
    e = tk_inv(SYS, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0);
    if (trace)
        fprintf(stderr, "  checkpoint after the restore: %d\n", e);
    if (e == E_OK) {
        u64 g = persist_stats.generation;
        if (resume(RAM) != E_OK || persist_stats.generation != g)
            fail("restore of the checkpoint taken after a restore", "refused");
        check("after the second restore");
    } else if (e != E_NOMEM && e != E_IO) {
        fail("checkpoint after a restore", "bad error code");
    }
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    if (!img[0])
        setup();
    in = data, left = size;
    u8 mode = (u8)take(1);
    memcpy(work, img[1], (size_t)NBLK * STORE_BLOCK);
    nblk = NBLK;
    for (u32 n = 0; left >= 3 && n < 64; n++)
        mutate();
    if (mode & 1)
        resum();
    /* The store: the image over all of it (a new one only for a new size). */
    if ((nblk != hal_blk_blocks() && host_blk_attach(nblk) != E_OK) || hal_blk_write(0, work, (u32)nblk) != E_OK ||
        hal_blk_flush() != E_OK)
        fail("store", "cannot write the image");
    int e = resume(mode & 4 ? RAM + (1u << 20) : RAM);
    if (trace)
        fprintf(stderr, "mode %#x, %llu blocks: kernel_resume %d\n", mode, (unsigned long long)nblk, e);
    if (e == E_OK)
        exercise();
    return 0;
}
