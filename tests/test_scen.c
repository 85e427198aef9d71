// SPDX-License-Identifier: MIT
/*
 * tests/test_scen.c -- Check suite for the scenario loader (scenarios/).
 *
 * Each test writes its scenario into a private temporary directory, loads
 * it with a small vocabulary of its own (so that scenarios/ is tested
 * without core/), and checks either every field of the result or the exact
 * line, column and message of the error.  The bad-input fixtures in
 * tests/bad/ are checked here too, against their "# expect-error:" line.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/scen.h"

static char tmpdir[256];
static int nfile;

/* write_scen -- a scenario file with the given text; returns its path */
static const char *write_scen(const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/s%d.yaml", tmpdir, nfile++);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* pick -- the test vocabulary: name in list, else a hint sharing 4 chars */
static bool pick(const char *name, char *hint, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	for (int i = 0; list[i]; i++)
		if (strncmp(name, list[i], 4) == 0) {
			snprintf(hint, 64, "%s", list[i]);
			break;
		}
	return false;
}

/* t_fix, t_kernel, t_point -- a few of the core's names, for the tests */
static bool t_fix(const char *name, char *hint)
{
	static const char *const l[] = { "fault-lock", "longterm-pin-reject",
					 "dax-break-layouts", "invalidate-lock",
					 NULL };
	return pick(name, hint, l);
}

static bool t_kernel(const char *ver, char *hint)
{
	static const char *const l[] = { "v4.1", "v5.14", "v5.15", NULL };
	return pick(ver, hint, l);
}

static bool t_point(const char *point, char *hint)
{
	static const char *const l[] = { "punch_hole.pages_truncated",
					 "read.page_created",
					 "read.block_mapped", NULL };
	return pick(point, hint, l);
}

static const struct scen_vocab vocab = { t_fix, t_kernel, t_point };

/* fnv -- the expected content hash, computed independently */
static uint64_t fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* check_error -- loading text fails at ln:cl with a message holding sub */
static void check_error(const char *text, int ln, int cl, const char *sub,
			int src)
{
	struct scen_error e;
	const char *p = write_scen(text);
	struct scen *s = scen_load(p, &vocab, &e);

	ck_assert_msg(!s, "line %d: loaded a bad scenario", src);
	ck_assert_str_eq(e.file, p);
	ck_assert_msg(strstr(e.msg, sub) && e.pos.line == ln && e.pos.col == cl,
		      "line %d: got %d:%d: %s; expected %d:%d: %s", src,
		      e.pos.line, e.pos.col, e.msg, ln, cl, sub);
}
#define expect_error(text, ln, cl, sub) check_error(text, ln, cl, sub, __LINE__)

/* a header shared by most error tests: 5 lines */
#define HEAD                                                        \
	"lockstep: 1\nname: t\nfiles:\n  - {name: a, size: 8192}\n" \
	"  - {name: b}\n"
/* one thread, one op: line 8 is the op */
#define T1(op) HEAD "threads:\n  - name: r\n    ops:\n      - " op "\n"

static const char good[] =
	"lockstep: 1\n"
	"name: loader-all-ops\n"
	"description: |\n"
	"  Every operation once.\n"
	"kernel: v5.14\n"
	"fixes: [-invalidate-lock, fault-lock]\n"
	"storage:\n"
	"  block_size: 2048\n"
	"  blocks: 128\n"
	"  dax: true\n"
	"files:\n"
	"  - name: a\n"
	"    size: 16K\n"
	"    dax: false\n"
	"  - name: b\n"
	"    size: 0x1000\n"
	"  - name: c_1\n"
	"threads:\n"
	"  - name: reader\n"
	"    ops:\n"
	"      - read: {file: a, offset: 4096, len: 4096}\n"
	"      - read: {file: a, offset: 0, len: 8, into: {map: m, offset: 16}}\n"
	"      - dio_read: {file: b, offset: 0, len: 4096,\n"
	"                   into: {map: m, offset: 0}}\n"
	"      - dio_write: {file: b, offset: 0, len: 4096, expect_error: EINVAL}\n"
	"      - readahead: {file: a, offset: 0, len: 16384}\n"
	"  - name: puncher\n"
	"    ops:\n"
	"      - mmap: {file: a, as: m, offset: 0, len: 8192}\n"
	"      - load: {map: m, offset: 0, len: 8}\n"
	"      - store: {map: m, offset: 8, len: 8}\n"
	"      - pin: {map: m, offset: 0, len: 8192, as: p, longterm: true}\n"
	"      - dma_write: {pin: p}\n"
	"      - unpin: {pin: p}\n"
	"      - munmap: {map: m}\n"
	"      - punch_hole: {file: a, offset: 4096, len: 4096}\n"
	"      - truncate: {file: a, size: 0}\n"
	"      - write: {file: b, offset: 0, len: 4096}\n"
	"      - set_dax: {file: b, on: yes}\n"
	"      - statx: {file: b}\n"
	"      - evict: {file: b, expect_error: EBUSY}\n"
	"      - fsync: {file: c_1}\n"
	"      - clone: {src: a, dst: b, offset: 0, len: 4096,"
	" expect_error: EXDEV}\n"
	"interleave:\n"
	"  - puncher: until punch_hole.pages_truncated\n"
	"  - reader: run\n"
	"check: [stale-read, lost-write, op-result]\n"
	"explore: {strategy: dfs, depth: 5, schedules: 10000, seed: 0x2a}\n"
	"expect:\n"
	"  violations: [stale-read]\n"
	"  tolerate: [lost-write]\n";

/* desc -- scen_op_describe of thread t, op o */
static const char *desc(const struct scen *s, int t, int o)
{
	static char buf[128];

	return scen_op_describe(s, &s->threads[t].ops[o], buf, sizeof(buf));
}

START_TEST(test_good_all_fields)
{
	struct scen_error err;
	const char *path = write_scen(good);
	struct scen *s = scen_load(path, &vocab, &err);
	const struct scen_op *op;

	ck_assert_msg(s, "%d:%d: %s", err.pos.line, err.pos.col, err.msg);
	ck_assert_str_eq(s->path, path);
	ck_assert_str_eq(s->name, "loader-all-ops");
	ck_assert_str_eq(s->description, "Every operation once.\n");
	ck_assert(s->hash == fnv(good));
	ck_assert_str_eq(s->kernel, "v5.14");
	ck_assert_int_eq(s->nfix_edits, 2);
	ck_assert_str_eq(s->fix_edits[0].name, "invalidate-lock");
	ck_assert(s->fix_edits[0].remove);
	ck_assert_int_eq(s->fix_edits[0].pos.line, 6);
	ck_assert_int_eq(s->fix_edits[0].pos.col, 9);
	ck_assert_str_eq(s->fix_edits[1].name, "fault-lock");
	ck_assert(!s->fix_edits[1].remove);
	ck_assert_uint_eq(s->block_size, 2048);
	ck_assert_uint_eq(s->blocks, 128);
	ck_assert(s->dax);

	ck_assert_int_eq(s->nfiles, 3);
	ck_assert_str_eq(s->files[0].name, "a");
	ck_assert_uint_eq(s->files[0].size, 16384);
	ck_assert(!s->files[0].dax);
	ck_assert_int_eq(s->files[0].pos.line, 12);
	ck_assert_int_eq(s->files[0].pos.col, 11);
	ck_assert_uint_eq(s->files[1].size, 4096);
	ck_assert(s->files[1].dax); /* storage.dax is the default */
	ck_assert_str_eq(s->files[2].name, "c_1");
	ck_assert_uint_eq(s->files[2].size, 0);

	ck_assert_int_eq(s->nthreads, 2);
	ck_assert_str_eq(s->threads[0].name, "reader");
	ck_assert_int_eq(s->threads[0].nops, 5);
	ck_assert_str_eq(s->threads[1].name, "puncher");
	ck_assert_int_eq(s->threads[1].nops, 15);

	op = &s->threads[0].ops[0];
	ck_assert_int_eq(op->kind, SCEN_OP_READ);
	ck_assert_int_eq(op->pos.line, 21);
	ck_assert_int_eq(op->pos.col, 9);
	ck_assert_int_eq(op->file, 0);
	ck_assert_uint_eq(op->offset, 4096);
	ck_assert_uint_eq(op->len, 4096);
	ck_assert_int_eq(op->into_map, -1);
	ck_assert_int_eq(op->map, -1);
	ck_assert_int_eq(op->pin, -1);
	ck_assert_int_eq(op->file2, -1);
	ck_assert_int_eq(op->name, -1);
	ck_assert_int_eq(op->expect_error, 0);
	/* 'into' names a map that the other thread defines */
	op = &s->threads[0].ops[1];
	ck_assert_int_eq(op->into_map, 0);
	ck_assert_uint_eq(op->into_offset, 16);
	ck_assert_int_eq(s->threads[0].ops[2].kind, SCEN_OP_DIO_READ);
	ck_assert_int_eq(s->threads[0].ops[2].into_map, 0);
	ck_assert_int_eq(s->threads[0].ops[3].expect_error, EINVAL);

	ck_assert_int_eq(s->nmaps, 1);
	ck_assert_str_eq(s->maps[0].name, "m");
	ck_assert_int_eq(s->maps[0].thread, 1);
	ck_assert_int_eq(s->maps[0].op, 0);
	ck_assert_int_eq(s->maps[0].file, 0);
	ck_assert_int_eq(s->threads[1].ops[0].name, 0);
	ck_assert_int_eq(s->npins, 1);
	ck_assert_str_eq(s->pins[0].name, "p");
	ck_assert_int_eq(s->pins[0].thread, 1);
	ck_assert_int_eq(s->pins[0].op, 3);
	ck_assert_int_eq(s->pins[0].map, 0);
	op = &s->threads[1].ops[3];
	ck_assert_int_eq(op->map, 0);
	ck_assert_int_eq(op->name, 0);
	ck_assert(op->longterm);
	ck_assert_int_eq(s->threads[1].ops[4].pin, 0);
	ck_assert_int_eq(s->threads[1].ops[5].pin, 0);
	ck_assert_int_eq(s->threads[1].ops[6].map, 0);
	ck_assert_uint_eq(s->threads[1].ops[8].size, 0);
	ck_assert(s->threads[1].ops[10].on);
	ck_assert_int_eq(s->threads[1].ops[12].expect_error, EBUSY);
	op = &s->threads[1].ops[14];
	ck_assert_int_eq(op->kind, SCEN_OP_CLONE);
	ck_assert_int_eq(op->file, 0);
	ck_assert_int_eq(op->file2, 1);
	ck_assert_int_eq(op->expect_error, EXDEV);

	ck_assert_str_eq(desc(s, 0, 0), "read(a, 4096, 4096)");
	ck_assert_str_eq(desc(s, 0, 1), "read(a, 0, 8, into m+16)");
	ck_assert_str_eq(desc(s, 0, 3), "dio_write(b, 0, 4096)");
	ck_assert_str_eq(desc(s, 0, 4), "readahead(a, 0, 16384)");
	ck_assert_str_eq(desc(s, 1, 0), "mmap(a, 0, 8192) as m");
	ck_assert_str_eq(desc(s, 1, 1), "load(m, 0, 8)");
	ck_assert_str_eq(desc(s, 1, 2), "store(m, 8, 8)");
	ck_assert_str_eq(desc(s, 1, 3), "pin(m, 0, 8192, longterm) as p");
	ck_assert_str_eq(desc(s, 1, 4), "dma_write(p)");
	ck_assert_str_eq(desc(s, 1, 5), "unpin(p)");
	ck_assert_str_eq(desc(s, 1, 6), "munmap(m)");
	ck_assert_str_eq(desc(s, 1, 7), "punch_hole(a, 4096, 4096)");
	ck_assert_str_eq(desc(s, 1, 8), "truncate(a, 0)");
	ck_assert_str_eq(desc(s, 1, 9), "write(b, 0, 4096)");
	ck_assert_str_eq(desc(s, 1, 10), "set_dax(b, on)");
	ck_assert_str_eq(desc(s, 1, 11), "statx(b)");
	ck_assert_str_eq(desc(s, 1, 12), "evict(b)");
	ck_assert_str_eq(desc(s, 1, 13), "fsync(c_1)");
	ck_assert_str_eq(desc(s, 1, 14), "clone(a -> b, 0, 4096)");

	ck_assert_int_eq(s->nsteps, 2);
	ck_assert_int_eq(s->steps[0].thread, 1);
	ck_assert(!s->steps[0].run);
	ck_assert_int_eq(s->steps[0].op, SCEN_OP_PUNCH_HOLE);
	ck_assert_str_eq(s->steps[0].point, "punch_hole.pages_truncated");
	ck_assert_int_eq(s->steps[0].pos.line, 45);
	ck_assert_int_eq(s->steps[0].pos.col, 5);
	ck_assert_int_eq(s->steps[1].thread, 0);
	ck_assert(s->steps[1].run);

	ck_assert_uint_eq(s->check,
			  (1u << SCEN_V_STALE_READ) |
				  (1u << SCEN_V_LOST_WRITE) |
				  (1u << SCEN_V_OP_RESULT));
	ck_assert_int_eq(s->explore.strategy, SCEN_STRAT_DFS);
	ck_assert_int_eq(s->explore.depth, 5);
	ck_assert_uint_eq(s->explore.schedules, 10000);
	ck_assert_uint_eq(s->explore.seed, 42);
	ck_assert(s->has_expect);
	ck_assert_uint_eq(s->expect, 1u << SCEN_V_STALE_READ);
	ck_assert_uint_eq(s->tolerate, 1u << SCEN_V_LOST_WRITE);
	scen_free(s);
}
END_TEST

START_TEST(test_good_defaults)
{
	static const char text[] = "lockstep: 1\nname: min\nthreads:\n"
				   "  - {name: t, ops: []}\n";
	struct scen_error err;
	struct scen *s = scen_load(write_scen(text), NULL, &err);

	ck_assert_msg(s, "%s", err.msg);
	ck_assert_ptr_null(s->description);
	ck_assert_str_eq(s->kernel, "");
	ck_assert_int_eq(s->nfix_edits, 0);
	ck_assert_uint_eq(s->block_size, 4096);
	ck_assert_uint_eq(s->blocks, 64);
	ck_assert(!s->dax);
	ck_assert_int_eq(s->nfiles, 0);
	ck_assert_int_eq(s->nthreads, 1);
	ck_assert_int_eq(s->threads[0].nops, 0);
	ck_assert_int_eq(s->nsteps, 0);
	ck_assert_uint_eq(s->check, (1u << SCEN_V__COUNT) - 1);
	ck_assert_int_eq(s->explore.strategy, SCEN_STRAT_PCT);
	ck_assert_int_eq(s->explore.depth, 3);
	ck_assert_uint_eq(s->explore.schedules, 1000);
	ck_assert_uint_eq(s->explore.seed, 1);
	ck_assert(!s->has_expect);
	ck_assert_uint_eq(s->expect, 0);
	scen_free(s);
	scen_free(NULL);
}
END_TEST

/* Without a vocabulary, fixes, kernels and points are not checked. */
START_TEST(test_null_vocab)
{
	static const char text[] =
		"lockstep: 1\nname: nv\nkernel: v9.9\nfixes: [made-up]\n"
		"files: [{name: a, size: 4096}]\nthreads:\n"
		"  - {name: t, ops: [{read: {file: a, offset: 0, len: 1}}]}\n"
		"interleave: [{t: until read.anything}]\n";
	struct scen_vocab empty = { NULL, NULL, NULL };
	struct scen *s = scen_load(write_scen(text), NULL, NULL);

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->steps[0].point, "read.anything");
	scen_free(s);
	s = scen_load(write_scen(text), &empty, NULL);
	ck_assert_ptr_nonnull(s);
	scen_free(s);
}
END_TEST

START_TEST(test_integers)
{
	struct scen *s;

	s = scen_load(write_scen(HEAD "storage: {blocks: 0x10}\n"
				      "threads: [{name: t, ops: []}]\n"),
		      &vocab, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->blocks, 16);
	scen_free(s);
	expect_error(HEAD "storage: {block_size: 1K}\nthreads: []\n", 7, 10,
		     "at least one thread");
	expect_error(HEAD "storage:\n  blocks: -1\n", 7, 11,
		     "expected a non-negative integer, got '-1'");
	expect_error(
		T1("read: {file: a, offset: 99999999999999999999, len: 1}"), 9,
		33, "integer '99999999999999999999' is too large");
	expect_error(T1("read: {file: a, offset: 0x, len: 1}"), 9, 33,
		     "expected an integer, got '0x'");
	expect_error(T1("read: {file: a, offset: 16E, len: 1}"), 9, 33,
		     "expected an integer, got '16E'");
	expect_error(T1("read: {file: a, offset: '4096', len: 1}"), 9, 33,
		     "expected an integer, got the string '4096'");
	expect_error(T1("truncate: {file: a, size: 17179869184G}"), 9, 35,
		     "too large");
}
END_TEST

/* The error every user meets first: a misspelt key, with a suggestion. */
START_TEST(test_unknown_key)
{
	expect_error("lockstep: 1\n"
		     "name: t\n"
		     "files:\n"
		     "  - name: a\n"
		     "storage:\n"
		     "  blocks: 16\n"
		     "  blokc_size: 4096\n"
		     "threads: []\n",
		     7, 3,
		     "unknown key 'blokc_size' in storage (did you mean "
		     "'block_size'?)");
	expect_error("lockstep: 1\nnmae: t\n", 2, 1,
		     "unknown key 'nmae' (did you mean 'name'?)");
	expect_error(T1("read: {file: a, ofset: 0, len: 1}"), 9, 25,
		     "unknown key 'ofset' in read (did you mean 'offset'?)");
	/* a valid argument of another operation is still not one of read's */
	expect_error(T1("read: {file: a, offset: 0, len: 1, size: 3}"), 9, 44,
		     "unknown key 'size' in read (expected one of: file, "
		     "offset, len, into, expect_error, may_fail)");
	expect_error(HEAD "storage: {blocks: 1, blocks: 2}\n", 6, 22,
		     "duplicate key 'blocks' in storage");
}
END_TEST

START_TEST(test_wrong_type)
{
	expect_error("lockstep: 1\nname: t\nfiles: {name: a}\n", 3, 8,
		     "expected a sequence for files, got a mapping");
	expect_error(HEAD "storage: 12\n", 6, 10,
		     "expected a mapping for storage, got '12'");
	expect_error(HEAD "storage: {dax: maybe}\n", 6, 16,
		     "expected true or false, got 'maybe'");
	expect_error(HEAD "storage: {blocks: abc}\n", 6, 19,
		     "expected an integer, got 'abc'");
	expect_error(HEAD "storage: {blocks: [1]}\n", 6, 19,
		     "expected an integer, got a sequence");
	expect_error(T1("read: a"), 9, 15,
		     "expected the arguments of read as a mapping");
	expect_error(T1("read"), 9, 9, "expected an operation such as");
	expect_error("- 1\n- 2\n", 1, 1, "a scenario is a mapping");
	expect_error("lockstep: 1\nname: Big\n", 2, 7,
		     "invalid scenario name "
		     "'Big': use lowercase letters, digits and '-'");
	expect_error("lockstep: 2\n", 1, 11,
		     "unsupported scenario format version 2");
}
END_TEST

START_TEST(test_out_of_range)
{
	expect_error(HEAD "storage:\n  block_size: 1000\n", 7, 15,
		     "block_size must be 1024, 2048 or 4096");
	expect_error(HEAD "storage: {blocks: 65537}\n", 6, 19,
		     "blocks must be between 1 and 65536, got 65537");
	expect_error(HEAD "threads: [{name: t, ops: []}]\n"
			  "explore: {depth: 17}\n",
		     7, 18, "depth must be between 1 and 16");
	expect_error(HEAD "threads: [{name: t, ops: []}]\n"
			  "explore: {schedules: 0}\n",
		     7, 22, "schedules must be between 1 and");
	expect_error("lockstep: 1\nname: t\nfiles:\n  - name: a\n"
		     "    size: 300000\n",
		     5, 11,
		     "size 300000 is larger than the device (64 blocks of "
		     "4096 bytes)");
}
END_TEST

START_TEST(test_unknown_file)
{
	expect_error(T1("punch_hole: {file: c, offset: 0, len: 4096}"), 9, 28,
		     "unknown file 'c' (files: a, b)");
	expect_error(T1("clone: {src: a, dst: d, offset: 0, len: 1}"), 9, 30,
		     "unknown file 'd' (files: a, b)");
}
END_TEST

START_TEST(test_unknown_map_pin)
{
	expect_error(T1("load: {map: q, offset: 0, len: 8}"), 9, 21,
		     "unknown map 'q' (no maps are defined");
	expect_error(HEAD
		     "threads:\n  - name: r\n    ops:\n"
		     "      - mmap: {file: a, as: m, offset: 0, len: 4096}\n"
		     "      - store: {map: n, offset: 0, len: 8}\n",
		     10, 22, "unknown map 'n' (maps: m)");
	expect_error(HEAD
		     "threads:\n  - name: r\n    ops:\n"
		     "      - mmap: {file: a, as: m, offset: 0, len: 4096}\n"
		     "      - read: {file: b, offset: 0, len: 8,\n"
		     "               into: {map: mm, offset: 0}}\n",
		     11, 28, "unknown map 'mm' (maps: m)");
	expect_error(T1("unpin: {pin: p}"), 9, 22, "unknown pin 'p'");
}
END_TEST

START_TEST(test_duplicates)
{
	expect_error("lockstep: 1\nname: t\nfiles:\n  - name: a\n"
		     "  - name: b\n  - name: a\n",
		     6, 11, "duplicate file name 'a' (first at line 4)");
	expect_error(HEAD "threads:\n  - {name: r, ops: []}\n"
			  "  - {name: r, ops: []}\n",
		     8, 12, "duplicate thread name 'r'");
	expect_error(HEAD "threads:\n  - name: r\n    ops:\n"
			  "      - mmap: {file: a, as: m, offset: 0, len: 1}\n"
			  "  - name: w\n    ops:\n"
			  "      - mmap: {file: b, as: m, offset: 0, len: 1}\n",
		     12, 29,
		     "duplicate map name 'm' (a map defined at line 9)");
	expect_error(HEAD "threads:\n  - name: r\n    ops:\n"
			  "      - mmap: {file: a, as: m, offset: 0, len: 1}\n"
			  "      - pin: {map: m, as: m, offset: 0, len: 1}\n",
		     10, 27, "duplicate pin name 'm' (a map");
	expect_error(HEAD "fixes: [fault-lock, fault-lock]\n", 6, 21,
		     "fix 'fault-lock' is listed twice");
}
END_TEST

START_TEST(test_missing_key)
{
	expect_error("lockstep: 1\nfiles: []\nthreads: []\n", 1, 1,
		     "missing required key 'name'");
	expect_error("name: t\n", 1, 1, "missing required key 'lockstep'");
	expect_error(HEAD "\n", 1, 1, "missing required key 'threads'");
	expect_error("lockstep: 1\nname: t\nfiles:\n  - size: 4\n", 4, 5,
		     "missing required key 'name' in files");
	expect_error(T1("read: {file: a, len: 4096}"), 9, 15,
		     "'offset' is required by read");
	expect_error(T1("pin: {map: m, offset: 0, len: 1}"), 9, 14,
		     "'as' is required by pin");
	expect_error(HEAD "threads:\n  - name: r\n", 7, 5,
		     "missing required key 'ops' in threads");
}
END_TEST

START_TEST(test_bad_operation)
{
	expect_error(T1("raed: {file: a, offset: 0, len: 1}"), 9, 9,
		     "unknown operation 'raed' (did you mean 'read'?)");
	expect_error(T1("read: {file: a, offset: 0, len: 1}\n"
			"        expect_error: EIO"),
		     10, 9,
		     "unexpected key 'expect_error': an operation is a mapping "
		     "with one key");
	expect_error(T1("read: {file: a, offset: 0, len: 1, "
			"expect_error: EINVL}"),
		     9, 58,
		     "unknown error name 'EINVL' (did you mean "
		     "'EINVAL'?)");
	expect_error(T1("read: {file: a, offset: 0, len: 1, "
			"expect_error: nope}"),
		     9, 58, "unknown error name 'nope' (expected an errno");
	expect_error(T1("set_dax: {file: a, on: 1}"), 9, 32,
		     "expected true or false, got '1'");
}
END_TEST

START_TEST(test_may_fail)
{
	struct scen_error e;
	struct scen *s = scen_load(
		write_scen(T1(
			"load: {map: m, offset: 0, len: 8, "
			"may_fail: [EFAULT, ENOSPC]}") "      - "
						       "mmap: {file: a, as: m, offset: 0, len: 4096}\n"),
		&vocab, &e);

	ck_assert_msg(s, "%d:%d: %s", e.pos.line, e.pos.col, e.msg);
	ck_assert_int_eq(s->threads[0].ops[0].nmay_fail, 2);
	ck_assert_int_eq(s->threads[0].ops[0].may_fail[0], EFAULT);
	ck_assert_int_eq(s->threads[0].ops[0].may_fail[1], ENOSPC);
	ck_assert(scen_op_may_fail(&s->threads[0].ops[0], ENOSPC));
	ck_assert(!scen_op_may_fail(&s->threads[0].ops[0], EINVAL));
	ck_assert_int_eq(s->threads[0].ops[0].expect_error, 0);
	ck_assert_int_eq(s->threads[0].ops[1].nmay_fail, 0);
	scen_free(s);

	expect_error(T1("read: {file: a, offset: 0, len: 1, "
			"may_fail: [EFALT]}"),
		     9, 55,
		     "unknown error name 'EFALT' (did you mean "
		     "'EFAULT'?)");
	expect_error(T1("read: {file: a, offset: 0, len: 1, "
			"may_fail: [EFAULT, nope]}"),
		     9, 63, "unknown error name 'nope' (expected an errno");
	expect_error(T1("read: {file: a, offset: 0, len: 1, "
			"may_fail: EFAULT}"),
		     9, 54, "expected a sequence for may_fail");
	expect_error(T1("read: {file: a, offset: 0, len: 1, may_fail: []}"), 9,
		     54, "may_fail needs at least one error name");
	expect_error(T1("read: {file: a, offset: 0, len: 1, "
			"may_fail: [EFAULT, EFAULT]}"),
		     9, 63, "error 'EFAULT' is listed twice in may_fail");
	expect_error(T1("read: {file: a, offset: 0, len: 1, "
			"expect_error: EIO, may_fail: [EFAULT]}"),
		     9, 73, "may_fail and expect_error together");
	expect_error(T1("read: {file: a, offset: 0, len: 1, "
			"may_fial: [EFAULT]}"),
		     9, 44, "did you mean 'may_fail'?");
}
END_TEST

START_TEST(test_bad_interleave)
{
	static const char *const th = HEAD
		"threads:\n"
		"  - name: reader\n    ops: [{read: {file: a, offset: 0, len: 1}}]\n"
		"  - name: puncher\n"
		"    ops: [{punch_hole: {file: a, offset: 0, len: 4096}}]\n"
		"interleave:\n";
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s  - reader: run\n  - writer: run\n", th);
	expect_error(buf, 13, 5,
		     "unknown thread 'writer' (threads: reader, puncher)");
	snprintf(buf, sizeof(buf), "%s  - reader: walk\n", th);
	expect_error(buf, 12, 13,
		     "expected 'run' or 'until OP.POINT', got "
		     "'walk'");
	snprintf(buf, sizeof(buf), "%s  - [reader]\n", th);
	expect_error(buf, 12, 5, "expected a step 'THREAD: run'");
}
END_TEST

START_TEST(test_bad_point)
{
	static const char *const th = HEAD
		"threads:\n"
		"  - name: reader\n    ops: [{read: {file: a, offset: 0, len: 1}}]\n"
		"  - name: puncher\n"
		"    ops: [{punch_hole: {file: a, offset: 0, len: 4096}}]\n"
		"interleave:\n";
	char buf[1024];

	/* the column is the point's, inside "until ..." */
	snprintf(buf, sizeof(buf),
		 "%s  - puncher: until punch_hole.pages_gone\n", th);
	expect_error(buf, 12, 20,
		     "unknown point 'punch_hole.pages_gone' (did "
		     "you mean 'punch_hole.pages_truncated'?)");
	snprintf(buf, sizeof(buf), "%s  - reader: until raed.page_created\n",
		 th);
	expect_error(buf, 12, 19,
		     "unknown operation 'raed' in point "
		     "'raed.page_created' (did you mean 'read'?)");
	snprintf(buf, sizeof(buf), "%s  - reader: until read\n", th);
	expect_error(buf, 12, 19, "expected OP.POINT after 'until'");
	snprintf(buf, sizeof(buf),
		 "%s  - reader: until punch_hole.pages_"
		 "truncated\n",
		 th);
	expect_error(buf, 12, 19,
		     "thread 'reader' has no punch_hole "
		     "operation");
	snprintf(buf, sizeof(buf), "%s  - reader: \"until read.zzz\"\n", th);
	expect_error(buf, 12, 13, "unknown point 'read.zzz'");
}
END_TEST

START_TEST(test_unknown_fix_kernel_kind)
{
	expect_error(HEAD "fixes:\n  - fault-lock\n  - -invalidate-lok\n", 8, 5,
		     "unknown fix 'invalidate-lok' (did you mean "
		     "'invalidate-lock'?)");
	expect_error(HEAD "fixes: [zzz]\n", 6, 9,
		     "unknown fix 'zzz' (lockstep list prints the fixes)");
	expect_error(HEAD "fixes: [Bad]\n", 6, 9, "invalid fix 'Bad'");
	expect_error(HEAD "kernel: v5.1\n", 6, 9,
		     "unknown kernel 'v5.1' (did you mean 'v5.14'?)");
	expect_error(HEAD "threads: [{name: t, ops: []}]\n"
			  "check: [stale-raed]\n",
		     7, 9,
		     "unknown violation kind 'stale-raed' (did you mean "
		     "'stale-read'?)");
	expect_error(HEAD "threads: [{name: t, ops: []}]\n"
			  "explore: {strategy: bfs}\n",
		     7, 21, "unknown strategy 'bfs' (did you mean 'dfs'?)");
	expect_error(HEAD "threads: [{name: t, ops: []}]\n"
			  "explore: {strategy: walk}\n",
		     7, 21,
		     "unknown strategy 'walk' (expected pct, random or dfs)");
	expect_error(HEAD "threads: [{name: t, ops: []}]\n"
			  "expect: {violations: [deadlock], tolerate: "
			  "[deadlock]}\n",
		     7, 45, "'deadlock' is both expected and tolerated");
	expect_error(HEAD "threads: [{name: t, ops: []}]\ncheck: [crash]\n"
			  "expect: {violations: [deadlock]}\n",
		     8, 23, "'deadlock' is expected but not checked");
}
END_TEST

START_TEST(test_yaml_syntax)
{
	expect_error("lockstep: 1\nname: t\nfiles: [a, b\nthreads: []\n", 4, 8,
		     "YAML syntax error: did not find expected ',' or ']'");
	expect_error("lockstep: 1\n  name: t\n", 2, 7,
		     "YAML syntax error: mapping values are not allowed");
	expect_error("lockstep: 1\nname: \"t\n", 3, 1, "YAML syntax error");
	expect_error("lockstep: 1\nname: t\x01\n", 2, 8,
		     "YAML syntax error: control characters are not allowed");
	expect_error("lockstep: 1\nname: t\n---\nlockstep: 1\n", 4, 1,
		     "one YAML document");
	expect_error("lockstep: 1\nname: t\nthreads: [*x]\n", 3, 11,
		     "YAML syntax error: found undefined alias");
}
END_TEST

START_TEST(test_empty_file)
{
	expect_error("", 1, 1, "empty scenario file");
	expect_error("# nothing but a comment\n\n", 1, 1,
		     "empty scenario file");
}
END_TEST

START_TEST(test_nonexistent_file)
{
	struct scen_error err;
	char path[512];

	snprintf(path, sizeof(path), "%s/no-such.yaml", tmpdir);
	ck_assert_ptr_null(scen_load(path, &vocab, &err));
	ck_assert_str_eq(err.file, path);
	ck_assert_int_eq(err.pos.line, 0);
	ck_assert_int_eq(err.pos.col, 0);
	ck_assert_msg(strstr(err.msg, "cannot open: No such file or directory"),
		      "%s", err.msg);
	ck_assert_ptr_null(scen_load(tmpdir, &vocab, &err));
	ck_assert_msg(strstr(err.msg, "Is a directory"), "%s", err.msg);
	ck_assert_ptr_null(scen_load(NULL, &vocab, NULL));
}
END_TEST

START_TEST(test_limits)
{
	char buf[8192];
	int n;

	n = snprintf(buf, sizeof(buf), "lockstep: 1\nname: t\nthreads:\n");
	for (int i = 0; i <= SCEN_MAX_THREADS; i++)
		n += snprintf(buf + n, sizeof(buf) - n,
			      "  - {name: t%d, ops: []}\n", i);
	expect_error(buf, 4 + SCEN_MAX_THREADS, 5,
		     "too many threads (at most 16)");

	n = snprintf(buf, sizeof(buf),
		     HEAD "threads:\n  - name: t\n"
			  "    ops:\n");
	for (int i = 0; i <= SCEN_MAX_OPS; i++)
		n += snprintf(buf + n, sizeof(buf) - n,
			      "      - fsync: {file: a}\n");
	expect_error(buf, 9 + SCEN_MAX_OPS, 9,
		     "too many operations in a thread (at most 64)");

	n = snprintf(buf, sizeof(buf), "lockstep: 1\nname: %070d\n", 0);
	expect_error(buf, 2, 7, "is too long (at most 63 characters)");
	/* an alias cycle is harmless: the walk never recurses */
	expect_error("lockstep: 1\nname: t\nthreads: &a [*a]\n", 3, 10,
		     "expected a mapping for threads, got a sequence");
}
END_TEST

START_TEST(test_point_op_and_names)
{
	char small[8];
	struct scen_op op = { .kind = SCEN_OP_READ,
			      .file = 7,
			      .map = -1,
			      .pin = -1,
			      .into_map = -1,
			      .name = -1 };

	ck_assert_int_eq(scen_point_op("punch_hole.pages_truncated"),
			 SCEN_OP_PUNCH_HOLE);
	ck_assert_int_eq(scen_point_op("read.page_created"), SCEN_OP_READ);
	ck_assert_int_eq(scen_point_op("dio_read.x"), SCEN_OP_DIO_READ);
	ck_assert_int_eq(scen_point_op("rea.x"), -1);
	ck_assert_int_eq(scen_point_op("read"), -1);
	ck_assert_int_eq(scen_point_op("read."), -1);
	ck_assert_int_eq(scen_point_op(""), -1);
	ck_assert_int_eq(scen_point_op(NULL), -1);
	for (int k = 0; k < SCEN_OP__COUNT; k++)
		ck_assert_ptr_nonnull(scen_ops[k].name);
	for (int k = 0; k < SCEN_V__COUNT; k++)
		ck_assert_ptr_nonnull(scen_violation_names[k]);
	ck_assert_str_eq(scen_strategy_names[SCEN_STRAT_DFS], "dfs");
	ck_assert_str_eq(scen_violation_names[SCEN_V_OP_RESULT], "op-result");
	/* out-of-range references and short buffers are safe */
	ck_assert_str_eq(scen_op_describe(NULL, &op, small, sizeof(small)),
			 "read(?,");
	ck_assert_ptr_null(scen_op_describe(NULL, &op, NULL, 0));
}
END_TEST

/*
 * Every .yaml file in tests/bad/ starts with
 * "# expect-error: LINE:COL: substring",
 * which `lockstep lint` is held to by a script; hold the loader to it here.
 */
START_TEST(test_bad_fixtures)
{
	char dir[512], path[1024], line[512];
	const char *slash = strrchr(__FILE__, '/');
	struct dirent *de;
	int count = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%.*sbad",
		 slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__);
	d = opendir(dir);
	ck_assert_msg(d, "cannot open %s", dir);
	while ((de = readdir(d))) {
		struct scen_error err;
		int eline, ecol, off = 0;
		FILE *f;
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
		fclose(f);
		line[strcspn(line, "\n")] = '\0';
		ck_assert_msg(sscanf(line, "# expect-error: %d:%d: %n", &eline,
				     &ecol, &off) == 2 &&
				      off > 0,
			      "%s: bad first line '%s'", path, line);
		ck_assert_msg(!scen_load(path, &vocab, &err), "%s loaded",
			      path);
		ck_assert_msg(err.pos.line == eline && err.pos.col == ecol &&
				      strstr(err.msg, line + off),
			      "%s: got %d:%d: %s; expected %d:%d: %s", path,
			      err.pos.line, err.pos.col, err.msg, eline, ecol,
			      line + off);
		count++;
	}
	closedir(d);
	ck_assert_int_ge(count, 5);
}
END_TEST

/* rm_one -- nftw callback of cleanup */
static int rm_one(const char *p, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

/* scen_suite -- the loader's tests */
static Suite *scen_suite(void)
{
	Suite *s = suite_create("scen");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, test_good_all_fields);
	tcase_add_test(tc, test_good_defaults);
	tcase_add_test(tc, test_null_vocab);
	tcase_add_test(tc, test_integers);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_wrong_type);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_unknown_file);
	tcase_add_test(tc, test_unknown_map_pin);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_missing_key);
	tcase_add_test(tc, test_bad_operation);
	tcase_add_test(tc, test_may_fail);
	tcase_add_test(tc, test_bad_interleave);
	tcase_add_test(tc, test_bad_point);
	tcase_add_test(tc, test_unknown_fix_kernel_kind);
	tcase_add_test(tc, test_yaml_syntax);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_nonexistent_file);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_point_op_and_names);
	tcase_add_test(tc, test_bad_fixtures);
	suite_add_tcase(s, tc);
	return s;
}

/* main -- run the suite in a private temporary directory */
int main(void)
{
	const char *t = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_scen.XXXXXX", t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	sr = srunner_create(scen_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return failed != 0;
}
