/* SPDX-License-Identifier: BSD-2-Clause */
/* t_ntfn.c: notification objects (docs/design.md §2 "Notification"):
 * signal, wait, poll, badges, FIFO waiters, binding to a thread's recv,
 * destruction (I6), rights and types. The harness plays the CPU
 * (fixture.h); kernel_check runs after each test (unit_main.c). */
#include "harness.h"
#include "fixture.h"
#include "endpoint.h"
#include "notification.h"

enum { AS = 20, N = 21, EP = 22, C1 = 23, C2 = 24, S = 25, H = 26,
       B1 = 30, B4 = 31, B8 = 32, RO = 33, WO = 34, N2 = 35, AS2 = 36, CS2 = 37 };

static u64 *reg(u32 slot) { return th(slot)->regs.x; }
static struct notification *nb(u32 slot) { return ntfn_body(obj(slot)); }
#define WORD REG_MSG(0)  /* NTFN_WAIT / NTFN_POLL: the word (r0 = a1) */

/* One notification N with badged caps B1 (badge 1), B4 (4), B8 (8), an
 * endpoint, four runnable threads. */
static void setup(void)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, N, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_mint(B1, N, R_ALL, 1, MINT_COPY), E_OK);
    CHECK_EQ(tk_mint(B4, N, R_ALL, 4, MINT_COPY), E_OK);
    CHECK_EQ(tk_mint(B8, N, R_ALL, 8, MINT_MAP), E_OK);
    u32 ts[] = {C1, C2, S, H};
    for (u32 i = 0; i < 4; i++) {
        new_thread(BANK, ts[i], CS, AS, 0x1000 * (i + 1), 10);
        start_thread(ts[i]);
    }
}

static void wait_(u32 t) { sys(t, SYS_INVOKE, msg(N, NTFN_WAIT, 0), 0, 0, 0, 0); }
static void signal_(u32 t, u32 cap) { sys(t, SYS_INVOKE, msg(cap, NTFN_SIGNAL, 0), 0, 0, 0, 0); }

TEST(ntfn_signal_before_wait_returns_at_once)
{
    setup();
    signal_(C2, B4);
    CHECK_EQ(a0(C2), E_OK);
    CHECK_EQ(nb(N)->word, 4);
    u64 pc = th(C1)->regs.pc;
    wait_(C1);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(reg(C1)[WORD], 4);
    CHECK_EQ(th(C1)->regs.pc, pc + 4);
    CHECK_EQ(nb(N)->word, 0);  /* taken */
}

TEST(ntfn_wait_blocks_and_signal_wakes_with_the_word)
{
    setup();
    u64 pc = th(C1)->regs.pc;
    wait_(C1);
    CHECK_EQ(state(C1), THREAD_BLOCKED_WAIT);
    CHECK_EQ(nb(N)->waiting, 1);
    CHECK_EQ(tk_inv(C1, THREAD_INFO, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], THREAD_BLOCKED_WAIT);
    signal_(C2, B8);
    CHECK_EQ(a0(C2), E_OK);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(reg(C1)[WORD], 8);
    CHECK_EQ(th(C1)->regs.pc, pc + 4);
    CHECK_EQ(nb(N)->word, 0);  /* handed over, not left in the word */
    CHECK_EQ(nb(N)->waiting, 0);
}

TEST(ntfn_badges_or_together)
{
    setup();
    signal_(C1, B1);
    signal_(C1, B4);
    signal_(C1, B1);
    CHECK_EQ(tk_inv(B8, NTFN_SIGNAL, 0, 0, 0, 0, 0, 0), E_OK);  /* the kernel's callers too */
    sys(C2, SYS_INVOKE, msg(N, NTFN_POLL, 0), 0, 0, 0, 0);
    CHECK_EQ(a0(C2), E_OK);
    CHECK_EQ(reg(C2)[WORD], 13);
}

TEST(ntfn_poll_never_blocks)
{
    setup();
    sys(C1, SYS_INVOKE, msg(N, NTFN_POLL, 0), 7, 7, 7, 7);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(reg(C1)[WORD], 0);
    signal_(C2, B4);
    CHECK_EQ(tk_inv(N, NTFN_POLL, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], 4);
    CHECK_EQ(tk_inv(N, NTFN_POLL, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], 0);
    /* Without a calling thread a wait can't block. */
    CHECK_EQ(tk_inv(N, NTFN_WAIT, 0, 0, 0, 0, 0, 0), E_WOULDBLOCK);
    CHECK_EQ(nb(N)->waiting, 0);
}

TEST(ntfn_waiters_are_fifo)
{
    setup();
    wait_(C1);
    wait_(C2);
    wait_(H);
    CHECK_EQ(nb(N)->waiting, 3);
    signal_(S, B1);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    CHECK_EQ(reg(C1)[WORD], 1);
    CHECK_EQ(state(C2), THREAD_BLOCKED_WAIT);
    signal_(S, B4);
    CHECK_EQ(state(C2), THREAD_RUNNABLE);
    CHECK_EQ(reg(C2)[WORD], 4);
    CHECK_EQ(state(H), THREAD_BLOCKED_WAIT);
    CHECK_EQ(nb(N)->waiting, 1);
}

TEST(ntfn_signal_to_higher_priority_waiter_switches_to_it)
{
    setup();
    CHECK_EQ(tk_inv(S, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(S, THREAD_CONFIGURE, CS, AS, 0x9000, 0, 50, 0), E_OK);
    start_thread(S);
    wait_(S);
    CHECK(sys(C1, SYS_INVOKE, msg(B1, NTFN_SIGNAL, 0), 0, 0, 0, 0) == &th(S)->regs);
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(reg(S)[WORD], 1);
}

TEST(ntfn_bound_signal_interrupts_recv)
{
    setup();
    CHECK_EQ(tk_inv(S, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_OK);
    u64 pc = th(S)->regs.pc;
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);
    signal_(C1, B4);
    CHECK_EQ(state(S), THREAD_RUNNABLE);
    CHECK_EQ(a0(S), E_NOTIFIED);
    CHECK_EQ(reg(S)[REG_BADGE], 4);
    CHECK_EQ(th(S)->regs.pc, pc + 4);
    CHECK_EQ(endpoint_body(obj(EP))->waiting, 0);  /* it left the endpoint queue */
    CHECK_EQ(nb(N)->word, 0);
    /* A word pending at recv comes before a queued sender; the sender's
     * message comes with the next recv. */
    sys(C2, SYS_SEND, msg(EP, 9, 0), 99, 0, 0, 0);
    signal_(C1, B1);
    signal_(C1, B8);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(a0(S), E_NOTIFIED);
    CHECK_EQ(reg(S)[REG_BADGE], 9);
    CHECK_EQ(state(C2), THREAD_BLOCKED_SEND);
    sys(S, SYS_NB_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(a0(S), E_OK | MSG_INFO(9, 0) << 32);
    CHECK_EQ(reg(S)[REG_MSG(0)], 99);
    /* A plain waiter comes before the bound thread. */
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    wait_(C2);
    signal_(C1, B1);
    CHECK_EQ(state(C2), THREAD_RUNNABLE);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);
    /* Unbound: a signal only sets the word. */
    CHECK_EQ(tk_inv(S, THREAD_BIND_NTFN, CAP_NONE, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(th(S)->ntfn.obj, 0);
    signal_(C1, B4);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);
    CHECK_EQ(nb(N)->word, 4);
}

TEST(ntfn_bound_word_at_reply_recv_takes_the_general_path)
{
    setup();
    CHECK_EQ(tk_inv(S, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_OK);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    sys(C1, SYS_INVOKE, msg(EP, 1, 0), 5, 0, 0, 0);
    CHECK_EQ(state(S), THREAD_RUNNABLE);
    signal_(C2, B4);  /* S is not in recv: the word waits */
    CHECK_EQ(nb(N)->word, 4);
    sys(S, SYS_REPLY_RECV, msg(EP, 2, 0), 6, 0, 0, 0);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);  /* the reply went out */
    CHECK_EQ(a0(C1), E_OK | MSG_INFO(2, 0) << 32);
    CHECK_EQ(state(S), THREAD_RUNNABLE);   /* and the recv ended at once */
    CHECK_EQ(a0(S), E_NOTIFIED);
    CHECK_EQ(reg(S)[REG_BADGE], 4);
}

TEST(ntfn_bind_errors_change_nothing)
{
    setup();
    CHECK_EQ(tk_inv(S, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_copy(RO, N, R_WRITE), E_OK);          /* no R_READ */
    CHECK_EQ(tk_copy(40, C1, R_READ), E_OK);          /* thread cap without R_WRITE */
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, 41, CS, N, 0, R_ALL), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, N2, 0), E_OK);
    struct slot before = th(S)->ntfn;
    CHECK_EQ(tk_inv(C1, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_BUSY);    /* bound to S */
    CHECK_EQ(tk_inv(C1, THREAD_BIND_NTFN, EP, 0, 0, 0, 0, 0), E_TYPE);
    CHECK_EQ(tk_inv(C1, THREAD_BIND_NTFN, 41, 0, 0, 0, 0, 0), E_TYPE);   /* a wrapper */
    CHECK_EQ(tk_inv(C1, THREAD_BIND_NTFN, RO, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(C1, THREAD_BIND_NTFN, 77, 0, 0, 0, 0, 0), E_EMPTY);
    CHECK_EQ(tk_inv(C1, THREAD_BIND_NTFN, CAP_ADDR_LIMIT, 0, 0, 0, 0, 0), E_BADCAP);
    CHECK_EQ(tk_inv(40, THREAD_BIND_NTFN, N2, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(th(C1)->ntfn.obj, 0);
    CHECK(th(S)->ntfn.obj == before.obj && th(S)->ntfn.epoch == before.epoch);
    CHECK_EQ(nb(N)->bound, obj(S));
    CHECK_EQ(nb(N2)->bound, 0);
    /* Rebinding S moves it: N is free for C1 then. */
    CHECK_EQ(tk_inv(S, THREAD_BIND_NTFN, N2, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(nb(N2)->bound, obj(S));
    CHECK_EQ(tk_inv(C1, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(S, THREAD_BIND_NTFN, N2, 0, 0, 0, 0, 0), E_OK);  /* again: fine */
}

TEST(ntfn_unmap_of_the_bound_cap_unbinds)
{
    setup();
    CHECK_EQ(tk_map(40, N, R_ALL), E_OK);
    CHECK_EQ(tk_inv(S, THREAD_BIND_NTFN, 40, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_unmap(40, 0), E_OK);  /* the thread's copy is 40's child */
    CHECK_EQ(th(S)->ntfn.obj, 0);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    signal_(C1, B1);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);  /* no longer delivered */
    CHECK_EQ(nb(N)->word, 1);
    CHECK_EQ(tk_inv(C1, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_OK);  /* not E_BUSY */
}

TEST(ntfn_destroy_wakes_waiters_with_revoked)
{
    setup();
    wait_(C1);
    wait_(C2);
    CHECK_EQ(tk_destroy(BANK, N), E_OK);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    CHECK_EQ(state(C2), THREAD_RUNNABLE);
    CHECK_EQ(a0(C1), E_REVOKED);
    CHECK_EQ(a0(C2), E_REVOKED);
    CHECK_EQ(tk_status(B1), SLOT_VOID);
    signal_(H, B1);
    CHECK_EQ(a0(H), E_REVOKED);
}

TEST(ntfn_destroy_is_bounded_and_restartable)
{
    tk_boot(16 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, N, 0), E_OK);
    for (u32 i = 0; i < 150; i++) {
        u32 t = 200 + i;
        new_thread(BANK, t, CS, AS, 0, 1);
        start_thread(t);
        wait_(t);
    }
    CHECK_EQ(nb(N)->waiting, 150);
    int calls;
    CHECK_EQ(tk_inv_all(BANK, BANK_DESTROY, CS, N, 0, 0, 0, 0, &calls), E_OK);
    CHECK_EQ(calls, 3);  /* 150 waiters woken, REVOKE_BUDGET per step */
    for (u32 i = 0; i < 150; i++) {
        CHECK_EQ(state(200 + i), THREAD_RUNNABLE);
        CHECK_EQ(reg(200 + i)[REG_MSGINFO], E_REVOKED);
    }
}

TEST(ntfn_destroyed_bound_notification_is_not_delivered)
{
    setup();
    CHECK_EQ(tk_inv(S, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_OK);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(tk_destroy(BANK, N), E_OK);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);  /* recv on the endpoint goes on */
    /* A new notification in the same table entry is not S's. */
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, N2, 0), E_OK);
    CHECK_EQ(tk_mint(40, N2, R_ALL, 2, MINT_COPY), E_OK);
    signal_(C1, 40);
    CHECK_EQ(a0(C1), E_OK);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);
    CHECK_EQ(nb(N2)->word, 2);
    sys(C1, SYS_SEND, msg(EP, 3, 0), 0, 0, 0, 0);
    CHECK_EQ(a0(S), E_OK | MSG_INFO(3, 0) << 32);
    /* S may bind again (its void cap goes). */
    CHECK_EQ(tk_inv(S, THREAD_BIND_NTFN, N2, 0, 0, 0, 0, 0), E_OK);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(a0(S), E_NOTIFIED);
    CHECK_EQ(reg(S)[REG_BADGE], 2);
}

TEST(ntfn_destroying_or_suspending_a_waiter_takes_it_off_the_queue)
{
    setup();
    wait_(C1);
    wait_(C2);
    wait_(H);
    CHECK_EQ(tk_destroy(BANK, C1), E_OK);
    CHECK_EQ(nb(N)->waiting, 2);
    CHECK_EQ(tk_inv(C2, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(nb(N)->waiting, 1);
    CHECK_EQ(state(C2), THREAD_INACTIVE);
    signal_(S, B4);
    CHECK_EQ(state(H), THREAD_RUNNABLE);  /* the last one left gets it */
    CHECK_EQ(reg(H)[WORD], 4);
    start_thread(C2);
    CHECK_EQ(a0(C2), E_REVOKED);  /* its wait was cancelled */
    /* A bound thread destroyed: the notification forgets it. */
    CHECK_EQ(tk_inv(S, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_destroy(BANK, S), E_OK);
    CHECK_EQ(nb(N)->bound, 0);
    CHECK_EQ(tk_inv(C2, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_OK);
}

TEST(ntfn_signal_passes_over_a_waiter_that_cannot_run)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS2, 0), E_OK);
    new_thread(BANK, 40, CS, AS2, 0x5000, 10);
    start_thread(40);
    wait_(40);
    wait_(C1);
    CHECK_EQ(tk_destroy(BANK, AS2), E_OK);  /* 40 can no longer run */
    signal_(C2, B1);
    CHECK_EQ(state(40), THREAD_FAULTED);
    CHECK_EQ(th(40)->fault, FAULT_ASPACE);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    CHECK_EQ(reg(C1)[WORD], 1);
    CHECK_EQ(nb(N)->waiting, 0);
}

TEST(ntfn_rights_and_types_errors_change_nothing)
{
    setup();
    CHECK_EQ(tk_mint(RO, N, R_READ, 2, MINT_COPY), E_OK);
    CHECK_EQ(tk_mint(WO, N, R_WRITE, 16, MINT_COPY), E_OK);
    signal_(C1, B4);
    signal_(C1, RO);
    CHECK_EQ(a0(C1), E_RIGHTS);
    signal_(C1, N);
    CHECK_EQ(a0(C1), E_INVAL);  /* unbadged */
    sys(C1, SYS_INVOKE, msg(WO, NTFN_WAIT, 0), 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_RIGHTS);
    CHECK_EQ(state(C1), THREAD_RUNNABLE);
    sys(C1, SYS_INVOKE, msg(WO, NTFN_POLL, 0), 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_RIGHTS);
    sys(C1, SYS_INVOKE, msg(N, 0x99, 0), 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_LABEL);
    sys(C1, SYS_INVOKE, msg(EP + 100, NTFN_SIGNAL, 0), 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_EMPTY);
    CHECK_EQ(nb(N)->word, 4);  /* only the good signal */
    /* A notification on an IPC system call, an IPC method on it. */
    sys(C1, SYS_RECV, N, 0, 0, 0, 0);
    CHECK_EQ(a0(C1), E_TYPE);
    /* MINT: badged once only; not for other types. */
    CHECK_EQ(tk_mint(40, B4, R_ALL, 2, MINT_COPY), E_INVAL);
    CHECK_EQ(tk_mint(40, N, R_ALL, 0, MINT_COPY), E_INVAL);
    CHECK_EQ(tk_mint(40, C1, R_ALL, 2, MINT_COPY), E_TYPE);
    CHECK_EQ(tk_status(40), SLOT_EMPTY);
    /* A wrapper with a badge signals with it (and rights masked). */
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, 41, CS, N, 32, R_ALL), E_OK);
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, 42, CS, N, 0, R_READ), E_OK);
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, 43, CS, B4, 2, R_ALL), E_INVAL);  /* badged already */
    signal_(C1, 41);
    CHECK_EQ(a0(C1), E_OK);
    signal_(C1, 42);
    CHECK_EQ(a0(C1), E_RIGHTS);
    CHECK_EQ(nb(N)->word, 36);
    CHECK_EQ(tk_destroy(BANK, 41), E_OK);
    signal_(C1, 41);
    CHECK_EQ(a0(C1), E_REVOKED);
    CHECK_EQ(nb(N)->word, 36);
    /* BANK_CREATE makes it; its bank pays (S1). */
    u64 before = tk_usage(BANK);
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, N2, 0), E_OK);
    CHECK_EQ(tk_usage(BANK) - before, tk_charge(sizeof(struct notification)));
}
