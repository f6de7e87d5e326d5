/* rng.h: the random drivers' generator (splitmix64). Each test file that
 * includes it has its own stream (`rng` is per file), seeded by that file. */
#ifndef TETHER_RNG_H
#define TETHER_RNG_H

static u64 rng;
static u64 rnd(void)
{
    u64 z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static u32 rn(u32 n) { return (u32)(rnd() % n); }
static bool chance(u32 pct) { return rn(100) < pct; }

#endif
