/* SPDX-License-Identifier: BSD-2-Clause */
/* t_hostile.c: hostile threads. Each is a thread of the test root task, in
 * its own AddrSpace and CSpace, at the root thread's priority, doing one
 * hostile thing. The kernel must stop it (THREAD_FAULTED with the right
 * fault kind and address), answer it with an error, or preempt it -- and
 * go on running everything else. */
#include "harness.h"
#include "layout.h"
#include "tether.h"
#include "ulib.h"

#define KERNEL_VA   0xffffffc080200000UL   /* the kernel image */
#define UNMAPPED_VA 0x50000000UL
#define NONCANON_VA 0x8000000000UL         /* beyond Sv39's 39 bits */
#define MAX_YIELDS  50

static char stack[8192] __attribute__((aligned(16)));

static long illegal(void *a) { __asm__ volatile(".word 0"); return (long)a; }
static long priv_csr(void *a) { __asm__ volatile("csrw satp, zero"); return (long)a; }
static long sret_user(void *a) { __asm__ volatile("sret"); return (long)a; }
static long load_kernel(void *a) { return (long)a + *(volatile long *)KERNEL_VA; }
static long store_kernel(void *a) { *(volatile long *)KERNEL_VA = (long)a; return (long)a; }
static long jump_kernel(void *a) { ((void (*)(void))KERNEL_VA)(); return (long)a; }
static long load_unmapped(void *a) { return (long)a + *(volatile long *)UNMAPPED_VA; }
static long store_unmapped(void *a) { *(volatile long *)UNMAPPED_VA = (long)a; return (long)a; }
static long jump_unmapped(void *a) { ((void (*)(void))UNMAPPED_VA)(); return (long)a; }
static long load_noncanon(void *a) { return (long)a + *(volatile long *)NONCANON_VA; }
static long store_text(void *a) { *(volatile long *)(uintptr_t)&illegal = (long)a; return (long)a; }
static long breakpoint(void *a) { __asm__ volatile("ebreak"); return (long)a; }
static long misaligned_amo(void *arg)
{
    long a = (long)arg;
    static long word[2];
    long out;
    __asm__ volatile("amoadd.w %0, %1, (%2)" : "=r"(out) : "r"(a), "r"((char *)word + 1) : "memory");
    return out;
}

/* Faults: kind and (if addr != 0) the fault address THREAD_INFO reports. */
static const struct {
    const char *name;
    tether_thread_fn fn;
    unsigned kind;
    uint64_t addr;
} faults[] = {
    { "illegal_instruction", illegal, FAULT_ILLEGAL, 0 },
    { "privileged_csr_write", priv_csr, FAULT_ILLEGAL, 0 },
    { "sret_in_user_mode", sret_user, FAULT_ILLEGAL, 0 },
    { "load_kernel_address", load_kernel, FAULT_READ, KERNEL_VA },
    { "store_kernel_address", store_kernel, FAULT_WRITE, KERNEL_VA },
    { "jump_kernel_address", jump_kernel, FAULT_EXEC, KERNEL_VA },
    { "load_unmapped", load_unmapped, FAULT_READ, UNMAPPED_VA },
    { "store_unmapped", store_unmapped, FAULT_WRITE, UNMAPPED_VA },
    { "jump_unmapped", jump_unmapped, FAULT_EXEC, UNMAPPED_VA },
    { "load_noncanonical", load_noncanon, FAULT_READ, NONCANON_VA },
    { "store_own_text", store_text, FAULT_WRITE, 0 /* checked below */ },
    { "breakpoint", breakpoint, FAULT_BREAK, 0 },
    { "misaligned_atomic", misaligned_amo, FAULT_ALIGN, 0 },
};

/* Spawn fn at the root's priority, let it run, return its THREAD_INFO. */
static long run_thread(struct uthread *t, tether_thread_fn fn, long arg, uint64_t info[4])
{
    long e = thread_spawn(t, ROOT_CAP_BANK, fresh_slot(), fn, (void *)(uintptr_t)arg, stack,
                          sizeof stack, ROOT_THREAD_PRIO);
    if (e != E_OK)
        return e;
    for (int i = 0; i < MAX_YIELDS; i++) {
        tether_yield();              /* round robin: t runs until it stops */
        if ((e = tether_THREAD_INFO(t->cap, info)) != E_OK || info[0] != THREAD_RUNNABLE)
            break;
    }
    return e;
}

static long destroy(uint32_t cap)
{
    return tether_BANK_DESTROY(ROOT_CAP_BANK, ROOT_CAP_CSPACE, cap);
}

TEST(hostile_faults)
{
    for (unsigned i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        struct uthread t;
        uint64_t info[4] = { 0 };
        uint64_t want_addr = faults[i].addr;
        if (faults[i].fn == store_text)
            want_addr = (uintptr_t)&illegal;
        long e = run_thread(&t, faults[i].fn, 1, info);
        int ok = e == E_OK && info[0] == THREAD_FAULTED && info[1] == faults[i].kind &&
                 (!want_addr || info[2] == want_addr) && !t.done;
        if (faults[i].fn == jump_kernel || faults[i].fn == jump_unmapped)
            ok = ok && info[3] == want_addr;       /* the pc is the target */
        if (!ok)
            printf("  %s: %s, state %lu, %s addr %lx pc %lx\n", faults[i].name,
                   tether_error_name(e), info[0], tether_fault_name(info[1]), info[2], info[3]);
        if (destroy(t.cap) != E_OK)
            ok = 0;
        subtest(faults[i].name, ok);
    }
}

static long bad_write_pointer(void *a) { return tether_write((void *)KERNEL_VA, (unsigned long)a); }
static long bad_cap_address(void *a) { return tether_BANK_QUERY(CAP_ADDR_LIMIT + (uint32_t)(long)a, 0); }
static long wrong_object_type(void *arg)
{
    long a = (long)arg;
    /* A bank cap where a CSpace is needed; then a label the type lacks. */
    long e = tether_CS_COPY(ROOT_CAP_CSPACE, (uint64_t)a, ROOT_CAP_BANK, ROOT_CAP_BANK, R_ALL);
    return e == E_TYPE ? tether_THREAD_START(ROOT_CAP_BANK) : -1;
}
static long unknown_syscall(void *a)
{
    uint64_t in[7] = { (uint64_t)a };
    return tether_syscall(0x7777, in, 0);
}

/* A thread (at the root's priority) tries to make a thread above itself,
 * which could starve everyone: refused (maximum controlled priority). */
static long higher_priority_thread(void *arg)
{
    long a = (long)arg;
    long slot = (long)fresh_slot() + a;
    long e = tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_THREAD, ROOT_CAP_CSPACE, (uint64_t)slot, 0);
    if (e != E_OK)
        return -1;
    e = tether_THREAD_CONFIGURE((uint32_t)slot, ROOT_CAP_CSPACE, ROOT_CAP_ASPACE, 0, 0,
                                ROOT_THREAD_PRIO + 1, 0);
    long d = tether_BANK_DESTROY(ROOT_CAP_BANK, ROOT_CAP_CSPACE, (uint64_t)slot);
    return d == E_OK ? e : -1;
}

/* Errors: the thread gets an error code and goes on (returns, suspends). */
static const struct {
    const char *name;
    tether_thread_fn fn;
    long arg, err;
} errors[] = {
    { "bad_pointer_to_write", bad_write_pointer, 8, E_FAULT },
    { "bad_cap_address", bad_cap_address, 5, E_BADCAP },
    { "wrong_object_type", wrong_object_type, 900, E_LABEL },
    { "unknown_syscall_number", unknown_syscall, 0, E_SYSCALL },
    { "thread_above_own_priority", higher_priority_thread, 0, E_RIGHTS },
};

TEST(hostile_calls_get_errors)
{
    for (unsigned i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        struct uthread t;
        uint64_t info[4] = { 0 };
        long e = run_thread(&t, errors[i].fn, errors[i].arg, info);
        int ok = e == E_OK && info[0] == THREAD_INACTIVE && t.done && t.result == errors[i].err;
        if (!ok)
            printf("  %s: %s, state %lu, done %d, result %s\n", errors[i].name,
                   tether_error_name(e), info[0], t.done, tether_error_name(t.result));
        if (destroy(t.cap) != E_OK)
            ok = 0;
        subtest(errors[i].name, ok);
    }
}

static volatile unsigned long spins;
static long spin(void *arg)
{
    long a = (long)arg;
    for (;;)
        spins += (unsigned long)a;
}

TEST(spin_forever_is_preempted)
{
    struct uthread t;
    uint64_t info[4];
    spins = 0;
    CHECK_EQ(thread_spawn(&t, ROOT_CAP_BANK, fresh_slot(), spin, (void *)(uintptr_t)1, stack,
                          sizeof stack, ROOT_THREAD_PRIO),
             E_OK);
    /* Same priority: each yield lets the spinner run until the timer
     * preempts it, then the root thread runs again. */
    for (int i = 0; i < 3; i++) {
        unsigned long s = spins;
        CHECK_EQ(tether_yield(), E_OK);
        CHECK(spins > s);
    }
    CHECK_EQ(tether_THREAD_INFO(t.cap, info), E_OK);
    CHECK_EQ(info[0], THREAD_RUNNABLE);
    CHECK_EQ(tether_THREAD_SUSPEND(t.cap), E_OK);
    unsigned long s = spins;
    CHECK_EQ(tether_yield(), E_OK);
    CHECK_EQ(spins, s);
    CHECK_EQ(tether_THREAD_INFO(t.cap, info), E_OK);
    CHECK_EQ(info[0], THREAD_INACTIVE);
    CHECK_EQ(destroy(t.cap), E_OK);
    CHECK_EQ(tether_THREAD_INFO(t.cap, info), E_REVOKED);
}

/* A thread with an empty CSpace tries to power the machine off: the old
 * SYS_HALT number is no system call any more, and its ROOT_CAP_SYSTEM slot
 * is empty. It can't suspend itself (no cap to its thread either), so it
 * leaves its answers here and spins until destroyed. */
#define OLD_SYS_HALT 3u
#define HALT_STATUS  77  /* QEMU's exit status, were it powered off */
static volatile long halt_answers[2];
static long power_off_without_cap(void *arg)
{
    long a = (long)arg;
    uint64_t in[7] = { (uint64_t)a };
    halt_answers[0] = tether_syscall(OLD_SYS_HALT, in, 0);
    halt_answers[1] = tether_SYSTEM_POWEROFF(ROOT_CAP_SYSTEM, (uint64_t)a);
    return 0;
}

TEST(hostile_power_off_without_the_system_cap)
{
    struct uthread t;
    uint32_t cs = fresh_slot();
    uint64_t r[4];
    halt_answers[0] = halt_answers[1] = -1;
    CHECK_EQ(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_CSPACE, ROOT_CAP_CSPACE, cs, 0), E_OK);
    CHECK_EQ(thread_create(&t, ROOT_CAP_BANK, fresh_slot(), cs, ROOT_CAP_ASPACE,
                           power_off_without_cap, (void *)(uintptr_t)HALT_STATUS, stack,
                           sizeof stack, ROOT_THREAD_PRIO),
             E_OK);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    for (int i = 0; i < MAX_YIELDS && !t.done; i++)
        tether_yield();
    CHECK(t.done);
    CHECK_EQ(halt_answers[0], E_SYSCALL);
    CHECK_EQ(halt_answers[1], E_EMPTY);
    CHECK_EQ(destroy(t.cap), E_OK);
    CHECK_EQ(destroy(cs), E_OK);
    /* Still running; the root task's own System cap works. */
    CHECK_EQ(tether_SYSTEM_CHECK(ROOT_CAP_SYSTEM, r), E_OK);
    CHECK_EQ(r[0], 0);
}

TEST(kernel_still_serves_after_hostile_threads)
{
    uint64_t r[4];
    CHECK_EQ(tether_BANK_QUERY(ROOT_CAP_BANK, r), E_OK);
    CHECK(r[0] > 0 && r[1] >= r[0]);
    CHECK_EQ(tether_THREAD_INFO(ROOT_CAP_THREAD, r), E_OK);
    CHECK_EQ(r[0], THREAD_RUNNABLE);
}
