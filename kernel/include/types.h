/* SPDX-License-Identifier: BSD-2-Clause */
/* Fixed-width types for the kernel. Only the compiler's freestanding
 * headers are used (no libc in the core). */
#ifndef TETHER_TYPES_H
#define TETHER_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef uintptr_t uptr;
typedef size_t usize;

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
