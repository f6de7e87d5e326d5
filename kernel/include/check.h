/* SPDX-License-Identifier: BSD-2-Clause */
/* check.h: a full consistency check of the kernel's state, for tests,
 * fuzzers and debugging (O(everything); never on a kernel path). */
#ifndef TETHER_CHECK_H
#define TETHER_CHECK_H

/* NULL if every invariant holds, else a description of the first violation:
 *  - derivation lists: prev/next agree, lists are acyclic, the first node of
 *    a list has depth 0 and no other does, all nodes name the same object;
 *  - every slot is in at most one list (counted once from its root);
 *  - banks: usage = charges of their objects (obj_charge: body block and
 *    table entry; plus CSpace nodes, page tables, frame pages) + usage of
 *    their sub-banks, and usage <= limit;
 *  - the object count of every bank matches its list;
 *  - scheduling (T1, T2): the run queues are well formed (links, tails,
 *    bitmaps, the queued flag) and hold only live, runnable threads not
 *    waiting for time; a runnable thread is running, queued or waiting for
 *    time, and one waiting for time has no SchedContext, or one with no
 *    budget left that will wake it at its refill (it is the `waiter`);
 *    not asserted (lazy): that a queued thread still has its spaces or its
 *    time (the scheduler stops it, or makes it wait, when it picks it);
 *  - SchedContexts: remaining <= budget <= period <= SC_MAX_PERIOD, a
 *    configured one with no budget left is on the release queue; the
 *    release queue is doubly linked, sorted by refill_at, holds exactly
 *    the live ones marked released, each out of budget or due; at most one
 *    thread's live th->sc names a SchedContext, and it is its `thread`. */
const char *kernel_check(void);
/* The running thread (sched_cur), if any, is a live runnable thread, not
 * queued and not waiting for time. Holds only once the kernel has chosen it
 * (sched_next ends every kernel entry); a test playing the root from
 * outside the kernel may start or stop it without one. */
const char *kernel_check_running(void);

#endif
