// SPDX-License-Identifier: MIT
/*
 * scenarios/scen_ops.c -- the operations a scenario may name (SPEC.md 3):
 * one descriptor per operation, its YAML name and its arguments, and what
 * is derived from them: the one-line description of an operation
 * (scen_op_describe) and the operation a point name belongs to
 * (scen_point_op).
 *
 * The other two parts of an operation are keyed by the same enum
 * scen_op_kind: the engine's handler (engine/ops.c) and the points the
 * core passes for it (core/fixes.c, by name).  The loader reads its
 * arguments by the descriptor alone.
 *
 * No state: safe to call from any thread.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/scen.h"

#define A(a)  SCEN_ARG(a)
#define RANGE (A(OFFSET) | A(LEN))

/* clang-format off */
const struct scen_op_info scen_ops[] = {
	[SCEN_OP_READ]       = { "read",       A(FILE) | RANGE, A(INTO) },
	[SCEN_OP_WRITE]      = { "write",      A(FILE) | RANGE, 0 },
	[SCEN_OP_DIO_READ]   = { "dio_read",   A(FILE) | RANGE, A(INTO) },
	[SCEN_OP_DIO_WRITE]  = { "dio_write",  A(FILE) | RANGE, A(INTO) },
	[SCEN_OP_PUNCH_HOLE] = { "punch_hole", A(FILE) | RANGE, 0 },
	[SCEN_OP_TRUNCATE]   = { "truncate",   A(FILE) | A(SIZE), 0 },
	[SCEN_OP_READAHEAD]  = { "readahead",  A(FILE) | RANGE, 0 },
	[SCEN_OP_MMAP]       = { "mmap",       A(FILE) | RANGE | A(AS), 0 },
	[SCEN_OP_LOAD]       = { "load",       A(MAP) | RANGE, 0 },
	[SCEN_OP_STORE]      = { "store",      A(MAP) | RANGE, 0 },
	[SCEN_OP_MUNMAP]     = { "munmap",     A(MAP), 0 },
	[SCEN_OP_PIN]        = { "pin",        A(MAP) | RANGE | A(AS), A(LONGTERM),
				 .as_pin = true },
	[SCEN_OP_DMA_WRITE]  = { "dma_write",  A(PIN), 0 },
	[SCEN_OP_UNPIN]      = { "unpin",      A(PIN), 0 },
	[SCEN_OP_SET_DAX]    = { "set_dax",    A(FILE) | A(ON), 0 },
	[SCEN_OP_STATX]      = { "statx",      A(FILE), 0 },
	[SCEN_OP_EVICT]      = { "evict",      A(FILE), 0 },
	[SCEN_OP_FSYNC]      = { "fsync",      A(FILE), 0 },
	[SCEN_OP_CLONE]      = { "clone",      A(SRC) | A(DST) | RANGE, 0 },
	[SCEN_OP_TEST_CRASH] = { "test_crash", 0, 0 },
};
/* clang-format on */
_Static_assert(sizeof(scen_ops) / sizeof(scen_ops[0]) == SCEN_OP__COUNT,
	       "every operation has a descriptor");

/*
 * scen_point_op -- the operation kind of a point "op.point": the part
 * before the first '.' must be an operation name and the part after it
 * non-empty.  Whether the point itself exists is the core's business.
 */
int scen_point_op(const char *point)
{
	const char *dot;

	if (!point)
		return -1;
	dot = strchr(point, '.');
	if (!dot || dot[1] == '\0')
		return -1;
	for (int k = 0; k < SCEN_OP__COUNT; k++) {
		size_t n = strlen(scen_ops[k].name);

		if ((size_t)(dot - point) == n &&
		    strncmp(point, scen_ops[k].name, n) == 0)
			return k;
	}
	return -1;
}

/* ref_name -- (internal) the name of a file, map or pin, "?" if out of range */
static const char *ref_name(const struct scen *s, int kind, int i)
{
	if (!s || i < 0)
		return "?";
	switch (kind) {
	case 0:
		return i < s->nfiles ? s->files[i].name : "?";
	case 1:
		return i < s->nmaps ? s->maps[i].name : "?";
	default:
		return i < s->npins ? s->pins[i].name : "?";
	}
}

/* put -- (internal) append to out[*o], never past size (all of an
 * operation's names and numbers fit: 4 names and 4 numbers) */
static void put(char *out, size_t size, size_t *o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *out, size_t size, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + *o, size - *o, fmt, ap);
	va_end(ap);
	if (n > 0)
		*o = *o + (size_t)n < size ? *o + (size_t)n : size - 1;
}

/*
 * scen_op_describe -- one line for reports and traces, in the scenario's
 * own terms, from the descriptor's arguments in one order: the file (or
 * "src -> dst"), map or pin, offset, len, size, longterm, on/off, "into
 * MAP+OFF", then "as NAME": "read(a, 4096, 4096)", "mmap(a, 0, 8192) as
 * m", "clone(a -> b, 0, 4096)".  Truncates to fit; returns buf.
 */
char *scen_op_describe(const struct scen *s, const struct scen_op *op,
		       char *buf, unsigned len)
{
	char out[4 * SCEN_NAME_MAX + 4 * 24 + 64];
	const struct scen_op_info *d;
	const char *sep = "";
	size_t o = 0;
	unsigned a;

	if (!buf || len == 0)
		return buf;
	if (!op || (int)op->kind < 0 || op->kind >= SCEN_OP__COUNT) {
		snprintf(buf, len, "?");
		return buf;
	}
	d = &scen_ops[op->kind];
	a = d->required | d->optional;
	put(out, sizeof(out), &o, "%s(", d->name);
	if (a & (A(FILE) | A(SRC))) {
		put(out, sizeof(out), &o, "%s", ref_name(s, 0, op->file));
		sep = ", ";
	}
	if (a & A(DST))
		put(out, sizeof(out), &o, " -> %s", ref_name(s, 0, op->file2));
	if (a & A(MAP)) {
		put(out, sizeof(out), &o, "%s%s", sep, ref_name(s, 1, op->map));
		sep = ", ";
	}
	if (a & A(PIN)) {
		put(out, sizeof(out), &o, "%s%s", sep, ref_name(s, 2, op->pin));
		sep = ", ";
	}
	if (a & A(OFFSET)) {
		put(out, sizeof(out), &o, "%s%" PRIu64, sep, op->offset);
		sep = ", ";
	}
	if (a & A(LEN)) {
		put(out, sizeof(out), &o, "%s%" PRIu64, sep, op->len);
		sep = ", ";
	}
	if (a & A(SIZE)) {
		put(out, sizeof(out), &o, "%s%" PRIu64, sep, op->size);
		sep = ", ";
	}
	if ((a & A(LONGTERM)) && op->longterm)
		put(out, sizeof(out), &o, "%slongterm", sep);
	if (a & A(ON))
		put(out, sizeof(out), &o, "%s%s", sep, op->on ? "on" : "off");
	if ((a & A(INTO)) && op->into_map >= 0)
		put(out, sizeof(out), &o, "%sinto %s+%" PRIu64, sep,
		    ref_name(s, 1, op->into_map), op->into_offset);
	put(out, sizeof(out), &o, ")");
	if (a & A(AS))
		put(out, sizeof(out), &o, " as %s",
		    ref_name(s, d->as_pin ? 2 : 1, op->name));
	snprintf(buf, len, "%s", out);
	return buf;
}

/* scen_op_by -- "read(a, 4096, 4096) by reader": thread tid's operation
 * op, and whose it is; returns buf. */
char *scen_op_by(const struct scen *s, int tid, int op, char *buf, size_t len)
{
	char d[SCEN_OP_DESC_MAX];

	scen_op_describe(s, &s->threads[tid].ops[op], d, sizeof(d));
	snprintf(buf, len, "%s by %s", d, s->threads[tid].name);
	return buf;
}
