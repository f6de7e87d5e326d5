/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_kernel.c: libFuzzer target over the WHOLE kernel entry.
 *
 * The harness plays the CPU and the root task. It boots a small kernel,
 * builds from the first bytes of the input a little system (two sub-banks,
 * two CSpaces and two AddrSpaces, endpoints, wrappers, frames mapped in the
 * AddrSpaces, six threads sharing them, receive windows and fault
 * endpoints), then runs the rest of the input as a program of steps:
 *
 *   - a thread (the one the scheduler chose, or any that could run) makes a
 *     system call: IPC with 0..3 transfer items (cap and memory items, every
 *     op, rights masks, hostile encodings), kernel invocations, yield,
 *     write, unknown numbers;
 *   - a thread faults (kernel_exception), so its handler gets a fault
 *     message and may answer with memory items (a pager);
 *   - the root destroys objects (one bounded step, or to completion),
 *     recreates them, UNMAPs caps, suspends/starts/reconfigures threads,
 *     maps and unmaps memory, binds notifications to threads and
 *     signals them, registers revocation notifications (CS_WATCH, T4) on
 *     the threads' slots, all under blocked and queued threads;
 *   - threads call the Debug object (a cap at 0 in each CSpace, one
 *     without R_READ): dumps of what the steps above leave behind;

 *     maps and unmaps memory, all under blocked and queued threads;
 *   - a timer tick, or many in a row (budgets run out and refill);
 *   - SchedContexts (T1, T2): four shared ones (some never configured)
 *     and mapped caps to them, besides each thread's own full one
 *     (tk_time) or none (passive); SC_CONFIGURE with hostile budgets and
 *     periods, THREAD_BIND_SC / unbind of any thread (the running one,
 *     blocked, lent, passive), THREAD_SET_TIMEOUT, destruction (one step
 *     or all), UNMAP and delete of SchedContext caps, SC_QUERY;
 *   - the bad-argument cases of T1/T2, each with its answer checked
 *     (scenario()): SC_CONFIGURE with a zero budget or period, a budget
 *     above the period or a period too long changes nothing; a
 *     SchedContext bound to one thread can't be bound to another
 *     (E_BUSY); no time for a thread whose AddrSpace was destroyed
 *     (E_REVOKED); a donation loop (passive servers calling back into each
 *     other on lent time) blocks without burning the client's time.
 *
 * The CPU is played honestly: only a thread the scheduler could pick
 * (runnable, its spaces, time) is made to run.
 *
 * After every step kernel_check() must hold; nothing may crash (ASan,
 * UBSan) and the kernel must not panic (hal_panic aborts on the host).
 * Replay a crash: build/fuzz/fuzz_kernel <file>; TETHER_FUZZ_TRACE=1 prints
 * the steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "tk.h"
#include "sched.h"
#include "thread.h"

static const u32 labels[] = {
#define X(name, val, type, doc, in, out, ...) name,
#include <tether/labels.def>
#undef X
    0, 0x7777,
};
#define NLABELS (sizeof labels / sizeof labels[0])

static const u8 *in;
static size_t left;
static int trace;

static u64 take(unsigned bytes)
{
    u64 v = 0;
    for (unsigned i = 0; i < bytes && left; i++, left--)
        v = v << 8 | *in++;
    return v;
}
static u32 pick(u32 n) { return (u32)(take(1) % n); }

static void check(const char *what)
{
    const char *why = kernel_check();
    if (!why)
        why = kernel_check_running();
    if (why) {
        fprintf(stderr, "kernel_check: %s (after %s)\n", why, what);
        abort();
    }
}

/* ---- the system ----------------------------------------------------------
 * Slots of the root CSpace. */
enum {
    B1 = 10, B2 = 11,           /* sub-banks: B2 below B1 or the root    */
    CS0 = 20, CS1 = 21,         /* the threads' CSpaces                   */
    AS0 = 22, AS1 = 23,         /* the threads' AddrSpaces                */
    EP0 = 24, EP1 = 25, FEP = 26,
    W0 = 27, W1 = 28,           /* wrapper over EP0, wrapper over AS0     */
    NT = 29, NTB = 17,          /* a notification; the root's badged cap  */
    F0 = 30, NFRAMES = 4,       /* frames 30..33                          */
    T0 = 40, NTHREADS = 6,      /* threads 40..45                         */
    SC0 = 50, NSCS = 4,         /* SchedContexts 50..53 (T1)              */
    MSC0 = 60,                  /* mapped (derived) caps to them: 60..63  */
};

struct def {
    u32 slot;
    u8 type;
    u32 bank;
};
static struct def defs[] = {
    {B1, OBJ_BANK, BANK},        {B2, OBJ_BANK, B1},
    {CS0, OBJ_CSPACE, B1},       {CS1, OBJ_CSPACE, B2},
    {AS0, OBJ_ASPACE, B1},       {AS1, OBJ_ASPACE, B2},
    {EP0, OBJ_ENDPOINT, B1},     {EP1, OBJ_ENDPOINT, B2},
    {FEP, OBJ_ENDPOINT, BANK},   {NT, OBJ_NOTIFICATION, B1},
    {W0, OBJ_WRAPPER, B2},       {W1, OBJ_WRAPPER, B1},
    {F0, OBJ_FRAME, B1},         {F0 + 1, OBJ_FRAME, B2},
    {F0 + 2, OBJ_FRAME, B2},     {F0 + 3, OBJ_FRAME, BANK},
    {T0, OBJ_THREAD, B1},        {T0 + 1, OBJ_THREAD, B1},
    {T0 + 2, OBJ_THREAD, B2},    {T0 + 3, OBJ_THREAD, B2},
    {T0 + 4, OBJ_THREAD, BANK},  {T0 + 5, OBJ_THREAD, B1},
    {SC0, OBJ_SCHEDCTX, B1},     {SC0 + 1, OBJ_SCHEDCTX, B2},
    {SC0 + 2, OBJ_SCHEDCTX, BANK}, {SC0 + 3, OBJ_SCHEDCTX, B2},
};
#define NDEFS (sizeof defs / sizeof defs[0])

/* Virtual addresses the program names (mapped ones, windows, many 2 MiB
 * regions, the top of the user range). */
static const u64 vas[] = {
    0x10000, 0x11000, 0x1fd000, 0x400000, 0x401000, 0x600000,
    0x800000, 0xa00000, 0x40000000, USER_VA_LIMIT - 0x1000, 0x1fc000, 0x12000, 0x1000, 0,
};
#define NVAS (sizeof vas / sizeof vas[0])

static u64 bank_limit[2];

static bool live(u32 slot) { return tk_status(slot) == SLOT_LIVE; }

/* The caps a thread finds in its CSpace, at small cap addresses. */
static void fill_cs(u32 cs, u32 other_cs, u32 as, u8 ops)
{
    struct { u32 dst, src; u8 rights; } c[] = {
        {1, EP0, R_ALL}, {2, EP1, R_ALL}, {3, W0, R_ALL}, {4, FEP, R_ALL},
        {6, EP0, R_READ | R_WRITE}, {7, F0, R_ALL}, {8, F0 + 1, R_READ},
        {9, B2, R_ALL}, {10, cs, R_ALL}, {11, as, R_ALL}, {12, T0, R_ALL},
        {13, W1, R_ALL}, {14, EP1, R_ALL}, {15, other_cs, R_READ | R_WRITE},
        {20, SC0, R_ALL}, {21, SC0 + 1, R_ALL}, {22, SC0 + 2, R_READ}, {23, T0 + 3, R_ALL},
    };
    for (u32 i = 0; i < sizeof c / sizeof c[0]; i++)
        tk_inv(cs, (ops >> (i % 8)) & 1 ? CS_MAP : CS_COPY, c[i].dst, CS, c[i].src, c[i].rights, 0, 0);
    tk_inv(cs, CS_MINT, 5, CS, EP0, R_ALL, 0xb0 + (ops & 0xf), ops & 1 ? MINT_MAP : MINT_COPY);
    /* The notification: badged (signal, wait, poll), unbadged, read-only. */
    tk_inv(cs, CS_MINT, 20, CS, NT, R_ALL, 1ull << (ops & 7), ops & 2 ? MINT_MAP : MINT_COPY);
    tk_inv(cs, CS_COPY, 21, CS, NT, R_ALL, 0, 0);
    tk_inv(cs, CS_COPY, 22, CS, NT, R_READ, 0, 0);
    /* The Debug object at 0: all rights in CS0, none to read in CS1. */
    tk_inv(cs, CS_COPY, 0, CS, ROOT_CAP_DEBUG, cs == CS0 ? R_ALL : R_WRITE, 0, 0);
}

static void map_frames(u32 slot)
{
    if (slot == AS0 || slot == 0) {
        tk_inv(AS0, AS_MAP_FRAME, F0, 0x10000, R_READ | R_WRITE, ITEM_MAP, 0, 0);
        tk_inv(AS0, AS_MAP_FRAME, F0 + 1, 0x11000, R_READ | R_WRITE | R_EXEC, ITEM_MAP, 0, 0);
        tk_inv(AS0, AS_MAP_FRAME, F0 + 3, 0x800000, R_READ, ITEM_COPY, 0, 0);
        tk_inv(AS0, AS_MAP_FRAME, F0 + 3, 0x1fc000, R_READ | R_WRITE, ITEM_MAP, 0, 0);
    }
    if (slot == AS1 || slot == 0) {
        tk_inv(AS1, AS_MAP_FRAME, F0 + 2, 0x10000, R_READ | R_WRITE, ITEM_MAP, 0, 0);
        tk_inv(AS1, AS_MAP_FRAME, F0 + 3, 0xa00000, R_READ | R_WRITE, ITEM_MAP, 0, 0);
        /* Shared: AS0's first page also in AS1 (a child). */
        tk_inv(AS1, AS_MAP, AS0, 0x10000, 0x12000, 0, R_READ, ITEM_MAP);
    }
}

/* Per-thread configuration bytes, taken once from the input. */
static u8 tcfg[NTHREADS][4];
/* Per-SchedContext configuration: budget, period (small: they run out). */
static u8 sccfg[NSCS];

/* Budgets and periods for SC_CONFIGURE: small ones, and hostile ones. */
static u64 ticks(u8 b)
{
    static const u64 v[] = {0, 1, 2, 3, 5, 8, 1000, SC_MAX_PERIOD, SC_MAX_PERIOD + 1, ~0ull, 1ull << 63};
    return b & 0x80 ? v[(b & 0x7f) % (sizeof v / sizeof v[0])] : b & 0x7f;
}

/* A SchedContext cap of the root: one of the shared ones, one mapped from
 * them, a thread's own (tk_time), or none / something else. */
static u32 sc_cap(u8 b)
{
    switch (b % 8) {
    case 0: case 1: case 2: return SC0 + (b >> 3) % NSCS;
    case 3: return MSC0 + (b >> 3) % NSCS;
    case 4: case 5: return TK_SC(T0 + (b >> 3) % NTHREADS);
    case 6: return CAP_NONE;
    default: return b & 8 ? EP0 : 999;
    }
}

static void setup_thread(u32 i)
{
    u32 t = T0 + i;
    u8 *c = tcfg[i];
    u32 cs = CS0 + (c[0] & 1), as = AS0 + ((c[0] >> 1) & 1);
    static const u32 feps[] = {FEP, FEP, EP0, W0, CAP_NONE, EP1};
    tk_inv(t, THREAD_CONFIGURE, cs, as, 0x1000 * (i + 1), 0, 8 + c[1] % 5, 0);
    if (!(c[1] & 0x80) && !(c[1] & 0x40))
        tk_time(BANK, t);  /* full time of its own */
    else if (!(c[1] & 0x80))
        tk_inv(t, THREAD_BIND_SC, SC0 + (c[2] >> 4) % NSCS, 0, 0, 0, 0, 0);  /* shared, runs out */
    /* else passive: it runs only on lent time (T2) */
    if (c[2] & 0x40)
        tk_inv(t, THREAD_SET_TIMEOUT, c[2] & 0x80 ? FEP : W0, 0, 0, 0, 0, 0);
    u64 mlog = c[3] % 6 == 5 ? MWIN_OFF : c[3] % 6;
    tk_inv(t, THREAD_SET_IPC, feps[(c[0] >> 2) % 6], 16 + (c[2] & 3), (c[2] >> 2) & 3,
           vas[(c[3] >> 3) % 6], mlog, 0);
    if (!(c[0] & 0x80))
        tk_inv(t, THREAD_START, 0, 0, 0, 0, 0, 0);
}

/* (Re)create the object of defs[k] if its slot holds no live cap. */
static void create(u32 k)
{
    struct def *d = &defs[k];
    if (live(d->slot))
        return;
    if (tk_status(d->slot) == SLOT_VOID)
        tk_delete(d->slot);
    if (d->type == OBJ_WRAPPER)
        tk_inv(d->bank, BANK_WRAP, CS, d->slot, CS, d->slot == W0 ? EP0 : AS0, d->slot == W0 ? 0x77 : 0, R_ALL);
    else
        tk_create(d->bank, d->type, d->slot, d->type == OBJ_BANK ? bank_limit[d->slot - B1] : 0);
    switch (d->type) {
    case OBJ_CSPACE:
        fill_cs(d->slot, d->slot == CS0 ? CS1 : CS0, d->slot == CS0 ? AS0 : AS1, (u8)k);
        break;
    case OBJ_ASPACE: map_frames(d->slot); break;
    case OBJ_THREAD: setup_thread(d->slot - T0); break;
    case OBJ_SCHEDCTX: {
        u8 c = sccfg[d->slot - SC0];
        if (!(c & 0x80))  /* else never configured: no time at all */
            tk_inv(d->slot, SC_CONFIGURE, 1 + (c & 3), 1 + (c & 3) + (c >> 2) % 8, 0, 0, 0, 0);
        if (tk_status(MSC0 + d->slot - SC0) != SLOT_EMPTY)
            tk_delete(MSC0 + d->slot - SC0);
        tk_map(MSC0 + d->slot - SC0, d->slot, R_ALL);
        break;
    }
    default: break;
    }
}

static void build(void)
{
    bank_limit[0] = 64 * 1024 + take(1) * 4096;  /* up to ~1.1 MiB */
    bank_limit[1] = 48 * 1024 + take(1) * 2048;
    u8 shape = (u8)take(1);
    defs[1].bank = shape & 1 ? BANK : B1;
    for (u32 i = 0; i < NTHREADS; i++)
        for (u32 j = 0; j < 4; j++)
            tcfg[i][j] = (u8)take(1);
    for (u32 i = 0; i < NSCS; i++)
        sccfg[i] = (u8)take(1);
    /* Banks, spaces, the rest, then threads (which need all of them). */
    for (u32 k = 0; k < NDEFS; k++)
        if (defs[k].type == OBJ_BANK || defs[k].type == OBJ_CSPACE || defs[k].type == OBJ_ASPACE)
            create(k);
    for (u32 k = 0; k < NDEFS; k++)
        if (defs[k].type != OBJ_BANK && defs[k].type != OBJ_CSPACE && defs[k].type != OBJ_ASPACE &&
            defs[k].type != OBJ_THREAD)
            create(k);
    map_frames(0);
    fill_cs(CS0, CS1, AS0, shape);  /* again: caps to objects made after it */
    fill_cs(CS1, CS0, AS1, (u8)~shape);
    for (u32 k = 0; k < NDEFS; k++)
        if (defs[k].type == OBJ_THREAD)
            create(k);
}

/* ---- playing the CPU ---------------------------------------------------- */

/* Could the scheduler run thread t now (what sched.c's pick() checks):
 * runnable, with its spaces, and with time (T1: a thread waiting for time
 * is on no run queue, and the scheduler never picks it)? */
static bool can_run(oref t)
{
    if (!t || obj_get(t)->type != OBJ_THREAD || obj_get(t)->state != OS_LIVE)
        return false;
    struct thread *th = thread_body(t);
    return th->state == THREAD_RUNNABLE && !th->waiting_time && cap_live(&th->aspace) &&
           cap_live(&th->cspace) && sched_has_time(th);
}

static oref thread_obj(u32 i)
{
    struct slot *s = tk_slot(T0 + i);
    return s && cap_live(s) && obj_get(s->obj)->type == OBJ_THREAD ? s->obj : 0;
}

/* Make a thread run: the scheduler's choice, or one the input names. */
static oref choose(void)
{
    u8 sel = (u8)take(1);
    if ((sel & 0x80) && can_run(sched_cur) && !thread_body(sched_cur)->queued)
        return sched_cur;
    for (u32 k = 0; k < NTHREADS; k++) {
        oref t = thread_obj((sel + k) % NTHREADS);
        if (can_run(t)) {
            sched_switch_to(t);
            return t;
        }
    }
    if (can_run(sched_cur) && !thread_body(sched_cur)->queued)
        return sched_cur;
    return 0;
}

/* A cap address in a thread's CSpace: mostly the ones fill_cs set. */
static u32 cptr(void)
{
    u8 b = (u8)take(1);
    switch (b >> 6) {
    case 0: case 1: return b % 24;
    case 2: return 16 + b % 4;                              /* windows */
    default: return b & 0x20 ? CAP_ADDR_LIMIT - 1 + (b & 3) : (u32)take(4);
    }
}

static u64 item(void)
{
    u8 k = (u8)take(1);
    u8 rights = k & 0x80 ? (u8)take(1) : R_ALL;
    u8 op = k & 3;
    if (op == 3 && (k & 4))
        op = (u8)take(1);                                   /* hostile op */
    if (k & 0x40) {                                         /* memory item */
        u64 va = vas[pick(NVAS)] + (u64)((k >> 3) & 3) * 0x1000;
        u64 log2 = k & 0x20 ? take(1) : (k >> 3) & 3;
        return (va >> 12 & 0xffffffffull) | (u64)((op & 3) | ITEM_MEM | (op & ~7u)) << 32 |
               (u64)rights << 40 | (log2 & 0xff) << 48;
    }
    return ITEM(cptr(), op, rights);
}

/* A word for kernel invocations (fuzz_invoke's bias) or data. */
static u64 word(void)
{
    u64 sel = take(1);
    switch (sel & 7) {
    case 0: return take(8);
    case 1: return CAP_ADDR_LIMIT - 1 + (sel >> 3);
    case 2: return vas[(sel >> 3) % NVAS];
    default: return take(1) % 40;
    }
}

static const u64 sysnos[] = {
    SYS_INVOKE, SYS_INVOKE, SYS_SEND, SYS_NB_SEND, SYS_RECV, SYS_RECV, SYS_NB_RECV,
    SYS_REPLY, SYS_REPLY_RECV, SYS_REPLY_RECV, SYS_YIELD, SYS_WRITE, 12, 0x7fffffff,
};

static void step_syscall(void)
{
    oref t = choose();
    u8 k = (u8)take(1);
    u64 n = sysnos[k % (sizeof sysnos / sizeof sysnos[0])];
    u8 b = (u8)take(1);
    u32 nitems = b & 3;
    u64 label = b & 4 ? labels[pick(NLABELS)] : (b & 8 ? FAULT_REPLY_SETPC : (b >> 4));
    if (b & 0x80 && (b & 0x40))
        label = take(3);
    u64 info = MSG_INFO(label, nitems);
    if ((b & 0xc0) == 0xc0)
        info |= take(1) << 22;                              /* junk bits */
    u64 w[MSG_WORDS];
    for (u32 i = 0; i < MSG_WORDS; i++)
        w[i] = word();
    for (u32 i = 0; i < nitems; i++)
        w[MSG_WORDS - nitems + i] = item();
    u64 a0 = cptr() | info << 32;
    if (n == SYS_WRITE) {
        a0 = vas[pick(NVAS)] + take(1);
        w[0] = take(1) * 17;
    }
    if (!t)
        return;
    u64 *x = thread_body(t)->regs.x;
    x[REG_SYSNO] = n;
    x[REG_MSGINFO] = a0;
    for (u32 i = 0; i < MSG_WORDS; i++)
        x[REG_MSG(i)] = w[i];
    if (trace)
        fprintf(stderr, "  sys %u: n=%llu a0=%#llx w=%#llx %#llx %#llx %#llx %#llx %#llx\n", t,
                (unsigned long long)n, (unsigned long long)a0, (unsigned long long)w[0],
                (unsigned long long)w[1], (unsigned long long)w[2], (unsigned long long)w[3],
                (unsigned long long)w[4], (unsigned long long)w[5]);
    kernel_syscall();
    if (trace)
        fprintf(stderr, "    -> a0 %#llx state %u\n", (unsigned long long)x[REG_MSGINFO], thread_body(t)->state);
}

static void step_fault(void)
{
    oref t = choose();
    u8 k = (u8)take(1);
    u32 kind = 1 + k % 8;
    u64 addr = k & 0x80 ? take(8) : vas[(k >> 3) % NVAS] + take(1);
    if (!t)
        return;
    if (trace)
        fprintf(stderr, "  fault %u: kind %u addr %#llx\n", t, kind, (unsigned long long)addr);
    kernel_exception(kind, addr);
}

/* Destroy the object in a root slot: one bounded step, a few, or all. */
static void destroy(u32 slot, u8 how)
{
    u32 steps = how & 1 ? 1u : how & 2 ? 3u : 1000000u;
    int e;
    u32 n = 0;
    do {
        e = tk_inv(BANK, BANK_DESTROY, CS, slot, 0, 0, 0, 0);
        n++;
    } while (e == E_CONTINUE && n < steps);
    if (e == E_CONTINUE && steps > 1000) {
        fprintf(stderr, "BANK_DESTROY of slot %u does not finish\n", slot);
        abort();
    }
}

/* Thread t, if the scheduler could run it, makes system call n (the
 * harness as the CPU). */
static bool run_sys(oref t, u64 n, u64 a0)
{
    if (!can_run(t))
        return false;
    sched_switch_to(t);
    u64 *x = thread_body(t)->regs.x;
    x[REG_SYSNO] = n;
    x[REG_MSGINFO] = a0;
    for (u32 i = 0; i < MSG_WORDS; i++)
        x[REG_MSG(i)] = 0;
    kernel_syscall();
    return true;
}

/* TETHER_FUZZ_STATS=1: how often each scenario got to its check. */
static long n_scen[4];
static void print_stats(void)
{
    fprintf(stderr, "scenarios checked: bad SC_CONFIGURE %ld, bound elsewhere %ld, no AddrSpace %ld, donation loop "
            "%ld\n", n_scen[0], n_scen[1], n_scen[2], n_scen[3]);
}

static void fail(const char *what)
{
    fprintf(stderr, "scenario: %s\n", what);
    abort();
}

static u32 thread_index(oref t)
{
    for (u32 i = 0; i < NTHREADS; i++)
        if (t && thread_obj(i) == t)
            return i;
    return NTHREADS;
}

/* The bad-argument cases, their answers checked. */
static void scenario(u8 a, u8 b)
{
    switch ((b >> 1) & 3) {
    case 0: {  /* SC_CONFIGURE: a bad budget or period changes nothing */
        static const u64 bad[][2] = {{0, 5}, {6, 5}, {0, 0}, {1, SC_MAX_PERIOD + 1}, {~0ull, 3}, {2, 1}};
        u32 sc = sc_cap(a);
        u64 q0[4], q1[4];
        int e0 = tk_inv(sc, SC_QUERY, 0, 0, 0, 0, 0, 0);
        memcpy(q0, tk_r, sizeof q0);
        const u64 *v = bad[(a >> 3) % 6];
        if (tk_inv(sc, SC_CONFIGURE, v[0], v[1], 0, 0, 0, 0) == E_OK)
            fail("SC_CONFIGURE accepted a bad budget or period");
        int e1 = tk_inv(sc, SC_QUERY, 0, 0, 0, 0, 0, 0);
        memcpy(q1, tk_r, sizeof q1);
        if (e0 != e1 || (e0 == E_OK && memcmp(q0, q1, sizeof q0)))
            fail("a refused SC_CONFIGURE changed the SchedContext");
        n_scen[0] += e0 == E_OK;
        break;
    }
    case 1: {  /* a SchedContext bound to one thread: E_BUSY for any other */
        u32 cands[NSCS * 2 + NTHREADS], n = 0;
        for (u32 k = 0; k < NSCS; k++)
            cands[n++] = SC0 + k, cands[n++] = MSC0 + k;
        for (u32 k = 0; k < NTHREADS; k++)
            cands[n++] = TK_SC(T0 + k);
        for (u32 j = 0; j < n; j++) {
            u32 s = cands[(a + j) % n];
            struct slot *cs = tk_slot(s);
            if (!cs || !cs->obj || !cap_live(cs) || obj_get(cs->obj)->type != OBJ_SCHEDCTX)
                continue;
            u32 owner = NTHREADS;
            for (u32 i = 0; i < NTHREADS; i++)
                if (thread_obj(i) && cap_live(&thread_body(thread_obj(i))->sc) &&
                    thread_body(thread_obj(i))->sc.obj == cs->obj)
                    owner = i;
            if (owner == NTHREADS)
                continue;
            u32 y = (owner + 1 + (b / 4) % (NTHREADS - 1)) % NTHREADS;
            if (!thread_obj(y))
                break;
            struct slot before = thread_body(thread_obj(y))->sc;
            if (tk_inv(T0 + y, THREAD_BIND_SC, s, 0, 0, 0, 0, 0) != E_BUSY)
                fail("a SchedContext bound to another thread was bound again");
            struct slot *after = &thread_body(thread_obj(y))->sc;
            if (after->obj != before.obj || after->epoch != before.epoch)
                fail("a refused THREAD_BIND_SC changed the thread's time");
            n_scen[1]++;
            break;
        }
        break;
    }
    case 2: {  /* no time for a thread whose AddrSpace was destroyed */
        u32 ti = a % NTHREADS;
        oref t = thread_obj(ti);
        if (!t)
            break;
        struct thread *th = thread_body(t);
        oref as = th->aspace.obj;
        u32 slot = as && tk_slot(AS0)->obj == as ? AS0 : as && tk_slot(AS1)->obj == as ? AS1 : 0;
        if (slot && (b & 0x20))
            destroy(slot, 0);  /* all of it */
        if (!th->aspace.obj || cap_live(&th->aspace))
            break;
        struct slot before = th->sc;
        /* A SchedContext nobody else has bound (else E_BUSY comes first). */
        u32 sc = sc_cap(b >> 3);
        for (u32 k = 0; k < 2 * NSCS; k++) {
            u32 s = k < NSCS ? SC0 + (k + a) % NSCS : MSC0 + (k + a) % NSCS;
            struct slot *cs = tk_slot(s);
            if (!cs || !cs->obj || !cap_live(cs) || obj_get(cs->obj)->type != OBJ_SCHEDCTX)
                continue;
            bool bound = false;
            for (u32 i = 0; i < NTHREADS; i++)
                bound |= thread_obj(i) && i != ti && cap_live(&thread_body(thread_obj(i))->sc) &&
                         thread_body(thread_obj(i))->sc.obj == cs->obj;
            if (!bound) {
                sc = s;
                break;
            }
        }
        if (sc == CAP_NONE)
            sc = SC0;  /* unbinding is always allowed */
        int e = tk_inv(T0 + ti, THREAD_BIND_SC, sc, 0, 0, 0, 0, 0);
        if (e == E_OK)
            fail("THREAD_BIND_SC gave time to a thread whose AddrSpace is gone");
        if (th->sc.obj != before.obj || th->sc.epoch != before.epoch)
            fail("a refused THREAD_BIND_SC changed the thread's time");
        if (tk_inv(T0 + ti, THREAD_START, 0, 0, 0, 0, 0, 0) == E_OK)
            fail("THREAD_START of a thread whose AddrSpace is gone");
        n_scen[2] += e == E_REVOKED;
        break;
    }
    default: {  /* a donation loop: passive servers calling back into each other */
        u32 ia = a % NTHREADS, ib = (ia + 1 + (a >> 4) % (NTHREADS - 1)) % NTHREADS;
        u32 ic = (ib + 1 + (b >> 4) % (NTHREADS - 1)) % NTHREADS;
        oref ta = thread_obj(ia), tb = thread_obj(ib), tc = thread_obj(ic);
        if (!ta || !tb || !tc || ic == ia)
            break;
        tk_time(BANK, T0 + ia);
        tk_time(BANK, T0 + ib);
        /* Each waits in recv (cap 1: EP0, cap 2: EP1, fill_cs), then loses
         * its own time: passive servers. */
        if (!run_sys(ta, SYS_RECV, 1) || !run_sys(tb, SYS_RECV, 2))
            break;
        tk_inv(T0 + ia, THREAD_BIND_SC, CAP_NONE, 0, 0, 0, 0, 0);
        tk_inv(T0 + ib, THREAD_BIND_SC, CAP_NONE, 0, 0, 0, 0, 0);
        struct thread *A = thread_body(ta), *B = thread_body(tb), *C = thread_body(tc);
        oref csc = thread_sc(C);
        if (!csc || !run_sys(tc, SYS_INVOKE, 1))  /* C calls A, on its own time */
            break;
        if (sched_cur != ta || thread_sc(A) != csc || !run_sys(ta, SYS_INVOKE, 2))  /* A calls B */
            break;
        if (sched_cur != tb || thread_sc(B) != csc || !run_sys(tb, SYS_INVOKE, 1))  /* B calls A: nobody receives */
            break;
        if (C->state != THREAD_BLOCKED_REPLY || A->state != THREAD_BLOCKED_REPLY || B->state != THREAD_BLOCKED_SEND)
            break;  /* somebody else was in the way */
        bool shared = false;  /* does another thread run on the client's time (lent earlier)? */
        for (u32 i = 0; i < NTHREADS; i++)
            shared |= i != ia && i != ib && i != ic && thread_obj(i) && thread_sc(thread_body(thread_obj(i))) == csc;
        u64 used = schedctx_body(csc)->consumed;
        for (u32 i = 0; i < 4; i++)
            kernel_timer();
        if (thread_index(sched_cur) == ia || thread_index(sched_cur) == ib || thread_index(sched_cur) == ic)
            fail("a thread of a blocked donation loop runs");
        if (!shared && schedctx_body(csc)->consumed != used)
            fail("a blocked donation loop burnt the client's time");
        n_scen[3]++;
        break;
    }
    }
}

static void step_root(void)
{
    u8 op = (u8)take(1);
    u8 a = (u8)take(1), b = (u8)take(1);
    u32 k = a % NDEFS, slot = defs[k].slot;
    u32 ti = a % NTHREADS;
    if (trace)
        fprintf(stderr, "  root op %u a %u b %u\n", op % 22, a, b);
    switch (op % 22) {
    case 0: case 1: destroy(slot, b); break;
    case 2: destroy(b & 0x10 ? B2 : B1, b); break;
    case 3: create(k); break;
    case 4: tk_unmap(slot, b & 1); break;
    case 5:
        tk_inv(T0 + ti, b & 1 ? THREAD_START : THREAD_SUSPEND, 0, 0, 0, 0, 0, 0);
        break;
    case 6:  /* reconfigure: another CSpace / AddrSpace / window / handler */
        tcfg[ti][b % 4] = (u8)take(1);
        tk_inv(T0 + ti, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0);
        setup_thread(ti);
        break;
    case 7:
        tk_inv_all(b & 1 ? AS1 : AS0, AS_UNMAP, vas[a % NVAS], (b >> 1) % 9, (b >> 5) & 1, 0, 0, 0, NULL);
        break;
    case 8:
        if (b & 1)
            tk_inv(b & 2 ? AS1 : AS0, AS_MAP_FRAME, F0 + a % NFRAMES, vas[(b >> 2) % NVAS],
                   take(1) & 7, (b >> 5) % 3, 0, 0);
        else
            tk_inv(b & 2 ? AS1 : AS0, AS_MAP, b & 4 ? AS0 : AS1, vas[a % NVAS], vas[(b >> 3) % NVAS],
                   take(1) % 5, R_ALL, (b >> 6) % 3);
        break;
    case 9:
        fill_cs(b & 1 ? CS1 : CS0, b & 1 ? CS0 : CS1, b & 2 ? AS1 : AS0, a);
        break;
    case 10: {  /* anything, like fuzz_invoke */
        u64 w[6];
        for (int i = 0; i < 6; i++)
            w[i] = word();
        tk_inv(a % 48, labels[b % NLABELS], w[0], w[1], w[2], w[3], w[4], w[5]);
        break;
    }
    case 11: tk_delete(b % 2 ? slot : 16 + b % 32); break;
    case 12: case 13: {  /* SchedContexts (T1): budget, period, hostile too */
        u64 budget = ticks((u8)take(1)), period = ticks((u8)take(1));
        tk_inv(sc_cap(a), SC_CONFIGURE, budget, b & 1 ? period : budget + period, 0, 0, 0, 0);
        break;
    }
    case 14: case 15:  /* bind or unbind, whatever the thread is doing */
        if (op & 0x80)  /* the running one (it may run on lent time) */
            for (u32 i = 0; i < NTHREADS; i++)
                if (sched_cur && thread_obj(i) == sched_cur)
                    ti = i;
        tk_inv(T0 + ti, THREAD_BIND_SC, sc_cap(b), 0, 0, 0, 0, 0);
        break;
    case 16: {
        static const u32 teps[] = {FEP, EP0, W0, EP1, CAP_NONE, B1, SC0, 999};
        tk_inv(T0 + ti, THREAD_SET_TIMEOUT, teps[b % 8], 0, 0, 0, 0, 0);
        break;
    }
    case 17:  /* an SC destroyed, unmapped, deleted under its threads */
        if (b & 0x40)
            destroy(sc_cap(a), b);
        else if (b & 0x20)
            tk_unmap(sc_cap(a), b & 1);
        else if (b & 0x10)
            tk_delete(sc_cap(a));
        else
            tk_map(MSC0 + a % NSCS, SC0 + a % NSCS, R_ALL);
        break;
    case 18: {  /* time passes: budgets run out and refill, timeouts */
        u32 n = 1 + b % 16 + (a & 1 ? 0 : (u32)(a >> 1));
        for (u32 i = 0; i < n; i++) {
            kernel_timer();
            if (i % 8 == 7 || (b & 0x80))
                check("tick in a row");
        }
        break;
    }
    case 20:  /* bind a notification to a thread, or unbind */
        tk_inv(T0 + ti, THREAD_BIND_NTFN, b & 1 ? CAP_NONE : b & 2 ? NTB : NT, 0, 0, 0, 0, 0);
        break;
    case 21:  /* signal: wakes a waiter, or a bound thread in recv */
        if (tk_status(NTB) != SLOT_LIVE)
            tk_mint(NTB, NT, R_ALL, 1ull << (b % 64), MINT_COPY);
        tk_inv(NTB, NTFN_SIGNAL, 0, 0, 0, 0, 0, 0);
        break;
    case 19:  /* T4: watch slots of a thread's CSpace (or the root's), or stop;
               * odd b: SC_QUERY, or the T1/T2 bad-argument scenarios */
        if (b & 1) {
            if ((b & 0xc0) == 0xc0)
                scenario(a, b);
            else
                tk_inv(sc_cap(a), SC_QUERY, 0, 0, 0, 0, 0, 0);
            break;
        }
        if (tk_status(NTB) != SLOT_LIVE)
            tk_mint(NTB, NT, R_ALL, 1ull << (b % 64), MINT_COPY);
        tk_inv((u32[]){CS0, CS1, CS}[(b >> 1) % 3], CS_WATCH, a % 48, 1 + (b >> 3) % WATCH_MAX,
               b & 0x80 ? CAP_NONE : NTB, 0, 0, 0);
        break;
    default:
        tk_inv(sc_cap(a), SC_QUERY, 0, 0, 0, 0, 0, 0);
        break;
    }
    /* The root's call ends like every kernel entry: the kernel chooses
     * whom to run next (and stops threads that lost their spaces). */
    if (sched_cur)
        sched_next();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    static int init;
    if (!init) {
        init = 1;
        trace = getenv("TETHER_FUZZ_TRACE") != NULL;
        if (getenv("TETHER_FUZZ_STATS"))
            atexit(print_stats);
    }
    in = data, left = size;
    tk_boot(2u << 20);
    sched_reset();
    build();
    check("build");
    if (trace) {
        for (u32 k = 0; k < NDEFS; k++)
            fprintf(stderr, "slot %u: status %u\n", defs[k].slot, tk_status(defs[k].slot));
        for (u32 i = 0; i < NTHREADS; i++)
            if (thread_obj(i))
                fprintf(stderr, "thread %u: obj %u state %u\n", T0 + i, thread_obj(i), thread_body(thread_obj(i))->state);
    }
    for (u32 steps = 0; left && steps < 400; steps++) {
        u8 s = (u8)take(1);
        const char *what;
        switch (s % 8) {
        case 0: case 1: case 2: case 3: step_syscall(); what = "syscall"; break;
        case 4: step_fault(); what = "fault"; break;
        case 5: kernel_timer(); what = "timer"; break;
        default: step_root(); what = "root op"; break;
        }
        if (trace)
            fprintf(stderr, "step %u: %s\n", steps, what);
        check(what);
    }
    return 0;
}
