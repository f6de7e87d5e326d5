/* SPDX-License-Identifier: BSD-2-Clause */
/* t_ipc.c: IPC (I1..I6) and wrapper forwarding (C8) on the host. The
 * harness plays the CPU (fixture.h): sys() makes a thread the running one,
 * puts a system call in its registers and enters the kernel. */
#include "harness.h"
#include "fixture.h"
#include "endpoint.h"

enum { AS = 20, EP = 21, C1 = 22, C2 = 23, S = 24, H = 25, W = 26, EP2 = 27 };

static u64 *reg(u32 slot) { return th(slot)->regs.x; }

/* Four threads in the root CSpace and one AddrSpace, each with a cap
 * window of 4 slots at 100 + 10 i and no memory window. */
static void setup(void)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    u32 ts[] = {C1, C2, S, H};
    for (u32 i = 0; i < 4; i++) {
        new_thread(BANK, ts[i], CS, AS, 0x1000 * (i + 1), 10);
        set_windows(ts[i], 100 + 10 * i, 4, 0, MWIN_OFF);
        start_thread(ts[i]);
    }
}

TEST(i1_call_delivers_label_words_and_badge)
{
    setup();
    CHECK_EQ(tk_mint(30, EP, R_ALL, 0xb1, MINT_COPY), E_OK);
    CHECK(sys(S, SYS_RECV, EP, 0, 0, 0, 0) == NULL || state(S) == THREAD_BLOCKED_RECV);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);
    u64 pc = th(C1)->regs.pc;
    sys(C1, SYS_INVOKE, msg(30, 0x77, 0), 1, 2, 3, 4);
    CHECK_EQ(state(C1), THREAD_BLOCKED_REPLY);
    CHECK_EQ(state(S), THREAD_RUNNABLE);
    CHECK_EQ(a0(S), E_OK | MSG_INFO(0x77, 0) << 32);
    CHECK_EQ(reg(S)[REG_MSG(0)], 1);
    CHECK_EQ(reg(S)[REG_MSG(3)], 4);
    CHECK_EQ(reg(S)[REG_BADGE], 0xb1);
    /* The reply resumes the caller past its ecall with the reply message. */
    sys(S, SYS_REPLY, msg(0, 0x55, 0), 9, 8, 0, 0);
    CHECK_EQ(a0(S), E_OK);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    CHECK_EQ(a0(C1), E_OK | MSG_INFO(0x55, 0) << 32);
    CHECK_EQ(reg(C1)[REG_MSG(0)], 9);
    CHECK_EQ(th(C1)->regs.pc, pc + 4);
}

TEST(i1_senders_queue_fifo_and_send_does_not_wait_for_reply)
{
    setup();
    sys(C1, SYS_SEND, msg(EP, 1, 0), 11, 0, 0, 0);
    sys(C2, SYS_INVOKE, msg(EP, 2, 0), 22, 0, 0, 0);
    CHECK_EQ(state(C1), THREAD_BLOCKED_SEND);
    CHECK_EQ(state(C2), THREAD_BLOCKED_SEND);
    CHECK_EQ(endpoint_body(tk_slot(EP)->obj)->waiting, 2);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(reg(S)[REG_MSG(0)], 11);       /* the oldest first */
    CHECK_EQ(state(C1), THREAD_RUNNABLE);   /* a send is done once received */
    CHECK_EQ(a0(C1), E_OK);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(reg(S)[REG_MSG(0)], 22);
    CHECK_EQ(state(C2), THREAD_BLOCKED_REPLY); /* a call waits for the reply */
}

TEST(i1_non_blocking_variants)
{
    setup();
    sys(C1, SYS_NB_SEND, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_WOULDBLOCK);
    sys(S, SYS_NB_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(a0(S), E_WOULDBLOCK);
    CHECK_EQ(endpoint_body(tk_slot(EP)->obj)->waiting, 0);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    sys(C1, SYS_NB_SEND, msg(EP, 1, 0), 5, 0, 0, 0);
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(reg(S)[REG_MSG(0)], 5);
}

TEST(i1_rights_and_types)
{
    setup();
    CHECK_EQ(tk_copy(30, EP, R_READ), E_OK);
    CHECK_EQ(tk_copy(31, EP, R_WRITE), E_OK);
    sys(C1, SYS_SEND, msg(30, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_RIGHTS);
    sys(C1, SYS_RECV, 31, 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_RIGHTS);
    sys(C1, SYS_RECV, CS, 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_TYPE);
    sys(C1, SYS_SEND, 77, 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_EMPTY);
    sys(C1, SYS_SEND, CAP_ADDR_LIMIT, 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_BADCAP);
    /* I4: SYS_INVOKE on a kernel object is a kernel call. */
    sys(C1, SYS_INVOKE, msg(BANK, BANK_QUERY, 0), 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(reg(C1)[REG_MSG(0)], tk_usage(BANK));
}

TEST(i1_higher_priority_receiver_runs_first)
{
    setup();
    CHECK_EQ(tk_inv(S, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(S, THREAD_CONFIGURE, CS, AS, 0x9000, 0, 50, 0), E_OK);
    start_thread(S);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK(sys(C1, SYS_SEND, msg(EP, 1, 0), 0, 0, 0, 0) == &th(S)->regs);
}

TEST(i2_reply_is_one_shot)
{
    setup();
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    sys(C1, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    sys(S, SYS_REPLY, 0, 0, 0, 0, 0);
    CHECK_EQ(a0(S), E_OK);
    sys(S, SYS_REPLY, 0, 0, 0, 0, 0);
    CHECK_EQ(a0(S), E_EMPTY);  /* the second reply fails */
    sys(H, SYS_REPLY, 0, 0, 0, 0, 0);
    CHECK_EQ(a0(H), E_EMPTY);  /* never received a call */
}

TEST(i2_reply_after_caller_destroyed_or_cancelled)
{
    setup();
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    sys(C1, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(tk_destroy(BANK, C1), E_OK);
    sys(S, SYS_REPLY, 0, 0, 0, 0, 0);
    CHECK_EQ(a0(S), E_REVOKED);
    /* A call cancelled by suspending the caller: the reply fails too, and the
     * caller, when started again, sees E_REVOKED from its call. */
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    sys(C2, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(tk_inv(C2, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    sys(S, SYS_REPLY, 0, 0, 0, 0, 0);
    CHECK_EQ(a0(S), E_REVOKED);
    start_thread(C2);
    CHECK_EQ(a0(C2), E_REVOKED);
}

TEST(i2_server_destroyed_wakes_its_caller)
{
    setup();
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    sys(C1, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(tk_destroy(BANK, S), E_OK);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    CHECK_EQ(a0(C1), E_REVOKED);
}


/* Send `items` transfer items (the last words of the message: w3..w5). */
static void sendn(u32 from, u64 n, u32 cap, u32 items, u64 i0, u64 i1, u64 i2)
{
    u64 *x = reg(from);
    u64 it[3] = {i0, i1, i2};
    sched_switch_to(tk_slot(from)->obj);
    x[REG_SYSNO] = n;
    x[REG_MSGINFO] = msg(cap, 7, items);
    for (u32 i = 0; i < MSG_WORDS; i++)
        x[REG_MSG(i)] = i == 0 ? 0xabc : 0;
    for (u32 i = 0; i < items; i++)
        x[REG_MSG(MSG_WORDS - items + i)] = it[i];
    kernel_syscall();
}
#define send3(f, n, c, a, b, d) sendn(f, n, c, 3, a, b, d)
#define send1(f, n, c, a) sendn(f, n, c, 1, a, 0, 0)

TEST(i3_items_land_in_window_with_tree_semantics)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 40, 0), E_OK);
    CHECK_EQ(tk_map(41, 40, R_ALL), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 42, 0), E_OK);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);  /* S's window: slots 120..123 */
    send3(C1, SYS_SEND, EP, ITEM(40, ITEM_MAP, R_READ), ITEM(41, ITEM_GRANT, R_ALL),
          ITEM(42, ITEM_COPY, R_ALL));
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(a0(S), E_OK | MSG_INFO(7, 3) << 32);
    CHECK_EQ(tk_parent(120), 40);            /* MAP: child of the sender's cap */
    CHECK_EQ(tk_slot(120)->rights, R_READ);
    CHECK_EQ(tk_status(41), SLOT_EMPTY);     /* GRANT moved it...  */
    CHECK_EQ(tk_parent(121), 40);            /* ...keeping its place */
    CHECK_EQ(tk_parent(122), -1);            /* COPY of a root: a root */
    /* The sender can take back what it mapped. */
    CHECK_EQ(tk_unmap(40, 0), E_OK);
    CHECK_EQ(tk_status(120), SLOT_EMPTY);
    CHECK_EQ(tk_status(121), SLOT_EMPTY);
    CHECK_EQ(tk_status(122), SLOT_LIVE);
}

TEST(i3_items_that_do_not_fit_change_nothing)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 40, 0), E_OK);
    CHECK_EQ(tk_copy(121, 40, R_ALL), E_OK);  /* occupies S's window slot 1 */
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    u64 before = tk_usage(BANK);
    send3(C1, SYS_SEND, EP, ITEM(40, ITEM_COPY, R_ALL), ITEM(40, ITEM_COPY, R_ALL),
          ITEM(40, ITEM_COPY, R_ALL));
    CHECK_EQ(a0(C1), E_FULL);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);  /* still waiting, untouched */
    CHECK_EQ(tk_status(120), SLOT_EMPTY);
    CHECK_EQ(tk_status(122), SLOT_EMPTY);
    CHECK_EQ(tk_usage(BANK), before);
    /* Other failures: empty source, bad op, GRANT of one cap twice, no grant
     * right on the endpoint cap. */
    send1(C1, SYS_SEND, EP, ITEM(77, ITEM_COPY, R_ALL));
    CHECK_EQ(a0(C1), E_EMPTY);
    send1(C1, SYS_SEND, EP, ITEM(40, 3, R_ALL));
    CHECK_EQ(a0(C1), E_INVAL);
    CHECK_EQ(tk_delete(121), E_OK);
    sendn(C1, SYS_SEND, EP, 2, ITEM(40, ITEM_GRANT, R_ALL), ITEM(40, ITEM_COPY, R_ALL), 0);
    CHECK_EQ(a0(C1), E_INVAL);
    CHECK_EQ(tk_copy(50, EP, R_READ | R_WRITE), E_OK);
    send1(C1, SYS_SEND, 50, ITEM(40, ITEM_COPY, R_ALL));
    CHECK_EQ(a0(C1), E_RIGHTS);
    CHECK_EQ(tk_status(40), SLOT_LIVE);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);
    /* A receiver whose window is too small, arriving second, gets the error
     * and the queued sender stays queued. */
    CHECK_EQ(tk_inv(S, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    set_windows(S, 120, 1, 0, 0);
    start_thread(S);
    sendn(C1, SYS_SEND, EP, 2, ITEM(40, ITEM_COPY, R_ALL), ITEM(40, ITEM_COPY, R_ALL), 0);
    CHECK_EQ(state(C1), THREAD_BLOCKED_SEND);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(a0(S), E_FULL);
    CHECK_EQ(state(C1), THREAD_BLOCKED_SEND);
}

TEST(i3_grant_through_proxy_that_exits)
{
    /* The seed's transport chain: C1 -> proxy H (GRANT) -> server S. */
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 40, 0), E_OK);
    CHECK_EQ(tk_map(41, 40, R_ALL), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP2, 0), E_OK);
    sys(H, SYS_RECV, EP, 0, 0, 0, 0);          /* H's window: 130.. */
    send1(C1, SYS_SEND, EP, ITEM(41, ITEM_GRANT, R_ALL));
    CHECK_EQ(tk_status(130), SLOT_LIVE);
    sys(S, SYS_RECV, EP2, 0, 0, 0, 0);         /* S's window: 120.. */
    send1(H, SYS_SEND, EP2, ITEM(130, ITEM_GRANT, R_ALL));
    CHECK_EQ(a0(H), E_OK);
    CHECK_EQ(tk_destroy(BANK, H), E_OK);       /* the proxy exits */
    CHECK_EQ(tk_status(130), SLOT_EMPTY);
    CHECK_EQ(tk_status(120), SLOT_LIVE);
    CHECK_EQ(tk_parent(120), 40);              /* still revocable by the origin */
}

TEST(c8_call_through_wrapper_and_revoke)
{
    setup();
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, W, CS, EP, 0x5a, R_ALL), E_OK);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    sys(C1, SYS_INVOKE, msg(W, 3, 0), 0, 0, 0, 0);
    CHECK_EQ(reg(S)[REG_BADGE], 0x5a);  /* the wrapper's badge, no extra IPC */
    CHECK_EQ(state(C1), THREAD_BLOCKED_REPLY);
    sys(S, SYS_REPLY_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    /* C2 blocks calling through the wrapper (S is busy); revoking the
     * wrapper fails that call at once, and every later call too. */
    sys(C1, SYS_INVOKE, msg(EP, 3, 0), 0, 0, 0, 0);   /* S takes C1's call */
    sys(C2, SYS_INVOKE, msg(W, 3, 0), 0, 0, 0, 0);
    CHECK_EQ(state(C2), THREAD_BLOCKED_SEND);
    CHECK_EQ(tk_destroy(BANK, W), E_OK);
    CHECK_EQ(state(C2), THREAD_RUNNABLE);
    CHECK_EQ(a0(C2), E_REVOKED);
    CHECK_EQ(endpoint_body(tk_slot(EP)->obj)->waiting, 0);
    sys(C2, SYS_INVOKE, msg(W, 3, 0), 0, 0, 0, 0);
    CHECK_EQ(a0(C2), E_REVOKED);
    /* The direct cap still works. */
    sys(S, SYS_REPLY_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
}

TEST(i5_fault_goes_to_handler_which_resumes_the_thread)
{
    setup();
    CHECK_EQ(tk_mint(30, EP, R_ALL, 0xfa, MINT_COPY), E_OK);
    CHECK_EQ(tk_inv(C1, THREAD_SET_IPC, 30, 0, 0, 0, 0, 0), E_OK);
    sys(H, SYS_RECV, EP, 0, 0, 0, 0);
    sched_switch_to(tk_slot(C1)->obj);
    u64 pc = th(C1)->regs.pc;
    reg(C1)[REG_MSGINFO] = 0x1234;
    kernel_exception(FAULT_WRITE, 0xbad0);
    CHECK_EQ(state(C1), THREAD_BLOCKED_REPLY);
    CHECK_EQ(a0(H), E_OK | MSG_INFO(FAULT_WRITE, 0) << 32);
    CHECK_EQ(reg(H)[REG_MSG(0)], 0xbad0);
    CHECK_EQ(reg(H)[REG_MSG(1)], pc);
    CHECK_EQ(reg(H)[REG_BADGE], 0xfa);
    /* Resume at another pc; the thread's registers are untouched. */
    sys(H, SYS_REPLY, msg(0, FAULT_REPLY_SETPC, 0), pc + 0x40, 0, 0, 0);
    CHECK_EQ(a0(H), E_OK);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    CHECK_EQ(th(C1)->regs.pc, pc + 0x40);
    CHECK_EQ(a0(C1), 0x1234);
    /* A fault with the handler not waiting queues; a plain reply retries. */
    sched_switch_to(tk_slot(C1)->obj);
    kernel_exception(FAULT_READ, 0x10);
    CHECK_EQ(state(C1), THREAD_BLOCKED_SEND);
    sys(H, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(reg(H)[REG_MSG(0)], 0x10);
    sys(H, SYS_REPLY, msg(0, FAULT_REPLY_RETRY, 0), 0, 0, 0, 0);
    CHECK_EQ(th(C1)->regs.pc, pc + 0x40);
    /* Without a fault endpoint the thread stops. */
    sched_switch_to(tk_slot(C2)->obj);
    kernel_exception(FAULT_ILLEGAL, 0);
    CHECK_EQ(state(C2), THREAD_FAULTED);
}

TEST(i6_endpoint_destroyed_wakes_every_waiter)
{
    setup();
    sys(C1, SYS_SEND, msg(EP, 1, 0), 0, 0, 0, 0);
    sys(C2, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    sys(S, SYS_SEND, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(tk_destroy(BANK, EP), E_OK);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    CHECK_EQ(state(C2), THREAD_RUNNABLE);
    CHECK_EQ(state(S), THREAD_RUNNABLE);
    CHECK_EQ(a0(C1), E_REVOKED);
    CHECK_EQ(a0(C2), E_REVOKED);
    CHECK_EQ(a0(S), E_REVOKED);
}

TEST(i6_endpoint_destroy_is_bounded_and_restartable)
{
    tk_boot(16 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    for (u32 i = 0; i < 150; i++) {
        u32 t = 200 + i;
        new_thread(BANK, t, CS, AS, 0, 1);
        start_thread(t);
        sys(t, SYS_RECV, EP, 0, 0, 0, 0);
    }
    int calls;
    CHECK_EQ(tk_inv_all(BANK, BANK_DESTROY, CS, EP, 0, 0, 0, 0, &calls), E_OK);
    CHECK_EQ(calls, 3);  /* 150 waiters woken, REVOKE_BUDGET per step */
    for (u32 i = 0; i < 150; i++)
        CHECK_EQ(reg(200 + i)[REG_MSGINFO], E_REVOKED);
}

TEST(i6_thread_destroyed_while_queued_leaves_the_queue)
{
    setup();
    sys(C1, SYS_SEND, msg(EP, 1, 0), 1, 0, 0, 0);
    sys(C2, SYS_SEND, msg(EP, 1, 0), 2, 0, 0, 0);
    CHECK_EQ(tk_destroy(BANK, C1), E_OK);
    CHECK_EQ(endpoint_body(tk_slot(EP)->obj)->waiting, 1);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(reg(S)[REG_MSG(0)], 2);
    CHECK_EQ(tk_inv(C2, THREAD_SET_IPC, CS, 0, 0, 0, 0, 0), E_TYPE);
    CHECK_EQ(tk_inv(C2, THREAD_SET_IPC, CAP_NONE, CAP_ADDR_LIMIT, 1, 0, 0, 0), E_BADCAP);
    CHECK_EQ(tk_inv(C2, THREAD_SET_IPC, CAP_NONE, 10, CAP_ADDR_LIMIT, 0, 0, 0), E_BADCAP);
}

/* ---- rules the mutation checks (tools/mutants.sh) look after ------------ */

/* S1 + I3: new radix nodes for cap items are charged to the receiver's
 * CSpace's bank, checked before anything moves: a transfer the bank can
 * only half pay fails with E_NOMEM and leaves no node behind. */
TEST(s1_ipc_cap_items_charged_to_receiver_bank_all_or_nothing)
{
    setup();
    enum { RB = 60, RCS = 61 };
    CHECK_EQ(tk_create(BANK, OBJ_BANK, RB, 1 * MB), E_OK);
    CHECK_EQ(tk_create(RB, OBJ_CSPACE, RCS, 0), E_OK);
    CHECK_EQ(tk_inv(RCS, CS_COPY, 1, CS, EP, R_ALL, 0, 0), E_OK);
    /* S receives in CSpace RCS; its window straddles two radix leaves, the
     * second one under a new second-level node. */
    u32 base = (1u << (CS_L2_BITS + CS_LEAF_BITS)) - 1;
    CHECK_EQ(tk_inv(S, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(S, THREAD_CONFIGURE, RCS, AS, 0x9000, 0, 10, 0), E_OK);
    set_windows(S, base, 2, 0, MWIN_OFF);
    start_thread(S);
    sys(S, SYS_RECV, 1, 0, 0, 0, 0);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 40, 0), E_OK);
    /* Room for one leaf: not for the leaf + node + leaf the items need. */
    u64 used = tk_usage(RB);
    bank_body(tk_slot(RB)->obj)->limit = used + store_block_size(CS_LEAF_BYTES);
    sendn(C1, SYS_SEND, EP, 2, ITEM(40, ITEM_COPY, R_ALL), ITEM(EP, ITEM_COPY, R_ALL), 0);
    CHECK_EQ(a0(C1), E_NOMEM);
    CHECK_EQ(tk_usage(RB), used);             /* nothing allocated */
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);  /* still waiting */
    /* With the room, the same transfer works and is charged there. */
    bank_body(tk_slot(RB)->obj)->limit = 1 * MB;
    sendn(C1, SYS_SEND, EP, 2, ITEM(40, ITEM_COPY, R_ALL), ITEM(EP, ITEM_COPY, R_ALL), 0);
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(tk_usage(RB), used + 2 * store_block_size(CS_LEAF_BYTES) + store_block_size(CS_L2_BYTES));
}

/* Scheduling: the call fast path switches straight to the receiver only if
 * that is what the scheduler would choose; a lower-priority receiver waits
 * while a more important thread is ready. */
TEST(sched_call_never_switches_to_a_lower_priority_receiver)
{
    setup();
    u32 re[] = {C1, H};
    u64 prio[] = {50, 30};
    for (u32 i = 0; i < 2; i++) {
        CHECK_EQ(tk_inv(re[i], THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
        CHECK_EQ(tk_inv(re[i], THREAD_CONFIGURE, CS, AS, 0x9000, 0, prio[i], 0), E_OK);
        start_thread(re[i]);
    }
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);  /* S (priority 10) waits */
    struct hal_regs *next = sys(C1, SYS_INVOKE, msg(EP, 1, 0), 5, 0, 0, 0);
    CHECK_EQ(state(C1), THREAD_BLOCKED_REPLY);
    CHECK_EQ(state(S), THREAD_RUNNABLE);
    CHECK_EQ(reg(S)[REG_MSG(0)], 5);
    CHECK(next == &th(H)->regs);  /* H (30) runs, not S (10) */
    CHECK(sched_cur == tk_slot(H)->obj);
    /* An equal-priority receiver is switched to directly. */
    setup();
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK(sys(C1, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0) == &th(S)->regs);
}

/* C1 for IPC: every cap item's rights mask removes rights, for COPY, MAP
 * and GRANT alike; it never adds any. */
TEST(c1_ipc_cap_items_apply_the_rights_mask)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 40, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 41, 0), E_OK);
    CHECK_EQ(tk_copy(42, EP, R_READ | R_GRANT), E_OK);  /* a source without write */
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);  /* S's window: 120.. */
    send3(C1, SYS_SEND, EP, ITEM(40, ITEM_COPY, R_READ), ITEM(41, ITEM_MAP, R_WRITE | R_GRANT),
          ITEM(42, ITEM_GRANT, R_ALL));
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(tk_slot(120)->rights, R_READ);
    CHECK_EQ(tk_slot(121)->rights, R_WRITE | R_GRANT);
    CHECK_EQ(tk_slot(122)->rights, R_READ | R_GRANT);  /* R_ALL adds nothing */
    CHECK_EQ(tk_inv(S, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    set_windows(S, 130, 3, 0, MWIN_OFF);
    start_thread(S);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    send3(C1, SYS_SEND, EP, ITEM(40, ITEM_MAP, 0), ITEM(41, ITEM_COPY, R_READ),
          ITEM(122, ITEM_GRANT, R_GRANT));
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(tk_slot(130)->rights, 0);
    CHECK_EQ(tk_slot(131)->rights, R_READ);
    CHECK_EQ(tk_slot(132)->rights, R_GRANT);
}
