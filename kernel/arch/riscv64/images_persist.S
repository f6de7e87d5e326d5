/* SPDX-License-Identifier: BSD-2-Clause */
/* The image for the persistence system test (tools/qemu-persist-test.sh):
 * the root task user/ptest checkpoints step after step. */
#include "images.inc"
    ROOT_IMAGE "ptest.elf"
