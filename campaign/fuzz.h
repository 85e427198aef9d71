/* SPDX-License-Identifier: MIT */
/*
 * campaign/fuzz.h -- a campaign (SPEC.md 7): the coordinator (campaign/fuzz.c) and
 * its workers (campaign/fuzz_worker.c), and the memory they share.
 *
 * The coordinator loads the scenarios, maps the shared memory and forks the
 * workers before any thread exists (the simulator's threads are created by
 * each worker, after the fork).  Workers write their findings and their
 * progress to the campaign directory themselves (campaign/campaign.h); the
 * shared memory carries only what the coordinator shows while they run
 * (counters, coverage, the signatures already claimed) and what it needs
 * when a worker dies (the execution in flight and its decisions so far).
 *
 * Concurrency: each worker writes only its own struct fuzz_wstat (plain
 * stores of counters, read by the coordinator with ck_pr loads; a torn
 * progress figure is harmless) and adds to the sets with compare-and-swap
 * (campaign.h).  'stop' is written by the coordinator only.
 */
#ifndef LOCKSTEP_CAMPAIGN_FUZZ_H
#define LOCKSTEP_CAMPAIGN_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include "campaign/campaign.h"
#include "sim/strategy.h"

#define FUZZ_MAX_JOBS	  CAMP_MAX_JOBS
#define FUZZ_MAX_DEC	  65536
#define FUZZ_EXIT_REPLACE 42 /* a worker asks to be replaced */

struct fuzz_wstat {
	uint64_t executions; /* this run's */
	uint64_t findings;   /* new findings it saved */
	int32_t pid;
	uint32_t restarts;
	uint32_t next_slot; /* round robin, across restarts */
	/* The execution in flight (in_flight != 0), for a worker that dies
	 * in it: the coordinator writes its crash finding. */
	uint32_t in_flight;
	int32_t scen, strat; /* strat -1: the calibration run */
	bool undirected;     /* without the scenario's interleave: */
	uint64_t index, seed, k;
	uint64_t program; /* --generate: the program's index */
	int32_t depth;
	uint32_t ndec;
	uint8_t dec[FUZZ_MAX_DEC];
	uint64_t saving_sig; /* a finding claimed, being saved */
	/* An execution the next incarnation must skip (it killed this one). */
	int32_t skip_scen, skip_strat;
	uint64_t skip_index;
	/* A scenario this worker cannot run (exec_new failed), and why. */
	int32_t error_scen;
	char error[256];
};

struct fuzz_shm {
	uint32_t stop;
	uint32_t stop_min; /* also abandon a minimization: the
					 * time is up, or an interrupt (not
					 * --stop-on) */
	double t0;	   /* CLOCK_MONOTONIC at the start */
	double offset;	   /* seconds of the campaign's earlier runs */
	uint32_t findings; /* distinct findings saved, all runs */
	uint32_t pairs[CAMP_MAX_SCEN], preempt[CAMP_MAX_SCEN];
	uint8_t broken[CAMP_MAX_SCEN]; /* its calibration run killed a worker */
	struct fuzz_wstat w[];	       /* then the two sets */
};

/* What every worker is given (copied by fork). */
struct fuzz_cfg {
	const char *dir;
	struct camp_conf conf;
	struct scen *sc[CAMP_MAX_SCEN];
	const char *pool;
	uint64_t min_budget;	       /* 0: do not minimize */
	int max_bound;		       /* dfs */
	int ncpu, cpus[FUZZ_MAX_JOBS]; /* where the workers are pinned */
	struct fuzz_shm *shm;
	struct camp_set *sigs, *cov;
};

/* What the coordinator is asked to do. */
struct fuzz_opts {
	double time; /* seconds */
	bool resume, quiet;
	const char *json, *junit; /* NULL: DIR/results.json, junit.xml */
	uint32_t stop_on;	  /* stop once a finding of these kinds
					 * is saved (a mask; 0: never) */
};

/* fuzz_campaign -- the coordinator: workers, progress, summary; the
 * exit code.  cfg holds the loaded scenarios and the written campaign. */
int fuzz_campaign(struct fuzz_cfg *cfg, const struct fuzz_opts *o);
/* fuzz_worker -- worker w's loop, in the forked child; the exit code. */
int fuzz_worker(const struct fuzz_cfg *cfg, int w);
/* fuzz_gen_worker -- the same for a campaign over generated programs
 * (campaign/fuzz_gen.c). */
int fuzz_gen_worker(const struct fuzz_cfg *cfg, int w);
/* fuzz_gen_name -- the scenario name of --generate's findings and
 * signatures: one bug counts once whichever program shows it. */
#define FUZZ_GEN_NAME "generated"

/* A strategy that passes each choice to 'in' and copies it to the
 * worker's shared memory (campaign/fuzz_worker.c): the schedule of an
 * execution that kills its worker is not lost. */
struct fuzz_rec {
	struct sim_strategy base;
	struct sim_strategy *in;
	struct fuzz_wstat *ws;
};
void fuzz_rec_init(struct fuzz_rec *r, struct sim_strategy *in,
		   struct fuzz_wstat *ws);
/* fuzz_state_path -- DIR/state/K-of-N.W */
void fuzz_state_path(char *buf, size_t len, const struct fuzz_cfg *cfg, int w);
double fuzz_now(void);

#endif
