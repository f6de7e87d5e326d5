/* thread.h: threads (DESIGN.md §5, basic part).
 *
 * A thread holds its saved user registers, copies of the caps of the CSpace
 * and AddrSpace it runs in (nodes in those objects' derivation trees, so
 * destroying or unmapping them stops the thread), a priority and a state.
 * Scheduling contexts, donation and mappable threads (T1..T3) come later;
 * sched.h is the interface they will extend. */
#ifndef TETHER_THREAD_H
#define TETHER_THREAD_H

#include "cap.h"
#include "hal_arch.h"

#define NPRIO 256u

struct thread {
    struct hal_regs regs;   /* user context, saved by the machine on entry */
    struct slot cspace;     /* the CSpace it looks cap addresses up in      */
    struct slot aspace;     /* the AddrSpace it runs in                     */
    oref qprev, qnext;      /* run queue links (sched.c)                    */
    u8 prio;
    u8 state;               /* THREAD_* (abi.h)                             */
    u8 queued;              /* on a run queue                               */
    u8 pad;
    u32 fault;              /* FAULT_* when THREAD_FAULTED                  */
    u64 fault_addr, fault_pc;
};

static inline struct thread *thread_body(oref t) { return (struct thread *)obj_body(t); }

/* Stop thread t with a fault (I5 will send it to a handler instead). */
void thread_fault(oref t, u32 kind, u64 addr, u64 pc);
/* Configure directly (boot: the root thread). */
void thread_setup(oref t, struct slot *cs, struct slot *as, u64 pc, u64 sp, u8 prio);
void thread_start(oref t);
int thread_reap_step(oref t, u32 *budget);

struct inv;
int thread_invoke(struct inv *iv);

#endif
