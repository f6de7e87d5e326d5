/* SPDX-License-Identifier: BSD-2-Clause */
/* kernel.c: boot-time construction of the root bank, the root CSpace, the
 * System and Debug objects and the root task's objects. */
#include "kernel.h"
#include "aspace.h"
#include "charge.h"
#include "cspace.h"
#include "debug.h"
#include "frame.h"
#include "objtype.h"
#include "persist.h"
#include "schedctx.h"
#include "sched.h"
#include "system.h"
#include "thread.h"

/* Allocate an object from the root bank with a root cap at `slot` of the
 * root CSpace. */
static int boot_obj(struct kernel_boot *b, u8 type, u64 size, u32 slot, oref *o)
{
    struct slot *s;
    if (bank_alloc_obj(b->root_bank, type, size, o) != E_OK)
        return E_NOMEM;
    if (cspace_ensure(b->root_cs, slot, &s) != E_OK)
        return E_NOMEM;
    cap_make_root(s, *o, obj_get(*o)->epoch, R_ALL, 0);
    return E_OK;
}

int kernel_init(void *ram, u64 bytes, struct kernel_boot *boot)
{
    if (bytes < (1u << 20))
        return E_NOMEM;
    u64 all = bytes;
    persist_carve(&ram, &bytes, boot);
    sched_reset();
    boot->unpaid_bytes = store_init(ram, bytes) + (all - bytes);
    boot->root_bank = bank_create_root();
    boot->root_as = boot->root_thread = 0;
    if (!boot->root_bank ||
        bank_alloc_obj(boot->root_bank, OBJ_CSPACE, sizeof(struct cspace), &boot->root_cs) != E_OK)
        return E_NOMEM;
    struct slot *s;
    if (cspace_ensure(boot->root_cs, ROOT_CAP_CSPACE, &s) != E_OK)
        return E_NOMEM;
    cap_make_root(s, boot->root_cs, obj_get(boot->root_cs)->epoch, R_ALL, 0);
    s = cspace_slot(boot->root_cs, ROOT_CAP_BANK);
    cap_make_root(s, boot->root_bank, obj_get(boot->root_bank)->epoch, R_ALL, 0);
    oref sys = system_create(boot->root_bank);
    if (!sys)
        return E_NOMEM;
    s = cspace_slot(boot->root_cs, ROOT_CAP_SYSTEM);  /* same leaf as slot 1 */
    cap_make_root(s, sys, obj_get(sys)->epoch, R_ALL, 0);
    oref dbg = debug_create(boot->root_bank);
    if (!dbg)
        return E_NOMEM;
    s = cspace_slot(boot->root_cs, ROOT_CAP_DEBUG);  /* same leaf */
    cap_make_root(s, dbg, obj_get(dbg)->epoch, R_ALL, 0);
    debug_reset();
    return E_OK;
}

int kernel_resume(void *ram, u64 bytes, struct kernel_boot *boot)
{
    int e = persist_restore(ram, bytes, boot);
    debug_reset();
    if (e == E_OK)
        boot->unpaid_bytes = (u64)(store.base - store.region) + STORE_MIN +
                             (u64)(store.region - (u8 *)ram);
    return e;
}

#define ROOT_SC_PERIOD 1000u  /* ticks */

int kernel_root_task(struct kernel_boot *b)
{
    if (boot_obj(b, OBJ_ASPACE, sizeof(struct aspace), ROOT_CAP_ASPACE, &b->root_as) != E_OK ||
        aspace_init(b->root_as, b->root_bank, 0) != E_OK ||
        boot_obj(b, OBJ_THREAD, sizeof(struct thread), ROOT_CAP_THREAD, &b->root_thread) != E_OK)
        return E_NOMEM;
    thread_setup(b->root_thread, cspace_slot(b->root_cs, ROOT_CAP_THREAD), b->root_cs,
                 cspace_slot(b->root_cs, ROOT_CAP_CSPACE),
                 cspace_slot(b->root_cs, ROOT_CAP_ASPACE), 0, 0, ROOT_THREAD_PRIO);
    thread_body(b->root_thread)->mcp = NPRIO - 1;  /* all priorities are its to give */
    /* Its CPU time: a budget as long as its period, so it never runs out. */
    if (boot_obj(b, OBJ_SCHEDCTX, sizeof(struct schedctx), ROOT_CAP_SCHEDCTX, &b->root_sc) != E_OK)
        return E_NOMEM;
    struct schedctx *sc = schedctx_body(b->root_sc);
    sc->budget = sc->period = sc->remaining = ROOT_SC_PERIOD;
    sc->refill_at = sched_now + ROOT_SC_PERIOD;
    sc->thread = b->root_thread;
    sc->thread_epoch = obj_get(b->root_thread)->epoch;
    struct slot *s = cspace_slot(b->root_cs, ROOT_CAP_SCHEDCTX);
    cap_copy(s, &thread_body(b->root_thread)->sc, s->rights, 0);
    b->root_epoch = obj_get(b->root_thread)->epoch;
    return E_OK;
}

int kernel_boot_map(void *ctx, u64 va, u32 rights, void **page)
{
    struct kernel_boot *b = ctx;
    oref f;
    u32 budget = ~0u;
    int e = bank_alloc_obj(b->root_bank, OBJ_FRAME, sizeof(struct frame), &f);
    if (e != E_OK)
        return e;
    if ((e = frame_init(f, b->root_bank, 0)) == E_OK &&
        (e = aspace_map(b->root_as, va, &frame_body(f)->master, ITEM_MAP, (u8)rights)) == E_OK) {
        *page = frame_page(f);
        return E_OK;
    }
    obj_destroy_step(f, &budget);  /* roll back */
    return e;
}

int kernel_boot_frame(struct kernel_boot *b, u32 slot, u32 rights, void **page)
{
    struct slot *s;
    oref f;
    u32 budget = ~0u;
    if (slot >= CAP_ADDR_LIMIT || (rights & ~(u32)R_ALL))
        return E_INVAL;
    int e = cspace_ensure(b->root_cs, slot, &s);
    if (e != E_OK)
        return e;
    if (s->obj)
        return E_FULL;
    if ((e = bank_alloc_obj(b->root_bank, OBJ_FRAME, sizeof(struct frame), &f)) != E_OK)
        return e;
    if ((e = frame_init(f, b->root_bank, 0)) != E_OK) {
        obj_destroy_step(f, &budget);
        return e;
    }
    cap_map(&frame_body(f)->master, s, (u8)rights, 0);
    *page = frame_page(f);
    return E_OK;
}

void kernel_boot_frame_drop(struct kernel_boot *b, u32 slot)
{
    struct slot *s = slot < CAP_ADDR_LIMIT ? cspace_slot(b->root_cs, slot) : NULL;
    u32 budget = ~0u;
    if (s && s->obj && obj_get(s->obj)->type == OBJ_FRAME && cap_live(s))
        obj_destroy_step(s->obj, &budget);
}

void *kernel_boot_page(struct kernel_boot *b)
{
    sref r;
    return bank_alloc_store(b->root_bank, PAGE_BYTES, &r) == E_OK ? sref_ptr(r) : NULL;
}

void kernel_boot_page_free(struct kernel_boot *b, void *page)
{
    bank_free_store(b->root_bank, ptr_sref(page), PAGE_BYTES);
}

struct hal_regs *kernel_start(struct kernel_boot *b, u64 pc, u64 sp, u64 arg)
{
    struct thread *th = thread_body(b->root_thread);
    th->regs.pc = pc;
    th->regs.x[REG_STACK] = sp;
    th->regs.x[REG_ARG0] = arg;
    thread_start(b->root_thread);
    return sched_next();
}

bool kernel_root_stopped(const struct kernel_boot *b)
{
    const struct obj *o = obj_get(b->root_thread);
    return o->epoch == b->root_epoch && o->state == OS_LIVE &&
           thread_body(b->root_thread)->state == THREAD_FAULTED;
}

struct hal_regs *kernel_continue(void)
{
    return sched_next();
}

void kernel_checkpoint_every(u64 ticks)
{
    persist_set_interval(ticks);
}

bool kernel_write_fault(u64 addr)
{
    return persist_write_fault(addr);
}
