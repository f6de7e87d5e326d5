/* SPDX-License-Identifier: BSD-2-Clause */
/* t_ntfn.c: notifications between real threads of the test root task
 * (libtether: tether_signal, tether_wait, tether_poll, THREAD_BIND_NTFN).
 * Helpers run at a higher priority than the root (101), so a woken waiter
 * records what it got before the root goes on; no test depends on the
 * timer. Each test destroys what it made. */
#include "harness.h"
#include "tether.h"
#include "ulib.h"

#define CS   ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK
#define PRIO ROOT_THREAD_PRIO

static char stacks[2][4096] __attribute__((aligned(16)));
static uint64_t r[4];
static volatile uint64_t got_word;
static volatile long got_err;

static long destroy(uint32_t slot) { return tether_BANK_DESTROY(BANK, CS, slot); }
static uint64_t tstate(uint32_t cap) { return tether_THREAD_INFO(cap, r) == E_OK ? r[0] : ~0UL; }

/* A notification and two badged caps to it (badges 0x2 and 0x10). */
static uint32_t new_ntfn(uint32_t *b2, uint32_t *b16)
{
    uint32_t n = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_NOTIFICATION, CS, n, 0), E_OK);
    *b2 = fresh_slot();
    *b16 = fresh_slot();
    CHECK_EQ(tether_CS_MINT(CS, *b2, CS, n, R_ALL, 0x2, MINT_COPY), E_OK);
    CHECK_EQ(tether_CS_MINT(CS, *b16, CS, n, R_ALL, 0x10, MINT_MAP), E_OK);
    return n;
}

static long waiter(void *arg)
{
    long n = (long)arg;
    uint64_t w;
    got_err = tether_wait((uint32_t)n, &w);
    got_word = w;
    return 0;
}

TEST(ntfn_wait_blocks_until_signal)
{
    uint32_t b2, b16, n = new_ntfn(&b2, &b16);
    struct uthread t;
    got_err = -1;
    CHECK_EQ(thread_spawn(&t, BANK, fresh_slot(), waiter, (void *)(uintptr_t)n, stacks[0],
                          sizeof stacks[0], PRIO + 1),
             E_OK);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_WAIT);  /* it ran and waits */
    CHECK_EQ(got_err, -1);
    CHECK_EQ(tether_signal(b16), E_OK);             /* it runs at once */
    CHECK_EQ(got_err, E_OK);
    CHECK_EQ(got_word, 0x10);
    CHECK(t.done);
    CHECK_EQ(destroy(t.cap), E_OK);
    CHECK_EQ(destroy(n), E_OK);
}

TEST(ntfn_signals_or_and_poll_never_blocks)
{
    uint32_t b2, b16, n = new_ntfn(&b2, &b16);
    uint64_t w = 99;
    CHECK_EQ(tether_poll(n, &w), E_OK);
    CHECK_EQ(w, 0);
    CHECK_EQ(tether_signal(b2), E_OK);
    CHECK_EQ(tether_signal(b16), E_OK);
    CHECK_EQ(tether_signal(b2), E_OK);
    CHECK_EQ(tether_poll(n, &w), E_OK);
    CHECK_EQ(w, 0x12);
    CHECK_EQ(tether_signal(b2), E_OK);
    CHECK_EQ(tether_wait(n, &w), E_OK);  /* pending: no block */
    CHECK_EQ(w, 0x2);
    CHECK_EQ(destroy(n), E_OK);
}

static long bound_server(void *arg)
{
    long ep = (long)arg;
    struct tether_msg m = tether_recv((uint32_t)ep);
    got_err = m.err;
    got_word = m.badge;
    return 0;
}

TEST(ntfn_bound_signal_interrupts_recv)
{
    uint32_t b2, b16, n = new_ntfn(&b2, &b16);
    uint32_t ep = fresh_slot();
    struct uthread t;
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    got_err = -1;
    CHECK_EQ(thread_spawn(&t, BANK, fresh_slot(), bound_server, (void *)(uintptr_t)ep, stacks[0],
                          sizeof stacks[0], PRIO + 1),
             E_OK);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(tether_THREAD_BIND_NTFN(t.cap, n), E_OK);  /* bound while it waits */
    CHECK_EQ(tether_signal(b2), E_OK);
    CHECK_EQ(got_err, E_NOTIFIED);
    CHECK_EQ(got_word, 0x2);
    CHECK(t.done);
    CHECK_EQ(destroy(t.cap), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(n), E_OK);
}

TEST(ntfn_destroy_wakes_waiter_with_revoked)
{
    uint32_t b2, b16, n = new_ntfn(&b2, &b16);
    struct uthread t;
    got_err = -1;
    CHECK_EQ(thread_spawn(&t, BANK, fresh_slot(), waiter, (void *)(uintptr_t)n, stacks[0],
                          sizeof stacks[0], PRIO + 1),
             E_OK);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_WAIT);
    CHECK_EQ(destroy(n), E_OK);
    CHECK_EQ(got_err, E_REVOKED);
    CHECK_EQ(tether_signal(b2), E_REVOKED);
    CHECK_EQ(destroy(t.cap), E_OK);
}

TEST(ntfn_errors_change_nothing)
{
    uint32_t b2, b16, n = new_ntfn(&b2, &b16);
    uint32_t ro = fresh_slot(), ep = fresh_slot();
    uint64_t w;
    CHECK_EQ(tether_CS_MINT(CS, ro, CS, n, R_READ, 0x4, MINT_COPY), E_OK);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_signal(n), E_INVAL);     /* unbadged */
    CHECK_EQ(tether_signal(ro), E_RIGHTS);   /* no R_WRITE */
    CHECK_EQ(tether_THREAD_BIND_NTFN(ROOT_CAP_THREAD, ep), E_TYPE);
    CHECK_EQ(tether_CS_MINT(CS, fresh_slot(), CS, b2, R_ALL, 0x8, MINT_COPY), E_INVAL);
    CHECK_EQ(tether_poll(n, &w), E_OK);
    CHECK_EQ(w, 0);
    CHECK_EQ(tether_recv(n).err, E_TYPE);    /* not an endpoint */
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(n), E_OK);
}
