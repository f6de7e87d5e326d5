/* SPDX-License-Identifier: BSD-2-Clause */
/* layout.h: how the riscv64 kernel lays out the root task's AddrSpace
 * (shared by the kernel's loader, main.c, and user code).
 *
 *   0x00010000       the root ELF image (user/lib/user.ld): text, rodata,
 *                    data, bss -- pages charged to the root bank
 *   ...              unmapped
 *   USER_STACK_TOP   the root thread's stack: USER_STACK_PAGES pages below
 *                    it (root bank), grows down
 * Everything else the root task learns through its capabilities
 * (ROOT_CAP_* in <tether/abi.h>). Stacks of further threads are memory of
 * the image (libtether: thread_spawn). */
#ifndef TETHER_RISCV_LAYOUT_H
#define TETHER_RISCV_LAYOUT_H

#define USER_IMAGE_BASE    0x10000UL
#define USER_STACK_TOP     0x7ff00000UL
#define USER_STACK_PAGES   4

#endif
