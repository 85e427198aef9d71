/* SPDX-License-Identifier: MIT */
/*
 * campaign/fuzz_gen.c -- a worker of a campaign over generated programs
 * (`lockstep fuzz --generate`, SPEC.md 7, docs/gen.md).
 *
 * Program i of the campaign is gen/'s program (campaign seed, i) at the
 * campaign's kernel and fixes edit: the same wherever it runs.  Shard K of
 * N and worker W of J take i = K-1 + N W (mod N J), as the executions of a
 * slot are split (campaign.h).  Each program is explored as `lockstep run`
 * would explore it, once per strategy of the portfolio (PCT at depths
 * 1-3, random; dfs is left out: a program is too short-lived for it),
 * each seeded from (campaign seed, program name, strategy), for 'budget'
 * executions (--schedules, default 100), from a fresh engine; then the
 * next program, until the time is up (or, with --programs N, the
 * programs below N are done).
 *
 * Findings are deduplicated across programs: their signature is made
 * under the name "generated", file names left out (genmin_signature).  A new one is saved
 * at once, as any campaign saves one:
 *
 *   findings/ID.orig.yaml   the program as generated
 *   findings/ID.trace       the execution that showed it (lockstep replay)
 *   findings/ID.txt, .json  its report;  findings/ID.meta, last
 *
 * then minimized (campaign/genmin.c): findings/ID.yaml is the minimized
 * program, with expect: {violations: [KIND]} and an explore: that finds
 * it (`lockstep run` exits 0 on it), and findings/ID.min.trace,
 * ID.min.txt the execution of it that shows it.
 *
 * A campaign that stops at the time or on an interrupt abandons a
 * minimization in flight (the finding stays, unminimized); one stopped by
 * --stop-on finishes it.
 *
 * Progress: the next program, and the executions per strategy, in
 * state/K-of-N.W as slots of the scenario "generated"; a program is
 * counted when all its strategies ran.  A crash in an execution is saved
 * by the coordinator (campaign/fuzz.c) and the program is skipped by the
 * worker that replaces this one.
 */
#include "campaign/fuzz.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ck_pr.h>

#include "campaign/genmin.h"
#include "core/core.h"
#include "engine/exec.h"
#include "gen/gen.h"

#define GSTRATS (CAMP_RANDOM + 1) /* pct-1, pct-2, pct-3, random */

struct gworker {
	const struct fuzz_cfg *cfg;
	int w;
	struct fuzz_wstat *ws;
	struct camp_slot_state slot[GSTRATS];
	uint64_t first, stride;
	char state_path[4096], scratch[4096], minscratch[4096];
	double last_save;
	uint64_t cov[4096];
};

static void save_state(struct gworker *W)
{
	if (camp_state_write(W->state_path, W->slot, GSTRATS) < 0)
		fprintf(stderr, "lockstep fuzz: worker %d: cannot save %s\n",
			W->w, W->state_path);
	W->last_save = fuzz_now();
}

static bool stopping(const struct gworker *W)
{
	return ck_pr_load_32(&W->cfg->shm->stop) != 0;
}

/* write_file -- internal: text to path, atomically. */
static int write_file(const char *path, const char *text)
{
	return camp_write_atomic(path, text, strlen(text));
}

/* write_plain -- internal: text to path (a scratch file). */
static int write_plain(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int bad;

	if (!f)
		return -1;
	bad = fputs(text, f) < 0;
	bad |= fclose(f) != 0;
	return bad ? -1 : 0;
}

static void sched_of(int s, uint64_t seed, uint64_t k, uint64_t index,
		     struct report_sched *rs)
{
	memset(rs, 0, sizeof(*rs));
	snprintf(rs->strategy, sizeof(rs->strategy), "%s",
		 s == CAMP_RANDOM ? "random" : "pct");
	rs->seed = seed;
	rs->depth = s == CAMP_RANDOM ? 0 : s - CAMP_PCT1 + 1;
	rs->k = k;
	rs->execution = index;
}

/* explore_line -- internal: the explore: of a saved scenario, the
 * schedule that shows its finding. */
static void explore_line(const struct genmin_repro *r, char *buf, size_t len)
{
	if (r->strat == CAMP_RANDOM)
		snprintf(buf, len,
			 "{strategy: random, schedules: %" PRIu64
			 ", seed: %" PRIu64 "}",
			 r->index + 1, r->seed);
	else
		snprintf(buf, len,
			 "{strategy: pct, depth: %d, schedules: %" PRIu64
			 ", seed: %" PRIu64 "}",
			 r->strat - CAMP_PCT1 + 1, r->index + 1, r->seed);
}

/*
 * save_min -- internal: the minimized program as findings/ID.yaml, and
 * the execution of it that shows the finding as ID.min.trace and
 * ID.min.txt, run as `lockstep run` runs it.  0 or -1.
 */
static int save_min(struct gworker *W, struct camp_meta *m,
		    enum scen_violation kind, const struct gen_prog *p,
		    const struct genmin_repro *r, int nthreads0, int nops0,
		    uint64_t program)
{
	const struct fuzz_cfg *cfg = W->cfg;
	const struct camp_conf *c = &cfg->conf;
	struct exec_options eo = { .pool = cfg->pool, .log_events = true };
	uint32_t tol = r->kinds & ~(1u << kind);
	char name[SCEN_NAME_MAX], desc[1024], expl[160], expect[256];
	char path[4096], kinds[128], err[256];
	struct gen_text tx = { .name = name,
			       .description = desc,
			       .explore = expl,
			       .expect = expect };
	struct scen_error serr;
	struct scen *sc;
	struct exec *e;
	struct sim_strategy *st;
	uint64_t k;
	char *text;
	int rc = -1;

	snprintf(name, sizeof(name), "gen-%" PRIu64 "-%" PRIu64 "-%s", c->seed,
		 program, m->kind);
	snprintf(desc, sizeof(desc),
		 "  Found by lockstep fuzz --generate (seed %" PRIu64
		 ", program %" PRIu64 ", kernel %s%s%s):\n  %s: %.300s\n"
		 "  Minimized from %d threads and %d operations to %d and %d;\n"
		 "  the program as generated: %s.orig.yaml.\n",
		 c->seed, program, c->gen_kernel,
		 c->gen_fixes[0] ? ", fixes " : "", c->gen_fixes, m->kind,
		 m->what, nthreads0, nops0, gen_prog_threads(p),
		 gen_prog_size(p), m->id);
	explore_line(r, expl, sizeof(expl));
	if (tol) {
		scen_violations_format(tol, kinds, sizeof(kinds));
		snprintf(expect, sizeof(expect),
			 "violations: [%s]\n  "
			 "tolerate: [%s]",
			 m->kind, kinds);
	} else {
		snprintf(expect, sizeof(expect), "violations: [%s]", m->kind);
	}
	text = gen_prog_text(p, &tx);
	if (!text)
		return -1;
	camp_finding_path(path, sizeof(path), cfg->dir, m->id, "yaml");
	if (write_file(path, text) < 0) {
		free(text);
		return -1;
	}
	free(text);
	sc = scen_load(path, &exec_vocab, &serr);
	if (!sc)
		return -1;
	e = exec_new_as_written(sc, &eo, err, sizeof(err));
	if (!e) {
		scen_free(sc);
		return -1;
	}
	k = exec_calibrate(e);
	st = r->strat == CAMP_RANDOM ?
		sim_strategy_random(r->seed, sc->nthreads) :
		sim_strategy_pct(r->seed, sc->nthreads,
				 r->strat - CAMP_PCT1 + 1, k);
	for (uint64_t i = 0; st && i <= r->index && rc < 0; i++) {
		const struct exec_result *res = exec_run(e, st, i);

		for (int f = 0; f < res->nfind && rc < 0; f++) {
			struct report_in in = { .sc = sc,
						.fixes = exec_fixes(e),
						.finding = &res->find[f],
						.sim = exec_sim(e) };

			if (res->find[f].kind != kind)
				continue;
			sched_of(r->strat, r->seed, k, i, &in.sched);
			if (camp_write_finding(cfg->dir, m->id, true, &in) ==
			    0) {
				m->min_steps = sim_steps(exec_sim(e));
				rc = 0;
			}
		}
	}
	sim_strategy_destroy(st);
	exec_free(e);
	scen_free(sc);
	return rc;
}

/*
 * save_finding -- internal: a finding never seen in the campaign, shown by
 * execution 'index' of strategy s on program 'program' (loaded as sc, run
 * on e): saved as it is, then minimized.
 */
static void save_finding(struct gworker *W, const struct gen_prog *prog,
			 const struct scen *sc, struct exec *e, int s,
			 uint64_t seed, uint64_t k, uint64_t index,
			 uint64_t program, const struct finding *fd,
			 uint64_t sig)
{
	const struct fuzz_cfg *cfg = W->cfg;
	const struct camp_conf *c = &cfg->conf;
	struct camp_meta m = { .preemptions = -1, .min_preemptions = -1 };
	struct report_in in = { .fixes = exec_fixes(e),
				.finding = fd,
				.sim = exec_sim(e) };
	struct genmin_ctx mc = { .pool = cfg->pool,
				 .scratch = W->minscratch,
				 .sig_name = FUZZ_GEN_NAME,
				 .kind = fd->kind,
				 .sig = sig,
				 .budget = c->schedules,
				 .strats = c->strats,
				 .stop = &cfg->shm->stop_min };
	struct genmin_repro r = { .strat = s };
	char orig[4096];
	struct scen_error serr;
	struct scen *osc;
	int rc;
	struct gen_prog *p;
	char *text = gen_prog_text(prog, NULL);
	int nthreads0 = gen_prog_threads(prog), nops0 = gen_prog_size(prog);

	snprintf(m.id, sizeof(m.id), "%s.%s.%016" PRIx64, FUZZ_GEN_NAME,
		 scen_violation_names[fd->kind], sig);
	snprintf(m.scenario, sizeof(m.scenario), "%s", FUZZ_GEN_NAME);
	snprintf(m.kind, sizeof(m.kind), "%s", scen_violation_names[fd->kind]);
	m.signature = sig;
	snprintf(m.what, sizeof(m.what), "%.150s (program %" PRIu64 ")",
		 fd->what, program);
	snprintf(m.strategy, sizeof(m.strategy), "%s", camp_strat_names[s]);
	m.seed = seed;
	m.depth = s == CAMP_RANDOM ? 0 : s - CAMP_PCT1 + 1;
	m.execution = index;
	snprintf(m.shard, sizeof(m.shard), "%d/%d", c->shard_k, c->shard_n);
	m.worker = W->w;
	m.seconds = fuzz_now() - cfg->shm->t0 + cfg->shm->offset;
	m.executions = W->ws->executions;
	m.steps = sim_steps(exec_sim(e));

	ck_pr_store_64(&W->ws->saving_sig, sig);
	camp_finding_path(orig, sizeof(orig), cfg->dir, m.id, "orig.yaml");
	osc = text && write_file(orig, text) == 0 ?
		scen_load(orig, &exec_vocab, &serr) :
		NULL;
	free(text);
	in.sc = osc;
	sched_of(s, seed, k, index, &in.sched);
	if (!osc || osc->hash != sc->hash)
		fprintf(stderr,
			"lockstep fuzz: cannot save finding %s under "
			"%s/findings: %s\n",
			m.id, cfg->dir, strerror(errno));
	rc = osc && osc->hash == sc->hash ?
		camp_save_finding(cfg->dir, &m, &in) :
		-1;
	scen_free(osc);
	ck_pr_store_64(&W->ws->saving_sig, 0);
	if (rc < 0)
		return;
	ck_pr_inc_32(&cfg->shm->findings);
	W->ws->findings++;
	/* Saved.  Now the program made small. */
	if (!cfg->min_budget)
		return;
	for (int j = CAMP_PCT1; j <= CAMP_RANDOM; j++)
		mc.seeds[j] = camp_slot_seed(c->seed, sc->name, j);
	p = gen_prog_dup(prog);
	if (p && genmin_minimize(&mc, &p, &r) >= 0 &&
	    !ck_pr_load_32(&cfg->shm->stop_min) &&
	    save_min(W, &m, fd->kind, p, &r, nthreads0, nops0, program) == 0) {
		m.minimized = true;
		camp_meta_write(cfg->dir, &m);
	}
	gen_prog_free(p);
}

/* coverage -- internal: the execution's coverage keys, under "generated". */
static void coverage(struct gworker *W, struct exec *e)
{
	const struct fuzz_cfg *cfg = W->cfg;
	int n = camp_coverage(FUZZ_GEN_NAME, exec_sim(e), W->cov,
			      (int)(sizeof(W->cov) / sizeof(W->cov[0])));

	for (int i = 0; i < n; i++)
		if (camp_set_add(cfg->cov, W->cov[i]))
			ck_pr_inc_32(W->cov[i] & CAMP_KEY_PREEMPT ?
					     &cfg->shm->preempt[0] :
					     &cfg->shm->pairs[0]);
}

/*
 * run_program -- internal: program 'program' with every strategy of the
 * portfolio.  1 done, 0 stopped in the middle (it runs again on
 * --resume), -1 the worker must leave (a crash), -2 the program could not
 * be made (an error for the coordinator).
 */
static int run_program(struct gworker *W, uint64_t program)
{
	const struct fuzz_cfg *cfg = W->cfg;
	const struct camp_conf *c = &cfg->conf;
	struct gen_options go = { .seed = c->seed,
				  .index = program,
				  .races = true,
				  .kernel = c->gen_kernel,
				  .fixes = c->gen_fixes[0] ? c->gen_fixes :
							     NULL };
	struct exec_options eo = { .pool = cfg->pool, .log_events = true };
	struct fuzz_rec rec;
	struct scen_error serr;
	struct gen_prog *prog;
	struct scen *sc = NULL;
	struct exec *e = NULL;
	uint64_t k;
	char err[512], *text = NULL;
	int rc = 1;

	prog = gen_prog_new(&go, err, sizeof(err));
	if (prog)
		text = gen_prog_text(prog, NULL);
	if (!text || write_plain(W->scratch, text) < 0 ||
	    !(sc = scen_load(W->scratch, &exec_vocab, &serr))) {
		char why[300];

		snprintf(why, sizeof(why), "%.290s",
			 !prog	       ? err :
				 !text ? "out of memory" :
				 sc    ? "" :
					 serr.msg);
		if (text && !sc)
			snprintf(err, sizeof(err),
				 "program %" PRIu64 " does not "
				 "load: %.100s:%d:%d: %.290s",
				 program, serr.file, serr.pos.line,
				 serr.pos.col, why);
		else
			snprintf(err, sizeof(err),
				 "program %" PRIu64 ": %.290s", program, why);
		rc = -2;
		goto out;
	}
	e = exec_new_as_written(sc, &eo, err, sizeof(err));
	if (!e) {
		rc = -2;
		goto out;
	}
	/* k for PCT, in flight: a program whose first run kills the
	 * process is a crash finding, like any. */
	fuzz_rec_init(&rec, sim_strategy_first(), W->ws);
	W->ws->scen = 0;
	W->ws->strat = -1;
	W->ws->index = 0;
	W->ws->program = program;
	ck_pr_fence_store();
	ck_pr_store_32(&W->ws->in_flight, 1);
	exec_run(e, &rec.base, 0);
	ck_pr_store_32(&W->ws->in_flight, 0);
	k = sim_steps(exec_sim(e));
	sim_strategy_destroy(rec.in);
	for (int s = CAMP_PCT1; s <= CAMP_RANDOM && rc == 1; s++) {
		uint64_t seed = camp_slot_seed(c->seed, sc->name, s);
		struct sim_strategy *st;

		if (!(c->strats & (1u << s)))
			continue;
		st = s == CAMP_RANDOM ?
			sim_strategy_random(seed, sc->nthreads) :
			sim_strategy_pct(seed, sc->nthreads, s - CAMP_PCT1 + 1,
					 k);
		sim_reset_checkers(exec_sim(e));
		fuzz_rec_init(&rec, st, W->ws);
		for (uint64_t i = 0; i < c->schedules && rc == 1; i++) {
			const struct exec_result *res;
			bool crashed = false;

			if (stopping(W)) {
				rc = 0;
				break;
			}
			W->ws->strat = s;
			W->ws->index = i;
			W->ws->seed = seed;
			W->ws->k = k;
			W->ws->depth = s == CAMP_RANDOM ? 0 : s - CAMP_PCT1 + 1;
			ck_pr_fence_store();
			ck_pr_store_32(&W->ws->in_flight, 1);
			res = exec_run(e, &rec.base, i);
			ck_pr_store_32(&W->ws->in_flight, 0);
			W->slot[s].count++;
			W->slot[s].ixor ^= camp_mix(program);
			W->slot[s].isum += camp_mix(program);
			ck_pr_store_64(&W->ws->executions,
				       W->ws->executions + 1);
			coverage(W, e);
			for (int f = 0; f < res->nfind; f++) {
				const struct finding *fd = &res->find[f];
				uint64_t sig =
					genmin_signature(FUZZ_GEN_NAME, fd);

				if (fd->kind == SCEN_V_CRASH)
					crashed = true;
				if (camp_set_add(cfg->sigs, sig))
					save_finding(W, prog, sc, e, s, seed, k,
						     i, program, fd, sig);
			}
			if (crashed && res->abort == SIM_ABORT_CRASH)
				rc = -1;
			else if (fuzz_now() - W->last_save >= 1.0)
				save_state(W);
		}
		sim_strategy_destroy(st);
	}
out:
	if (rc == -2) {
		snprintf(W->ws->error, sizeof(W->ws->error), "%.250s", err);
		ck_pr_store_32((uint32_t *)&W->ws->error_scen, 0);
	}
	if (rc != -1)
		exec_free(e); /* after a crash: leave as fast as possible */
	scen_free(sc);
	free(text);
	gen_prog_free(prog);
	return rc;
}

/* fuzz_gen_worker -- worker w: its programs in turn until stopped. */
int fuzz_gen_worker(const struct fuzz_cfg *cfg, int w)
{
	static struct gworker W;
	static struct camp_slot_state saved[CAMP__NSTRAT];
	const struct camp_conf *c = &cfg->conf;
	int nsaved;

	memset(&W, 0, sizeof(W));
	W.cfg = cfg;
	W.w = w;
	W.ws = &cfg->shm->w[w];
	W.ws->error_scen = -1;
	W.first =
		(uint64_t)(c->shard_k - 1) + (uint64_t)c->shard_n * (uint64_t)w;
	W.stride = (uint64_t)c->shard_n * (uint64_t)c->jobs;
	fuzz_state_path(W.state_path, sizeof(W.state_path), cfg, w);
	snprintf(W.scratch, sizeof(W.scratch), "%s/work/%d.yaml", cfg->dir, w);
	snprintf(W.minscratch, sizeof(W.minscratch), "%s/work/%d.min.yaml",
		 cfg->dir, w);
	nsaved = camp_state_read(W.state_path, saved, CAMP__NSTRAT);
	for (int s = 0; s < GSTRATS; s++) {
		snprintf(W.slot[s].scenario, sizeof(W.slot[s].scenario), "%s",
			 FUZZ_GEN_NAME);
		W.slot[s].strat = s;
		W.slot[s].next = W.first;
		W.slot[s].dfs_bound = -1;
		for (int j = 0; j < nsaved; j++)
			if (saved[j].strat == s)
				W.slot[s].count = saved[j].count,
				W.slot[s].ixor = saved[j].ixor,
				W.slot[s].isum = saved[j].isum,
				W.slot[s].next = saved[j].next;
	}
	/* The program that killed the last incarnation is skipped. */
	if (W.ws->skip_scen == 0 && W.slot[0].next == W.ws->skip_index)
		for (int s = 0; s < GSTRATS; s++)
			W.slot[s].next += W.stride;
	W.ws->skip_scen = -1;
	W.last_save = fuzz_now();
	while (!stopping(&W)) {
		uint64_t program = W.slot[0].next;
		int rc;

		if (c->gen_programs && program >= c->gen_programs)
			break; /* --programs: this worker's are done */
		rc = run_program(&W, program);

		if (rc == -1) {
			save_state(&W);
			return FUZZ_EXIT_REPLACE;
		}
		if (rc == 0)
			break;
		/* done, or cannot be made (reported): the next one */
		for (int s = 0; s < GSTRATS; s++)
			W.slot[s].next = program + W.stride;
	}
	save_state(&W);
	return 0;
}
