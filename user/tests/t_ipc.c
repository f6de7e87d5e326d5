/* SPDX-License-Identifier: BSD-2-Clause */
/* t_ipc.c: IPC (DESIGN.md I1..I6, C8) between real threads of the test
 * root task, through the libtether stubs (tether_call, tether_recv, ...).
 *
 * Determinism: the root thread runs at ROOT_THREAD_PRIO (100). Helper
 * threads are spawned at a higher priority (101, 102) when they must run
 * as soon as they can -- e.g. a server that blocks in recv at once, or a
 * woken waiter that records its result before the root goes on -- or at
 * the same priority when a test wants the IPC fast paths (they need the
 * partner at no lower priority). No test depends on the timer. Every
 * thread shares the root's AddrSpace; most share its CSpace too (the proxy
 * of the GRANT test has its own). Each test destroys its threads. */
#include "harness.h"
#include "layout.h"
#include "tether.h"
#include "ulib.h"

#define CS   ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK
#define PRIO ROOT_THREAD_PRIO
#define UNMAPPED_VA 0x50000000UL

/* ---- helpers -------------------------------------------------------- */

#define NSTACKS 8
#define STACK_BYTES 4096
static char stacks[NSTACKS][STACK_BYTES] __attribute__((aligned(16)));
static unsigned nstacks;
static uint64_t r[4];

static long destroy(uint32_t slot) { return tether_BANK_DESTROY(BANK, CS, slot); }

static uint32_t new_ep(void)
{
    uint32_t s = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, s, 0), E_OK);
    return s;
}

/* Spawn fn(arg) at prio in the root CSpace; its stack is one of the pool
 * (tests call start() first, and destroy their threads at the end). */
static void start(void) { nstacks = 0; }
static void spawn(struct uthread *t, tether_thread_fn fn, long arg, unsigned prio)
{
    CHECK(nstacks < NSTACKS);
    CHECK_EQ(thread_spawn(t, BANK, fresh_slot(), fn, (void *)(uintptr_t)arg,
                          stacks[nstacks++ % NSTACKS], STACK_BYTES, prio),
             E_OK);
}

static uint64_t tstate(uint32_t cap)
{
    return tether_THREAD_INFO(cap, r) == E_OK ? r[0] : ~0UL;
}

static uint64_t status(uint32_t cs, uint32_t slot)
{
    return tether_CS_INFO(cs, slot, r) == E_OK ? r[0] : ~0UL;
}

static void reap(struct uthread *t) { CHECK_EQ(destroy(t->cap), E_OK); }

/* What helper threads saw. */
static struct tether_msg seen[4];
static long res[4];

/* ---- I1: call / reply ---------------------------------------------- */

/* Echo server on endpoint `ep`: answers label L with label L + 1, words
 * w[i] + 1 (i < 5) and w[5] = the caller's badge; label 0xdead ends it. */
static long echo_server(void *arg)
{
    long ep = (long)arg;
    struct tether_msg m = tether_recv((uint32_t)ep);
    for (;;) {
        if (m.err != E_OK)
            return m.err;
        if (tmsg_label(m) == 0xdead) {
            tether_reply(MSG_INFO(0xdeae, 0), 0);
            return 0;
        }
        uint64_t w[6] = { m.w[0] + 1, m.w[1] + 1, m.w[2] + 1, m.w[3] + 1, m.w[4] + 1, m.badge };
        m = tether_reply_recv((uint32_t)ep, MSG_INFO(tmsg_label(m) + 1, 0), w);
    }
}

TEST(i1_call_reply_words_and_badge)
{
    /* The server below, at, and above the caller's priority: the slow
     * paths, the fast paths (equal priority), and call fast + reply slow. */
    static const unsigned prios[] = { PRIO - 1, PRIO, PRIO + 1 };
    for (unsigned p = 0; p < 3; p++) {
        static struct uthread srv;
        start();
        uint32_t ep = new_ep(), minted = fresh_slot();
        CHECK_EQ(tether_CS_MINT(CS, minted, CS, ep, R_ALL, 0xb1 + p, MINT_COPY), E_OK);
        spawn(&srv, echo_server, ep, prios[p]);
        int ok = 1;
        for (uint64_t i = 0; i < 20; i++) {
            uint64_t w[6] = { i, i << 8, i << 16, i << 24, i << 32, 77 };
            struct tether_msg m = tether_call(i & 1 ? minted : ep, MSG_INFO(0x100 + i, 0), w);
            uint64_t badge = i & 1 ? 0xb1 + p : 0;
            ok &= m.err == E_OK && tmsg_label(m) == 0x101 + i && tmsg_items(m) == 0 &&
                  m.w[0] == i + 1 && m.w[1] == (i << 8) + 1 && m.w[2] == (i << 16) + 1 &&
                  m.w[3] == (i << 24) + 1 && m.w[4] == (i << 32) + 1 && m.w[5] == badge &&
                  m.badge == 0;
            if (!ok) {
                printf("  prio %u call %lu: %s label %lx w0 %lx w5 %lx badge %lx\n", prios[p], i,
                       tether_error_name(m.err), tmsg_label(m), m.w[0], m.w[5], m.badge);
                break;
            }
        }
        CHECK(ok);
        struct tether_msg m = tether_call(ep, MSG_INFO(0xdead, 0), 0);
        CHECK_EQ(m.err, E_OK);
        CHECK_EQ(tmsg_label(m), 0xdeae);
        reap(&srv);
        CHECK_EQ(destroy(ep), E_OK);
    }
}

/* ---- I1: send / recv FIFO ------------------------------------------- */

static uint32_t fifo_ep;
static long sender(void *arg)
{
    long i = (long)arg;
    uint64_t w[6] = { (uint64_t)i * 11, 0, 0, 0, 0, (uint64_t)i };
    return tether_send(fifo_ep, MSG_INFO(0x40 + i, 0), w).err;
}

TEST(i1_senders_queue_fifo)
{
    static struct uthread s[3];
    start();
    fifo_ep = new_ep();
    for (long i = 0; i < 3; i++) {
        spawn(&s[i], sender, i, PRIO + 1);  /* runs at once and blocks in send */
        CHECK_EQ(tstate(s[i].cap), THREAD_BLOCKED_SEND);
    }
    for (long i = 0; i < 3; i++) {
        struct tether_msg m = tether_recv(fifo_ep);  /* never blocks: 3 queued */
        CHECK_EQ(m.err, E_OK);
        CHECK_EQ(tmsg_label(m), 0x40 + i);              /* the oldest first */
        CHECK_EQ(m.w[0], i * 11);
        CHECK_EQ(m.w[5], i);
        CHECK_EQ(m.badge, 0);
        CHECK(s[i].done);                               /* it ran on (prio 101) */
        CHECK_EQ(s[i].result, E_OK);
    }
    CHECK_EQ(tether_nb_recv(fifo_ep).err, E_WOULDBLOCK);
    for (int i = 0; i < 3; i++)
        reap(&s[i]);
    CHECK_EQ(destroy(fifo_ep), E_OK);
}

/* ---- I1: non-blocking variants -------------------------------------- */

static uint32_t nb_ep;
static long nb_receiver(void *arg)
{
    long i = (long)arg;
    seen[i] = tether_recv(nb_ep);
    return seen[i].err;
}

TEST(i1_non_blocking_variants)
{
    static struct uthread rcv, snd;
    start();
    nb_ep = new_ep();
    uint64_t w[6] = { 5, 6, 7, 8, 9, 10 };
    /* Nobody there: both fail at once, nothing is queued. */
    CHECK_EQ(tether_nb_send(nb_ep, MSG_INFO(1, 0), w).err, E_WOULDBLOCK);
    CHECK_EQ(tether_nb_recv(nb_ep).err, E_WOULDBLOCK);
    /* A receiver waits: nb_send delivers. */
    spawn(&rcv, nb_receiver, 0, PRIO + 1);
    CHECK_EQ(tstate(rcv.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(tether_nb_send(nb_ep, MSG_INFO(2, 0), w).err, E_OK);
    CHECK(rcv.done);
    CHECK_EQ(seen[0].err, E_OK);
    CHECK_EQ(tmsg_label(seen[0]), 2);
    CHECK_EQ(seen[0].w[0], 5);
    CHECK_EQ(seen[0].w[5], 10);
    /* A sender waits: nb_recv takes its message. */
    fifo_ep = nb_ep;
    spawn(&snd, sender, 2, PRIO + 1);
    CHECK_EQ(tstate(snd.cap), THREAD_BLOCKED_SEND);
    struct tether_msg m = tether_nb_recv(nb_ep);
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(tmsg_label(m), 0x42);
    CHECK_EQ(m.w[0], 22);
    CHECK(snd.done);
    CHECK_EQ(snd.result, E_OK);
    CHECK_EQ(tether_nb_recv(nb_ep).err, E_WOULDBLOCK);
    CHECK_EQ(tether_nb_send(nb_ep, MSG_INFO(3, 0), w).err, E_WOULDBLOCK);
    reap(&rcv);
    reap(&snd);
    CHECK_EQ(destroy(nb_ep), E_OK);
}

/* ---- I2: one-shot reply right ---------------------------------------- */

static uint32_t rt_ep;
static long reply_twice(void *unused)
{
    (void)unused;
    seen[0] = tether_recv(rt_ep);
    uint64_t w[6] = { 0x11, 0, 0, 0, 0, 0 };
    res[0] = tether_reply(MSG_INFO(0x21, 0), w).err;
    res[1] = tether_reply(MSG_INFO(0x22, 0), w).err;
    return 0;
}
static long reply_without_call(void *unused)
{
    (void)unused;
    return tether_reply(MSG_INFO(1, 0), 0).err;
}

TEST(i2_reply_twice_second_fails)
{
    static struct uthread srv, other;
    start();
    rt_ep = new_ep();
    spawn(&srv, reply_twice, 0, PRIO + 1);
    struct tether_msg m = tether_call(rt_ep, MSG_INFO(0x20, 0), 0);
    CHECK(srv.done);  /* it replied twice before the root ran again */
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(tmsg_label(m), 0x21);
    CHECK_EQ(m.w[0], 0x11);
    CHECK_EQ(res[0], E_OK);
    CHECK_EQ(res[1], E_EMPTY);
    spawn(&other, reply_without_call, 0, PRIO + 1);  /* never received a call */
    CHECK(other.done);
    CHECK_EQ(other.result, E_EMPTY);
    reap(&srv);
    reap(&other);
    CHECK_EQ(destroy(rt_ep), E_OK);
}

/* The server receives the call, then stops (suspends itself, which keeps
 * its reply right) until the root starts it again. */
static struct uthread late_srv;
static long late_server(void *unused)
{
    (void)unused;
    seen[0] = tether_recv(rt_ep);
    tether_THREAD_SUSPEND(late_srv.cap);
    res[0] = tether_reply(MSG_INFO(1, 0), 0).err;
    res[1] = tether_reply(MSG_INFO(1, 0), 0).err;
    return 0;
}
static long caller(void *arg)
{
    long ep = (long)arg;
    seen[1] = tether_call((uint32_t)ep, MSG_INFO(0x33, 0), 0);
    return seen[1].err;
}

TEST(i2_reply_after_caller_destroyed)
{
    static struct uthread c;
    start();
    rt_ep = new_ep();
    spawn(&late_srv, late_server, 0, PRIO + 1);
    spawn(&c, caller, rt_ep, PRIO + 1);  /* calls; the server takes it and stops */
    CHECK_EQ(tstate(late_srv.cap), THREAD_INACTIVE);
    CHECK_EQ(tmsg_label(seen[0]), 0x33);
    CHECK_EQ(tstate(c.cap), THREAD_BLOCKED_REPLY);
    reap(&c);
    CHECK_EQ(tether_THREAD_START(late_srv.cap), E_OK);  /* runs at once: prio 101 */
    CHECK(late_srv.done);
    CHECK_EQ(res[0], E_REVOKED);  /* the caller is gone: fails cleanly */
    CHECK_EQ(res[1], E_EMPTY);    /* and the right was used up */
    reap(&late_srv);
    CHECK_EQ(destroy(rt_ep), E_OK);
}

/* ---- I6: endpoint destroyed under waiters ---------------------------- */

static uint32_t d_ep;
static long d_send(void *arg)
{
    long i = (long)arg;
    return res[i] = tether_send(d_ep, MSG_INFO(1, 0), 0).err;
}
static long d_call(void *arg)
{
    long i = (long)arg;
    return res[i] = tether_call(d_ep, MSG_INFO(1, 0), 0).err;
}
static long d_recv(void *arg)
{
    long i = (long)arg;
    return res[i] = tether_recv(d_ep).err;
}

TEST(i6_endpoint_destroyed_wakes_each_waiter)
{
    /* Three senders (send, call, send), then three receivers. */
    static const tether_thread_fn kinds[2][3] = { { d_send, d_call, d_send }, { d_recv, d_recv, d_recv } };
    static const uint64_t states[2][3] = {
        { THREAD_BLOCKED_SEND, THREAD_BLOCKED_SEND, THREAD_BLOCKED_SEND },
        { THREAD_BLOCKED_RECV, THREAD_BLOCKED_RECV, THREAD_BLOCKED_RECV } };
    for (int k = 0; k < 2; k++) {
        static struct uthread w[3];
        start();
        d_ep = new_ep();
        for (long i = 0; i < 3; i++) {
            res[i] = -1;
            spawn(&w[i], kinds[k][i], i, PRIO + 1);
            CHECK_EQ(tstate(w[i].cap), states[k][i]);
        }
        CHECK_EQ(destroy(d_ep), E_OK);
        for (int i = 0; i < 3; i++) {
            CHECK(w[i].done);           /* woken, ran (prio 101), returned */
            CHECK_EQ(res[i], E_REVOKED);
            reap(&w[i]);
        }
        CHECK_EQ(tether_nb_send(d_ep, MSG_INFO(1, 0), 0).err, E_REVOKED);
    }
}

/* ---- I3: transfer items --------------------------------------------- */

static uint32_t t_ep;
static long item_receiver(void *arg)
{
    long i = (long)arg;
    seen[i] = tether_recv(t_ep);
    return seen[i].err;
}

TEST(i3_items_into_full_window_change_nothing)
{
    static struct uthread rcv;
    start();
    t_ep = new_ep();
    uint32_t x = new_ep(), win = fresh_slots(2), blocker = new_ep();
    CHECK_EQ(tether_CS_COPY(CS, win + 1, CS, blocker, R_ALL), E_OK);  /* window slot 1 taken */
    spawn(&rcv, item_receiver, 0, PRIO + 1);
    CHECK_EQ(tether_THREAD_SET_IPC(rcv.cap, CAP_NONE, win, 2, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tstate(rcv.cap), THREAD_BLOCKED_RECV);
    uint64_t usage[4];
    CHECK_EQ(tether_BANK_QUERY(BANK, usage), E_OK);
    /* The receiver waits; the sender's 2 items don't fit: E_FULL for it. */
    uint64_t w[6] = { 1, 2, 3, 4, ITEM(x, ITEM_COPY, R_ALL), ITEM(x, ITEM_MAP, R_READ) };
    CHECK_EQ(tether_send(t_ep, MSG_INFO(9, 2), w).err, E_FULL);
    CHECK_EQ(tstate(rcv.cap), THREAD_BLOCKED_RECV);  /* still waiting, untouched */
    CHECK(!rcv.done);
    CHECK_EQ(status(CS, win), SLOT_EMPTY);
    CHECK_EQ(tether_CS_INFO(CS, win + 1, r), E_OK);   /* the occupant is intact */
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[2], R_ALL);
    CHECK_EQ(tether_CS_INFO(CS, x, r), E_OK);         /* the source too */
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[2], R_ALL);
    CHECK_EQ(tether_BANK_QUERY(BANK, r), E_OK);
    CHECK_EQ(r[0], usage[0]);
    CHECK_EQ(r[2], usage[2]);
    /* More items than the window has: E_FULL too. */
    uint64_t w3[6] = { 0, 0, 0, ITEM(x, ITEM_COPY, R_ALL), ITEM(x, ITEM_COPY, R_ALL),
                       ITEM(x, ITEM_COPY, R_ALL) };
    CHECK_EQ(tether_send(t_ep, MSG_INFO(9, 3), w3).err, E_FULL);
    CHECK_EQ(tstate(rcv.cap), THREAD_BLOCKED_RECV);
    /* Free the slot: the same message goes through. */
    CHECK_EQ(tether_CS_DELETE(CS, win + 1), E_OK);
    CHECK_EQ(tether_send(t_ep, MSG_INFO(9, 2), w).err, E_OK);
    CHECK(rcv.done);
    CHECK_EQ(seen[0].err, E_OK);
    CHECK_EQ(tmsg_label(seen[0]), 9);
    CHECK_EQ(tmsg_items(seen[0]), 2);
    CHECK_EQ(tether_CS_INFO(CS, win, r), E_OK);
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[1], OBJ_ENDPOINT);
    CHECK_EQ(tether_CS_INFO(CS, win + 1, r), E_OK);
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[2], R_READ);
    reap(&rcv);
    CHECK_EQ(destroy(t_ep), E_OK);
    CHECK_EQ(destroy(x), E_OK);
    CHECK_EQ(destroy(blocker), E_OK);
}

static uint32_t q_ep, q_x;
static long item_sender(void *unused)
{
    (void)unused;
    uint64_t w[6] = { 0, 0, 0, 0, 0, ITEM(q_x, ITEM_COPY, R_ALL) };
    return tether_send(q_ep, MSG_INFO(4, 1), w).err;
}

TEST(i3_receiver_with_full_window_gets_error_sender_stays)
{
    static struct uthread snd;
    start();
    q_ep = new_ep();
    q_x = new_ep();
    uint32_t win = fresh_slot(), blocker = new_ep();
    CHECK_EQ(tether_CS_COPY(CS, win, CS, blocker, R_ALL), E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, CAP_NONE, win, 1, 0, MWIN_OFF), E_OK);
    spawn(&snd, item_sender, 0, PRIO + 1);
    CHECK_EQ(tstate(snd.cap), THREAD_BLOCKED_SEND);
    struct tether_msg m = tether_recv(q_ep);
    CHECK_EQ(m.err, E_FULL);
    CHECK_EQ(tstate(snd.cap), THREAD_BLOCKED_SEND);   /* still queued */
    CHECK_EQ(tether_CS_INFO(CS, win, r), E_OK);
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(tether_CS_INFO(CS, q_x, r), E_OK);
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(tether_CS_DELETE(CS, win), E_OK);
    m = tether_recv(q_ep);                            /* now it fits */
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(tmsg_items(m), 1);
    CHECK(snd.done);
    CHECK_EQ(snd.result, E_OK);
    CHECK_EQ(status(CS, win), SLOT_LIVE);
    CHECK_EQ(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, CAP_NONE, 0, 0, 0, MWIN_OFF), E_OK);
    reap(&snd);
    CHECK_EQ(destroy(q_ep), E_OK);
    CHECK_EQ(destroy(q_x), E_OK);
    CHECK_EQ(destroy(blocker), E_OK);
}

/* GRANT through a proxy (the seed's transport chain): the client grants a
 * cap to a proxy thread that runs in its own CSpace; the proxy grants it
 * on to the server and is then destroyed with its CSpace. The cap lives
 * on at the server, still revocable by the client's original. Cap
 * addresses in the proxy's CSpace: */
enum { P_IN = 1, P_OUT = 2, P_SELF = 3, P_WIN = 8 };
static long proxy(void *unused)
{
    (void)unused;
    struct tether_msg m = tether_recv(P_IN);
    if (m.err != E_OK || tmsg_items(m) != 1) {
        res[0] = m.err ? m.err : -1;
    } else {
        uint64_t w[6] = { m.w[0], 0, 0, 0, 0, ITEM(P_WIN, ITEM_GRANT, R_ALL) };
        res[0] = tether_send(P_OUT, MSG_INFO(tmsg_label(m), 1), w).err;
    }
    for (;;)
        tether_THREAD_SUSPEND(P_SELF);  /* stays until destroyed */
}

TEST(i3_grant_through_proxy_that_is_destroyed)
{
    static struct uthread px, srv;
    start();
    uint32_t in = new_ep(), out = new_ep(), orig = new_ep(), c = fresh_slot();
    uint32_t pcs = fresh_slot(), swin = fresh_slot();
    CHECK_EQ(tether_CS_MAP(CS, c, CS, orig, R_ALL), E_OK);  /* the client's cap: a child */
    /* The proxy's CSpace: its two endpoints and a one-slot window. */
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_CSPACE, CS, pcs, 0), E_OK);
    CHECK_EQ(tether_CS_COPY(pcs, P_IN, CS, in, R_ALL), E_OK);
    CHECK_EQ(tether_CS_COPY(pcs, P_OUT, CS, out, R_ALL), E_OK);
    /* The server (root CSpace, window swin) waits on `out`. */
    t_ep = out;
    spawn(&srv, item_receiver, 1, PRIO + 1);
    CHECK_EQ(tether_THREAD_SET_IPC(srv.cap, CAP_NONE, swin, 1, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tstate(srv.cap), THREAD_BLOCKED_RECV);
    CHECK(nstacks < NSTACKS);
    CHECK_EQ(thread_create(&px, BANK, fresh_slot(), pcs, ROOT_CAP_ASPACE, proxy, 0,
                           stacks[nstacks++], STACK_BYTES, PRIO + 1),
             E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(px.cap, CAP_NONE, P_WIN, 1, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tether_CS_COPY(pcs, P_SELF, CS, px.cap, R_ALL), E_OK);
    CHECK_EQ(tether_THREAD_START(px.cap), E_OK);
    CHECK_EQ(tstate(px.cap), THREAD_BLOCKED_RECV);
    /* The client grants c to the proxy, which passes it on at once. */
    uint64_t w[6] = { 0xc0ffee, 0, 0, 0, 0, ITEM(c, ITEM_GRANT, R_READ | R_WRITE) };
    CHECK_EQ(tether_send(in, MSG_INFO(0x77, 1), w).err, E_OK);
    CHECK_EQ(res[0], E_OK);
    CHECK(srv.done);
    CHECK_EQ(seen[1].err, E_OK);
    CHECK_EQ(seen[1].w[0], 0xc0ffee);
    CHECK_EQ(status(CS, c), SLOT_EMPTY);      /* moved away from the client...   */
    CHECK_EQ(status(pcs, P_WIN), SLOT_EMPTY); /* ...and on from the proxy's slot */
    CHECK_EQ(tether_CS_INFO(CS, swin, r), E_OK);
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[1], OBJ_ENDPOINT);
    CHECK_EQ(r[2], R_READ | R_WRITE);
    /* The proxy exits: thread and CSpace destroyed. The cap stays valid. */
    CHECK_EQ(destroy(px.cap), E_OK);
    CHECK_EQ(destroy(pcs), E_OK);
    CHECK_EQ(status(CS, swin), SLOT_LIVE);
    CHECK_EQ(tether_nb_send(swin, MSG_INFO(1, 0), 0).err, E_WOULDBLOCK);  /* usable */
    /* GRANT kept its place in the tree: the original can take it back. */
    CHECK_EQ(tether_CS_UNMAP(CS, orig, 0), E_OK);
    CHECK_EQ(status(CS, swin), SLOT_EMPTY);
    CHECK_EQ(status(CS, orig), SLOT_LIVE);
    reap(&srv);
    CHECK_EQ(destroy(in), E_OK);
    CHECK_EQ(destroy(out), E_OK);
    CHECK_EQ(destroy(orig), E_OK);
}

/* UNMAP by the original mapper of a cap that went orig -MAP-> a -MAP-> b
 * -IPC(MAP)-> the receiver's window. */
TEST(c5_unmap_reaches_cap_passed_by_map_map_ipc)
{
    static struct uthread rcv;
    start();
    uint32_t orig = new_ep(), a = fresh_slot(), b = fresh_slot(), win = fresh_slot();
    t_ep = new_ep();
    CHECK_EQ(tether_CS_MAP(CS, a, CS, orig, R_ALL), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, b, CS, a, R_ALL), E_OK);
    spawn(&rcv, item_receiver, 0, PRIO + 1);
    CHECK_EQ(tether_THREAD_SET_IPC(rcv.cap, CAP_NONE, win, 1, 0, MWIN_OFF), E_OK);
    uint64_t w[6] = { 0, 0, 0, 0, 0, ITEM(b, ITEM_MAP, R_READ | R_WRITE) };
    CHECK_EQ(tether_send(t_ep, MSG_INFO(1, 1), w).err, E_OK);
    CHECK(rcv.done);
    CHECK_EQ(status(CS, win), SLOT_LIVE);
    CHECK_EQ(status(CS, b), SLOT_LIVE);       /* MAP keeps the source */
    CHECK_EQ(tether_CS_UNMAP(CS, orig, 0), E_OK);
    CHECK_EQ(status(CS, a), SLOT_EMPTY);
    CHECK_EQ(status(CS, b), SLOT_EMPTY);
    CHECK_EQ(status(CS, win), SLOT_EMPTY);    /* through the IPC too */
    CHECK_EQ(status(CS, orig), SLOT_LIVE);
    reap(&rcv);
    CHECK_EQ(destroy(t_ep), E_OK);
    CHECK_EQ(destroy(orig), E_OK);
}

/* ---- C8: a wrapper revoked under a blocked caller -------------------- */

static uint32_t w_cap;
static long wrapped_caller(void *arg)
{
    long i = (long)arg;
    return res[i] = tether_call(w_cap, MSG_INFO(3, 0), 0).err;
}

TEST(c8_wrapper_revoked_while_client_blocked_in_call)
{
    static struct uthread cl, srv;
    start();
    uint32_t ep = new_ep();
    w_cap = fresh_slot();
    CHECK_EQ(tether_BANK_WRAP(BANK, CS, w_cap, CS, ep, 0x5a, R_ALL), E_OK);
    /* First: a call through the wrapper works, with the wrapper's badge. */
    spawn(&srv, echo_server, ep, PRIO + 1);
    struct tether_msg m = tether_call(w_cap, MSG_INFO(7, 0), 0);
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(tmsg_label(m), 8);
    CHECK_EQ(m.w[5], 0x5a);
    CHECK_EQ(tether_call(ep, MSG_INFO(0xdead, 0), 0).err, E_OK);
    CHECK(srv.done);
    /* Nobody receives now: the client blocks calling through the wrapper. */
    res[0] = -1;
    spawn(&cl, wrapped_caller, 0, PRIO + 1);
    CHECK_EQ(tstate(cl.cap), THREAD_BLOCKED_SEND);
    CHECK_EQ(destroy(w_cap), E_OK);
    CHECK(cl.done);
    CHECK_EQ(res[0], E_REVOKED);
    CHECK_EQ(tether_nb_recv(ep).err, E_WOULDBLOCK);   /* it left the queue */
    CHECK_EQ(tether_call(w_cap, MSG_INFO(3, 0), 0).err, E_REVOKED);
    reap(&cl);
    reap(&srv);
    CHECK_EQ(destroy(ep), E_OK);
}

/* ---- I5: user-level fault handler ------------------------------------ */

/* A load from an unmapped page, never compressed (4 bytes), into a
 * register preset to `v`: if the load is skipped, v comes back. */
static uint64_t load_marker;
static __attribute__((noinline)) long faulty_load(void *arg)
{
    long v = (long)arg;
    uint64_t out = (uint64_t)v;
    __asm__ volatile(".option push\n.option norvc\n"
                     "lla t0, load_marker_pc\n"
                     "sd t0, 0(%1)\n"
                     "li t0, %2\n"
                     "load_marker_pc: ld %0, 0(t0)\n"
                     ".option pop"
                     : "+r"(out)
                     : "r"(&load_marker), "i"(UNMAPPED_VA)
                     : "t0", "memory");
    return (long)out;
}

/* The handler: for each of `n` faults, record it; reply RETRY to all but
 * the last, SETPC(pc + 4) to the last. */
static uint32_t f_ep;
static long fault_handler(void *arg)
{
    long n = (long)arg;
    struct tether_msg m = tether_recv(f_ep);
    for (long i = 0; i < n; i++) {
        seen[i] = m;
        if (m.err != E_OK)
            return m.err;
        if (i + 1 < n) {
            m = tether_reply_recv(f_ep, MSG_INFO(FAULT_REPLY_RETRY, 0), 0);
        } else {
            uint64_t w[6] = { m.w[1] + 4, 0, 0, 0, 0, 0 };
            res[0] = tether_reply(MSG_INFO(FAULT_REPLY_SETPC, 0), w).err;
        }
    }
    return 0;
}

TEST(i5_fault_handler_resumes_with_setpc_and_retry)
{
    for (long n = 1; n <= 3; n += 2) {  /* SETPC at once; RETRY twice, then SETPC */
        static struct uthread h, f;
        start();
        f_ep = new_ep();
        uint32_t minted = fresh_slot();
        CHECK_EQ(tether_CS_MINT(CS, minted, CS, f_ep, R_ALL, 0xfa, MINT_COPY), E_OK);
        for (int i = 0; i < 3; i++)
            seen[i].err = -1;
        res[0] = -1;
        spawn(&h, fault_handler, n, PRIO + 2);
        CHECK_EQ(tstate(h.cap), THREAD_BLOCKED_RECV);
        /* The faulting thread: created, given its fault endpoint, started. */
        CHECK_EQ(thread_create(&f, BANK, fresh_slot(), CS, ROOT_CAP_ASPACE, faulty_load,
                               (void *)(uintptr_t)0x5eed, stacks[nstacks++], STACK_BYTES, PRIO + 1),
                 E_OK);
        CHECK_EQ(tether_THREAD_SET_IPC(f.cap, minted, 0, 0, 0, MWIN_OFF), E_OK);
        CHECK_EQ(tether_THREAD_START(f.cap), E_OK);
        /* Both ran to the end before the root went on. */
        CHECK(h.done);
        CHECK(f.done);
        CHECK_EQ(f.result, 0x5eed);      /* the load was skipped, registers kept */
        CHECK_EQ(res[0], E_OK);
        for (long i = 0; i < n; i++) {
            CHECK_EQ(seen[i].err, E_OK);
            CHECK_EQ(tmsg_label(seen[i]), FAULT_READ);
            CHECK_EQ(seen[i].w[0], UNMAPPED_VA);
            CHECK_EQ(seen[i].w[1], load_marker);  /* retried: the same pc again */
            CHECK_EQ(seen[i].badge, 0xfa);
        }
        CHECK_EQ(tether_THREAD_INFO(f.cap, r), E_OK);
        CHECK_EQ(r[0], THREAD_INACTIVE);  /* suspended itself after fn returned */
        reap(&h);
        reap(&f);
        CHECK_EQ(destroy(f_ep), E_OK);
    }
}

/* A fault handler that is destroyed while the thread waits for its reply:
 * the thread stops as if it had no handler (FAULTED); it does not hang. */
static struct uthread taker;
static long fault_taker(void *unused)
{
    (void)unused;
    seen[0] = tether_recv(f_ep);
    for (;;)
        tether_THREAD_SUSPEND(taker.cap);  /* keeps the reply right, never replies */
}

TEST(i6_fault_handler_destroyed_stops_the_thread)
{
    static struct uthread f;
    start();
    f_ep = new_ep();
    spawn(&taker, fault_taker, 0, PRIO + 2);
    CHECK_EQ(thread_create(&f, BANK, fresh_slot(), CS, ROOT_CAP_ASPACE, faulty_load,
                           (void *)(uintptr_t)1, stacks[nstacks++], STACK_BYTES, PRIO + 1),
             E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(f.cap, f_ep, 0, 0, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tether_THREAD_START(f.cap), E_OK);
    CHECK_EQ(tmsg_label(seen[0]), FAULT_READ);
    CHECK_EQ(tstate(taker.cap), THREAD_INACTIVE);
    CHECK_EQ(tstate(f.cap), THREAD_BLOCKED_REPLY);
    reap(&taker);
    CHECK_EQ(tether_THREAD_INFO(f.cap, r), E_OK);
    CHECK_EQ(r[0], THREAD_FAULTED);
    CHECK_EQ(r[1], FAULT_READ);
    CHECK_EQ(r[2], UNMAPPED_VA);
    CHECK_EQ(r[3], load_marker);
    CHECK(!f.done);
    reap(&f);
    CHECK_EQ(destroy(f_ep), E_OK);
}
