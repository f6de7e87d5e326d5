/* sched.h: the scheduler: fixed priorities (0..255, higher runs first),
 * round robin within a priority, preemption by the machine's timer tick.
 * The kernel is event driven: each kernel entry ends by asking sched_next()
 * whose registers to return to. */
#ifndef TETHER_SCHED_H
#define TETHER_SCHED_H

#include "thread.h"

extern oref sched_cur;   /* the thread running now (0: none) */

void sched_enqueue(oref t);   /* at the tail of its priority */
void sched_dequeue(oref t);
/* Timer tick: the current thread goes to the tail of its priority. */
void sched_tick(void);
/* Choose the thread to run, activate its AddrSpace; its registers, or NULL
 * when nothing can run (the machine then waits for an interrupt). */
struct hal_regs *sched_next(void);
/* Switch to runnable thread t directly (IPC fast path: t's CSpace and
 * AddrSpace caps were checked live by the caller). */
struct hal_regs *sched_run(oref t);
struct hal_regs *sched_run_thread(oref t, struct thread *th);  /* th = its body */
/* t is being destroyed: make sure it is not current. */
void sched_forget_thread(oref t);
/* pt is being destroyed: make sure it is not active. */
void sched_forget_aspace(const hal_pt_root *pt);
void sched_reset(void);
/* Make t the running thread as if the scheduler had chosen it (host tests
 * and debuggers play the CPU with this). */
void sched_switch_to(oref t);

#endif
