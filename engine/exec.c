/* SPDX-License-Identifier: MIT */
/*
 * engine/exec.c -- one execution: set up the files, run the threads' operations
 * under the scheduler, then apply the oracles (SPEC.md 4).
 *
 * The data oracles work on stamped data (oracle/stamp.h).  Each operation that
 * changes a file is entered in the file's history over its logical interval;
 * each read is checked against the history when it returns.  After all
 * threads finish, every file is read once through the page cache as it
 * stands (a stale page left behind is a stale-read) and once from the device
 * after writeback and eviction (lost-write), and the blocks are accounted
 * for (lost-block).
 */
#include "engine/exec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkers/checkers.h"
#include "core/core.h"
#include "oracle/stamp.h"
#include "pmem/dev.h"

_Static_assert(SCEN_MAX_STEPS <= SIM_MAX_STEPS,
	       "every interleave: step fits the scheduler's");

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
	uint32_t op_base[SCEN_MAX_THREADS];	/* op id of each thread's op 0 */
	struct core_file_spec spec[SCEN_MAX_FILES];

	/* the execution */
	struct core_fs *fs;
	struct hist hist[SCEN_MAX_FILES];
	struct gup_pin **pins;			/* by the scenario's pin index */
	int cur_op[SCEN_MAX_THREADS];
	uint64_t seen[SCEN_MAX_THREADS];	/* exec_result.outcome's parts */
	bool want_outcome;
	volatile int *null_page;		/* test_crash's target: NULL */
	struct exec_result res;
};

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
	.fix = vocab_fix, .kernel = vocab_kernel, .point = vocab_point,
};

int exec_fixes_for(const struct scen *sc, const char *kernel_flag,
		   const char *fixes_flag, uint32_t *fixes, char *err,
		   size_t errlen)
{
	const char *kernel = kernel_flag ? kernel_flag :
			     sc->kernel[0] ? sc->kernel : NULL;
	uint32_t f = core_presets[core_npresets - 1].fixes;

	if (kernel && core_kernel_fixes(kernel, &f) < 0) {
		snprintf(err, errlen, "unknown kernel '%s' (lockstep list "
			 "prints the presets)", kernel);
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
				snprintf(err, errlen, "--fixes: unknown fix "
					 "'%s' (lockstep list prints them)", tok);
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
	sc = scen_load(t->scenario, &exec_vocab, &serr);
	if (!sc) {
		fprintf(stderr, "%s:%d:%d: error: %s\n", serr.file,
			serr.pos.line, serr.pos.col, serr.msg);
		report_trace_free(t);
	}
	return sc;
}

/* ---- Findings ----------------------------------------------------------------- */

static void add_finding(struct exec *e, enum scen_violation kind, int tid,
			int op, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void add_finding(struct exec *e, enum scen_violation kind, int tid,
			int op, const char *what, const char *fmt, ...)
{
	struct exec_result *r = &e->res;
	struct finding *f;
	va_list ap;

	if (!(e->sc->check & (1u << kind)))
		return;
	/* One finding per kind per execution: the first is the one to read. */
	if ((r->kinds & (1u << kind)) || r->nfind == EXEC_MAX_FINDINGS)
		return;
	r->kinds |= 1u << kind;
	f = &r->find[r->nfind++];
	f->nprior = 0;
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

		if (!strncmp(in, "thread ", 7) && sscanf(in + 7, "%u%n", &t, &n) == 1 &&
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

/* op_by_id -- internal: the thread and op an op id names; false for 0. */
static bool op_by_id(const struct exec *e, uint32_t id, int *tid, int *op)
{
	for (int t = 0; t < e->sc->nthreads; t++) {
		if (id >= e->op_base[t] &&
		    id < e->op_base[t] + (uint32_t)e->sc->threads[t].nops) {
			*tid = t;
			*op = (int)(id - e->op_base[t]);
			return true;
		}
	}
	return false;
}

/* describe_word -- internal: where a word came from, for a person. */
static void describe_word(const struct exec *e, uint64_t w, char *buf,
			  size_t len)
{
	const struct scen *sc = e->sc;
	unsigned file = stamp_file(w);
	char op[128];
	int tid, opi;

	if (!w) {
		snprintf(buf, len, "zeros");
		return;
	}
	if (!(w & STAMP_VALID) || file >= (unsigned)sc->nfiles) {
		snprintf(buf, len, "0x%016llx, not data any operation wrote",
			 (unsigned long long)w);
		return;
	}
	if (stamp_op(w) == 0) {
		snprintf(op, sizeof(op), "its initial content");
	} else if (op_by_id(e, stamp_op(w), &tid, &opi)) {
		char d[96];

		scen_op_describe(sc, &sc->threads[tid].ops[opi], d, sizeof(d));
		snprintf(op, sizeof(op), "%s by %s", d, sc->threads[tid].name);
	} else {
		snprintf(op, sizeof(op), "operation #%u", stamp_op(w));
	}
	snprintf(buf, len, "file %s offset %llu, from %s", sc->files[file].name,
		 (unsigned long long)stamp_word(w) * 8, op);
}

/* map_target -- internal: the file and file offset behind a map offset. */
static int map_target(struct exec *e, int map, uint64_t off, uint64_t *foff)
{
	return core_map_file(e->fs, map, off, foff);
}

/*
 * hist_touch -- internal: the instant just taken (sim_now()) is the start
 * or end of an interval of file's history (-1: of any file's, where the
 * file is not known yet): a write's, or a read's to be checked against it.
 * The oracles' verdicts depend on the order of such instants, a read's
 * against a write's and two writes', and on nothing else of the order of
 * operations: announced to the systematic search.
 */
static void hist_touch(int file, bool write)
{
	sim_touch("hist", NULL, file < 0 ? SIM_TOUCH_ALL : (uint32_t)file, write);
}

/* observe -- internal: n bytes seen, into a part of the execution's
 * outcome (FNV-1a over 8-byte words), if the engine keeps one. */
static void observe(const struct exec *e, uint64_t *h, const void *p, size_t n)
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

/* hist_close -- internal: entry 'slot' of file's history ends now. */
static void hist_close(struct exec *e, int file, uint32_t slot)
{
	hist_touch(file, true);
	hist_end(&e->hist[file], slot, sim_now());
}

/* hist_open_touch -- internal: the instant an operation starts (rs), for
 * each history it will write or check a read against (every history when
 * that is a mapping's file, not mapped yet). */
static void hist_open_touch(struct exec *e, const struct scen_op *op)
{
	const struct scen *sc = e->sc;
	uint64_t off;		/* a map index is mapped once, to one file */

	switch (op->kind) {
	case SCEN_OP_READ:
	case SCEN_OP_DIO_READ:
		hist_touch(op->file, false);
		if (op->into_map >= 0)
			hist_touch(map_target(e, op->into_map, 0, &off), true);
		break;
	case SCEN_OP_WRITE:
	case SCEN_OP_DIO_WRITE:
	case SCEN_OP_PUNCH_HOLE:
	case SCEN_OP_TRUNCATE:
		hist_touch(op->file, true);
		break;
	case SCEN_OP_LOAD:
		hist_touch(map_target(e, op->map, 0, &off), false);
		break;
	case SCEN_OP_STORE:
		hist_touch(map_target(e, op->map, 0, &off), true);
		break;
	case SCEN_OP_DMA_WRITE:
		hist_touch(map_target(e, sc->pins[op->pin].map, 0, &off), true);
		break;
	case SCEN_OP_CLONE:
		hist_touch(op->file, false);
		hist_touch(op->file2, true);
		break;
	default:
		break;			/* no history: mmap, fsync, set_dax... */
	}
}

/*
 * op_exact -- internal: whether the core's code for op announces all it
 * touches (sim_exact).  Every operation's does; an operation added to
 * the core without its sim_touch calls must be left out here, and its
 * points must then name their scope.
 */
static bool op_exact(const struct scen_op *op)
{
	return op->kind != SCEN_OP_TEST_CRASH;
}

/* check_read -- internal: the data oracle on bytes a read returned. */
static void check_read(struct exec *e, enum scen_violation kind, int file,
		       const void *buf, uint64_t pos, uint64_t n, uint32_t rs,
		       uint32_t re, int tid, int op, const char *what,
		       const char *when)
{
	struct stamp_bad bad;
	char got[192], want[192];

	hist_touch(file, false);	/* re */
	if (hist_check(&e->hist[file], buf, pos, n, rs, re, &bad))
		return;
	describe_word(e, bad.got, got, sizeof(got));
	if (bad.want_zero && bad.want_op) {
		int t, o;

		if (op_by_id(e, bad.want_op, &t, &o)) {
			char d[96];

			scen_op_describe(e->sc, &e->sc->threads[t].ops[o], d,
					 sizeof(d));
			snprintf(want, sizeof(want), "zeros, from %s by %s", d,
				 e->sc->threads[t].name);
		} else {
			snprintf(want, sizeof(want), "zeros");
		}
	} else if (bad.want_zero) {
		snprintf(want, sizeof(want), "zeros (a hole)");
	} else {
		describe_word(e, bad.want, want, sizeof(want));
	}
	add_finding(e, kind, tid, op, what,
		    "at offset %llu of %s, a word the file did not hold %s:\n"
		    "    got      %s\n"
		    "    expected %s",
		    (unsigned long long)(bad.offset & ~7ull),
		    e->sc->files[file].name, when, got, want);
}

/* ---- The threads -------------------------------------------------------------- */

static const char *errname(int err)
{
	switch (err) {
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EBUSY: return "EBUSY";
	case EFBIG: return "EFBIG";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case EAGAIN: return "EAGAIN";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	case EXDEV: return "EXDEV";
	default: return "error";
	}
}

/* stamped -- internal: a buffer of op 'id's data for file at pos. */
static unsigned char *stamped(unsigned file, uint32_t id, uint64_t pos,
			      uint64_t len)
{
	unsigned char *buf = sim_alloc(len ? len : 1);

	stamp_fill(buf, file, id, pos, len);
	return buf;
}

/* dma_write -- internal: a device writes stamped data through a pin, page
 * by page; the history of the pinned file gets only what still lands in
 * it (a page truncated away, or a freed block, is written all the same,
 * into whatever it now is). */
static void dma_write(struct exec *e, struct gup_pin *pin, int map_file,
		      uint64_t file_off, uint32_t id, uint32_t rs)
{
	uint64_t len = core_pin_len(pin);
	unsigned char *buf = stamped((unsigned)map_file, id, file_off, len);
	struct hist *h = &e->hist[map_file];

	for (uint64_t off = 0; off < len;) {
		uint64_t n = PAGE_SIZE - ((file_off + off) & (PAGE_SIZE - 1));

		if (n > len - off)
			n = len - off;
		if (core_pin_owned(e->fs, pin, off)) {
			uint32_t slot = hist_begin(h, id, HIST_WRITE, file_off + off,
						   file_off + off + n, rs);

			core_pin_io(e->fs, pin, off, buf + off, n, false);
			hist_close(e, map_file, slot);
		} else {
			core_pin_io(e->fs, pin, off, buf + off, n, false);
		}
		off += n;
	}
}

/* run_op -- internal: one operation of thread tid, with its oracles. */
static void run_op(struct exec *e, int tid, int opi)
{
	const struct scen *sc = e->sc;
	const struct scen_op *op = &sc->threads[tid].ops[opi];
	uint32_t id = e->op_base[tid] + (uint32_t)opi;
	struct inode *inode = op->file >= 0 ? core_fs_inode(e->fs, op->file) : NULL;
	struct inode *inode2 = op->file2 >= 0 ? core_fs_inode(e->fs, op->file2) : NULL;
	struct hist *h = op->file >= 0 ? &e->hist[op->file] : NULL;
	char desc[128], what[192];
	uint32_t rs, slot = 0;
	long long res = 0;
	unsigned char *buf = NULL;
	uint64_t len = op->len > SCEN_MAX_IO ? SCEN_MAX_IO : op->len;
	uint64_t foff = 0;
	int xf = -1;
	char msg[256];

	scen_op_describe(sc, op, desc, sizeof(desc));
	snprintf(what, sizeof(what), "%s by %s", desc, sc->threads[tid].name);
	e->cur_op[tid] = opi;
	sim_op_begin(scen_op_names[op->kind], sim_strdup(desc));
	rs = sim_now();
	hist_open_touch(e, op);
	sim_exact(op_exact(op));
	/* The operation holds the file open, as a file descriptor would;
	 * an inode marked for eviction goes at the last one's iput. */
	if (op->kind == SCEN_OP_EVICT)
		inode = NULL;
	if (inode)
		core_iget(inode);
	if (inode2)
		core_iget(inode2);
	switch (op->kind) {
	case SCEN_OP_READ:
	case SCEN_OP_DIO_READ:
		buf = sim_alloc(len ? len : 1);
		/* With into, what was read is written to the mapped file as
		 * it goes: a copy whose bytes are the buffer's, each filled
		 * before it is stored there, so the entry is in the history
		 * from the start, for readers of that file. */
		if (op->into_map >= 0)
			xf = map_target(e, op->into_map, op->into_offset, &foff);
		if (xf >= 0)
			slot = hist_copy(&e->hist[xf], id, foff, foff + len, buf,
					 rs, HIST_OPEN);
		if (op->kind == SCEN_OP_READ)
			res = core_read_to(inode, op->offset, len, buf,
					   op->into_map, op->into_offset);
		else
			res = core_dio_read(inode, op->offset, len, buf,
					    op->into_map, op->into_offset);
		if (res > 0)
			check_read(e, SCEN_V_STALE_READ, op->file, buf, op->offset,
				   (uint64_t)res, rs, sim_now(), tid, opi, what,
				   "while the read ran");
		if (xf >= 0) {
			hist_trim(&e->hist[xf], slot,
				  foff + (res > 0 ? (uint64_t)res : 0));
			hist_close(e, xf, slot);
		}
		break;
	case SCEN_OP_WRITE:
	case SCEN_OP_DIO_WRITE:
		if (op->into_map >= 0) {
			/* the data is what the mapping holds, in the buffer
			 * before it reaches the file */
			buf = sim_alloc(len ? len : 1);
			slot = hist_copy(h, id, op->offset, op->offset + len, buf,
					 rs, HIST_OPEN);
			res = core_dio_write(inode, op->offset, len, buf,
					     op->into_map, op->into_offset);
			hist_trim(h, slot, op->offset + (res > 0 ? (uint64_t)res : 0));
			hist_close(e, op->file, slot);
			break;
		}
		buf = stamped((unsigned)op->file, id, op->offset, len);
		slot = hist_begin(h, id, HIST_WRITE, op->offset, op->offset + len, rs);
		if (op->kind == SCEN_OP_WRITE)
			res = core_write(inode, op->offset, len, buf);
		else
			res = core_dio_write(inode, op->offset, len, buf, -1, 0);
		hist_trim(h, slot, op->offset + (res > 0 ? (uint64_t)res : 0));
		hist_close(e, op->file, slot);
		break;
	case SCEN_OP_PUNCH_HOLE:
	case SCEN_OP_TRUNCATE:
		if (op->kind == SCEN_OP_PUNCH_HOLE)
			slot = hist_begin(h, id, HIST_ZERO, op->offset,
					  op->offset + op->len, rs);
		else
			slot = hist_begin(h, id, HIST_ZERO, op->size, UINT64_MAX, rs);
		res = op->kind == SCEN_OP_PUNCH_HOLE ?
			      core_punch_hole(inode, op->offset, op->len) :
			      core_truncate(inode, op->size);
		if (res < 0)
			hist_trim(h, slot, 0);
		hist_close(e, op->file, slot);
		break;
	case SCEN_OP_READAHEAD:
		res = core_readahead(inode, op->offset, op->len);
		break;
	case SCEN_OP_MMAP:
		res = core_mmap(e->fs, op->name, inode, op->offset, op->len);
		break;
	case SCEN_OP_LOAD:
		buf = sim_alloc(len ? len : 1);
		xf = map_target(e, op->map, op->offset, &foff);
		res = core_access(e->fs, op->map, op->offset, len, buf, false,
				  "load");
		if (res == 0 && xf >= 0 && len)
			check_read(e, SCEN_V_STALE_READ, xf, buf, foff, len, rs,
				   sim_now(), tid, opi, what, "while the load ran");
		break;
	case SCEN_OP_STORE:
		xf = map_target(e, op->map, op->offset, &foff);
		if (xf < 0) {
			res = -EFAULT;
			break;
		}
	{
		uint64_t stored;

		buf = stamped((unsigned)xf, id, foff, len);
		slot = hist_begin(&e->hist[xf], id, HIST_WRITE, foff, foff + len, rs);
		res = core_access_done(e->fs, op->map, op->offset, len, buf,
				       true, "store", &stored);
		/* A store that faults part way (SIGBUS past EOF) has
		 * written the bytes before the fault: those stay. */
		if (res < 0)
			hist_trim(&e->hist[xf], slot, foff + stored);
		hist_close(e, xf, slot);
		break;
	}
	case SCEN_OP_MUNMAP:
		res = core_munmap(e->fs, op->map);
		break;
	case SCEN_OP_PIN:
		e->pins[op->name] = core_pin_alloc();
		res = core_pin(e->fs, op->map, op->offset, len, op->longterm,
			       e->pins[op->name]);
		if (res < 0)
			e->pins[op->name] = NULL;
		break;
	case SCEN_OP_DMA_WRITE:
	case SCEN_OP_UNPIN: {
		struct gup_pin *pin = e->pins[op->pin];
		const struct scen_pin *sp = &sc->pins[op->pin];

		if (!pin) {
			res = -EFAULT;		/* never pinned, or it failed */
			break;
		}
		if (op->kind == SCEN_OP_UNPIN) {
			core_unpin(e->fs, pin);
			break;
		}
		xf = map_target(e, sp->map, sc->threads[sp->thread].ops[sp->op].offset,
				&foff);
		dma_write(e, pin, xf, foff, id, rs);
		break;
	}
	case SCEN_OP_SET_DAX:
		res = core_set_dax(inode, op->on);
		break;
	case SCEN_OP_STATX:
		res = core_statx_dax(inode);
		observe(e, &e->seen[tid], &res, sizeof(res));
		sim_note(res ? "STATX_ATTR_DAX set" : "STATX_ATTR_DAX clear");
		res = 0;
		break;
	case SCEN_OP_EVICT:
		res = core_evict(core_fs_inode(e->fs, op->file));
		break;
	case SCEN_OP_FSYNC:
		res = core_fsync(inode);
		break;
	case SCEN_OP_CLONE:
		buf = sim_alloc(len ? len : 1);
		slot = hist_copy(&e->hist[op->file2], id, op->offset,
				 op->offset + len, buf, rs, HIST_OPEN);
		res = core_clone(inode, inode2, op->offset, len, buf);
		if (res == 0)
			check_read(e, SCEN_V_STALE_READ, op->file, buf, op->offset,
				   len, rs, sim_now(), tid, opi, what,
				   "while the clone ran");
		else
			hist_trim(&e->hist[op->file2], slot, op->offset);
		hist_close(e, op->file2, slot);
		break;
	case SCEN_OP_TEST_CRASH:
		/* a crash inside the execution, on purpose (tests only) */
		*(volatile int *)e->null_page = 1;
		break;
	default:
		SIM_BUG_ON(1);
	}
	if (inode2)
		core_iput(inode2);
	if (inode)
		core_iput(inode);
	sim_exact(false);
	observe(e, &e->seen[tid], &res, sizeof(res));
	/* what came back: a read's res bytes, a load's or clone's all */
	if (buf && res >= 0 && (op->kind == SCEN_OP_READ ||
				op->kind == SCEN_OP_DIO_READ))
		observe(e, &e->seen[tid], buf, (size_t)res);
	else if (buf && res == 0 && (op->kind == SCEN_OP_LOAD ||
				     op->kind == SCEN_OP_CLONE))
		observe(e, &e->seen[tid], buf, (size_t)len);
	sim_op_end(sim_strdup(desc), (int)(res < 0 ? res : 0));
	/* may_fail: an error that only some schedules give (never together
	 * with expect_error) is no finding; any other still is */
	if (res < 0 && -res != op->expect_error && op->nmay_fail &&
	    !scen_op_may_fail(op, (int)-res))
		add_finding(e, SCEN_V_OP_RESULT, tid, opi, what,
			    "returned -%s (may_fail allows -%s%s)",
			    errname((int)-res), errname(op->may_fail[0]),
			    op->nmay_fail > 1 ? " and others" : "");
	else if (res < 0 && -res != op->expect_error && !op->nmay_fail)
		add_finding(e, SCEN_V_OP_RESULT, tid, opi, what,
			    "returned -%s%s%s", errname((int)-res),
			    op->expect_error ? ", expected -" : " (no error expected)",
			    op->expect_error ? errname(op->expect_error) : "");
	else if (res >= 0 && op->expect_error)
		add_finding(e, SCEN_V_OP_RESULT, tid, opi, what,
			    "succeeded, expected -%s", errname(op->expect_error));
	/* Block accounting after every operation. */
	if (core_check_blocks(e->fs, msg, sizeof(msg)) < 0)
		add_finding(e, SCEN_V_LOST_BLOCK, tid, opi, what, "after it: %s",
			    msg);
	/* The page cache's invariants: a failure is the model's bug, a
	 * crash as a BUG() in the core is. */
	if (core_check_pagecache(e->fs, msg, sizeof(msg)) < 0)
		add_finding(e, SCEN_V_CRASH, tid, opi, what, "after it: %s", msg);
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
		char what[160];
		ssize_t n;

		snprintf(what, sizeof(what), "the final read of %s through the "
			 "page cache", sc->files[f].name);
		n = core_read(inode, 0, size, buf);
		if (n > 0)
			check_read(e, SCEN_V_STALE_READ, f, buf, 0, (uint64_t)n,
				   now, now, -1, -1, what,
				   "once every operation had finished");

		core_writeback_evict(inode);
		core_read_device(inode, size, buf);
		observe(e, &e->res.outcome, &size, sizeof(size));
		observe(e, &e->res.outcome, buf, size);
		snprintf(what, sizeof(what), "%s, read back from the device "
			 "after writeback and eviction", sc->files[f].name);
		check_read(e, SCEN_V_LOST_WRITE, f, buf, 0, size, now, now, -1, -1,
			   what, "once every operation had finished");
	}
	if (core_check_blocks(e->fs, msg, sizeof(msg)) < 0)
		add_finding(e, SCEN_V_LOST_BLOCK, -1, -1,
			    "block accounting at the end", "%s", msg);
	if (core_check_pagecache(e->fs, msg, sizeof(msg)) < 0)
		add_finding(e, SCEN_V_CRASH, -1, -1, "the page cache at the end",
			    "%s", msg);
}

/* ---- The engine ---------------------------------------------------------------------- */

/* initial_content -- internal: a file's content before the execution,
 * stamped as written by operation 0 (core_fill_fn). */
static void initial_content(void *buf, int index, uint64_t pos, uint64_t len)
{
	stamp_fill(buf, (unsigned)index, 0, pos, len);
}

struct exec *exec_new(const struct scen *sc, uint32_t fixes,
		      const struct exec_options *opt, char *err, size_t errlen)
{
	struct sim_options so = { .cpu = -1, .log_events = opt->log_events };
	struct exec *e;
	uint32_t id = 1;

	e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->sc = sc;
	e->fixes = fixes;
	e->want_outcome = opt->outcome;
	e->dev = pmem_dev_open(opt->pool, sc->block_size, sc->blocks, err, errlen);
	if (!e->dev) {
		int saved = errno;	/* EINVAL: the --pool given */

		free(e);
		errno = saved;
		return NULL;
	}
	e->sim = sim_create(sc->nthreads, &so);
	if (!e->sim) {
		snprintf(err, errlen, "cannot create %d threads", sc->nthreads);
		pmem_dev_close(e->dev);
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
		e->op_base[t] = id;
		id += (uint32_t)sc->threads[t].nops;
	}
	for (int f = 0; f < sc->nfiles; f++)
		e->spec[f] = (struct core_file_spec){
			.name = sc->files[f].name, .size = sc->files[f].size,
			.dax = sc->files[f].dax, .index = f,
			.fill = initial_content,
		};
	return e;
}

void exec_free(struct exec *e)
{
	if (!e)
		return;
	sim_destroy(e->sim);
	pmem_dev_close(e->dev);
	for (int f = 0; f < SCEN_MAX_FILES; f++)
		hist_free(&e->hist[f]);
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
		char d[128];

		scen_op_describe(e->sc, &e->sc->threads[tid].ops[op], d, sizeof(d));
		snprintf(w, sizeof(w), "%s, in %s by %s", what, d,
			 e->sc->threads[tid].name);
	} else {
		snprintf(w, sizeof(w), "%s", what);
	}
	add_finding(e, (enum scen_violation)kind, tid, op, w, "%s", detail);
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

	memset(r, 0, sizeof(*r));
	for (int t = 0; e->want_outcome && t < sc->nthreads; t++)
		e->seen[t] = 14695981039346656037ull;
	sim_new_arena(e->sim);
	for (int f = 0; f < sc->nfiles; f++) {
		hist_free(&e->hist[f]);
		hist_init(&e->hist[f], (unsigned)f, sc->files[f].size);
	}
	if (!sim_guard(e->sim, setup, e) || !e->fs) {
		r->abort = SIM_ABORT_CRASH;
		add_finding(e, SCEN_V_CRASH, -1, -1, "setting up the files",
			    "%s", e->fs ? sim_abort_reason(e->sim) :
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
			       sc->nsteps);
	r->steps = sim_steps(e->sim);
	r->outcome = e->want_outcome ? 14695981039346656037ull : 0;
	observe(e, &r->outcome, &r->abort, sizeof(r->abort));
	observe(e, &r->outcome, e->seen, (size_t)sc->nthreads * sizeof(e->seen[0]));
	{
		const struct sim_report *rep;
		int nrep = sim_reports(e->sim, &rep);

		for (int i = 0; i < nrep; i++) {
			char what[192], detail[2048];

			name_threads(e, rep[i].what, what, sizeof(what));
			name_threads(e, rep[i].detail, detail, sizeof(detail));
			int before = r->nfind;

			add_finding(e, rep[i].kind == SIM_REPORT_LOCK_ORDER ?
					       SCEN_V_LOCK_ORDER : SCEN_V_DATA_RACE,
				    -1, -1, what, "%s", detail);
			if (r->nfind > before) {
				struct finding *f = &r->find[r->nfind - 1];

				f->nprior = rep[i].nprior;
				memcpy(f->prior, rep[i].prior, sizeof(f->prior));
			}
		}
	}
	switch (r->abort) {
	case SIM_OK:
		if (!sim_guard(e->sim, final_checks, e))
			add_finding(e, SCEN_V_CRASH, -1, -1, "the final checks",
				    "%s", sim_abort_reason(e->sim));
		break;
	case SIM_ABORT_DEADLOCK: {
		char detail[1024];

		name_threads(e, sim_abort_reason(e->sim), detail, sizeof(detail));
		add_finding(e, SCEN_V_DEADLOCK, -1, -1, "no thread can run", "%s",
			    detail);
		break;
	}
	case SIM_ABORT_CRASH:
	case SIM_ABORT_LIMIT:
		add_finding(e, SCEN_V_CRASH, -1, -1, "the execution crashed",
			    "%s", sim_abort_reason(e->sim));
		break;
	case SIM_ABORT_REPLAY:
		break;
	}
	return r;
}
