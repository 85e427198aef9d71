/* SPDX-License-Identifier: MIT */
/*
 * tests/test_dfs.c -- Check suite for the systematic search (sim/dfs.c).
 *
 * Small programs with known schedule spaces, run under the dfs strategy
 * with and without partial-order reduction:
 *   - threads that share nothing: one schedule with the reduction, and
 *     the search says it is complete; many without;
 *   - a lost update that needs exactly one preemption: not at bound 0,
 *     found at bound 1, with and without the reduction;
 *   - two threads appending twice each to a shared log through scoped
 *     points, plus private lock traffic: every one of the C(4,2) = 6
 *     orders of the appends is explored with the reduction (which ends
 *     complete: no bound left a schedule out), in fewer schedules than
 *     without it;
 *   - the iteration of bounds: bound k's tree contains bound k-1's;
 *   - the bundled scenarios and tests/scenarios/dfs/ (operations the
 *     bundled ones leave out), undirected, through the engine: every
 *     outcome the search without the reduction reaches within the bound
 *     (what the threads read, how the execution ended, the files' final
 *     contents: exec_result.outcome), the reduced search reaches too.
 *     That holds only if every step announces what it touches (sim_touch,
 *     sim_exact): a missing announcement makes two steps look independent
 *     that are not, and the reduction then drops an outcome.
 * Assertions are on schedules and outcomes, never on time.
 */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "engine/exec.h"
#include "scenarios/scen.h"
#include "sim/sim.h"
#include "sim/strategy.h"

static struct sim *new_sim(int n)
{
	struct sim_options o = { .cpu = -1, .log_events = true };
	struct sim *s = sim_create(n, &o);

	ck_assert_ptr_nonnull(s);
	return s;
}

/* explore_from -- run dfs from bound 'from' to the end; the stats.
 * 'after' sees each execution. */
static void explore_from(struct sim *s, sim_thread_fn fn, void *const *args,
			 int from, int max_bound, bool por,
			 void (*after)(void *), void *ctx,
			 struct sim_dfs_stats *ds)
{
	struct sim_strategy *st = sim_strategy_dfs(from, max_bound, por);

	ck_assert_ptr_nonnull(st);
	for (int i = 0; i < 1000000; i++) {
		sim_strategy_dfs_stats(st, ds);
		if (ds->done)
			break;
		sim_new_arena(s);
		if (after)
			after(ctx); /* reset the program's state */
		sim_execute(s, fn, args, st, NULL, 0);
		if (after)
			after(ctx);
	}
	sim_strategy_dfs_stats(st, ds);
	ck_assert_msg(ds->done, "dfs did not end");
	ck_assert_ptr_null(ds->error);
	sim_strategy_destroy(st);
}

/* explore -- the same, raising the bound from 0. */
static void explore(struct sim *s, sim_thread_fn fn, void *const *args,
		    int max_bound, bool por, void (*after)(void *), void *ctx,
		    struct sim_dfs_stats *ds)
{
	explore_from(s, fn, args, 0, max_bound, por, after, ctx, ds);
}

/* ---- Threads that share nothing ----------------------------------------- */

static const struct sim_lock_class own_class = { "own", 0 };
static struct sim_lock own[2];

static void own_thread(struct sim *s, int tid, void *arg)
{
	(void)s;
	(void)arg;
	for (int i = 0; i < 3; i++) {
		sim_mutex_lock(&own[tid], "own_thread");
		sim_mutex_unlock(&own[tid], "own_thread");
	}
}

/* Instance names without digits: the footprint tells them apart (it
 * leaves digits out, so "own(0)" and "own(1)" would be one lock). */
static void own_reset_named(void *ctx)
{
	(void)ctx;
	sim_lock_init(&own[0], &own_class, SIM_MUTEX, "left");
	sim_lock_init(&own[1], &own_class, SIM_MUTEX, "right");
}

/* Each operation is described once per layer, keyed by its kind: a
 * descriptor (scenarios/) and a handler (engine/); the core's points are
 * by the operation's name (dma_write and unpin pass none). */
START_TEST(test_ops_complete)
{
	for (int k = 0; k < SCEN_OP__COUNT; k++) {
		ck_assert_ptr_nonnull(scen_ops[k].name);
		ck_assert_msg(exec_op_modelled(k), "%s has no handler",
			      scen_ops[k].name);
		for (int j = 0; j < k; j++)
			ck_assert_str_ne(scen_ops[j].name, scen_ops[k].name);
	}
	for (int i = 0; i < core_points_count(); i++)
		ck_assert_msg(scen_point_op(core_points[i].name) >= 0,
			      "point %s of no operation", core_points[i].name);
	ck_assert(!exec_op_modelled(SCEN_OP__COUNT));
}
END_TEST

START_TEST(test_independent_one_schedule)
{
	struct sim *s = new_sim(2);
	struct sim_dfs_stats por, full;

	own_reset_named(NULL);
	explore(s, own_thread, NULL, 3, true, own_reset_named, NULL, &por);
	ck_assert_uint_eq(por.level_schedules[por.nlevels - 1], 1);
	ck_assert(por.complete);
	explore(s, own_thread, NULL, 3, false, own_reset_named, NULL, &full);
	ck_assert_uint_ge(full.level_schedules[full.nlevels - 1], 20);
	sim_destroy(s);
}
END_TEST

/* ---- Adds commute; a spinlock is invisible ------------------------------- */

/* Each thread takes a spinlock twice and, under it, adds to a counter
 * (sim_touch_add) -- or, in thread 1 when 'count_reads', reads it.  The
 * spinlock is free at every scheduling point, so its holds order nothing;
 * two adds commute; an add and a read do not. */
static const struct sim_lock_class spin_class = { "spin", 0, true };
static const struct sim_lock_class nospin_class = { "spin", 0, false };
static struct sim_lock spin;
static bool count_reads, count_mutex;
static int count, nread[8], nreads;

static void count_thread(struct sim *s, int tid, void *arg)
{
	(void)s;
	(void)arg;
	sim_exact(true);
	for (int i = 0; i < 2; i++) {
		sim_mutex_lock(&spin, "count_thread");
		if (tid == 1 && count_reads) {
			sim_touch("count", NULL, SIM_TOUCH_ALL, false);
			nread[nreads++ & 7] = count;
		} else {
			sim_touch_add("count", NULL, SIM_TOUCH_ALL);
			count++;
		}
		sim_mutex_unlock(&spin, "count_thread");
	}
}

static bool seen_reads[3][3];

static void count_after(void *ctx)
{
	(void)ctx;
	if (nreads == 2)
		seen_reads[nread[0]][nread[1]] = true;
	count = nreads = 0;
	sim_lock_init(&spin, count_mutex ? &nospin_class : &spin_class,
		      SIM_MUTEX, "s");
}

START_TEST(test_adds_commute)
{
	struct sim *s = new_sim(2);
	struct sim_dfs_stats ds;
	int orders = 0;

	count_reads = false;
	count_after(NULL);
	explore_from(s, count_thread, NULL, SIM_DFS_UNBOUNDED,
		     SIM_DFS_UNBOUNDED, true, count_after, NULL, &ds);
	ck_assert(ds.complete);
	ck_assert_uint_eq(ds.level_schedules[ds.nlevels - 1], 1);
	/* The same lock as a mutex: its holds order the adds. */
	count_mutex = true;
	count_after(NULL);
	explore_from(s, count_thread, NULL, SIM_DFS_UNBOUNDED,
		     SIM_DFS_UNBOUNDED, true, count_after, NULL, &ds);
	ck_assert_uint_ge(ds.level_schedules[ds.nlevels - 1], 6);
	count_mutex = false;

	/* Reads against adds: every value pair the orders give (r0 <= r1,
	 * each 0..2), 6 of them, each in one schedule (an execution whose
	 * only runnable thread sleeps is cut short, not counted). */
	count_reads = true;
	memset(seen_reads, 0, sizeof(seen_reads));
	count_after(NULL);
	explore_from(s, count_thread, NULL, SIM_DFS_UNBOUNDED,
		     SIM_DFS_UNBOUNDED, true, count_after, NULL, &ds);
	ck_assert(ds.complete);
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			orders += seen_reads[a][b];
	ck_assert_int_eq(orders, 6);
	ck_assert_uint_eq(ds.level_schedules[ds.nlevels - 1], 6);
	sim_destroy(s);
}
END_TEST

/* ---- A lost update that needs one preemption ----------------------------- */

static int shared, lost;

static void inc_thread(struct sim *s, int tid, void *arg)
{
	int v;

	(void)s;
	(void)tid;
	(void)arg;
	sim_point_obj("load", "inc_thread", "x", NULL);
	v = shared;
	sim_point_obj("store", "inc_thread", "x", NULL);
	shared = v + 1;
}

static void inc_after(void *ctx)
{
	(void)ctx;
	if (sim_steps(sim_self()) && shared == 1)
		lost++;
	shared = 0;
}

START_TEST(test_lost_update_bound)
{
	struct sim *s = new_sim(2);
	struct sim_dfs_stats ds;

	for (int por = 0; por < 2; por++) {
		lost = 0;
		explore(s, inc_thread, NULL, 0, por, inc_after, NULL, &ds);
		ck_assert_int_eq(lost, 0);
		ck_assert(!ds.complete); /* bound 0 left schedules out */
		lost = 0;
		explore(s, inc_thread, NULL, 1, por, inc_after, NULL, &ds);
		ck_assert_int_gt(lost, 0);
	}
	sim_destroy(s);
}
END_TEST

/* ---- Every order of the dependent steps ---------------------------------- */

static char trail[8];
static int ntrail;
static bool seen[64];
static int nseen;
static const struct sim_lock_class priv_class = { "priv", 0 };
static struct sim_lock priv[2];

static void log_thread(struct sim *s, int tid, void *arg)
{
	(void)s;
	(void)arg;
	for (int i = 0; i < 2; i++) {
		sim_mutex_lock(&priv[tid], "log_thread");
		sim_mutex_unlock(&priv[tid], "log_thread");
		sim_point_obj("append", "log_thread", "trail", NULL);
		trail[ntrail++] = (char)('a' + tid);
		sim_mutex_lock(&priv[tid], "log_thread");
		sim_mutex_unlock(&priv[tid], "log_thread");
	}
}

static void log_after(void *ctx)
{
	(void)ctx;
	if (ntrail == 4) {
		int key = 0;

		for (int i = 0; i < 4; i++)
			key = key * 2 + (trail[i] == 'b');
		if (!seen[key]) {
			seen[key] = true;
			nseen++;
		}
	}
	ntrail = 0;
	sim_lock_init(&priv[0], &priv_class, SIM_MUTEX, "left");
	sim_lock_init(&priv[1], &priv_class, SIM_MUTEX, "right");
}

START_TEST(test_every_order)
{
	struct sim *s = new_sim(2);
	struct sim_dfs_stats por, full;

	memset(seen, 0, sizeof(seen));
	nseen = 0;
	log_after(NULL);
	explore(s, log_thread, NULL, 8, true, log_after, NULL, &por);
	ck_assert_int_eq(nseen, 6);
	ck_assert(por.complete);
	if (getenv("DFS_COUNTS"))
		fprintf(stderr,
			"every order: %llu schedules, %llu executions\n",
			(unsigned long long)por.level_schedules[por.nlevels - 1],
			(unsigned long long)por.executions);

	memset(seen, 0, sizeof(seen));
	nseen = 0;
	/* abab takes three preemptions at most: a, b, a, b. */
	explore(s, log_thread, NULL, 3, false, log_after, NULL, &full);
	ck_assert_int_eq(nseen, 6);
	ck_assert_uint_lt(por.level_schedules[por.nlevels - 1],
			  full.level_schedules[full.nlevels - 1]);
	sim_destroy(s);
}
END_TEST

/* Every schedule asked for, the bound raised from 0 (skipping what a lower
 * bound completed) or started at the top: the same orders; at the top each
 * execution is a schedule of its own. */
START_TEST(test_unbounded_once)
{
	struct sim *s = new_sim(2);
	struct sim_dfs_stats ds;
	struct sim_strategy *st;

	memset(seen, 0, sizeof(seen));
	nseen = 0;
	log_after(NULL);
	explore(s, log_thread, NULL, SIM_DFS_UNBOUNDED, true, log_after, NULL,
		&ds);
	ck_assert_int_eq(nseen, 6);
	ck_assert(ds.complete);
	ck_assert_int_gt(ds.nlevels, 1);
	ck_assert_uint_gt(ds.executions, ds.level_schedules[ds.nlevels - 1]);

	memset(seen, 0, sizeof(seen));
	nseen = 0;
	st = sim_strategy_dfs(SIM_DFS_UNBOUNDED, SIM_DFS_UNBOUNDED, true);
	for (uint64_t i = 0;; i++) {
		sim_strategy_dfs_stats(st, &ds);
		if (ds.done)
			break;
		sim_new_arena(s);
		log_after(NULL);
		sim_execute(s, log_thread, NULL, st, NULL, 0);
		log_after(NULL);
	}
	ck_assert_int_eq(nseen, 6);
	ck_assert(ds.complete);
	ck_assert_int_eq(ds.nlevels, 1);
	ck_assert_uint_eq(ds.executions, ds.level_schedules[0] + ds.pruned);
	sim_strategy_destroy(st);
	sim_destroy(s);
}
END_TEST

START_TEST(test_bounds_nest)
{
	struct sim *s = new_sim(2);
	struct sim_dfs_stats ds;

	log_after(NULL);
	explore(s, log_thread, NULL, 3, false, log_after, NULL, &ds);
	ck_assert_int_eq(ds.nlevels, 4);
	for (int i = 1; i < ds.nlevels; i++)
		ck_assert_uint_gt(ds.level_schedules[i],
				  ds.level_schedules[i - 1]);
	/* bound 0: which thread starts (a free choice), then no switch
	 * until a thread ends */
	ck_assert_uint_eq(ds.level_schedules[0], 2);
	sim_destroy(s);
}
END_TEST

/* ---- The bundled scenarios: the reduction keeps every outcome ---------- */

struct outcomes {
	uint64_t *v;
	size_t n, cap;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* search -- dfs over sc within 'bound', with or without the reduction:
 * the sorted, distinct outcomes of the executions that ran to their end
 * (one cut short by a sleep set is equivalent to one that did). */
static void search(const struct scen *sc, uint32_t fixes, int bound, bool por,
		   bool rerun, struct outcomes *out, uint64_t *schedules)
{
	struct exec_options eo = { .log_events = true, .outcome = true };
	char err[256];
	struct exec *e = exec_new(sc, fixes, &eo, err, sizeof(err));
	struct sim_strategy *st = sim_strategy_dfs(0, bound, por);
	struct sim_dfs_stats ds;
	uint64_t pruned = 0;

	ck_assert_msg(e != NULL, "%s", err);
	ck_assert_ptr_nonnull(st);
	sim_strategy_dfs_rerun(st, rerun);
	memset(out, 0, sizeof(*out));
	for (uint64_t i = 0;; i++) {
		const struct exec_result *r;

		sim_strategy_dfs_stats(st, &ds);
		if (ds.done)
			break;
		r = exec_run(e, st, i);
		sim_strategy_dfs_stats(st, &ds);
		if (ds.pruned != pruned) {
			pruned = ds.pruned;
			continue;
		}
		if (out->n == out->cap) {
			out->cap = out->cap ? 2 * out->cap : 1024;
			out->v = realloc(out->v, out->cap * sizeof(*out->v));
			ck_assert_ptr_nonnull(out->v);
		}
		out->v[out->n++] = r->outcome;
	}
	ck_assert_msg(ds.error == NULL, "%s: %s", sc->name, ds.error);
	*schedules = ds.executions - ds.pruned;
	qsort(out->v, out->n, sizeof(*out->v), cmp_u64);
	{
		size_t k = 0;

		for (size_t i = 0; i < out->n; i++)
			if (!k || out->v[k - 1] != out->v[i])
				out->v[k++] = out->v[i];
		out->n = k;
	}
	sim_strategy_destroy(st);
	exec_free(e);
}

START_TEST(test_scenarios_keep_outcomes)
{
	const char *env = getenv("LOCKSTEP_TEST_DFS_BOUND");
	int bound = env ? atoi(env) : 2;
	glob_t g;
	int nscen = 0;

	ck_assert_int_eq(glob("scenarios/*.yaml", 0, NULL, &g), 0);
	/* and operations the bundled ones leave out: direct I/O, clone,
	 * stores against truncate, the DAX switch with statx and evict */
	ck_assert_int_eq(
		glob("tests/scenarios/dfs/*.yaml", GLOB_APPEND, NULL, &g), 0);
	for (size_t f = 0; f < g.gl_pathc; f++) {
		struct scen_error serr;
		struct scen *sc = scen_load(g.gl_pathv[f], &exec_vocab, &serr);
		struct outcomes full, por, old;
		uint64_t nfull, npor, nold;
		uint32_t fixes;
		char err[256];
		size_t j = 0;

		ck_assert_msg(sc != NULL, "%s:%d:%d: %s", g.gl_pathv[f],
			      serr.pos.line, serr.pos.col, serr.msg);
		ck_assert_int_eq(exec_fixes_for(sc, NULL, NULL, &fixes, err,
						sizeof(err)),
				 0);
		sc->nsteps = 0; /* undirected */
		search(sc, fixes, sc->nthreads > 2 ? 1 : bound, false, false,
		       &full, &nfull);
		search(sc, fixes, sc->nthreads > 2 ? 1 : bound, true, false,
		       &por, &npor);
		/* Skipping what a lower bound completed reaches what
		 * re-running it does, in no more executions. */
		search(sc, fixes, sc->nthreads > 2 ? 1 : bound, true, true,
		       &old, &nold);
		ck_assert_msg(old.n == por.n &&
				      !memcmp(old.v, por.v,
					      por.n * sizeof(*por.v)),
			      "%s: the search that "
			      "skips completed subtrees reached %zu outcomes, "
			      "the one that re-runs them %zu",
			      sc->name, por.n, old.n);
		/* both sorted: every outcome of the full search in por's */
		for (size_t i = 0; i < full.n; i++) {
			while (j < por.n && por.v[j] < full.v[i])
				j++;
			ck_assert_msg(
				j < por.n && por.v[j] == full.v[i],
				"%s: the reduction lost an outcome the full "
				"search reached (%zu outcomes in %llu "
				"executions against %zu in %llu)",
				sc->name, por.n, (unsigned long long)npor,
				full.n, (unsigned long long)nfull);
		}
		ck_assert_uint_le(npor, nfull);
		free(full.v);
		free(por.v);
		free(old.v);
		scen_free(sc);
		nscen++;
	}
	globfree(&g);
	ck_assert_int_ge(nscen, 26);
}
END_TEST

static Suite *dfs_suite(void)
{
	Suite *su = suite_create("dfs");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ops_complete);
	tcase_add_test(tc, test_independent_one_schedule);
	tcase_add_test(tc, test_adds_commute);
	tcase_add_test(tc, test_lost_update_bound);
	tcase_add_test(tc, test_every_order);
	tcase_add_test(tc, test_bounds_nest);
	tcase_add_test(tc, test_unbounded_once);
	suite_add_tcase(su, tc);
	tc = tcase_create("scenarios");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_scenarios_keep_outcomes);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(dfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
