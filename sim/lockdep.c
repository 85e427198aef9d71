/* SPDX-License-Identifier: MIT */
/*
 * sim/lockdep.c -- the lock order the core declares, checked at run time.
 *
 * Each lock class has a rank (core/lockorder.h: outermost first).  Taking a
 * ranked lock while holding one of a higher rank breaks the documented
 * order: that is a BUG of the core model, so the execution ends as a crash
 * naming both locks.  Locks of one class nest only with a subclass
 * (down_write_nested), as lockdep requires.
 */
#include "sim/lockdep.h"
#include "sim/sim_impl.h"

void lockdep_acquire(struct sim *s, int tid, const struct sim_lock *l,
		     int mode, int subclass, const char *fn)
{
	const struct sim_thread *t = &s->t[tid];

	(void)mode;
	(void)fn;
	if (!l->cls->rank)
		return;
	for (int i = 0; i < t->nheld; i++) {
		const struct sim_lock *h = t->held[i].lock;

		if (!h->cls->rank)
			continue;
		if (h->cls->rank > l->cls->rank ||
		    (h->cls == l->cls && !subclass))
			sim_abort_exec(s, SIM_ABORT_CRASH,
				       "lock order: %s taken in %s while "
				       "holding %s (taken in %s)",
				       l->name, fn, h->name, t->held[i].fn);
	}
}

void lockdep_acquire_try(struct sim *s, int tid, const struct sim_lock *l,
			 int mode, const char *fn)
{
	/* A trylock cannot deadlock; it adds no dependency (lockdep). */
	(void)s, (void)tid, (void)l, (void)mode, (void)fn;
}

void lockdep_release(struct sim *s, int tid, const struct sim_lock *l)
{
	(void)s, (void)tid, (void)l;
}

void lockdep_ref_get(struct sim *s, int tid, const struct sim_ref *r,
		     const char *fn)
{
	(void)s, (void)tid, (void)r, (void)fn;
}

void lockdep_ref_put(struct sim *s, int tid, const struct sim_ref *r,
		     const char *fn)
{
	(void)s, (void)tid, (void)r, (void)fn;
}

void lockdep_ref_wait(struct sim *s, int tid, const struct sim_ref *r,
		      const char *fn)
{
	(void)s, (void)tid, (void)r, (void)fn;
}

void lockdep_exec_begin(struct sim *s)
{
	(void)s;
}

void lockdep_exec_end(struct sim *s)
{
	(void)s;
}

void lockdep_destroy(struct sim *s)
{
	(void)s;
}
