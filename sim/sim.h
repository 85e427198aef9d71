/* SPDX-License-Identifier: MIT */
/*
 * sim/sim.h -- the deterministic scheduler.
 *
 * Each scenario thread is a real pthread, but exactly one of them runs at a
 * time: the running thread hands the CPU over explicitly at every
 * scheduling point (every lock operation and every named point of the
 * core), and the strategy (sim/strategy.h) decides who runs next.  The
 * handoff is a direct futex wake of the chosen thread followed by a futex
 * wait on one's own word: one wake and one wait per context switch, with
 * every thread of an execution pinned to one CPU.  Threads are created once
 * and reused by every execution of a run.
 *
 * Owns: struct sim, its worker threads, the locks' wait queues, the event
 * log of the current execution, the per-execution arena, and the list of
 * observers (sim/observe.h: the checkers) it publishes its events to.
 * Knows no checker: they register with it.
 *
 * Concurrency: a struct sim is used by one explorer (the thread that calls
 * sim_execute) and by its workers, never two at a time, which is the whole
 * point.  Nothing here is safe to share between two struct sims except the
 * lock classes, which are static and immutable.
 *
 * Lock semantics follow the kernel: a mutex and the page lock are handed to
 * the first waiter in FIFO order; a rw_semaphore makes a new reader wait
 * while a writer is queued (rwsem fairness), and on release grants the
 * queue's head: one writer, or every reader up to the next writer.
 * Determinism: every decision depends only on thread indexes, the event
 * sequence and the strategy's seeded generator.
 */
#ifndef LOCKSTEP_SIM_H
#define LOCKSTEP_SIM_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_THREADS 16
/* Locks and references one thread holds at once (its held stack,
 * sim/observe.h): one more ends the execution as a crash, naming the
 * thread; the one limit of every list of holds. */
#define SIM_MAX_HELD	128
#define SIM_NAME_MAX	48

struct sim;
struct sim_strategy;

/* ---- Lock classes and locks ------------------------------------------- */

/*
 * A lock class, as the kernel's lock validator has them: one per kind of lock in the core
 * ("i_rwsem", "invalidate_lock", "page lock").  Static and immutable; 'rank'
 * is the class's place in the core's lock order (core/lockorder.h), checked
 * at run time.
 */
struct sim_lock_class {
	const char *name;
	int rank; /* outermost first; 0: not ranked */
	/*
	 * A spinlock: never held at a scheduling point (sim_schedule ends
	 * the execution with a crash, "scheduling while atomic", if it is),
	 * so no thread ever waits for it, and everything it protects is
	 * announced where it is touched (sim_touch, fields).  Its lock
	 * events are then invisible to other threads, and the systematic
	 * search leaves them out of what a step touches (sim/dfs.c).
	 * Nested spinlocks are not modelled.
	 */
	bool spin;
};

enum sim_lock_kind {
	SIM_MUTEX,
	SIM_RWSEM
};
enum sim_lock_mode {
	SIM_EXCL,
	SIM_SHARED
};

struct sim_waiter {
	uint8_t tid;
	uint8_t mode; /* enum sim_lock_mode */
};

struct sim_lock {
	const struct sim_lock_class *cls;
	enum sim_lock_kind kind;
	uint32_t id;		 /* instance number: a simulated address */
	char name[SIM_NAME_MAX]; /* "invalidate_lock(a)" */
	int owner;		 /* exclusive holder or -1 */
	int readers;		 /* shared holders */
	uint32_t reader_mask;	 /* which threads hold it shared */
	int nwait;
	struct sim_waiter wait[SIM_MAX_THREADS];
	/* where the exclusive owner (or last reader) took it, for reports */
	const char *taken_at;
};

/*
 * A wait for a condition that is not a lock (a page reference count to
 * drop, a DAX entry to unlock).  Threads sleep on it until a thread that
 * changed the condition calls sim_wake_all().
 */
struct sim_waitq {
	char name[SIM_NAME_MAX];
	uint32_t sleepers; /* mask of threads waiting */
};

/*
 * A counted reference that others may wait to see drop to zero: the pins
 * get_user_pages takes on a page, that break-layouts waits for.  The
 * lock-order checker treats a reference like a shared hold of a lock and
 * a wait for zero like an exclusive acquisition, so a thread that waits
 * for references while holding a lock their holders need is a cycle even
 * in a schedule that did not deadlock (what the kernel's cross-release
 * tried).  A reference may be dropped by a thread other than the one that
 * took it; sim/ counts who holds how many, for the deadlock report.
 */
struct sim_ref {
	char name[SIM_NAME_MAX];
	uint32_t id;
	int count;
	uint32_t holders; /* threads holding references */
	struct sim_waitq wq;
};

/*
 * A shared field whose accesses are published to the observers
 * (sim/observe.h): the data-race checker watches S_DAX, i_size, the
 * address space operations, page flags read without the lock.  Accesses
 * are ordered by happens-before over the simulator's synchronisation
 * (locks, references, wait queues, thread start).  Name it "field(instance)"
 * ("i_size(a)"): a race is one finding whatever the instance.  Fixed size:
 * it is embedded in the core's structures.
 */
#define SIM_VAR_SHADOW_WORDS 36
struct sim_var {
	char name[SIM_NAME_MAX];
	uint32_t id;
	/* The field's shadow state, for the one observer that keeps per
	 * field state (checkers/race.c): zeroed by sim_var_init(), never
	 * read by sim/.  In the field, not in a table, so that an access
	 * costs no lookup. */
	union {
		uint64_t u64[SIM_VAR_SHADOW_WORDS];
		void *p;
	} shadow;
};

/* ---- Events -------------------------------------------------------------- */

enum sim_ev_kind {
	SIM_EV_OP_BEGIN, /* what: operation text */
	SIM_EV_OP_END,	 /* what: operation text, arg: result */
	SIM_EV_POINT,	 /* what: point name */
	SIM_EV_ACQUIRE,	 /* lock taken (after any wait) */
	SIM_EV_BLOCK,	 /* must wait for lock / waitq */
	SIM_EV_RELEASE,
	SIM_EV_WAKE, /* a waitq was woken */
	SIM_EV_NOTE, /* free text from the core */
	SIM_EV_THREAD_END,
	SIM_EV_ACCESS, /* what: an object touched; arg 1:
					 * the scope of the point that follows
					 * (sim_point_obj); 0: a field read,
					 * 2: a field written; 3: a lock's
					 * point; 4, 5: a part read, written
					 * (sim_touch, idx); 6: a part updated
					 * by a commutative add (sim_touch_add);
					 * 7: sim_exact on */
};

#define SIM_EV_SPIN 1u /* sim_event.idx of a spinlock's ACQUIRE, RELEASE */

struct sim_event {
	uint32_t seq; /* logical time */
	uint8_t tid;
	uint8_t kind; /* enum sim_ev_kind */
	uint8_t mode; /* enum sim_lock_mode for lock events */
	int32_t arg;
	uint32_t idx;	  /* sim_touch: which part; lock events:
			   * SIM_EV_SPIN for a spinlock's */
	const char *what; /* point/op name, lock or waitq name */
	const char *fn;	  /* the core function that did it */
};

/* ---- Threads ------------------------------------------------------------- */

enum sim_tstate {
	SIM_T_UNUSED,
	SIM_T_RUNNABLE,
	SIM_T_BLOCKED,
	SIM_T_DONE
};

typedef void (*sim_thread_fn)(struct sim *s, int tid, void *arg);

/* Why an execution stopped before every thread finished. */
enum sim_abort {
	SIM_OK,
	SIM_ABORT_DEADLOCK, /* no runnable thread, some unfinished */
	SIM_ABORT_CRASH,    /* BUG() in the core, or a signal */
	SIM_ABORT_REPLAY,   /* a replayed decision did not fit */
	SIM_ABORT_LIMIT,    /* too many steps: a livelock */
};

/* A directed step (scenario interleave:); at most SIM_MAX_STEPS of them. */
#define SIM_MAX_STEPS 64
struct sim_step {
	int tid;
	const char *until; /* point name, or NULL for 'run' */
};

/* ---- The simulator ------------------------------------------------------ */

struct sim_options {
	int cpu;	    /* CPU to pin to; -1: the current one */
	uint64_t max_steps; /* livelock limit per execution */
	bool log_events;    /* keep the event log (reports need it) */
};

/*
 * What the checkers observing a struct sim (sim/observe.h: lock order,
 * data races) found in the last execution.  The lock dependency graph
 * lives across the executions of a struct sim, so a report may combine
 * edges from several executions; each distinct cycle or race (by
 * signature) is reported once per struct sim.  A struct sim has no
 * checker until one is registered (checkers/checkers.h).
 */
enum sim_report_kind {
	SIM_REPORT_LOCK_ORDER,
	SIM_REPORT_DATA_RACE
};

struct sim_report {
	enum sim_report_kind kind;
	uint64_t signature; /* classes/fields and functions involved */
	char what[192];	    /* one line */
	char detail[2048];  /* the evidence, lines indented by 4 */
	/* The earlier executions whose dependencies the report uses: a
	 * replay runs them first, in order, to rebuild the graph. */
	int nprior;
	uint64_t prior[16];
};

struct sim *sim_create(int nthreads, const struct sim_options *opt);
void sim_destroy(struct sim *s);

/*
 * sim_execute -- run one execution: thread i runs fn(s, i, arg[i]),
 * scheduled by 'st' after the directed steps.  Returns when every thread is
 * done or the execution was aborted (deadlock, crash, replay mismatch).
 */
enum sim_abort sim_execute(struct sim *s, sim_thread_fn fn, void *const *arg,
			   struct sim_strategy *st,
			   const struct sim_step *steps, int nsteps);

/* The struct sim of the calling thread's execution (NULL outside one). */
struct sim *sim_self(void);
/* The scenario thread index of the caller, or -1 outside an execution. */
int sim_tid(void);

/*
 * Scheduling points.  'point' is the point's name within the operation the
 * thread is running ("block_mapped"); its full name is "OP.POINT"
 * ("read.block_mapped"), which interleave: steps and reports use, so one
 * core function (readpage) serves the points of several operations.  'fn'
 * names the core function, for reports.
 */
void sim_point(const char *point, const char *fn);
/*
 * sim_point_obj -- a named point whose code (from the scheduling point
 * before it to the one after it) touches, of the data the simulator cannot
 * see and is not announced (sim_touch), only 'obj' and 'obj2' (or NULL):
 * names such as "a" (all of file a), which must outlive the execution
 * (static, arena or inode).  The systematic search (sim/dfs.c) takes such
 * a point as independent of steps that touch neither; a plain sim_point()
 * (or both NULL) may touch anything.  In exact mode (sim_exact) the scope
 * is not needed and not logged.
 */
void sim_point_obj(const char *point, const char *fn, const char *obj,
		   const char *obj2);
/*
 * sim_touch -- for the systematic search: the running thread reads (write
 * false) or writes element 'idx' of 'part', data that no lock, reference
 * or field announces: a file's history for the oracles ("hist"), a device
 * block ("dev"), the allocator ("alloc"), a block map entry ("bmap"), a
 * page cache slot and its page ("pg").  'inst', if not NULL, is the object
 * the part belongs to (a file: "a"), so that the touch does not commute
 * with a scheduling point whose scope names that object.  Indexes are
 * SIM_TOUCH_IDX(group, member): a member 0xffff stands for its whole
 * group, SIM_TOUCH_ALL for the whole part.  Two steps that touch one
 * element, one of them writing it, do not commute.  'part' must be
 * static, 'inst' live as long as the execution.
 */
#define SIM_TOUCH_ALL UINT32_MAX
#define SIM_TOUCH_IDX(group, member) \
	((uint32_t)(group) << 16 | ((uint32_t)(member)&0xffff))
#define SIM_TOUCH_GROUP(group) SIM_TOUCH_IDX(group, 0xffff)
void sim_touch(const char *part, const char *inst, uint32_t idx, bool write);
/*
 * sim_touch_add -- as sim_touch, for an update that commutes with every
 * other such update of the element and reads nothing of it: an increment
 * of a counter that nothing reads in the same step (a reference's get).
 * Two adds commute; an add and a read or write of the element do not.
 */
void sim_touch_add(const char *part, const char *inst, uint32_t idx);

/*
 * sim_exact -- from here (on: true) the running thread's code announces
 * every shared datum it touches that no lock it holds protects (locks,
 * references, wait queues, fields, sim_touch), so its scheduling points
 * and locks need no scope: the search may commute its steps with any
 * step touching other data.  Off at the start of each execution.
 */
void sim_exact(bool on);
void sim_note(const char *text);
/* Operation boundaries, for the report and the oracles' intervals ('text'
 * must outlive the execution's report: arena or static). */
void sim_op_begin(const char *op, const char *text); /* op: "read" */
void sim_op_end(const char *text, int result);

/*
 * sim_name_put -- append s to the name in dst (len bytes, *n of them used),
 * cut and terminated as snprintf would: objects are named at every
 * execution, so without printf.  sim_name_put_u64 appends a number.
 */
void sim_name_put(char *dst, size_t len, size_t *n, const char *s);
void sim_name_put_u64(char *dst, size_t len, size_t *n, uint64_t v);

/* Locks.  Outside an execution (set-up, final checks) they are plain
 * uncontended state changes. */
void sim_lock_init(struct sim_lock *l, const struct sim_lock_class *cls,
		   enum sim_lock_kind kind, const char *instance);
void sim_mutex_lock(struct sim_lock *l, const char *fn);
bool sim_mutex_trylock(struct sim_lock *l, const char *fn);
void sim_mutex_unlock(struct sim_lock *l, const char *fn);
void sim_down_read(struct sim_lock *l, const char *fn);
void sim_down_write(struct sim_lock *l, const char *fn);
void sim_down_write_nested(struct sim_lock *l, int subclass, const char *fn);
bool sim_down_read_trylock(struct sim_lock *l, const char *fn);
void sim_up_read(struct sim_lock *l, const char *fn);
void sim_up_write(struct sim_lock *l, const char *fn);
bool sim_lock_held(const struct sim_lock *l); /* by the caller */
bool sim_lock_held_excl(const struct sim_lock *l);

void sim_ref_init(struct sim_ref *r, const char *name);
void sim_ref_get(struct sim_ref *r, const char *fn);
void sim_ref_put(struct sim_ref *r, const char *fn);
/* Sleep until nobody holds a reference; a scheduling point. */
void sim_ref_wait_zero(struct sim_ref *r, const char *fn);

void sim_var_init(struct sim_var *v, const char *name);
void sim_var_read(struct sim_var *v, const char *fn);
void sim_var_write(struct sim_var *v, const char *fn);

void sim_waitq_init(struct sim_waitq *wq, const char *name);
/* Sleep on wq until cond(arg) holds; a scheduling point. */
void sim_wait_event(struct sim_waitq *wq, bool (*cond)(void *), void *arg,
		    const char *fn);
void sim_wake_all(struct sim_waitq *wq);

/* BUG: an assertion of the core failed; the execution ends as a crash. */
#define SIM_BUG_ON(c)                                    \
	do {                                             \
		if (__builtin_expect(!!(c), 0))          \
			sim_bug(__FILE__, __LINE__, #c); \
	} while (0)
_Noreturn void sim_bug(const char *file, int line, const char *what);

/* Per-execution arena: freed in one go when the next execution starts. */
void *sim_alloc(size_t size);
char *sim_strdup(const char *str);

/* ---- What an execution left behind -------------------------------------- */

/* The event log of the last execution. */
const struct sim_event *sim_events(const struct sim *s, uint32_t *n);
/* The scheduling decisions taken (thread index at each choice point). */
const uint8_t *sim_decisions(const struct sim *s, uint32_t *n);
/* Logical time: the sequence number the next event gets. */
uint32_t sim_now(void);
uint64_t sim_steps(const struct sim *s);
/* Why it stopped, with the details for the report. */
const char *sim_abort_reason(const struct sim *s);
/* The directed step that could not be followed, or -1, and why. */
int sim_step_failed(const struct sim *s, const char **why);
int sim_nthreads(const struct sim *s);
enum sim_tstate sim_thread_state(const struct sim *s, int tid);
/* What a blocked thread waits for (lock or waitq name), or NULL. */
const char *sim_thread_waits(const struct sim *s, int tid);
const struct sim_lock *sim_thread_wait_lock(const struct sim *s, int tid);
/* The note a directed 'run' step left (it stopped blocked), or NULL. */
const char *sim_step_note(const struct sim *s, int step);

/* The checkers' reports from the last execution. */
int sim_reports(const struct sim *s, const struct sim_report **out);
/* Forget the checkers' state (the dependency graph, what was reported):
 * the observers' reset hooks; between executions only. */
void sim_reset_checkers(struct sim *s);

/*
 * Invariants (sim/check.c), read-only, callable from a scenario thread or
 * the explorer; each returns 0, or -1 with what is wrong in msg.
 *
 * sim_check -- the scheduler's own state (sim/sim.c's header): one thread
 * runs, the current one; a thread is blocked iff it is queued exactly once
 * on the lock it waits for or sleeps on its wait queue; every lock a
 * thread holds or waits for passes sim_lock_check; a waiter a release
 * granted owns the lock until it runs; each held stack (sim/observe.h) is
 * within SIM_MAX_HELD, a finished thread's has no lock, and a thread's
 * reference has one record there, counting at least one.  With LOCKSTEP_CHECK_INVARIANTS=1
 * in the environment (make check sets it) the scheduler runs it at every
 * decision and a failure ends the execution as a crash ("sim_check: ...").
 *
 * sim_lock_check -- one lock: readers match its reader mask, exclusive
 * and shared holds exclude each other, each holder holds it in that mode
 * on its held stack (or was granted it and has not run since, or has
 * finished), each waiter is blocked on it, and its queue's head could not
 * take it (a release grants the head at once).  For locks no thread
 * reaches (the core's page locks: core_check_pagecache).
 */
int sim_check(const struct sim *s, char *msg, size_t len);
int sim_lock_check(const struct sim *s, const struct sim_lock *l, char *msg,
		   size_t len);

/* Handoffs (context switches) since sim_create, for make bench. */
uint64_t sim_handoffs(const struct sim *s);

/* Executions are numbered; strategies seed from the number. */
uint64_t sim_exec_index(const struct sim *s);
void sim_set_exec_index(struct sim *s, uint64_t i);

/*
 * sim_new_arena -- start the next execution's arena (sim_alloc).  The
 * previous execution's objects stay valid until the call after, so its
 * report can be written while the next one is set up.
 */
void sim_new_arena(struct sim *s);

/*
 * sim_guard -- run fn(arg) on the calling (explorer) thread, outside the
 * scheduler, with BUG() and fatal signals caught: returns false if it
 * crashed (sim_abort_reason() says how).  Set-up and the final checks of
 * an execution run this way.
 */
bool sim_guard(struct sim *s, void (*fn)(void *), void *arg);

/*
 * sim_oom -- lockstep itself ran out of memory (what: the structure that
 * could not grow): "lockstep: out of memory (what)" on stderr and exit 3,
 * an internal error (SPEC.md 8), never a finding.  Every allocation
 * outside the arena that cannot fail gracefully ends here.
 */
_Noreturn void sim_oom(const char *what);

#endif
