/* SPDX-License-Identifier: BSD-2-Clause */
/* thread.h: threads (docs/design.md, T1..T3).
 *
 * A thread holds its saved user registers, copies of the caps of the CSpace
 * and AddrSpace it runs in (nodes in those objects' derivation trees, so
 * destroying or unmapping them stops the thread), a priority and a state;
 * its CPU time is schedctx.h's. Mappable threads (T3): it also keeps a copy
 * of the thread cap it was configured through (a client MAPs its thread to
 * a server, which configures it: the client's UNMAP takes the thread out of
 * the server's spaces), and the CSpace that configured it, which with its
 * own CSpace is the only one that may drive it (thread_may_drive). */
#ifndef TETHER_THREAD_H
#define TETHER_THREAD_H

#include "cap.h"
#include "hal.h"

#define NPRIO (PRIO_MAX + 1u)  /* PRIO_MAX: abi.h */

struct thread {
    struct hal_regs regs;   /* user context, saved by the machine on entry */
    struct slot cspace;     /* the CSpace it looks cap addresses up in      */
    struct slot aspace;     /* the AddrSpace it runs in                     */
    struct slot bound;      /* copy of the thread cap it was configured
                             * through (THREAD_CONFIGURE), or empty         */
    oref driver;            /* the CSpace that configured it, with its      */
    u32 driver_epoch;       /*   epoch; 0: never configured                 */
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
    u32 ckpt_gen;           /* SYSTEM_CHECKPOINT: the generation whose commit
                             * its call waits for (persist_wait), or 0      */
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
/* A thread can run, or take part in IPC, only while both are live, and
 * it still has the cap it was configured through (T3): that one names
 * the thread itself, live wherever this is asked, so it is there exactly
 * while its slot is not empty (UNMAP empties it). One that lost any is
 * stopped (thread_lost) wherever the kernel finds it: by the scheduler, or
 * as the partner of an IPC (endpoint.c, notification.c). */
static inline bool thread_can_run(const struct thread *th)
{
    return cap_live(&th->aspace) && cap_live(&th->cspace) && th->bound.obj;
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
/* Stop thread t, found unable to run (thread_can_run): it leaves any IPC,
 * a caller waiting for its reply gets E_REVOKED (it will never run in
 * those spaces again), and it stops with FAULT_ASPACE. */
void thread_lost(oref t);
/* Configure directly (boot: the root thread, through its cap `self` from
 * CSpace driver). */
void thread_setup(oref t, struct slot *self, oref driver, struct slot *cs, struct slot *as,
                  u64 pc, u64 sp, u8 prio);
void thread_start(oref t);
int thread_reap_step(oref t, u32 *budget);

struct inv;
int thread_invoke(struct inv *iv);
/* May the invocation's caller drive thread th (decide what it runs, read
 * what it holds)? Only from the CSpace it runs in or the one it was
 * configured from (T3: the client that lent a thread to a server keeps
 * SUSPEND, CONFIGURE, INFO and destruction, not the server's secrets nor
 * its authority). */
bool thread_may_drive(const struct inv *iv, const struct thread *th);

#endif
