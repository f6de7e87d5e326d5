/* SPDX-License-Identifier: BSD-2-Clause */
/* model_ipc.c: the randomized IPC driver (DESIGN.md §4, §7).
 *
 * A handful of threads, endpoints, wrappers over endpoints, two AddrSpaces
 * and some frames. The harness plays the CPU: it mostly runs the thread the
 * scheduler picks (sched_next; kernel_timer after every step), sometimes an
 * arbitrary runnable one (sched_switch_to), puts a random system call in its
 * registers and enters kernel_syscall(), or makes it fault
 * (kernel_exception). Calls: send/recv/call/reply/reply_recv and the
 * non-blocking variants, on endpoints, wrappers and hostile caps, with cap
 * and memory transfer items (hostile ones too); between them: THREAD_SUSPEND
 * / THREAD_START, destroying and recreating threads, endpoints and wrappers,
 * emptying receive windows, refilling item sources, pagers answering faults
 * with memory items.
 *
 * Checked after every step, against the public semantics (THREAD_INFO
 * states, sched_next, endpoint queues and waiting counts):
 *   - kernel_check();
 *   - no thread is lost: blocked on send/recv = in exactly one endpoint
 *     queue, whose qstate matches, queue lengths = waiting counts; waiting
 *     for a reply = from a live thread that holds the reply right (one
 *     caller per server); runnable = chosen by the scheduler within a
 *     bounded number of picks (priority order, round robin); the scheduler
 *     only ever picks a runnable thread of the highest runnable priority;
 *   - I2: the reply right is one-shot (a second reply: E_EMPTY; a caller
 *     that went away: E_REVOKED; a server that receives again or is
 *     destroyed releases its waiting caller with E_REVOKED);
 *   - I3: all or nothing: a receive window (cap slots, memory pages) only
 *     changes when its thread receives a message in that step, and then by
 *     exactly that message's items (every cap item landed, in order; memory
 *     only inside the window); an item source disappears only when a
 *     delivered message GRANTed it;
 *   - I6: destroying an endpoint wakes each of its waiters with E_REVOKED
 *     (or back to FAULTED for a fault message).
 * TETHER_SEED / TETHER_STEPS as in tests/model/ (this driver runs STEPS / 4). */
#include "harness.h"
#include "tk.h"
#include "aspace.h"
#include "check.h"
#include "endpoint.h"
#include "frame.h"
#include "invoke.h"
#include "sched.h"
#include "thread.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

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
enum {
    S_EP = 20, S_W = 24, S_T = 30, S_AS = 40, S_F = 50, S_SRC = 60, S_WIN = 100,
    NF = 4,
};
#define SRC_VA 0x10000ull   /* frames mapped at SRC_VA + k pages in both AddrSpaces */
#define MWIN_VA 0x400000ull /* thread i's memory window: MWIN_VA + i * 0x10000, 4 pages */
#define FAULT_VA 0x800000ull

static u64 seed;
static long step_no;
static int failed;
static char desc[200];
static long n_sys, n_deliv, n_items, n_fault, n_ctl, n_revoked;

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

/* ------------------------------------------------------------ setup -- */

static int owed[NT];   /* I2 model: the caller thread i owes a reply to, -1 */
static u32 owed_ep[NT];/* ... and that caller's epoch                       */
static int starve[NT];

static void make_thread(int i)
{
    u32 s = S_T + (u32)i;
    tk_delete(s);  /* a void cap with descendants is no destination */
    CHECK_EQ(tk_create(BANK, OBJ_THREAD, s, 0), E_OK);
    CHECK_EQ(tk_inv(s, THREAD_CONFIGURE, CS, S_AS + (u32)(i & 1), 0x1000, 0, 10 + 10 * rn(3), 0), E_OK);
    CHECK_EQ(tk_time(BANK, s), E_OK);
    /* Threads 4 and 5 send faults to endpoint 2 (handled by whoever receives there). */
    CHECK_EQ(tk_inv(s, THREAD_SET_IPC, i >= 4 ? S_EP + 2 : CAP_NONE, S_WIN + 8 * (u32)i, WIN, win_va(i), 2, 0),
             E_OK);
    CHECK_EQ(tk_inv(s, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
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

static void boot(void)
{
    tk_boot(8u << 20);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, S_AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, S_AS + 1, 0), E_OK);
    for (u32 k = 0; k < NF; k++)
        CHECK_EQ(tk_create(BANK, OBJ_FRAME, S_F + k, 0), E_OK);
    for (u32 e = 0; e < NEP; e++)
        CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, S_EP + e, 0), E_OK);
    for (u32 w = 0; w < NW; w++)
        CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, S_W + w, CS, S_EP + w, w ? 0 : 0x77, R_ALL), E_OK);
    for (int i = 0; i < NT; i++)
        make_thread(i);
    refill();
}

/* ------------------------------------------------------ invariants -- */

static void check_threads(void)
{
    u32 st[NT];
    int inq[NT] = {0};
    u32 blocked = 0, waiting = 0;
    const char *why = kernel_check();
    if (why) {
        ifail("kernel_check: %s", why);
        return;
    }
    for (int i = 0; i < NT; i++) {
        st[i] = tref(i) ? tstate(i) : 99;
        if (st[i] != 99 && st[i] > THREAD_BLOCKED_REPLY) {
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

/* The scheduler picks a runnable thread of the highest runnable priority;
 * every runnable thread gets picked within a bounded number of picks. */
static int sched_pick(void)
{
    struct hal_regs *r = sched_next();
    int top = -1, pick = -1;
    for (int i = 0; i < NT; i++)
        if (tref(i) && tstate(i) == THREAD_RUNNABLE && (top < 0 || T(i)->prio > T(top)->prio))
            top = i;
    for (int i = 0; i < NT && r; i++)
        if (tref(i) && r == &T(i)->regs)
            pick = i;
    if (!r) {
        if (top >= 0)
            ifail("sched_next found nothing to run, but thread %d is runnable", top);
        return -1;
    }
    if (pick < 0 || top < 0 || tstate(pick) != THREAD_RUNNABLE || T(pick)->prio < T(top)->prio ||
        sched_cur != tref(pick)) {
        ifail("sched_next picked thread %d (prio %d, state %u, cur %d), highest runnable is %d (prio %d)", pick, pick >= 0 ? T(pick)->prio : -1, pick >= 0 ? tstate(pick) : 99, tidx(sched_cur),
              top, top >= 0 ? T(top)->prio : -1);
        return -1;
    }
    for (int i = 0; i < NT; i++) {
        if (!tref(i) || tstate(i) != THREAD_RUNNABLE || i == pick)
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
    u32 st[NT];
    u64 a0[NT];
    u8 fault[NT];
    oref tr[NT], via[NT], wr[NW];
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
            struct slot now = slot_or_empty(S_WIN + 8 * (u32)i + k);
            bool changed = !same_slot(&now, &b->win[i][k]), granted = false;
            if (b->win[i][k].obj && !cap_live(&b->win[i][k]) && !now.obj)
                changed = false;  /* a void cap went (cleaning a slot above it in the tree): S3 */
            for (int g = 0; g < ng; g++)  /* a window slot can be an item's source too */
                granted |= grants[g] == S_WIN + 8 * (u32)i + k;
            if ((changed != (k < ncap) && !(changed && granted && !now.obj)) || (k < ncap && !cap_live(&now))) {
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
        struct slot now = slot_or_empty(S_SRC + k);
        if (same_slot(&now, &b->src[k]) || !cap_live(&b->src[k]))
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
static void do_syscall(int i)
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
    struct snap b;
    take(&b);
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
        if (c < 0 || !waits || done)
            owed[i] = -1;
    } else if ((n == SYS_RECV || n == SYS_NB_RECV) &&
               (st == THREAD_BLOCKED_RECV || (st == THREAD_RUNNABLE && e == E_OK))) {
        /* A receive that completed or blocked gives up the old reply right. */
        if (c >= 0 && waits && T(c)->state == THREAD_BLOCKED_REPLY && T(c)->partner == tref(i)) {
            ifail("I2: thread %d received again, but its caller %d still waits on it", i, c);
            return;
        }
        if (c >= 0 && waits && !(b.fault[c] ? T(c)->state == THREAD_FAULTED
                                              : T(c)->state == THREAD_RUNNABLE && T(c)->regs.x[REG_MSGINFO] == E_REVOKED)) {
            ifail("I2: thread %d received again; its old caller %d: state %u a0 %llu (want E_REVOKED)", i, c,
                  T(c)->state, (unsigned long long)T(c)->regs.x[REG_MSGINFO]);
            return;
        }
        owed[i] = -1;
    }
    check_i3(&b, i, recv_call);
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

/* Something other than a system call. */
static void control(void)
{
    int i = (int)rn(NT);
    u32 k = rn(100);
    struct snap b;
    take(&b);
    n_ctl++;
    if (k < 25) {
        snprintf(desc, sizeof desc, "suspend thread %d", i);
        CHECK_EQ(tk_inv(S_T + (u32)i, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
        if (tstate(i) != THREAD_INACTIVE)
            ifail("suspended thread %d has state %u", i, tstate(i));
    } else if (k < 55) {
        snprintf(desc, sizeof desc, "start thread %d", i);
        u32 before = tstate(i);
        int e = tk_inv(S_T + (u32)i, THREAD_START, 0, 0, 0, 0, 0, 0);
        if (e != (before == THREAD_INACTIVE || before == THREAD_FAULTED ? E_OK : E_BUSY) ||
            (e == E_OK && tstate(i) != THREAD_RUNNABLE))
            ifail("THREAD_START of a thread in state %u: %d, now %u", before, e, tstate(i));
    } else if (k < 65) {
        snprintf(desc, sizeof desc, "destroy and recreate thread %d", i);
        int c = owed[i];
        bool waits = c >= 0 && tref(c) && T(c)->state == THREAD_BLOCKED_REPLY && T(c)->partner == tref(i);
        CHECK_EQ(tk_destroy(BANK, S_T + (u32)i), E_OK);
        if (waits && (T(c)->state != THREAD_RUNNABLE || T(c)->regs.x[REG_MSGINFO] != E_REVOKED) &&
            !(b.fault[c] && T(c)->state == THREAD_FAULTED))
            ifail("I2/I6: server %d destroyed, its caller %d is in state %u", i, c, T(c)->state);
        make_thread(i);  /* a server that owed thread i a reply keeps a stale right: E_REVOKED */
    } else if (k < 73) {
        u32 e = rn(NEP);
        snprintf(desc, sizeof desc, "destroy and recreate endpoint %u", e);
        oref ep = obj(S_EP + e);
        CHECK_EQ(tk_destroy(BANK, S_EP + e), E_OK);
        n_revoked++;
        for (int j = 0; j < NT && ep; j++) {
            bool was = b.tr[j] && (b.st[j] == THREAD_BLOCKED_SEND || b.st[j] == THREAD_BLOCKED_RECV);
            if (!was || tstate(j) == THREAD_BLOCKED_SEND || tstate(j) == THREAD_BLOCKED_RECV)
                continue;  /* still queued: on another endpoint (checked below) */
            if (b.fault[j] ? tstate(j) != THREAD_FAULTED
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
            if (b.tr[j] && b.st[j] == THREAD_BLOCKED_SEND && b.via[j] == b.wr[w] &&
                (tstate(j) != THREAD_RUNNABLE || T(j)->regs.x[REG_MSGINFO] != E_REVOKED))
                ifail("C8, I6: thread %d, queued through wrapper %u, after its destruction: state %u a0 %llu", j, w,
                      tstate(j), (unsigned long long)T(j)->regs.x[REG_MSGINFO]);
        tk_delete(S_W + w);
        CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, S_W + w, CS, S_EP + w, chance(50) ? 0x77 + w : 0, rn(2) ? R_ALL : R_WRITE),
                 E_OK);
    } else if (k < 90) {
        snprintf(desc, sizeof desc, "clear windows");
        clear_windows();
        return;  /* windows change: not an IPC step */
    } else {
        snprintf(desc, sizeof desc, "refill sources");
        refill();
        return;
    }
    check_i3(&b, -1, false);
}

static void step(void)
{
    int i = -1;
    if (chance(80)) {
        if (chance(70)) {
            i = sched_pick();
        } else {
            int cand[NT], n = 0;
            for (int j = 0; j < NT; j++)
                if (tref(j) && tstate(j) == THREAD_RUNNABLE)
                    cand[n++] = j;
            if (n) {
                i = cand[rn((u32)n)];
                sched_switch_to(tref(i));
            }
        }
    }
    if (failed)
        return;
    struct snap b;
    take(&b);
    if (i < 0) {
        control();
    } else if (chance(6)) {
        u64 va = FAULT_VA + (u64)rn(16) * PAGE_BYTES + rn(PAGE_BYTES);
        snprintf(desc, sizeof desc, "thread %d faults at %#llx", i, (unsigned long long)va);
        n_fault++;
        bool handler = T(i)->fault_ep.obj && cap_live(&T(i)->fault_ep);
        quiet(true);
        kernel_exception(rn(2) ? FAULT_READ : FAULT_WRITE, va);
        quiet(false);
        u32 st = tstate(i);
        if (handler ? st != THREAD_BLOCKED_SEND && st != THREAD_BLOCKED_REPLY : st != THREAD_FAULTED)
            ifail("I5: thread %d after a fault (handler: %d): state %u", i, handler, st);
        check_i3(&b, -1, false);
    } else {
        do_syscall(i);
    }
    if (failed)
        return;
    note_rights(&b);
    kernel_timer();  /* a tick: round robin within a priority (the kernel entry, tick + choice) */
    check_threads();
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
    boot();
    for (step_no = 1; step_no <= steps && !failed; step_no++) {
        if (step_no % 5000 == 0)
            boot();
        step();
    }
    printf("    seed=%llu: %ld steps, %ld system calls, %ld messages received (%ld items), %ld faults, %ld other "
           "(%ld endpoint destroys)\n",
           (unsigned long long)seed, step_no - 1, n_sys, n_deliv, n_items, n_fault, n_ctl, n_revoked);
    CHECK(!failed);
}
