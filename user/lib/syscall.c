/* SPDX-License-Identifier: BSD-2-Clause */
/* syscall.c: the out-of-line parts of libtether (tether.h). */
#include "tether.h"

long tether_syscall(uint64_t num, const uint64_t in[7], uint64_t out[4])
{
    register uint64_t a0 __asm__("a0") = in[0];
    register uint64_t a1 __asm__("a1") = in[1];
    register uint64_t a2 __asm__("a2") = in[2];
    register uint64_t a3 __asm__("a3") = in[3];
    register uint64_t a4 __asm__("a4") = in[4];
    register uint64_t a5 __asm__("a5") = in[5];
    register uint64_t a6 __asm__("a6") = in[6];
    register uint64_t a7 __asm__("a7") = num;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4)
                     : "r"(a5), "r"(a6), "r"(a7)
                     : "memory");
    if (out) {
        out[0] = a1;
        out[1] = a2;
        out[2] = a3;
        out[3] = a4;
    }
    return (long)a0;
}

long tether_invoke(uint32_t cap, uint32_t label, const uint64_t args[6], uint64_t results[4])
{
    static const uint64_t zero[6];
    const uint64_t *a = args ? args : zero;
    return tether_invoke6(cap, label, a[0], a[1], a[2], a[3], a[4], a[5], results);
}

const struct tether_bootinfo *tether_bootinfo;
const struct tether_modinfo *tether_modinfo;

_Noreturn void tether_start(const unsigned long long *arg)
{
    if (arg && *arg == BOOTINFO_MAGIC)
        tether_bootinfo = (const struct tether_bootinfo *)arg;
    else if (arg && *arg == MODINFO_MAGIC)
        tether_modinfo = (const struct tether_modinfo *)arg;
    exit(main());
}

_Noreturn void exit(int status)
{
    uint64_t w[MSG_WORDS] = { (uint64_t)(long)status };
    for (;;) {
        if (!tether_modinfo) {
            tether_SYSTEM_POWEROFF(ROOT_CAP_SYSTEM, (uint64_t)(unsigned)status);
            continue;
        }
        /* A module: the end message, which its starter does not answer
         * (should it, or should the cap be gone: stop the first thread). */
        tether_call(MODULE_CAP_PARENT, MSG_INFO(MODULE_EXIT, 0), w);
        tether_THREAD_SUSPEND(MODULE_CAP_THREAD);
        tether_yield();
    }
}

int system_ok(void)
{
    uint64_t r[4];
    return tether_SYSTEM_CHECK(ROOT_CAP_SYSTEM, r) == E_OK && r[0] == 0;
}

/* First code of a spawned thread (a0 = its struct uthread). */
static _Noreturn void thread_main(struct uthread *t)
{
    t->result = t->fn(t->arg);
    t->done = 1;
    for (;;)
        tether_THREAD_SUSPEND(t->cap);
}

long thread_create(struct uthread *t, uint32_t bank, uint32_t cap, uint32_t cs, uint32_t as,
                   tether_thread_fn fn, void *arg, void *stack, unsigned long size, unsigned prio)
{
    uint64_t sp = ((uint64_t)stack + size) & ~15UL;
    t->cap = cap;
    t->fn = fn;
    t->arg = arg;
    t->result = 0;
    t->done = 0;
    long e = tether_BANK_CREATE(bank, OBJ_THREAD, ROOT_CAP_CSPACE, cap, 0);
    if (e == E_OK)
        e = tether_THREAD_CONFIGURE(cap, cs, as, (uint64_t)thread_main, sp, prio, (uint64_t)t);
    if (e == E_OK)
        e = thread_give_time(bank, cap, THREAD_FULL_TIME, THREAD_FULL_TIME);
    return e;
}

long thread_give_time(uint32_t bank, uint32_t cap, uint64_t budget, uint64_t period)
{
    uint32_t sc = THREAD_SC_OF(cap);
    long e = tether_BANK_CREATE(bank, OBJ_SCHEDCTX, ROOT_CAP_CSPACE, sc, 0);
    if (e == E_FULL)
        e = E_OK;  /* it has one: configure that */
    if (e == E_OK)
        e = tether_SC_CONFIGURE(sc, budget, period);
    if (e == E_OK)
        e = tether_THREAD_BIND_SC(cap, sc);
    return e;
}

long thread_spawn(struct uthread *t, uint32_t bank, uint32_t cap, tether_thread_fn fn, void *arg,
                  void *stack, unsigned long size, unsigned prio)
{
    long e = thread_create(t, bank, cap, ROOT_CAP_CSPACE, ROOT_CAP_ASPACE, fn, arg, stack, size,
                           prio);
    if (e == E_OK)
        e = tether_THREAD_START(cap);
    return e;
}

const char *tether_error_name(long err)
{
    static const char *const names[] = {
#define X(name, val, text) [val] = #name,
#include <tether/errors.def>
#undef X
    };
    if (err < 0 || (unsigned long)err >= sizeof names / sizeof names[0] || !names[err])
        return "E_?";
    return names[err];
}

const char *tether_fault_name(unsigned long kind)
{
    static const char *const names[] = {
#define X(name, val, text) [val] = #name,
#include <tether/faults.def>
#undef X
    };
    if (kind >= sizeof names / sizeof names[0] || !names[kind])
        return "FAULT_?";
    return names[kind];
}
