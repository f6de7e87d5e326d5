/* SPDX-License-Identifier: BSD-2-Clause */
/* harness.h: the system-test harness (runs inside the test root task).
 *
 *   TEST(name) { CHECK(cond); CHECK_EQ(a, b); }
 *
 * Tests run in link order (file order, then order in the file), each prints
 * one line ("ok - name" or "FAIL - name"); the last line is exactly
 * "N passed, N failed", which tools/qemu-test.sh checks. */
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

/* Report a sub-result as its own line (for tests that check a table). */
void subtest(const char *name, int ok);

/* A cap address of the root CSpace that no test used before. */
unsigned fresh_slot(void);
/* A run of n such addresses; returns the first. */
unsigned fresh_slots(unsigned n);

#endif
