/* SPDX-License-Identifier: BSD-2-Clause */
/* trap.c: every entry from U-mode, mapped onto the core's kernel entries.
 *
 * trapvec.S has saved the user registers into the struct hal_regs the
 * kernel last returned to (its address is in sscratch while user code
 * runs): that is the current thread's (sched_cur) register block. We call
 * the matching kernel_* entry (kernel.h) and resume whatever it returns.
 * Nothing a user thread does can make the kernel fault: the core reads user
 * memory only after checking the page table, through the direct map. A
 * trap taken in S-mode is a kernel bug and panics (trap_kernel). */
#include <tether/abi.h>
#include "hal.h"
#include "hal_arch.h"
#include "kernel.h"
#include "riscv.h"
#include "sbi.h"
#include "trap.h"

#define TICKS_PER_SECOND 1000  /* 1 ms: the unit of SchedContext budgets */

extern char trap_vector[];
static u64 tick_interval;
static const struct kernel_boot *root;  /* the root task (kernel_root_stopped) */

static void timer_next(void)
{
    sbi_set_timer(csr_read(time) + tick_interval);
}

void trap_init(u64 timebase_hz)
{
    csr_write(stvec, (u64)trap_vector);
    csr_write(sscratch, 0);          /* 0 = "in the kernel" for trapvec.S */
    csr_write(scounteren, 7);        /* user may read cycle, time, instret */
    csr_clear(sstatus, SSTATUS_SPP); /* sret goes to U-mode (trapvec.S) */
    tick_interval = timebase_hz / TICKS_PER_SECOND;
}

void trap_timer_start(void)
{
    csr_set(sie, SIE_STIE);
    timer_next();
}

void trap_set_root(const struct kernel_boot *b)
{
    root = b;
}

/* scause of an exception -> FAULT_* (faults.def). */
static u32 fault_kind(u64 cause)
{
    switch (cause) {
    case EXC_ILLEGAL:        return FAULT_ILLEGAL;
    case EXC_LOAD_PAGE:
    case EXC_LOAD_ACCESS:    return FAULT_READ;
    case EXC_STORE_PAGE:
    case EXC_STORE_ACCESS:   return FAULT_WRITE;
    case EXC_INST_PAGE:
    case EXC_INST_ACCESS:    return FAULT_EXEC;
    case EXC_INST_MISALIGN:
    case EXC_LOAD_MISALIGN:
    case EXC_STORE_MISALIGN: return FAULT_ALIGN;
    case EXC_BREAKPOINT:     return FAULT_BREAK;
    default:                 return FAULT_OTHER;
    }
}

/* Nothing can run: wait for the timer. Interrupts stay globally disabled
 * in S-mode (the kernel is never interrupted); wfi still wakes up when an
 * enabled interrupt (sie.STIE) is pending, and we take the tick here. If
 * no thread will ever run again, the core says so, once (kernel_idle). */
static struct hal_regs *idle(void)
{
    struct hal_regs *r = NULL;
    while (!r) {
        while (kernel_idle() && !(csr_read(sip) & SIP_STIP))
            ;  /* the checkpoint writer has more to do */
        while (!(csr_read(sip) & SIP_STIP))
            __asm__ volatile("wfi");
        timer_next();                /* also clears sip.STIP */
        r = kernel_timer();
    }
    return r;
}

_Noreturn void trap_resume(struct hal_regs *r)
{
    if (__builtin_expect(!r, 0))
        r = idle();
    hal_return_to_user(r);
}

static _Noreturn void root_fault(u64 cause, u64 tval)
{
    kprintf("[kernel] the root thread faulted (scause %lu, stval %lx): powering off (status 255)\n",
            cause, tval);
    hal_poweroff(255);
}

_Noreturn void trap_user(struct hal_regs *r)
{
    u64 cause = csr_read(scause);
    /* r == &thread_body(sched_cur)->regs; ecalls went to kernel_syscall
     * directly from trapvec.S. */
    if (cause == EXC_ECALL_U)
        trap_resume(kernel_syscall());
    if (cause == (SCAUSE_INTR | IRQ_S_TIMER)) {
        timer_next();
        trap_resume(kernel_timer());
    }
    if (cause & SCAUSE_INTR) {
        kprintf("[kernel] unexpected interrupt %lx ignored\n", cause);
        hal_return_to_user(r);
    }
    u64 tval = csr_read(stval);
    struct hal_regs *next = kernel_exception(fault_kind(cause), tval);
    if (root && kernel_root_stopped(root))
        root_fault(cause, tval);    /* stopped: it had no fault handler */
    trap_resume(next);
}

/* A kernel store page fault (trapvec.S): the core's write tracking? */
int trap_kernel_fault(u64 stval)
{
    return kernel_write_fault(stval);
}

_Noreturn void trap_kernel(u64 scause, u64 stval, u64 sepc)
{
    kprintf("\nkernel trap: scause %lx stval %lx sepc %lx\n", scause, stval, sepc);
    hal_panic("fault in kernel mode");
}
