/* SPDX-License-Identifier: BSD-2-Clause */
/* syscall.c: the kernel entries a machine calls, and system calls.
 *
 * The machine saves the user registers of the current thread into its
 * struct hal_regs (the one the last entry returned), calls one of the
 * kernel_* entries, and returns to the registers that entry returns (or
 * waits for an interrupt on NULL). Every entry runs to completion; a long
 * invocation that answers E_CONTINUE leaves the pc on the ecall, so the
 * thread simply executes it again (after any preemption): restarts are
 * invisible to user code. */
#include "kernel.h"
#include "aspace.h"
#include "debug.h"
#include "invoke.h"
#include "endpoint.h"
#include "sched.h"
#include "hal.h"
#include "persist.h"

/* WRITE_MAX (abi.h): bytes per SYS_WRITE, bounds the time in the kernel. */

static __attribute__((noinline)) u64 sys_write(struct thread *th, u64 va, u64 n)
{
    u8 buf[256];
    if (n > WRITE_MAX)
        return E_INVAL;
    /* Check the whole range first: a bad pointer writes nothing. */
    if (!aspace_readable(th->aspace.obj, va, n))
        return E_FAULT;
    while (n) {
        u64 k = n < sizeof buf ? n : sizeof buf;
        aspace_copy_in(th->aspace.obj, va, buf, k);
        for (u64 i = 0; i < k; i++)
            hal_putc((char)buf[i]);
        va += k, n -= k;
    }
    return E_OK;
}

/* Look up the endpoint a0 names for an IPC system call. */
static int ipc_target(struct thread *th, struct target *tg)
{
    int e = kernel_lookup(th->cspace.obj, (u32)th->regs.x[REG_MSGINFO], tg);
    if (e == E_OK && tg->type != OBJ_ENDPOINT)
        e = E_TYPE;
    return e;
}

/* SYS_INVOKE (I4): one call for everything; an endpoint makes it IPC. The
 * thread's CSpace is live: sched_next checked it before the thread ran. */
static struct hal_regs *sys_invoke(oref t, struct thread *th)
{
    u64 *x = th->regs.x;
    struct inv iv;
    struct hal_regs *fast;
    int e = cap_lookup(th->cspace.obj, (u32)x[REG_MSGINFO], &iv.t);
    if (e == E_OK && iv.t.type == OBJ_ENDPOINT) {
        if ((fast = ipc_call_fast(t, &iv.t)))
            return fast;
        return ipc_send(t, &iv.t, true, true);
    }
    if (e == E_OK) {
        iv.caller_cs = th->cspace.obj;
        iv.caller = t;
        iv.cptr = (u32)x[REG_MSGINFO];
        iv.label = (u32)(x[REG_MSGINFO] >> 32);
        iv.a = &x[REG_MSG(0)];
        iv.r = &x[REG_MSG(0)];  /* results go straight to a1..a4 (invoke.h) */
        e = kernel_dispatch(&iv);
    }
    if (e == E_CONTINUE) {
        if (__builtin_expect(persist_requested != 0, 0))
            persist_run_requested();  /* SYSTEM_CHECKPOINT: between two entries */
        return sched_next();  /* pc stays on the ecall: it runs again */
    }
    if (sched_cur != t)
        return sched_next();  /* the thread destroyed itself */
    x[REG_MSGINFO] = (u64)e;
    hal_syscall_done(&th->regs);
    return sched_next();
}

/* IPC system calls other than the call (sys_invoke). */
static __attribute__((noinline)) struct hal_regs *sys_ipc(oref t, struct thread *th, u64 n)
{
    struct target tg;
    struct hal_regs *fast;
    int e;
    if (n == SYS_REPLY)
        return ipc_reply(t, NULL);
    if (n == SYS_REPLY_RECV && (fast = ipc_replyrecv_fast(t)))
        return fast;
    if ((e = ipc_target(th, &tg)) != E_OK) {
        th->regs.x[REG_MSGINFO] = (u64)e;
        hal_syscall_done(&th->regs);
        return sched_next();
    }
    switch (n) {
    case SYS_SEND:
    case SYS_NB_SEND:
        return ipc_send(t, &tg, false, n == SYS_SEND);
    case SYS_RECV:
    case SYS_NB_RECV:
        return ipc_recv(t, &tg, n == SYS_RECV);
    default: /* SYS_REPLY_RECV */
        return ipc_reply(t, &tg);
    }
}

/* The rest: console, yield, unknown numbers (powering off is a System
 * object method, not a system call). */
static __attribute__((noinline)) struct hal_regs *sys_misc(struct thread *th, u64 n)
{
    u64 *x = th->regs.x;
    switch (n) {
    case SYS_WRITE:
        x[REG_MSGINFO] = sys_write(th, x[REG_MSGINFO], x[REG_MSG(0)]);
        break;
    case SYS_YIELD:
        x[REG_MSGINFO] = E_OK;
        sched_yield();
        break;
    default:
        x[REG_MSGINFO] = E_SYSCALL;
        break;
    }
    hal_syscall_done(&th->regs);
    return sched_next();
}

_Static_assert(SYS_REPLY_RECV - SYS_SEND == 5, "IPC system calls are numbered contiguously");

/* Dispatch on a7; every case is a tail call (a lean hot path). */
struct hal_regs *kernel_syscall(void)
{
    oref t = sched_cur;
    struct thread *th = thread_body(t);
    u64 n = th->regs.x[REG_SYSNO];
    if (n == SYS_INVOKE)
        return sys_invoke(t, th);
    if (n >= SYS_SEND && n <= SYS_REPLY_RECV)
        return sys_ipc(t, th, n);
    return sys_misc(th, n);
}

/* The right an access of fault kind f needs. */
static u32 fault_need(u32 f)
{
    return f == FAULT_WRITE ? R_WRITE : f == FAULT_EXEC ? R_EXEC : R_READ;
}

struct hal_regs *kernel_exception(u32 fault, u64 addr)
{
    oref t = sched_cur;
    if (t) {
        struct thread *th = thread_body(t);
        th->fault = fault;
        th->fault_addr = addr;
        th->fault_pc = th->regs.pc;
        /* I5: a message to its fault handler; without one, it stops. */
        /* P3: the page table is a cache of the mapping slots. */
        if (fault >= FAULT_READ && fault <= FAULT_EXEC &&
            aspace_refill(th->aspace.obj, addr, fault_need(fault)))
            return sched_next();
        if (ipc_fault(t))
            return sched_next();
        kprintf("tether: thread %u stopped: %s addr %lx pc %lx\n", t, debug_fault_name(fault), addr,
                th->regs.pc);
        thread_fault(t, fault, addr, th->regs.pc);
    }
    return sched_next();
}

struct hal_regs *kernel_timer(void)
{
    sched_timer();
    persist_tick();
    return sched_next();
}

bool kernel_idle(void)
{
    persist_step();  /* the checkpoint writer, if one is being written */
    debug_idle();
    return persist_busy();
}
