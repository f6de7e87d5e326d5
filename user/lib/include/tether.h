/* SPDX-License-Identifier: BSD-2-Clause */
/* tether.h: libtether, the user side of the ABI (the .def tables in include/tether).
 *
 *   tether_syscall / tether_invoke      raw system calls (inline ecall)
 *   tether_<LABEL>(cap, args..., r)     one typed wrapper per invocation
 *                                       label of labels.def, generated below
 *   tether_call, tether_send, ...       IPC: struct tether_msg (err, info,
 *                                       words, badge) from the registers
 *   tether_signal, tether_wait, ...     notifications (NTFN_* labels)
 *   tether_write, tether_yield          the other system calls
 *   exit, system_ok                     System object methods at ROOT_CAP_SYSTEM
 *   thread_spawn                        a thread running a function of
 *                                       this image, on a given stack
 *
 * A thread's function, here and in task.h, is a tether_thread_fn:
 *     long fn(void *arg)
 * as pthreads': arg is what the creator passed (a pointer, or a word cast
 * to one: (void *)(uintptr_t)ep), the result what the creator reads when
 * the thread is done. */
#ifndef LIBTETHER_H
#define LIBTETHER_H

#include <stdint.h>
#include <tether/abi.h>

/* ---- raw system calls (riscv64: number in a7, a0..a6 in, a0..a4 out) -- */

/* Generic form: returns a0 and fills out[0..3] from a1..a4 if out != NULL. */
long tether_syscall(uint64_t num, const uint64_t in[7], uint64_t out[4]);

/* SYS_INVOKE: call method `label` on the cap at cap address `cap` with six
 * argument words; returns the E_* code, results[0..3] if results != NULL.
 * A long operation (E_CONTINUE inside the kernel) is restarted by the
 * kernel itself: the caller sees one call. */
static inline long tether_invoke6(uint32_t cap, uint32_t label, uint64_t w0, uint64_t w1,
                                  uint64_t w2, uint64_t w3, uint64_t w4, uint64_t w5,
                                  uint64_t *results)
{
    register uint64_t a0 __asm__("a0") = cap | (uint64_t)label << 32;
    register uint64_t a1 __asm__("a1") = w0;
    register uint64_t a2 __asm__("a2") = w1;
    register uint64_t a3 __asm__("a3") = w2;
    register uint64_t a4 __asm__("a4") = w3;
    register uint64_t a5 __asm__("a5") = w4;
    register uint64_t a6 __asm__("a6") = w5;
    register uint64_t a7 __asm__("a7") = SYS_INVOKE;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4)
                     : "r"(a5), "r"(a6), "r"(a7)
                     : "memory");
    if (results) {
        results[0] = a1;
        results[1] = a2;
        results[2] = a3;
        results[3] = a4;
    }
    return (long)a0;
}

/* Same with the words in an array (args may be NULL: all zero). */
long tether_invoke(uint32_t cap, uint32_t label, const uint64_t args[6], uint64_t results[4]);

static inline long tether_write(const void *buf, unsigned long len)   /* SYS_WRITE */
{
    register uint64_t a0 __asm__("a0") = (uint64_t)buf;
    register uint64_t a1 __asm__("a1") = len;
    register uint64_t a7 __asm__("a7") = SYS_WRITE;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a7) : "memory");
    return (long)a0;
}

static inline long tether_yield(void)                                  /* SYS_YIELD */
{
    register uint64_t a0 __asm__("a0");
    register uint64_t a7 __asm__("a7") = SYS_YIELD;
    __asm__ volatile("ecall" : "=r"(a0) : "r"(a7) : "memory");
    return (long)a0;
}

/* ---- IPC (DESIGN.md §4, syscalls.def) ------------------------------------
 * A message is a label, six words (a1..a6; with transfer items the last
 * `items` words are ITEM(src, op, rights)) and, on receipt, the badge of
 * the sender's cap (a7). Every stub returns the registers the kernel left:
 *     err    E_* (low 32 bits of a0)
 *     info   msginfo (high 32 bits of a0): tmsg_label(m), tmsg_items(m)
 *     w[6]   a1..a6: the message received (recv, call, reply_recv)
 *     badge  a7: the badge of the cap the message came through (0 = none;
 *            a reply carries 0)
 * `info` arguments are MSG_INFO(label, items); `w` may be NULL (all zero).
 * On an error (err != E_OK) w and badge are whatever the registers held. */
struct tether_msg {
    long err;
    uint64_t info;
    uint64_t w[MSG_WORDS];
    uint64_t badge;
};
#define tmsg_label(m) MSG_LABEL((m).info)
#define tmsg_items(m) MSG_ITEMS((m).info)

/* The one IPC system call: a0 = cap | info << 32, a1..a6 = w. */
static inline struct tether_msg tether_ipc(uint64_t sys, uint32_t cap, uint64_t info,
                                           const uint64_t *w)
{
    register uint64_t a0 __asm__("a0") = cap | info << 32;
    register uint64_t a1 __asm__("a1") = w ? w[0] : 0;
    register uint64_t a2 __asm__("a2") = w ? w[1] : 0;
    register uint64_t a3 __asm__("a3") = w ? w[2] : 0;
    register uint64_t a4 __asm__("a4") = w ? w[3] : 0;
    register uint64_t a5 __asm__("a5") = w ? w[4] : 0;
    register uint64_t a6 __asm__("a6") = w ? w[5] : 0;
    register uint64_t a7 __asm__("a7") = sys;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6),
                       "+r"(a7)
                     :
                     : "memory");
    struct tether_msg m = { (long)(uint32_t)a0, a0 >> 32, { a1, a2, a3, a4, a5, a6 }, a7 };
    return m;
}

/* call: send to endpoint `ep` and wait for the reply (I1, I2); the result
 * is the reply. Through a wrapper, or on a kernel object, the same call. */
static inline struct tether_msg tether_call(uint32_t ep, uint64_t info, const uint64_t *w)
{
    return tether_ipc(SYS_INVOKE, ep, info, w);
}
/* send: block until a receiver took the message (err only). */
static inline struct tether_msg tether_send(uint32_t ep, uint64_t info, const uint64_t *w)
{
    return tether_ipc(SYS_SEND, ep, info, w);
}
/* nb_send: E_WOULDBLOCK if no receiver waits. */
static inline struct tether_msg tether_nb_send(uint32_t ep, uint64_t info, const uint64_t *w)
{
    return tether_ipc(SYS_NB_SEND, ep, info, w);
}
/* recv: wait for a message on `ep`; a call leaves a one-shot reply right. */
static inline struct tether_msg tether_recv(uint32_t ep)
{
    return tether_ipc(SYS_RECV, ep, 0, 0);
}
/* nb_recv: E_WOULDBLOCK if no sender waits. */
static inline struct tether_msg tether_nb_recv(uint32_t ep)
{
    return tether_ipc(SYS_NB_RECV, ep, 0, 0);
}
/* reply: answer the last call received (E_EMPTY: no reply right, e.g. used
 * already; E_REVOKED: the caller is gone). To a fault message, label
 * FAULT_REPLY_RETRY retries the instruction, FAULT_REPLY_SETPC resumes at w[0]. */
static inline struct tether_msg tether_reply(uint64_t info, const uint64_t *w)
{
    return tether_ipc(SYS_REPLY, 0, info, w);
}
/* reply_recv: reply, then wait on `ep`; the result is the next message. */
static inline struct tether_msg tether_reply_recv(uint32_t ep, uint64_t info, const uint64_t *w)
{
    return tether_ipc(SYS_REPLY_RECV, ep, info, w);
}

/* ---- program start and end (crt0.S) ---------------------------------------
 * Every program starts in tether_start, which records what the kernel or
 * its starter passed in a0 and returns main()'s result through exit():
 *   tether_bootinfo  the root task: the boot information (<tether/abi.h>:
 *                    boot modules, cmdline), NULL in any other task
 *   tether_modinfo   a task started from a boot module (module.h): its
 *                    name and its starter's words, NULL in the root task
 * (Tasks made with task_create have the snapshot of these the image had.) */
int main(void);
extern const struct tether_bootinfo *tether_bootinfo;
extern const struct tether_modinfo *tether_modinfo;
_Noreturn void tether_start(const unsigned long long *arg);

/* End the program. The root task (no tether_modinfo): SYSTEM_POWEROFF(status)
 * on the cap at ROOT_CAP_SYSTEM, so the kernel powers the machine off and
 * QEMU exits with `status` (0 = success); without that cap the call fails
 * and exit retries forever. A module: calls MODULE_CAP_PARENT with label
 * MODULE_EXIT and word 0 = status (module_wait returns it), and never
 * returns (the call is not answered; answered, it suspends the module's
 * first thread). */
_Noreturn void exit(int status);

/* SYSTEM_CHECK on ROOT_CAP_SYSTEM: 1 if the kernel's invariants hold (the
 * call succeeded with r0 = 0), else 0 (the kernel printed the violation, or
 * the call failed: no System cap with R_READ there). */
int system_ok(void);

/* ---- typed invocation wrappers, generated from labels.def --------------
 * For
 *     X(CS_COPY, 0x10, OBJ_CSPACE, "...", IN(dst, "...") IN(src_cs, "...")
 *       IN(src, "...") IN(rights, "..."), )
 * this defines
 *     long tether_CS_COPY(uint32_t cap, uint64_t dst, uint64_t src_cs,
 *                         uint64_t src, uint64_t rights);
 * and for a label with results (OUT(...)) a last parameter uint64_t r[4]
 * (may be NULL): r[TETHER_OUT_INDEX(CS_INFO, badge)] is CS_INFO's `badge`.
 * docs/manual.md describes every parameter, the rights each method needs,
 * every error it returns and when, what it changes and what it costs. */
#define IN(n, doc) (n, doc)
#define OUT(n, doc) (n, doc)
/* The first name of a sequence (n, doc)(n, doc)..., and the rest of it. */
#define TT_HEAD(s) TT_HEAD_I(TT_HEAD_II s)
#define TT_HEAD_I(x) TT_FIRST(x)
#define TT_HEAD_II(n, d) n, TT_NIL
#define TT_FIRST(a, b) a
#define TT_TAIL(s) TT_DROP s
#define TT_DROP(n, d)
/* ", uint64_t n" for each name of a sequence of k */
#define TT_PARAMS(s) TETHER_CAT(TT_PARAMS_, TETHER_SEQ_COUNT(s))(s)
#define TT_PARAMS_0(s)
#define TT_PARAMS_1(s) , uint64_t TT_HEAD(s)
#define TT_PARAMS_2(s) , uint64_t TT_HEAD(s) TT_PARAMS_1(TT_TAIL(s))
#define TT_PARAMS_3(s) , uint64_t TT_HEAD(s) TT_PARAMS_2(TT_TAIL(s))
#define TT_PARAMS_4(s) , uint64_t TT_HEAD(s) TT_PARAMS_3(TT_TAIL(s))
#define TT_PARAMS_5(s) , uint64_t TT_HEAD(s) TT_PARAMS_4(TT_TAIL(s))
#define TT_PARAMS_6(s) , uint64_t TT_HEAD(s) TT_PARAMS_5(TT_TAIL(s))
/* "n, " for each name, then "0, " up to the six argument words */
#define TT_WORDS(s) TETHER_CAT(TT_WORDS_, TETHER_SEQ_COUNT(s))(s)
#define TT_WORDS_0(s) 0, 0, 0, 0, 0, 0,
#define TT_WORDS_1(s) TT_HEAD(s), 0, 0, 0, 0, 0,
#define TT_WORDS_2(s) TT_HEAD(s), TT_NAMES_1(TT_TAIL(s)) 0, 0, 0, 0,
#define TT_WORDS_3(s) TT_HEAD(s), TT_NAMES_2(TT_TAIL(s)) 0, 0, 0,
#define TT_WORDS_4(s) TT_HEAD(s), TT_NAMES_3(TT_TAIL(s)) 0, 0,
#define TT_WORDS_5(s) TT_HEAD(s), TT_NAMES_4(TT_TAIL(s)) 0,
#define TT_WORDS_6(s) TT_HEAD(s), TT_NAMES_5(TT_TAIL(s))
#define TT_NAMES_1(s) TT_HEAD(s),
#define TT_NAMES_2(s) TT_HEAD(s), TT_NAMES_1(TT_TAIL(s))
#define TT_NAMES_3(s) TT_HEAD(s), TT_NAMES_2(TT_TAIL(s))
#define TT_NAMES_4(s) TT_HEAD(s), TT_NAMES_3(TT_TAIL(s))
#define TT_NAMES_5(s) TT_HEAD(s), TT_NAMES_4(TT_TAIL(s))
/* the results parameter r: none without results */
#define TT_RPARAM(s) TETHER_CAT(TT_RPARAM_, TETHER_SEQ_COUNT(s))
#define TT_RARG(s) TETHER_CAT(TT_RARG_, TETHER_SEQ_COUNT(s))
#define TT_RPARAM_0
#define TT_RPARAM_1 , uint64_t r[4]
#define TT_RPARAM_2 TT_RPARAM_1
#define TT_RPARAM_3 TT_RPARAM_1
#define TT_RPARAM_4 TT_RPARAM_1
#define TT_RARG_0 0
#define TT_RARG_1 r
#define TT_RARG_2 r
#define TT_RARG_3 r
#define TT_RARG_4 r
#define X(name, val, type, doc, in, out, ...)                                   \
    static inline long tether_##name(uint32_t cap TT_PARAMS(in) TT_RPARAM(out)) \
    {                                                                       \
        return tether_invoke6(cap, name, TT_WORDS(in) TT_RARG(out));        \
    }
#include <tether/labels.def>
#undef X
#undef IN
#undef OUT

/* ---- notifications (labels.def: NTFN_*, THREAD_BIND_NTFN) ----------------
 * signal ORs the badge of cap `n` (minted: CS_MINT) into the word; wait
 * returns the word, blocking while it is 0; poll never blocks (0: none).
 * A thread bound with tether_THREAD_BIND_NTFN(thread, n) also gets the
 * signals in tether_recv / tether_reply_recv: err == E_NOTIFIED, the word
 * in badge, no message. */
static inline long tether_signal(uint32_t n) { return tether_NTFN_SIGNAL(n); }
static inline long tether_wait(uint32_t n, uint64_t *word)
{
    uint64_t r[4];
    long e = tether_NTFN_WAIT(n, r);
    if (word)
        *word = e == E_OK ? r[TETHER_OUT_INDEX(NTFN_WAIT, word)] : 0;
    return e;
}
static inline long tether_poll(uint32_t n, uint64_t *word)
{
    uint64_t r[4];
    long e = tether_NTFN_POLL(n, r);
    if (word)
        *word = e == E_OK ? r[TETHER_OUT_INDEX(NTFN_POLL, word)] : 0;
    return e;
}

/* ---- threads ------------------------------------------------------------ */

/* What a thread runs (thread_spawn, thread_create, task_spawn, ...): fn(arg);
 * when it returns, its result is kept and the thread suspends itself. */
typedef long (*tether_thread_fn)(void *arg);

/* A thread of this program, made by thread_spawn. The kernel object is the
 * cap at `cap` in the root CSpace; `done`/`result` are set when fn returns
 * (the thread then suspends itself). */
struct uthread {
    uint32_t cap;
    tether_thread_fn fn;
    void *arg;
    volatile long result;
    volatile int done;
};

/* Create a thread object from `bank` at cap address `cap` of the root
 * CSpace, configured to run fn(arg) in the root AddrSpace and CSpace on the
 * stack [stack, stack + size) with priority prio, and start it. Returns the
 * E_* code of the first step that failed (then t is not running). */
/* CPU time for the thread at cap (T1): a SchedContext from bank at
 * THREAD_SC_OF(cap) of the root CSpace (made if that slot is empty),
 * configured with budget/period (ticks) and bound to it. thread_create and
 * task threads get THREAD_FULL_TIME of their period: they never run out. */
#define THREAD_SC_OF(cap) ((cap) + (1u << 21))
#define THREAD_FULL_TIME 1000u
long thread_give_time(uint32_t bank, uint32_t cap, uint64_t budget, uint64_t period);
long thread_spawn(struct uthread *t, uint32_t bank, uint32_t cap, tether_thread_fn fn, void *arg,
                  void *stack, unsigned long size, unsigned prio);

/* The same without starting it (THREAD_START does), configured with cap
 * addresses cs and as of the root CSpace. The thread runs fn with cap
 * addresses of `cs`; when fn returns it suspends itself through t->cap,
 * looked up in `cs` (copy the thread cap there at the same address, or
 * never return from fn). */
long thread_create(struct uthread *t, uint32_t bank, uint32_t cap, uint32_t cs, uint32_t as,
                   tether_thread_fn fn, void *arg, void *stack, unsigned long size, unsigned prio);

/* Text of an error code (errors.def), of a fault kind (faults.def). */
const char *tether_error_name(long err);
const char *tether_fault_name(unsigned long kind);

#endif
