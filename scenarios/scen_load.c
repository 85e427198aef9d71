// SPDX-License-Identifier: MIT
/*
 * scenarios/scen_load.c -- read a scenario file (SPEC.md 3) into a struct scen.
 *
 * The file is read whole (at most SCEN_FILE_MAX bytes: the content hash
 * needs every byte, and no input can make the loader read forever), parsed
 * with libyaml's document API so that every node keeps its position, then
 * walked section by section.
 *
 * Invariants of the walk:
 *  1. It never recurses over the document.  Each level of the format has
 *     its own function and looks only at the nodes the format puts there,
 *     so aliases that form a cycle (`&a [*a]`, which libyaml builds) or a
 *     thousand nested lists cost no more than their size.
 *  2. Every count is checked against its SCEN_MAX_* bound before anything
 *     is stored, and every string against its buffer, before it is copied.
 *  3. The first error is the one reported: scen_fail() fills *err and
 *     returns -1.  Within a section every caller passes -1 up at once; the
 *     walk goes on only where what follows does not depend on what failed
 *     (the sections that do not need the failed one, the next thread, the
 *     next operation of a thread), so that lint can print every error of
 *     a file (at most SCEN_MAX_ERRORS) in one run.  Nothing is half-built
 *     on return: after any error the whole struct scen is freed.
 *
 * Sections are read in a fixed order, whatever their order in the file:
 * storage before files (storage.dax is the files' default), files before
 * threads (operations name files), threads before interleave (steps name
 * threads and operations).  Map and pin references are collected while the
 * threads are read and resolved after the last one, because a thread may
 * use a map that another thread's mmap defines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "scenarios/scen_impl.h"

#define MAX_NAMED (SCEN_MAX_THREADS * SCEN_MAX_OPS)
#define MAX_STEPS ARRAY_LEN(((struct scen *)0)->steps)
#define MAX_FIXES ARRAY_LEN(((struct scen *)0)->fix_edits)

/* A map or pin named by an operation, resolved once all threads are read. */
struct ref {
	char name[SCEN_NAME_MAX];
	struct scen_pos pos;
	int *slot;
	bool pin;
};

struct ld {
	struct scen *s;
	const struct scen_vocab *vocab;
	struct scen_error *err;
	yaml_document_t doc;
	struct scen_pos map_pos[MAX_NAMED], pin_pos[MAX_NAMED];
	int nrefs;
	struct ref refs[MAX_NAMED * 2]; /* at most two per operation */
	uint64_t data;			/* data_budget: bytes moved so far */
	uint64_t reach[SCEN_MAX_FILES]; /* and each file's largest size */
};

/* The arguments' YAML names; which operation takes which is its
 * descriptor's (scen_ops[], scen_ops.c). */
/* clang-format off */
static const char *const arg_names[SCEN_ARG__COUNT] = {
	"file", "src", "dst", "map", "pin", "offset", "len", "size", "as",
	"longterm", "on", "into", "expect_error", "may_fail",
};
/* clang-format on */

/* op_names -- (internal) the operations' names, for lookups; returns names */
static const char **op_names(const char *names[SCEN_OP__COUNT])
{
	for (int k = 0; k < SCEN_OP__COUNT; k++)
		names[k] = scen_ops[k].name;
	return names;
}

/* node -- (internal) a node of the document by index (never NULL for the
 * indexes libyaml stores in sequences and mappings) */
static yaml_node_t *node(struct ld *l, yaml_node_item_t i)
{
	return yaml_document_get_node(&l->doc, i);
}

/* FOR_ITEMS -- (internal) each node 'it' of the sequence n */
#define FOR_ITEMS(l, n, it)                                             \
	for (yaml_node_item_t *it##_i = (n)->data.sequence.items.start; \
	     it##_i < (n)->data.sequence.items.top &&                   \
	     ((it) = node(l, *it##_i));                                 \
	     it##_i++)

/* parse_kernel -- (internal) kernel: vX.Y, checked by the caller's vocab */
static int parse_kernel(struct ld *l, const yaml_node_t *n)
{
	char g[64], hint[64] = "";
	const char *v = scen_scalar(l->err, n, "a kernel version");

	if (!v)
		return -1;
	if (!*v || strlen(v) >= sizeof(l->s->kernel))
		return scen_fail(l->err, n,
				 "invalid kernel version %s (expected vX.Y)",
				 scen_got(n, g, sizeof(g)));
	if (l->vocab && l->vocab->kernel && !l->vocab->kernel(v, hint)) {
		hint[sizeof(hint) - 1] = '\0';
		if (hint[0])
			return scen_fail(
				l->err, n,
				"unknown kernel %s (did you mean '%s'?)",
				scen_got(n, g, sizeof(g)), hint);
		return scen_fail(l->err, n,
				 "unknown kernel %s (lockstep list prints the "
				 "kernel presets)",
				 scen_got(n, g, sizeof(g)));
	}
	strcpy(l->s->kernel, v);
	return 0;
}

/* parse_fixes -- (internal) fixes: [name, -name, ...] */
static int parse_fixes(struct ld *l, const yaml_node_t *n)
{
	struct scen *s = l->s;
	yaml_node_t *it;
	char g[64];

	if (scen_seq(l->err, &l->doc, n, "fixes", MAX_FIXES) < 0)
		return -1;
	FOR_ITEMS(l, n, it)
	{
		char hint[64] = "";
		const char *v = scen_scalar(l->err, it, "a fix name");
		const char *name;
		bool bad;

		if (!v)
			return -1;
		name = v + (*v == '-' || *v == '+');
		bad = !*name || strlen(name) >= SCEN_NAME_MAX;
		for (const char *p = name; *p && !bad; p++)
			bad = !((*p >= 'a' && *p <= 'z') ||
				(*p >= '0' && *p <= '9') || *p == '-');
		if (bad)
			return scen_fail(l->err, it,
					 "invalid fix %s: expected a fix name, "
					 "or -name to remove it",
					 scen_got(it, g, sizeof(g)));
		if (l->vocab && l->vocab->fix && !l->vocab->fix(name, hint)) {
			hint[sizeof(hint) - 1] = '\0';
			if (hint[0])
				return scen_fail(
					l->err, it,
					"unknown fix '%s' (did you mean '%s'?)",
					name, hint);
			return scen_fail(l->err, it,
					 "unknown fix '%s' (lockstep list "
					 "prints the fixes)",
					 name);
		}
		if (scen_find(name, s->fix_edits[0].name,
			      sizeof(s->fix_edits[0]), s->nfix_edits) >= 0)
			return scen_fail(l->err, it, "fix '%s' is listed twice",
					 name);
		strcpy(s->fix_edits[s->nfix_edits].name, name);
		s->fix_edits[s->nfix_edits].remove = *v == '-';
		s->fix_edits[s->nfix_edits].pos = scen_pos_of(it);
		s->nfix_edits++;
	}
	return 0;
}

/* parse_storage -- (internal) storage: {block_size, blocks, dax} */
static int parse_storage(struct ld *l, const yaml_node_t *n)
{
	static const char *const keys[] = { "block_size", "blocks", "dax" };
	yaml_node_t *v[3];
	uint64_t x;

	if (scen_fields(l->err, &l->doc, n, "storage", keys, 3, 7, v) < 0)
		return -1;
	if (v[0]) {
		if (scen_get_u64(l->err, v[0], &x) < 0)
			return -1;
		if (x != 1024 && x != 2048 && x != 4096)
			return scen_fail(
				l->err, v[0],
				"block_size must be 1024, 2048 or 4096");
		l->s->block_size = (uint32_t)x;
	}
	if (v[1] &&
	    scen_get_range(l->err, v[1], "blocks", 1, 65536, &l->s->blocks) < 0)
		return -1;
	if (v[2] && scen_get_bool(l->err, v[2], &l->s->dax) < 0)
		return -1;
	return 0;
}

/* parse_files -- (internal) files: [{name, size, dax}, ...] */
static int parse_files(struct ld *l, const yaml_node_t *n)
{
	static const char *const keys[] = { "name", "size", "dax" };
	struct scen *s = l->s;
	uint64_t dev = (uint64_t)s->block_size * s->blocks;
	yaml_node_t *it, *v[3];

	if (scen_seq(l->err, &l->doc, n, "files", SCEN_MAX_FILES) < 0)
		return -1;
	FOR_ITEMS(l, n, it)
	{
		struct scen_file *f = &s->files[s->nfiles];
		int dup;

		if (scen_fields(l->err, &l->doc, it, "files", keys, 3, 7, v) <
		    0)
			return -1;
		if (!v[0])
			return scen_missing(l->err, it, "name", "files");
		if (scen_get_name(l->err, v[0], "file", true, f->name) < 0)
			return -1;
		dup = scen_find(f->name, s->files[0].name, sizeof(s->files[0]),
				s->nfiles);
		if (dup >= 0)
			return scen_fail(
				l->err, v[0],
				"duplicate file name '%s' (first at line %d)",
				f->name, s->files[dup].pos.line);
		f->pos = scen_pos_of(v[0]);
		f->dax = s->dax;
		if (v[1] && scen_get_u64(l->err, v[1], &f->size) < 0)
			return -1;
		if (f->size > dev)
			return scen_fail(l->err, v[1],
					 "size %" PRIu64
					 " is larger than the device (%" PRIu64
					 " blocks of %u bytes)",
					 f->size, s->blocks, s->block_size);
		if (v[2] && scen_get_bool(l->err, v[2], &f->dax) < 0)
			return -1;
		s->nfiles++;
	}
	return 0;
}

/* ref_file -- (internal) a file named by an operation, as an index */
static int ref_file(struct ld *l, const yaml_node_t *n, int *out)
{
	struct scen *s = l->s;
	char name[SCEN_NAME_MAX], g[64], list[256];

	if (scen_get_name(l->err, n, "file", true, name) < 0)
		return -1;
	*out = scen_find(name, s->files[0].name, sizeof(s->files[0]),
			 s->nfiles);
	if (*out >= 0)
		return 0;
	if (!s->nfiles)
		return scen_fail(l->err, n,
				 "unknown file %s (no files are defined)",
				 scen_got(n, g, sizeof(g)));
	return scen_fail(l->err, n, "unknown file %s (files: %s)",
			 scen_got(n, g, sizeof(g)),
			 scen_join(s->files[0].name, sizeof(s->files[0]),
				   s->nfiles, list, sizeof(list)));
}

/* add_ref -- (internal) a map or pin reference, resolved by resolve_refs */
static int add_ref(struct ld *l, const yaml_node_t *n, bool pin, int *slot)
{
	struct ref *r;

	if (l->nrefs >= ARRAY_LEN(l->refs))
		return scen_fail(l->err, n, "too many map and pin references");
	r = &l->refs[l->nrefs];
	if (scen_get_name(l->err, n, pin ? "pin" : "map", true, r->name) < 0)
		return -1;
	r->pos = scen_pos_of(n);
	r->slot = slot;
	r->pin = pin;
	l->nrefs++;
	return 0;
}

/* define -- (internal) the 'as' of mmap or pin: a new map or pin */
static int define(struct ld *l, const yaml_node_t *n, bool pin, int t, int o,
		  int *out)
{
	struct scen *s = l->s;
	char name[SCEN_NAME_MAX];
	int m, p;

	if (scen_get_name(l->err, n, pin ? "pin" : "map", true, name) < 0)
		return -1;
	m = scen_find(name, s->maps[0].name, sizeof(s->maps[0]), s->nmaps);
	p = scen_find(name, s->pins[0].name, sizeof(s->pins[0]), s->npins);
	if (m >= 0 || p >= 0)
		return scen_fail(
			l->err, n,
			"duplicate %s name '%s' (%s defined at line %d)",
			pin ? "pin" : "map", name, m >= 0 ? "a map" : "a pin",
			m >= 0 ? l->map_pos[m].line : l->pin_pos[p].line);
	if (pin) {
		*out = s->npins++;
		strcpy(s->pins[*out].name, name);
		s->pins[*out].thread = t;
		s->pins[*out].op = o;
		s->pins[*out].map = -1;
		l->pin_pos[*out] = scen_pos_of(n);
	} else {
		*out = s->nmaps++;
		strcpy(s->maps[*out].name, name);
		s->maps[*out].thread = t;
		s->maps[*out].op = o;
		s->maps[*out].file = s->threads[t].ops[o].file;
		l->map_pos[*out] = scen_pos_of(n);
	}
	return 0;
}

/* parse_into -- (internal) into: {map, offset}, the user buffer of a read */
static int parse_into(struct ld *l, const yaml_node_t *n, struct scen_op *op)
{
	static const char *const keys[] = { "map", "offset" };
	yaml_node_t *v[2];

	if (scen_fields(l->err, &l->doc, n, "into", keys, 2, 3, v) < 0)
		return -1;
	if (!v[0])
		return scen_missing(l->err, n, "map", "into");
	if (!v[1])
		return scen_missing(l->err, n, "offset", "into");
	if (add_ref(l, v[0], false, &op->into_map) < 0)
		return -1;
	return scen_get_u64(l->err, v[1], &op->into_offset);
}

/*
 * parse_may_fail -- (internal) may_fail: [EFAULT, ENOSPC], the errors an
 * operation may return in some schedules.  A list of known errno names, at
 * least one, each once; not with expect_error (an error that always comes
 * is expect_error's, one that may come is may_fail's: both at once would
 * say neither).
 */
static int parse_may_fail(struct ld *l, const yaml_node_t *n,
			  const yaml_node_t *expect, struct scen_op *op)
{
	yaml_node_t *it;
	char g[64];
	int count = scen_seq(l->err, &l->doc, n, "may_fail", SCEN_MAX_MAY_FAIL);

	if (count < 0)
		return -1;
	if (count == 0)
		return scen_fail(l->err, n,
				 "may_fail needs at least one error name, as "
				 "in may_fail: [EFAULT]");
	if (expect)
		return scen_fail(l->err, n,
				 "may_fail and expect_error together: "
				 "expect_error is an error that always comes, "
				 "may_fail errors that may; use one");
	FOR_ITEMS(l, n, it)
	{
		int e = scen_lookup(
			l->err, it, "error name", scen_errno_names, scen_nerrno,
			"expected an errno name such as EFAULT or ENOSPC");

		if (e < 0)
			return -1;
		e = scen_errno_value(scen_errno_names[e]);
		if (scen_op_may_fail(op, e))
			return scen_fail(l->err, it,
					 "error %s is listed twice in may_fail",
					 scen_got(it, g, sizeof(g)));
		op->may_fail[op->nmay_fail++] = e;
	}
	return 0;
}

/* parse_arg -- (internal) one argument of an operation */
static int parse_arg(struct ld *l, int a, yaml_node_t **v, int t, int o)
{
	const yaml_node_t *n = v[a];
	struct scen_op *op = &l->s->threads[t].ops[o];
	int e;

	switch (a) {
	case SCEN_ARG_FILE:
	case SCEN_ARG_SRC:
		return ref_file(l, n, &op->file);
	case SCEN_ARG_DST:
		return ref_file(l, n, &op->file2);
	case SCEN_ARG_MAP:
		return add_ref(l, n, false, &op->map);
	case SCEN_ARG_PIN:
		return add_ref(l, n, true, &op->pin);
	case SCEN_ARG_OFFSET:
		return scen_get_u64(l->err, n, &op->offset);
	case SCEN_ARG_LEN:
		return scen_get_u64(l->err, n, &op->len);
	case SCEN_ARG_SIZE:
		return scen_get_u64(l->err, n, &op->size);
	case SCEN_ARG_AS:
		return define(l, n, scen_ops[op->kind].as_pin, t, o, &op->name);
	case SCEN_ARG_LONGTERM:
		return scen_get_bool(l->err, n, &op->longterm);
	case SCEN_ARG_ON:
		return scen_get_bool(l->err, n, &op->on);
	case SCEN_ARG_INTO:
		return parse_into(l, n, op);
	case SCEN_ARG_MAY_FAIL:
		return parse_may_fail(l, n, v[SCEN_ARG_EXPECT], op);
	default: /* SCEN_ARG_EXPECT */
		e = scen_lookup(
			l->err, n, "error name", scen_errno_names, scen_nerrno,
			"expected an errno name such as EINVAL or EBUSY");
		if (e < 0)
			return -1;
		op->expect_error = scen_errno_value(scen_errno_names[e]);
		return 0;
	}
}

/* parse_op -- (internal) one operation: a one-key mapping "read: {...}" */
static int parse_op(struct ld *l, const yaml_node_t *n, int t, int o)
{
	struct scen_op *op = &l->s->threads[t].ops[o];
	yaml_node_t *key, *val, *v[SCEN_ARG__COUNT];
	yaml_node_pair_t *pairs;
	unsigned allowed;
	const char *names[SCEN_OP__COUNT];
	const struct scen_op_info *d;
	char g[64];
	int k;

	if (n->type != YAML_MAPPING_NODE)
		return scen_fail(l->err, n,
				 "expected an operation such as 'read: {file: "
				 "a, offset: 0, len: 4096}', got %s",
				 scen_got(n, g, sizeof(g)));
	pairs = n->data.mapping.pairs.start;
	if (pairs == n->data.mapping.pairs.top)
		return scen_fail(l->err, n, "empty operation");
	if (pairs + 1 < n->data.mapping.pairs.top) {
		key = node(l, pairs[1].key);
		return scen_fail(
			l->err, key,
			"unexpected key %s: an operation is a mapping with one "
			"key, and its arguments (and expect_error) go in its "
			"value, as in 'read: {file: a, offset: 0, len: 4096}'",
			scen_got(key, g, sizeof(g)));
	}
	key = node(l, pairs[0].key);
	val = node(l, pairs[0].value);
	k = scen_lookup(l->err, key, "operation", op_names(names),
			SCEN_OP__COUNT, NULL);
	if (k < 0)
		return -1;
	*op = (struct scen_op){ .kind = k,
				.pos = scen_pos_of(key),
				.file = -1,
				.file2 = -1,
				.map = -1,
				.pin = -1,
				.into_map = -1,
				.name = -1 };
	d = &scen_ops[k];
	allowed = d->required | d->optional | SCEN_ARG(EXPECT) |
		SCEN_ARG(MAY_FAIL);
	if (val->type != YAML_MAPPING_NODE)
		return scen_fail(l->err, val,
				 "expected the arguments of %s as a mapping "
				 "such as {%s: ...}, got %s",
				 d->name, arg_names[__builtin_ctz(d->required)],
				 scen_got(val, g, sizeof(g)));
	if (scen_fields(l->err, &l->doc, val, d->name, arg_names,
			SCEN_ARG__COUNT, allowed, v) < 0)
		return -1;
	for (int a = 0; a < SCEN_ARG__COUNT; a++)
		if ((d->required & (1u << a)) && !v[a])
			return scen_fail(l->err, val, "'%s' is required by %s",
					 arg_names[a], d->name);
	for (int a = 0; a < SCEN_ARG__COUNT; a++)
		if (v[a] && parse_arg(l, a, v, t, o) < 0)
			return -1;
	return 0;
}

static uint64_t cut(uint64_t x, uint64_t max)
{
	return x > max ? max : x;
}

/*
 * data_budget -- (internal) the memory an execution needs, counted at
 * each operation in file order, and the first one that takes it past
 * SCEN_MAX_DATA refused.  What the engine keeps until the execution ends:
 * each operation's buffer and the pages it brings in (its length, cut to
 * SCEN_MAX_IO as the engine cuts it), and for each file, the final read
 * through the page cache and from the device of everything up to the
 * largest size it can reach (its size, or where a write, a truncate or a
 * clone can extend it; never past s_maxbytes, SCEN_MAX_IO in the core).
 * 16 threads of 64 reads of 2^64 bytes would need 64 GiB.
 */
static int data_budget(struct ld *l, const yaml_node_t *n,
		       const struct scen_op *op)
{
	uint64_t total,
		end = cut(op->offset, SCEN_MAX_IO) + cut(op->len, SCEN_MAX_IO);
	int grows = -1;

	switch (op->kind) {
	case SCEN_OP_WRITE:
	case SCEN_OP_DIO_WRITE:
		grows = op->file;
		/* fall through */
	case SCEN_OP_READ:
	case SCEN_OP_DIO_READ:
	case SCEN_OP_READAHEAD:
	case SCEN_OP_LOAD:
	case SCEN_OP_STORE:
	case SCEN_OP_PIN:
		l->data += cut(op->len, SCEN_MAX_IO);
		break;
	case SCEN_OP_CLONE:
		l->data += cut(op->len, SCEN_MAX_IO);
		grows = op->file2;
		break;
	case SCEN_OP_TRUNCATE:
		grows = op->file;
		end = cut(op->size, SCEN_MAX_IO);
		break;
	default:
		break;
	}
	if (grows >= 0 && end > l->reach[grows])
		l->reach[grows] = cut(end, SCEN_MAX_IO);
	total = l->data;
	for (int f = 0; f < l->s->nfiles; f++)
		total += 2 *
			(l->reach[f] > l->s->files[f].size ?
				 l->reach[f] :
				 l->s->files[f].size);
	if (total > SCEN_MAX_DATA)
		return scen_fail(
			l->err, n,
			"this operation takes the memory one execution needs "
			"to %" PRIu64 " MiB, past the limit of %llu MiB (every "
			"byte an operation moves is kept until the execution "
			"ends, and each file is read whole at the end): use "
			"shorter lengths or smaller files",
			(total + (1u << 20) - 1) >> 20, SCEN_MAX_DATA >> 20);
	return 0;
}

/* parse_thread -- (internal) one thread {name, ops}: -1 on an error after
 * which the next thread can still be read, -2 when the walk must stop (an
 * operation's data budget: the totals are no longer known).  Each of its
 * operations is independent of the others: an error in one does not stop
 * the next from being read. */
static int parse_thread(struct ld *l, yaml_node_t *it,
			const char *const keys[2])
{
	struct scen *s = l->s;
	struct scen_thread *th = &s->threads[s->nthreads];
	yaml_node_t *op, *v[2];
	int dup, rc = 0;

	if (scen_fields(l->err, &l->doc, it, "threads", keys, 2, 3, v) < 0)
		return -1;
	if (!v[0])
		return scen_missing(l->err, it, "name", "threads");
	if (!v[1])
		return scen_missing(l->err, it, "ops", "threads");
	if (scen_get_name(l->err, v[0], "thread", true, th->name) < 0)
		return -1;
	dup = scen_find(th->name, s->threads[0].name, sizeof(s->threads[0]),
			s->nthreads);
	if (dup >= 0)
		return scen_fail(
			l->err, v[0],
			"duplicate thread name '%s' (first at line %d)",
			th->name, s->threads[dup].pos.line);
	th->pos = scen_pos_of(v[0]);
	if (scen_seq(l->err, &l->doc, v[1], "operations in a thread",
		     SCEN_MAX_OPS) < 0)
		return -1;
	FOR_ITEMS(l, v[1], op)
	{
		if (parse_op(l, op, s->nthreads, th->nops) < 0) {
			rc = -1;
			if (l->err->count >= SCEN_MAX_ERRORS)
				return -1;
		} else if (data_budget(l, op, &th->ops[th->nops]) < 0) {
			return -2;
		}
		th->nops++;
	}
	return rc;
}

/* parse_threads -- (internal) threads: [{name, ops: [...]}, ...] */
static int parse_threads(struct ld *l, const yaml_node_t *n)
{
	static const char *const keys[] = { "name", "ops" };
	struct scen *s = l->s;
	yaml_node_t *it;
	int rc = 0;
	int count = scen_seq(l->err, &l->doc, n, "threads", SCEN_MAX_THREADS);

	if (count < 0)
		return -1;
	if (count == 0)
		return scen_fail(l->err, n,
				 "a scenario needs at least one thread");
	FOR_ITEMS(l, n, it)
	{
		int r = parse_thread(l, it, keys);

		s->nthreads++;
		if (r < 0) {
			rc = -1;
			if (r == -2 || l->err->count >= SCEN_MAX_ERRORS)
				return -1;
		}
	}
	return rc;
}

/* resolve_refs -- (internal) every map and pin reference, now that all
 * mmap and pin operations are known */
static int resolve_refs(struct ld *l)
{
	struct scen *s = l->s;
	char list[256];

	for (int i = 0; i < l->nrefs; i++) {
		struct ref *r = &l->refs[i];
		const char *base = r->pin ? s->pins[0].name : s->maps[0].name;
		size_t stride = r->pin ? sizeof(s->pins[0]) :
					 sizeof(s->maps[0]);
		int n = r->pin ? s->npins : s->nmaps;
		const char *kind = r->pin ? "pin" : "map";

		*r->slot = scen_find(r->name, base, stride, n);
		if (*r->slot >= 0)
			continue;
		if (!n)
			return scen_fail_pos(
				l->err, r->pos,
				"unknown %s '%s' (no %ss are defined: %s: "
				"{..., as: NAME} defines one)",
				kind, r->name, kind, r->pin ? "pin" : "mmap");
		return scen_fail_pos(
			l->err, r->pos, "unknown %s '%s' (%ss: %s)", kind,
			r->name, kind,
			scen_join(base, stride, n, list, sizeof(list)));
	}
	for (int i = 0; i < s->npins; i++)
		s->pins[i].map =
			s->threads[s->pins[i].thread].ops[s->pins[i].op].map;
	return 0;
}

/*
 * parse_point -- (internal) the OP.POINT of "until OP.POINT": the operation
 * must exist, the point must be the core's (vocab), and the thread must
 * have an operation of that kind, or the step could never be followed.
 */
static int parse_point(struct ld *l, const yaml_node_t *n, const char *pt,
		       struct scen_step *st)
{
	struct scen_thread *th = &l->s->threads[st->thread];
	char hint[64] = "", opname[SCEN_NAME_MAX];
	const char *names[SCEN_OP__COUNT];
	struct scen_pos pos = scen_pos_of(n);
	const char *dot = strchr(pt, '.');
	int k, i;

	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    !strchr((const char *)n->data.scalar.value, '\n'))
		pos.col += (int)(pt - (const char *)n->data.scalar.value);
	if (strlen(pt) >= sizeof(st->point))
		return scen_fail_pos(l->err, pos, "point name is too long");
	k = scen_point_op(pt);
	if (k < 0) {
		size_t len = dot ? (size_t)(dot - pt) : strlen(pt);

		snprintf(opname, sizeof(opname), "%.*s", (int)len, pt);
		if (!dot || !dot[1])
			return scen_fail_pos(
				l->err, pos,
				"expected OP.POINT after 'until', such as "
				"punch_hole.pages_truncated, got '%s'",
				pt);
		i = scen_nearest(opname, op_names(names), SCEN_OP__COUNT);
		if (i >= 0)
			return scen_fail_pos(l->err, pos,
					     "unknown operation '%s' in point "
					     "'%s' (did you mean '%s'?)",
					     opname, pt, scen_ops[i].name);
		return scen_fail_pos(l->err, pos,
				     "unknown operation '%s' in point '%s'",
				     opname, pt);
	}
	if (l->vocab && l->vocab->point && !l->vocab->point(pt, hint)) {
		hint[sizeof(hint) - 1] = '\0';
		if (hint[0])
			return scen_fail_pos(
				l->err, pos,
				"unknown point '%s' (did you mean '%s'?)", pt,
				hint);
		return scen_fail_pos(
			l->err, pos,
			"unknown point '%s' (lockstep list prints the points)",
			pt);
	}
	for (i = 0; i < th->nops && (int)th->ops[i].kind != k; i++)
		;
	if (i == th->nops)
		return scen_fail_pos(
			l->err, pos,
			"thread '%s' has no %s operation to reach '%s'",
			th->name, scen_ops[k].name, pt);
	st->op = k;
	strcpy(st->point, pt);
	return 0;
}

/* parse_interleave -- (internal) [THREAD: run | THREAD: until OP.POINT] */
static int parse_interleave(struct ld *l, const yaml_node_t *n)
{
	struct scen *s = l->s;
	char g[64], list[256], name[SCEN_NAME_MAX];
	yaml_node_t *it, *key, *val;

	if (scen_seq(l->err, &l->doc, n, "interleave steps", MAX_STEPS) < 0)
		return -1;
	FOR_ITEMS(l, n, it)
	{
		struct scen_step *st = &s->steps[s->nsteps];
		const char *v;

		if (it->type != YAML_MAPPING_NODE ||
		    it->data.mapping.pairs.top - it->data.mapping.pairs.start !=
			    1)
			return scen_fail(l->err, it,
					 "expected a step 'THREAD: run' or "
					 "'THREAD: until OP.POINT', got %s",
					 scen_got(it, g, sizeof(g)));
		key = node(l, it->data.mapping.pairs.start[0].key);
		val = node(l, it->data.mapping.pairs.start[0].value);
		if (scen_get_name(l->err, key, "thread", true, name) < 0)
			return -1;
		st->thread = scen_find(name, s->threads[0].name,
				       sizeof(s->threads[0]), s->nthreads);
		if (st->thread < 0)
			return scen_fail(
				l->err, key,
				"unknown thread '%s' (threads: %s)", name,
				scen_join(s->threads[0].name,
					  sizeof(s->threads[0]), s->nthreads,
					  list, sizeof(list)));
		st->pos = scen_pos_of(key);
		st->op = -1;
		v = scen_scalar(l->err, val, "'run' or 'until OP.POINT'");
		if (!v)
			return -1;
		if (strcmp(v, "run") == 0) {
			st->run = true;
		} else if (strncmp(v, "until", 5) == 0 &&
			   (v[5] == ' ' || v[5] == '\t')) {
			for (v += 5; *v == ' ' || *v == '\t'; v++)
				;
			if (parse_point(l, val, v, st) < 0)
				return -1;
		} else {
			return scen_fail(
				l->err, val,
				"expected 'run' or 'until OP.POINT', got %s",
				scen_got(val, g, sizeof(g)));
		}
		s->nsteps++;
	}
	return 0;
}

/*
 * parse_kinds -- (internal) a list of violation kinds into *mask.  A kind
 * in 'forbid' is an error, with 'why' as its complaint.
 */
static int parse_kinds(struct ld *l, const yaml_node_t *n, const char *what,
		       uint32_t *mask, uint32_t forbid, const char *why)
{
	yaml_node_t *it;

	*mask = 0;
	if (scen_seq(l->err, &l->doc, n, what, 1 << 16) < 0)
		return -1;
	FOR_ITEMS(l, n, it)
	{
		int k = scen_lookup(l->err, it, "violation kind",
				    scen_violation_names, SCEN_V__COUNT, NULL);

		if (k < 0)
			return -1;
		if (forbid & (1u << k))
			return scen_fail(l->err, it, "'%s' %s",
					 scen_violation_names[k], why);
		*mask |= 1u << k;
	}
	return 0;
}

/* parse_explore -- (internal) explore: {strategy, depth, schedules, seed} */
static int parse_explore(struct ld *l, const yaml_node_t *n)
{
	static const char *const keys[] = { "strategy", "depth", "schedules",
					    "seed" };
	struct scen_explore *e = &l->s->explore;
	yaml_node_t *v[4];
	uint64_t d;
	int k;

	if (scen_fields(l->err, &l->doc, n, "explore", keys, 4, 15, v) < 0)
		return -1;
	if (v[0]) {
		k = scen_lookup(l->err, v[0], "strategy", scen_strategy_names,
				3, "expected pct, random or dfs");
		if (k < 0)
			return -1;
		e->strategy = k;
	}
	if (v[1]) {
		if (scen_get_range(l->err, v[1], "depth", 1, 16, &d) < 0)
			return -1;
		e->depth = (int)d;
	}
	if (v[2] &&
	    scen_get_range(l->err, v[2], "schedules", 1, UINT64_MAX,
			   &e->schedules) < 0)
		return -1;
	if (v[3] && scen_get_u64(l->err, v[3], &e->seed) < 0)
		return -1;
	return 0;
}

/* parse_expect -- (internal) expect: {violations: [...], tolerate: [...]} */
static int parse_expect(struct ld *l, const yaml_node_t *n)
{
	static const char *const keys[] = { "violations", "tolerate" };
	struct scen *s = l->s;
	yaml_node_t *v[2];

	if (scen_fields(l->err, &l->doc, n, "expect", keys, 2, 3, v) < 0)
		return -1;
	s->has_expect = true;
	if (v[0] &&
	    parse_kinds(l, v[0], "violations", &s->expect, ~s->check,
			"is expected but not checked (see check:)") < 0)
		return -1;
	if (v[1] &&
	    parse_kinds(l, v[1], "tolerate", &s->tolerate, s->expect,
			"is both expected and tolerated") < 0)
		return -1;
	return 0;
}

/* clang-format off */
enum {
	K_LOCKSTEP, K_NAME, K_DESCRIPTION, K_KERNEL, K_FIXES, K_STORAGE,
	K_FILES, K_THREADS, K_INTERLEAVE, K_CHECK, K_EXPLORE, K_EXPECT,
	K__COUNT
};
static const char *const top_keys[K__COUNT] = {
	"lockstep", "name", "description", "kernel", "fixes", "storage",
	"files", "threads", "interleave", "check", "explore", "expect",
};
/* clang-format on */

/* parse_top -- (internal) the root mapping, section by section */
static int parse_top(struct ld *l, const yaml_node_t *root)
{
	struct scen *s = l->s;
	yaml_node_t *v[K__COUNT];
	const char *d;
	char g[64];
	uint64_t ver;
	int rc, dep = 0;

	if (root->type != YAML_MAPPING_NODE)
		return scen_fail(l->err, root,
				 "a scenario is a mapping (lockstep: 1, name: "
				 "..., threads: ...), got %s",
				 scen_got(root, g, sizeof(g)));
	if (scen_fields(l->err, &l->doc, root, NULL, top_keys, K__COUNT, ~0u,
			v) < 0)
		return -1;
	if (!v[K_LOCKSTEP])
		return scen_fail(l->err, root,
				 "missing required key 'lockstep' (the format "
				 "version: lockstep: 1)");
	if (scen_get_u64(l->err, v[K_LOCKSTEP], &ver) < 0)
		return -1;
	if (ver != 1)
		return scen_fail(l->err, v[K_LOCKSTEP],
				 "unsupported scenario format version %" PRIu64
				 " (this lockstep reads version 1)",
				 ver);
	if (!v[K_NAME])
		return scen_missing(l->err, root, "name", NULL);
	if (scen_get_name(l->err, v[K_NAME], "scenario", false, s->name) < 0)
		return -1;
	if (v[K_DESCRIPTION]) {
		d = scen_scalar(l->err, v[K_DESCRIPTION], "a string");
		if (!d)
			return -1;
		s->description = strdup(d);
		if (!s->description)
			return scen_fail(l->err, v[K_DESCRIPTION],
					 "out of memory");
	}
	/* The sections, each read only when those it depends on were read
	 * without an error (storage, files, threads, interleave: each needs
	 * the ones before it); an error in one does not stop the others. */
	rc = 0;
	if (v[K_KERNEL] && parse_kernel(l, v[K_KERNEL]) < 0)
		rc = -1;
	if (v[K_FIXES] && parse_fixes(l, v[K_FIXES]) < 0)
		rc = -1;
	if (v[K_STORAGE] && parse_storage(l, v[K_STORAGE]) < 0)
		rc = dep = -1;
	if (!dep && v[K_FILES] && parse_files(l, v[K_FILES]) < 0)
		rc = dep = -1;
	if (!v[K_THREADS])
		rc = dep = scen_missing(l->err, root, "threads", NULL);
	else if (!dep &&
		 (parse_threads(l, v[K_THREADS]) < 0 || resolve_refs(l) < 0))
		rc = dep = -1;
	if (!dep && v[K_INTERLEAVE] && parse_interleave(l, v[K_INTERLEAVE]) < 0)
		rc = -1;
	if (v[K_CHECK] &&
	    parse_kinds(l, v[K_CHECK], "check", &s->check, 0, "") < 0)
		rc = -1;
	if (v[K_EXPLORE] && parse_explore(l, v[K_EXPLORE]) < 0)
		rc = -1;
	if (v[K_EXPECT] && parse_expect(l, v[K_EXPECT]) < 0)
		rc = -1;
	return rc;
}

/*
 * scen_load -- parse and validate a scenario file (see scen.h).
 * An error that has no position in the file (it cannot be opened or read)
 * is reported at line 0, column 0.  Cost: linear in the file's size, which
 * is at most 1 MiB.
 */
struct scen *scen_load(const char *path, const struct scen_vocab *vocab,
		       struct scen_error *err)
{
	return scen_load_text(path, NULL, 0, vocab, err);
}

/* scen_load_text -- the same, from the scenario's bytes (see scen.h) */
struct scen *scen_load_text(const char *path, const char *text, size_t len,
			    const struct scen_vocab *vocab,
			    struct scen_error *err)
{
	struct scen_error dummy;
	struct scen *s = NULL;
	struct ld *l = NULL;
	char *buf = NULL;
	int rc = -1;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path ? path : "");
	if (!path) {
		snprintf(err->msg, sizeof(err->msg), "no scenario file given");
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	s = calloc(1, sizeof(*s));
	if (text) {
		buf = malloc(len ? len : 1);
		if (buf)
			memcpy(buf, text, len);
	}
	if (!l || !s || (text && !buf)) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		free(buf);
		goto out;
	}
	l->s = s;
	l->vocab = vocab;
	l->err = err;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->block_size = 4096;
	s->blocks = 64;
	s->check = (1u << SCEN_V__COUNT) - 1;
	s->explore = (struct scen_explore){ SCEN_STRAT_PCT, 3, 1000, 1 };

	if (scen_yaml_load(path, &l->doc, &s->hash, &buf, &len, err) == 0)
		rc = parse_top(l, yaml_document_get_root_node(&l->doc));
	yaml_document_delete(&l->doc);
	/* the bytes stay with the scenario: traces carry them */
	s->text = buf ? realloc(buf, len ? len : 1) : NULL;
	if (buf && !s->text)
		s->text = buf;
	s->text_len = len;
out:
	free(l);
	if (rc < 0) {
		scen_free(s);
		return NULL;
	}
	return s;
}

/* scen_free -- release a scenario from scen_load (NULL is fine) */
void scen_free(struct scen *s)
{
	if (!s)
		return;
	free(s->description);
	free(s->text);
	free(s);
}
