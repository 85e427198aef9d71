// SPDX-License-Identifier: MIT
/*
 * scenarios/scen_util.c -- the scenario vocabulary and the YAML access layer.
 *
 * The vocabulary: the names of violation kinds, strategies and errno
 * values (for expect_error), and scen_violations_format().  The
 * operations' names and arguments are scen_ops.c's.
 *
 * The YAML access layer, for scen_load.c: reading a file into a libyaml
 * document (one document, at most SCEN_FILE_MAX bytes, hashed), typed
 * access to nodes (integers with 0x and K/M/G, booleans, names), mappings
 * checked against their valid keys, and errors at a node's position with
 * the nearest valid name ("did you mean").  Every error goes through
 * scen_fail(), which keeps the first and returns -1.
 *
 * No global state: safe to call from any thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "scenarios/scen_impl.h"

#define SCEN_FILE_MAX (1 << 20)

/* clang-format off */
const char *const scen_violation_names[SCEN_V__COUNT] = {
	[SCEN_V_STALE_READ] = "stale-read",
	[SCEN_V_LOST_WRITE] = "lost-write",
	[SCEN_V_LOST_BLOCK] = "lost-block",
	[SCEN_V_LOCK_ORDER] = "lock-order",
	[SCEN_V_DEADLOCK] = "deadlock",
	[SCEN_V_DATA_RACE] = "data-race",
	[SCEN_V_CRASH] = "crash",
	[SCEN_V_OP_RESULT] = "op-result",
	[SCEN_V_LIVELOCK] = "livelock",
};
/* clang-format on */

/* scen_violations_format -- the names of the kinds in mask, ", " between */
char *scen_violations_format(uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int k = 0; k < SCEN_V__COUNT && off < len; k++)
		if (mask & (1u << k))
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? ", " : "",
						scen_violation_names[k]);
	if (!off)
		snprintf(buf, len, "none");
	return buf;
}

const char *const scen_strategy_names[4] = {
	[SCEN_STRAT_PCT] = "pct",
	[SCEN_STRAT_RANDOM] = "random",
	[SCEN_STRAT_DFS] = "dfs",
	[SCEN_STRAT_NATIVE] = "native",
};

/*
 * The errors an operation may state in expect_error.  The kernel paths the
 * core models return only a handful; the rest are accepted so that a
 * scenario can say what it means even when the core never returns it (the
 * run then reports an op-result finding, which is the right outcome).
 */
/* clang-format off */
#define SCEN_ERRNOS(X)                                                       \
	X(EPERM) X(ENOENT) X(EINTR) X(EIO) X(ENXIO) X(EBADF) X(EAGAIN)       \
	X(ENOMEM) X(EACCES) X(EFAULT) X(EBUSY) X(EEXIST) X(EXDEV) X(ENODEV)  \
	X(EISDIR) X(EINVAL) X(ETXTBSY) X(EFBIG) X(ENOSPC) X(EROFS)           \
	X(EDEADLK) X(ENOSYS) X(EOVERFLOW) X(EOPNOTSUPP) X(ENOTSUP)           \
	X(ESTALE) X(EWOULDBLOCK)
#define ERRNO_NAME(e) #e,
#define ERRNO_VALUE(e) e,
const char *const scen_errno_names[] = { SCEN_ERRNOS(ERRNO_NAME) };
static const int errno_values[] = { SCEN_ERRNOS(ERRNO_VALUE) };
#undef ERRNO_NAME
#undef ERRNO_VALUE
/* clang-format on */

#define NERRNO ARRAY_LEN(errno_values)
const int scen_nerrno = NERRNO;

/* scen_errno_value -- the errno an "EINVAL"-style name stands for, or 0. */
int scen_errno_value(const char *name)
{
	for (int i = 0; i < NERRNO; i++)
		if (strcmp(scen_errno_names[i], name) == 0)
			return errno_values[i];
	return 0;
}

/* scen_errno_name -- "EFAULT" for EFAULT, or NULL for a value the format
 * has no name for (the first name of two for one value: EAGAIN). */
const char *scen_errno_name(int err)
{
	for (int i = 0; i < NERRNO; i++)
		if (errno_values[i] == err)
			return scen_errno_names[i];
	return NULL;
}

/*
 * osa_distance -- (internal) edit distance counting an adjacent
 * transposition as one edit ("raed" -> "read" is 1), capped: words longer
 * than 63 characters are compared by their first 63.
 */
static int osa_distance(const char *a, const char *b)
{
	enum {
		W = 64
	};
	int d[W][W];
	int la = (int)strnlen(a, W - 1), lb = (int)strnlen(b, W - 1);

	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++) {
		for (int j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/*
 * scen_nearest -- the index of the candidate closest to word, or -1 when
 * none is close enough to be worth suggesting: at most 3 edits, and at most
 * one edit per 3 characters of the word (so that 'size' does not suggest
 * 'file').  O(n * 64 * 64), fine for vocabularies of a few dozen names.
 */
int scen_nearest(const char *word, const char *const *cands, int n)
{
	int best = -1, bestd = 1 << 30;
	int limit = (int)strnlen(word, 64) / 3;

	if (limit > 3)
		limit = 3;
	for (int i = 0; i < n; i++) {
		int d;

		if (!cands[i])
			continue;
		d = osa_distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return bestd <= limit ? best : -1;
}

/*
 * parse_u64 -- (internal) a non-negative integer: decimal or 0x hex,
 * optionally followed by K, M or G (binary multiples: 4K = 4096).
 * Returns 0, -EINVAL if it is not an integer, -ERANGE if it is negative or
 * does not fit in 64 bits.
 */
static int parse_u64(const char *s, uint64_t *out)
{
	static const char units[] = "KMG";
	uint64_t v = 0, base = 10;
	const char *p = s, *unit;
	int digits = 0, shift = 0;

	if (*p == '-') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
		return digits ? -ERANGE : -EINVAL;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++) {
		unsigned dv;

		if (*p >= '0' && *p <= '9')
			dv = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			dv = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			dv = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - dv) / base)
			return -ERANGE;
		v = v * base + dv;
		digits++;
	}
	if (!digits)
		return -EINVAL;
	unit = *p ? strchr(units, *p & ~0x20) : NULL; /* K, k: KiB... */
	if (unit) {
		shift = 10 * (int)(unit - units + 1);
		p++;
	}
	if (*p != '\0')
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

/* parse_bool -- (internal) true/false, yes/no, on/off (any case) */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	for (int i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* fnv1a -- (internal) 64-bit FNV-1a: the scenario's content hash */
static uint64_t fnv1a(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* vfail -- (internal) record an error, at pos; returns -1.  The first
 * goes in err->pos and err->msg; later ones, up to SCEN_MAX_ERRORS in
 * all, in err->more (lint prints them), unless one was already recorded
 * at the same position (a caller's complaint about what its callee
 * already reported). */
static int vfail(struct scen_error *err, int line, int col, const char *fmt,
		 va_list ap)
{
	struct scen_more *m;

	if (err->msg[0] == '\0') {
		err->pos.line = line;
		err->pos.col = col;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		err->count = 1;
		return -1;
	}
	if (err->count >= SCEN_MAX_ERRORS ||
	    (err->pos.line == line && err->pos.col == col))
		return -1;
	for (int i = 0; i < err->count - 1; i++)
		if (err->more[i].pos.line == line &&
		    err->more[i].pos.col == col)
			return -1;
	m = &err->more[err->count - 1];
	m->pos.line = line;
	m->pos.col = col;
	vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
	err->count++;
	return -1;
}

/* scen_fail_pos -- an error at a 1-based position; returns -1 */
int scen_fail_pos(struct scen_error *err, struct scen_pos pos, const char *fmt,
		  ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, pos.line, pos.col, fmt, ap);
	va_end(ap);
	return -1;
}

/* scen_fail -- an error at a node (libyaml marks are 0-based); returns -1 */
int scen_fail(struct scen_error *err, const yaml_node_t *n, const char *fmt,
	      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1,
	      fmt, ap);
	va_end(ap);
	return -1;
}

/* scen_pos_of -- a node's position, 1-based */
struct scen_pos scen_pos_of(const yaml_node_t *n)
{
	return (struct scen_pos){ (int)n->start_mark.line + 1,
				  (int)n->start_mark.column + 1 };
}

/* node -- (internal) a node of the document by index (never NULL for the
 * indexes libyaml stores in sequences and mappings) */
static yaml_node_t *node(yaml_document_t *doc, yaml_node_item_t i)
{
	return yaml_document_get_node(doc, i);
}

/* show -- (internal) a user string fit for a message: at most 40
 * characters, control characters replaced by '?' */
static const char *show(const char *v, char *buf, size_t size)
{
	size_t i;

	for (i = 0; v[i] && i + 4 < size && i < 40; i++)
		buf[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' :
								      v[i];
	if (v[i])
		memcpy(buf + i, "...", 3), i += 3;
	buf[i] = '\0';
	return buf;
}

/* scen_got -- what a node is, for "expected X, got Y" */
const char *scen_got(const yaml_node_t *n, char *buf, size_t size)
{
	char tmp[48];

	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a sequence";
	if (n->data.scalar.length == 0 &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return "nothing";
	snprintf(buf, size, "'%s'",
		 show((const char *)n->data.scalar.value, tmp, sizeof(tmp)));
	return buf;
}

/* scen_scalar -- a scalar's text, or NULL (error: expected 'what') */
const char *scen_scalar(struct scen_error *err, const yaml_node_t *n,
			const char *what)
{
	char g[64];
	const char *v;

	if (n->type != YAML_SCALAR_NODE) {
		scen_fail(err, n, "expected %s, got %s", what,
			  scen_got(n, g, sizeof(g)));
		return NULL;
	}
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length) {
		scen_fail(err, n, "unexpected NUL character in a string");
		return NULL;
	}
	return v;
}

/* scen_get_u64 -- a non-negative integer (SPEC: 4096, 0x1000, 4K) */
int scen_get_u64(struct scen_error *err, const yaml_node_t *n, uint64_t *out)
{
	char g[64];
	const char *v = scen_scalar(err, n, "an integer");
	int r;

	if (!v)
		return -1;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return scen_fail(err, n,
				 "expected an integer, got the string %s",
				 scen_got(n, g, sizeof(g)));
	r = parse_u64(v, out);
	if (r == -ERANGE && v[0] == '-')
		return scen_fail(err, n,
				 "expected a non-negative integer, got %s",
				 scen_got(n, g, sizeof(g)));
	if (r == -ERANGE)
		return scen_fail(err, n, "integer %s is too large",
				 scen_got(n, g, sizeof(g)));
	if (r < 0)
		return scen_fail(err, n, "expected an integer, got %s",
				 scen_got(n, g, sizeof(g)));
	return 0;
}

/* scen_get_range -- an integer in [lo, hi], named 'what' in errors */
int scen_get_range(struct scen_error *err, const yaml_node_t *n,
		   const char *what, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (scen_get_u64(err, n, out) < 0)
		return -1;
	if (*out < lo || *out > hi)
		return scen_fail(err, n,
				 "%s must be between %" PRIu64 " and %" PRIu64
				 ", got %" PRIu64,
				 what, lo, hi, *out);
	return 0;
}

/* scen_get_bool -- true/false (also yes/no, on/off) */
int scen_get_bool(struct scen_error *err, const yaml_node_t *n, bool *out)
{
	char g[64];
	const char *v = scen_scalar(err, n, "true or false");

	if (!v)
		return -1;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    parse_bool(v, out) < 0)
		return scen_fail(err, n, "expected true or false, got %s",
				 scen_got(n, g, sizeof(g)));
	return 0;
}

/*
 * scen_get_name -- a name into buf[SCEN_NAME_MAX]: lowercase
 * letters, digits and '-' (and '_' when underscore is set).
 */
int scen_get_name(struct scen_error *err, const yaml_node_t *n,
		  const char *what, bool underscore, char *buf)
{
	char g[64];
	const char *v = scen_scalar(err, n, "a name");

	if (!v)
		return -1;
	if (!*v)
		return scen_fail(err, n, "expected a %s name, got nothing",
				 what);
	if (strlen(v) >= SCEN_NAME_MAX)
		return scen_fail(
			err, n,
			"%s name %s is too long (at most %d characters)", what,
			scen_got(n, g, sizeof(g)), SCEN_NAME_MAX - 1);
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || (underscore && *p == '_')))
			return scen_fail(err, n,
					 "invalid %s name %s: use lowercase "
					 "letters, digits%s and '-'",
					 what, scen_got(n, g, sizeof(g)),
					 underscore ? ", '_'" : "");
	strcpy(buf, v);
	return 0;
}

/* append -- (internal) add ", word" to the list in buf, "..." once full */
static void append(char *buf, size_t size, const char *word)
{
	size_t used = strlen(buf);

	if (used >= 3 && strcmp(buf + used - 3, "...") == 0)
		return;
	if (used + strlen(word) + 2 + 4 >= size) {
		snprintf(buf + used, size - used, "%s...", used ? ", " : "");
		return;
	}
	snprintf(buf + used, size - used, "%s%s", used ? ", " : "", word);
}

/* scen_join -- "a, b, c" from n names, stride bytes apart */
const char *scen_join(const char *base, size_t stride, int n, char *buf,
		      size_t size)
{
	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		append(buf, size, base + (size_t)i * stride);
	return buf;
}

/* scen_join_ptrs -- "a, b, c" from an array of n names (NULLs skipped) */
const char *scen_join_ptrs(const char *const *names, int n, char *buf,
			   size_t size)
{
	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		if (names[i])
			append(buf, size, names[i]);
	return buf;
}

/* scen_find -- index of name among n names stride bytes apart, or -1 */
int scen_find(const char *name, const char *base, size_t stride, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(name, base + (size_t)i * stride) == 0)
			return i;
	return -1;
}

/*
 * scen_lookup -- a name of a fixed vocabulary (operations, violation
 * kinds, errno names...); on failure, "unknown KIND 'x' (did you mean 'y'?)"
 */
int scen_lookup(struct scen_error *err, const yaml_node_t *n, const char *kind,
		const char *const *names, int count, const char *extra)
{
	char g[64], list[256];
	const char *v = scen_scalar(err, n, "a name");
	int i;

	if (!v)
		return -1;
	for (i = 0; i < count; i++)
		if (names[i] && strcmp(v, names[i]) == 0)
			return i;
	i = scen_nearest(v, names, count);
	if (i >= 0)
		return scen_fail(err, n, "unknown %s %s (did you mean '%s'?)",
				 kind, scen_got(n, g, sizeof(g)), names[i]);
	if (extra)
		return scen_fail(err, n, "unknown %s %s (%s)", kind,
				 scen_got(n, g, sizeof(g)), extra);
	return scen_fail(err, n, "unknown %s %s (expected one of: %s)", kind,
			 scen_got(n, g, sizeof(g)),
			 scen_join_ptrs(names, count, list, sizeof(list)));
}

/*
 * scen_fields -- check that n is a mapping whose keys are among the
 * 'allowed' bits of keys[], each at most once, and put the value of each
 * key in vals[] (NULL when absent).  'what' names the mapping in messages
 * ("storage"), NULL at the top level.
 */
int scen_fields(struct scen_error *err, yaml_document_t *doc,
		const yaml_node_t *n, const char *what, const char *const *keys,
		int nkeys, unsigned allowed, yaml_node_t **vals)
{
	const char *cands[32];
	char g[64], list[256];
	const char *in = what ? " in " : "", *w = what ? what : "";

	if (nkeys > ARRAY_LEN(cands))
		return scen_fail(err, n, "internal error: too many keys");
	if (n->type != YAML_MAPPING_NODE)
		return scen_fail(err, n, "expected a mapping%s%s, got %s",
				 what ? " for " : "", w,
				 scen_got(n, g, sizeof(g)));
	for (int i = 0; i < nkeys; i++) {
		vals[i] = NULL;
		cands[i] = allowed & (1u << i) ? keys[i] : NULL;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(doc, p->key);
		const char *v = scen_scalar(err, k, "a key");
		int i, near;

		if (!v)
			return -1;
		if (!*v)
			return scen_fail(err, k, "empty key%s%s", in, w);
		for (i = 0; i < nkeys; i++)
			if (cands[i] && strcmp(v, cands[i]) == 0)
				break;
		if (i == nkeys) {
			near = scen_nearest(v, cands, nkeys);
			if (near >= 0)
				return scen_fail(err, k,
						 "unknown key %s%s%s (did you "
						 "mean '%s'?)",
						 scen_got(k, g, sizeof(g)), in,
						 w, cands[near]);
			return scen_fail(
				err, k,
				"unknown key %s%s%s (expected one of: %s)",
				scen_got(k, g, sizeof(g)), in, w,
				scen_join_ptrs(cands, nkeys, list,
					       sizeof(list)));
		}
		if (vals[i])
			return scen_fail(err, k, "duplicate key '%s'%s%s",
					 keys[i], in, w);
		vals[i] = node(doc, p->value);
	}
	return 0;
}

/* scen_missing -- "missing required key" at the mapping */
int scen_missing(struct scen_error *err, const yaml_node_t *map,
		 const char *key, const char *what)
{
	return scen_fail(err, map, "missing required key '%s'%s%s", key,
			 what ? " in " : "", what ? what : "");
}

/* scen_seq -- n must be a sequence of at most max items */
int scen_seq(struct scen_error *err, yaml_document_t *doc, const yaml_node_t *n,
	     const char *what, int max)
{
	char g[64];
	long count;

	if (n->type != YAML_SEQUENCE_NODE)
		return scen_fail(err, n, "expected a sequence for %s, got %s",
				 what, scen_got(n, g, sizeof(g)));
	count = n->data.sequence.items.top - n->data.sequence.items.start;
	if (count > max)
		return scen_fail(err,
				 node(doc, n->data.sequence.items.start[max]),
				 "too many %s (at most %d)", what, max);
	return (int)count;
}

/* read_file -- (internal) the whole file, at most SCEN_FILE_MAX bytes */
static int read_file(struct scen_error *err, const char *path, char **buf,
		     size_t *len)
{
	struct scen_pos none = { 0, 0 };
	FILE *f = fopen(path, "rb");
	int e;

	if (!f)
		return scen_fail_pos(err, none, "cannot open: %s",
				     strerror(errno));
	*buf = malloc(SCEN_FILE_MAX + 1);
	if (!*buf) {
		fclose(f);
		return scen_fail_pos(err, none, "out of memory");
	}
	*len = fread(*buf, 1, SCEN_FILE_MAX + 1, f);
	e = ferror(f) ? errno : 0;
	fclose(f);
	if (e)
		return scen_fail_pos(err, none, "cannot read: %s", strerror(e));
	if (*len > SCEN_FILE_MAX)
		return scen_fail_pos(err, none,
				     "file is too large (over %d bytes)",
				     SCEN_FILE_MAX);
	return 0;
}

/* syntax_error -- (internal) libyaml's complaint, at its position */
static int syntax_error(struct scen_error *err, const yaml_parser_t *p,
			const char *buf, size_t len)
{
	struct scen_pos pos = { (int)p->problem_mark.line + 1,
				(int)p->problem_mark.column + 1 };
	const char *problem = p->problem ? p->problem : "invalid YAML";

	if (p->error == YAML_MEMORY_ERROR)
		return scen_fail_pos(err, pos, "out of memory");
	if (p->error == YAML_READER_ERROR) {
		/* the reader gives a byte offset, not a mark */
		pos = (struct scen_pos){ 1, 1 };
		for (size_t i = 0; i < p->problem_offset && i < len; i++) {
			if (buf[i] == '\n')
				pos.line++, pos.col = 1;
			else
				pos.col++;
		}
	}
	if (p->context)
		return scen_fail_pos(err, pos,
				     "YAML syntax error: %s (%s at line %d)",
				     problem, p->context,
				     (int)p->context_mark.line + 1);
	return scen_fail_pos(err, pos, "YAML syntax error: %s", problem);
}

/*
 * check_depth -- (internal) walk buf's events, without building anything,
 * and refuse the first collection opened past SCEN_MAX_DEPTH.  libyaml's
 * scanner and composer cost grows with the nesting (100,000 nested `[`
 * took 23 s), and no scenario nests deeper than seven levels, so the
 * loader stops at the first event past the limit, before the document is
 * built.  A syntax error is left for load_doc to report as it always has.
 */
static int check_depth(struct scen_error *err, const char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, rc = 0;
	bool done = false;

	if (!yaml_parser_initialize(&p))
		return scen_fail_pos(err, (struct scen_pos){ 0, 0 },
				     "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && yaml_parser_parse(&p, &ev)) {
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > SCEN_MAX_DEPTH)
				rc = scen_fail_pos(
					err,
					(struct scen_pos){
						(int)ev.start_mark.line + 1,
						(int)ev.start_mark.column + 1 },
					"nested more than %d levels deep (a "
					"scenario needs at most 7)",
					SCEN_MAX_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc)
			break;
	}
	yaml_parser_delete(&p);
	return rc;
}

/* load_doc -- (internal) parse buf: exactly one YAML document, with a root */
static int load_doc(struct scen_error *err, yaml_document_t *doc,
		    const char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_document_t next;
	yaml_node_t *root;
	int rc = 0;

	if (!yaml_parser_initialize(&p))
		return scen_fail_pos(err, (struct scen_pos){ 0, 0 },
				     "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&p, doc)) {
		memset(doc, 0, sizeof(*doc));
		rc = syntax_error(err, &p, buf, len);
		goto out;
	}
	if (!yaml_document_get_root_node(doc)) {
		rc = scen_fail_pos(err, (struct scen_pos){ 1, 1 },
				   "empty scenario file (expected lockstep: 1, "
				   "name: ..., threads: ...)");
		goto out;
	}
	if (!yaml_parser_load(&p, &next)) {
		rc = syntax_error(err, &p, buf, len);
		goto out;
	}
	root = yaml_document_get_root_node(&next);
	if (root)
		rc = scen_fail(err, root,
			       "a scenario file holds one YAML document; this "
			       "is a second one");
	yaml_document_delete(&next);
out:
	yaml_parser_delete(&p);
	return rc;
}

/*
 * scen_yaml_load -- read a scenario file and parse it into *doc, which the
 * caller deletes whatever the outcome; *hash is the FNV-1a of its bytes.
 * When *text is not NULL it is the scenario's bytes (*len of them: a
 * trace's copy) and path only names it; otherwise the file is read and
 * its bytes are left in *text, *len (malloc'd, the caller frees them,
 * whatever the outcome).  Errors without a position in the file (it cannot
 * be opened or read) are reported at line 0, column 0.
 */
int scen_yaml_load(const char *path, yaml_document_t *doc, uint64_t *hash,
		   char **text, size_t *len, struct scen_error *err)
{
	int rc = 0;

	memset(doc, 0, sizeof(*doc));
	if (!*text)
		rc = read_file(err, path, text, len);
	else if (*len > SCEN_FILE_MAX)
		rc = scen_fail_pos(err, (struct scen_pos){ 0, 0 },
				   "file is too large (over %d bytes)",
				   SCEN_FILE_MAX);
	if (rc == 0) {
		*hash = fnv1a(*text, *len);
		rc = check_depth(err, *text, *len);
		if (rc == 0)
			rc = load_doc(err, doc, *text, *len);
	}
	return rc;
}
