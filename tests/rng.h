/* SPDX-License-Identifier: BSD-2-Clause */
/* rng.h: the random drivers' generator (splitmix64). Each test file that
 * includes it has its own stream (`rng` is per file), seeded by that file.
 * A driver spread over several files defines RNG_LINKAGE empty in the one
 * file that holds its stream (tests/model/rand.c) and declares it for the
 * others (tests/model/rand.h). */
#ifndef TETHER_RNG_H
#define TETHER_RNG_H

#ifndef RNG_LINKAGE
#define RNG_LINKAGE static
#endif

RNG_LINKAGE u64 rng;
RNG_LINKAGE u64 rnd(void)
{
    u64 z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
RNG_LINKAGE u32 rn(u32 n) { return (u32)(rnd() % n); }
RNG_LINKAGE bool chance(u32 pct) { return rn(100) < pct; }

#endif
