/* hostile_main.c: the hostile task: runs entry a0 of hostile_tests. */
#include "hostile.h"
#include "tether.h"

int main(int which)
{
    if (which >= 0 && (unsigned)which < hostile_count)
        hostile_tests[which].run();
    return 100;    /* reached only if the hostile action did nothing */
}
