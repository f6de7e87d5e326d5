/* SPDX-License-Identifier: BSD-2-Clause */
/* harness.c: runs every TEST() in the "tests" section, checks the kernel's
 * invariants after each (SYSTEM_CHECK), then ends the root task with status
 * 0 if all passed (the kernel powers off with it). */
#include "harness.h"
#include "tether.h"
#include "ulib.h"

extern const struct test __start_tests[], __stop_tests[];
static int passed, failed, current_failed;

void check(int ok, const char *expr, const char *file, int line)
{
    if (!ok) {
        printf("  check failed at %s:%d: %s\n", file, line, expr);
        current_failed = 1;
    }
}

void check_eq(long a, long b, const char *ea, const char *eb, const char *file, int line)
{
    if (a != b) {
        printf("  check failed at %s:%d: %s == %s (%ld != %ld)\n", file, line, ea, eb, a, b);
        current_failed = 1;
    }
}

/* One line per test, as every runner prints it (README, docs/testing.md). */
static void result(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", name);
    if (ok)
        passed++;
    else
        failed++;
}

void subtest(const char *name, int ok)
{
    printf("  %s %s\n", ok ? "ok  " : "FAIL", name);  /* part of the test that runs it */
    if (!ok)
        current_failed = 1;
}

static unsigned next_slot = ROOT_CAP_FIRST_FREE + 16;

unsigned fresh_slots(unsigned n)
{
    unsigned s = next_slot;
    next_slot += n;
    return s;
}

unsigned fresh_slot(void) { return fresh_slots(1); }

int main(void)
{
    int n = (int)(__stop_tests - __start_tests);
    printf("system tests: %d\n", n);
    for (const struct test *t = __start_tests; t < __stop_tests; t++)
        for (const struct test *u = __start_tests; u < t; u++)
            if (strcmp(t->name, u->name) == 0) {
                printf("FAIL meta: two tests named %s\n", t->name);
                failed++;
            }
    for (const struct test *t = __start_tests; t < __stop_tests; t++) {
        current_failed = 0;
        t->fn();
        /* The kernel's invariants (kernel_check, through the System cap)
         * must hold after every test, hostile ones included. */
        if (!system_ok()) {
            printf("  kernel_check failed after %s\n", t->name);
            current_failed = 1;
        }
        result(t->name, !current_failed);
    }
    if (n == 0) {
        printf("FAIL meta: no test ran\n");
        failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
