/* SPDX-License-Identifier: MIT */
/*
 * campaign/fuzz_worker.c -- one worker of a campaign: the portfolio's slots in
 * turn, each execution's coverage, and each new finding saved, then
 * minimized.
 *
 * A worker runs in a forked child pinned to one CPU (its simulator's
 * threads follow it there).  It visits its slots round robin, CHUNK
 * executions at a time: for each scenario, PCT at depths 1, 2 and 3 and
 * random, each with its own seed, over the indexes that are this worker's
 * (campaign.h), and on worker 0 of shard 1 only, dfs with bounds growing
 * from 0 (a systematic search is one sequence; splitting it is left out).
 * A slot runs its scenario without the interleave: steps when
 * camp_slot_undirected() says so (the random slot of a fixed scenario,
 * or every slot under --undirected), on an engine of its own: a fixed
 * scenario is searched around, not run once.
 *
 * After each execution: its coverage keys go to the shared set; each
 * finding's signature is claimed in the shared set of signatures, and the
 * worker that claims it first saves it (trace, report, JSON, then the
 * .meta file that makes it count), then minimizes it on an engine of its
 * own (the lock-order checker remembers cycles per engine).
 *
 * Progress (the next index of every slot) is saved every second, at the
 * end, and before the worker leaves after a crash; a restarted worker
 * picks up from there, so a crash costs the executions since the last
 * save, never a finding.  A crashing execution (BUG() or a signal caught
 * in the core) is saved like any finding, then the worker exits with
 * FUZZ_EXIT_REPLACE so that a fresh process goes on.
 */
#include "campaign/fuzz.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ck_pr.h>

#include "engine/exec.h"
#include "engine/minimize.h"
#include "core/core.h"

#define CHUNK	  32
#define MAX_SLOTS (CAMP_MAX_SCEN * CAMP__NSTRAT)

struct wslot {
	struct camp_slot_state s;
	int scen;
	bool u; /* undirected: without the scenario's interleave: */
	uint64_t seed;
	uint64_t stride;
	struct sim_strategy *st; /* created on first use */
};

struct worker {
	const struct fuzz_cfg *cfg;
	int w;
	struct fuzz_wstat *ws;
	/* per scenario, as directed [0] and undirected [1] */
	struct exec *e[2][CAMP_MAX_SCEN];
	uint64_t k[2][CAMP_MAX_SCEN]; /* PCT's step estimate */
	bool broken[2][CAMP_MAX_SCEN];
	int nslot;
	struct wslot slot[MAX_SLOTS];
	char state_path[4096];
	double last_save;
	uint64_t cov[4096];
};

/* fuzz_now -- CLOCK_MONOTONIC in seconds. */
double fuzz_now(void)
{
	struct timespec ts;

	/* Budgets, progress and rates only: never a decision. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* fuzz_state_path -- DIR/state/K-of-N.W: worker w's progress. */
void fuzz_state_path(char *buf, size_t len, const struct fuzz_cfg *cfg, int w)
{
	snprintf(buf, len, "%s/state/%d-of-%d.%d", cfg->dir, cfg->conf.shard_k,
		 cfg->conf.shard_n, w);
}

/* ---- Recording the decisions in flight ----------------------------------- */

/*
 * A strategy that passes every choice to the slot's own and copies the
 * decision to shared memory: if the process dies in the execution, the
 * coordinator still has the schedule that killed it.
 */

/* rec_begin -- internal: no decision in flight yet. */
static void rec_begin(struct sim_strategy *st, uint64_t execution)
{
	struct fuzz_rec *r = (struct fuzz_rec *)st;

	r->ws->ndec = 0;
	if (r->in->begin)
		r->in->begin(r->in, execution);
}

/* rec_choose -- internal: the slot's decision, copied to shared memory. */
static int rec_choose(struct sim_strategy *st, const struct sim_choice *c)
{
	struct fuzz_rec *r = (struct fuzz_rec *)st;
	int t = r->in->choose(r->in, c);

	if (t >= 0 && r->ws->ndec < FUZZ_MAX_DEC) {
		r->ws->dec[r->ws->ndec] = (uint8_t)t;
		ck_pr_store_32(&r->ws->ndec, r->ws->ndec + 1);
	}
	return t;
}

/* rec_end -- internal: pass the end on. */
static void rec_end(struct sim_strategy *st, uint64_t steps)
{
	struct fuzz_rec *r = (struct fuzz_rec *)st;

	if (r->in->end)
		r->in->end(r->in, steps);
}

/* fuzz_rec_init -- see fuzz.h. */
void fuzz_rec_init(struct fuzz_rec *r, struct sim_strategy *in,
		   struct fuzz_wstat *ws)
{
	memset(r, 0, sizeof(*r));
	r->base.name = "record";
	r->base.begin = rec_begin;
	r->base.choose = rec_choose;
	r->base.end = rec_end;
	r->in = in;
	r->ws = ws;
}

/* ---- Slots ------------------------------------------------------------------ */

static void save_state(struct worker *W)
{
	struct camp_slot_state *s = malloc((size_t)W->nslot * sizeof(*s));

	if (!s)
		return;
	for (int i = 0; i < W->nslot; i++)
		s[i] = W->slot[i].s;
	if (camp_state_write(W->state_path, s, W->nslot) < 0)
		fprintf(stderr, "lockstep fuzz: worker %d: cannot save %s\n",
			W->w, W->state_path);
	free(s);
	W->last_save = fuzz_now();
}

/* build_slots -- internal: this worker's slots, with saved progress. */
static void build_slots(struct worker *W)
{
	const struct camp_conf *c = &W->cfg->conf;
	static struct camp_slot_state saved[MAX_SLOTS];
	int nsaved = camp_state_read(W->state_path, saved, MAX_SLOTS);
	uint64_t first =
		(uint64_t)(c->shard_k - 1) + (uint64_t)c->shard_n * W->w;

	for (int i = 0; i < c->nscen; i++) {
		for (int k = 0; k < CAMP__NSTRAT; k++) {
			struct wslot *sl;

			if (!(c->strats & (1u << k)))
				continue;
			if (k == CAMP_DFS && (c->shard_k != 1 || W->w != 0))
				continue;
			sl = &W->slot[W->nslot++];
			memset(sl, 0, sizeof(*sl));
			snprintf(sl->s.scenario, sizeof(sl->s.scenario), "%s",
				 c->scen[i].name);
			sl->s.strat = k;
			sl->s.dfs_bound = -1;
			sl->scen = i;
			sl->u = camp_slot_undirected(c, W->cfg->sc[i], k);
			sl->seed = camp_slot_seed(c->seed, c->scen[i].name, k);
			sl->stride = k == CAMP_DFS ?
				1 :
				(uint64_t)c->shard_n * (uint64_t)c->jobs;
			sl->s.next = k == CAMP_DFS ? 0 : first;
			for (int j = 0; j < nsaved; j++)
				if (saved[j].strat == k &&
				    !strcmp(saved[j].scenario, sl->s.scenario))
					sl->s = saved[j];
			/* The execution that killed the last incarnation. */
			if (W->ws->skip_scen == i && W->ws->skip_strat == k &&
			    sl->s.next == W->ws->skip_index) {
				sl->s.count++;
				sl->s.ixor ^= camp_mix(sl->s.next);
				sl->s.isum += camp_mix(sl->s.next);
				sl->s.next += sl->stride;
			}
		}
	}
	W->ws->skip_scen = -1;
}

/* engine -- internal: the scenario's engine, made on first use; u:
 * the one that leaves its interleave: out. */
static struct exec *engine(struct worker *W, int i, bool u)
{
	struct exec_options eo = { .pool = W->cfg->pool,
				   .log_events = true,
				   .undirected = u };
	struct fuzz_rec rec = {
		.base = { .name = "record",
			  .begin = rec_begin,
			  .choose = rec_choose,
			  .end = rec_end },
		.ws = W->ws,
	};
	char err[512];

	if (W->e[u][i] || W->broken[u][i])
		return W->e[u][i];
	if (ck_pr_load_8(&W->cfg->shm->broken[i])) {
		W->broken[u][i] = true;
		return NULL;
	}
	W->e[u][i] = exec_new(W->cfg->sc[i], W->cfg->conf.scen[i].fixes, &eo,
			      err, sizeof(err));
	if (!W->e[u][i]) {
		W->broken[u][i] = true;
		snprintf(W->ws->error, sizeof(W->ws->error), "%.250s", err);
		ck_pr_store_32((uint32_t *)&W->ws->error_scen, (uint32_t)i);
		return NULL;
	}
	/* k for PCT: the steps of the non-preemptive schedule.  As
	 * exec_calibrate(), but in flight: if it kills the process, the
	 * coordinator makes it a finding and no worker runs the scenario. */
	rec.in = sim_strategy_first();
	W->ws->scen = i;
	W->ws->strat = -1;
	W->ws->index = 0;
	W->ws->undirected = u;
	ck_pr_fence_store();
	ck_pr_store_32(&W->ws->in_flight, 1);
	exec_run(W->e[u][i], &rec.base, 0);
	ck_pr_store_32(&W->ws->in_flight, 0);
	W->k[u][i] = sim_steps(exec_sim(W->e[u][i]));
	sim_reset_checkers(exec_sim(W->e[u][i]));
	sim_strategy_destroy(rec.in);
	return W->e[u][i];
}

/* slot_strategy -- internal: the slot's strategy, made on first use. */
static struct sim_strategy *slot_strategy(struct worker *W, struct wslot *sl)
{
	int n = W->cfg->sc[sl->scen]->nthreads;

	if (sl->st)
		return sl->st;
	switch (sl->s.strat) {
	case CAMP_PCT1:
	case CAMP_PCT2:
	case CAMP_PCT3:
		sl->st = sim_strategy_pct(sl->seed, n,
					  sl->s.strat - CAMP_PCT1 + 1,
					  W->k[sl->u][sl->scen]);
		break;
	case CAMP_RANDOM:
		sl->st = sim_strategy_random(sl->seed, n);
		break;
	default:
		/* Resumed: from the bound after the last one finished. */
		sl->st = sim_strategy_dfs(sl->s.dfs_bound + 1,
					  W->cfg->max_bound, true);
		break;
	}
	return sl->st;
}

/* ---- Findings ------------------------------------------------------------------ */

static void sched_of(const struct worker *W, const struct wslot *sl,
		     uint64_t index, struct report_sched *rs)
{
	memset(rs, 0, sizeof(*rs));
	snprintf(rs->strategy, sizeof(rs->strategy), "%s",
		 sl->s.strat == CAMP_RANDOM	 ? "random" :
			 sl->s.strat == CAMP_DFS ? "dfs" :
						   "pct");
	rs->seed = sl->s.strat == CAMP_DFS ? 0 : sl->seed;
	rs->depth = sl->s.strat <= CAMP_PCT3 ? sl->s.strat - CAMP_PCT1 + 1 :
		sl->s.strat == CAMP_DFS	     ? sl->s.dfs_bound + 1 :
					       0;
	rs->k = W->k[sl->u][sl->scen];
	rs->undirected = sl->u;
	rs->execution = index;
}

/* minimize -- internal: the finding's minimized schedule, on a fresh
 * engine; fills the meta's min- fields. */
static void minimize(struct worker *W, int i, const struct report_in *orig,
		     const uint8_t *dec, uint32_t ndec, uint64_t sig,
		     struct camp_meta *m)
{
	struct exec_options eo = { .pool = W->cfg->pool,
				   .log_events = true,
				   .undirected = orig->sched.undirected };
	struct exec *e;
	struct min_out mo;
	char err[256];

	e = exec_new(W->cfg->sc[i], orig->fixes, &eo, err, sizeof(err));
	if (!e)
		return;
	if (minimize_schedule(e, orig->sched.execution, dec, ndec,
			      orig->finding->kind, sig, W->cfg->min_budget,
			      NULL, NULL, &mo) == 0) {
		struct report_in in = *orig;

		in.finding = &mo.res->find[mo.finding];
		in.sim = exec_sim(e);
		in.sched.minimized = true;
		if (camp_write_finding(W->cfg->dir, m->id, true, &in) == 0) {
			m->minimized = true;
			m->preemptions = mo.orig_preemptions;
			m->min_preemptions = mo.preemptions;
			m->steps = mo.orig_steps;
			m->min_steps = mo.steps;
		}
		free(mo.dec);
	}
	exec_free(e);
}

/* save_finding -- internal: a finding never seen in the campaign. */
static void save_finding(struct worker *W, struct wslot *sl, uint64_t index,
			 const struct finding *fd, uint64_t sig)
{
	const struct fuzz_cfg *cfg = W->cfg;
	struct exec *e = W->e[sl->u][sl->scen];
	struct report_in in = {
		.sc = cfg->sc[sl->scen],
		.fixes = cfg->conf.scen[sl->scen].fixes,
		.finding = fd,
		.sim = exec_sim(e),
	};
	struct camp_meta m = { .preemptions = -1, .min_preemptions = -1 };
	uint32_t ndec;
	const uint8_t *d = sim_decisions(exec_sim(e), &ndec);
	uint8_t *dec = malloc(ndec + 1);

	sched_of(W, sl, index, &in.sched);
	snprintf(m.id, sizeof(m.id), "%s.%s.%016" PRIx64, in.sc->name,
		 scen_violation_names[fd->kind], sig);
	snprintf(m.scenario, sizeof(m.scenario), "%s", in.sc->name);
	snprintf(m.kind, sizeof(m.kind), "%s", scen_violation_names[fd->kind]);
	m.signature = sig;
	snprintf(m.what, sizeof(m.what), "%s", fd->what);
	snprintf(m.strategy, sizeof(m.strategy), "%s",
		 camp_strat_names[sl->s.strat]);
	m.seed = in.sched.seed;
	m.depth = in.sched.depth;
	m.execution = index;
	snprintf(m.shard, sizeof(m.shard), "%d/%d", cfg->conf.shard_k,
		 cfg->conf.shard_n);
	m.worker = W->w;
	m.seconds = fuzz_now() - cfg->shm->t0 + cfg->shm->offset;
	m.executions = W->ws->executions;
	m.steps = sim_steps(exec_sim(e));
	if (dec && ndec)
		memcpy(dec, d, ndec);

	/* Claimed but not saved yet: if this process dies now, the
	 * coordinator gives the signature back. */
	ck_pr_store_64(&W->ws->saving_sig, sig);
	if (camp_save_finding(cfg->dir, &m, &in) < 0) {
		ck_pr_store_64(&W->ws->saving_sig, 0);
		free(dec);
		return;
	}
	ck_pr_store_64(&W->ws->saving_sig, 0);
	ck_pr_inc_32(&cfg->shm->findings);
	W->ws->findings++;
	/* Saved: whatever happens next, it is not lost.  Now shorten it. */
	if (dec && cfg->min_budget) {
		minimize(W, sl->scen, &in, dec, ndec, sig, &m);
		if (m.minimized)
			camp_meta_write(cfg->dir, &m);
	}
	free(dec);
}

/* ---- The loop ----------------------------------------------------------------------- */

/*
 * directed_only -- internal: the execution took no decision (the scenario's
 * interleave: leaves nothing to choose), so every execution of the slot is
 * this one: the slot is done.  Under a --schedules cap its other indexes
 * count as run, so that shards still add up to the whole.
 */
static void directed_only(const struct fuzz_cfg *cfg, struct wslot *sl)
{
	for (uint64_t i = sl->s.next;
	     cfg->conf.schedules && i < cfg->conf.schedules; i += sl->stride) {
		sl->s.count++;
		sl->s.ixor ^= camp_mix(i);
		sl->s.isum += camp_mix(i);
		sl->s.next = i + sl->stride;
	}
	sl->s.exhausted = true;
}

/* run_one -- internal: the slot's next execution; false when the worker
 * must leave (a crash: it asks to be replaced). */
static bool run_one(struct worker *W, struct wslot *sl)
{
	const struct fuzz_cfg *cfg = W->cfg;
	struct exec *e = engine(W, sl->scen, sl->u);
	struct fuzz_rec rec = {
		.base = { .name = "record",
			  .begin = rec_begin,
			  .choose = rec_choose,
			  .end = rec_end },
		.ws = W->ws,
	};
	const struct exec_result *r;
	uint64_t index = sl->s.next;
	int ncov;
	bool crashed = false;

	if (!e) {
		sl->s.exhausted = true;
		return true;
	}
	if (cfg->conf.schedules && index >= cfg->conf.schedules) {
		sl->s.exhausted = true;
		return true;
	}
	rec.in = slot_strategy(W, sl);
	if (!rec.in) {
		sl->s.exhausted = true;
		return true;
	}
	if (sl->s.strat == CAMP_DFS) {
		struct sim_dfs_stats ds;

		sim_strategy_dfs_stats(rec.in, &ds);
		if (ds.done) {
			sl->s.exhausted = true;
			return true;
		}
	}
	W->ws->scen = sl->scen;
	W->ws->strat = sl->s.strat;
	W->ws->index = index;
	W->ws->seed = sl->seed;
	W->ws->k = W->k[sl->u][sl->scen];
	W->ws->undirected = sl->u;
	W->ws->depth = sl->s.strat <= CAMP_PCT3 ? sl->s.strat + 1 : 0;
	ck_pr_fence_store();
	ck_pr_store_32(&W->ws->in_flight, 1);
	r = exec_run(e, &rec.base, index);
	ck_pr_store_32(&W->ws->in_flight, 0);

	sl->s.count++;
	sl->s.ixor ^= camp_mix(index);
	sl->s.isum += camp_mix(index);
	sl->s.next += sl->stride;
	ck_pr_store_64(&W->ws->executions, W->ws->executions + 1);
	if (sl->s.strat == CAMP_DFS) {
		struct sim_dfs_stats ds;

		sim_strategy_dfs_stats(rec.in, &ds);
		sl->s.dfs_bound = ds.finished_bound;
		sl->s.exhausted = ds.done;
	}
	if (sl->s.strat != CAMP_DFS && !W->ws->ndec)
		directed_only(cfg, sl);

	ncov = camp_coverage(cfg->conf.scen[sl->scen].name, exec_sim(e), W->cov,
			     (int)(sizeof(W->cov) / sizeof(W->cov[0])));
	for (int i = 0; i < ncov; i++)
		if (camp_set_add(cfg->cov, W->cov[i]))
			ck_pr_inc_32(W->cov[i] & CAMP_KEY_PREEMPT ?
					     &cfg->shm->preempt[sl->scen] :
					     &cfg->shm->pairs[sl->scen]);

	for (int f = 0; f < r->nfind; f++) {
		const struct finding *fd = &r->find[f];
		uint64_t sig = report_signature(cfg->sc[sl->scen], fd);

		if (fd->kind == SCEN_V_CRASH)
			crashed = true;
		if (camp_set_add(cfg->sigs, sig))
			save_finding(W, sl, index, fd, sig);
	}
	if (crashed && r->abort == SIM_ABORT_CRASH) {
		save_state(W);
		return false;
	}
	if (fuzz_now() - W->last_save >= 1.0)
		save_state(W);
	return true;
}

/* fuzz_worker -- worker w: its slots round robin until stopped or
 * exhausted.
 */
int fuzz_worker(const struct fuzz_cfg *cfg, int w)
{
	static struct worker W;
	int code = 0;

	if (cfg->conf.generate)
		return fuzz_gen_worker(cfg, w);
	memset(&W, 0, sizeof(W));
	W.cfg = cfg;
	W.w = w;
	W.ws = &cfg->shm->w[w];
	W.ws->error_scen = -1;
	fuzz_state_path(W.state_path, sizeof(W.state_path), cfg, w);
	build_slots(&W);
	W.last_save = fuzz_now();
	while (!ck_pr_load_32(&cfg->shm->stop) && code == 0) {
		bool any = false;

		for (int n = 0; n < W.nslot && code == 0; n++) {
			uint32_t si = W.ws->next_slot++ % (uint32_t)W.nslot;
			struct wslot *sl = &W.slot[si];

			if (sl->s.exhausted)
				continue;
			any = true;
			for (int j = 0; j < CHUNK && !sl->s.exhausted; j++) {
				if (ck_pr_load_32(&cfg->shm->stop))
					break;
				if (!run_one(&W, sl)) {
					code = FUZZ_EXIT_REPLACE;
					break;
				}
			}
			if (ck_pr_load_32(&cfg->shm->stop))
				break;
		}
		if (!any)
			break;
	}
	if (code != 0)
		return code; /* after a crash: leave as fast as possible */
	save_state(&W);
	/* Leaving: the coordinator does the summary.  The engines' threads
	 * are stopped properly, so that sanitizers see no leak. */
	for (int i = 0; i < W.nslot; i++)
		sim_strategy_destroy(W.slot[i].st);
	for (int i = 0; i < cfg->conf.nscen; i++) {
		exec_free(W.e[0][i]);
		exec_free(W.e[1][i]);
	}
	return code;
}
