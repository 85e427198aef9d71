/* SPDX-License-Identifier: MIT */
/*
 * report/trace.c -- trace files: everything needed to run a violating
 * execution again, exactly (SPEC.md 6).
 *
 *   lockstep-trace 1
 *   scenario: scenarios/punch-hole-vs-read.yaml
 *   scenario-hash: 9f0c...           FNV-1a of the scenario file
 *   build: 1a2b3c4                   git describe of the build
 *   fixes: none                      the fixes in force, by name
 *   strategy: pct
 *   minimized: yes                   only for lockstep minimize's
 *                                    decisions (the strategy stays, for
 *                                    the prior executions)
 *   undirected: yes                  only for an execution run without
 *                                    the scenario's interleave: (fuzz
 *                                    --undirected); replay leaves it out
 *   seed: 1
 *   depth: 3
 *   k: 120
 *   execution: 17
 *   prior-executions: 3 9            only for a lock-order cycle whose
 *                                    edges come from earlier executions
 *   violation: stale-read
 *   decisions: 12
 *   1 0 1 1 0 0 1 1 1 0 1 0
 *   scenario-text: 1234              the scenario file's bytes follow,
 *   lockstep: 1                      exactly 1234 of them (their FNV-1a is
 *   name: ...                        scenario-hash), so that the trace
 *                                    replays anywhere
 *
 * The path after scenario: is escaped: a backslash as \\, a newline as
 * \n, other control characters as \xHH; ordinary paths read as written.
 * A trace without scenario-text: (older builds) replays from the path.
 * Written atomically: a temporary file in the same directory, fsync, then
 * rename, so a reader (or a campaign killed with SIGKILL) never sees half a
 * trace.
 */
#include "report/report.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "sim/sim.h"

int report_trace_write(const char *path, const struct report_in *in)
{
	uint32_t ndec;
	const uint8_t *dec = sim_decisions(in->sim, &ndec);

	struct report_sched sched = in->sched;

	if (in->finding->nprior) {
		sched.nprior = in->finding->nprior;
		memcpy(sched.prior, in->finding->prior, sizeof(sched.prior));
	}
	return report_trace_write_raw(path, in->sc, in->fixes, &sched,
				      in->finding->kind, dec, ndec);
}

/* path_escape -- internal: a path on one line (see the top) */
static void path_escape(FILE *f, const char *p)
{
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* path_unescape -- internal: the inverse, in place; -1 when malformed */
static int path_unescape(char *p)
{
	char *o = p;

	for (; *p; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		p++;
		if (*p == '\\') {
			*o++ = '\\';
		} else if (*p == 'n') {
			*o++ = '\n';
		} else if (*p == 'x' && isxdigit((unsigned char)p[1]) &&
			   isxdigit((unsigned char)p[2])) {
			char hex[3] = { p[1], p[2], 0 };
			long c = strtol(hex, NULL, 16);

			if (!c)
				return -1;
			*o++ = (char)c;
			p += 2;
		} else {
			return -1;
		}
	}
	*o = 0;
	return 0;
}

int report_trace_write_raw(const char *path, const struct scen *sc,
			   uint32_t fixes, const struct report_sched *sched,
			   enum scen_violation kind, const uint8_t *dec,
			   uint32_t ndec)
{
	char tmp[4096], fx[256];
	FILE *f;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	fprintf(f, "lockstep-trace 1\n");
	fprintf(f, "scenario: ");
	path_escape(f, sc->path);
	fprintf(f, "\n");
	fprintf(f, "scenario-hash: %016" PRIx64 "\n", sc->hash);
	fprintf(f, "build: %s\n", report_build());
	fprintf(f, "fixes: %s\n", core_fixes_format(fixes, fx, sizeof(fx)));
	fprintf(f, "strategy: %s\n", sched->strategy);
	if (sched->minimized)
		fprintf(f, "minimized: yes\n");
	if (sched->undirected)
		fprintf(f, "undirected: yes\n");
	fprintf(f, "seed: %" PRIu64 "\n", sched->seed);
	fprintf(f, "depth: %d\n", sched->depth);
	fprintf(f, "k: %" PRIu64 "\n", sched->k);
	fprintf(f, "execution: %" PRIu64 "\n", sched->execution);
	if (sched->nprior) {
		fprintf(f, "prior-executions:");
		for (int i = 0; i < sched->nprior; i++)
			fprintf(f, " %" PRIu64, sched->prior[i]);
		fprintf(f, "\n");
	}
	fprintf(f, "violation: %s\n", scen_violation_names[kind]);
	fprintf(f, "decisions: %u\n", ndec);
	for (uint32_t i = 0; i < ndec; i++)
		fprintf(f, "%u%c", dec[i],
			(i + 1) % 32 == 0 || i + 1 == ndec ? '\n' : ' ');
	if (sc->text) {
		fprintf(f, "scenario-text: %zu\n", sc->text_len);
		fwrite(sc->text, 1, sc->text_len, f);
	}
	if (fflush(f) || fsync(fd))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int fail(char *err, size_t errlen, const char *path, int line,
		const char *msg)
{
	snprintf(err, errlen, "%s:%d: %s", path, line, msg);
	return -1;
}

/* trace_fnv -- internal: FNV-1a of the bytes, as scenario-hash is */
static uint64_t trace_fnv(const char *p, size_t n)
{
	uint64_t h = REPORT_FNV0;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* read_text -- internal: after the decisions, the optional
 * "scenario-text: N" and its N bytes, which must hash to scenario-hash. */
static int read_text(FILE *f, struct report_trace *t)
{
	char line[64];
	unsigned long long n;
	int c, end = 0;

	while ((c = fgetc(f)) == '\n' || c == ' ')
		;
	if (c == EOF)
		return 0;
	ungetc(c, f);
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, "scenario-text: %llu%n", &n, &end) != 1 ||
	    line[end] != '\n' || n > (1u << 20))
		return -1;
	t->text = malloc(n ? n : 1);
	if (!t->text || fread(t->text, 1, n, f) != n)
		return -1;
	t->text_len = n;
	if (trace_fnv(t->text, n) != t->hash)
		return -1;
	return fgetc(f) == EOF ? 0 : -1;
}

/* unsigned_val -- (internal) val as a decimal number no larger than max;
 * false for anything else (a sign, a letter, nothing, too large) */
static bool unsigned_val(const char *val, uint64_t max, uint64_t *out)
{
	char *end;

	if (*val < '0' || *val > '9')
		return false;
	errno = 0;
	*out = strtoull(val, &end, 10);
	return !*end && !errno && *out <= max;
}

/*
 * check_sched -- (internal) the schedule's fields against what a run can
 * have written, before anything acts on them: a hand-edited trace must not
 * make a replay run for ever (a dfs replay runs every execution up to the
 * last prior one) or with a strategy nobody wrote.
 */
static int check_sched(const struct report_sched *rs, int *line,
		       const int lines[2], char *msg, size_t len)
{
	/* "first": a campaign's calibration run that killed its worker
	 * (campaign/fuzz.c); "minimized": older traces of lockstep minimize */
	static const char *const strategies[] = { "pct",   "random",
						  "dfs",   "native",
						  "first", "minimized" };
	bool known = false;

	for (size_t i = 0; i < sizeof(strategies) / sizeof(*strategies); i++)
		known |= !strcmp(rs->strategy, strategies[i]);
	if (!known) {
		*line = lines[0];
		snprintf(msg, len,
			 "strategy '%s' is not one a run writes "
			 "(pct, random, dfs, native, first)",
			 rs->strategy);
		return -1;
	}
	*line = lines[1];
	if (rs->nprior && !strcmp(rs->strategy, "native")) {
		/* sim/native.c: each native execution starts afresh */
		snprintf(
			msg, len,
			"prior-executions: a native run's earlier "
			"executions cannot be run again, and none writes them");
		return -1;
	}
	for (int i = 0; i < rs->nprior; i++) {
		if (rs->prior[i] >= rs->execution ||
		    (i && rs->prior[i] <= rs->prior[i - 1])) {
			snprintf(msg, len,
				 "prior-executions must increase and "
				 "come before execution %" PRIu64,
				 rs->execution);
			return -1;
		}
	}
	if (rs->nprior && !strcmp(rs->strategy, "dfs") &&
	    rs->prior[rs->nprior - 1] >= REPORT_MAX_DFS_PRIOR) {
		snprintf(msg, len,
			 "prior-executions %" PRIu64 ": a dfs replay "
			 "runs every execution up to the last prior one, at "
			 "most %u",
			 rs->prior[rs->nprior - 1], REPORT_MAX_DFS_PRIOR);
		return -1;
	}
	return 0;
}

int report_trace_read(const char *path, struct report_trace *t, char *err,
		      size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096], msg[160];
	int lineno = 0, lines[2] = { 0, 0 }; /* strategy, prior-executions */
	bool have_dec = false;

	memset(t, 0, sizeof(*t));
	t->kind = SCEN_V__COUNT;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!fgets(line, sizeof(line), f) ||
	    strcmp(line, "lockstep-trace 1\n")) {
		fclose(f);
		return fail(err, errlen, path, 1,
			    "not a lockstep trace "
			    "(expected 'lockstep-trace 1')");
	}
	lineno = 1;
	while (!have_dec && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *val;

		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!colon) {
			fclose(f);
			return fail(err, errlen, path, lineno,
				    "expected 'key: value'");
		}
		*colon = 0;
		val = colon + 1;
		while (*val == ' ')
			val++;
		if (!strcmp(line, "scenario")) {
			if (strlen(val) >= sizeof(t->scenario) ||
			    path_unescape(val)) {
				fclose(f);
				return fail(err, errlen, path, lineno,
					    "bad scenario path");
			}
			snprintf(t->scenario, sizeof(t->scenario), "%s", val);
		} else if (!strcmp(line, "scenario-hash")) {
			t->hash = strtoull(val, NULL, 16);
		} else if (!strcmp(line, "build")) {
			snprintf(t->build, sizeof(t->build), "%s", val);
		} else if (!strcmp(line, "fixes")) {
			char *save = NULL;

			t->fixes = 0;
			for (char *tok = strtok_r(val, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				int fix = core_fix_lookup(tok);

				if (fix < 0 && strcmp(tok, "none")) {
					fclose(f);
					return fail(err, errlen, path, lineno,
						    "unknown fix");
				}
				if (fix >= 0)
					t->fixes |= FIX(fix);
			}
		} else if (!strcmp(line, "strategy")) {
			lines[0] = lineno;
			snprintf(t->sched.strategy, sizeof(t->sched.strategy),
				 "%s", val);
			/* before "minimized: yes", the strategy said so */
			if (!strcmp(val, "minimized"))
				t->sched.minimized = true;
		} else if (!strcmp(line, "minimized")) {
			t->sched.minimized = !strcmp(val, "yes");
		} else if (!strcmp(line, "undirected")) {
			/* the execution ran without the scenario's
			 * interleave: (fuzz --undirected) */
			if (strcmp(val, "yes") && strcmp(val, "no")) {
				fclose(f);
				return fail(err, errlen, path, lineno,
					    "bad undirected (yes or no)");
			}
			t->sched.undirected = !strcmp(val, "yes");
		} else if (!strcmp(line, "seed")) {
			if (!unsigned_val(val, UINT64_MAX, &t->sched.seed)) {
				fclose(f);
				return fail(err, errlen, path, lineno,
					    "bad seed (a number)");
			}
		} else if (!strcmp(line, "depth")) {
			uint64_t d;

			if (!unsigned_val(val, REPORT_MAX_DEPTH, &d)) {
				fclose(f);
				return fail(err, errlen, path, lineno,
					    "bad depth (0..16)");
			}
			t->sched.depth = (int)d;
		} else if (!strcmp(line, "k")) {
			if (!unsigned_val(val, REPORT_MAX_K, &t->sched.k)) {
				fclose(f);
				return fail(err, errlen, path, lineno,
					    "bad k (0..1048576: the steps of "
					    "one execution)");
			}
		} else if (!strcmp(line, "prior-executions")) {
			char *p = val, *end;

			lines[1] = lineno;
			t->sched.nprior = 0;
			while (*p) {
				unsigned long long x;

				errno = 0;
				x = strtoull(p, &end, 10);
				if (end == p || *p < '0' || *p > '9' || errno ||
				    t->sched.nprior == 16) {
					fclose(f);
					report_trace_free(t);
					return fail(err, errlen, path, lineno,
						    "bad prior-executions");
				}
				t->sched.prior[t->sched.nprior++] = x;
				p = end;
				while (*p == ' ')
					p++;
			}
		} else if (!strcmp(line, "execution")) {
			if (!unsigned_val(val, UINT64_MAX - 1,
					  &t->sched.execution)) {
				fclose(f);
				return fail(err, errlen, path, lineno,
					    "bad execution (a number)");
			}
		} else if (!strcmp(line, "violation")) {
			for (int k = 0; k < SCEN_V__COUNT; k++)
				if (!strcmp(val, scen_violation_names[k]))
					t->kind = (enum scen_violation)k;
			if (t->kind == SCEN_V__COUNT) {
				fclose(f);
				return fail(err, errlen, path, lineno,
					    "unknown violation kind");
			}
		} else if (!strcmp(line, "decisions")) {
			char *end;
			unsigned long n = strtoul(val, &end, 10);

			if (*end || n > (1u << 24)) {
				fclose(f);
				return fail(err, errlen, path, lineno,
					    "bad decision count");
			}
			t->ndec = (uint32_t)n;
			t->dec = malloc(n ? n : 1);
			if (!t->dec) {
				fclose(f);
				return fail(err, errlen, path, lineno,
					    "out of memory");
			}
			for (uint32_t i = 0; i < t->ndec; i++) {
				unsigned d;

				if (fscanf(f, "%u", &d) != 1 ||
				    d >= SIM_MAX_THREADS) {
					fclose(f);
					report_trace_free(t);
					return fail(
						err, errlen, path, lineno + 1,
						"truncated or bad decision list");
				}
				t->dec[i] = (uint8_t)d;
			}
			have_dec = true;
		} else {
			fclose(f);
			return fail(err, errlen, path, lineno, "unknown key");
		}
	}
	if (have_dec && read_text(f, t) < 0) {
		fclose(f);
		report_trace_free(t);
		return fail(err, errlen, path, lineno + 1,
			    "bad scenario-text (its length, or bytes that do "
			    "not match scenario-hash)");
	}
	fclose(f);
	if (!have_dec || !t->scenario[0] || t->kind == SCEN_V__COUNT) {
		report_trace_free(t);
		return fail(err, errlen, path, lineno, "incomplete trace");
	}
	if (check_sched(&t->sched, &lineno, lines, msg, sizeof(msg)) < 0) {
		report_trace_free(t);
		return fail(err, errlen, path, lineno, msg);
	}
	return 0;
}

void report_trace_free(struct report_trace *t)
{
	free(t->dec);
	t->dec = NULL;
	free(t->text);
	t->text = NULL;
}
