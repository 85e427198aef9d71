/* SPDX-License-Identifier: MIT */
/*
 * sim/native.c -- the real-thread baseline: the operating system decides
 * who runs next (--strategy native, SPEC.md 2 and 9).
 *
 * A stress test runs the threads freely and hopes the kernel's scheduler
 * interleaves them badly.  Here the scenario's threads run unpinned, on
 * every CPU the process may use, and the core stays as safe as under the
 * deterministic scheduler: a thread runs core code only while it holds
 * one global mutex (s->native_mu, a real pthread mutex), so one thread is
 * in the core at a time.  At every scheduling point (the same points as
 * every other strategy: each lock operation and named point) the thread
 * releases the mutex, yields the CPU, and takes the mutex again; whichever
 * thread takes it first runs next.  That choice is the operating system's
 * (the futex wake order, the CPUs, what else the machine runs), so two runs
 * of the same scenario differ.  Nothing else does: the simulated locks,
 * the deadlock detection (every unfinished thread blocked), the livelock
 * limit and the checkers work as under any strategy, because sim/sim.c's
 * pick() still runs at every point, under the mutex.
 *
 * The decisions are recorded.  Between one thread's release and the next
 * thread's acquisition nothing runs, so the runnable set pick() saw is the
 * one the taker was chosen from; when it has more than one thread, the
 * taker is logged as that point's decision, exactly as a strategy's choice
 * is.  The trace of a finding (strategy: native) therefore replays with the
 * ordinary replay strategy, byte for byte.  A native execution starts with
 * the checkers' state reset (sim_execute): no finding rests on earlier
 * executions, which no seed could run again.
 *
 * Eligibility: a thread may run when it is runnable and either no thread is
 * directed (s->turn < 0) or it is the directed one.  An interleave: is
 * honoured first: while its steps last pick() names the thread, s->turn
 * makes every other thread that takes the mutex go back to sleep, and the
 * steps are not decisions (as under every strategy); then the threads run
 * freely.  A thread that is not eligible sleeps on its own condition
 * variable under the mutex; the thread leaving the core signals every
 * sleeper that has become eligible (a lock granted, a wait queue woken, the
 * steps done).  When an execution aborts (deadlock, crash, livelock) every
 * unfinished thread is eligible, takes the mutex in turn and unwinds.
 *
 * Cost: a mutex release, a sched_yield() and an acquisition per point,
 * and a condition variable per sleep; no futex handoff to a chosen thread.
 */
#include "sim/sim_impl.h"

#include <sched.h>
#include <stdlib.h>

/* ---- The strategy --------------------------------------------------------- */

static int native_choose(struct sim_strategy *st, const struct sim_choice *c)
{
	/* Never asked: sim/sim.c's pick() lets the operating system choose. */
	(void)st;
	(void)c;
	return -1;
}

static void native_destroy(struct sim_strategy *st)
{
	free(st);
}

struct sim_strategy *sim_strategy_native(void)
{
	struct sim_strategy *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->name = "native";
	st->choose = native_choose;
	st->destroy = native_destroy;
	return st;
}

bool sim_strategy_is_native(const struct sim_strategy *st)
{
	return st && st->destroy == native_destroy;
}

/* ---- Set-up --------------------------------------------------------------- */

void sim_native_init(struct sim *s)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	/* Spin a little before sleeping, as the waiters of a contended
	 * kernel lock do: a waiter on another CPU may take the mutex while
	 * its holder yields. */
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(&s->native_mu, &a);
	pthread_mutexattr_destroy(&a);
	for (int i = 0; i < SIM_MAX_THREADS; i++)
		pthread_cond_init(&s->t[i].wake, NULL);
	s->turn = -1;
}

void sim_native_fini(struct sim *s)
{
	for (int i = 0; i < SIM_MAX_THREADS; i++)
		pthread_cond_destroy(&s->t[i].wake);
	pthread_mutex_destroy(&s->native_mu);
}

/* ---- Who may run ---------------------------------------------------------- */

/* eligible -- internal: whether thread i may take the core now (the mutex
 * held). */
static bool eligible(const struct sim *s, int i)
{
	const struct sim_thread *t = &s->t[i];

	if (s->aborting)
		return t->state != SIM_T_DONE;
	return t->state == SIM_T_RUNNABLE && (s->turn < 0 || s->turn == i);
}

/* open_floor -- internal: after pick() returned 'next' (a directed thread
 * or SIM_PICK_OPEN), wake every sleeper that may now run.  The mutex is
 * held; the caller releases it. */
static void open_floor(struct sim *s, int next)
{
	s->turn = next >= 0 ? next : -1;
	for (int i = 0; i < s->n; i++)
		if (s->t[i].sleeping && eligible(s, i))
			pthread_cond_signal(&s->t[i].wake);
}

/* take_floor -- internal: thread me took the mutex and may run: it is
 * the choice at the last point, a decision if there was one to make. */
static void take_floor(struct sim *s, int me)
{
	if (s->turn < 0 && (s->open_mask & (s->open_mask - 1)))
		sim_record_decision(s, me);
	s->open_mask = 0;
	s->turn = -1;
	if (s->current != me)
		s->handoffs++;
	s->current = me;
}

/* wait_turn -- internal: with the mutex held, sleep until me may run; then
 * take the floor (unless the execution is being unwound). */
static void wait_turn(struct sim *s, int me)
{
	struct sim_thread *t = &s->t[me];

	while (!eligible(s, me)) {
		t->sleeping = true;
		pthread_cond_wait(&t->wake, &s->native_mu);
		t->sleeping = false;
	}
	if (!s->aborting)
		take_floor(s, me);
}

/* ---- The life of an execution -------------------------------------------- */

/*
 * sim_native_execute -- internal: the explorer's part: the first pick
 * (guarded, as in sim_execute), then every worker is woken; they race for
 * the mutex.  Returns when the last thread has finished or unwound.
 */
void sim_native_execute(struct sim *s)
{
	pthread_mutex_lock(&s->native_mu);
	s->current = -1;
	s->open_mask = 0;
	if (sigsetjmp(s->guard_jb, 0) == 0) {
		int first;

		s->guard_armed = true;
		first = sim_pick(s, -1);
		s->guard_armed = false;
		s->turn = first >= 0 ? first : -1;
		for (int i = 0; i < s->n; i++)
			sim_go_wake(&s->t[i].go);
		pthread_mutex_unlock(&s->native_mu);
		sim_go_wait(&s->main_go);
	} else {
		/* Aborted before any thread ran: nothing to unwind. */
		s->guard_armed = false;
		for (int i = 0; i < s->n; i++)
			s->t[i].state = SIM_T_DONE;
		pthread_mutex_unlock(&s->native_mu);
	}
	s->current = -1;
}

/* sim_native_enter -- internal: a worker woken for a native execution
 * takes the mutex and waits for its turn; it holds the mutex from here
 * until its next scheduling point. */
void sim_native_enter(struct sim *s, int me)
{
	pthread_mutex_lock(&s->native_mu);
	wait_turn(s, me);
}

/*
 * sim_native_schedule -- internal: thread me's scheduling point, after
 * pick() chose 'next' (directed or SIM_PICK_OPEN): leave the core, let the
 * operating system run someone, come back when me may run.
 */
void sim_native_schedule(struct sim *s, int me, int next)
{
	if (next == me || (next == SIM_PICK_OPEN && s->open_mask == 1u << me)) {
		/* An interleave: step keeps me running, or nobody else can
		 * run: no choice to make, no reason to leave the core. */
		s->turn = -1;
		s->open_mask = 0;
		return;
	}
	open_floor(s, next);
	pthread_mutex_unlock(&s->native_mu);
	sched_yield();
	pthread_mutex_lock(&s->native_mu);
	wait_turn(s, me);
	if (s->aborting)
		siglongjmp(s->t[me].jb, 1);
}

/*
 * sim_native_finish -- internal: thread me finished (its state is DONE) or
 * was unwound, holding the mutex.  The last thread out wakes the explorer,
 * after releasing the mutex, so that nothing of this execution holds it.
 */
void sim_native_finish(struct sim *s, int me)
{
	bool last;

	if (!s->aborting) {
		sim_log(s, me, SIM_EV_THREAD_END, 0, NULL, NULL, 0);
		/* pick() may abort (a deadlock among the others): it then
		 * lands here again, with s->aborting set. */
		if (sigsetjmp(s->t[me].jb, 0) == 0) {
			int next = sim_pick(s, me);

			if (next != -1) {
				open_floor(s, next);
				pthread_mutex_unlock(&s->native_mu);
				return;
			}
		}
	}
	if (s->aborting)
		open_floor(s, -1);
	last = sim_next_unfinished(s) < 0;
	pthread_mutex_unlock(&s->native_mu);
	if (last)
		sim_go_wake(&s->main_go);
}
