/* SPDX-License-Identifier: MIT */
/*
 * campaign/genmin.h -- a generated program made small while it still shows
 * a finding (`lockstep fuzz --generate`): program-level minimization, as
 * syzkaller's syz-repro does it.
 *
 * A candidate "shows" the finding when some execution of it, scheduled as
 * `lockstep run` would schedule it with explore: {strategy S, depth D,
 * seed X} (a fresh engine, k measured, executions 0, 1, ... in order),
 * has a finding of the same kind and the same signature (under the name
 * 'generated', campaign/fuzz_gen.c), within 'budget' executions per
 * strategy.  The one that does is the schedule the saved scenario's
 * explore: names, so that `lockstep run` on it finds it again.
 */
#ifndef LOCKSTEP_CAMPAIGN_GENMIN_H
#define LOCKSTEP_CAMPAIGN_GENMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "gen/gen.h"
#include "report/report.h"
#include "scenarios/scen.h"

struct genmin_repro {
	int strat;	/* CAMP_PCT1.. CAMP_RANDOM */
	uint64_t seed;	/* the strategy's seed */
	uint64_t index; /* the execution that shows it */
	uint32_t kinds; /* kinds found in executions 0..index */
};

struct genmin_ctx {
	const char *pool;     /* exec_options.pool */
	const char *scratch;  /* a file for the candidates' text */
	const char *sig_name; /* the name signatures are made under */
	enum scen_violation kind;
	uint64_t sig;
	uint64_t budget;	    /* executions per strategy and test */
	uint32_t strats;	    /* the portfolio (CAMP_DFS ignored) */
	uint64_t seeds[8];	    /* each strategy's seed, by CAMP_* */
	const uint32_t *stop;	    /* stop when *stop (NULL: never) */
	uint64_t tests, executions; /* spent so far */
};

/*
 * genmin_signature -- a finding's signature under 'name' (report.h), the
 * generator's file names (a, b, c) left out: one race is one finding
 * whichever file of a program it happens on.
 */
uint64_t genmin_signature(const char *name, const struct finding *f);

/*
 * genmin_test -- whether p shows the finding; r->strat, when >= 0, is
 * tried first.  1 (r filled), 0, or -1 when p cannot run (it does not
 * load: a bug of the generator's edits, or the pool fails).
 */
int genmin_test(struct genmin_ctx *c, const struct gen_prog *p,
		struct genmin_repro *r);

/*
 * genmin_minimize -- *p made as small as it goes while showing the
 * finding: drop threads, then operations (with what must go with them),
 * then halve lengths and offsets; r holds the last schedule that showed
 * it.  Returns the number of edits kept; -1 when *p does not show the
 * finding to begin with; stops early (keeping what it has) on *c->stop.
 */
int genmin_minimize(struct genmin_ctx *c, struct gen_prog **p,
		    struct genmin_repro *r);

#endif
