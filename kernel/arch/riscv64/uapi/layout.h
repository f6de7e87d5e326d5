/* SPDX-License-Identifier: BSD-2-Clause */
/* layout.h: how the riscv64 kernel lays out the root task's AddrSpace
 * (shared by the kernel's loader, main.c, and user code).
 *
 *   0x00010000       the root ELF image (user/lib/user.ld): text, rodata,
 *                    data, bss -- pages charged to the root bank
 *   ...              unmapped
 *   USER_STACK_TOP   the root thread's stack: USER_STACK_PAGES pages below
 *                    it (root bank), grows down
 *   BOOTINFO_VA      the boot information (struct tether_bootinfo in
 *                    <tether/abi.h>), read-only, one page above an unmapped
 *                    one; the root thread starts with a0 = BOOTINFO_VA
 * Everything else the root task learns through its capabilities
 * (ROOT_CAP_* in <tether/abi.h>). Stacks of further threads are memory of
 * the image (libtether: thread_spawn).
 *
 * A task started from a boot module (libtether's module_start) has the
 * same stack, its image where it was linked (mk/riscv64.mk: each program
 * at its own base, MODULE_BASE_MIN and up, so gdb can load all their
 * symbols at once), and no boot information. The kernel refuses a module
 * with a segment outside [MODULE_BASE_MIN, the stack). */
#ifndef TETHER_RISCV_LAYOUT_H
#define TETHER_RISCV_LAYOUT_H

#define USER_IMAGE_BASE    0x10000UL
#define USER_STACK_TOP     0x7ff00000UL
#define USER_STACK_PAGES   4
#define BOOTINFO_VA        (USER_STACK_TOP + 0x1000UL)
#define MODULE_BASE_MIN    0x10000UL

#endif
