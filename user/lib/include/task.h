/* SPDX-License-Identifier: BSD-2-Clause */
/* task.h: tasks -- threads in an AddrSpace of their own -- and recovery
 * points for fault handlers (libtether).
 *
 * The kernel loads the root image into frames of the root bank, mapped
 * through mapping slots like any memory, so task_create() gives a task the
 * program with flexpages:
 *   text + rodata  the root's own pages, MAPped (R|X) into every task:
 *                  shared, read-only, revocable by the root;
 *   data + bss     copied into frames of the task's bank at creation: the
 *                  task's globals start as a snapshot of the root's and are
 *                  private from then on (set what a task needs *before*
 *                  task_create, or pass it to task_spawn);
 *   stacks         2 pages per thread from the task's bank, mapped in the
 *                  task and MAPped to a staging address of the root too:
 *                  the root sees each thread's parameter block and result.
 * A task shares the root CSpace (cap addresses mean the same everywhere;
 * task_thread_create_in runs a thread in another one);
 * its memory is its own. Everything is paid by the task's own bank, a
 * sub-bank of the given parent (the shared text is the root bank's):
 * task_destroy() is one BANK_DESTROY. */
#ifndef LIBTETHER_TASK_H
#define LIBTETHER_TASK_H

#include <stdint.h>
#include "tether.h"

/* Root-AddrSpace virtual addresses nobody else uses (a bump allocator in
 * [TASK_STAGE_BASE, USER_VA_LIMIT)): views of frames, staging pages. */
#define TASK_STAGE_BASE 0x200000000UL
uint64_t stage_alloc(unsigned pages);

/* In a task: thread i's stack is 2 pages at TASK_STACK_VA + i * 3 pages
 * (one unmapped guard page between stacks). */
#define TASK_STACK_VA    0x7f000000UL
#define TASK_STACK_PAGES 2u
#define TASK_PARAM_MAX   256u

struct task {
    uint32_t bank;     /* its own bank (root CSpace)            */
    uint32_t as;       /* its AddrSpace                         */
    uint32_t scratch;  /* a slot for new frame caps (kept empty) */
    unsigned nthreads;
};

/* What a task thread's stack holds at its top; the root reads it through
 * task_thread.hdr. */
struct task_hdr {
    tether_thread_fn fn;
    uint32_t cap;
    volatile int done;
    volatile long result;
    uint64_t param[TASK_PARAM_MAX / 8];
};

struct task_thread {
    uint32_t cap;
    volatile struct task_hdr *hdr;  /* the root's view (void after task_destroy) */
};

/* A frame from `bank`, its cap created at `scratch` and then GRANTed into
 * AddrSpace `as` at va (rights R/W/X): the mapping is the frame's only
 * task-visible cap; `scratch` is empty again. */
long frame_new_at(uint32_t bank, uint32_t scratch, uint32_t as, uint64_t va, unsigned rights);

/* A task: bank (limit bytes, from parent_bank) at slots[0], AddrSpace at
 * slots[1], scratch slots[2] (three consecutive root CSpace addresses). */
long task_create(struct task *t, uint32_t parent_bank, uint64_t limit, uint32_t slots);
/* A thread of task t (object from t's bank at root cap address `cap`) that
 * runs fn(p), p = a copy of param[0..size) on its own stack; prio 0..255.
 * task_thread_create leaves it not started (THREAD_START does). When fn
 * returns, hdr->result and hdr->done are set and it suspends itself. */
long task_thread_create(struct task *t, struct task_thread *th, uint32_t cap, tether_thread_fn fn,
                        const void *param, unsigned size, unsigned prio);
/* The same in CSpace `cs` (a root cap address) instead of the root CSpace:
 * fn then names caps of that CSpace, and must not return (the thread would
 * suspend itself through `cap`, which names nothing there). */
long task_thread_create_in(struct task *t, struct task_thread *th, uint32_t cap, uint32_t cs,
                           tether_thread_fn fn, const void *param, unsigned size, unsigned prio);
long task_spawn(struct task *t, struct task_thread *th, uint32_t cap, tether_thread_fn fn,
                const void *param, unsigned size, unsigned prio);
/* Destroy the task's bank: its threads, AddrSpace and frames (S2). */
long task_destroy(struct task *t, uint32_t parent_bank);

/* ---- recovery points (setjmp/longjmp for fault handlers) ---------------
 * tjmp_save(j) returns 0; a later tjmp_resume(j) returns to it again with 1
 * (callee-saved registers, sp and ra restored). A fault handler that
 * replies FAULT_REPLY_SETPC with pc = (uint64_t)tjmp_recover resumes the
 * faulting thread at tjmp_recover_point (a global of its AddrSpace): the
 * faulting code sees its tjmp_save return 1. */
struct tjmp { uint64_t ra, sp, s[12]; };
int tjmp_save(struct tjmp *j) __attribute__((returns_twice));
_Noreturn void tjmp_resume(struct tjmp *j);
extern struct tjmp *volatile tjmp_recover_point;
void tjmp_recover(void);

#endif
