/* SPDX-License-Identifier: MIT */
/*
 * sim/rng.h -- splitmix64 (Steele, Lea and Flood), the one copy: the step
 * that seeds every xoshiro256** generator of lockstep, the scheduler's
 * (sim/strategy.c, sim_rng_seed) and the scenario generator's (gen/gen.c).
 * Each derives its own stream from its seed; the step is the same.
 */
#ifndef LOCKSTEP_SIM_RNG_H
#define LOCKSTEP_SIM_RNG_H

#include <stdint.h>

/* sim_splitmix64 -- advance *x and return the next output. */
static inline uint64_t sim_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif
