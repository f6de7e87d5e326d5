/* SPDX-License-Identifier: BSD-2-Clause */
/* hal_pt.c: page tables for the hosted machine. Same interface and checks
 * as riscv64's Sv39 code: three levels of 512 entries over 4 KiB pages;
 * an entry holds a kernel pointer | rights | valid bit. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <tether/abi.h>
#include "hal.h"
#include "hal_arch.h"
#include "kernel.h"

#define PG 4096ull
#define USER_TOP (1ull << 38)
#define V 0x100ull
#define RMASK 0x7ull

const hal_pt_root *host_active_pt;

int hal_pt_create(hal_pt_root *pt, hal_page_alloc alloc, void *ctx)
{
    pt->root = alloc(ctx);
    return pt->root ? E_OK : E_NOMEM;
}

static u64 *walk(u64 *t, u64 va, bool make, hal_page_alloc alloc, void *ctx)
{
    for (int lvl = 2; lvl > 0; lvl--) {
        u64 *e = &t[(va >> (12 + 9 * lvl)) & 511];
        if (!(*e & V)) {
            if (!make)
                return NULL;
            u64 *n = alloc(ctx);
            if (!n)
                return NULL;
            *e = (u64)(uptr)n | V;
        }
        t = (u64 *)(uptr)(*e & ~0xfffull);
    }
    return &t[(va >> 12) & 511];
}

int hal_pt_map(hal_pt_root *pt, u64 va, void *frame, u32 rights, hal_page_alloc alloc, void *ctx)
{
    if ((va & (PG - 1)) || va >= USER_TOP || !(rights & R_READ) || (rights & ~RMASK))
        return E_INVAL;
    u64 *e = walk(pt->root, va, true, alloc, ctx);
    if (!e)
        return E_NOMEM;
    if (*e & V)
        return E_FULL;
    *e = (u64)(uptr)frame | rights | V;
    return E_OK;
}

int hal_pt_need(const hal_pt_root *pt, u64 va, void **entry)
{
    u64 *t = pt->root;
    for (int lvl = 2; lvl > 0; lvl--) {
        u64 e = t[(va >> (12 + 9 * lvl)) & 511];
        if (!(e & V))
            return lvl;
        t = (u64 *)(uptr)(e & ~0xfffull);
    }
    if (t[(va >> 12) & 511] & V)
        return -1;
    if (entry)
        *entry = &t[(va >> 12) & 511];
    return 0;
}

void hal_pt_set(void *entry, void *frame, u32 rights)
{
    *(u64 *)entry = (u64)(uptr)frame | rights | V;
}

int hal_pt_prepare(hal_pt_root *pt, u64 va, hal_page_alloc alloc, void *ctx)
{
    if ((va & (PG - 1)) || va >= USER_TOP)
        return E_INVAL;
    return walk(pt->root, va, true, alloc, ctx) ? E_OK : E_NOMEM;
}

int hal_pt_unmap(hal_pt_root *pt, u64 va)
{
    if ((va & (PG - 1)) || va >= USER_TOP)
        return E_INVAL;
    u64 *e = walk(pt->root, va, false, NULL, NULL);
    if (!e || !(*e & V))
        return E_EMPTY;
    *e = 0;
    return E_OK;
}

void *hal_pt_lookup(const hal_pt_root *pt, u64 va, u32 *rights)
{
    if (!pt->root || va >= USER_TOP)
        return NULL;
    u64 *e = walk(pt->root, va, false, NULL, NULL);
    if (!e || !(*e & V))
        return NULL;
    *rights = (u32)(*e & RMASK);
    return (void *)(uptr)(*e & ~0xfffull);
}

static u64 *table_of(u64 e) { return (u64 *)(uptr)(e & ~0xfffull); }

int hal_pt_destroy_step(hal_pt_root *pt, hal_page_free free_page, void *ctx, u32 *budget)
{
    u64 *root = pt->root;
    if (!root)
        return E_OK;
    for (int i = 0; i < 512; i++) {
        if (!(root[i] & V))
            continue;
        u64 *mid = table_of(root[i]);
        for (int j = 0; j < 512; j++) {
            if (!(mid[j] & V))
                continue;
            if (*budget == 0)
                return E_CONTINUE;
            free_page(ctx, table_of(mid[j]));  /* a leaf table: no scan */
            mid[j] = 0;
            (*budget)--;
        }
        if (*budget == 0)
            return E_CONTINUE;
        free_page(ctx, mid);
        root[i] = 0;
        (*budget)--;
    }
    if (*budget == 0)
        return E_CONTINUE;
    free_page(ctx, root);
    (*budget)--;
    pt->root = NULL;
    return E_OK;
}

void hal_pt_activate(const hal_pt_root *pt)
{
    host_active_pt = pt;
}

_Noreturn void hal_poweroff(u32 status)
{
    printf("host: poweroff %u\n", status);
    exit((int)status);
}

u64 hal_cycles(void)
{
    return 0;
}

void hal_tlb_flush(u64 va)
{
    (void)va;  /* the host has no TLB */
}

void hal_tlb_flush_all(void)
{
}

int hal_pt_protect(hal_pt_root *pt, u64 va, u32 rights)
{
    u64 *e = (va & (PG - 1)) || va >= USER_TOP ? NULL : walk(pt->root, va, false, NULL, NULL);
    if (!e || !(*e & V))
        return E_EMPTY;
    *e = (*e & ~RMASK) | (rights & RMASK);
    return E_OK;
}

void hal_pt_take_write(hal_pt_root *pt, u64 va)
{
    u64 *e = (va & (PG - 1)) || va >= USER_TOP ? NULL : walk(pt->root, va, false, NULL, NULL);
    if (e && (*e & V))
        *e &= ~(u64)R_WRITE;
}

void hal_pt_protect_all(hal_pt_root *pt)
{
    u64 *root = pt->root;
    for (int i = 0; root && i < 512; i++) {
        if (!(root[i] & V))
            continue;
        u64 *mid = (u64 *)(uptr)(root[i] & ~0xfffull);
        for (int j = 0; j < 512; j++) {
            if (!(mid[j] & V))
                continue;
            u64 *leaf = (u64 *)(uptr)(mid[j] & ~0xfffull);
            for (int k = 0; k < 512; k++)
                leaf[k] &= ~(u64)R_WRITE;
        }
    }
}

/* ---- tracking the core's writes (P2) with mprotect ----------------------
 * The region's pages lose PROT_WRITE; a store to one raises SIGSEGV, whose
 * handler hands the address to the core (kernel_write_fault, as riscv64's
 * trap does) and returns: the store is retried. A fault in the tracked
 * range the core does not claim is a new kernel on the same memory (or the
 * memory freed and reused): the old range is made writable and forgotten.
 * TETHER_HOST_TRACK=0 turns tracking off (checkpoints then compare every
 * page, as without it). Valgrind's tools do not retry a store after such a
 * handler (it is lost): nothing run under valgrind may track. */
static u8 *trk_lo, *trk_hi;

static void forget(void)
{
    if (trk_lo)
        mprotect(trk_lo, (size_t)(trk_hi - trk_lo), PROT_READ | PROT_WRITE);
    trk_lo = trk_hi = NULL;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc, (void)sig;
    u8 *a = si->si_addr;
    if (trk_lo && a >= trk_lo && a < trk_hi) {
        if (!kernel_write_fault((u64)(uptr)a))
            forget();
        return;
    }
    fprintf(stderr, "host: SIGSEGV at %p, not a tracked page\n", (void *)a);
    abort();
}

bool hal_track_start(void *region, u64 bytes)
{
    const char *env = getenv("TETHER_HOST_TRACK");
    if ((env && env[0] == '0') || (uptr)region % PG || bytes % PG)
        return false;
    forget();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0)
        return false;
    trk_lo = region;
    trk_hi = trk_lo + bytes;
    return true;
}

void hal_track_protect(void *page)
{
    if (mprotect(page, PG, PROT_READ) != 0)
        hal_panic("hal_track_protect: mprotect failed");
}

void hal_track_protect_list(void *region, const u32 *pages, u64 n)
{
    for (u64 k = 0; k < n; k++)
        hal_track_protect((u8 *)region + (u64)pages[k] * PG);
}

void hal_track_unprotect(void *page)
{
    if (mprotect(page, PG, PROT_READ | PROT_WRITE) != 0)
        hal_panic("hal_track_unprotect: mprotect failed");
}
