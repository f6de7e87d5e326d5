/* SPDX-License-Identifier: BSD-2-Clause */
/* riscv.h: RISC-V privileged architecture (S-mode view) and the QEMU virt
 * memory layout. Only the bits this kernel uses. */
#ifndef TETHER_RISCV_H
#define TETHER_RISCV_H

#include "types.h"

/* ---- QEMU virt physical memory map (see qemu/hw/riscv/virt.c) ----------
 *   0x00100000  SiFive test device: write here to power off QEMU
 *   0x10000000  UART (unused: the console goes through SBI)
 *   0x80000000  RAM starts; OpenSBI (M-mode firmware) owns the first 2 MiB
 *   0x80200000  the kernel image, loaded by QEMU, entered by OpenSBI
 *   ...         free RAM, the flattened device tree near the top
 * The size of RAM comes from the device tree (/memory reg). */
#define TEST_DEV_PA   0x100000UL
#define KERNEL_PA     0x80200000UL

/* ---- Kernel virtual memory ----------------------------------------------
 * Sv39 splits the 39-bit address space in two halves: user addresses are
 * below USER_TOP, kernel addresses are the sign-extended upper half. The
 * kernel maps physical memory at DMAP_BASE + pa (the "direct map"); the kernel
 * image itself runs from its direct-map address 0xffffffc080200000. */
#define DMAP_BASE     0xffffffc000000000UL
#define USER_TOP      0x0000004000000000UL   /* 256 GiB */
#define P2V(pa)       ((void *)((u64)(pa) + DMAP_BASE))
#define V2P(va)       ((u64)(va) - DMAP_BASE)

#define PAGE_SIZE     4096UL
#define PAGE_ROUND_DOWN(a) ((a) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_UP(a)   (((a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* ---- Sv39 page table entries --------------------------------------------
 * A virtual address has three 9-bit indices and a 12-bit offset:
 *
 *   38      30 29      21 20      12 11          0
 *   | VPN[2]  | VPN[1]   | VPN[0]   | page offset  |
 *
 * Each page table is one 4 KiB page of 512 PTEs:
 *
 *   63    54 53                    10 9  8 7 6 5 4 3 2 1 0
 *   | zero  |  PPN (physical page)   |RSW|D|A|G|U|X|W|R|V|
 *
 *   V valid; R/W/X readable, writable, executable: all three 0 means the PTE
 *   points to the next-level table, otherwise it is a leaf (a 1 GiB page at
 *   level 2, 2 MiB at level 1, 4 KiB at level 0); W without R is reserved.
 *   U accessible from U-mode (and then not from S-mode unless sstatus.SUM;
 *   this kernel never sets SUM: it reads user memory through the direct map).
 *   G global (in every address space); A accessed, D dirty: we set both in
 *   every leaf so the hardware never has to fault or write them back. */
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define PTE_LEAF_BITS (PTE_R | PTE_W | PTE_X)

#define PA2PTE(pa)     (((u64)(pa) >> 12) << 10)
#define PTE2PA(pte)    (((u64)(pte) >> 10) << 12)
#define VPN(level, va) (((u64)(va) >> (12 + 9 * (level))) & 0x1ff)
#define PT_ENTRIES     512

#define SATP_SV39      (8UL << 60)
#define MAKE_SATP(root_pa) (SATP_SV39 | ((u64)(root_pa) >> 12))

/* ---- Control and status registers --------------------------------------- */
#define SSTATUS_SIE   (1UL << 1)   /* interrupts enabled in S-mode (never set) */
#define SSTATUS_SPIE  (1UL << 5)   /* SIE after sret: 1 = user takes interrupts */
#define SSTATUS_SPP   (1UL << 8)   /* mode before the trap: 0 = U, 1 = S */
#define SIE_STIE      (1UL << 5)   /* supervisor timer interrupt enable */
#define SIP_STIP      (1UL << 5)   /* supervisor timer interrupt pending */

/* scause: bit 63 set = interrupt, otherwise exception. */
#define SCAUSE_INTR        (1UL << 63)
#define IRQ_S_TIMER        5
#define EXC_INST_MISALIGN  0
#define EXC_INST_ACCESS    1
#define EXC_ILLEGAL        2
#define EXC_BREAKPOINT     3
#define EXC_LOAD_MISALIGN  4
#define EXC_LOAD_ACCESS    5
#define EXC_STORE_MISALIGN 6
#define EXC_STORE_ACCESS   7
#define EXC_ECALL_U        8
#define EXC_INST_PAGE      12
#define EXC_LOAD_PAGE      13
#define EXC_STORE_PAGE     15

#define csr_read(csr) ({ u64 v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" :: "r"((u64)(val)))
#define csr_set(csr, bits)  __asm__ volatile("csrs " #csr ", %0" :: "r"((u64)(bits)))
#define csr_clear(csr, bits) __asm__ volatile("csrc " #csr ", %0" :: "r"((u64)(bits)))

static inline void sfence_vma_all(void) { __asm__ volatile("sfence.vma zero, zero" ::: "memory"); }
static inline void sfence_vma(u64 va) { __asm__ volatile("sfence.vma %0, zero" :: "r"(va) : "memory"); }

/* Symbols from kernel.ld (virtual addresses). */
extern char _start[], _etext[], _erodata[], _bss[], _ebss[], _end[];

#endif
