/* SPDX-License-Identifier: MIT */
/*
 * campaign/merge.c -- the summary of one or more campaign directories, and
 * `lockstep merge`.
 *
 * Everything comes back from disk, so that the summary of a campaign, of
 * a resumed one and of the shards of one (each its own DIR, from a CI
 * matrix or a Slurm array) is one piece of code:
 *
 *   findings   every findings/ID.meta; the same signature in several
 *              directories is one finding (the earliest)
 *   executions per slot (scenario, strategy), summed over every state
 *              file; with each, the XOR and the sum of the mixed indexes
 *              run, so shards can be checked against the unsharded
 *              campaign: disjoint shards add up to it exactly
 *   coverage   the union of the coverage.* keys, per scenario
 *   timeline   the coverage over time, per shard
 *
 * Each scenario is judged against its expect: as `lockstep run` does: a
 * finding neither expected nor tolerated fails it, and so does an expected
 * violation that no execution found.  JUnit: a testcase per scenario, a
 * failure per unexpected finding (its body the text report) and per
 * missing expected violation; the expected and tolerated findings are
 * listed in system-out (report/junit.c writes the XML).
 */
#include "campaign/fuzz.h"

#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct sscen {
	struct camp_scen cs;
	uint64_t executions;
	uint64_t slot_count[CAMP__NSTRAT], slot_xor[CAMP__NSTRAT],
		slot_sum[CAMP__NSTRAT];
	int dfs_bound;
	bool dfs_done;
	uint64_t pairs, preempt;
	uint32_t found;
};

struct sfind {
	struct camp_meta m;
	char dir[1024];
};

struct summary {
	int nscen;
	struct sscen *scen;
	int nfind;
	struct sfind *find;
	uint64_t executions;
	uint64_t pairs, preempt;
	char shards[512];
	double seconds;	     /* the shards' campaign time, added up
					 * from their timelines (JUnit) */
	const char *copy_to; /* merge --out: findings named there */
	FILE *timeline;	     /* JSON fragments, in memory */
	char *tl_buf;
	size_t tl_len;
};

/* scen_by_name -- internal: a scenario of the summary, or NULL. */
static struct sscen *scen_by_name(struct summary *s, const char *name)
{
	for (int i = 0; i < s->nscen; i++)
		if (!strcmp(s->scen[i].cs.name, name))
			return &s->scen[i];
	return NULL;
}

/* kind_of -- internal: a violation kind by name, or -1. */
static int kind_of(const char *name)
{
	for (int k = 0; k < SCEN_V__COUNT; k++)
		if (!strcmp(name, scen_violation_names[k]))
			return k;
	return -1;
}

/* ---- Reading ---------------------------------------------------------------- */

typedef void read_fn(struct summary *s, const char *dir, const char *path,
		     void *arg);

/* read_each -- internal: fn on every file of dir that pat (glob(3), in
 * its sorted order) matches.
 */
static void read_each(struct summary *s, const char *dir, const char *pat,
		      read_fn *fn, void *arg)
{
	char buf[4096];
	glob_t g;

	snprintf(buf, sizeof(buf), "%s/%s", dir, pat);
	if (glob(buf, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		fn(s, dir, g.gl_pathv[i], arg);
	globfree(&g);
}

/* read_finding -- internal: one findings/ID.meta; the same signature seen
 * again keeps the earlier of the two.
 */
static void read_finding(struct summary *s, const char *dir, const char *path,
			 void *arg)
{
	struct sfind f;
	int dup = -1;

	(void)arg;
	if (camp_meta_read(path, &f.m) < 0)
		return;
	snprintf(f.dir, sizeof(f.dir), "%s", dir);
	for (int j = 0; j < s->nfind && dup < 0; j++)
		if (s->find[j].m.signature == f.m.signature)
			dup = j;
	if (dup >= 0) {
		if (f.m.seconds < s->find[dup].m.seconds)
			s->find[dup] = f;
		return;
	}
	s->find = realloc(s->find, (size_t)(s->nfind + 1) * sizeof(*s->find));
	s->find[s->nfind++] = f;
}

/* read_state -- internal: one worker's progress file, in state/, its
 * executions added to their slots.
 */
static void read_state(struct summary *s, const char *dir, const char *path,
		       void *arg)
{
	static struct camp_slot_state st[CAMP_MAX_SCEN * CAMP__NSTRAT];
	int n;

	(void)dir;
	(void)arg;
	if (strstr(path, ".tmp."))
		return;
	n = camp_state_read(path, st, (int)(sizeof(st) / sizeof(st[0])));
	for (int j = 0; j < n; j++) {
		struct sscen *sc = scen_by_name(s, st[j].scenario);
		int k = st[j].strat;

		if (!sc)
			continue;
		sc->executions += st[j].count;
		s->executions += st[j].count;
		sc->slot_count[k] += st[j].count;
		sc->slot_xor[k] ^= st[j].ixor;
		sc->slot_sum[k] += st[j].isum;
		if (k == CAMP_DFS) {
			if (st[j].dfs_bound > sc->dfs_bound)
				sc->dfs_bound = st[j].dfs_bound;
			sc->dfs_done |= st[j].exhausted;
		}
	}
}

/* read_coverage -- internal: the coverage keys of one coverage.* file,
 * into the union (arg, a struct camp_set).
 */
static void read_coverage(struct summary *s, const char *dir, const char *path,
			  void *arg)
{
	struct camp_set *set = arg;
	char line[64];
	FILE *f;

	(void)dir;
	if (strstr(path, ".tmp."))
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		uint64_t key = strtoull(line, NULL, 16);
		uint64_t tag = key & (0x7fffull << 48);
		bool pre = key & CAMP_KEY_PREEMPT;

		if (!key || !camp_set_add(set, key))
			continue;
		*(pre ? &s->preempt : &s->pairs) += 1;
		for (int j = 0; j < s->nscen; j++)
			if (camp_scen_tag(s->scen[j].cs.name) == tag)
				*(pre ? &s->scen[j].preempt :
					&s->scen[j].pairs) += 1;
	}
	fclose(f);
}

/* dir_shown -- internal: a campaign directory as the summary names it:
 * with merge --out, by its last component only (nothing outside the
 * output directory), else as given. */
static const char *dir_shown(const struct summary *s, const char *dir,
			     char *buf, size_t len)
{
	char *b;
	size_t l;

	if (!s->copy_to)
		return dir;
	snprintf(buf, len, "%s", dir);
	l = strlen(buf);
	while (l > 1 && buf[l - 1] == '/')
		buf[--l] = 0;
	b = strrchr(buf, '/');
	return b ? b + 1 : buf;
}

/* read_timeline -- internal: coverage over time of one timeline.* file
 * (a shard), as JSON.
 */
static void read_timeline(struct summary *s, const char *dir, const char *path,
			  void *arg)
{
	FILE *f = fopen(path, "r");
	const char *shard = strrchr(path, '.') + 1;
	char line[256], name[1024];
	bool first = true;
	double last = 0;

	(void)arg;
	if (!f)
		return;
	fprintf(s->timeline,
		"%s\n    {\"dir\": ", ftell(s->timeline) > 0 ? "," : "");
	report_json_string(s->timeline, dir_shown(s, dir, name, sizeof(name)));
	fprintf(s->timeline, ", \"shard\": ");
	report_json_string(s->timeline, shard);
	fprintf(s->timeline, ", \"samples\": [");
	while (fgets(line, sizeof(line), f)) {
		double t;
		uint64_t e, p, q;
		unsigned nf;

		if (sscanf(line, "%lf %" SCNu64 " %u %" SCNu64 " %" SCNu64, &t,
			   &e, &nf, &p, &q) != 5)
			continue;
		last = t;
		fprintf(s->timeline,
			"%s{\"seconds\": %.1f, \"executions\""
			": %" PRIu64 ", \"findings\": %u, \"pairs\": %" PRIu64
			", \"preemption_pairs\": %" PRIu64 "}",
			first ? "" : ", ", t, e, nf, p, q);
		first = false;
	}
	fprintf(s->timeline, "]}");
	s->seconds += last;
	fclose(f);
}

/* ---- Judging ------------------------------------------------------------------ */

/* judge -- internal: the scenario against its expect:, as `lockstep run`
 * judges. */
static bool judge(const struct sscen *sc, char *why, size_t len)
{
	return report_verdict(sc->cs.expect, sc->cs.tolerate, sc->found,
			      sc->executions, "executions", why, len);
}

/* expected -- internal: whether the scenario expects or tolerates the
 * finding.
 */
static bool expected(const struct sscen *sc, const struct sfind *f)
{
	int k = kind_of(f->m.kind);

	return k >= 0 && ((sc->cs.expect | sc->cs.tolerate) & (1u << k));
}

/* ---- Writing -------------------------------------------------------------------- */

/* finding_file -- internal: one of the finding's files. */
static void finding_file(char *buf, size_t len, const struct sfind *f,
			 const char *ext)
{
	camp_finding_path(buf, len, f->dir, f->m.id, ext);
}

/* shown_file -- internal: a finding's file as the summary names it: with
 * merge --out, its copy, relative to that directory (findings/ID.EXT), so
 * that the results refer to nothing outside it; else where it is. */
static void shown_file(const struct summary *s, char *buf, size_t len,
		       const struct sfind *f, const char *ext)
{
	if (s->copy_to)
		camp_finding_path(buf, len, ".", f->m.id, ext);
	else
		finding_file(buf, len, f, ext);
	if (s->copy_to && !strncmp(buf, "./", 2))
		memmove(buf, buf + 2, strlen(buf + 2) + 1);
}

/* write_json -- internal: the summary as JSON. */
static void write_json(FILE *f, struct summary *s,
		       const struct camp_summary_opts *o, char **dirs, int n)
{
	fprintf(f, "{\"lockstep\": 1, \"build\": ");
	report_json_string(f, report_build());
	fprintf(f, ",\n \"campaign\": {\"dirs\": [");
	for (int i = 0; i < n; i++) {
		char name[1024];

		fprintf(f, "%s", i ? ", " : "");
		report_json_string(f,
				   dir_shown(s, dirs[i], name, sizeof(name)));
	}
	fprintf(f, "], \"shards\": ");
	report_json_string(f, s->shards);
	fprintf(f, ", \"executions\": %" PRIu64, s->executions);
	if (o->seconds > 0)
		fprintf(f,
			", \"seconds\": %.2f, \"jobs\": %d, \"run_executions\""
			": %" PRIu64 ", \"executions_per_second\": %.1f, "
			"\"worker_restarts\": %" PRIu64 ", \"interrupted\": %s",
			o->seconds, o->jobs, o->run_executions,
			(double)o->run_executions / o->seconds, o->restarts,
			o->interrupted ? "true" : "false");
	fprintf(f,
		"},\n \"coverage\": {\"pairs\": %" PRIu64 ", \"preemption_"
		"pairs\": %" PRIu64 ", \"over_time\": [",
		s->pairs, s->preempt);
	fwrite(s->tl_buf, 1, s->tl_len, f);
	fprintf(f, "]},\n \"scenarios\": [");
	for (int i = 0; i < s->nscen; i++) {
		struct sscen *sc = &s->scen[i];
		char why[256], buf[256];
		bool pass = judge(sc, why, sizeof(why)), first = true;

		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		report_json_string(f, sc->cs.name);
		fprintf(f, ", \"path\": ");
		report_json_string(f, sc->cs.path);
		fprintf(f, ", \"executions\": %" PRIu64, sc->executions);
		scen_violations_format(sc->cs.expect, buf, sizeof(buf));
		fprintf(f, ", \"expected\": ");
		report_json_string(f, buf);
		scen_violations_format(sc->found, buf, sizeof(buf));
		fprintf(f, ", \"found\": ");
		report_json_string(f, buf);
		fprintf(f, ", \"outcome\": \"%s\", \"why\": ",
			pass ? "pass" : "fail");
		report_json_string(f, why);
		fprintf(f,
			",\n   \"coverage\": {\"pairs\": %" PRIu64 ", "
			"\"preemption_pairs\": %" PRIu64 "}",
			sc->pairs, sc->preempt);
		fprintf(f, ",\n   \"slots\": [");
		for (int k = 0; k < CAMP__NSTRAT; k++) {
			if (!sc->slot_count[k])
				continue;
			fprintf(f,
				"%s{\"strategy\": \"%s\", \"executions\": %" PRIu64
				", \"index_xor\": \"%016" PRIx64 "\", "
				"\"index_sum\": \"%016" PRIx64 "\"",
				first ? "" : ", ", camp_strat_names[k],
				sc->slot_count[k], sc->slot_xor[k],
				sc->slot_sum[k]);
			if (k == CAMP_DFS)
				fprintf(f,
					", \"bound_finished\": %d, \"exhausted\""
					": %s",
					sc->dfs_bound,
					sc->dfs_done ? "true" : "false");
			fputc('}', f);
			first = false;
		}
		fprintf(f, "],\n   \"findings\": [");
		first = true;
		for (int j = 0; j < s->nfind; j++) {
			const struct sfind *fd = &s->find[j];
			char path[4096];

			if (strcmp(fd->m.scenario, sc->cs.name))
				continue;
			fprintf(f, "%s\n    {\"kind\": ", first ? "" : ",");
			report_json_string(f, fd->m.kind);
			fprintf(f,
				", \"expected\": %s, \"signature\": \"%016" PRIx64
				"\", \"what\": ",
				expected(sc, fd) ? "true" : "false",
				fd->m.signature);
			report_json_string(f, fd->m.what);
			fprintf(f, ", \"strategy\": ");
			report_json_string(f, fd->m.strategy);
			fprintf(f,
				", \"seed\": \"%" PRIu64
				"\", \"execution\": %" PRIu64 ", \"shard\": ",
				fd->m.seed, fd->m.execution);
			report_json_string(f, fd->m.shard);
			fprintf(f,
				", \"seconds\": %.3f, \"preemptions\": %d, "
				"\"min_preemptions\": %d, \"steps\": %" PRIu64
				", \"min_steps\": %" PRIu64,
				fd->m.seconds, fd->m.preemptions,
				fd->m.min_preemptions, fd->m.steps,
				fd->m.min_steps);
			shown_file(s, path, sizeof(path), fd, "trace");
			fprintf(f, ", \"trace\": ");
			report_json_string(f, path);
			shown_file(s, path, sizeof(path), fd, "txt");
			fprintf(f, ", \"report\": ");
			report_json_string(f, path);
			fprintf(f, ", \"min_trace\": ");
			if (fd->m.minimized) {
				shown_file(s, path, sizeof(path), fd,
					   "min.trace");
				report_json_string(f, path);
			} else {
				fprintf(f, "null");
			}
			fputc('}', f);
			first = false;
		}
		fprintf(f, "]}");
	}
	fprintf(f, "\n]}\n");
}

/* read_all -- internal: a file's text, malloc'd, or NULL. */
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = 0;
		}
	}
	fclose(f);
	return buf;
}

/* write_junit -- internal: a testcase per scenario (report/junit.c), a
 * failure per unexpected finding, its body the finding's text report
 * (the race diagram and the finding, minimized when it was) and how to
 * replay it, and one per expected violation not found; what was expected
 * or tolerated in system-out.  A scenario's time is the campaign's time
 * shared out by its executions: the workers run the scenarios in turn,
 * so a scenario's own time is not measured.
 */
static void write_junit(FILE *f, struct summary *s)
{
	int nf = s->nfind + SCEN_V__COUNT * s->nscen + 1;
	struct report_junit_case *c = calloc((size_t)s->nscen + 1, sizeof(*c));
	struct report_junit_failure *fail = calloc((size_t)nf, sizeof(*fail));
	char(*msg)[256] = calloc((size_t)nf, sizeof(*msg));
	char **body = calloc((size_t)nf, sizeof(*body));
	char **out = calloc((size_t)s->nscen + 1, sizeof(*out));
	int used = 0;

	if (!c || !fail || !msg || !body || !out) {
		fprintf(stderr, "lockstep: JUnit: out of memory\n");
		goto done;
	}
	for (int i = 0; i < s->nscen; i++) {
		struct sscen *sc = &s->scen[i];
		uint32_t missing = sc->cs.expect & ~sc->found;
		size_t len;
		FILE *m = open_memstream(&out[i], &len);

		c[i].classname = "lockstep.fuzz";
		c[i].name = sc->cs.name;
		c[i].seconds = s->executions ? s->seconds *
				(double)sc->executions / (double)s->executions :
					       0;
		c[i].fail = &fail[used];
		for (int j = 0; j < s->nfind; j++) {
			const struct sfind *fd = &s->find[j];
			int k = kind_of(fd->m.kind);
			char path[4096];
			FILE *b;
			size_t blen;

			if (strcmp(fd->m.scenario, sc->cs.name))
				continue;
			if (expected(sc, fd)) {
				if (m) {
					fprintf(m, "%s %s: %s\n",
						k >= 0 &&
								(sc->cs.expect &
								 (1u << k)) ?
							"expected" :
							"tolerated",
						fd->m.kind, fd->m.what);
				}
				continue;
			}
			snprintf(msg[used], sizeof(msg[used]), "%s: %s",
				 fd->m.kind, fd->m.what);
			b = open_memstream(&body[used], &blen);
			if (b) {
				char *text;

				finding_file(path, sizeof(path), fd,
					     fd->m.minimized ? "min.txt" :
							       "txt");
				text = read_all(path);
				if (text)
					fprintf(b, "%s\n", text);
				free(text);
				shown_file(s, path, sizeof(path), fd,
					   fd->m.minimized ? "min.txt" : "txt");
				fprintf(b, "report: %s\n", path);
				shown_file(s, path, sizeof(path), fd,
					   fd->m.minimized ? "min.trace" :
							     "trace");
				fprintf(b, "replay: lockstep replay %s\n",
					path);
				fclose(b);
			}
			fail[used] = (struct report_junit_failure){
				fd->m.kind, msg[used], body[used]
			};
			used++;
			c[i].nfail++;
		}
		for (int k = 0; k < SCEN_V__COUNT; k++) {
			if (!(missing & (1u << k)))
				continue;
			snprintf(msg[used], sizeof(msg[used]),
				 "expected %s, not "
				 "found in %" PRIu64 " executions",
				 scen_violation_names[k], sc->executions);
			fail[used] = (struct report_junit_failure){ "missing",
								    msg[used],
								    NULL };
			used++;
			c[i].nfail++;
		}
		if (m)
			fclose(m);
		c[i].out = out[i];
	}
	report_junit(f, "lockstep fuzz", s->seconds, c, s->nscen);
done:
	for (int i = 0; body && i < nf; i++)
		free(body[i]);
	for (int i = 0; out && i < s->nscen; i++)
		free(out[i]);
	free(out);
	free(body);
	free(msg);
	free(fail);
	free(c);
}

/* found_cell -- internal: the findings column of a scenario's row,
 * "stale-read (2), deadlock (1)" or "-" */
static const char *found_cell(const struct summary *s, const struct sscen *sc,
			      char *found, size_t size)
{
	size_t off = 0;

	found[0] = 0;
	for (int k = 0; k < SCEN_V__COUNT; k++) {
		int n = 0;

		for (int j = 0; j < s->nfind; j++)
			n += !strcmp(s->find[j].m.scenario, sc->cs.name) &&
				!strcmp(s->find[j].m.kind,
					scen_violation_names[k]);
		if (n && off < size)
			off += (size_t)snprintf(found + off, size - off,
						"%s%s (%d)", off ? ", " : "",
						scen_violation_names[k], n);
	}
	return found[0] ? found : "-";
}

/* write_text -- internal: the table and the findings, for people.  The
 * columns are as wide as their longest cell (never narrower than they
 * always were), so a long scenario name does not break them. */
static void write_text(FILE *f, struct summary *s,
		       const struct camp_summary_opts *o)
{
	int failed = 0, wn = 36, wf = 28;
	char found[256];

	for (int i = 0; i < s->nscen; i++) {
		int ln = (int)strlen(s->scen[i].cs.name),
		    lf = (int)strlen(
			    found_cell(s, &s->scen[i], found, sizeof(found)));

		wn = ln > wn ? ln : wn;
		wf = lf > wf ? lf : wf;
	}
	fprintf(f, "%-*s %12s  %-*s %s\n", wn, "scenario", "executions", wf,
		"findings", "outcome");
	for (int i = 0; i < s->nscen; i++) {
		struct sscen *sc = &s->scen[i];
		char why[256];
		bool pass = judge(sc, why, sizeof(why));

		failed += !pass;
		fprintf(f, "%-*s %12" PRIu64 "  %-*s %s\n", wn, sc->cs.name,
			sc->executions, wf,
			found_cell(s, sc, found, sizeof(found)),
			pass ? "pass" : "FAIL");
		if (!pass)
			fprintf(f, "%-*s   %s\n", wn, "", why);
	}
	fprintf(f,
		"\ncoverage: %" PRIu64 " lock/point pairs met across threads, "
		"%" PRIu64 " preemption pairs\n",
		s->pairs, s->preempt);
	if (o->seconds > 0)
		fprintf(f,
			"executions: %" PRIu64 " in %.1f s with %d jobs: %.0f "
			"per second%s\n",
			o->run_executions, o->seconds, o->jobs,
			(double)o->run_executions / o->seconds,
			o->interrupted ? " (interrupted)" : "");
	if (o->restarts)
		fprintf(f, "workers replaced after a crash: %" PRIu64 "\n",
			o->restarts);
	if (s->nfind)
		fprintf(f, "\nfindings (the minimized report first):\n");
	for (int j = 0; j < s->nfind; j++) {
		const struct sfind *fd = &s->find[j];
		char path[4096];

		shown_file(s, path, sizeof(path), fd,
			   fd->m.minimized ? "min.txt" : "txt");
		fprintf(f, "  %-11s %s: %s\n", fd->m.kind, fd->m.scenario,
			fd->m.what);
		fprintf(f, "              %s #%" PRIu64 " after %.1f s",
			fd->m.strategy, fd->m.execution, fd->m.seconds);
		if (fd->m.minimized && fd->m.preemptions >= 0)
			fprintf(f, ", %d -> %d preemptions", fd->m.preemptions,
				fd->m.min_preemptions);
		if (fd->m.minimized)
			fprintf(f, ", %" PRIu64 " -> %" PRIu64 " steps",
				fd->m.steps, fd->m.min_steps);
		fprintf(f, "\n              %s\n", path);
	}
	fprintf(f, "\n%d passed, %d failed\n", s->nscen - failed, failed);
}

/* ---- The summary ------------------------------------------------------------------ */

/* copy_file -- internal: merge --out: a finding's file, atomically; a
 * file that is not there is no error (not every finding has every
 * file), one that cannot be written is (a message, and -1). */
static int copy_file(const char *from, const char *to)
{
	FILE *f = fopen(from, "rb");
	char *buf;
	long n;
	int err = 0;

	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		err = -EIO;
	else
		err = camp_write_atomic(to, buf, (size_t)n);
	free(buf);
	fclose(f);
	if (err)
		fprintf(stderr, "lockstep: %s: %s\n", to, strerror(-err));
	return err ? -1 : 0;
}

/* write_to -- internal: one of the summary files, atomically. */
static int write_to(const char *path, struct summary *s,
		    const struct camp_summary_opts *o, char **dirs, int n,
		    int what)
{
	struct camp_mem m;
	int err;

	if (camp_mem_open(&m) < 0)
		return -ENOMEM;
	if (what == 0)
		write_json(m.f, s, o, dirs, n);
	else if (what == 1)
		write_junit(m.f, s);
	else
		write_text(m.f, s, o);
	err = camp_mem_commit(&m, path);
	if (err)
		fprintf(stderr, "lockstep: %s: %s\n", path, strerror(-err));
	return err;
}

#define CAMP_MAX_SHARDS 4096

/* same_scenarios -- internal: two campaigns over the same scenarios
 * (names and content hashes, in order). */
static bool same_scenarios(const struct camp_conf *a, const struct camp_conf *b)
{
	if (a->nscen != b->nscen)
		return false;
	for (int i = 0; i < a->nscen; i++)
		if (strcmp(a->scen[i].name, b->scen[i].name) ||
		    a->scen[i].hash != b->scen[i].hash)
			return false;
	return true;
}

/*
 * check_shards -- internal: merge joins the shards of one campaign: the
 * same seed and scenarios, the same N, each K of 1..N exactly once.
 * Anything else is refused (exit 2, saying why) unless --partial.
 */
static int check_shards(char **dirs, int ndirs)
{
	static struct camp_conf first, c;
	int seen[CAMP_MAX_SHARDS + 1];
	char err[512];
	int missing = 0;

	for (int d = 0; d < ndirs; d++) {
		if (camp_conf_read(dirs[d], d ? &c : &first, err, sizeof(err)) <
		    0)
			return 2;
		if (!d) {
			if (first.shard_n > CAMP_MAX_SHARDS) {
				fprintf(stderr,
					"lockstep merge: %s: more than "
					"%d shards\n",
					dirs[0], CAMP_MAX_SHARDS);
				return 2;
			}
			for (int k = 0; k <= first.shard_n; k++)
				seen[k] = -1;
			seen[first.shard_k] = 0;
			continue;
		}
		if (c.seed != first.seed) {
			fprintf(stderr,
				"lockstep merge: %s has seed %" PRIu64
				", %s seed %" PRIu64 ": shards of different "
				"campaigns (--partial to merge anyway)\n",
				dirs[0], first.seed, dirs[d], c.seed);
			return 2;
		}
		if (!same_scenarios(&first, &c)) {
			fprintf(stderr,
				"lockstep merge: %s and %s ran different "
				"scenarios (or different versions of them): "
				"shards of different campaigns (--partial to "
				"merge anyway)\n",
				dirs[0], dirs[d]);
			return 2;
		}
		if (c.shard_n != first.shard_n) {
			fprintf(stderr,
				"lockstep merge: %s is shard %d/%d, %s "
				"shard %d/%d: not one split (--partial to merge "
				"anyway)\n",
				dirs[0], first.shard_k, first.shard_n, dirs[d],
				c.shard_k, c.shard_n);
			return 2;
		}
		if (seen[c.shard_k] >= 0) {
			fprintf(stderr,
				"lockstep merge: shard %d/%d given twice "
				"(%s and %s): its executions would count twice "
				"(--partial to merge anyway)\n",
				c.shard_k, c.shard_n, dirs[seen[c.shard_k]],
				dirs[d]);
			return 2;
		}
		seen[c.shard_k] = d;
	}
	for (int k = 1; k <= first.shard_n; k++)
		missing += seen[k] < 0;
	if (missing) {
		char list[256];
		size_t off = 0;

		list[0] = 0;
		for (int k = 1; k <= first.shard_n && off < sizeof(list); k++)
			if (seen[k] < 0)
				off += (size_t)snprintf(list + off,
							sizeof(list) - off,
							"%s%d", off ? ", " : "",
							k);
		fprintf(stderr,
			"lockstep merge: incomplete: %d of %d shards "
			"given, shard%s %s/%d missing (--partial to merge "
			"anyway)\n",
			first.shard_n - missing, first.shard_n,
			missing == 1 ? "" : "s", list, first.shard_n);
		return 2;
	}
	return 0;
}

/* camp_summary -- read, join, judge and write (campaign.h). */
int camp_summary(char **dirs, int ndirs, const struct camp_summary_opts *o)
{
	struct summary s = { 0 };
	struct camp_set *set = calloc(1, camp_set_size(1u << 20));
	int code = 0;
	size_t off = 0;

	if (!set)
		return 3;
	camp_set_init(set, 1u << 20);
	s.copy_to = o->copy_to;
	s.timeline = open_memstream(&s.tl_buf, &s.tl_len);
	for (int d = 0; d < ndirs; d++) {
		static struct camp_conf c;
		char err[512];

		if (camp_conf_read(dirs[d], &c, err, sizeof(err)) < 0) {
			fprintf(stderr, "lockstep: %s\n", err);
			code = 2;
			continue;
		}
		off += (size_t)snprintf(
			s.shards + off,
			off < sizeof(s.shards) ? sizeof(s.shards) - off : 0,
			"%s%d/%d", off ? " " : "", c.shard_k, c.shard_n);
		for (int i = 0; i < c.nscen; i++) {
			if (scen_by_name(&s, c.scen[i].name))
				continue;
			s.scen = realloc(s.scen,
					 (size_t)(s.nscen + 1) *
						 sizeof(*s.scen));
			memset(&s.scen[s.nscen], 0, sizeof(s.scen[0]));
			s.scen[s.nscen].cs = c.scen[i];
			s.scen[s.nscen].dfs_bound = -1;
			s.nscen++;
		}
	}
	if (code == 0 && o->check_shards && !o->partial)
		code = check_shards(dirs, ndirs);
	for (int d = 0; d < ndirs && code == 0; d++) {
		read_each(&s, dirs[d], "findings/*.meta", read_finding, NULL);
		read_each(&s, dirs[d], "state/*", read_state, NULL);
		read_each(&s, dirs[d], "coverage.*", read_coverage, set);
		read_each(&s, dirs[d], "timeline.*", read_timeline, NULL);
	}
	fclose(s.timeline);
	if (code == 0) {
		for (int j = 0; j < s.nfind; j++) {
			struct sscen *sc =
				scen_by_name(&s, s.find[j].m.scenario);
			int k = kind_of(s.find[j].m.kind);

			if (sc && k >= 0)
				sc->found |= 1u << k;
		}
		for (int i = 0; i < s.nscen; i++) {
			char why[256];

			if (!judge(&s.scen[i], why, sizeof(why)))
				code = 1;
		}
		if (!o->quiet)
			write_text(stdout, &s, o);
		if (o->text && write_to(o->text, &s, o, dirs, ndirs, 2))
			code = 3;
		if (o->json && write_to(o->json, &s, o, dirs, ndirs, 0))
			code = 3;
		if (o->junit && write_to(o->junit, &s, o, dirs, ndirs, 1))
			code = 3;
	}
	if (code != 2 && o->copy_to) {
		char dir[4096], from[4096], to[4096];
		static const char *const ext[] = {
			"trace",    "txt",	 "json",    "perfetto.json",
			"html",	    "min.trace", "min.txt", "min.perfetto.json",
			"min.html", "meta"
		};

		snprintf(dir, sizeof(dir), "%s/findings", o->copy_to);
		if (camp_mkdirs(dir) < 0) {
			fprintf(stderr, "lockstep: %s: %s\n", dir,
				strerror(errno));
			code = 3;
		}
		for (int j = 0; j < s.nfind; j++)
			for (size_t e = 0; e < sizeof(ext) / sizeof(ext[0]);
			     e++) {
				finding_file(from, sizeof(from), &s.find[j],
					     ext[e]);
				camp_finding_path(to, sizeof(to), o->copy_to,
						  s.find[j].m.id, ext[e]);
				if (copy_file(from, to) < 0)
					code = 3;
			}
	}
	free(s.scen);
	free(s.find);
	free(s.tl_buf);
	free(set);
	return code;
}

/* ---- lockstep merge ---------------------------------------------------------------- */

static const char merge_usage[] =
	"usage: lockstep merge [OPTIONS] DIR...\n"
	"\n"
	"Join the results of campaigns (the shards of one, --shard K/N, each its\n"
	"own --out DIR): findings deduplicated by signature, executions and\n"
	"coverage added up, each scenario judged against its expect:.\n"
	"\n"
	"options:\n"
	"  --out DIR       copy the findings there and write the summary files\n"
	"                  (results.json, junit.xml, summary.txt), which name\n"
	"                  the copies, relative to DIR: nothing outside it\n"
	"  --partial       merge what is given: shards missing, given twice, or\n"
	"                  of different seeds or scenarios (refused otherwise)\n"
	"  --json FILE     the summary as JSON (default DIR/results.json with --out)\n"
	"  --junit FILE    JUnit XML (default DIR/junit.xml with --out)\n"
	"  -q, --quiet     no table on stdout\n"
	"  -h, --help      this text\n"
	"\n"
	"exit: 0 every scenario as expected, 1 not, 2 bad input, 3 internal error\n";

/* merge_main -- `lockstep merge DIR...`. */
int merge_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "junit", required_argument, NULL, 'u' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "partial", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct camp_summary_opts o = { .check_shards = true };
	char json[4096], junit[4096], text[4096];
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.copy_to = optarg;
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'u':
			o.junit = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'p':
			o.partial = true;
			break;
		case 'h':
			fputs(merge_usage, stdout);
			return 0;
		default:
			fprintf(stderr,
				"lockstep merge: unknown option '%s' "
				"(lockstep merge --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr,
			"lockstep merge: no campaign directory given\n");
		return 2;
	}
	if (o.copy_to) {
		int err = camp_mkdirs(o.copy_to);
		struct stat st;

		if (!err && (stat(o.copy_to, &st) || !S_ISDIR(st.st_mode)))
			err = -ENOTDIR;
		if (err) {
			fprintf(stderr, "lockstep merge: --out %s: %s\n",
				o.copy_to, strerror(-err));
			return 2;
		}
		snprintf(json, sizeof(json), "%s/results.json", o.copy_to);
		snprintf(junit, sizeof(junit), "%s/junit.xml", o.copy_to);
		snprintf(text, sizeof(text), "%s/summary.txt", o.copy_to);
		if (!o.json)
			o.json = json;
		if (!o.junit)
			o.junit = junit;
		o.text = text;
	}
	return camp_summary(argv + optind, argc - optind, &o);
}
