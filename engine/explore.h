/* SPDX-License-Identifier: MIT */
/*
 * engine/explore.h -- running scenarios: the schedules, the outcome against
 * expect:, reports, traces, JSON and JUnit; and replaying a trace.
 */
#ifndef LOCKSTEP_ENGINE_EXPLORE_H
#define LOCKSTEP_ENGINE_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>

#include "scenarios/scen.h"

struct explore_opts {
	uint64_t seed;
	bool have_seed;
	uint64_t schedules; /* 0: the scenario's */
	enum scen_strategy strategy;
	bool have_strategy;
	int depth;	 /* 0: the scenario's */
	bool have_depth; /* --depth given (dfs: 0 is a bound) */
	bool no_por;	 /* dfs without partial-order reduction */
	const char *fixes, *kernel;
	const char *out, *json, *junit, *pool;
	const char *scenario; /* replay --scenario: instead of the
					 * trace's own copy */
	bool summary, quiet, verbose;
};

/* explore_files -- `lockstep run`; returns the exit code (SPEC.md 8). */
int explore_files(const struct explore_opts *o, int n, char **files);
/* explore_replay -- `lockstep replay`: 0 when the trace's violation is
 * reproduced, 1 when it is not, 2 for a bad trace. */
int explore_replay(const struct explore_opts *o, const char *trace);

struct exec;
struct report_sched;
/* explore_replay_prior -- run again, on e, the earlier executions a trace's
 * finding rests on (rs->prior: a lock-order cycle whose edges were recorded
 * in several executions), with the trace's strategy, so that the checkers'
 * graph is what it was.  'por': a dfs trace's reduction. */
void explore_replay_prior(struct exec *e, const struct scen *sc,
			  const struct report_sched *rs, bool por);

#endif
