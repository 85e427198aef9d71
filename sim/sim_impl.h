/* SPDX-License-Identifier: MIT */
/*
 * sim/sim_impl.h -- the simulator's private state, shared by the files of sim/ only.
 */
#ifndef LOCKSTEP_SIM_IMPL_H
#define LOCKSTEP_SIM_IMPL_H

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>

#include "sim/observe.h"
#include "sim/sim.h"
#include "sim/strategy.h"

#define SIM_MAX_POINTS	 256 /* distinct "op.point" names */
/* the most one execution's arena may hold (sim/arena.c) */
#define SIM_ARENA_BUDGET ((size_t)1 << 30)

struct sim_point_name {
	const char *op, *point; /* static strings of the core */
	char *full;		/* "op.point" */
};

/* A bump allocator in chunks; freed whole, or kept for the next
 * execution's arena (sim_arena_recycle). */
struct sim_arena_chunk;
struct sim_arena {
	struct sim_arena_chunk *head;
	size_t total;		       /* bytes allocated, for the budget */
	struct sim_arena_chunk *spare; /* chunks to use again */
};
void *sim_arena_alloc(struct sim_arena *a, size_t size);
void sim_arena_reset(struct sim_arena *a);
void sim_arena_recycle(struct sim_arena *from, struct sim_arena *to);

struct sim_thread {
	uint32_t go; /* futex word: 1 = run */
	struct sim *sim;
	int index;
	pthread_t pt;
	enum sim_tstate state;
	bool started;
	void *arg;
	struct sim_lock *wait_lock; /* queued on it, when BLOCKED */
	struct sim_waitq *wait_q;   /* or sleeping on it */
	/* granted by a release while queued; owned from then on, pushed on
	 * held[] when the thread runs again (sim_check reads it) */
	const struct sim_lock *granted;
	const char *op;		     /* the operation running ("read") */
	bool exact;		     /* sim_exact(): points without scope */
	const struct sim_lock *spin; /* the spinlock it holds, if any */
	/* what it holds, locks and references (sim/held.c); the
	 * references are kept after it finishes, until the next execution */
	int nheld;
	struct sim_hold held[SIM_MAX_HELD];
	int32_t op_ev, point_ev;	/* sim_thread_at() */
	const struct sim_ref *wait_ref; /* the reference it waits for */
	sigjmp_buf jb;			/* the worker loop, for unwinding */
	/* native (sim/native.c): asleep on 'wake' under the global mutex,
	 * waiting to be eligible; pinned to the simulator's CPU or free */
	pthread_cond_t wake;
	bool sleeping;
	bool pinned;
};

struct sim {
	int n;
	struct sim_options opt;
	int cpu;
	struct sim_thread t[SIM_MAX_THREADS];
	uint32_t main_go; /* the explorer's futex word */
	int current;	  /* running thread, -1: explorer */
	bool in_exec;
	bool quit;
	bool check; /* sim_check() at every decision */

	/* the execution */
	sim_thread_fn fn;
	struct sim_strategy *st;
	const struct sim_step *steps;
	int nsteps, stepi;
	int step_failed;
	char step_why[256];
	char step_note[SIM_MAX_STEPS][160];
	uint64_t exec_index;
	uint64_t nsteps_exec;
	uint32_t seq;

	bool aborting;
	enum sim_abort abort;
	char abort_reason[1024];
	bool guard_armed;
	/* Saved without the signal mask (sigsetjmp(.., 0)), as the threads'
	 * are: on_fatal runs with SA_NODEFER and an empty sa_mask, so a
	 * crash leaves the mask as it was, and saving it would cost a
	 * system call per execution. */
	sigjmp_buf guard_jb;

	struct sim_event *ev;
	uint32_t nev, cap_ev;
	uint8_t *dec;
	uint32_t ndec, cap_dec;

	struct sim_arena arena, prev_arena;
	uint32_t next_id; /* ids of this execution's objects */
	uint64_t handoffs;

	/* native (sim/native.c): the operating system picks who runs */
	bool native;		   /* this execution */
	pthread_mutex_t native_mu; /* held by the thread in the core */
	int turn;		   /* the thread an interleave: step
					 * wants next; -1: whoever takes it */
	uint32_t open_mask;	   /* runnable at the last point */
	cpu_set_t all_cpus;	   /* the process's CPUs, for native */

	int npoints;
	struct sim_point_name points[SIM_MAX_POINTS];

	/* the observers (sim/observe.h), in registration order */
	int nobs;
	struct {
		const struct sim_observer *ops;
		void *ctx;
		size_t hold_off; /* its data in struct sim_hold */
	} obs[SIM_MAX_OBSERVERS];
	size_t hold_used; /* of struct sim_hold's data */
	int nreports;
	struct sim_report reports[8]; /* found in this execution */
};

/*
 * SIM_OBSERVE -- internal: call hook CB of every observer that has it, in
 * registration order, with the arguments after the context: a loop over
 * a short array, an indirect call per observer that has the hook.
 */
#define SIM_OBSERVE(s, CB, ...)                                        \
	do {                                                           \
		for (int o_ = 0; o_ < (s)->nobs; o_++)                 \
			if ((s)->obs[o_].ops->CB)                      \
				(s)->obs[o_].ops->CB((s)->obs[o_].ctx, \
						     __VA_ARGS__);     \
	} while (0)

extern struct sim *sim_current_sim;
extern __thread int sim_current_tid;

bool sim_scope_exact(struct sim *s, int me, const char *fn);
void sim_log(struct sim *s, int tid, enum sim_ev_kind kind, int mode,
	     const char *what, const char *fn, int32_t arg);
void sim_schedule(struct sim *s, int me);
/* sim_pick's answer when the operating system chooses (native): any of
 * s->open_mask. */
#define SIM_PICK_OPEN (-2)
int sim_pick(struct sim *s, int me);
void sim_record_decision(struct sim *s, int tid);
int sim_next_unfinished(const struct sim *s);
void sim_go_wait(uint32_t *go);
void sim_go_wake(uint32_t *go);

/* sim/native.c: the real-thread baseline (strategy "native") */
void sim_native_init(struct sim *s);
void sim_native_fini(struct sim *s);
bool sim_strategy_is_native(const struct sim_strategy *st);
void sim_native_execute(struct sim *s);
void sim_native_enter(struct sim *s, int me);
void sim_native_schedule(struct sim *s, int me, int next);
void sim_native_finish(struct sim *s, int me);
_Noreturn void sim_abort_exec(struct sim *s, enum sim_abort why,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sim_lock_holder(const struct sim_lock *l);

/* sim/held.c: the held stack (sim/observe.h).  sim_held_lock and
 * sim_held_ref_get end the execution as a crash past SIM_MAX_HELD records,
 * sim_held_unlock when the thread does not hold l. */
void sim_held_lock(struct sim *s, int tid, const struct sim_lock *l, int mode,
		   const char *fn);
void sim_held_unlock(struct sim *s, int tid, const struct sim_lock *l);
void sim_held_ref_get(struct sim *s, int tid, const struct sim_ref *r,
		      const char *fn);
void sim_held_ref_put(struct sim *s, int tid, const struct sim_ref *r);
/* references thread tid holds on r, from its record */
int sim_held_ref_count(const struct sim *s, int tid, const struct sim_ref *r);
/* a finished thread: its lock records go, its references stay */
void sim_held_drop_locks(struct sim_thread *t);

void sim_signals_init(void);
void sim_signals_thread_init(void);
void sim_signals_thread_fini(void);

#endif
