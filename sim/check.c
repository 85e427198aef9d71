/* SPDX-License-Identifier: MIT */
/*
 * sim/check.c -- the scheduler's invariants as functions: sim_check() and
 * sim_lock_check() (sim/sim.h), what sim/sim.c's header claims, made
 * executable.
 *
 * Read-only: a check never logs, schedules or touches what the
 * systematic search sees, so running it changes no decision, report or
 * trace.  sim/sim.c runs sim_check() at every scheduling decision when
 * LOCKSTEP_CHECK_INVARIANTS=1 (make check sets it); a failure ends the
 * execution as a crash, as a BUG() in the core does.
 *
 * Cost: O(threads x (locks held + waiters)) per call (and the square of
 * the references a thread holds, a handful), a few hundred
 * loads for the bundled scenarios: within the noise of punch-hole-vs-
 * read-5.15 at 20000 schedules (0.51-0.56 s user without, 0.52-0.59 s
 * with).  Off by default all the same: pick() is the handoff path that
 * make bench measures, and a release build has nothing to gain from it.
 */
#include "sim/sim_impl.h"

#include <stdarg.h>
#include <stdio.h>

/* fail -- internal: the message, and -1. */
static int fail(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* held_mode -- internal: how thread t holds l (its held stack): SIM_EXCL,
 * SIM_SHARED, or -1; -2 if the stack has it twice. */
static int held_mode(const struct sim_thread *t, const struct sim_lock *l)
{
	int mode = -1;

	for (int k = 0; k < t->nheld; k++) {
		if (t->held[k].kind != SIM_HOLD_LOCK || t->held[k].lock != l)
			continue;
		if (mode != -1)
			return -2;
		mode = t->held[k].mode;
	}
	return mode;
}

/*
 * held_refs_check -- internal: thread i's reference records: each of a
 * reference, counting at least one, one record per reference; a record
 * of a lock names one.
 */
static int held_refs_check(const struct sim *s, int i, char *msg, size_t len)
{
	const struct sim_thread *t = &s->t[i];

	for (int k = 0; k < t->nheld; k++) {
		const struct sim_hold *h = &t->held[k];

		if (h->kind == SIM_HOLD_LOCK) {
			if (!h->lock || h->ref)
				return fail(msg, len,
					    "thread %d: held record %d "
					    "is not of one lock",
					    i, k);
			continue;
		}
		if (h->kind != SIM_HOLD_REF || !h->ref || h->lock)
			return fail(msg, len,
				    "thread %d: held record %d is "
				    "neither a lock nor a reference",
				    i, k);
		if (h->count < 1)
			return fail(msg, len,
				    "thread %d holds %d references on %s", i,
				    h->count, h->ref->name);
		for (int j = 0; j < k; j++)
			if (t->held[j].kind == SIM_HOLD_REF &&
			    t->held[j].ref == h->ref)
				return fail(msg, len,
					    "thread %d has two records of "
					    "its references on %s",
					    i, h->ref->name);
	}
	return 0;
}

/*
 * holder_ok -- internal: the lock's state says thread tid holds l in
 * 'mode'; so must the thread.  It has it on its held stack, or was
 * granted it as a waiter and has not run since (it pushes it when it
 * does), or it finished without releasing it (its stack is gone; the
 * deadlock report names such a thread when somebody waits for the lock).
 */
static int holder_ok(const struct sim *s, const struct sim_lock *l, int tid,
		     int mode, char *msg, size_t len)
{
	const struct sim_thread *t;
	int how;

	if (tid < 0 || tid >= s->n)
		return fail(msg, len,
			    "%s is held by thread %d, which does not "
			    "exist",
			    l->name, tid);
	t = &s->t[tid];
	if (t->state == SIM_T_DONE)
		return 0;
	if (t->granted == l)
		return 0;
	how = held_mode(t, l);
	if (how != mode)
		return fail(msg, len,
			    "%s is held %s by thread %d, whose held "
			    "locks %s",
			    l->name, mode == SIM_EXCL ? "exclusive" : "shared",
			    tid,
			    how == -1	      ? "do not include it" :
				    how == -2 ? "have it twice" :
						"have it in the other "
						"mode");
	return 0;
}

/*
 * sim_lock_check -- one lock against the threads: its holders hold it, its
 * waiters wait for it, and its queue is one no release would have
 * granted.
 */
int sim_lock_check(const struct sim *s, const struct sim_lock *l, char *msg,
		   size_t len)
{
	uint32_t queued = 0;

	if (l->owner < -1 || l->owner >= s->n)
		return fail(msg, len, "%s: owner %d is not a thread", l->name,
			    l->owner);
	if (l->readers != __builtin_popcount(l->reader_mask))
		return fail(msg, len,
			    "%s: %d readers, but %d threads hold it "
			    "shared",
			    l->name, l->readers,
			    __builtin_popcount(l->reader_mask));
	if (l->reader_mask >> s->n)
		return fail(msg, len,
			    "%s: held shared by threads that do not "
			    "exist",
			    l->name);
	if (l->kind == SIM_MUTEX && l->readers)
		return fail(msg, len, "%s: a mutex held shared", l->name);
	if (l->owner >= 0 && l->readers)
		return fail(msg, len,
			    "%s: held exclusive by thread %d and "
			    "shared by %d",
			    l->name, l->owner, l->readers);
	if (l->owner >= 0 && holder_ok(s, l, l->owner, SIM_EXCL, msg, len))
		return -1;
	for (uint32_t m = l->reader_mask; m; m &= m - 1)
		if (holder_ok(s, l, __builtin_ctz(m), SIM_SHARED, msg, len))
			return -1;
	if (l->nwait < 0 || l->nwait > SIM_MAX_THREADS)
		return fail(msg, len, "%s: %d waiters", l->name, l->nwait);
	for (int k = 0; k < l->nwait; k++) {
		int tid = l->wait[k].tid;

		if (tid >= s->n || (queued & (1u << tid)))
			return fail(msg, len, "%s: thread %d queued %s",
				    l->name, tid,
				    tid >= s->n ? "but does not exist" :
						  "twice");
		queued |= 1u << tid;
		if (s->t[tid].state != SIM_T_BLOCKED ||
		    s->t[tid].wait_lock != l)
			return fail(msg, len,
				    "%s: thread %d is queued on it but "
				    "%s",
				    l->name, tid,
				    s->t[tid].state != SIM_T_BLOCKED ?
					    "not blocked" :
					    "waits for something else");
	}
	/* A release grants the head at once (sim/lock.c, grant), and a new
	 * locker queues only behind a holder or a waiter: a queue whose head
	 * could take the lock is one nobody will ever wake. */
	if (l->nwait && l->owner < 0 &&
	    !(l->readers && l->wait[0].mode == SIM_EXCL))
		return fail(msg, len,
			    "%s is free but thread %d is queued on it", l->name,
			    l->wait[0].tid);
	return 0;
}

/*
 * sim_check -- the invariants of sim/sim.c's header, over every thread and
 * every lock a thread holds or waits for.
 */
int sim_check(const struct sim *s, char *msg, size_t len)
{
	/* 1. One thread runs: the current one (or the explorer). */
	if (s->current < -1 || s->current >= s->n)
		return fail(msg, len, "current thread %d does not exist",
			    s->current);
	if (s->in_exec && sim_current_sim == s && sim_current_tid >= 0 &&
	    sim_current_tid != s->current)
		return fail(msg, len,
			    "thread %d runs, but thread %d is current",
			    sim_current_tid, s->current);
	for (int i = 0; i < s->n; i++) {
		const struct sim_thread *t = &s->t[i];

		/* 2. Blocked iff queued on one lock or asleep on one
		 * wait queue. */
		if (t->state == SIM_T_BLOCKED) {
			if (!t->wait_lock == !t->wait_q)
				return fail(msg, len,
					    "thread %d is blocked on "
					    "%s",
					    i,
					    t->wait_lock ? "a lock and "
							   "a wait queue" :
							   "nothing");
			if (t->wait_q && !(t->wait_q->sleepers & (1u << i)))
				return fail(msg, len,
					    "thread %d is blocked on "
					    "%s but not among its sleepers",
					    i, t->wait_q->name);
			if (t->wait_lock) {
				int n = 0;

				for (int k = 0; k < t->wait_lock->nwait; k++)
					n += t->wait_lock->wait[k].tid == i;
				if (n != 1)
					return fail(msg, len,
						    "thread %d is "
						    "blocked on %s but queued "
						    "%d times",
						    i, t->wait_lock->name, n);
			}
		} else if (t->wait_lock || t->wait_q) {
			return fail(msg, len,
				    "thread %d is not blocked but "
				    "waits for %s",
				    i,
				    t->wait_lock ? t->wait_lock->name :
						   t->wait_q->name);
		}
		/* 3. A granted waiter owns the lock until it runs. */
		if (t->granted &&
		    (t->state != SIM_T_RUNNABLE ||
		     (t->granted->owner != i &&
		      !(t->granted->reader_mask & (1u << i)))))
			return fail(msg, len,
				    "thread %d was granted %s but "
				    "does not own it",
				    i, t->granted->name);
		if (t->nheld < 0 || t->nheld > SIM_MAX_HELD)
			return fail(msg, len,
				    "thread %d holds %d locks and "
				    "references",
				    i, t->nheld);
		if (held_refs_check(s, i, msg, len))
			return -1;
		/* The lock state of what it holds and waits for, and the
		 * sleepers of its wait queue. */
		for (int k = 0; k < t->nheld; k++) {
			const struct sim_lock *l = t->held[k].lock;

			if (t->held[k].kind != SIM_HOLD_LOCK)
				continue;
			if (t->state == SIM_T_DONE)
				return fail(msg, len,
					    "thread %d finished with %s "
					    "on its held stack",
					    i, l->name);

			if (t->held[k].mode == SIM_EXCL ?
				    l->owner != i :
				    !(l->reader_mask & (1u << i)))
				return fail(msg, len,
					    "thread %d holds %s %s, "
					    "but the lock says otherwise",
					    i, l->name,
					    t->held[k].mode == SIM_EXCL ?
						    "exclusive" :
						    "shared");
			if (sim_lock_check(s, l, msg, len))
				return -1;
		}
		if (t->wait_lock && sim_lock_check(s, t->wait_lock, msg, len))
			return -1;
		if (t->wait_q) {
			for (uint32_t m = t->wait_q->sleepers; m; m &= m - 1) {
				int k = __builtin_ctz(m);

				if (k >= s->n ||
				    s->t[k].state != SIM_T_BLOCKED ||
				    s->t[k].wait_q != t->wait_q)
					return fail(
						msg, len,
						"thread %d sleeps "
						"on %s but is not blocked on "
						"it",
						k, t->wait_q->name);
			}
		}
	}
	return 0;
}
