/* SPDX-License-Identifier: MIT */
/*
 * campaign/campaign.c -- the pieces the campaign commands share: signatures,
 * atomic files, the campaign's configuration, finding metadata, worker
 * state, the shared coverage set and the coverage keys of an execution.
 *
 * File formats are line-oriented "key: value" text, like traces, so that a
 * person can read them and a killed campaign leaves nothing half parsed:
 * each file is replaced whole by camp_write_atomic().
 */
#include "campaign/campaign.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ck_pr.h>

#include "sim/sim.h"

const char *const camp_strat_names[CAMP__NSTRAT] = {
	"pct-1", "pct-2", "pct-3", "random", "dfs",
};

/* ---- Hashing ---------------------------------------------------------------- */

/* camp_mix -- a good 64-bit mix (report_mix, splitmix64's finaliser). */
uint64_t camp_mix(uint64_t x)
{
	return report_mix(x);
}

bool camp_slot_undirected(const struct camp_conf *c, const struct scen *sc,
			  int strat)
{
	return c->undirected ||
		(strat == CAMP_RANDOM && sc->nsteps && !sc->expect);
}

/* camp_slot_seed -- the seed of one slot of the portfolio. */
uint64_t camp_slot_seed(uint64_t seed, const char *scen, int strat)
{
	return camp_mix(seed ^
			camp_mix(report_fnv(REPORT_FNV0, scen, false) +
				 (uint64_t)strat));
}

/* camp_strats_parse -- --strategies LIST to a mask. */
int camp_strats_parse(const char *list, uint32_t *mask, char *err,
		      size_t errlen)
{
	char buf[256], *save = NULL;

	*mask = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		int k;

		if (!strcmp(t, "all")) {
			*mask |= (1u << CAMP__NSTRAT) - 1;
			continue;
		}
		if (!strcmp(t, "pct")) {
			*mask |= 7u;
			continue;
		}
		for (k = 0; k < CAMP__NSTRAT; k++)
			if (!strcmp(t, camp_strat_names[k]))
				break;
		if (k == CAMP__NSTRAT) {
			snprintf(err, errlen,
				 "--strategies: unknown strategy "
				 "'%s' (pct-1, pct-2, pct-3, pct, random, dfs, "
				 "all)",
				 t);
			return -1;
		}
		*mask |= 1u << k;
	}
	if (!*mask) {
		snprintf(err, errlen, "--strategies: empty list");
		return -1;
	}
	return 0;
}

/* ---- Files ----------------------------------------------------------------------- */

int camp_write_atomic(const char *path, const void *buf, size_t len)
{
	return report_write_atomic(path, buf, len);
}

/* camp_write_report -- a finding's text report to txt and, when json is
 * not NULL, its JSON (naming trace) to json, each atomically.  0 or
 * -errno. */
int camp_write_report(const char *txt, const char *json,
		      const struct report_in *in, const char *trace)
{
	struct camp_mem m;
	int err;

	if (camp_mem_open(&m) < 0)
		return -ENOMEM;
	report_text(m.f, in);
	err = camp_mem_commit(&m, txt);
	if (err || !json)
		return err;
	if (camp_mem_open(&m) < 0)
		return -ENOMEM;
	report_json_finding(m.f, in, trace);
	fputc('\n', m.f);
	return camp_mem_commit(&m, json);
}

/* camp_write_finding -- a finding's files under DIR/findings: its trace,
 * its pictures and its text report (ID.trace, ID.perfetto.json, ID.html,
 * ID.txt) and, unless 'min', its JSON; the minimized schedule's are
 * ID.min.*.  Each written atomically.  0 or -1 (errno, as the writer that
 * failed left it). */
int camp_write_finding(const char *dir, const char *id, bool min,
		       const struct report_in *in)
{
	char trace[4096], txt[4096], json[4096], base[4096];

	camp_finding_path(trace, sizeof(trace), dir, id,
			  min ? "min.trace" : "trace");
	camp_finding_path(txt, sizeof(txt), dir, id, min ? "min.txt" : "txt");
	camp_finding_path(json, sizeof(json), dir, id, "json");
	snprintf(base, sizeof(base), "%s/findings/%s%s", dir, id,
		 min ? ".min" : "");
	if (report_trace_write(trace, in) < 0 ||
	    report_pictures_write(base, in) < 0 ||
	    camp_write_report(txt, min ? NULL : json, in, min ? NULL : trace) <
		    0)
		return -1;
	return 0;
}

/*
 * camp_lock_dir -- DIR/lock, created if need be and locked (flock,
 * exclusive, not waiting) for as long as this process and the workers it
 * forks live: two campaigns on one --out, resumed or not, would each
 * rewrite the other's state and lose executions.  The fd is left open on
 * purpose.  0; -EWOULDBLOCK when another process holds it; -errno.
 */
int camp_lock_dir(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;

		close(fd);
		return err;
	}
	return 0;
}

/* camp_mkdirs -- mkdir -p. */
int camp_mkdirs(const char *dir)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* camp_mem_open -- a stream into memory, for camp_mem_commit(). */
int camp_mem_open(struct camp_mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	return m->f ? 0 : -ENOMEM;
}

/* camp_mem_commit -- what m holds to path, atomically; m is spent. */
int camp_mem_commit(struct camp_mem *m, const char *path)
{
	int err;

	fclose(m->f);
	err = camp_write_atomic(path, m->buf, m->len);
	free(m->buf);
	m->f = NULL;
	m->buf = NULL;
	return err;
}

/* camp_finding_path -- DIR/findings/ID.EXT. */
void camp_finding_path(char *buf, size_t len, const char *dir, const char *id,
		       const char *ext)
{
	snprintf(buf, len, "%s/findings/%s.%s", dir, id, ext);
}

/* kv -- internal: split "key: value\n" in place; false if not one. */
static bool kv(char *line, char **key, char **val)
{
	char *c = strchr(line, ':');

	line[strcspn(line, "\n")] = 0;
	if (!c)
		return false;
	*c = 0;
	*key = line;
	*val = c + 1;
	while (**val == ' ')
		(*val)++;
	return true;
}

/* ---- The campaign file ----------------------------------------------------------- */

int camp_conf_write(const char *dir, const struct camp_conf *c)
{
	char path[4096];
	struct camp_mem m;
	FILE *f;

	if (camp_mem_open(&m) < 0)
		return -ENOMEM;
	f = m.f;
	fprintf(f, "lockstep-campaign 1\n");
	fprintf(f, "build: %s\n", c->build);
	fprintf(f, "seed: %" PRIu64 "\n", c->seed);
	fprintf(f, "jobs: %d\n", c->jobs);
	fprintf(f, "shard: %d/%d\n", c->shard_k, c->shard_n);
	fprintf(f, "strategies: %" PRIu32 "\n", c->strats);
	fprintf(f, "schedules: %" PRIu64 "\n", c->schedules);
	if (c->undirected)
		fprintf(f, "undirected: yes\n");
	if (c->generate)
		fprintf(f, "generate: %s %s %" PRIu64 "\n", c->gen_kernel,
			c->gen_fixes[0] ? c->gen_fixes : "-", c->gen_programs);
	for (int i = 0; i < c->nscen; i++)
		fprintf(f,
			"scenario: %s %016" PRIx64 " %" PRIu32 " %" PRIu32
			" %" PRIu32 " %s\n",
			c->scen[i].name, c->scen[i].hash, c->scen[i].expect,
			c->scen[i].tolerate, c->scen[i].fixes, c->scen[i].path);
	snprintf(path, sizeof(path), "%s/campaign", dir);
	return camp_mem_commit(&m, path);
}

/* camp_conf_read -- DIR/campaign back; -1 with a message. */
int camp_conf_read(const char *dir, struct camp_conf *c, char *err,
		   size_t errlen)
{
	char path[4096], line[1024], *k, *v;
	FILE *f;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/campaign", dir);
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s (not a campaign directory?)",
			 path, strerror(errno));
		return -1;
	}
	if (!fgets(line, sizeof(line), f) ||
	    strcmp(line, "lockstep-campaign 1\n")) {
		snprintf(err, errlen, "%s: not a lockstep campaign file", path);
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!kv(line, &k, &v))
			continue;
		if (!strcmp(k, "build")) {
			snprintf(c->build, sizeof(c->build), "%s", v);
		} else if (!strcmp(k, "seed")) {
			c->seed = strtoull(v, NULL, 10);
		} else if (!strcmp(k, "jobs")) {
			c->jobs = atoi(v);
		} else if (!strcmp(k, "shard")) {
			if (camp_parse_shard(v, &c->shard_k, &c->shard_n) < 0)
				c->shard_k = c->shard_n = 1;
		} else if (!strcmp(k, "strategies")) {
			c->strats = (uint32_t)strtoul(v, NULL, 10);
		} else if (!strcmp(k, "schedules")) {
			c->schedules = strtoull(v, NULL, 10);
		} else if (!strcmp(k, "undirected")) {
			c->undirected = !strcmp(v, "yes");
		} else if (!strcmp(k, "generate")) {
			char kern[32], fx[256];

			if (sscanf(v, "%31s %255s %" SCNu64, kern, fx,
				   &c->gen_programs) == 3) {
				c->generate = true;
				snprintf(c->gen_kernel, sizeof(c->gen_kernel),
					 "%s", kern);
				snprintf(c->gen_fixes, sizeof(c->gen_fixes),
					 "%s", strcmp(fx, "-") ? fx : "");
			}
		} else if (!strcmp(k, "scenario") && c->nscen < CAMP_MAX_SCEN) {
			struct camp_scen *s = &c->scen[c->nscen];
			int off = 0;

			if (sscanf(v,
				   "%63s %" SCNx64 " %" SCNu32 " %" SCNu32
				   " %" SCNu32 " %n",
				   s->name, &s->hash, &s->expect, &s->tolerate,
				   &s->fixes, &off) < 5 ||
			    !off)
				continue;
			snprintf(s->path, sizeof(s->path), "%s", v + off);
			c->nscen++;
		}
	}
	fclose(f);
	/* Every count is checked against its limit before anything uses
	 * it: the file may have been edited by hand, or truncated. */
	if (!c->nscen || c->shard_n < 1 || c->jobs < 1) {
		snprintf(err, errlen, "%s: incomplete campaign file", path);
		return -1;
	}
	if (c->jobs > CAMP_MAX_JOBS || c->shard_k < 1 ||
	    c->shard_k > c->shard_n || !c->strats ||
	    c->strats >= (1u << CAMP__NSTRAT)) {
		snprintf(err, errlen,
			 "%s: jobs %d (1..%d), shard %d/%d or "
			 "strategies %u out of range",
			 path, c->jobs, CAMP_MAX_JOBS, c->shard_k, c->shard_n,
			 c->strats);
		return -1;
	}
	return 0;
}

/* ---- Finding metadata ------------------------------------------------------------ */

int camp_meta_write(const char *dir, const struct camp_meta *m)
{
	char path[4096];
	struct camp_mem mem;
	FILE *f;

	if (camp_mem_open(&mem) < 0)
		return -ENOMEM;
	f = mem.f;
	fprintf(f, "lockstep-finding 1\n");
	fprintf(f, "id: %s\n", m->id);
	fprintf(f, "scenario: %s\n", m->scenario);
	fprintf(f, "kind: %s\n", m->kind);
	fprintf(f, "signature: %016" PRIx64 "\n", m->signature);
	fprintf(f, "what: %s\n", m->what);
	fprintf(f, "strategy: %s\n", m->strategy);
	fprintf(f, "seed: %" PRIu64 "\n", m->seed);
	fprintf(f, "depth: %d\n", m->depth);
	fprintf(f, "execution: %" PRIu64 "\n", m->execution);
	fprintf(f, "shard: %s\n", m->shard);
	fprintf(f, "worker: %d\n", m->worker);
	fprintf(f, "seconds: %.3f\n", m->seconds);
	fprintf(f, "executions: %" PRIu64 "\n", m->executions);
	fprintf(f, "preemptions: %d\n", m->preemptions);
	fprintf(f, "steps: %" PRIu64 "\n", m->steps);
	fprintf(f, "minimized: %s\n", m->minimized ? "yes" : "no");
	fprintf(f, "min-preemptions: %d\n", m->min_preemptions);
	fprintf(f, "min-steps: %" PRIu64 "\n", m->min_steps);
	camp_finding_path(path, sizeof(path), dir, m->id, "meta");
	return camp_mem_commit(&mem, path);
}

/* camp_save_finding -- see campaign/campaign.h. */
int camp_save_finding(const char *dir, const struct camp_meta *m,
		      const struct report_in *in)
{
	if (camp_write_finding(dir, m->id, false, in) == 0 &&
	    camp_meta_write(dir, m) == 0)
		return 0;
	fprintf(stderr,
		"lockstep fuzz: cannot save finding %s under "
		"%s/findings: %s\n",
		m->id, dir, strerror(errno));
	return -1;
}

/* camp_meta_read -- a finding's .meta file; -1 if it is not one. */
int camp_meta_read(const char *path, struct camp_meta *m)
{
	char line[1024], *k, *v;
	FILE *f = fopen(path, "r");

	memset(m, 0, sizeof(*m));
	m->preemptions = m->min_preemptions = -1;
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) ||
	    strcmp(line, "lockstep-finding 1\n")) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!kv(line, &k, &v))
			continue;
		if (!strcmp(k, "id"))
			snprintf(m->id, sizeof(m->id), "%s", v);
		else if (!strcmp(k, "scenario"))
			snprintf(m->scenario, sizeof(m->scenario), "%s", v);
		else if (!strcmp(k, "kind"))
			snprintf(m->kind, sizeof(m->kind), "%s", v);
		else if (!strcmp(k, "signature"))
			m->signature = strtoull(v, NULL, 16);
		else if (!strcmp(k, "what"))
			snprintf(m->what, sizeof(m->what), "%s", v);
		else if (!strcmp(k, "strategy"))
			snprintf(m->strategy, sizeof(m->strategy), "%s", v);
		else if (!strcmp(k, "seed"))
			m->seed = strtoull(v, NULL, 10);
		else if (!strcmp(k, "depth"))
			m->depth = atoi(v);
		else if (!strcmp(k, "execution"))
			m->execution = strtoull(v, NULL, 10);
		else if (!strcmp(k, "shard"))
			snprintf(m->shard, sizeof(m->shard), "%s", v);
		else if (!strcmp(k, "worker"))
			m->worker = atoi(v);
		else if (!strcmp(k, "seconds"))
			m->seconds = strtod(v, NULL);
		else if (!strcmp(k, "executions"))
			m->executions = strtoull(v, NULL, 10);
		else if (!strcmp(k, "preemptions"))
			m->preemptions = atoi(v);
		else if (!strcmp(k, "steps"))
			m->steps = strtoull(v, NULL, 10);
		else if (!strcmp(k, "minimized"))
			m->minimized = !strcmp(v, "yes");
		else if (!strcmp(k, "min-preemptions"))
			m->min_preemptions = atoi(v);
		else if (!strcmp(k, "min-steps"))
			m->min_steps = strtoull(v, NULL, 10);
	}
	fclose(f);
	return m->id[0] && m->kind[0] ? 0 : -1;
}

/* ---- Worker state ------------------------------------------------------------------ */

int camp_state_write(const char *path, const struct camp_slot_state *s, int n)
{
	struct camp_mem m;

	if (camp_mem_open(&m) < 0)
		return -ENOMEM;
	fprintf(m.f, "lockstep-fuzz-state 1\n");
	for (int i = 0; i < n; i++)
		fprintf(m.f,
			"slot: %s %s %" PRIu64 " %" PRIu64 " %016" PRIx64
			" %016" PRIx64 " %d %d\n",
			s[i].scenario, camp_strat_names[s[i].strat], s[i].next,
			s[i].count, s[i].ixor, s[i].isum, s[i].dfs_bound,
			s[i].exhausted);
	return camp_mem_commit(&m, path);
}

/* camp_state_read -- a worker's progress file; the slots read, or -1. */
int camp_state_read(const char *path, struct camp_slot_state *s, int max)
{
	char line[512], *k, *v;
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) ||
	    strcmp(line, "lockstep-fuzz-state 1\n")) {
		fclose(f);
		return -1;
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		char strat[32];
		int ex, k2;

		if (!kv(line, &k, &v) || strcmp(k, "slot"))
			continue;
		memset(&s[n], 0, sizeof(s[n]));
		if (sscanf(v,
			   "%63s %31s %" SCNu64 " %" SCNu64 " %" SCNx64
			   " %" SCNx64 " %d %d",
			   s[n].scenario, strat, &s[n].next, &s[n].count,
			   &s[n].ixor, &s[n].isum, &s[n].dfs_bound, &ex) != 8)
			continue;
		for (k2 = 0; k2 < CAMP__NSTRAT; k2++)
			if (!strcmp(strat, camp_strat_names[k2]))
				break;
		if (k2 == CAMP__NSTRAT)
			continue;
		s[n].strat = k2;
		s[n].exhausted = ex;
		n++;
	}
	fclose(f);
	return n;
}

/* ---- The shared set ----------------------------------------------------------------- */

size_t camp_set_size(uint32_t cap)
{
	return sizeof(struct camp_set) + (size_t)cap * sizeof(uint64_t);
}

/* camp_set_init -- an empty set of cap keys (a power of two). */
void camp_set_init(struct camp_set *s, uint32_t cap)
{
	memset(s, 0, camp_set_size(cap));
	s->cap = cap;
}

/*
 * camp_set_add -- linear probing with a compare-and-swap per slot: two
 * workers adding the same key race for one slot and exactly one wins;
 * the loser sees the key and reports it present.  O(1) expected, kept
 * below 3/4 full by refusing inserts past that (counted in 'full').
 */
#define CAMP_TOMBSTONE UINT64_MAX

bool camp_set_add(struct camp_set *s, uint64_t key)
{
	uint32_t mask = s->cap - 1;

	if (!key || key == CAMP_TOMBSTONE)
		key = 1;
	if (ck_pr_load_32(&s->count) >= s->cap / 4 * 3) {
		if (camp_set_has(s, key))
			return false;
		ck_pr_inc_32(&s->full);
		return false;
	}
	for (uint32_t i = (uint32_t)camp_mix(key) & mask, n = 0; n < s->cap;
	     i = (i + 1) & mask, n++) {
		uint64_t cur = ck_pr_load_64(&s->key[i]);

		if (cur == key)
			return false;
		if (cur)
			continue;
		if (ck_pr_cas_64(&s->key[i], 0, key)) {
			ck_pr_inc_32(&s->count);
			return true;
		}
		if (ck_pr_load_64(&s->key[i]) == key)
			return false;
	}
	return false;
}

/* camp_set_has -- whether key is in the set. */
bool camp_set_has(const struct camp_set *s, uint64_t key)
{
	uint32_t mask = s->cap - 1;

	if (!key || key == CAMP_TOMBSTONE)
		key = 1;
	for (uint32_t i = (uint32_t)camp_mix(key) & mask, n = 0; n < s->cap;
	     i = (i + 1) & mask, n++) {
		uint64_t cur = ck_pr_load_64((uint64_t *)&s->key[i]);

		if (cur == key)
			return true;
		if (!cur)
			return false;
	}
	return false;
}

/* camp_set_forget -- a tombstone never matches a key, and probing goes on
 * past it, so the key can be added again later. */
void camp_set_forget(struct camp_set *s, uint64_t key)
{
	uint32_t mask = s->cap - 1;

	if (!key || key == CAMP_TOMBSTONE)
		key = 1;
	for (uint32_t i = (uint32_t)camp_mix(key) & mask, n = 0; n < s->cap;
	     i = (i + 1) & mask, n++) {
		uint64_t cur = ck_pr_load_64(&s->key[i]);

		if (!cur)
			return;
		if (cur == key && ck_pr_cas_64(&s->key[i], key, CAMP_TOMBSTONE))
			return;
	}
}

/* ---- Coverage keys --------------------------------------------------------------------- */

uint64_t camp_scen_tag(const char *scen)
{
	return (report_fnv(REPORT_FNV0, scen, false) & 0x7fffull) << 48;
}

/* cov_event -- internal: a lock operation or a named point. */
static bool cov_event(const struct sim_event *e)
{
	switch (e->kind) {
	case SIM_EV_ACQUIRE:
	case SIM_EV_BLOCK:
	case SIM_EV_RELEASE:
	case SIM_EV_POINT:
	case SIM_EV_WAKE:
		return true;
	default:
		return false;
	}
}

/* ev_hash -- internal: an event's kind and name, instance numbers left
 * out.
 */
static uint64_t ev_hash(const struct sim_event *e)
{
	return report_fnv(REPORT_FNV0 ^ (uint64_t)e->kind, e->what, true);
}

/* camp_coverage -- the coverage keys of the last execution (campaign.h). */
int camp_coverage(const char *scen, const struct sim *s, uint64_t *out, int max)
{
	uint32_t nev;
	const struct sim_event *ev = sim_events(s, &nev);
	uint64_t tag = camp_scen_tag(scen);
	const struct sim_event *prev = NULL;
	bool prev_runnable = false;
	int n = 0;

	for (uint32_t i = 0; i < nev && n + 2 <= max; i++) {
		const struct sim_event *e = &ev[i];

		if (e->kind == SIM_EV_THREAD_END && prev && prev->tid == e->tid)
			prev_runnable = false;
		if (!cov_event(e))
			continue;
		if (prev && prev->tid != e->tid) {
			uint64_t h = camp_mix(ev_hash(prev) * 31 + ev_hash(e));

			h = (h & ((1ull << 48) - 1)) | tag;
			out[n++] = h;
			if (prev_runnable)
				out[n++] = h | CAMP_KEY_PREEMPT;
		}
		prev = e;
		prev_runnable = e->kind != SIM_EV_BLOCK;
	}
	return n;
}

/* ---- Parsing ---------------------------------------------------------------------------- */

int camp_parse_duration(const char *s, double *seconds)
{
	double total = 0;
	const char *p = s;

	if (!*p)
		return -1;
	while (*p) {
		char *end;
		double v = strtod(p, &end);

		if (end == p || v < 0)
			return -1;
		switch (*end) {
		case 0:
		case 's':
			total += v;
			break;
		case 'm':
			total += v * 60;
			break;
		case 'h':
			total += v * 3600;
			break;
		case 'd':
			total += v * 86400;
			break;
		default:
			return -1;
		}
		p = *end ? end + 1 : end;
	}
	*seconds = total;
	return 0;
}

/* camp_parse_shard -- "K/N". */
int camp_parse_shard(const char *s, int *k, int *n)
{
	char *end;
	long a = strtol(s, &end, 10), b;

	if (end == s || *end != '/')
		return -1;
	s = end + 1;
	b = strtol(s, &end, 10);
	if (end == s || *end || a < 1 || b < 1 || a > b || b > 100000)
		return -1;
	*k = (int)a;
	*n = (int)b;
	return 0;
}
