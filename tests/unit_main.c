/* unit_main.c: runs every registered unit test (tests/t_*.c).
 * Usage: unit [substring]  -- run only tests whose name contains it. */
#include "harness.h"

int main(int argc, char **argv)
{
    return harness_run(argc, argv);
}
