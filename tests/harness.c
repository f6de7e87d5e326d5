/* SPDX-License-Identifier: BSD-2-Clause */
/* harness.c: test registry and runner (see harness.h). */
#include "harness.h"
#include <stdlib.h>
#include <string.h>

#define MAX_TESTS 512
static struct { const char *name; test_fn fn; int ran; } tests[MAX_TESTS];
static int ntests;
int harness_cur_failed;
void (*harness_after_each)(void);

void harness_register(const char *name, test_fn fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "harness: too many tests\n");
        exit(2);
    }
    for (int i = 0; i < ntests; i++)
        if (!strcmp(tests[i].name, name)) {
            fprintf(stderr, "harness: duplicate test %s\n", name);
            exit(2);
        }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

void harness_fail(const char *file, int line, const char *expr, long long a, long long b)
{
    if (harness_cur_failed < 5)
        printf("    %s:%d: check failed: %s (%lld vs %lld)\n", file, line, expr, a, b);
    harness_cur_failed++;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int harness_run(int argc, char **argv)
{
    /* Fixed order, whatever the link order: sorted by name. */
    qsort(tests, (size_t)ntests, sizeof(tests[0]), by_name);
    const char *only = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0, expected = 0;
    for (int i = 0; i < ntests; i++)
        expected += !only || strstr(tests[i].name, only);
    printf("tests: %d\n", expected);
    expected = 0;
    for (int i = 0; i < ntests; i++) {
        if (only && !strstr(tests[i].name, only))
            continue;
        expected++;
        harness_cur_failed = 0;
        tests[i].fn();
        if (harness_after_each)
            harness_after_each();
        tests[i].ran = 1;
        printf("%s %s\n", harness_cur_failed ? "FAIL" : "ok  ", tests[i].name);
        if (harness_cur_failed)
            failed++;
        else
            passed++;
    }
    /* Meta-check: every selected test ran exactly once. */
    int ran = 0;
    for (int i = 0; i < ntests; i++)
        ran += tests[i].ran;
    if (ran != expected || expected == 0) {
        printf("FAIL meta: %d of %d tests ran\n", ran, expected);
        failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
