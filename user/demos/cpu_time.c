/* SPDX-License-Identifier: BSD-2-Clause */
/* cpu_time.c: demo e -- CPU time is a capability (T1, T2). Two spinners at a
 * priority above the root get SchedContexts of 3 and 6 ticks per 10-tick
 * period: they get those shares, and the root runs in the 10% they leave.
 * A third spinner with no SchedContext of its own gets nothing. Then a
 * passive server (no time of its own) does work for a client: the client's
 * SchedContext pays for it, and the server runs only while a request lends
 * it time. */
#include "demos.h"

static volatile unsigned long count[3];
static long spin(void *arg)
{
    long i = (long)arg;
    for (;;)
        count[i]++;
}

static uint64_t consumed(uint32_t sc)
{
    uint64_t r[4];
    return tether_SC_QUERY(sc, r) == E_OK ? r[0] : 0;
}

struct srv_param { uint32_t ep; volatile unsigned long work; };

/* BANK_DESTROY of the object at root slot c, to completion. */
static long destroy(uint32_t c)
{
    return tether_BANK_DESTROY(ROOT_CAP_BANK, CS, c);
}

/* The passive server: squares numbers, slowly. */
static long server(void *arg)
{
    struct srv_param *sp = arg;
    uint64_t w[MSG_WORDS] = {0};
    struct tether_msg m = tether_recv(sp->ep);
    for (;;) {
        for (unsigned long i = 0; i < 2000000; i++)
            sp->work++;
        w[0] = m.w[0] * m.w[0];
        m = tether_reply_recv(sp->ep, MSG_INFO(0, 0), w);
    }
}

int demo_cpu_time(void)
{
    static char stacks[4][4096] __attribute__((aligned(16)));
    static struct uthread sp[3], srv;
    static struct srv_param spar;
    demo_failures = 0;
    uint32_t t = demo_slots(3);
    static const uint64_t budget[3] = {3, 6, 0};
    SAY("  three spinners at priority %u (above the root): SchedContexts of 3/10 and 6/10 ticks, "
        "and none\n", PRIO + 1);
    for (unsigned i = 0; i < 3; i++) {
        count[i] = 0;
        EXPECT(thread_create(&sp[i], ROOT_CAP_BANK, t + i, CS, ROOT_CAP_ASPACE, spin,
                             (void *)(uintptr_t)i, stacks[i], sizeof stacks[i], PRIO + 1) == E_OK,
               "spinner");
        if (budget[i])
            EXPECT(thread_give_time(ROOT_CAP_BANK, t + i, budget[i], 10) == E_OK, "time");
        else
            EXPECT(tether_THREAD_BIND_SC(t + i, CAP_NONE) == E_OK, "no time");
        EXPECT(tether_THREAD_START(t + i) == E_OK, "start");
    }
    /* The root runs only when both have used their budget: wait for 100
     * periods of it. */
    uint64_t root0 = consumed(ROOT_CAP_SCHEDCTX);
    while (consumed(THREAD_SC_OF(t)) + consumed(THREAD_SC_OF(t + 1)) < 900)
        tether_yield();
    uint64_t c0 = consumed(THREAD_SC_OF(t)), c1 = consumed(THREAD_SC_OF(t + 1));
    uint64_t root = consumed(ROOT_CAP_SCHEDCTX) - root0, all = c0 + c1 + root;
    for (unsigned i = 0; i < 3; i++)
        EXPECT(tether_THREAD_SUSPEND(t + i) == E_OK, "suspend");
    SAY("  over %lu ticks: spinner 1 used %lu (%lu%%), spinner 2 %lu (%lu%%), the root %lu; "
        "the spinner with no SchedContext counted to %lu\n", all, c0, c0 * 100 / all, c1,
        c1 * 100 / all, root, count[2]);
    EXPECT(c0 * 100 >= all * 27 && c0 * 100 <= all * 33, "share 1: %lu of %lu", c0, all);
    EXPECT(c1 * 100 >= all * 55 && c1 * 100 <= all * 65, "share 2: %lu of %lu", c1, all);
    EXPECT(count[2] == 0, "no time, no run: %lu", count[2]);

    /* A passive server on the client's time (T2). */
    spar.ep = demo_ep();
    spar.work = 0;
    uint32_t s = demo_slots(1);
    EXPECT(thread_spawn(&srv, ROOT_CAP_BANK, s, server, (void *)&spar, stacks[3], sizeof stacks[3],
                        PRIO + 1) == E_OK,
           "server");
    /* It ran to its first recv on time of its own; now it gives that up. */
    EXPECT(tether_THREAD_BIND_SC(s, CAP_NONE) == E_OK, "passive");
    uint64_t before = consumed(ROOT_CAP_SCHEDCTX);
    uint64_t w[MSG_WORDS] = {12};
    struct tether_msg m = tether_call(spar.ep, MSG_INFO(1, 0), w);
    uint64_t paid = consumed(ROOT_CAP_SCHEDCTX) - before;
    SAY("  a passive server (no SchedContext) squared 12 -> %lu for the root: %lu ticks of work, "
        "charged to the caller's SchedContext\n", m.w[0], paid);
    EXPECT(m.err == E_OK && m.w[0] == 144, "answer %lu (%s)", m.w[0], tether_error_name(m.err));
    EXPECT(spar.work == 2000000, "the server did the work once: %lu", spar.work);
    EXPECT(destroy(s) == E_OK, "destroy server");
    for (unsigned i = 0; i < 3; i++)
        EXPECT(destroy(t + i) == E_OK && destroy(THREAD_SC_OF(t + i)) == E_OK, "destroy spinner");
    EXPECT(destroy(THREAD_SC_OF(s)) == E_OK, "destroy its SchedContext");
    return demo_failures;
}
