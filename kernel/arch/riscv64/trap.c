/* trap.c: what the kernel does on each entry from U-mode.
 *
 * Every entry runs to completion on the one kernel stack and ends by
 * returning to some user context: the same one (a syscall), the next one
 * (yield, timer preemption) or another one because this one ended (a fault).
 * Nothing a user task does can make the kernel fault: user memory is only
 * read after checking the task's page table, through the direct map. */
#include <tether/abi.h>
#include "bootinfo.h"
#include "hal.h"
#include "hal_arch.h"
#include "kernel.h"
#include "riscv.h"
#include "sbi.h"
#include "task.h"
#include "trap.h"

#define TICKS_PER_SECOND 100
#define SYS_WRITE_MAX    65536   /* bounds the time one SYS_WRITE spends */

extern char trap_vector[];
static u64 tick_interval;

static void timer_next(void)
{
    sbi_set_timer(csr_read(time) + tick_interval);
}

void trap_init(u64 timebase_hz)
{
    csr_write(stvec, (u64)trap_vector);
    csr_write(sscratch, 0);          /* 0 = "in the kernel" for trap.S */
    csr_write(scounteren, 7);        /* user may read cycle, time, instret */
    tick_interval = timebase_hz / TICKS_PER_SECOND;
}

void trap_timer_start(void)
{
    csr_set(sie, SIE_STIE);
    timer_next();
}

/* SYS_WRITE: check the whole range before writing anything, so a bad
 * pointer writes nothing and returns E_FAULT. */
static u64 sys_write(u64 ptr, u64 len)
{
    u32 rights;
    if (len == 0)
        return E_OK;
    if (ptr >= USER_TOP || len > USER_TOP - ptr)
        return E_FAULT;
    if (len > SYS_WRITE_MAX)
        return E_INVAL;
    for (u64 va = PAGE_ROUND_DOWN(ptr); va < ptr + len; va += PAGE_SIZE)
        if (!hal_pt_lookup(&current->pt, va, &rights) || !(rights & R_READ))
            return E_FAULT;
    for (u64 va = ptr; va < ptr + len; va++) {
        const u8 *page = hal_pt_lookup(&current->pt, va, &rights);
        hal_putc((char)page[va % PAGE_SIZE]);
    }
    return E_OK;
}

/* SYS_INVOKE: a0 = cap address | label << 32, a1..a6 = words;
 * returns a0 = error, a1..a4 = results. */
static void sys_invoke(struct hal_regs *r)
{
    u64 *a = &r->x[REG_A0];
    u64 args[INVOKE_ARGS], results[INVOKE_RESULTS] = { 0 };
    if (!current->cspace) {          /* only the root task has a CSpace yet */
        a[0] = E_BADCAP;
        return;
    }
    for (unsigned i = 0; i < INVOKE_ARGS; i++)
        args[i] = a[1 + i];
    a[0] = (u64)kernel_invoke(current->cspace, a[0], args, results);
    for (unsigned i = 0; i < INVOKE_RESULTS; i++)
        a[1 + i] = results[i];
}

static _Noreturn void syscall(struct hal_regs *r)
{
    r->pc += 4;                      /* return past the ecall */
    switch (r->x[REG_A7]) {
    case SYS_INVOKE:
        sys_invoke(r);
        break;
    case SYS_WRITE:
        r->x[REG_A0] = sys_write(r->x[REG_A0], r->x[REG_A0 + 1]);
        break;
    case SYS_YIELD:
        r->x[REG_A0] = E_OK;
        task_run_next();
    default:
        r->x[REG_A0] = E_SYSCALL;
        break;
    }
    hal_return_to_user(r);
}

_Noreturn void trap_user(struct hal_regs *r)
{
    u64 cause = csr_read(scause), tval = csr_read(stval);

    if (cause == (SCAUSE_INTR | IRQ_S_TIMER)) {
        timer_next();
        task_tick();
        task_run_next();             /* preemption */
    }
    if (cause & SCAUSE_INTR) {
        kprintf("[kernel] unexpected interrupt %lx ignored\n", cause);
        hal_return_to_user(r);
    }
    if (cause == EXC_ECALL_U)
        syscall(r);
    if (cause == EXC_BREAKPOINT)
        task_end(current, TASK_EXITED, cause, r->x[REG_A0]);
    task_end(current, TASK_KILLED, cause, tval);
}

_Noreturn void trap_kernel(u64 scause, u64 stval, u64 sepc)
{
    kprintf("\nkernel trap: scause %lx stval %lx sepc %lx\n", scause, stval, sepc);
    hal_panic("fault in kernel mode");
}
