/* SPDX-License-Identifier: BSD-2-Clause */
/* The image for the idle system test (tools/qemu-idle-test.sh): the root
 * task user/idle leaves no thread that can ever run again. */
#include "images.inc"
    ROOT_IMAGE "idle.elf"
