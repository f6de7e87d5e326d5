/* SPDX-License-Identifier: BSD-2-Clause */
/* t_attack.c: incremental checkpoints (P2) under attack: changes that dirty
 * tracking or copy-on-write could miss, waits that could be answered with
 * another checkpoint's result. The restored system must be the one
 * checkpointed. The first three tests failed before their fixes (a small
 * free whose merges free a whole page: store_free; a failed checkpoint's
 * waiter: tell_waiter); the others held from the start. */
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
#include <tether/store.h>

#define RAM (8 * MB)
#define STORE_BLOCKS 4096u
#define SYS ROOT_CAP_SYSTEM

static int ckpt(void) { return tk_inv(SYS, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0); }

static void boot_with_store(u64 blocks)
{
    CHECK_EQ(host_blk_attach(blocks), E_OK);
    tk_boot(RAM);
}

static u64 arena_page(const void *p) { return (u64)((const u8 *)p - store.base) / 4096; }
static u64 region_page(const void *p) { return (u64)((const u8 *)p - store.region) / 4096; }

/* ---- 1. A small block freed whose merge makes a whole page free ---------
 * store_free marks the pages of a freed block as written only for blocks of
 * a page or more (k >= 6). A 64-byte block freed last in a page whose lower
 * buddy page is free merges into a block that starts on that lower page:
 * nothing writes the page itself, the buddy map says it is free now, the
 * committed directory still says data. The next incremental checkpoint
 * keeps the stale entry and its restore is refused ("a page's kind
 * disagrees with the buddy map"): the kernel falls back to the checkpoint
 * before. */
#define EP0 1000u
#define NEP 400u
/* Endpoints until an odd arena page P and the page below it hold only
 * ours; all but one in P destroyed, the page below is a free page: that
 * one (the slot returned) is the last allocated block of P. Then a
 * checkpoint: P is committed as data. */
static u32 lonely_block_in_an_upper_page(u64 *page)
{
    CHECK_EQ(ckpt(), E_OK);  /* full: tracking on */
    CHECK(store_track.on);
    for (u32 i = 0; i < NEP; i++)
        CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP0 + i, 0), E_OK);
    u64 P = 0;
    for (u64 cand = 1; cand < store.bytes / 4096 && !P; cand += 2) {
        u32 nq = 0, np = 0;
        for (u32 i = 0; i < NEP; i++) {
            u64 ap = arena_page(obj_body(obj(EP0 + i)));
            nq += ap == cand - 1, np += ap == cand;
        }
        if (nq == 64 && np == 64)
            P = cand;
    }
    CHECK(P != 0);
    u32 last = 0;
    for (u32 i = 0; i < NEP; i++) {
        u64 ap = arena_page(obj_body(obj(EP0 + i)));
        if (ap == P - 1)
            CHECK_EQ(tk_destroy(BANK, EP0 + i), E_OK);
        else if (ap == P && !last)
            last = EP0 + i;  /* kept for later */
        else if (ap == P)
            CHECK_EQ(tk_destroy(BANK, EP0 + i), E_OK);
    }
    CHECK_EQ(store.map[(P - 1) * 4096 / STORE_MIN], 7);  /* the page below: a free page */
    CHECK_EQ(ckpt(), E_OK);  /* incremental: P is data (one endpoint) */
    *page = P;
    return last;
}

TEST(attack_small_free_merging_into_a_free_page_is_tracked)
{
    boot_with_store(STORE_BLOCKS);
    u64 P;
    u32 last = lonely_block_in_an_upper_page(&P);
    u64 gen = persist_stats.generation;
    u8 *pg = store.base + P * 4096;
    CHECK(!(store_track.bits[region_page(pg) / 8] >> (region_page(pg) % 8) & 1));
    CHECK_EQ(tk_destroy(BANK, last), E_OK);
    /* P is inside a free block starting below it now, and nothing wrote P. */
    CHECK(store.map[(P - 1) * 4096 / STORE_MIN] >= 8);
    take_ref();
    CHECK_EQ(ckpt(), E_OK);
    CHECK_EQ(persist_stats.generation, gen + 1);
    CHECK_EQ(tk_resume(RAM), E_OK);
    CHECK_EQ(persist_stats.generation, gen + 1);  /* failed before the fix: refused, gen resumed */
    check_same_as_ref();
    host_blk_detach();
}

/* The same, and the system goes on: the stale entry stays in every later
 * checkpoint (nothing writes P), so both headers are refused: all is lost. */
TEST(attack_small_free_merging_stale_entry_loses_every_later_checkpoint)
{
    boot_with_store(STORE_BLOCKS);
    u64 P;
    u32 last = lonely_block_in_an_upper_page(&P);
    CHECK_EQ(tk_destroy(BANK, last), E_OK);
    CHECK_EQ(ckpt(), E_OK);
    CHECK_EQ(ckpt(), E_OK);  /* (a next one, nothing changed in between) */
    u64 gen = persist_stats.generation;
    take_ref();
    CHECK_EQ(tk_resume(RAM), E_OK);  /* failed before the fix: E_INVAL, "booting fresh" */
    if (persist_stats.generation == gen)
        check_same_as_ref();
    CHECK_EQ(persist_stats.generation, gen);
    host_blk_detach();
}

/* ---- 2. A stress of the window ---------------------------------------- */
#include "rng.h"
enum { SUB = 10, CS2 = 11, AS2 = 12, SB = 13, AS3 = 14, T = 15 };
#define VA3 0x10000000ull

static bool live(u32 s) { return tk_status(s) == SLOT_LIVE; }

/* Frames, small objects, a sub-bank full of things, an AddrSpace whose
 * page tables grow and shrink. */
static void churn(u32 c)
{
    u32 k = rn(100);
    if (k < 30) {  /* frames */
        u32 s = 200 + rn(40);
        if (live(s))
            CHECK_EQ(tk_destroy(SUB, s), E_OK);
        else if (tk_create(SUB, OBJ_FRAME, s, 0) == E_OK)
            memset(frame_page(obj(s)), (int)rn(255) + 1, 4096);
    } else if (k < 55) {  /* small objects */
        u32 s = 500 + rn(80);
        if (live(s))
            CHECK_EQ(tk_destroy(SUB, s), E_OK);
        else
            CHECK_EQ(tk_create(SUB, s < 560 ? OBJ_ENDPOINT : OBJ_NOTIFICATION, s, 0), E_OK);
    } else if (k < 70) {  /* the sub-bank: filled, or destroyed whole */
        if (tk_status(SB) != SLOT_EMPTY && tk_status(SB) != SLOT_LIVE) {
            int e = tk_inv(SUB, BANK_DESTROY, CS, SB, 0, 0, 0, 0);  /* one step of it */
            CHECK(e == E_OK || e == E_CONTINUE || e == E_REVOKED);
            if (e == E_REVOKED)  /* done: the void cap goes */
                CHECK_EQ(tk_delete(SB), E_OK);
        } else if (!live(SB)) {
            CHECK_EQ(tk_create(SUB, OBJ_BANK, SB, 1 * MB), E_OK);
        } else if (chance(15)) {
            int e = chance(50) ? tk_destroy(SUB, SB) : tk_inv(SUB, BANK_DESTROY, CS, SB, 0, 0, 0, 0);
            CHECK(e == E_OK || e == E_CONTINUE);
        } else {
            u32 s = 810 + rn(60);
            if (live(s))
                CHECK_EQ(tk_destroy(SB, s), E_OK);
            else if (tk_create(SB, s < 830 ? OBJ_FRAME : s < 860 ? OBJ_ENDPOINT : OBJ_CSPACE, s, 0) == E_OK &&
                     s < 830)
                memset(frame_page(obj(s)), (int)c | 1, 4096);
        }
    } else if (k < 90) {  /* page tables */
        if (!live(AS3)) {
            CHECK_EQ(tk_create(SUB, OBJ_ASPACE, AS3, 0), E_OK);
            return;
        }
        if (chance(10)) {
            CHECK_EQ(tk_destroy(SUB, AS3), E_OK);
            return;
        }
        u32 f = 200 + rn(40);
        u64 va = VA3 + (u64)rn(8) * (2ull << 20) + (u64)rn(4) * 4096;
        if (live(f))
            tk_inv(AS3, AS_MAP_FRAME, f, va, R_READ | R_WRITE, 0, 0, 0);
        else
            tk_inv_all(AS3, AS_UNMAP, va, 0, 1, 0, 0, 0, NULL);
    } else {  /* a refill with a write: the grant path */
        if (live(AS3)) {
            u64 va = VA3 + (u64)rn(8) * (2ull << 20) + (u64)rn(4) * 4096;
            aspace_refill(obj(AS3), va, R_WRITE);
        }
    }
}

/* The caller's registers as the checkpoint holds them: past its call, with
 * resumed = 1 (its ckpt_gen as before the call: 0). */
static void scribble_all(void)
{
    for (u32 s = 200; s < 830; s++)
        if ((s < 240 || (s >= 810 && live(SB))) && live(s))
            memset(frame_page(obj(s)), (int)rn(255) + 1, 4096);
}

static void ref_caller_past_its_call(oref t, u64 gen)
{
    struct thread *r = (struct thread *)(ref.region + ((u8 *)thread_body(t) - store.region));
    r->regs.pc += 4;
    r->regs.x[REG_MSGINFO] = E_OK;
    r->regs.x[REG_MSG(TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, generation))] = gen;
    r->regs.x[REG_MSG(TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, resumed))] = 1;
    r->regs.x[REG_MSG(TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, written))] = 0;
    r->regs.x[REG_MSG(TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, pages))] = store.region_bytes / 4096;
    r->ckpt_gen = 0;
}

static void call_checkpoint(u32 t)
{
    sys(t, SYS_INVOKE, msg(SYS, SYSTEM_CHECKPOINT, 0), 0, 0, 0, 0);
}

/* The waiting caller's call again, its registers as they are. */
static void call_again(u32 t)
{
    sched_switch_to(obj(t));
    kernel_syscall();
}

static void new_caller(void)
{
    new_thread(SUB, T, CS, AS2, 0x1000, 10);
    start_thread(T);
}

TEST(attack_window_stress)
{
    rng = 4242;
    boot_with_store(STORE_BLOCKS);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 4 * MB), E_OK);
    new_spaces(SUB, CS2, AS2);
    new_caller();
    u32 rounds = 120, landed = 0, cut = 0, by_thread = 0;
    u64 copies = 0, saved_now = 0;
    if (getenv("ATTACK_SEED"))
        rng = (u64)atoll(getenv("ATTACK_SEED"));
    const char *e = getenv("ATTACK_ROUNDS");
    if (e)
        rounds = (u32)atoi(e);
    for (u32 r = 0; r < rounds; r++) {
        CHECK_EQ(ckpt(), E_OK);
        for (u32 i = 0; i < 20; i++)
            churn(r);
        CHECK_EQ(ckpt(), E_OK);  /* committed */
        if (getenv("ATTACK_DEBUG"))
            printf("round %u: committed gen %llu cur %u\n", r, (unsigned long long)persist_stats.generation, sched_cur);
        struct persist_ref committed = keep_ref();
        for (u32 i = 0; i < 20 + rn(40); i++)
            churn(r + 1000);
        bool burst = chance(40);
        if (burst)
            scribble_all();
        bool cutting = chance(25);
        if (cutting)
            host_blk_cut_after(1 + rn(30));
        u64 gen = persist_stats.generation;
        bool thr = live(T) && state(T) == THREAD_RUNNABLE && chance(60);
        oref tobj = thr ? obj(T) : 0;
        if (thr) {
            call_checkpoint(T);
            CHECK(persist_busy());
            take_ref();
            ref_caller_past_its_call(tobj, gen + 1);
            by_thread++;
        } else {
            take_ref();
            CHECK_EQ(persist_begin(), E_CONTINUE);
        }
        bool rewritten = false;
        for (u32 steps = 0; persist_busy(); steps++) {
            CHECK(steps < 100000);
            if (steps >= 100000)
                break;
            u32 k = rn(100);
            if (k < 3 && burst) {
                scribble_all();
            } else if (k < 50) {
                churn(r * 7 + steps);
            } else if (k < 60 && thr && !rewritten && live(T) && obj(T) == tobj && state(T) == THREAD_RUNNABLE) {
                call_again(T);
                continue;
            } else if (k < 63 && live(T)) {
                CHECK_EQ(tk_destroy(SUB, T), E_OK);  /* the caller goes, its storage reused */
                new_caller();
            } else if (k < 66 && live(T) && state(T) == THREAD_RUNNABLE) {
                CHECK_EQ(tk_inv(T, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
                CHECK_EQ(tk_inv(T, THREAD_WRITE_REGS, TREG_MSG(0), 4, rnd(), rnd(), rnd(), rnd()), E_OK);
                CHECK_EQ(tk_inv(T, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
                rewritten = true;  /* a call now would be a new one */
            } else if (k < 70) {
                persist_tick();
                continue;
            }
            persist_step();
        }
        copies += persist_stats.copies, saved_now += persist_stats.saved_now;
        if (cutting) {
            host_blk_power_cut(rnd());
            host_blk_cut_after(0);
        }
        CHECK_EQ(tk_resume(RAM), E_OK);
        if (getenv("ATTACK_DEBUG"))
            printf("round %u: restored gen %llu cur %u (thread %d cut %d)\n", r, (unsigned long long)persist_stats.generation, sched_cur, thr, cutting);
        CHECK(kernel_check() == NULL);
        if (check_restored(gen, cutting, &committed))
            landed++;
        else
            cut++;
        if (harness_cur_failed) {
            printf("round %u: failed (thread %d, cutting %d)\n", r, thr, cutting);
            break;
        }
    }
    printf("rounds %u landed %u cut %u by thread %u copies %llu saved_now %llu\n", rounds, landed, cut, by_thread,
           (unsigned long long)copies, (unsigned long long)saved_now);
    host_blk_detach();
}

/* ---- 3. A failed checkpoint's waiter is told its own failure ----------
 * When the caller's checkpoint fails (here a device error during a writer
 * step the caller did not take: a tick), the next checkpoint gets the same
 * generation number (last_gen + 1 again). The first caller, calling again,
 * must get its own checkpoint's answer (E_IO, generation 0), not the next
 * one's success: the answer is left in its registers when its checkpoint
 * ends (tell_waiter). */
enum { U = 16 };
#define CK_OUT(r) TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, r)

TEST(attack_a_failed_checkpoints_waiter_is_not_told_the_next_ones_success)
{
    boot_with_store(STORE_BLOCKS);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 4 * MB), E_OK);
    new_spaces(SUB, CS2, AS2);
    new_caller();
    new_thread(SUB, U, CS, AS2, 0x3000, 10);
    start_thread(U);
    CHECK_EQ(ckpt(), E_OK);  /* full: tracking on */
    CHECK_EQ(ckpt(), E_OK);
    u64 gen = persist_stats.generation + 1;
    call_checkpoint(T);
    CHECK(persist_busy());
    CHECK_EQ(th(T)->regs.x[REG_MSG(CK_OUT(generation))], PERSIST_WAITING | gen);
    /* The device fails during the writer's steps (taken by ticks). */
    host_blk_cut_after(1);
    for (u32 k = 0; k < 10000 && persist_busy(); k++)
        persist_tick();
    CHECK(!persist_busy());
    CHECK_EQ(persist_stats.generation, gen - 1);  /* it failed */
    host_blk_power_cut(1);  /* the store is back */
    host_blk_cut_after(0);
    /* Another thread's checkpoint: the same generation number. */
    call_checkpoint(U);
    CHECK(persist_busy());
    CHECK_EQ(th(U)->regs.x[REG_MSG(CK_OUT(generation))], PERSIST_WAITING | gen);
    /* T calls again until its call returns: its own checkpoint's answer. */
    for (u32 k = 0; k < 10000 && (th(T)->regs.x[REG_MSG(CK_OUT(generation))] & (PERSIST_WAITING | PERSIST_DONE));
         k++)
        call_again(T);
    u64 e = a0(T), g = th(T)->regs.x[REG_MSG(CK_OUT(generation))];
    CHECK_EQ(e, E_IO);
    CHECK_EQ(g, 0);
    while (persist_busy())
        persist_step();
    CHECK_EQ(persist_stats.generation, gen);  /* U's committed */
    host_blk_detach();
}

/* ---- 4. A power cut after every block write of one window --------------
 * One scenario (the copy reserve used up: pages saved at once, kinds fixed
 * early; the caller's own checkpoint; frames, objects and page tables
 * changing between the steps), replayed with the cut after block k for
 * every k: the restored system is the one at the pause or the last
 * committed one. */
static u64 sweep_window(u64 cut_at, bool *landed)
{
    rng = getenv("ATTACK_SEED") ? (u64)atoll(getenv("ATTACK_SEED")) : 99;
    boot_with_store(STORE_BLOCKS);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 4 * MB), E_OK);
    new_spaces(SUB, CS2, AS2);
    new_caller();
    CHECK_EQ(ckpt(), E_OK);
    for (u32 i = 0; i < 60; i++)
        churn(i);
    CHECK_EQ(ckpt(), E_OK);
    struct persist_ref committed = keep_ref();
    for (u32 i = 0; i < 40; i++)
        churn(i + 100);
    for (u32 s = 200; s < 240; s++)
        if (!live(s))
            CHECK_EQ(tk_create(SUB, OBJ_FRAME, s, 0), E_OK);
    scribble_all();
    u64 gen = persist_stats.generation, w0 = host_blk_stats().blocks_written;
    if (cut_at)
        host_blk_cut_after(cut_at);
    oref tobj = obj(T);
    call_checkpoint(T);
    CHECK(persist_busy());
    take_ref();
    ref_caller_past_its_call(tobj, gen + 1);
    scribble_all();
    for (u32 steps = 0; persist_busy() && steps < 100000; steps++) {
        if (rn(100) < 40)
            churn(steps + 1000);
        if (rn(100) < 10 && live(T) && obj(T) == tobj && state(T) == THREAD_RUNNABLE)
            call_again(T);
        else
            persist_step();
    }
    u64 written = host_blk_stats().blocks_written - w0;
    if (!cut_at)
        printf("window: copies %llu saved_now %llu written %llu\n", (unsigned long long)persist_stats.copies,
               (unsigned long long)persist_stats.saved_now, (unsigned long long)persist_stats.written);
    host_blk_power_cut(cut_at * 7 + 1);
    host_blk_cut_after(0);
    CHECK_EQ(tk_resume(RAM), E_OK);
    CHECK(kernel_check() == NULL);
    *landed = check_restored(gen, cut_at != 0, &committed);
    host_blk_detach();
    return written;
}

TEST(attack_power_cut_after_every_block_of_a_window)
{
    bool landed;
    u64 n = sweep_window(0, &landed);
    CHECK(landed);
    u32 got = 0;
    for (u64 k = 1; k <= n + 1 && !harness_cur_failed; k++) {
        sweep_window(k, &landed);
        got += landed;
        if (harness_cur_failed)
            printf("cut after block %llu of %llu\n", (unsigned long long)k, (unsigned long long)n);
    }
    printf("blocks %llu, landed %u\n", (unsigned long long)n, got);
}

/* ---- 5. A store that fills up: E_NOMEM only at the pause --------------- */
TEST(attack_nearly_full_store_fails_at_the_pause_or_not_at_all)
{
    u32 ok = 0, nomem = 0;
    for (u64 blocks = 200; blocks < 420 && !harness_cur_failed; blocks += 3) {
        rng = blocks;
        CHECK_EQ(host_blk_attach(blocks), E_OK);
        tk_boot(RAM);
        if (ckpt() != E_OK) {
            host_blk_detach();
            continue;
        }
        CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 4 * MB), E_OK);
        new_spaces(SUB, CS2, AS2);
        new_caller();
        for (u32 i = 0; i < 60; i++)
            churn(i);
        int e = ckpt();
        if (e != E_OK) {
            CHECK_EQ(e, E_NOMEM);
            host_blk_detach();
            continue;
        }
        for (u32 i = 0; i < 60; i++)
            churn(i + 77);
        scribble_all();
        u64 gen = persist_stats.generation;
        e = persist_begin();
        if (e == E_NOMEM) {
            nomem++;
            host_blk_detach();
            continue;
        }
        CHECK_EQ(e, E_CONTINUE);
        take_ref();
        for (u32 steps = 0; persist_busy() && steps < 100000; steps++) {
            if (rn(100) < 40)
                churn(steps + 1000);
            persist_step();
        }
        CHECK_EQ(persist_stats.generation, gen + 1);  /* no E_NOMEM after the pause */
        if (persist_stats.generation != gen + 1)
            printf("store of %llu blocks: the pause said yes, the writer failed\n", (unsigned long long)blocks);
        ok++;
        CHECK_EQ(tk_resume(RAM), E_OK);
        check_same_as_ref();
        host_blk_detach();
    }
    printf("ok %u nomem %u\n", ok, nomem);
}

/* ---- 6. The caller gives its wait up with a new call ------------------- */
TEST(attack_caller_calls_again_while_its_checkpoint_is_written)
{
    for (u32 cutting = 0; cutting < 2; cutting++) {
        boot_with_store(STORE_BLOCKS);
        CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 4 * MB), E_OK);
        new_spaces(SUB, CS2, AS2);
        new_caller();
        CHECK_EQ(ckpt(), E_OK);
        CHECK_EQ(ckpt(), E_OK);
        u64 gen = persist_stats.generation;
        for (u32 i = 0; i < 30; i++)
            churn(i);
        oref t = obj(T);
        call_checkpoint(T);  /* generation gen + 1 */
        CHECK(persist_busy());
        take_ref();
        ref_caller_past_its_call(t, gen + 1);
        u8 *first = ref.region;
        ref.region = NULL;
        for (u32 i = 0; i < 30; i++) {
            churn(i + 50);
            persist_step();
        }
        if (cutting)
            host_blk_cut_after(1);  /* the second one fails */
        call_checkpoint(T);  /* a new call (its registers say so): gen + 1 is finished first */
        CHECK_EQ(persist_stats.generation, gen + 1);
        take_ref();
        if (persist_busy())
            ref_caller_past_its_call(t, gen + 2);
        for (u32 steps = 0; persist_busy() && steps < 100000; steps++) {
            churn(steps);
            persist_step();
        }
        if (cutting) {
            host_blk_power_cut(3);
            host_blk_cut_after(0);
        }
        CHECK_EQ(tk_resume(RAM), E_OK);
        CHECK_EQ(persist_stats.generation, gen + 2 - cutting);
        if (cutting) {
            free(ref.region);
            ref.region = first;
        } else {
            free(first);
        }
        check_same_as_ref();
        const u64 *x = th(T)->regs.x;
        CHECK_EQ(x[REG_MSG(CK_OUT(resumed))], 1);
        CHECK_EQ(x[REG_MSG(CK_OUT(generation))], gen + 2 - cutting);
        host_blk_detach();
    }
}
