/* SPDX-License-Identifier: BSD-2-Clause */
/* The image for `make run`: the demo root task (user/init). */
#include "images.inc"
    ROOT_IMAGE "init.elf"
