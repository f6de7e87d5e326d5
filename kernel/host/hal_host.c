/* SPDX-License-Identifier: BSD-2-Clause */
/* hal_host.c: the hosted machine. The core runs inside a Linux process:
 * console is stdout, a panic aborts (tests catch it as a failure). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hal.h"

void hal_putc(char c)
{
    putchar(c);
}

_Noreturn void hal_panic(const char *msg)
{
    fprintf(stderr, "tether panic: %s\n", msg);
    abort();
}

void hal_zero(void *p, usize n)
{
    memset(p, 0, n);
}
