/* SPDX-License-Identifier: BSD-2-Clause */
/* bench.c: the root task of the benchmark image (make bench-qemu).
 *
 * Under QEMU -icount shift=0, rdcycle counts instructions (in every mode,
 * the kernel's included), so one system call is measured exactly: rdcycle,
 * the call (the inline ecall stub of tether.h: argument setup, trap entry,
 * kernel, trap exit), rdcycle. Each figure is the average over ITERS calls
 * minus the average of the same measurement around nothing. A sample that
 * took a timer tick (more than twice the smallest) is left out and
 * counted. Prints "bench: <name> <N> instr" lines that
 * tools/qemu-bench.sh collects. */
#include "tether.h"
#include "ulib.h"
#include "task.h"

#define ITERS 256
#define CS ROOT_CAP_CSPACE
#define SRC 20u   /* an endpoint: the source of every operation */
#define DST 21u
#define WNTF  22u  /* unmap_1child_notify: a notification, its badged cap */
#define WNTFB 23u

struct acc { uint64_t sum, min, n, dropped; uint64_t s[ITERS]; };

static void acc_add(struct acc *a, uint64_t v)
{
    if (a->n < ITERS)
        a->s[a->n++] = v;
}

/* Average of the samples that took no timer tick. */
static uint64_t acc_avg(struct acc *a)
{
    uint64_t min = ~0UL, sum = 0, n = 0;
    for (uint64_t i = 0; i < a->n; i++)
        if (a->s[i] < min)
            min = a->s[i];
    for (uint64_t i = 0; i < a->n; i++)
        if (a->s[i] <= 2 * min + 16)
            sum += a->s[i], n++;
    a->dropped = a->n - n;
    return n ? (sum + n / 2) / n : 0;
}

static struct acc base, acc_null, acc_yield, acc_copy, acc_map, acc_del, acc_unmap, acc_unmap_w;

/* The lightest kernel entry: a system call number the kernel does not know
 * (answers E_SYSCALL, changes nothing). */
static inline long null_syscall(void)
{
    register uint64_t a0 __asm__("a0");
    register uint64_t a7 __asm__("a7") = 63;
    __asm__ volatile("ecall" : "=r"(a0) : "r"(a7) : "memory");
    return (long)a0;
}

#define TIMED(acc, call)                           \
    do {                                           \
        uint64_t t0_ = rdcycle();                  \
        call;                                      \
        uint64_t t1_ = rdcycle();                  \
        acc_add(&(acc), t1_ - t0_);                \
    } while (0)

static int errors;
static void expect(long e, const char *what)
{
    if (e != E_OK && errors++ < 5)
        printf("bench image: %s failed: %s\n", what, tether_error_name(e));
}

static void report(const char *name, struct acc *a, uint64_t b)
{
    uint64_t v = acc_avg(a);
    printf("bench: qemu.%s %lu instr\n", name, v > b ? v - b : 0);
    if (a->dropped)
        printf("  (%s: %lu of %lu samples had a timer tick, left out)\n", name, a->dropped, a->n);
}


/* ---- IPC -----------------------------------------------------------------
 * Two threads of this task at the same priority (the fast paths need the
 * partner at no lower priority): the root is the client, a server thread
 * answers with reply_recv. Timestamps are taken in asm right next to the
 * ecall, by both threads, in memory both see:
 *
 *   client:  rdcycle c0; ecall (call); rdcycle c1
 *   server:  ecall (recv / reply_recv); rdcycle s_in; sd; ...;
 *            rdcycle s_out; sd; ecall (reply_recv)
 *
 *   call half  (qemu.call*)        = s_in  - c0 - b0: from the client's ecall until
 *                                    the server is back in user space with the message
 *   reply half (qemu.replyrecv0)   = c1 - s_out - b1: from the server's reply_recv
 *                                    ecall until the client is back with the reply
 *   round trip (qemu.call_rt0)     = c1 - c0 - b0 (includes the server's ~10
 *                                    user instructions between its two stamps)
 *
 * b0 = "rdcycle; rdcycle", b1 = "rdcycle; sd; rdcycle" (the sd between the
 * server's stamp and its ecall), measured the same way and subtracted. */
#define IPC_EP   30u
#define IPC_WRAP 31u
#define IPC_WIN  32u   /* the server's receive window (1 slot) */
#define ITEM_SRC 33u
#define IPC_SRV  34u   /* the server thread */
#define FLT_EP   35u
#define FLT_SRV  36u
#define DEST_EP  37u
#define NTF      50u   /* a notification */
#define NTFB     51u   /* its badged cap (signals) */
#define NTF_SRV  52u   /* the thread waiting on it */
#define WAITERS_FIRST 64u
#define NWAITERS 130u  /* > 2 * REVOKE_BUDGET: the first step wakes 64 and continues */

static volatile uint64_t s_in, s_out;
static char srv_stack[4096] __attribute__((aligned(16)));
static char flt_stack[4096] __attribute__((aligned(16)));

static long bench_server(void *arg)
{
    long ep = (long)arg;
    register uint64_t a0 __asm__("a0") = (uint64_t)ep;
    register uint64_t a1 __asm__("a1") = 0, a2 __asm__("a2") = 0, a3 __asm__("a3") = 0;
    register uint64_t a4 __asm__("a4") = 0, a5 __asm__("a5") = 0, a6 __asm__("a6") = 0;
    register uint64_t a7 __asm__("a7") = SYS_RECV;
    __asm__ volatile("ecall\n rdcycle t0\n sd t0, 0(%[in])"
                     : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7)
                     : [in] "r"(&s_in)
                     : "t0", "memory");
    for (;;) {
        if (MSG_ITEMS(a0 >> 32))
            tether_CS_DELETE(CS, IPC_WIN);   /* room for the next item */
        a0 = (uint64_t)ep;                   /* reply: label 0, no words */
        a1 = a2 = a3 = a4 = a5 = a6 = 0;
        a7 = SYS_REPLY_RECV;
        __asm__ volatile("rdcycle t0\n sd t0, 0(%[out])\n ecall\n rdcycle t0\n sd t0, 0(%[in])"
                         : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6),
                           "+r"(a7)
                         : [in] "r"(&s_in), [out] "r"(&s_out)
                         : "t0", "memory");
    }
}

/* One timed call: c[0] = rdcycle before the ecall, c[1] after. */
static inline long timed_call(uint64_t a0v, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
                              uint64_t w4, uint64_t w5, uint64_t c[2])
{
    register uint64_t a0 __asm__("a0") = a0v;
    register uint64_t a1 __asm__("a1") = w0, a2 __asm__("a2") = w1, a3 __asm__("a3") = w2;
    register uint64_t a4 __asm__("a4") = w3, a5 __asm__("a5") = w4, a6 __asm__("a6") = w5;
    register uint64_t a7 __asm__("a7") = SYS_INVOKE;
    uint64_t c0, c1;
    __asm__ volatile("rdcycle %[c0]\n ecall\n rdcycle %[c1]"
                     : [c0] "=&r"(c0), [c1] "=&r"(c1), "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3),
                       "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7)
                     :
                     : "memory");
    c[0] = c0;
    c[1] = c1;
    return (long)(uint32_t)a0;
}

static struct acc b0_acc, b1_acc;
static struct acc call0, rr0, rt0, call4, rr4, call_item, rt_item, call_wr, rt_wr;
static struct acc flt_rt, dstep, call_don, rr_don, tmo_rt, step_unmap, step_bdestroy;
static struct acc xfer_copy, xfer_map, xfer_grant;
#define GRANT_SRC 3010u  /* refilled from ITEM_SRC before each GRANT (it moves away) */

static void ipc_baselines(void)
{
    static uint64_t slot;
    for (int i = 0; i < ITERS; i++) {
        uint64_t c0, c1;
        __asm__ volatile("rdcycle %0\n rdcycle %1" : "=&r"(c0), "=&r"(c1));
        acc_add(&b0_acc, c1 - c0);
        __asm__ volatile("rdcycle t0\n sd t0, 0(%2)\n rdcycle %1\n mv %0, t0"
                         : "=&r"(c0), "=&r"(c1)
                         : "r"(&slot)
                         : "t0", "memory");
        acc_add(&b1_acc, c1 - c0);
    }
}

/* Sample one call on cap `cap` (words as given) into call/reply/rt. */
static void ipc_sample(uint32_t cap, uint64_t items, uint64_t w3, uint64_t w5, uint64_t b0,
                       uint64_t b1, struct acc *ca, struct acc *ra, struct acc *ta)
{
    uint64_t c[2];
    long e = timed_call(cap | MSG_INFO(1, items) << 32, w3 ? 1 : 0, w3 ? 2 : 0, w3 ? 3 : 0, w3,
                        0, w5, c);
    expect(e, "ipc call");
    if (ca)
        acc_add(ca, s_in - c[0] - b0);
    if (ra)
        acc_add(ra, c[1] - s_out - b1);
    if (ta)
        acc_add(ta, c[1] - c[0] - b0);
}

/* The fault handler: resume the faulting thread 4 bytes on (SETPC). */
static long fault_server(void *arg)
{
    long ep = (long)arg;
    register uint64_t a0 __asm__("a0") = (uint64_t)ep;
    register uint64_t a7 __asm__("a7") = SYS_RECV;
    __asm__ volatile("ecall\n"
                     "1: addi a1, a2, 4\n"    /* a2 = fault pc */
                     "mv a0, %[info]\n"
                     "li a7, %[rr]\n"
                     "ecall\n"
                     "j 1b"
                     : "+r"(a0), "+r"(a7)
                     : [info] "r"((uint64_t)ep | MSG_INFO(FAULT_REPLY_SETPC, 0) << 32),
                       [rr] "i"(SYS_REPLY_RECV)
                     : "a1", "a2", "a3", "a4", "a5", "a6", "memory");
    return 0;
}

/* Waiters of the endpoint-destroy benchmark (priority above the root):
 * each blocks in recv on dest_ep; the first to run after a wake stamps
 * wake_ts right after its ecall returns. Then it suspends itself; the
 * root starts it again for the next round (on a new endpoint). */
static volatile uint64_t wake_ts;
static volatile uint32_t dest_ep;
static struct uthread waiters[NWAITERS];
static char wstacks[NWAITERS][1024] __attribute__((aligned(16)));

static long waiter(void *arg)
{
    long i = (long)arg;
    for (;;) {
        register uint64_t a0 __asm__("a0") = dest_ep;
        register uint64_t a7 __asm__("a7") = SYS_RECV;
        uint64_t t;
        __asm__ volatile("ecall\n rdcycle %[t]"
                         : [t] "=&r"(t), "+r"(a0), "+r"(a7)
                         :
                         : "a1", "a2", "a3", "a4", "a5", "a6", "memory");
        if (!wake_ts)
            wake_ts = t;
        tether_THREAD_SUSPEND(waiters[i].cap);
    }
}

/* ---- SchedContexts ---------------------------------------------------------
 * timeout_fault_rt: a spinner (priority of the root, a SchedContext of 1
 * tick per 1000: it runs out at the first tick) stamps rdcycle in a loop;
 * its timeout endpoint is the root's, which waits in recv. The tick: the
 * budget runs out, FAULT_TIMEOUT goes to the root (stamp h_in right after
 * its ecall). The root refills the budget (SC_CONFIGURE: not measured),
 * asks for a resumption stamp, stamps h_out and reply_recv's: the spinner
 * resumes, stamps, and runs until its next tick. Figure = (h_in - last
 * spinner stamp before the tick) + (resumption stamp - h_out) - 2 b0. */
#define TMO_EP  38u
#define TMO_THR 39u
static volatile uint64_t tmo[3];  /* last stamp, resumption wanted, resumption stamp */
static char tmo_stack[4096] __attribute__((aligned(16)));
static long tmo_spin(void *arg)
{
    long p = (long)arg;
    __asm__ volatile("1: rdcycle t0\n"
                     "   sd   t0, 0(%0)\n"
                     "   ld   t1, 8(%0)\n"
                     "   beqz t1, 1b\n"
                     "   sd   t0, 16(%0)\n"
                     "   sd   zero, 8(%0)\n"
                     "   j    1b"
                     :
                     : "r"(p)
                     : "t0", "t1", "memory");
    return 0;
}

static inline struct tether_msg stamped_ipc(uint64_t sys, uint32_t ep, uint64_t info,
                                            uint64_t *before, uint64_t *after)
{
    register uint64_t a0 __asm__("a0") = ep | info << 32;
    register uint64_t a1 __asm__("a1") = 0, a2 __asm__("a2") = 0, a3 __asm__("a3") = 0;
    register uint64_t a4 __asm__("a4") = 0, a5 __asm__("a5") = 0, a6 __asm__("a6") = 0;
    register uint64_t a7 __asm__("a7") = sys;
    uint64_t c0, c1;
    __asm__ volatile("rdcycle %[c0]\n ecall\n rdcycle %[c1]"
                     : [c0] "=&r"(c0), [c1] "=&r"(c1), "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3),
                       "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7)
                     :
                     : "memory");
    *before = c0;
    *after = c1;
    struct tether_msg m = { (long)(uint32_t)a0, a0 >> 32, { a1, a2, a3, a4, a5, a6 }, a7 };
    return m;
}

#define TMO_ITERS 64
static void bench_timeout(uint64_t b0)
{
    struct uthread t;
    uint64_t c0, h_in, h_out, dummy;
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, TMO_EP, 0), "timeout ep");
    expect(thread_create(&t, ROOT_CAP_BANK, TMO_THR, CS, ROOT_CAP_ASPACE, tmo_spin, (void *)tmo,
                         tmo_stack, sizeof tmo_stack, ROOT_THREAD_PRIO),
           "timeout thread");
    expect(tether_SC_CONFIGURE(THREAD_SC_OF(TMO_THR), 1, 1000), "timeout sc");
    expect(tether_THREAD_SET_TIMEOUT(TMO_THR, TMO_EP), "set timeout");
    expect(tether_THREAD_START(TMO_THR), "timeout start");
    struct tether_msg m = stamped_ipc(SYS_RECV, TMO_EP, 0, &c0, &h_in);
    for (int i = 0; i < TMO_ITERS + 2; i++) {
        if (m.err != E_OK || MSG_LABEL(m.info) != FAULT_TIMEOUT)
            expect(E_INVAL, "timeout message");
        uint64_t last = tmo[0], deliver = h_in - last - b0;
        expect(tether_SC_CONFIGURE(THREAD_SC_OF(TMO_THR), 1, 1000), "timeout refill");
        tmo[1] = 1;
        m = stamped_ipc(SYS_REPLY_RECV, TMO_EP, 0, &h_out, &dummy);
        /* back here at the spinner's next FAULT_TIMEOUT */
        h_in = dummy;
        uint64_t resume = tmo[2] - h_out - b0;
        if (i >= 2)
            acc_add(&tmo_rt, deliver + resume);
    }
    report("timeout_fault_rt", &tmo_rt, 0);
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, TMO_THR), "timeout destroy");
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, THREAD_SC_OF(TMO_THR)), "timeout sc destroy");
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, TMO_EP), "timeout ep destroy");
}

/* longest_step: the longest single kernel entries user space can make:
 *   step_unmap64        CS_UNMAP of a cap with 64 children (REVOKE_BUDGET
 *                       nodes: the whole call, an upper bound on its steps)
 *   step_unmap8_watched CS_UNMAP of a cap with 8 children, each with a
 *                       revocation registration (T4: WATCH_UNITS = 8 units
 *                       each, so one step), every one signalled
 *   watch16_call        CS_WATCH of WATCH_MAX slots (one call, no steps)
 *   ep_destroy_max_step (above) the first step of destroying an endpoint
 *                       with 130 waiters, up to the first woken waiter
 * qemu.longest_step is the largest of them. Also reported, not a single
 * step: bank_destroy64_call, a whole BANK_DESTROY of a bank holding 64
 * endpoints (the kernel restarts it inside the call). */
#define STEP_SRC   40u
#define STEP_KIDS  2000u
#define STEP_BANK  41u
#define STEP_OBJS  2100u
#define STEP_NTF   42u   /* a notification for the watched children */
#define STEP_NTFB  43u
#define STEP_WATCHED 8u  /* REVOKE_BUDGET / WATCH_UNITS: one step */
static struct acc step_watched, step_watch;
static void bench_steps(uint64_t b0)
{
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, STEP_NTF, 0), "step ntfn");
    expect(tether_CS_MINT(CS, STEP_NTFB, CS, STEP_NTF, R_ALL, 1, MINT_COPY), "step mint");
    for (int round = 0; round < 9; round++) {
        uint64_t c[2], r[4];
        long e;
        expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, STEP_SRC, 0), "step src");
        for (unsigned i = 0; i < WATCH_MAX; i++)
            expect(tether_CS_MAP(CS, STEP_KIDS + i, CS, STEP_SRC, R_ALL), "step child");
        c[0] = rdcycle();
        e = tether_CS_WATCH(CS, STEP_KIDS, WATCH_MAX, STEP_NTFB, r);
        c[1] = rdcycle();
        expect(e, "step watch");
        if (round)
            acc_add(&step_watch, c[1] - c[0] - b0);
        expect(tether_CS_WATCH(CS, STEP_KIDS + STEP_WATCHED, WATCH_MAX - STEP_WATCHED, CAP_NONE, r),
               "step unwatch");
        for (unsigned i = STEP_WATCHED; i < WATCH_MAX; i++)
            expect(tether_CS_DELETE(CS, STEP_KIDS + i), "step unchild");
        c[0] = rdcycle();
        e = tether_CS_UNMAP(CS, STEP_SRC, 0);
        c[1] = rdcycle();
        expect(e, "step unmap watched");
        if (round)
            acc_add(&step_watched, c[1] - c[0] - b0);
        expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, STEP_SRC), "step src destroy");
        expect(tether_poll(STEP_NTF, 0), "step poll");

        expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, STEP_SRC, 0), "step src");
        for (unsigned i = 0; i < 64; i++)
            expect(tether_CS_MAP(CS, STEP_KIDS + i, CS, STEP_SRC, R_ALL), "step child");
        c[0] = rdcycle();
        e = tether_CS_UNMAP(CS, STEP_SRC, 0);
        c[1] = rdcycle();
        expect(e, "step unmap");
        if (round)
            acc_add(&step_unmap, c[1] - c[0] - b0);
        expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, STEP_SRC), "step src destroy");

        expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_BANK, CS, STEP_BANK, 1u << 20), "step bank");
        for (unsigned i = 0; i < 64; i++)
            expect(tether_BANK_CREATE(STEP_BANK, OBJ_ENDPOINT, CS, STEP_OBJS + i, 0), "step obj");
        c[0] = rdcycle();
        e = tether_BANK_DESTROY(ROOT_CAP_BANK, CS, STEP_BANK);
        c[1] = rdcycle();
        expect(e, "step bank destroy");
        if (round)
            acc_add(&step_bdestroy, c[1] - c[0] - b0);
        for (unsigned i = 0; i < 64; i++)
            tether_CS_DELETE(CS, STEP_OBJS + i);  /* void caps */
    }
    report("step_unmap64", &step_unmap, 0);
    report("step_unmap8_watched", &step_watched, 0);
    report("watch16_call", &step_watch, 0);
    report("bank_destroy64_call", &step_bdestroy, 0);
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, STEP_NTF), "step ntfn destroy");
    uint64_t m = acc_avg(&dstep), v;
    if ((v = acc_avg(&step_unmap)) > m)
        m = v;
    if ((v = acc_avg(&step_watched)) > m)
        m = v;
    if ((v = acc_avg(&step_watch)) > m)
        m = v;
    printf("bench: qemu.longest_step %lu instr\n", m);
}

/* signal_higher: a thread above the root's priority waits on NTF; it
 * stamps the time right after its wait returns (as the server stamps
 * s_in), then waits again. The root stamps before its signal's ecall:
 * sig_ts - c0 - b0 is the signal from the signaller's ecall until the
 * waiter is back in user space with the word (seL4's "Signal to higher
 * prio" row). */
static volatile uint64_t sig_ts, sig_word;
static char sig_stack[4096] __attribute__((aligned(16)));
static struct acc sig_hi;

static long sig_waiter(void *arg)
{
    long n = (long)arg;
    for (;;) {
        register uint64_t a0 __asm__("a0") = (uint64_t)n | (uint64_t)NTFN_WAIT << 32;
        register uint64_t a1 __asm__("a1");
        register uint64_t a7 __asm__("a7") = SYS_INVOKE;
        __asm__ volatile("ecall\n rdcycle t0\n sd t0, 0(%[ts])"
                         : "+r"(a0), "=r"(a1), "+r"(a7)
                         : [ts] "r"(&sig_ts)
                         : "t0", "a2", "a3", "a4", "a5", "a6", "memory");
        sig_word = a1;
    }
}

static void bench_signal(uint64_t b0)
{
    struct uthread w;
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, NTF, 0), "notification");
    expect(tether_CS_MINT(CS, NTFB, CS, NTF, R_ALL, 0x5, MINT_COPY), "notification mint");
    expect(thread_spawn(&w, ROOT_CAP_BANK, NTF_SRV, sig_waiter, (void *)(uintptr_t)NTF, sig_stack,
                        sizeof sig_stack, ROOT_THREAD_PRIO + 1),
           "signal waiter"); /* runs, waits */
    for (int i = 0; i < ITERS + 4; i++) {
        uint64_t c0;
        register uint64_t a0 __asm__("a0") = NTFB | (uint64_t)NTFN_SIGNAL << 32;
        register uint64_t a7 __asm__("a7") = SYS_INVOKE;
        sig_word = 0;
        __asm__ volatile("rdcycle %[c0]\n ecall"
                         : [c0] "=&r"(c0), "+r"(a0), "+r"(a7)
                         :
                         : "a1", "a2", "a3", "a4", "a5", "a6", "memory");
        expect((long)(uint32_t)a0, "signal");
        if (sig_word != 0x5)
            expect(E_INVAL, "signal: the waiter did not get the word");
        if (i >= 4)  /* warm up first */
            acc_add(&sig_hi, sig_ts - c0 - b0);
    }
    report("signal_higher", &sig_hi, 0);
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, NTF_SRV), "signal waiter destroy");
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, NTF), "notification destroy");
}

static void bench_ipc(void)
{
    struct uthread srv, flt;
    uint64_t c[2];
    ipc_baselines();
    uint64_t b0 = acc_avg(&b0_acc), b1 = acc_avg(&b1_acc);
    printf("bench image: ipc stamp overheads b0 %lu b1 %lu instr (subtracted)\n", b0, b1);

    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, IPC_EP, 0), "ipc ep");
    expect(tether_BANK_WRAP(ROOT_CAP_BANK, CS, IPC_WRAP, CS, IPC_EP, 0, R_ALL), "wrap");
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, ITEM_SRC, 0), "item src");
    expect(thread_spawn(&srv, ROOT_CAP_BANK, IPC_SRV, bench_server, (void *)(uintptr_t)IPC_EP,
                        srv_stack, sizeof srv_stack, ROOT_THREAD_PRIO),
           "server");
    expect(tether_THREAD_SET_IPC(IPC_SRV, CAP_NONE, IPC_WIN, 1, 0, MWIN_OFF), "server window");
    tether_yield();  /* the server runs and waits in recv */

    for (int i = 0; i < 4; i++)  /* warm up every path */
        ipc_sample(IPC_EP, 0, 0, 0, b0, b1, 0, 0, 0);
    for (int i = 0; i < ITERS; i++) {
        ipc_sample(IPC_EP, 0, 0, 0, b0, b1, &call0, &rr0, &rt0);
        ipc_sample(IPC_EP, 0, 4, 0, b0, b1, &call4, &rr4, 0);
        ipc_sample(IPC_WRAP, 0, 0, 0, b0, b1, &call_wr, 0, &rt_wr);
        ipc_sample(IPC_EP, 1, 0, ITEM(ITEM_SRC, ITEM_COPY, R_ALL), b0, b1, &call_item, 0, &rt_item);
        /* transfer_*: one cap in one IPC, each way (call half, as call_item) */
        ipc_sample(IPC_EP, 1, 0, ITEM(ITEM_SRC, ITEM_COPY, R_ALL), b0, b1, &xfer_copy, 0, 0);
        ipc_sample(IPC_EP, 1, 0, ITEM(ITEM_SRC, ITEM_MAP, R_ALL), b0, b1, &xfer_map, 0, 0);
        expect(tether_CS_COPY(CS, GRANT_SRC, CS, ITEM_SRC, R_ALL), "grant source");
        ipc_sample(IPC_EP, 1, 0, ITEM(GRANT_SRC, ITEM_GRANT, R_ALL), b0, b1, &xfer_grant, 0, 0);
    }
    report("call0", &call0, 0);
    report("replyrecv0", &rr0, 0);
    report("call_rt0", &rt0, 0);
    report("call4", &call4, 0);
    report("replyrecv4", &rr4, 0);
    report("call_wrapped", &call_wr, 0);
    report("call_wrapped_rt", &rt_wr, 0);
    report("call_item", &call_item, 0);
    report("call_item_rt", &rt_item, 0);
    report("transfer_copy", &xfer_copy, 0);
    report("transfer_map", &xfer_map, 0);
    report("transfer_grant", &xfer_grant, 0);

    /* T2: the same server made passive (its SchedContext unbound while it
     * waits in reply_recv): each call lends it the root's time, each
     * reply gives it back. */
    expect(tether_THREAD_BIND_SC(IPC_SRV, CAP_NONE), "server passive");
    for (int i = 0; i < 4; i++)
        ipc_sample(IPC_EP, 0, 0, 0, b0, b1, 0, 0, 0);
    for (int i = 0; i < ITERS; i++)
        ipc_sample(IPC_EP, 0, 0, 0, b0, b1, &call_don, &rr_don, 0);
    report("call_donated", &call_don, 0);
    report("replyrecv_donated", &rr_don, 0);
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, IPC_SRV), "server destroy");
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, THREAD_SC_OF(IPC_SRV)), "server sc destroy");

    /* Fault round trip: the root faults (a load from an unmapped page);
     * its handler, at the same priority, resumes it past the load. */
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, FLT_EP, 0), "fault ep");
    expect(thread_spawn(&flt, ROOT_CAP_BANK, FLT_SRV, fault_server, (void *)(uintptr_t)FLT_EP,
                        flt_stack, sizeof flt_stack, ROOT_THREAD_PRIO),
           "fault server");
    tether_yield();
    expect(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, FLT_EP, 0, 0, 0, MWIN_OFF), "root fault ep");
    for (int i = 0; i < ITERS + 4; i++) {
        uint64_t c0, c1, v = 7;
        __asm__ volatile(".option push\n .option norvc\n"
                         "li t0, 0x50000000\n"
                         "rdcycle %[c0]\n"
                         "ld %[v], 0(t0)\n"
                         "rdcycle %[c1]\n"
                         ".option pop"
                         : [c0] "=&r"(c0), [c1] "=&r"(c1), [v] "+r"(v)
                         :
                         : "t0", "memory");
        if (v != 7)
            expect(E_INVAL, "fault skipped");
        if (i >= 4)
            acc_add(&flt_rt, c1 - c0 - b0);
    }
    expect(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, CAP_NONE, 0, 0, 0, MWIN_OFF), "root fault ep off");
    report("fault_roundtrip", &flt_rt, 0);
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, FLT_SRV), "fault server destroy");

    /* Endpoint destroy: NWAITERS threads at priority 101 wait in recv. The
     * first BANK_DESTROY step wakes REVOKE_BUDGET of them and answers
     * E_CONTINUE; the kernel then switches to the first woken waiter
     * (higher priority), which stamps the time right after its ecall:
     * wake_ts - c0 is exactly one kernel entry (one step) plus the switch. */
    for (unsigned i = 0; i < NWAITERS; i++)
        expect(thread_spawn(&waiters[i], ROOT_CAP_BANK, WAITERS_FIRST + i, waiter,
                            (void *)(uintptr_t)i, wstacks[i], sizeof wstacks[i],
                            ROOT_THREAD_PRIO + 1),
               "waiter");
    for (int round = 0; round < 8; round++) {
        uint64_t c0;
        expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, DEST_EP, 0), "dest ep");
        dest_ep = DEST_EP;
        for (unsigned i = 0; i < NWAITERS; i++)
            if (round)
                expect(tether_THREAD_START(waiters[i].cap), "waiter start");
        /* round 0: they were started by thread_spawn and are waiting */
        wake_ts = 0;
        {
            register uint64_t a0 __asm__("a0") = ROOT_CAP_BANK | (uint64_t)BANK_DESTROY << 32;
            register uint64_t a1 __asm__("a1") = CS, a2 __asm__("a2") = DEST_EP;
            register uint64_t a7 __asm__("a7") = SYS_INVOKE;
            __asm__ volatile("rdcycle %[c0]\n ecall"
                             : [c0] "=&r"(c0), "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a7)
                             :
                             : "a3", "a4", "a5", "a6", "memory");
            expect((long)(uint32_t)a0, "destroy ep");
        }
        if (round)  /* round 0 touches everything first */
            acc_add(&dstep, wake_ts - c0 - b0);
    }
    report("ep_destroy_max_step", &dstep, 0);
    bench_signal(b0);
    (void)c;
    bench_timeout(b0);
    bench_steps(b0);
}

/* ---- memory ---------------------------------------------------------------
 * NFR frames of the root bank (caps at MEM_F0..), mapped and unmapped in the
 * root AddrSpace at addresses nothing else uses.
 *   page_map        AS_MAP_FRAME of one page (MAP from the frame cap), the
 *                   page table present (consecutive pages of one 2 MiB
 *                   region; the bank check for page tables and mapping-table
 *                   nodes included, 2 of the 256 samples grow the table)
 *   page_map_newpt  the same, each page in a new 2 MiB region: a page-table
 *                   page and a mapping-table leaf are allocated and charged
 *   unmap_pages_N   AS_UNMAP include_self of N mapped pages (flexpage of
 *                   log2 N), each page with one derived mapping (AS_MAP MAP)
 *                   in another AddrSpace: 2N mappings removed, PTEs and TLB
 *                   entries of both cleared; restarts inside the call count
 *   pager_fault     the root loads from an unmapped page; its fault handler
 *                   (a pager thread at the same priority) replies RETRY with
 *                   a MEM_ITEM MAP of a page it holds; the load is retried
 *                   and succeeds: rdcycle before and after the load */
#define NFR        (ITERS + 4)
#define MEM_F0     1000u
#define OTHER_AS   990u
#define PGR_EP     991u
#define PGR_SRV    992u
#define MAP_VA     0x100000000UL
#define NEWPT_VA   0x140000000UL   /* 256 x 2 MiB */
#define UNMAP_VA   0x180000000UL
#define OTHER_VA   0x080000000UL
#define PF_VA      0x1c0000000UL
#define PF_STAGE   0x1d0000000UL
#define RW         (R_READ | R_WRITE)

static struct acc pmap, pmap_newpt, unmap_n[3], pfault;
static char pgr_stack[4096] __attribute__((aligned(16)));

static long pager_server(void *arg)
{
    long ep = (long)arg;
    struct tether_msg m = tether_recv((uint32_t)ep);
    for (;;) {
        uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(PF_STAGE + (m.w[0] - PF_VA), 0, ITEM_MAP, RW) };
        m = tether_reply_recv((uint32_t)ep, MSG_INFO(FAULT_REPLY_RETRY, 1), w);
    }
}

static void bench_mem(uint64_t b)
{
    long e;
    for (unsigned i = 0; i < NFR; i++)
        expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_FRAME, CS, MEM_F0 + i, 0), "frame");
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ASPACE, CS, OTHER_AS, 0), "other aspace");

    /* page_map: warm up the region (page tables), then one page at a time. */
    expect(tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, MEM_F0, MAP_VA + 511 * 4096UL, RW, ITEM_MAP), "warm");
    for (unsigned i = 0; i < ITERS; i++) {
        TIMED(pmap, e = tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, MEM_F0 + i, MAP_VA + i * 4096UL, RW,
                                            ITEM_MAP));
        expect(e, "page map");
    }
    expect(tether_AS_UNMAP(ROOT_CAP_ASPACE, MAP_VA, 8, 1), "unmap all");
    for (unsigned i = 0; i < ITERS; i++) {
        uint64_t va = NEWPT_VA + i * (2UL << 20);
        TIMED(pmap_newpt, e = tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, MEM_F0 + i, va, RW, ITEM_MAP));
        expect(e, "page map newpt");
        expect(tether_AS_UNMAP(ROOT_CAP_ASPACE, va, 0, 1), "unmap newpt");
    }
    report("page_map", &pmap, b);
    report("page_map_newpt", &pmap_newpt, b);

    /* unmap_pages_N */
    static const unsigned logs[3] = { 0, 4, 8 };
    static const char *const names[3] = { "unmap_pages_1", "unmap_pages_16", "unmap_pages_256" };
    for (unsigned k = 0; k < 3; k++) {
        unsigned n = 1u << logs[k], rounds = k == 2 ? 32 : ITERS;
        for (unsigned it = 0; it < rounds + 1; it++) {
            for (unsigned i = 0; i < n; i++)
                expect(tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, MEM_F0 + i, UNMAP_VA + i * 4096UL, RW,
                                           ITEM_MAP), "unmap setup");
            expect(tether_AS_MAP(OTHER_AS, ROOT_CAP_ASPACE, UNMAP_VA, OTHER_VA, logs[k], RW,
                                 ITEM_MAP), "unmap setup flex");
            uint64_t t0 = rdcycle();
            e = tether_AS_UNMAP(ROOT_CAP_ASPACE, UNMAP_VA, logs[k], 1);
            uint64_t t1 = rdcycle();
            expect(e, "unmap pages");
            if (it)  /* the first round warms up */
                acc_add(&unmap_n[k], t1 - t0);
        }
        uint64_t r[4];
        tether_AS_INFO(OTHER_AS, OTHER_VA + (n - 1) * 4096UL, r);
        if (r[0] != SLOT_EMPTY)
            expect(E_INVAL, "unmap left a derived mapping");
        report(names[k], &unmap_n[k], b);
    }

    /* pager_fault */
    struct uthread pg;
    for (unsigned i = 0; i < NFR; i++)
        expect(tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, MEM_F0 + i, PF_STAGE + i * 4096UL, RW, ITEM_MAP),
               "stage");
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, PGR_EP, 0), "pager ep");
    expect(thread_spawn(&pg, ROOT_CAP_BANK, PGR_SRV, pager_server, (void *)(uintptr_t)PGR_EP,
                        pgr_stack, sizeof pgr_stack, ROOT_THREAD_PRIO),
           "pager");
    tether_yield();
    expect(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, PGR_EP, 0, 0, 0, MWIN_OFF), "root fault ep");
    for (unsigned i = 0; i < NFR; i++) {
        uint64_t c0, c1, v = 7;
        __asm__ volatile("rdcycle %[c0]\n"
                         "ld %[v], 0(%[a])\n"
                         "rdcycle %[c1]"
                         : [c0] "=&r"(c0), [c1] "=&r"(c1), [v] "+r"(v)
                         : [a] "r"(PF_VA + i * 4096UL)
                         : "memory");
        if (v != 0)
            expect(E_INVAL, "pager page not zero");
        if (i >= 4)
            acc_add(&pfault, c1 - c0);
    }
    expect(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, CAP_NONE, 0, 0, 0, MWIN_OFF), "root fault ep off");
    report("pager_fault", &pfault, b);
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, PGR_SRV), "pager destroy");
}

/* ---- the debate (issue 14): revocable copy three ways ----------------------
 *   invoke_direct     NTFN_POLL on a notification cap (no endpoint: the
 *                     kernel answers in the same entry)
 *   invoke_wrapper    the same through a wrapper over it (BANK_WRAP, C8)
 *   invoke_forwarder  the same done by a forwarder task (EROS's wrapper as
 *                     an IPC server, in an AddrSpace of its own, at the
 *                     root's priority): call to its endpoint, it polls the
 *                     notification and replies (one round trip)
 *   revoke_1_of_N_wrapper  N wrappers over one notification, one per client;
 *                     BANK_DESTROY of one of them (the others keep working)
 *   revoke_1_of_N_unmap    N MAPs of one notification cap (N children);
 *                     CS_UNMAP include_self of one child */
#define DB_NTF    3000u
#define DB_WRAP   3001u
#define DB_FEP    3002u
#define DB_TASK   3003u   /* 3 slots */
#define DB_FTHR   3006u
#define DB_CLI    0x280000u  /* N client slots (THREAD_SC_OF uses 0x200000 + thread) */
#define DB_ROUNDS 64u

static struct acc inv_d, inv_w, inv_f, rev_w[3], rev_u[3];

struct fwd_param { uint32_t ep, target; };
static long forwarder(void *p)
{
    struct fwd_param *f = p;
    uint64_t r[4], w[6] = { 0 };
    tether_recv(f->ep);
    for (;;) {
        w[0] = (uint64_t)tether_NTFN_POLL(f->target, r);
        w[1] = r[0];
        tether_reply_recv(f->ep, MSG_INFO(0, 0), w);
    }
}

static void bench_debate(uint64_t b)
{
    uint64_t r[4];
    long e;
    struct task t;
    struct task_thread th;
    struct tether_msg m;
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, DB_NTF, 0), "db ntfn");
    expect(tether_BANK_WRAP(ROOT_CAP_BANK, CS, DB_WRAP, CS, DB_NTF, 0, R_ALL), "db wrap");
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, DB_FEP, 0), "db fwd ep");
    struct fwd_param fp = { DB_FEP, DB_NTF };
    e = task_create(&t, ROOT_CAP_BANK, 4u << 20, DB_TASK);
    if (e == E_OK)
        e = task_spawn(&t, &th, DB_FTHR, forwarder, &fp, sizeof fp, ROOT_THREAD_PRIO);
    expect(e, "db forwarder task");
    if (e != E_OK)
        return;  /* a call to its endpoint would wait forever */
    tether_yield();  /* it waits in recv */
    for (unsigned i = 0; i < 4; i++)  /* warm up every path */
        tether_NTFN_POLL(DB_NTF, r), tether_NTFN_POLL(DB_WRAP, r), tether_call(DB_FEP, 0, 0);
    for (unsigned i = 0; i < ITERS; i++) {
        TIMED(inv_d, e = tether_NTFN_POLL(DB_NTF, r));
        expect(e, "invoke direct");
        TIMED(inv_w, e = tether_NTFN_POLL(DB_WRAP, r));
        expect(e, "invoke wrapper");
        TIMED(inv_f, m = tether_call(DB_FEP, MSG_INFO(0, 0), 0));
        expect(m.err ? m.err : (long)m.w[0], "invoke forwarder");
    }
    report("invoke_direct", &inv_d, b);
    report("invoke_wrapper", &inv_w, b);
    report("invoke_forwarder", &inv_f, b);
    expect(task_destroy(&t, ROOT_CAP_BANK), "db fwd task destroy");

    static const unsigned ns[3] = { 1, 100, 10000 };
    static const char *const wn[3] = { "revoke_1_of_1_wrapper", "revoke_1_of_100_wrapper",
                                       "revoke_1_of_10k_wrapper" };
    static const char *const un[3] = { "revoke_1_of_1_unmap", "revoke_1_of_100_unmap",
                                       "revoke_1_of_10k_unmap" };
    for (unsigned k = 0; k < 3; k++) {
        unsigned n = ns[k];
        for (unsigned i = 0; i < n; i++)
            expect(tether_BANK_WRAP(ROOT_CAP_BANK, CS, DB_CLI + i, CS, DB_NTF, 0, R_ALL), "db wraps");
        for (unsigned round = 0; round <= DB_ROUNDS; round++) {
            uint32_t s = DB_CLI + (round * 7919u) % n, other = DB_CLI + (round * 7919u + 1) % n;
            uint64_t t0 = rdcycle();
            e = tether_BANK_DESTROY(ROOT_CAP_BANK, CS, s);
            uint64_t t1 = rdcycle();
            expect(e, "db wrapper destroy");
            if (round)
                acc_add(&rev_w[k], t1 - t0);
            if (tether_NTFN_POLL(s, r) != E_REVOKED)
                expect(E_INVAL, "db: the destroyed wrapper still works");
            if (n > 1)
                expect(tether_NTFN_POLL(other, r), "db: another client's wrapper");
            expect(tether_BANK_WRAP(ROOT_CAP_BANK, CS, s, CS, DB_NTF, 0, R_ALL), "db rewrap");
        }
        report(wn[k], &rev_w[k], b);
        for (unsigned i = 0; i < n; i++) {
            expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, DB_CLI + i), "db wraps destroy");
            expect(tether_CS_DELETE(CS, DB_CLI + i), "db void delete");
        }

        for (unsigned i = 0; i < n; i++)
            expect(tether_CS_MAP(CS, DB_CLI + i, CS, DB_NTF, R_ALL), "db maps");
        for (unsigned round = 0; round <= DB_ROUNDS; round++) {
            uint32_t s = DB_CLI + (round * 7919u) % n, other = DB_CLI + (round * 7919u + 1) % n;
            uint64_t t0 = rdcycle();
            e = tether_CS_UNMAP(CS, s, 1);
            uint64_t t1 = rdcycle();
            expect(e, "db unmap one");
            if (round)
                acc_add(&rev_u[k], t1 - t0);
            if (tether_NTFN_POLL(s, r) != E_EMPTY)
                expect(E_INVAL, "db: the unmapped cap is still there");
            if (n > 1)
                expect(tether_NTFN_POLL(other, r), "db: another client's MAP");
            expect(tether_CS_MAP(CS, s, CS, DB_NTF, R_ALL), "db remap");
        }
        report(un[k], &rev_u[k], b);
        expect(tether_CS_UNMAP(CS, DB_NTF, 0), "db unmap all");
    }
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, DB_WRAP), "db wrap destroy");
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, DB_NTF), "db ntfn destroy");
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, DB_FEP), "db fwd ep destroy");
}

/* ---- the mapping database (issue 14): UNMAP vs subtree and database size,
 * kernel memory per mapping and per copy -------------------------------------
 *   unmap_subtree_N    CS_UNMAP (descendants only) of a notification cap with
 *                      N children (MAPs), the whole call (restarted inside it)
 *   unmap_1child_db10k unmap_1child's measurement with 10,000 unrelated MAP
 *                      slots (children of another cap) in the root CSpace
 *   bytes_per_map, bytes_per_copy  the growth of a bank's usage per cap when
 *                      4,096 MAPs (COPYs) of a cap go into an empty CSpace it
 *                      paid for (its radix nodes: what a cap costs the bank)
 *   bytes_per_page_map the same for 4,096 AS_MAP_FRAMEs of one frame at
 *                      consecutive pages of an empty AddrSpace (mapping slots,
 *                      their radix and the page tables) */
#define MDB_SRC    3020u
#define MDB_OTHER  3021u
#define MDB_BANK   3022u
#define MDB_CS     3023u
#define MDB_CS2    3024u
#define MDB_AS     3025u
#define MDB_FRAME  3026u
#define MDB_KIDS   0x290000u   /* up to 10,000 children */
#define MDB_DB     0x2a0000u   /* 10,000 unrelated MAPs */
#define MDB_NCAPS  4096u

static struct acc unmap_sub[3], unmap_db;

/* A bank's usage, and the figure "bytes per thing" of a delta (one decimal
 * when it is not a whole number). */
static uint64_t usage(uint32_t bank)
{
    uint64_t r[4] = { 0 };
    expect(tether_BANK_QUERY(bank, r), "bank query");
    return r[0];
}
static void report_bytes(const char *name, uint64_t delta, unsigned n)
{
    uint64_t tenths = (delta * 10 + n / 2) / n;
    if (tenths % 10)
        printf("bench: qemu.%s %lu.%lu bytes\n", name, tenths / 10, tenths % 10);
    else
        printf("bench: qemu.%s %lu bytes\n", name, tenths / 10);
}

static void bench_mdb(uint64_t b)
{
    long e;
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, MDB_SRC, 0), "mdb src");
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, MDB_OTHER, 0), "mdb other");
    static const unsigned ns[3] = { 1, 100, 10000 }, rounds[3] = { 64, 32, 4 };
    static const char *const names[3] = { "unmap_subtree_1", "unmap_subtree_100", "unmap_subtree_10k" };
    for (unsigned k = 0; k < 3; k++) {
        for (unsigned round = 0; round <= rounds[k]; round++) {
            for (unsigned i = 0; i < ns[k]; i++)
                expect(tether_CS_MAP(CS, MDB_KIDS + i, CS, MDB_SRC, R_ALL), "mdb kids");
            uint64_t t0 = rdcycle();
            e = tether_CS_UNMAP(CS, MDB_SRC, 0);
            uint64_t t1 = rdcycle();
            expect(e, "mdb unmap subtree");
            if (round)  /* the first warms up */
                acc_add(&unmap_sub[k], t1 - t0);
        }
        uint64_t r[4];
        if (tether_CS_INFO(CS, MDB_KIDS + ns[k] - 1, r) != E_OK || r[0] != SLOT_EMPTY)
            expect(E_INVAL, "mdb: a child is left");
        report(names[k], &unmap_sub[k], b);
    }
    for (unsigned i = 0; i < 10000; i++)
        expect(tether_CS_MAP(CS, MDB_DB + i, CS, MDB_OTHER, R_ALL), "mdb db");
    for (int i = 0; i < ITERS; i++) {
        expect(tether_CS_MAP(CS, DST, CS, SRC, R_ALL), "map");
        TIMED(unmap_db, e = tether_CS_UNMAP(CS, SRC, 0));
        expect(e, "unmap db10k");
    }
    report("unmap_1child_db10k", &unmap_db, b);
    expect(tether_CS_UNMAP(CS, MDB_OTHER, 0), "mdb db unmap");

    /* Kernel memory per cap, from the bank that pays for the spaces. */
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_BANK, CS, MDB_BANK, 16u << 20), "mdb bank");
    expect(tether_BANK_CREATE(MDB_BANK, OBJ_CSPACE, CS, MDB_CS, 0), "mdb cspace");
    expect(tether_BANK_CREATE(MDB_BANK, OBJ_CSPACE, CS, MDB_CS2, 0), "mdb cspace 2");
    expect(tether_BANK_CREATE(MDB_BANK, OBJ_ASPACE, CS, MDB_AS, 0), "mdb aspace");
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_FRAME, CS, MDB_FRAME, 0), "mdb frame");
    uint64_t u0 = usage(MDB_BANK);
    for (unsigned i = 0; i < MDB_NCAPS; i++)
        expect(tether_CS_MAP(MDB_CS, i, CS, MDB_SRC, R_ALL), "mdb map into");
    uint64_t u1 = usage(MDB_BANK);
    for (unsigned i = 0; i < MDB_NCAPS; i++)
        expect(tether_CS_COPY(MDB_CS2, i, CS, MDB_SRC, R_ALL), "mdb copy into");
    uint64_t u2 = usage(MDB_BANK);
    for (unsigned i = 0; i < MDB_NCAPS; i++)
        expect(tether_AS_MAP_FRAME(MDB_AS, MDB_FRAME, 0x40000000UL + i * 4096UL, R_READ, ITEM_MAP),
               "mdb page map");
    uint64_t u3 = usage(MDB_BANK);
    report_bytes("bytes_per_map", u1 - u0, MDB_NCAPS);
    report_bytes("bytes_per_copy", u2 - u1, MDB_NCAPS);
    report_bytes("bytes_per_page_map", u3 - u2, MDB_NCAPS);
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, MDB_BANK), "mdb bank destroy");
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, MDB_FRAME), "mdb frame destroy");
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, MDB_OTHER), "mdb other destroy");
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, MDB_SRC), "mdb src destroy");
    for (uint32_t c = MDB_BANK; c <= MDB_FRAME; c++)
        tether_CS_DELETE(CS, c);  /* void caps */
    tether_CS_DELETE(CS, MDB_OTHER);
    tether_CS_DELETE(CS, MDB_SRC);
}

/* ---- persistence (P1, P2): checkpoints of a system with frames in use --- */

#define CKPT_FRAMES_MAX (200u * 256u)  /* 200 MiB of frames */
#define CKPT_FIRST 0x300000u            /* their root-CSpace slots */
static uint64_t ckpt_va;
static unsigned ckpt_nframes;

/* Frames in use up to `mib` MiB, each mapped at ckpt_va + i pages. */
static void ckpt_grow(unsigned mib)
{
    if (!ckpt_va)
        ckpt_va = stage_alloc(CKPT_FRAMES_MAX);
    for (; ckpt_nframes < mib * 256u; ckpt_nframes++) {
        uint32_t f = CKPT_FIRST + ckpt_nframes;
        expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_FRAME, CS, f, 0), "ckpt frame");
        expect(tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, f, ckpt_va + ckpt_nframes * 4096UL,
                                   R_READ | R_WRITE, ITEM_MAP), "ckpt map");
        *(volatile uint64_t *)(ckpt_va + ckpt_nframes * 4096UL) = ckpt_nframes + 1;
    }
}

/* One checkpoint with `mib` MiB of frames dirtied since the last: the
 * instructions of its pause (the stop-the-world part, as the kernel counts
 * it: SYSTEM_CKPT_STATS) and, in *work, those the writer spent on it after
 * the pause (the device's time apart). The call returns once committed. */
static uint64_t ckpt_pause(unsigned mib, uint64_t *work)
{
    static uint64_t stamp = 1000;
    uint64_t r[4];
    stamp++;
    for (unsigned i = 0; i < mib * 256u && i < ckpt_nframes; i++)
        *(volatile uint64_t *)(ckpt_va + i * 4096UL) = stamp;
    expect(tether_SYSTEM_CHECKPOINT(ROOT_CAP_SYSTEM, r), "checkpoint");
    expect(tether_SYSTEM_CKPT_STATS(ROOT_CAP_SYSTEM, r), "checkpoint stats");
    if (work)
        *work = r[1];
    return r[0];
}

/* The root bank's objects (BANK_QUERY). */
static uint64_t objects(void)
{
    uint64_t r[4] = {0};
    tether_BANK_QUERY(ROOT_CAP_BANK, r);
    return r[2];
}

/* Endpoints until the system has about n objects. */
static void objects_up_to(uint64_t n)
{
    static uint32_t next = 0x380000u;
    while (objects() < n && next < (1u << CAP_ADDR_BITS))
        expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, next++, 0), "endpoint");
}

/* Checkpoint and power off; the next boot (tools/qemu-bench.sh boots the
 * image again on the same store) resumes here: the kernel prints how long
 * the restart took. Returns in the resumed system. */
static void restart_here(const char *what)
{
    uint64_t r[4];
    printf("bench image: %lu objects; checkpoint, then restart (%s)\n", objects(), what);
    expect(tether_SYSTEM_CHECKPOINT(ROOT_CAP_SYSTEM, r), "checkpoint");
    if (!r[1]) {
        printf("bench image: powering off for the restart\n");
        exit(errors ? 1 : 0);
    }
    printf("bench image: resumed (restart_%s)\n", what);  /* qemu-bench.sh takes the kernel's figure */
}

/* An incremental checkpoint of a system whose mapping database has about
 * `db` more mapping slots (an AddrSpace holding db/256 MAPs of 256 of the
 * frames, each a flexpage of 256 pages), after 16 new mappings: its CPU,
 * pause and writer. With dirty tracking it looks only at the pages written
 * since the last one, so it costs what changed, not the database (P2). */
#define DB_AS_FIRST 0x3f0000u  /* root-CSpace slots of the database AddrSpaces */
static void ckpt_incr_db(const char *name, uint32_t db)
{
    static uint32_t next = DB_AS_FIRST;
    uint32_t as = next++, as16 = next++;
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ASPACE, CS, as, 0), "db aspace");
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ASPACE, CS, as16, 0), "db aspace 16");
    for (uint32_t k = 0; k < db / 256; k++)
        expect(tether_AS_MAP(as, ROOT_CAP_ASPACE, ckpt_va, 0x10000000UL + (uint64_t)k * 256 * 4096, 8,
                             R_READ, ITEM_MAP), "db map");
    uint64_t work, r[4];
    ckpt_pause(0, NULL);  /* full if it is the first since the restart */
    ckpt_pause(0, NULL);
    ckpt_pause(0, NULL);
    expect(tether_AS_MAP(as16, ROOT_CAP_ASPACE, ckpt_va, 0x100000, 4, R_READ, ITEM_MAP), "16 maps");
    uint64_t pause = ckpt_pause(0, &work);
    tether_SYSTEM_CKPT_STATS(ROOT_CAP_SYSTEM, r);
    printf("bench image: ckpt_incr_%s: pause %lu, work %lu, copies %lu\n", name, pause, work, r[2]);
    printf("bench: qemu.ckpt_incr_%s %lu instr\n", name, pause + work);
}


/* The CPU of one checkpoint (its pause and the writer's work). */
static uint64_t ckpt_cpu(unsigned mib)
{
    uint64_t work, pause = ckpt_pause(mib, &work);
    return pause + work;
}

/* The mapping database in checkpoints, on the 200 MiB system (issue 14:
 * "checkpoint cost of a large mapping database vs the EROS-style design
 * without one"). Slots are what a checkpoint writes of it, MAP or COPY:
 *   ckpt_map_10k    the checkpoint right after 10,000 MAPs were made into
 *                   empty slots (their radix leaves exist: made and emptied
 *                   before), the average of 4 rounds
 *   ckpt_copy_10k   the same with 10,000 COPYs (roots: no derivation), at
 *                   other addresses, in the same rounds
 *   ckpt_1m_without_db100k, ckpt_1m_with_db100k  a checkpoint of 1 MiB of
 *                   frames written, before and after 100,000 more MAP slots
 *                   were made in the root CSpace (and checkpointed once):
 *                   the average of 8 (one such checkpoint varies by some
 *                   20% with where its blocks land on the store) */
#define CK_SRC   3030u
#define CK_MAPS  0x3a0000u   /* 10,000 */
#define CK_COPYS 0x3b0000u   /* 10,000 */
#define CK_DB    0x3c0000u   /* 100,000 */
static void bench_ckpt_mdb(void)
{
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, CK_SRC, 0), "ck src");
    uint64_t tm = 0, tc = 0;
    for (unsigned round = 0; round <= 4; round++) {  /* the first makes the leaves */
        ckpt_pause(0, NULL);
        for (unsigned i = 0; i < 10000; i++)
            expect(tether_CS_MAP(CS, CK_MAPS + i, CS, CK_SRC, R_ALL), "ck map");
        uint64_t t = ckpt_cpu(0);
        tm += round ? t : 0;
        expect(tether_CS_UNMAP(CS, CK_SRC, 0), "ck unmap");
        ckpt_pause(0, NULL);
        for (unsigned i = 0; i < 10000; i++)
            expect(tether_CS_COPY(CS, CK_COPYS + i, CS, CK_SRC, R_ALL), "ck copy");
        t = ckpt_cpu(0);
        tc += round ? t : 0;
        for (unsigned i = 0; i < 10000; i++)
            expect(tether_CS_DELETE(CS, CK_COPYS + i), "ck delete");
    }
    printf("bench: qemu.ckpt_map_10k %lu instr\n", (tm + 2) / 4);
    printf("bench: qemu.ckpt_copy_10k %lu instr\n", (tc + 2) / 4);
    ckpt_pause(0, NULL);
    ckpt_pause(1, NULL);
    uint64_t sum = 0;
    for (unsigned i = 0; i < 8; i++)
        sum += ckpt_cpu(1);
    printf("bench: qemu.ckpt_1m_without_db100k %lu instr\n", (sum + 4) / 8);
    for (unsigned i = 0; i < 100000; i++)
        expect(tether_CS_MAP(CS, CK_DB + i, CS, CK_SRC, R_ALL), "ck map 100k");
    ckpt_pause(0, NULL);
    ckpt_pause(1, NULL);
    sum = 0;
    for (unsigned i = 0; i < 8; i++)
        sum += ckpt_cpu(1);
    printf("bench: qemu.ckpt_1m_with_db100k %lu instr\n", (sum + 4) / 8);
    expect(tether_CS_UNMAP(CS, CK_SRC, 0), "ck unmap 100k");
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, CK_SRC), "ck src destroy");
    tether_CS_DELETE(CS, CK_SRC);
    ckpt_pause(0, NULL);
}


static void bench_persist(void)
{
    uint64_t r[4] = {0};
    if (tether_SYSTEM_STATS(ROOT_CAP_SYSTEM, r) != E_OK || !r[3]) {
        printf("bench image: no store: no checkpoint figures\n");
        return;
    }
    /* Restart of a store with about 1k objects; page tables are refilled
     * from the mapping slots on first access (P3). */
    ckpt_grow(1);
    objects_up_to(1000);
    restart_here("1k");
    uint64_t t0 = rdcycle();
    for (unsigned i = 0; i < 256; i++)
        (void)*(volatile uint64_t *)(ckpt_va + i * 4096UL);
    uint64_t first = rdcycle() - t0;
    t0 = rdcycle();
    for (unsigned i = 0; i < 256; i++)
        (void)*(volatile uint64_t *)(ckpt_va + i * 4096UL);
    uint64_t again = rdcycle() - t0;
    printf("bench: qemu.pt_refill_per_page %lu instr\n", first > again ? (first - again) / 256 : 0);

    ckpt_grow(16);
    ckpt_pause(16, NULL);  /* the first, full checkpoint */
    ckpt_pause(0, NULL);
    printf("bench: qemu.ckpt_pause_4m_of_16m %lu instr\n", ckpt_pause(4, NULL));
    ckpt_grow(200);
    ckpt_pause(200, NULL);
    ckpt_pause(0, NULL);
    uint64_t w1, w64;
    uint64_t p4 = ckpt_pause(4, NULL);
    printf("bench: qemu.ckpt_pause_4m_of_200m %lu instr\n", p4);
    uint64_t p1 = ckpt_pause(1, &w1);
    printf("bench: qemu.ckpt_pause_1m %lu instr\n", p1);
    printf("bench: qemu.ckpt_pause_4m %lu instr\n", p4);
    printf("bench: qemu.ckpt_pause_16m %lu instr\n", ckpt_pause(16, NULL));
    uint64_t t0w;
    __asm__ volatile("rdtime %0" : "=r"(t0w));
    uint64_t p64 = ckpt_pause(64, &w64);
    uint64_t t1w;
    __asm__ volatile("rdtime %0" : "=r"(t1w));
    /* From the call to the commit, by the wall clock (the time CSR, 10 MHz
     * on QEMU virt): only meaningful without -icount, where
     * tools/qemu-bench.sh takes it from. */
    uint64_t dt = t1w > t0w ? t1w - t0w : 1;
    printf("bench: qemu.ckpt_mib_per_s %lu.%lu MiB/s\n", 64UL * 10000000UL / dt,
           (64UL * 100000000UL / dt) % 10);
    printf("bench: qemu.ckpt_pause_64m %lu instr\n", p64);
    /* The CPU a checkpoint costs, pause and writer, per MiB written (the
     * fixed part of a 1 MiB one taken off). */
    uint64_t c1 = p1 + w1, c64 = p64 + w64;
    printf("bench: qemu.ckpt_instr_per_mib %lu instr\n", c64 > c1 ? (c64 - c1) / 63 : 0);
    /* Checkpoints of 1 MiB dirty each whose CPU (pause and writer) fits in
     * 10% of a second (one instruction is one virtual ns). */
    printf("bench: qemu.ckpt_per_s %lu /s\n", c1 ? 100000000UL / c1 : 0);
    bench_ckpt_mdb();
    objects_up_to(100000);
    restart_here("100k");
    ckpt_incr_db("db1k", 1024);
    ckpt_incr_db("db1m", 1u << 20);
}

int main(void)
{
    uint64_t c0 = rdcycle(), i0 = rdinstret();
    for (int i = 0; i < 1000; i++)
        __asm__ volatile("");
    uint64_t c1 = rdcycle(), i1 = rdinstret();
    printf("bench image: cycle delta %lu, instret delta %lu (equal under -icount)\n",
           c1 - c0, i1 - i0);

    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, SRC, 0), "create");
    /* Touch every path once so that the first sample is like the others. */
    expect(tether_CS_COPY(CS, DST, CS, SRC, R_ALL), "warm copy");
    expect(tether_CS_DELETE(CS, DST), "warm delete");

    for (int i = 0; i < ITERS; i++) {
        long e;
        TIMED(base, (void)0);
        TIMED(acc_null, e = null_syscall());
        expect(e == E_SYSCALL ? E_OK : e, "null syscall");
        TIMED(acc_yield, tether_yield());
        TIMED(acc_copy, e = tether_CS_COPY(CS, DST, CS, SRC, R_ALL));
        expect(e, "copy");
        TIMED(acc_del, e = tether_CS_DELETE(CS, DST));        /* a leaf root */
        expect(e, "delete");
        TIMED(acc_map, e = tether_CS_MAP(CS, DST, CS, SRC, R_ALL));
        expect(e, "map");
        TIMED(acc_unmap, e = tether_CS_UNMAP(CS, SRC, 0));    /* its one child */
        expect(e, "unmap");
    }
    /* The same UNMAP with a revocation registration (T4) on the child's
     * slot: it fires, signalling a notification nobody waits on. The
     * difference from unmap_1child is what the registration costs there. */
    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, WNTF, 0), "watch ntfn");
    expect(tether_CS_MINT(CS, WNTFB, CS, WNTF, R_ALL, 1, MINT_COPY), "watch mint");
    for (int i = 0; i < ITERS; i++) {
        uint64_t r[4];
        long e = tether_CS_MAP(CS, DST, CS, SRC, R_ALL);
        expect(e, "map");
        expect(tether_CS_WATCH(CS, DST, 1, WNTFB, r), "watch");
        TIMED(acc_unmap_w, e = tether_CS_UNMAP(CS, SRC, 0));  /* its one watched child */
        expect(e, "unmap watched");
        expect(tether_poll(WNTF, 0), "watch poll");
    }
    expect(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, WNTF), "watch ntfn destroy");
    uint64_t b = acc_avg(&base);
    printf("bench image: measurement overhead %lu instr (subtracted)\n", b);
    report("null_syscall", &acc_null, b);
    report("yield", &acc_yield, b);
    report("copy", &acc_copy, b);
    report("map", &acc_map, b);
    report("delete_leaf", &acc_del, b);
    report("unmap_1child", &acc_unmap, b);
    report("unmap_1child_notify", &acc_unmap_w, b);
    bench_ipc();
    bench_mem(b);
    bench_debate(b);
    bench_mdb(b);
    bench_persist();
    return errors ? 1 : 0;
}
