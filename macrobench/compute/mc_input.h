/* The compute family's input generator, one definition for the host (which
 * computes the references) and the bodies (which make their own input):
 * splitmix64, and the weighted checksum the outputs are compared by. */
#ifndef MACROBENCH_COMPUTE_MC_INPUT_H
#define MACROBENCH_COMPUTE_MC_INPUT_H

#include <stdint.h>

static inline uint64_t mc_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Position-weighted sum (odd weights, mod 2^64): equal sums of two arrays
 * say the same values sit at the same places, with a 2^-64-ish chance of
 * a collision, which a plain sum or xor would not. */
static inline uint64_t mc_weigh(uint64_t acc, uint64_t i, uint64_t v)
{
	return acc + v * (2 * i + 1);
}

#endif
