/* SPDX-License-Identifier: BSD-2-Clause */
/* tjmp.S: recovery points (task.h). */
    .text
    .globl tjmp_save, tjmp_resume, tjmp_recover
tjmp_save:
    sd ra, 0(a0)
    sd sp, 8(a0)
    sd s0, 16(a0)
    sd s1, 24(a0)
    sd s2, 32(a0)
    sd s3, 40(a0)
    sd s4, 48(a0)
    sd s5, 56(a0)
    sd s6, 64(a0)
    sd s7, 72(a0)
    sd s8, 80(a0)
    sd s9, 88(a0)
    sd s10, 96(a0)
    sd s11, 104(a0)
    li a0, 0
    ret
tjmp_resume:
    ld ra, 0(a0)
    ld sp, 8(a0)
    ld s0, 16(a0)
    ld s1, 24(a0)
    ld s2, 32(a0)
    ld s3, 40(a0)
    ld s4, 48(a0)
    ld s5, 56(a0)
    ld s6, 64(a0)
    ld s7, 72(a0)
    ld s8, 80(a0)
    ld s9, 88(a0)
    ld s10, 96(a0)
    ld s11, 104(a0)
    li a0, 1
    ret
/* The pc a fault handler resumes a thread at (FAULT_REPLY_SETPC). */
tjmp_recover:
    la a0, tjmp_recover_point
    ld a0, 0(a0)
    j tjmp_resume

    .bss
    .balign 8
    .globl tjmp_recover_point
tjmp_recover_point:
    .zero 8
