/* SPDX-License-Identifier: MIT */
/*
 * engine/exec.c -- one execution: set up the files, run the threads' operations
 * under the scheduler (each by its handler, ops.c), then apply the oracles
 * (SPEC.md 4) and collect the findings.
 *
 * The data oracles are oracle/oracle.h's: the handlers enter what each
 * operation writes in the files' histories and have what it reads checked.
 * After all threads finish, every file is read once through the page cache
 * as it stands (a stale page left behind is a stale-read) and once from the
 * device after writeback and eviction (lost-write), both judged by the
 * oracle, and the blocks are accounted for (lost-block, core_check_blocks).
 */
#include "engine/exec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkers/checkers.h"
#include "engine/exec_impl.h"
#include "pmem/dev.h"

_Static_assert(SCEN_MAX_STEPS <= SIM_MAX_STEPS,
	       "every interleave: step fits the scheduler's");

/* ---- Vocabulary -------------------------------------------------------------- */

static void nearest(const char *name, const char *const *cands, int n,
		    char *hint)
{
	/* A prefix or one-character slip is enough for a hint here; the
	 * loader has the edit distance for keys. */
	size_t best = 0;

	hint[0] = 0;
	for (int i = 0; i < n; i++) {
		size_t k = 0;

		while (name[k] && name[k] == cands[i][k])
			k++;
		if (k > best) {
			best = k;
			snprintf(hint, 64, "%s", cands[i]);
		}
	}
}

static bool vocab_fix(const char *name, char *hint)
{
	const char *names[FIX__COUNT];

	if (core_fix_lookup(name) >= 0)
		return true;
	for (int i = 0; i < FIX__COUNT; i++)
		names[i] = core_fixes[i].name;
	nearest(name, names, FIX__COUNT, hint);
	return false;
}

static bool vocab_kernel(const char *ver, char *hint)
{
	uint32_t f;

	if (core_kernel_fixes(ver, &f) == 0)
		return true;
	snprintf(hint, 64, "v4.0 .. v7.x");
	return false;
}

static bool vocab_point(const char *point, char *hint)
{
	const char *names[64];
	int n = 0;

	if (core_point_valid(point))
		return true;
	for (int i = 0; i < core_points_count() && n < 64; i++)
		names[n++] = core_points[i].name;
	nearest(point, names, n, hint);
	return false;
}

const struct scen_vocab exec_vocab = {
	.fix = vocab_fix,
	.kernel = vocab_kernel,
	.point = vocab_point,
};

int exec_fixes_for(const struct scen *sc, const char *kernel_flag,
		   const char *fixes_flag, uint32_t *fixes, char *err,
		   size_t errlen)
{
	const char *kernel = kernel_flag ? kernel_flag :
		sc->kernel[0]		 ? sc->kernel :
					   NULL;
	uint32_t f = core_presets[core_npresets - 1].fixes;

	char hint[64] = "";

	if (kernel && core_kernel_fixes(kernel, &f) < 0) {
		(void)vocab_kernel(kernel, hint);
		snprintf(err, errlen,
			 "unknown kernel '%s' (presets %s; "
			 "lockstep list prints them)",
			 kernel, hint);
		return -1;
	}
	for (int i = 0; i < sc->nfix_edits; i++) {
		int fix = core_fix_lookup(sc->fix_edits[i].name);

		if (fix < 0) {
			snprintf(err, errlen, "unknown fix '%s'",
				 sc->fix_edits[i].name);
			return -1;
		}
		if (sc->fix_edits[i].remove)
			f &= ~FIX(fix);
		else
			f |= FIX(fix);
	}
	if (fixes_flag && *fixes_flag) {
		char buf[512], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", fixes_flag);
		for (char *tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			bool remove = *tok == '-';
			int fix;

			if (*tok == '-' || *tok == '+')
				tok++;
			if (!strcmp(tok, "none") && !remove) {
				f = 0;
				continue;
			}
			fix = core_fix_lookup(tok);
			if (fix < 0) {
				if (!vocab_fix(tok, hint) && hint[0])
					snprintf(
						err, errlen,
						"--fixes: unknown "
						"fix '%s' (did you mean '%s'?)",
						tok, hint);
				else
					snprintf(
						err, errlen,
						"--fixes: unknown "
						"fix '%s' (lockstep list prints "
						"them)",
						tok);
				return -1;
			}
			if (remove)
				f &= ~FIX(fix);
			else
				f |= FIX(fix);
		}
	}
	*fixes = f;
	return 0;
}

/* exec_trace_load -- a trace and its scenario, for replay and minimize. */
struct scen *exec_trace_load(const char *cmd, const char *path,
			     struct report_trace *t)
{
	struct scen_error serr;
	struct scen *sc;
	char err[512];

	if (report_trace_read(path, t, err, sizeof(err)) < 0) {
		fprintf(stderr, "lockstep %s: %s\n", cmd, err);
		return NULL;
	}
	/* the trace's own copy of the scenario; older traces name a path */
	if (t->text)
		sc = scen_load_text(t->scenario, t->text, t->text_len,
				    &exec_vocab, &serr);
	else
		sc = scen_load(t->scenario, &exec_vocab, &serr);
	if (!sc) {
		fprintf(stderr, "%s:%d:%d: error: %s\n", serr.file,
			serr.pos.line, serr.pos.col, serr.msg);
		report_trace_free(t);
	}
	return sc;
}

/* ---- Findings ----------------------------------------------------------------- */

/* exec_finding -- a finding of the execution, if its kind is checked and
 * the first of its kind. */
void exec_finding(struct exec *e, enum scen_violation kind, int tid, int op,
		  const char *what, const char *fmt, ...)
{
	struct exec_result *r = &e->res;
	struct finding *f;
	va_list ap;

	/* An execution stopped by the step limit judged nothing: whatever
	 * check: lists, it is never passed over as clean. */
	if (!(e->sc->check & (1u << kind)) && kind != SCEN_V_LIVELOCK)
		return;
	/* Without its interleave: a scenario's expected results (which
	 * describe the order the interleave fixes) judge nothing: another
	 * order may well fail an operation. */
	if (e->undirected && kind == SCEN_V_OP_RESULT)
		return;
	/* One finding per kind per execution: the first is the one to read. */
	if ((r->kinds & (1u << kind)) || r->nfind == EXEC_MAX_FINDINGS)
		return;
	r->kinds |= 1u << kind;
	f = &r->find[r->nfind++];
	memset(f, 0, sizeof(*f)); /* exec_run clears only what it counts */
	f->kind = kind;
	f->tid = tid;
	f->op = op;
	snprintf(f->what, sizeof(f->what), "%s", what);
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
}

/* name_threads -- internal: "thread 1" -> the scenario's name for it, in
 * the simulator's texts (it knows threads by index only). */
static void name_threads(const struct exec *e, const char *in, char *out,
			 size_t len)
{
	size_t o = 0;

	while (*in && o + 1 < len) {
		unsigned t;
		int n = 0;

		if (!strncmp(in, "thread ", 7) &&
		    sscanf(in + 7, "%u%n", &t, &n) == 1 &&
		    t < (unsigned)e->sc->nthreads) {
			int w = snprintf(out + o, len - o, "%s",
					 e->sc->threads[t].name);

			o += w > 0 ? (size_t)w : 0;
			in += 7 + n;
			continue;
		}
		out[o++] = *in++;
	}
	out[o < len ? o : len - 1] = 0;
}

/* positions -- internal: the operation each thread was in when the step
 * limit stopped the execution (a livelock's evidence, after the states
 * and locks sim/ gives). */
static void positions(const struct exec *e, char *out, size_t len)
{
	size_t o = 0;

	out[0] = 0;
	for (int t = 0; t < e->sc->nthreads && o + 1 < len; t++) {
		const struct scen_thread *th = &e->sc->threads[t];
		int opi = e->cur_op[t];
		char desc[SCEN_OP_DESC_MAX] = "";
		int n;

		if (opi >= 0)
			scen_op_describe(e->sc, &th->ops[opi], desc,
					 sizeof(desc));
		if (opi < 0)
			n = snprintf(out + o, len - o,
				     "\n    %s: before its "
				     "first operation",
				     th->name);
		else
			n = snprintf(out + o, len - o,
				     "\n    %s: at %s, "
				     "operation %d of %d",
				     th->name, desc, opi + 1, th->nops);
		if (n < 0)
			break;
		o += (size_t)n < len - o ? (size_t)n : len - o - 1;
	}
}

/* exec_map_target -- the file and file offset behind a map offset. */
int exec_map_target(struct exec *e, int map, uint64_t off, uint64_t *foff)
{
	return core_map_file(e->fs, map, off, foff);
}

/* exec_observe -- n bytes seen, into a part of the execution's
 * outcome (FNV-1a over 8-byte words), if the engine keeps one. */
void exec_observe(const struct exec *e, uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t w;

	if (!e->want_outcome)
		return;
	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&w, b, 8);
		*h = (*h ^ w) * 1099511628211ull;
	}
	for (; n; n--, b++)
		*h = (*h ^ *b) * 1099511628211ull;
}

/* hist_open_touch -- internal: the instant an operation starts (rs), for
 * each history it will write or check a read against (its descriptor's
 * hist; every history when that is a mapping's file, not mapped yet). */
static void hist_open_touch(struct exec *e, const struct scen_op *op,
			    unsigned hist)
{
	const struct scen *sc = e->sc;
	uint64_t off; /* a map index is mapped once, to one file */

	if (hist & (EXEC_H_FILE_R | EXEC_H_FILE_W))
		oracle_touch(op->file, hist & EXEC_H_FILE_W);
	if ((hist & EXEC_H_INTO_W) && op->into_map >= 0)
		oracle_touch(exec_map_target(e, op->into_map, 0, &off), true);
	if (hist & (EXEC_H_MAP_R | EXEC_H_MAP_W))
		oracle_touch(exec_map_target(e, op->map, 0, &off),
			     hist & EXEC_H_MAP_W);
	if (hist & EXEC_H_PIN_W)
		oracle_touch(exec_map_target(e, sc->pins[op->pin].map, 0, &off),
			     true);
	if (hist & EXEC_H_FILE2_W)
		oracle_touch(op->file2, true);
}

/* exec_check_read -- the data oracle on bytes a read returned: a finding
 * of 'kind' if they are not what the file held over [rs, re]. */
void exec_check_read(struct exec *e, enum scen_violation kind, int file,
		     const void *buf, uint64_t pos, uint64_t n, uint32_t rs,
		     uint32_t re, int tid, int op, const char *what,
		     const char *when)
{
	char detail[sizeof(e->res.find[0].detail)];

	if (!oracle_check_read(e->oracle, file, buf, pos, n, rs, re, when,
			       detail, sizeof(detail)))
		exec_finding(e, kind, tid, op, what, "%s", detail);
}

/* ---- The threads -------------------------------------------------------------- */

static const char *errname(int err)
{
	switch (err) {
	case EINVAL:
		return "EINVAL";
	case ENOSPC:
		return "ENOSPC";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EBUSY:
		return "EBUSY";
	case EFBIG:
		return "EFBIG";
	case EIO:
		return "EIO";
	case ENOMEM:
		return "ENOMEM";
	case EAGAIN:
		return "EAGAIN";
	case EFAULT:
		return "EFAULT";
	case EPERM:
		return "EPERM";
	case EXDEV:
		return "EXDEV";
	default:
		return "error";
	}
}

/* run_op -- internal: one operation of thread tid, by its handler
 * (exec_ops[], ops.c), then the oracles on its result. */
static void run_op(struct exec *e, int tid, int opi)
{
	const struct scen *sc = e->sc;
	const struct scen_op *op = &sc->threads[tid].ops[opi];
	const struct exec_op *x = &exec_ops[op->kind];
	const char *desc;
	char what[sizeof(e->res.find[0].what)];
	struct op_run r = {
		.op = op,
		.tid = tid,
		.opi = opi,
		.id = oracle_op_id(e->oracle, tid, opi),
		.len = op->len > SCEN_MAX_IO ? SCEN_MAX_IO : op->len,
		.inode = op->file >= 0 ? core_fs_inode(e->fs, op->file) : NULL,
		.inode2 = op->file2 >= 0 ? core_fs_inode(e->fs, op->file2) :
					   NULL,
		.what = what,
	};
	struct inode *held = x->no_ref ? NULL : r.inode;
	long long res;
	char msg[256];

	/* the operation's text, made once per run: it outlives every
	 * execution's events and report, as sim_op_begin asks */
	desc = e->op_desc[r.id - 1];
	memcpy(what, e->op_what[r.id - 1], sizeof(what));
	e->cur_op[tid] = opi;
	sim_op_begin(scen_ops[op->kind].name, desc);
	r.rs = sim_now();
	hist_open_touch(e, op, x->hist);
	sim_exact(x->exact);
	/* The operation holds the file open, as a file descriptor would;
	 * an inode marked for eviction goes at the last one's iput. */
	if (held)
		core_iget(held);
	if (r.inode2)
		core_iget(r.inode2);
	res = x->run(e, &r);
	if (r.inode2)
		core_iput(r.inode2);
	if (held)
		core_iput(held);
	sim_exact(false);
	exec_observe(e, &e->seen[tid], &res, sizeof(res));
	/* what came back: a read's res bytes, a load's or clone's all */
	if (r.saw)
		exec_observe(e, &e->seen[tid], r.saw, (size_t)r.nsaw);
	sim_op_end(desc, (int)(res < 0 ? res : 0));
	/* may_fail: an error that only some schedules give (never together
	 * with expect_error) is no finding; any other still is */
	if (res < 0 && -res != op->expect_error && op->nmay_fail &&
	    !scen_op_may_fail(op, (int)-res))
		exec_finding(e, SCEN_V_OP_RESULT, tid, opi, what,
			     "returned -%s (may_fail allows -%s%s)",
			     errname((int)-res), errname(op->may_fail[0]),
			     op->nmay_fail > 1 ? " and others" : "");
	else if (res < 0 && -res != op->expect_error && !op->nmay_fail)
		exec_finding(e, SCEN_V_OP_RESULT, tid, opi, what,
			     "returned -%s%s%s", errname((int)-res),
			     op->expect_error ? ", expected -" :
						" (no error expected)",
			     op->expect_error ? errname(op->expect_error) : "");
	else if (res >= 0 && op->expect_error)
		exec_finding(e, SCEN_V_OP_RESULT, tid, opi, what,
			     "succeeded, expected -%s",
			     errname(op->expect_error));
	/* Block accounting after every operation. */
	if (core_check_blocks(e->fs, msg, sizeof(msg)) < 0)
		exec_finding(e, SCEN_V_LOST_BLOCK, tid, opi, what,
			     "after it: %s", msg);
	/* The page cache's invariants: a failure is the model's bug, a
	 * crash as a BUG() in the core is. */
	if (core_check_pagecache(e->fs, msg, sizeof(msg)) < 0)
		exec_finding(e, SCEN_V_CRASH, tid, opi, what, "after it: %s",
			     msg);
}

static void thread_main(struct sim *s, int tid, void *arg)
{
	struct exec_thread *t = arg;

	(void)s;
	for (int i = 0; i < t->e->sc->threads[tid].nops; i++)
		run_op(t->e, tid, i);
}

/* ---- The final checks ------------------------------------------------------------- */

static void final_checks(void *arg)
{
	struct exec *e = arg;
	const struct scen *sc = e->sc;
	uint32_t now = sim_now();
	char msg[256];

	for (int f = 0; f < sc->nfiles; f++) {
		struct inode *inode = core_fs_inode(e->fs, f);
		uint64_t size = core_i_size(inode);
		unsigned char *buf = sim_alloc(size ? size : 1);
		const char *what = e->final_what[f][0];
		ssize_t n;

		n = core_read(inode, 0, size, buf);
		if (n > 0)
			exec_check_read(e, SCEN_V_STALE_READ, f, buf, 0,
					(uint64_t)n, now, now, -1, -1, what,
					"once every operation had finished");

		core_writeback_evict(inode);
		core_read_device(inode, size, buf);
		exec_observe(e, &e->res.outcome, &size, sizeof(size));
		exec_observe(e, &e->res.outcome, buf, size);
		exec_check_read(e, SCEN_V_LOST_WRITE, f, buf, 0, size, now, now,
				-1, -1, e->final_what[f][1],
				"once every operation had finished");
	}
	if (core_check_blocks(e->fs, msg, sizeof(msg)) < 0)
		exec_finding(e, SCEN_V_LOST_BLOCK, -1, -1,
			     "block accounting at the end", "%s", msg);
	if (core_check_pagecache(e->fs, msg, sizeof(msg)) < 0)
		exec_finding(e, SCEN_V_CRASH, -1, -1,
			     "the page cache at the end", "%s", msg);
}

/* ---- The engine ---------------------------------------------------------------------- */

/* initial_content -- internal: a file's content before the execution,
 * stamped as written by operation 0 (core_fill_fn). */
static void initial_content(void *buf, int index, uint64_t pos, uint64_t len)
{
	stamp_fill(buf, (unsigned)index, 0, pos, len);
}

bool exec_op_modelled(int k)
{
	return k >= 0 && k < SCEN_OP__COUNT && exec_ops[k].run;
}

struct exec *exec_new(const struct scen *sc, uint32_t fixes,
		      const struct exec_options *opt, char *err, size_t errlen)
{
	/* LOCKSTEP_MAX_STEPS: the step limit (sim_options.max_steps), lower
	 * for tests of the livelock outcome; a replay needs the same value */
	const char *ms = getenv("LOCKSTEP_MAX_STEPS");
	struct sim_options so = { .cpu = -1,
				  .log_events = opt->log_events,
				  .max_steps = ms ? strtoull(ms, NULL, 10) :
						    0 };
	struct exec *e;

	for (int t = 0; t < sc->nthreads; t++)
		for (int o = 0; o < sc->threads[t].nops; o++)
			if (!exec_op_modelled(sc->threads[t].ops[o].kind)) {
				snprintf(err, errlen,
					 "operation %s is not "
					 "modelled by this build",
					 scen_ops[sc->threads[t].ops[o].kind]
						 .name);
				errno = ENOSYS;
				return NULL;
			}
	e = calloc(1, sizeof(*e));
	if (e) {
		int nops = 0;

		for (int t = 0; t < sc->nthreads; t++)
			nops += sc->threads[t].nops;
		e->oracle = oracle_new(sc);
		e->op_desc = calloc((size_t)nops + 1, sizeof(*e->op_desc));
		e->op_what = calloc((size_t)nops + 1, sizeof(*e->op_what));
	}
	if (!e || !e->oracle || !e->op_desc || !e->op_what) {
		if (e) {
			oracle_free(e->oracle);
			free(e->op_desc);
			free(e->op_what);
		}
		free(e);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->sc = sc;
	e->fixes = fixes;
	e->want_outcome = opt->outcome;
	e->undirected = opt->undirected;
	for (int t = 0; t < sc->nthreads; t++)
		for (int o = 0; o < sc->threads[t].nops; o++) {
			uint32_t i = oracle_op_id(e->oracle, t, o) - 1;

			scen_op_describe(sc, &sc->threads[t].ops[o],
					 e->op_desc[i], sizeof(e->op_desc[i]));
			snprintf(e->op_what[i], sizeof(e->op_what[i]),
				 "%s by %s", e->op_desc[i],
				 sc->threads[t].name);
		}
	for (int f = 0; f < sc->nfiles; f++) {
		snprintf(e->final_what[f][0], sizeof(e->final_what[f][0]),
			 "the final read of %s through the page cache",
			 sc->files[f].name);
		snprintf(e->final_what[f][1], sizeof(e->final_what[f][1]),
			 "%s, read back from the device after writeback and "
			 "eviction",
			 sc->files[f].name);
	}
	e->dev = pmem_dev_open(opt->pool, sc->block_size, sc->blocks, err,
			       errlen);
	if (!e->dev) {
		int saved = errno; /* EINVAL: the --pool given */

		oracle_free(e->oracle);
		free(e->op_desc);
		free(e->op_what);
		free(e);
		errno = saved;
		return NULL;
	}
	e->sim = sim_create(sc->nthreads, &so);
	if (!e->sim) {
		snprintf(err, errlen, "cannot create %d threads", sc->nthreads);
		pmem_dev_close(e->dev);
		oracle_free(e->oracle);
		free(e->op_desc);
		free(e->op_what);
		free(e);
		return NULL;
	}
	/* The checkers observe the scheduler; the rank check of the lock
	 * order stays on without the graph. */
	lockdep_attach(e->sim, !opt->no_lockdep);
	if (!opt->no_race)
		race_attach(e->sim);
	for (int t = 0; t < sc->nthreads; t++) {
		e->th[t] = (struct exec_thread){ e, t };
		e->args[t] = &e->th[t];
	}
	for (int f = 0; f < sc->nfiles; f++) {
		/* the initial content is the same in every execution:
		 * stamped once */
		unsigned char *c =
			malloc(sc->files[f].size ? sc->files[f].size : 1);

		if (!c)
			sim_oom("a file's initial content");
		initial_content(c, f, 0, sc->files[f].size);
		e->spec[f] = (struct core_file_spec){
			.name = sc->files[f].name,
			.size = sc->files[f].size,
			.dax = sc->files[f].dax,
			.index = f,
			.fill = initial_content,
			.content = c,
		};
	}
	return e;
}

void exec_free(struct exec *e)
{
	if (!e)
		return;
	for (int f = 0; f < e->sc->nfiles; f++)
		free((void *)e->spec[f].content);
	sim_destroy(e->sim);
	pmem_dev_close(e->dev);
	oracle_free(e->oracle);
	free(e->op_desc);
	free(e->op_what);
	free(e);
}

struct sim *exec_sim(struct exec *e)
{
	return e->sim;
}

const struct scen *exec_scen(const struct exec *e)
{
	return e->sc;
}

uint32_t exec_fixes(const struct exec *e)
{
	return e->fixes;
}

/* core_reports -- internal: a finding the core makes as it happens. */
static void core_reports(void *ctx, int kind, const char *what,
			 const char *detail)
{
	struct exec *e = ctx;
	int tid = sim_tid();
	int op = tid >= 0 ? e->cur_op[tid] : -1;
	char w[192];

	if (tid >= 0) {
		char by[sizeof(w)];

		snprintf(w, sizeof(w), "%s, in %s", what,
			 scen_op_by(e->sc, tid, op, by, sizeof(by)));
	} else {
		snprintf(w, sizeof(w), "%s", what);
	}
	exec_finding(e, (enum scen_violation)kind, tid, op, w, "%s", detail);
}

static void setup(void *arg)
{
	struct exec *e = arg;

	e->fs = core_fs_create(e->dev, e->fixes, e->spec, e->sc->nfiles,
			       e->sc->nmaps, core_reports, e);
	e->pins = sim_alloc((size_t)(e->sc->npins + 1) * sizeof(*e->pins));
}

uint64_t exec_calibrate(struct exec *e)
{
	struct sim_strategy *st = sim_strategy_first();
	uint64_t k;

	exec_run(e, st, 0);
	k = sim_steps(e->sim);
	sim_strategy_destroy(st);
	/* The checkers report each cycle or race once per run: this
	 * execution must not spend that on a schedule nobody sees. */
	sim_reset_checkers(e->sim);
	return k;
}

const struct exec_result *exec_run(struct exec *e, struct sim_strategy *st,
				   uint64_t index)
{
	const struct scen *sc = e->sc;
	struct sim_step steps[SCEN_MAX_STEPS];
	struct exec_result *r = &e->res;

	/* The findings (16 x 2 KiB) are cleared one by one as they are made
	 * (exec_finding), not every execution. */
	r->abort = SIM_OK;
	r->steps = 0;
	r->nfind = 0;
	r->kinds = 0;
	r->outcome = 0;
	for (int t = 0; t < sc->nthreads; t++)
		e->cur_op[t] = -1;
	for (int t = 0; e->want_outcome && t < sc->nthreads; t++)
		e->seen[t] = 14695981039346656037ull;
	sim_new_arena(e->sim);
	oracle_reset(e->oracle);
	if (!sim_guard(e->sim, setup, e) || !e->fs) {
		r->abort = SIM_ABORT_CRASH;
		exec_finding(
			e, SCEN_V_CRASH, -1, -1, "setting up the files", "%s",
			e->fs ? sim_abort_reason(e->sim) :
				"the files do not fit on the device (ENOSPC)");
		return r;
	}
	for (int i = 0; i < sc->nsteps; i++)
		steps[i] = (struct sim_step){
			.tid = sc->steps[i].thread,
			.until = sc->steps[i].run ? NULL : sc->steps[i].point,
		};
	sim_set_exec_index(e->sim, index);
	r->abort = sim_execute(e->sim, thread_main, e->args, st, steps,
			       e->undirected ? 0 : sc->nsteps);
	r->steps = sim_steps(e->sim);
	r->outcome = e->want_outcome ? 14695981039346656037ull : 0;
	exec_observe(e, &r->outcome, &r->abort, sizeof(r->abort));
	exec_observe(e, &r->outcome, e->seen,
		     (size_t)sc->nthreads * sizeof(e->seen[0]));
	{
		const struct sim_report *rep;
		int nrep = sim_reports(e->sim, &rep);

		for (int i = 0; i < nrep; i++) {
			char what[192], detail[2048];

			name_threads(e, rep[i].what, what, sizeof(what));
			name_threads(e, rep[i].detail, detail, sizeof(detail));
			int before = r->nfind;

			exec_finding(e,
				     rep[i].kind == SIM_REPORT_LOCK_ORDER ?
					     SCEN_V_LOCK_ORDER :
					     SCEN_V_DATA_RACE,
				     -1, -1, what, "%s", detail);
			if (r->nfind > before) {
				struct finding *f = &r->find[r->nfind - 1];

				f->nprior = rep[i].nprior;
				memcpy(f->prior, rep[i].prior,
				       sizeof(f->prior));
			}
		}
	}
	switch (r->abort) {
	case SIM_OK:
		if (!sim_guard(e->sim, final_checks, e))
			exec_finding(e, SCEN_V_CRASH, -1, -1,
				     "the final checks", "%s",
				     sim_abort_reason(e->sim));
		break;
	case SIM_ABORT_DEADLOCK: {
		char detail[1024];

		name_threads(e, sim_abort_reason(e->sim), detail,
			     sizeof(detail));
		exec_finding(e, SCEN_V_DEADLOCK, -1, -1, "no thread can run",
			     "%s", detail);
		break;
	}
	case SIM_ABORT_CRASH:
		exec_finding(e, SCEN_V_CRASH, -1, -1, "the execution crashed",
			     "%s", sim_abort_reason(e->sim));
		break;
	case SIM_ABORT_LIMIT: {
		char state[1536], where[1024];

		name_threads(e, sim_abort_reason(e->sim), state, sizeof(state));
		positions(e, where, sizeof(where));
		exec_finding(e, SCEN_V_LIVELOCK, -1, -1,
			     "the threads never finished", "%s%s", state,
			     where);
		break;
	}
	case SIM_ABORT_REPLAY:
		break;
	}
	return r;
}

/* exec_new_as_written -- see engine/exec.h. */
struct exec *exec_new_as_written(const struct scen *sc,
				 const struct exec_options *opt, char *err,
				 size_t errlen)
{
	uint32_t fixes;

	if (exec_fixes_for(sc, NULL, NULL, &fixes, err, errlen) < 0)
		return NULL;
	return exec_new(sc, fixes, opt, err, errlen);
}
