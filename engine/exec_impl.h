/* SPDX-License-Identifier: MIT */
/*
 * engine/exec_impl.h -- private to engine/: struct exec, shared by the
 * execution (exec.c) and the operations' handlers (ops.c).
 *
 * An operation is described once per layer, each part keyed by its enum
 * scen_op_kind: what a scenario may say (scen_ops[], scenarios/), the
 * points the core passes for it (core/fixes.c), and here how it runs:
 * exec_ops[], one handler per family of operations.
 */
#ifndef LOCKSTEP_ENGINE_EXEC_IMPL_H
#define LOCKSTEP_ENGINE_EXEC_IMPL_H

#include "core/core.h"
#include "engine/exec.h"
#include "oracle/oracle.h"

struct exec_thread {
	struct exec *e;
	int tid;
};

struct exec {
	const struct scen *sc;
	uint32_t fixes;
	struct pmem_dev *dev;
	struct sim *sim;
	struct exec_thread th[SCEN_MAX_THREADS];
	void *args[SCEN_MAX_THREADS];
	struct core_file_spec spec[SCEN_MAX_FILES];
	/* formatted once per run, not per execution: each operation's
	 * description and 'what' (by its op id - 1), each file's final
	 * checks' 'what' */
	char (*op_desc)[SCEN_OP_DESC_MAX];
	char (*op_what)[192];
	char final_what[SCEN_MAX_FILES][2][160];

	/* the execution */
	struct core_fs *fs;
	struct oracle *oracle; /* the files' histories */
	struct gup_pin **pins; /* by the scenario's pin index */
	int cur_op[SCEN_MAX_THREADS];
	uint64_t seen[SCEN_MAX_THREADS]; /* exec_result.outcome's parts */
	bool want_outcome;
	bool undirected;	 /* exec_options.undirected */
	volatile int *null_page; /* test_crash's target: NULL */
	struct exec_result res;
};

/* One operation being run: what its handler gets, and what it gives back
 * for the execution's outcome. */
struct op_run {
	const struct scen_op *op;
	int tid, opi;
	uint32_t id;		      /* its op id: the stamps' */
	uint32_t rs;		      /* the instant it started */
	uint64_t len;		      /* op->len, cut to SCEN_MAX_IO */
	struct inode *inode, *inode2; /* op->file's and op->file2's */
	const char *what;	      /* "read(a, 0, 4096) by reader" */
	const void *saw;	      /* bytes it returned, for the outcome */
	uint64_t nsaw;
};

/* The histories an operation's start touches (exec_op.hist), announced
 * in this order: its file's, its 'into' map's file's, its map's file's,
 * its pin's file's, its second file's. */
enum {
	EXEC_H_FILE_R = 1 << 0,
	EXEC_H_FILE_W = 1 << 1,
	EXEC_H_INTO_W = 1 << 2,
	EXEC_H_MAP_R = 1 << 3,
	EXEC_H_MAP_W = 1 << 4,
	EXEC_H_PIN_W = 1 << 5,
	EXEC_H_FILE2_W = 1 << 6,
};

/* How an operation runs. */
struct exec_op {
	/* its family's handler: runs op on the core, enters what it writes
	 * in the histories and checks what it reads; returns 0, a count, or
	 * -errno (the op-result oracle's) */
	long long (*run)(struct exec *e, struct op_run *r);
	unsigned hist; /* EXEC_H_*: the histories it starts on */
	/* whether the core's code for it announces all it touches
	 * (sim_exact); one added to the core without its sim_touch calls
	 * must be false, and its points must then name their scope */
	bool exact;
	/* it does not hold its file open as a descriptor would (evict: the
	 * inode goes at the last one's iput) */
	bool no_ref;
};
extern const struct exec_op exec_ops[SCEN_OP__COUNT];

void exec_finding(struct exec *e, enum scen_violation kind, int tid, int op,
		  const char *what, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void exec_observe(const struct exec *e, uint64_t *h, const void *p, size_t n);
int exec_map_target(struct exec *e, int map, uint64_t off, uint64_t *foff);
void exec_check_read(struct exec *e, enum scen_violation kind, int file,
		     const void *buf, uint64_t pos, uint64_t n, uint32_t rs,
		     uint32_t re, int tid, int op, const char *what,
		     const char *when);

#endif
