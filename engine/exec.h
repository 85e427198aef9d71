/* SPDX-License-Identifier: MIT */
/*
 * engine/exec.h -- the execution engine: a scenario run under the scheduler,
 * with the oracles applied to what each execution did.
 *
 * Owns: struct exec (one per scenario run: the device, the simulator and
 * its threads, the data oracle: oracle/oracle.h) and the findings of the last
 * execution.  Single-threaded use: one explorer per struct exec.
 */
#ifndef LOCKSTEP_ENGINE_EXEC_H
#define LOCKSTEP_ENGINE_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "report/report.h"
#include "scenarios/scen.h"
#include "sim/sim.h"
#include "sim/strategy.h"

#define EXEC_MAX_FINDINGS 16
struct exec_result {
	enum sim_abort abort;
	uint64_t steps;
	int nfind;
	struct finding find[EXEC_MAX_FINDINGS];
	uint32_t kinds; /* mask of scen_violation found */
	/* What the execution observed, as a digest, when
	 * exec_options.outcome asks for it (else 0): each thread's results
	 * and the bytes its reads returned, how it ended, the files' final
	 * contents.  Equal for schedules that differ only in the order of
	 * steps that commute (tests/test_dfs.c holds the reduction to it). */
	uint64_t outcome;
};

struct exec_options {
	const char *pool; /* --pool, or NULL */
	bool log_events;
	bool no_lockdep, no_race; /* the checkers off (make bench) */
	bool outcome;		  /* digest exec_result.outcome (tests) */
	bool undirected;	  /* the scenario's interleave: left out (fuzz
			  * --undirected, a trace that says so), and with
			  * it the op-result check */
};

struct exec;

/* exec_new -- set up for running 'sc' with 'fixes'; NULL with a message in
 * err on failure (a pool that cannot be made, an operation this build does
 * not model), errno EINVAL when it is the user's input (a --pool that is
 * not usable as given: exit 2), another value otherwise (exit 3). */
struct exec *exec_new(const struct scen *sc, uint32_t fixes,
		      const struct exec_options *opt, char *err, size_t errlen);
void exec_free(struct exec *e);

/* exec_op_modelled -- whether this build runs operation kind k: it has a
 * handler (engine/ops.c's exec_ops[]).  exec_new refuses a scenario with
 * one it does not. */
bool exec_op_modelled(int k);

/* exec_calibrate -- k for PCT: the scheduling points of the non-preemptive
 * schedule, measured on one execution that leaves no trace in the
 * checkers' state. */
uint64_t exec_calibrate(struct exec *e);

/* exec_run -- one execution, numbered 'index', scheduled by st. */
const struct exec_result *exec_run(struct exec *e, struct sim_strategy *st,
				   uint64_t index);

struct sim *exec_sim(struct exec *e);
const struct scen *exec_scen(const struct exec *e);
uint32_t exec_fixes(const struct exec *e);

/* exec_fixes_for -- the fixes a scenario asks for: its kernel preset (or
 * every fix when it names none), edited by its fixes: list, then by the
 * command line's --kernel and --fixes.  -1 with a message on a bad name. */
int exec_fixes_for(const struct scen *sc, const char *kernel_flag,
		   const char *fixes_flag, uint32_t *fixes, char *err,
		   size_t errlen);

/* exec_new_as_written -- exec_new with the fixes the scenario itself asks
 * for (exec_fixes_for without command-line flags). */
struct exec *exec_new_as_written(const struct scen *sc,
				 const struct exec_options *opt, char *err,
				 size_t errlen);

/* The vocabulary scenarios are checked against: the core's. */
extern const struct scen_vocab exec_vocab;

/* exec_trace_load -- the trace at path into t, and the scenario it was
 * recorded from, loaded.  NULL on an error, printed ("lockstep CMD: ..."
 * or "FILE:LINE:COL: error: ..."), with nothing left to free: exit 2.
 * Whether the scenario changed since (sc->hash != t->hash) is the
 * caller's to say. */
struct scen *exec_trace_load(const char *cmd, const char *path,
			     struct report_trace *t);

#endif
