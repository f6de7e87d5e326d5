/* SPDX-License-Identifier: BSD-2-Clause */
/* entry.S: first instructions of the kernel.
 *
 * OpenSBI jumps here in S-mode with paging off: pc = 0x80200000 (physical),
 * a0 = hart id, a1 = physical address of the flattened device tree.
 * We turn on a boot page table that maps the first 4 GiB of physical memory
 * twice -- 1:1 (so the next instruction still runs) and at DMAP_BASE (where
 * the kernel is linked) -- jump to the high address, set up the stack, clear
 * bss and call arch_main(hartid, dtb_pa). vm.c later replaces the boot table
 * with a fine-grained one. */

#define DMAP_BASE 0xffffffc000000000
#define GIGA_LEAF 0xcf            /* V R W X A D */

    .section .text.entry, "ax"
    .globl _start
_start:
    la      t0, boot_pt             /* pc-relative: the physical address */
    srli    t0, t0, 12
    li      t1, 8 << 60             /* satp.MODE = Sv39 */
    or      t0, t0, t1
    sfence.vma
    csrw    satp, t0
    sfence.vma
    ld      t0, high_entry_addr     /* absolute (link-time) address */
    jr      t0

high_entry:
    la      sp, boot_stack_top      /* now pc-relative gives high addresses */
    la      t0, _bss
    la      t1, _ebss
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  call    arch_main               /* a0, a1 still hold hartid and dtb */
3:  wfi
    j       3b

    .section .rodata
    .balign 8
high_entry_addr:
    .quad   high_entry

/* Boot page table: one page of 512 Sv39 level-2 entries, each a 1 GiB leaf. */
    .section .data
    .balign 4096
boot_pt:
    .zero   2 * 8
    .quad   ((0x80000000 >> 12) << 10) | GIGA_LEAF   /* [2]: 1:1 for pc */
    .zero   (256 - 3) * 8
    .quad   ((0x00000000 >> 12) << 10) | GIGA_LEAF   /* [256]: DMAP + 0 GiB */
    .quad   ((0x40000000 >> 12) << 10) | GIGA_LEAF   /* [257]: DMAP + 1 GiB */
    .quad   ((0x80000000 >> 12) << 10) | GIGA_LEAF   /* [258]: DMAP + 2 GiB */
    .quad   ((0xc0000000 >> 12) << 10) | GIGA_LEAF   /* [259]: DMAP + 3 GiB */
    .zero   (512 - 260) * 8

/* The one kernel stack (one CPU). Every kernel entry starts on it empty. */
    .section .bss
    .balign 16
    .globl boot_stack_top
boot_stack:
    .zero   16384
boot_stack_top:
