/* SPDX-License-Identifier: BSD-2-Clause */
/* persist.c: checkpoint and restore of the whole system (see persist.h and
 * docs/store.md). */
#include "persist.h"
#include <tether/store.h>
#include "aspace.h"
#include "charge.h"
#include "check.h"
#include "hal.h"
#include "invoke.h"
#include "sched.h"
#include "thread.h"

#define RUN_MAX 256u  /* blocks per device request (1 MiB) */

/* Persistence bookkeeping, carved from RAM (persist_carve); none of it is
 * checkpointed. The committed directory (what the last committed checkpoint
 * holds, page by page) is kept in memory so that the next checkpoint writes
 * only what changed. */
static struct {
    bool on;
    u64 nblocks, npages, ndir, mblocks;
    struct store_page *dir, *nent;  /* committed directory; the one being built */
    struct store_ref *dref, *ndref; /* their directory blocks                    */
    u8 *used, *fresh;   /* store blocks the committed / the new checkpoint uses   */
    u64 nused, nfresh;
    u8 *mbuf;           /* the manifest                                          */
    u8 *hbuf;           /* one block: headers                                    */
    bool dir_valid;     /* dir is the committed checkpoint's                     */
    u64 cursor;         /* next block to try                                     */
    struct kernel_boot *boot;
    u64 interval, next_at;
    u64 mblk, new_mblk; /* the committed / the new manifest's first block        */
    u64 ndata;          /* data pages of the committed checkpoint               */
    u32 *chg;           /* tracked checkpoints: the pages that changed          */
    u8 *dirbits;        /* ... and the directory blocks that did                */
    bool rescan;        /* compare every page next time (after a restore, whose
                         * page-table fix-ups happened before tracking began) */
    /* The incremental checkpoint being written (P2, "copy-on-write"). */
    bool busy;          /* its pause is over, its commit not yet             */
    bool kinds_done;    /* every pending page's kind is fixed in pkind       */
    int err;            /* the first error of its writes                     */
    u64 gen;            /* its generation                                    */
    u32 *pend;          /* the pages it saves (the pause took them from
                         * store_track.list, which gets this array back)     */
    u64 npend, pcur;    /* how many; the next one the writer looks at        */
    u8 *pbits;          /* per page: pending, not yet on the device          */
    u8 *pkind;          /* per page: its kind at the pause, once fixed (K_*) */
    u32 *snap;          /* per page: 1 + the reserve slot of its copy, or 0  */
    u8 *pool;           /* the copy reserve: npool pages                     */
    u32 *pool_page;     /* the page each used slot copies                    */
    u64 npool, pool_used;
    u64 meta_lo, meta_hi; /* the pages of the buddy map and page-table bits  */
    u64 nchg;           /* pages found changed so far (chg, nent)            */
    u64 fl_k0, fl_k1;   /* the request in flight: pend[fl_k0 .. fl_k1)       */
    bool fl_on;
    u64 rk0, rblk, rn;  /* the run being built: pend[rk0 .. pcur), rn pages  */
    const u8 *rsrc;     /*   to blocks rblk.., from rsrc.. (posted when full) */
    struct kglobals gsnap; /* the globals at the pause                       */
    u64 fin_gen;        /* the last checkpoint that ended, and how           */
    int fin_err;
    u64 fin_written;
    oref waiter;        /* the thread whose SYSTEM_CHECKPOINT it is, with its */
    u32 waiter_epoch;   /*   epoch; 0: none                                  */
} P;
/* Kinds of a page that depend on the buddy map and page-table bits only. */
#define K_CACHE 1u
#define K_FREE_START 2u  /* a free block starts here: its first word is kept */
#define K_FREE 3u
#define K_CONTENT 4u     /* ZERO or DATA, by its contents */
#define WRITER_PAGES 2u  /* pages a writer step looks at: a step stays short */
#define TICK_STEPS 8u    /* writer steps per timer tick (about 8% of a tick) */
#define POOL_MAX 1024u   /* copy reserve: at most 4 MiB ... */
#define POOL_SHARE 64u   /* ... and at most 1/64 of RAM */
static u64 last_gen;  /* the newest valid header's generation on the store */
struct persist_stats persist_stats;
oref persist_requested;

static inline u64 up(u64 x, u64 a) { return (x + a - 1) / a * a; }
static inline bool bit(const u8 *m, u64 b) { return m[b / 8] >> (b % 8) & 1; }
static inline void set_bit(u8 *m, u64 b) { m[b / 8] |= (u8)(1u << (b % 8)); }
static void copy(void *d, const void *s, u64 n)
{
    if (!(((uptr)d | (uptr)s | n) & 7)) {  /* pages, and most of the rest */
        u64 *dd = d;
        const u64 *ss = s;
        for (u64 i = 0; i < n / 8; i++)
            dd[i] = ss[i];
        return;
    }
    u8 *dd = d;
    const u8 *ss = s;
    for (u64 i = 0; i < n; i++)
        dd[i] = ss[i];
}
static bool same(const void *a, const void *b, u64 n)
{
    const u64 *x = a, *y = b;
    for (u64 i = 0; i < n / 8; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

static u64 bm_bytes(void) { return up((P.nblocks + 7) / 8, 8); }

static u64 manifest_bytes(u64 ndir)
{
    return sizeof(struct store_manifest) + ndir * sizeof(struct store_ref) + sizeof(struct kglobals);
}

static bool header_ok(const struct store_header *h, u32 slot);

void persist_carve(void **ram, u64 *bytes, struct kernel_boot *boot)
{
    P.on = false;
    P.busy = false;
    P.waiter = 0;
    P.fin_gen = P.fin_written = 0;
    P.fin_err = E_OK;
    P.boot = boot;
    P.interval = 0;
    store_track.on = store_track.window = 0;  /* a new boot: nothing tracked */
    u64 nb = hal_blk_blocks();
    if (nb > 0xffffffffull)
        nb = 0xffffffffull;  /* page entries name blocks in 32 bits */
    u64 pages = *bytes / 4096, ndir = (pages + STORE_DIR_ENTRIES - 1) / STORE_DIR_ENTRIES;
    u64 npool = pages / POOL_SHARE < POOL_MAX ? pages / POOL_SHARE : POOL_MAX;
    u64 mblocks = up(manifest_bytes(ndir), STORE_BLOCK) / STORE_BLOCK;
    u64 bm = up((nb + 7) / 8, 8);
    u64 need = 2 * ndir * STORE_BLOCK + 2 * up(ndir * sizeof(struct store_ref), 8) + 2 * bm +
               mblocks * STORE_BLOCK + STORE_BLOCK +
               /* dirty tracking: written bits and list, changed pages, grants */
               up(pages / 8 + 8, 8) + 2 * 4 * pages + up(ndir / 8 + 8, 8) +
               pages * sizeof(struct track_grant) +  /* one grant per page, mostly */
               /* copy-on-write: pending list, bits, kinds, copies, the reserve */
               4 * pages + up(pages / 8 + 8, 8) + up(pages + 8, 8) + 4 * pages +
               npool * (4096 + 4);
    u8 *p = (u8 *)(((uptr)*ram + 4095) & ~(uptr)4095);
    need = up(need, 4096);
    if (nb < STORE_HEADERS + 2 * mblocks + 2 || need + (u64)(p - (u8 *)*ram) + (2u << 20) > *bytes)
        return;  /* no store, or too small: no persistence */
    hal_zero(p, (usize)need);
    P.nblocks = nb;
    P.ndir = ndir;
    P.mblocks = mblocks;
    P.dir = (struct store_page *)p;
    P.nent = P.dir + ndir * STORE_DIR_ENTRIES;
    P.hbuf = (u8 *)(P.nent + ndir * STORE_DIR_ENTRIES);
    P.mbuf = P.hbuf + STORE_BLOCK;
    P.dref = (struct store_ref *)(P.mbuf + mblocks * STORE_BLOCK);
    P.ndref = (struct store_ref *)((u8 *)P.dref + up(ndir * sizeof(struct store_ref), 8));
    P.used = (u8 *)P.ndref + up(ndir * sizeof(struct store_ref), 8);
    P.fresh = P.used + bm;
    store_track.bits = P.fresh + bm;
    store_track.list = (u32 *)(store_track.bits + up(pages / 8 + 8, 8));
    P.chg = store_track.list + pages;
    P.dirbits = (u8 *)(P.chg + pages);
    store_track.grants = (struct track_grant *)(P.dirbits + up(ndir / 8 + 8, 8));
    P.pool = (u8 *)(store_track.grants + pages);
    P.pend = (u32 *)(P.pool + npool * 4096);
    P.pbits = (u8 *)(P.pend + pages);
    P.pkind = P.pbits + up(pages / 8 + 8, 8);
    P.snap = (u32 *)(P.pkind + up(pages + 8, 8));
    P.pool_page = P.snap + pages;
    P.npool = npool;
    store_track.n = store_track.ngrants = 0;
    store_track.maxgrants = pages;
    store_track.overflow = 0;
    P.nused = P.nfresh = 0;
    P.dir_valid = false;
    P.cursor = STORE_HEADERS;
    P.on = true;
    *bytes -= (u64)(p + need - (u8 *)*ram);
    *ram = p + need;
    persist_stats.blocks = nb;
    /* A new checkpoint must outrank every valid header on the store. */
    last_gen = 0;
    for (u32 i = 0; i < STORE_HEADERS; i++) {
        const struct store_header *h = (const struct store_header *)P.hbuf;
        if (hal_blk_read(i, P.hbuf, 1) == E_OK && header_ok(h, i) && h->generation > last_gen)
            last_gen = h->generation;
    }
}

/* ---- classifying and writing pages -------------------------------------- */

/* Byte q of the region as it was at the pause of the checkpoint being
 * written: its copy if its page has one (only the buddy map and page-table
 * bits are read this way), else the byte itself. */
static inline u8 snap_byte(const u8 *q)
{
    u64 off = (u64)(q - store.region);
    u32 s = P.snap[off / 4096];
    return s ? P.pool[(u64)(s - 1) * 4096 + off % 4096] : *q;
}

/* The order of the free storage block that holds all of arena page `ap`, or
 * -1 if the page is (partly) allocated. */
static int free_order(u64 ap, u64 *start)
{
    u64 rel = ap * 4096;
    for (int k = 6; k <= STORE_MAX_ORDER; k++) {  /* 64 B << 6 = a page */
        u64 s = rel & ~(((u64)STORE_MIN << k) - 1);
        if (snap_byte(&store.map[s / STORE_MIN]) == (u8)(k + 1)) {
            *start = s;
            return k;
        }
    }
    return -1;
}

/* What the buddy map and the page-table bits make page i (K_*). */
static u8 kind_of(u64 i)
{
    const u8 *p = store.region + i * 4096;
    if (p < store.base)
        return K_CONTENT;
    u64 ap = (u64)(p - store.base) / 4096, start;
    if (snap_byte(&store.ptbits[ap / 8]) >> (ap % 8) & 1)
        return K_CACHE;
    if (free_order(ap, &start) >= 0)
        return start == ap * 4096 ? K_FREE_START : K_FREE;
    return K_CONTENT;
}

/* What page i of the region is, its contents being src (the page itself,
 * or its copy); the blk of a data page is left 0. */
static void classify(u64 i, const u8 *src, struct store_page *e)
{
    u8 k = P.pkind[i] ? P.pkind[i] : kind_of(i);
    e->blk = 0;
    e->sum = 0;
    if (k == K_CACHE) {
        e->kind = PAGE_CACHE;
        return;
    }
    if (k != K_CONTENT) {
        e->kind = PAGE_FREE;  /* only its free-list links matter */
        if (k == K_FREE_START)
            e->sum = *(const u64 *)src;
        return;
    }
    u64 any, h = store_sum_any(src, 4096, &any);
    e->kind = any ? PAGE_DATA : PAGE_ZERO;
    e->sum = any ? h : 0;
}

static inline bool taken(u64 b) { return bit(P.used, b) || bit(P.fresh, b); }

static void mark_fresh(u64 b)
{
    if (!bit(P.fresh, b)) {
        set_bit(P.fresh, b);
        P.nfresh++;
    }
}

/* n consecutive blocks that neither checkpoint uses (next fit), or 0. */
static u64 blk_alloc(u64 n)
{
    u64 b = P.cursor, seen = 0;
    while (seen < P.nblocks) {
        if (b + n > P.nblocks) {
            seen += P.nblocks - b;
            b = STORE_HEADERS;
            continue;
        }
        u64 k = 0;
        while (k < n && !taken(b + k))
            k++;
        if (k == n) {
            for (u64 j = 0; j < n; j++)
                mark_fresh(b + j);
            P.cursor = b + n;
            return b;
        }
        seen += k + 1;
        b += k + 1;
    }
    return 0;
}

/* Consecutive pages to consecutive blocks go out as one request. */
static struct { u64 blk; const u8 *src; u32 n; } run;
static int run_flush(void)
{
    int e = run.n ? hal_blk_write(run.blk, run.src, run.n) : E_OK;
    run.n = 0;
    return e;
}
static int run_add(u64 blk, const u8 *src)
{
    if (run.n && run.n < RUN_MAX && run.blk + run.n == blk && run.src + run.n * 4096u == src) {
        run.n++;
        return E_OK;
    }
    int e = run_flush();
    run.blk = blk, run.src = src, run.n = 1;
    return e;
}

/* ---- checkpoint ---------------------------------------------------------- */

static u64 *result_reg(oref caller, u32 idx)
{
    return &thread_body(caller)->regs.x[REG_MSG(idx)];
}

static bool page_changed(u64 i)
{
    const struct store_page *o = &P.dir[i], *n = &P.nent[i];
    return !P.dir_valid || o->kind != n->kind || o->sum != n->sum;
}

/* Pass 1: what every page is now, and how many blocks the checkpoint needs
 * (E_NOMEM before anything is written if the store lacks them). */
static int plan(u64 *need)
{
    u64 n = P.mblocks;
    for (u64 d = 0; d < P.ndir; d++) {
        bool changed = !P.dir_valid || !P.dref[d].blk;
        for (u64 i = d * STORE_DIR_ENTRIES; i < (d + 1) * STORE_DIR_ENTRIES && i < P.npages; i++) {
            classify(i, store.region + i * 4096, &P.nent[i]);
            if (!page_changed(i)) {
                P.nent[i].blk = P.dir[i].blk;
                continue;
            }
            changed = true;
            n += P.nent[i].kind == PAGE_DATA;
        }
        n += changed;
    }
    *need = n;
    return n > P.nblocks - STORE_HEADERS - P.nused ? E_NOMEM : E_OK;
}

/* The manifest (layout, directory refs `refs`, globals), a flush, the
 * header of generation gen, a flush: the commit. */
static void take_globals(struct kglobals *g)
{
    g->st = store;
    g->revocations = store_revocations;
    sched_save(&g->sched);
    g->boot = *P.boot;
}

static int write_commit(u64 gen, struct store_header *h, const struct store_ref *drefs, u64 ndata,
                        const struct kglobals *gs)
{
    int e;
    /* The manifest: layout, directory refs, globals. */
    struct store_manifest *m = (struct store_manifest *)P.mbuf;
    hal_zero(P.mbuf, (usize)(P.mblocks * STORE_BLOCK));
    m->magic = STORE_MANIFEST_MAGIC;
    m->generation = gen;
    m->layout.region_bytes = store.region_bytes;
    m->layout.tab_off = (u64)((u8 *)store.tab - store.region);
    m->layout.ntab = store.ntab;
    m->layout.map_off = (u64)(store.map - store.region);
    m->layout.arena_off = (u64)(store.base - store.region);
    m->layout.arena_bytes = store.bytes;
    m->npages = P.npages;
    m->ndir = P.ndir;
    m->globals_bytes = sizeof(struct kglobals);
    m->pages_data = ndata;
    struct store_ref *refs = (struct store_ref *)(m + 1);
    copy(refs, drefs, P.ndir * sizeof *refs);
    copy(refs + P.ndir, gs, sizeof *gs);
    u64 mb = P.new_mblk ? P.new_mblk : blk_alloc(P.mblocks);  /* taken at the pause, if any */
    if (!mb)
        return E_NOMEM;
    P.new_mblk = mb;
    if ((e = hal_blk_write(mb, P.mbuf, (u32)P.mblocks)) != E_OK || (e = hal_blk_flush()) != E_OK)
        return e;

    /* Commit: the header, then a flush. */
    hal_zero(h, STORE_BLOCK);
    h->magic = STORE_MAGIC;
    h->version = STORE_VERSION;
    h->generation = gen;
    h->kernel_id = persist_kernel_id();
    h->store_blocks = P.nblocks;
    h->manifest_blk = mb;
    h->manifest_nblk = P.mblocks;
    h->manifest_sum = store_sum(P.mbuf, P.mblocks * STORE_BLOCK);
    h->sum = store_sum(h, __builtin_offsetof(struct store_header, sum));
    if ((e = hal_blk_write(gen % 2, h, 1)) != E_OK)
        return e;
    return hal_blk_flush();
}

/* Pass 2: the pages and directory blocks that changed, the manifest. */
static int write_all(u64 gen, struct store_header *h)
{
    int e = E_OK;
    hal_zero(P.fresh, (usize)bm_bytes());
    P.nfresh = 0;
    persist_stats.written = persist_stats.kept = persist_stats.dir_written = 0;
    for (u64 i = 0; i < P.npages && e == E_OK; i++) {
        struct store_page *n = &P.nent[i];
        if (n->kind != PAGE_DATA)
            continue;
        if (n->blk) {  /* unchanged: the committed block is kept */
            mark_fresh(n->blk);
            persist_stats.kept++;
            continue;
        }
        u64 b = blk_alloc(1);
        if (!b)
            return E_NOMEM;
        n->blk = (u32)b;
        persist_stats.written++;
        e = run_add(b, store.region + i * 4096);
    }
    if (e == E_OK)
        e = run_flush();
    for (u64 d = 0; d < P.ndir && e == E_OK; d++) {
        const struct store_page *blk = &P.nent[d * STORE_DIR_ENTRIES];
        if (P.dir_valid && P.dref[d].blk && same(blk, &P.dir[d * STORE_DIR_ENTRIES], STORE_BLOCK)) {
            P.ndref[d] = P.dref[d];
            mark_fresh(P.dref[d].blk);
            continue;
        }
        u64 b = blk_alloc(1);
        if (!b)
            return E_NOMEM;
        P.ndref[d].blk = b;
        P.ndref[d].sum = store_sum(blk, STORE_BLOCK);
        persist_stats.dir_written++;
        e = hal_blk_write(b, blk, 1);
    }
    if (e != E_OK)
        return e;

    take_globals(&P.gsnap);
    return write_commit(gen, h, P.ndref, persist_stats.written + persist_stats.kept, &P.gsnap);
}

/* ---- incremental checkpoints, copy-on-write (P2) -------------------------
 * With dirty tracking on, a checkpoint looks only at the pages written since
 * the last one (store_track.list). Its stop-the-world part, the pause
 * (begin_tracked), takes that list and the globals and write-protects the
 * listed pages again (the kernel's view, the user write grants): nothing is
 * read or written there. The writer (writer_step) then saves the pages
 * while threads run: at kernel entries of the waiting caller, on timer
 * ticks and in the idle loop, with one device request in flight
 * (hal_blk_write_start). A page about to change before it is saved is
 * copied into the copy reserve first (store_cow), and its copy is saved;
 * so are pages of the buddy map and page-table bits, from which the writer
 * tells each page's kind as it was at the pause. A page in the request in
 * flight waits for the device instead. With the reserve used up, a page is
 * saved at once (a synchronous write), and the kinds of the pages not yet
 * looked at are fixed (classify_rest) before the buddy map may change.
 * When every page is saved: the directory blocks that changed, the
 * manifest with the globals of the pause, a flush, the header, a flush
 * (tracked_commit). The committed directory is changed in place; P.nent
 * keeps the old entries (and P.ndref the old directory refs) until the
 * commit, so a failure puts everything back. */

static inline void clear_bit(u8 *m, u64 b) { m[b / 8] &= (u8)~(1u << (b % 8)); }

/* The blocks of this round are the committed checkpoint's now, and the
 * blocks they replace are free. */
static void release(u64 b)
{
    if (b && bit(P.used, b)) {
        clear_bit(P.used, b);
        P.nused--;
    }
}
static void adopt(u64 b)
{
    clear_bit(P.fresh, b);
    if (!bit(P.used, b)) {
        set_bit(P.used, b);
        P.nused++;
    }
}

static void post_run(void);
static void writer_run(void);

static inline bool is_meta(u64 i) { return i >= P.meta_lo && i < P.meta_hi; }

/* Page i's contents at the pause: its copy, or the page (unchanged since). */
static const u8 *source(u64 i)
{
    return P.snap[i] ? P.pool + (u64)(P.snap[i] - 1) * 4096 : store.region + i * 4096;
}

/* Page i as it was at the pause, found changed (or not) against the
 * committed directory: a change is recorded in chg/nent, and the directory
 * block it is in marked. The entry of a data page still needs its block. */
static struct store_page *note(u64 i, const u8 *src)
{
    struct store_page e;
    classify(i, src, &e);
    if (e.kind == P.dir[i].kind && e.sum == P.dir[i].sum)
        return NULL;
    P.chg[P.nchg] = (u32)i;
    P.nent[P.nchg] = e;
    set_bit(P.dirbits, i / STORE_DIR_ENTRIES);
    return &P.nent[P.nchg++];
}

/* The request in flight is done (status e): its pages are saved. */
static void flight_done(int e)
{
    P.fl_on = false;
    if (e != E_OK) {
        if (P.err == E_OK)
            P.err = e;
        return;
    }
    for (u64 k = P.fl_k0; k < P.fl_k1; k++)
        clear_bit(P.pbits, P.pend[k]);
}

static void flight_wait(void)
{
    if (P.fl_on)
        flight_done(hal_blk_wait());
}

/* Save pending page i now, synchronously (no reserve left for a copy). */
static void save_now(u64 i)
{
    flight_wait();
    struct store_page *n = note(i, store.region + i * 4096);
    clear_bit(P.pbits, i);
    if (!n || n->kind != PAGE_DATA || P.err != E_OK)
        return;
    u64 b = blk_alloc(1);
    int e = b ? hal_blk_write(b, store.region + i * 4096, 1) : E_NOMEM;
    n->blk = (u32)b;
    persist_stats.written++;
    persist_stats.saved_now++;
    if (e != E_OK && P.err == E_OK)
        P.err = e;
}

/* Fix the kind of every pending page not yet looked at, from the buddy map
 * and page-table bits as they still are: they are about to change, and no
 * copy of them can be taken. */
static void classify_rest(void)
{
    for (u64 k = P.pcur; k < P.npend; k++)
        P.pkind[P.pend[k]] = kind_of(P.pend[k]);
    P.kinds_done = true;
}

void store_cow(u64 i)
{
    if (!P.busy || P.snap[i])
        return;
    if (bit(P.pbits, i) && (P.fl_on || P.rn)) {
        post_run();     /* it may be in the run being built, */
        flight_wait();  /* and the device may be reading it  */
        if (P.snap[i])
            return;
    }
    bool meta = is_meta(i) && !P.kinds_done;
    if (!bit(P.pbits, i) && !meta)
        return;  /* saved already, or not part of this checkpoint */
    if (P.pool_used < P.npool) {
        u64 slot = P.pool_used++;
        copy(P.pool + slot * 4096, store.region + i * 4096, 4096);
        P.pool_page[slot] = (u32)i;
        P.snap[i] = (u32)(slot + 1);
        persist_stats.copies++;
        return;
    }
    if (meta)
        classify_rest();
    if (bit(P.pbits, i))
        save_now(i);
}

/* Give the pages back to tracking: protected again (pages the kernel wrote
 * since the pause were unprotected by their faults), and the user write
 * grants taken back. */
static void revoke_grants(void)
{
    struct store_track *t = &store_track;
    oref as = 0;
    hal_pt_root *pt = NULL;
    for (u64 k = 0; k < t->ngrants && !t->overflow; k++) {
        const struct track_grant *g = &t->grants[k];
        if (g->as != as) {  /* grants come in runs of one AddrSpace */
            const struct obj *x = obj_get(g->as);
            as = g->as;
            pt = x->state == OS_LIVE && x->type == OBJ_ASPACE ? &aspace_body(as)->pt : NULL;
        }
        if (pt)
            hal_pt_take_write(pt, (u64)g->vpn << 12);
    }
    if (t->overflow)
        for (oref o = 1; o < store.ntab; o++)
            if (obj_get(o)->state == OS_LIVE && obj_get(o)->type == OBJ_ASPACE)
                hal_pt_protect_all(&aspace_body(o)->pt);
    t->ngrants = 0;
    t->overflow = 0;
    hal_tlb_flush_all();  /* for these and the protections before them */
}

/* After a committed full checkpoint: every page written since is protected
 * again, and the user write grants taken back. */
static void track_rearm(void)
{
    struct store_track *t = &store_track;
    for (u64 k = 0; k < t->n; k++) {
        u32 i = t->list[k];
        clear_bit(t->bits, i);
        hal_track_protect(store.region + (u64)i * 4096);
    }
    t->n = 0;
    revoke_grants();
    if (sched_cur)
        store_writable(&thread_body(sched_cur)->regs);  /* the next trap saves them */
}

/* Dirty tracking starts once a checkpoint is committed (or restored): the
 * whole region is protected, and every user page loses R_WRITE. */
static void track_begin(void)
{
    if (store_track.on || !hal_track_start(store.region, store.region_bytes))
        return;
    store_track.on = 1;
    for (u64 i = 0; i < store.region_bytes / 4096; i++)
        hal_track_protect(store.region + i * 4096);
    store_track.n = 0;
    store_track.ngrants = 0;
    store_track.overflow = 1;  /* grants made before were not recorded */
    track_rearm();
}

/* The blocks a checkpoint of the pages written since the last one needs
 * exactly: the changed data pages, their directory blocks, the manifest
 * (each listed page classified: only when the store is nearly full). */
static u64 exact_need(void)
{
    const struct store_track *t = &store_track;
    u64 need = P.mblocks;
    for (u64 k = 0; k < t->n; k++) {
        u32 i = t->list[k];
        struct store_page e;
        classify(i, store.region + (u64)i * 4096, &e);
        if (e.kind == P.dir[i].kind && e.sum == P.dir[i].sum)
            continue;
        need += e.kind == PAGE_DATA;
        if (!bit(P.dirbits, i / STORE_DIR_ENTRIES)) {
            set_bit(P.dirbits, i / STORE_DIR_ENTRIES);
            need++;
        }
    }
    for (u64 k = 0; k < t->n; k++)
        clear_bit(P.dirbits, t->list[k] / STORE_DIR_ENTRIES);
    return need;
}

/* The pause: E_NOMEM (nothing done) if the store lacks room for the pages
 * written since the last checkpoint that changed and their directory
 * blocks (counted exactly only when a bound says it might). */
static int begin_tracked(u64 gen)
{
    struct store_track *t = &store_track;
    u64 n = t->n, room = P.nblocks - STORE_HEADERS - P.nused;
    if (n + (n < P.ndir ? n : P.ndir) + P.mblocks > room && exact_need() > room)
        return E_NOMEM;
    /* The manifest's blocks must be consecutive: taken now, so that a
     * fragmented store says so here, not after the writing. */
    P.new_mblk = blk_alloc(P.mblocks);
    if (!P.new_mblk)
        return E_NOMEM;
    take_globals(&P.gsnap);
    u32 *l = P.pend;
    P.pend = t->list;
    t->list = l;
    P.npend = n;
    t->n = 0;
    for (u64 k = 0; k < n; k++) {
        u32 i = P.pend[k];
        clear_bit(t->bits, i);
        set_bit(P.pbits, i);
    }
    hal_track_protect_list(store.region, P.pend, n);
    revoke_grants();
    P.pcur = P.nchg = P.pool_used = P.rn = 0;
    P.fl_on = P.kinds_done = false;
    P.err = E_OK;
    P.gen = gen;
    P.busy = true;
    t->window = 1;
    P.meta_lo = (u64)(store.map - store.region) / 4096;
    P.meta_hi = (u64)(store.base - store.region) / 4096;
    persist_stats.written = persist_stats.kept = persist_stats.dir_written = 0;
    persist_stats.copies = persist_stats.saved_now = persist_stats.work = 0;
    if (sched_cur)
        store_writable(&thread_body(sched_cur)->regs);  /* the next trap saves them */
    return E_OK;
}

/* The changed entries go into the directory (the old ones into nent, for
 * undo), the directory blocks that changed and the manifest are written,
 * the header commits; then the blocks are the committed checkpoint's, or
 * (failure) everything is as before. */
static int tracked_commit(int e)
{
    struct store_header *h = (struct store_header *)P.hbuf;
    u64 nchg = P.nchg;
    for (u64 k = 0; k < nchg; k++) {
        struct store_page old = P.dir[P.chg[k]];
        P.dir[P.chg[k]] = P.nent[k];
        P.nent[k] = old;
    }
    for (u64 k = 0; k < nchg && e == E_OK; k++) {
        u64 d = P.chg[k] / STORE_DIR_ENTRIES;
        if (!bit(P.dirbits, d))
            continue;  /* written already */
        clear_bit(P.dirbits, d);
        u64 b = blk_alloc(1);
        if (!b) {
            e = E_NOMEM;
            break;
        }
        P.ndref[d] = P.dref[d];
        P.dref[d].blk = b;
        P.dref[d].sum = store_sum(&P.dir[d * STORE_DIR_ENTRIES], STORE_BLOCK);
        persist_stats.dir_written++;
        e = hal_blk_write(b, &P.dir[d * STORE_DIR_ENTRIES], 1);
    }
    u64 ndata = P.ndata;
    for (u64 k = 0; k < nchg; k++)
        ndata += (P.dir[P.chg[k]].kind == PAGE_DATA) - (P.nent[k].kind == PAGE_DATA);
    if (e == E_OK)
        e = write_commit(P.gen, h, P.dref, ndata, &P.gsnap);
    /* Commit (the header landed) or undo; either way no block stays fresh. */
    for (u64 k = nchg; k-- > 0;) {
        u32 i = P.chg[k];
        u64 d = i / STORE_DIR_ENTRIES;
        bool dir_new = P.dref[d].blk != P.ndref[d].blk && bit(P.fresh, P.dref[d].blk);
        if (e == E_OK) {
            if (P.nent[k].kind == PAGE_DATA)
                release(P.nent[k].blk);
            if (P.dir[i].kind == PAGE_DATA)
                adopt(P.dir[i].blk);
            if (dir_new) {
                release(P.ndref[d].blk);
                adopt(P.dref[d].blk);
                P.ndref[d] = P.dref[d];
            }
        } else {
            if (P.dir[i].kind == PAGE_DATA && P.dir[i].blk && bit(P.fresh, P.dir[i].blk))
                clear_bit(P.fresh, P.dir[i].blk);
            P.dir[i] = P.nent[k];
            if (dir_new) {
                clear_bit(P.fresh, P.dref[d].blk);
                P.dref[d] = P.ndref[d];
            }
        }
        clear_bit(P.dirbits, d);
    }
    for (u64 j = 0; j < P.mblocks && P.new_mblk; j++) {
        if (e == E_OK)
            release(P.mblk + j);
    }
    for (u64 j = 0; j < P.mblocks && P.new_mblk; j++) {
        if (e == E_OK)
            adopt(P.new_mblk + j);
        else
            clear_bit(P.fresh, P.new_mblk + j);
    }
    if (e == E_OK) {
        P.mblk = P.new_mblk;
        P.ndata = ndata;
    }
    P.nfresh = 0;
    return e;
}

/* Checkpoint gen ended with e (full or incremental): remembered for its
 * caller, and if it committed it is the store's newest. */
static void ended(u64 gen, int e)
{
    P.fin_gen = gen;
    P.fin_err = e;
    P.fin_written = persist_stats.written;
    if (e == E_OK) {
        last_gen = gen;
        persist_stats.generation = gen;
        persist_stats.blocks_used = P.nused;
    } else if (e == E_IO) {
        kprintf("tether: checkpoint %lu: store I/O error; generation %lu stays\n", gen, last_gen);
    }
}

/* The thread that asked for the checkpoint that just ended with e, if it
 * still waits for it, gets its answer in its registers (PERSIST_DONE, the
 * error in its `resumed` result, the pages written): its call, run again,
 * returns it (persist_wait), whatever checkpoint comes before that. */
static void tell_waiter(int e)
{
    oref t = P.waiter;
    P.waiter = 0;
    const struct obj *x = t ? obj_get(t) : NULL;
    if (!x || x->state != OS_LIVE || x->type != OBJ_THREAD || x->epoch != P.waiter_epoch)
        return;  /* gone */
    u64 *g = result_reg(t, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, generation));
    if (thread_body(t)->ckpt_gen != (u32)P.gen || *g != (PERSIST_WAITING | P.gen))
        return;  /* it gave the wait up */
    *g = PERSIST_DONE | P.gen;
    *result_reg(t, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, resumed)) = (u64)(u32)e;
    *result_reg(t, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, written)) = persist_stats.written;
}

/* The checkpoint in progress ended with e: the reserve is free again, and
 * after a failure its pages are written-since-the-last-checkpoint again. */
static void end_tracked(int e)
{
    e = tracked_commit(e);
    for (u64 k = 0; k < P.npend; k++) {
        u32 i = P.pend[k];
        clear_bit(P.pbits, i);
        P.pkind[i] = 0;
        if (e != E_OK) {
            store_written(i);
            hal_track_unprotect(store.region + (u64)i * 4096);
        }
    }
    for (u64 s = 0; s < P.pool_used; s++)
        P.snap[P.pool_page[s]] = 0;
    P.pool_used = 0;
    P.busy = false;
    store_track.window = 0;
    if (e == E_OK)
        persist_stats.kept = P.ndata - persist_stats.written;
    ended(P.gen, e);
    tell_waiter(e);
}


/* One step of the writer: reap the request in flight if it is done, look
 * at the next pages (writer_run), post a run, or, with every page saved,
 * commit. Its progress is in P: a step is short (WRITER_PAGES pages). */
static void writer_step(void)
{
    if (P.fl_on && !hal_blk_busy())
        flight_done(hal_blk_wait());
    u64 t0 = hal_cycles(), w0 = hal_blk_wait_cycles();
    writer_run();
    persist_stats.work += hal_cycles() - t0 - (hal_blk_wait_cycles() - w0);
}

/* Post the run being built (at most one request is in flight). */
static void post_run(void)
{
    if (!P.rn || P.err != E_OK)
        return;
    flight_wait();
    int e = hal_blk_write_start(P.rblk, P.rsrc, (u32)P.rn);
    if (e == E_OK) {
        P.fl_on = true;
        P.fl_k0 = P.rk0;
        P.fl_k1 = P.pcur;
    } else if (P.err == E_OK) {
        P.err = e;
    }
    P.rn = 0;
}

/* Look at the next WRITER_PAGES pages: each one unchanged or not data is
 * done with; a changed data page joins the run being built (consecutive
 * addresses to consecutive blocks, at most RUN_MAX), which is posted when
 * it cannot grow. With every page looked at and written: commit. */
static void writer_run(void)
{
    for (u32 looked = 0; P.err == E_OK && P.pcur < P.npend && looked < WRITER_PAGES;) {
        u64 i = P.pend[P.pcur];
        if (!P.rn)
            P.rk0 = P.pcur;
        if (!bit(P.pbits, i)) {
            P.pcur++;  /* saved at once already */
            continue;
        }
        const u8 *src = source(i);
        if (P.rn && (P.rn == RUN_MAX || src != P.rsrc + P.rn * 4096 || P.cursor != P.rblk + P.rn ||
                     P.cursor >= P.nblocks || taken(P.cursor))) {
            if (P.fl_on)
                return;  /* the next step posts it */
            post_run();  /* it cannot grow: this page starts the next one */
            continue;
        }
        looked++;
        struct store_page *e = note(i, src);
        if (!e || e->kind != PAGE_DATA) {
            clear_bit(P.pbits, i);  /* nothing to write */
            P.pcur++;
            if (P.rn && !P.fl_on)
                post_run();  /* pend[rk0 .. pcur) is one run no more */
            else if (P.rn)
                return;
            continue;
        }
        u64 b = blk_alloc(1);
        if (!b) {
            P.err = E_NOMEM;
            break;
        }
        e->blk = (u32)b;
        persist_stats.written++;
        if (!P.rn)
            P.rblk = b, P.rsrc = src;
        P.rn++;
        P.pcur++;
    }
    if (P.rn && !P.fl_on && (P.rn == RUN_MAX || P.pcur == P.npend))
        post_run();
    if (P.err != E_OK) {
        flight_wait();  /* the device must be done with the pages */
        P.rn = 0;
        end_tracked(P.err);
    } else if (P.pcur == P.npend && !P.rn && !P.fl_on) {
        end_tracked(E_OK);
    }
}

bool persist_busy(void)
{
    return P.busy;
}

void persist_step(void)
{
    if (P.busy)
        writer_step();
}

/* Finish the checkpoint in progress, waiting for the device. */
static void drain(void)
{
    while (P.busy) {
        flight_wait();
        writer_step();
    }
}

bool persist_write_fault(u64 addr)
{
    const u8 *p = (const u8 *)(uptr)addr;
    if (!store_track.on || p < store.region || p >= store.region + store.region_bytes)
        return false;
    u64 page = (u64)(p - store.region) / 4096;
    store_changing(page);
    hal_track_unprotect(store.region + page * 4096);
    return true;
}

/* A full checkpoint (the first one, or the first after a restore: every
 * page is looked at, stop-the-world). */
static int full_checkpoint(u64 gen)
{
    u64 need;
    P.new_mblk = 0;
    persist_stats.copies = persist_stats.saved_now = persist_stats.work = 0;
    int e = plan(&need);
    if (e == E_OK)
        e = write_all(gen, (struct store_header *)P.hbuf);
    run.n = 0;
    if (e == E_OK) {
        /* Committed: the new directory is the committed one. */
        struct store_page *d = P.dir;
        P.dir = P.nent, P.nent = d;
        struct store_ref *r = P.dref;
        P.dref = P.ndref, P.ndref = r;
        u8 *u = P.used;
        P.used = P.fresh, P.fresh = u;
        P.nused = P.nfresh;
        P.nfresh = 0;
        hal_zero(P.fresh, (usize)bm_bytes());
        P.dir_valid = true;
        P.rescan = false;
        P.mblk = P.new_mblk;
        P.ndata = persist_stats.written + persist_stats.kept;
        if (store_track.on)
            track_rearm();
        else
            track_begin();
    }
    ended(gen, e);
    return e;
}

/* Take a checkpoint: the pause of an incremental one (E_CONTINUE: the
 * writer goes on) or a whole full one. The thread `caller`, if not 0, is
 * in the checkpoint as past its SYSTEM_CHECKPOINT with resumed = 1; in the
 * running system it calls again and waits (persist_wait). */
static int start(oref caller)
{
    drain();
    u64 t0 = hal_cycles(), gen = last_gen + 1;
    P.npages = store.region_bytes / 4096;
    struct thread *th = caller ? thread_body(caller) : NULL;
    struct hal_regs saved;
    if (th) {
        if (store_track.on)
            store_writable(&th->regs);  /* in this checkpoint's pages */
        saved = th->regs;
        th->regs.x[REG_MSGINFO] = E_OK;
        *result_reg(caller, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, generation)) = gen;
        *result_reg(caller, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, resumed)) = 1;
        *result_reg(caller, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, written)) = 0;
        *result_reg(caller, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, pages)) = P.npages;
        hal_syscall_done(&th->regs);
    }
    int e;
    if (store_track.on && P.dir_valid && !P.rescan) {
        e = begin_tracked(gen);
        if (e == E_OK) {
            if (th)
                store_cow((u64)((u8 *)&th->regs - store.region) / 4096);
            e = E_CONTINUE;
        } else {
            ended(gen, e);  /* refused at the pause */
        }
    } else {
        e = full_checkpoint(gen);
    }
    if (th) {  /* in the running system: on its call, waiting */
        th->regs = saved;
        *result_reg(caller, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, generation)) = PERSIST_WAITING | gen;
        th->ckpt_gen = (u32)gen;
        P.waiter = e == E_CONTINUE ? caller : 0;
        P.waiter_epoch = obj_get(caller)->epoch;
    }
    persist_stats.pages = P.npages;
    persist_stats.cycles = hal_cycles() - t0;
    return e;
}

int persist_checkpoint(oref caller)
{
    if (!P.on)
        return E_IO;
    int e = start(caller);
    if (e == E_CONTINUE && !caller) {
        drain();
        e = P.fin_err;
    }
    return e;
}

int persist_begin(void)
{
    return P.on ? start(0) : E_IO;
}

bool persist_waiting(oref caller)
{
    struct thread *th = thread_body(caller);
    u64 token = *result_reg(caller, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, generation));
    if (th->ckpt_gen && (token == (PERSIST_WAITING | th->ckpt_gen) || token == (PERSIST_DONE | th->ckpt_gen)))
        return true;
    th->ckpt_gen = 0;  /* a new call: the one that waited was given up */
    return false;
}

int persist_wait(oref caller, u64 *gen, u64 *written)
{
    struct thread *th = thread_body(caller);
    u64 g = th->ckpt_gen, *token = result_reg(caller, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, generation));
    if (*token == (PERSIST_WAITING | g) && P.busy && (u32)P.gen == g) {
        writer_step();  /* may end it: tell_waiter */
        if (P.busy)
            return E_CONTINUE;
    }
    th->ckpt_gen = 0;
    if (*token != (PERSIST_DONE | g)) {
        *gen = *written = 0;
        return E_IO;  /* its checkpoint ended without it (cannot happen) */
    }
    int e = (int)*result_reg(caller, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, resumed));
    *gen = e == E_OK ? g : 0;
    *written = *result_reg(caller, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, written));
    return e;
}

void persist_request(oref caller)
{
    persist_requested = caller;
}

void persist_run_requested(void)
{
    oref t = persist_requested;
    persist_requested = 0;
    int e = persist_checkpoint(t);
    if (e != E_CONTINUE && t) {
        /* Over already (full, or refused): the call returns now. */
        struct thread *th = thread_body(t);
        th->ckpt_gen = 0;
        th->regs.x[REG_MSGINFO] = (u64)e;
        *result_reg(t, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, generation)) = e == E_OK ? P.fin_gen : 0;
        *result_reg(t, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, resumed)) = 0;
        *result_reg(t, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, written)) = P.fin_written;
        *result_reg(t, TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, pages)) = P.npages;
        hal_syscall_done(&th->regs);
    }
}

void persist_set_interval(u64 ticks)
{
    P.interval = ticks;
    P.next_at = sched_now + ticks;
}

void persist_tick(void)
{
    if (P.busy) {
        for (u32 k = 0; k < TICK_STEPS && P.busy; k++)
            writer_step();
        return;
    }
    if (!P.interval || sched_now < P.next_at)
        return;
    P.next_at = sched_now + P.interval;
    if (P.on)
        start(0);
}

/* ---- restore ------------------------------------------------------------- */

/* Is h a well-formed header (in its own slot) for this device? */
static bool header_ok(const struct store_header *h, u32 slot)
{
    return h->magic == STORE_MAGIC && h->version == STORE_VERSION &&
           h->sum == store_sum(h, __builtin_offsetof(struct store_header, sum)) &&
           h->generation > 0 && h->store_blocks <= P.nblocks &&
           h->manifest_blk >= STORE_HEADERS && h->manifest_nblk >= 1 &&
           h->manifest_blk + h->manifest_nblk <= P.nblocks && h->generation % 2 == slot;
}

static void use_block(u64 b)
{
    if (!bit(P.used, b)) {
        set_bit(P.used, b);
        P.nused++;
    }
}

/* Read and check the checkpoint header h names into memory. NULL: all is
 * restored but the globals; else why it is refused. */
static const char *load(const struct store_header *h, struct kglobals **gout)
{
    if (h->kernel_id != persist_kernel_id())
        return "written by a kernel with another structure layout";
    if (h->manifest_nblk != P.mblocks)
        return "manifest size differs (another machine size)";
    if (hal_blk_read(h->manifest_blk, P.mbuf, (u32)P.mblocks) != E_OK)
        return "cannot read the manifest";
    if (store_sum(P.mbuf, P.mblocks * STORE_BLOCK) != h->manifest_sum)
        return "manifest checksum mismatch (torn or stale)";
    const struct store_manifest *m = (const struct store_manifest *)P.mbuf;
    if (m->magic != STORE_MANIFEST_MAGIC || m->generation != h->generation)
        return "not a manifest of this generation";
    if (m->layout.region_bytes != store.region_bytes || m->layout.ntab != store.ntab ||
        m->layout.tab_off != (u64)((u8 *)store.tab - store.region) ||
        m->layout.map_off != (u64)(store.map - store.region) ||
        m->layout.arena_off != (u64)(store.base - store.region) ||
        m->layout.arena_bytes != store.bytes || m->npages != P.npages || m->ndir != P.ndir ||
        m->globals_bytes != sizeof(struct kglobals))
        return "written on a machine with another memory layout";
    const struct store_ref *refs = (const struct store_ref *)(m + 1);
    P.nused = 0;
    hal_zero(P.used, (usize)bm_bytes());
    for (u64 j = 0; j < P.mblocks; j++)
        use_block(h->manifest_blk + j);
    for (u64 d = 0; d < P.ndir; d++) {
        struct store_page *blk = &P.dir[d * STORE_DIR_ENTRIES];
        if (refs[d].blk < STORE_HEADERS || refs[d].blk >= P.nblocks)
            return "directory block out of range";
        if (hal_blk_read(refs[d].blk, blk, 1) != E_OK)
            return "cannot read a directory block";
        if (store_sum(blk, STORE_BLOCK) != refs[d].sum)
            return "directory block checksum mismatch";
        P.dref[d] = refs[d];
        use_block(refs[d].blk);
    }
    for (u64 i = 0; i < P.npages; i++) {
        const struct store_page *e = &P.dir[i];
        if (e->kind > PAGE_CACHE || (e->kind == PAGE_DATA && (e->blk < STORE_HEADERS || e->blk >= P.nblocks)))
            return "bad page entry";
    }
    /* The pages: runs of consecutive blocks for consecutive pages are read
     * with one request. */
    for (u64 i = 0; i < P.npages;) {
        const struct store_page *e = &P.dir[i];
        u8 *page = store.region + i * 4096;
        if (e->kind != PAGE_DATA) {
            if (e->kind == PAGE_ZERO)
                hal_zero(page, 4096);
            else if (e->kind == PAGE_FREE)
                *(u64 *)page = e->sum;  /* the free-list links; the rest is never read */
            i++;
            continue;
        }
        u64 n = 1;
        while (i + n < P.npages && n < RUN_MAX && P.dir[i + n].kind == PAGE_DATA &&
               P.dir[i + n].blk == e->blk + n)
            n++;
        if (hal_blk_read(e->blk, page, (u32)n) != E_OK)
            return "cannot read a page";
        for (u64 j = 0; j < n; j++) {
            if (store_sum(page + j * 4096, 4096) != P.dir[i + j].sum)
                return "page checksum mismatch";
            use_block(P.dir[i + j].blk);
        }
        i += n;
    }
    *gout = (struct kglobals *)((u8 *)(refs + P.ndir));
    return NULL;
}

/* What the restore and kernel_check rely on but do not check themselves,
 * checked on the restored region before anything is made live: each page's
 * kind agrees with the restored buddy map and page-table bits; every table
 * entry in use has a type, a live word that agrees with its state, and a
 * body in the arena; the free lists hold exactly the blocks the map says are
 * free; the boot record names a live root bank and root CSpace. */
static const char *structure_ok(const struct kglobals *g)
{
    for (u64 i = 0; i < P.npages; i++) {
        const u8 *p = store.region + i * 4096;
        u32 k = P.dir[i].kind;
        u64 ap = (u64)(p - store.base) / 4096, start;
        if (p < store.base ? k == PAGE_FREE || k == PAGE_CACHE
                           : (k == PAGE_CACHE) != store_is_pt(ap) || (k == PAGE_FREE) != (free_order(ap, &start) >= 0))
            return "a page's kind disagrees with the buddy map or the page-table bits";
    }
    u64 nfree = 0;
    for (oref o = 1; o < store.ntab; o++) {
        const struct obj *x = obj_get(o);
        u64 off = (u64)x->body * GRANULE, size = (u64)STORE_MIN << (x->order & 31);
        if (x->state == OS_FREE) {
            nfree++;
            if (x->live != OBJ_NOT_LIVE)
                return "a free object-table entry is live";
        } else if (x->state > OS_DYING || x->live != (x->state == OS_LIVE ? x->epoch : OBJ_NOT_LIVE) ||
                   !x->type || x->type >= OBJ_COUNT || x->order > STORE_MAX_ORDER || !x->body ||
                   off % size || off + size > store.bytes || x->bank >= store.ntab) {
            return "a bad object-table entry";
        }
    }
    u64 n = 0;
    for (oref o = g->st.free_obj; o; o = obj_get(o)->next)
        if (o >= store.ntab || obj_get(o)->state != OS_FREE || ++n > nfree)
            return "a bad free list of object-table entries";
    u64 blocks = 0, bytes = 0;
    for (int k = 0; k <= STORE_MAX_ORDER; k++) {
        u64 size = (u64)STORE_MIN << k;
        sref prev = 0;
        for (sref r = g->st.free[k]; r; prev = r, r = *(const sref *)sref_ptr(r)) {
            u64 off = (u64)r * GRANULE;
            if (off % size || off + size > store.bytes || store.map[off / STORE_MIN] != (u8)(k + 1) ||
                ((const sref *)sref_ptr(r))[1] != prev || ++blocks > store.bytes / STORE_MIN)
                return "a bad free list of storage";
            bytes += size;
        }
    }
    for (u64 m = 0; m < store.bytes / STORE_MIN; m++)
        blocks -= store.map[m] != 0;
    if (blocks || bytes != g->st.free_bytes)
        return "the free lists of storage disagree with the buddy map";
    if (g->boot.root_bank >= store.ntab || g->boot.root_cs >= store.ntab)
        return "inconsistent boot record";
    const struct obj *b = obj_get(g->boot.root_bank), *c = obj_get(g->boot.root_cs);
    if (b->state != OS_LIVE || b->type != OBJ_BANK || c->state != OS_LIVE || c->type != OBJ_CSPACE)
        return "inconsistent boot record";
    return NULL;
}

/* The restored state, made live: globals, then page tables (P3). */
static const char *resume(const struct kglobals *g, struct kernel_boot *boot)
{
    if (g->st.ntab != store.ntab || g->st.bytes != store.bytes || g->st.free_obj >= store.ntab ||
        g->sched.cur >= store.ntab || g->sched.release_head >= store.ntab)
        return "inconsistent globals";
    for (int k = 0; k <= STORE_MAX_ORDER; k++)
        if ((u64)g->st.free[k] * GRANULE >= store.bytes)
            return "inconsistent free lists";
    for (u32 i = 0; i < NPRIO; i++)
        if (g->sched.head[i] >= store.ntab || g->sched.tail[i] >= store.ntab)
            return "inconsistent run queues";
    const char *why = structure_ok(g);
    if (why)
        return why;
    for (int k = 0; k <= STORE_MAX_ORDER; k++)
        store.free[k] = g->st.free[k];
    store.free_bytes = g->st.free_bytes;
    store.free_obj = g->st.free_obj;
    store.live_objs = g->st.live_objs;
    store.watches = g->st.watches;
    store_revocations = g->revocations;
    sched_load(&g->sched);
    *boot = g->boot;
    if (boot->root_thread >= store.ntab)
        return "inconsistent boot record";

    /* Page tables were not kept: every AddrSpace forgets its own (its bank
     * is credited), their pages go back to the free storage, and each live
     * AddrSpace gets an empty root, filled on demand (aspace_refill). */
    for (oref o = 1; o < store.ntab; o++) {
        const struct obj *x = obj_get(o);
        if (x->state != OS_FREE && x->type == OBJ_ASPACE)
            aspace_drop_page_tables(o);
    }
    for (u64 ap = 0; ap < store.bytes / 4096; ap++)
        if (store_is_pt(ap)) {
            void *page = store.base + ap * 4096;
            store_mark_pt(page, false);
            store_free(ptr_sref(page), 6);
        }
    for (oref o = 1; o < store.ntab; o++) {
        const struct obj *x = obj_get(o);
        if (x->state == OS_LIVE && x->type == OBJ_ASPACE && aspace_new_page_tables(o) != E_OK)
            return "no storage for a page-table root";
    }
    why = kernel_check();
    if (!why)
        sched_reactivate();
    return why;
}

int persist_restore(void *ram, u64 bytes, struct kernel_boot *boot)
{
    persist_carve(&ram, &bytes, boot);
    if (!P.on) {
        kprintf("tether: no store: booting fresh\n");
        return E_IO;
    }
    store_locate(ram, bytes);
    P.npages = store.region_bytes / 4096;
    /* The newest valid header first; if its checkpoint is refused, the other. */
    struct store_header h[2];
    bool ok[2];
    for (u32 i = 0; i < 2; i++) {
        ok[i] = hal_blk_read(i, P.hbuf, 1) == E_OK;
        copy(&h[i], P.hbuf, sizeof h[i]);
        ok[i] = ok[i] && header_ok(&h[i], i);
    }
    if (!ok[0] && !ok[1]) {
        kprintf("tether: fresh store\n");
        return E_EMPTY;
    }
    u32 first = !ok[0] || (ok[1] && h[1].generation > h[0].generation);
    const char *why = NULL;
    for (u32 k = 0; k < 2; k++) {
        u32 i = k ? !first : first;
        if (!ok[i])
            continue;
        struct kglobals *g = NULL;
        why = load(&h[i], &g);
        if (!why)
            why = resume(g, boot);
        if (!why) {
            P.dir_valid = true;
            P.rescan = true;
            P.mblk = h[i].manifest_blk;
            P.ndata = 0;
            for (u64 j = 0; j < P.npages; j++)
                P.ndata += P.dir[j].kind == PAGE_DATA;
            track_begin();
            P.cursor = STORE_HEADERS;
            persist_stats.generation = h[i].generation;
            persist_stats.blocks_used = P.nused;
            persist_stats.pages = P.npages;
            kprintf("tether: resumed checkpoint generation %lu (%lu pages of kernel state)\n",
                    h[i].generation, P.npages);
            return E_OK;
        }
        kprintf("tether: checkpoint generation %lu refused: %s\n", h[i].generation, why);
    }
    kprintf("tether: booting fresh\n");
    return E_INVAL;
}
