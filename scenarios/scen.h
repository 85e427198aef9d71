/* SPDX-License-Identifier: MIT */
/*
 * scenarios/scen.h -- a scenario, as loaded from its YAML file (SPEC.md 3).
 *
 * Owns: struct scen and everything hanging off it, allocated by scen_load()
 * and released by scen_free().  A loaded scenario is immutable: any number
 * of executions (and threads) may read it concurrently.
 *
 * Errors: scen_load() returns NULL and fills a struct scen_error with the
 * file, line and column (1-based) and a message; callers print it as
 * "FILE:LINE:COL: error: MESSAGE" and exit 2.
 */
#ifndef LOCKSTEP_SCEN_H
#define LOCKSTEP_SCEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCEN_MAX_FILES	  32
#define SCEN_MAX_THREADS  16
#define SCEN_MAX_OPS	  64 /* per thread */
#define SCEN_NAME_MAX	  64
#define SCEN_MAX_STEPS	  64 /* interleave: steps (sim's SIM_MAX_STEPS) */
/* The most one operation moves: longer reads and writes are cut to it
 * (the kernel caps one call at MAX_RW_COUNT, about 2 GiB). */
#define SCEN_MAX_IO	  (64u << 20)
/* The memory one execution may need, as the loader counts it (scen_load.c,
 * data_budget): every byte an operation moves is kept for the oracles, and
 * each file is read whole, twice, at the end. */
#define SCEN_MAX_DATA	  (256ull << 20)
#define SCEN_MAX_DEPTH	  32 /* nesting of YAML collections */
#define SCEN_MAX_MAY_FAIL 8  /* errors in one operation's may_fail: */

/* A source position, 1-based, for messages about a scenario. */
struct scen_pos {
	int line;
	int col;
};

/* The errors the loader records for one file, the first included: lint
 * prints them all; the rest of lockstep reports the first. */
#define SCEN_MAX_ERRORS 20

struct scen_error {
	char file[4096];
	struct scen_pos pos; /* the first error */
	char msg[512];
	int count;	   /* errors recorded, the first included */
	struct scen_more { /* the second and later, in file walk order */
		struct scen_pos pos;
		char msg[512];
	} more[SCEN_MAX_ERRORS - 1];
};

enum scen_op_kind {
	SCEN_OP_READ,
	SCEN_OP_WRITE,
	SCEN_OP_DIO_READ,
	SCEN_OP_DIO_WRITE,
	SCEN_OP_PUNCH_HOLE,
	SCEN_OP_TRUNCATE,
	SCEN_OP_READAHEAD,
	SCEN_OP_MMAP,
	SCEN_OP_LOAD,
	SCEN_OP_STORE,
	SCEN_OP_MUNMAP,
	SCEN_OP_PIN,
	SCEN_OP_DMA_WRITE,
	SCEN_OP_UNPIN,
	SCEN_OP_SET_DAX,
	SCEN_OP_STATX,
	SCEN_OP_EVICT,
	SCEN_OP_FSYNC,
	SCEN_OP_CLONE,
	SCEN_OP_TEST_CRASH, /* tests only: crashes the execution */
	SCEN_OP__COUNT
};

/* An operation's arguments (SPEC.md 3), as bits in its descriptor's sets;
 * expect_error and may_fail are every operation's. */
enum scen_arg {
	SCEN_ARG_FILE,
	SCEN_ARG_SRC,
	SCEN_ARG_DST,
	SCEN_ARG_MAP,
	SCEN_ARG_PIN,
	SCEN_ARG_OFFSET,
	SCEN_ARG_LEN,
	SCEN_ARG_SIZE,
	SCEN_ARG_AS,
	SCEN_ARG_LONGTERM,
	SCEN_ARG_ON,
	SCEN_ARG_INTO,
	SCEN_ARG_EXPECT,
	SCEN_ARG_MAY_FAIL,
	SCEN_ARG__COUNT
};
#define SCEN_ARG(a) (1u << SCEN_ARG_##a)

/*
 * What a scenario may say about an operation: its YAML name ("read",
 * "punch_hole", ...) and its arguments.  One descriptor per operation
 * (scenarios/scen_ops.c); the engine's handler (engine/ops.c) and the
 * core's points for it (core/fixes.c) are keyed by the same kind.
 */
struct scen_op_info {
	const char *name;
	unsigned required, optional; /* SCEN_ARG() bits */
	bool as_pin;		     /* its 'as' names a pin, not a map */
};
extern const struct scen_op_info scen_ops[SCEN_OP__COUNT];

/*
 * One operation.  Which fields are meaningful depends on kind (SPEC.md 3):
 *   read/write/dio_read/dio_write/punch_hole/readahead: file, offset, len
 *     (read and dio_* may have into: {map, offset} -> into_map, into_offset)
 *   truncate: file, size (in 'size')
 *   mmap: file, as (the map's name, in 'name'), offset, len
 *   load/store: map, offset, len
 *   munmap: map
 *   pin: map, offset, len, as (the pin's name, in 'name'), longterm
 *   dma_write/unpin: pin
 *   set_dax: file, on
 *   statx/evict/fsync: file
 *   clone: src (in 'file'), dst (in 'file2'), offset, len
 * Files, maps and pins are referred to by index: file indexes scen.files[];
 * maps and pins are numbered in order of the mmap/pin operations that name
 * them, across the whole scenario (scen.maps[], scen.pins[]).
 */
struct scen_op {
	enum scen_op_kind kind;
	struct scen_pos pos; /* of the operation's key */
	int file;	     /* -1 if none */
	int file2;	     /* clone dst, else -1 */
	int map;	     /* load/store/munmap/pin, else -1 */
	int pin;	     /* dma_write/unpin, else -1 */
	int into_map;	     /* read/dio_* 'into', else -1 */
	uint64_t into_offset;
	uint64_t offset;
	uint64_t len;
	uint64_t size; /* truncate */
	int name;      /* mmap: map index it defines; pin: pin index; else -1 */
	bool longterm; /* pin */
	bool on;       /* set_dax */
	int expect_error; /* errno value (EOPNOTSUPP...), 0 if none */
	/* may_fail: errors the operation may return in some schedules (it may
	 * also succeed); never together with expect_error */
	int nmay_fail;
	int may_fail[SCEN_MAX_MAY_FAIL]; /* errno values */
};

/* scen_errno_name -- the name of a positive errno value ("EFAULT"), or
 * NULL when the scenario format has none. */
const char *scen_errno_name(int err);
/* scen_op_may_fail -- whether err (a positive errno) is in op's may_fail */
static inline bool scen_op_may_fail(const struct scen_op *op, int err)
{
	for (int i = 0; i < op->nmay_fail; i++)
		if (op->may_fail[i] == err)
			return true;
	return false;
}

struct scen_file {
	char name[SCEN_NAME_MAX];
	uint64_t size;
	bool dax; /* per-file S_DAX (defaults to storage.dax) */
	struct scen_pos pos;
};

struct scen_map {
	char name[SCEN_NAME_MAX];
	int thread, op; /* the mmap operation that defines it */
	int file;
};

struct scen_pin {
	char name[SCEN_NAME_MAX];
	int thread, op; /* the pin operation that defines it */
	int map;
};

struct scen_thread {
	char name[SCEN_NAME_MAX];
	struct scen_pos pos;
	int nops;
	struct scen_op ops[SCEN_MAX_OPS];
};

/* interleave: a directed start of the schedule */
struct scen_step {
	int thread;
	bool run; /* 'run': until it finishes or blocks */
	int op;	  /* 'until OP.POINT': the operation kind ... */
	char point[SCEN_NAME_MAX]; /* ... and the full point name "op.point" */
	struct scen_pos pos;
};

/* Violation kinds (SPEC.md 4), as bits in masks. */
enum scen_violation {
	SCEN_V_STALE_READ,
	SCEN_V_LOST_WRITE,
	SCEN_V_LOST_BLOCK,
	SCEN_V_LOCK_ORDER,
	SCEN_V_DEADLOCK,
	SCEN_V_DATA_RACE,
	SCEN_V_CRASH,
	SCEN_V_OP_RESULT,
	SCEN_V_LIVELOCK, /* the step limit: threads that never finish */
	SCEN_V__COUNT
};
extern const char *const scen_violation_names[SCEN_V__COUNT];
/* scen_violations_format -- "stale-read, deadlock" from a mask (or "none");
 * stops where len runs out.  Returns buf. */
char *scen_violations_format(uint32_t mask, char *buf, size_t len);

/* native: a command-line choice only (a scenario file cannot ask for a
 * run that differs each time): scen_load accepts the first three. */
enum scen_strategy {
	SCEN_STRAT_PCT,
	SCEN_STRAT_RANDOM,
	SCEN_STRAT_DFS,
	SCEN_STRAT_NATIVE
};
extern const char *const scen_strategy_names[4];

struct scen_explore {
	enum scen_strategy strategy;
	int depth; /* PCT depth d, or dfs preemption bound */
	uint64_t schedules;
	uint64_t seed;
};

struct scen {
	char path[4096];
	char name[SCEN_NAME_MAX];
	char *description; /* may be NULL */
	uint64_t hash;	   /* FNV-1a of the file's bytes */
	char *text;	   /* the file's bytes (traces carry them) */
	size_t text_len;

	/* kernel: "vX.Y" or "" when absent; fixes: the raw +/- list */
	char kernel[16];
	int nfix_edits;
	struct {
		char name[SCEN_NAME_MAX];
		bool remove;
		struct scen_pos pos;
	} fix_edits[16];

	uint32_t block_size; /* 1024, 2048 or 4096 */
	uint64_t blocks;
	bool dax;

	int nfiles;
	struct scen_file files[SCEN_MAX_FILES];
	int nthreads;
	struct scen_thread threads[SCEN_MAX_THREADS];
	int nmaps;
	struct scen_map maps[SCEN_MAX_THREADS * SCEN_MAX_OPS];
	int npins;
	struct scen_pin pins[SCEN_MAX_THREADS * SCEN_MAX_OPS];

	int nsteps;
	struct scen_step steps[SCEN_MAX_STEPS];

	uint32_t check; /* mask of scen_violation; default all */
	struct scen_explore explore;
	uint32_t expect;   /* violations that must be found */
	uint32_t tolerate; /* may be found without failing */
	bool has_expect;
};

/*
 * The vocabulary the loader checks names against, supplied by the caller so
 * that scenarios/ does not depend on core/.  Each returns true when the name
 * is valid, and otherwise may fill 'hint' (64 bytes) with the nearest valid
 * name, for "did you mean" messages.
 */
struct scen_vocab {
	bool (*fix)(const char *name, char *hint);
	bool (*kernel)(const char *ver, char *hint);
	bool (*point)(const char *point, char *hint); /* "op.point" */
};

/*
 * scen_load -- parse and validate a scenario file.
 * Returns NULL with *err filled on any error (never crashes, whatever the
 * input).
 */
struct scen *scen_load(const char *path, const struct scen_vocab *vocab,
		       struct scen_error *err);
/*
 * scen_load_text -- the same, from the scenario's bytes (a trace's copy);
 * 'path' names it in messages and reports.
 */
struct scen *scen_load_text(const char *path, const char *text, size_t len,
			    const struct scen_vocab *vocab,
			    struct scen_error *err);
void scen_free(struct scen *s);

/* scen_op_describe -- "read(a, 4096, 4096)" into buf; returns buf.
 * SCEN_OP_DESC_MAX holds any description the reports show whole. */
#define SCEN_OP_DESC_MAX 128
char *scen_op_describe(const struct scen *s, const struct scen_op *op,
		       char *buf, unsigned len);
/* scen_op_by -- "read(a, 4096, 4096) by reader": thread tid's operation
 * op and whose it is (the 'what' of a finding); returns buf. */
char *scen_op_by(const struct scen *s, int tid, int op, char *buf, size_t len);

/* scen_point_op -- the operation kind a point name "op.point" belongs to,
 * or -1.  The list of valid points is the core's (core_point_valid). */
int scen_point_op(const char *point);

#endif
