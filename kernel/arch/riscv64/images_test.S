/* The image for `make test-qemu`: the test root task (user/tests) and
 * HOSTILE_COUNT hostile tasks; hostile task i (a0 = i) runs entry i of the
 * table in user/tests/hostile.c. The root task checks that every entry ran
 * (the count must match that table). */
#include "images.inc"
#define HOSTILE_COUNT 14
    IMAGE tests, "tests.elf"
    IMAGE hostile, "hostile.elf"
    BEGIN_TASKS
    TASK "tests", tests, 0
    .set i, 0
    .rept HOSTILE_COUNT
    TASK "hostile", hostile, i
    .set i, i + 1
    .endr
    END_TASKS
