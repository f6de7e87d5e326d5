/* SPDX-License-Identifier: BSD-2-Clause */
/* t_sched.c: CPU time as a capability (T1, T2): SchedContexts, budgets,
 * refills, timeout faults, time lent to passive servers. The harness plays
 * the CPU and the timer: kernel_timer() is one tick. */
#include "harness.h"
#include "fixture.h"
#include "endpoint.h"
#include "schedctx.h"

enum { AS = 20, EP = 21, C = 22, S = 23, S2 = 24, H = 25, SC = 26, SC2 = 27, SCM = 28, X = 29, TEP = 30 };

/* Threads C (client), S and S2 (servers), H (handler) in the root CSpace;
 * C and H have full time of their own, S and S2 none (passive). */
static void setup(void)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, TEP, 0), E_OK);
    u32 ts[] = {C, S, S2, H};
    for (u32 i = 0; i < 4; i++) {
        new_thread(BANK, ts[i], CS, AS, 0x1000 * (i + 1), 10);
        start_thread(ts[i]);
    }
    CHECK_EQ(tk_inv(S, THREAD_BIND_SC, CAP_NONE, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(S2, THREAD_BIND_SC, CAP_NONE, 0, 0, 0, 0, 0), E_OK);
}

static u64 sc_consumed(u32 sc)
{
    CHECK_EQ(tk_inv(sc, SC_QUERY, 0, 0, 0, 0, 0, 0), E_OK);
    return tk_r[0];
}

/* The thread the scheduler runs next (0: none). */
static oref next(void)
{
    sched_next();
    return sched_cur;
}

/* A SchedContext at slot sc with budget/period, bound to thread t. */
static void give(u32 t, u32 sc, u64 budget, u64 period)
{
    CHECK_EQ(tk_create(BANK, OBJ_SCHEDCTX, sc, 0), E_OK);
    CHECK_EQ(tk_inv(sc, SC_CONFIGURE, budget, period, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(t, THREAD_BIND_SC, sc, 0, 0, 0, 0, 0), E_OK);
}

TEST(t1_thread_without_time_never_runs)
{
    setup();
    /* S is runnable but passive: never chosen, not on a run queue. */
    for (int i = 0; i < 20; i++) {
        CHECK(next() != obj(S));
        kernel_timer();
    }
    CHECK_EQ(state(S), THREAD_RUNNABLE);
    CHECK_EQ(th(S)->queued, 0);
    /* An unconfigured SchedContext gives no time either. */
    CHECK_EQ(tk_create(BANK, OBJ_SCHEDCTX, SC, 0), E_OK);
    CHECK_EQ(tk_inv(S, THREAD_BIND_SC, SC, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(th(S)->queued, 0);
    CHECK_EQ(tk_inv(SC, SC_CONFIGURE, 5, 5, 0, 0, 0, 0), E_OK);
    CHECK_EQ(th(S)->queued, 1);  /* now it has time */
}

TEST(t1_budget_is_charged_per_tick_and_refilled_each_period)
{
    setup();
    CHECK_EQ(tk_inv(C, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(H, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    give(S, SC, 2, 5);
    u64 t0 = sched_now;
    CHECK_EQ(next(), obj(S));
    kernel_timer();
    CHECK_EQ(sched_cur, obj(S));
    kernel_timer();  /* the budget ran out */
    CHECK(next() != obj(S));
    CHECK_EQ(th(S)->waiting_time, 1);
    CHECK_EQ(sc_consumed(SC), 2);
    CHECK_EQ(tk_r[1], 0);   /* remaining */
    CHECK_EQ(tk_r[2], 1);   /* overruns */
    while (sched_now < t0 + 5)
        kernel_timer();     /* the next period starts: it runs again */
    CHECK_EQ(next(), obj(S));
    CHECK_EQ(th(S)->waiting_time, 0);
    /* Over 10 periods it gets exactly its budget in each. */
    u64 start = sc_consumed(SC);
    for (int i = 0; i < 50; i++) {
        next();
        kernel_timer();
    }
    CHECK_EQ(sc_consumed(SC) - start, 20);
}

TEST(t1_timeout_fault_goes_to_the_handler_and_its_reply_resumes)
{
    setup();
    CHECK_EQ(tk_inv(C, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    give(S, SC, 1, 4);
    CHECK_EQ(tk_inv(S, THREAD_SET_TIMEOUT, TEP, 0, 0, 0, 0, 0), E_OK);
    sys(H, SYS_RECV, TEP, 0, 0, 0, 0);
    CHECK_EQ(state(H), THREAD_BLOCKED_RECV);
    CHECK_EQ(next(), obj(S));
    u64 pc = th(S)->regs.pc;
    kernel_timer();
    CHECK_EQ(state(S), THREAD_BLOCKED_REPLY);
    CHECK_EQ(state(H), THREAD_RUNNABLE);
    CHECK_EQ(th(H)->regs.x[REG_MSGINFO] >> 32, MSG_INFO(FAULT_TIMEOUT, 0));
    CHECK_EQ(th(H)->regs.x[REG_MSG(1)], pc);
    sys(H, SYS_REPLY, msg(0, FAULT_REPLY_RETRY, 0), 0, 0, 0, 0);
    CHECK_EQ(state(S), THREAD_RUNNABLE);
    CHECK_EQ(th(S)->regs.pc, pc);        /* resumed where it was */
    CHECK_EQ(th(S)->queued, 0);          /* once it has time again */
    while (th(S)->waiting_time)
        kernel_timer();
    CHECK_EQ(th(S)->queued, 1);
}

TEST(t1_destroyed_or_unmapped_schedctx_stops_the_thread)
{
    setup();
    CHECK_EQ(tk_inv(C, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(H, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    give(S, SC, 10, 10);
    CHECK_EQ(next(), obj(S));
    CHECK_EQ(tk_destroy(BANK, SC), E_OK);
    CHECK(next() != obj(S));
    CHECK_EQ(th(S)->waiting_time, 1);
    /* A MAPped cap bound, then UNMAPped by the holder of the original. */
    CHECK_EQ(tk_create(BANK, OBJ_SCHEDCTX, SC2, 0), E_OK);
    CHECK_EQ(tk_inv(SC2, SC_CONFIGURE, 10, 10, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_map(SCM, SC2, R_ALL), E_OK);
    CHECK_EQ(tk_inv(S, THREAD_BIND_SC, SCM, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(next(), obj(S));
    CHECK_EQ(tk_unmap(SC2, 0), E_OK);
    CHECK_EQ(tk_status(SCM), SLOT_EMPTY);
    CHECK(next() != obj(S));
    /* Time given again: it runs. */
    CHECK_EQ(tk_inv(S, THREAD_BIND_SC, SC2, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(next(), obj(S));
}

TEST(t1_bad_arguments_change_nothing)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_SCHEDCTX, SC, 0), E_OK);
    CHECK_EQ(tk_inv(SC, SC_CONFIGURE, 0, 10, 0, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_inv(SC, SC_CONFIGURE, 11, 10, 0, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_inv(SC, SC_CONFIGURE, 1, (1ull << 32) + 1, 0, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_inv(SC, SC_QUERY, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[3], 0);  /* still unconfigured */
    CHECK_EQ(tk_inv(S, THREAD_BIND_SC, EP, 0, 0, 0, 0, 0), E_TYPE);
    CHECK_EQ(tk_inv(S, THREAD_BIND_SC, 999, 0, 0, 0, 0, 0), E_EMPTY);
    CHECK_EQ(tk_status(SC), SLOT_LIVE);
    CHECK_EQ(tk_inv(S, THREAD_BIND_SC, SC, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(S2, THREAD_BIND_SC, SC, 0, 0, 0, 0, 0), E_BUSY);  /* bound to S */
    CHECK_EQ(tk_copy(X, SC, R_READ), E_OK);
    CHECK_EQ(tk_inv(X, SC_CONFIGURE, 1, 10, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(S, THREAD_SET_TIMEOUT, SC, 0, 0, 0, 0, 0), E_TYPE);
    /* Unbinding frees it for another thread. */
    CHECK_EQ(tk_inv(S, THREAD_BIND_SC, CAP_NONE, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(S2, THREAD_BIND_SC, SC, 0, 0, 0, 0, 0), E_OK);
}

/* S waits in recv (the harness runs it once: blocking needs no time). */
static void serve(u32 s)
{
    sched_switch_to(obj(s));
    trap(s, SYS_RECV, EP, NULL);
    CHECK_EQ(state(s), THREAD_BLOCKED_RECV);
}

TEST(t2_call_lends_the_callers_time_to_a_passive_server)
{
    setup();
    CHECK_EQ(tk_inv(H, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    serve(S);
    u64 before = sc_consumed(TK_SC(C));
    sys(C, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(state(C), THREAD_BLOCKED_REPLY);
    CHECK_EQ(sched_cur, obj(S));                 /* the fast path ran it */
    CHECK_EQ(thread_sc(th(S)), obj(TK_SC(C)));
    kernel_timer();
    kernel_timer();
    CHECK_EQ(sc_consumed(TK_SC(C)) - before, 2);  /* the client pays */
    trap(S, SYS_REPLY_RECV, msg(EP, 2, 0), NULL);
    CHECK_EQ(state(C), THREAD_RUNNABLE);
    CHECK_EQ(a0(C) >> 32, MSG_INFO(2, 0));
    CHECK_EQ(thread_sc(th(S)), 0);                /* given back */
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);
}

TEST(t2_chains_of_passive_servers_pass_the_time_on)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, X, 0), E_OK);
    serve(S);
    sched_switch_to(obj(S2));
    trap(S2, SYS_RECV, X, NULL);
    sys(C, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(sched_cur, obj(S));
    trap(S, SYS_INVOKE, msg(X, 3, 0), NULL);    /* S calls S2 */
    CHECK_EQ(sched_cur, obj(S2));
    CHECK_EQ(thread_sc(th(S2)), obj(TK_SC(C)));
    trap(S2, SYS_REPLY_RECV, msg(X, 4, 0), NULL);
    CHECK_EQ(sched_cur, obj(S));
    CHECK_EQ(thread_sc(th(S)), obj(TK_SC(C)));  /* still the client's */
    trap(S, SYS_REPLY_RECV, msg(EP, 5, 0), NULL);
    CHECK_EQ(state(C), THREAD_RUNNABLE);
    CHECK_EQ(thread_sc(th(S)), 0);
    CHECK_EQ(thread_sc(th(S2)), 0);
}

TEST(t2_plain_send_to_a_passive_server_waits_until_it_receives_again)
{
    setup();
    serve(S);
    sys(C, SYS_SEND, msg(EP, 1, 0), 7, 0, 0, 0);
    CHECK_EQ(state(C), THREAD_BLOCKED_REPLY);     /* its time went with the message */
    CHECK_EQ(thread_sc(th(S)), obj(TK_SC(C)));
    CHECK_EQ(th(S)->regs.x[REG_MSG(0)], 7);
    sys(S, SYS_RECV, EP, 0, 0, 0, 0);             /* done with it: waits again */
    CHECK_EQ(state(C), THREAD_RUNNABLE);
    CHECK_EQ(a0(C), E_OK);
    CHECK_EQ(thread_sc(th(S)), 0);
    /* A reply instead also gives it back, with E_OK (the sender gets no message). */
    sys(C, SYS_SEND, msg(EP, 1, 0), 8, 0, 0, 0);
    sys(S, SYS_REPLY, msg(0, 9, 0), 1, 2, 3, 4);
    CHECK_EQ(state(C), THREAD_RUNNABLE);
    CHECK_EQ(a0(C), E_OK);
}

TEST(t2_server_destroyed_mid_request_returns_the_time_with_revoked)
{
    setup();
    CHECK_EQ(tk_inv(H, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    serve(S);
    sys(C, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(sched_cur, obj(S));
    CHECK_EQ(tk_destroy(BANK, S), E_OK);
    CHECK_EQ(state(C), THREAD_RUNNABLE);
    CHECK_EQ(a0(C), E_REVOKED);
    CHECK(sched_has_time(th(C)));
    CHECK_EQ(next(), obj(C));
}

TEST(t2_client_destroyed_mid_request_the_server_finishes_on_the_lent_time)
{
    setup();
    serve(S);
    sys(C, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(tk_destroy(BANK, C), E_OK);         /* its SchedContext lives on in the bank */
    CHECK(sched_has_time(th(S)));
    CHECK_EQ(next(), obj(S));
    trap(S, SYS_REPLY_RECV, msg(EP, 2, 0), NULL);
    CHECK_EQ(state(S), THREAD_BLOCKED_RECV);     /* waits for the next client */
    CHECK_EQ(thread_sc(th(S)), 0);
    /* If the bank destroys the SchedContext too, the server has no time. */
    sys(H, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(tk_destroy(BANK, TK_SC(H)), E_OK);
    CHECK(!sched_has_time(th(S)));
    CHECK(next() != obj(S));
}

TEST(t2_budget_running_out_mid_request_is_charged_to_the_client)
{
    setup();
    CHECK_EQ(tk_inv(H, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(TK_SC(C), SC_CONFIGURE, 2, 10, 0, 0, 0, 0), E_OK);
    serve(S);
    u64 t0 = sched_now;
    sys(C, SYS_INVOKE, msg(EP, 1, 0), 0, 0, 0, 0);
    CHECK_EQ(sched_cur, obj(S));
    kernel_timer();
    kernel_timer();              /* the client's budget ran out in the server */
    CHECK(next() != obj(S));
    CHECK_EQ(th(S)->waiting_time, 1);
    CHECK_EQ(sc_consumed(TK_SC(C)), 2);
    CHECK_EQ(tk_r[2], 1);        /* one overrun, the client's */
    while (sched_now < t0 + 10)
        kernel_timer();
    CHECK_EQ(next(), obj(S));    /* the refill comes: it finishes */
    trap(S, SYS_REPLY_RECV, msg(EP, 2, 0), NULL);
    CHECK_EQ(state(C), THREAD_RUNNABLE);
}

TEST(t1_budget_equal_to_the_period_never_runs_out)
{
    setup();
    CHECK_EQ(tk_inv(C, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(H, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    give(S, SC, 5, 5);
    for (int i = 0; i < 50; i++) {
        CHECK_EQ(next(), obj(S));
        kernel_timer();
    }
    CHECK_EQ(sc_consumed(SC), 50);
    CHECK_EQ(tk_r[2], 0);  /* no overrun */
}
