/* SPDX-License-Identifier: BSD-2-Clause */
/* rand.h: the model test's one random stream (tests/rng.h, splitmix64),
 * shared by every file of the model so that a seed replays the same run. */
#ifndef TETHER_MODEL_RAND_H
#define TETHER_MODEL_RAND_H

#include "types.h"

extern u64 rng;
u64 rnd(void);
u32 rn(u32 n);
bool chance(u32 pct);

#endif
