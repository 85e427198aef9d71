/* SPDX-License-Identifier: MIT */
/*
 * bench/bench.c -- make bench: what lockstep's speed is made of (SPEC.md 9).
 *
 * Usage: bench [LOCKSTEP-BINARY [SECTION...]]   (from the top of the tree)
 * SECTION: 3 to 8, the sections to run after 1 and 2 (default: all).
 *
 * Five figures, each the best or the whole of a timed loop on
 * CLOCK_MONOTONIC.  Nothing here asserts on time: the program prints and
 * exits 0 (2 only when it cannot run at all).
 *
 *   1. Raw futex handoff.  Two pthreads pinned to one CPU ping-pong on two
 *      futex words (FUTEX_WAKE_PRIVATE the other's word, FUTEX_WAIT_PRIVATE
 *      on one's own), RAW_ROUNDS round trips, i.e. two handoffs each: the
 *      floor for any scheduler built on real threads.  Best of RUNS.
 *
 *   2. lockstep's handoff.  A struct sim of two threads, each passing
 *      SIM_POINTS named points (sim_point), scheduled by a strategy that
 *      always picks the other thread, so every point is a handoff through
 *      the whole scheduler (pick, strategy, decision log, futexes).
 *      Counted with sim_handoffs(); best of RUNS; then the ratio of the two
 *      rates (lockstep / raw; the target is 0.8 or more).  The runs of 1
 *      and 2 alternate on the CPU sim_create() pinned the caller to, so
 *      that a noisy neighbour hurts both alike.  Also the same points under
 *      a strategy that never switches: the scheduler's own cost per point.
 *
 *   3. Executions per second on each bundled scenario (scenarios/NAME.yaml),
 *      under PCT with the scenario's seed and depth and k measured as
 *      engine/explore.c does, for about EXEC_SECONDS each, with the event log
 *      on (as `lockstep run` does) and off; and the ratio to the
 *      handoff-bound limit (section 1's raw handoffs/s over the handoffs
 *      per execution: what an execution of nothing but handoffs would do).
 *
 *   4. Schedules and seconds to the first expected violation of each
 *      bundled scenario whose expect: lists some, under PCT and random with
 *      the scenario's seed and schedules budget, as bundled (a directed
 *      interleave: finds the race on the first schedule) and with the
 *      interleave removed (what the strategy finds on its own); for the
 *      latter also the spread over seeds 1..SEEDS.
 *
 *   5. `lockstep run -q` of every bundled scenario, end to end, with the
 *      binary given on the command line (process start, loading, set-up).
 *
 *   6. A campaign, `lockstep fuzz scenarios/`, with one job and with two:
 *      executions per second of each and the ratio (issue 5: 1.8 or more).
 *
 *   7. dfs within 3 preemptions on each two-thread scenario (undirected,
 *      every violation tolerated), with and without partial-order
 *      reduction, and with it re-running lower bounds as before:
 *      schedules and executions, the ratio, and whether all found the
 *      same violations; then every schedule (bound 15 raised from 0, old
 *      and new, and --depth 16 at once): executions per schedule.
 *
 *      With the interleave removed, also native threads (--strategy
 *      native, sim/native.c: the operating system picks who runs, as in a
 *      stress test) until the first violation or NATIVE_SECONDS, and the
 *      ratio of its seconds to PCT's (SPEC.md 9's third column).
 *
 *   8. Scaling: CPU us per execution of generated scenarios (2 threads x 4
 *      4 KiB writes and reads, a file of 4 pages, 1024 blocks), one
 *      parameter varied at a time: operations per thread 2..32, threads
 *      2..8, file pages 1..256, device blocks 64..65,536; with the fitted
 *      exponent (log-log least squares).  Process CPU time, not wall time:
 *      the scheduler pins the run to one CPU, which a neighbour may hold.
 *      About 20 s.
 *
 * The whole run takes a few minutes, 6. and 7. and the native column most
 * of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/exec.h"
#include "scenarios/scen.h"
#include "sim/sim.h"
#include "sim/strategy.h"

#define RUNS	      3
#define RAW_ROUNDS    500000 /* round trips: 2 handoffs each */
#define SIM_POINTS    500000 /* per thread: 2 * this handoffs */
#define EXEC_SECONDS  0.4
#define SCALE_SECONDS 0.3 /* per point of section 8 */
#define CLOCK_EVERY   64  /* executions between clock reads */
#define SEEDS	      32  /* seeds for the spread in section 4 */
#define SEED_SECONDS  4.0 /* budget for one such spread */
#define MAX_SCEN      64

extern char **environ;

/* now_ns -- internal: CLOCK_MONOTONIC in ns; figures only, never a decision. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ---- 1. Raw futex handoff ---------------------------------------------- */

struct raw {
	uint32_t word[2]; /* futex words: 1 = your turn */
	int cpu;
	long rounds;
	pthread_barrier_t ready;
	uint64_t ns; /* measured by side 0 */
};

struct raw_side {
	struct raw *r;
	int me;
};

/* raw_wait -- internal: sleep until our word is set, then consume it
 * (the same protocol as sim/sim.c's go_wait/go_wake). */
static void raw_wait(uint32_t *w)
{
	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == 0)
		syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	__atomic_store_n(w, 0, __ATOMIC_RELAXED);
}

static void raw_wake(uint32_t *w)
{
	/* Release: orders the waker's work before the woken side's reads. */
	__atomic_store_n(w, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *raw_main(void *arg)
{
	struct raw_side *sd = arg;
	struct raw *r = sd->r;
	int me = sd->me, other = !me;
	uint64_t t0 = 0;

	pin_to(r->cpu);
	pthread_barrier_wait(&r->ready);
	if (me == 0) {
		t0 = now_ns();
		for (long i = 0; i < r->rounds; i++) {
			raw_wake(&r->word[other]);
			raw_wait(&r->word[me]);
		}
		r->ns = now_ns() - t0;
	} else {
		for (long i = 0; i < r->rounds; i++) {
			raw_wait(&r->word[me]);
			raw_wake(&r->word[other]);
		}
	}
	return NULL;
}

/* raw_handoff -- internal: ns of 2 * rounds handoffs between two pinned
 * pthreads, or 0 if the threads cannot be made. */
static uint64_t raw_handoff(int cpu, long rounds)
{
	struct raw r = { .cpu = cpu, .rounds = rounds };
	struct raw_side sd[2] = { { &r, 0 }, { &r, 1 } };
	pthread_t pt[2];

	pthread_barrier_init(&r.ready, NULL, 2);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&pt[i], NULL, raw_main, &sd[i])) {
			fprintf(stderr, "bench: pthread_create failed\n");
			exit(2);
		}
	for (int i = 0; i < 2; i++)
		pthread_join(pt[i], NULL);
	pthread_barrier_destroy(&r.ready);
	return r.ns;
}

/* ---- 2. lockstep's handoff --------------------------------------------- */

/* The strategy "other": always the runnable thread that is not current. */
static int other_choose(struct sim_strategy *st, const struct sim_choice *c)
{
	uint32_t m = c->runnable;

	(void)st;
	if (c->current >= 0 && (m & ~(1u << c->current)))
		m &= ~(1u << c->current);
	return __builtin_ctz(m);
}

/* The strategy "self": the current thread keeps running (no handoff), to
 * measure what a scheduling point costs besides the futexes. */
static int self_choose(struct sim_strategy *st, const struct sim_choice *c)
{
	(void)st;
	if (c->current >= 0 && (c->runnable & (1u << c->current)))
		return c->current;
	return __builtin_ctz(c->runnable);
}

static void static_destroy(struct sim_strategy *st)
{
	(void)st;
}

static struct sim_strategy strategy_other = {
	.name = "other",
	.choose = other_choose,
	.destroy = static_destroy,
};

static struct sim_strategy strategy_self = {
	.name = "self",
	.choose = self_choose,
	.destroy = static_destroy,
};

static void points_main(struct sim *s, int tid, void *arg)
{
	long n = *(const long *)arg;

	(void)s;
	(void)tid;
	for (long i = 0; i < n; i++)
		sim_point("bench.p", "bench");
}

/* ---- Scenarios --------------------------------------------------------- */

struct bscen {
	char *path;
	struct scen *sc;
	uint32_t fixes;
	int nsteps; /* as bundled */
};

static int load_scenarios(struct bscen *b, int max)
{
	glob_t g;
	int n = 0;

	if (glob("scenarios/*.yaml", 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc && n < max; i++) {
		struct scen_error serr;
		char err[512];
		struct scen *sc = scen_load(g.gl_pathv[i], &exec_vocab, &serr);

		if (!sc) {
			fprintf(stderr, "%s:%d:%d: error: %s\n", serr.file,
				serr.pos.line, serr.pos.col, serr.msg);
			continue;
		}
		b[n].path = strdup(g.gl_pathv[i]);
		b[n].sc = sc;
		b[n].nsteps = sc->nsteps;
		if (exec_fixes_for(sc, NULL, NULL, &b[n].fixes, err,
				   sizeof(err)) < 0) {
			fprintf(stderr, "bench: %s: %s\n", b[n].path, err);
			scen_free(sc);
			free(b[n].path);
			continue;
		}
		n++;
	}
	globfree(&g);
	return n;
}

/* open_exec -- internal: an engine for b as it stands, and k for PCT (the
 * steps of the non-preemptive schedule, as engine/explore.c measures it). */
static struct exec *open_exec_opts(const struct bscen *b, bool log_events,
				   bool checkers, uint64_t *k)
{
	struct exec_options eo = { .pool = NULL,
				   .log_events = log_events,
				   .no_lockdep = !checkers,
				   .no_race = !checkers };
	struct exec *e;
	char err[512];

	e = exec_new(b->sc, b->fixes, &eo, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "bench: %s: %s\n", b->path, err);
		return NULL;
	}
	*k = exec_calibrate(e);
	return e;
}

static struct exec *open_exec(const struct bscen *b, bool log_events,
			      uint64_t *k)
{
	return open_exec_opts(b, log_events, true, k);
}

static struct sim_strategy *make_strategy(const struct scen *sc,
					  enum scen_strategy which,
					  uint64_t seed, uint64_t k)
{
	if (which == SCEN_STRAT_RANDOM)
		return sim_strategy_random(seed, sc->nthreads);
	return sim_strategy_pct(seed, sc->nthreads, sc->explore.depth, k);
}

/* ---- The sections ------------------------------------------------------ */

/* sim_run -- internal: one execution of the two point loops under st;
 * its ns, and the handoffs it made in *h. */
static uint64_t sim_run(struct sim *s, struct sim_strategy *st, int run,
			uint64_t *h)
{
	static long n = SIM_POINTS;
	void *args[2] = { &n, &n };
	uint64_t h0 = sim_handoffs(s), t0 = now_ns(), ns;
	enum sim_abort a;

	sim_set_exec_index(s, (uint64_t)run);
	a = sim_execute(s, points_main, args, st, NULL, 0);
	ns = now_ns() - t0;
	*h = sim_handoffs(s) - h0;
	if (a != SIM_OK)
		printf("   run %d aborted: %s\n", run, sim_abort_reason(s));
	return ns;
}

/*
 * bench_handoff -- internal: sections 1 and 2.  The raw and the lockstep
 * runs alternate, on the same CPU (the one sim_create pinned the caller
 * to), so that a noisy neighbour hurts both alike; best of RUNS each.
 * Returns lockstep's best rate (handoffs/s).
 */
static double bench_handoff(double *raw_rate)
{
	struct sim_options so = { .cpu = -1,
				  .max_steps = 1u << 24,
				  .log_events = false };
	uint64_t raw_ns[RUNS], sim_ns[RUNS], sim_h[RUNS], self_ns = 0;
	double raw_best = 0, sim_best = 0, h = 2.0 * RAW_ROUNDS;
	struct sim *s = sim_create(2, &so);
	int cpu = sched_getcpu();

	if (!s) {
		fprintf(stderr, "bench: sim_create failed\n");
		exit(2);
	}
	for (int run = 0; run < RUNS; run++) {
		raw_ns[run] = raw_handoff(cpu, RAW_ROUNDS);
		sim_ns[run] = sim_run(s, &strategy_other, run, &sim_h[run]);
	}
	/* The same points with no handoff: the scheduler's own share. */
	for (int run = 0; run < RUNS; run++) {
		uint64_t hs, ns = sim_run(s, &strategy_self, run, &hs);

		if (!self_ns || ns < self_ns)
			self_ns = ns;
	}
	sim_destroy(s);

	printf("1. Raw futex handoff: two pthreads pinned to CPU %d, "
	       "%d round trips (%d handoffs) per run\n\n",
	       cpu, RAW_ROUNDS, 2 * RAW_ROUNDS);
	printf("   %-5s %12s %14s %12s\n", "run", "time (s)", "handoffs/s",
	       "ns/handoff");
	for (int run = 0; run < RUNS; run++) {
		double rate = h / secs(raw_ns[run]);

		printf("   %-5d %12.3f %14.0f %12.0f\n", run + 1,
		       secs(raw_ns[run]), rate, (double)raw_ns[run] / h);
		if (rate > raw_best)
			raw_best = rate;
	}
	printf("   %-5s %12s %14.0f %12.0f\n\n", "best", "", raw_best,
	       1e9 / raw_best);

	printf("2. lockstep's handoff: struct sim of 2 threads on CPU %d, "
	       "%d sim_point()s each,\n   strategy 'other' (every point is a "
	       "handoff), no event log; runs alternate with 1.\n\n",
	       cpu, SIM_POINTS);
	printf("   %-5s %12s %10s %14s %12s\n", "run", "time (s)", "handoffs",
	       "handoffs/s", "ns/handoff");
	for (int run = 0; run < RUNS; run++) {
		double rate = (double)sim_h[run] / secs(sim_ns[run]);

		printf("   %-5d %12.3f %10llu %14.0f %12.0f\n", run + 1,
		       secs(sim_ns[run]), (unsigned long long)sim_h[run], rate,
		       (double)sim_ns[run] / (double)sim_h[run]);
		if (rate > sim_best)
			sim_best = rate;
	}
	printf("   %-5s %12s %10s %14.0f %12.0f\n\n", "best", "", "", sim_best,
	       1e9 / sim_best);
	printf("   the same %d points with strategy 'self' (no handoff): "
	       "%.1f ns per point:\n   the scheduler's own cost in each "
	       "handoff (pick, choose, decision log)\n\n",
	       2 * SIM_POINTS, (double)self_ns / (2.0 * SIM_POINTS));
	printf("   ratio lockstep / raw (handoff rate): %.2f   (target >= 0.80)"
	       "\n\n",
	       sim_best / raw_best);
	*raw_rate = raw_best;
	return sim_best;
}

static void bench_exec(struct bscen *b, int n, double sim_rate, double raw_rate)
{
	printf("3. Executions per second, PCT (scenario seed and depth, k "
	       "measured), ~%.1f s each\n\n",
	       EXEC_SECONDS);
	printf("   %-26s %-8s %4s %9s %10s %9s %10s %9s %8s %10s %6s\n",
	       "scenario", "log/chk", "k", "execs", "execs/s", "us/exec",
	       "steps/exec", "hoffs/ex", "hoff %", "limit/s", "ratio");
	for (int i = 0; i < n; i++) {
		/* event log and checkers on (what lockstep run does), the
		 * log off, the lock-order and data-race checkers off */
		static const bool mode[3][2] = { { 1, 1 }, { 0, 1 }, { 1, 0 } };

		for (int m = 0; m < 3; m++) {
			bool logev = mode[m][0], chk = mode[m][1];
			struct sim_strategy *st;
			uint64_t k, steps = 0, execs = 0, t0, ns, h0, hoffs;
			struct exec *e = open_exec_opts(&b[i], logev, chk, &k);
			double hoff_pct, limit;

			if (!e)
				break;
			st = make_strategy(b[i].sc, SCEN_STRAT_PCT,
					   b[i].sc->explore.seed, k);
			h0 = sim_handoffs(exec_sim(e));
			t0 = now_ns();
			for (;;) {
				steps += exec_run(e, st, execs)->steps;
				execs++;
				if (execs % CLOCK_EVERY == 0 &&
				    now_ns() - t0 >= EXEC_SECONDS * 1e9)
					break;
			}
			ns = now_ns() - t0;
			hoffs = sim_handoffs(exec_sim(e)) - h0;
			/* The share of the time spent in handoffs, at the
			 * rate section 2 measured. */
			hoff_pct = 100.0 * (double)hoffs / sim_rate / secs(ns);
			/* The handoff-bound limit: executions/s if an
			 * execution were nothing but its handoffs at
			 * section 1's raw rate. */
			limit = raw_rate * (double)execs / (double)hoffs;
			printf("   %-26.26s %-8s %4llu %9llu %10.0f %9.1f %10.1f "
			       "%9.1f %7.0f%% %10.0f %6.2f\n",
			       b[i].sc->name,
			       m == 0	      ? "on/on" :
				       m == 1 ? "off/on" :
						"on/off",
			       (unsigned long long)k, (unsigned long long)execs,
			       (double)execs / secs(ns),
			       (double)ns / 1e3 / (double)execs,
			       (double)steps / (double)execs,
			       (double)hoffs / (double)execs, hoff_pct, limit,
			       (double)execs / secs(ns) / limit);
			sim_strategy_destroy(st);
			exec_free(e);
		}
	}
	printf("\n   log/chk: the event log, and the lock-order and data-race "
	       "checkers, on or off.\n   hoffs/ex: handoffs per execution "
	       "(explorer <-> threads included); hoff %%: their\n   share of "
	       "the time at section 2's rate.  limit/s: the handoff-bound "
	       "limit,\n   section 1's raw handoffs/s over hoffs/ex; ratio: "
	       "execs/s over it.\n\n");
}

/* ---- Scaling ------------------------------------------------------------- */

/* scale_text -- internal: a generated scenario of nthreads threads, each
 * nops operations (a 4 KiB write then a read of it, alternating, over the
 * file's pages in turn), one file of npages pages on a device of nblocks
 * 4 KiB blocks; clean at v5.15, so no execution stops early. */
static int scale_text(char *buf, size_t len, int nthreads, int nops, int npages,
		      int nblocks)
{
	int o = snprintf(buf, len,
			 "lockstep: 1\nname: scale\nkernel: v5.15\n"
			 "storage:\n  block_size: 4096\n  blocks: %d\n"
			 "files:\n  - name: a\n    size: %d\nthreads:\n",
			 nblocks, npages * 4096);

	for (int t = 0; t < nthreads; t++) {
		o += snprintf(buf + o, len - (size_t)o,
			      "  - name: t%d\n    ops:\n", t);
		for (int i = 0; i < nops; i++) {
			int page = (t + nthreads * (i / 2)) % npages;

			o += snprintf(buf + o, len - (size_t)o,
				      "      - %s: {file: a, offset: %d, len: "
				      "4096}\n",
				      i % 2 ? "read" : "write", page * 4096);
		}
	}
	o += snprintf(
		buf + o, len - (size_t)o,
		"check: [stale-read, lost-write, lost-block, lock-order, "
		"deadlock, data-race]\nexplore: {strategy: pct, depth: 3, "
		"schedules: 1000, seed: 1}\nexpect:\n  violations: []\n");
	return o;
}

/* cpu_ns -- internal: the process's CPU time (all its threads, user and
 * system): on a shared machine, what the work cost, without the time a
 * neighbour held the CPU the scheduler pinned us to. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* scale_point -- internal: CPU us per execution of one generated scenario
 * under PCT, over about SCALE_SECONDS of CPU time (at most three times
 * that of wall time); < 0 if it cannot run. */
static double scale_point(int nthreads, int nops, int npages, int nblocks)
{
	static char text[64 * 1024];
	struct bscen b = { .path = "scale" };
	struct scen_error serr;
	struct sim_strategy *st;
	struct exec *e;
	uint64_t k, execs = 0, t0, c0, ns;
	char err[256];
	int len =
		scale_text(text, sizeof(text), nthreads, nops, npages, nblocks);

	b.sc = scen_load_text("scale", text, (size_t)len, &exec_vocab, &serr);
	if (!b.sc) {
		printf("   (generated scenario: %d:%d: %s)\n", serr.pos.line,
		       serr.pos.col, serr.msg);
		return -1;
	}
	if (exec_fixes_for(b.sc, NULL, NULL, &b.fixes, err, sizeof(err)) < 0 ||
	    !(e = open_exec(&b, true, &k))) {
		scen_free(b.sc);
		return -1;
	}
	st = make_strategy(b.sc, SCEN_STRAT_PCT, 1, k);
	t0 = now_ns();
	c0 = cpu_ns();
	do {
		exec_run(e, st, execs++);
	} while (execs % 16 ||
		 (cpu_ns() - c0 < SCALE_SECONDS * 1e9 &&
		  now_ns() - t0 < 3 * SCALE_SECONDS * 1e9));
	ns = cpu_ns() - c0;
	sim_strategy_destroy(st);
	exec_free(e);
	scen_free(b.sc);
	return (double)ns / 1e3 / (double)execs;
}

/* fit_exponent -- internal: the slope of log(y) over log(x), least
 * squares: y ~ x^slope. */
static double fit_exponent(const double *x, const double *y, int n)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;

	for (int i = 0; i < n; i++) {
		double lx = log(x[i]), ly = log(y[i]);

		sx += lx;
		sy += ly;
		sxx += lx * lx;
		sxy += lx * ly;
	}
	return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/*
 * bench_scale -- internal: how an execution's cost grows with what it
 * does and with the sizes it does not touch.  One parameter varies at a
 * time from a base of 2 threads x 4 operations, 4 pages, 256 blocks.
 */
static void bench_scale(void)
{
	static const struct {
		const char *name;
		int v[5];
	} axis[4] = {
		{ "operations per thread", { 2, 4, 8, 16, 32 } },
		{ "threads", { 2, 3, 4, 6, 8 } },
		{ "file pages", { 1, 4, 16, 64, 256 } },
		{ "device blocks", { 64, 512, 4096, 32768, 65536 } },
	};
	uint64_t t0 = now_ns();

	printf("8. Scaling: CPU us per execution (process CPU time: PCT depth "
	       "3, event log and\n   checkers on, ~%.2f s each) over one parameter at a time, "
	       "from 2 threads x 4 operations (4 KiB writes and\n   reads), "
	       "a file of 4 pages, 1024 blocks of 4 KiB; exponent: the "
	       "log-log\n   least-squares slope (1: linear, 0: flat)\n\n",
	       SCALE_SECONDS);
	for (int a = 0; a < 4; a++) {
		double x[5], y[5];
		int n = 0;

		printf("   %-22s", axis[a].name);
		for (int i = 0; i < 5; i++) {
			int v = axis[a].v[i];
			double us = scale_point(a == 1 ? v : 2, a == 0 ? v : 4,
						a == 2 ? v : 4,
						a == 3 ? v : 1024);

			if (us < 0) {
				printf(" %6d:   -   ", v);
				continue;
			}
			printf(" %6d:%6.1f", v, us);
			x[n] = v;
			y[n++] = us;
		}
		if (n >= 2)
			printf("   exponent %5.2f", fit_exponent(x, y, n));
		printf("\n");
	}
	printf("\n   (%.1f s)\n\n", secs(now_ns() - t0));
}

/* first_violation -- internal: run e under st from execution 0 until an
 * execution finds one of want, at most budget; index of that execution or
 * -1, and the seconds it took in *s. */
static int64_t first_violation(struct exec *e, struct sim_strategy *st,
			       uint32_t want, uint64_t budget, double *s)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < budget; i++) {
		if (exec_run(e, st, i)->kinds & want) {
			*s = secs(now_ns() - t0);
			return (int64_t)i;
		}
	}
	*s = secs(now_ns() - t0);
	return -1;
}

/* native_first -- internal: section 4's third column: e under native
 * threads (sim/native.c) until an execution finds one of want or
 * NATIVE_SECONDS pass; prints the row, with the ratio of its seconds to
 * PCT's (pct_s < 0: PCT found none). */
#define NATIVE_SECONDS 10.0
static void native_first(struct exec *e, const struct scen *sc, uint64_t k,
			 double pct_s)
{
	struct sim_strategy *st = sim_strategy_native();
	uint64_t t0 = now_ns(), i;
	double s = 0;
	bool found = false;

	for (i = 0; st; i++) {
		if (exec_run(e, st, i)->kinds & sc->expect) {
			found = true;
			break;
		}
		s = secs(now_ns() - t0);
		if (s > NATIVE_SECONDS)
			break;
	}
	s = secs(now_ns() - t0);
	sim_strategy_destroy(st);
	if (!found) {
		printf("   %-26.26s %-7s %-11s %5llu %7s %10s %10.4f  (not found "
		       "in %.0f s: %llu executions)\n",
		       sc->name, "native", "removed", (unsigned long long)k,
		       "-", "-", s, NATIVE_SECONDS, (unsigned long long)i);
		return;
	}
	printf("   %-26.26s %-7s %-11s %5llu %7llu %10llu %10.4f", sc->name,
	       "native", "removed", (unsigned long long)k,
	       (unsigned long long)i, (unsigned long long)i + 1, s);
	if (pct_s > 0)
		printf("  (%.1fx PCT's seconds)", s / pct_s);
	printf("\n");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* seed_spread -- internal: schedules to the first violation over seeds
 * 1..SEEDS (within SEED_SECONDS), printed as found/tried, median, mean, max. */
static void seed_spread(struct exec *e, const struct bscen *b,
			enum scen_strategy which, uint64_t k)
{
	uint64_t at[SEEDS], t0 = now_ns(), sum = 0;
	int tried = 0, found = 0;

	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct sim_strategy *st = make_strategy(b->sc, which, seed, k);
		double s;
		int64_t i = first_violation(e, st, b->sc->expect,
					    b->sc->explore.schedules, &s);

		sim_strategy_destroy(st);
		tried++;
		if (i >= 0) {
			at[found++] = (uint64_t)i + 1;
			sum += (uint64_t)i + 1;
		}
		if (secs(now_ns() - t0) > SEED_SECONDS)
			break;
	}
	if (!found) {
		printf("   %-26s %-7s seeds 1..%d: none found\n", "", "",
		       tried);
		return;
	}
	qsort(at, (size_t)found, sizeof(at[0]), cmp_u64);
	printf("   %-26s %-7s seeds 1..%d: found %d/%d, schedules median %llu, "
	       "mean %.1f, max %llu\n",
	       "", "", tried, found, tried, (unsigned long long)at[found / 2],
	       (double)sum / found, (unsigned long long)at[found - 1]);
}

static void bench_first(struct bscen *b, int n)
{
	static const enum scen_strategy strat[] = { SCEN_STRAT_PCT,
						    SCEN_STRAT_RANDOM };

	printf("4. First expected violation (scenario seed, up to its "
	       "schedules budget, event log on)\n\n");
	printf("   %-26s %-7s %-11s %5s %7s %10s %10s\n", "scenario", "strat",
	       "interleave", "k", "index", "schedules", "seconds");
	for (int i = 0; i < n; i++) {
		struct scen *sc = b[i].sc;

		if (!sc->expect) {
			printf("   %-26.26s (expects no violation: skipped)\n",
			       sc->name);
			continue;
		}
		for (int v = 0; v < 2; v++) {
			/* v = 1: the same scenario with interleave: removed. */
			double pct_s = -1;

			sc->nsteps = v ? 0 : b[i].nsteps;
			if (v && !b[i].nsteps)
				break;
			for (size_t j = 0; j < sizeof(strat) / sizeof(strat[0]);
			     j++) {
				uint64_t k;
				struct exec *e = open_exec(&b[i], true, &k);
				struct sim_strategy *st;
				int64_t at;
				double s;

				if (!e)
					continue;
				st = make_strategy(sc, strat[j],
						   sc->explore.seed, k);
				at = first_violation(e, st, sc->expect,
						     sc->explore.schedules, &s);
				sim_strategy_destroy(st);
				if (at >= 0 && strat[j] == SCEN_STRAT_PCT)
					pct_s = s;
				if (at >= 0)
					printf("   %-26.26s %-7s %-11s %5llu %7lld "
					       "%10lld %10.4f\n",
					       sc->name,
					       scen_strategy_names[strat[j]],
					       v ? "removed" : "as bundled",
					       (unsigned long long)k,
					       (long long)at, (long long)at + 1,
					       s);
				else
					printf("   %-26.26s %-7s %-11s %5llu %7s "
					       "%10s %10.4f  (none in %llu)\n",
					       sc->name,
					       scen_strategy_names[strat[j]],
					       v ? "removed" : "as bundled",
					       (unsigned long long)k, "-", "-",
					       s,
					       (unsigned long long)
						       sc->explore.schedules);
				if (v)
					seed_spread(e, &b[i], strat[j], k);
				exec_free(e);
			}
			if (v) {
				/* The third column (SPEC.md 9): the same code
				 * on real threads, the kernel choosing. */
				uint64_t k;
				struct exec *e = open_exec(&b[i], true, &k);

				if (e) {
					native_first(e, sc, k, pct_s);
					exec_free(e);
				}
			}
		}
		sc->nsteps = b[i].nsteps;
	}
	printf("\n   index: the first execution (from 0) whose findings include "
	       "an expected kind;\n   schedules = index + 1, as `lockstep run "
	       "--summary` counts; seconds exclude set-up.\n   native: real "
	       "threads on every CPU, the operating system choosing who runs "
	       "(a stress\n   test, not seeded: differs from run to run), at most "
	       "%.0f s per scenario.\n\n",
	       NATIVE_SECONDS);
}

/* rm_dir -- internal: best effort, the traces a run left, then the dir. */
static void rm_dir(const char *dir)
{
	char pat[512];
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/*", dir);
	if (!glob(pat, 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	rmdir(dir);
}

static void bench_cli(const char *bin, struct bscen *b, int n)
{
	char out[] = "/tmp/lockstep-bench-XXXXXX";
	char *argv[4 + MAX_SCEN + 1];
	posix_spawn_file_actions_t fa;
	uint64_t t0, ns;
	pid_t pid;
	int argc = 0, status = 0, rc;

	if (!mkdtemp(out)) {
		printf("5. end to end: skipped (mkdtemp: %s)\n",
		       strerror(errno));
		return;
	}
	argv[argc++] = (char *)bin;
	argv[argc++] = "run";
	argv[argc++] = "-q";
	argv[argc++] = "--out";
	argv[argc++] = out;
	for (int i = 0; i < n; i++)
		argv[argc++] = b[i].path;
	argv[argc] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	t0 = now_ns();
	rc = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
	if (rc == 0)
		waitpid(pid, &status, 0);
	ns = now_ns() - t0;
	posix_spawn_file_actions_destroy(&fa);
	printf("5. End to end: %s run -q (every bundled scenario, its own "
	       "budget)\n\n",
	       bin);
	if (rc)
		printf("   cannot run %s: %s\n\n", bin, strerror(rc));
	else
		printf("   %.3f s, exit %d\n\n", secs(ns),
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	rm_dir(out);
}

/* ---- 6. and 7.: campaigns and the systematic search ------------------- */

/* spawn_out -- internal: run argv with stdout to 'out' (stderr too when
 * 'both'); its exit status, or -1. */
static int spawn_out(char *const argv[], const char *out, bool both)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out,
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, both ? out : "/dev/null",
					 O_WRONLY | O_APPEND, 0644);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -1;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* grab_found -- internal: what the first "PASS|FAIL NAME: " line of file
 * 'path' says was found ("stale-read found as expected", "clean in N
 * schedules..."), up to " found" or " in ", into buf. */
static void grab_found(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	snprintf(buf, len, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, ": "), *end;

		if (strncmp(line, "PASS ", 5) && strncmp(line, "FAIL ", 5))
			continue;
		if (!p)
			break;
		p += 2;
		end = strstr(p, " found");
		if (!end)
			end = strstr(p, " in ");
		if (end)
			*end = 0;
		snprintf(buf, len, "%s", p);
		break;
	}
	fclose(f);
}

/* grab -- internal: the number after 'key' in file 'path', or -1. */
static double grab(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	double v = -1;

	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, key);

		if (p)
			v = strtod(p + strlen(key), NULL);
	}
	fclose(f);
	return v;
}

/*
 * bench_campaign -- 6: `lockstep fuzz scenarios/ --time CAMP_SECONDS` with
 * one job and with two (or as many as there are CPUs), from the campaign's
 * own results.json: the executions per second of each, and their ratio
 * (the target for two jobs on two CPUs is 1.8 or more).
 */
#define CAMP_SECONDS "6s"
static void bench_campaign(const char *bin)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char dir[] = "/tmp/lockstep-bench-XXXXXX", out[600], json[700],
	     jobs[16];
	char *argv[] = { (char *)bin,  "fuzz",	 "scenarios/", "--time",
			 CAMP_SECONDS, "--jobs", jobs,	       "--out",
			 out,	       "-q",	 NULL };
	double rate[2] = { -1, -1 };

	printf("6. Campaign: %s fuzz scenarios/ --time %s, executions per "
	       "second (results.json)\n\n",
	       bin, CAMP_SECONDS);
	{
		/* The benches above pinned this thread (sim_create pins its
		 * caller); the campaign must be free to use every CPU, and
		 * inherits our mask. */
		cpu_set_t all;

		CPU_ZERO(&all);
		for (long c = 0; c < ncpu && c < CPU_SETSIZE; c++)
			CPU_SET((int)c, &all);
		(void)sched_setaffinity(0, sizeof(all), &all);
	}
	if (!mkdtemp(dir)) {
		printf("   skipped (mkdtemp: %s)\n\n", strerror(errno));
		return;
	}
	for (int i = 0; i < 2; i++) {
		long j = i == 0 ? 1 : ncpu < 2 ? 2 : ncpu > 8 ? 8 : ncpu;

		snprintf(jobs, sizeof(jobs), "%ld", j);
		snprintf(out, sizeof(out), "%s/jobs%ld", dir, j);
		snprintf(json, sizeof(json), "%s/results.json", out);
		spawn_out(argv, "/dev/null", false);
		rate[i] = grab(json, "\"executions_per_second\": ");
		printf("   --jobs %ld: %10.0f executions/s\n", j, rate[i]);
	}
	if (rate[0] > 0 && rate[1] > 0)
		printf("   ratio %.2f (target >= 1.8 for 2 jobs on 2 CPUs)\n",
		       rate[1] / rate[0]);
	printf("\n");
	{
		char *rm[] = { "/bin/rm", "-rf", dir, NULL };

		spawn_out(rm, "/dev/null", false);
	}
}

/* undirected -- internal: a copy of a scenario without its interleave:
 * and with every violation tolerated, so dfs explores all of it. */
static bool undirected(const char *from, const char *to)
{
	FILE *in = fopen(from, "r"), *out;
	char line[1024];
	bool skip = false;

	if (!in)
		return false;
	out = fopen(to, "w");
	if (!out) {
		fclose(in);
		return false;
	}
	while (fgets(line, sizeof(line), in)) {
		if (line[0] != ' ' && line[0] != '-' && line[0] != '\n')
			skip = !strncmp(line, "interleave:", 11) ||
				!strncmp(line, "expect:", 7);
		if (!skip)
			fputs(line, out);
	}
	fputs("expect:\n  tolerate: [stale-read, lost-write, lost-block, "
	      "lock-order, deadlock, data-race, crash, op-result]\n",
	      out);
	fclose(in);
	return fclose(out) == 0;
}

/* dfs_run -- internal: one `lockstep run --strategy dfs` of 'path' within
 * 'depth' (with the reduction or not, re-running lower bounds or not, at
 * most 'cap' executions): schedules and executions it printed (-1 when it
 * did not end), and what it found. */
static void dfs_run(const char *bin, const char *path, const char *depth,
		    bool por, bool rerun, const char *cap, const char *log,
		    const char *out, double *sch, double *ex, char *found,
		    size_t len)
{
	char *argv[] = { (char *)bin,
			 "run",
			 "-q",
			 "--strategy",
			 "dfs",
			 "--depth",
			 (char *)depth,
			 "--schedules",
			 (char *)cap,
			 "--out",
			 (char *)out,
			 por ? (char *)path : "--no-por",
			 por ? NULL : (char *)path,
			 NULL };

	if (rerun)
		setenv("LOCKSTEP_DFS_RERUN", "1", 1);
	spawn_out(argv, log, true);
	unsetenv("LOCKSTEP_DFS_RERUN");
	*sch = grab(log, "explored all ");
	*ex = *sch >= 0 ? grab(log, "(") : -1;
	grab_found(log, found, len);
}

/*
 * bench_dfs -- 7: schedules dfs explores within DFS_BOUND preemptions on
 * each bundled two-thread scenario, with partial-order reduction and
 * without (--no-por), and with the reduction re-running every lower bound
 * as the search did before it skipped completed subtrees
 * (LOCKSTEP_DFS_RERUN=1); then every schedule (DFS_ALL, capped): the old
 * search raising the bound to 15, the new one raising it, and the new
 * one starting at 16.  Each scenario is run undirected (its interleave:
 * removed) with every violation tolerated, so that the search runs to its
 * end rather than to the first violation; capped at DFS_CAP executions.
 */
#define DFS_BOUND "3"
#define DFS_CAP	  "30000"
static void bench_dfs(const char *bin, struct bscen *b, int n)
{
	char dir[] = "/tmp/lockstep-bench-XXXXXX", path[600], log[600],
	     out[600];
	double tpor = 0, tfull = 0, tex[3] = { 0 }, tsch[3] = { 0 };
	int nall = 0;

	printf("7. dfs within %s preemptions, two-thread scenarios undirected: "
	       "schedules (executions)\n\n   %-30s %17s %17s %17s\n",
	       DFS_BOUND, "", "reduction", "red., re-run", "none");
	if (!mkdtemp(dir)) {
		printf("   skipped (mkdtemp: %s)\n\n", strerror(errno));
		return;
	}
	snprintf(log, sizeof(log), "%s/log", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	for (int i = 0; i < n; i++) {
		double sch[3], ex[3];
		char found[3][160];

		if (b[i].sc->nthreads != 2)
			continue;
		snprintf(path, sizeof(path), "%s/%s.yaml", dir, b[i].sc->name);
		if (!undirected(b[i].path, path))
			continue;
		/* 0: reduction; 1: reduction, re-running; 2: none */
		for (int m = 0; m < 3; m++)
			dfs_run(bin, path, DFS_BOUND, m < 2, m == 1, DFS_CAP,
				log, out, &sch[m], &ex[m], found[m],
				sizeof(found[m]));
		printf("   %-30.30s %8.0f (%6.0f) %8.0f (%6.0f) %8.0f (%6.0f)",
		       b[i].sc->name, sch[0], ex[0], sch[1], ex[1], sch[2],
		       ex[2]);
		if (sch[0] > 0 && sch[2] > 0) {
			printf("  %5.1fx", sch[2] / sch[0]);
			tpor += sch[0];
			tfull += sch[2];
		} else {
			printf("  (cut at %s executions)", DFS_CAP);
		}
		/* The reduction must find what the full search finds. */
		if (strcmp(found[0], found[2]) || strcmp(found[1], found[2]))
			printf("  FOUND DIFFERS: %s / %s / %s", found[0],
			       found[1], found[2]);
		printf("\n");
	}
	if (tpor > 0)
		printf("   total %.0f / %.0f schedules: %.1fx fewer with the "
		       "reduction\n",
		       tpor, tfull, tfull / tpor);
	printf("   (two steps commute unless they touch one element -- a "
	       "lock, a field, a\n    page cache slot, a block map entry, a "
	       "device block, a page table entry,\n    a file's history -- "
	       "one of them writing it; tests/test_dfs.c checks the\n    "
	       "reduction reaches every outcome the full search does)\n\n");

	printf("   every schedule, with the reduction, at most %s executions: "
	       "schedules (executions)\n\n   %-30s %17s %17s %17s\n",
	       DFS_CAP, "", "old, 0..15", "new, 0..15", "new, --depth 16");
	for (int i = 0; i < n; i++) {
		double sch[3], ex[3];
		char found[3][160];
		static const char *const depth[3] = { "15", "15", "16" };

		if (b[i].sc->nthreads != 2)
			continue;
		snprintf(path, sizeof(path), "%s/%s.yaml", dir, b[i].sc->name);
		if (!undirected(b[i].path, path))
			continue;
		for (int m = 0; m < 3; m++)
			dfs_run(bin, path, depth[m], true, m == 0, DFS_CAP, log,
				out, &sch[m], &ex[m], found[m],
				sizeof(found[m]));
		printf("   %-30.30s", b[i].sc->name);
		for (int m = 0; m < 3; m++) {
			if (sch[m] < 0)
				printf(" %17s", "(cut)");
			else
				printf(" %8.0f (%6.0f)", sch[m], ex[m]);
		}
		if (sch[0] > 0 && sch[2] > 0) {
			printf("  %5.1f -> %.1f exec/schedule", ex[0] / sch[2],
			       ex[2] / sch[2]);
			for (int m = 0; m < 3; m++) {
				tsch[m] += sch[m];
				tex[m] += ex[m];
			}
			nall++;
		}
		printf("\n");
	}
	if (nall)
		printf("   total over the %d that end in all three: %.0f, %.0f, "
		       "%.0f executions for %.0f schedules\n",
		       nall, tex[0], tex[1], tex[2], tsch[2]);
	printf("   (old: every bound re-runs the ones below it; new, 0..15: "
	       "a subtree a lower\n    bound completed is not run again, "
	       "and counts the schedules it ran there;\n    --depth 16: one "
	       "search at the largest bound, each schedule run once)\n\n");
	{
		char *rm[] = { "/bin/rm", "-rf", dir, NULL };

		spawn_out(rm, "/dev/null", false);
	}
}

/* want -- internal: is section 'sec' asked for (all when none is)? */
static bool want(int argc, char **argv, const char *sec)
{
	if (argc <= 2)
		return true;
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], sec))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct bscen b[MAX_SCEN];
	const char *bin = argc > 1 ? argv[1] : "./lockstep";
	double sim, raw;
	int n;
	uint64_t t0 = now_ns();

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("lockstep bench: %ld CPUs online, CLOCK_MONOTONIC, best of %d "
	       "where repeated\n\n",
	       sysconf(_SC_NPROCESSORS_ONLN), RUNS);
	sim = bench_handoff(&raw);
	n = load_scenarios(b, MAX_SCEN);
	if (!n)
		printf("3./4. no bundled scenario under scenarios/ (run from "
		       "the top of the tree)\n\n");
	if (want(argc, argv, "3"))
		bench_exec(b, n, sim, raw);
	if (want(argc, argv, "4"))
		bench_first(b, n);
	if (want(argc, argv, "5"))
		bench_cli(bin, b, n);
	if (want(argc, argv, "6"))
		bench_campaign(bin);
	if (want(argc, argv, "7"))
		bench_dfs(bin, b, n);
	if (want(argc, argv, "8"))
		bench_scale();
	for (int i = 0; i < n; i++) {
		scen_free(b[i].sc);
		free(b[i].path);
	}
	printf("total %.1f s\n", secs(now_ns() - t0));
	return 0;
}
