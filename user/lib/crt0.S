/* SPDX-License-Identifier: BSD-2-Clause */
/* crt0.S: entry of every program, the root task and boot modules alike.
 * The kernel starts the root thread with sp = USER_STACK_TOP
 * (kernel/arch/riscv64/uapi/layout.h) and a0 = its boot information;
 * module_start starts a module's thread with a0 = its struct tether_modinfo
 * (<tether/abi.h>). tether_start (syscall.c) records which, runs main and
 * exits with its result (exit(): power off for the root task, the end
 * message to its starter for a module). */
    .section .text.entry, "ax"
    .globl _start
_start:
    tail    tether_start
