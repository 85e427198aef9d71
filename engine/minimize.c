/* SPDX-License-Identifier: MIT */
/*
 * engine/minimize.c -- delta debugging over a schedule's decisions.
 *
 * A schedule is taken as a list of runs, (thread, n): thread runs for n
 * choice points.  The runs of the failing trace are its decisions,
 * run-length encoded.  A candidate is replayed leniently: a run whose
 * thread cannot go on (it blocked, or ended) gives way to the next run,
 * and once the runs are used up every choice keeps the current thread
 * (the non-preemptive schedule).  So removing a run removes a context
 * switch, and whatever is removed, the candidate is a valid schedule.
 *
 * ddmin (Zeller and Hildebrandt, TSE 2002) removes runs while the
 * violation stays the same: same kind and same signature (report_signature).  A
 * candidate is kept only if it has no more preemptions and no more steps
 * than the best so far, so the result is what a person reads most easily:
 * the fewest preemptions, then the fewest steps.  The result is the
 * decisions the best candidate actually took (recorded by the simulator),
 * which replay exactly.
 *
 * A lock-order cycle may rest on edges recorded in earlier executions
 * (the trace's prior-executions): lockstep minimize runs them again, with
 * the trace's strategy, before each candidate (the 'before' hook), after
 * first dropping those the finding does not need.
 *
 * Cost: each test is one execution (plus the prior ones); the budget
 * bounds them (500 by default, well under a second for the bundled
 * scenarios).
 */
#include "engine/minimize.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "engine/explore.h"

struct run {
	uint8_t tid;
	uint32_t n;
};

/* ---- The lenient replay, and counting preemptions ---------------------- */

struct strat_runs {
	struct sim_strategy base;
	const struct run *run;
	int nrun, ri;
	uint32_t left;
	int preemptions;
};

/* runs_begin -- internal: from the first run. */
static void runs_begin(struct sim_strategy *st, uint64_t execution)
{
	struct strat_runs *r = (struct strat_runs *)st;

	(void)execution;
	r->ri = 0;
	r->left = r->nrun ? r->run[0].n : 0;
	r->preemptions = 0;
}

/* runs_choose -- internal: the current run's thread if it can go on, else
 * the next run's; the non-preemptive choice once they are used up.
 */
static int runs_choose(struct sim_strategy *st, const struct sim_choice *c)
{
	struct strat_runs *r = (struct strat_runs *)st;
	bool cur_ok = c->current >= 0 && (c->runnable & (1u << c->current));
	int pick = -1;

	while (r->ri < r->nrun) {
		const struct run *u = &r->run[r->ri];

		if (r->left && (c->runnable & (1u << u->tid))) {
			r->left--;
			pick = u->tid;
			break;
		}
		if (++r->ri < r->nrun)
			r->left = r->run[r->ri].n;
	}
	if (pick < 0)
		pick = cur_ok ? c->current : __builtin_ctz(c->runnable);
	if (cur_ok && pick != c->current)
		r->preemptions++;
	return pick;
}

/* ---- Tests ------------------------------------------------------------------ */

struct mctx {
	struct exec *e;
	uint64_t index;
	enum scen_violation kind;
	uint64_t sig;
	uint64_t tests, budget;
	int best_pre;
	uint64_t best_steps;
	void (*before)(void *); /* the prior executions, or NULL */
	void *ctx;
};

/* fresh -- internal: the checkers as the finding needs them: reset, then
 * the prior executions it rests on. */
static void fresh(struct mctx *m)
{
	sim_reset_checkers(exec_sim(m->e));
	if (m->before)
		m->before(m->ctx);
}

/* shows -- internal: the index of the wanted finding in r, or -1. */
static int shows(const struct mctx *m, const struct exec_result *r)
{
	for (int f = 0; f < r->nfind; f++)
		if (r->find[f].kind == m->kind &&
		    report_signature(exec_scen(m->e), &r->find[f]) == m->sig)
			return f;
	return -1;
}

/* test -- internal: run the candidate; true if it shows the finding with
 * no more preemptions and steps than the best so far (which it becomes). */
static bool test(struct mctx *m, const struct run *run, int nrun)
{
	struct strat_runs st = {
		.base = { .name = "minimize",
			  .begin = runs_begin,
			  .choose = runs_choose },
		.run = run,
		.nrun = nrun,
	};
	const struct exec_result *r;
	uint64_t steps;

	if (m->tests >= m->budget)
		return false;
	m->tests++;
	/* Each test on its own: the lock-order checker would report a cycle
	 * in the first execution that closes it, and never again. */
	fresh(m);
	r = exec_run(m->e, &st.base, m->index);
	if (shows(m, r) < 0)
		return false;
	steps = sim_steps(exec_sim(m->e));
	if (st.preemptions > m->best_pre ||
	    (st.preemptions == m->best_pre && steps > m->best_steps))
		return false;
	m->best_pre = st.preemptions;
	m->best_steps = steps;
	return true;
}

/* encode -- internal: decisions as runs, adjacent equal threads merged. */
static int encode(const uint8_t *dec, uint32_t ndec, struct run *run)
{
	int n = 0;

	for (uint32_t i = 0; i < ndec; i++) {
		if (n && run[n - 1].tid == dec[i])
			run[n - 1].n++;
		else
			run[n++] = (struct run){ dec[i], 1 };
	}
	return n;
}

/* without -- internal: runs minus [from, to), neighbours merged. */
static int without(const struct run *in, int n, int from, int to,
		   struct run *out)
{
	int m = 0;

	for (int i = 0; i < n; i++) {
		if (i >= from && i < to)
			continue;
		if (m && out[m - 1].tid == in[i].tid)
			out[m - 1].n += in[i].n;
		else
			out[m++] = in[i];
	}
	return m;
}

/* ddmin -- internal: remove runs while the finding stays. */
static int ddmin(struct mctx *m, struct run *run, int n, struct run *tmp)
{
	int gran = 2;

	while (n >= 2 && m->tests < m->budget) {
		int chunk = (n + gran - 1) / gran;
		bool reduced = false;

		for (int from = 0; from < n; from += chunk) {
			int to = from + chunk < n ? from + chunk : n;
			int k = without(run, n, from, to, tmp);

			if (test(m, tmp, k)) {
				memcpy(run, tmp, (size_t)k * sizeof(*run));
				n = k;
				gran = gran > 2 ? gran - 1 : 2;
				reduced = true;
				break;
			}
		}
		if (reduced)
			continue;
		if (gran >= n)
			break;
		gran = gran * 2 < n ? gran * 2 : n;
	}
	/* Then shorter runs: a switch earlier can mean fewer steps. */
	for (int i = 0; i < n && m->tests < m->budget; i++) {
		while (run[i].n > 1) {
			uint32_t was = run[i].n;

			run[i].n = was / 2;
			if (!test(m, run, n)) {
				run[i].n = was;
				break;
			}
		}
	}
	return n;
}

/* minimize_schedule -- see engine/minimize.h. */
int minimize_schedule(struct exec *e, uint64_t index, const uint8_t *dec,
		      uint32_t ndec, enum scen_violation kind, uint64_t sig,
		      uint64_t budget, void (*before)(void *), void *ctx,
		      struct min_out *out)
{
	struct mctx m = { .e = e,
			  .index = index,
			  .kind = kind,
			  .sig = sig,
			  .budget = budget ? budget : 500,
			  .before = before,
			  .ctx = ctx };
	struct run *run = malloc((ndec + 1) * sizeof(*run));
	struct run *tmp = malloc((ndec + 1) * sizeof(*tmp));
	struct sim_strategy *st;
	const struct exec_result *r;
	const uint8_t *best;
	int n;

	memset(out, 0, sizeof(*out));
	if (!run || !tmp) {
		free(run);
		free(tmp);
		return -1;
	}
	/* The original, as recorded: it must show the finding. */
	memset(run, 0, (ndec + 1) * sizeof(*run));
	n = encode(dec, ndec, run);
	m.best_pre = 1 << 30;
	m.best_steps = UINT64_MAX;
	m.budget++;
	if (!test(&m, run, n)) {
		free(run);
		free(tmp);
		return -1;
	}
	out->orig_preemptions = m.best_pre;
	out->orig_steps = m.best_steps;
	out->orig_ndec = ndec;
	n = ddmin(&m, run, n, tmp);

	/* Run the best once more, to take its actual decisions. */
	m.best_pre = 1 << 30;
	m.best_steps = UINT64_MAX;
	m.budget = m.tests + 1;
	if (!test(&m, run, n)) {
		free(run);
		free(tmp);
		return -1;
	}
	best = sim_decisions(exec_sim(e), &out->ndec);
	out->dec = malloc(out->ndec + 1);
	if (!out->dec) {
		free(run);
		free(tmp);
		return -1;
	}
	if (out->ndec)
		memcpy(out->dec, best, out->ndec);
	out->preemptions = m.best_pre;
	out->steps = m.best_steps;
	free(run);
	free(tmp);

	/* Leave the exact replay of it in the engine, for the report. */
	st = sim_strategy_replay(out->dec, out->ndec);
	fresh(&m);
	r = exec_run(e, st, index);
	sim_strategy_destroy(st);
	m.tests++;
	out->tests = m.tests;
	out->res = r;
	out->finding = shows(&m, r);
	if (out->finding < 0) {
		free(out->dec);
		out->dec = NULL;
		return -1;
	}
	return 0;
}

/* ---- lockstep minimize ------------------------------------------------------- */

static const char minimize_usage[] =
	"usage: lockstep minimize [OPTIONS] TRACE\n"
	"\n"
	"A shorter schedule with the same violation: delta debugging over the\n"
	"trace's decisions keeps the violation's kind and signature (the\n"
	"operations, locks and points involved) and finds the fewest\n"
	"preemptions, then the fewest steps.  A lock-order cycle whose edges\n"
	"come from earlier executions (the trace's prior-executions) has them\n"
	"run again before each candidate; those it does not need are dropped.\n"
	"Writes the minimized trace and prints its report.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE  the minimized trace (default TRACE.min)\n"
	"  --budget N         executions to spend at most (default 500)\n"
	"  --pool PATH        the pmem pool (as for run)\n"
	"  -q, --quiet        no report, only the figures\n"
	"  -h, --help         this text\n"
	"\n"
	"exit: 0 minimized (or already minimal), 1 the trace does not show its\n"
	"violation, 2 bad input, 3 internal error\n";

/* The earlier executions a trace's lock-order cycle rests on. */
struct prior_ctx {
	struct exec *e;
	const struct scen *sc;
	const struct report_sched *rs;
};

static void prior_run(void *arg)
{
	const struct prior_ctx *p = arg;

	if (p->rs->nprior)
		explore_replay_prior(p->e, p->sc, p->rs, true);
}

/* shows_with -- internal: the signature of the trace's finding when its
 * decisions run after the prior executions 'rs' names, or 0 if it does
 * not show. */
static uint64_t shows_with(struct exec *e, const struct scen *sc,
			   const struct report_trace *t,
			   const struct report_sched *rs)
{
	struct prior_ctx pc = { e, sc, rs };
	struct sim_strategy *st = sim_strategy_replay(t->dec, t->ndec);
	const struct exec_result *r;
	uint64_t sig = 0;

	sim_reset_checkers(exec_sim(e));
	prior_run(&pc);
	r = exec_run(e, st, t->sched.execution);
	sim_strategy_destroy(st);
	for (int i = 0; i < r->nfind && !sig; i++)
		if (r->find[i].kind == t->kind)
			sig = report_signature(sc, &r->find[i]);
	return sig;
}

/*
 * fewer_priors -- internal: drop the prior executions the finding does not
 * need, last first (for dfs, whose replay runs every execution up to the
 * last prior, only the last ones count); returns the tests spent.
 */
static uint64_t fewer_priors(struct exec *e, const struct scen *sc,
			     const struct report_trace *t, uint64_t sig,
			     struct report_sched *rs)
{
	bool dfs = !strcmp(rs->strategy, "dfs");
	uint64_t tests = 0;

	for (int i = rs->nprior - 1; i >= 0; i--) {
		struct report_sched cand = *rs;

		if (dfs && i != cand.nprior - 1)
			break;
		memmove(&cand.prior[i], &cand.prior[i + 1],
			(size_t)(cand.nprior - i - 1) * sizeof(cand.prior[0]));
		cand.nprior--;
		tests += 1 + (uint64_t)cand.nprior;
		if (shows_with(e, sc, t, &cand) == sig)
			*rs = cand;
	}
	return tests;
}

/* minimize_main -- `lockstep minimize TRACE`. */
int minimize_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "budget", required_argument, NULL, 'b' },
		{ "pool", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *pool = NULL;
	uint64_t budget = 500;
	bool quiet = false;
	struct report_trace t;
	struct exec_options eo = { .log_events = true };
	struct scen *sc;
	struct exec *e;
	struct min_out mo;
	struct prior_ctx pc;
	char err[512], outpath[4096];
	uint64_t sig = 0, prior_tests;
	int c, code = 0, nprior;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'b': {
			char *end;

			budget = strtoull(optarg, &end, 10);
			if (*end || !budget) {
				fprintf(stderr,
					"lockstep minimize: --budget: "
					"expected a positive integer\n");
				return 2;
			}
			break;
		}
		case 'p':
			pool = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(minimize_usage, stdout);
			return 0;
		default:
			fprintf(stderr,
				"lockstep minimize: unknown option '%s' "
				"(lockstep minimize --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "lockstep minimize: expected one trace file\n");
		return 2;
	}
	sc = exec_trace_load("minimize", argv[optind], &t);
	if (!sc)
		return 2;
	if (sc->hash != t.hash) {
		fprintf(stderr,
			"lockstep minimize: %s changed since the trace "
			"was recorded: run the scenario again\n",
			t.scenario);
		code = 2;
		goto out_scen;
	}
	eo.pool = pool;
	eo.undirected = t.sched.undirected; /* as the execution ran */
	e = exec_new(sc, t.fixes, &eo, err, sizeof(err));
	if (!e) {
		code = errno == EINVAL ? 2 : 3;
		fprintf(stderr, "lockstep: %s\n", err);
		goto out_scen;
	}
	/* The trace's own finding, for its signature (after the earlier
	 * executions a lock-order cycle may rest on). */
	sig = shows_with(e, sc, &t, &t.sched);
	if (!sig) {
		fprintf(stderr,
			"lockstep minimize: %s: the trace does not show "
			"its %s\n",
			argv[optind], scen_violation_names[t.kind]);
		code = 1;
		goto out_exec;
	}
	nprior = t.sched.nprior;
	prior_tests = fewer_priors(e, sc, &t, sig, &t.sched);
	pc = (struct prior_ctx){ e, sc, &t.sched };
	if (minimize_schedule(e, t.sched.execution, t.dec, t.ndec, t.kind, sig,
			      budget, prior_run, &pc, &mo) < 0) {
		fprintf(stderr,
			"lockstep minimize: the violation does not "
			"reproduce\n");
		code = 1;
		goto out_exec;
	}
	{
		struct report_in in = {
			.sc = sc,
			.fixes = t.fixes,
			.sched = t.sched,
			.finding = &mo.res->find[mo.finding],
			.sim = exec_sim(e),
		};
		int werr;

		in.sched.minimized = true;
		if (output)
			snprintf(outpath, sizeof(outpath), "%s", output);
		else
			snprintf(outpath, sizeof(outpath), "%s.min",
				 argv[optind]);
		werr = report_trace_write(outpath, &in);
		if (!quiet)
			report_text(stdout, &in);
		printf("%sminimized: %d -> %d preemptions, %llu -> %llu steps, "
		       "%u -> %u decisions (%llu executions)\n",
		       quiet ? "" : "\n", mo.orig_preemptions, mo.preemptions,
		       (unsigned long long)mo.orig_steps,
		       (unsigned long long)mo.steps, mo.orig_ndec, mo.ndec,
		       (unsigned long long)(mo.tests + prior_tests));
		if (nprior)
			printf("prior executions (a lock-order cycle's other "
			       "edges): %d -> %d\n",
			       nprior, t.sched.nprior);
		if (werr) {
			fprintf(stderr, "lockstep minimize: %s: %s\n", outpath,
				strerror(-werr));
			code = 3;
		} else {
			printf("trace: %s (lockstep replay %s)\n", outpath,
			       outpath);
		}
		free(mo.dec);
	}
out_exec:
	exec_free(e);
out_scen:
	scen_free(sc);
	report_trace_free(&t);
	return code;
}
