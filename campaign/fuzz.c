/* SPDX-License-Identifier: MIT */
/*
 * campaign/fuzz.c -- `lockstep fuzz`: the coordinator of a campaign (SPEC.md 7).
 *
 * The life of a campaign:
 *
 *   load every scenario (bad input: exit 2 before anything runs)
 *   write DIR/campaign; map the shared memory (campaign/fuzz.h); on --resume
 *   fill it from DIR (signatures of the findings saved, coverage)
 *   fork one worker per job, each pinned to a CPU, before any thread
 *   exists  ->  campaign/fuzz_worker.c
 *   every 100 ms: reap workers (restart one that crashed or asked to be
 *   replaced; write the crash finding of one that died in an execution),
 *   the time budget, SIGINT/SIGTERM; every second: the progress line (on a
 *   terminal), new findings, the coverage timeline
 *   stop: set 'stop', wait for the workers (they finish the execution in
 *   flight and save their progress), write coverage, then the summary,
 *   JSON and JUnit (campaign/merge.c reads it all back from DIR)
 *
 * kill -9 of the coordinator takes the workers with it (PR_SET_PDEATHSIG);
 * what is on disk is complete: findings are written whole, progress at most
 * a second old.  `--resume` starts from there.
 */
#include "campaign/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ck_pr.h>

#include "engine/exec.h"
#include "core/core.h"
#include "gen/gen.h"

#define SIG_CAP	   (1u << 14)
#define COV_CAP	   (1u << 18)
#define MAX_FUTILE 5

static volatile sig_atomic_t interrupted;

/* on_signal -- internal: SIGINT/SIGTERM: stop (twice: stop now). */
static void on_signal(int sig)
{
	(void)sig;
	interrupted++;
}

/* ---- Resuming ---------------------------------------------------------------- */

/* load_findings -- internal: claim the signatures of the saved findings. */
static int load_findings(struct fuzz_cfg *cfg)
{
	char pat[4096];
	glob_t g;
	int n = 0;

	snprintf(pat, sizeof(pat), "%s/findings/*.meta", cfg->dir);
	if (glob(pat, 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct camp_meta m;

		if (camp_meta_read(g.gl_pathv[i], &m) == 0 &&
		    camp_set_add(cfg->sigs, m.signature))
			n++;
	}
	globfree(&g);
	return n;
}

/* scen_index -- internal: the scenario a coverage key is tagged with, or
 * -1.
 */
static int scen_index(const struct camp_conf *c, uint64_t key)
{
	for (int i = 0; i < c->nscen; i++)
		if (camp_scen_tag(c->scen[i].name) ==
		    (key & ~CAMP_KEY_PREEMPT & (0x7fffull << 48)))
			return i;
	return -1;
}

/* cov_path -- internal: DIR/coverage.K-of-N. */
static void cov_path(char *buf, size_t len, const struct fuzz_cfg *cfg)
{
	snprintf(buf, len, "%s/coverage.%d-of-%d", cfg->dir, cfg->conf.shard_k,
		 cfg->conf.shard_n);
}

/* load_coverage -- internal: --resume: the shard's coverage so far. */
static void load_coverage(struct fuzz_cfg *cfg)
{
	char path[4096], line[64];
	FILE *f;

	cov_path(path, sizeof(path), cfg);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		uint64_t key = strtoull(line, NULL, 16);
		int i = scen_index(&cfg->conf, key);

		if (key && camp_set_add(cfg->cov, key) && i >= 0)
			(key & CAMP_KEY_PREEMPT ? cfg->shm->preempt :
						  cfg->shm->pairs)[i]++;
	}
	fclose(f);
}

/* save_coverage -- internal: the shared coverage set to disk, atomically. */
static void save_coverage(const struct fuzz_cfg *cfg)
{
	char path[4096];
	struct camp_mem m;

	if (camp_mem_open(&m) < 0)
		return;
	for (uint32_t i = 0; i < cfg->cov->cap; i++) {
		uint64_t k = ck_pr_load_64(&cfg->cov->key[i]);

		if (k)
			fprintf(m.f, "%016" PRIx64 "\n", k);
	}
	cov_path(path, sizeof(path), cfg);
	if (camp_mem_commit(&m, path) < 0)
		fprintf(stderr, "lockstep fuzz: cannot write %s\n", path);
}

/* ---- The coordinator's view ---------------------------------------------------- */

struct coord {
	struct fuzz_cfg *cfg;
	int jobs;
	pid_t pid[FUZZ_MAX_JOBS];
	bool running[FUZZ_MAX_JOBS];
	uint64_t spawned_at[FUZZ_MAX_JOBS]; /* its executions then */
	int futile[FUZZ_MAX_JOBS];
	double start, deadline;
	uint64_t exec_offset; /* executions of earlier runs */
	bool tty, quiet;
	char timeline[4096];
	uint32_t findings_seen;
	char **seen; /* finding ids already announced */
	int nseen;
	uint32_t stop_on; /* --stop-on */
	int nbefore;	  /* seen[0..nbefore): saved before
					 * this run */
};

/* executions -- internal: this run's executions, every worker. */
static uint64_t executions(const struct coord *c)
{
	uint64_t n = 0;

	for (int w = 0; w < c->jobs; w++)
		n += ck_pr_load_64(&c->cfg->shm->w[w].executions);
	return n;
}

/* coverage_totals -- internal: pairs and preemption pairs, every
 * scenario.
 */
static void coverage_totals(const struct coord *c, uint64_t *pairs,
			    uint64_t *pre)
{
	*pairs = *pre = 0;
	for (int i = 0; i < c->cfg->conf.nscen; i++) {
		*pairs += ck_pr_load_32(&c->cfg->shm->pairs[i]);
		*pre += ck_pr_load_32(&c->cfg->shm->preempt[i]);
	}
}

/* timeline -- internal: one line of coverage over time. */
static void timeline(struct coord *c)
{
	FILE *f = fopen(c->timeline, "a");
	uint64_t pairs, pre;

	if (!f)
		return;
	coverage_totals(c, &pairs, &pre);
	fprintf(f, "%.1f %" PRIu64 " %u %" PRIu64 " %" PRIu64 "\n",
		fuzz_now() - c->start + c->cfg->shm->offset,
		executions(c) + c->exec_offset,
		ck_pr_load_32(&c->cfg->shm->findings), pairs, pre);
	fclose(f);
}

/* timeline_resume -- internal: where the last run's timeline ended. */
static void timeline_resume(struct coord *c)
{
	FILE *f = fopen(c->timeline, "r");
	char line[256];
	double s;
	uint64_t e;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lf %" SCNu64, &s, &e) == 2) {
			c->cfg->shm->offset = s;
			c->exec_offset = e;
		}
	fclose(f);
}

/* announce -- internal: print the findings saved since the last look. */
static void announce(struct coord *c)
{
	char pat[4096];
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/findings/*.meta", c->cfg->dir);
	if (glob(pat, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct camp_meta m;
		bool seen = false;

		for (int j = 0; j < c->nseen && !seen; j++)
			seen = strstr(g.gl_pathv[i], c->seen[j]) != NULL;
		if (seen || camp_meta_read(g.gl_pathv[i], &m) < 0)
			continue;
		c->seen = realloc(c->seen,
				  (size_t)(c->nseen + 1) * sizeof(*c->seen));
		c->seen[c->nseen++] = strdup(m.id);
		if (c->quiet)
			continue;
		fprintf(stderr,
			"%sfound %s in %s (%s, execution %" PRIu64
			", %.1f s): %s/findings/%s.txt\n",
			c->tty ? "\r\033[K" : "", m.kind, m.scenario,
			m.strategy, m.execution, m.seconds, c->cfg->dir, m.id);
	}
	globfree(&g);
}

/*
 * stop_on_hit -- internal: --stop-on: a finding of one of those kinds
 * saved in this run, and minimized (when the campaign minimizes): the
 * campaign has what it was run for.
 */
static bool stop_on_hit(const struct coord *c)
{
	char pat[4096];
	glob_t g;
	bool hit = false;

	snprintf(pat, sizeof(pat), "%s/findings/*.meta", c->cfg->dir);
	if (glob(pat, 0, NULL, &g))
		return false;
	for (size_t i = 0; i < g.gl_pathc && !hit; i++) {
		struct camp_meta m;
		bool old = false;

		for (int j = 0; j < c->nbefore && !old; j++)
			old = strstr(g.gl_pathv[i], c->seen[j]) != NULL;
		if (old || camp_meta_read(g.gl_pathv[i], &m) < 0 ||
		    (c->cfg->min_budget && !m.minimized))
			continue;
		for (int k = 0; k < SCEN_V__COUNT && !hit; k++)
			hit = (c->stop_on & (1u << k)) &&
				!strcmp(m.kind, scen_violation_names[k]);
	}
	globfree(&g);
	return hit;
}

/* progress -- internal: the progress line, on a terminal. */
static void progress(struct coord *c, double now, uint64_t *last_n,
		     double *last_t)
{
	uint64_t n = executions(c), pairs, pre;
	double rate = now > *last_t ? (double)(n - *last_n) / (now - *last_t) :
				      0;
	double left = c->deadline - now;

	coverage_totals(c, &pairs, &pre);
	fprintf(stderr,
		"\r\033[K%6.0fs  %" PRIu64 " executions (%.0f/s)  %u "
		"findings  coverage %" PRIu64 " pairs, %" PRIu64 " preemption "
		"pairs  %.0fs left",
		now - c->start, n, rate, ck_pr_load_32(&c->cfg->shm->findings),
		pairs, pre, left > 0 ? left : 0);
	*last_n = n;
	*last_t = now;
}

/* ---- Workers --------------------------------------------------------------------- */

static pid_t spawn(struct coord *c, int w)
{
	pid_t parent = getpid();
	pid_t pid;

	c->spawned_at[w] = ck_pr_load_64(&c->cfg->shm->w[w].executions);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid != 0)
		return pid;
	/* The worker: dies with the coordinator; leaves stopping to it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	{
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(c->cfg->cpus[w % c->cfg->ncpu], &set);
		(void)sched_setaffinity(0, sizeof(set), &set);
	}
	c->cfg->shm->w[w].pid = (int32_t)getpid();
	_exit(fuzz_worker(c->cfg, w));
}

/* died_program -- internal: --generate: the program worker w died in,
 * made again and loaded (from DIR/work/crash.yaml); NULL if it cannot. */
static struct scen *died_program(const struct fuzz_cfg *cfg,
				 const struct fuzz_wstat *ws, struct finding *f)
{
	struct gen_options go = { .seed = cfg->conf.seed,
				  .index = ws->program,
				  .races = true,
				  .kernel = cfg->conf.gen_kernel,
				  .fixes = cfg->conf.gen_fixes[0] ?
					  cfg->conf.gen_fixes :
					  NULL };
	struct scen_error serr;
	char name[SCEN_NAME_MAX], err[256], path[4096], *text;

	if (gen_program(&go, &text, name, err, sizeof(err)) < 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/work/crash.yaml", cfg->dir);
	if (camp_write_atomic(path, text, strlen(text)) < 0) {
		free(text);
		return NULL;
	}
	free(text);
	snprintf(f->what + strlen(f->what), sizeof(f->what) - strlen(f->what),
		 " (program %" PRIu64 ")", ws->program);
	return scen_load(path, &exec_vocab, &serr);
}

/* died -- internal: worker w died in an execution: its crash finding,
 * from the execution and decisions it left in shared memory. */
static void died(struct coord *c, int w, int status)
{
	struct fuzz_cfg *cfg = c->cfg;
	struct fuzz_wstat *ws = &cfg->shm->w[w];
	const struct scen *sc = cfg->sc[ws->scen];
	struct scen *gsc = NULL;
	struct finding f = { .kind = SCEN_V_CRASH, .tid = -1, .op = -1 };
	struct report_sched rs = { .seed = ws->seed,
				   .depth = ws->depth,
				   .k = ws->k,
				   .execution = ws->index,
				   .undirected = ws->undirected };
	struct camp_meta m = { .preemptions = -1, .min_preemptions = -1 };
	char path[4096], text[2048];
	uint64_t sig;
	int n;

	snprintf(f.what, sizeof(f.what),
		 "the worker process died in an "
		 "execution");
	if (WIFSIGNALED(status))
		snprintf(f.detail, sizeof(f.detail), "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(f.detail, sizeof(f.detail), "exited with status %d",
			 WEXITSTATUS(status));
	snprintf(rs.strategy, sizeof(rs.strategy), "%s",
		 ws->strat < 0			  ? "first" :
			 ws->strat == CAMP_RANDOM ? "random" :
			 ws->strat == CAMP_DFS	  ? "dfs" :
						    "pct");
	if (cfg->conf.generate) {
		/* The program, saved, is the scenario of the crash; the
		 * worker's successor skips it. */
		ws->skip_scen = 0;
		ws->skip_index = ws->program;
		gsc = died_program(cfg, ws, &f);
		if (!gsc)
			return;
		sc = gsc;
	} else if (ws->strat < 0) {
		/* The calibration run: the scenario kills whoever runs it. */
		ck_pr_store_8(&cfg->shm->broken[ws->scen], 1);
	} else {
		/* Its successor skips the execution. */
		ws->skip_scen = ws->scen;
		ws->skip_strat = ws->strat;
		ws->skip_index = ws->index;
	}
	sig = gsc ? report_signature_as(FUZZ_GEN_NAME, &f) :
		    report_signature(sc, &f);
	if (!camp_set_add(cfg->sigs, sig)) {
		scen_free(gsc);
		return;
	}
	snprintf(m.id, sizeof(m.id), "%s.crash.%016" PRIx64,
		 gsc ? FUZZ_GEN_NAME : sc->name, sig);
	snprintf(m.scenario, sizeof(m.scenario), "%s",
		 gsc ? FUZZ_GEN_NAME : sc->name);
	if (gsc) {
		char orig[4096];

		/* Where the program is: the trace names it too. */
		camp_finding_path(orig, sizeof(orig), cfg->dir, m.id,
				  "orig.yaml");
		if (rename(gsc->path, orig) == 0)
			snprintf(gsc->path, sizeof(gsc->path), "%.255s", orig);
	}
	snprintf(m.kind, sizeof(m.kind), "crash");
	m.signature = sig;
	snprintf(m.what, sizeof(m.what), "%.80s: %.100s", f.what, f.detail);
	snprintf(m.strategy, sizeof(m.strategy), "%s",
		 ws->strat < 0 ? "first" : camp_strat_names[ws->strat]);
	m.seed = rs.seed;
	m.depth = rs.depth;
	m.execution = rs.execution;
	snprintf(m.shard, sizeof(m.shard), "%d/%d", cfg->conf.shard_k,
		 cfg->conf.shard_n);
	m.worker = w;
	m.seconds = fuzz_now() - cfg->shm->t0 + cfg->shm->offset;
	m.executions = ws->executions;
	camp_finding_path(path, sizeof(path), cfg->dir, m.id, "trace");
	if (report_trace_write_raw(path, sc,
				   gsc ? cfg->conf.scen[0].fixes :
					 cfg->conf.scen[ws->scen].fixes,
				   &rs, SCEN_V_CRASH, ws->dec, ws->ndec) < 0) {
		scen_free(gsc);
		return;
	}
	n = snprintf(
		text, sizeof(text),
		"== %s: crash ==\n  scenario %s\n  "
		"schedule: %s, seed %" PRIu64 ", execution %" PRIu64 "\n\n"
		"crash: %s\n    %s; the trace holds the %u decisions taken "
		"before it: lockstep replay %s\n",
		sc->name, sc->path, rs.strategy, rs.seed, rs.execution, f.what,
		f.detail, ws->ndec, path);
	camp_finding_path(path, sizeof(path), cfg->dir, m.id, "txt");
	camp_write_atomic(path, text, (size_t)n);
	if (camp_meta_write(cfg->dir, &m) == 0)
		ck_pr_inc_32(&cfg->shm->findings);
	scen_free(gsc);
}

/* reap -- internal: workers that ended; restarts those that must go on. */
static void reap(struct coord *c, bool stopping)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int w;

		for (w = 0; w < c->jobs; w++)
			if (c->running[w] && c->pid[w] == pid)
				break;
		if (w == c->jobs)
			continue;
		c->running[w] = false;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue; /* done: stopped, or nothing left */
		/* Died while saving a finding: the next to find it saves it. */
		if (c->cfg->shm->w[w].saving_sig) {
			camp_set_forget(c->cfg->sigs,
					c->cfg->shm->w[w].saving_sig);
			c->cfg->shm->w[w].saving_sig = 0;
		}
		if (!(WIFEXITED(status) &&
		      WEXITSTATUS(status) == FUZZ_EXIT_REPLACE) &&
		    c->cfg->shm->w[w].in_flight) {
			died(c, w, status);
			c->cfg->shm->w[w].in_flight = 0;
		}
		/* A worker that dies before its first execution would die
		 * again: after a few such deaths it is given up. */
		if (ck_pr_load_64(&c->cfg->shm->w[w].executions) ==
		    c->spawned_at[w]) {
			if (++c->futile[w] > MAX_FUTILE) {
				fprintf(stderr,
					"lockstep fuzz: worker %d keeps "
					"dying before any execution; given up\n",
					w);
				continue;
			}
		} else {
			c->futile[w] = 0;
		}
		if (stopping)
			continue;
		c->cfg->shm->w[w].restarts++;
		c->pid[w] = spawn(c, w);
		c->running[w] = c->pid[w] > 0;
	}
}

/* nrunning -- internal: workers still running. */
static int nrunning(const struct coord *c)
{
	int n = 0;

	for (int w = 0; w < c->jobs; w++)
		n += c->running[w];
	return n;
}

/* run -- internal: the coordinator's loop. */
static void run(struct coord *c)
{
	struct fuzz_shm *shm = c->cfg->shm;
	double last_prog = 0, last_tl, last_cov, tl_every;
	uint64_t last_n = 0;
	double last_t;
	bool stopping = false;

	c->start = fuzz_now();
	shm->t0 = c->start;
	last_tl = last_cov = last_t = c->start;
	tl_every = (c->deadline - c->start) / 20;
	tl_every = tl_every < 1 ? 1 : tl_every > 60 ? 60 : tl_every;
	timeline(c);
	for (int w = 0; w < c->jobs; w++) {
		c->pid[w] = spawn(c, w);
		c->running[w] = c->pid[w] > 0;
	}
	while (nrunning(c)) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		double now;

		nanosleep(&ts, NULL);
		now = fuzz_now();
		if (!stopping &&
		    (interrupted || now >= c->deadline ||
		     (c->stop_on && stop_on_hit(c)))) {
			stopping = true;
			if (interrupted || now >= c->deadline)
				ck_pr_store_32(&shm->stop_min, 1);
			ck_pr_store_32(&shm->stop, 1);
		}
		if (stopping && (interrupted || now >= c->deadline))
			ck_pr_store_32(&shm->stop_min, 1);
		if (interrupted > 1) /* a second Ctrl-C: do not wait */
			for (int w = 0; w < c->jobs; w++)
				if (c->running[w])
					kill(c->pid[w], SIGKILL);
		reap(c, stopping);
		if (now - last_prog >= 1.0) {
			if (ck_pr_load_32(&shm->findings) != c->findings_seen) {
				c->findings_seen =
					ck_pr_load_32(&shm->findings);
				announce(c);
			}
			if (c->tty)
				progress(c, now, &last_n, &last_t);
			last_prog = now;
		}
		if (now - last_tl >= tl_every) {
			timeline(c);
			last_tl = now;
		}
		if (now - last_cov >= 5) {
			save_coverage(c->cfg);
			last_cov = now;
		}
	}
	announce(c);
	timeline(c);
	save_coverage(c->cfg);
	if (c->tty)
		fprintf(stderr, "\r\033[K");
}

/* ---- The campaign ----------------------------------------------------------------- */

int fuzz_campaign(struct fuzz_cfg *cfg, const struct fuzz_opts *o)
{
	struct coord c = { 0 };
	struct camp_summary_opts so = { 0 };
	size_t shm_size, map_size;
	char json[4096], junit[4096], text[4096];
	const char *ci = getenv("CI");
	int code, broken = 0;

	c.cfg = cfg;
	c.jobs = cfg->conf.jobs;
	shm_size = sizeof(struct fuzz_shm) +
		(size_t)c.jobs * sizeof(struct fuzz_wstat);
	shm_size = (shm_size + 63) & ~(size_t)63;
	map_size = shm_size + camp_set_size(SIG_CAP) + camp_set_size(COV_CAP);
	cfg->shm = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cfg->shm == MAP_FAILED) {
		fprintf(stderr, "lockstep fuzz: mmap: %s\n", strerror(errno));
		return 3;
	}
	cfg->sigs = (struct camp_set *)((char *)cfg->shm + shm_size);
	cfg->cov =
		(struct camp_set *)((char *)cfg->sigs + camp_set_size(SIG_CAP));
	camp_set_init(cfg->sigs, SIG_CAP);
	camp_set_init(cfg->cov, COV_CAP);
	for (int w = 0; w < c.jobs; w++) {
		cfg->shm->w[w].skip_scen = -1;
		cfg->shm->w[w].error_scen = -1;
	}
	cfg->shm->findings = (uint32_t)load_findings(cfg);
	c.findings_seen = cfg->shm->findings;
	load_coverage(cfg);
	snprintf(c.timeline, sizeof(c.timeline), "%s/timeline.%d-of-%d",
		 cfg->dir, cfg->conf.shard_k, cfg->conf.shard_n);
	if (o->resume)
		timeline_resume(&c);
	else
		unlink(c.timeline);
	c.quiet = o->quiet;
	c.stop_on = o->stop_on;
	c.tty = !o->quiet && isatty(2) && !(ci && !strcmp(ci, "true"));
	/* The findings already there are not news. */
	{
		struct coord tmp = { .cfg = cfg, .quiet = true };

		announce(&tmp);
		c.seen = tmp.seen;
		c.nseen = tmp.nseen;
		c.nbefore = c.nseen;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (!o->quiet && cfg->conf.generate)
		fprintf(stderr,
			"lockstep fuzz: generated programs at %s%s%s, "
			"seed %" PRIu64 ", %d jobs on %d CPUs, shard %d/%d, "
			"%.0f s%s: %s\n",
			cfg->conf.gen_kernel,
			cfg->conf.gen_fixes[0] ? " with fixes " : "",
			cfg->conf.gen_fixes, cfg->conf.seed, c.jobs, cfg->ncpu,
			cfg->conf.shard_k, cfg->conf.shard_n, o->time,
			o->resume ? ", resumed" : "", cfg->dir);
	else if (!o->quiet)
		fprintf(stderr,
			"lockstep fuzz: %d scenarios, %d jobs on %d "
			"CPUs, shard %d/%d, %.0f s%s: %s\n",
			cfg->conf.nscen, c.jobs, cfg->ncpu, cfg->conf.shard_k,
			cfg->conf.shard_n, o->time,
			o->resume ? ", resumed" : "", cfg->dir);
	c.deadline = fuzz_now() + o->time;
	run(&c);

	for (int w = 0; w < c.jobs; w++) {
		int i = cfg->shm->w[w].error_scen;

		if (i >= 0) {
			fprintf(stderr, "lockstep fuzz: %s: %s\n",
				cfg->sc[i] ? cfg->sc[i]->path :
					     cfg->conf.scen[i].path,
				cfg->shm->w[w].error);
			broken = 1;
		}
	}
	snprintf(json, sizeof(json), "%s/results.json", cfg->dir);
	snprintf(junit, sizeof(junit), "%s/junit.xml", cfg->dir);
	snprintf(text, sizeof(text), "%s/summary.txt", cfg->dir);
	so.json = o->json ? o->json : json;
	so.junit = o->junit ? o->junit : junit;
	so.text = text;
	so.quiet = false;
	so.seconds = fuzz_now() - c.start;
	so.run_executions = executions(&c);
	for (int w = 0; w < c.jobs; w++)
		so.restarts += cfg->shm->w[w].restarts;
	so.jobs = c.jobs;
	so.interrupted = interrupted > 0;
	code = camp_summary((char **)&cfg->dir, 1, &so);
	for (int i = 0; i < c.nseen; i++)
		free(c.seen[i]);
	free(c.seen);
	for (int i = 0; i < cfg->conf.nscen; i++)
		scen_free(cfg->sc[i]);
	munmap(cfg->shm, map_size);
	return broken ? 3 : code;
}
