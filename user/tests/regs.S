/* SPDX-License-Identifier: BSD-2-Clause */
/* regs.S: long regs_survive_syscall(long number)
 * Puts a distinct value in every register (except a0, the result, a7, the
 * number, and sp), makes system call `number`, and returns 0 if every one of
 * them survived, otherwise the number of the first clobbered register. */
    .text
    .globl regs_survive_syscall
regs_survive_syscall:
    addi    sp, sp, -128
    sd      ra, 0(sp)
    sd      gp, 8(sp)
    sd      tp, 16(sp)
    sd      s0, 24(sp)
    sd      s1, 32(sp)
    sd      s2, 40(sp)
    sd      s3, 48(sp)
    sd      s4, 56(sp)
    sd      s5, 64(sp)
    sd      s6, 72(sp)
    sd      s7, 80(sp)
    sd      s8, 88(sp)
    sd      s9, 96(sp)
    sd      s10, 104(sp)
    sd      s11, 112(sp)
    mv      a7, a0

    .irp n, 1,3,4,5,6,7,8,9,11,12,13,14,15,16,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    li      x\n, 0x5a5a0000 + \n * 0x101
    .endr
    ecall
    .irp n, 1,3,4,5,6,7,8,9,11,12,13,14,15,16,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    li      a0, 0x5a5a0000 + \n * 0x101
    beq     a0, x\n, 1f
    li      a0, \n
    j       out
1:
    .endr
    li      a0, 0
out:
    ld      ra, 0(sp)
    ld      gp, 8(sp)
    ld      tp, 16(sp)
    ld      s0, 24(sp)
    ld      s1, 32(sp)
    ld      s2, 40(sp)
    ld      s3, 48(sp)
    ld      s4, 56(sp)
    ld      s5, 64(sp)
    ld      s6, 72(sp)
    ld      s7, 80(sp)
    ld      s8, 88(sp)
    ld      s9, 96(sp)
    ld      s10, 104(sp)
    ld      s11, 112(sp)
    addi    sp, sp, 128
    ret
