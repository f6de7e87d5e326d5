/* vm.h: the kernel's own address space (riscv64). */
#ifndef TETHER_VM_H
#define TETHER_VM_H

#include "types.h"

/* Build the kernel page table (kernel image with per-section rights, the
 * direct map of [ram_base, ram_base + ram_size), the test device) and switch
 * to it, leaving the boot page table. */
void vm_init(u64 ram_base, u64 ram_size);

/* Number of page-table pages the kernel table uses (from the image's pool). */
unsigned vm_kernel_pt_pages(void);

#endif
