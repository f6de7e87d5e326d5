/* SPDX-License-Identifier: BSD-2-Clause */
/* unit_main.c: runs every registered unit test (tests/t_*.c), then checks
 * the kernel's invariants (kernel_check) on the state each test left.
 * Usage: unit [substring]  -- run only tests whose name contains it. */
#include "harness.h"
#include "check.h"
#include "tk.h"

static void check_kernel(void)
{
    if (!tk.root_cs)
        return;
    const char *why = kernel_check();
    if (why)
        printf("    kernel_check: %s\n", why);
    CHECK(why == NULL);
}

int main(int argc, char **argv)
{
    harness_after_each = check_kernel;
    return harness_run(argc, argv);
}
