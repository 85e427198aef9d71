/* SPDX-License-Identifier: MIT */
/*
 * tests/test_lockdep.c -- Check suite for the checkers that observe sim/: the
 * dependency graph (checkers/lockdep.c), the deadlock report (sim/sim.c) and
 * the data-race checker (checkers/race.c).
 *
 * Each test is a small lock program: up to four threads, each a list of
 * instructions (take, drop, get, put, wait, access) over a few locks,
 * references and fields, run on a struct sim with a fixed strategy.  The
 * cycles must be reported, from schedules that did not deadlock where the
 * point is that lockdep-style checking does not need the deadlock to
 * happen; the non-cycles must not, over many random schedules: a false
 * report is a defect too.
 *
 * Lock classes here have rank 0, so the documented-order check of
 * checkers/lockdep.c (core/lockorder.h) stays out of the way.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkers/checkers.h"
#include "sim/sim.h"
#include "sim/strategy.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXL	 8

/* The checkers of the test's sim (new_sim), for the RAW_ hooks; rc is
 * NULL with LOCKSTEP_NO_RACE=1. */
static struct lockdep *ld;
static struct race *rc;

/* ---- The lock programs --------------------------------------------------- */

enum op {
	END,
	DOWN_W,
	DOWN_R,
	NESTED,
	UP_W,
	UP_R, /* rw_semaphore */
	LOCK,
	UNLOCK, /* mutex */
	TRY_LOCK,
	TRY_R,
	UNTRY, /* UNTRY: drop if held */
	GET,
	PUT,
	WAIT_ZERO, /* references */
	VREAD,
	VWRITE, /* fields */
	SET_FLAG,
	WAKE,
	WAIT_FLAG, /* the wait queue */
	RAW_ACQ,
	RAW_REL, /* hooks only (arg: mode) */
};

struct insn {
	enum op op;
	int i;	 /* lock, reference or field */
	int arg; /* subclass, or raw mode */
	const char *fn;
};

struct lockspec {
	const struct sim_lock_class *cls;
	enum sim_lock_kind kind;
	const char *inst;
};

struct prog {
	int nthreads;
	struct lockspec locks[MAXL];
	const char *refs[4];
	int setup_refs[4]; /* taken before the threads run */
	const char *vars[4];
	const struct insn *t[4];
};

struct world {
	struct sim_lock l[MAXL];
	struct sim_ref r[4];
	struct sim_var v[4];
	struct sim_waitq wq;
	bool flag;
};

struct run {
	struct world *w;
	const struct prog *p;
	int tid;
	uint32_t tried; /* trylocks that succeeded */
};

static bool flag_set(void *arg)
{
	return ((struct world *)arg)->flag;
}

static void interpret(struct sim *s, int tid, void *arg)
{
	struct run *r = arg;
	struct world *w = r->w;

	(void)tid;
	for (const struct insn *in = r->p->t[r->tid]; in->op != END; in++) {
		struct sim_lock *l = &w->l[in->i];

		switch (in->op) {
		case DOWN_W:
			sim_down_write(l, in->fn);
			break;
		case DOWN_R:
			sim_down_read(l, in->fn);
			break;
		case NESTED:
			sim_down_write_nested(l, in->arg, in->fn);
			break;
		case UP_W:
			sim_up_write(l, in->fn);
			break;
		case UP_R:
			sim_up_read(l, in->fn);
			break;
		case LOCK:
			sim_mutex_lock(l, in->fn);
			break;
		case UNLOCK:
			sim_mutex_unlock(l, in->fn);
			break;
		case TRY_LOCK:
			if (sim_mutex_trylock(l, in->fn))
				r->tried |= 1u << in->i;
			break;
		case TRY_R:
			if (sim_down_read_trylock(l, in->fn))
				r->tried |= 1u << in->i;
			break;
		case UNTRY:
			if (r->tried & (1u << in->i)) {
				if (l->kind == SIM_MUTEX)
					sim_mutex_unlock(l, in->fn);
				else
					sim_up_read(l, in->fn);
			}
			r->tried &= ~(1u << in->i);
			break;
		case GET:
			sim_ref_get(&w->r[in->i], in->fn);
			break;
		case PUT:
			sim_ref_put(&w->r[in->i], in->fn);
			break;
		case WAIT_ZERO:
			sim_ref_wait_zero(&w->r[in->i], in->fn);
			break;
		case VREAD:
			sim_var_read(&w->v[in->i], in->fn);
			break;
		case VWRITE:
			sim_var_write(&w->v[in->i], in->fn);
			break;
		case SET_FLAG:
			w->flag = true;
			break;
		case WAKE:
			sim_wake_all(&w->wq);
			break;
		case WAIT_FLAG:
			sim_wait_event(&w->wq, flag_set, w, in->fn);
			break;
		case RAW_ACQ:
			sim_point("raw", in->fn);
			lockdep_observer.acquire(ld, s, sim_tid(), l, in->arg,
						 0, in->fn);
			sim_hold_raw(s, sim_tid(), l, in->arg, in->fn);
			lockdep_observer.acquired(ld, s, sim_tid(), l, in->arg,
						  in->fn);
			if (rc)
				race_observer.acquired(rc, s, sim_tid(), l,
						       in->arg, in->fn);
			break;
		case RAW_REL:
			sim_unhold_raw(s, sim_tid(), l);
			if (rc)
				race_observer.release(rc, s, sim_tid(), l,
						      in->arg);
			break;
		case END:
			break;
		}
	}
}

/* What the runs of a test left: every report, copied. */
static struct sim_report reps[64];
static int nreps;

static struct sim *new_sim(int n)
{
	struct sim_options o = { .cpu = -1, .log_events = true };
	struct sim *s = sim_create(n, &o);

	ck_assert_ptr_nonnull(s);
	ld = lockdep_attach(s, true);
	ck_assert_ptr_nonnull(ld);
	rc = race_attach(s);
	nreps = 0;
	return s;
}

/* run_prog -- one execution of p, scheduled by st; reports are kept. */
static enum sim_abort run_prog(struct sim *s, const struct prog *p,
			       struct sim_strategy *st, uint64_t idx)
{
	struct run runs[4];
	void *args[4];
	struct world *w;
	const struct sim_report *rep;
	enum sim_abort a;
	int n;

	sim_new_arena(s);
	w = sim_alloc(sizeof(*w));
	memset(w, 0, sizeof(*w));
	for (int i = 0; i < MAXL && p->locks[i].cls; i++)
		sim_lock_init(&w->l[i], p->locks[i].cls, p->locks[i].kind,
			      p->locks[i].inst);
	for (int i = 0; i < 4 && p->refs[i]; i++) {
		sim_ref_init(&w->r[i], p->refs[i]);
		for (int k = 0; k < p->setup_refs[i]; k++)
			sim_ref_get(&w->r[i], "setup");
	}
	for (int i = 0; i < 4 && p->vars[i]; i++)
		sim_var_init(&w->v[i], p->vars[i]);
	sim_waitq_init(&w->wq, "test_wq");
	for (int t = 0; t < p->nthreads; t++) {
		runs[t] = (struct run){ .w = w, .p = p, .tid = t };
		args[t] = &runs[t];
	}
	sim_set_exec_index(s, idx);
	a = sim_execute(s, interpret, args, st, NULL, 0);
	n = sim_reports(s, &rep);
	for (int i = 0; i < n && nreps < (int)NELEM(reps); i++) {
		reps[nreps++] = rep[i];
		/* TEST_LOCKDEP_PRINT=1: show them (docs/reports.md) */
		if (getenv("TEST_LOCKDEP_PRINT"))
			fprintf(stderr, "\n%s: %s\n    %s\n",
				rep[i].kind == SIM_REPORT_LOCK_ORDER ?
					"lock-order" :
					"data-race",
				rep[i].what, rep[i].detail);
	}
	if (a == SIM_ABORT_DEADLOCK && getenv("TEST_LOCKDEP_PRINT"))
		fprintf(stderr, "\ndeadlock: no thread can run\n    %s\n",
			sim_abort_reason(s));
	return a;
}

/* run_many -- n random executions; returns how many deadlocked. */
static int run_many(struct sim *s, const struct prog *p, uint64_t seed, int n)
{
	struct sim_strategy *st = sim_strategy_random(seed, p->nthreads);
	int deadlocks = 0;

	for (int i = 0; i < n; i++) {
		enum sim_abort a = run_prog(s, p, st, (uint64_t)i);

		ck_assert_msg(a == SIM_OK || a == SIM_ABORT_DEADLOCK,
			      "exec %d: %s", i, sim_abort_reason(s));
		deadlocks += a == SIM_ABORT_DEADLOCK;
	}
	sim_strategy_destroy(st);
	return deadlocks;
}

/* run_first -- one non-preemptive execution: thread 0 runs to its end
 * (or until it blocks), then thread 1, and so on. */
static enum sim_abort run_first(struct sim *s, const struct prog *p)
{
	struct sim_strategy *st = sim_strategy_first();
	enum sim_abort a = run_prog(s, p, st, 0);

	sim_strategy_destroy(st);
	return a;
}

/* SAYS -- the deadlock text 'why' says 'text' */
#define SAYS(text) ck_assert_msg(strstr(why, text), "%s", why)

static int count(enum sim_report_kind kind)
{
	int n = 0;

	for (int i = 0; i < nreps; i++)
		n += reps[i].kind == kind;
	return n;
}

static void dump(void)
{
	for (int i = 0; i < nreps; i++)
		fprintf(stderr, "%s: %s\n    %s\n",
			reps[i].kind == SIM_REPORT_LOCK_ORDER ? "lock-order" :
								"data-race",
			reps[i].what, reps[i].detail);
}

static void assert_no_reports(void)
{
	if (nreps)
		dump();
	ck_assert_int_eq(nreps, 0);
}

static void assert_has(const char *text)
{
	ck_assert_msg(nreps > 0, "no report, wanted \"%s\"", text);
	for (int i = 0; i < nreps; i++)
		if (strstr(reps[i].what, text) || strstr(reps[i].detail, text))
			return;
	dump();
	ck_abort_msg("no report says \"%s\"", text);
}

static const struct sim_lock_class cls_a = { "A", 0 }, cls_b = { "B", 0 },
				   cls_c = { "C", 0 }, cls_m = { "mapping", 0 },
				   cls_f = { "fault_lock", 0 },
				   cls_i = { "i_rwsem", 0 };

/* ---- 1. Lock order: the cycles ------------------------------------------- */

/* ABBA -- thread 0 takes A then B, thread 1 B then A */
static const struct insn abba_t0[] = {
	{ LOCK, 0, 0, "t0_take_ab" },
	{ LOCK, 1, 0, "t0_take_ab" },
	{ UNLOCK, 1, 0, "t0_take_ab" },
	{ UNLOCK, 0, 0, "t0_take_ab" },
	{ END },
};
static const struct insn abba_t1[] = {
	{ LOCK, 1, 0, "t1_take_ba" },
	{ LOCK, 0, 0, "t1_take_ba" },
	{ UNLOCK, 0, 0, "t1_take_ba" },
	{ UNLOCK, 1, 0, "t1_take_ba" },
	{ END },
};
static const struct prog abba = {
	.nthreads = 2,
	.locks = { { &cls_a, SIM_MUTEX, "a" }, { &cls_b, SIM_MUTEX, "b" } },
	.t = { abba_t0, abba_t1 },
};

START_TEST(abba_reported_without_deadlock)
{
	struct sim *s = new_sim(2);

	/* Serially: no deadlock, but the inversion is there. */
	ck_assert_int_eq(run_first(s, &abba), SIM_OK);
	ck_assert_int_eq(count(SIM_REPORT_LOCK_ORDER), 1);
	ck_assert_int_eq(nreps, 1);
	assert_has("possible circular locking dependency: B -> A -> B");
	/* both contexts of both edges */
	assert_has("thread 1 is trying to acquire A(a) in t1_take_ba");
	assert_has("while holding B(b), taken in t1_take_ba");
	assert_has("held: A(a) by thread 0 in t0_take_ab");
	assert_has("*** DEADLOCK ***");
	ck_assert_uint_ne(reps[0].signature, 0);
	/* once per struct sim, whatever the schedules after */
	run_many(s, &abba, 3, 200);
	ck_assert_int_eq(nreps, 1);
	sim_destroy(s);
}
END_TEST

START_TEST(abba_deadlock_report)
{
	struct sim *s = new_sim(2);
	struct sim_strategy *st = sim_strategy_random(11, 2);
	bool seen = false;

	for (uint64_t i = 0; i < 200 && !seen; i++) {
		if (run_prog(s, &abba, st, i) != SIM_ABORT_DEADLOCK)
			continue;
		seen = true;
		const char *why = sim_abort_reason(s);

		SAYS("wait-for cycle: thread 0 -> thread 1 "
		     "-> thread 0");
		SAYS("thread 0 waits for B(b), held by "
		     "thread 1");
		SAYS("holds A(a), taken in t0_take_ab");
		SAYS("thread 1 waits for A(a), held by "
		     "thread 0");
		SAYS("holds B(b), taken in t1_take_ba");
	}
	ck_assert(seen);
	sim_strategy_destroy(st);
	sim_destroy(s);
}
END_TEST

/* Three classes around: A -> B, B -> C, C -> A. */
static const struct insn tri_t0[] = {
	{ LOCK, 0, 0, "ab" },
	{ LOCK, 1, 0, "ab" },
	{ UNLOCK, 1, 0, "ab" },
	{ UNLOCK, 0, 0, "ab" },
	{ END },
};
static const struct insn tri_t1[] = {
	{ LOCK, 1, 0, "bc" },
	{ LOCK, 2, 0, "bc" },
	{ UNLOCK, 2, 0, "bc" },
	{ UNLOCK, 1, 0, "bc" },
	{ END },
};
static const struct insn tri_t2[] = {
	{ LOCK, 2, 0, "ca" },
	{ LOCK, 0, 0, "ca" },
	{ UNLOCK, 0, 0, "ca" },
	{ UNLOCK, 2, 0, "ca" },
	{ END },
};
static const struct prog tri = {
	.nthreads = 3,
	.locks = { { &cls_a, SIM_MUTEX, "a" },
		   { &cls_b, SIM_MUTEX, "b" },
		   { &cls_c, SIM_MUTEX, "c" } },
	.t = { tri_t0, tri_t1, tri_t2 },
};

START_TEST(three_way_cycle)
{
	struct sim *s = new_sim(3);

	ck_assert_int_eq(run_first(s, &tri), SIM_OK);
	ck_assert_int_eq(nreps, 1);
	assert_has("possible circular locking dependency: C -> A -> B -> C");
	assert_has("-> #1 A held, then B");
	assert_has("-> #2 B held, then C");
	sim_destroy(s);
}
END_TEST

/* Shared-shared: thread 2 and 3 read A, B in opposite orders; threads 0
 * and 1 write them first (the writers exist). */
static const struct insn rr_wa[] = {
	{ DOWN_W, 0, 0, "write_a" },
	{ UP_W, 0, 0, "write_a" },
	{ END },
};
static const struct insn rr_wb[] = {
	{ DOWN_W, 1, 0, "write_b" },
	{ UP_W, 1, 0, "write_b" },
	{ END },
};
static const struct insn rr_ab[] = {
	{ DOWN_R, 0, 0, "read_ab" },
	{ DOWN_R, 1, 0, "read_ab" },
	{ UP_R, 1, 0, "read_ab" },
	{ UP_R, 0, 0, "read_ab" },
	{ END },
};
static const struct insn rr_ba[] = {
	{ DOWN_R, 1, 0, "read_ba" },
	{ DOWN_R, 0, 0, "read_ba" },
	{ UP_R, 0, 0, "read_ba" },
	{ UP_R, 1, 0, "read_ba" },
	{ END },
};
static const struct prog rr_writers = {
	.nthreads = 4,
	.locks = { { &cls_a, SIM_RWSEM, "a" }, { &cls_b, SIM_RWSEM, "b" } },
	.t = { rr_wa, rr_wb, rr_ab, rr_ba },
};
static const struct prog rr_alone = {
	.nthreads = 2,
	.locks = { { &cls_a, SIM_RWSEM, "a" }, { &cls_b, SIM_RWSEM, "b" } },
	.t = { rr_ab, rr_ba },
};

START_TEST(shared_shared_cycle_with_writers)
{
	struct sim *s = new_sim(4);

	ck_assert_int_eq(run_first(s, &rr_writers), SIM_OK);
	ck_assert_int_eq(nreps, 1);
	assert_has("possible circular locking dependency: B -> A -> B");
	assert_has("is trying to acquire A(a) [read]");
	assert_has("A is only read-held on this cycle: it deadlocks once a "
		   "writer waits for it");
	assert_has("writers were seen, in write_a");
	assert_has("writers were seen, in write_b");
	/* and it is a real one: rwsem fairness makes it deadlock */
	ck_assert_int_gt(run_many(s, &rr_writers, 5, 3000), 0);
	ck_assert_int_eq(nreps, 1);
	sim_destroy(s);
}
END_TEST

START_TEST(shared_shared_deadlock_report)
{
	struct sim *s = new_sim(4);
	struct sim_strategy *st = sim_strategy_random(5, 4);
	bool seen = false;

	for (uint64_t i = 0; i < 3000 && !seen; i++) {
		if (run_prog(s, &rr_writers, st, i) != SIM_ABORT_DEADLOCK)
			continue;
		seen = true;
		const char *why = sim_abort_reason(s);

		/* the readers wait behind the queued writers, who wait for
		 * the other reader */
		SAYS("thread 2 waits for B(b) [read], held "
		     "by thread 3 [read], queued behind thread "
		     "1 [write]");
		SAYS("thread 3 waits for A(a) [read], held "
		     "by thread 2 [read], queued behind thread "
		     "0 [write]");
		SAYS("wait-for cycle: thread 0 -> thread 2 "
		     "-> thread 1 -> thread 3 -> thread 0");
	}
	ck_assert(seen);
	sim_strategy_destroy(st);
	sim_destroy(s);
}
END_TEST

/*
 * The documented choice: with no writer anywhere, lockdep still reports a
 * cycle of down_read()s (a non-recursive reader: any writer queueing on
 * either lock deadlocks it), and so does lockstep, saying that no writer
 * ran.  No schedule of this program alone deadlocks.
 */
START_TEST(shared_shared_cycle_without_writer)
{
	struct sim *s = new_sim(2);

	ck_assert_int_eq(run_first(s, &rr_alone), SIM_OK);
	ck_assert_int_eq(nreps, 1);
	assert_has("possible circular locking dependency: B -> A -> B");
	assert_has("A is only read-held on this cycle and no writer of it ran "
		   "yet: down_read is not recursive, so any down_write of it "
		   "closes the deadlock (lockdep reports this too)");
	ck_assert_int_eq(run_many(s, &rr_alone, 9, 300), 0);
	ck_assert_int_eq(nreps, 1);
	sim_destroy(s);
}
END_TEST

/* A lock taken under a trylock'ed one depends on it. */
static const struct insn try_t1[] = {
	{ TRY_LOCK, 1, 0, "try_b_then_a" },
	{ LOCK, 0, 0, "try_b_then_a" },
	{ UNLOCK, 0, 0, "try_b_then_a" },
	{ UNTRY, 1, 0, "try_b_then_a" },
	{ END },
};
static const struct prog try_under = {
	.nthreads = 2,
	.locks = { { &cls_a, SIM_MUTEX, "a" }, { &cls_b, SIM_MUTEX, "b" } },
	.t = { abba_t0, try_t1 },
};

START_TEST(lock_under_trylock_reported)
{
	struct sim *s = new_sim(2);

	ck_assert_int_eq(run_first(s, &try_under), SIM_OK);
	ck_assert_int_eq(nreps, 1);
	assert_has("while holding B(b), taken in try_b_then_a");
	sim_destroy(s);
}
END_TEST

/* ---- 2. Lock order: nesting and instances -------------------------------- */

/* lock_two: a, then b nested (subclass 1), in both threads */
static const struct insn nest_ab[] = {
	{ DOWN_W, 0, 0, "lock_two" },
	{ NESTED, 1, 1, "lock_two" },
	{ UP_W, 1, 0, "lock_two" },
	{ UP_W, 0, 0, "lock_two" },
	{ END },
};
static const struct insn nest_ba[] = {
	{ DOWN_W, 1, 0, "lock_two_rev" },
	{ NESTED, 0, 1, "lock_two_rev" },
	{ UP_W, 0, 0, "lock_two_rev" },
	{ UP_W, 1, 0, "lock_two_rev" },
	{ END },
};
static const struct insn plain_ab[] = {
	{ DOWN_W, 0, 0, "lock_two_unannotated" },
	{ DOWN_W, 1, 0, "lock_two_unannotated" },
	{ UP_W, 1, 0, "lock_two_unannotated" },
	{ UP_W, 0, 0, "lock_two_unannotated" },
	{ END },
};
static const struct prog nested_ordered = {
	.nthreads = 2,
	.locks = { { &cls_m, SIM_RWSEM, "a" }, { &cls_m, SIM_RWSEM, "b" } },
	.t = { nest_ab, nest_ab },
};
static const struct prog nested_inverted = {
	.nthreads = 2,
	.locks = { { &cls_m, SIM_RWSEM, "a" }, { &cls_m, SIM_RWSEM, "b" } },
	.t = { nest_ab, nest_ba },
};
static const struct prog unannotated = {
	.nthreads = 1,
	.locks = { { &cls_m, SIM_RWSEM, "a" }, { &cls_m, SIM_RWSEM, "b" } },
	.t = { plain_ab },
};

START_TEST(nested_pair_not_reported)
{
	struct sim *s = new_sim(2);

	ck_assert_int_eq(run_first(s, &nested_ordered), SIM_OK);
	ck_assert_int_eq(run_many(s, &nested_ordered, 1, 500), 0);
	assert_no_reports();
	sim_destroy(s);
}
END_TEST

START_TEST(instance_inversion_reported)
{
	struct sim *s = new_sim(2);

	/* By class, mapping -> mapping/1 both times: lockdep is silent. */
	ck_assert_int_eq(run_first(s, &nested_inverted), SIM_OK);
	ck_assert_int_eq(nreps, 1);
	assert_has("lock inversion between instances: mapping(b) -> "
		   "mapping(a) -> mapping(b)");
	assert_has("lockdep cannot see this");
	assert_has("held: mapping(a) by thread 0 in lock_two");
	/* and it is real */
	ck_assert_int_gt(run_many(s, &nested_inverted, 2, 500), 0);
	ck_assert_int_eq(nreps, 1);
	sim_destroy(s);
}
END_TEST

START_TEST(same_class_without_subclass_reported)
{
	struct sim *s = new_sim(1);

	/* Two mappings locked without _nested: what lockdep calls possible
	 * recursive locking, even with one thread. */
	ck_assert_int_eq(run_first(s, &unannotated), SIM_OK);
	ck_assert_int_eq(nreps, 1);
	assert_has("possible recursive locking: takes mapping while holding "
		   "mapping");
	assert_has("another lock of the same class, with no nesting subclass");
	sim_destroy(s);
}
END_TEST

/* ---- 3. Lock order: what must stay quiet --------------------------------- */

static const struct insn ord_t0[] = {
	{ DOWN_W, 0, 0, "path_one" },
	{ DOWN_R, 1, 0, "path_one" },
	{ LOCK, 2, 0, "path_one" },
	{ UNLOCK, 2, 0, "path_one" },
	{ UP_R, 1, 0, "path_one" },
	{ UP_W, 0, 0, "path_one" },
	{ END },
};
static const struct insn ord_t1[] = {
	{ DOWN_R, 0, 0, "path_two" },
	{ LOCK, 2, 0, "path_two" },
	{ UNLOCK, 2, 0, "path_two" },
	{ DOWN_W, 1, 0, "path_two" },
	{ LOCK, 2, 0, "path_two" },
	{ UNLOCK, 2, 0, "path_two" },
	{ UP_W, 1, 0, "path_two" },
	{ UP_R, 0, 0, "path_two" },
	{ END },
};
static const struct insn ord_t2[] = {
	{ DOWN_W, 1, 0, "path_three" },
	{ UP_W, 1, 0, "path_three" },
	{ LOCK, 2, 0, "path_three" },
	{ UNLOCK, 2, 0, "path_three" },
	{ DOWN_R, 0, 0, "path_three" },
	{ UP_R, 0, 0, "path_three" },
	{ END },
};
/* trylock in the inverse order: no dependency on the trylock'ed lock */
static const struct insn ord_t3[] = {
	{ LOCK, 2, 0, "path_try" },
	{ TRY_R, 0, 0, "path_try" },
	{ UNTRY, 0, 0, "path_try" },
	{ UNLOCK, 2, 0, "path_try" },
	{ END },
};
static const struct prog ordered = {
	.nthreads = 4,
	.locks = { { &cls_a, SIM_RWSEM, "a" },
		   { &cls_b, SIM_RWSEM, "b" },
		   { &cls_c, SIM_MUTEX, "c" } },
	.t = { ord_t0, ord_t1, ord_t2, ord_t3 },
};

START_TEST(consistent_order_never_reported)
{
	struct sim *s = new_sim(4);

	ck_assert_int_eq(run_first(s, &ordered), SIM_OK);
	ck_assert_int_eq(run_many(s, &ordered, 77, 2000), 0);
	assert_no_reports();
	sim_destroy(s);
}
END_TEST

/*
 * Random programs that keep one order (locks by index, any subset, any
 * mode) and touch field j only under lock j (written only under it
 * exclusive): never a report, never a deadlock, whatever the schedule.
 */
static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

static void random_ordered(uint64_t seed, struct prog *p,
			   struct insn (*code)[64])
{
	static const struct lockspec locks[5] = {
		{ &cls_a, SIM_RWSEM, "a" }, { &cls_b, SIM_MUTEX, "b" },
		{ &cls_c, SIM_RWSEM, "c" }, { &cls_i, SIM_RWSEM, "d" },
		{ &cls_m, SIM_MUTEX, "e" },
	};
	static const char *const vars[4] = { "v0", "v1", "v2", "v3" };

	memset(p, 0, sizeof(*p));
	p->nthreads = 3;
	memcpy(p->locks, locks, sizeof(locks));
	memcpy(p->vars, vars, sizeof(vars));
	for (int t = 0; t < 3; t++) {
		int n = 0;

		for (int block = 0; block < 2; block++) {
			int held[5], how[5], nh = 0;

			for (int l = 0; l < 5; l++) {
				bool rw = locks[l].kind == SIM_RWSEM;

				if (lcg(&seed) % 2)
					continue;
				how[nh] = rw && lcg(&seed) % 2 ? DOWN_R :
					rw		       ? DOWN_W :
								 LOCK;
				held[nh++] = l;
				code[t][n++] = (struct insn){ how[nh - 1], l, 0,
							      "ordered" };
				if (l < 4 && lcg(&seed) % 2)
					code[t][n++] = (struct insn){
						how[nh - 1] == DOWN_R ||
								lcg(&seed) % 2 ?
							VREAD :
							VWRITE,
						l, 0, "ordered"
					};
			}
			/* release in any order: only acquisitions order */
			while (nh) {
				int k = (int)(lcg(&seed) % (uint64_t)nh);

				code[t][n++] = (struct insn){
					how[k] == DOWN_R	 ? UP_R :
						how[k] == DOWN_W ? UP_W :
								   UNLOCK,
					held[k], 0, "ordered"
				};
				held[k] = held[nh - 1];
				how[k] = how[nh - 1];
				nh--;
			}
		}
		code[t][n] = (struct insn){ END };
		p->t[t] = code[t];
	}
}

START_TEST(random_ordered_programs_are_quiet)
{
	struct sim *s = new_sim(3);
	struct insn code[3][64];
	struct prog p;

	for (uint64_t seed = 1; seed <= 40; seed++) {
		random_ordered(seed, &p, code);
		ck_assert_int_eq(run_many(s, &p, seed, 100), 0);
		if (nreps)
			fprintf(stderr, "program %llu\n",
				(unsigned long long)seed);
		assert_no_reports();
	}
	sim_destroy(s);
}
END_TEST

/* ---- 4. References: lockdep's blind spot --------------------------------- */

/* GUP: pin page 1, then fault page 2 (the fault lock, shared), unpin. */
static const struct insn gup[] = {
	{ GET, 0, 0, "get_user_pages" },
	{ DOWN_R, 0, 0, "filemap_fault" },
	{ UP_R, 0, 0, "filemap_fault" },
	{ PUT, 0, 0, "unpin_user_pages" },
	{ END },
};
/* dax-break-layouts-naive: wait for the pins holding the fault lock */
static const struct insn naive_punch[] = {
	{ DOWN_W, 1, 0, "xfs_file_fallocate" },
	{ DOWN_W, 0, 0, "xfs_file_fallocate" },
	{ WAIT_ZERO, 0, 0, "xfs_break_dax_layouts" },
	{ UP_W, 0, 0, "xfs_file_fallocate" },
	{ UP_W, 1, 0, "xfs_file_fallocate" },
	{ END },
};
/* dax-break-layouts: drop the fault lock while waiting, keep i_rwsem */
static const struct insn fixed_punch[] = {
	{ DOWN_W, 1, 0, "xfs_file_fallocate" },
	{ DOWN_W, 0, 0, "xfs_file_fallocate" },
	{ UP_W, 0, 0, "xfs_break_dax_layouts" },
	{ WAIT_ZERO, 0, 0, "xfs_break_dax_layouts" },
	{ DOWN_W, 0, 0, "xfs_break_dax_layouts" },
	{ UP_W, 0, 0, "xfs_file_fallocate" },
	{ UP_W, 1, 0, "xfs_file_fallocate" },
	{ END },
};
static const struct prog gup_naive = {
	.nthreads = 2,
	.locks = { { &cls_f, SIM_RWSEM, "a" }, { &cls_i, SIM_RWSEM, "a" } },
	.refs = { "page ref(a:1)" },
	.t = { gup, naive_punch },
};
static const struct prog gup_fixed = {
	.nthreads = 2,
	.locks = { { &cls_f, SIM_RWSEM, "a" }, { &cls_i, SIM_RWSEM, "a" } },
	.refs = { "page ref(a:1)" },
	.t = { gup, fixed_punch },
};

START_TEST(ref_wait_cycle_reported_without_deadlock)
{
	struct sim *s = new_sim(2);

	/* GUP runs to its end first: nothing deadlocks... */
	ck_assert_int_eq(run_first(s, &gup_naive), SIM_OK);
	/* ...but the punch waited for the pin holding the fault lock that
	 * the pinning thread took while holding its pin. */
	ck_assert_int_eq(nreps, 1);
	assert_has("possible circular locking dependency: fault_lock -> "
		   "page ref -> fault_lock");
	assert_has("thread 1 is waiting for page ref(a:1) [wait for zero] "
		   "in xfs_break_dax_layouts");
	assert_has("while holding fault_lock(a) [write], taken in "
		   "xfs_file_fallocate");
	assert_has("-> #1 page ref [reference] held, then fault_lock [read]");
	assert_has("held: page ref(a:1) by thread 0 in "
		   "get_user_pages");
	sim_destroy(s);
}
END_TEST

START_TEST(ref_wait_deadlock_report)
{
	struct sim *s = new_sim(2);
	struct sim_strategy *st = sim_strategy_random(21, 2);
	bool seen = false;

	for (uint64_t i = 0; i < 300 && !seen; i++) {
		if (run_prog(s, &gup_naive, st, i) != SIM_ABORT_DEADLOCK)
			continue;
		seen = true;
		const char *why = sim_abort_reason(s);

		SAYS("wait-for cycle: thread 0 -> thread 1 "
		     "-> thread 0");
		SAYS("thread 1 waits for page ref(a:1) to "
		     "drop to zero, references held by thread "
		     "0 (1)");
		SAYS("holds a reference on page ref(a:1), "
		     "taken in get_user_pages");
		SAYS("holds fault_lock(a) [write], taken in "
		     "xfs_file_fallocate");
	}
	ck_assert(seen);
	sim_strategy_destroy(st);
	sim_destroy(s);
}
END_TEST

START_TEST(ref_wait_fixed_not_reported)
{
	struct sim *s = new_sim(2);

	ck_assert_int_eq(run_first(s, &gup_fixed), SIM_OK);
	ck_assert_int_eq(run_many(s, &gup_fixed, 4, 1000), 0);
	assert_no_reports();
	sim_destroy(s);
}
END_TEST

/* A pin dropped by another thread (a DMA completion) is no longer held by
 * the thread that took it. */
static const struct insn pin_then_fault[] = {
	{ GET, 0, 0, "get_user_pages" },
	{ WAIT_FLAG, 0, 0, "wait_dma" },
	{ DOWN_R, 0, 0, "filemap_fault" },
	{ UP_R, 0, 0, "filemap_fault" },
	{ END },
};
static const struct insn dma_done[] = {
	{ PUT, 0, 0, "dma_complete" },
	{ SET_FLAG },
	{ WAKE, 0, 0, "dma_complete" },
	{ END },
};
static const struct prog put_elsewhere = {
	.nthreads = 3,
	.locks = { { &cls_f, SIM_RWSEM, "a" }, { &cls_i, SIM_RWSEM, "a" } },
	.refs = { "page ref(a:1)" },
	.t = { pin_then_fault, dma_done, naive_punch },
};

START_TEST(ref_put_by_another_thread)
{
	struct sim *s = new_sim(3);

	ck_assert_int_eq(run_first(s, &put_elsewhere), SIM_OK);
	assert_no_reports();
	sim_destroy(s);
}
END_TEST

/* ---- 5. lockdep's strong paths (recursive readers, via the hooks) -------- */

#define RR LOCKDEP_READ_RECURSIVE
/* one dependency per thread: hold X as h, take Y as a */
#define DEP(x, hm, y, am, f)                                                 \
	{ RAW_ACQ, x, hm, f }, { RAW_ACQ, y, am, f }, { RAW_REL, y, am, f }, \
		{ RAW_REL, x, hm, f },                                       \
	{                                                                    \
		END                                                          \
	}

/* lockdep selftests (lib/locking-selftest.c): */
/* 1. X -(ER)-> Y -(ER)-> Z -(ER)-> X is a deadlock */
static const struct insn s1a[] = { DEP(0, SIM_EXCL, 1, RR, "xy") };
static const struct insn s1b[] = { DEP(1, SIM_EXCL, 2, RR, "yz") };
static const struct insn s1c[] = { DEP(2, SIM_EXCL, 0, RR, "zx") };
/* 2. X -(EN)-> Y -(SR)-> Z -(ER)-> X is a deadlock */
static const struct insn s2a[] = { DEP(0, SIM_EXCL, 1, SIM_SHARED, "xy") };
static const struct insn s2b[] = { DEP(1, RR, 2, RR, "yz") };
static const struct insn s2c[] = { DEP(2, SIM_EXCL, 0, RR, "zx") };
/* 3. X -(EN)-> Y -(SR)-> Z -(SN)-> X is not */
static const struct insn s3a[] = { DEP(0, SIM_EXCL, 1, SIM_EXCL, "xy") };
static const struct insn s3b[] = { DEP(1, RR, 2, RR, "yz") };
static const struct insn s3c[] = { DEP(2, SIM_SHARED, 0, SIM_SHARED, "zx") };
/* 4. X -(ER)-> Y -(SR)-> Z -(EN)-> X is not */
static const struct insn s4a[] = { DEP(0, SIM_EXCL, 1, RR, "xy") };
static const struct insn s4b[] = { DEP(1, RR, 2, RR, "yz") };
static const struct insn s4c[] = { DEP(2, SIM_EXCL, 0, SIM_EXCL, "zx") };
/* read_lock(X); read_lock(X): recursion of a recursive reader is fine */
static const struct insn s5a[] = { DEP(0, RR, 0, RR, "rr") };

#define XYZ                                                             \
	{                                                               \
		{ &cls_a, SIM_RWSEM, "x" }, { &cls_b, SIM_RWSEM, "y" }, \
		{                                                       \
			&cls_c, SIM_RWSEM, "z"                          \
		}                                                       \
	}
static const struct prog strong[] = {
	{ .nthreads = 3, .locks = XYZ, .t = { s1a, s1b, s1c } },
	{ .nthreads = 3, .locks = XYZ, .t = { s2a, s2b, s2c } },
	{ .nthreads = 3, .locks = XYZ, .t = { s3a, s3b, s3c } },
	{ .nthreads = 3, .locks = XYZ, .t = { s4a, s4b, s4c } },
	{ .nthreads = 1, .locks = XYZ, .t = { s5a } },
};

START_TEST(strong_paths)
{
	static const int want[] = { 1, 1, 0, 0, 0 };
	char *check = getenv("LOCKSTEP_CHECK_INVARIANTS");

	check = check ? strdup(check) : NULL;

	/* The hooks' holds are on the held stack without the locks' state
	 * (sim_hold_raw): sim_check would rightly object. */
	unsetenv("LOCKSTEP_CHECK_INVARIANTS");
	for (size_t i = 0; i < NELEM(strong); i++) {
		struct sim *s = new_sim(strong[i].nthreads);

		ck_assert_int_eq(run_first(s, &strong[i]), SIM_OK);
		if (nreps != want[i])
			dump();
		ck_assert_msg(nreps == want[i], "case %zu: %d reports", i + 1,
			      nreps);
		sim_destroy(s);
	}
	if (check)
		setenv("LOCKSTEP_CHECK_INVARIANTS", check, 1);
	free(check);
}
END_TEST

/* ---- 6. Data races ------------------------------------------------------- */

static const struct insn w0[] = { { VWRITE, 0, 0, "set_s_dax" }, { END } };
static const struct insn w1[] = { { VWRITE, 0, 0, "clear_s_dax" }, { END } };
static const struct insn r1[] = { { VREAD, 0, 0, "dax_fault" }, { END } };
static const struct prog ww = {
	.nthreads = 2,
	.vars = { "S_DAX(a)" },
	.t = { w0, w1 },
};
static const struct prog rr2 = {
	.nthreads = 2,
	.vars = { "S_DAX(a)" },
	.t = { r1, r1 },
};

START_TEST(unsynchronised_writes_race)
{
	struct sim *s = new_sim(2);

	ck_assert_int_eq(run_first(s, &ww), SIM_OK);
	ck_assert_int_eq(count(SIM_REPORT_DATA_RACE), 1);
	ck_assert_int_eq(nreps, 1);
	assert_has("data race on S_DAX(a): write in set_s_dax (thread 0) and "
		   "write in clear_s_dax (thread 1)");
	assert_has("thread 1 writes S_DAX(a) in clear_s_dax");
	assert_has("thread 0 wrote it before, in set_s_dax");
	/* every order, one report */
	run_many(s, &ww, 8, 100);
	ck_assert_int_eq(nreps, 1);
	sim_destroy(s);
}
END_TEST

START_TEST(concurrent_reads_do_not_race)
{
	struct sim *s = new_sim(2);

	run_many(s, &rr2, 8, 100);
	assert_no_reports();
	sim_destroy(s);
}
END_TEST

static const struct insn mw0[] = {
	{ LOCK, 0, 0, "set_s_dax" },
	{ VWRITE, 0, 0, "set_s_dax" },
	{ UNLOCK, 0, 0, "set_s_dax" },
	{ END },
};
static const struct insn mw1[] = {
	{ LOCK, 0, 0, "clear_s_dax" },
	{ VWRITE, 0, 0, "clear_s_dax" },
	{ VREAD, 0, 0, "clear_s_dax" },
	{ UNLOCK, 0, 0, "clear_s_dax" },
	{ END },
};
static const struct prog ww_mutex = {
	.nthreads = 2,
	.locks = { { &cls_a, SIM_MUTEX, "a" } },
	.vars = { "S_DAX(a)" },
	.t = { mw0, mw1 },
};

START_TEST(writes_under_mutex_do_not_race)
{
	struct sim *s = new_sim(2);

	ck_assert_int_eq(run_first(s, &ww_mutex), SIM_OK);
	run_many(s, &ww_mutex, 8, 300);
	assert_no_reports();
	sim_destroy(s);
}
END_TEST

/* rwsem: a writer's release orders the readers after it, the readers'
 * releases order the writer after them; two readers stay unordered. */
static const struct insn rw_writer[] = {
	{ DOWN_W, 0, 0, "i_size_write" },
	{ VWRITE, 0, 0, "i_size_write" },
	{ UP_W, 0, 0, "i_size_write" },
	{ END },
};
static const struct insn rw_reader[] = {
	{ DOWN_R, 0, 0, "i_size_read" },
	{ VREAD, 0, 0, "i_size_read" },
	{ UP_R, 0, 0, "i_size_read" },
	{ END },
};
static const struct insn rw_bad_writer[] = {
	{ DOWN_R, 0, 0, "writes_under_read_lock" },
	{ VWRITE, 0, 0, "writes_under_read_lock" },
	{ UP_R, 0, 0, "writes_under_read_lock" },
	{ END },
};
static const struct prog rw_ok = {
	.nthreads = 3,
	.locks = { { &cls_i, SIM_RWSEM, "a" } },
	.vars = { "i_size(a)" },
	.t = { rw_reader, rw_writer, rw_reader },
};
static const struct prog rw_bad = {
	.nthreads = 2,
	.locks = { { &cls_i, SIM_RWSEM, "a" } },
	.vars = { "i_size(a)" },
	.t = { rw_reader, rw_bad_writer },
};

START_TEST(rwsem_orders_writers_and_readers)
{
	struct sim *s = new_sim(3);

	run_many(s, &rw_ok, 12, 500);
	assert_no_reports();
	sim_destroy(s);

	s = new_sim(2);
	ck_assert_int_eq(run_first(s, &rw_bad), SIM_OK);
	ck_assert_int_eq(nreps, 1);
	assert_has("data race on i_size(a): read in i_size_read (thread 0) and "
		   "write in writes_under_read_lock (thread 1)");
	assert_has("holding i_rwsem(a) [read, taken in "
		   "writes_under_read_lock]");
	sim_destroy(s);
}
END_TEST

/* Through references, wake-ups and a chain of them. */
static const struct insn put_after_write[] = {
	{ VWRITE, 0, 0, "dma_write" },
	{ PUT, 0, 0, "unpin" },
	{ END },
};
static const struct insn read_after_wait[] = {
	{ WAIT_ZERO, 0, 0, "break_layouts" },
	{ VREAD, 0, 0, "after_break" },
	{ VWRITE, 0, 0, "after_break" },
	{ END },
};
static const struct prog via_ref = {
	.nthreads = 2,
	.refs = { "page ref(a:1)" },
	.setup_refs = { 1 },
	.vars = { "page data(a:1)" },
	.t = { put_after_write, read_after_wait },
};
static const struct insn wake_after_write[] = {
	{ VWRITE, 0, 0, "set_dax_flag" },
	{ SET_FLAG },
	{ WAKE },
	{ END },
};
static const struct insn read_after_wake[] = {
	{ WAIT_FLAG, 0, 0, "wait_for_flag" },
	{ VREAD, 0, 0, "read_dax_flag" },
	{ END },
};
static const struct prog via_wake = {
	.nthreads = 2,
	.vars = { "S_DAX(a)" },
	.t = { wake_after_write, read_after_wake },
};
/* write, put | wait for zero, wake | woken, read: ordered through both */
static const struct insn chain_t0[] = {
	{ LOCK, 0, 0, "first" },
	{ VWRITE, 0, 0, "first" },
	{ UNLOCK, 0, 0, "first" },
	{ PUT, 0, 0, "first" },
	{ END },
};
static const struct insn chain_t1[] = {
	{ WAIT_ZERO, 0, 0, "second" },
	{ SET_FLAG },
	{ WAKE },
	{ END },
};
static const struct insn chain_t1_bad[] = {
	{ SET_FLAG },
	{ WAKE },
	{ END },
};
static const struct insn chain_t2[] = {
	{ WAIT_FLAG, 0, 0, "third" },
	{ VREAD, 0, 0, "third" },
	{ END },
};
static const struct prog chain = {
	.nthreads = 3,
	.locks = { { &cls_a, SIM_MUTEX, "m" } },
	.refs = { "pin" },
	.setup_refs = { 1 },
	.vars = { "x" },
	.t = { chain_t0, chain_t1, chain_t2 },
};
/* the wake-up without the wait for the pin: a race */
static const struct prog chain_bad = {
	.nthreads = 3,
	.locks = { { &cls_a, SIM_MUTEX, "m" } },
	.refs = { "pin" },
	.setup_refs = { 1 },
	.vars = { "x" },
	.t = { chain_t0, chain_t1_bad, chain_t2 },
};
/* the same without the wait: a race */
static const struct insn nowait_t1[] = { { VREAD, 0, 0, "no_wait" }, { END } };
static const struct prog via_nothing = {
	.nthreads = 2,
	.refs = { "page ref(a:1)" },
	.setup_refs = { 1 },
	.vars = { "page data(a:1)" },
	.t = { put_after_write, nowait_t1 },
};

START_TEST(release_acquire_chains_do_not_race)
{
	struct sim *s = new_sim(2);

	run_many(s, &via_ref, 31, 300);
	run_many(s, &via_wake, 32, 300);
	assert_no_reports();
	sim_destroy(s);

	s = new_sim(3);
	ck_assert_int_eq(run_many(s, &chain, 33, 1000), 0);
	assert_no_reports();
	run_many(s, &chain_bad, 35, 1000);
	ck_assert_int_eq(nreps, 1);
	assert_has("data race on x: ");
	assert_has("write in first (thread 0)");
	assert_has("read in third (thread 2)");
	sim_destroy(s);

	s = new_sim(2);
	run_many(s, &via_nothing, 34, 50);
	ck_assert_int_eq(nreps, 1);
	assert_has("data race on page data(a:1)");
	sim_destroy(s);
}
END_TEST

/* ---- 7. Determinism and the switches ------------------------------------- */

START_TEST(reports_are_deterministic)
{
	struct sim *a = new_sim(2), *b;
	struct sim_report ra[8];
	int na;

	run_many(a, &gup_naive, 5, 50);
	run_many(a, &abba, 5, 50);
	run_many(a, &ww, 5, 5);
	na = nreps;
	ck_assert_int_eq(na, 3);
	memcpy(ra, reps, sizeof(ra[0]) * (size_t)na);
	sim_destroy(a);
	b = new_sim(2);
	run_many(b, &gup_naive, 5, 50);
	run_many(b, &abba, 5, 50);
	run_many(b, &ww, 5, 5);
	ck_assert_int_eq(nreps, na);
	for (int i = 0; i < na; i++) {
		ck_assert_uint_eq(ra[i].signature, reps[i].signature);
		ck_assert_str_eq(ra[i].what, reps[i].what);
		ck_assert_str_eq(ra[i].detail, reps[i].detail);
	}
	sim_destroy(b);
}
END_TEST

/* The checker keeps its records of locks across executions, by address:
 * a lock of another class or name at the same place must not inherit
 * them.  Thread 0 takes l[0] then l[1]; the second program has B(b) at
 * l[0] and A(a) at l[1], so B then A: the inversion of the first. */
static const struct insn first_01[] = {
	{ LOCK, 0, 0, "take_01" },
	{ LOCK, 1, 0, "take_01" },
	{ UNLOCK, 1, 0, "take_01" },
	{ UNLOCK, 0, 0, "take_01" },
	{ END },
};
static const struct prog ab_at_01 = {
	.nthreads = 1,
	.locks = { { &cls_a, SIM_MUTEX, "a" }, { &cls_b, SIM_MUTEX, "b" } },
	.t = { first_01 },
};
static const struct prog ba_at_01 = {
	.nthreads = 1,
	.locks = { { &cls_b, SIM_MUTEX, "b" }, { &cls_a, SIM_MUTEX, "a" } },
	.t = { first_01 },
};

START_TEST(records_follow_reinitialised_locks)
{
	struct sim *s = new_sim(1);

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(run_first(s, &ab_at_01), SIM_OK);
	assert_no_reports();
	ck_assert_int_eq(run_first(s, &ba_at_01), SIM_OK);
	ck_assert_int_eq(run_first(s, &ba_at_01), SIM_OK);
	ck_assert_int_eq(nreps, 1);
	assert_has("possible circular locking dependency: B -> A -> B");
	sim_destroy(s);
}
END_TEST

START_TEST(checkers_off)
{
	struct sim_options o = { .cpu = -1, .log_events = true };
	struct sim *s = sim_create(2, &o);

	/* what exec_new registers with no_lockdep and no_race */
	ck_assert_ptr_nonnull(lockdep_attach(s, false));
	nreps = 0;
	run_many(s, &abba, 5, 50);
	run_many(s, &ww, 5, 5);
	assert_no_reports();
	sim_destroy(s);
}
END_TEST

/* ---- The suite ----------------------------------------------------------- */

int main(void)
{
	Suite *s = suite_create("lockdep");
	TCase *order = tcase_create("lock order");
	TCase *refs = tcase_create("references");
	TCase *race = tcase_create("data races");
	SRunner *sr;
	int failed;

	tcase_set_timeout(order, 60);
	tcase_set_timeout(refs, 60);
	tcase_set_timeout(race, 60);
	tcase_add_test(order, abba_reported_without_deadlock);
	tcase_add_test(order, abba_deadlock_report);
	tcase_add_test(order, three_way_cycle);
	tcase_add_test(order, shared_shared_cycle_with_writers);
	tcase_add_test(order, shared_shared_deadlock_report);
	tcase_add_test(order, shared_shared_cycle_without_writer);
	tcase_add_test(order, lock_under_trylock_reported);
	tcase_add_test(order, nested_pair_not_reported);
	tcase_add_test(order, instance_inversion_reported);
	tcase_add_test(order, same_class_without_subclass_reported);
	tcase_add_test(order, consistent_order_never_reported);
	tcase_add_test(order, random_ordered_programs_are_quiet);
	tcase_add_test(order, strong_paths);
	tcase_add_test(refs, ref_wait_cycle_reported_without_deadlock);
	tcase_add_test(refs, ref_wait_deadlock_report);
	tcase_add_test(refs, ref_wait_fixed_not_reported);
	tcase_add_test(refs, ref_put_by_another_thread);
	tcase_add_test(race, unsynchronised_writes_race);
	tcase_add_test(race, concurrent_reads_do_not_race);
	tcase_add_test(race, writes_under_mutex_do_not_race);
	tcase_add_test(race, rwsem_orders_writers_and_readers);
	tcase_add_test(race, release_acquire_chains_do_not_race);
	tcase_add_test(race, reports_are_deterministic);
	tcase_add_test(race, records_follow_reinitialised_locks);
	tcase_add_test(race, checkers_off);
	suite_add_tcase(s, order);
	suite_add_tcase(s, refs);
	suite_add_tcase(s, race);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
