/* thread.h: threads (docs/design.md, T1..T4: the basic part).
 *
 * A thread holds its saved user registers, copies of the caps of the CSpace
 * and AddrSpace it runs in (nodes in those objects' derivation trees, so
 * destroying or unmapping them stops the thread), a priority and a state.
 * Scheduling contexts, donation and mappable threads (T1..T3) come later;
 * sched.h is the interface they will extend. */
#ifndef TETHER_THREAD_H
#define TETHER_THREAD_H

#include "cap.h"
#include "hal.h"

#define NPRIO 256u

struct thread {
    struct hal_regs regs;   /* user context, saved by the machine on entry */
    struct slot cspace;     /* the CSpace it looks cap addresses up in      */
    struct slot aspace;     /* the AddrSpace it runs in                     */
    struct slot fault_ep;   /* where its faults are sent (I5), or empty     */
    struct slot ntfn;       /* its bound notification (a MAP), or empty     */
    oref qprev, qnext;      /* run queue, or the endpoint or notification
                             * queue it waits on                            */
    /* Words, not bytes: a byte store may alias anything in C, which makes
     * the compiler reload the object store's base after every one. */
    u32 prio;
    u32 mcp;                /* highest priority it may give a thread (seL4's
                             * maximum controlled priority): its own, or
                             * 255 for the root thread                      */
    u32 state;              /* THREAD_* (abi.h)                             */
    u32 queued;             /* on a run queue (never while running)         */
    u32 ipc;                /* IPC_* flags of a blocked send                */
    u32 fault;              /* FAULT_* of the last fault                    */
    u64 fault_addr, fault_pc;
    /* IPC state (endpoint.c). */
    oref ep;                /* endpoint it is queued on (BLOCKED_SEND/RECV),
                             * or notification (BLOCKED_WAIT)               */
    oref partner;           /* BLOCKED_REPLY: the thread that will reply;   */
    u32 partner_epoch;      /*   a receiver: the caller it owes a reply     */
    oref caller;            /* reply right (I2): the caller to answer, 0 =  */
    u32 caller_epoch;       /*   none; one-shot                             */
    u32 win_base, win_count;/* receive window for cap items (I3)            */
    u32 mwin_vpn;           /* receive window for memory items: first page  */
    u32 mwin_log2;          /*   and log2 pages,                            */
    u32 mwin_on;            /*   if one was set                             */
    oref via;               /* wrapper a queued send went through, or 0     */
    oref vprev, vnext;      /* that wrapper's list of waiters               */
    /* CPU time (schedctx.h). */
    struct slot sc;         /* its own SchedContext (a copy of the cap), or
                             * empty: a passive thread                      */
    oref lent;              /* the SchedContext a caller lent it (T2), with */
    u32 lent_epoch;         /*   its epoch; 0: none                         */
    u32 waiting_time;       /* runnable, but off the run queue: no time     */
    oref wsc;               /* the SchedContext it waits for (its waiters  */
    oref wprev, wnext;      /*   list), 0: none                             */
    struct slot timeout_ep; /* where FAULT_TIMEOUT goes when its budget runs
                             * out (like fault_ep), or empty                */
};

#define IPC_CALL  1u   /* the blocked send is a call: wait for the reply   */
#define IPC_FAULT 4u   /* it is a fault message, not the registers (I5)    */
#define IPC_LEND  8u   /* a plain send to a passive server: it waits, its
                        * time lent, until the server replies or waits again */

static inline struct thread *thread_body(oref t) { return (struct thread *)obj_body(t); }

/* The spaces a thread works in, if they are still live (cap_obj_live). */
static inline oref thread_cspace(const struct thread *th) { return cap_obj_live(&th->cspace); }
static inline oref thread_aspace(const struct thread *th) { return cap_obj_live(&th->aspace); }
/* A thread can run, or take part in IPC, only while both are live. One
 * that lost either is stopped (FAULT_ASPACE) wherever the kernel finds it:
 * by the scheduler, or as the partner of an IPC (endpoint.c). */
static inline bool thread_can_run(const struct thread *th)
{
    return cap_live(&th->aspace) && cap_live(&th->cspace);
}

/* The SchedContext thread th runs on (T1, T2): its own while that cap is
 * live, else the one a caller lent it while that is live; 0: none. */
static inline oref thread_sc(const struct thread *th)
{
    if (cap_live(&th->sc))
        return th->sc.obj;
    return th->lent && obj_get(th->lent)->live == th->lent_epoch ? th->lent : 0;
}

/* Stop thread t with a fault: one it has no fault handler for (a handler
 * gets a message instead, ipc_fault, I5), or FAULT_ASPACE. */
void thread_fault(oref t, u32 kind, u64 addr, u64 pc);
/* Configure directly (boot: the root thread). */
void thread_setup(oref t, struct slot *cs, struct slot *as, u64 pc, u64 sp, u8 prio);
void thread_start(oref t);
int thread_reap_step(oref t, u32 *budget);

struct inv;
int thread_invoke(struct inv *iv);

#endif
