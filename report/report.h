/* SPDX-License-Identifier: MIT */
/*
 * report/report.h -- what happened, for people and for machines: the text
 * report with its interleaving, JSON, and trace files (SPEC.md 6).
 *
 * A report is rendered from a finding and the execution that produced it
 * (its event log and decisions), right after that execution: the event
 * log names objects that live in the execution's arena.  Rendering depends
 * on nothing but those inputs, so a replayed trace prints the same report,
 * byte for byte.
 */
#ifndef LOCKSTEP_REPORT_H
#define LOCKSTEP_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenarios/scen.h"

struct sim;

struct finding {
	enum scen_violation kind;
	int tid;	   /* -1: the final checks */
	int op;		   /* index in the thread's ops, or -1 */
	char what[192];	   /* "read(a, 4096, 4096) by reader" */
	char detail[2048]; /* the evidence, lines indented by 4 */
	/* earlier executions the finding also rests on (a lock-order cycle
	 * made of edges from several executions), ascending */
	int nprior;
	uint64_t prior[16];
};

/* How the violating execution was scheduled: what a trace records. */
struct report_sched {
	char strategy[16]; /* pct, random, dfs */
	bool minimized;	   /* decisions shrunk by lockstep minimize */
	bool undirected;   /* run without the scenario's interleave: */
	uint64_t seed;
	int depth;
	uint64_t k; /* PCT's step estimate */
	uint64_t execution;
	/* the earlier executions a replay runs first (same strategy, by
	 * index), to rebuild the checkers' state the finding rests on */
	int nprior;
	uint64_t prior[16];
};

struct report_in {
	const struct scen *sc;
	uint32_t fixes;
	struct report_sched sched;
	const struct finding *finding;
	const struct sim *sim; /* the execution's log and decisions */
};

/* report_text -- the human report: header, the interleaving in columns,
 * the evidence. */
void report_text(FILE *out, const struct report_in *in);
/* report_interleaving -- the columns alone, of the last execution of sim
 * (a replay that stopped fitting draws the execution up to there). */
void report_interleaving(FILE *out, const struct scen *sc,
			 const struct sim *sim);
/* report_json_finding -- one finding as a JSON object (no newline). */
void report_json_finding(FILE *out, const struct report_in *in,
			 const char *trace_path);
void report_json_string(FILE *out, const char *s);
void report_xml_escape(FILE *out, const char *s); /* JUnit */

/* ---- JUnit (report/junit.c) ---------------------------------------------- */

struct report_junit_failure {
	const char *type;    /* a violation kind, or "missing" */
	const char *message; /* one line */
	const char *body;    /* the text report and how to replay
					 * it, or NULL */
};

struct report_junit_case {
	const char *classname, *name;
	double seconds; /* wall-clock: shown, never decided on */
	int nfail;
	const struct report_junit_failure *fail;
	const char *out; /* system-out ("expected KIND: ...",
					 * "tolerated KIND: ..."), or NULL */
};

/* report_junit -- the XML of one suite of n cases; time= attributes from
 * 'seconds' and each case's. */
void report_junit(FILE *f, const char *suite, double seconds,
		  const struct report_junit_case *c, int n);

/* ---- Pictures ------------------------------------------------------------ */

/*
 * report_perfetto -- the execution as Chrome trace-event JSON (the JSON
 * Object Format that ui.perfetto.dev and chrome://tracing open): a track
 * per scenario thread, a slice per operation with its lock holds and
 * waits nested in it, an instant at each named point, flow arrows from a
 * release to the waiter it hands the lock to and from a wake-up to the
 * thread it wakes, and the finding as a marked instant with its text.
 * Timestamps are the event log's sequence numbers (logical time, shown
 * as microseconds), so the same schedule gives the same bytes.
 */
void report_perfetto(FILE *out, const struct report_in *in);
/* report_html -- one self-contained HTML page (no script, nothing
 * fetched): the column diagram of the text report, the operations the
 * finding names highlighted, and the finding. */
void report_html(FILE *out, const struct report_in *in);
/* report_pictures_write -- BASE.perfetto.json and BASE.html, each
 * written atomically.  0 or -errno. */
int report_pictures_write(const char *base, const struct report_in *in);

/* report_write_atomic -- buf to path via a temporary file, fsync and
 * rename (report/file.c): whole or not at all; 0 or -errno. */
int report_write_atomic(const char *path, const void *buf, size_t len);

/* ---- Traces -------------------------------------------------------------- */

/* What report_trace_read accepts: the bounds of a run (--depth 0..16, the
 * step limit of one execution for PCT's k) and of a dfs replay, which runs
 * every execution up to the last prior one. */
#define REPORT_MAX_DEPTH     16
#define REPORT_MAX_K	     (1u << 20)
#define REPORT_MAX_DFS_PRIOR (1u << 20)

struct report_trace {
	char scenario[4096]; /* the path it was recorded from */
	uint64_t hash;
	char *text; /* the scenario's bytes, or NULL (a trace
					 * older than scenario-text:) */
	size_t text_len;
	char build[64];
	uint32_t fixes;
	struct report_sched sched;
	enum scen_violation kind;
	uint32_t ndec;
	uint8_t *dec; /* malloc'd */
};

/* report_trace_write -- write the trace atomically (temporary file, fsync,
 * rename).  0 or -errno. */
int report_trace_write(const char *path, const struct report_in *in);
/* report_trace_write_raw -- the same, from explicit parts: a campaign
 * writes the trace of a worker that died in the middle of an execution. */
int report_trace_write_raw(const char *path, const struct scen *sc,
			   uint32_t fixes, const struct report_sched *sched,
			   enum scen_violation kind, const uint8_t *dec,
			   uint32_t ndec);
/* report_trace_read -- parse a trace; -1 with a message on error. */
int report_trace_read(const char *path, struct report_trace *t, char *err,
		      size_t errlen);
void report_trace_free(struct report_trace *t);

/* report_build -- "DESCRIBE sources HASH": git describe of the build and
 * a hash of the sources that decide behaviour (Makefile, SOURCE_DIRS). */
const char *report_build(void);
const char *report_build_sources(const char *build);
bool report_build_same(const char *build);

/* ---- Signatures ---------------------------------------------------------- */

/*
 * report_signature -- what makes two findings the same bug: the kind, the
 * scenario, the finding's 'what' with its numbers left out, the set of
 * operations its evidence names and, for deadlocks, lock-order cycles,
 * data races and crashes, the first line of the evidence without numbers
 * (the locks and functions involved).  Not the schedule.
 */
uint64_t report_signature(const struct scen *sc, const struct finding *f);
/* report_signature_as -- the same under another scenario name: a campaign
 * over generated programs counts one bug once whichever program shows it
 * (campaign/fuzz_gen.c). */
uint64_t report_signature_as(const char *name, const struct finding *f);

/* report_mix, report_fnv -- the hashes signatures and campaign seeds are
 * made of: splitmix64's finaliser; FNV-1a from REPORT_FNV0, digits left out
 * when 'strip'. */
#define REPORT_FNV0 0xcbf29ce484222325ull
uint64_t report_mix(uint64_t x);
uint64_t report_fnv(uint64_t h, const char *s, bool strip);

/*
 * report_verdict -- the outcome against expect: (SPEC.md 8): true when every
 * violation found is expected or tolerated and every expected one was
 * found; 'why' says so in a line ("found X, not expected", "expected X,
 * not found in N schedules", "X found as expected", "clean in N schedules,
 * as expected"), N being 'count' 'unit'.  Masks of enum scen_violation.
 */
bool report_verdict(uint32_t expect, uint32_t tolerate, uint32_t found,
		    uint64_t count, const char *unit, char *why, size_t len);

#endif
