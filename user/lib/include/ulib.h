/* SPDX-License-Identifier: BSD-2-Clause */
/* ulib.h: the tiny freestanding C library of libtether. */
#ifndef ULIB_H
#define ULIB_H

#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* Formats: %d %i %u %x %s %c %p %%, with l/ll (%ld %lu %lx); width and '0'
 * padding ("%08lx", "%5d"); '-' left-justifies strings ("%-10s"). Output goes to SYS_WRITE. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);

/* Counters: rdcycle and rdinstret (under QEMU -icount both count
 * instructions). */
static inline uint64_t rdcycle(void) { uint64_t v; __asm__ volatile("rdcycle %0" : "=r"(v)); return v; }
static inline uint64_t rdinstret(void) { uint64_t v; __asm__ volatile("rdinstret %0" : "=r"(v)); return v; }

#endif
