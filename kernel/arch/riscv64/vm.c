/* SPDX-License-Identifier: BSD-2-Clause */
/* vm.c: Sv39 page tables (see riscv.h for the PTE layout).
 *
 * The kernel table maps only kernel addresses (upper half); its page-table
 * pages come from a small pool inside the kernel image. Every user address
 * space gets its own top-level table whose upper half is a copy of the
 * kernel's (the kernel's lower-level tables are shared and never change
 * after vm_init), and whose lower half is built from pages the core supplies
 * through an allocator callback: page tables are charged to a bank (S1). */
#include <tether/abi.h>
#include "hal.h"
#include "hal_arch.h"
#include "riscv.h"
#include "vm.h"

#define KPT_POOL_PAGES 16
#define MEGA (2UL << 20)

static u64 kpt_pool[KPT_POOL_PAGES][PT_ENTRIES] __attribute__((aligned(4096)));
static unsigned kpt_used;
static u64 *kernel_root;
static bool user_tables;  /* a user top-level table copies kernel_root now */

static void *kpt_alloc(void *ctx)
{
    (void)ctx;
    if (kpt_used == KPT_POOL_PAGES)
        hal_panic("vm: kernel page-table pool exhausted (RAM too large?)");
    return kpt_pool[kpt_used++];
}

unsigned vm_kernel_pt_pages(void)
{
    return kpt_used;
}

/* Sv39 (RISC-V privileged spec, "Sv39: Page-Based 39-bit Virtual-Memory
 * System"): a virtual address is three 9-bit table indices and a 12-bit
 * offset; bits 63..39 must equal bit 38 (user addresses: all zero).
 *
 *   38        30 29        21 20        12 11              0
 *  +------------+------------+------------+-----------------+
 *  |  VPN[2]    |  VPN[1]    |  VPN[0]    |  page offset    |
 *  +------------+------------+------------+-----------------+
 *   root table   middle table  leaf table   byte in the page
 *   (1 GiB each) (2 MiB each)  (4 KiB each)
 *
 * A page-table entry (64 bits; riscv.h):
 *
 *   63   54 53                     10 9   8 7 6 5 4 3 2 1 0
 *  +-------+-------------------------+-----+-+-+-+-+-+-+-+-+
 *  | 0     |  PPN (physical page)    | RSW |D|A|G|U|X|W|R|V|
 *  +-------+-------------------------+-----+-+-+-+-+-+-+-+-+
 *
 * V: valid. R/W/X all 0: a pointer to the next-level table; any of them
 * set: a leaf (a page, or a 2 MiB / 1 GiB megapage at the upper levels).
 * U: user mode may access it. A and D (accessed, dirty) are set up front,
 * so that no implementation needs to fault to set them. walk() goes down
 * VPN[2], VPN[1] to the level asked for. */

/* Find the PTE for va at `level` (0: 4 KiB, 1: 2 MiB), creating the tables
 * above it with alloc (if alloc is NULL, don't create). Returns E_OK and the
 * PTE in *out; E_EMPTY if a table is missing and alloc is NULL; E_FULL if a
 * larger leaf is in the way; E_NOMEM if alloc failed. */
static int walk(u64 *table, u64 va, int level, hal_page_alloc alloc, void *ctx, u64 **out)
{
    for (int l = 2; l > level; l--) {
        u64 *pte = &table[VPN(l, va)];
        if (*pte & PTE_V) {
            if (*pte & PTE_LEAF_BITS)
                return E_FULL;
        } else {
            if (!alloc)
                return E_EMPTY;
            u64 *page = alloc(ctx);
            if (!page)
                return E_NOMEM;
            hal_zero(page, PAGE_SIZE);
            *pte = PA2PTE(V2P(page)) | PTE_V;
        }
        table = P2V(PTE2PA(*pte));
    }
    *out = &table[VPN(level, va)];
    return E_OK;
}

/* Map [va, va+size) to [pa, ...) in the kernel table, 2 MiB pages where
 * alignment allows. All arguments page aligned. */
static void kmap(u64 va, u64 pa, u64 size, u64 flags)
{
    while (size) {
        int level = (va % MEGA == 0 && pa % MEGA == 0 && size >= MEGA) ? 1 : 0;
        u64 step = level ? MEGA : PAGE_SIZE, *pte;
        if (walk(kernel_root, va, level, kpt_alloc, NULL, &pte) != E_OK || *pte)
            hal_panic("vm: kernel mapping overlaps");
        *pte = PA2PTE(pa) | flags | PTE_V | PTE_G | PTE_A | PTE_D;
        va += step, pa += step, size -= step;
    }
}

void vm_init(u64 ram_base, u64 ram_size)
{
    u64 text = (u64)_start, rodata = (u64)_etext, data = (u64)_erodata;
    u64 end = (u64)_end, ram_end = ram_base + ram_size;

    kernel_root = kpt_alloc(NULL);
    kmap(text, V2P(text), rodata - text, PTE_R | PTE_X);
    kmap(rodata, V2P(rodata), data - rodata, PTE_R);
    kmap(data, V2P(data), end - data, PTE_R | PTE_W);
    /* The rest of RAM after the kernel; RAM below it (the firmware) stays
     * unmapped. */
    kmap(end, V2P(end), PAGE_ROUND_DOWN(ram_end) - V2P(end), PTE_R | PTE_W);
    kmap((u64)P2V(TEST_DEV_PA), TEST_DEV_PA, PAGE_SIZE, PTE_R | PTE_W);

    csr_write(satp, MAKE_SATP(V2P(kernel_root)));
    sfence_vma_all();
}

void vm_map_mmio(u64 pa, u64 size)
{
    /* A user table made earlier would lack a new top-level entry. */
    if (user_tables)
        hal_panic("vm: device mapped after the first user address space");
    u64 lo = PAGE_ROUND_DOWN(pa);
    kmap((u64)P2V(lo), lo, PAGE_ROUND_UP(pa + size) - lo, PTE_R | PTE_W);
    sfence_vma_all();
}

/* ---- user address spaces (hal_arch.h) ---------------------------------- */

static bool user_va_ok(u64 va)
{
    return va < USER_TOP && va % PAGE_SIZE == 0;
}

int hal_pt_create(hal_pt_root *pt, hal_page_alloc alloc, void *ctx)
{
    u64 *root = alloc(ctx);
    if (!root)
        return E_NOMEM;
    hal_zero(root, PAGE_SIZE / 2);
    user_tables = true;
    for (int i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
        root[i] = kernel_root[i];
    pt->root = root;
    return E_OK;
}

int hal_pt_map(hal_pt_root *pt, u64 va, void *frame, u32 rights,
               hal_page_alloc alloc, void *ctx)
{
    u64 *pte;
    if (!user_va_ok(va) || (uptr)frame % PAGE_SIZE)
        return E_INVAL;
    if (!(rights & (R_READ | R_WRITE | R_EXEC)) || ((rights & R_WRITE) && !(rights & R_READ)))
        return E_INVAL;
    int err = walk(pt->root, va, 0, alloc, ctx, &pte);
    if (err)
        return err;
    if (*pte & PTE_V)
        return E_FULL;
    hal_pt_set(pte, frame, rights);
    return E_OK;
}

int hal_pt_prepare(hal_pt_root *pt, u64 va, hal_page_alloc alloc, void *ctx)
{
    u64 *pte;
    if (!user_va_ok(va))
        return E_INVAL;
    return walk(pt->root, va, 0, alloc, ctx, &pte);
}

/* The valid leaf entry of user page va in pt, in *pte: E_OK, E_INVAL (not
 * a user page address) or E_EMPTY (nothing mapped there). */
static int user_leaf(const hal_pt_root *pt, u64 va, u64 **pte)
{
    if (!user_va_ok(va))
        return E_INVAL;
    if (walk(pt->root, va, 0, NULL, NULL, pte) != E_OK || !(**pte & PTE_V))
        return E_EMPTY;
    return E_OK;
}

int hal_pt_unmap(hal_pt_root *pt, u64 va)
{
    u64 *pte;
    int e = user_leaf(pt, va, &pte);
    if (e != E_OK)
        return e;
    *pte = 0;
    /* Flushes this hart only; with several harts this needs a remote fence
     * (SBI RFENCE) to every hart that may cache the address space. */
    sfence_vma(va);
    return E_OK;
}

int hal_pt_need(const hal_pt_root *pt, u64 va, void **entry)
{
    u64 *table = pt->root;
    for (int l = 2; l > 0; l--) {
        u64 pte = table[VPN(l, va)];
        if (!(pte & PTE_V))
            return l;  /* this level's table and the ones below are missing */
        if (pte & PTE_LEAF_BITS)
            return -1;  /* a large page is mapped there */
        table = P2V(PTE2PA(pte));
    }
    if (table[VPN(0, va)] & PTE_V)
        return -1;
    if (entry)
        *entry = &table[VPN(0, va)];
    return 0;
}

static u64 pte_flags(u32 rights)
{
    return PTE_U | PTE_A | PTE_D | PTE_V | (rights & R_READ ? PTE_R : 0) |
           (rights & R_WRITE ? PTE_W : 0) | (rights & R_EXEC ? PTE_X : 0);
}

void hal_pt_set(void *entry, void *frame, u32 rights)
{
    /* No flush: the entry was invalid, and invalid PTEs are never cached. */
    *(u64 *)entry = PA2PTE(V2P(frame)) | pte_flags(rights);
}

void *hal_pt_lookup(const hal_pt_root *pt, u64 va, u32 *rights)
{
    u64 *pte;
    if (va >= USER_TOP || !pt->root)
        return NULL;
    if (walk(pt->root, PAGE_ROUND_DOWN(va), 0, NULL, NULL, &pte) != E_OK || !(*pte & PTE_V))
        return NULL;
    *rights = (*pte & PTE_R ? R_READ : 0) | (*pte & PTE_W ? R_WRITE : 0) |
              (*pte & PTE_X ? R_EXEC : 0);
    return P2V(PTE2PA(*pte));
}

static bool is_table(u64 pte)
{
    return (pte & PTE_V) && !(pte & PTE_LEAF_BITS);
}

/* The user half of the root only: the kernel half's tables are shared. */
int hal_pt_destroy_step(hal_pt_root *pt, hal_page_free free_page, void *ctx, u32 *budget)
{
    u64 *root = pt->root;
    if (!root)
        return E_OK;
    for (int i = 0; i < PT_ENTRIES / 2; i++) {
        if (!is_table(root[i]))
            continue;
        u64 *mid = P2V(PTE2PA(root[i]));
        for (int j = 0; j < PT_ENTRIES; j++) {
            if (!is_table(mid[j]))
                continue;
            if (*budget == 0)
                return E_CONTINUE;
            free_page(ctx, P2V(PTE2PA(mid[j])));  /* a leaf table: no scan */
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

int hal_pt_protect(hal_pt_root *pt, u64 va, u32 rights)
{
    u64 *pte;
    int e = user_leaf(pt, va, &pte);
    if (e != E_OK)
        return e;
    *pte = (*pte & ~(u64)(PTE_R | PTE_W | PTE_X)) | (pte_flags(rights) & (PTE_R | PTE_W | PTE_X));
    sfence_vma(va);
    return E_OK;
}

void hal_pt_take_write(hal_pt_root *pt, u64 va)
{
    u64 *pte;
    if (user_leaf(pt, va, &pte) == E_OK)
        *pte &= ~(u64)PTE_W;
}

void hal_pt_protect_all(hal_pt_root *pt)
{
    u64 *root = pt->root;
    for (int i = 0; root && i < PT_ENTRIES / 2; i++) {
        if (!is_table(root[i]))
            continue;
        u64 *mid = P2V(PTE2PA(root[i]));
        for (int j = 0; j < PT_ENTRIES; j++) {
            if (!is_table(mid[j]))
                continue;
            u64 *leaf = P2V(PTE2PA(mid[j]));
            for (int k = 0; k < PT_ENTRIES; k++)
                leaf[k] &= ~(u64)PTE_W;
        }
    }
    sfence_vma_all();
}

/* ---- tracking the kernel's writes to the core's state (P2) -------------
 * The direct map of the region is rebuilt from 2 MiB pages into 4 KiB
 * ones, whose leaf entries are one array (track_pte, in the image): page
 * i's entry is found by arithmetic, and clearing its W makes the next
 * kernel store to it a fault (trapvec.S: from_kernel, trap_kernel_fault). */
#define TRACK_MAX_PAGES (1u << 17)  /* 512 MiB */
static u64 track_pte[TRACK_MAX_PAGES] __attribute__((aligned(4096)));
static u64 track_base;

bool hal_track_start(void *region, u64 bytes)
{
    u64 lo = (u64)region, base = lo & ~(MEGA - 1), top = (lo + bytes + MEGA - 1) & ~(MEGA - 1);
    if ((top - base) / PAGE_SIZE > TRACK_MAX_PAGES)
        return false;
    for (u64 va = base; va < top; va += MEGA) {
        u64 *pte, *leaf = &track_pte[(va - base) / PAGE_SIZE];
        if (walk(kernel_root, va, 1, NULL, NULL, &pte) != E_OK)
            return false;
        if ((*pte & PTE_V) && (*pte & PTE_LEAF_BITS)) {  /* a 2 MiB page */
            for (int i = 0; i < PT_ENTRIES; i++)
                leaf[i] = PA2PTE(PTE2PA(*pte) + (u64)i * PAGE_SIZE) | (*pte & 0x3ffull);
        } else if (*pte & PTE_V) {                       /* a table of 4 KiB pages */
            const u64 *old = P2V(PTE2PA(*pte));
            for (int i = 0; i < PT_ENTRIES; i++)
                leaf[i] = old[i];
        } else {
            continue;
        }
        *pte = PA2PTE(V2P(leaf)) | PTE_V;
    }
    track_base = base;
    sfence_vma_all();
    return true;
}

void hal_track_protect(void *page)
{
    track_pte[((u64)page - track_base) / PAGE_SIZE] &= ~(u64)PTE_W;
}

void hal_track_protect_list(void *region, const u32 *pages, u64 n)
{
    u64 *pte = &track_pte[((u64)region - track_base) / PAGE_SIZE];
    for (u64 k = 0; k < n; k++)
        pte[pages[k]] &= ~(u64)PTE_W;
}

void hal_track_unprotect(void *page)
{
    track_pte[((u64)page - track_base) / PAGE_SIZE] |= PTE_W;
    sfence_vma((u64)page);
}

void hal_tlb_flush(u64 va)
{
    sfence_vma(va);
}

void hal_tlb_flush_all(void)
{
    sfence_vma_all();
}

void hal_pt_activate(const hal_pt_root *pt)
{
    u64 *root = pt && pt->root ? pt->root : kernel_root;
    csr_write(satp, MAKE_SATP(V2P(root)));
    sfence_vma_all();
}
