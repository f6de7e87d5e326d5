/* The image for `make test-qemu`: the test root task (user/tests), which
 * creates the hostile threads itself. */
#include "images.inc"
    ROOT_IMAGE "tests.elf"
