/* SPDX-License-Identifier: MIT */
/*
 * engine/minimize.h -- a shorter schedule with the same violation: delta
 * debugging over the decisions of a trace (`lockstep minimize`, and each
 * new finding of a campaign).
 */
#ifndef LOCKSTEP_ENGINE_MINIMIZE_H
#define LOCKSTEP_ENGINE_MINIMIZE_H

#include <stdint.h>

#include "engine/exec.h"

struct min_out {
	uint8_t *dec; /* malloc'd: the minimized decisions */
	uint32_t ndec;
	int preemptions, orig_preemptions;
	uint64_t steps, orig_steps;
	uint32_t orig_ndec;
	uint64_t tests;		       /* executions spent */
	const struct exec_result *res; /* the minimized execution's */
	int finding;		       /* index of the finding in res */
};

/*
 * minimize_schedule -- from the decisions 'dec' of execution 'index' that
 * showed a finding of 'kind' with signature 'sig' (campaign.h), the schedule
 * with the fewest preemptions, then the fewest steps, that still shows it,
 * within 'budget' executions.  'before' (or NULL) runs before each test,
 * once the checkers are reset: the earlier executions a lock-order cycle
 * rests on.  On return 0 the struct exec holds the minimized execution
 * (replayed exactly), for its trace and report; -1 if the decisions do not
 * show the finding in the first place.
 */
int minimize_schedule(struct exec *e, uint64_t index, const uint8_t *dec,
		      uint32_t ndec, enum scen_violation kind, uint64_t sig,
		      uint64_t budget, void (*before)(void *), void *ctx,
		      struct min_out *out);

#endif
