/* SPDX-License-Identifier: BSD-2-Clause */
/* mappable.c: demo f -- mappable threads (T3): a client lends a server a
 * thread with its CPU time, pays for what the server does for it, and takes
 * the thread back mid-request.
 *
 * The server is a task with a CSpace of its own: its threads name only its
 * caps. Client 1 (a task) allocates a thread, a SchedContext and an
 * endpoint from a bank of its own and MAPs the three caps to the server in
 * an OPEN message (transfer items into the receive window of the server's
 * manager thread). The manager configures the thread into the server's
 * CSpace and AddrSpace (THREAD_CONFIGURE), writes its session into its
 * argument registers (THREAD_WRITE_REGS), binds the client's SchedContext
 * to it (THREAD_BIND_SC) and starts it: it serves client 1 on the client's
 * endpoint, paid by the client's bank and time. While it runs in the
 * server, client 1 can't drive it (E_RIGHTS). Mid-request client 1 takes it
 * back -- (1) CS_UNMAP of the thread and SchedContext caps, (2) later, for
 * a second thread, BANK_DESTROY of the bank that paid for them -- and its
 * call answers E_REVOKED; the server's own thread goes on serving client 2
 * on the server's time. */
#include "demos.h"

enum { OPEN = 1, WORK = 2 };
/* The server's CSpace. Session k's caps land at S_WIN + 4k: thread,
 * SchedContext, endpoint. */
enum { S_CS = 1, S_AS = 2, S_OPEN = 3, S_EP = 4, S_MGR = 5, S_WIN = 16 };
#define NSESS      2u
#define LENT_STACK(k) (0x60000000UL + (uint64_t)(k) * 2 * PG)  /* a page each, set aside */
#define LENT_PRIO  (PRIO + 2)
#define STEP       200000UL  /* numbers per step of a request */
#define LONG_WORK  40u       /* steps of the request that is cut short */

/* A request of n steps: the sum of 0 .. n * STEP - 1, a yield after each
 * step (the client's other thread runs at the same priority). */
static uint64_t work(uint64_t n)
{
    volatile uint64_t s = 0;
    for (uint64_t i = 0; i < n; i++) {
        for (uint64_t j = 0; j < STEP; j++)
            s += i * STEP + j;
        tether_yield();
    }
    return s;
}

static uint64_t expected(uint64_t n)
{
    uint64_t all = n * STEP;
    return all * (all - 1) / 2;
}

static uint64_t consumed(uint32_t sc)
{
    uint64_t r[4];
    return tether_SC_QUERY(sc, r) == E_OK ? r[0] : 0;
}

static uint64_t bank_usage(uint32_t bank, uint64_t *objects)
{
    uint64_t r[4] = {0};
    tether_BANK_QUERY(bank, r);
    if (objects)
        *objects = r[2];
    return r[0];
}

/* ---- server task (cap addresses of its own CSpace) ---------------------- */

/* A lent thread: serves its session on the client's endpoint. Its argument
 * registers (a0, a1) are the manager's THREAD_WRITE_REGS. */
static long lent_main(long session, long ep)
{
    struct tether_msg m = tether_recv((uint32_t)ep);
    for (;;) {
        uint64_t w[MSG_WORDS] = { E_LABEL };
        if (m.err == E_OK && tmsg_label(m) == WORK) {
            w[0] = E_OK;
            w[1] = work(m.w[0]);
            w[2] = (uint64_t)session;
        }
        m = tether_reply_recv((uint32_t)ep, MSG_INFO(WORK, 0), w);
    }
}

/* Session k: the client's thread at t, its SchedContext at t + 1, its
 * endpoint at t + 2. */
static long open_session(uint64_t k, uint32_t t)
{
    long e = tether_THREAD_CONFIGURE(t, S_CS, S_AS, (uint64_t)lent_main, LENT_STACK(k) + PG,
                                     LENT_PRIO, 0);
    if (e == E_OK)
        e = tether_THREAD_WRITE_REGS(t, TREG_MSGINFO, 2, k, t + 2, 0, 0);  /* a0, a1 */
    if (e == E_OK)
        e = tether_THREAD_BIND_SC(t, t + 1);
    if (e == E_OK)
        e = tether_THREAD_START(t);
    return e;
}

/* The manager: OPEN requests, one receive window per session. */
static long manager(void *p)
{
    (void)p;
    uint64_t k = 0;
    tether_THREAD_SET_IPC(S_MGR, CAP_NONE, S_WIN, 3, 0, MWIN_OFF);
    struct tether_msg m = tether_recv(S_OPEN);
    for (;;) {
        uint64_t w[MSG_WORDS] = { E_LABEL };
        if (m.err == E_OK && tmsg_label(m) == OPEN && k < NSESS) {
            w[0] = (uint64_t)open_session(k, S_WIN + 4 * (uint32_t)k);
            SAY("  server: session %lu: the client's thread, THREAD_CONFIGUREd into my CSpace and "
                "AddrSpace, THREAD_WRITE_REGS a0 = %lu, a1 = its endpoint, THREAD_BIND_SC the "
                "client's SchedContext, THREAD_START -> %s\n", k, k, tether_error_name((long)w[0]));
            k++;
            tether_THREAD_SET_IPC(S_MGR, CAP_NONE, S_WIN + 4 * (uint32_t)k, 3, 0, MWIN_OFF);
        }
        m = tether_reply_recv(S_OPEN, MSG_INFO(OPEN, 0), w);
    }
}

/* The server's own worker: serves clients that lend nothing, on its time. */
static long worker(void *p)
{
    (void)p;
    struct tether_msg m = tether_recv(S_EP);
    for (;;) {
        uint64_t w[MSG_WORDS] = { E_LABEL };
        if (m.err == E_OK && tmsg_label(m) == WORK) {
            w[0] = E_OK;
            w[1] = work(m.w[0]);
        }
        m = tether_reply_recv(S_EP, MSG_INFO(WORK, 0), w);
    }
}

/* ---- client 1 (root CSpace, like every task here) ----------------------- */

struct lend { uint32_t bank, thread, sc, ep; };

struct cli1 {
    uint32_t bank, open, go, rev[NSESS];
    struct lend l[NSESS];
    uint32_t srv_sc[2];  /* the server threads' SchedContexts: what its time did */
    long open_err[NSESS], steal_err, work_err[NSESS], cut_err[NSESS];
    uint64_t paid[NSESS], objects, requests[NSESS], sum[NSESS], ticks, srv_ticks;
    uint64_t state[NSESS], fault[NSESS];
};
_Static_assert(sizeof(struct cli1) <= TASK_PARAM_MAX, "client 1's parameters");

static uint64_t srv_time(const struct cli1 *c)
{
    return consumed(c->srv_sc[0]) + consumed(c->srv_sc[1]);
}

/* A bank of its own for what it lends; a thread, a SchedContext (all the
 * time) and an endpoint from it. */
static long lend_alloc(const struct cli1 *c, const struct lend *l)
{
    long e = tether_BANK_CREATE(c->bank, OBJ_BANK, CS, l->bank, 64 * 1024);
    if (e == E_OK)
        e = tether_BANK_CREATE(l->bank, OBJ_THREAD, CS, l->thread, 0);
    if (e == E_OK)
        e = tether_BANK_CREATE(l->bank, OBJ_SCHEDCTX, CS, l->sc, 0);
    if (e == E_OK)
        e = tether_SC_CONFIGURE(l->sc, THREAD_FULL_TIME, THREAD_FULL_TIME);
    if (e == E_OK)
        e = tether_BANK_CREATE(l->bank, OBJ_ENDPOINT, CS, l->ep, 0);
    return e;
}

static long client1(void *p)
{
    struct cli1 *c = p;
    for (unsigned a = 0; a < NSESS; a++) {
        const struct lend *l = &c->l[a];
        long e = lend_alloc(c, l);
        c->paid[a] = bank_usage(l->bank, a ? 0 : &c->objects);
        /* MAP the three caps to the server: they land in its window. */
        uint64_t w[MSG_WORDS] = { 0, 0, 0, ITEM(l->thread, ITEM_MAP, R_ALL),
                                  ITEM(l->sc, ITEM_MAP, R_ALL), ITEM(l->ep, ITEM_MAP, R_ALL) };
        struct tether_msg m = tether_call(c->open, MSG_INFO(OPEN, 3), w);
        c->open_err[a] = e != E_OK ? e : m.err != E_OK ? m.err : (long)m.w[0];
        if (a == 0)  /* it runs in the server's spaces now: not ours to drive */
            c->steal_err = tether_THREAD_WRITE_REGS(l->thread, TREG_PC, 1, 0, 0, 0, 0);
        /* Requests, until its SchedContext was charged a tick (1 ms). */
        uint64_t t0 = consumed(l->sc), s0 = srv_time(c);
        c->requests[a] = 0;
        do {
            uint64_t n[MSG_WORDS] = { 3 };
            m = tether_call(l->ep, MSG_INFO(WORK, 0), n);
            c->work_err[a] = m.err != E_OK ? m.err : (long)m.w[0];
            c->sum[a] = m.w[1];
            c->requests[a]++;
        } while (c->work_err[a] == E_OK && consumed(l->sc) == t0 && c->requests[a] < 100);
        if (a == 0) {
            c->ticks = consumed(l->sc) - t0;
            c->srv_ticks = srv_time(c) - s0;
        }
        tether_recv(c->go);  /* the demo shows the accounts */
        /* A long request; its second thread takes the lent thread back. */
        tether_THREAD_START(c->rev[a]);
        uint64_t n[MSG_WORDS] = { LONG_WORK };
        m = tether_call(l->ep, MSG_INFO(WORK, 0), n);
        c->cut_err[a] = m.err;
        uint64_t r[4];
        long info = tether_THREAD_INFO(l->thread, r);
        c->state[a] = info == E_OK ? r[0] : ~0UL;  /* ~0: destroyed */
        c->fault[a] = info == E_OK ? r[1] : 0;
        tether_recv(c->go);
    }
    return 0;
}

/* Client 1's second thread: once the lent thread has worked a step or two
 * (it yields after each), take it back. */
struct rev { uint32_t bank; struct lend l; int destroy; };

static long revoker(void *p)
{
    const struct rev *r = p;
    tether_yield();
    tether_yield();
    long e;
    if (r->destroy) {
        e = tether_BANK_DESTROY(r->bank, CS, r->l.bank);
        SAY("  client 1, mid-request: BANK_DESTROY of the bank that paid for its thread, time "
            "and endpoint -> %s\n", tether_error_name(e));
    } else {
        e = tether_CS_UNMAP(CS, r->l.thread, 0);
        if (e == E_OK)
            e = tether_CS_UNMAP(CS, r->l.sc, 0);
        SAY("  client 1, mid-request: CS_UNMAP of the thread and SchedContext caps it MAPped to "
            "the server -> %s\n", tether_error_name(e));
    }
    return e;
}

/* ---- client 2: lends nothing ------------------------------------------- */

struct cli2 { uint32_t ep; long err; uint64_t sum; };

static long client2(void *p)
{
    struct cli2 *c = p;
    uint64_t n[MSG_WORDS] = { 3 };
    struct tether_msg m = tether_call(c->ep, MSG_INFO(WORK, 0), n);
    c->err = m.err != E_OK ? m.err : (long)m.w[0];
    c->sum = m.w[1];
    return 0;
}

/* ---- the demo ------------------------------------------------------------ */

/* The server task and its CSpace: its bank pays for all of it, up front. */
static void make_server(struct task *srv, uint32_t scs, uint32_t open, uint32_t ep,
                        struct task_thread *mgr, struct task_thread *wrk)
{
    long e = task_create(srv, ROOT_CAP_BANK, 1 << 20, demo_slots(3));
    EXPECT(e == E_OK, "server task: %s", tether_error_name(e));
    EXPECT(tether_BANK_CREATE(srv->bank, OBJ_CSPACE, CS, scs, 0) == E_OK, "server CSpace");
    EXPECT(tether_BANK_CREATE(srv->bank, OBJ_ENDPOINT, CS, open, 0) == E_OK, "open endpoint");
    EXPECT(tether_BANK_CREATE(srv->bank, OBJ_ENDPOINT, CS, ep, 0) == E_OK, "endpoint");
    static const uint32_t to[] = { S_CS, S_AS, S_OPEN, S_EP };
    const uint32_t from[] = { scs, srv->as, open, ep };
    for (unsigned i = 0; i < 4; i++)
        EXPECT(tether_CS_COPY(scs, to[i], CS, from[i], R_ALL) == E_OK, "server cap %u", to[i]);
    for (unsigned k = 0; k < NSESS; k++)
        EXPECT(frame_new_at(srv->bank, srv->scratch, srv->as, LENT_STACK(k), R_READ | R_WRITE) ==
               E_OK, "session stack");
    e = task_thread_create_in(srv, mgr, demo_slots(1), scs, manager, 0, 0, PRIO + 5);
    EXPECT(e == E_OK, "manager: %s", tether_error_name(e));
    EXPECT(tether_CS_COPY(scs, S_MGR, CS, mgr->cap, R_ALL) == E_OK, "manager cap");
    e = task_thread_create_in(srv, wrk, demo_slots(1), scs, worker, 0, 0, PRIO + 4);
    EXPECT(e == E_OK, "worker: %s", tether_error_name(e));
    EXPECT(tether_THREAD_START(mgr->cap) == E_OK && tether_THREAD_START(wrk->cap) == E_OK, "start");
}

int demo_mappable(void)
{
    demo_failures = 0;
    static struct cli1 cp;
    static struct rev rp[NSESS];
    struct task srv, c1, c2;
    struct task_thread mgr, wrk, t1, rt[NSESS], t2;
    uint32_t scs = demo_slots(1), open = demo_slots(1), ep = demo_slots(1), go = demo_ep();
    make_server(&srv, scs, open, ep, &mgr, &wrk);
    uint64_t srv0 = bank_usage(srv.bank, 0);
    SAY("  the server: a task with its own CSpace and AddrSpace, a manager thread (OPEN) and a "
        "worker (for clients that lend nothing); its bank pays %lu bytes\n", srv0);

    /* Client 1, with a second thread for taking its thread back. */
    EXPECT(task_create(&c1, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "client 1");
    cp.bank = c1.bank;
    cp.open = open;
    cp.go = go;
    cp.srv_sc[0] = THREAD_SC_OF(mgr.cap);
    cp.srv_sc[1] = THREAD_SC_OF(wrk.cap);
    for (unsigned a = 0; a < NSESS; a++) {
        uint32_t s = demo_slots(4);
        cp.l[a] = (struct lend){ s, s + 1, s + 2, s + 3 };
        rp[a] = (struct rev){ c1.bank, cp.l[a], (int)a };
        EXPECT(task_thread_create(&c1, &rt[a], demo_slots(1), revoker, &rp[a], sizeof rp[a],
                                  LENT_PRIO) == E_OK, "revoker");
        cp.rev[a] = rt[a].cap;
    }
    EXPECT(task_spawn(&c1, &t1, demo_slots(1), client1, &cp, sizeof cp, PRIO + 3) == E_OK, "c1");
    volatile struct cli1 *v = (volatile struct cli1 *)t1.hdr->param;

    /* Client 1 opened session 0 and made requests; it waits for a go. */
    uint64_t srv1 = bank_usage(srv.bank, 0);
    SAY("  client 1: a bank of its own for what it lends: a thread, a SchedContext, an endpoint "
        "(%lu objects, %lu bytes), MAPped to the server in an OPEN -> %s\n", v->objects,
        v->paid[0], tether_error_name(v->open_err[0]));
    SAY("  client 1: THREAD_WRITE_REGS of its own thread, now in the server -> %s\n",
        tether_error_name(v->steal_err));
    SAY("  client 1: served on its thread (requests until its time was charged a tick: %lu): "
        "%s, sum %lu\n", v->requests[0], tether_error_name(v->work_err[0]), v->sum[0]);
    SAY("  who paid: client 1's bank %lu bytes for the thread, its time and endpoint, its "
        "SchedContext %lu ticks of CPU time; the server's bank %ld bytes more, its "
        "SchedContexts %lu ticks\n", v->paid[0],
        v->ticks, (long)(srv1 - srv0), v->srv_ticks);
    EXPECT(v->open_err[0] == E_OK && v->objects == 3, "open: %s, %lu objects",
           tether_error_name(v->open_err[0]), v->objects);
    EXPECT(v->steal_err == E_RIGHTS, "client drives the lent thread: %s",
           tether_error_name(v->steal_err));
    EXPECT(v->work_err[0] == E_OK && v->sum[0] == expected(3), "work: %s, sum %lu",
           tether_error_name(v->work_err[0]), v->sum[0]);
    EXPECT(v->ticks > 0, "the client's time paid: %lu ticks", v->ticks);
    EXPECT(v->srv_ticks == 0, "the server's time paid %lu ticks", v->srv_ticks);
    EXPECT(srv1 == srv0, "the server's bank paid %ld bytes", (long)(srv1 - srv0));

    /* (1) It UNMAPs them mid-request. */
    tether_send(go, MSG_INFO(0, 0), 0);
    SAY("  client 1's long request -> %s; its thread: %s (%s), no longer the server's\n",
        tether_error_name(v->cut_err[0]), v->state[0] == THREAD_FAULTED ? "stopped" : "RUNNING",
        tether_fault_name(v->fault[0]));
    EXPECT(rt[0].hdr->done && rt[0].hdr->result == E_OK, "unmap: %s",
           tether_error_name(rt[0].hdr->result));
    EXPECT(v->cut_err[0] == E_REVOKED, "cut short: %s", tether_error_name(v->cut_err[0]));
    EXPECT(v->state[0] == THREAD_FAULTED && v->fault[0] == FAULT_ASPACE, "lent thread %lu/%lu",
           v->state[0], v->fault[0]);

    /* (2) A second thread, served the same way; its bank destroyed mid-request. */
    tether_send(go, MSG_INFO(0, 0), 0);
    SAY("  client 1 lends a second thread, time and endpoint (%lu bytes) -> %s; served: %s\n",
        v->paid[1], tether_error_name(v->open_err[1]), tether_error_name(v->work_err[1]));
    EXPECT(v->open_err[1] == E_OK && v->work_err[1] == E_OK && v->sum[1] == expected(3),
           "session 1: %s %s", tether_error_name(v->open_err[1]), tether_error_name(v->work_err[1]));
    tether_send(go, MSG_INFO(0, 0), 0);
    SAY("  client 1's long request -> %s; the thread is gone with its bank\n",
        tether_error_name(v->cut_err[1]));
    EXPECT(rt[1].hdr->done && rt[1].hdr->result == E_OK, "destroy: %s",
           tether_error_name(rt[1].hdr->result));
    EXPECT(v->cut_err[1] == E_REVOKED, "cut short: %s", tether_error_name(v->cut_err[1]));
    EXPECT(v->state[1] == ~0UL, "the thread is destroyed: %lu", v->state[1]);
    tether_send(go, MSG_INFO(0, 0), 0);  /* client 1 ends */

    /* The server's own thread goes on. */
    EXPECT(task_create(&c2, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "client 2");
    struct cli2 cp2 = { ep, 0, 0 };
    EXPECT(task_spawn(&c2, &t2, demo_slots(1), client2, &cp2, sizeof cp2, PRIO + 3) == E_OK, "c2");
    volatile struct cli2 *v2 = (volatile struct cli2 *)t2.hdr->param;
    uint64_t srv2 = bank_usage(srv.bank, 0);
    SAY("  client 2 (lends nothing), served by the server's worker on the server's time: %s, sum "
        "%lu; the server's bank: %ld bytes more than at the start\n", tether_error_name(v2->err), v2->sum,
        (long)(srv2 - srv0));
    EXPECT(t1.hdr->done && t2.hdr->done, "clients finished");
    EXPECT(v2->err == E_OK && v2->sum == expected(3), "client 2: %s", tether_error_name(v2->err));
    EXPECT(srv2 == srv0, "the server's bank paid %ld bytes", (long)(srv2 - srv0));

    EXPECT(task_destroy(&c1, ROOT_CAP_BANK) == E_OK, "destroy");
    EXPECT(task_destroy(&c2, ROOT_CAP_BANK) == E_OK, "destroy");
    EXPECT(task_destroy(&srv, ROOT_CAP_BANK) == E_OK, "destroy");
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, go);
    return demo_failures;
}
