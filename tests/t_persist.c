/* SPDX-License-Identifier: BSD-2-Clause */
/* t_persist.c: checkpoint and restart (DESIGN.md P1..P3) on the host store:
 * the restored system is the checkpointed one, object by object; a crash
 * at any moment keeps the last committed checkpoint; bad stores are refused;
 * page tables come back from the mapping slots. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "fixture.h"
#include "persist_ref.h"
#include "persist.h"
#include "aspace.h"
#include "bank.h"
#include "check.h"
#include "frame.h"
#include "host_blk.h"
#include "rng.h"
#include <tether/store.h>

#define RAM (8 * MB)
#define STORE_BLOCKS 4096u  /* 16 MiB */

enum { SUB = 10, CS2 = 11, AS2 = 12, FR = 13, EP = 14, SRV = 15, CLI = 16, M1 = 17, M2 = 18,
       W = 19, FR2 = 20, SUB2 = 21, SYS = ROOT_CAP_SYSTEM };
#define VA 0x400000ull

static int checkpoint(void) { return tk_inv(SYS, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0); }

/* ---- booting and restarting --------------------------------------------- */

static void boot_with_store(u64 blocks)
{
    CHECK_EQ(host_blk_attach(blocks), E_OK);
    tk_boot(RAM);
}

/* A restart on the same store: the machine's memory is new (at another
 * host address, so nothing may depend on where it was). */
static int restart(void)
{
    return tk_resume(RAM);
}

/* Banks, a MAP tree, frames with data, a wrapper, a server blocked in recv
 * and a client blocked in its call. */
static void build_state(void)
{
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 1 * MB), E_OK);
    new_spaces(SUB, CS2, AS2);
    CHECK_EQ(tk_create(SUB, OBJ_FRAME, FR, 0), E_OK);
    memset(frame_page(tk_slot(FR)->obj), 0x5a, 4096);
    CHECK_EQ(tk_inv(AS2, AS_MAP_FRAME, FR, VA, R_READ | R_WRITE, 0, 0, 0), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_map(M1, EP, R_ALL), E_OK);
    CHECK_EQ(tk_map(M2, M1, R_ALL), E_OK);
    CHECK_EQ(tk_inv(SUB, BANK_WRAP, CS, W, CS, EP, 0, 0), E_OK);
    new_thread(SUB, SRV, CS, AS2, 0x1000, 10);
    new_thread(SUB, CLI, CS, AS2, 0x2000, 10);
    start_thread(SRV);
    start_thread(CLI);
    sys(SRV, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(state(SRV), THREAD_BLOCKED_RECV);
}

TEST(p1_restore_is_the_checkpointed_state_object_by_object)
{
    boot_with_store(STORE_BLOCKS);
    build_state();
    CHECK_EQ(checkpoint(), E_OK);
    CHECK_EQ(tk_r[TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, generation)], 1);
    take_ref();
    /* After the checkpoint: changes that the restart must forget. */
    CHECK_EQ(tk_unmap(EP, 1), E_OK);
    CHECK_EQ(tk_destroy(BANK, FR), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_FRAME, FR2, 0), E_OK);
    CHECK_EQ(restart(), E_OK);
    check_same_as_ref();
    CHECK(kernel_check() == NULL);
    /* It goes on: the tree is there and UNMAP works on it. */
    CHECK_EQ(tk_status(M2), SLOT_LIVE);
    CHECK_EQ(tk_status(FR2), SLOT_EMPTY);
    CHECK_EQ(state(SRV), THREAD_BLOCKED_RECV);
    CHECK_EQ(tk_unmap(EP, 1), E_OK);
    CHECK_EQ(tk_status(M1), SLOT_EMPTY);
    CHECK_EQ(tk_status(M2), SLOT_EMPTY);
    CHECK(kernel_check() == NULL);
    host_blk_detach();
}

TEST(p1_threads_blocked_in_ipc_stay_blocked_and_go_on)
{
    boot_with_store(STORE_BLOCKS);
    build_state();
    CHECK_EQ(checkpoint(), E_OK);
    CHECK_EQ(restart(), E_OK);
    CHECK_EQ(state(SRV), THREAD_BLOCKED_RECV);
    /* The client's call reaches the restored server; its reply right works. */
    sys(CLI, SYS_INVOKE, msg(EP, 7, 0), 42, 0, 0, 0);
    CHECK_EQ(state(CLI), THREAD_BLOCKED_REPLY);
    CHECK_EQ(th(SRV)->regs.x[REG_MSG(0)], 42);
    CHECK_EQ(checkpoint(), E_OK);  /* a second one, with the call in progress */
    CHECK_EQ(restart(), E_OK);
    CHECK_EQ(state(CLI), THREAD_BLOCKED_REPLY);
    sys(SRV, SYS_REPLY, msg(0, 8, 0), 43, 0, 0, 0);
    CHECK_EQ(state(CLI), THREAD_RUNNABLE);
    CHECK_EQ(th(CLI)->regs.x[REG_MSG(0)], 43);
    CHECK(kernel_check() == NULL);
    host_blk_detach();
}

TEST(p1_no_store_or_empty_store_boots_fresh)
{
    host_blk_detach();
    tk_boot(RAM);
    CHECK_EQ(checkpoint(), E_IO);
    CHECK(restart() != E_OK);
    boot_with_store(STORE_BLOCKS);
    CHECK_EQ(restart(), E_EMPTY);  /* no valid header */
    host_blk_detach();
}

static u8 blkbuf[STORE_BLOCK];

/* Block b of the durable image (into blkbuf). */
static const void *durable(u64 b)
{
    CHECK_EQ(host_blk_read_durable(b, blkbuf, 1), E_OK);
    return blkbuf;
}

/* Damage block b of the store (and make it durable). */
static void damage(u64 b, u32 off)
{
    static u8 buf[STORE_BLOCK];
    CHECK_EQ(hal_blk_read(b, buf, 1), E_OK);
    buf[off] ^= 0x40;
    CHECK_EQ(hal_blk_write(b, buf, 1), E_OK);
    CHECK_EQ(hal_blk_flush(), E_OK);
}

TEST(p1_torn_or_stale_blocks_are_refused_never_trusted)
{
    boot_with_store(STORE_BLOCKS);
    build_state();
    CHECK_EQ(checkpoint(), E_OK);
    struct store_header h;
    memcpy(&h, durable(1), sizeof h);
    CHECK_EQ(h.generation, 1);
    /* Each part in turn: header, manifest, a directory block, a page. */
    damage(1, 8);
    CHECK_EQ(restart(), E_EMPTY);
    damage(1, 8);
    CHECK_EQ(restart(), E_OK);
    damage(h.manifest_blk, 100);
    CHECK(restart() != E_OK);
    damage(h.manifest_blk, 100);
    const struct store_manifest *m = durable(h.manifest_blk);
    struct store_ref ref0 = ((const struct store_ref *)(m + 1))[0];
    damage(ref0.blk, 4000);
    CHECK(restart() != E_OK);
    damage(ref0.blk, 4000);
    const struct store_page *dir = durable(ref0.blk);
    u32 k = 0;
    while (dir[k].kind != PAGE_DATA)
        k++;
    u64 pblk = dir[k].blk;
    damage(pblk, 17);
    CHECK(restart() != E_OK);
    damage(pblk, 17);
    CHECK_EQ(restart(), E_OK);
    CHECK(kernel_check() == NULL);
    host_blk_detach();
}

TEST(p1_a_store_of_another_machine_is_refused)
{
    boot_with_store(STORE_BLOCKS);
    CHECK_EQ(checkpoint(), E_OK);
    CHECK(tk_resume(RAM + MB) != E_OK);  /* more RAM: another layout */
    CHECK_EQ(tk_resume(RAM), E_OK);
    host_blk_detach();
}

TEST(p1_full_store_answers_nomem_and_keeps_the_last_checkpoint)
{
    boot_with_store(300);  /* room for the first checkpoint only */
    CHECK_EQ(checkpoint(), E_OK);
    take_ref();
    /* Fill frames with data: the next checkpoint needs more than is free. */
    for (u32 i = 0; i < 400; i++) {
        if (tk_create(BANK, OBJ_FRAME, 100 + i, 0) != E_OK)
            break;
        memset(frame_page(tk_slot(100 + i)->obj), (int)i + 1, 4096);
    }
    CHECK_EQ(checkpoint(), E_NOMEM);
    CHECK_EQ(restart(), E_OK);
    check_same_as_ref();
    host_blk_detach();
}

TEST(p2_incremental_checkpoint_writes_only_what_changed)
{
    boot_with_store(STORE_BLOCKS);
    build_state();
    CHECK_EQ(checkpoint(), E_OK);
    u64 first = persist_stats.written;
    CHECK(first > 10);
    CHECK_EQ(checkpoint(), E_OK);  /* nothing changed */
    CHECK_EQ(persist_stats.written, 0);
    CHECK(persist_stats.kept >= first);
    ((u8 *)frame_page(tk_slot(FR)->obj))[100] ^= 1;  /* one byte of one frame */
    CHECK_EQ(checkpoint(), E_OK);
    CHECK_EQ(persist_stats.written, 1);
    CHECK_EQ(persist_stats.dir_written, 1);
    CHECK_EQ(restart(), E_OK);
    CHECK_EQ(((u8 *)frame_page(tk_slot(FR)->obj))[100], 0x5a ^ 1);
    CHECK_EQ(persist_stats.generation, 3);
    host_blk_detach();
}

TEST(p3_page_tables_are_rebuilt_from_the_mapping_slots)
{
    boot_with_store(STORE_BLOCKS);
    build_state();
    oref as = tk_slot(AS2)->obj;
    u32 rights;
    CHECK(hal_pt_lookup(&aspace_body(as)->pt, VA, &rights) != NULL);
    u64 pt_before = aspace_body(as)->pt_pages, usage_before = tk_usage(SUB);
    CHECK(pt_before >= 2);
    CHECK_EQ(checkpoint(), E_OK);
    CHECK_EQ(restart(), E_OK);
    as = tk_slot(AS2)->obj;
    /* Empty tables (a root), charged as such; the slot still maps the page. */
    CHECK_EQ(aspace_body(as)->pt_pages, 1);
    CHECK_EQ(tk_usage(SUB), usage_before - (pt_before - 1) * 4096);
    CHECK(hal_pt_lookup(&aspace_body(as)->pt, VA, &rights) == NULL);
    CHECK_EQ(tk_inv(AS2, AS_INFO, VA, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[TETHER_OUT_INDEX(AS_INFO, status)], SLOT_LIVE);
    CHECK_EQ(tk_r[TETHER_OUT_INDEX(AS_INFO, mapped)], 0);
    CHECK(aspace_readable(as, VA, 4096));  /* the kernel reads through the slots */
    /* The first access faults and is refilled, not sent to a handler. */
    u64 refills = aspace_refills;
    CHECK(!aspace_refill(as, VA, R_EXEC));         /* the slot has no R_EXEC */
    CHECK(!aspace_refill(as, VA + 4096, R_READ));  /* nothing mapped there   */
    CHECK(aspace_refill(as, VA, R_WRITE));
    CHECK_EQ(aspace_refills, refills + 1);
    CHECK(!aspace_refill(as, VA, R_WRITE));        /* there now: a real fault */
    CHECK(hal_pt_lookup(&aspace_body(as)->pt, VA, &rights) == frame_page(tk_slot(FR)->obj));
    CHECK_EQ(rights, R_READ | R_WRITE);
    CHECK(kernel_check() == NULL);
    /* Through the kernel entry: a fault of a running thread on the page. */
    CHECK_EQ(tk_unmap(FR, 0), E_OK);  /* (gone again: now a real fault) */
    host_blk_detach();
}

/* How many power cuts (rounds) a test makes: TETHER_CUTS (make soak), or n. */
static u32 cuts_wanted(u32 n)
{
    const char *e = getenv("TETHER_CUTS");
    return e && atoi(e) > 0 ? (u32)atoi(e) : n;
}

/* Power cuts at every point of a checkpoint: after a restart the system is
 * the last committed checkpoint, or the new one if its header landed. */
static void mutate(u32 c)
{
    for (u32 i = 0; i < 1 + rn(8); i++) {
        u32 s = 200 + (c * 7 + i) % 40;
        if (tk_status(s) != SLOT_EMPTY)
            CHECK_EQ(tk_destroy(SUB, s), E_OK);
        else if (tk_create(SUB, OBJ_FRAME, s, 0) == E_OK)
            memset(frame_page(tk_slot(s)->obj), (int)rn(255) + 1, 4096);
    }
    u32 m = 300 + c % 16;
    if (chance(20))
        return;
    if (tk_status(m) == SLOT_EMPTY)
        CHECK_EQ(tk_map(m, M2, R_ALL), E_OK);
    else
        CHECK_EQ(tk_delete(m), E_OK);
}

TEST(p1_power_cut_at_any_moment_keeps_what_was_committed)
{
    rng = 12;
    boot_with_store(STORE_BLOCKS);
    build_state();
    CHECK_EQ(checkpoint(), E_OK);
    take_ref();
    u8 *committed = ref.region;
    ref.region = NULL;
    u64 n = host_blk_stats().blocks_written, landed = 0;
    u32 cuts;
    for (cuts = 0; cuts < cuts_wanted(1000); cuts++) {
        mutate(cuts);
        take_ref();  /* what the checkpoint about to be cut holds */
        u64 gen = persist_stats.generation, w0 = host_blk_stats().blocks_written;
        host_blk_cut_after(1 + rn((u32)n + 4));
        checkpoint();
        u64 w = host_blk_stats().blocks_written - w0;
        host_blk_power_cut(rnd());
        host_blk_cut_after(0);
        CHECK_EQ(restart(), E_OK);
        CHECK(kernel_check() == NULL);
        if (persist_stats.generation == gen + 1) {  /* its header landed */
            free(committed);
            committed = ref.region;
            ref.region = NULL;
            landed++;
            n = w > n ? w : n;
        } else {
            CHECK_EQ(persist_stats.generation, gen);
            free(ref.region);
            ref.region = committed;
            check_same_as_ref();
            ref.region = NULL;
        }
        if (persist_stats.generation == gen + 1) {
            ref.region = committed;
            check_same_as_ref();
            ref.region = NULL;
        }
    }
    CHECK(landed > 10 && landed < cuts - 10);  /* both outcomes were tried */
    free(committed);
    host_blk_detach();
}

/* A store whose checksums match but whose directory says something the
 * restored region contradicts (found by tests/fuzz_store.c: a directory
 * block zeroed and its checksums recomputed was restored, with an empty
 * object table, as E_OK). Rewrites page entry `page` of the newest
 * checkpoint and makes every checksum above it match again. */
static void forge_entry(u64 page, u32 kind, u64 sum)
{
    static u8 hb[STORE_BLOCK], mb[STORE_BLOCK], db[STORE_BLOCK];
    u32 slot = (u32)(persist_stats.generation % 2);
    CHECK_EQ(hal_blk_read(slot, hb, 1), E_OK);
    struct store_header *h = (struct store_header *)hb;
    CHECK_EQ(h->manifest_nblk, 1);
    CHECK_EQ(hal_blk_read(h->manifest_blk, mb, 1), E_OK);
    struct store_ref *r = &((struct store_ref *)((struct store_manifest *)mb + 1))[page / STORE_DIR_ENTRIES];
    CHECK_EQ(hal_blk_read(r->blk, db, 1), E_OK);
    struct store_page *e = &((struct store_page *)db)[page % STORE_DIR_ENTRIES];
    e->kind = kind, e->sum = sum, e->blk = 0;
    r->sum = store_sum(db, STORE_BLOCK);
    h->manifest_sum = store_sum(mb, STORE_BLOCK);
    h->sum = store_sum(h, __builtin_offsetof(struct store_header, sum));
    CHECK_EQ(hal_blk_write(r->blk, db, 1), E_OK);
    CHECK_EQ(hal_blk_write(h->manifest_blk, mb, 1), E_OK);
    CHECK_EQ(hal_blk_write(slot, hb, 1), E_OK);
    CHECK_EQ(hal_blk_flush(), E_OK);
}

TEST(p1_restore_refuses_a_region_its_own_metadata_contradicts)
{
    boot_with_store(STORE_BLOCKS);
    build_state();
    CHECK_EQ(checkpoint(), E_OK);
    u64 pages = store.region_bytes / 4096, arena0 = (u64)(store.base - store.region) / 4096;
    /* The first page of the object table zeroed: every entry free but live. */
    forge_entry(0, PAGE_ZERO, 0);
    CHECK(restart() != E_OK);
    /* A page of the arena in use said to be a page table, or free. */
    boot_with_store(STORE_BLOCKS);
    build_state();
    CHECK_EQ(checkpoint(), E_OK);
    u64 used = arena0;
    while (used < pages && (store_is_pt(used - arena0) || *(const u64 *)(store.region + used * 4096) == 0))
        used++;
    forge_entry(used, PAGE_CACHE, 0);
    CHECK(restart() != E_OK);
    boot_with_store(STORE_BLOCKS);
    build_state();
    CHECK_EQ(checkpoint(), E_OK);
    forge_entry(used, PAGE_FREE, 0);
    CHECK(restart() != E_OK);
    /* The free-list links of a free page that starts a free block. */
    boot_with_store(STORE_BLOCKS);
    build_state();
    CHECK_EQ(checkpoint(), E_OK);
    u64 fp = pages - 1;  /* a page that starts a free block of a page or more */
    while (fp > arena0 && store.map[(fp - arena0) * 4096 / STORE_MIN] < 7)
        fp--;
    CHECK(fp > arena0);
    forge_entry(fp, PAGE_FREE, 0x12345678ull);
    CHECK(restart() != E_OK);
    /* Unchanged, it restores. */
    boot_with_store(STORE_BLOCKS);
    build_state();
    CHECK_EQ(checkpoint(), E_OK);
    CHECK_EQ(restart(), E_OK);
    host_blk_detach();
}

/* P2: an incremental checkpoint is written while the system goes on. Its
 * pause takes the pages written since the last one; pages changed after
 * the pause (frames filled, objects made and destroyed, so the buddy map
 * changes too) must stay out of it: after a restart the system is exactly
 * as at the pause, or, with a power cut in the middle of the writing, as
 * at the last committed checkpoint. The copy reserve of this small machine
 * is soon used up, so the pages saved at once (and the kinds fixed early)
 * are tried too. */
/* Every frame mutate() made, and 64 more (slots 400..463), get new
 * contents: more pages than the copy reserve of an 8 MiB machine holds. */
static void scribble(void)
{
    for (u32 s = 200; s < 464; s++)
        if ((s < 240 || s >= 400) && tk_status(s) != SLOT_EMPTY)
            memset(frame_page(tk_slot(s)->obj), (int)rn(255) + 1, 4096);
}

TEST(p2_changes_after_the_pause_stay_out_of_the_checkpoint)
{
    rng = 77;
    boot_with_store(STORE_BLOCKS);
    build_state();
    for (u32 s = 400; s < 464; s++)
        CHECK_EQ(tk_create(SUB, OBJ_FRAME, s, 0), E_OK);
    u64 copies = 0, saved_now = 0, landed = 0, cut = 0, rounds;
    for (rounds = 0; rounds < cuts_wanted(150); rounds++) {
        CHECK_EQ(checkpoint(), E_OK);  /* full after a restart; starts tracking */
        CHECK(store_track.on);
        mutate(rounds);
        CHECK_EQ(checkpoint(), E_OK);  /* committed: the one a cut falls back to */
        struct persist_ref committed = keep_ref();
        mutate(rounds + 1000);
        bool burst = chance(30);  /* more pages change than the reserve holds */
        if (burst)
            scribble();
        take_ref();  /* the system at the pause */
        u64 gen = persist_stats.generation;
        bool cutting = chance(30);
        if (cutting)
            host_blk_cut_after(1 + rn(40));
        CHECK_EQ(persist_begin(), E_CONTINUE);
        CHECK(persist_busy());
        if (burst)
            scribble();
        for (u32 steps = 0; persist_busy(); steps++) {
            CHECK(steps < 100000);
            if (chance(50))
                mutate(rounds * 13 + steps);
            persist_step();
        }
        copies += persist_stats.copies;
        saved_now += persist_stats.saved_now;
        if (cutting) {
            host_blk_power_cut(rnd());
            host_blk_cut_after(0);
        }
        CHECK_EQ(restart(), E_OK);
        CHECK(kernel_check() == NULL);
        if (check_restored(gen, cutting, &committed))
            landed++;
        else
            cut++;
    }
    CHECK(landed > rounds / 3 && cut > rounds / 30);  /* both outcomes were tried */
    CHECK(copies > 0);  /* and both ways of keeping a page */
    CHECK(saved_now > 0);
    host_blk_detach();
}
