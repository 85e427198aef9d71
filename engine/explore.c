/* SPDX-License-Identifier: MIT */
/*
 * engine/explore.c -- exploring a scenario's schedules and judging the outcome.
 *
 * Execution i of a run is scheduled by the strategy seeded with (seed, i),
 * so it is the same execution whatever ran before it.  PCT needs k, the
 * number of steps of an execution: it is measured once, on the
 * non-preemptive schedule, before the first execution.
 *
 * A run stops early once every violation its expect: lists has been found;
 * a scenario that expects none runs its whole budget.  The first finding of
 * each kind is reported (text on stdout) and saved as a trace under --out.
 *
 * native (sim/native.c) is not seeded either, nor repeatable: the
 * operating system picks who runs at each point, and each finding's trace
 * records the picks, so that the finding replays; the run does not.
 *
 * dfs (sim/dfs.c) is not seeded: it runs until its search is exhausted
 * (or --schedules, when given, runs out), stops at the first violation
 * the scenario does not expect, and ends with a sentence saying which:
 * "explored all N schedules within K preemptions" or where it stopped.
 */
#include "engine/explore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/exec.h"
#include "core/core.h"
#include "report/report.h"

struct outcome {
	const struct scen *sc;
	uint32_t fixes;
	struct report_sched sched;
	uint64_t schedules_run;
	uint64_t found_at[SCEN_V__COUNT]; /* execution + 1 */
	int lost_traces;		  /* traces that could not be written */
	uint32_t found;
	bool pass;
	char why[256];
	char dfs[256];	   /* dfs: how the search ended */
	char verdict[256]; /* dfs: verified or not, why */
	char *json;	   /* findings, as a JSON array body */
	size_t json_len;
	/* JUnit (--junit): each kind's first finding, its text report and
	 * trace, and its 'what' */
	char *junit_body[SCEN_V__COUNT];
	char junit_what[SCEN_V__COUNT][192];
	double seconds;
};

static double now_seconds(void)
{
	struct timespec ts;

	/* Progress and bench figures only: never a decision. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* judge -- internal: the outcome against expect: (SPEC.md 8). */
static void judge(struct outcome *oc)
{
	oc->pass = report_verdict(oc->sc->expect, oc->sc->tolerate, oc->found,
				  oc->schedules_run, "schedules", oc->why,
				  sizeof(oc->why));
}

/* explore_no_por -- --no-por, or LOCKSTEP_NO_POR=1 in the environment. */
static bool explore_no_por(const struct explore_opts *o)
{
	const char *env = getenv("LOCKSTEP_NO_POR");

	return o->no_por || (env && *env && strcmp(env, "0"));
}

static struct sim_strategy *make_strategy(const struct explore_opts *o,
					  const struct report_sched *rs,
					  int nthreads)
{
	if (!strcmp(rs->strategy, "dfs")) {
		/* Every schedule asked for: one search, each schedule run
		 * once, rather than bound 0, 1, ... each re-running the
		 * ones below it. */
		int from = rs->depth >= SIM_DFS_UNBOUNDED ? rs->depth : 0;
		struct sim_strategy *st =
			sim_strategy_dfs(from, rs->depth, !explore_no_por(o));
		const char *env = getenv("LOCKSTEP_DFS_RERUN");

		if (st && env && *env && strcmp(env, "0"))
			sim_strategy_dfs_rerun(st, true);
		return st;
	}
	if (!strcmp(rs->strategy, "random"))
		return sim_strategy_random(rs->seed, nthreads);
	if (!strcmp(rs->strategy, "native"))
		return sim_strategy_native();
	return sim_strategy_pct(rs->seed, nthreads, rs->depth, rs->k);
}

static void trace_path(const struct explore_opts *o, const struct scen *sc,
		       enum scen_violation kind, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%s.trace", o->out, sc->name,
		 scen_violation_names[kind]);
}

/*
 * save_pictures -- internal: the finding's pictures beside its trace
 * (TRACE without ".trace", then .perfetto.json and .html); a failure is
 * said on stderr and changes nothing else.
 */
static void save_pictures(const char *trace, const struct report_in *in)
{
	char base[4096];
	size_t l;
	int err;

	snprintf(base, sizeof(base), "%s", trace);
	l = strlen(base);
	if (l > 6 && !strcmp(base + l - 6, ".trace"))
		base[l - 6] = 0;
	err = report_pictures_write(base, in);
	if (err)
		fprintf(stderr, "lockstep: pictures of %s not saved: %s\n",
			trace, strerror(-err));
}

/* progress -- internal: with -v, a line on stderr every PROGRESS_EVERY
 * executions (a count, so the same run prints the same lines), for a
 * search that takes minutes. */
#define PROGRESS_EVERY (1u << 20)
static void progress(const struct sim_strategy *st, uint64_t n, bool dfs)
{
	struct sim_dfs_stats ds;

	if (!dfs) {
		fprintf(stderr, "  %llu executions\n", (unsigned long long)n);
		return;
	}
	sim_strategy_dfs_stats(st, &ds);
	fprintf(stderr,
		"  %llu executions: bound %d, %llu schedules, %llu cut short "
		"by sleep sets\n",
		(unsigned long long)n, ds.bound,
		(unsigned long long)ds.schedules,
		(unsigned long long)ds.pruned);
}

static bool dfs_finished(const struct sim_strategy *st)
{
	struct sim_dfs_stats ds;

	sim_strategy_dfs_stats(st, &ds);
	return ds.done;
}

/* dfs_result -- internal: the sentence a dfs run ends with. */
static void dfs_result(const struct sim_strategy *st, struct outcome *oc,
		       uint64_t budget)
{
	struct sim_dfs_stats ds;
	char extra[128];
	uint64_t ncomplete;

	sim_strategy_dfs_stats(st, &ds);
	/* Distinct schedules, not the executions that re-ran lower bounds. */
	oc->schedules_run = ds.done && ds.nlevels ?
		ds.level_schedules[ds.nlevels - 1] :
		ds.executions;
	snprintf(extra, sizeof(extra),
		 "%llu executions, %llu cut short by "
		 "sleep sets%s",
		 (unsigned long long)ds.executions,
		 (unsigned long long)ds.pruned, ds.por ? "" : "; no reduction");
	if (ds.error)
		snprintf(oc->dfs, sizeof(oc->dfs), "dfs: stopped: %s",
			 ds.error);
	else if (!ds.done && ds.executions >= budget)
		snprintf(oc->dfs, sizeof(oc->dfs),
			 "dfs: budget of %llu "
			 "executions spent at bound %d (%llu schedules); "
			 "not exhaustive (%s)",
			 (unsigned long long)budget, ds.bound,
			 (unsigned long long)ds.schedules, extra);
	else if (!ds.done)
		snprintf(oc->dfs, sizeof(oc->dfs),
			 "dfs: stopped at the "
			 "first violation, in execution %llu, with bound %d "
			 "(%s)",
			 (unsigned long long)ds.executions, ds.bound, extra);
	else if (ds.complete)
		snprintf(oc->dfs, sizeof(oc->dfs),
			 "dfs: explored all %llu "
			 "schedules within %d preemption%s, and no schedule "
			 "has more (%s)",
			 (unsigned long long)ds.level_schedules[ds.nlevels - 1],
			 ds.finished_bound, ds.finished_bound == 1 ? "" : "s",
			 extra);
	else
		snprintf(oc->dfs, sizeof(oc->dfs),
			 "dfs: explored all %llu "
			 "schedules within %d preemption%s (%s)",
			 (unsigned long long)ds.level_schedules[ds.nlevels - 1],
			 ds.finished_bound, ds.finished_bound == 1 ? "" : "s",
			 extra);
	/* As GenMC ends: complete schedules, blocked ones, and whether
	 * anything was left out. */
	ncomplete = ds.done && ds.nlevels ? ds.level_schedules[ds.nlevels - 1] :
					    ds.schedules;
	snprintf(oc->verdict, sizeof(oc->verdict),
		 "%s: %llu complete "
		 "schedule%s, %llu blocked by sleep sets, %s",
		 ds.done && ds.complete && !ds.error ? "verified" :
						       "not verified",
		 (unsigned long long)ncomplete, ncomplete == 1 ? "" : "s",
		 (unsigned long long)ds.pruned,
		 ds.error ? "the search failed" :
			 !ds.done && ds.executions >= budget ?
			    "the budget ran out" :
			 !ds.done    ? "a violation stopped the search" :
			 ds.complete ? "nothing cut by the bound" :
				       "the bound cut some schedules");
	if (ds.done && !ds.complete && !ds.error) {
		size_t l = strlen(oc->verdict);

		snprintf(oc->verdict + l, sizeof(oc->verdict) - l,
			 " (%llu "
			 "branches at bound %d)",
			 (unsigned long long)ds.cut, ds.finished_bound);
	}
}

/* junit_keep -- internal: a finding's text report and trace, for the
 * body of its JUnit failure. */
static void junit_keep(struct outcome *oc, const struct report_in *in,
		       const char *trace)
{
	enum scen_violation k = in->finding->kind;
	size_t len;
	FILE *m = open_memstream(&oc->junit_body[k], &len);

	snprintf(oc->junit_what[k], sizeof(oc->junit_what[k]), "%s",
		 in->finding->what);
	if (!m)
		return;
	report_text(m, in);
	if (trace)
		fprintf(m, "\ntrace: %s\nreplay: lockstep replay %s\n", trace,
			trace);
	fclose(m);
}

/* run_one -- internal: explore one loaded scenario. */
static int run_one(const struct explore_opts *o, const struct scen *sc,
		   struct outcome *oc)
{
	struct exec_options eo = { .pool = o->pool, .log_events = true };
	char err[512];
	struct exec *e;
	struct sim_strategy *st;
	uint64_t schedules = o->schedules ? o->schedules :
					    sc->explore.schedules;
	bool dfs;
	FILE *json;
	double t0 = now_seconds();

	memset(oc, 0, sizeof(*oc));
	oc->sc = sc;
	if (exec_fixes_for(sc, o->kernel, o->fixes, &oc->fixes, err,
			   sizeof(err)) < 0) {
		fprintf(stderr, "lockstep: %s: %s\n", sc->path, err);
		return 2;
	}
	e = exec_new(sc, oc->fixes, &eo, err, sizeof(err));
	if (!e) {
		int code = errno == EINVAL ? 2 : 3;

		fprintf(stderr, "lockstep: %s\n", err);
		return code;
	}
	snprintf(oc->sched.strategy, sizeof(oc->sched.strategy), "%s",
		 scen_strategy_names[o->have_strategy ? o->strategy :
							sc->explore.strategy]);
	dfs = !strcmp(oc->sched.strategy, "dfs");
	oc->sched.seed = o->have_seed ? o->seed : sc->explore.seed;
	oc->sched.depth = o->have_depth ? o->depth : sc->explore.depth;
	/* dfs ends by itself; a scenario's budget holds only if it asked
	 * for dfs. */
	if (dfs && !o->schedules && sc->explore.strategy != SCEN_STRAT_DFS)
		schedules = UINT64_MAX;

	/* k for PCT: the steps of the non-preemptive schedule. */
	oc->sched.k = exec_calibrate(e);

	st = make_strategy(o, &oc->sched, sc->nthreads);
	json = open_memstream(&oc->json, &oc->json_len);
	for (uint64_t i = 0; i < schedules; i++) {
		const struct exec_result *r;

		if (dfs && dfs_finished(st))
			break;
		r = exec_run(e, st, i);
		oc->schedules_run = i + 1;
		if (o->verbose && !((i + 1) & (PROGRESS_EVERY - 1)))
			progress(st, i + 1, dfs);
		for (int f = 0; f < r->nfind; f++) {
			const struct finding *fd = &r->find[f];
			struct report_in in = {
				.sc = sc,
				.fixes = oc->fixes,
				.sched = oc->sched,
				.finding = fd,
				.sim = exec_sim(e),
			};
			char path[4096];
			int werr;

			if (oc->found & (1u << fd->kind))
				continue;
			oc->found |= 1u << fd->kind;
			oc->found_at[fd->kind] = i + 1;
			in.sched.execution = i;
			trace_path(o, sc, fd->kind, path, sizeof(path));
			werr = report_trace_write(path, &in);
			if (werr) {
				/* whatever -q says: an output is lost */
				fprintf(stderr,
					"lockstep: trace not saved: %s: "
					"%s\n",
					path, strerror(-werr));
				oc->lost_traces++;
			} else {
				save_pictures(path, &in);
			}
			if (!o->quiet) {
				report_text(stdout, &in);
				if (werr)
					printf("  (trace not saved: %s: %s)\n\n",
					       path, strerror(-werr));
				else
					printf("  trace: %s (lockstep replay %s)\n\n",
					       path, path);
			}
			if (o->junit)
				junit_keep(oc, &in, werr ? NULL : path);
			if (ftell(json) > 0)
				fputs(", ", json);
			report_json_finding(json, &in, werr ? NULL : path);
		}
		if (sc->expect && (sc->expect & oc->found) == sc->expect)
			break;
		if (dfs && (oc->found & ~sc->expect & ~sc->tolerate))
			break;
	}
	fclose(json);
	if (dfs)
		dfs_result(st, oc, schedules);
	sim_strategy_destroy(st);
	exec_free(e);
	oc->seconds = now_seconds() - t0;
	judge(oc);
	return 0;
}

/* write_file -- internal: what fn prints to path, whole or not at all;
 * an error on stderr (whatever -q says) and false if it cannot be. */
static bool write_file(const char *flag, const char *path,
		       void (*fn)(FILE *, struct outcome *, int),
		       struct outcome *oc, int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f) {
		fprintf(stderr, "lockstep: %s %s: out of memory\n", flag, path);
		return false;
	}
	fn(f, oc, n);
	fclose(f);
	err = report_write_atomic(path, buf, len);
	free(buf);
	if (err)
		fprintf(stderr, "lockstep: %s %s: cannot write it: %s\n", flag,
			path, strerror(-err));
	return !err;
}

static void write_json(FILE *f, struct outcome *oc, int n)
{
	fprintf(f, "{\"lockstep\": 1, \"build\": ");
	report_json_string(f, report_build());
	fprintf(f, ", \"scenarios\": [");
	for (int i = 0; i < n; i++) {
		char fixes[256], buf[256];

		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		report_json_string(f, oc[i].sc->name);
		fprintf(f, ", \"path\": ");
		report_json_string(f, oc[i].sc->path);
		fprintf(f, ", \"fixes\": ");
		report_json_string(f,
				   core_fixes_format(oc[i].fixes, fixes,
						     sizeof(fixes)));
		fprintf(f, ", \"strategy\": ");
		report_json_string(f, oc[i].sched.strategy);
		fprintf(f,
			", \"seed\": \"%llu\", \"depth\": %d, \"schedules\": %llu",
			(unsigned long long)oc[i].sched.seed, oc[i].sched.depth,
			(unsigned long long)oc[i].schedules_run);
		scen_violations_format(oc[i].found, buf, sizeof(buf));
		fprintf(f, ", \"found\": ");
		report_json_string(f, buf);
		scen_violations_format(oc[i].sc->expect, buf, sizeof(buf));
		fprintf(f, ", \"expected\": ");
		report_json_string(f, buf);
		fprintf(f, ", \"outcome\": \"%s\", \"why\": ",
			oc[i].pass ? "pass" : "fail");
		report_json_string(f, oc[i].why);
		if (oc[i].dfs[0]) {
			fprintf(f, ", \"dfs\": ");
			report_json_string(f,
					   oc[i].dfs + 5); /* after "dfs: " */
			fprintf(f, ", \"dfs_verdict\": ");
			report_json_string(f, oc[i].verdict);
		}
		fprintf(f, ", \"findings\": [%.*s]}", (int)oc[i].json_len,
			oc[i].json ? oc[i].json : "");
	}
	fprintf(f, "\n]}\n");
}

/* write_junit -- internal: a testcase per scenario (report/junit.c): a
 * failure per kind found and not allowed, with its report, and per kind
 * expected and not found; what was expected or tolerated in system-out. */
static void write_junit(FILE *f, struct outcome *oc, int n)
{
	struct report_junit_case *c = calloc((size_t)n + 1, sizeof(*c));
	struct report_junit_failure(*fail)[SCEN_V__COUNT + 1] =
		calloc((size_t)n + 1, sizeof(*fail));
	char(*msg)[SCEN_V__COUNT][256] = calloc((size_t)n + 1, sizeof(*msg));
	char **out = calloc((size_t)n + 1, sizeof(*out));
	double seconds = 0;

	if (!c || !fail || !msg || !out)
		sim_oom("the JUnit report");
	for (int i = 0; i < n; i++) {
		const struct scen *sc = oc[i].sc;
		size_t len;
		FILE *m = open_memstream(&out[i], &len);

		c[i].classname = "lockstep";
		c[i].name = sc->name;
		c[i].seconds = oc[i].seconds;
		c[i].fail = fail[i];
		seconds += oc[i].seconds;
		for (int k = 0; k < SCEN_V__COUNT; k++) {
			const char *kind = scen_violation_names[k];
			struct report_junit_failure *x = &fail[i][c[i].nfail];
			bool found = oc[i].found & (1u << k);

			if (found && (sc->expect | sc->tolerate) & (1u << k)) {
				if (m)
					fprintf(m, "%s %s: %s\n",
						sc->expect & (1u << k) ?
							"expected" :
							"tolerated",
						kind, oc[i].junit_what[k]);
			} else if (found) {
				snprintf(msg[i][k], sizeof(msg[i][k]), "%s: %s",
					 kind, oc[i].junit_what[k]);
				*x = (struct report_junit_failure){
					kind, msg[i][k], oc[i].junit_body[k]
				};
				c[i].nfail++;
			} else if (sc->expect & (1u << k)) {
				snprintf(
					msg[i][k], sizeof(msg[i][k]),
					"expected "
					"%s, not found in %llu schedules",
					kind,
					(unsigned long long)oc[i].schedules_run);
				*x = (struct report_junit_failure){ "missing",
								    msg[i][k],
								    NULL };
				c[i].nfail++;
			}
		}
		if (!oc[i].pass && !c[i].nfail) {
			fail[i][0] = (struct report_junit_failure){ "lockstep",
								    oc[i].why,
								    NULL };
			c[i].nfail = 1;
		}
		if (m) {
			if (oc[i].dfs[0])
				fprintf(m, "%s\n", oc[i].dfs);
			fclose(m);
		}
		c[i].out = out[i];
	}
	report_junit(f, "lockstep", seconds, c, n);
	for (int i = 0; i < n; i++)
		free(out[i]);
	free(out);
	free(msg);
	free(fail);
	free(c);
}

/* file_dir_ok -- internal: whether path's directory exists, checked before
 * anything runs (bad input: exit 2 at once, not after an hour's run). */
static bool file_dir_ok(const char *flag, const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (!slash)
		return true;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (!dir[0] || (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
		return true;
	fprintf(stderr, "lockstep: %s %s: %s is not a directory\n", flag, path,
		dir);
	return false;
}

int explore_files(const struct explore_opts *o, int n, char **files)
{
	struct scen **sc = calloc((size_t)n, sizeof(*sc));
	struct outcome *oc = calloc((size_t)n, sizeof(*oc));
	int code = 0, failed = 0, nloaded = n;
	struct stat st;

	if (!sc || !oc) {
		free(sc);
		free(oc);
		return 3;
	}
	/* Every scenario is loaded before any runs: bad input stops the run
	 * with exit 2 before any time is spent. */
	for (int i = 0; i < n; i++) {
		struct scen_error err;

		sc[i] = scen_load(files[i], &exec_vocab, &err);
		if (!sc[i]) {
			fprintf(stderr, "%s:%d:%d: error: %s\n", err.file,
				err.pos.line, err.pos.col, err.msg);
			code = 2;
		}
	}
	if (code == 0 && mkdir(o->out, 0755) && errno != EEXIST) {
		fprintf(stderr, "lockstep: --out %s: %s\n", o->out,
			strerror(errno));
		code = 2;
	} else if (code == 0 && (stat(o->out, &st) || !S_ISDIR(st.st_mode))) {
		fprintf(stderr,
			"lockstep: --out %s: not a directory (the "
			"traces go there)\n",
			o->out);
		code = 2;
	}
	if (code == 0 &&
	    ((o->json && !file_dir_ok("--json", o->json)) ||
	     (o->junit && !file_dir_ok("--junit", o->junit))))
		code = 2;
	for (int i = 0; i < n && code == 0; i++) {
		int rc = run_one(o, sc[i], &oc[i]);

		if (rc) {
			code = rc;
			n = i;
			break;
		}
		failed += !oc[i].pass;
		printf("%s %s: %s\n", oc[i].pass ? "PASS" : "FAIL", sc[i]->name,
		       oc[i].why);
		if (oc[i].dfs[0])
			printf("  %s\n  dfs verdict: %s\n", oc[i].dfs,
			       oc[i].verdict);
		if (o->verbose)
			fprintf(stderr, "  %llu schedules in %.2f s\n",
				(unsigned long long)oc[i].schedules_run,
				oc[i].seconds);
	}
	if (code == 0) {
		if (o->summary) {
			/* the columns are as wide as their longest cell (at
			 * least as wide as they always were), so a long name
			 * or fix list pushes the columns after it along
			 * instead of breaking them */
			char(*fixes)[256] = calloc((size_t)n, sizeof(*fixes));
			char(*at)[256] = calloc((size_t)n, sizeof(*at));
			int wn = 36, wf = 26;

			for (int i = 0; fixes && at && i < n; i++) {
				size_t off = 0, fo;

				/* the kernel, then the scenario's edits: what
				 * a person wrote, shorter than the fix list */
				fo = (size_t)snprintf(fixes[i],
						      sizeof(fixes[i]), "%s",
						      sc[i]->kernel[0] ?
							      sc[i]->kernel :
							      "latest");
				for (int k = 0; k < sc[i]->nfix_edits &&
				     fo < sizeof(fixes[i]);
				     k++)
					fo += (size_t)snprintf(
						fixes[i] + fo,
						sizeof(fixes[i]) - fo, " %s%s",
						sc[i]->fix_edits[k].remove ?
							"-" :
							"+",
						sc[i]->fix_edits[k].name);

				for (int k = 0;
				     k < SCEN_V__COUNT && off < sizeof(at[i]);
				     k++)
					if (oc[i].found_at[k])
						off += (size_t)snprintf(
							at[i] + off,
							sizeof(at[i]) - off,
							"%s%s %llu",
							off ? ", " : "",
							scen_violation_names[k],
							(unsigned long long)oc[i]
								.found_at[k]);
				if ((int)strlen(sc[i]->name) > wn)
					wn = (int)strlen(sc[i]->name);
				if ((int)strlen(fixes[i]) > wf)
					wf = (int)strlen(fixes[i]);
			}
			printf("\n%-*s %-*s %-7s %s\n", wn, "scenario", wf,
			       "kernel (and fixes edited)", "outcome",
			       "first found at schedule");
			for (int i = 0; fixes && at && i < n; i++)
				printf("%-*s %-*s %-7s %s\n", wn, sc[i]->name,
				       wf, fixes[i],
				       oc[i].pass ? "pass" : "FAIL",
				       at[i][0] ? at[i] : "-");
			free(fixes);
			free(at);
			printf("\n%d passed, %d failed\n", n - failed, failed);
		}
		code = failed ? 1 : 0;
		if (o->json &&
		    !write_file("--json", o->json, write_json, oc, n))
			code = 3;
		if (o->junit &&
		    !write_file("--junit", o->junit, write_junit, oc, n))
			code = 3;
		for (int i = 0; i < n; i++)
			if (oc[i].lost_traces)
				code = 3;
	}
	for (int i = 0; i < n; i++) {
		free(oc[i].json);
		for (int k = 0; k < SCEN_V__COUNT; k++)
			free(oc[i].junit_body[k]);
	}
	for (int i = 0; i < nloaded; i++)
		scen_free(sc[i]);
	free(sc);
	free(oc);
	return code;
}

/*
 * explore_replay_prior -- see engine/explore.h.  Execution i of pct and
 * random is a function of (seed, i); dfs is a sequence, so every execution
 * up to the last prior one runs again, in order.
 */
void explore_replay_prior(struct exec *e, const struct scen *sc,
			  const struct report_sched *rs, bool por)
{
	struct explore_opts o = { .no_por = !por };
	struct sim_strategy *st = make_strategy(&o, rs, sc->nthreads);

	if (!strcmp(rs->strategy, "dfs")) {
		for (uint64_t i = 0; i <= rs->prior[rs->nprior - 1]; i++)
			exec_run(e, st, i);
	} else {
		for (int i = 0; i < rs->nprior; i++)
			exec_run(e, st, rs->prior[i]);
	}
	sim_strategy_destroy(st);
}

/* replay_pictures -- internal: a replayed finding's pictures, under --out
 * when given, else beside the trace. */
static void replay_pictures(const struct explore_opts *o, const char *trace,
			    const struct report_in *in)
{
	char path[4096];
	const char *name = strrchr(trace, '/');

	if (!o->out) {
		save_pictures(trace, in);
		return;
	}
	if (mkdir(o->out, 0755) && errno != EEXIST) {
		fprintf(stderr, "lockstep: --out %s: %s\n", o->out,
			strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", o->out, name ? name + 1 : trace);
	save_pictures(path, in);
}

/* thread_where -- internal: where thread t stood when the last execution
 * stopped, from its event log (the threads themselves are unwound by
 * then): its operation and its last drawn step. */
static void thread_where(struct exec *e, const struct scen *sc, int t,
			 char *buf, size_t len)
{
	uint32_t n;
	const struct sim_event *ev = sim_events(exec_sim(e), &n);
	const struct sim_event *last = NULL, *op = NULL;
	int ended = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (ev[i].tid != t || ev[i].kind == SIM_EV_ACCESS)
			continue;
		last = &ev[i];
		if (ev[i].kind == SIM_EV_OP_BEGIN)
			op = &ev[i];
		else if (ev[i].kind == SIM_EV_OP_END)
			ended++, op = NULL;
	}
	if (!last)
		snprintf(buf, len, "%s: not started", sc->threads[t].name);
	else if (!op && ended >= sc->threads[t].nops)
		snprintf(buf, len, "%s: had finished its %d operation%s",
			 sc->threads[t].name, ended, ended == 1 ? "" : "s");
	else if (!op)
		snprintf(buf, len, "%s: between operations %d and %d",
			 sc->threads[t].name, ended, ended + 1);
	else if (last == op)
		snprintf(buf, len, "%s: at the start of %s (operation %d)",
			 sc->threads[t].name, op->what, ended + 1);
	else if (last->kind == SIM_EV_POINT)
		snprintf(buf, len,
			 "%s: in %s (operation %d), at point %s "
			 "(%s)",
			 sc->threads[t].name, op->what, ended + 1, last->what,
			 last->fn ? last->fn : "?");
	else
		snprintf(buf, len,
			 "%s: in %s (operation %d), last step in %s "
			 "on %s",
			 sc->threads[t].name, op->what, ended + 1,
			 last->fn ? last->fn : "?",
			 last->what ? last->what : "?");
}

/* replay_diverged -- internal: where a replay stopped fitting, and the
 * execution up to there. */
static void replay_diverged(struct exec *e, const struct scen *sc,
			    const struct report_trace *t, bool quiet)
{
	uint32_t taken;
	char where[512];

	(void)sim_decisions(exec_sim(e), &taken);
	if (taken < t->ndec) {
		int want = t->dec[taken];

		fprintf(stderr,
			"lockstep replay: the trace no longer fits: "
			"decision %u of %u runs %s next, which cannot run "
			"here\n",
			taken, t->ndec,
			want < sc->nthreads ? sc->threads[want].name :
					      "a thread the scenario "
					      "does not have");
	} else {
		fprintf(stderr,
			"lockstep replay: the trace no longer fits: "
			"its %u decisions are spent and the execution has a "
			"choice to make\n",
			t->ndec);
	}
	fprintf(stderr, "  where the threads were:\n");
	for (int i = 0; i < sc->nthreads; i++) {
		thread_where(e, sc, i, where, sizeof(where));
		fprintf(stderr, "    %s\n", where);
	}
	if (quiet)
		return;
	printf("== %s: replay stopped at decision %u ==\n", sc->name, taken);
	report_interleaving(stdout, sc, exec_sim(e));
	printf("\n");
}

/* replay_json -- internal: replay --json: the trace, whether it was
 * reproduced, and the findings of the replayed execution. */
static int replay_json(const char *file, const char *trace, const char *why,
		       int code, struct exec *e, const struct scen *sc,
		       const struct report_trace *t,
		       const struct exec_result *r)
{
	FILE *f = fopen(file, "w");

	if (!f) {
		fprintf(stderr, "lockstep replay: --json %s: %s\n", file,
			strerror(errno));
		return 3;
	}
	fprintf(f, "{\"lockstep\": 1, \"build\": ");
	report_json_string(f, report_build());
	fprintf(f, ", \"trace\": ");
	report_json_string(f, trace);
	fprintf(f, ", \"trace_build\": ");
	report_json_string(f, t->build);
	fprintf(f, ", \"scenario\": ");
	report_json_string(f, sc->name);
	fprintf(f, ", \"violation\": ");
	report_json_string(f, scen_violation_names[t->kind]);
	fprintf(f, ", \"reproduced\": %s, \"why\": ",
		code == 0 ? "true" : "false");
	report_json_string(f, why);
	fprintf(f, ", \"findings\": [");
	for (int i = 0; r && i < r->nfind; i++) {
		struct report_in in = {
			.sc = sc,
			.fixes = t->fixes,
			.sched = t->sched,
			.finding = &r->find[i],
			.sim = exec_sim(e),
		};

		if (i)
			fputs(", ", f);
		report_json_finding(f, &in, trace);
	}
	fprintf(f, "]}\n");
	if (fclose(f)) {
		fprintf(stderr, "lockstep replay: --json %s: %s\n", file,
			strerror(errno));
		return 3;
	}
	return code;
}

int explore_replay(const struct explore_opts *o, const char *path)
{
	struct report_trace t;
	struct scen *sc;
	struct exec_options eo = { .pool = o->pool, .log_events = true };
	struct exec *e;
	struct sim_strategy *st;
	const struct exec_result *r;
	char err[512], why[256] = "";
	int code = 1;

	if (o->scenario) {
		/* deliberately against another (an edited) scenario */
		struct scen_error serr;

		if (report_trace_read(path, &t, err, sizeof(err)) < 0) {
			fprintf(stderr, "lockstep replay: %s\n", err);
			return 2;
		}
		sc = scen_load(o->scenario, &exec_vocab, &serr);
		if (!sc) {
			fprintf(stderr, "%s:%d:%d: error: %s\n", serr.file,
				serr.pos.line, serr.pos.col, serr.msg);
			report_trace_free(&t);
			return 2;
		}
		if (sc->hash != t.hash)
			fprintf(stderr,
				"lockstep replay: note: %s is not the "
				"scenario the trace was recorded with (hash "
				"%016llx, trace has %016llx)\n",
				o->scenario, (unsigned long long)sc->hash,
				(unsigned long long)t.hash);
	} else {
		sc = exec_trace_load("replay", path, &t);
		if (!sc)
			return 2;
	}
	if (!o->scenario && sc->hash != t.hash) {
		fprintf(stderr,
			"lockstep replay: %s changed since the trace was "
			"recorded (hash %016llx, trace has %016llx): run the "
			"scenario again, or replay against it deliberately "
			"with --scenario\n",
			t.scenario, (unsigned long long)sc->hash,
			(unsigned long long)t.hash);
		scen_free(sc);
		report_trace_free(&t);
		return 2;
	}
	if (!report_build_same(t.build))
		fprintf(stderr,
			"lockstep replay: warning: trace recorded by build "
			"'%s', this is '%s'; replaying while the decisions fit\n",
			t.build, report_build());
	eo.undirected = t.sched.undirected; /* as the execution ran */
	e = exec_new(sc, t.fixes, &eo, err, sizeof(err));
	if (!e) {
		code = errno == EINVAL ? 2 : 3;
		fprintf(stderr, "lockstep: %s\n", err);
		scen_free(sc);
		report_trace_free(&t);
		return code;
	}
	if (t.sched.nprior)
		explore_replay_prior(e, sc, &t.sched, !explore_no_por(o));
	st = sim_strategy_replay(t.dec, t.ndec);
	r = exec_run(e, st, t.sched.execution);
	if (r->abort == SIM_ABORT_REPLAY) {
		replay_diverged(e, sc, &t, o->quiet);
		snprintf(why, sizeof(why), "the trace no longer fits");
		code = 2;
	}
	for (int f = 0; code == 1 && f < r->nfind; f++) {
		struct report_in in = {
			.sc = sc,
			.fixes = t.fixes,
			.sched = t.sched,
			.finding = &r->find[f],
			.sim = exec_sim(e),
		};

		if (r->find[f].kind != t.kind)
			continue;
		if (!o->quiet)
			report_text(stdout, &in);
		replay_pictures(o, path, &in);
		snprintf(why, sizeof(why), "%s reproduced",
			 scen_violation_names[t.kind]);
		code = 0;
	}
	if (code == 1) {
		char found[256];
		uint32_t kinds = 0;

		for (int f = 0; f < r->nfind; f++)
			kinds |= 1u << r->find[f].kind;
		scen_violations_format(kinds, found, sizeof(found));
		snprintf(why, sizeof(why), "%s not reproduced",
			 scen_violation_names[t.kind]);
		fprintf(stderr,
			"lockstep replay: %s not reproduced: every "
			"decision fit, and the execution found %s\n",
			scen_violation_names[t.kind],
			kinds ? found : "nothing");
		if (!o->quiet) {
			printf("== %s: replay of a %s trace, not reproduced "
			       "==\n",
			       sc->name, scen_violation_names[t.kind]);
			report_interleaving(stdout, sc, exec_sim(e));
			printf("\n");
		}
	} else if (code == 0 && !sim_strategy_replay_exact(st)) {
		fprintf(stderr,
			"lockstep replay: warning: not every recorded "
			"decision was used\n");
	}
	if (o->json)
		code = replay_json(o->json, path, why, code, e, sc, &t, r);
	sim_strategy_destroy(st);
	exec_free(e);
	scen_free(sc);
	report_trace_free(&t);
	return code;
}
