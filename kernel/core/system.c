/* SPDX-License-Identifier: BSD-2-Clause */
/* system.c: the System object's methods (see system.h). */
#include "system.h"
#include "charge.h"
#include "check.h"
#include "hal.h"
#include "invoke.h"
#include "kernel.h"
#include "persist.h"
#include "aspace.h"

oref system_create(oref b)
{
    oref o;
    return bank_alloc_obj(b, OBJ_SYSTEM, 0, &o) == E_OK ? o : 0;
}

static int system_poweroff(struct inv *iv)
{
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    kprintf("tether: power off, status %u\n", (u32)ARG(iv, SYSTEM_POWEROFF, status));
    hal_poweroff((u32)ARG(iv, SYSTEM_POWEROFF, status));
}

static int system_check(struct inv *iv)
{
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    const char *why = kernel_check();
    if (why)
        kprintf("tether: kernel_check: %s\n", why);
    RES(iv, SYSTEM_CHECK, failed) = why ? 1 : 0;
    return E_OK;
}

/* The checkpoint is taken when this kernel entry ends (syscall.c), so that
 * it holds the state between two entries, with the caller past this call
 * (resumed = 1). In the running system the caller's call runs again
 * (E_CONTINUE, as any long operation's) until the checkpoint is committed;
 * the timer preempts it as it would any thread. */
static int system_checkpoint(struct inv *iv)
{
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    if (iv->caller && persist_waiting(iv->caller)) {  /* waiting for its own */
        u64 gen, written;
        int e = persist_wait(iv->caller, &gen, &written);
        if (e == E_CONTINUE)
            return E_CONTINUE;
        RES(iv, SYSTEM_CHECKPOINT, generation) = gen;
        RES(iv, SYSTEM_CHECKPOINT, resumed) = 0;
        RES(iv, SYSTEM_CHECKPOINT, written) = written;
        RES(iv, SYSTEM_CHECKPOINT, pages) = persist_stats.pages;
        return e;
    }
    if (!persist_stats.blocks)
        return E_IO;
    RES(iv, SYSTEM_CHECKPOINT, generation) = 0;
    RES(iv, SYSTEM_CHECKPOINT, resumed) = 0;
    RES(iv, SYSTEM_CHECKPOINT, written) = persist_stats.written;
    RES(iv, SYSTEM_CHECKPOINT, pages) = persist_stats.pages;
    if (!iv->caller) {  /* the kernel's own callers (host harness): now */
        int e = persist_checkpoint(0);
        RES(iv, SYSTEM_CHECKPOINT, generation) = e == E_OK ? persist_stats.generation : 0;
        RES(iv, SYSTEM_CHECKPOINT, written) = persist_stats.written;
        return e;
    }
    persist_request(iv->caller);
    return E_CONTINUE;
}

static int system_stats(struct inv *iv)
{
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    RES(iv, SYSTEM_STATS, refills) = aspace_refills;
    RES(iv, SYSTEM_STATS, ckpt_cycles) = persist_stats.cycles;
    RES(iv, SYSTEM_STATS, store_blocks_used) = persist_stats.blocks_used;
    RES(iv, SYSTEM_STATS, store_blocks) = persist_stats.blocks;
    return E_OK;
}

static int system_ckpt_stats(struct inv *iv)
{
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    RES(iv, SYSTEM_CKPT_STATS, pause) = persist_stats.cycles;
    RES(iv, SYSTEM_CKPT_STATS, work) = persist_stats.work;
    RES(iv, SYSTEM_CKPT_STATS, copies) = persist_stats.copies;
    RES(iv, SYSTEM_CKPT_STATS, saved_now) = persist_stats.saved_now;
    return E_OK;
}

int system_invoke(struct inv *iv)
{
    switch (iv->label) {
    case SYSTEM_POWEROFF: return system_poweroff(iv);
    case SYSTEM_CHECK:    return system_check(iv);
    case SYSTEM_CHECKPOINT: return system_checkpoint(iv);
    case SYSTEM_STATS:    return system_stats(iv);
    case SYSTEM_CKPT_STATS: return system_ckpt_stats(iv);
    default:              return E_LABEL;
    }
}
