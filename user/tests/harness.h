/* SPDX-License-Identifier: BSD-2-Clause */
/* harness.h: the system-test harness (runs inside the test root task).
 *
 *   TEST(name) { CHECK(cond); CHECK_EQ(a, b); }
 *
 * Tests run in link order (file order, then order in the file). The first
 * line is "system tests: N"; each test prints one line ("ok   name" or
 * "FAIL name", as the host runners: README); the last line is exactly
 * "P passed, F failed" with P + F = N (a "FAIL meta: ..." line, a fault of
 * the harness itself, counts one more failure), which tools/qemu-test.sh
 * checks. */
#ifndef HARNESS_H
#define HARNESS_H

struct test {
    const char *name;
    void (*fn)(void);
};

#define TEST(fn)                                                           \
    static void fn(void);                                                  \
    static const struct test fn##_desc                                     \
        __attribute__((used, section("tests"), aligned(8))) = { #fn, fn }; \
    static void fn(void)

void check(int ok, const char *expr, const char *file, int line);
void check_eq(long a, long b, const char *ea, const char *eb, const char *file, int line);
#define CHECK(cond) check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ(a, b) check_eq((long)(a), (long)(b), #a, #b, __FILE__, __LINE__)

/* Report a sub-result as its own indented line (for tests that check a
 * table); a failed one fails the test that reports it. */
void subtest(const char *name, int ok);

/* A cap address of the root CSpace that no test used before. */
unsigned fresh_slot(void);
/* A run of n such addresses; returns the first. */
unsigned fresh_slots(unsigned n);

#endif
