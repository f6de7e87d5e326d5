/* SPDX-License-Identifier: BSD-2-Clause */
/* The image for `make test-qemu`: the test root task (user/tests), which
 * creates the hostile threads itself; the kernel checks the store at boot. */
#include "images.inc"
    ROOT_IMAGE "tests.elf", 1   /* IMAGE_BLK_SELFTEST */
