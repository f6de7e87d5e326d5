/* SPDX-License-Identifier: BSD-2-Clause */
/* vm.h: the kernel's own address space (riscv64). */
#ifndef TETHER_VM_H
#define TETHER_VM_H

#include "hal.h"
#include "types.h"

/* Build the kernel page table (kernel image with per-section rights, the
 * direct map of [ram_base, ram_base + ram_size), the test device) and switch
 * to it, leaving the boot page table. */
void vm_init(u64 ram_base, u64 ram_size);

/* Map a device's registers [pa, pa + size) into the kernel's direct map
 * (read/write, not user-accessible: no user address space can reach them).
 * Boot only: before the first user address space, which copies the
 * kernel's top-level entries (panics otherwise). */
void vm_map_mmio(u64 pa, u64 size);

/* Number of page-table pages the kernel table uses (from the image's pool). */
unsigned vm_kernel_pt_pages(void);

/* Check the hal_pt_* functions once at boot (vm_selftest.c) on pages
 * from alloc, all returned through free_page; panics on a bug. */
void vm_selftest(hal_page_alloc alloc, hal_page_free free_page, void *ctx);

#endif
