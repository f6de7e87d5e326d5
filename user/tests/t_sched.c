/* SPDX-License-Identifier: BSD-2-Clause */
/* t_sched.c: SchedContexts (T1), time lent by calls to passive servers
 * (T2) and mappable threads (T3), from user space.
 *
 * Time is counted in ticks (1 ms on riscv64), and only as the kernel counts
 * it: SC_QUERY's `consumed` of every SchedContext involved. A tick is
 * charged to whichever thread runs when it comes, so "elapsed ticks" in a
 * test is the sum of the consumed ticks of every thread that could run
 * (the root always can: it yields in a loop), never the wall clock (under
 * a loaded host QEMU delivers fewer ticks than the wall clock suggests).
 * Server work is measured the same way: a server "works n ticks" by
 * spinning until the SchedContext it runs on (named in the request; every
 * thread here shares the root CSpace) has consumed n more.
 *
 * Priorities: the root runs at ROOT_THREAD_PRIO (100) with a full
 * SchedContext (ROOT_CAP_SCHEDCTX). Spinners run at 100 (round robin with
 * the root on ticks and yields) or, in the shares test, at 101 with budgets
 * that leave the root the rest of each period.
 *
 * Passive servers: a thread needs time to reach its first recv. The pattern
 * (passive()): create it with time (thread_spawn gives a full
 * SchedContext), let it run until it blocks in recv, then unbind its
 * SchedContext (THREAD_BIND_SC CAP_NONE): from then on it runs only on the
 * time its callers lend it. */
#include "harness.h"
#include "tether.h"
#include "ulib.h"

#define CS   ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK
#define PRIO ROOT_THREAD_PRIO

/* ---- helpers -------------------------------------------------------- */

#define NSTACKS 8
#define STACK_BYTES 4096
static char stacks[NSTACKS][STACK_BYTES] __attribute__((aligned(16)));
static unsigned nstacks;
static uint64_t r[4];

static char *stack(void) { return stacks[nstacks++ % NSTACKS]; }
static long destroy(uint32_t slot) { return tether_BANK_DESTROY(BANK, CS, slot); }

static uint64_t tstate(uint32_t cap)
{
    return tether_THREAD_INFO(cap, r) == E_OK ? r[0] : ~0UL;
}

/* SC_QUERY result i (0 consumed, 1 remaining, 2 overruns, 3 period). */
static uint64_t scq(uint32_t sc, unsigned i)
{
    uint64_t q[4];
    return tether_SC_QUERY(sc, q) == E_OK ? q[i] : ~0UL;
}
static uint64_t consumed(uint32_t sc) { return scq(sc, 0); }
#define ROOT_SC ROOT_CAP_SCHEDCTX

/* A spinner: counts forever at *(uint64_t *)a0. Assembly, so that the pc
 * a FAULT_TIMEOUT reports is known to lie in [sched_spin, sched_spin_end). */
long sched_spin(void *counter);
extern char sched_spin_end[];
__asm__(".text\n"
        ".balign 4\n"
        ".globl sched_spin\n"
        ".type sched_spin, @function\n"
        "sched_spin:\n"
        "1:  ld   t0, 0(a0)\n"
        "    addi t0, t0, 1\n"
        "    sd   t0, 0(a0)\n"
        "    j    1b\n"
        ".globl sched_spin_end\n"
        "sched_spin_end:\n");

static volatile uint64_t cnt[4];

/* A thread (not started) running sched_spin on cnt[i], with a full
 * SchedContext at THREAD_SC_OF(cap). */
static void spinner(struct uthread *t, unsigned i, unsigned prio)
{
    cnt[i] = 0;
    CHECK_EQ(thread_create(t, BANK, fresh_slot(), CS, ROOT_CAP_ASPACE, sched_spin, (void *)&cnt[i],
                           stack(), STACK_BYTES, prio),
             E_OK);
}

static void reap(uint32_t thread)
{
    CHECK_EQ(destroy(thread), E_OK);
    tether_BANK_DESTROY(BANK, CS, THREAD_SC_OF(thread));  /* void already in some tests */
}

/* The root yields until the SchedContexts in sc[0..n) (its own among them)
 * together consumed `ticks` more. */
static void run_for(const uint32_t *sc, unsigned n, uint64_t ticks)
{
    uint64_t start = 0, now;
    for (unsigned i = 0; i < n; i++)
        start += consumed(sc[i]);
    do {
        tether_yield();
        now = 0;
        for (unsigned i = 0; i < n; i++)
            now += consumed(sc[i]);
    } while (now - start < ticks);
}
static void root_ticks(uint64_t ticks) { uint32_t s = ROOT_SC; run_for(&s, 1, ticks); }

/* ---- T1: budgets ------------------------------------------------------ */

TEST(t1_budget_runs_out_and_refills)
{
    static struct uthread t;
    nstacks = 0;
    spinner(&t, 0, PRIO);
    uint32_t sc = THREAD_SC_OF(t.cap);
    CHECK_EQ(tether_SC_CONFIGURE(sc, 2, 10), E_OK);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    uint32_t both[2] = { ROOT_SC, sc };
    uint64_t c0 = consumed(sc), r0 = consumed(ROOT_SC), o0 = scq(sc, 2);
    run_for(both, 2, 100);
    uint64_t used = consumed(sc) - c0, elapsed = used + consumed(ROOT_SC) - r0;
    printf("  2/10: spinner %lu of %lu ticks, overruns %lu, count %lu\n", used, elapsed,
           scq(sc, 2) - o0, cnt[0]);
    CHECK(used <= 2 * (elapsed / 10 + 1) + 1);
    CHECK(used >= 2 * (elapsed / 10) - 2);
    CHECK(scq(sc, 2) - o0 >= elapsed / 10 - 1);
    CHECK(cnt[0] > 0);
    CHECK_EQ(scq(sc, 3), 10);

    /* 10/10: it never runs out; round robin with the root (which only
     * yields) gives it nearly every tick. */
    CHECK_EQ(tether_SC_CONFIGURE(sc, 10, 10), E_OK);
    o0 = scq(sc, 2);
    c0 = consumed(sc), r0 = consumed(ROOT_SC);
    run_for(both, 2, 100);
    used = consumed(sc) - c0, elapsed = used + consumed(ROOT_SC) - r0;
    printf("  10/10: spinner %lu of %lu ticks, overruns %lu\n", used, elapsed, scq(sc, 2) - o0);
    CHECK(used * 10 >= elapsed * 5);  /* well above its old 2/10 */
    /* A budget equal to its period never runs out. */
    CHECK_EQ(scq(sc, 2), o0);
    reap(t.cap);
}

TEST(t1_shares)
{
    static struct uthread a, b, p;
    nstacks = 0;
    spinner(&a, 0, PRIO + 1);
    spinner(&b, 1, PRIO + 1);
    spinner(&p, 2, PRIO + 1);
    uint32_t sa = THREAD_SC_OF(a.cap), sb = THREAD_SC_OF(b.cap);
    CHECK_EQ(tether_SC_CONFIGURE(sa, 3, 10), E_OK);
    CHECK_EQ(tether_SC_CONFIGURE(sb, 6, 10), E_OK);
    CHECK_EQ(tether_THREAD_BIND_SC(p.cap, CAP_NONE), E_OK);  /* passive: no time */
    CHECK_EQ(tether_THREAD_START(p.cap), E_OK);
    CHECK_EQ(tether_THREAD_START(a.cap), E_OK);
    CHECK_EQ(tether_THREAD_START(b.cap), E_OK);
    uint32_t all[3] = { ROOT_SC, sa, sb };
    uint64_t a0 = consumed(sa), b0 = consumed(sb), r0 = consumed(ROOT_SC);
    run_for(all, 3, 1000);  /* 100 periods */
    uint64_t da = consumed(sa) - a0, db = consumed(sb) - b0, dr = consumed(ROOT_SC) - r0;
    uint64_t e = da + db + dr;
    printf("  3/10: %lu, 6/10: %lu, root %lu of %lu ticks; passive count %lu\n", da, db, dr, e,
           cnt[2]);
    /* Each period gives each exactly its budget; the first and last
     * periods may be partial. Within 2 percentage points plus one budget. */
    CHECK(da * 100 >= e * 28 - 300 && da * 100 <= e * 32 + 300);
    CHECK(db * 100 >= e * 58 - 600 && db * 100 <= e * 62 + 600);
    CHECK(cnt[0] > 0 && cnt[1] > 0);
    CHECK_EQ(cnt[2], 0);
    CHECK_EQ(tstate(p.cap), THREAD_RUNNABLE);
    reap(a.cap);
    reap(b.cap);
    reap(p.cap);
}

TEST(t1_sc_destroyed_or_unmapped_stops_the_thread)
{
    static struct uthread t;
    nstacks = 0;
    spinner(&t, 0, PRIO);
    uint32_t sc = THREAD_SC_OF(t.cap);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    root_ticks(0);
    while (!cnt[0])
        tether_yield();
    /* Destroyed: it stops at once. */
    CHECK_EQ(destroy(sc), E_OK);
    uint64_t c = cnt[0];
    uint32_t root_only = ROOT_SC;
    run_for(&root_only, 1, 5);
    CHECK_EQ(cnt[0], c);
    CHECK_EQ(tstate(t.cap), THREAD_RUNNABLE);
    /* A new one resumes it. */
    CHECK_EQ(thread_give_time(BANK, t.cap, 1000, 1000), E_OK);
    for (int i = 0; i < 1000 && cnt[0] == c; i++)
        tether_yield();
    CHECK(cnt[0] != c);

    /* UNMAPped: bind a MAPped child; UNMAP the original's children. */
    uint32_t orig = fresh_slot(), child = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_SCHEDCTX, CS, orig, 0), E_OK);
    CHECK_EQ(tether_SC_CONFIGURE(orig, 1000, 1000), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, child, CS, orig, R_ALL), E_OK);
    CHECK_EQ(tether_THREAD_BIND_SC(t.cap, child), E_OK);  /* replaces the other */
    c = cnt[0];
    for (int i = 0; i < 1000 && cnt[0] == c; i++)
        tether_yield();
    CHECK(cnt[0] != c);
    uint64_t used = consumed(orig);
    CHECK_EQ(tether_CS_UNMAP(CS, orig, 0), E_OK);
    c = cnt[0];
    run_for(&root_only, 1, 5);
    CHECK_EQ(cnt[0], c);
    CHECK_EQ(consumed(orig), used);  /* nothing more is charged to it */
    /* Binding the original again resumes it. */
    CHECK_EQ(tether_THREAD_BIND_SC(t.cap, orig), E_OK);
    for (int i = 0; i < 1000 && cnt[0] == c; i++)
        tether_yield();
    CHECK(cnt[0] != c);
    reap(t.cap);
    CHECK_EQ(destroy(orig), E_OK);
}

TEST(t1_timeout_fault_goes_to_handler)
{
    static struct uthread t;
    nstacks = 0;
    uint32_t ep = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    spinner(&t, 0, PRIO);
    uint32_t sc = THREAD_SC_OF(t.cap);
    CHECK_EQ(tether_SC_CONFIGURE(sc, 1, 5), E_OK);
    CHECK_EQ(tether_THREAD_SET_TIMEOUT(t.cap, ep), E_OK);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    for (int round = 0; round < 3; round++) {
        struct tether_msg m = tether_recv(ep);  /* the root is the handler */
        CHECK_EQ(m.err, E_OK);
        CHECK_EQ(tmsg_label(m), FAULT_TIMEOUT);
        CHECK_EQ(m.w[0], 0);
        CHECK(m.w[1] >= (uint64_t)sched_spin && m.w[1] < (uint64_t)sched_spin_end);
        CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_REPLY);
        CHECK(scq(sc, 2) >= (uint64_t)round + 1);
        uint64_t c = cnt[0];
        CHECK_EQ(tether_reply(MSG_INFO(0, 0), 0).err, E_OK);
        /* Resumed once it has time again (the next period). */
        for (int i = 0; i < 100000 && cnt[0] == c; i++)
            tether_yield();
        CHECK(cnt[0] != c);
    }
    reap(t.cap);
    CHECK_EQ(destroy(ep), E_OK);
}

TEST(t1_bad_arguments)
{
    static struct uthread a, b;
    nstacks = 0;
    spinner(&a, 0, PRIO);
    spinner(&b, 1, PRIO);
    uint32_t sc = THREAD_SC_OF(a.cap), fresh = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_SCHEDCTX, CS, fresh, 0), E_OK);
    CHECK_EQ(scq(fresh, 3), 0);  /* created with no budget */
    CHECK_EQ(scq(fresh, 1), 0);
    CHECK_EQ(tether_SC_CONFIGURE(sc, 3, 7), E_OK);
    static const uint64_t bad[][2] = { { 0, 10 }, { 11, 10 }, { 1, (1ull << 32) + 1 },
                                       { 0, 0 }, { ~0ull, ~0ull } };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(tether_SC_CONFIGURE(sc, bad[i][0], bad[i][1]), E_INVAL);
        CHECK_EQ(scq(sc, 3), 7);
        CHECK_EQ(scq(sc, 1), 3);
        CHECK_EQ(tether_SC_CONFIGURE(fresh, bad[i][0], bad[i][1]), E_INVAL);
        CHECK_EQ(scq(fresh, 3), 0);
    }
    CHECK_EQ(tether_SC_CONFIGURE(fresh, 1ull << 32, 1ull << 32), E_OK);  /* the largest */
    CHECK_EQ(scq(fresh, 3), 1ull << 32);
    CHECK_EQ(tether_SC_CONFIGURE(fresh, 1, 1), E_OK);  /* the smallest */
    /* Not a SchedContext; a wrapper; empty. */
    uint32_t ep = fresh_slot(), wr = fresh_slot(), empty = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_BANK_WRAP(BANK, CS, wr, CS, fresh, 0, R_ALL), E_OK);
    CHECK_EQ(tether_THREAD_BIND_SC(a.cap, ep), E_TYPE);
    CHECK_EQ(tether_THREAD_BIND_SC(a.cap, a.cap), E_TYPE);
    CHECK_EQ(tether_THREAD_BIND_SC(a.cap, wr), E_TYPE);
    CHECK_EQ(tether_THREAD_BIND_SC(a.cap, empty), E_EMPTY);
    CHECK_EQ(tether_THREAD_SET_TIMEOUT(a.cap, sc), E_TYPE);
    /* Bound to another thread: E_BUSY; to itself again: fine. */
    CHECK_EQ(tether_THREAD_BIND_SC(b.cap, sc), E_BUSY);
    CHECK_EQ(tether_THREAD_BIND_SC(a.cap, sc), E_OK);
    /* Unbound from a, it may go to b. */
    CHECK_EQ(tether_THREAD_BIND_SC(a.cap, CAP_NONE), E_OK);
    CHECK_EQ(tether_THREAD_BIND_SC(b.cap, sc), E_OK);
    CHECK_EQ(tether_THREAD_BIND_SC(a.cap, sc), E_BUSY);
    /* Rights: SC_CONFIGURE needs R_WRITE, SC_QUERY R_READ, BIND_SC R_WRITE
     * on the thread. */
    uint32_t ro = fresh_slot(), wo = fresh_slot(), tro = fresh_slot();
    CHECK_EQ(tether_CS_COPY(CS, ro, CS, fresh, R_READ), E_OK);
    CHECK_EQ(tether_CS_COPY(CS, wo, CS, fresh, R_WRITE), E_OK);
    CHECK_EQ(tether_CS_COPY(CS, tro, CS, a.cap, R_READ), E_OK);
    CHECK_EQ(tether_SC_CONFIGURE(ro, 1, 2), E_RIGHTS);
    CHECK_EQ(scq(fresh, 3), 1);
    CHECK_EQ(tether_SC_QUERY(wo, r), E_RIGHTS);
    CHECK_EQ(tether_SC_CONFIGURE(wo, 1, 2), E_OK);
    CHECK_EQ(scq(ro, 3), 2);
    CHECK_EQ(tether_THREAD_BIND_SC(tro, fresh), E_RIGHTS);
    CHECK_EQ(tether_THREAD_SET_TIMEOUT(tro, ep), E_RIGHTS);
    CHECK_EQ(tether_THREAD_BIND_SC(a.cap, ro), E_OK);  /* binding needs no right on the SC */
    CHECK(system_ok());
    reap(a.cap);
    reap(b.cap);
    CHECK_EQ(destroy(fresh), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
}

/* No time for a thread that can never run: configured in another bank's
 * AddrSpace, which was destroyed. E_REVOKED, and the SchedContext stays
 * free; unbinding always works. */
TEST(t1_no_time_for_a_thread_whose_addrspace_is_gone)
{
    static struct uthread a;
    nstacks = 0;
    uint32_t ob = fresh_slot(), oas = fresh_slot(), t = fresh_slot(), sc = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, ob, 1u << 20), E_OK);
    CHECK_EQ(tether_BANK_CREATE(ob, OBJ_ASPACE, CS, oas, 0), E_OK);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_THREAD, CS, t, 0), E_OK);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_SCHEDCTX, CS, sc, 0), E_OK);
    CHECK_EQ(tether_SC_CONFIGURE(sc, 5, 5), E_OK);
    CHECK_EQ(tether_THREAD_CONFIGURE(t, CS, oas, 0x1000, 0, PRIO, 0), E_OK);
    CHECK_EQ(destroy(ob), E_OK);
    CHECK_EQ(tether_THREAD_BIND_SC(t, sc), E_REVOKED);
    CHECK_EQ(tether_THREAD_START(t), E_REVOKED);
    CHECK_EQ(tether_THREAD_BIND_SC(t, CAP_NONE), E_OK);
    spinner(&a, 0, PRIO);
    CHECK_EQ(tether_THREAD_BIND_SC(a.cap, sc), E_OK);  /* still free */
    CHECK(system_ok());
    reap(a.cap);
    CHECK_EQ(destroy(t), E_OK);
    CHECK_EQ(destroy(sc), E_OK);
}

/* ---- T2: passive servers ------------------------------------------------ */

#define L_WORK  0x51  /* w[0] ticks of work on SchedContext w[1]          */
#define L_CHAIN 0x52  /* call the next server with the same request       */
#define L_HOLD  0x53  /* announce, wait for `release`, then L_WORK        */
#define L_HANG  0x54  /* announce, spin forever                           */
#define L_LOOP  0x55  /* call the next server with the same request, L_LOOP */

struct srv {
    uint32_t ep, next;
    volatile long served, done, holding;
};
static volatile int release;

static void work(uint64_t ticks, uint32_t sc)
{
    uint64_t start = consumed(sc);
    while (consumed(sc) - start < ticks)
        ;
}

static long pserver(void *arg)
{
    struct srv *s = arg;
    struct tether_msg m = tether_recv(s->ep);
    for (;;) {
        s->served++;
        uint64_t w[6] = { 0 };
        switch (tmsg_label(m)) {
        case L_CHAIN:
            w[0] = (uint64_t)tether_call(s->next, MSG_INFO(L_WORK, 0), m.w).err;
            break;
        case L_LOOP:
            w[0] = (uint64_t)tether_call(s->next, MSG_INFO(L_LOOP, 0), m.w).err;
            break;
        case L_HOLD:
            s->holding = 1;
            while (!release)
                ;
            /* fall through */
        case L_WORK:
            work(m.w[0], (uint32_t)m.w[1]);
            break;
        case L_HANG:
            s->holding = 1;
            for (;;)
                ;
        }
        s->done++;
        m = tether_reply_recv(s->ep, MSG_INFO(tmsg_label(m) + 0x100, 0), w);
    }
}

/* A passive server on a new endpoint: spawned with time, run until it
 * waits in recv, then its SchedContext unbound. */
static void passive(struct uthread *t, struct srv *s, unsigned prio)
{
    s->ep = fresh_slot();
    s->served = s->done = s->holding = 0;
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, s->ep, 0), E_OK);
    CHECK_EQ(thread_spawn(t, BANK, fresh_slot(), pserver, (void *)s, stack(), STACK_BYTES, prio),
             E_OK);
    for (int i = 0; i < 1000 && tstate(t->cap) != THREAD_BLOCKED_RECV; i++)
        tether_yield();
    CHECK_EQ(tstate(t->cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(tether_THREAD_BIND_SC(t->cap, CAP_NONE), E_OK);
}

static void passive_reap(struct uthread *t, struct srv *s)
{
    reap(t->cap);
    CHECK_EQ(destroy(s->ep), E_OK);
}

TEST(t2_call_to_passive_server_runs_on_callers_time)
{
    static struct uthread t1, t2;
    static struct srv s1, s2;
    nstacks = 0;
    passive(&t1, &s1, PRIO);
    passive(&t2, &s2, PRIO);
    s1.next = s2.ep;
    uint32_t own1 = THREAD_SC_OF(t1.cap), own2 = THREAD_SC_OF(t2.cap);
    uint64_t o1 = consumed(own1), o2 = consumed(own2);

    /* Calls: the work is charged to the root. */
    for (uint64_t n = 1; n <= 4; n++) {
        uint64_t w[6] = { n, ROOT_SC };
        uint64_t c0 = consumed(ROOT_SC);
        struct tether_msg m = tether_call(s1.ep, MSG_INFO(L_WORK, 0), w);
        uint64_t d = consumed(ROOT_SC) - c0;
        CHECK_EQ(m.err, E_OK);
        CHECK_EQ(tmsg_label(m), L_WORK + 0x100);
        CHECK(d >= n && d <= n + 1);
        CHECK_EQ(s1.served, (long)n);
        CHECK_EQ(s1.done, (long)n);
    }
    /* Between requests it does not run. */
    root_ticks(5);
    CHECK_EQ(s1.served, 4);
    CHECK_EQ(tstate(t1.cap), THREAD_BLOCKED_RECV);
    /* Starting it again, or yielding to it, gives it no time. */
    CHECK_EQ(tether_THREAD_START(t1.cap), E_BUSY);

    /* A chain: S1 calls S2, both passive, both on the root's time. */
    {
        uint64_t w[6] = { 3, ROOT_SC };
        uint64_t c0 = consumed(ROOT_SC);
        struct tether_msg m = tether_call(s1.ep, MSG_INFO(L_CHAIN, 0), w);
        uint64_t d = consumed(ROOT_SC) - c0;
        CHECK_EQ(m.err, E_OK);
        CHECK_EQ(tmsg_label(m), L_CHAIN + 0x100);
        CHECK_EQ(m.w[0], E_OK);
        CHECK(d >= 3 && d <= 4);
        CHECK_EQ(s1.served, 5);
        CHECK_EQ(s2.served, 1);
        CHECK_EQ(s2.done, 1);
    }
    /* A plain send: E_OK once the server waits again (work done). */
    {
        uint64_t w[6] = { 2, ROOT_SC };
        uint64_t c0 = consumed(ROOT_SC);
        struct tether_msg m = tether_send(s2.ep, MSG_INFO(L_WORK, 0), w);
        uint64_t d = consumed(ROOT_SC) - c0;
        CHECK_EQ(m.err, E_OK);
        CHECK_EQ(s2.done, 2);
        CHECK_EQ(tstate(t2.cap), THREAD_BLOCKED_RECV);
        CHECK(d >= 2 && d <= 3);
    }
    /* Their own (unbound) SchedContexts were charged nothing. */
    CHECK_EQ(consumed(own1), o1);
    CHECK_EQ(consumed(own2), o2);
    passive_reap(&t1, &s1);
    passive_reap(&t2, &s2);
}

/* A non-blocking send to a passive server does not wait: the server gets
 * the message and the sender's time, and works on it after the sender
 * goes on. */
TEST(t2_nb_send_to_passive_server_does_not_wait)
{
    static struct uthread t;
    static struct srv s;
    nstacks = 0;
    passive(&t, &s, PRIO);
    uint64_t w[6] = { 2, ROOT_SC };
    struct tether_msg m = tether_nb_send(s.ep, MSG_INFO(L_WORK, 0), w);
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(s.done, 0);  /* back at once: its 2 ticks of work come later */
    for (int i = 0; i < 100000 && (s.done < 1 || tstate(t.cap) != THREAD_BLOCKED_RECV); i++)
        tether_yield();
    CHECK_EQ(s.done, 1);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_RECV);
    passive_reap(&t, &s);
}

/* A thread that yields until *flag, then destroys `victim`, then suspends. */
static volatile uint32_t victim;
static volatile long *kill_flag;
static volatile long kill_result;
static long killer(void *arg)
{
    long self = (long)arg;
    while (!*kill_flag)
        tether_yield();
    kill_result = destroy(victim);
    for (;;)
        tether_THREAD_SUSPEND((uint32_t)self);
}

TEST(t2_server_destroyed_mid_request)
{
    static struct uthread t, k;
    static struct srv s;
    nstacks = 0;
    passive(&t, &s, PRIO);
    victim = t.cap;
    kill_flag = &s.holding;
    kill_result = -1;
    uint32_t kcap = fresh_slot();
    CHECK_EQ(
        thread_spawn(&k, BANK, kcap, killer, (void *)(uintptr_t)kcap, stack(), STACK_BYTES, PRIO),
        E_OK);
    uint64_t c0 = consumed(ROOT_SC);
    struct tether_msg m = tether_call(s.ep, MSG_INFO(L_HANG, 0), 0);
    CHECK_EQ(m.err, E_REVOKED);
    CHECK_EQ(kill_result, E_OK);
    CHECK_EQ(s.holding, 1);
    CHECK_EQ(s.done, 0);
    CHECK(consumed(ROOT_SC) - c0 >= 1);  /* the server spun on the root's time */
    /* The root goes on, on its own time. */
    uint64_t c1 = consumed(ROOT_SC);
    root_ticks(3);
    CHECK(consumed(ROOT_SC) - c1 >= 3);
    reap(k.cap);
    tether_BANK_DESTROY(BANK, CS, THREAD_SC_OF(t.cap));
    CHECK_EQ(destroy(s.ep), E_OK);
}

/* A client thread: one call on cl_ep with (cl_label, cl_w), result kept. */
static volatile uint32_t cl_ep;
static volatile uint64_t cl_label;
static uint64_t cl_w[6];
static volatile long cl_err = -1;
static volatile uint64_t cl_w0;
static long client(void *unused)
{
    (void)unused;
    struct tether_msg m = tether_call(cl_ep, MSG_INFO(cl_label, 0), cl_w);
    cl_w0 = m.w[0];
    cl_err = m.err;
    return 0;
}

TEST(t2_client_destroyed_mid_request)
{
    static struct uthread t, c;
    static struct srv s;
    nstacks = 0;
    release = 0;
    passive(&t, &s, PRIO);
    cl_ep = s.ep;
    cl_label = L_HOLD;
    cl_err = -1;
    CHECK_EQ(thread_create(&c, BANK, fresh_slot(), CS, ROOT_CAP_ASPACE, client, 0, stack(),
                           STACK_BYTES, PRIO),
             E_OK);
    uint32_t csc = THREAD_SC_OF(c.cap);
    cl_w[0] = 3;
    cl_w[1] = csc;  /* after the release, 3 ticks of work on the client's time */
    CHECK_EQ(tether_THREAD_START(c.cap), E_OK);
    for (int i = 0; i < 100000 && !s.holding; i++)
        tether_yield();
    CHECK_EQ(s.holding, 1);
    CHECK_EQ(destroy(c.cap), E_OK);  /* the client; its SchedContext lives on */
    uint64_t at = consumed(csc);
    release = 1;
    for (int i = 0; i < 1000000 && !s.done; i++)
        tether_yield();
    CHECK_EQ(s.done, 1);
    CHECK(consumed(csc) - at >= 3 && consumed(csc) - at <= 4);  /* on the lent time */
    for (int i = 0; i < 1000 && tstate(t.cap) != THREAD_BLOCKED_RECV; i++)
        tether_yield();
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_RECV);  /* the reply failed; it waits again */
    CHECK_EQ(cl_err, -1);
    /* It serves the next client on that one's time. */
    uint64_t w[6] = { 1, ROOT_SC };
    struct tether_msg m = tether_call(s.ep, MSG_INFO(L_WORK, 0), w);
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(s.done, 2);
    CHECK_EQ(destroy(csc), E_OK);
    passive_reap(&t, &s);
}

/* A donation loop: two passive servers whose requests call back into each
 * other. The client's call lends its time to the first, which lends it
 * on to the second, whose call back finds nobody receiving: everybody
 * waits, and nobody burns the client's time. Destroying a server breaks
 * the loop (E_REVOKED to its caller, which answers the client). */
TEST(t2_donation_loop_blocks_without_burning_time)
{
    static struct uthread t1, t2, c;
    static struct srv s1, s2;
    nstacks = 0;
    passive(&t1, &s1, PRIO);
    passive(&t2, &s2, PRIO);
    s1.next = s2.ep;
    s2.next = s1.ep;
    cl_ep = s1.ep;
    cl_label = L_LOOP;
    cl_err = -1;
    CHECK_EQ(thread_create(&c, BANK, fresh_slot(), CS, ROOT_CAP_ASPACE, client, 0, stack(),
                           STACK_BYTES, PRIO),
             E_OK);
    uint32_t csc = THREAD_SC_OF(c.cap);
    CHECK_EQ(tether_THREAD_START(c.cap), E_OK);
    for (int i = 0; i < 100000 && tstate(t2.cap) != THREAD_BLOCKED_SEND; i++)
        tether_yield();
    CHECK_EQ(tstate(c.cap), THREAD_BLOCKED_REPLY);
    CHECK_EQ(tstate(t1.cap), THREAD_BLOCKED_REPLY);
    CHECK_EQ(tstate(t2.cap), THREAD_BLOCKED_SEND);
    uint64_t at = consumed(csc);
    root_ticks(5);
    CHECK_EQ(consumed(csc), at);  /* nobody runs on the client's time */
    CHECK_EQ(tstate(t2.cap), THREAD_BLOCKED_SEND);
    CHECK(system_ok());
    CHECK_EQ(destroy(t2.cap), E_OK);
    for (int i = 0; i < 100000 && !c.done; i++)
        tether_yield();
    CHECK_EQ(c.done, 1);
    CHECK_EQ(cl_err, E_OK);
    CHECK_EQ(cl_w0, E_REVOKED);  /* what the first server's call answered */
    CHECK_EQ(s1.done, 1);
    CHECK(system_ok());
    reap(c.cap);
    tether_BANK_DESTROY(BANK, CS, THREAD_SC_OF(t2.cap));
    CHECK_EQ(destroy(s2.ep), E_OK);
    passive_reap(&t1, &s1);
}

TEST(t2_budget_runs_out_mid_request)
{
    static struct uthread t, c;
    static struct srv s;
    nstacks = 0;
    passive(&t, &s, PRIO);
    cl_ep = s.ep;
    cl_label = L_WORK;
    cl_err = -1;
    CHECK_EQ(thread_create(&c, BANK, fresh_slot(), CS, ROOT_CAP_ASPACE, client, 0, stack(),
                           STACK_BYTES, PRIO),
             E_OK);
    uint32_t csc = THREAD_SC_OF(c.cap), own = THREAD_SC_OF(t.cap);
    CHECK_EQ(tether_SC_CONFIGURE(csc, 2, 10), E_OK);
    cl_w[0] = 7;  /* 7 ticks of work: 4 periods of a 2-tick budget */
    cl_w[1] = csc;
    uint64_t c0 = consumed(csc), o0 = scq(csc, 2), own0 = consumed(own);
    CHECK_EQ(tether_THREAD_START(c.cap), E_OK);
    for (int i = 0; i < 1000000 && !c.done; i++)
        tether_yield();
    CHECK_EQ(c.done, 1);
    CHECK_EQ(cl_err, E_OK);
    CHECK_EQ(s.done, 1);
    uint64_t d = consumed(csc) - c0;
    printf("  client charged %lu ticks, %lu overruns\n", d, scq(csc, 2) - o0);
    CHECK(d >= 7 && d <= 8);
    CHECK(scq(csc, 2) - o0 >= 3);  /* ran out mid request, at least 3 times */
    CHECK_EQ(consumed(own), own0);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_RECV);
    reap(c.cap);
    passive_reap(&t, &s);
}

/* ---- T3: mappable threads ----------------------------------------------- */

/* The thread the client lends the server: answers calls on m_ep (nb_recv
 * in a loop, counting in cnt[0]). */
static volatile uint32_t m_ep;
static long mserver(void *unused)
{
    (void)unused;
    for (;;) {
        cnt[0]++;
        struct tether_msg m = tether_nb_recv(m_ep);
        if (m.err == E_OK)
            tether_reply(MSG_INFO(tmsg_label(m) + 1, 0), 0);
    }
}

TEST(t3_mappable_thread)
{
    static struct uthread other;
    nstacks = 0;
    /* The client's bank, thread and SchedContext. */
    uint32_t cbank = fresh_slot(), ct = fresh_slot(), csc = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, cbank, 1u << 20), E_OK);
    CHECK_EQ(tether_BANK_CREATE(cbank, OBJ_THREAD, CS, ct, 0), E_OK);
    CHECK_EQ(tether_BANK_CREATE(cbank, OBJ_SCHEDCTX, CS, csc, 0), E_OK);
    CHECK_EQ(tether_SC_CONFIGURE(csc, 1000, 1000), E_OK);
    /* MAPped to the server's slots. */
    uint32_t st = fresh_slot(), ssc = fresh_slot();
    CHECK_EQ(tether_CS_MAP(CS, st, CS, ct, R_ALL), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, ssc, CS, csc, R_ALL), E_OK);
    /* The server: configures the thread in its spaces, binds the time. */
    m_ep = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, m_ep, 0), E_OK);
    char *sp = stack() + STACK_BYTES;
    CHECK_EQ(tether_THREAD_CONFIGURE(st, CS, ROOT_CAP_ASPACE, (uint64_t)mserver, (uint64_t)sp, PRIO,
                                     0),
             E_OK);
    CHECK_EQ(tether_THREAD_BIND_SC(st, ssc), E_OK);
    CHECK_EQ(tether_THREAD_START(st), E_OK);
    spinner(&other, 1, PRIO);  /* another thread of the server's */
    CHECK_EQ(tether_THREAD_START(other.cap), E_OK);
    /* It serves the client, on the client's time. */
    cnt[0] = 0;
    for (uint64_t i = 0; i < 3; i++) {
        struct tether_msg m = tether_call(m_ep, MSG_INFO(0x70 + i, 0), 0);
        CHECK_EQ(m.err, E_OK);
        CHECK_EQ(tmsg_label(m), 0x71 + i);
    }
    /* (The root only yields: it is rarely the one a tick charges, so time
     * is counted on every SchedContext that may run.) */
    uint32_t all[3] = {ROOT_SC, csc, THREAD_SC_OF(other.cap)};
    run_for(all, 3, 3);
    CHECK(consumed(csc) > 0);
    /* The client UNMAPs its SchedContext: that thread stops. */
    CHECK_EQ(tether_CS_UNMAP(CS, csc, 0), E_OK);
    uint64_t c0 = cnt[0], c1 = cnt[1], used = consumed(csc);
    run_for(all, 3, 5);
    CHECK_EQ(cnt[0], c0);
    CHECK(cnt[1] != c1);  /* the server's other thread goes on */
    CHECK_EQ(consumed(csc), used);
    CHECK_EQ(tether_nb_send(m_ep, MSG_INFO(1, 0), 0).err, E_WOULDBLOCK);
    /* The client UNMAPs the thread too: the server's cap is gone. */
    CHECK_EQ(tether_CS_UNMAP(CS, ct, 0), E_OK);
    CHECK(tether_THREAD_INFO(st, r) != E_OK);
    CHECK(system_ok());
    reap(other.cap);
    CHECK_EQ(destroy(cbank), E_OK);
    CHECK_EQ(destroy(m_ep), E_OK);
}

/* ---- T3: a thread's registers from user space ------------------------- */

static volatile long t3_flag;
static volatile uint32_t t3_self;

/* t3_add returns to whatever its ra (register index TREG_OTHER: x1) says:
 * t3_after, which keeps the result and stops. */
__attribute__((noinline)) static long t3_add(long a, long b) { return a * 1000 + b; }
static _Noreturn void t3_after(long res)
{
    t3_flag = res;
    for (;;)
        tether_THREAD_SUSPEND(t3_self);
}

TEST(t3_thread_registers_read_and_written)
{
    static struct uthread t;
    nstacks = 0;
    char *st = stack();
    uint32_t cap = fresh_slot();
    CHECK_EQ(thread_create(&t, BANK, cap, CS, ROOT_CAP_ASPACE, sched_spin, 0, st, STACK_BYTES, PRIO),
             E_OK);
    /* As THREAD_CONFIGURE left them: a0 = the uthread, sp = the stack top. */
    CHECK_EQ(tether_THREAD_READ_REGS(cap, TREG_SP, 2, r), E_OK);
    CHECK_EQ(r[0], ((uint64_t)st + STACK_BYTES) & ~15UL);
    CHECK_EQ(r[1], (uint64_t)&t);
    CHECK_EQ(r[2], 0);
    /* pc, a0, a1 and ra (x1, the first of the machine's other registers). */
    CHECK_EQ(tether_THREAD_WRITE_REGS(cap, TREG_PC, 1, (uint64_t)t3_add, 0, 0, 0), E_OK);
    CHECK_EQ(tether_THREAD_WRITE_REGS(cap, TREG_MSGINFO, 2, 12, 34, 0, 0), E_OK);
    CHECK_EQ(tether_THREAD_WRITE_REGS(cap, TREG_OTHER, 1, (uint64_t)t3_after, 0, 0, 0), E_OK);
    CHECK_EQ(tether_THREAD_READ_REGS(cap, TREG_PC, 4, r), E_OK);
    CHECK_EQ(r[0], (uint64_t)t3_add);
    CHECK_EQ(r[2], 12);
    CHECK_EQ(r[3], 34);
    t3_self = cap;
    t3_flag = 0;
    CHECK_EQ(tether_THREAD_START(cap), E_OK);
    root_ticks(2);
    CHECK_EQ(t3_flag, 12034);
    CHECK_EQ(tstate(cap), THREAD_INACTIVE);
    /* Blocked in a system call, its registers are that call: readable. */
    uint32_t ep = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    m_ep = ep;
    CHECK_EQ(tether_THREAD_WRITE_REGS(cap, TREG_PC, 1, (uint64_t)mserver, 0, 0, 0), E_OK);
    CHECK_EQ(tether_THREAD_START(cap), E_OK);
    struct tether_msg m = tether_call(ep, MSG_INFO(0x40, 0), 0);
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(tmsg_label(m), 0x41);
    CHECK_EQ(tether_THREAD_READ_REGS(cap, TREG_SYSNO, 1, r), E_OK);
    CHECK(r[0] == SYS_NB_RECV || r[0] == SYS_REPLY);  /* mserver's last call */
    CHECK_EQ(tether_THREAD_WRITE_REGS(cap, TREG_PC, 1, 0, 0, 0, 0), E_BUSY);
    reap(cap);
    CHECK_EQ(destroy(ep), E_OK);
}

TEST(t3_hostile_register_calls)
{
    static struct uthread t;
    nstacks = 0;
    spinner(&t, 0, PRIO);
    uint32_t cap = t.cap;
    /* Bad ranges: E_INVAL, nothing written (riscv64 has 32 indices). */
    static const uint64_t bad[][2] = {
        {0, 0}, {0, 5}, {TREG_COUNT_RISCV64, 1}, {TREG_COUNT_RISCV64 - 1, 2}, {~0UL, 1}, {1, ~0UL},
    };
    CHECK_EQ(tether_THREAD_READ_REGS(cap, TREG_PC, 1, r), E_OK);
    uint64_t pc = r[0];
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(tether_THREAD_WRITE_REGS(cap, bad[i][0], bad[i][1], 1, 2, 3, 4), E_INVAL);
        CHECK_EQ(tether_THREAD_READ_REGS(cap, bad[i][0], bad[i][1], r), E_INVAL);
    }
    CHECK_EQ(tether_THREAD_READ_REGS(cap, TREG_COUNT_RISCV64 - 4, 4, r), E_OK);
    CHECK_EQ(tether_THREAD_READ_REGS(cap, TREG_PC, 1, r), E_OK);
    CHECK_EQ(r[0], pc);
    /* Rights: a read-only cap can't write. */
    uint32_t ro = fresh_slot();
    CHECK_EQ(tether_CS_COPY(CS, ro, CS, cap, R_READ), E_OK);
    CHECK_EQ(tether_THREAD_WRITE_REGS(ro, TREG_PC, 1, 0, 0, 0, 0), E_RIGHTS);
    /* A running thread's registers: E_BUSY; the root's own (it is running,
     * making this call): E_BUSY to write; read, they are this call. */
    CHECK_EQ(tether_THREAD_START(cap), E_OK);
    /* (A tick is charged to whichever runs: count both SchedContexts, the
     * root only yields and is rarely the one charged.) */
    uint32_t both[2] = {ROOT_SC, THREAD_SC_OF(cap)};
    run_for(both, 2, 1);
    CHECK_EQ(tether_THREAD_WRITE_REGS(cap, TREG_PC, 1, 0, 0, 0, 0), E_BUSY);
    CHECK_EQ(tether_THREAD_WRITE_REGS(ROOT_CAP_THREAD, TREG_SP, 1, 0, 0, 0, 0), E_BUSY);
    CHECK_EQ(tether_THREAD_READ_REGS(ROOT_CAP_THREAD, TREG_SYSNO, 1, r), E_OK);
    CHECK_EQ(r[0], SYS_INVOKE);
    CHECK(cnt[0] > 0);  /* it ran, undisturbed */
    reap(cap);
    /* A thread whose AddrSpace was destroyed: E_REVOKED for all of it. */
    uint32_t sub = fresh_slot(), as = fresh_slot(), t2 = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, sub, 1u << 16), E_OK);
    CHECK_EQ(tether_BANK_CREATE(sub, OBJ_ASPACE, CS, as, 0), E_OK);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_THREAD, CS, t2, 0), E_OK);
    CHECK_EQ(tether_THREAD_READ_REGS(t2, TREG_PC, 1, r), E_INVAL);  /* never configured */
    CHECK_EQ(tether_THREAD_CONFIGURE(t2, CS, as, 0x1000, 0, PRIO, 0), E_OK);
    CHECK_EQ(destroy(sub), E_OK);
    CHECK_EQ(tether_THREAD_READ_REGS(t2, TREG_PC, 1, r), E_REVOKED);
    CHECK_EQ(tether_THREAD_WRITE_REGS(t2, TREG_PC, 1, 0, 0, 0, 0), E_REVOKED);
    CHECK_EQ(tether_THREAD_START(t2), E_REVOKED);
    CHECK(system_ok());
    CHECK_EQ(destroy(t2), E_OK);
}
