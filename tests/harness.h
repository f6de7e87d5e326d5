/* SPDX-License-Identifier: BSD-2-Clause */
/* harness.h: tiny test framework for host tests.
 *
 * TEST(name) { ... } registers a test; CHECK(cond) and CHECK_EQ(a, b) record
 * failures (with file:line) and continue. The runner prints "tests: N" (the
 * tests selected), one line per test ("ok   name" or "FAIL name") and the
 * final line "P passed, F failed" (P + F = N, plus one failure for a
 * "FAIL meta" line), exits non-zero on any failure, and checks that every
 * registered test ran (a test that did not run fails). */
#ifndef TETHER_HARNESS_H
#define TETHER_HARNESS_H

#include <stdint.h>
#include <stdio.h>

typedef void (*test_fn)(void);
void harness_register(const char *name, test_fn fn);
int harness_run(int argc, char **argv);
void harness_fail(const char *file, int line, const char *expr, long long a, long long b);
extern int harness_cur_failed;
/* Called after every test (e.g. a consistency check); may CHECK. */
extern void (*harness_after_each)(void);

#define TEST(name)                                                        \
    static void test_##name(void);                                        \
    __attribute__((constructor)) static void reg_##name(void)             \
    {                                                                     \
        harness_register(#name, test_##name);                             \
    }                                                                     \
    static void test_##name(void)

#define CHECK(c)                                                          \
    do {                                                                  \
        if (!(c))                                                         \
            harness_fail(__FILE__, __LINE__, #c, 0, 0);                   \
    } while (0)

#define CHECK_EQ(a, b)                                                    \
    do {                                                                  \
        long long a_ = (long long)(a), b_ = (long long)(b);               \
        if (a_ != b_)                                                     \
            harness_fail(__FILE__, __LINE__, #a " == " #b, a_, b_);       \
    } while (0)

#endif
