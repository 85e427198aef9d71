/* SPDX-License-Identifier: MIT */
/*
 * sim/strategy.c -- random, PCT, replay and the non-preemptive schedule.
 */
#include "sim/strategy.h"
#include "sim/rng.h"
#include "sim/sim.h"

#include <stdlib.h>
#include <string.h>

/* ---- The generator ------------------------------------------------------- */

/* sim_rng_seed -- seed stream 'stream' of 'seed': execution i of a run is
 * stream i, whatever ran before it. */
void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ull);

	for (int i = 0; i < 4; i++)
		r->s[i] = sim_splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* sim_rng_next -- xoshiro256** (Blackman and Vigna). */
uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* sim_rng_below -- Lemire's multiply-and-reject: uniform, no modulo bias. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	__uint128_t m = (__uint128_t)sim_rng_next(r) * n;
	uint64_t lo = (uint64_t)m;

	if (lo < n) {
		uint64_t t = -n % n;

		while (lo < t) {
			m = (__uint128_t)sim_rng_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* nth_bit -- the index of the k-th set bit of m (k from 0). */
static int nth_bit(uint32_t m, unsigned k)
{
	while (k--)
		m &= m - 1;
	return __builtin_ctz(m);
}

/* ---- random --------------------------------------------------------------- */

struct strat_random {
	struct sim_strategy base;
	uint64_t seed;
	struct sim_rng rng;
};

static void random_begin(struct sim_strategy *st, uint64_t execution)
{
	struct strat_random *r = (struct strat_random *)st;

	sim_rng_seed(&r->rng, r->seed, execution);
}

static int random_choose(struct sim_strategy *st, const struct sim_choice *c)
{
	struct strat_random *r = (struct strat_random *)st;
	unsigned n = (unsigned)__builtin_popcount(c->runnable);

	return nth_bit(c->runnable, (unsigned)sim_rng_below(&r->rng, n));
}

static void free_self(struct sim_strategy *st)
{
	free(st);
}

struct sim_strategy *sim_strategy_random(uint64_t seed, int nthreads)
{
	struct strat_random *r = calloc(1, sizeof(*r));

	(void)nthreads;
	if (!r)
		return NULL;
	r->base = (struct sim_strategy){ .name = "random",
					 .begin = random_begin,
					 .choose = random_choose,
					 .destroy = free_self };
	r->seed = seed;
	return &r->base;
}

/* ---- PCT ------------------------------------------------------------------ */

/*
 * Burckhardt et al., "A Randomized Scheduler with Probabilistic Guarantees
 * of Finding Bugs", ASPLOS 2010, algorithm 1: thread priorities are a random
 * permutation of d..d+n-1; change points k_1..k_{d-1} are drawn from
 * [1, k]; when step k_i is reached the running thread's priority drops to
 * d-i, below every initial priority.  The highest-priority runnable thread
 * runs.
 */
struct strat_pct {
	struct sim_strategy base;
	uint64_t seed;
	int n, depth;
	uint64_t k;
	struct sim_rng rng;
	int prio[SIM_MAX_THREADS];
	uint64_t change[16]; /* change[i-1] = k_i */
};

static void pct_begin(struct sim_strategy *st, uint64_t execution)
{
	struct strat_pct *p = (struct strat_pct *)st;

	sim_rng_seed(&p->rng, p->seed, execution);
	/* Fisher-Yates over d..d+n-1. */
	for (int i = 0; i < p->n; i++)
		p->prio[i] = p->depth + i;
	for (int i = p->n - 1; i > 0; i--) {
		int j = (int)sim_rng_below(&p->rng, (uint64_t)i + 1);
		int t = p->prio[i];

		p->prio[i] = p->prio[j];
		p->prio[j] = t;
	}
	for (int i = 0; i < p->depth - 1; i++)
		p->change[i] = 1 + sim_rng_below(&p->rng, p->k);
}

static int pct_choose(struct sim_strategy *st, const struct sim_choice *c)
{
	struct strat_pct *p = (struct strat_pct *)st;
	int best = -1;

	if (c->current >= 0) {
		for (int i = 0; i < p->depth - 1; i++)
			if (p->change[i] == c->step)
				p->prio[c->current] = p->depth - 1 - i;
	}
	for (uint32_t m = c->runnable; m; m &= m - 1) {
		int t = __builtin_ctz(m);

		if (best < 0 || p->prio[t] > p->prio[best])
			best = t;
	}
	return best;
}

struct sim_strategy *sim_strategy_pct(uint64_t seed, int nthreads, int depth,
				      uint64_t k)
{
	struct strat_pct *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (depth < 1)
		depth = 1;
	if (depth > 17)
		depth = 17;
	p->base = (struct sim_strategy){ .name = "pct",
					 .begin = pct_begin,
					 .choose = pct_choose,
					 .destroy = free_self };
	p->seed = seed;
	p->n = nthreads;
	p->depth = depth;
	p->k = k ? k : 1;
	return &p->base;
}

/* ---- replay --------------------------------------------------------------- */

struct strat_replay {
	struct sim_strategy base;
	uint32_t n, next;
	uint8_t dec[];
};

static void replay_begin(struct sim_strategy *st, uint64_t execution)
{
	(void)execution;
	((struct strat_replay *)st)->next = 0;
}

static int replay_choose(struct sim_strategy *st, const struct sim_choice *c)
{
	struct strat_replay *r = (struct strat_replay *)st;

	(void)c;
	if (r->next >= r->n)
		return -1;
	return r->dec[r->next++];
}

struct sim_strategy *sim_strategy_replay(const uint8_t *decisions, uint32_t n)
{
	struct strat_replay *r = calloc(1, sizeof(*r) + n);

	if (!r)
		return NULL;
	r->base = (struct sim_strategy){ .name = "replay",
					 .begin = replay_begin,
					 .choose = replay_choose,
					 .destroy = free_self };
	r->n = n;
	if (n)
		memcpy(r->dec, decisions, n);
	return &r->base;
}

bool sim_strategy_replay_exact(const struct sim_strategy *st)
{
	const struct strat_replay *r = (const struct strat_replay *)st;

	return r->next == r->n;
}

/* ---- first: no preemption -------------------------------------------------- */

static int first_choose(struct sim_strategy *st, const struct sim_choice *c)
{
	(void)st;
	if (c->current >= 0 && (c->runnable & (1u << c->current)))
		return c->current;
	return __builtin_ctz(c->runnable);
}

struct sim_strategy *sim_strategy_first(void)
{
	struct sim_strategy *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	*st = (struct sim_strategy){ .name = "first",
				     .choose = first_choose,
				     .destroy = free_self };
	return st;
}
