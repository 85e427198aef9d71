/* SPDX-License-Identifier: MIT */
/*
 * campaign/campaign.h -- what the campaign commands (fuzz, merge, minimize)
 * share: finding signatures, the files of a campaign directory, atomic
 * writes, coverage keys and the summary.
 *
 * A campaign directory (SPEC.md 7):
 *
 *   campaign               the scenarios (name, path, hash, expect) and
 *                          the options the campaign was started with
 *   findings/ID.meta       one per distinct finding, written last: its
 *                          presence means the files below are complete
 *   findings/ID.trace      the violating schedule (lockstep replay)
 *   findings/ID.txt, .json its report
 *   findings/ID.perfetto.json, .html   its pictures (report/perfetto.c,
 *                          report/html.c)
 *   findings/ID.min.trace  the minimized schedule, and .min.txt its report
 *                          (.min.perfetto.json and .min.html its pictures)
 *   state/K-of-N.W         worker W of shard K/N: per slot, the next
 *                          execution and what has run
 *   coverage.K-of-N        interleaving coverage keys of the shard
 *   timeline.K-of-N        coverage over time
 *   results.json, junit.xml, summary.txt   the summary, at the end
 *
 * ID is SCENARIO.KIND.SIGNATURE.  Every file is written atomically
 * (temporary file, fsync, rename): a campaign killed at any instant leaves
 * every finding it reported readable and replayable.
 *
 * A slot is one (scenario, strategy) pair of the portfolio.  Execution i
 * of a seeded slot is the same execution wherever it runs, so the index
 * space of a slot is what shards and workers split: shard K of N takes the
 * indexes i = K-1 (mod N), worker W of J within it i = K-1 + N W (mod N J).
 */
#ifndef LOCKSTEP_CAMPAIGN_CAMPAIGN_H
#define LOCKSTEP_CAMPAIGN_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"
#include "scenarios/scen.h"

struct sim;
struct camp_conf;

/* ---- The portfolio ------------------------------------------------------- */

enum camp_strat {
	CAMP_PCT1,
	CAMP_PCT2,
	CAMP_PCT3,
	CAMP_RANDOM,
	CAMP_DFS,
	CAMP__NSTRAT
};
extern const char *const camp_strat_names[CAMP__NSTRAT]; /* "pct-1" */
/* camp_strats_parse -- "pct-1,random,dfs" (or "all", "pct") to a mask; -1
 * with a message on a bad name. */
int camp_strats_parse(const char *list, uint32_t *mask, char *err,
		      size_t errlen);
/* camp_slot_undirected -- whether slot (scenario sc, strategy strat)
 * runs without the scenario's interleave: steps: all of them under
 * --undirected, and by default the random slot of a fixed scenario (one
 * with interleave: that expects no violation), so that it is searched
 * around, not run once.  (A pre-fix scenario finds its bug directed;
 * around it, other kinds of the same bug: --undirected.) */
bool camp_slot_undirected(const struct camp_conf *c, const struct scen *sc,
			  int strat);
/* camp_slot_seed -- the seed of a slot: the campaign's, the scenario's
 * name and the strategy, mixed. */
uint64_t camp_slot_seed(uint64_t seed, const char *scen, int strat);
uint64_t camp_mix(uint64_t x);

/* ---- Files ----------------------------------------------------------------- */

/* camp_write_atomic -- report_write_atomic(): buf to path via a temporary file, fsync, rename
 * (and an fsync of the directory).  0 or -errno. */
int camp_write_atomic(const char *path, const void *buf, size_t len);
int camp_mkdirs(const char *dir); /* mkdir -p; 0 or -errno */
/* camp_lock_dir -- hold DIR/lock (flock) while the campaign runs; 0,
 * -EWOULDBLOCK if another campaign holds it, or -errno. */
int camp_lock_dir(const char *dir);

/*
 * A file made in memory and then written whole by camp_write_atomic():
 * camp_mem_open(&m), fprintf(m.f, ...), camp_mem_commit(&m, path).
 */
struct camp_mem {
	FILE *f;
	char *buf;
	size_t len;
};
/* camp_mem_open -- m->f, a stream into memory; 0 or -ENOMEM. */
int camp_mem_open(struct camp_mem *m);
/* camp_mem_commit -- close m->f, write what it holds to path atomically and
 * free it.  0 or -errno. */
int camp_mem_commit(struct camp_mem *m, const char *path);

/* camp_write_report -- a finding's text report to txt and, when json is
 * not NULL, its JSON (naming trace) to json, each atomically.  0 or
 * -errno. */
int camp_write_report(const char *txt, const char *json,
		      const struct report_in *in, const char *trace);

/* camp_write_finding -- a finding's trace, pictures, text report and
 * (unless min) JSON under DIR/findings/ID (ID.min.* for the minimized
 * schedule), each atomically.  0 or -1. */
int camp_write_finding(const char *dir, const char *id, bool min,
		       const struct report_in *in);

struct camp_scen {
	char name[SCEN_NAME_MAX];
	char path[256];
	uint64_t hash;
	uint32_t expect, tolerate, fixes;
};

#define CAMP_MAX_SCEN 256
#define CAMP_MAX_JOBS 256 /* worker processes of one campaign */
struct camp_conf {
	int nscen;
	struct camp_scen scen[CAMP_MAX_SCEN];
	uint64_t seed;
	int jobs, shard_k, shard_n;
	uint32_t strats;
	/* --undirected: every slot leaves the scenarios' interleave: out;
	 * otherwise the random slot does (of a scenario that has one) */
	bool undirected;
	uint64_t schedules; /* per slot cap, 0: none; --generate:
					 * executions per program and strategy */
	char build[64];
	/* --generate: generated programs at gen_kernel, gen_fixes edited
	 * ("" none); scen[0] is "generated", standing for them all. */
	bool generate;
	char gen_kernel[32];
	char gen_fixes[256];
	uint64_t gen_programs; /* programs below this index only; 0:
					 * no end but --time */
};
int camp_conf_write(const char *dir, const struct camp_conf *c);
int camp_conf_read(const char *dir, struct camp_conf *c, char *err,
		   size_t errlen);

/* A finding, as its .meta file has it. */
struct camp_meta {
	char id[160]; /* SCENARIO.KIND.SIG */
	char scenario[SCEN_NAME_MAX];
	char kind[32];
	uint64_t signature;
	char what[192];
	char strategy[16];
	uint64_t seed, execution;
	int depth, worker;
	char shard[16];
	double seconds;			  /* into the campaign when found */
	uint64_t executions;		  /* the worker's, when found */
	int preemptions, min_preemptions; /* -1: unknown */
	uint64_t steps, min_steps;
	bool minimized;
};
int camp_meta_write(const char *dir, const struct camp_meta *m);
/* camp_save_finding -- a new finding under DIR/findings: its files
 * (camp_write_finding) and its meta; 0, or -1 with the reason on
 * stderr. */
int camp_save_finding(const char *dir, const struct camp_meta *m,
		      const struct report_in *in);
int camp_meta_read(const char *path, struct camp_meta *m);

/* camp_finding_path -- DIR/findings/ID.EXT */
void camp_finding_path(char *buf, size_t len, const char *dir, const char *id,
		       const char *ext);

/* ---- Slots and progress ------------------------------------------------------ */

struct camp_slot_state {
	char scenario[SCEN_NAME_MAX];
	int strat;
	uint64_t next;	     /* the next index this worker runs */
	uint64_t count;	     /* executions run */
	uint64_t ixor, isum; /* of camp_mix(index) over them */
	int dfs_bound;	     /* dfs: the last bound finished, or -1 */
	bool exhausted;
};
int camp_state_write(const char *path, const struct camp_slot_state *s, int n);
/* camp_state_read -- up to max slots; the number read, or -1. */
int camp_state_read(const char *path, struct camp_slot_state *s, int max);

/* ---- Coverage ------------------------------------------------------------------ */

/*
 * A lock-free set of 64-bit keys in memory shared by the workers of a
 * campaign (open addressing, compare-and-swap), with a count per scenario.
 * Key 0 is "empty".
 */
struct camp_set {
	uint32_t cap; /* a power of two */
	uint32_t count;
	uint32_t full; /* inserts lost to a full table */
	uint64_t key[];
};
size_t camp_set_size(uint32_t cap);
void camp_set_init(struct camp_set *s, uint32_t cap);
/* camp_set_add -- true when key was not there yet. */
bool camp_set_add(struct camp_set *s, uint64_t key);
bool camp_set_has(const struct camp_set *s, uint64_t key);
/* camp_set_forget -- take key out (its slot becomes a tombstone). */
void camp_set_forget(struct camp_set *s, uint64_t key);

/*
 * camp_coverage -- the interleaving coverage of an execution: for every two
 * consecutive lock or point events of different threads, the pair of their
 * names (instance numbers left out), and, when the first thread could
 * still run (it neither blocked nor ended), the same pair as a preemption.
 * Keys are tagged with the scenario's name: bit 63 set for a preemption
 * pair.  Returns the number of keys written to out (at most max).
 */
int camp_coverage(const char *scen, const struct sim *s, uint64_t *out,
		  int max);
#define CAMP_KEY_PREEMPT (1ull << 63)
/* camp_scen_tag -- the tag of a scenario in coverage keys (bits 48-62). */
uint64_t camp_scen_tag(const char *scen);

/* ---- Parsing helpers ------------------------------------------------------------- */

/* camp_parse_duration -- "90", "90s", "15m", "8h", "1h30m", "2d"; -1 if bad. */
int camp_parse_duration(const char *s, double *seconds);
/* camp_parse_shard -- "K/N", 1 <= K <= N; -1 if bad. */
int camp_parse_shard(const char *s, int *k, int *n);

/* ---- The summary (campaign/merge.c) ----------------------------------------------------- */

struct camp_summary_opts {
	const char *json, *junit, *text; /* files to write, or NULL */
	const char *copy_to;		 /* merge --out: copy the findings */
	bool check_shards;		 /* merge: one campaign's shards, all */
	bool partial; /* merge --partial: whatever is given */
	bool quiet;
	double seconds;		 /* this run's wall time, for rates */
	uint64_t run_executions; /* this run's executions */
	uint64_t restarts;	 /* workers replaced in this run */
	int jobs;
	bool interrupted; /* stopped by SIGINT/SIGTERM */
};
/* camp_summary -- read the campaign directories, join them (findings by
 * signature, coverage by key, executions by slot), print the table, write
 * JSON and JUnit.  Returns the exit code (SPEC.md 8). */
int camp_summary(char **dirs, int ndirs, const struct camp_summary_opts *o);

/* ---- The commands ----------------------------------------------------------------- */

int fuzz_main(int argc, char **argv);	  /* cli/fuzz_cmd.c */
int merge_main(int argc, char **argv);	  /* campaign/merge.c */
int minimize_main(int argc, char **argv); /* engine/minimize.c */
int bisect_main(int argc, char **argv);	  /* campaign/bisect.c */

#endif
