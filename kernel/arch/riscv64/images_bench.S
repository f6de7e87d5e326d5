/* SPDX-License-Identifier: BSD-2-Clause */
/* The image for `make bench-qemu`: a root task that measures; the kernel
 * measures the store at boot. */
#include "images.inc"
    ROOT_IMAGE "bench.elf", 2   /* IMAGE_BLK_BENCH */
