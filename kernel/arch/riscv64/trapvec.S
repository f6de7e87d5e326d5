/* SPDX-License-Identifier: BSD-2-Clause */
/* trapvec.S: every entry into the kernel and every exit to user mode.
 *
 * The kernel is event driven: while a user context runs, sscratch holds the
 * address of its struct hal_regs; while the kernel runs, sscratch is 0 and
 * interrupts are off (sstatus.SIE is never set). So one vector serves both:
 *   - from U-mode: save all registers into the hal_regs, switch to the one
 *     kernel stack (empty at every entry) and call the core's entry
 *     (kernel_syscall directly for an ecall, otherwise trap_user(regs));
 *     every path ends in hal_return_to_user(the context the core chose).
 *   - from S-mode: a store to a write-protected page of the core's state
 *     (incremental checkpoints, P2) is handled and retried; anything else
 *     is a kernel bug: switch to a separate panic stack (the kernel stack
 *     may be what broke) and call trap_kernel(), which panics. */

#define REGS_PC (32 * 8)

    .section .text
    .globl trap_vector
    .balign 4
trap_vector:
    csrrw   sp, sscratch, sp        /* sp = regs, sscratch = user sp */
    beqz    sp, from_kernel

    sd      x1,  1*8(sp)
    sd      x3,  3*8(sp)
    sd      x4,  4*8(sp)
    sd      x5,  5*8(sp)
    sd      x6,  6*8(sp)
    sd      x7,  7*8(sp)
    sd      x8,  8*8(sp)
    sd      x9,  9*8(sp)
    sd      x10, 10*8(sp)
    sd      x11, 11*8(sp)
    sd      x12, 12*8(sp)
    sd      x13, 13*8(sp)
    sd      x14, 14*8(sp)
    sd      x15, 15*8(sp)
    sd      x16, 16*8(sp)
    sd      x17, 17*8(sp)
    sd      x18, 18*8(sp)
    sd      x19, 19*8(sp)
    sd      x20, 20*8(sp)
    sd      x21, 21*8(sp)
    sd      x22, 22*8(sp)
    sd      x23, 23*8(sp)
    sd      x24, 24*8(sp)
    sd      x25, 25*8(sp)
    sd      x26, 26*8(sp)
    sd      x27, 27*8(sp)
    sd      x28, 28*8(sp)
    sd      x29, 29*8(sp)
    sd      x30, 30*8(sp)
    sd      x31, 31*8(sp)
    csrr    t0, sscratch            /* the user sp */
    sd      t0, 2*8(sp)
    csrr    t0, sepc
    sd      t0, REGS_PC(sp)
    csrw    sscratch, zero          /* now in the kernel */

    mv      a0, sp
    la      sp, boot_stack_top
    /* The common case first: an ecall goes straight to the core, and the
     * registers it returns straight back to user mode (NULL: trap_resume
     * idles). Everything else: trap_user. */
    csrr    t0, scause
    li      t1, 8                   /* EXC_ECALL_U */
    bne     t0, t1, 1f
    call    kernel_syscall
    bnez    a0, hal_return_to_user
    call    trap_resume
1:  call    trap_user
2:  j       2b                      /* not reached */

from_kernel:
    csrrw   sp, sscratch, sp        /* undo: sp = kernel sp, sscratch = 0 */
    /* A store page fault may be write tracking of the core's state (P2):
     * trap_kernel_fault decides, the store is retried. Anything else, or
     * a fault it does not own, is a kernel bug: the panic stack. */
    csrw    sscratch, t0
    csrr    t0, scause
    addi    t0, t0, -15             /* EXC_STORE_PAGE */
    bnez    t0, 8f
    csrrw   t0, sscratch, zero
    addi    sp, sp, -144
    sd      ra,  0*8(sp)
    sd      t0,  1*8(sp)
    sd      t1,  2*8(sp)
    sd      t2,  3*8(sp)
    sd      t3,  4*8(sp)
    sd      t4,  5*8(sp)
    sd      t5,  6*8(sp)
    sd      t6,  7*8(sp)
    sd      a0,  8*8(sp)
    sd      a1,  9*8(sp)
    sd      a2, 10*8(sp)
    sd      a3, 11*8(sp)
    sd      a4, 12*8(sp)
    sd      a5, 13*8(sp)
    sd      a6, 14*8(sp)
    sd      a7, 15*8(sp)
    csrr    t0, sepc
    sd      t0, 16*8(sp)
    csrr    a0, stval
    call    trap_kernel_fault
    beqz    a0, 7f
    ld      t0, 16*8(sp)
    csrw    sepc, t0
    ld      ra,  0*8(sp)
    ld      t0,  1*8(sp)
    ld      t1,  2*8(sp)
    ld      t2,  3*8(sp)
    ld      t3,  4*8(sp)
    ld      t4,  5*8(sp)
    ld      t5,  6*8(sp)
    ld      t6,  7*8(sp)
    ld      a0,  8*8(sp)
    ld      a1,  9*8(sp)
    ld      a2, 10*8(sp)
    ld      a3, 11*8(sp)
    ld      a4, 12*8(sp)
    ld      a5, 13*8(sp)
    ld      a6, 14*8(sp)
    ld      a7, 15*8(sp)
    addi    sp, sp, 144
    sret                            /* to S-mode: SPP was set by the trap */
7:  ld      t0, 16*8(sp)            /* not ours: panic with the original pc */
    csrw    sepc, t0
    j       9f
8:  csrrw   t0, sscratch, zero
9:  la      sp, panic_stack_top
    csrr    a0, scause
    csrr    a1, stval
    csrr    a2, sepc
    call    trap_kernel
3:  j       3b                      /* not reached */

/* _Noreturn void hal_return_to_user(struct hal_regs *r) */
    .globl hal_return_to_user
hal_return_to_user:
    ld      t0, REGS_PC(a0)
    csrw    sepc, t0
    /* sstatus.SPP is 0 (sret goes to U-mode): trap_init clears it, and
     * traps from U-mode leave it 0 (S-mode traps panic). SPIE is not
     * needed: in U-mode, S-level interrupts are taken whatever sstatus.SIE
     * says (privileged spec, 3.1.6.1), so SIE stays 0 everywhere. */
    csrw    sscratch, a0            /* where the next trap saves registers */

    ld      x1,  1*8(a0)
    ld      x2,  2*8(a0)
    ld      x3,  3*8(a0)
    ld      x4,  4*8(a0)
    ld      x5,  5*8(a0)
    ld      x6,  6*8(a0)
    ld      x7,  7*8(a0)
    ld      x8,  8*8(a0)
    ld      x9,  9*8(a0)
    ld      x11, 11*8(a0)
    ld      x12, 12*8(a0)
    ld      x13, 13*8(a0)
    ld      x14, 14*8(a0)
    ld      x15, 15*8(a0)
    ld      x16, 16*8(a0)
    ld      x17, 17*8(a0)
    ld      x18, 18*8(a0)
    ld      x19, 19*8(a0)
    ld      x20, 20*8(a0)
    ld      x21, 21*8(a0)
    ld      x22, 22*8(a0)
    ld      x23, 23*8(a0)
    ld      x24, 24*8(a0)
    ld      x25, 25*8(a0)
    ld      x26, 26*8(a0)
    ld      x27, 27*8(a0)
    ld      x28, 28*8(a0)
    ld      x29, 29*8(a0)
    ld      x30, 30*8(a0)
    ld      x31, 31*8(a0)
    ld      x10, 10*8(a0)           /* a0 last: it was the base */
    sret

    .section .bss
    .balign 16
panic_stack:
    .zero   4096
panic_stack_top:
