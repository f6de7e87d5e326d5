/* SPDX-License-Identifier: BSD-2-Clause */
/* kprintf.c: a small printf for kernel messages, over hal_putc. */
#include <stdarg.h>
#include "hal.h"
#include "kernel.h"

static void put_str(const char *s)
{
    while (*s)
        hal_putc(*s++);
}

static void put_num(u64 v, unsigned base, bool neg)
{
    char buf[24];
    int i = 0;
    do {
        buf[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        hal_putc('-');
    while (i)
        hal_putc(buf[--i]);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            hal_putc(*fmt);
            continue;
        }
        int lng = 0;
        while (*++fmt == 'l')
            lng++;
        switch (*fmt) {
        case 's': put_str(va_arg(ap, const char *)); break;
        case 'c': hal_putc((char)va_arg(ap, int)); break;
        case 'd': {
            s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int);
            put_num(v < 0 ? (u64)-v : (u64)v, 10, v < 0);
            break;
        }
        case 'u': put_num(lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 10, false); break;
        case 'x': put_num(lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 16, false); break;
        case 'p': put_str("0x"); put_num((uptr)va_arg(ap, void *), 16, false); break;
        case '%': hal_putc('%'); break;
        default: hal_putc('?'); break;
        }
    }
    va_end(ap);
}
