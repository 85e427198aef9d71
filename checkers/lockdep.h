/* SPDX-License-Identifier: MIT */
/*
 * checkers/lockdep.h -- the checkers' hooks in the lock paths, and the state the
 * lock-order checker (checkers/lockdep.c) shares with the data-race checker
 * (checkers/race.c).  Private to sim/.
 *
 * The hooks are called by sim/lock.c on the running thread of an
 * execution, never on the explorer:
 *
 *   lockdep_acquire      before the thread may block on the lock: the new
 *                        dependencies are added and checked here, so an
 *                        inversion is seen even in a schedule that did not
 *                        deadlock;
 *   lockdep_acquired     once the lock is the thread's (after any wait):
 *                        it is held from now on, and happens-after the
 *                        releases it synchronises with;
 *   lockdep_acquire_try  a trylock that succeeded: held, no dependency;
 *   lockdep_release      before the lock is handed to a waiter;
 *   lockdep_ref_*        references (struct sim_ref): a get is a shared
 *                        hold until the put, by any thread; a wait for
 *                        zero is an exclusive acquisition;
 *   lockdep_wake, lockdep_waited   wait queues, for happens-before.
 *
 * Concurrency: like the rest of a struct sim, used by one thread at a time.
 */
#ifndef LOCKSTEP_CHECKERS_LOCKDEP_H
#define LOCKSTEP_CHECKERS_LOCKDEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim;
struct sim_lock;
struct sim_ref;
struct sim_waitq;

/*
 * Acquisition modes beyond enum sim_lock_mode: a recursive reader
 * (read_lock() of an rwlock_t, rcu_read_lock) is not blocked by a waiting
 * writer.  The simulator has no such primitive yet; the mode exists for
 * lockdep's strong-path rule and tests reach it through the hooks.
 */
#define LOCKDEP_READ_RECURSIVE 2

void lockdep_acquire(struct sim *s, int tid, const struct sim_lock *l,
		     int mode, int subclass, const char *fn);
void lockdep_acquired(struct sim *s, int tid, const struct sim_lock *l,
		      int mode, const char *fn);
void lockdep_acquire_try(struct sim *s, int tid, const struct sim_lock *l,
			 int mode, const char *fn);
void lockdep_release(struct sim *s, int tid, const struct sim_lock *l,
		     int mode);

void lockdep_ref_get(struct sim *s, int tid, const struct sim_ref *r,
		     const char *fn);
void lockdep_ref_put(struct sim *s, int tid, const struct sim_ref *r,
		     const char *fn);
void lockdep_ref_wait(struct sim *s, int tid, const struct sim_ref *r,
		      const char *fn);

/* wake-ups: the waker's past happens-before the sleepers' future */
void lockdep_wake(struct sim *s, int tid, const struct sim_waitq *wq);
void lockdep_waited(struct sim *s, int tid, const struct sim_waitq *wq);

/* Start and end of an execution: the graph persists across executions,
 * per-execution state (held locks, clocks) does not. */
void lockdep_exec_begin(struct sim *s);
void lockdep_exec_end(struct sim *s);
void lockdep_destroy(struct sim *s);

/* For the deadlock report (sim/sim.c): the reference thread tid sleeps on,
 * if its wait queue is a reference's, and how many references each thread
 * holds on it (counts[SIM_MAX_THREADS]); returns the references taken
 * outside the execution (set-up), which nobody will drop. */
const struct sim_ref *lockdep_ref_waited(const struct sim *s, int tid);
int lockdep_ref_holders(const struct sim *s, const struct sim_ref *r,
			int *counts);
/* The references thread tid holds, with where it took them. */
int lockdep_refs_held(const struct sim *s, int tid,
		      const struct sim_ref **refs, const char **fn, int max);

/* ---- Shared by lockdep.c and race.c -------------------------------------- */

#ifdef LOCKDEP_INTERNAL

#include <ck_hs.h>

#include "sim/sim.h"

#define LD_NONE UINT32_MAX
#define LD_MAX_HELD 128		/* locks and references held at once */
#define LD_MAX_SUB 8		/* nesting subclasses, as lockdep */

#define LD_MAX_PATH 16		/* edges of a reported cycle */

/* Where one side of a dependency happened, kept across executions. */
struct ld_ctx {
	char lock[SIM_NAME_MAX];	/* the instance: "invalidate_lock(a)" */
	const char *fn;			/* the core's, a static string */
	uint64_t exec;
	uint8_t tid;
	uint8_t sub;			/* nesting subclass */
	char op[80];			/* "punch_hole(a, 4096, 4096)" */
	char point[SIM_NAME_MAX];	/* "punch_hole.locked" */
};

struct ld_edge {
	uint32_t from, to;
	uint32_t next;			/* the next edge out of 'from' */
	uint8_t hmode, amode;		/* enum ld_hmode, enum ld_amode */
	uint8_t hsub, asub;		/* instance graph: subclasses */
	struct ld_ctx held, taken;
};

struct ld_node {
	char name[SIM_NAME_MAX];
	uint64_t hash;
	uint32_t index;
	uint32_t first, last;		/* edges out, oldest first */
	uint8_t sub;
	uint8_t kind;			/* enum ld_kind */
	bool rwsem;			/* a rw_semaphore: modes are shown */
	const char *writer_fn;		/* where a writer could wait, or
					 * NULL */
};

struct ld_graph {
	bool inst;
	struct ld_node **node;
	uint32_t nnodes, cap_nodes;
	struct ld_edge *edge;
	uint32_t nedges, cap_edges;
	ck_hs_t nodes;			/* by kind, name and subclass */
	ck_hs_t edges;			/* by ends, types, subclasses */
	/* search scratch: a state is a node and how the path came in */
	uint32_t *seen, *via_edge, *via_state, *queue;
	uint32_t cap_states, gen;
};

/* held modes and acquisition modes on an edge */
enum ld_hmode { LD_H_EXCL, LD_H_SHARED };
enum ld_amode { LD_A_EXCL, LD_A_READ, LD_A_RREAD };
enum ld_kind { LD_LOCK, LD_REF, LD_WAITQ };

typedef uint32_t ld_vc[SIM_MAX_THREADS];	/* a vector clock */

/*
 * A synchronisation object, found by address (lookups only: no decision or
 * report depends on the address).  Records outlive executions: the arena
 * hands the same addresses to the next execution but one, so the graph
 * nodes are usually found here, checked against the object's id, class
 * and name; hold counts and clocks belong to execution 'gen' only.
 */
struct ld_obj {
	const void *obj;
	const void *cls;		/* the lock class the nodes are of */
	uint32_t id;			/* its id when the nodes were found */
	uint32_t gen;			/* the execution of hold[] and clocks */
	uint32_t nodes_gen;		/* the execution that checked them */
	uint8_t kind;			/* enum ld_kind */
	uint8_t csub;			/* subclass of cnode */
	bool released;			/* vc_w or vc_r is not empty */
	uint32_t cnode, inode;		/* class and instance nodes */
	uint16_t hold[SIM_MAX_THREADS];	/* refs: references per thread */
	ld_vc vc_w;			/* exclusive releases, puts, wakes */
	ld_vc vc_r;			/* shared releases */
};

/* One lock or reference a thread holds, and where it took it. */
struct ld_held {
	const void *obj;
	struct ld_obj *o;
	uint32_t cnode, inode;
	uint8_t hmode, sub;
	bool ref;
	const char *fn;
	int32_t op_ev, point_ev;	/* context: event indexes, or -1 */
};

struct ld_thread {
	int nheld;
	bool overflow;			/* held more than LD_MAX_HELD */
	struct ld_held held[LD_MAX_HELD];
	struct ld_held pending;		/* being acquired (may block) */
	ld_vc vc;			/* happens-before clock */
	int32_t op_ev, point_ev;	/* current operation and last point */
	const struct sim_ref *ref_wait;	/* last wait for zero */
};

struct ld_state {
	bool no_lockdep, no_race;
	uint32_t gen;			/* execution generation */
	uint32_t scan;			/* event log read up to here */
	struct ld_thread t[SIM_MAX_THREADS];
	/* the current execution's objects */
	ck_hs_t objs;
	struct ld_obj **chunk;
	uint32_t nchunks, nobjs;
	/* across executions */
	struct ld_graph *cls, *inst;
	ck_hs_t chains;			/* lockdep's chain cache */
	ck_hs_t reported;		/* signatures reported */
};

struct ld_state *ld_state(struct sim *s);
struct ld_obj *ld_obj_get(struct ld_state *ld, const void *obj, uint32_t id,
			  enum ld_kind kind);
/* ld_scan -- bring each thread's current operation and point up to date
 * from the event log. */
void ld_scan(struct sim *s, struct ld_state *ld);
/* ld_context -- " during OP, after POINT" for event indexes, or "". */
void ld_context(const struct sim *s, int32_t op_ev, int32_t point_ev,
		char *buf, size_t len);
/* ld_report_once -- whether signature sig is new for this struct sim. */
bool ld_report_once(struct ld_state *ld, uint64_t sig);
uint64_t ld_hash_str(uint64_t h, const char *str);
uint64_t ld_hash_u64(uint64_t h, uint64_t v);
/* ld_node_find -- the node of a kind, name and subclass, or LD_NONE. */
uint32_t ld_node_find(struct ld_graph *g, enum ld_kind kind, const char *name,
		      int sub);

/* lockdep_report.c: a cycle closed by edge ei of g, its other edges
 * 'path' (n of them; 0: a lock taken twice), as lockdep prints it */
void ld_report_cycle(struct sim *s, struct ld_state *ld, struct ld_graph *g,
		     uint32_t ei, const uint32_t *path, int n,
		     const void *held_obj, const void *new_obj);

/* race.c: the happens-before side of the hooks */
void race_exec_begin(struct sim *s, struct ld_state *ld);
void race_acquire(struct ld_state *ld, int tid, struct ld_obj *o, int mode);
void race_release(struct ld_state *ld, int tid, struct ld_obj *o, int mode);

#endif /* LOCKDEP_INTERNAL */

#endif
