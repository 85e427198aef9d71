/* SPDX-License-Identifier: MIT */
/*
 * checkers/checkers.h -- the checkers, as a struct sim's owner registers
 * them: each is an observer of the scheduler (sim/observe.h) with state of
 * its own, made by its attach function and freed by sim_destroy().
 *
 *   lockdep_attach  the lock order: the rank of core/lockorder.h on every
 *                   acquisition and, with 'graph', the lock dependency
 *                   graph across executions (checkers/lockdep.c);
 *   race_attach     the data-race checker on struct sim_var fields,
 *                   FastTrack over happens-before (checkers/race.c).
 *
 * Each works alone; they share no state and do not call each other.
 * Register them before the first execution (engine/exec.c exec_new does,
 * after the exec options no_lockdep and no_race).  The environment turns
 * them off for measuring: LOCKSTEP_NO_LOCKDEP=1 drops the graph (the rank
 * check stays), LOCKSTEP_NO_RACE=1 the race checker.
 *
 * Names: each checker's public names carry its own prefix (lockdep_,
 * race_); what its files share privately a short one (ld_ in lockdep,
 * checkers/lockdep_impl.h).
 *
 * Concurrency: like the struct sim they watch, one thread at a time.
 */
#ifndef LOCKSTEP_CHECKERS_CHECKERS_H
#define LOCKSTEP_CHECKERS_CHECKERS_H

#include <stdbool.h>

#include "sim/observe.h"

struct lockdep;
struct race;

/* lockdep_attach -- register the lock-order checker with s; NULL if s has
 * no room for another observer. */
struct lockdep *lockdep_attach(struct sim *s, bool graph);
/* race_attach -- register the data-race checker with s; NULL if s has no
 * room, or LOCKSTEP_NO_RACE=1 (not registered). */
struct race *race_attach(struct sim *s);

/*
 * For tests: the checkers' observer tables, to call a hook directly with
 * what sim/ never passes.  LOCKDEP_READ_RECURSIVE is an acquisition mode
 * beyond enum sim_lock_mode: a recursive reader (read_lock() of an
 * rwlock_t, rcu_read_lock) is not blocked by a waiting writer.  The
 * simulator has no such primitive yet; the mode exists for lockdep's
 * strong-path rule.
 */
#define LOCKDEP_READ_RECURSIVE 2
extern const struct sim_observer lockdep_observer;
extern const struct sim_observer race_observer;

#endif
