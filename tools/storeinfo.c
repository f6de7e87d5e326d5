/* SPDX-License-Identifier: BSD-2-Clause */
/* storeinfo.c: inspect a Tether store image without booting it.
 *
 *   storeinfo STORE.img          headers, the newest committed checkpoint's
 *                                manifest, and every checksum of it
 *   storeinfo --tree STORE.img   the same, then the checkpointed banks,
 *                                objects and capability slots
 *
 * The format is include/tether/store.h (docs/store.md, which also specifies
 * the output of --tree). The last line is the verdict; the exit status is 0
 * for an intact store (or an empty one), 1 if anything is damaged, invalid
 * or foreign, 2 for a usage error or an unreadable file. For --tree the
 * kernel-state region is rebuilt in memory (store_locate gives the same
 * layout wherever it is) and read with bounds checks on every reference:
 * nothing of the kernel runs. A store of the riscv64 kernel is read with its
 * thread layout (storeinfo.h); the rest of the checkpointed structures are
 * the same on both machines. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tether/store.h>
#include "persist.h"
#include "aspace.h"
#include "bank.h"
#include "cspace.h"
#include "frame.h"
#include "thread.h"
#include "wrapper.h"
#include "storeinfo.h"

static int fd;
static u64 nblocks;

/* The machines whose stores this tool reads; the header's kernel_id says
 * which wrote it. */
static struct si_machine machines[2];
static const struct si_machine *mach;  /* the newest checkpoint's, or NULL */

static const struct si_machine *machine_of(u64 kernel_id)
{
    for (u32 i = 0; i < 2; i++)
        if (machines[i].kernel_id == kernel_id)
            return &machines[i];
    return NULL;
}

/* Blocks the verdict names, with why (in the order found). */
#define MAX_BAD 64
static u64 bad[MAX_BAD];
static u32 nbad;
static bool quiet;  /* checking the older checkpoint: its damage is only counted */

static void damage(u64 blk, u64 n, const char *what, const char *why)
{
    if (quiet) {
        nbad++;
        return;
    }
    if (n > 1)
        printf("damage: blocks %llu..%llu (%s): %s\n", (unsigned long long)blk,
               (unsigned long long)(blk + n - 1), what, why);
    else
        printf("damage: block %llu (%s): %s\n", (unsigned long long)blk, what, why);
    if (nbad < MAX_BAD)
        bad[nbad] = blk;
    nbad++;
}

static bool rd(u64 blk, void *buf, u64 n)
{
    if (blk + n > nblocks || blk + n < blk)
        return false;
    u64 got = 0, want = n * STORE_BLOCK;
    while (got < want) {
        ssize_t r = pread(fd, (u8 *)buf + got, want - got, (off_t)(blk * STORE_BLOCK + got));
        if (r <= 0)
            return false;
        got += (u64)r;
    }
    return true;
}

static void *xmalloc(u64 n)
{
    void *p = aligned_alloc(STORE_BLOCK, (n + STORE_BLOCK - 1) / STORE_BLOCK * STORE_BLOCK);
    if (!p) {
        fprintf(stderr, "storeinfo: out of memory\n");
        exit(2);
    }
    return p;
}

/* ---- headers --------------------------------------------------------- */

static char why_buf[160];

/* NULL if header h (read from block `slot`) is valid, as the kernel decides
 * (persist.c header_ok); else why not. *empty: the block is all zero. */
static const char *header_why(const struct store_header *h, const u8 *blk, u32 slot, bool *empty)
{
    u64 any = 0;
    for (u32 i = 0; i < STORE_BLOCK; i++)
        any |= blk[i];
    *empty = !any;
    if (!any)
        return "empty (never written)";
    if (h->magic != STORE_MAGIC) {
        snprintf(why_buf, sizeof why_buf, "bad magic %#llx (not a Tether store header)",
                 (unsigned long long)h->magic);
        return why_buf;
    }
    if (h->version != STORE_VERSION) {
        snprintf(why_buf, sizeof why_buf, "version %llu (this tool reads %u)",
                 (unsigned long long)h->version, STORE_VERSION);
        return why_buf;
    }
    if (h->sum != store_sum(h, offsetof(struct store_header, sum)))
        return "checksum mismatch (torn or damaged)";
    if (h->generation == 0)
        return "generation 0";
    if (h->generation % 2 != slot) {
        snprintf(why_buf, sizeof why_buf, "generation %llu belongs in header %llu",
                 (unsigned long long)h->generation, (unsigned long long)(h->generation % 2));
        return why_buf;
    }
    if (h->store_blocks > nblocks) {
        snprintf(why_buf, sizeof why_buf, "written to a store of %llu blocks, the image has %llu (truncated)",
                 (unsigned long long)h->store_blocks, (unsigned long long)nblocks);
        return why_buf;
    }
    if (h->manifest_blk < STORE_HEADERS || h->manifest_nblk < 1 ||
        h->manifest_blk + h->manifest_nblk > nblocks || h->manifest_blk + h->manifest_nblk < h->manifest_blk)
        return "manifest outside the store";
    return NULL;
}

/* ---- a checkpoint ------------------------------------------------------ */

struct ckpt {
    const struct store_header *h;
    u8 *mbuf;                      /* the manifest                          */
    const struct store_manifest *m;
    struct store_page *dir;        /* every page entry (ndir blocks)        */
    const struct kglobals *g;      /* NULL if the globals are not this build's */
    bool ok;
};

static bool layout_ok(const struct store_manifest *m, u64 mbytes)
{
    const struct store_layout *l = &m->layout;
    return l->region_bytes % 4096 == 0 && l->region_bytes / 4096 == m->npages && m->npages &&
           m->ndir >= (m->npages + STORE_DIR_ENTRIES - 1) / STORE_DIR_ENTRIES &&
           l->tab_off == 0 && l->ntab <= 0xffffffffull && l->ntab * sizeof(struct obj) <= l->map_off &&
           l->map_off <= l->arena_off && l->arena_off % 4096 == 0 && l->arena_bytes % 4096 == 0 &&
           l->arena_off + l->arena_bytes == l->region_bytes && m->ndir <= mbytes / sizeof(struct store_ref) &&
           sizeof *m + m->ndir * sizeof(struct store_ref) + m->globals_bytes <= mbytes;
}

static void set_bit(u8 *m, u64 b) { m[b / 8] |= (u8)(1u << (b % 8)); }
static bool bit(const u8 *m, u64 b) { return m[b / 8] >> (b % 8) & 1; }

/* Check every checksum and reference of the checkpoint h names. verbose:
 * print what it holds (else only damage). c->ok when all is well. */
static void check_ckpt(const struct store_header *h, bool verbose, struct ckpt *c)
{
    u32 bad0 = nbad;
    memset(c, 0, sizeof *c);
    c->h = h;
    u64 mbytes = h->manifest_nblk * STORE_BLOCK;
    c->mbuf = xmalloc(mbytes);
    if (!rd(h->manifest_blk, c->mbuf, h->manifest_nblk)) {
        damage(h->manifest_blk, h->manifest_nblk, "manifest", "cannot be read");
        return;
    }
    const struct store_manifest *m = c->m = (const struct store_manifest *)c->mbuf;
    u64 msum = store_sum(c->mbuf, mbytes);
    if (verbose)
        printf("manifest: blocks %llu..%llu, checksum %s\n", (unsigned long long)h->manifest_blk,
               (unsigned long long)(h->manifest_blk + h->manifest_nblk - 1),
               msum == h->manifest_sum ? "ok" : "MISMATCH");
    if (msum != h->manifest_sum) {
        damage(h->manifest_blk, h->manifest_nblk, "manifest", "checksum mismatch (torn, stale or damaged)");
        return;
    }
    if (m->magic != STORE_MANIFEST_MAGIC || m->generation != h->generation) {
        damage(h->manifest_blk, h->manifest_nblk, "manifest", "not the manifest of this generation");
        return;
    }
    if (!layout_ok(m, mbytes)) {
        damage(h->manifest_blk, h->manifest_nblk, "manifest", "inconsistent layout");
        return;
    }
    const struct store_layout *l = &m->layout;
    const struct store_ref *refs = (const struct store_ref *)(m + 1);
    if (verbose) {
        printf("layout: region %llu bytes (%llu pages): object table at %#llx (%llu entries), "
               "buddy map at %#llx, arena at %#llx (%llu bytes)\n",
               (unsigned long long)l->region_bytes, (unsigned long long)m->npages,
               (unsigned long long)l->tab_off, (unsigned long long)l->ntab,
               (unsigned long long)l->map_off, (unsigned long long)l->arena_off,
               (unsigned long long)l->arena_bytes);
        printf("globals: %llu bytes (this build's: %zu)\n", (unsigned long long)m->globals_bytes,
               sizeof(struct kglobals));
        printf("directory: %llu blocks of %u page entries\n", (unsigned long long)m->ndir, STORE_DIR_ENTRIES);
    }
    const struct si_machine *mc = machine_of(h->kernel_id);
    if (mc && m->globals_bytes == mc->globals_bytes && mc->globals_bytes == sizeof(struct kglobals))
        c->g = (const struct kglobals *)(refs + m->ndir);

    /* Every block this checkpoint uses, once: manifest, directory, pages. */
    u8 *used = calloc((nblocks + 7) / 8, 1);
    if (!used)
        exit(2);
    for (u64 j = 0; j < h->manifest_nblk; j++)
        set_bit(used, h->manifest_blk + j);
    c->dir = xmalloc(m->ndir * STORE_BLOCK);
    for (u64 d = 0; d < m->ndir; d++) {
        struct store_page *blk = &c->dir[d * STORE_DIR_ENTRIES];
        u64 b = refs[d].blk;
        const char *why = NULL;
        if (b < STORE_HEADERS || b >= nblocks)
            why = "out of range";
        else if (bit(used, b))
            why = "used twice";
        else if (!rd(b, blk, 1))
            why = "cannot be read";
        else if (store_sum(blk, STORE_BLOCK) != refs[d].sum)
            why = "checksum mismatch";
        if (verbose)
            printf("  dir %llu: block %llu, %s\n", (unsigned long long)d, (unsigned long long)b, why ? why : "ok");
        if (why) {
            char what[48];
            snprintf(what, sizeof what, "directory block %llu", (unsigned long long)d);
            damage(b, 1, what, why);
            memset(blk, 0xff, STORE_BLOCK);  /* its pages: unknown */
            continue;
        }
        set_bit(used, b);
    }

    /* The page entries, then every data page's checksum. */
    u64 count[4] = {0}, unknown = 0, data_ok = 0;
    u8 *page = xmalloc(STORE_BLOCK);
    for (u64 i = 0; i < m->npages; i++) {
        const struct store_page *e = &c->dir[i];
        if (e->kind == 0xffffffffu && e->blk == 0xffffffffu) {
            unknown++;
            continue;
        }
        char what[48];
        snprintf(what, sizeof what, "page %llu", (unsigned long long)i);
        if (e->kind > PAGE_CACHE) {
            u64 d = i / STORE_DIR_ENTRIES;
            damage(refs[d].blk, 1, "directory", "a page entry of unknown kind");
            continue;
        }
        count[e->kind]++;
        if (e->kind != PAGE_DATA)
            continue;
        const char *why = NULL;
        if (e->blk < STORE_HEADERS || e->blk >= nblocks)
            why = "out of range";
        else if (bit(used, e->blk))
            why = "used twice";
        else if (!rd(e->blk, page, 1))
            why = "cannot be read";
        else if (store_sum(page, STORE_BLOCK) != e->sum)
            why = "checksum mismatch";
        if (why) {
            damage(e->blk, 1, what, why);
            continue;
        }
        set_bit(used, e->blk);
        data_ok++;
    }
    free(page);
    /* Entries past the last page (a directory may have blocks to spare) are zero. */
    for (u64 i = m->npages; i < m->ndir * STORE_DIR_ENTRIES; i++) {
        const struct store_page *e = &c->dir[i];
        if ((e->kind || e->blk || e->sum) && !(e->kind == 0xffffffffu && e->blk == 0xffffffffu)) {
            damage(refs[i / STORE_DIR_ENTRIES].blk, 1, "directory", "an entry past the last page is not zero");
            break;
        }
    }
    u64 nused = 0;
    for (u64 b = 0; b < nblocks; b++)
        nused += bit(used, b);
    free(used);
    if (verbose) {
        printf("pages: %llu: zero %llu, data %llu, free %llu, cache %llu",
               (unsigned long long)m->npages, (unsigned long long)count[PAGE_ZERO],
               (unsigned long long)count[PAGE_DATA], (unsigned long long)count[PAGE_FREE],
               (unsigned long long)count[PAGE_CACHE]);
        if (unknown)
            printf(", unknown %llu (in damaged directory blocks)", (unsigned long long)unknown);
        printf("\ndata pages: %llu checked, %llu ok (the manifest counts %llu)\n",
               (unsigned long long)count[PAGE_DATA], (unsigned long long)data_ok,
               (unsigned long long)m->pages_data);
        printf("blocks: %llu used by this checkpoint, %llu in the store\n", (unsigned long long)nused,
               (unsigned long long)nblocks);
    }
    if (!unknown && count[PAGE_DATA] != m->pages_data)
        damage(h->manifest_blk, h->manifest_nblk, "manifest", "its count of data pages differs from the directory");
    c->ok = nbad == bad0;
}

/* ---- the derivation tree (--tree) -------------------------------------- */

static const char *type_text[] = {
#define X(name, val, text) [val] = text,
#include <tether/types.def>
#undef X
};
#define NTYPES (sizeof type_text / sizeof type_text[0])

/* The short name of a type: its text up to a colon. */
static void put_type(u32 t)
{
    if (t >= NTYPES || !type_text[t]) {
        printf("type%u", t);
        return;
    }
    printf("%.*s", (int)strcspn(type_text[t], ":"), type_text[t]);
}

static bool ref_ok(sref r, u64 n) { return r && (u64)r * GRANULE + n <= store.bytes; }

/* Object o's body if it is a live or dying object whose body holds n bytes. */
static void *body_of(oref o, u64 n)
{
    if (!o || o >= store.ntab)
        return NULL;
    const struct obj *x = obj_get(o);
    if (x->state == OS_FREE || x->order > STORE_MAX_ORDER || ((u64)STORE_MIN << x->order) < n ||
        !ref_ok(x->body, (u64)STORE_MIN << x->order))
        return NULL;
    return obj_body(o);
}

static sref *parent_of;   /* per slot ref: its parent's ref; 0 = root, ~0 = unknown */
static u64 nslots_seen;

typedef void (*slot_fn)(oref holder, const char *field, u64 idx, const struct slot *s);

static void radix_walk(oref holder, const struct cspace *r, slot_fn fn)
{
    for (u32 i = 0; i < (1u << CS_L1_BITS); i++) {
        if (!ref_ok(r->l1[i], CS_L2_BYTES))
            continue;
        const sref *l2 = sref_ptr(r->l1[i]);
        for (u32 j = 0; j < (1u << CS_L2_BITS); j++) {
            if (!ref_ok(l2[j], CS_LEAF_BYTES))
                continue;
            const struct slot *leaf = sref_ptr(l2[j]);
            for (u32 k = 0; k < (1u << CS_LEAF_BITS); k++)
                if (leaf[k].obj)
                    fn(holder, NULL, (u64)i << (CS_L2_BITS + CS_LEAF_BITS) | j << CS_LEAF_BITS | k, &leaf[k]);
        }
    }
}

/* Every non-empty slot of object o, in a fixed order. */
static void object_slots(oref o, slot_fn fn)
{
    const struct obj *x = obj_get(o);
    void *b;
    switch (x->type) {
    case OBJ_CSPACE:
        if ((b = body_of(o, sizeof(struct cspace))))
            radix_walk(o, b, fn);
        break;
    case OBJ_ASPACE:
        if ((b = body_of(o, sizeof(struct aspace))))
            radix_walk(o, &((struct aspace *)b)->map, fn);
        break;
    case OBJ_THREAD:  /* in the layout of the machine that wrote the store */
        if ((b = body_of(o, mach->thread_bytes))) {
            static const char *name[SI_THREAD_SLOTS] = {"cspace", "aspace", "fault_ep", "ntfn", "sc", "timeout_ep"};
            for (u32 i = 0; i < SI_THREAD_SLOTS; i++) {
                const struct slot *ts = (const struct slot *)((const u8 *)b + mach->thread_slot[i]);
                if (ts->obj)
                    fn(o, name[i], 0, ts);
            }
        }
        break;
    case OBJ_FRAME:
        if ((b = body_of(o, sizeof(struct frame))) && ((struct frame *)b)->master.obj)
            fn(o, "master", 0, &((struct frame *)b)->master);
        break;
    case OBJ_WRAPPER:
        if ((b = body_of(o, sizeof(struct wrapper))) && ((struct wrapper *)b)->target.obj)
            fn(o, "target", 0, &((struct wrapper *)b)->target);
        break;
    default:
        break;
    }
}

static void for_each_slot(slot_fn fn)
{
    for (oref o = 1; o < store.ntab; o++)
        if (obj_get(o)->state != OS_FREE)
            object_slots(o, fn);
}

/* From each list root (prev 0), walk its list (pre-order with depths,
 * cap.h): a node's parent is the nearest node before it with a smaller
 * depth, found with a stack. Bounded: a broken list ends the walk. */
static sref *stack;
static void find_parents(oref holder, const char *field, u64 idx, const struct slot *s)
{
    (void)holder, (void)field, (void)idx;
    nslots_seen++;
    if (s->prev)
        return;
    u64 limit = store.bytes / GRANULE, n = 0, top = 0;
    for (const struct slot *x = s; x && n < limit; n++) {
        sref r = slot_ref(x);
        while (top && slot_at(stack[top - 1])->depth >= x->depth)
            top--;
        parent_of[r] = top ? stack[top - 1] : 0;
        stack[top++] = r;
        x = ref_ok(x->next, sizeof *x) ? slot_at(x->next) : NULL;
    }
}

static void put_slot(oref holder, const char *field, u64 idx, const struct slot *s)
{
    const struct obj *x = s->obj < store.ntab ? obj_get(s->obj) : NULL;
    bool live = x && x->live == s->epoch;
    printf("slot %u:", holder);
    if (field)
        printf("%s", field);
    else
        printf("%llu", (unsigned long long)idx);
    printf(" ref=%#x obj=%u type=", slot_ref(s), s->obj);
    if (live)
        put_type(x->type);
    else
        printf("void");
    printf(" epoch=%u rights=%c%c%c%c badge=%#llx depth=%u", s->epoch, s->rights & R_READ ? 'r' : '-',
           s->rights & R_WRITE ? 'w' : '-', s->rights & R_EXEC ? 'x' : '-', s->rights & R_GRANT ? 'g' : '-',
           (unsigned long long)s->badge, s->depth);
    if (obj_get(holder)->type == OBJ_ASPACE)
        printf(" va=%#llx", (unsigned long long)(idx << 12));
    sref p = parent_of[slot_ref(s)];
    if (s->depth == 0 && !s->prev)
        printf(" root\n");
    else if (p == (sref)~0u || p == 0)
        printf(" derived parent=?\n");
    else
        printf(" derived parent=%#x\n", p);
}

static u64 group_count;
static void count_slot(oref holder, const char *field, u64 idx, const struct slot *s)
{
    (void)holder, (void)field, (void)idx, (void)s;
    group_count++;
}

static const char *state_name(u8 s) { return s == OS_LIVE ? "live" : s == OS_DYING ? "dying" : "free"; }

static void dump_tree(const struct ckpt *c)
{
    const struct store_manifest *m = c->m;
    u8 *region = xmalloc(m->layout.region_bytes);
    for (u64 i = 0; i < m->npages; i++) {
        const struct store_page *e = &c->dir[i];
        u8 *p = region + i * 4096;
        memset(p, 0, 4096);
        if (e->kind == PAGE_DATA)
            rd(e->blk, p, 1);  /* checked before */
        else if (e->kind == PAGE_FREE)
            memcpy(p, &e->sum, sizeof e->sum);
    }
    store_locate(region, m->layout.region_bytes);
    if ((u64)((u8 *)store.tab - store.region) != m->layout.tab_off || store.ntab != m->layout.ntab ||
        (u64)(store.map - store.region) != m->layout.map_off ||
        (u64)(store.base - store.region) != m->layout.arena_off || store.bytes != m->layout.arena_bytes) {
        printf("tree: not dumped: this build lays the region out differently\n");
        free(region);
        return;
    }
    const struct kglobals *g = c->g;
    printf("tree generation=%llu machine=%s ntab=%u live_objects=%u\n", (unsigned long long)c->h->generation,
           mach->name, store.ntab, g->st.live_objs);
    printf("boot root_bank=%u root_cspace=%u root_addrspace=%u root_thread=%u root_schedctx=%u\n",
           g->boot.root_bank, g->boot.root_cs, g->boot.root_as, g->boot.root_thread, g->boot.root_sc);
    printf("sched now=%llu running=%u\n", (unsigned long long)g->sched.now, g->sched.cur);
    u64 nbanks = 0, nobjs = 0, ngroups = 0;
    for (oref o = 1; o < store.ntab; o++) {
        const struct obj *x = obj_get(o);
        const struct bank *b;
        if (x->state == OS_FREE || x->type != OBJ_BANK || !(b = body_of(o, sizeof *b)))
            continue;
        nbanks++;
        printf("bank %u parent=", o);
        if (x->bank)
            printf("%u", x->bank);
        else
            printf("-");
        printf(" depth=%u usage=%llu limit=%llu objects=%u\n", b->depth, (unsigned long long)b->usage,
               (unsigned long long)b->limit, b->nobj);
    }
    for (oref o = 1; o < store.ntab; o++) {
        const struct obj *x = obj_get(o);
        if (x->state == OS_FREE)
            continue;
        nobjs++;
        printf("object %u type=", o);
        put_type(x->type);
        printf(" bank=");
        if (x->bank)
            printf("%u", x->bank);
        else
            printf("-");
        printf(" state=%s epoch=%u bytes=%llu\n", state_name(x->state), x->epoch,
               (unsigned long long)((u64)STORE_MIN << (x->order & 31)));
    }
    u64 nrefs = store.bytes / GRANULE;
    parent_of = malloc(nrefs * sizeof *parent_of);
    stack = malloc(nrefs * sizeof *stack);
    if (!parent_of || !stack)
        exit(2);
    memset(parent_of, 0xff, nrefs * sizeof *parent_of);
    for_each_slot(find_parents);
    for (oref o = 1; o < store.ntab; o++) {
        const struct obj *x = obj_get(o);
        if (x->state == OS_FREE)
            continue;
        group_count = 0;
        object_slots(o, count_slot);
        if (!group_count && x->type != OBJ_CSPACE && x->type != OBJ_ASPACE)
            continue;
        ngroups++;
        printf("group ");
        put_type(x->type);
        printf(" %u bank=", o);
        if (x->bank)
            printf("%u", x->bank);
        else
            printf("-");
        printf(" slots=%llu\n", (unsigned long long)group_count);
        object_slots(o, put_slot);
    }
    printf("end banks=%llu objects=%llu groups=%llu slots=%llu\n", (unsigned long long)nbanks,
           (unsigned long long)nobjs, (unsigned long long)ngroups, (unsigned long long)nslots_seen);
    free(parent_of);
    free(stack);
    free(region);
}

/* ---- main ---------------------------------------------------------------- */

static void verdict_bad(void)
{
    printf("verdict: DAMAGED: %u bad block%s:", nbad, nbad == 1 ? "" : "s");
    for (u32 i = 0; i < nbad && i < MAX_BAD; i++)
        printf(" %llu", (unsigned long long)bad[i]);
    printf("\n");
}

int main(int argc, char **argv)
{
    bool tree = false, usage = false;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tree"))
            tree = true;
        else if (!path && argv[i][0] != '-')
            path = argv[i];
        else
            usage = true;
    }
    if (!path || usage) {
        fprintf(stderr, "usage: storeinfo [--tree] STORE.img  (docs/store.md)\n");
        return 2;
    }
    fd = open(path, O_RDONLY);
    off_t size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
    if (fd < 0 || size < 0) {
        fprintf(stderr, "storeinfo: %s: %s\n", path, strerror(errno));
        return 2;
    }
    nblocks = (u64)size / STORE_BLOCK;
    printf("store: %s: %llu blocks of %u bytes\n", path, (unsigned long long)nblocks, STORE_BLOCK);
    if (nblocks < STORE_HEADERS) {
        printf("verdict: INVALID: too small for the two headers\n");
        return 1;
    }

    const struct si_machine host = SI_MACHINE("host");
    machines[0] = host;
    si_rv64(&machines[1]);
    struct store_header h[STORE_HEADERS];
    bool ok[STORE_HEADERS], empty[STORE_HEADERS];
    u8 *blk = xmalloc(STORE_BLOCK);
    for (u32 i = 0; i < STORE_HEADERS; i++) {
        const char *why = "cannot be read";
        empty[i] = false;
        if (rd(i, blk, 1)) {
            memcpy(&h[i], blk, sizeof h[i]);
            why = header_why(&h[i], blk, i, &empty[i]);
        }
        ok[i] = !why;
        printf("header %u: ", i);
        if (why) {
            printf("invalid: %s\n", why);
            if (!empty[i]) {
                char what[16];
                snprintf(what, sizeof what, "header %u", i);
                damage(i, 1, what, why);
            }
            continue;
        }
        printf("valid: generation %llu, kernel_id %#llx (%s), store_blocks %llu, manifest blocks %llu..%llu "
               "(checksum %#llx)\n",
               (unsigned long long)h[i].generation, (unsigned long long)h[i].kernel_id,
               machine_of(h[i].kernel_id) ? machine_of(h[i].kernel_id)->name : "unknown: another build",
               (unsigned long long)h[i].store_blocks, (unsigned long long)h[i].manifest_blk,
               (unsigned long long)(h[i].manifest_blk + h[i].manifest_nblk - 1),
               (unsigned long long)h[i].manifest_sum);
    }
    free(blk);
    if (!ok[0] && !ok[1]) {
        if (empty[0] && empty[1]) {
            printf("verdict: EMPTY: no checkpoint (a kernel boots fresh)\n");
            return 0;
        }
        printf("newest committed checkpoint: none\n");
        verdict_bad();
        return 1;
    }
    u32 n = !ok[0] || (ok[1] && h[1].generation > h[0].generation);
    printf("newest committed checkpoint: generation %llu (header %u)", (unsigned long long)h[n].generation, n);
    if (ok[!n])
        printf("; the older one: generation %llu (header %u)", (unsigned long long)h[!n].generation, !n);
    printf("\n");

    struct ckpt c;
    mach = machine_of(h[n].kernel_id);
    check_ckpt(&h[n], true, &c);
    if (c.ok) {
        if (tree) {
            if (!c.g)
                printf("tree: not dumped: written by a build whose structures this tool does not know "
                       "(kernel_id %#llx; host %#llx, riscv64 %#llx)\n",
                       (unsigned long long)h[n].kernel_id, (unsigned long long)machines[0].kernel_id,
                       (unsigned long long)machines[1].kernel_id);
            else
                dump_tree(&c);
        }
        if (nbad) {  /* only a header that no checkpoint needs any more */
            verdict_bad();
            return 1;
        }
        printf("verdict: OK: generation %llu, every checksum matches%s\n", (unsigned long long)h[n].generation,
               mach ? "" : " (written by an unknown build: a kernel of this source would refuse it)");
        return 0;
    }
    if (ok[!n]) {
        u32 before = nbad;
        struct ckpt o;
        quiet = true;
        check_ckpt(&h[!n], false, &o);
        quiet = false;
        nbad = before;
        printf("older checkpoint: generation %llu %s\n", (unsigned long long)h[!n].generation,
               o.ok ? "is intact (a kernel would resume it)" : "is damaged too");
    }
    verdict_bad();
    return 1;
}
