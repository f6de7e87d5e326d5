/* SPDX-License-Identifier: BSD-2-Clause */
/* lock.c: demo f -- the seed's lock worry: "a server thread lent by a
 * client may be taken back while it holds a server lock". Clients lend
 * the server threads (T3: a thread and a SchedContext from the client's
 * own bank, MAPped to the server, which configures the thread into its
 * spaces and serves that client on it); a client takes its thread back
 * (CS_UNMAP of both caps) in the middle of a request. Two answers, each
 * followed by another client being served as if nothing happened:
 *
 *   (1) the seed's pattern: a lent thread never holds a global lock. The
 *       global state (a ledger whose two halves must agree) belongs to a
 *       thread the server owns, the keeper; a lent thread asks it by a
 *       local call. Taken back while the keeper holds the lock for it, the
 *       keeper simply finishes on its own time: the lock is released.
 *   (2) revocation notification (T4): here the lent thread takes the lock
 *       itself. The server registered a CS_WATCH on the slot of each lent
 *       thread's cap; the client's UNMAP signals the server's janitor (a
 *       thread it owns), which cuts the thread off the server's AddrSpace
 *       (it can never run server code again, whatever its client does
 *       with it), rolls back its half-done update and releases the lock.
 *
 * Everything runs in the root's AddrSpace and CSpace (as in demo
 * cpu_time): the story is about the lock, not about memory. Priorities:
 * root 100 < client callers 101 < lent threads 102 < keeper 103 < janitor
 * 104, so each step runs until it blocks before the root goes on. */
#include "demos.h"

enum { REQ = 1 };
#define ROOT_AS ROOT_CAP_ASPACE

/* ---- the server's global state and its lock ------------------------------ */

static volatile uint64_t ledger_a, ledger_b;  /* always equal between updates */
static volatile uint32_t lock_owner;          /* 0: free; else who holds it   */
static uint64_t undo_a;                       /* ledger_a before the update   */
static uint32_t step_ntfn, step_sig;          /* a paused holder waits here   */

/* One thread at a time, single CPU: yield while someone holds it. A holder
 * that never comes back would block it for ever; give up after a while.
 * `who`: the keeper (99) or the client whose lent thread holds it. */
static int lock_take(uint32_t who)
{
    for (int i = 0; lock_owner; i++) {
        if (i == 1000)
            return 0;
        tether_yield();
    }
    lock_owner = who;
    return 1;
}
static void lock_release(void) { lock_owner = 0; }

/* The critical section: update both halves; `pause` stops half way (the
 * holder waits on step_ntfn) so that the demo can take a thread back there. */
static void update(const char *who, uint64_t k, uint64_t amount, int pause)
{
    undo_a = ledger_a;
    ledger_a += amount;
    if (pause) {
        SAY("    %s %lu: lock held, ledger half updated (a=%lu b=%lu), and it waits...\n", who, k,
            ledger_a, ledger_b);
        uint64_t w;
        tether_wait(step_ntfn, &w);
    }
    ledger_b += amount;
}

/* ---- the server's own threads ------------------------------------------- */

static uint32_t keeper_ep;  /* the keeper's local endpoint (answer 1) */

/* The keeper: does global operations for the lent threads, on its own
 * thread and time. Request words: amount, pause, client. Answer: status,
 * the ledger. */
static long keeper(void *unused)
{
    (void)unused;
    uint64_t w[MSG_WORDS] = {0};
    struct tether_msg m = tether_recv(keeper_ep);
    for (;;) {
        w[0] = E_BUSY;
        if (lock_take(99)) {
            update("keeper, for client", m.w[2], m.w[0], (int)m.w[1]);
            lock_release();
            w[0] = E_OK;
        }
        w[1] = ledger_a;
        m = tether_reply_recv(keeper_ep, MSG_INFO(0, 0), w);
    }
}

/* A lent thread the server serves client k on. */
struct lent {
    uint32_t bank, thread, sc;  /* the client's: its bank, thread, SchedContext */
    uint32_t st, ssc;           /* the server's MAPs of them                    */
    uint32_t as1, as2;          /* the server's AddrSpace caps it runs on: as2
                                 * is a MAP of as1, a MAP of the root's         */
    uint32_t ep;                /* where client k's requests arrive             */
    uint32_t nbadge;            /* the janitor's notification, badge 1 << k     */
    int via_keeper;             /* answer 1 (keeper) or 2 (lock held itself)    */
};
static struct lent lt[5];

/* What a lent thread runs (pc set by THREAD_CONFIGURE, a0 = k): forever
 * receive a request of its client and answer it. */
static long worker(void *arg)
{
    long k = (long)(uintptr_t)arg;
    struct lent *l = &lt[k];
    uint64_t w[MSG_WORDS] = {0};
    struct tether_msg m = tether_recv(l->ep);
    for (;;) {
        if (l->via_keeper) {  /* (1): the global part is the keeper's */
            uint64_t q[MSG_WORDS] = {m.w[0], m.w[1], (uint64_t)k};
            struct tether_msg r = tether_call(keeper_ep, MSG_INFO(REQ, 0), q);
            w[0] = r.err ? (uint64_t)r.err : r.w[0];
            w[1] = r.w[1];
        } else {              /* (2): it takes the lock itself */
            w[0] = E_BUSY;
            if (lock_take((uint32_t)k)) {
                update("lent thread of client", (uint64_t)k, m.w[0], (int)m.w[1]);
                lock_release();
                w[0] = E_OK;
            }
            w[1] = ledger_a;
        }
        m = tether_reply_recv(l->ep, MSG_INFO(0, 0), w);
    }
}

/* The janitor (answer 2): told by the kernel when a lent thread's cap
 * leaves the server's CSpace (T4), it cleans up after that thread. */
static uint32_t janitor_ntfn;
static volatile unsigned janitor_cleanups;
static long janitor(void *unused)
{
    (void)unused;
    for (;;) {
        uint64_t word;
        if (tether_wait(janitor_ntfn, &word) != E_OK)
            return 0;
        for (uint32_t k = 1; k < 5; k++) {
            if (!(word & (1u << k)))
                continue;
            struct lent *l = &lt[k];
            long e = tether_CS_UNMAP(CS, l->as1, 0);  /* its AddrSpace cap goes: it never runs here again */
            SAY("    janitor: told the lent thread of client %u is gone (badge %lx); cut it off "
                "the server's AddrSpace -> %s\n", k, word, tether_error_name(e));
            EXPECT(e == E_OK, "cut off: %s", tether_error_name(e));
            if (lock_owner == k) {
                ledger_a = undo_a;
                lock_release();
                SAY("    janitor: it held the lock: half update rolled back (a=%lu b=%lu), lock "
                    "released\n", ledger_a, ledger_b);
            }
            janitor_cleanups++;
        }
    }
}

/* ---- clients --------------------------------------------------------------- */

/* Client k lends the server a thread: its bank pays for a thread and a
 * SchedContext, both MAPped to the server; the server configures the
 * thread into its spaces (through as2, so that it can cut it off), gives
 * it the time, starts it; with `watch`, it registers a revocation
 * notification on the slot of the thread's cap (T4). */
static void lend(uint32_t k, int via_keeper, int watch)
{
    static char stacks[5][4096] __attribute__((aligned(16)));
    struct lent *l = &lt[k];
    uint32_t s = demo_slots(8);
    *l = (struct lent){s, s + 1, s + 2, s + 3, s + 4, s + 5, s + 6, demo_ep(), s + 7, via_keeper};
    EXPECT(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_BANK, CS, l->bank, 64 * 1024) == E_OK, "bank");
    EXPECT(tether_BANK_CREATE(l->bank, OBJ_THREAD, CS, l->thread, 0) == E_OK, "thread");
    EXPECT(tether_BANK_CREATE(l->bank, OBJ_SCHEDCTX, CS, l->sc, 0) == E_OK, "sc");
    EXPECT(tether_SC_CONFIGURE(l->sc, 1000, 1000) == E_OK, "sc configure");
    EXPECT(tether_CS_MAP(CS, l->st, CS, l->thread, R_ALL) == E_OK, "map thread");
    EXPECT(tether_CS_MAP(CS, l->ssc, CS, l->sc, R_ALL) == E_OK, "map sc");
    /* The server's side. */
    EXPECT(tether_CS_MAP(CS, l->as1, CS, ROOT_AS, R_ALL) == E_OK, "as1");
    EXPECT(tether_CS_MAP(CS, l->as2, CS, l->as1, R_ALL) == E_OK, "as2");
    EXPECT(tether_THREAD_CONFIGURE(l->st, CS, l->as2, (uint64_t)worker,
                                   (uint64_t)(stacks[k] + sizeof stacks[k]), PRIO + 2, k) == E_OK,
           "configure");
    EXPECT(tether_THREAD_BIND_SC(l->st, l->ssc) == E_OK, "bind");
    if (watch) {
        uint64_t r[4];
        EXPECT(tether_CS_MINT(CS, l->nbadge, CS, janitor_ntfn, R_WRITE, 1u << k, MINT_COPY) == E_OK,
               "mint");
        EXPECT(tether_CS_WATCH(CS, l->st, 1, l->nbadge, r) == E_OK && r[0] == 1, "watch");
    }
    EXPECT(tether_THREAD_START(l->st) == E_OK, "start");  /* it runs to its recv */
}

/* Client k takes its thread back: its time first (the thread stops where
 * it is), then the thread (the server's cap goes). */
static void take_back(uint32_t k)
{
    struct lent *l = &lt[k];
    SAY("  client %u takes its thread back mid-request: CS_UNMAP of its SchedContext, then of "
        "its thread\n", k);
    long e1 = tether_CS_UNMAP(CS, l->sc, 0), e2 = tether_CS_UNMAP(CS, l->thread, 0);
    EXPECT(e1 == E_OK && e2 == E_OK, "take back: %s %s", tether_error_name(e1), tether_error_name(e2));
    uint64_t r[4];
    EXPECT(tether_THREAD_INFO(l->st, r) == E_EMPTY, "the server's cap is gone");
}

/* A client's caller thread: one request to its lent thread. */
struct call { uint32_t k; uint64_t amount, pause; volatile long err; volatile uint64_t ledger; };
static long caller(void *arg)
{
    struct call *c = arg;
    uint64_t w[MSG_WORDS] = {c->amount, c->pause};
    struct tether_msg m = tether_call(lt[c->k].ep, MSG_INFO(REQ, 0), w);
    c->err = m.err ? m.err : (long)m.w[0];
    c->ledger = m.w[1];
    return 0;
}

static void request(struct uthread *t, struct call *c)
{
    static char stacks[5][4096] __attribute__((aligned(16)));
    c->err = -1;
    EXPECT(thread_spawn(t, ROOT_CAP_BANK, demo_slots(1), caller, c, stacks[c->k],
                        sizeof stacks[c->k], PRIO + 1) == E_OK, "caller");
}

static void done_with(uint32_t k, struct uthread *t)
{
    EXPECT(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, lt[k].bank) == E_OK, "client bank");
    EXPECT(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, t->cap) == E_OK, "caller");
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, THREAD_SC_OF(t->cap));
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, lt[k].ep);
    tether_CS_DELETE(CS, lt[k].as1);
}

int demo_lock(void)
{
    static char kstack[4096] __attribute__((aligned(16))), jstack[4096] __attribute__((aligned(16)));
    static struct uthread kt, jt, ct[5];
    static struct call calls[5];
    demo_failures = 0;
    ledger_a = ledger_b = 0;
    lock_owner = 0;
    janitor_cleanups = 0;
    uint32_t s = demo_slots(4);
    step_ntfn = s, step_sig = s + 1, janitor_ntfn = s + 2;
    EXPECT(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, step_ntfn, 0) == E_OK, "step");
    EXPECT(tether_CS_MINT(CS, step_sig, CS, step_ntfn, R_WRITE, 1, MINT_COPY) == E_OK, "step mint");
    EXPECT(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, janitor_ntfn, 0) == E_OK, "jn");

    /* (1) The seed's pattern. */
    SAY("  (1) the seed's pattern: the ledger belongs to the keeper, a thread the server owns; "
        "lent threads ask it by a local call\n");
    keeper_ep = demo_ep();
    EXPECT(thread_spawn(&kt, ROOT_CAP_BANK, demo_slots(1), keeper, NULL, kstack, sizeof kstack,
                        PRIO + 3) == E_OK, "keeper");
    lend(1, 1, 0);
    lend(2, 1, 0);
    calls[1] = (struct call){1, 5, 1, -1, 0};
    request(&ct[1], &calls[1]);  /* runs until the keeper waits, lock held */
    EXPECT(lock_owner == 99 && ledger_a == 5 && ledger_b == 0, "keeper mid-update: %u %lu %lu",
           lock_owner, ledger_a, ledger_b);
    take_back(1);
    tether_signal(step_sig);     /* the keeper goes on, on its own time */
    SAY("  the keeper finished on its own thread: lock %s, ledger a=%lu b=%lu\n",
        lock_owner ? "HELD" : "free", ledger_a, ledger_b);
    EXPECT(lock_owner == 0 && ledger_a == 5 && ledger_b == 5, "after: %u %lu %lu", lock_owner,
           ledger_a, ledger_b);
    calls[2] = (struct call){2, 7, 0, -1, 0};
    request(&ct[2], &calls[2]);
    SAY("  client 2's request, on its own lent thread: %s, ledger %lu\n",
        tether_error_name(calls[2].err), calls[2].ledger);
    EXPECT(calls[2].err == E_OK && calls[2].ledger == 12 && ledger_b == 12, "client 2: %s %lu",
           tether_error_name(calls[2].err), calls[2].ledger);
    done_with(1, &ct[1]);  /* client 1 destroys its thread: its call ends */
    SAY("  client 1 destroys its bank: its pending call returns %s\n", tether_error_name(calls[1].err));
    EXPECT(calls[1].err == E_REVOKED, "client 1's call: %s", tether_error_name(calls[1].err));
    done_with(2, &ct[2]);

    /* (2) Revocation notification. */
    SAY("  (2) revocation notification (T4): lent threads take the lock themselves; the server "
        "watches the slot of each one's cap (CS_WATCH) for its janitor\n");
    EXPECT(thread_spawn(&jt, ROOT_CAP_BANK, demo_slots(1), janitor, NULL, jstack, sizeof jstack,
                        PRIO + 4) == E_OK, "janitor");
    lend(3, 0, 1);
    lend(4, 0, 1);
    calls[3] = (struct call){3, 5, 1, -1, 0};
    request(&ct[3], &calls[3]);  /* runs until its lent thread waits, lock held */
    EXPECT(lock_owner == 3 && ledger_a == 17 && ledger_b == 12, "mid-update: %u %lu %lu",
           lock_owner, ledger_a, ledger_b);
    take_back(3);                /* the janitor ran before this returned */
    SAY("  after the janitor: lock %s, ledger a=%lu b=%lu\n", lock_owner ? "HELD" : "free",
        ledger_a, ledger_b);
    EXPECT(janitor_cleanups == 1, "janitor cleanups %u", janitor_cleanups);
    EXPECT(lock_owner == 0 && ledger_a == 12 && ledger_b == 12, "after: %u %lu %lu", lock_owner,
           ledger_a, ledger_b);
    calls[4] = (struct call){4, 7, 0, -1, 0};
    request(&ct[4], &calls[4]);
    SAY("  client 4's request, on its own lent thread: %s, ledger %lu\n",
        tether_error_name(calls[4].err), calls[4].ledger);
    EXPECT(calls[4].err == E_OK && calls[4].ledger == 19 && ledger_b == 19, "client 4: %s %lu",
           tether_error_name(calls[4].err), calls[4].ledger);
    done_with(3, &ct[3]);
    SAY("  client 3 destroys its bank: its pending call returns %s\n", tether_error_name(calls[3].err));
    EXPECT(calls[3].err == E_REVOKED, "client 3's call: %s", tether_error_name(calls[3].err));
    SAY("  client 4 is done and destroys its bank: the thread's destruction fires its "
        "registration too\n");
    done_with(4, &ct[4]);
    EXPECT(janitor_cleanups == 2, "janitor cleanups %u", janitor_cleanups);

    EXPECT(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, kt.cap) == E_OK, "keeper");
    EXPECT(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, jt.cap) == E_OK, "janitor");
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, THREAD_SC_OF(kt.cap));
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, THREAD_SC_OF(jt.cap));
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, keeper_ep);
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, step_ntfn);
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, janitor_ntfn);
    return demo_failures;
}
