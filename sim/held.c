/* SPDX-License-Identifier: MIT */
/*
 * sim/held.c -- the held stack: what each thread of an execution holds,
 * the one list of it (sim/observe.h's struct sim_hold).
 *
 * A record per lock acquired and not yet released, and one per reference
 * got and not yet put (made by the thread's first get of it, counting the
 * later ones), oldest first: the order of acquisition, which the
 * lock-order checker's dependencies follow.  A release takes the lock's
 * latest record out of the stack wherever it is; so does the put that
 * drops a thread's count on a reference to zero.  The scheduler's reports
 * (deadlock, step limit), sim_check and the checkers read it; nothing
 * else keeps such a list.
 *
 * The limit and its policy, one for all: at most SIM_MAX_HELD records per
 * thread; a thread that would hold more ends the execution as a crash,
 * with what it holds, rather than losing track of a hold (which would
 * make the deadlock report, the lock order and the race report quietly
 * wrong).
 *
 * Each record carries the observers' per-hold data (sim_observe's
 * hold_size), zeroed when the record is made, moved with it.
 */
#include "sim/sim_impl.h"

#include <string.h>

/* push -- internal: a new record on top of tid's stack, its data zeroed;
 * the execution ends as a crash if the stack is full. */
static struct sim_hold *push(struct sim *s, int tid, const char *fn)
{
	struct sim_thread *t = &s->t[tid];
	struct sim_hold *h;

	if (t->nheld == SIM_MAX_HELD)
		sim_abort_exec(s, SIM_ABORT_CRASH,
			       "thread %d holds more than %d locks and "
			       "references at once (SIM_MAX_HELD)",
			       tid, SIM_MAX_HELD);
	h = &t->held[t->nheld++];
	memset(h, 0, sizeof(*h));
	h->fn = fn;
	return h;
}

/* remove_at -- internal: record i out of t's stack, the newer ones move
 * down. */
static void remove_at(struct sim_thread *t, int i)
{
	memmove(&t->held[i], &t->held[i + 1],
		(size_t)(t->nheld - i - 1) * sizeof(t->held[0]));
	t->nheld--;
}

void sim_held_lock(struct sim *s, int tid, const struct sim_lock *l, int mode,
		   const char *fn)
{
	struct sim_hold *h = push(s, tid, fn);

	h->kind = SIM_HOLD_LOCK;
	h->lock = l;
	h->mode = (uint8_t)mode;
	h->count = 1;
}

void sim_held_unlock(struct sim *s, int tid, const struct sim_lock *l)
{
	struct sim_thread *t = &s->t[tid];

	for (int i = t->nheld - 1; i >= 0; i--) {
		if (t->held[i].kind == SIM_HOLD_LOCK && t->held[i].lock == l) {
			remove_at(t, i);
			return;
		}
	}
	sim_abort_exec(s, SIM_ABORT_CRASH,
		       "thread %d releases %s, which it "
		       "does not hold",
		       tid, l->name);
}

/* ref_record -- internal: thread t's record of r, or -1. */
static int ref_record(const struct sim_thread *t, const struct sim_ref *r)
{
	for (int i = 0; i < t->nheld; i++)
		if (t->held[i].kind == SIM_HOLD_REF && t->held[i].ref == r)
			return i;
	return -1;
}

void sim_held_ref_get(struct sim *s, int tid, const struct sim_ref *r,
		      const char *fn)
{
	struct sim_thread *t = &s->t[tid];
	int i = ref_record(t, r);
	struct sim_hold *h;

	if (i >= 0) {
		t->held[i].count++;
		return;
	}
	h = push(s, tid, fn);
	h->kind = SIM_HOLD_REF;
	h->ref = r;
	h->mode = SIM_SHARED;
	h->count = 1;
}

void sim_held_ref_put(struct sim *s, int tid, const struct sim_ref *r)
{
	struct sim_thread *t = &s->t[tid];
	int i = ref_record(t, r);

	/* Dropped by a holder, or on behalf of one (the lowest): the hold
	 * ends there. */
	for (int k = 0; i < 0 && k < s->n; k++) {
		t = &s->t[k];
		i = ref_record(t, r);
	}
	if (i >= 0 && --t->held[i].count == 0)
		remove_at(t, i);
}

int sim_held_ref_count(const struct sim *s, int tid, const struct sim_ref *r)
{
	int i = ref_record(&s->t[tid], r);

	return i < 0 ? 0 : s->t[tid].held[i].count;
}

void sim_held_drop_locks(struct sim_thread *t)
{
	int n = 0;

	for (int i = 0; i < t->nheld; i++)
		if (t->held[i].kind != SIM_HOLD_LOCK)
			t->held[n++] = t->held[i];
	t->nheld = n;
}

/* ---- What observers read ------------------------------------------------- */

int sim_held_count(const struct sim *s, int tid)
{
	return s->t[tid].nheld;
}

const struct sim_hold *sim_held(const struct sim *s, int tid, int i)
{
	return &s->t[tid].held[i];
}

void *sim_held_data(struct sim *s, int tid, int i, int obs)
{
	return s->t[tid].held[i].data + s->obs[obs].hold_off;
}

void sim_hold_raw(struct sim *s, int tid, const struct sim_lock *l, int mode,
		  const char *fn)
{
	sim_held_lock(s, tid, l, mode, fn);
}

void sim_unhold_raw(struct sim *s, int tid, const struct sim_lock *l)
{
	sim_held_unlock(s, tid, l);
}
