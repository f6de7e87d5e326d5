/* SPDX-License-Identifier: BSD-2-Clause */
/* sbi.h: calls into the M-mode firmware (OpenSBI), RISC-V SBI spec. */
#ifndef TETHER_SBI_H
#define TETHER_SBI_H

#include "types.h"

void sbi_init(void);                /* probe which extensions exist */
void sbi_putc(char c);              /* debug console (DBCN or legacy) */
void sbi_set_timer(u64 when);       /* next timer interrupt at time `when` */
const char *sbi_console_kind(void);

#endif
