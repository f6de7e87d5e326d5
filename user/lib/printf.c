/* SPDX-License-Identifier: BSD-2-Clause */
/* printf.c: formatted output into a buffer, flushed with SYS_WRITE. */
#include <stdarg.h>
#include "tether.h"
#include "ulib.h"

struct out {
    char buf[128];
    size_t n;
    int total;
};

static void flush(struct out *o)
{
    if (o->n)
        tether_write(o->buf, o->n);
    o->n = 0;
}

static void put(struct out *o, char c)
{
    if (o->n == sizeof o->buf)
        flush(o);
    o->buf[o->n++] = c;
    o->total++;
}

static void put_num(struct out *o, uint64_t v, unsigned base, int neg, int width, char pad)
{
    char digits[24];
    int i = 0;
    do {
        digits[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg && pad == '0')
        put(o, '-');
    for (int w = i + neg; w < width; w++)
        put(o, pad);
    if (neg && pad != '0')
        put(o, '-');
    while (i)
        put(o, digits[--i]);
}

int printf(const char *fmt, ...)
{
    struct out o = { .n = 0, .total = 0 };
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, longs = 0, left = 0;
        if (*fmt == '-')
            left = 1, fmt++;
        else if (*fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            longs++, fmt++;
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, long) : va_arg(ap, int);
            put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
            break;
        }
        case 'u':
            put_num(&o, longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, 0, width, pad);
            break;
        case 'x':
            put_num(&o, longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, 0, width, pad);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, (uintptr_t)va_arg(ap, void *), 16, 0, width, pad);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int n = (int)strlen(s);
            for (int k = n; !left && k < width; k++)
                put(&o, ' ');
            while (*s)
                put(&o, *s++);
            for (int k = n; left && k < width; k++)
                put(&o, ' ');
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    va_end(ap);
    flush(&o);
    return o.total;
}

int puts(const char *s)
{
    tether_write(s, strlen(s));
    tether_write("\n", 1);
    return 0;
}
