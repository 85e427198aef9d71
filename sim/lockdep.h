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

#endif
