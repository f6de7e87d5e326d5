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
#include "invoke.h"
#include "ipc.h"
#include "sched.h"
#include "hal.h"

#define WRITE_MAX 4096u  /* bytes per SYS_WRITE: bounds the time in the kernel */

static u64 sys_write(struct thread *th, u64 va, u64 n)
{
    u8 buf[256];
    if (n > WRITE_MAX)
        return E_INVAL;
    /* Check the whole range first: a bad pointer writes nothing. */
    const hal_pt_root *pt = &aspace_body(th->aspace.obj)->pt;
    u32 rights;
    if (va + n < va)
        return E_FAULT;
    for (u64 p = va & ~(u64)(PAGE_BYTES - 1); p < va + n; p += PAGE_BYTES)
        if (!hal_pt_lookup(pt, p, &rights) || !(rights & R_READ))
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
    int e = kernel_lookup(th->cspace.obj, (u32)th->regs.x[REG_A0], tg);
    if (e == E_OK && tg->type != OBJ_ENDPOINT)
        e = E_TYPE;
    return e;
}

struct hal_regs *kernel_syscall(void)
{
    oref t = sched_cur;
    struct thread *th = thread_body(t);
    u64 *x = th->regs.x;
    u64 res[INVOKE_RESULTS];
    struct target tg;
    int e;
    struct hal_regs *fast;
    switch (x[REG_A7]) {
    case SYS_INVOKE:
        /* I4: one call for everything; an endpoint makes it IPC. (The
         * thread's CSpace is live: sched_next checked it before it ran.) */
        e = cap_lookup(th->cspace.obj, (u32)x[REG_A0], &tg);
        if (e == E_OK && tg.type == OBJ_ENDPOINT) {
            if ((fast = ipc_call_fast(t, &tg)))
                return fast;
            return ipc_send(t, &tg, true, true);
        }
        if (e == E_OK)
            e = kernel_invoke_target(th->cspace.obj, (u32)x[REG_A0], &tg, (u32)(x[REG_A0] >> 32),
                                     &x[REG_A0 + 1], res);
        if (e == E_CONTINUE)
            return sched_next();  /* pc stays on the ecall: it runs again */
        if (sched_cur != t)
            return sched_next();  /* the thread destroyed itself */
        if (e == E_OK)  /* results only on success: errors leave a1..a4 alone */
            for (u32 i = 0; i < INVOKE_RESULTS; i++)
                x[REG_A0 + 1 + i] = res[i];
        break;
    case SYS_WRITE:
        e = (int)sys_write(th, x[REG_A0], x[REG_A0 + 1]);
        break;
    case SYS_YIELD:
        x[REG_A0] = E_OK;
        th->regs.pc += 4;
        sched_tick();
        return sched_next();
    case SYS_SEND:
    case SYS_NB_SEND:
        if ((e = ipc_target(th, &tg)) != E_OK)
            break;
        return ipc_send(t, &tg, false, x[REG_A7] == SYS_SEND);
    case SYS_RECV:
    case SYS_NB_RECV:
        if ((e = ipc_target(th, &tg)) != E_OK)
            break;
        return ipc_recv(t, &tg, x[REG_A7] == SYS_RECV);
    case SYS_REPLY:
        return ipc_reply(t, NULL);
    case SYS_REPLY_RECV:
        if ((fast = ipc_replyrecv_fast(t)))
            return fast;
        if ((e = ipc_target(th, &tg)) != E_OK)
            break;
        return ipc_reply(t, &tg);
    case SYS_HALT:
        kprintf("tether: halt, status %u\n", (u32)x[REG_A0]);
        hal_poweroff((u32)x[REG_A0]);
    default:
        e = E_SYSCALL;
        break;
    }
    x[REG_A0] = (u64)e;
    th->regs.pc += 4;
    return sched_next();
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
        if (ipc_fault(t))
            return sched_next();
        kprintf("tether: thread %u stopped: fault %u addr %lx pc %lx\n", t, fault, addr, th->regs.pc);
        thread_fault(t, fault, addr, th->regs.pc);
    }
    return sched_next();
}

struct hal_regs *kernel_timer(void)
{
    sched_tick();
    return sched_next();
}
