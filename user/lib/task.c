/* SPDX-License-Identifier: BSD-2-Clause */
/* task.c: tasks in AddrSpaces of their own (task.h). */
#include "task.h"
#include "ulib.h"

#define CS ROOT_CAP_CSPACE
#define PG 4096UL

extern char __image_start[], __data_start[], __image_end[];

static uint64_t stage_next = TASK_STAGE_BASE;

uint64_t stage_alloc(unsigned pages)
{
    uint64_t va = stage_next;
    stage_next += (uint64_t)pages * PG;
    return va;
}

long frame_new_at(uint32_t bank, uint32_t scratch, uint32_t as, uint64_t va, unsigned rights)
{
    long e = tether_BANK_CREATE(bank, OBJ_FRAME, CS, scratch, 0);
    if (e != E_OK)
        return e;
    e = tether_AS_MAP_FRAME(as, scratch, va, rights, ITEM_GRANT);
    if (e != E_OK)
        tether_BANK_DESTROY(bank, CS, scratch);
    return e;
}

/* A flexpage MAP/GRANT of n pages (any n) from src to dst, in chunks. */
static long as_map_range(uint32_t dst, uint32_t src, uint64_t sva, uint64_t dva, uint64_t n,
                         unsigned rights, unsigned op)
{
    while (n) {
        unsigned log2 = 0;
        while (log2 < FLEX_MAX_LOG2 && (2UL << log2) <= n)
            log2++;
        long e = tether_AS_MAP(dst, src, sva, dva, log2, rights, op);
        if (e != E_OK)
            return e;
        sva += PG << log2, dva += PG << log2, n -= 1UL << log2;
    }
    return E_OK;
}

long task_create(struct task *t, uint32_t parent_bank, uint64_t limit, uint32_t slots)
{
    static uint64_t copy_va;
    t->bank = slots;
    t->as = slots + 1;
    t->scratch = slots + 2;
    t->nthreads = 0;
    long e;
    if (!copy_va)
        copy_va = stage_alloc(1);
    if ((e = tether_BANK_CREATE(parent_bank, OBJ_BANK, CS, t->bank, limit)) != E_OK)
        return e;
    if ((e = tether_BANK_CREATE(t->bank, OBJ_ASPACE, CS, t->as, 0)) != E_OK)
        return e;
    /* Text + rodata: the root's own pages (frames the kernel loaded the image
     * into), MAPped read/execute: shared, and revocable by the root. */
    uint64_t ntext = (uint64_t)(__data_start - __image_start) / PG;
    e = as_map_range(t->as, ROOT_CAP_ASPACE, (uint64_t)__image_start, (uint64_t)__image_start,
                     ntext, R_READ | R_EXEC, ITEM_MAP);
    if (e != E_OK)
        return e;
    /* Data + bss: a private copy, through one staging page of the root. */
    for (char *p = __data_start; p < __image_end; p += PG) {
        e = frame_new_at(t->bank, t->scratch, ROOT_CAP_ASPACE, copy_va, R_READ | R_WRITE);
        if (e != E_OK)
            return e;
        memcpy((void *)copy_va, p, PG);
        e = tether_AS_MAP(t->as, ROOT_CAP_ASPACE, copy_va, (uint64_t)p, 0, R_READ | R_WRITE,
                          ITEM_GRANT);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

/* First code of a task thread: a0 = its header, at the top of its stack. */
static _Noreturn void task_thread_main(struct task_hdr *h)
{
    h->result = h->fn(h->param);
    h->done = 1;
    for (;;)
        tether_THREAD_SUSPEND(h->cap);
}

long task_thread_create(struct task *t, struct task_thread *th, uint32_t cap, tether_thread_fn fn,
                        const void *param, unsigned size, unsigned prio)
{
    return task_thread_create_in(t, th, cap, CS, fn, param, size, prio);
}

long task_thread_create_in(struct task *t, struct task_thread *th, uint32_t cap, uint32_t cs,
                           tether_thread_fn fn, const void *param, unsigned size, unsigned prio)
{
    if (size > TASK_PARAM_MAX)
        return E_INVAL;
    uint64_t view = stage_alloc(TASK_STACK_PAGES);
    uint64_t stack = TASK_STACK_VA + (uint64_t)t->nthreads++ * (TASK_STACK_PAGES + 1) * PG;
    long e;
    for (unsigned i = 0; i < TASK_STACK_PAGES; i++)
        if ((e = frame_new_at(t->bank, t->scratch, ROOT_CAP_ASPACE, view + i * PG,
                              R_READ | R_WRITE)) != E_OK)
            return e;
    e = as_map_range(t->as, ROOT_CAP_ASPACE, view, stack, TASK_STACK_PAGES, R_READ | R_WRITE,
                     ITEM_MAP);
    if (e != E_OK)
        return e;
    uint64_t off = (TASK_STACK_PAGES * PG - sizeof(struct task_hdr)) & ~15UL;
    struct task_hdr *h = (struct task_hdr *)(view + off);
    h->fn = fn;
    h->cap = cap;
    h->done = 0;
    h->result = 0;
    if (size)
        memcpy(h->param, param, size);
    th->cap = cap;
    th->hdr = h;
    if ((e = tether_BANK_CREATE(t->bank, OBJ_THREAD, CS, cap, 0)) != E_OK)
        return e;
    e = tether_THREAD_CONFIGURE(cap, cs, t->as, (uint64_t)task_thread_main, stack + off, prio,
                                stack + off);
    return e == E_OK ? thread_give_time(t->bank, cap, THREAD_FULL_TIME, THREAD_FULL_TIME) : e;
}

long task_spawn(struct task *t, struct task_thread *th, uint32_t cap, tether_thread_fn fn,
                const void *param, unsigned size, unsigned prio)
{
    long e = task_thread_create(t, th, cap, fn, param, size, prio);
    return e == E_OK ? tether_THREAD_START(cap) : e;
}

long task_destroy(struct task *t, uint32_t parent_bank)
{
    return tether_BANK_DESTROY(parent_bank, CS, t->bank);
}
