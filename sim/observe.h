/* SPDX-License-Identifier: MIT */
/*
 * sim/observe.h -- what the scheduler publishes to the checkers that watch
 * it: the observer interface, and the little of sim/ a checker needs
 * besides (reports, where a thread is).
 *
 * An observer is a table of optional callbacks and a context pointer,
 * registered with sim_observe() on a struct sim before its first
 * execution.  sim/ calls every registered observer, in registration order,
 * on the running thread of an execution (never on the explorer, except
 * exec_begin, exec_end, reset and destroy), with the simulator state as it
 * is at that moment: so what one observer sees, and the reports it adds,
 * do not depend on which others are registered.  Adding a checker is
 * writing such a table and registering it where the struct sim is made
 * (engine/exec.c exec_new); no scheduler code changes.
 *
 * The lock events come in this order, per acquisition:
 *
 *   acquire      before the thread may block on the lock (it may never
 *                get it: the execution can deadlock or abort there);
 *   acquired     once the lock is the thread's, after any wait;
 *   acquire_try  instead of both, a trylock that succeeded (a failed one
 *                is not published: nothing changed);
 *   release      after the lock is dropped, before it is handed to a
 *                waiter.
 *
 * Each is published with the thread's held stack (below) already as it
 * is after the event: on acquired and acquire_try the lock's record is on
 * top; on release it is gone.
 *
 * References (struct sim_ref): ref_get and ref_put after the count
 * changed (a put may be done by a thread that did not get; when it drops
 * the count to zero, 'wake' of the reference's queue follows), and the
 * held stack with it (a thread's first get of r puts r's record on top,
 * with count 1; its last put takes it out); ref_wait
 * before a wait for zero, which then is a wait_event on the reference's
 * queue.  Wait queues: 'wake' before the sleepers are made runnable (also
 * when there are none), 'waited' when a wait returns, woken or not.
 * Fields (struct sim_var): var_read and var_write at each access, after it
 * is logged.  'mode' is an enum sim_lock_mode, or a checker's own mode
 * when a test calls the callbacks directly.
 *
 * Callbacks may read the simulator through sim.h and the functions below,
 * add reports (sim_add_report) and abort the execution through the core's
 * SIM_BUG_ON; they must not schedule, take simulated locks or log events.
 *
 * Concurrency: as the rest of a struct sim, one thread at a time.
 * Determinism: observers are called in registration order; a checker
 * must not decide anything by address (lookups by address are fine).
 */
#ifndef LOCKSTEP_SIM_OBSERVE_H
#define LOCKSTEP_SIM_OBSERVE_H

#include "sim/sim.h"

#define SIM_MAX_OBSERVERS 4

/*
 * The held stack: per thread of an execution, what it holds, oldest
 * first (the order of acquisition).  A record per lock acquired and not
 * released; a release takes the lock's latest record out wherever it is.
 * A record per reference the thread got and has not put, made by its
 * first get and counting the others; the put that drops the count to
 * zero takes it out (a put by a thread that holds none is on behalf of
 * the lowest thread that does).  A thread's lock records end with it, its
 * references stay until the next execution.
 *
 * One limit and one policy, sim/held.c: at most SIM_MAX_HELD records; a
 * thread that would hold more ends the execution as a crash ("thread N
 * holds more than 128 locks and references at once").
 *
 * An observer that keeps data of its own per hold (the lock-order
 * checker: graph nodes, where the hold was taken) asks for hold_size
 * bytes when it registers: each record carries them (all observers' at
 * most SIM_HOLD_DATA bytes, 8-byte aligned), zeroed when the record is
 * made and moved with it; sim_held_data() finds them.  No checker keeps
 * a list of holds of its own.
 */
#define SIM_HOLD_DATA 32

enum sim_hold_kind {
	SIM_HOLD_LOCK,
	SIM_HOLD_REF
};

struct sim_hold {
	const struct sim_lock *lock; /* SIM_HOLD_LOCK, else NULL */
	const struct sim_ref *ref;   /* SIM_HOLD_REF, else NULL */
	const char *fn;		     /* where it was taken (the first get) */
	uint8_t kind;		     /* enum sim_hold_kind */
	uint8_t mode;		     /* a lock's, as acquired; a reference
				      * SIM_SHARED */
	int count;		     /* references held on it; a lock 1 */
	_Alignas(8) unsigned char data[SIM_HOLD_DATA]; /* the observers' */
};

/* sim_held_count, sim_held -- thread tid's held stack: how many records,
 * and record i (0: the oldest).  O(1). */
int sim_held_count(const struct sim *s, int tid);
const struct sim_hold *sim_held(const struct sim *s, int tid, int i);
/* sim_held_data -- the hold_size bytes of observer obs (what sim_observe
 * returned) in record i of thread tid. */
void *sim_held_data(struct sim *s, int tid, int i, int obs);

/*
 * For tests that call an observer's lock hooks directly, with a mode sim/
 * has no primitive for (a recursive reader): put a record of l on, or
 * take it off, thread tid's held stack as an acquisition or a release
 * would, without the lock's state.  sim_check() would find the lock's
 * state disagree: such a test runs without it.
 */
void sim_hold_raw(struct sim *s, int tid, const struct sim_lock *l, int mode,
		  const char *fn);
void sim_unhold_raw(struct sim *s, int tid, const struct sim_lock *l);

struct sim_observer {
	const char *name; /* the checker's, for messages */
	/* bytes of its own per held lock or reference (0: none), see the
	 * held stack above */
	size_t hold_size;
	/* Executions: before the first thread runs and after the last one
	 * stopped (done or aborted); on the explorer. */
	void (*exec_begin)(void *ctx, struct sim *s);
	void (*exec_end)(void *ctx, struct sim *s);
	/* sim_reset_checkers: forget what was learnt across executions. */
	void (*reset)(void *ctx, struct sim *s);
	/* sim_destroy: the last call; free ctx. */
	void (*destroy)(void *ctx, struct sim *s);

	void (*acquire)(void *ctx, struct sim *s, int tid,
			const struct sim_lock *l, int mode, int subclass,
			const char *fn);
	void (*acquired)(void *ctx, struct sim *s, int tid,
			 const struct sim_lock *l, int mode, const char *fn);
	void (*acquire_try)(void *ctx, struct sim *s, int tid,
			    const struct sim_lock *l, int mode, const char *fn);
	void (*release)(void *ctx, struct sim *s, int tid,
			const struct sim_lock *l, int mode);

	void (*ref_get)(void *ctx, struct sim *s, int tid,
			const struct sim_ref *r, const char *fn);
	void (*ref_put)(void *ctx, struct sim *s, int tid,
			const struct sim_ref *r, const char *fn);
	void (*ref_wait)(void *ctx, struct sim *s, int tid,
			 const struct sim_ref *r, const char *fn);

	void (*wake)(void *ctx, struct sim *s, int tid,
		     const struct sim_waitq *wq);
	void (*waited)(void *ctx, struct sim *s, int tid,
		       const struct sim_waitq *wq);

	void (*var_read)(void *ctx, struct sim *s, int tid, struct sim_var *v,
			 const char *fn);
	void (*var_write)(void *ctx, struct sim *s, int tid, struct sim_var *v,
			  const char *fn);
};

/*
 * sim_observe -- register ops (static, it is not copied) with ctx: called
 * after those registered before it.  Between executions only.  Returns the
 * observer's number (>= 0, for sim_held_data), or -1 (errno ENOSPC) when
 * SIM_MAX_OBSERVERS are registered already or the held records have no
 * room left for ops->hold_size bytes.
 */
int sim_observe(struct sim *s, const struct sim_observer *ops, void *ctx);

/* sim_add_report -- a checker's finding in this execution (copied; the
 * first few of an execution are kept, see sim_reports()). */
void sim_add_report(struct sim *s, const struct sim_report *r);

/*
 * sim_thread_at -- where thread tid is in the event log: the indexes of
 * the SIM_EV_OP_BEGIN of the operation it runs and of the SIM_EV_POINT it
 * passed last in it (-1: none; always -1 without log_events).  O(1).
 */
void sim_thread_at(const struct sim *s, int tid, int32_t *op_ev,
		   int32_t *point_ev);
/* sim_context -- ", during OP, after POINT" for two such indexes, or the
 * part that exists, or "". */
void sim_context(const struct sim *s, int32_t op_ev, int32_t point_ev,
		 char *buf, size_t len);

#endif
