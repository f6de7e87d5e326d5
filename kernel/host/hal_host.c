/* SPDX-License-Identifier: BSD-2-Clause */
/* hal_host.c: the hosted machine. The core runs inside a Linux process:
 * console is stdout, a panic aborts (tests catch it as a failure). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hal.h"
#include "host_console.h"

static char *cap_buf;
static size_t cap_size, cap_len, cap_written;

void host_console_capture(char *buf, size_t size)
{
    cap_buf = buf;
    cap_size = size;
    cap_len = cap_written = 0;
    if (buf && size)
        buf[0] = 0;
}

size_t host_console_written(void)
{
    return cap_written;
}

void hal_putc(char c)
{
    if (!cap_buf) {
        putchar(c);
        return;
    }
    cap_written++;
    if (cap_len + 1 < cap_size) {
        cap_buf[cap_len++] = c;
        cap_buf[cap_len] = 0;
    }
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
