/* SPDX-License-Identifier: MIT */
/*
 * sim/strategy.h -- who runs next: the exploration strategies.
 *
 * A strategy sees each choice point of an execution (the set of runnable
 * threads and the one that reached the point) and returns the thread to
 * run.  Implementations:
 *
 *   random   a uniformly random runnable thread at every point;
 *   pct      Probabilistic Concurrency Testing (Burckhardt, Kothari,
 *            Musuvathi, Nagarakatte, ASPLOS 2010): random distinct thread
 *            priorities and d-1 random priority change points in [1, k];
 *            the highest-priority runnable thread always runs.  A bug of
 *            depth d is found with probability >= 1/(n k^(d-1)) per run;
 *   replay   a recorded list of decisions, exactly;
 *   dfs      systematic search (sim/dfs.c): every schedule within a
 *            preemption bound, the bound raised from 0 to a maximum, with
 *            partial-order reduction (sleep sets and dynamic POR);
 *   native   no strategy at all (sim/native.c): the threads run unpinned
 *            and the operating system decides who takes the core next at
 *            each point, as in a stress test; its choices are recorded as
 *            decisions, so a finding replays (with 'replay'), but two runs
 *            differ.
 *
 * The interface admits systematic search (re-run a prefix, then branch):
 * the choice carries the step number and the full runnable set, and
 * begin()/end() bracket each execution.
 *
 * Every random decision comes from a generator seeded by (seed, execution
 * index) alone, so execution i is the same whatever ran before it: a run
 * can be split into shards and replayed from any execution.
 */
#ifndef LOCKSTEP_SIM_STRATEGY_H
#define LOCKSTEP_SIM_STRATEGY_H

#include <stdbool.h>
#include <stdint.h>

struct sim_choice {
	uint64_t step;	   /* scheduling points so far */
	uint32_t runnable; /* mask of threads that may run */
	int current;	   /* thread at the point; -1 if none */
	int nthreads;
};

struct sim_strategy {
	const char *name;
	void (*begin)(struct sim_strategy *st, uint64_t execution);
	/* Returns a thread of c->runnable; -1 aborts (a replay that no
	 * longer fits). */
	int (*choose)(struct sim_strategy *st, const struct sim_choice *c);
	/* Optional: a scheduling point where only one thread can run (not a
	 * decision, not recorded); dfs needs it to see every step.  false
	 * aborts, as choose's -1 does (what follows is redundant). */
	bool (*forced)(struct sim_strategy *st, const struct sim_choice *c);
	void (*end)(struct sim_strategy *st, uint64_t steps);
	void (*destroy)(struct sim_strategy *st);
};

/* A small, fast, seedable generator (splitmix64 seeding xoshiro256**). */
struct sim_rng {
	uint64_t s[4];
};
void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n), n > 0, without modulo bias. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);

struct sim_strategy *sim_strategy_random(uint64_t seed, int nthreads);
/* k: the expected number of steps of an execution (measured by the caller
 * on a first execution); depth: d >= 1. */
struct sim_strategy *sim_strategy_pct(uint64_t seed, int nthreads, int depth,
				      uint64_t k);
struct sim_strategy *sim_strategy_replay(const uint8_t *decisions, uint32_t n);
/* The operating system chooses (sim/native.c); not seeded, not repeatable. */
struct sim_strategy *sim_strategy_native(void);
/* Always the lowest runnable thread that is not preempted: the current
 * thread keeps running while it can (a non-preemptive schedule). */
struct sim_strategy *sim_strategy_first(void);
/*
 * sim_strategy_dfs -- systematic search with iterative preemption bounding
 * (bounds from_bound..max_bound) and, when 'por', partial-order reduction.
 * Not seeded: it decides the next schedule from the ones before it, so the
 * execution index it is given is ignored and it must see every execution
 * it scheduled, in order.  It needs the event log (sim_options.log_events)
 * for the reduction; without one every step counts as dependent.
 */
struct sim_dfs_stats {
	int bound;	    /* the bound being explored */
	int finished_bound; /* the last bound exhausted, or -1 */
	bool por;
	bool done;	     /* nothing left to explore (or error) */
	bool complete;	     /* no schedule was left out by a bound */
	uint64_t schedules;  /* complete schedules at this bound */
	uint64_t executions; /* all executions, every bound */
	uint64_t pruned;     /* executions cut short by sleep sets */
	uint64_t cut;	     /* branches the bound left out, at
					 * this bound */
	int nlevels;	     /* schedules of each exhausted bound */
	uint64_t level_schedules[64];
	const char *error; /* why it stopped early, or NULL */
};
struct sim_strategy *sim_strategy_dfs(int from_bound, int max_bound, bool por);
/* The largest bound, which asks for every schedule: the search starts
 * there rather than raising the bound from 0, so that no schedule runs
 * twice. */
#define SIM_DFS_UNBOUNDED 16
/* Before the first execution: re-run every subtree at every bound, as the
 * search did before it skipped the subtrees a lower bound completed (for
 * make bench's comparison). */
void sim_strategy_dfs_rerun(struct sim_strategy *st, bool rerun);
bool sim_strategy_is_dfs(const struct sim_strategy *st);
void sim_strategy_dfs_stats(const struct sim_strategy *st,
			    struct sim_dfs_stats *out);

/* Whether a replay consumed its decisions exactly. */
bool sim_strategy_replay_exact(const struct sim_strategy *st);

static inline void sim_strategy_destroy(struct sim_strategy *st)
{
	if (st)
		st->destroy(st);
}

#endif
