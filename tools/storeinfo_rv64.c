/* SPDX-License-Identifier: BSD-2-Clause */
/* storeinfo_rv64.c: the riscv64 kernel's layout for tools/storeinfo (see
 * storeinfo.h). Compiled for the host, but with kernel/arch/riscv64/include
 * in place of kernel/host/include, so that thread.h and persist.h see the
 * riscv64 struct hal_regs. */
#include <stddef.h>
#include "persist.h"
#include "storeinfo.h"

void si_rv64(struct si_machine *m)
{
    const struct si_machine rv = SI_MACHINE("riscv64");
    *m = rv;
}
