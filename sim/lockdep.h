/* SPDX-License-Identifier: MIT */
/*
 * sim/lockdep.h -- the lock dependency checker's hooks in the lock paths.
 *
 * Called by sim/lock.c on the running thread, before it may block on the
 * lock (so an inversion is seen even in a schedule that did not deadlock),
 * and on release.
 */
#ifndef LOCKSTEP_SIM_LOCKDEP_H
#define LOCKSTEP_SIM_LOCKDEP_H

struct sim;
struct sim_lock;

void lockdep_acquire(struct sim *s, int tid, const struct sim_lock *l,
		     int mode, int subclass, const char *fn);
void lockdep_acquire_try(struct sim *s, int tid, const struct sim_lock *l,
			 int mode, const char *fn);
void lockdep_release(struct sim *s, int tid, const struct sim_lock *l);

/* References (struct sim_ref): a get is a shared hold until the put (by
 * any thread); a wait for zero is an exclusive acquisition. */
struct sim_ref;
void lockdep_ref_get(struct sim *s, int tid, const struct sim_ref *r,
		     const char *fn);
void lockdep_ref_put(struct sim *s, int tid, const struct sim_ref *r,
		     const char *fn);
void lockdep_ref_wait(struct sim *s, int tid, const struct sim_ref *r,
		      const char *fn);

/* Start and end of an execution: the graph persists across executions,
 * per-execution state (held locks, clocks) does not. */
void lockdep_exec_begin(struct sim *s);
void lockdep_exec_end(struct sim *s);
void lockdep_destroy(struct sim *s);

#endif
