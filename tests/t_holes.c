/* SPDX-License-Identifier: BSD-2-Clause */
/* t_holes.c: regression tests for the holes a hostile task could use
 * (hardening issue): objects destroyed under blocked threads (I6, S3, S4),
 * memory items overlapping their own window (I3), queued calls escaping
 * revocation (C5, C8), half-done E_NOMEM (S1, "bad input changes nothing")
 * and the one destination rule (S3). Each failed on the kernel before the
 * fix. Threads here have CSpaces and AddrSpaces of their own. */
#include "harness.h"
#include "fixture.h"
#include "aspace.h"
#include "endpoint.h"

/* Root CSpace slots. */
enum { EP = 20, CSR = 21, ASR = 22, CSS = 23, ASS = 24, R = 25, S = 26, FR = 27, FS = 28, XEP = 29,
       NEWCS = 30, NEWAS = 31, SUB = 32, F2 = 33, W1 = 34, W2 = 35, EPM = 36 };
/* Slots inside the tasks' CSpaces. */
enum { T_EP = 1, T_X = 2, T_WIN = 100 };
#define SRC_VA  0x10000ull  /* the sender's page            */
#define WIN_VA  0x40000ull  /* the receiver's memory window */

/* A message to cap `cap` with one transfer item (the last word). */
static void sys_item(u32 slot, u64 n, u32 cap, u64 item)
{
    u64 w[6] = {0, 0, 0, 0, 0, item};
    sys6(slot, n, msg(cap, 7, 1), w);
}

/* A task: CSpace cs and AddrSpace as (root CSpace slots) from bank, a
 * thread t in them with the endpoint at T_EP, cap window T_WIN.. (4) and
 * memory window WIN_VA (4 pages), and a frame fr mapped at SRC_VA. */
static void task(u32 bank, u32 cs, u32 as, u32 t, u32 fr, u32 prio)
{
    new_spaces(bank, cs, as);
    CHECK_EQ(tk_create(bank, OBJ_FRAME, fr, 0), E_OK);
    CHECK_EQ(tk_inv(cs, CS_COPY, T_EP, CS, EP, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(cs, CS_COPY, T_X, CS, XEP, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(as, AS_MAP_FRAME, fr, SRC_VA, R_READ | R_WRITE, ITEM_MAP, 0, 0), E_OK);
    new_thread(bank, t, cs, as, 0x1000, prio);
    set_windows(t, T_WIN, 4, WIN_VA, 2);
    start_thread(t);
}

/* Receiver R and sender S, each a task of its own. */
static void setup(void)
{
    tk_boot(16 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, XEP, 0), E_OK);
    task(BANK, CSR, ASR, R, FR, 10);
    task(BANK, CSS, ASS, S, FS, 10);
}

/* Destroy the object at slot and create one of the same type at `again`:
 * the table entry is reused at once (LIFO free list), which the old
 * kernel confused with the dead object. */
static void destroy_and_reuse(u32 slot, u64 type, u32 again)
{
    oref old = obj(slot);
    CHECK_EQ(tk_destroy(BANK, slot), E_OK);
    CHECK_EQ(tk_create(BANK, type, again, 0), E_OK);
    CHECK_EQ(obj(again), old);
}

static u32 info(u32 cs, u32 idx)
{
    CHECK_EQ(tk_inv(cs, CS_INFO, idx, 0, 0, 0, 0, 0), E_OK);
    return (u32)tk_r[0];
}
static u32 as_info(u32 as, u64 va)
{
    CHECK_EQ(tk_inv(as, AS_INFO, va, 0, 0, 0, 0, 0), E_OK);
    return (u32)tk_r[0];
}
static void check_stopped(u32 t)
{
    CHECK_EQ(state(t), THREAD_FAULTED);
    CHECK_EQ(th(t)->fault, FAULT_ASPACE);
    CHECK_EQ(th(t)->ep, 0);
}

/* ---- 1: dead spaces under blocked threads -------------------------- */

TEST(i6_dead_receiver_cspace_gets_no_cap_item)
{
    setup();
    sys6(R, SYS_RECV, T_EP, NULL);
    CHECK_EQ(state(R), THREAD_BLOCKED_RECV);
    destroy_and_reuse(CSR, OBJ_CSPACE, NEWCS);
    u64 used = tk_usage(BANK);
    sys_item(S, SYS_NB_SEND, T_EP, ITEM(T_X, ITEM_COPY, R_ALL));
    CHECK_EQ(a0(S), E_WOULDBLOCK);  /* no live receiver left */
    check_stopped(R);
    CHECK_EQ(endpoint_body(obj(EP))->waiting, 0);
    CHECK_EQ(tk_usage(BANK), used);
    for (u32 i = 0; i < 4; i++)
        CHECK_EQ(info(NEWCS, T_WIN + i), SLOT_EMPTY);
    /* A blocking send now waits (nothing was delivered anywhere). */
    sys_item(S, SYS_SEND, T_EP, ITEM(T_X, ITEM_COPY, R_ALL));
    CHECK_EQ(state(S), THREAD_BLOCKED_SEND);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, MB), E_OK);
}

TEST(i6_dead_receiver_aspace_gets_no_memory_item)
{
    setup();
    sys6(R, SYS_RECV, T_EP, NULL);
    destroy_and_reuse(ASR, OBJ_ASPACE, NEWAS);
    u64 used = tk_usage(BANK);
    sys_item(S, SYS_NB_SEND, T_EP, MEM_ITEM(SRC_VA, 0, ITEM_MAP, R_READ));
    CHECK_EQ(a0(S), E_WOULDBLOCK);
    check_stopped(R);
    CHECK_EQ(tk_usage(BANK), used);
    CHECK_EQ(as_info(NEWAS, WIN_VA), SLOT_EMPTY);
    CHECK_EQ(as_info(ASS, SRC_VA), SLOT_LIVE);
}

/* A second, live receiver behind the dead one gets the message. */
TEST(i6_dead_receiver_is_skipped_for_the_next)
{
    setup();
    task(BANK, NEWCS, NEWAS, W1, F2, 10);
    sys6(R, SYS_RECV, T_EP, NULL);
    sys6(W1, SYS_RECV, T_EP, NULL);
    CHECK_EQ(tk_destroy(BANK, CSR), E_OK);
    sys_item(S, SYS_NB_SEND, T_EP, ITEM(T_X, ITEM_COPY, R_ALL));
    CHECK_EQ(a0(S), E_OK);
    check_stopped(R);
    CHECK_EQ(state(W1), THREAD_RUNNABLE);
    CHECK_EQ(info(NEWCS, T_WIN), SLOT_LIVE);
}

TEST(i6_dead_sender_cspace_grants_nothing)
{
    setup();
    sys_item(S, SYS_SEND, T_EP, ITEM(T_X, ITEM_GRANT, R_ALL));
    CHECK_EQ(state(S), THREAD_BLOCKED_SEND);
    destroy_and_reuse(CSS, OBJ_CSPACE, NEWCS);
    CHECK_EQ(tk_inv(NEWCS, CS_COPY, T_X, CS, XEP, R_ALL, 0, 0), E_OK);
    u64 w[6] = {0};
    sys6(R, SYS_NB_RECV, T_EP, w);
    CHECK_EQ(a0(R), E_WOULDBLOCK);
    check_stopped(S);
    CHECK_EQ(info(NEWCS, T_X), SLOT_LIVE);  /* not taken out of an unrelated CSpace */
    CHECK_EQ(info(CSR, T_WIN), SLOT_EMPTY);
}

TEST(i6_dead_sender_aspace_grants_no_page)
{
    setup();
    sys_item(S, SYS_SEND, T_EP, MEM_ITEM(SRC_VA, 0, ITEM_GRANT, R_READ | R_WRITE));
    destroy_and_reuse(ASS, OBJ_ASPACE, NEWAS);
    CHECK_EQ(tk_inv(NEWAS, AS_MAP_FRAME, F2 - F2 + FS, SRC_VA, R_READ, ITEM_COPY, 0, 0), E_OK);
    sys6(R, SYS_NB_RECV, T_EP, NULL);
    CHECK_EQ(a0(R), E_WOULDBLOCK);
    check_stopped(S);
    CHECK_EQ(as_info(NEWAS, SRC_VA), SLOT_LIVE);
    CHECK_EQ(as_info(ASR, WIN_VA), SLOT_EMPTY);
}

TEST(i6_dead_caller_cspace_gets_no_reply_item)
{
    setup();
    sys6(R, SYS_RECV, T_EP, NULL);
    sys6(S, SYS_INVOKE, msg(T_EP, 1, 0), NULL);  /* a call */
    CHECK_EQ(state(S), THREAD_BLOCKED_REPLY);
    destroy_and_reuse(CSS, OBJ_CSPACE, NEWCS);
    u64 used = tk_usage(BANK);
    sys_item(R, SYS_REPLY, 0, ITEM(T_X, ITEM_COPY, R_ALL));
    CHECK_EQ(a0(R), E_REVOKED);
    check_stopped(S);
    CHECK_EQ(tk_usage(BANK), used);
    CHECK_EQ(info(NEWCS, T_WIN), SLOT_EMPTY);
    /* The right was used up. */
    sys6(R, SYS_REPLY, 0, NULL);
    CHECK_EQ(a0(R), E_EMPTY);
}

TEST(i6_dead_faulter_aspace_gets_no_pager_page)
{
    setup();
    CHECK_EQ(tk_inv(S, THREAD_SET_IPC, EP, T_WIN, 4, WIN_VA, 2, 0), E_OK);
    sys6(R, SYS_RECV, T_EP, NULL);
    sched_switch_to(obj(S));
    kernel_exception(FAULT_READ, 0x80000);
    CHECK_EQ(state(S), THREAD_BLOCKED_REPLY);
    CHECK_EQ(state(R), THREAD_RUNNABLE);
    destroy_and_reuse(ASS, OBJ_ASPACE, NEWAS);
    sys_item(R, SYS_REPLY, 0, MEM_ITEM(SRC_VA, 0, ITEM_MAP, R_READ));
    CHECK_EQ(a0(R), E_REVOKED);
    check_stopped(S);
    CHECK_EQ(as_info(NEWAS, 0x80000), SLOT_EMPTY);
}

/* ---- 2: memory items overlapping their own window ------------------- */

/* R and S share one CSpace and AddrSpace (a two-threaded task). */
static void setup_shared(void)
{
    tk_boot(16 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, XEP, 0), E_OK);
    task(BANK, CSR, ASR, R, FR, 10);
    new_thread(BANK, S, CSR, ASR, 0x1000, 10);
    start_thread(S);
    /* The receiver's window starts one page above the source page. */
    set_windows(R, T_WIN, 4, SRC_VA + 0x1000, 2);
}

TEST(i3_item_reading_a_page_an_earlier_item_fills_is_refused)
{
    setup_shared();
    sys6(R, SYS_RECV, T_EP, NULL);
    u64 w[6] = {0, 0, 0, 0, MEM_ITEM(SRC_VA, 0, ITEM_MAP, R_READ),
                MEM_ITEM(SRC_VA + 0x1000, 0, ITEM_MAP, R_READ)};
    sys6(S, SYS_NB_SEND, msg(T_EP, 7, 2), w);
    CHECK_EQ(a0(S), E_INVAL);
    CHECK_EQ(state(R), THREAD_BLOCKED_RECV);
    CHECK_EQ(as_info(ASR, SRC_VA + 0x1000), SLOT_EMPTY);
    CHECK_EQ(as_info(ASR, SRC_VA + 0x2000), SLOT_EMPTY);
}

TEST(i3_flexpage_overlapping_its_window_is_refused)
{
    setup_shared();
    sys6(R, SYS_RECV, T_EP, NULL);
    /* Pages SRC, SRC+1 into the window at SRC+1: it would read what it wrote. */
    sys_item(S, SYS_NB_SEND, T_EP, MEM_ITEM(SRC_VA, 1, ITEM_MAP, R_READ));
    CHECK_EQ(a0(S), E_INVAL);
    CHECK_EQ(as_info(ASR, SRC_VA + 0x1000), SLOT_EMPTY);
    CHECK_EQ(as_info(ASR, SRC_VA + 0x2000), SLOT_EMPTY);
    /* A window page holding a live page (mapped on into another AddrSpace
     * too, where the old kernel corrupted the tree): E_FULL, unchanged. */
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, NEWAS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_FRAME, F2, 0), E_OK);
    CHECK_EQ(tk_inv(ASR, AS_MAP_FRAME, F2, SRC_VA + 0x2000, R_READ, ITEM_MAP, 0, 0), E_OK);
    CHECK_EQ(tk_inv(NEWAS, AS_MAP, ASR, SRC_VA + 0x2000, 0x5000, 0, R_READ, ITEM_MAP), E_OK);
    u64 w[6] = {0, 0, 0, 0, MEM_ITEM(0x200000, 0, ITEM_MAP, R_READ), MEM_ITEM(SRC_VA, 0, ITEM_MAP, R_READ)};
    CHECK_EQ(tk_inv(ASR, AS_MAP_FRAME, FR, 0x200000, R_READ, ITEM_COPY, 0, 0), E_OK);
    sys6(S, SYS_NB_SEND, msg(T_EP, 7, 2), w);
    CHECK_EQ(a0(S), E_FULL);
    CHECK_EQ(as_info(ASR, SRC_VA + 0x1000), SLOT_EMPTY);
    CHECK_EQ(tk_slot(F2)->next != 0, 1);
    /* Disjoint ranges in one AddrSpace are fine. */
    sys_item(S, SYS_NB_SEND, T_EP, MEM_ITEM(0x200000, 0, ITEM_MAP, R_READ));
    CHECK_EQ(a0(S), E_OK);
    CHECK_EQ(as_info(ASR, SRC_VA + 0x1000), SLOT_LIVE);
}

TEST(i5_pager_reply_overlapping_the_fault_page_is_refused)
{
    setup_shared();
    CHECK_EQ(tk_inv(S, THREAD_SET_IPC, EP, T_WIN, 4, WIN_VA, 2, 0), E_OK);
    sys6(R, SYS_RECV, T_EP, NULL);
    sched_switch_to(obj(S));
    kernel_exception(FAULT_READ, SRC_VA + 0x3000);  /* in the flexpage SRC..SRC+3 */
    CHECK_EQ(state(S), THREAD_BLOCKED_REPLY);
    sys_item(R, SYS_REPLY, 0, MEM_ITEM(SRC_VA, 2, ITEM_MAP, R_READ));
    CHECK_EQ(a0(R), E_INVAL);
    CHECK_EQ(state(S), THREAD_BLOCKED_REPLY);  /* the right stays: retry */
    CHECK_EQ(as_info(ASR, SRC_VA + 0x3000), SLOT_EMPTY);
    sys_item(R, SYS_REPLY, 0, MEM_ITEM(SRC_VA, 0, ITEM_MAP, R_READ));
    CHECK_EQ(a0(R), E_OK);
    CHECK_EQ(as_info(ASR, SRC_VA + 0x3000), SLOT_LIVE);
}

/* ---- 3: queued calls and revocation --------------------------------- */

TEST(c5_call_queued_through_wrapper_over_unmapped_cap_is_revoked)
{
    setup();
    CHECK_EQ(tk_map(EPM, EP, R_ALL), E_OK);
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, W1, CS, EPM, 0, R_ALL), E_OK);
    CHECK_EQ(tk_inv(CSS, CS_COPY, 3, CS, W1, R_ALL, 0, 0), E_OK);
    sys_item(S, SYS_INVOKE, 3, ITEM(T_X, ITEM_COPY, R_ALL));
    CHECK_EQ(state(S), THREAD_BLOCKED_SEND);
    CHECK_EQ(tk_unmap(EP, 0), E_OK);  /* EPM and the wrapper's copy go */
    sys6(R, SYS_NB_RECV, T_EP, NULL);
    CHECK_EQ(a0(R), E_WOULDBLOCK);
    CHECK_EQ(state(S), THREAD_RUNNABLE);
    CHECK_EQ(a0(S), E_REVOKED);
    CHECK_EQ(info(CSR, T_WIN), SLOT_EMPTY);
}

TEST(c8_call_queued_through_destroyed_inner_wrapper_is_revoked)
{
    setup();
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, W2, CS, EP, 0, R_ALL), E_OK);
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, W1, CS, W2, 0, R_ALL), E_OK);
    CHECK_EQ(tk_inv(CSS, CS_COPY, 3, CS, W1, R_ALL, 0, 0), E_OK);
    sys_item(S, SYS_INVOKE, 3, ITEM(T_X, ITEM_COPY, R_ALL));
    CHECK_EQ(state(S), THREAD_BLOCKED_SEND);
    CHECK_EQ(tk_destroy(BANK, W2), E_OK);
    sys6(R, SYS_NB_RECV, T_EP, NULL);
    CHECK_EQ(a0(R), E_WOULDBLOCK);
    CHECK_EQ(a0(S), E_REVOKED);
    CHECK_EQ(info(CSR, T_WIN), SLOT_EMPTY);
    /* The badge delivered is the one the cap carries at delivery. */
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, W2, CS, EP, 0x99, R_ALL), E_OK);
    CHECK_EQ(tk_inv(CSS, CS_COPY, 4, CS, W2, R_ALL, 0, 0), E_OK);
    sys6(S, SYS_SEND, msg(4, 1, 0), NULL);
    sys6(R, SYS_RECV, T_EP, NULL);
    CHECK_EQ(th(R)->regs.x[REG_BADGE], 0x99);
}

/* ---- 5: E_NOMEM changes nothing ------------------------------------- */

/* Take all free storage in blocks of 4 KiB but `keep` of them (the storage
 * is then "fragmented": banks can pay, the allocator can't). */
static sref stolen[8192];
static int nstolen;
static void fragment(int keep)
{
    sref r;
    nstolen = 0;
    while (nstolen < 8192 && (r = store_alloc(6)))
        stolen[nstolen++] = r;
    for (int i = 0; i < keep; i++)
        store_free(stolen[--nstolen], 6);
}
static void unfragment(void)
{
    while (nstolen)
        store_free(stolen[--nstolen], 6);
}

TEST(s1_map_frame_with_fragmented_storage_changes_nothing)
{
    tk_boot(4 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, ASR, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_FRAME, FR, 0), E_OK);
    CHECK_EQ(tk_inv(ASR, AS_MAP_FRAME, FR, 0, R_READ, ITEM_COPY, 0, 0), E_OK);
    /* 64 MiB: a new leaf and a new last-level table (2 blocks of 4 KiB). */
    fragment(1);
    u64 used = tk_usage(BANK);
    u32 pts = aspace_body(obj(ASR))->pt_pages, nodes = aspace_body(obj(ASR))->map.nodes;
    CHECK_EQ(tk_inv(ASR, AS_MAP_FRAME, FR, 64 * MB, R_READ, ITEM_COPY, 0, 0), E_NOMEM);
    CHECK_EQ(tk_usage(BANK), used);
    CHECK_EQ(aspace_body(obj(ASR))->pt_pages, pts);
    CHECK_EQ(aspace_body(obj(ASR))->map.nodes, nodes);
    CHECK_EQ(tk_inv(ASR, AS_MAP, ASR, 0, 64 * MB, 0, R_READ, ITEM_COPY), E_NOMEM);
    CHECK_EQ(tk_usage(BANK), used);
    CHECK_EQ(aspace_body(obj(ASR))->map.nodes, nodes);
    unfragment();
    CHECK_EQ(tk_inv(ASR, AS_MAP_FRAME, FR, 64 * MB, R_READ, ITEM_COPY, 0, 0), E_OK);
}

/* The receiver's CSpace and AddrSpace are paid by one sub-bank that can
 * pay for what the cap item needs, or for what the memory item needs, but
 * not both: their sum is what counts. */
static u64 sum_setup(u64 limit)
{
    tk_boot(16 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, XEP, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, limit), E_OK);
    task(SUB, CSR, ASR, R, FR, 10);
    task(BANK, CSS, ASS, S, FS, 10);
    /* Window: cap slots 1000.. (a new leaf), pages at 64 MiB (a new leaf
     * and a new last-level table). */
    set_windows(R, 1000, 4, 64 * MB, 2);
    return tk_usage(SUB);
}

TEST(s1_ipc_items_charge_the_sum_of_both_spaces)
{
    u64 base = sum_setup(MB);
    u64 need = 3 * 4096;  /* CSpace leaf, mapping leaf, page table */
    for (int fits = 0; fits < 2; fits++) {
        sum_setup(base + need - (fits ? 0 : 1));
        sys6(R, SYS_RECV, T_EP, NULL);
        u64 used = tk_usage(SUB);
        u64 w[6] = {0, 0, 0, 0, ITEM(T_X, ITEM_COPY, R_ALL), MEM_ITEM(SRC_VA, 0, ITEM_MAP, R_READ)};
        sys6(S, SYS_NB_SEND, msg(T_EP, 7, 2), w);
        CHECK_EQ(a0(S), fits ? E_OK : E_NOMEM);
        CHECK_EQ(tk_usage(SUB), fits ? used + need : used);
        CHECK_EQ(state(R), fits ? THREAD_RUNNABLE : THREAD_BLOCKED_RECV);
    }
}

TEST(s1_create_into_void_leaf_failing_leaves_it_void)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_copy(40, EP, R_ALL), E_OK);
    CHECK_EQ(tk_destroy(BANK, EP), E_OK);
    CHECK_EQ(tk_status(40), SLOT_VOID);
    CHECK_EQ(tk_create(SUB, OBJ_FRAME, 40, 0), E_NOMEM);
    CHECK_EQ(tk_status(40), SLOT_VOID);  /* failing changed nothing */
    CHECK_EQ(tk_inv(SUB, BANK_WRAP, CS, 40, CS, SUB, 0, R_ALL), E_NOMEM);
    CHECK_EQ(tk_status(40), SLOT_VOID);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 40, 0), E_OK);  /* a void leaf is replaced */
    CHECK_EQ(tk_status(40), SLOT_LIVE);
}

/* ---- 8: one destination rule for IPC windows and AddrSpaces --------- */

TEST(s3_void_window_slot_rule_is_the_same_for_ipc)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 40, 0), E_OK);
    CHECK_EQ(tk_inv(CSR, CS_COPY, T_WIN, CS, 40, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(CSR, CS_MAP, T_WIN + 1, CSR, T_WIN, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(CSR, CS_COPY, T_WIN + 2, CS, 40, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_destroy(BANK, 40), E_OK);  /* T_WIN: void with a child; T_WIN+2: void leaf */
    sys6(R, SYS_RECV, T_EP, NULL);
    sys_item(S, SYS_NB_SEND, T_EP, ITEM(T_X, ITEM_COPY, R_ALL));
    CHECK_EQ(a0(S), E_FULL);
    CHECK_EQ(info(CSR, T_WIN), SLOT_VOID);
    set_windows(R, T_WIN + 2, 1, WIN_VA, 2);
    sys_item(S, SYS_NB_SEND, T_EP, ITEM(T_X, ITEM_COPY, R_ALL));
    CHECK_EQ(a0(S), E_OK);
    CHECK_EQ(info(CSR, T_WIN + 2), SLOT_LIVE);
}
