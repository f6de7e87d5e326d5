/* SPDX-License-Identifier: BSD-2-Clause */
/* crt0.S: entry of the root task. The kernel starts the root thread with
 * sp = USER_STACK_TOP (kernel/arch/riscv64/uapi/layout.h), a0 = 0. When
 * main returns, its result is the exit status: exit() invokes
 * SYSTEM_POWEROFF on ROOT_CAP_SYSTEM. */
    .section .text.entry, "ax"
    .globl _start
_start:
    call    main
    tail    exit
