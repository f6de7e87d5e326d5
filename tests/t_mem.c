/* SPDX-License-Identifier: BSD-2-Clause */
/* t_mem.c: frames, AddrSpaces and flexpages (C9, S1, S3, S4, I5 pagers) on
 * the host, against the host page tables (kernel/host/hal_pt.c). */
#include "harness.h"
#include "fixture.h"
#include "aspace.h"
#include "frame.h"

#define PG 4096ull
enum { A1 = 20, A2 = 21, A3 = 22, F1 = 30, F2 = 31, B = 10 };

static struct aspace *as(u32 slot) { return aspace_body(obj(slot)); }
/* What the hardware page table of AddrSpace `slot` maps at va (or NULL). */
static void *pte(u32 slot, u64 va)
{
    u32 r;
    return hal_pt_lookup(&as(slot)->pt, va, &r);
}
static u32 pte_rights(u32 slot, u64 va)
{
    u32 r = 0;
    hal_pt_lookup(&as(slot)->pt, va, &r);
    return r;
}
static int map_frame(u32 a, u32 f, u64 va, u64 rights, u64 op)
{
    return tk_inv(a, AS_MAP_FRAME, f, va, rights, op, 0, 0);
}
static int flex(u32 dst, u32 src, u64 sva, u64 dva, u64 log2, u64 rights, u64 op)
{
    return tk_inv(dst, AS_MAP, src, sva, dva, log2, rights, op);
}
static int unmap(u32 a, u64 va, u64 log2, u64 self)
{
    return tk_inv_all(a, AS_UNMAP, va, log2, self, 0, 0, 0, NULL);
}
static u32 info(u32 a, u64 va)
{
    CHECK_EQ(tk_inv(a, AS_INFO, va, 0, 0, 0, 0, 0), E_OK);
    return (u32)tk_r[0];
}

static void setup(void)
{
    tk_boot(16 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, B, 4 * MB), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, A1, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, A2, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, A3, 0), E_OK);
    CHECK_EQ(tk_create(B, OBJ_FRAME, F1, 0), E_OK);
    CHECK_EQ(tk_create(B, OBJ_FRAME, F2, 0), E_OK);
}

TEST(s1_frame_is_a_zeroed_page_paid_by_its_bank)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, B, 64 * 1024), E_OK);
    CHECK_EQ(tk_create(B, OBJ_FRAME, F1, 0), E_OK);
    CHECK_EQ(tk_usage(B), tk_charge(sizeof(struct frame)) + PG);
    u8 *p = frame_page(obj(F1));
    u32 nonzero = 0;
    for (u32 i = 0; i < PG; i++)
        nonzero += p[i] != 0;
    CHECK_EQ(nonzero, 0);
    /* A bank that can pay for the object but not the page: nothing changes. */
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 11, 1024), E_OK);
    CHECK_EQ(tk_create(11, OBJ_FRAME, 12, 0), E_NOMEM);
    CHECK_EQ(tk_usage(11), 0);
    CHECK_EQ(tk_status(12), SLOT_EMPTY);
}

TEST(c9_frame_mapping_is_a_cap_in_the_tree)
{
    setup();
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ | R_WRITE, ITEM_MAP), E_OK);
    CHECK(pte(A1, 0x10000) == frame_page(obj(F1)));
    CHECK_EQ(pte_rights(A1, 0x10000), R_READ | R_WRITE);
    CHECK_EQ(info(A1, 0x10000), SLOT_LIVE);
    CHECK_EQ(tk_r[1], R_READ | R_WRITE);
    CHECK_EQ(tk_r[2], 1);
    struct slot *m = radix_slot(&as(A1)->map, 0x10);
    CHECK(cap_parent(m) == tk_slot(F1));  /* MAP: a child of the frame cap */
    /* UNMAP of the frame cap in the CSpace takes the page away (one tree). */
    CHECK_EQ(tk_unmap(F1, 0), E_OK);
    CHECK(pte(A1, 0x10000) == NULL);
    CHECK_EQ(info(A1, 0x10000), SLOT_EMPTY);
}

TEST(c9_map_frame_checks_arguments)
{
    setup();
    CHECK_EQ(map_frame(A1, A2, 0x10000, R_READ, ITEM_MAP), E_TYPE);
    CHECK_EQ(map_frame(A1, 99, 0x10000, R_READ, ITEM_MAP), E_EMPTY);
    CHECK_EQ(map_frame(A1, F1, 0x10001, R_READ, ITEM_MAP), E_INVAL);
    CHECK_EQ(map_frame(A1, F1, USER_VA_LIMIT, R_READ, ITEM_MAP), E_INVAL);
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ, 3), E_INVAL);
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_WRITE, ITEM_MAP), E_RIGHTS);
    CHECK_EQ(tk_copy(40, F1, R_WRITE), E_OK);  /* a frame cap without read */
    CHECK_EQ(map_frame(A1, 40, 0x10000, R_ALL, ITEM_MAP), E_RIGHTS);
    CHECK_EQ(tk_copy(41, A1, R_READ), E_OK);
    CHECK_EQ(map_frame(41, F1, 0x10000, R_READ, ITEM_MAP), E_RIGHTS);
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(map_frame(A1, F2, 0x10000, R_READ, ITEM_MAP), E_FULL);
    CHECK(pte(A1, 0x10000) == frame_page(obj(F1)));
}

TEST(c9_flexpage_map_copy_grant_between_aspaces)
{
    setup();
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ | R_WRITE, ITEM_MAP), E_OK);
    CHECK_EQ(map_frame(A1, F2, 0x11000, R_READ | R_WRITE, ITEM_MAP), E_OK);
    /* MAP 2 pages A1 -> A2 read-only: children in the tree. */
    CHECK_EQ(flex(A2, A1, 0x10000, 0x40000, 1, R_READ, ITEM_MAP), E_OK);
    CHECK(pte(A2, 0x40000) == frame_page(obj(F1)));
    CHECK(pte(A2, 0x41000) == frame_page(obj(F2)));
    CHECK_EQ(pte_rights(A2, 0x40000), R_READ);
    CHECK(cap_parent(radix_slot(&as(A2)->map, 0x40)) == radix_slot(&as(A1)->map, 0x10));
    /* A2 MAPs on to A3; A2 GRANTs one page to A3. */
    CHECK_EQ(flex(A3, A2, 0x40000, 0x80000, 0, R_ALL, ITEM_MAP), E_OK);
    CHECK_EQ(flex(A3, A2, 0x41000, 0x90000, 0, R_ALL, ITEM_GRANT), E_OK);
    CHECK(pte(A2, 0x41000) == NULL);  /* moved away */
    CHECK(pte(A3, 0x90000) == frame_page(obj(F2)));
    CHECK(cap_parent(radix_slot(&as(A3)->map, 0x90)) == radix_slot(&as(A1)->map, 0x11));
    /* Rights only shrink along the way (C1). */
    CHECK_EQ(pte_rights(A3, 0x80000), R_READ);
    /* UNMAP in A1 removes everything derived, in every AddrSpace. */
    CHECK_EQ(unmap(A1, 0x10000, 1, 0), E_OK);
    CHECK(pte(A2, 0x40000) == NULL);
    CHECK(pte(A3, 0x80000) == NULL);
    CHECK(pte(A3, 0x90000) == NULL);
    CHECK(pte(A1, 0x10000) != NULL);  /* not self */
    CHECK_EQ(unmap(A1, 0x10000, 1, 1), E_OK);
    CHECK(pte(A1, 0x10000) == NULL);
    CHECK(pte(A1, 0x11000) == NULL);
    /* COPY of a mapping is a sibling: the source's UNMAP does not reach it,
     * but the frame cap's does. */
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(flex(A2, A1, 0x10000, 0x40000, 0, R_READ, ITEM_COPY), E_OK);
    CHECK_EQ(unmap(A1, 0x10000, 0, 0), E_OK);
    CHECK(pte(A2, 0x40000) != NULL);
    CHECK_EQ(tk_unmap(F1, 0), E_OK);
    CHECK(pte(A2, 0x40000) == NULL);
}

TEST(c9_flexpage_errors_change_nothing)
{
    setup();
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(map_frame(A2, F2, 0x41000, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(map_frame(A1, F2, 0x11000, R_READ, ITEM_MAP), E_OK);
    u64 before = tk_usage(BANK);
    /* The second destination page is taken: all or nothing. */
    CHECK_EQ(flex(A2, A1, 0x10000, 0x40000, 1, R_READ, ITEM_MAP), E_FULL);
    CHECK(pte(A2, 0x40000) == NULL);
    CHECK_EQ(tk_usage(BANK), before);
    CHECK_EQ(flex(A2, A1, 0x10000, 0x40000, FLEX_MAX_LOG2 + 1, R_READ, ITEM_MAP), E_INVAL);
    CHECK_EQ(flex(A2, A1, 0x10800, 0x40000, 0, R_READ, ITEM_MAP), E_INVAL);
    CHECK_EQ(flex(A2, A1, 0x10000, USER_VA_LIMIT - PG, 1, R_READ, ITEM_MAP), E_INVAL);
    CHECK_EQ(flex(A2, A1, 0x10000, 0x40000, 0, R_WRITE, ITEM_MAP), E_INVAL);
    CHECK_EQ(flex(A2, A1, 0x10000, 0x40000, 0, R_READ, 3), E_INVAL);
    CHECK_EQ(flex(A2, F1, 0x10000, 0x40000, 0, R_READ, ITEM_MAP), E_TYPE);
    CHECK_EQ(flex(A1, A1, 0x10000, 0x11000, 1, R_READ, ITEM_MAP), E_INVAL); /* overlap */
    CHECK_EQ(tk_copy(40, A1, R_READ), E_OK);
    CHECK_EQ(flex(A2, 40, 0x10000, 0x50000, 0, R_READ, ITEM_GRANT), E_RIGHTS);
    CHECK_EQ(tk_inv(A2, AS_UNMAP, 0x10000, 0, 2, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_usage(BANK), before);
    /* Pages with nothing mapped are skipped, not an error. */
    CHECK_EQ(flex(A2, A1, 0x200000, 0x300000, 4, R_READ, ITEM_MAP), E_OK);
    CHECK(pte(A2, 0x300000) == NULL);
}

TEST(s3_destroying_a_frame_unmaps_it_everywhere_before_reuse)
{
    setup();
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ | R_WRITE, ITEM_MAP), E_OK);
    CHECK_EQ(flex(A2, A1, 0x10000, 0x40000, 0, R_READ | R_WRITE, ITEM_MAP), E_OK);
    CHECK_EQ(flex(A3, A1, 0x10000, 0x40000, 0, R_READ, ITEM_COPY), E_OK);
    u8 *page = frame_page(obj(F1));
    for (u32 i = 0; i < PG; i++)
        page[i] = 0xa5;  /* the old holder's secret */
    CHECK_EQ(tk_destroy(B, F1), E_OK);
    CHECK(pte(A1, 0x10000) == NULL);
    CHECK(pte(A2, 0x40000) == NULL);
    CHECK(pte(A3, 0x40000) == NULL);
    CHECK_EQ(tk_status(F1), SLOT_EMPTY);  /* the task's cap was part of the tree */
    /* Reuse: someone else's new frame gets zeroed memory, and no old
     * mapping can see it (S4). */
    CHECK_EQ(tk_create(B, OBJ_FRAME, 32, 0), E_OK);
    u8 *np = frame_page(obj(32));
    u32 leaked = 0;
    for (u32 i = 0; i < PG; i++)
        leaked += np[i] != 0;
    CHECK_EQ(leaked, 0);
    CHECK_EQ(map_frame(A3, 32, 0x70000, R_READ, ITEM_MAP), E_OK);
    CHECK(pte(A2, 0x40000) == NULL);
}

TEST(s2_destroying_a_bank_unmaps_its_frames)
{
    setup();
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(map_frame(A1, F2, 0x11000, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(flex(A2, A1, 0x10000, 0x40000, 1, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(tk_destroy(BANK, B), E_OK);
    CHECK(pte(A1, 0x10000) == NULL);
    CHECK(pte(A2, 0x41000) == NULL);
    CHECK_EQ(info(A2, 0x41000), SLOT_EMPTY);
}

TEST(s2_destroying_an_aspace_removes_what_was_derived_from_it)
{
    setup();
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(flex(A2, A1, 0x10000, 0x40000, 0, R_READ, ITEM_MAP), E_OK);
    u64 before = tk_usage(BANK);
    CHECK_EQ(tk_destroy(BANK, A1), E_OK);
    CHECK(pte(A2, 0x40000) == NULL);  /* C6: a child of a deleted mapping */
    CHECK(tk_usage(BANK) < before);
    CHECK_EQ(tk_status(F1), SLOT_LIVE); /* the frame itself lives on */
}

TEST(c5_aspace_unmap_is_restartable)
{
    setup();
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ, ITEM_MAP), E_OK);
    /* 200 mappings derived from one page: COPY it around A2 and A3. */
    for (u32 i = 0; i < 100; i++) {
        CHECK_EQ(flex(A2, A1, 0x10000, 0x100000 + i * PG, 0, R_READ, ITEM_MAP), E_OK);
        CHECK_EQ(flex(A3, A2, 0x100000 + i * PG, 0x100000 + i * PG, 0, R_READ, ITEM_MAP), E_OK);
    }
    int calls;
    CHECK_EQ(tk_inv_all(A1, AS_UNMAP, 0x10000, 0, 0, 0, 0, 0, &calls), E_OK);
    CHECK_EQ(calls, 4);  /* 200 nodes, REVOKE_BUDGET per call */
    for (u32 i = 0; i < 100; i++) {
        CHECK(pte(A2, 0x100000 + i * PG) == NULL);
        CHECK(pte(A3, 0x100000 + i * PG) == NULL);
    }
}

/* 100 caps (CS_MAP) and 100 mappings derived from frame `f`'s cap: more
 * than one step of work, and the named cap is among the first to go. */
static void many_children(u32 f)
{
    for (u32 i = 0; i < 100; i++) {
        CHECK_EQ(tk_map(100 + i, f, R_ALL), E_OK);
        CHECK_EQ(map_frame(A1, f, 0x100000 + i * PG, R_READ, ITEM_MAP), E_OK);
    }
}

TEST(s2_destroying_a_frame_with_many_children_is_one_call)
{
    setup();
    u64 use = tk_usage(B);
    oref f = obj(F1);
    many_children(F1);
    int calls;
    CHECK_EQ(tk_inv_all(B, BANK_DESTROY, CS, F1, 0, 0, 0, 0, &calls), E_OK);
    CHECK(calls > 1);
    CHECK_EQ(obj_get(f)->state, OS_FREE);
    CHECK_EQ(tk_usage(B), use - tk_charge(sizeof(struct frame)) - PG);
    CHECK_EQ(tk_status(F1), SLOT_EMPTY);
    for (u32 i = 0; i < 100; i++) {
        CHECK_EQ(tk_status(100 + i), SLOT_EMPTY);
        CHECK(pte(A1, 0x100000 + i * PG) == NULL);
    }
    CHECK_EQ(bank_body(obj(B))->pending.obj, 0);
}

/* Another call through the same bank finishes the destruction in progress
 * before its own; an ancestor destroying the object, or the bank holding
 * the record, leaves nothing behind (kernel_check after the test). */
TEST(s2_destruction_in_progress_finished_by_another_call)
{
    setup();
    u64 use = tk_usage(B);
    many_children(F1);
    CHECK_EQ(tk_inv(B, BANK_DESTROY, CS, F1, 0, 0, 0, 0), E_CONTINUE);
    CHECK_EQ(tk_create(B, OBJ_ENDPOINT, 40, 0), E_OK);
    CHECK_EQ(tk_inv_all(B, BANK_DESTROY, CS, 40, 0, 0, 0, 0, NULL), E_OK);
    CHECK_EQ(tk_usage(B), use - tk_charge(sizeof(struct frame)) - PG);
    CHECK_EQ(tk_status(40), SLOT_VOID);
    /* The starter's restart comes after the object is gone. */
    CHECK_EQ(tk_inv(B, BANK_DESTROY, CS, F1, 0, 0, 0, 0), E_EMPTY);
    /* Pending in B, finished by the root bank destroying the sub-bank that
     * pays for it: the record is stale and B's next call does its own. */
    CHECK_EQ(tk_create(B, OBJ_BANK, 41, MB), E_OK);
    CHECK_EQ(tk_create(41, OBJ_FRAME, 42, 0), E_OK);
    many_children(42);
    CHECK_EQ(tk_inv(B, BANK_DESTROY, CS, 42, 0, 0, 0, 0), E_CONTINUE);
    CHECK_EQ(tk_inv_all(BANK, BANK_DESTROY, CS, 41, 0, 0, 0, 0, NULL), E_OK);
    CHECK_EQ(tk_create(B, OBJ_ENDPOINT, 43, 0), E_OK);
    CHECK_EQ(tk_inv(B, BANK_DESTROY, CS, 43, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_status(43), SLOT_VOID);
    CHECK_EQ(tk_usage(B), use - tk_charge(sizeof(struct frame)) - PG);
    /* Pending in B when the root bank destroys B itself. */
    many_children(F2);
    CHECK_EQ(tk_inv(B, BANK_DESTROY, CS, F2, 0, 0, 0, 0), E_CONTINUE);
    CHECK_EQ(tk_destroy(BANK, B), E_OK);
    for (u32 i = 0; i < 100; i++)
        CHECK(pte(A1, 0x100000 + i * PG) == NULL);
}

/* S1 + restartability: an AddrSpace's page tables go in bounded steps. */
TEST(s2_aspace_page_tables_freed_in_bounded_steps)
{
    setup();
    u64 use = tk_usage(B);
    CHECK_EQ(tk_create(B, OBJ_ASPACE, 40, 0), E_OK);
    oref a = obj(40);
    /* 130 leaf tables under 4 middle tables, and the root: 135 pages. */
    for (u64 i = 0; i < 130; i++)
        CHECK_EQ(map_frame(40, F1, (i % 4) << 30 | i << 21, R_READ, ITEM_MAP), E_OK);
    u32 pages = aspace_body(a)->pt_pages, freed = 0, prev = pages, worst = 0;
    CHECK_EQ(pages, 135);
    int e, calls = 0;
    do {
        e = tk_inv(B, BANK_DESTROY, CS, 40, 0, 0, 0, 0);
        u32 now = obj_get(a)->state == OS_FREE ? 0 : aspace_body(a)->pt_pages;
        CHECK(now <= prev);
        worst = prev - now > worst ? prev - now : worst;
        freed += prev - now;
        prev = now;
        calls++;
    } while (e == E_CONTINUE && calls < 100);
    CHECK_EQ(e, E_OK);
    CHECK(worst <= REVOKE_BUDGET);
    CHECK_EQ(freed, pages);
    CHECK(calls >= 4);  /* 130 mappings and 135 pages, 64 units per step */
    CHECK_EQ(tk_usage(B), use);
}

TEST(s1_mapping_storage_charged_and_exhaustion)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 12, 64 * 1024), E_OK);
    CHECK_EQ(tk_create(12, OBJ_ASPACE, 13, 0), E_OK);
    u64 base = tk_usage(12);
    CHECK_EQ(map_frame(13, F1, 0x10000, R_READ, ITEM_MAP), E_OK);
    /* Radix (L2 + leaf) and two page-table levels, charged to bank 12. */
    u64 need = store_block_size(CS_L2_BYTES) + store_block_size(CS_LEAF_BYTES) + 2 * PG;
    CHECK_EQ(tk_usage(12), base + need);
    CHECK_EQ(tk_unmap(F1, 0), E_OK);
    /* Sweep the limit: below what a fresh region needs -> E_NOMEM and
     * nothing changed; at it -> mapped. */
    u64 far = 0x40000000;  /* a new 1 GiB region: 2 page tables + radix */
    u64 used = tk_usage(12);
    u64 probes[] = {0, 1, need - 1, need};
    for (u32 i = 0; i < 4; i++) {
        bank_body(obj(12))->limit = used + probes[i];
        int e = map_frame(13, F1, far, R_READ, ITEM_MAP);
        CHECK_EQ(e, probes[i] < need ? E_NOMEM : E_OK);
        CHECK_EQ(tk_usage(12), e == E_OK ? used + need : used);
        CHECK(e == E_OK || pte(13, far) == NULL);
    }
}

/* ---- IPC: memory items and pagers --------------------------------------- */

enum { EP = 40, T1 = 41, T2 = 42 };
static void run(u32 s)
{
    oref t = obj(s);
    if (sched_cur != t)
        sched_switch_to(t);
}
/* Thread s (made the running one unless it is) does system call n with a0
 * and the last message word w5 (an item), the other words zero. */
static void sysw(u32 s, u64 n, u64 a0_, u64 w5)
{
    const u64 w[MSG_WORDS] = {0, 0, 0, 0, 0, w5};
    run(s);
    trap(s, n, a0_, w);
}

static void ipc_setup(void)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    new_thread(BANK, T1, CS, A1, 0x1000, 10);
    new_thread(BANK, T2, CS, A2, 0x1000, 10);
    set_windows(T2, 0, 0, 0x400000, 4);
    start_thread(T1);
    start_thread(T2);
}

TEST(i3_memory_item_lands_in_the_window)
{
    ipc_setup();
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ | R_WRITE, ITEM_MAP), E_OK);
    sysw(T2, SYS_RECV, EP, 0);
    sysw(T1, SYS_SEND, msg(EP, 1, 1), MEM_ITEM(0x10000, 0, ITEM_MAP, R_READ));
    CHECK_EQ(a0(T1), E_OK);
    CHECK(pte(A2, 0x400000) == frame_page(obj(F1)));
    CHECK_EQ(pte_rights(A2, 0x400000), R_READ);
    /* The sender can take it back. */
    CHECK_EQ(unmap(A1, 0x10000, 0, 0), E_OK);
    CHECK(pte(A2, 0x400000) == NULL);
    /* A flexpage bigger than the window: E_FULL, nothing changes. */
    sysw(T2, SYS_RECV, EP, 0);
    sysw(T1, SYS_SEND, msg(EP, 1, 1), MEM_ITEM(0x10000, 5, ITEM_MAP, R_READ));
    CHECK_EQ(a0(T1), E_FULL);
    CHECK_EQ(th(T2)->state, THREAD_BLOCKED_RECV);
}

TEST(i5_pager_maps_a_page_on_fault)
{
    ipc_setup();
    /* T1 (in A1) faults at 0x123456; its pager T2 owns frame F1 mapped in
     * A2 and answers with a MAP item: the page lands at the faulting page. */
    CHECK_EQ(map_frame(A2, F1, 0x500000, R_READ | R_WRITE, ITEM_MAP), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_SET_IPC, EP, 0, 0, 0, MWIN_OFF, 0), E_OK);
    sysw(T2, SYS_RECV, EP, 0);
    run(T1);
    u64 pc = th(T1)->regs.pc;
    kernel_exception(FAULT_WRITE, 0x123456);
    CHECK_EQ(th(T2)->regs.x[REG_MSG(0)], 0x123456);
    sysw(T2, SYS_REPLY, MSG_INFO(FAULT_REPLY_RETRY, 1) << 32, MEM_ITEM(0x500000, 0, ITEM_MAP, R_READ | R_WRITE));
    CHECK_EQ(a0(T2), E_OK);
    CHECK_EQ(th(T1)->state, THREAD_RUNNABLE);
    CHECK_EQ(th(T1)->regs.pc, pc);  /* retries the access, which now works */
    CHECK(pte(A1, 0x123000) == frame_page(obj(F1)));
    CHECK_EQ(pte_rights(A1, 0x123000), R_READ | R_WRITE);
    /* The pager's UNMAP makes the next access fault again (to the pager). */
    CHECK_EQ(unmap(A2, 0x500000, 0, 0), E_OK);
    CHECK(pte(A1, 0x123000) == NULL);
}

/* ---- rules the mutation checks (tools/mutants.sh) look after ------------ */

/* S1 + I3: a memory item's radix nodes and page tables are charged to the
 * receiver's AddrSpace's bank, checked before anything moves: a flexpage
 * the bank can pay only half of fails with E_NOMEM, allocating nothing. */
TEST(s1_ipc_memory_items_charged_to_receiver_bank_all_or_nothing)
{
    ipc_setup();
    enum { RB = 12, RAS = 13 };
    CHECK_EQ(tk_create(BANK, OBJ_BANK, RB, 1 * MB), E_OK);
    CHECK_EQ(tk_create(RB, OBJ_ASPACE, RAS, 0), E_OK);
    CHECK_EQ(map_frame(A1, F1, 0x10000, R_READ | R_WRITE, ITEM_MAP), E_OK);
    CHECK_EQ(map_frame(A1, F2, 0x11000, R_READ | R_WRITE, ITEM_MAP), E_OK);
    /* T2 receives in RAS; its window straddles a 1 GiB boundary: each of
     * the two pages needs its own radix nodes and page tables. */
    CHECK_EQ(tk_inv(T2, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(T2, THREAD_CONFIGURE, CS, RAS, 0x1000, 0, 10, 0), E_OK);
    set_windows(T2, 0, 0, 0x3ffff000, 1);
    start_thread(T2);
    sysw(T2, SYS_RECV, EP, 0);
    CHECK_EQ(th(T2)->state, THREAD_BLOCKED_RECV);
    /* Room for the first page's nodes and tables, not the second's. */
    u64 one = store_block_size(CS_L2_BYTES) + store_block_size(CS_LEAF_BYTES) + 2 * PG;
    u64 used = tk_usage(RB);
    bank_body(obj(RB))->limit = used + one;
    sysw(T1, SYS_SEND, msg(EP, 1, 1), MEM_ITEM(0x10000, 1, ITEM_MAP, R_READ));
    CHECK_EQ(a0(T1), E_NOMEM);
    CHECK_EQ(tk_usage(RB), used);  /* nothing allocated */
    CHECK(pte(RAS, 0x3ffff000) == NULL);
    CHECK_EQ(th(T2)->state, THREAD_BLOCKED_RECV);
    /* With room for both it works. */
    bank_body(obj(RB))->limit = used + 2 * one;
    sysw(T1, SYS_SEND, msg(EP, 1, 1), MEM_ITEM(0x10000, 1, ITEM_MAP, R_READ));
    CHECK_EQ(a0(T1), E_OK);
    CHECK(pte(RAS, 0x3ffff000) == frame_page(obj(F1)));
    CHECK(pte(RAS, 0x40000000) == frame_page(obj(F2)));
    CHECK_EQ(tk_usage(RB), used + 2 * one);
}

/* S2 + S1: destroying an AddrSpace is bounded per step like every long
 * operation: one BANK_DESTROY call frees at most REVOKE_BUDGET units (a
 * page table page, a radix node, a mapping, the object), however many page
 * tables it has. Observed through its bank's usage between the calls.
 * (Fails while page tables are freed in one go: aspace_reap_step.) */
TEST(s2_aspace_destroy_frees_at_most_a_budget_per_step)
{
    tk_boot(16 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, B, 4 * MB), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_FRAME, F1, 0), E_OK);
    CHECK_EQ(tk_create(B, OBJ_ASPACE, A1, 0), E_OK);
    enum { REGIONS = 300 };  /* one page in each of 300 2 MiB regions */
    for (u64 i = 0; i < REGIONS; i++)
        CHECK_EQ(map_frame(A1, F1, i << 21, R_READ, ITEM_MAP), E_OK);
    CHECK(as(A1)->pt_pages >= REGIONS);
    u64 before = tk_usage(B), max_freed = 0;
    int e, calls = 0;
    do {
        u64 u = tk_usage(B);
        e = tk_inv(BANK, BANK_DESTROY, CS, A1, 0, 0, 0, 0);
        u64 freed = u - tk_usage(B);
        max_freed = freed > max_freed ? freed : max_freed;
        calls++;
    } while (e == E_CONTINUE && calls < 10000);
    CHECK_EQ(e, E_OK);
    CHECK_EQ(tk_usage(B), 0);
    CHECK(before > 2 * REVOKE_BUDGET * PG);
    if (max_freed > REVOKE_BUDGET * PG)
        CHECK_EQ(max_freed, REVOKE_BUDGET * PG);  /* shows what one step freed */
    CHECK(calls >= (int)((REGIONS + REVOKE_BUDGET - 1) / REVOKE_BUDGET));
}
