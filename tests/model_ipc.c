/* SPDX-License-Identifier: BSD-2-Clause */
/* model_ipc.c: the randomized IPC driver (DESIGN.md §4, §5, §7), with a
 * reference model of CPU time (T1, T2) and notifications.
 *
 * A handful of threads, endpoints, wrappers over endpoints, two AddrSpaces
 * and some frames; SchedContexts (four shared ones, and one per thread) and
 * two notifications. The harness plays the CPU: it mostly runs the thread
 * the scheduler picks (sched_next; kernel_timer after every step),
 * sometimes an arbitrary one that could run (runnable, with time:
 * sched_switch_to), puts a random system call in its registers and enters
 * kernel_syscall(), or makes it fault (kernel_exception). Calls:
 * send/recv/call/reply/reply_recv and the non-blocking variants, on
 * endpoints, wrappers and hostile caps, with cap and memory transfer items
 * (hostile ones too), and kernel invocations by the thread: NTFN_SIGNAL /
 * WAIT / POLL, SC_CONFIGURE / SC_QUERY, THREAD_BIND_SC / THREAD_BIND_NTFN
 * (good and bad arguments). Between them the root (kernel_invoke, no
 * thread): THREAD_SUSPEND / THREAD_START, destroying and recreating
 * threads, endpoints and wrappers, emptying receive windows, refilling item
 * sources, pagers answering faults with memory items; and for time and
 * notifications: creating, destroying, UNMAPping and deleting
 * SchedContexts and notifications under running, queued, blocked and lent
 * threads; SC_CONFIGURE (budget > period, zero budget or period, too long
 * a period too); THREAD_BIND_SC bind / unbind / rebind (E_BUSY when bound
 * elsewhere), making servers passive (unbinding a thread waiting in recv:
 * calls and plain sends to it then lend it the caller's time);
 * THREAD_SET_TIMEOUT; THREAD_BIND_NTFN; signals, polls; runs of timer
 * ticks.
 *
 * The reference model (predicted, then compared): every SchedContext's
 * budget, period, consumed ticks, remaining budget and overruns (periodic
 * refill, from the rules in schedctx.h: each tick is charged to the time
 * the running thread runs on), which SchedContext each thread owns (its
 * kept copy of the cap: THREAD_BIND_SC, removed by an UNMAP above it or
 * destruction) and which it was lent (set when a call or plain send is
 * delivered to a passive thread; given back when it replies or receives
 * again), every notification's word, its FIFO of waiters and its bound
 * thread. Every kernel invocation's answer is predicted exactly, results
 * included; so is what a signal or a destruction does to waiters.
 *
 * Checked after every step (and after every tick), against the public
 * semantics (THREAD_INFO states, sched_next, SC_QUERY's values, queues):
 *   - kernel_check();
 *   - no thread is lost: blocked on send/recv = in exactly one endpoint
 *     queue, whose qstate matches, queue lengths = waiting counts; waiting
 *     on a notification = in its queue, in the model's order; waiting for
 *     a reply = from a live thread that holds the reply right (one caller
 *     per server); runnable = chosen by the scheduler within a bounded
 *     number of picks if it has time (priority order, round robin); the
 *     scheduler only ever picks a runnable thread of the highest priority
 *     among those with time;
 *   - T1: the thread the kernel returns to has a SchedContext with budget
 *     (its own, or lent, and live); nothing idles while a thread could
 *     run; every thread on a run queue has time, unless it lost it while
 *     queued (the lazy rules: its SchedContext destroyed, UNMAPped, unbound
 *     or run out by another thread on it; it never runs so: pick() makes it
 *     wait); a runnable thread off the queues has no time (no lost
 *     wakeup); a SchedContext is bound to at most one thread; every
 *     SchedContext's accounts are the model's; a tick charges exactly the
 *     time the running thread runs on, and an overrun takes it off the CPU
 *     (to its timeout handler if it has one: FAULT_TIMEOUT);
 *   - T2: each thread runs on the time the model says (thread_sc): lent
 *     time returns to the client after the reply, reply_recv or the
 *     server's next receive, and with the server's death; a plain send
 *     to a passive server waits (IPC_LEND) and ends with E_OK;
 *   - no thread waits on a dead object (endpoint, notification, partner,
 *     SchedContext);
 *   - I2: the reply right is one-shot (a second reply: E_EMPTY; a caller
 *     that went away: E_REVOKED; a server that receives again or is
 *     destroyed releases its waiting caller with E_REVOKED, or E_OK if it
 *     only lent its time with a plain send);
 *   - I3: all or nothing: a receive window (cap slots, memory pages) only
 *     changes when its thread receives a message in that step, and then by
 *     exactly that message's items (every cap item landed, in order; memory
 *     only inside the window); an item source disappears only when a
 *     delivered message GRANTed it;
 *   - I6: destroying an endpoint wakes each of its waiters with E_REVOKED
 *     (or back to FAULTED for a fault message), destroying a notification
 *     each of its waiters.
 * TETHER_SEED / TETHER_STEPS as in tests/model/ (this driver runs STEPS / 4);
 * TETHER_IPC_TRACE=1 prints every step. */
#include "harness.h"
#include "tk.h"
#include "aspace.h"
#include "check.h"
#include "endpoint.h"
#include "frame.h"
#include "invoke.h"
#include "notification.h"
#include "sched.h"
#include "schedctx.h"
#include "thread.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include "host_blk.h"
#include "host_console.h"
#include "persist.h"
#include "model/regioncopy.h"

/* The kernel reports threads stopped by a fault on the console: keep that
 * out of the test output. */
static int saved_fd = -1;
static void quiet(bool on)
{
    fflush(stdout);
    if (on) {
        int nul = open("/dev/null", O_WRONLY);
        saved_fd = dup(1);
        dup2(nul, 1);
        close(nul);
    } else if (saved_fd >= 0) {
        dup2(saved_fd, 1);
        close(saved_fd);
        saved_fd = -1;
    }
}

#include "rng.h"

#define NT 6        /* threads   */
#define NEP 3       /* endpoints */
#define NW 2        /* wrappers  */
#define NSRC 10     /* item source caps */
#define WIN 3       /* cap window slots per thread */
#define NSC 4       /* shared SchedContexts */
#define NN 2        /* notifications */
enum {
    S_EP = 20, S_W = 24, S_T = 30, S_AS = 40, S_F = 50, S_SRC = 60, S_WIN = 100,
    NF = 4,
    S_SC = 70,    /* shared SchedContexts 70..73 (roots)                          */
    S_MSC = 74,   /* a MAP of each (74..77): a thread bound through one of these
                   * has its kept copy under S_SC + k, so UNMAP of that takes
                   * its time away                                               */
    S_SCRO = 78,  /* COPY of S_SC with R_READ                                     */
    S_SCW = 79,   /* wrapper over S_SC: SC_* go through it, THREAD_BIND_SC not    */
    S_N = 80,     /* notifications 80, 81 (unbadged roots)                        */
    S_NB = 82,    /* badged MINT_MAPs of them (82, 83)                             */
    S_NRO = 84,   /* COPY of S_N with R_READ                                       */
    S_NWO = 85,   /* COPY of S_NB with R_WRITE (keeps the badge)                   */
    S_NW = 86,    /* wrapper over S_N + 1 with badge NW_BADGE                      */
    S_TRO = 88,   /* COPY of thread 0's cap with R_READ                            */
    S_OSC = 90,   /* each thread's own SchedContext, 90..95 (roots)                */
    S_NONE = 99,  /* never written                                                 */
    NMC = 100,    /* the slots the time model follows are below this              */
};
#define NW_BADGE 0x100u
#define SRC_VA 0x10000ull   /* frames mapped at SRC_VA + k pages in both AddrSpaces */
#define MWIN_VA 0x400000ull /* thread i's memory window: MWIN_VA + i * 0x10000, 4 pages */
#define FAULT_VA 0x800000ull

static u64 seed;
static long step_no;
static int failed;
static char desc[240];
static long n_sys, n_deliv, n_items, n_fault, n_ctl, n_revoked;
static long n_inv, n_ticks, n_charged, n_overrun, n_timeout, n_lend, n_giveback, n_signal, n_wake, n_notified,
    n_passive, n_taint, n_bind, n_busy, n_scbad, n_scdestroy;

static void dump(void);
static void ifail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ifail(const char *fmt, ...)
{
    if (failed++)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("    MISMATCH seed=%llu test=ipc_random step=%ld [%s]:\n      ", (unsigned long long)seed, step_no, desc);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n    replay: TETHER_SEED=%llu build/host/model ipc_random\n", (unsigned long long)seed);
    harness_fail(__FILE__, __LINE__, "IPC invariants hold", 0, 0);
    if (getenv("TETHER_IPC_TRACE"))
        dump();
}

static oref obj(u32 slot)
{
    struct slot *s = tk_slot(slot);
    return s && s->obj && cap_live(s) ? s->obj : 0;
}
static oref tref(int i) { return obj(S_T + (u32)i); }
static struct thread *T(int i) { return thread_body(tref(i)); }
static u32 tstate(int i)
{
    CHECK_EQ(tk_inv(S_T + (u32)i, THREAD_INFO, 0, 0, 0, 0, 0, 0), E_OK);
    return (u32)tk_r[0];
}
static int tidx(oref t)
{
    for (int i = 0; i < NT; i++)
        if (t && tref(i) == t)
            return i;
    return -1;
}
static u64 win_va(int i) { return MWIN_VA + (u64)i * 0x10000; }
static oref t_as(int i) { return obj(S_AS + (u32)(i & 1)); }

/* ------------------------------------------- the time and notification model -- */

#define MAXM 4096   /* model SchedContexts / notifications per boot */

/* A SchedContext: periodic refill (schedctx.h). Configured at tick T0 with
 * budget B per period P, period k covers the ticks ending in
 * (T0 + kP, T0 + (k+1)P]; `used` ticks were charged in period pidx. */
struct msc {
    oref o;
    u32 epoch, slot;   /* slot: a root-CSpace cap to it */
    bool alive, conf;
    u64 B, P, T0, pidx, used, consumed;
    u32 overruns;
};
struct mn {
    oref o;
    u32 epoch;
    bool alive;
    u64 word;
    int q[NT], qn;     /* waiters, oldest first */
};
/* What a root-CSpace slot below NMC holds, as far as the model follows it. */
enum { CK_NONE, CK_SC, CK_N, CK_W, CK_THR, CK_EP, CK_OTHER };
struct mcap {
    u8 kind;           /* CK_*: empty, or the object it names */
    u8 wk;             /* wrapper: the kind of its target      */
    u8 rights;
    int id;            /* model SchedContext / notification / thread */
    u64 badge;         /* its badge; a wrapper's badge          */
    int par;           /* the slot it hangs under in the derivation tree, -1 */
};

static struct msc scm[MAXM];
static int nscm;
static struct mn nm[MAXM];
static int nnm;
static struct mcap mc[NMC];
static u64 now;        /* the model's clock: ticks since boot */

/* Per thread: its own SchedContext (model id, -1) and the slot its kept
 * copy hangs under (-1: a root of its own); the SchedContext it was lent
 * (-1), as the kernel keeps it (a dead one stays); its bound notification
 * and the slot its kept MAP hangs under; its timeout endpoint; its last
 * IPC operation; the lazy-rule bookkeeping of the queue invariant. */
static int own[NT], own_par[NT], lent[NT], bn[NT], bn_par[NT];
static oref tep_o[NT];
static u32 tep_e[NT];
static bool taint[NT], was_q[NT], had_t[NT];
enum { OP_NONE, OP_CALL, OP_SEND };
static int lastop[NT];

static bool sc_alive(int s) { return s >= 0 && scm[s].alive; }
static u64 m_remaining(const struct msc *s, u64 t)
{
    if (!s->conf)
        return 0;
    return (t - s->T0) / s->P > s->pidx ? s->B : s->B - s->used;
}
static bool sc_has_time(int s) { return sc_alive(s) && m_remaining(&scm[s], now) > 0; }
/* The tick (now - 1, now] charged to s: true if its budget ran out before
 * its period ends (an overrun). */
static bool m_charge(struct msc *s)
{
    u64 k = (now - 1 - s->T0) / s->P;
    if (k > s->pidx)
        s->pidx = k, s->used = 0;
    if (s->used < s->B)
        s->used++;
    s->consumed++;
    if (s->used < s->B || (now - s->T0) / s->P > s->pidx)
        return false;  /* budget left, or used up exactly as its period ends */
    s->overruns++;
    return true;
}
static void m_configure(struct msc *s, u64 B, u64 P)
{
    s->conf = true;
    s->B = B, s->P = P, s->T0 = now, s->pidx = 0, s->used = 0;
}

static bool passive(int i) { return !sc_alive(own[i]); }
/* The SchedContext thread i runs on (thread_sc): its own, else a live lent one. */
static int sc_of(int i) { return !passive(i) ? own[i] : sc_alive(lent[i]) ? lent[i] : -1; }
static bool has_time(int i) { return sc_has_time(sc_of(i)); }
/* What thread i lends when its request is delivered to a passive thread:
 * its own, or what it was lent (as it is: a dead one stays dead). */
static int lend_value(int i) { return !passive(i) ? own[i] : lent[i]; }
static oref sc_ref(int s) { return s >= 0 ? scm[s].o : 0; }
static bool tep_live(int i) { return tep_o[i] && obj_get(tep_o[i])->live == tep_e[i]; }

/* Is slot x an ancestor of a cap hanging under slot p (p itself included)? */
static bool under(int p, int x)
{
    for (int n = 0; p >= 0 && n < NMC; p = mc[p].par, n++)
        if (p == x)
            return true;
    return false;
}
/* The model side of CS_UNMAP (self 0) / CS_DELETE (self 1) of slot x:
 * every cap below it goes, threads' kept copies included. */
static void m_remove_below(int x, bool self)
{
    for (int i = 0; i < NT; i++) {
        if (own[i] >= 0 && own_par[i] >= 0 && under(own_par[i], x))
            own[i] = -1;
        if (bn[i] >= 0 && under(bn_par[i], x))
            bn[i] = -1;
    }
    bool gone[NMC] = {false};
    for (int s = 0; s < NMC; s++)
        gone[s] = mc[s].kind != CK_NONE && s != x && under(mc[s].par, x);
    for (int s = 0; s < NMC; s++)
        if (gone[s])
            memset(&mc[s], 0, sizeof mc[s]), mc[s].par = -1;
    if (self)
        memset(&mc[x], 0, sizeof mc[x]), mc[x].par = -1;
}

/* Lookup of an invoked cap (cap_lookup + cap_resolve): the object it
 * finally names, with rights and badge. */
struct mr { int e; u8 kind; int id; u8 rights; u64 badge; };
static bool obj_alive(u8 kind, int id)
{
    return kind == CK_SC ? scm[id].alive : kind == CK_N ? nm[id].alive : true;
}
static struct mr m_resolve(u64 cptr)
{
    struct mr r = {E_OK, CK_NONE, -1, R_ALL, 0};
    if (cptr >= CAP_ADDR_LIMIT)
        return r.e = E_BADCAP, r;
    if (cptr >= S_T && cptr < S_T + NT)
        return r.kind = CK_THR, r.id = (int)cptr - S_T, r;
    if ((cptr >= S_EP && cptr < S_EP + NEP) || (cptr >= S_W && cptr < S_W + NW))
        return r.kind = CK_EP, r;  /* endpoints, and wrappers over them (always live between steps) */
    if (cptr == S_AS || cptr == S_F)
        return r.kind = CK_OTHER, r;
    if (cptr >= NMC || mc[cptr].kind == CK_NONE)
        return r.e = E_EMPTY, r;
    const struct mcap *m = &mc[cptr];
    r.kind = m->kind == CK_W ? m->wk : m->kind;
    r.id = m->id;
    r.rights = m->rights;
    r.badge = m->badge;
    if (!obj_alive(r.kind, r.id))
        r.e = E_REVOKED;
    return r;
}
/* cspace_lookup_live of an argument cap (no wrapper resolution): the kind
 * of the slot's own object. */
static struct mr m_slot(u64 cptr)
{
    struct mr r = m_resolve(cptr);
    if (r.e == E_OK && cptr < NMC && mc[cptr].kind == CK_W)
        r.kind = CK_W;  /* the wrapper itself is live (its target may not be) */
    if (r.e == E_REVOKED && cptr < NMC && mc[cptr].kind == CK_W)
        r.e = E_OK, r.kind = CK_W;
    return r;
}

/* Is SchedContext s bound to a thread other than i (its live kept copy)? */
static bool sc_bound_elsewhere(int s, int i)
{
    for (int j = 0; j < NT; j++)
        if (j != i && own[j] == s && sc_alive(s))
            return true;
    return false;
}
static int ntfn_bound_thread(int k)
{
    for (int j = 0; j < NT; j++)
        if (bn[j] == k && nm[k].alive)
            return j;
    return -1;
}

/* What a waiter woken by the operation must show afterwards. */
struct expect { int t; u32 st; u64 a0; int reg; u64 val; const char *why; };
static struct expect ex[4 * NT];
static int nex;
static void expect(int t, u32 st, u64 a0, int reg, u64 val, const char *why)
{
    ex[nex++] = (struct expect){t, st, a0, reg, val, why};
}
static void check_expect(void)
{
    for (int k = 0; k < nex && !failed; k++) {
        const struct expect *e = &ex[k];
        u32 st = tstate(e->t);
        const u64 *x = T(e->t)->regs.x;
        if (st != e->st || (e->st != THREAD_BLOCKED_WAIT && x[REG_MSGINFO] != e->a0) ||
            (e->reg >= 0 && x[e->reg] != e->val))
            ifail("%s: thread %d has state %u a0 %#llx reg[%d] %#llx; model: state %u a0 %#llx value %#llx", e->why,
                  e->t, st, (unsigned long long)x[REG_MSGINFO], e->reg,
                  e->reg >= 0 ? (unsigned long long)x[e->reg] : 0ull, e->st, (unsigned long long)e->a0,
                  (unsigned long long)e->val);
    }
    nex = 0;
}

static void nq_remove(int k, int t)
{
    struct mn *n = &nm[k];
    for (int j = 0; j < n->qn; j++)
        if (n->q[j] == t) {
            memmove(&n->q[j], &n->q[j + 1], sizeof(int) * (size_t)(n->qn - j - 1));
            n->qn--;
            return;
        }
}
static int waits_on(int t)
{
    for (int k = 0; k < nnm; k++)
        for (int j = 0; j < nm[k].qn; j++)
            if (nm[k].q[j] == t)
                return k;
    return -1;
}

/* A kernel invocation (SC_*, NTFN_*, THREAD_BIND_SC / _BIND_NTFN /
 * _SET_TIMEOUT) by thread `caller` (-1: the root, kernel_invoke) on cap
 * cptr with arguments a, in the model: the answer and the results (res, up
 * to 4). With doit, also what it changes (call it so only once the kernel
 * agreed). st: the threads' states before the call. */
static int m_inv(int caller, u64 cptr, u32 label, const u64 *a, bool doit, u64 *res, const u32 *st)
{
    struct mr t = m_resolve((u32)cptr);  /* the invoked cap address is 32 bits */
    if (t.e != E_OK)
        return t.e;
    switch (label) {
    case NTFN_SIGNAL: case NTFN_WAIT: case NTFN_POLL: {
        if (t.kind != CK_N)
            return E_LABEL;
        struct mn *n = &nm[t.id];
        if (label == NTFN_SIGNAL) {
            if (!(t.rights & R_WRITE))
                return E_RIGHTS;
            if (!t.badge)
                return E_INVAL;
            if (!doit)
                return E_OK;
            n_signal++;
            if (n->qn) {
                int w = n->q[0];
                nq_remove(t.id, w);
                expect(w, THREAD_RUNNABLE, E_OK, REG_MSG(0), n->word | t.badge, "signal to the first waiter");
                n->word = 0;
                n_wake++;
                return E_OK;
            }
            n->word |= t.badge;
            int b = ntfn_bound_thread(t.id);
            if (b >= 0 && st[b] == THREAD_BLOCKED_RECV) {
                expect(b, THREAD_RUNNABLE, E_NOTIFIED, REG_BADGE, n->word, "signal to the bound thread in recv");
                n->word = 0;
                n_notified++;
            }
            return E_OK;
        }
        if (!(t.rights & R_READ))
            return E_RIGHTS;
        if (n->word || label == NTFN_POLL) {
            res[0] = n->word;
            if (doit)
                n->word = 0;
            return E_OK;
        }
        if (caller < 0)
            return E_WOULDBLOCK;
        if (doit) {
            n->q[n->qn++] = caller;
            expect(caller, THREAD_BLOCKED_WAIT, 0, -1, 0, "NTFN_WAIT blocks");
        }
        return INV_BLOCKED;
    }
    case SC_CONFIGURE: case SC_QUERY: {
        if (t.kind != CK_SC)
            return E_LABEL;
        struct msc *s = &scm[t.id];
        if (label == SC_QUERY) {
            if (!(t.rights & R_READ))
                return E_RIGHTS;
            res[0] = s->consumed;
            res[1] = m_remaining(s, now);
            res[2] = s->overruns;
            res[3] = s->conf ? s->P : 0;
            return E_OK;
        }
        if (!(t.rights & R_WRITE))
            return E_RIGHTS;
        if (!a[0] || a[0] > a[1] || a[1] > SC_MAX_PERIOD)
            return E_INVAL;
        if (doit)
            m_configure(s, a[0], a[1]);
        return E_OK;
    }
    case THREAD_BIND_SC: case THREAD_BIND_NTFN: case THREAD_SET_TIMEOUT: {
        if (t.kind != CK_THR)
            return E_LABEL;
        if (!(t.rights & R_WRITE))
            return E_RIGHTS;
        int j = t.id;
        u64 src = a[0];
        if (src == CAP_NONE) {
            if (doit && label == THREAD_BIND_SC)
                own[j] = -1;
            if (doit && label == THREAD_BIND_NTFN)
                bn[j] = -1;
            if (doit && label == THREAD_SET_TIMEOUT)
                tep_o[j] = 0;
            return E_OK;
        }
        struct mr s = label == THREAD_SET_TIMEOUT ? m_resolve(src) : m_slot(src);
        if (s.e != E_OK)
            return s.e;
        if (label == THREAD_SET_TIMEOUT) {
            if (s.kind != CK_EP)
                return E_TYPE;
            if (doit)
                tep_o[j] = obj((u32)src), tep_e[j] = obj_get(tep_o[j])->epoch;
            return E_OK;
        }
        if (label == THREAD_BIND_SC) {
            if (s.kind != CK_SC)
                return E_TYPE;
            if (sc_bound_elsewhere(s.id, j))
                return E_BUSY;
            if (doit) {
                own[j] = s.id;
                own_par[j] = mc[src].par;  /* a COPY: a root's is a root, a child's a sibling (C2) */
                lent[j] = -1;              /* T2: time of its own: the lent time goes back */
                n_bind++;
            }
            return E_OK;
        }
        if (s.kind != CK_N)
            return E_TYPE;
        if (!(s.rights & R_READ))
            return E_RIGHTS;
        int b = ntfn_bound_thread(s.id);
        if (b >= 0 && b != j)
            return E_BUSY;
        if (doit) {
            bn[j] = s.id;
            bn_par[j] = (int)src;  /* a MAP: a child of the cap (C3) */
        }
        return E_OK;
    }
    default:
        return E_LABEL;
    }
}

/* Arguments for SC_CONFIGURE: mostly good, often small (budgets run out),
 * sometimes bad (zero budget or period, budget > period, too long). */
static void sc_args(u64 *a)
{
    u32 k = rn(100);
    if (k < 45) {
        a[0] = 1 + rn(3);
        a[1] = a[0] + rn(7);
    } else if (k < 60) {
        a[0] = a[1] = 1 + rn(1000);
    } else if (k < 68) {
        a[0] = 1 + rn(5);
        a[1] = 1000 + rn(1000);
    } else {
        static const u64 bad[][2] = {{0, 5}, {6, 5}, {0, 0}, {1, SC_MAX_PERIOD + 1}, {~0ull, ~0ull}, {2, 1},
                                     {SC_MAX_PERIOD, SC_MAX_PERIOD}, {1, SC_MAX_PERIOD}, {3, 3}};
        u32 b = rn(ARRAY_LEN(bad));
        a[0] = bad[b][0], a[1] = bad[b][1];
        n_scbad += b < 6;
    }
}

/* A SchedContext cap: a shared one, a mapped one, a thread's own, the
 * read-only copy, the wrapper; hostile ones now and then. */
static u64 pick_sc_cap(bool hostile_ok)
{
    u32 k = rn(100);
    if (k < 30)
        return S_SC + rn(NSC);
    if (k < 45)
        return S_MSC + rn(NSC);
    if (k < 75)
        return S_OSC + rn(NT);
    if (k < 80)
        return S_SCRO;
    if (k < 85 || !hostile_ok)
        return S_SCW;
    return (u64[]){S_NONE, 5000, CAP_ADDR_LIMIT, 1ull << 32 | S_SC, S_EP, S_T, S_N, ~0ull}[rn(8)];
}
static u64 pick_ntfn_cap(bool hostile_ok)
{
    u32 k = rn(100);
    if (k < 30)
        return S_NB + rn(NN);
    if (k < 45)
        return S_N + rn(NN);
    if (k < 55)
        return S_NRO;
    if (k < 65)
        return S_NWO;
    if (k < 80 || !hostile_ok)
        return S_NW;
    return (u64[]){S_NONE, 5000, CAP_ADDR_LIMIT, 1ull << 32 | S_N, S_EP + 1, S_SC, ~0ull}[rn(7)];
}

/* ------------------------------------------------------------ setup -- */

static int owed[NT];   /* I2 model: the caller thread i owes a reply to, -1 */
static u32 owed_ep[NT];/* ... and that caller's epoch                       */
static int starve[NT];

static void root_ok(int e, const char *what)
{
    if (e != E_OK)
        ifail("root operation %s: %d", what, e);
}

/* A root invocation the model predicts. */
static int root_inv(u64 cptr, u32 label, u64 a0, u64 a1, const char *what)
{
    u64 a[6] = {a0, a1, 0, 0, 0, 0}, res[4] = {0};
    u32 st[NT];
    for (int i = 0; i < NT; i++)
        st[i] = tref(i) ? tstate(i) : 99;
    int want = m_inv(-1, cptr, label, a, false, res, st);
    int e = tk_inv((u32)cptr, label, a0, a1, 0, 0, 0, 0);
    n_inv++;
    if (e != want) {
        ifail("%s: root %s on cap %#llx (%#llx, %#llx): kernel %d, model %d", what,
              label == SC_CONFIGURE ? "SC_CONFIGURE" : label == THREAD_BIND_SC ? "THREAD_BIND_SC" : "invocation",
              (unsigned long long)cptr, (unsigned long long)a0, (unsigned long long)a1, e, want);
        return e;
    }
    if (e == E_OK && (label == SC_QUERY || label == NTFN_POLL || label == NTFN_WAIT))
        for (int k = 0; k < (label == SC_QUERY ? 4 : 1); k++)
            if (tk_r[k] != res[k])
                ifail("%s: result %d is %llu, model %llu", what, k, (unsigned long long)tk_r[k],
                      (unsigned long long)res[k]);
    if (e == E_OK)
        m_inv(-1, cptr, label, a, true, res, st);
    n_busy += e == E_BUSY;
    return e;
}

static void new_sc(u32 slot)
{
    tk_delete(slot);  /* a void cap with descendants is no destination */
    m_remove_below((int)slot, true);
    root_ok(tk_create(BANK, OBJ_SCHEDCTX, slot, 0), "create SchedContext");
    if (nscm == MAXM) {
        printf("model_ipc: out of model SchedContexts\n");
        exit(2);
    }
    int id = nscm++;
    memset(&scm[id], 0, sizeof scm[id]);
    scm[id].o = obj(slot);
    scm[id].epoch = obj_get(scm[id].o)->epoch;
    scm[id].slot = slot;
    scm[id].alive = true;
    mc[slot] = (struct mcap){CK_SC, 0, R_ALL, id, 0, -1};
}

/* Shared SchedContext k, its MAP, and for k == 0 its read-only copy and
 * wrapper; sometimes left unconfigured (no time at all). */
static void make_sc(int k)
{
    u32 s = S_SC + (u32)k;
    new_sc(s);
    int id = mc[s].id;
    if (chance(85)) {
        u64 a[6];
        sc_args(a);
        if (!a[0] || a[0] > a[1] || a[1] > SC_MAX_PERIOD)
            a[0] = 1 + rn(3), a[1] = a[0] + rn(5);
        root_inv(s, SC_CONFIGURE, a[0], a[1], "configure shared SchedContext");
    }
    u32 m = S_MSC + (u32)k;
    tk_delete(m);
    m_remove_below((int)m, true);
    root_ok(tk_map(m, s, R_ALL), "map SchedContext");
    mc[m] = (struct mcap){CK_SC, 0, R_ALL, id, 0, (int)s};
    if (k == 0) {
        tk_delete(S_SCRO);
        m_remove_below(S_SCRO, true);
        root_ok(tk_copy(S_SCRO, s, R_READ), "copy SchedContext read-only");
        mc[S_SCRO] = (struct mcap){CK_SC, 0, R_READ, id, 0, -1};
        tk_destroy(BANK, S_SCW);
        tk_delete(S_SCW);
        root_ok(tk_inv(BANK, BANK_WRAP, CS, S_SCW, CS, s, 0, R_ALL), "wrap SchedContext");
        mc[S_SCW] = (struct mcap){CK_W, CK_SC, R_ALL, id, 0, -1};
    }
}

/* Notification k, its badged MAP, and its read-only / write-only copies
 * (k == 0) or badged wrapper (k == 1). */
static void make_ntfn(int k)
{
    u32 s = S_N + (u32)k;
    tk_delete(s);
    m_remove_below((int)s, true);
    root_ok(tk_create(BANK, OBJ_NOTIFICATION, s, 0), "create notification");
    if (nnm == MAXM) {
        printf("model_ipc: out of model notifications\n");
        exit(2);
    }
    int id = nnm++;
    memset(&nm[id], 0, sizeof nm[id]);
    nm[id].o = obj(s);
    nm[id].epoch = obj_get(nm[id].o)->epoch;
    nm[id].alive = true;
    mc[s] = (struct mcap){CK_N, 0, R_ALL, id, 0, -1};
    u32 b = S_NB + (u32)k;
    u64 badge = 1ull << rn(8) << (8 * k);
    tk_delete(b);
    m_remove_below((int)b, true);
    root_ok(tk_mint(b, s, R_ALL, badge, MINT_MAP), "mint notification");
    mc[b] = (struct mcap){CK_N, 0, R_ALL, id, badge, (int)s};
    if (k == 0) {
        tk_delete(S_NRO);
        m_remove_below(S_NRO, true);
        root_ok(tk_copy(S_NRO, s, R_READ), "copy notification read-only");
        mc[S_NRO] = (struct mcap){CK_N, 0, R_READ, id, 0, -1};
        tk_delete(S_NWO);
        m_remove_below(S_NWO, true);
        root_ok(tk_copy(S_NWO, b, R_WRITE), "copy notification write-only");
        mc[S_NWO] = (struct mcap){CK_N, 0, R_WRITE, id, badge, (int)s};  /* a child's copy: a sibling */
    } else {
        tk_destroy(BANK, S_NW);
        tk_delete(S_NW);
        root_ok(tk_inv(BANK, BANK_WRAP, CS, S_NW, CS, s, NW_BADGE, R_ALL), "wrap notification");
        mc[S_NW] = (struct mcap){CK_W, CK_N, R_ALL, id, NW_BADGE, -1};
    }
}

/* Thread i's time: full of its own (never runs out), a small budget of its
 * own, a shared SchedContext, or none (passive). */
static void give_time(int i)
{
    u32 t = S_T + (u32)i, o = S_OSC + (u32)i;
    u32 k = rn(100);
    if (k < 80) {
        if (mc[o].kind != CK_SC || !scm[mc[o].id].alive)
            new_sc(o);
        u64 B = 1000, P = 1000;
        if (k >= 55)
            B = 1 + rn(3), P = B + rn(8);
        root_inv(o, SC_CONFIGURE, B, P, "configure a thread's own SchedContext");
        root_inv(t, THREAD_BIND_SC, o, 0, "bind a thread's own SchedContext");
    } else if (k < 93) {
        root_inv(t, THREAD_BIND_SC, chance(50) ? S_SC + rn(NSC) : S_MSC + rn(NSC), 0, "bind a shared SchedContext");
    }
    if (i >= 3 && chance(50))
        root_inv(t, THREAD_SET_TIMEOUT, S_EP + 2, 0, "set the timeout endpoint");
}

static void reset_thread_model(int i)
{
    own[i] = lent[i] = bn[i] = -1;
    own_par[i] = bn_par[i] = -1;
    tep_o[i] = 0;
    taint[i] = was_q[i] = had_t[i] = false;
    lastop[i] = OP_NONE;
    int k = waits_on(i);
    if (k >= 0)
        nq_remove(k, i);
}

static void make_thread(int i)
{
    u32 s = S_T + (u32)i;
    tk_delete(s);  /* a void cap with descendants is no destination */
    reset_thread_model(i);
    CHECK_EQ(tk_create(BANK, OBJ_THREAD, s, 0), E_OK);
    CHECK_EQ(tk_inv(s, THREAD_CONFIGURE, CS, S_AS + (u32)(i & 1), 0x1000, 0, 10 + 10 * rn(3), 0), E_OK);
    give_time(i);
    /* Threads 4 and 5 send faults to endpoint 2 (handled by whoever receives there). */
    CHECK_EQ(tk_inv(s, THREAD_SET_IPC, i >= 4 ? S_EP + 2 : CAP_NONE, S_WIN + 8 * (u32)i, WIN, win_va(i), 2, 0),
             E_OK);
    CHECK_EQ(tk_inv(s, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    if (i == 0) {
        tk_delete(S_TRO);
        root_ok(tk_copy(S_TRO, s, R_READ), "copy thread read-only");
        mc[S_TRO] = (struct mcap){CK_THR, 0, R_READ, 0, 0, -1};
    }
    owed[i] = -1;
    starve[i] = 0;
}

static void refill(void)
{
    for (u32 k = 0; k < NSRC; k++)
        if (!obj(S_SRC + k)) {
            tk_delete(S_SRC + k);
            if (obj(S_EP + k % 2))
                CHECK_EQ(k < 5 ? tk_copy(S_SRC + k, S_EP + k % 2, R_ALL) : tk_map(S_SRC + k, S_EP + k % 2, R_ALL), E_OK);
        }
    for (u32 a = 0; a < 2; a++)
        for (u32 k = 0; k < NF; k++) {
            CHECK_EQ(tk_inv(S_AS + a, AS_INFO, SRC_VA + k * PAGE_BYTES, 0, 0, 0, 0, 0), E_OK);
            if (tk_r[0] != SLOT_LIVE)
                tk_inv(S_AS + a, AS_MAP_FRAME, S_F + k, SRC_VA + k * PAGE_BYTES, R_READ | R_WRITE,
                       k & 1 ? ITEM_MAP : ITEM_COPY, 0, 0);
        }
}

static void clear_windows(void)
{
    for (int i = 0; i < NT; i++) {
        for (u32 k = 0; k < WIN; k++)
            tk_delete(S_WIN + 8 * (u32)i + k);
        for (u32 a = 0; a < 2; a++)
            tk_inv_all(S_AS + a, AS_UNMAP, win_va(i), 2, 1, 0, 0, 0, NULL);
    }
}

static void check_threads(bool full);
static void check_time(bool entry);
struct snap;
static void check_i3(const struct snap *b, int issuer, bool recv_call);

/* ------------------------------------------------------ persistence -- */

/* Checkpoints and restarts (P1; tests/model/ckpt.h does the same for the
 * capability model). Every boot attaches a new host store. A checkpoint is
 * taken by the root (SYSTEM_CHECKPOINT through ROOT_CAP_SYSTEM, between two
 * kernel entries), by a thread (its SYSTEM_CHECKPOINT is written when its
 * system call ends: the thread sees resumed = 0 now and resumed = 1 in the
 * system restored from it), or on a timer tick (kernel_checkpoint_every,
 * on some boots); at each commit the model records its state. A restart
 * tears the kernel down and resumes it from the store on new host memory:
 * the model rolls back to the committed checkpoint's state, and every
 * invariant above must hold at once -- threads blocked in IPC still
 * blocked in the same queues, reply rights, lent time, every
 * SchedContext's accounts, notification words and waiters, the clock --
 * and after a root checkpoint the restored region is the copy taken then,
 * block by block (tests/model/regioncopy.h). A power cut during a root
 * checkpoint (after its k-th block write; unflushed writes kept, dropped or
 * torn) then a restart gives that checkpoint or the one before, whichever
 * persist_stats.generation says; now and then the store just comes back
 * (a device error: E_IO) and the system goes on. */
/* Small: kernel_check walks the whole object table every step; but a
 * store is used only with 2 MiB of RAM left after its bookkeeping
 * (persist_carve). */
#define IPC_RAM (5u << 19)
#define IPC_STORE_BLOCKS 2048u  /* 8 MiB: room for two full checkpoints of the machine */
struct isnap {
    bool valid, raw;       /* raw: taken between two entries, the region copied */
    u64 gen;
    int by;                /* the thread whose SYSTEM_CHECKPOINT it is, -1: none */
    struct region_copy kernel;
    struct msc scm[MAXM];
    struct mn nm[MAXM];
    int nscm, nnm;
    struct mcap mc[NMC];
    u64 now;
    int own[NT], own_par[NT], lent[NT], bn[NT], bn_par[NT], lastop[NT], owed[NT], starve[NT];
    oref tep_o[NT];
    u32 tep_e[NT], owed_ep[NT];
    bool taint[NT], was_q[NT], had_t[NT];
};
static struct isnap isnaps[2];
/* The last committed checkpoint, and one whose commit is in doubt (a power
 * cut or device error during it: its header may have landed). */
static struct isnap *icommit = &isnaps[0], *iflight = &isnaps[1];
static u64 igen, iwritten, iinterval;  /* committed generation, blocks it wrote, tick interval */
static u64 iseen;  /* persist_stats.generation after our last look (a fresh kernel does not reset it) */
static bool icut, irestarted;          /* a cut is armed; step(): the state before it is gone */
static char icon[1024];                /* the console during a checkpoint or restart */
static long n_ick[3], n_iraw, n_iby, n_irestart, n_icut[2], n_iioerr, n_refill;  /* checkpoints by the root, threads, ticks */

#define CK_GEN TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, generation)
#define CK_RESUMED TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, resumed)

static void isave(struct isnap *z, u64 gen, int by, bool raw)
{
    z->valid = true, z->raw = raw, z->gen = gen, z->by = by;
    if (raw)
        region_save(&z->kernel);
    memcpy(z->scm, scm, (size_t)nscm * sizeof *scm);
    memcpy(z->nm, nm, (size_t)nnm * sizeof *nm);
    z->nscm = nscm, z->nnm = nnm;
    memcpy(z->mc, mc, sizeof mc);
    z->now = now;
#define S(a) memcpy(z->a, a, sizeof a)
    S(own), S(own_par), S(lent), S(bn), S(bn_par), S(lastop), S(owed), S(starve), S(tep_o), S(tep_e), S(owed_ep);
    S(taint), S(was_q), S(had_t);
#undef S
}

static void iload(const struct isnap *z)
{
    memcpy(scm, z->scm, (size_t)z->nscm * sizeof *scm);
    memcpy(nm, z->nm, (size_t)z->nnm * sizeof *nm);
    nscm = z->nscm, nnm = z->nnm;
    memcpy(mc, z->mc, sizeof mc);
    now = z->now;
#define L(a) memcpy(a, z->a, sizeof a)
    L(own), L(own_par), L(lent), L(bn), L(bn_par), L(lastop), L(owed), L(starve), L(tep_o), L(tep_e), L(owed_ep);
    L(taint), L(was_q), L(had_t);
#undef L
}

/* A new boot: a new empty store; on some boots a checkpoint every few
 * hundred ticks too. */
static void ipersist_boot(void)
{
    if (host_blk_attach(IPC_STORE_BLOCKS) != E_OK)
        hal_panic("model_ipc: cannot attach the host store");
    icommit->valid = iflight->valid = false;
    igen = iwritten = 0;
    icut = false;
    iinterval = chance(30) ? 100 + rn(400) : 0;
}
static void ipersist_started(void)
{
    iseen = persist_stats.generation;
    if (iinterval)
        kernel_checkpoint_every(iinterval);
}

/* A checkpoint committed (gen) or in doubt: record the model's state. */
static void icommitted(int e, int by, bool raw)
{
    if (e == E_OK) {
        isave(icommit, igen + 1, by, raw);
        igen++;
        iflight->valid = false;  /* its header, if it landed, is overwritten */
        n_ick[by >= 0 ? 1 : raw ? 0 : 2]++;
        n_iraw += raw;
    } else if (e == E_IO && icut) {
        isave(iflight, igen + 1, by, raw);
    }
}

/* SYSTEM_CHECKPOINT by the root (kernel_invoke: written now). */
static int ickpt_root(void)
{
    snprintf(desc, sizeof desc, "root: SYSTEM_CHECKPOINT (generation %llu committed%s)", (unsigned long long)igen,
             icut ? ", a power cut armed" : "");
    u64 w0 = host_blk_stats().blocks_written;
    host_console_capture(icon, sizeof icon);
    int e = tk_inv(ROOT_CAP_SYSTEM, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0);
    host_console_capture(NULL, 0);
    n_inv++;
    if (e == E_OK && (tk_r[CK_GEN] != igen + 1 || tk_r[CK_RESUMED] != 0))
        ifail("SYSTEM_CHECKPOINT: generation %llu resumed %llu, model %llu and 0", (unsigned long long)tk_r[CK_GEN],
              (unsigned long long)tk_r[CK_RESUMED], (unsigned long long)igen + 1);
    else if (e != E_OK && !(e == E_IO && icut))
        ifail("SYSTEM_CHECKPOINT by the root: %d; the kernel said: %s", e, icon);
    if (e == E_OK)
        iwritten = host_blk_stats().blocks_written - w0;
    iseen = persist_stats.generation;
    icommitted(e, -1, true);
    return e;
}

/* SYSTEM_CHECKPOINT by thread i: taken as its system call ends (before
 * the scheduler's next choice), with resumed = 1 in the checkpointed copy
 * of its results. An incremental one is written after that pause: the
 * call runs again (E_CONTINUE, the thread still current) until the
 * commit, each time a writer step. */
static void ickpt_thread(int i, const struct snap *b)
{
    u64 *x = T(i)->regs.x;
    x[REG_SYSNO] = SYS_INVOKE;
    x[REG_MSGINFO] = ROOT_CAP_SYSTEM | (u64)MSG_INFO(SYSTEM_CHECKPOINT, 0) << 32;
    for (u32 j = 0; j < MSG_WORDS; j++)
        x[REG_MSG(j)] = rnd();
    snprintf(desc, sizeof desc, "thread %d: SYSTEM_CHECKPOINT (generation %llu committed)", i,
             (unsigned long long)igen);
    n_inv++;

    host_console_capture(icon, sizeof icon);
    kernel_syscall();
    bool waits = T(i)->regs.x[REG_MSG(CK_GEN)] == (PERSIST_WAITING | (igen + 1));
    if (waits) {  /* incremental: the writer finishes it (it changes nothing the model follows) */
        while (persist_busy())
            persist_step();
        if (sched_cur == tref(i) && !T(i)->queued)
            kernel_syscall();  /* the call again: it returns */
    }
    host_console_capture(NULL, 0);
    x = T(i)->regs.x;
    if (waits && x[REG_MSG(CK_GEN)] == (PERSIST_DONE | (igen + 1))) {
        /* Another thread runs now: the call returns when it runs again
         * (its answer waits in its registers: PERSIST_DONE). The
         * checkpoint is committed, with the thread past its call. */
        if (persist_stats.generation != igen + 1 || tstate(i) != THREAD_RUNNABLE) {
            ifail("thread %d's SYSTEM_CHECKPOINT: generation %llu committed, state %u; model: %llu, runnable", i,
                  (unsigned long long)persist_stats.generation, tstate(i), (unsigned long long)igen + 1);
            return;
        }
        iseen = persist_stats.generation;
        icommitted(E_OK, i, false);
        check_i3(b, -1, false);
        return;
    }
    if (tstate(i) != THREAD_RUNNABLE || x[REG_MSGINFO] != E_OK || x[REG_MSG(CK_GEN)] != igen + 1 ||
        x[REG_MSG(CK_RESUMED)] != 0) {
        ifail("thread %d's SYSTEM_CHECKPOINT: state %u a0 %#llx generation %llu resumed %llu; model: E_OK, "
              "generation %llu, resumed 0; the kernel said: %s", i, tstate(i), (unsigned long long)x[REG_MSGINFO],
              (unsigned long long)x[REG_MSG(CK_GEN)], (unsigned long long)x[REG_MSG(CK_RESUMED)],
              (unsigned long long)igen + 1, icon);
        return;
    }
    iseen = persist_stats.generation;
    /* The model as it was when the kernel wrote it: the call changed
     * nothing the model follows, and the lazy-rule bookkeeping is that of
     * the step's start (only thread i ran). If the thread went on (the
     * scheduler's choice after the checkpoint changed nothing), the region
     * now is the checkpointed one but for the thread's results, which there
     * say resumed = 1 and the figures of the checkpoint before. */
    bool same = sched_cur == tref(i) && !T(i)->queued && !T(i)->waiting_time;
    icommitted(E_OK, i, same);
    if (same) {
        struct region_copy *k = &icommit->kernel;
        u64 *r = (u64 *)(k->region + ((u8 *)T(i)->regs.x - store.region));
        r[REG_MSG(CK_RESUMED)] = 1;
        r[REG_MSG(TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, written))] = 0;
        r[REG_MSG(TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, pages))] = store.region_bytes / 4096;
    }
    check_i3(b, -1, false);
}

/* After a tick: did the kernel take its periodic checkpoint? */
static void ickpt_tick(void)
{
    if (persist_stats.generation == iseen)
        return;
    iseen = persist_stats.generation;
    if (persist_stats.generation != igen + 1) {
        ifail("a periodic checkpoint has generation %llu, model %llu", (unsigned long long)persist_stats.generation,
              (unsigned long long)igen + 1);
        return;
    }
    icommitted(E_OK, -1, false);
}

/* The power fails (the store decides what of its write cache lands) and
 * the machine boots from the store on new memory. */
static void irestart(const char *why)
{
    host_blk_cut_after(0);
    host_blk_power_cut(rnd());
    snprintf(desc, sizeof desc, "%s (generation %llu committed%s)", why, (unsigned long long)igen,
             iflight->valid ? ", the next in doubt" : "");
    host_console_capture(icon, sizeof icon);
    int e = tk_resume(IPC_RAM);
    host_console_capture(NULL, 0);
    irestarted = true;
    if (e != E_OK) {
        ifail("kernel_resume answered %d; the kernel said: %s", e, icon);
        return;
    }
    ipersist_started();
    u64 g = persist_stats.generation;
    struct isnap *z = icommit->valid && g == icommit->gen ? icommit : iflight->valid && g == iflight->gen ? iflight : NULL;
    if (!z) {
        ifail("restart resumed generation %llu; the model has %llu committed%s", (unsigned long long)g,
              (unsigned long long)igen, iflight->valid ? " and the next in doubt" : "");
        return;
    }
    if (z == iflight) {  /* its header landed: it is the committed one */
        iflight = icommit;
        icommit = z;
    }
    iflight->valid = false;
    igen = g;
    n_iby += z->by >= 0;
    iload(z);
    u32 o;
    const char *diff = z->raw ? region_diff(&z->kernel, &o) : NULL;
    if (diff) {
        ifail("restart: the restored kernel is not the checkpointed one: %s (thread %d)", diff, tidx(o));
        return;
    }
    if (z->by >= 0) {  /* its call returns again, resumed */
        const u64 *x = T(z->by)->regs.x;
        if (tstate(z->by) != THREAD_RUNNABLE || x[REG_MSGINFO] != E_OK || x[REG_MSG(CK_GEN)] != g ||
            x[REG_MSG(CK_RESUMED)] != 1)
            ifail("restart: thread %d, whose SYSTEM_CHECKPOINT this is: state %u a0 %#llx generation %llu resumed "
                  "%llu (want E_OK, %llu, 1)", z->by, tstate(z->by), (unsigned long long)x[REG_MSGINFO],
                  (unsigned long long)x[REG_MSG(CK_GEN)], (unsigned long long)x[REG_MSG(CK_RESUMED)],
                  (unsigned long long)g);
    }
    if (!failed)
        check_threads(true);
    if (!failed)
        check_time(false);
}

/* The root's persistence operations: a checkpoint, a restart, a power cut
 * during a checkpoint (then a restart, or now and then the system goes on). */
static void control_persist(void)
{
    u32 k = rn(100);
    if (k < 35 || !icommit->valid || (k >= 80 && iflight->valid)) {
        ickpt_root();
        return;
    }
    if (k < 80) {
        n_irestart++;
        irestart("RESTART");
        return;
    }
    u64 g0 = igen;
    icut = true;
    host_blk_cut_after(1 + rn((u32)iwritten + 2));
    int e = ickpt_root();
    icut = false;
    host_blk_cut_after(0);
    if (failed)
        return;
    if (e == E_IO && chance(25)) {
        host_blk_power_cut(rnd());  /* a device error: the store is back, the system goes on */
        n_iioerr++;
        return;
    }
    irestart("RESTART after a power cut during a checkpoint");
    n_icut[igen == g0 + 1]++;
}

static void boot(void)
{
    ipersist_boot();
    tk_boot(IPC_RAM);
    ipersist_started();
    now = 0;
    nscm = nnm = nex = 0;
    memset(mc, 0, sizeof mc);
    for (int s = 0; s < NMC; s++)
        mc[s].par = -1;
    for (int i = 0; i < NT; i++)
        reset_thread_model(i);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, S_AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, S_AS + 1, 0), E_OK);
    for (u32 k = 0; k < NF; k++)
        CHECK_EQ(tk_create(BANK, OBJ_FRAME, S_F + k, 0), E_OK);
    for (u32 e = 0; e < NEP; e++)
        CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, S_EP + e, 0), E_OK);
    for (u32 w = 0; w < NW; w++)
        CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, S_W + w, CS, S_EP + w, w ? 0 : 0x77, R_ALL), E_OK);
    for (int k = 0; k < NSC; k++)
        make_sc(k);
    for (int k = 0; k < NN; k++)
        make_ntfn(k);
    for (int i = 0; i < NT; i++)
        make_thread(i);
    refill();
    check_threads(true);
    check_time(false);  /* and the queue invariant's bookkeeping starts */
}

/* ------------------------------------------------------ invariants -- */

/* The queues; with full, kernel_check() too (once a step: it walks every
 * object). */
static void check_threads(bool full)
{
    u32 st[NT];
    int inq[NT] = {0};
    u32 blocked = 0, waiting = 0;
    const char *why = full ? kernel_check() : NULL;
    if (why) {
        ifail("kernel_check: %s", why);
        return;
    }
    for (int i = 0; i < NT; i++) {
        st[i] = tref(i) ? tstate(i) : 99;
        if (st[i] != 99 && st[i] > THREAD_BLOCKED_WAIT) {
            ifail("thread %d: state %u", i, st[i]);
            return;
        }
        blocked += st[i] == THREAD_BLOCKED_SEND || st[i] == THREAD_BLOCKED_RECV;
    }
    for (u32 e = 0; e < NEP; e++) {
        oref ep = obj(S_EP + e);
        if (!ep)
            continue;
        const struct endpoint *b = endpoint_body(ep);
        u32 n = 0;
        oref prev = 0;
        for (oref t = b->head; t; prev = t, t = thread_body(t)->qnext) {
            int i = tidx(t);
            if (i < 0 || ++n > NT) {
                ifail("endpoint %u: queue holds a thread that is not ours (or loops)", e);
                return;
            }
            const struct thread *th = thread_body(t);
            u32 want = b->qstate == EPQ_SEND ? THREAD_BLOCKED_SEND : THREAD_BLOCKED_RECV;
            if (st[i] != want || th->qprev != prev || th->ep != ep) {
                ifail("endpoint %u (qstate %u): thread %d in its queue has state %u", e, b->qstate, i, st[i]);
                return;
            }
            inq[i]++;
        }
        if (n != b->waiting || b->tail != prev || (n == 0) != (b->qstate == EPQ_IDLE)) {
            ifail("endpoint %u: %u queued, waiting %u, qstate %u", e, n, b->waiting, b->qstate);
            return;
        }
        waiting += b->waiting;
    }
    if (waiting != blocked) {
        ifail("%u threads blocked on endpoints, queues hold %u", blocked, waiting);
        return;
    }
    int callers[NT] = {0};
    for (int i = 0; i < NT; i++) {
        bool q = st[i] == THREAD_BLOCKED_SEND || st[i] == THREAD_BLOCKED_RECV;
        if (q != (inq[i] == 1) || inq[i] > 1) {
            ifail("thread %d (state %u) is in %d endpoint queues", i, st[i], inq[i]);
            return;
        }
        if (st[i] != THREAD_BLOCKED_REPLY)
            continue;
        const struct thread *th = T(i);
        int p = tidx(th->partner);
        if (p < 0 || obj_get(th->partner)->epoch != th->partner_epoch || T(p)->caller != tref(i) ||
            T(p)->caller_epoch != obj_get(tref(i))->epoch) {
            ifail("thread %d waits for a reply from thread %d, which is gone or does not hold the right", i, p);
            return;
        }
        if (++callers[p] > 1) {
            ifail("thread %d owes replies to two callers", p);
            return;
        }
    }
}

/* The time and notification invariants (see the top of the file). entry:
 * the kernel just chose whom to run (a system call, fault or tick), so the
 * running thread must be allowed to. */
static void check_time(bool entry)
{
    u32 st[NT];
    for (int i = 0; i < NT; i++)
        st[i] = tstate(i);
    /* The model's objects are the kernel's, and SC_QUERY would answer what
     * the model says (read without SC_QUERY's refill side effects). */
    for (int s = 0; s < nscm; s++) {
        const struct msc *m = &scm[s];
        if ((obj_get(m->o)->live == m->epoch) != m->alive) {
            ifail("SchedContext %d: kernel live %d, model %d", s, obj_get(m->o)->live == m->epoch, m->alive);
            return;
        }
        if (!m->alive)
            continue;
        const struct schedctx *k = schedctx_body(m->o);
        u64 rem = k->period && sched_now >= k->refill_at ? k->budget : k->remaining;
        if (k->consumed != m->consumed || rem != m_remaining(m, now) || k->overruns != m->overruns ||
            k->period != (m->conf ? m->P : 0) || k->budget != (m->conf ? m->B : 0)) {
            ifail("SchedContext %d: consumed/remaining/overruns/budget/period kernel %llu/%llu/%u/%llu/%llu, model "
                  "%llu/%llu/%u/%llu/%llu (tick %llu)", s, (unsigned long long)k->consumed,
                  (unsigned long long)rem, k->overruns, (unsigned long long)k->budget,
                  (unsigned long long)k->period, (unsigned long long)m->consumed,
                  (unsigned long long)m_remaining(m, now), m->overruns, (unsigned long long)(m->conf ? m->B : 0),
                  (unsigned long long)(m->conf ? m->P : 0), (unsigned long long)now);
            return;
        }
        if (k->waiters && obj_get(k->waiters)->type != OBJ_THREAD) {
            ifail("SchedContext %d: its waiters list holds something not a thread", s);
            return;
        }
    }
    if (sched_now != now) {
        ifail("kernel clock %llu, model %llu", (unsigned long long)sched_now, (unsigned long long)now);
        return;
    }
    for (int k = 0; k < nnm; k++) {
        const struct mn *m = &nm[k];
        if ((obj_get(m->o)->live == m->epoch) != m->alive) {
            ifail("notification %d: kernel live %d, model %d", k, obj_get(m->o)->live == m->epoch, m->alive);
            return;
        }
        if (!m->alive)
            continue;
        const struct notification *nb = ntfn_body(m->o);
        int n = 0;
        for (oref t = nb->head; t; t = thread_body(t)->qnext, n++)
            if (n >= m->qn || tidx(t) != m->q[n]) {
                ifail("notification %d: waiter %d is thread %d, model %d (of %d)", k, n, tidx(t),
                      n < m->qn ? m->q[n] : -1, m->qn);
                return;
            }
        if (n != m->qn || nb->word != m->word) {
            ifail("notification %d: %d waiters, word %#llx; model %d, %#llx", k, n, (unsigned long long)nb->word,
                  m->qn, (unsigned long long)m->word);
            return;
        }
        for (int j = 0; j < m->qn; j++)
            if (st[m->q[j]] != THREAD_BLOCKED_WAIT) {
                ifail("thread %d waits on notification %d in the model, its state is %u", m->q[j], k, st[m->q[j]]);
                return;
            }
    }
    int bound[MAXM] = {0};
    for (int i = 0; i < NT; i++) {
        const struct thread *th = T(i);
        /* T1, T2: it runs on the time the model says; its own and lent
         * SchedContexts are the model's. */
        if (cap_live(&th->sc) != !passive(i) || (!passive(i) && th->sc.obj != sc_ref(own[i]))) {
            ifail("thread %d: own SchedContext kernel %u (live %d), model %d", i, th->sc.obj, cap_live(&th->sc),
                  own[i]);
            return;
        }
        if (lent[i] >= 0 ? th->lent != scm[lent[i]].o || th->lent_epoch != scm[lent[i]].epoch : th->lent != 0) {
            ifail("thread %d (state %u): lent SchedContext kernel %u/%u, model %d (a lent one not given back, or "
                  "not lent)", i, st[i], th->lent, th->lent_epoch, lent[i]);
            return;
        }
        if (thread_sc(th) != sc_ref(sc_of(i)) || sched_has_time(th) != has_time(i)) {
            ifail("thread %d runs on SchedContext %u (time %d), model %d (time %d)", i, thread_sc(th),
                  sched_has_time(th), sc_of(i), has_time(i));
            return;
        }
        if (!passive(i) && ++bound[own[i]] > 1) {
            ifail("SchedContext %d is bound to two threads", own[i]);
            return;
        }
        bool bnd = th->ntfn.obj && cap_obj_live(&th->ntfn) && ntfn_body(th->ntfn.obj)->bound == tref(i);
        if (bnd != (bn[i] >= 0 && nm[bn[i]].alive) || (bnd && th->ntfn.obj != nm[bn[i]].o)) {
            ifail("thread %d: bound notification kernel %u (bound %d), model %d", i, th->ntfn.obj, bnd, bn[i]);
            return;
        }
        if (tep_live(i) != (th->timeout_ep.obj && cap_live(&th->timeout_ep))) {
            ifail("thread %d: timeout endpoint kernel %d, model %d", i, th->timeout_ep.obj && cap_live(&th->timeout_ep),
                  tep_live(i));
            return;
        }
        /* No thread waits on a dead object. */
        if ((st[i] == THREAD_BLOCKED_SEND || st[i] == THREAD_BLOCKED_RECV) &&
            (obj_get(th->ep)->state != OS_LIVE || obj_get(th->ep)->type != OBJ_ENDPOINT)) {
            ifail("thread %d (state %u) waits on a dead endpoint", i, st[i]);
            return;
        }
        if (st[i] == THREAD_BLOCKED_WAIT && (waits_on(i) < 0 || th->ep != nm[waits_on(i)].o)) {
            ifail("thread %d waits on notification %u, model %d", i, th->ep, waits_on(i));
            return;
        }
        if (th->wsc && (obj_get(th->wsc)->state != OS_LIVE || obj_get(th->wsc)->type != OBJ_SCHEDCTX)) {
            ifail("thread %d waits for the time of a dead SchedContext", i);
            return;
        }
        /* T1: a runnable thread off the run queues has no time (no lost
         * wakeup); one on them has time, unless it lost it while queued. */
        bool q = th->queued, ht = has_time(i);
        if (st[i] == THREAD_RUNNABLE && th->waiting_time && ht) {
            ifail("thread %d waits for time but has it (SchedContext %d, remaining %llu): a lost wakeup", i, sc_of(i),
                  (unsigned long long)m_remaining(&scm[sc_of(i)], now));
            return;
        }
        if (q && !ht) {
            if (!(was_q[i] && (had_t[i] || taint[i]))) {
                ifail("thread %d is on a run queue without time (SchedContext %d), and had none when it was put "
                      "there", i, sc_of(i));
                return;
            }
            n_taint += !taint[i];
            taint[i] = true;
        } else {
            taint[i] = false;
        }
        was_q[i] = q;
        had_t[i] = ht;
    }
    if (entry && sched_cur) {
        int c = tidx(sched_cur);
        if (c < 0 || st[c] != THREAD_RUNNABLE || T(c)->queued || T(c)->waiting_time || !has_time(c) ||
            !sched_has_time(T(c))) {
            ifail("the kernel runs thread %d (state %u), which has no time (model SchedContext %d)", c,
                  c >= 0 ? st[c] : 99, c >= 0 ? sc_of(c) : -1);
            return;
        }
    }
    if (entry && !sched_cur)
        for (int i = 0; i < NT; i++)
            if (T(i)->queued || (st[i] == THREAD_RUNNABLE && has_time(i))) {
                ifail("nothing runs, but thread %d could (queued %u)", i, T(i)->queued);
                return;
            }
}

/* The scheduler picks a runnable thread of the highest priority among
 * those with time; every one of them gets picked within a bounded number
 * of picks. */
static int sched_pick(void)
{
    struct hal_regs *r = sched_next();
    int top = -1, pick = -1;
    for (int i = 0; i < NT; i++)
        if (tref(i) && tstate(i) == THREAD_RUNNABLE && has_time(i) && (top < 0 || T(i)->prio > T(top)->prio))
            top = i;
    for (int i = 0; i < NT && r; i++)
        if (tref(i) && r == &T(i)->regs)
            pick = i;
    if (!r) {
        if (top >= 0)
            ifail("sched_next found nothing to run, but thread %d is runnable with time", top);
        return -1;
    }
    if (pick < 0 || top < 0 || tstate(pick) != THREAD_RUNNABLE || T(pick)->prio < T(top)->prio ||
        sched_cur != tref(pick)) {
        ifail("sched_next picked thread %d (prio %d, state %u, cur %d), highest runnable is %d (prio %d)", pick, pick >= 0 ? T(pick)->prio : -1, pick >= 0 ? tstate(pick) : 99, tidx(sched_cur),
              top, top >= 0 ? T(top)->prio : -1);
        return -1;
    }
    for (int i = 0; i < NT; i++) {
        if (!tref(i) || tstate(i) != THREAD_RUNNABLE || i == pick || !has_time(i))
            starve[i] = 0;
        else if (T(i)->prio >= T(pick)->prio && ++starve[i] > 4 * NT)
            ifail("runnable thread %d (prio %u) not picked in %d picks: lost by the scheduler", i, T(i)->prio,
                  starve[i]);
    }
    starve[pick] = 0;
    return pick;
}

/* ----------------------------------------------------- I3 snapshots -- */

struct snap {
    u32 st[NT], ipc[NT];
    u64 a0[NT];
    u8 fault[NT];
    oref tr[NT], via[NT], wr[NW], partner[NT];
    struct slot win[NT][WIN];
    void *mwin[NT][12];  /* the 4 window pages and the 8 after them */
    struct slot src[NSRC];
    void *spg[2][NF];
};

static void *pte(oref as, u64 va)
{
    u32 r;
    return as ? hal_pt_lookup(&aspace_body(as)->pt, va, &r) : NULL;
}
static struct slot slot_or_empty(u32 s)
{
    struct slot *x = tk_slot(s), z = {0};
    return x ? *x : z;
}
static bool same_slot(const struct slot *a, const struct slot *b)
{
    return a->obj == b->obj && a->epoch == b->epoch && a->rights == b->rights;
}

static void take(struct snap *s)
{
    for (int i = 0; i < NT; i++) {
        s->tr[i] = tref(i);
        s->st[i] = s->tr[i] ? tstate(i) : 99;
        s->a0[i] = s->tr[i] ? T(i)->regs.x[REG_MSGINFO] : 0;
        s->fault[i] = s->tr[i] && (T(i)->ipc & IPC_FAULT);
        s->ipc[i] = s->tr[i] ? T(i)->ipc : 0;
        s->partner[i] = s->tr[i] && s->st[i] == THREAD_BLOCKED_REPLY ? T(i)->partner : 0;
        s->via[i] = s->tr[i] ? T(i)->via : 0;
        for (u32 k = 0; k < WIN; k++)
            s->win[i][k] = slot_or_empty(S_WIN + 8 * (u32)i + k);
        for (u32 k = 0; k < 12; k++)
            s->mwin[i][k] = pte(t_as(i), win_va(i) + k * PAGE_BYTES);
    }
    for (u32 k = 0; k < NSRC; k++)
        s->src[k] = slot_or_empty(S_SRC + k);
    for (u32 w = 0; w < NW; w++)
        s->wr[w] = obj(S_W + w);
    for (u32 a = 0; a < 2; a++)
        for (u32 k = 0; k < NF; k++)
            s->spg[a][k] = pte(obj(S_AS + a), SRC_VA + k * PAGE_BYTES);
}

/* Did thread i receive a message (its registers) in this step? */
static bool received(const struct snap *b, int i, int issuer, bool recv_call)
{
    if (!b->tr[i] || b->tr[i] != tref(i) || tstate(i) != THREAD_RUNNABLE || b->fault[i])
        return false;
    u64 a0 = T(i)->regs.x[REG_MSGINFO];
    if ((u32)a0 != E_OK)
        return false;
    if (i == issuer)
        return recv_call;
    return b->st[i] == THREAD_BLOCKED_RECV || b->st[i] == THREAD_BLOCKED_REPLY;
}

static void check_i3(const struct snap *b, int issuer, bool recv_call)
{
    u64 grants[NT * MSG_MAX_ITEMS];
    int ng = 0;
    bool memgrant = false;
    u32 ncaps[NT] = {0}, npgs[NT] = {0};
    bool gots[NT];
    for (int i = 0; i < NT; i++) {
        bool got = gots[i] = received(b, i, issuer, recv_call);
        u32 ncap = 0, npg = 0;
        if (got) {
            const u64 *x = T(i)->regs.x;
            u32 n = MSG_ITEMS(x[REG_MSGINFO] >> 32);
            n_deliv++;
            n_items += n;
            for (u32 k = 0; k < n; k++) {
                u64 w = x[REG_MSG(MSG_WORDS - n + k)];
                u8 op = (w >> 32) & 0xff;
                if (op & ITEM_MEM) {
                    npg += 1u << ((w >> 48) & 0xff);
                    memgrant |= (op & 3) == ITEM_GRANT;
                } else {
                    ncap++;
                    if (op == ITEM_GRANT)
                        grants[ng++] = (u32)w;
                }
            }
        }
        ncaps[i] = ncap, npgs[i] = npg;
    }
    for (int i = 0; i < NT && !failed; i++) {
        bool got = gots[i];
        u32 ncap = ncaps[i], npg = npgs[i];
        if (!b->tr[i] || b->tr[i] != tref(i))
            continue;  /* destroyed in this step */
        for (u32 k = 0; k < WIN; k++) {
            struct slot now_ = slot_or_empty(S_WIN + 8 * (u32)i + k);
            bool changed = !same_slot(&now_, &b->win[i][k]), granted = false;
            if (b->win[i][k].obj && !cap_live(&b->win[i][k]) && !now_.obj)
                changed = false;  /* a void cap went (cleaning a slot above it in the tree): S3 */
            for (int g = 0; g < ng; g++)  /* a window slot can be an item's source too */
                granted |= grants[g] == S_WIN + 8 * (u32)i + k;
            if ((changed != (k < ncap) && !(changed && granted && !now_.obj)) || (k < ncap && !cap_live(&now_))) {
                ifail("I3: thread %d %s a message with %u cap items, but its window slot %u %s", i,
                      got ? "received" : "did not receive", ncap, k, changed ? "changed" : "did not change");
                return;
            }
        }
        for (u32 k = 0; k < 12; k++)
            if (pte(t_as(i), win_va(i) + k * PAGE_BYTES) != b->mwin[i][k] && (k >= npg || k >= 4)) {
                ifail("I3: thread %d %s a message with %u memory pages, but window page %u changed", i,
                      got ? "received" : "did not receive", npg, k);
                return;
            }
    }
    for (u32 k = 0; k < NSRC && !failed; k++) {
        struct slot now_ = slot_or_empty(S_SRC + k);
        if (same_slot(&now_, &b->src[k]) || !cap_live(&b->src[k]))
            continue;
        bool ok = false;
        for (int g = 0; g < ng; g++)
            ok |= grants[g] == S_SRC + k;
        if (!ok)
            ifail("I3: item source %u changed without a delivered GRANT of it", S_SRC + k);
    }
    for (u32 a = 0; a < 2 && !failed; a++)
        for (u32 k = 0; k < NF; k++)
            if (pte(obj(S_AS + a), SRC_VA + k * PAGE_BYTES) != b->spg[a][k] && !memgrant)
                ifail("I3: source page %u of AddrSpace %u changed without a delivered memory GRANT", k, a);
}

/* T2 after a step: requests delivered to passive threads lend them the
 * sender's time (a call, or a plain send, which then waits: IPC_LEND;
 * never a fault message). Every thread newly waiting for a reply had its
 * request delivered in this step. */
static void note_lends(const struct snap *b)
{
    for (int c = 0; c < NT; c++) {
        if (!tref(c) || b->tr[c] != tref(c) || tstate(c) != THREAD_BLOCKED_REPLY)
            continue;
        const struct thread *th = T(c);
        if (b->st[c] == THREAD_BLOCKED_REPLY && b->partner[c] == th->partner)
            continue;  /* waiting since before */
        int p = tidx(th->partner);
        if (p < 0)
            continue;  /* check_threads reports it */
        if (th->ipc & IPC_FAULT)
            continue;  /* fault messages lend nothing */
        if (!!(th->ipc & IPC_LEND) != (lastop[c] == OP_SEND)) {
            ifail("thread %d waits for thread %d's reply after a %s (IPC_LEND %d)", c, p,
                  lastop[c] == OP_SEND ? "plain send" : lastop[c] == OP_CALL ? "call" : "no request",
                  !!(th->ipc & IPC_LEND));
            return;
        }
        if ((th->ipc & IPC_LEND) && !passive(p)) {
            ifail("thread %d's plain send to thread %d waits for a reply, but %d has time of its own", c, p, p);
            return;
        }
        if (passive(p)) {
            lent[p] = lend_value(c);
            n_lend++;
        }
    }
}

/* ------------------------------------------------------------ steps -- */

static u64 cap_item(void)
{
    u32 src = chance(90) ? S_SRC + rn(NSRC) : chance(50) ? 999 : S_WIN + rn(8 * NT);
    u32 op = chance(95) ? rn(3) : 3 + rn(4);
    return ITEM(src, op, chance(80) ? R_ALL : rn(16));
}
static u64 mem_item(void)
{
    u64 va = SRC_VA + (u64)rn(NF) * PAGE_BYTES;
    u64 log2 = chance(90) ? rn(3) : chance(50) ? FLEX_MAX_LOG2 + 1 + rn(40) : 0;
    u32 op = chance(95) ? rn(3) : 3;
    u64 rights = chance(90) ? R_READ | (rn(2) ? R_WRITE : 0) : R_WRITE;
    if (chance(3))
        va = USER_VA_LIMIT - PAGE_BYTES;  /* the flexpage runs past the end */
    return MEM_ITEM(va, log2, op, rights);
}

static u32 pick_ep_cap(void)
{
    u32 k = rn(100);
    if (k < 65)
        return S_EP + rn(NEP);
    if (k < 80)
        return S_W + rn(NW);
    if (k < 88)
        return S_SRC + rn(NSRC);
    return (u32[]){S_AS, S_T, 999, CAP_ADDR_LIMIT, S_F}[rn(5)];
}

/* Thread i makes a random system call. */
static void do_syscall(int i, const struct snap *b)
{
    static const u64 nums[] = {SYS_SEND, SYS_NB_SEND, SYS_RECV, SYS_NB_RECV, SYS_INVOKE, SYS_REPLY, SYS_REPLY_RECV};
    u64 n = nums[rn(ARRAY_LEN(nums))];
    u64 *x = T(i)->regs.x;
    u32 cap = pick_ep_cap(), items = chance(40) ? 1 + rn(3) : 0;
    bool pager = owed[i] >= 0 && T(owed[i])->state == THREAD_BLOCKED_REPLY && (T(owed[i])->ipc & IPC_FAULT);
    if (pager && chance(70))
        n = chance(50) ? SYS_REPLY : SYS_REPLY_RECV, items = chance(60);
    x[REG_SYSNO] = n;
    x[REG_MSGINFO] = cap | MSG_INFO(rn(4) ? rn(64) : rnd(), items) << 32;
    for (u32 k = 1; k <= MSG_WORDS; k++)
        x[tk_areg(k)] = rnd();
    for (u32 k = 0; k < items; k++) {
        u64 w = chance(50) ? cap_item() : mem_item();
        if (pager)  /* a pager maps (never GRANTs) one page at the fault */
            w = MEM_ITEM(SRC_VA + (u64)rn(NF) * PAGE_BYTES, 0, ITEM_MAP, R_READ | R_WRITE);
        x[REG_MSG(MSG_WORDS - items + k)] = w;
    }
    if (pager && chance(50))
        x[REG_MSGINFO] = (x[REG_MSGINFO] & ~(0xfffffull << 32)) | (u64)FAULT_REPLY_RETRY << 32;
    snprintf(desc, sizeof desc, "thread %d syscall %llu a0=%#llx", i, (unsigned long long)n,
             (unsigned long long)x[REG_MSGINFO]);

    /* I2: what the reply part must answer. */
    int c = owed[i];
    bool reply = n == SYS_REPLY || n == SYS_REPLY_RECV;
    bool waits = c >= 0 && tref(c) && obj_get(tref(c))->epoch == owed_ep[i] &&
                 T(c)->state == THREAD_BLOCKED_REPLY && T(c)->partner == tref(i);
    bool recv_call = n == SYS_RECV || n == SYS_NB_RECV || n == SYS_REPLY_RECV;
    struct target tg;  /* the endpoint lookup that comes before everything but SYS_REPLY */
    int le = cap_lookup(T(i)->cspace.obj, cap, &tg);
    if (le == E_OK && tg.type != OBJ_ENDPOINT)
        le = E_TYPE;
    bool invoke_obj = n == SYS_INVOKE && le == E_TYPE;  /* a kernel object, not IPC */
    /* A bound notification with a word pending ends a receive at once. */
    int k = bn[i] >= 0 && nm[bn[i]].alive ? bn[i] : -1;
    u64 word = k >= 0 ? nm[k].word : 0;
    bool notify = word && le == E_OK && (tg.rights & R_READ) && (n == SYS_RECV || n == SYS_NB_RECV);
    if (!invoke_obj)
        lastop[i] = n == SYS_INVOKE ? OP_CALL : n == SYS_SEND || n == SYS_NB_SEND ? OP_SEND : OP_NONE;
    n_sys++;
    kernel_syscall();
    u32 st = tref(i) ? tstate(i) : 99;
    u32 e = (u32)T(i)->regs.x[REG_MSGINFO];
    if (n == SYS_REPLY_RECV && le != E_OK) {
        if (st != THREAD_RUNNABLE || e != (u32)le)
            ifail("reply_recv on a bad endpoint cap: state %u, a0 %u, want %d (nothing replied)", st, e, le);
    } else if (n == SYS_REPLY_RECV && (c < 0 || !waits)) {
        /* No good reply right: reply_recv drops it and just receives
         * (checked by the queue invariants). */
        owed[i] = -1;
    } else if (reply) {
        if (c < 0 && (st != THREAD_RUNNABLE || e != E_EMPTY)) {
            ifail("I2: a reply with no reply right gave state %u, a0 %u (want E_EMPTY)", st, e);
            return;
        }
        if (c >= 0 && !waits && (st != THREAD_RUNNABLE || e != E_REVOKED)) {
            ifail("I2: a reply to thread %d, which no longer waits, gave state %u, a0 %u (want E_REVOKED)", c, st, e);
            return;
        }
        bool done = c >= 0 && waits && T(c)->state != THREAD_BLOCKED_REPLY;
        if (c >= 0 && waits && !done && (items == 0 || st != THREAD_RUNNABLE || e == E_OK)) {
            ifail("I2: a reply to waiting thread %d did not reach it (state %u, a0 %u)", c, st, e);
            return;
        }
        if (done && (b->ipc[c] & IPC_LEND) && T(c)->regs.x[REG_MSGINFO] != E_OK) {
            ifail("T2: the reply to thread %d, which only lent its time (plain send), gave it a0 %#llx (want E_OK)",
                  c, (unsigned long long)T(c)->regs.x[REG_MSGINFO]);
            return;
        }
        if (done) {
            lent[i] = -1;  /* T2: the reply gives the lent time back */
            n_giveback++;
        }
        if (c < 0 || !waits || done)
            owed[i] = -1;
    } else if ((n == SYS_RECV || n == SYS_NB_RECV) &&
               (st == THREAD_BLOCKED_RECV || (st == THREAD_RUNNABLE && (e == E_OK || e == E_NOTIFIED)))) {
        /* A receive that completed or blocked gives up the old reply right. */
        if (c >= 0 && waits && T(c)->state == THREAD_BLOCKED_REPLY && T(c)->partner == tref(i)) {
            ifail("I2: thread %d received again, but its caller %d still waits on it", i, c);
            return;
        }
        u64 want = b->ipc[c >= 0 ? c : 0] & IPC_LEND ? E_OK : E_REVOKED;
        if (c >= 0 && waits && !(b->fault[c] ? T(c)->state == THREAD_FAULTED
                                              : T(c)->state == THREAD_RUNNABLE && T(c)->regs.x[REG_MSGINFO] == want)) {
            ifail("I2: thread %d received again; its old caller %d: state %u a0 %llu (want %s)", i, c,
                  T(c)->state, (unsigned long long)T(c)->regs.x[REG_MSGINFO], want == E_OK ? "E_OK" : "E_REVOKED");
            return;
        }
        owed[i] = -1;
    }
    /* T2: a receive that completed or blocked gives the lent time back
     * (note_lends then records what a new request lends). */
    if (recv_call && le == E_OK && (tg.rights & R_READ) &&
        (st == THREAD_BLOCKED_RECV || (st == THREAD_RUNNABLE && (e == E_OK || e == E_NOTIFIED)))) {
        if (lent[i] >= 0)
            n_giveback++;
        lent[i] = -1;
    }
    /* The bound notification's word: taken by the receive. */
    if (notify && (st != THREAD_RUNNABLE || e != E_NOTIFIED || T(i)->regs.x[REG_BADGE] != word)) {
        ifail("recv by thread %d with bound notification %d's word %#llx pending: state %u a0 %u a7 %#llx (want "
              "E_NOTIFIED and the word)", i, k, (unsigned long long)word, st, e,
              (unsigned long long)T(i)->regs.x[REG_BADGE]);
        return;
    }
    if (e == E_NOTIFIED && st == THREAD_RUNNABLE && recv_call) {
        if (k < 0 || !word || T(i)->regs.x[REG_BADGE] != word) {
            ifail("thread %d's receive ended with E_NOTIFIED, a7 %#llx; model: bound %d, word %#llx", i,
                  (unsigned long long)T(i)->regs.x[REG_BADGE], k, (unsigned long long)word);
            return;
        }
        nm[k].word = 0;
        n_notified++;
    }
    /* SYS_NB_SEND never blocks (abi.md), not even to a passive server: it
     * lends its time without waiting (a plain send waits: note_lends). */
    if (n == SYS_NB_SEND && st != THREAD_RUNNABLE) {
        ifail("a non-blocking send left thread %d in state %u", i, st);
        return;
    }
    if ((n == SYS_SEND || n == SYS_NB_SEND) && st == THREAD_RUNNABLE && e == E_OK)
        for (int p = 0; p < NT; p++)
            if (p != i && b->st[p] == THREAD_BLOCKED_RECV && tstate(p) == THREAD_RUNNABLE &&
                (u32)T(p)->regs.x[REG_MSGINFO] == E_OK && passive(p)) {
                if (n == SYS_SEND) {
                    ifail("T2: thread %d's plain send to passive thread %d did not wait for it", i, p);
                    return;
                }
                lent[p] = lend_value(i);
                n_lend++;
            }
    check_i3(b, i, recv_call);
}

/* Thread i invokes a SchedContext, a notification or a thread (the
 * kernel's answer predicted exactly). */
static void do_invoke(int i, const struct snap *b)
{
    if (chance(2)) {
        ickpt_thread(i, b);
        return;
    }
    u64 *x = T(i)->regs.x;
    u64 a[6] = {0}, res[4] = {0};
    u32 label, k = rn(100);
    u64 cptr;
    if (k < 45) {
        label = (u32[]){NTFN_SIGNAL, NTFN_SIGNAL, NTFN_WAIT, NTFN_POLL}[rn(4)];
        cptr = pick_ntfn_cap(true);
        if (chance(5))
            cptr = (u64[]){S_AS, S_F, S_T + rn(NT), S_SC}[rn(4)];  /* no such method: E_LABEL */
    } else if (k < 65) {
        label = chance(60) ? SC_CONFIGURE : SC_QUERY;
        cptr = pick_sc_cap(true);
        if (cptr >= S_EP && cptr < S_EP + NEP)
            cptr = S_AS;  /* an endpoint would make it a call */
        sc_args(a);
    } else {
        label = (u32[]){THREAD_BIND_SC, THREAD_BIND_SC, THREAD_BIND_NTFN, THREAD_SET_TIMEOUT}[rn(4)];
        cptr = chance(90) ? S_T + rn(NT) : S_TRO;
        if (chance(30))
            cptr = S_T + (u32)i;  /* itself (the running thread) */
        a[0] = chance(15) ? CAP_NONE
             : label == THREAD_BIND_SC ? pick_sc_cap(true)
             : label == THREAD_BIND_NTFN ? pick_ntfn_cap(true)
             : (u64[]){S_EP + 2, S_EP + rn(NEP), S_W, S_SC, S_NONE}[rn(5)];
    }
    if ((u32)cptr >= S_EP && (u32)cptr < S_EP + NEP)
        cptr = S_NONE;
    x[REG_SYSNO] = SYS_INVOKE;
    x[REG_MSGINFO] = (u32)cptr | (u64)MSG_INFO(label, 0) << 32;
    for (u32 j = 0; j < MSG_WORDS; j++)
        x[REG_MSG(j)] = a[j];
    snprintf(desc, sizeof desc, "thread %d invokes cap %#llx label %#x (%#llx, %#llx)", i, (unsigned long long)cptr,
             label, (unsigned long long)a[0], (unsigned long long)a[1]);
    int want = m_inv(i, cptr, label, a, false, res, b->st);
    n_inv++;
    kernel_syscall();
    u32 st = tstate(i);
    u64 e = x[REG_MSGINFO];
    if (want == INV_BLOCKED ? st != THREAD_BLOCKED_WAIT : st != THREAD_RUNNABLE || e != (u64)want) {
        ifail("thread %d's invocation: state %u a0 %#llx, model %s %d", i, st, (unsigned long long)e,
              want == INV_BLOCKED ? "blocked" : "answer", want);
        return;
    }
    if (want == E_OK && (label == SC_QUERY || label == NTFN_WAIT || label == NTFN_POLL))
        for (u32 r = 0; r < (label == SC_QUERY ? 4u : 1u); r++)
            if (x[REG_MSG(r)] != res[r]) {
                ifail("thread %d's invocation: result %u is %#llx, model %#llx", i, r, (unsigned long long)x[REG_MSG(r)],
                      (unsigned long long)res[r]);
                return;
            }
    if (want == E_OK || want == INV_BLOCKED)
        m_inv(i, cptr, label, a, true, res, b->st);
    n_busy += want == E_BUSY;
    check_expect();
    check_i3(b, -1, false);
}

/* Record new reply rights: every thread now waiting for a reply. */
static void note_rights(const struct snap *b)
{
    for (int c = 0; c < NT; c++) {
        if (!tref(c) || T(c)->state != THREAD_BLOCKED_REPLY)
            continue;
        int p = tidx(T(c)->partner);
        if (p < 0)
            continue;  /* check_threads reports it */
        if (b->st[c] == THREAD_BLOCKED_REPLY && b->tr[c] == tref(c) && owed[p] == c)
            continue;
        owed[p] = c;
        owed_ep[p] = obj_get(tref(c))->epoch;
    }
}

/* The model follows threads that left a notification queue by a suspend
 * (THREAD_SUSPEND by the root or by another thread). */
static void note_suspends(void)
{
    for (int k = 0; k < nnm; k++)
        for (int j = nm[k].qn - 1; j >= 0; j--)
            if (tstate(nm[k].q[j]) == THREAD_INACTIVE)
                nq_remove(k, nm[k].q[j]);
}

/* One timer tick: charged to the time the running thread runs on (T1,
 * T2); an overrun takes it off the CPU, to its timeout handler if it has
 * one. Then the kernel chooses whom to run. */
static void tick(void)
{
    oref cr = sched_cur;
    int c = tidx(cr);
    const struct thread *th = c >= 0 ? T(c) : NULL;
    bool run = th && th->state == THREAD_RUNNABLE && !th->queued && !th->waiting_time;
    now++;
    int s = run ? sc_of(c) : -1;
    bool charged = run && sc_has_time(s), out = false;
    struct snap b;
    for (int j = 0; j < NT; j++)  /* what note_rights reads */
        b.tr[j] = tref(j), b.st[j] = b.tr[j] ? tstate(j) : 99;
    if (charged) {
        out = m_charge(&scm[s]);
        n_charged++;
        n_overrun += out;
    }
    n_ticks++;
    size_t l = strlen(desc) < 150 ? strlen(desc) : 150;
    snprintf(desc + l, sizeof desc - l, " / tick %llu (thread %d, sc %d)", (unsigned long long)now, c, s);
    kernel_timer();
    /* A periodic checkpoint paused at this tick is written on the ticks
     * after (P2); the model takes it whole here: the writer changes
     * nothing it follows, and the commit then holds this tick's state. */
    while (persist_busy())
        persist_step();
    if (run && (!charged || out)) {
        /* Off the CPU: waits for time, or (an overrun, with a handler) its
         * FAULT_TIMEOUT message goes to it. */
        u32 st = tstate(c);
        bool to = out && tep_live(c);
        if (to ? !((st == THREAD_BLOCKED_SEND || st == THREAD_BLOCKED_REPLY) && (T(c)->ipc & IPC_FAULT) &&
                   T(c)->fault == FAULT_TIMEOUT)
               : st != THREAD_RUNNABLE || !T(c)->waiting_time) {
            ifail("T1: thread %d ran out of time (%s) at the tick: state %u waiting %u (timeout handler %d)", c,
                  charged ? "its budget" : "it had none", st, T(c)->waiting_time, to);
            return;
        }
        n_timeout += to;
    }
    note_rights(&b);
    ickpt_tick();  /* (taken after the tick's charge, before the choice) */
}

/* False if windows or sources changed (not an IPC step: no I3 check). */
static bool control_ipc(int i, u32 k, const struct snap *b)
{
    if (k < 18) {
        snprintf(desc, sizeof desc, "suspend thread %d", i);
        CHECK_EQ(tk_inv(S_T + (u32)i, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
        if (tstate(i) != THREAD_INACTIVE)
            ifail("suspended thread %d has state %u", i, tstate(i));
    } else if (k < 55) {
        for (int j = 0, o = (int)rn(NT); j < NT; j++)  /* mostly one that is stopped */
            if ((b->st[(j + o) % NT] == THREAD_INACTIVE || b->st[(j + o) % NT] == THREAD_FAULTED) && chance(70)) {
                i = (j + o) % NT;
                break;
            }
        snprintf(desc, sizeof desc, "start thread %d", i);
        u32 before = tstate(i);
        int e = tk_inv(S_T + (u32)i, THREAD_START, 0, 0, 0, 0, 0, 0);
        if (e != (before == THREAD_INACTIVE || before == THREAD_FAULTED ? E_OK : E_BUSY) ||
            (e == E_OK && tstate(i) != THREAD_RUNNABLE))
            ifail("THREAD_START of a thread in state %u: %d, now %u", before, e, tstate(i));
    } else if (k < 65) {
        snprintf(desc, sizeof desc, "destroy and recreate thread %d (state %u)", i, b->st[i]);
        int c = owed[i];
        bool waits = c >= 0 && tref(c) && T(c)->state == THREAD_BLOCKED_REPLY && T(c)->partner == tref(i);
        u64 want = waits && (b->ipc[c] & IPC_LEND) ? E_OK : E_REVOKED;
        CHECK_EQ(tk_destroy(BANK, S_T + (u32)i), E_OK);
        if (waits && (T(c)->state != THREAD_RUNNABLE || T(c)->regs.x[REG_MSGINFO] != want) &&
            !(b->fault[c] && T(c)->state == THREAD_FAULTED))
            ifail("I2/I6: server %d destroyed, its caller %d is in state %u a0 %#llx", i, c, T(c)->state,
                  (unsigned long long)T(c)->regs.x[REG_MSGINFO]);
        make_thread(i);  /* a server that owed thread i a reply keeps a stale right: E_REVOKED */
    } else if (k < 73) {
        u32 e = rn(NEP);
        snprintf(desc, sizeof desc, "destroy and recreate endpoint %u", e);
        oref ep = obj(S_EP + e);
        CHECK_EQ(tk_destroy(BANK, S_EP + e), E_OK);
        n_revoked++;
        for (int j = 0; j < NT && ep; j++) {
            bool was = b->tr[j] && (b->st[j] == THREAD_BLOCKED_SEND || b->st[j] == THREAD_BLOCKED_RECV);
            if (!was || tstate(j) == THREAD_BLOCKED_SEND || tstate(j) == THREAD_BLOCKED_RECV)
                continue;  /* still queued: on another endpoint (checked below) */
            if (b->fault[j] ? tstate(j) != THREAD_FAULTED
                            : tstate(j) != THREAD_RUNNABLE || T(j)->regs.x[REG_MSGINFO] != E_REVOKED)
                ifail("I6: thread %d woken from destroyed endpoint %u: state %u a0 %llu", j, e, tstate(j),
                      (unsigned long long)T(j)->regs.x[REG_MSGINFO]);
        }
        tk_delete(S_EP + e);  /* a void cap with descendants is no destination */
        CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, S_EP + e, 0), E_OK);
        if (e < NW) {  /* its wrapper now wraps a void cap: make a new one */
            tk_destroy(BANK, S_W + e);
            tk_delete(S_W + e);
            CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, S_W + e, CS, S_EP + e, e ? 0 : 0x77, R_ALL), E_OK);
        }
    } else if (k < 80) {
        u32 w = rn(NW);
        snprintf(desc, sizeof desc, "destroy and recreate wrapper %u", w);
        CHECK_EQ(tk_destroy(BANK, S_W + w), E_OK);
        for (int j = 0; j < NT; j++)
            if (b->tr[j] && b->st[j] == THREAD_BLOCKED_SEND && b->via[j] == b->wr[w] &&
                (b->fault[j] ? tstate(j) != THREAD_FAULTED  /* a timeout message through it */
                             : tstate(j) != THREAD_RUNNABLE || T(j)->regs.x[REG_MSGINFO] != E_REVOKED))
                ifail("C8, I6: thread %d, queued through wrapper %u, after its destruction: state %u a0 %llu", j, w,
                      tstate(j), (unsigned long long)T(j)->regs.x[REG_MSGINFO]);
        tk_delete(S_W + w);
        CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, S_W + w, CS, S_EP + w, chance(50) ? 0x77 + w : 0, rn(2) ? R_ALL : R_WRITE),
                 E_OK);
    } else if (k < 90) {
        snprintf(desc, sizeof desc, "clear windows");
        clear_windows();
        return false;
    } else {
        snprintf(desc, sizeof desc, "refill sources");
        refill();
        return false;
    }
    return true;
}

/* The root works on time and notifications, under the threads. */
static void control_time(int i, u32 k, const struct snap *b)
{
    u32 t = S_T + (u32)i;
    if (k < 10) {  /* SC_CONFIGURE, good and bad */
        u64 a[6], cptr = pick_sc_cap(true);
        /* Often one a thread waits for, lent ones first (the bound one has
         * its own way back: sc_configure's sched_time_back). */
        for (int j = 0, o = (int)rn(NT); j < 2 * NT && chance(70); j++) {
            int w = (j + o) % NT, s = sc_of(w);
            if (s >= 0 && T(w)->waiting_time && (j >= NT || passive(w)) && scm[s].slot < NMC &&
                mc[scm[s].slot].kind == CK_SC && mc[scm[s].slot].id == s) {
                cptr = scm[s].slot;
                break;
            }
        }
        sc_args(a);
        snprintf(desc, sizeof desc, "SC_CONFIGURE cap %#llx (%llu, %llu)", (unsigned long long)cptr,
                 (unsigned long long)a[0], (unsigned long long)a[1]);
        root_inv(cptr, SC_CONFIGURE, a[0], a[1], "SC_CONFIGURE");
    } else if (k < 20) {  /* bind, unbind, rebind */
        u64 src = chance(15) ? CAP_NONE : pick_sc_cap(true);
        snprintf(desc, sizeof desc, "THREAD_BIND_SC thread %d (state %u) cap %#llx", i, b->st[i],
                 (unsigned long long)src);
        root_inv(chance(5) ? S_TRO : t, THREAD_BIND_SC, src, 0, "THREAD_BIND_SC");
    } else if (k < 26) {  /* make a server passive: unbind one waiting in recv */
        int c = -1;
        for (int j = 0, o = (int)rn(NT); j < NT && c < 0; j++)
            if (b->st[(j + o) % NT] == THREAD_BLOCKED_RECV && !passive((j + o) % NT))
                c = (j + o) % NT;
        if (c < 0)
            c = i;
        snprintf(desc, sizeof desc, "make thread %d (state %u) passive", c, b->st[c]);
        n_passive++;
        root_inv(S_T + (u32)c, THREAD_BIND_SC, CAP_NONE, 0, "unbind");
    } else if (k < 31) {  /* destroy a SchedContext under its threads */
        u32 s = chance(50) ? S_SC + rn(NSC) : S_OSC + rn(NT);
        snprintf(desc, sizeof desc, "destroy the SchedContext at %u", s);
        if (mc[s].kind == CK_SC && scm[mc[s].id].alive) {
            root_ok(tk_destroy(BANK, s), "destroy SchedContext");
            scm[mc[s].id].alive = false;
            n_scdestroy++;
        } else {
            int want = mc[s].kind == CK_NONE ? E_EMPTY : E_REVOKED;
            int e = tk_inv(BANK, BANK_DESTROY, CS, s, 0, 0, 0, 0);
            if (e != want)
                ifail("BANK_DESTROY of an empty or void SchedContext cap: %d, want %d", e, want);
        }
    } else if (k < 35) {  /* UNMAP or DELETE SchedContext caps */
        u32 s = S_SC + rn(NSC);
        u32 what = rn(4);
        snprintf(desc, sizeof desc, "%s of SchedContext cap %u", what == 0 ? "UNMAP" : what == 1 ? "DELETE" :
                 what == 2 ? "DELETE of the MAP" : "UNMAP of the MAP", what < 2 ? s : s + NSC);
        if (what < 2) {
            if (mc[s].kind == CK_NONE)
                return;
            root_ok(what ? tk_delete(s) : tk_unmap(s, 0), "UNMAP/DELETE");
            m_remove_below((int)s, what == 1);
        } else {
            u32 m = s + NSC;
            if (mc[m].kind == CK_NONE) {
                if (mc[s].kind == CK_SC && scm[mc[s].id].alive) {
                    root_ok(tk_map(m, s, R_ALL), "map SchedContext again");
                    mc[m] = (struct mcap){CK_SC, 0, R_ALL, mc[s].id, 0, (int)s};
                }
                return;
            }
            root_ok(what == 2 ? tk_delete(m) : tk_unmap(m, 0), "UNMAP/DELETE");
            m_remove_below((int)m, what == 2);
        }
    } else if (k < 52) {  /* recreate a shared or own SchedContext */
        if (chance(12)) {
            int s = (int)rn(NSC);
            snprintf(desc, sizeof desc, "recreate shared SchedContext %d", s);
            if (mc[S_SC + s].kind == CK_SC && scm[mc[S_SC + s].id].alive)
                root_ok(tk_destroy(BANK, S_SC + (u32)s), "destroy SchedContext"), scm[mc[S_SC + s].id].alive = false;
            make_sc(s);
        } else {
            for (int j = 0, o = (int)rn(NT); j < NT; j++)  /* mostly one that has none */
                if (!has_time((j + o) % NT) && chance(80)) {
                    i = (j + o) % NT;
                    break;
                }
            snprintf(desc, sizeof desc, "give thread %d (state %u) time again", i, b->st[i]);
            give_time(i);
        }
    } else if (k < 61) {  /* signals, polls and waits by the root */
        u32 label = (u32[]){NTFN_SIGNAL, NTFN_SIGNAL, NTFN_SIGNAL, NTFN_POLL, NTFN_WAIT}[rn(5)];
        u64 cptr = pick_ntfn_cap(true);
        for (int n = 0; n < NN && label == NTFN_SIGNAL; n++)  /* mostly where somebody waits */
            if (mc[S_N + n].kind == CK_N && nm[mc[S_N + n].id].qn && chance(70))
                cptr = chance(70) ? S_NB + (u32)n : n ? S_NW : S_NWO;
        snprintf(desc, sizeof desc, "root: notification label %#x cap %#llx", label, (unsigned long long)cptr);
        root_inv(cptr, label, 0, 0, "notification");
    } else if (k < 68) {  /* bind, unbind notifications */
        u64 src = chance(15) ? CAP_NONE : pick_ntfn_cap(true);
        snprintf(desc, sizeof desc, "THREAD_BIND_NTFN thread %d (state %u) cap %#llx", i, b->st[i],
                 (unsigned long long)src);
        root_inv(t, THREAD_BIND_NTFN, src, 0, "THREAD_BIND_NTFN");
    } else if (k < 74) {  /* destroy a notification under its waiters, UNMAP its caps, recreate it */
        int n = (int)rn(NN), id = mc[S_N + n].kind == CK_N ? mc[S_N + n].id : -1;
        u32 what = rn(4);
        snprintf(desc, sizeof desc, "notification %d: %s", n,
                 what == 0 ? "destroy" : what == 1 ? "UNMAP" : what == 2 ? "UNMAP the badged cap" : "recreate");
        if (what == 0 && id >= 0 && nm[id].alive) {
            root_ok(tk_destroy(BANK, S_N + (u32)n), "destroy notification");
            for (int j = 0; j < nm[id].qn; j++)
                expect(nm[id].q[j], THREAD_RUNNABLE, E_REVOKED, REG_MSG(0), 0, "I6: notification destroyed");
            nm[id].qn = 0;
            nm[id].alive = false;
            check_expect();
        } else if (what == 1 && mc[S_N + n].kind != CK_NONE) {
            root_ok(tk_unmap(S_N + (u32)n, 0), "UNMAP notification");
            m_remove_below(S_N + n, false);
        } else if (what == 2 && mc[S_NB + n].kind != CK_NONE) {
            root_ok(tk_unmap(S_NB + (u32)n, 0), "UNMAP badged notification");
            m_remove_below(S_NB + n, false);
        } else if (what == 3) {
            if (id >= 0 && nm[id].alive) {
                root_ok(tk_destroy(BANK, S_N + (u32)n), "destroy notification");
                for (int j = 0; j < nm[id].qn; j++)
                    expect(nm[id].q[j], THREAD_RUNNABLE, E_REVOKED, REG_MSG(0), 0, "I6: notification destroyed");
                nm[id].qn = 0;
                nm[id].alive = false;
                check_expect();
            }
            make_ntfn(n);
        }
    } else if (k < 78) {
        u64 ep = (u64[]){S_EP + 2, S_EP + 2, CAP_NONE, S_W, S_SC, S_NONE}[rn(6)];
        snprintf(desc, sizeof desc, "THREAD_SET_TIMEOUT thread %d cap %#llx", i, (unsigned long long)ep);
        root_inv(t, THREAD_SET_TIMEOUT, ep, 0, "THREAD_SET_TIMEOUT");
    } else if (k < 86) {
        u64 cptr = pick_sc_cap(true);
        snprintf(desc, sizeof desc, "SC_QUERY cap %#llx", (unsigned long long)cptr);
        root_inv(cptr, SC_QUERY, 0, 0, "SC_QUERY");
    } else {  /* time passes: budgets run out and refill */
        u32 n = 1 + rn(chance(20) ? 40 : 8);
        snprintf(desc, sizeof desc, "%u ticks", n);
        check_expect();
        for (u32 j = 0; j < n && !failed; j++) {
            tick();
            check_threads(j % 8 == 7);
            if (!failed)
                check_time(true);
        }
    }
    check_expect();
}

/* Something other than a system call. */
static void control(const struct snap *b)
{
    int i = (int)rn(NT);
    n_ctl++;
    if (chance(2)) {
        control_persist();
        return;
    }
    bool ipc = true;
    if (chance(45))
        ipc = control_ipc(i, rn(100), b);
    else
        control_time(i, rn(100), b);
    if (failed)
        return;
    note_suspends();
    if (ipc)
        check_i3(b, -1, false);
}

/* A thread the scheduler could pick: runnable with time. */
static bool could_run(int j) { return tref(j) && tstate(j) == THREAD_RUNNABLE && !T(j)->waiting_time && has_time(j); }

static void step(void)
{
    int i = -1;
    bool chose = chance(80);
    if (chose) {
        if (chance(70)) {
            i = sched_pick();
        } else {
            int cand[NT], n = 0;
            for (int j = 0; j < NT; j++)
                if (could_run(j))
                    cand[n++] = j;
            if (n) {
                i = cand[rn((u32)n)];
                sched_switch_to(tref(i));
            }
        }
    }
    if (failed)
        return;
    check_time(chose);  /* the CPU's choice is a kernel entry too (and the queues changed) */
    if (failed)
        return;
    struct snap b;
    take(&b);
    bool entry = i >= 0;
    if (i < 0) {
        control(&b);
        if (irestarted) {  /* a restart: what came before is gone */
            irestarted = false;
            take(&b);
        }
    } else if (chance(6)) {
        u64 va = FAULT_VA + (u64)rn(16) * PAGE_BYTES + rn(PAGE_BYTES);
        snprintf(desc, sizeof desc, "thread %d faults at %#llx", i, (unsigned long long)va);
        n_fault++;
        bool handler = T(i)->fault_ep.obj && cap_live(&T(i)->fault_ep);
        u32 fault = rn(2) ? FAULT_READ : FAULT_WRITE, need = fault == FAULT_READ ? R_READ : R_WRITE;
        /* P3: a page a pager mapped whose entry is gone (a restart) is
         * refilled from its mapping slot: no fault. */
        CHECK_EQ(tk_inv(S_AS + (u32)(i & 1), AS_INFO, va & ~(u64)(PAGE_BYTES - 1), 0, 0, 0, 0, 0), E_OK);
        u64 pva = va & ~(u64)(PAGE_BYTES - 1);
        bool refill = tk_r[0] == SLOT_LIVE && (tk_r[1] & need) == need && !pte(t_as(i), pva);
        /* P2: with write tracking on, a page its slot lets it write is
         * entered without R_WRITE, granted at the first write: no fault. */
        u32 pr = 0;
        bool grant = store_track.on && need == R_WRITE && tk_r[0] == SLOT_LIVE && (tk_r[1] & R_WRITE) &&
                     hal_pt_lookup(&aspace_body(t_as(i))->pt, pva, &pr) && !(pr & R_WRITE);
        u64 refills = aspace_refills;
        quiet(true);
        kernel_exception(fault, va);
        quiet(false);
        u32 st = tstate(i);
        if (grant ? st != THREAD_RUNNABLE || !hal_pt_lookup(&aspace_body(t_as(i))->pt, pva, &pr) || !(pr & R_WRITE)
            : refill ? st != THREAD_RUNNABLE || aspace_refills != refills + 1 || !pte(t_as(i), pva)
                   : handler ? st != THREAD_BLOCKED_SEND && st != THREAD_BLOCKED_REPLY : st != THREAD_FAULTED)
            ifail("I5, P2, P3: thread %d after a fault (handler: %d, a mapping to refill: %d, a write to grant: %d): "
                  "state %u", i, handler, refill, grant, st);
        n_refill += refill;
        check_i3(&b, -1, false);
    } else if (chance(22)) {
        do_invoke(i, &b);
    } else {
        do_syscall(i, &b);
    }
    static int trace = -1;
    if (trace < 0)
        trace = getenv("TETHER_IPC_TRACE") ? atoi(getenv("TETHER_IPC_TRACE")) : 0;
    if (trace)
        printf("      %ld: %s\n", step_no, desc);
    if (failed)
        return;
    note_rights(&b);
    note_lends(&b);
    note_suspends();
    check_threads(false);
    if (!failed)
        check_time(entry);
    if (failed)
        return;
    tick();  /* a tick: round robin within a priority (the kernel entry, tick + choice) */
    if (failed)
        return;
    check_threads(true);
    if (!failed)
        check_time(true);
}

/* TETHER_IPC_TRACE: the model and the kernel's threads at a mismatch. */
static void dump(void)
{
    printf("    tick %llu, running thread %d\n", (unsigned long long)now, tidx(sched_cur));
    for (int i = 0; i < NT; i++) {
        if (!tref(i))
            continue;
        const struct thread *th = T(i);
        printf("    thread %d: state %u prio %u queued %u waiting_time %u wsc %u ipc %#x | kernel sc %u (live %d) lent "
               "%u/%u thread_sc %u | model own %d (par %d) lent %d sc_of %d time %d passive %d bn %d taint %d\n",
               i, th->state, th->prio, th->queued, th->waiting_time, th->wsc, th->ipc, th->sc.obj, cap_live(&th->sc),
               th->lent, th->lent_epoch, thread_sc(th), own[i], own_par[i], lent[i], sc_of(i), has_time(i),
               passive(i), bn[i], taint[i]);
    }
    for (int s = 0; s < nscm; s++)
        if (scm[s].alive)
            printf("    sc %d (obj %u, slot %u): B %llu P %llu T0 %llu pidx %llu used %llu consumed %llu, kernel "
                   "remaining %llu refill_at %llu released %u thread %u waiters %u\n",
                   s, scm[s].o, scm[s].slot, (unsigned long long)scm[s].B, (unsigned long long)scm[s].P,
                   (unsigned long long)scm[s].T0, (unsigned long long)scm[s].pidx, (unsigned long long)scm[s].used,
                   (unsigned long long)scm[s].consumed, (unsigned long long)schedctx_body(scm[s].o)->remaining,
                   (unsigned long long)schedctx_body(scm[s].o)->refill_at, schedctx_body(scm[s].o)->released,
                   schedctx_body(scm[s].o)->thread, schedctx_body(scm[s].o)->waiters);
}

TEST(ipc_random)
{
    seed = strtoull(getenv("TETHER_SEED") ? getenv("TETHER_SEED") : "0", NULL, 0);
    if (!seed)
        seed = (u64)time(NULL) ^ ((u64)clock() << 20);
    rng = seed + 9 * 0x9e3779b97f4a7c15ull;
    const char *s = getenv("TETHER_STEPS");
    long steps = (s && *s ? strtol(s, NULL, 0) : 200000) / 4;
    failed = 0;
    n_sys = n_deliv = n_items = n_fault = n_ctl = n_revoked = 0;
    n_inv = n_ticks = n_charged = n_overrun = n_timeout = n_lend = n_giveback = n_signal = n_wake = n_notified = 0;
    n_passive = n_taint = n_bind = n_busy = n_scbad = n_scdestroy = 0;
    memset(n_ick, 0, sizeof n_ick), memset(n_icut, 0, sizeof n_icut), n_irestart = n_iioerr = n_refill = n_iraw = n_iby = 0;
    boot();
    for (step_no = 1; step_no <= steps && !failed; step_no++) {
        if (step_no % 5000 == 0)
            boot();
        step();
    }
    printf("    seed=%llu: %ld steps, %ld system calls, %ld messages received (%ld items), %ld faults, %ld other "
           "(%ld endpoint destroys)\n",
           (unsigned long long)seed, step_no - 1, n_sys, n_deliv, n_items, n_fault, n_ctl, n_revoked);
    printf("    time: %ld ticks (%ld charged, %ld overruns, %ld timeout faults), %ld invocations (%ld binds, %ld "
           "E_BUSY, %ld bad SC_CONFIGUREs), %ld SchedContexts destroyed, %ld servers made passive, %ld lends, %ld "
           "given back, %ld threads lost their time while queued; %ld signals (%ld woke a waiter, %ld E_NOTIFIED)\n",
           n_ticks, n_charged, n_overrun, n_timeout, n_inv, n_bind, n_busy, n_scbad, n_scdestroy, n_passive, n_lend,
           n_giveback, n_taint, n_signal, n_wake, n_notified);
    printf("    persistence: %ld checkpoints committed (%ld by the root, %ld by threads, %ld on ticks; %ld copied "
           "whole), %ld restarts (%ld to a thread's checkpoint), "
           "%ld after a power cut during a checkpoint (%ld resumed it, %ld the one before), %ld device errors gone "
           "on from; %ld faults refilled from mapping slots\n", n_ick[0] + n_ick[1] + n_ick[2], n_ick[0], n_ick[1], n_ick[2],
           n_iraw, n_irestart + n_icut[0] + n_icut[1], n_iby, n_icut[0] + n_icut[1], n_icut[1], n_icut[0], n_iioerr, n_refill);
    CHECK(!failed);
    CHECK((n_irestart > 0 && n_iby > 0 && n_icut[0] > 0 && n_icut[1] > 0) || steps < 25000);
}
