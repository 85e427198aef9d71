/* SPDX-License-Identifier: MIT */
/*
 * checkers/lockdep_impl.h -- the lock-order checker's state, shared by
 * checkers/lockdep.c (the graph, the observer's hooks) and
 * checkers/lockdep_report.c (the report of a cycle) only.
 *
 * One struct lockdep per struct sim the checker is attached to
 * (lockdep_attach), the context of its observer; the graph and what was
 * reported live across executions.  What a thread holds is sim/'s held
 * stack, each record with the checker's struct ld_slot.
 *
 * Names: lockdep_ (LOCKDEP_) for what checkers/checkers.h exports
 * (lockdep_attach, lockdep_observer, LOCKDEP_READ_RECURSIVE); ld_ (LD_)
 * for everything private to the checker, this header's declarations and
 * the files' static hooks and tables alike.
 */
#ifndef LOCKSTEP_CHECKERS_LOCKDEP_IMPL_H
#define LOCKSTEP_CHECKERS_LOCKDEP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ck_hs.h>

#include "checkers/checkers.h"
#include "checkers/hash.h"
#include "checkers/objtab.h"
#include "sim/observe.h"

#define LD_NONE	   UINT32_MAX
#define LD_MAX_SUB 8 /* nesting subclasses, as lockdep */

#define LD_MAX_PATH 16 /* edges of a reported cycle */

/* Where one side of a dependency happened, kept across executions. */
struct ld_ctx {
	char lock[SIM_NAME_MAX]; /* the instance: "invalidate_lock(a)" */
	const char *fn;		 /* the core's, a static string */
	uint64_t exec;
	uint8_t tid;
	uint8_t sub;		  /* nesting subclass */
	char op[80];		  /* "punch_hole(a, 4096, 4096)" */
	char point[SIM_NAME_MAX]; /* "punch_hole.locked" */
};

struct ld_edge {
	uint32_t from, to;
	uint32_t next;	      /* the next edge out of 'from' */
	uint8_t hmode, amode; /* enum ld_hmode, enum ld_amode */
	uint8_t hsub, asub;   /* instance graph: subclasses */
	struct ld_ctx held, taken;
};

struct ld_node {
	char name[SIM_NAME_MAX];
	uint64_t hash;
	uint32_t index;
	uint32_t first, last; /* edges out, oldest first */
	uint8_t sub;
	uint8_t kind;	       /* enum ld_kind */
	bool rwsem;	       /* a rw_semaphore: modes are shown */
	const char *writer_fn; /* where a writer could wait, or
					 * NULL */
};

struct ld_graph {
	bool inst;
	struct ld_node **node;
	uint32_t nnodes, cap_nodes;
	struct ld_edge *edge;
	uint32_t nedges, cap_edges;
	ck_hs_t nodes; /* by kind, name and subclass */
	ck_hs_t edges; /* by ends, types, subclasses */
	/* search scratch: a state is a node and how the path came in */
	uint32_t *seen, *via_edge, *via_state, *queue;
	uint32_t cap_states, gen;
};

/* held modes and acquisition modes on an edge */
enum ld_hmode {
	LD_H_EXCL,
	LD_H_SHARED
};
enum ld_amode {
	LD_A_EXCL,
	LD_A_READ,
	LD_A_RREAD
};
enum ld_kind {
	LD_LOCK,
	LD_REF
};

/*
 * A lock or reference, found by address (lookups only: no decision or
 * report depends on the address).  Records outlive executions: the arena
 * hands the same addresses to the next execution but one, so the graph
 * nodes are usually found here, checked against the object's id, class
 * and name.
 */
struct ld_obj {
	const void *obj;       /* first, as objtab.h asks */
	const void *cls;       /* the lock class the nodes are of */
	uint32_t id;	       /* its id when the nodes were found */
	uint32_t nodes_gen;    /* the execution that checked them */
	uint8_t kind;	       /* enum ld_kind */
	uint8_t csub;	       /* subclass of cnode */
	uint32_t cnode, inode; /* class and instance nodes */
};

/*
 * The checker's data in each record of a thread's held stack (sim/'s,
 * sim/observe.h: the observer's hold_size): the hold's graph nodes, how
 * it is held and where it was taken.  'set' once the hooks filled it (a
 * record a test made without them stays zero: not a hold of the graph).
 */
struct ld_slot {
	uint32_t cnode, inode;
	int32_t op_ev, point_ev; /* context: event indexes, or -1 */
	uint8_t hmode, sub;
	bool set;
};

/* One lock or reference a thread holds or acquires, and where it took it:
 * a held record and its slot, as the graph code reads them. */
struct ld_held {
	const void *obj;
	uint32_t cnode, inode;
	uint8_t hmode, sub;
	bool ref;
	const char *fn;
	int32_t op_ev, point_ev; /* context: event indexes, or -1 */
};

struct ld_thread {
	struct ld_held pending; /* being acquired (may block) */
};

struct lockdep {
	int obs;      /* the observer's number: its slot (sim_held_data) */
	bool graph;   /* the graph, or only the rank check */
	uint32_t gen; /* execution generation, never 0 */
	struct ld_thread t[SIM_MAX_THREADS];
	/* the current execution's objects */
	struct objtab objs; /* struct ld_obj */
	/* across executions */
	struct ld_graph *cls, *inst;
	ck_hs_t chains;	  /* lockdep's chain cache */
	ck_hs_t reported; /* signatures reported */
};

/* ld_report_once -- whether signature sig is new for this struct sim. */
bool ld_report_once(struct lockdep *ld, uint64_t sig);
/* ld_node_find -- the node of a kind, name and subclass, or LD_NONE. */
uint32_t ld_node_find(struct ld_graph *g, enum ld_kind kind, const char *name,
		      int sub);

/* lockdep_report.c: a cycle closed by edge ei of g, its other edges
 * 'path' (n of them; 0: a lock taken twice), as lockdep prints it */
void ld_report_cycle(struct sim *s, struct lockdep *ld, struct ld_graph *g,
		     uint32_t ei, const uint32_t *path, int n,
		     const void *held_obj, const void *new_obj);

#endif
