/* The image for `make bench-qemu`: one root task that measures. */
#include "images.inc"
    IMAGE bench, "bench.elf"
    BEGIN_TASKS
    TASK "bench", bench, 0
    END_TASKS
