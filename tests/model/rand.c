/* SPDX-License-Identifier: BSD-2-Clause */
/* rand.c: the model test's random stream (see rand.h). */
#include "rand.h"
#define RNG_LINKAGE
#include "rng.h"
