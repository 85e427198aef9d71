// SPDX-License-Identifier: MIT
/*
 * oracle/oracle.c -- the data oracles of a scenario's executions: the
 * files' histories over each execution, and the verdict on a read, with
 * the words that could not be named in the scenario's terms (oracle.h).
 */
#include "oracle/oracle.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/sim.h"

struct oracle {
	const struct scen *sc;
	uint32_t op_base[SCEN_MAX_THREADS]; /* op id of each thread's op 0 */
	struct hist hist[SCEN_MAX_FILES];
};

struct oracle *oracle_new(const struct scen *sc)
{
	struct oracle *o = calloc(1, sizeof(*o));
	uint32_t id = 1;

	if (!o)
		return NULL;
	o->sc = sc;
	for (int t = 0; t < sc->nthreads; t++) {
		o->op_base[t] = id;
		id += (uint32_t)sc->threads[t].nops;
	}
	return o;
}

void oracle_free(struct oracle *o)
{
	if (!o)
		return;
	for (int f = 0; f < SCEN_MAX_FILES; f++)
		hist_free(&o->hist[f]);
	free(o);
}

void oracle_reset(struct oracle *o)
{
	for (int f = 0; f < o->sc->nfiles; f++) {
		hist_free(&o->hist[f]);
		hist_init(&o->hist[f], (unsigned)f, o->sc->files[f].size);
	}
}

uint32_t oracle_op_id(const struct oracle *o, int tid, int op)
{
	return o->op_base[tid] + (uint32_t)op;
}

void oracle_touch(int file, bool write)
{
	sim_touch("hist", NULL, file < 0 ? SIM_TOUCH_ALL : (uint32_t)file,
		  write);
}

uint32_t oracle_begin(struct oracle *o, int file, uint32_t id,
		      enum hist_kind kind, uint64_t lo, uint64_t hi,
		      uint32_t rs)
{
	return hist_begin(&o->hist[file], id, kind, lo, hi, rs);
}

uint32_t oracle_copy(struct oracle *o, int file, uint32_t id, uint64_t lo,
		     uint64_t hi, const void *data, uint32_t rs)
{
	return hist_copy(&o->hist[file], id, lo, hi, data, rs, HIST_OPEN);
}

void oracle_trim(struct oracle *o, int file, uint32_t slot, uint64_t hi)
{
	hist_trim(&o->hist[file], slot, hi);
}

void oracle_end(struct oracle *o, int file, uint32_t slot)
{
	oracle_touch(file, true);
	hist_end(&o->hist[file], slot, sim_now());
}

/* op_by_id -- internal: the thread and op an op id names; false for 0. */
static bool op_by_id(const struct oracle *o, uint32_t id, int *tid, int *op)
{
	for (int t = 0; t < o->sc->nthreads; t++) {
		if (id >= o->op_base[t] &&
		    id < o->op_base[t] + (uint32_t)o->sc->threads[t].nops) {
			*tid = t;
			*op = (int)(id - o->op_base[t]);
			return true;
		}
	}
	return false;
}

/* describe_word -- internal: where a word came from, for a person. */
static void describe_word(const struct oracle *o, uint64_t w, char *buf,
			  size_t len)
{
	const struct scen *sc = o->sc;
	unsigned file = stamp_file(w);
	char op[128]; /* "read(a, 0, 8) by reader" */
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
	} else if (op_by_id(o, stamp_op(w), &tid, &opi)) {
		scen_op_by(sc, tid, opi, op, sizeof(op));
	} else {
		snprintf(op, sizeof(op), "operation #%u", stamp_op(w));
	}
	snprintf(buf, len, "file %s offset %llu, from %s", sc->files[file].name,
		 (unsigned long long)stamp_word(w) * 8, op);
}

bool oracle_check_read(const struct oracle *o, int file, const void *buf,
		       uint64_t pos, uint64_t n, uint32_t rs, uint32_t re,
		       const char *when, char *detail, size_t len)
{
	struct stamp_bad bad;
	char got[192], want[192];

	oracle_touch(file, false); /* re */
	if (hist_check(&o->hist[file], buf, pos, n, rs, re, &bad))
		return true;
	describe_word(o, bad.got, got, sizeof(got));
	if (bad.want_zero && bad.want_op) {
		int t, op;

		if (op_by_id(o, bad.want_op, &t, &op)) {
			char by[sizeof(want)];

			snprintf(want, sizeof(want), "zeros, from %s",
				 scen_op_by(o->sc, t, op, by, sizeof(by)));
		} else {
			snprintf(want, sizeof(want), "zeros");
		}
	} else if (bad.want_zero) {
		snprintf(want, sizeof(want), "zeros (a hole)");
	} else {
		describe_word(o, bad.want, want, sizeof(want));
	}
	snprintf(detail, len,
		 "at offset %llu of %s, a word the file did not hold %s:\n"
		 "    got      %s\n"
		 "    expected %s",
		 (unsigned long long)(bad.offset & ~7ull),
		 o->sc->files[file].name, when, got, want);
	return false;
}
