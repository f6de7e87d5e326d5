/* The image for `make run`: just the root task (user/init). */
#include "images.inc"
    IMAGE init, "init.elf"
    BEGIN_TASKS
    TASK "init", init, 0
    END_TASKS
