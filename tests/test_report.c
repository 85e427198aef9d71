/* SPDX-License-Identifier: MIT */
/*
 * tests/test_report.c -- Check suite for the pictures of a finding
 * (report/perfetto.c, report/html.c) and JUnit (report/junit.c).
 *
 * Every bundled scenario is run until its first finding (the scenario's
 * own strategy and seed, as `lockstep run` does), and the finding's
 * execution is rendered twice:
 *   - the trace-event JSON must parse (a small JSON parser below: no
 *     python on CI machines is assumed), follow the Trace Event Format's
 *     rules (every event an object with ph, pid, tid; X slices with
 *     ts and dur; B/E pairs matched on one tid; the slices of a track
 *     properly nested; timestamps non-decreasing per track in file order;
 *     each flow id with one start and one end, the start not after the
 *     end, both inside a slice of their track so the arrow binds; every
 *     thread named by thread_name metadata; one finding instant);
 *   - the HTML must be self-contained (no script, no URL, nothing
 *     fetched), name every thread in its header, and keep its table rows
 *     balanced;
 *   - both renderings are the same bytes (deterministic).
 * Over all scenarios, lock handoffs and wake-ups must each have drawn at
 * least one arrow, so that the flow checks above check something.
 * The HTML is opened in a real browser by tests/html.sh when Chromium is
 * installed.
 */
#include <check.h>
#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec.h"
#include "report/report.h"
#include "scenarios/scen.h"
#include "sim/sim.h"
#include "sim/strategy.h"

/* ---- A small JSON parser ------------------------------------------------ */

enum jtype {
	J_NULL,
	J_BOOL,
	J_NUM,
	J_STR,
	J_ARR,
	J_OBJ
};

struct jval {
	enum jtype type;
	double num;
	char *str;   /* J_STR */
	int n;	     /* J_ARR, J_OBJ */
	char **keys; /* J_OBJ */
	struct jval **items;
};

struct jp {
	const char *p;
	const char *err;
};

static void jfree(struct jval *v)
{
	if (!v)
		return;
	for (int i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jfree(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->str);
	free(v);
}

static void ws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')
		j->p++;
}

static struct jval *jparse(struct jp *j);

static char *jstring(struct jp *j)
{
	size_t cap = 64, n = 0;
	char *s = malloc(cap);

	j->p++; /* the opening quote */
	for (;;) {
		unsigned char c = (unsigned char)*j->p++;

		if (n + 8 > cap)
			s = realloc(s, cap *= 2);
		if (c == '"')
			break;
		if (c < 0x20) {
			j->err = c ? "control character in a string" :
				     "unterminated string";
			free(s);
			return NULL;
		}
		if (c != '\\') {
			s[n++] = (char)c;
			continue;
		}
		c = (unsigned char)*j->p++;
		if (strchr("\"\\/", c)) {
			s[n++] = (char)c;
		} else if (c == 'n' || c == 't' || c == 'r' || c == 'b' ||
			   c == 'f') {
			s[n++] = ' ';
		} else if (c == 'u') {
			for (int k = 0; k < 4; k++)
				if (!isxdigit((unsigned char)j->p[k])) {
					j->err = "bad \\u escape";
					free(s);
					return NULL;
				}
			j->p += 4;
			s[n++] = '?';
		} else {
			j->err = "bad escape";
			free(s);
			return NULL;
		}
	}
	s[n] = 0;
	return s;
}

static struct jval *jnew(enum jtype t)
{
	struct jval *v = calloc(1, sizeof(*v));

	v->type = t;
	return v;
}

static void jpush(struct jval *v, char *key, struct jval *item)
{
	v->items = realloc(v->items, (size_t)(v->n + 1) * sizeof(*v->items));
	if (v->type == J_OBJ)
		v->keys =
			realloc(v->keys, (size_t)(v->n + 1) * sizeof(*v->keys));
	if (v->keys)
		v->keys[v->n] = key;
	v->items[v->n++] = item;
}

static struct jval *jparse(struct jp *j)
{
	struct jval *v;

	ws(j);
	if (*j->p == '{' || *j->p == '[') {
		bool obj = *j->p == '{';
		char close = obj ? '}' : ']';

		v = jnew(obj ? J_OBJ : J_ARR);
		j->p++;
		ws(j);
		if (*j->p == close) {
			j->p++;
			return v;
		}
		for (;;) {
			char *key = NULL;
			struct jval *item;

			ws(j);
			if (obj) {
				if (*j->p != '"') {
					j->err = "expected a key";
					break;
				}
				key = jstring(j);
				if (!key)
					break;
				ws(j);
				if (*j->p++ != ':') {
					j->err = "expected ':'";
					free(key);
					break;
				}
			}
			item = jparse(j);
			if (!item) {
				free(key);
				break;
			}
			jpush(v, key, item);
			ws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p == close) {
				j->p++;
				return v;
			}
			j->err = "expected ',' or a closing bracket";
			break;
		}
		jfree(v);
		return NULL;
	}
	if (*j->p == '"') {
		char *s = jstring(j);

		if (!s)
			return NULL;
		v = jnew(J_STR);
		v->str = s;
		return v;
	}
	if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "null", 4) ||
	    !strncmp(j->p, "false", 5)) {
		v = jnew(*j->p == 'n' ? J_NULL : J_BOOL);
		j->p += *j->p == 'f' ? 5 : 4;
		return v;
	}
	if (*j->p == '-' || isdigit((unsigned char)*j->p)) {
		char *end;

		v = jnew(J_NUM);
		v->num = strtod(j->p, &end);
		j->p = end;
		return v;
	}
	j->err = "unexpected character";
	return NULL;
}

/* json_parse -- the whole text as one value, or NULL with *err set. */
static struct jval *json_parse(const char *text, const char **err)
{
	struct jp j = { text, NULL };
	struct jval *v = jparse(&j);

	if (v) {
		ws(&j);
		if (*j.p) {
			j.err = "text after the value";
			jfree(v);
			v = NULL;
		}
	}
	*err = j.err ? j.err : "";
	return v;
}

static const struct jval *jget(const struct jval *o, const char *key)
{
	for (int i = 0; o && o->type == J_OBJ && i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return o->items[i];
	return NULL;
}

static const char *jstr(const struct jval *o, const char *key)
{
	const struct jval *v = jget(o, key);

	return v && v->type == J_STR ? v->str : NULL;
}

static bool jnum(const struct jval *o, const char *key, double *out)
{
	const struct jval *v = jget(o, key);

	if (!v || v->type != J_NUM)
		return false;
	*out = v->num;
	return true;
}

START_TEST(json_parser)
{
	const char *err;
	struct jval *v = json_parse("{\"a\": [1, -2.5e1, \"x\\\"y\\u00e9\", "
				    "true, null, {}], \"b\": {\"c\": []}}",
				    &err);

	ck_assert_msg(v, "%s", err);
	ck_assert_int_eq(jget(v, "a")->n, 6);
	ck_assert(jget(v, "a")->items[1]->num == -25);
	ck_assert_str_eq(jget(v, "a")->items[2]->str, "x\"y?");
	jfree(v);
	/* what the checks below rely on it to refuse */
	ck_assert_ptr_null(json_parse("{\"a\": 1,}", &err));
	ck_assert_ptr_null(json_parse("[1 2]", &err));
	ck_assert_ptr_null(json_parse("{\"a\": \"x\n\"}", &err));
	ck_assert_ptr_null(json_parse("{\"a\": 1} x", &err));
	ck_assert_ptr_null(json_parse("[\"unterminated]", &err));
}
END_TEST

/* ---- The Trace Event Format's rules -------------------------------------- */

#define MAXT 64

struct slice {
	double ts, end;
};

struct flows {
	int handoff, wakeup;
};

/* check_trace -- the rules of the header comment; NULL when they hold,
 * else what broke (static buffer). */
static const char *check_trace(const char *text, struct flows *fl)
{
	static char why[512];
	const char *err;
	struct jval *root = json_parse(text, &err);
	const struct jval *evs;
	double last_ts[MAXT];
	bool named[MAXT] = { false };
	struct slice *open[MAXT];
	int depth[MAXT] = { 0 };
	struct slice *all = NULL;
	int *all_tid = NULL, nall = 0, nfinding = 0;
	/* flows by id: start/end ts and tid */
	int fid[4096], fcount[4096][2], ftid[4096][2];
	double fts[4096][2];
	int nf = 0;
	const char *bad = NULL;

#define FAIL(...)                                        \
	do {                                             \
		snprintf(why, sizeof(why), __VA_ARGS__); \
		bad = why;                               \
		goto out;                                \
	} while (0)
	for (int t = 0; t < MAXT; t++) {
		last_ts[t] = -1;
		open[t] = calloc(256, sizeof(struct slice));
	}
	if (!root)
		FAIL("not JSON: %s", err);
	evs = jget(root, "traceEvents");
	if (!evs || evs->type != J_ARR)
		FAIL("no traceEvents array");
	all = calloc((size_t)evs->n + 1, sizeof(*all));
	all_tid = calloc((size_t)evs->n + 1, sizeof(*all_tid));
	/* pass 1: every event; nesting; B/E; order per track */
	for (int i = 0; i < evs->n; i++) {
		const struct jval *e = evs->items[i];
		const char *ph = jstr(e, "ph");
		double pid, tid, ts, dur;
		int t;

		if (e->type != J_OBJ || !ph || !jnum(e, "pid", &pid) ||
		    !jnum(e, "tid", &tid))
			FAIL("event %d: not an object with ph, pid and tid", i);
		t = (int)tid;
		if (t < 0 || t >= MAXT)
			FAIL("event %d: tid %d out of range", i, t);
		if (!strcmp(ph, "M")) {
			if (!jstr(e, "name") || !jget(e, "args"))
				FAIL("event %d: metadata without name or args",
				     i);
			if (!strcmp(jstr(e, "name"), "thread_name"))
				named[t] = jstr(jget(e, "args"), "name") !=
					NULL;
			continue;
		}
		if (!jnum(e, "ts", &ts) || !jstr(e, "name"))
			FAIL("event %d (%s): no ts or name", i, ph);
		if (ts < last_ts[t])
			FAIL("event %d: ts %g before %g on tid %d", i, ts,
			     last_ts[t], t);
		last_ts[t] = ts;
		if (t && !named[t])
			FAIL("event %d: tid %d has no thread_name before it", i,
			     t);
		/* slices that ended by now leave the stack */
		if (!strcmp(ph, "X") || !strcmp(ph, "B")) {
			while (depth[t] && open[t][depth[t] - 1].end <= ts &&
			       open[t][depth[t] - 1].end >= 0)
				depth[t]--;
		}
		if (!strcmp(ph, "X")) {
			if (!jnum(e, "dur", &dur) || dur < 0)
				FAIL("event %d: X without a duration", i);
			if (depth[t] && open[t][depth[t] - 1].end >= 0 &&
			    ts + dur > open[t][depth[t] - 1].end)
				FAIL("event %d (%s, %g..%g): overlaps its parent "
				     "(..%g) on tid %d",
				     i, jstr(e, "name"), ts, ts + dur,
				     open[t][depth[t] - 1].end, t);
			open[t][depth[t]++] = (struct slice){ ts, ts + dur };
			all[nall] = (struct slice){ ts, ts + dur };
			all_tid[nall++] = t;
		} else if (!strcmp(ph, "B")) {
			open[t][depth[t]++] = (struct slice){ ts, -1 };
		} else if (!strcmp(ph, "E")) {
			if (!depth[t] || open[t][depth[t] - 1].end >= 0)
				FAIL("event %d: E without a B on tid %d", i, t);
			depth[t]--;
		} else if (!strcmp(ph, "i") || !strcmp(ph, "I")) {
			const char *cat = jstr(e, "cat");

			if (cat && !strcmp(cat, "finding")) {
				nfinding++;
				if (!jstr(jget(e, "args"), "detail"))
					FAIL("the finding has no detail");
			}
		} else if (!strcmp(ph, "s") || !strcmp(ph, "f")) {
			double id;
			int k, end = ph[0] == 'f';
			const char *name = jstr(e, "name");

			if (!jnum(e, "id", &id))
				FAIL("event %d: flow without an id", i);
			for (k = 0; k < nf && fid[k] != (int)id; k++)
				;
			if (k == nf) {
				if (nf == 4096)
					FAIL("too many flows");
				fid[nf] = (int)id;
				fcount[nf][0] = fcount[nf][1] = 0;
				nf++;
			}
			fcount[k][end]++;
			fts[k][end] = ts;
			ftid[k][end] = t;
			if (end && name && !strcmp(name, "handoff"))
				fl->handoff++;
			if (end && name && !strcmp(name, "wake-up"))
				fl->wakeup++;
		} else {
			FAIL("event %d: phase '%s' not expected", i, ph);
		}
	}
	for (int t = 0; t < MAXT; t++)
		for (int d = 0; d < depth[t]; d++)
			if (open[t][d].end < 0)
				FAIL("a B on tid %d has no E", t);
	if (nfinding != 1)
		FAIL("%d finding instants, not 1", nfinding);
	/* flows: both ends, in order, each inside a slice of its track */
	for (int k = 0; k < nf; k++) {
		if (fcount[k][0] != 1 || fcount[k][1] != 1)
			FAIL("flow %d: %d starts and %d ends", fid[k],
			     fcount[k][0], fcount[k][1]);
		if (fts[k][0] > fts[k][1])
			FAIL("flow %d ends before it starts", fid[k]);
		for (int end = 0; end < 2; end++) {
			bool in = false;

			for (int s = 0; s < nall && !in; s++)
				in = all_tid[s] == ftid[k][end] &&
					all[s].ts <= fts[k][end] &&
					fts[k][end] <= all[s].end;
			if (!in)
				FAIL("flow %d: its %s is in no slice", fid[k],
				     end ? "end" : "start");
		}
	}
out:
	for (int t = 0; t < MAXT; t++)
		free(open[t]);
	free(all);
	free(all_tid);
	jfree(root);
	return bad;
#undef FAIL
}

START_TEST(trace_rules_refuse)
{
	struct flows fl = { 0 };
	const char *head = "{\"traceEvents\": [{\"ph\": \"M\", \"pid\": 1, "
			   "\"tid\": 1, \"name\": \"thread_name\", \"args\": "
			   "{\"name\": \"a\"}}";
	const char *fin = ", {\"ph\": \"i\", \"pid\": 1, \"tid\": 1, \"ts\": 9,"
			  " \"cat\": \"finding\", \"name\": \"x\", \"args\": "
			  "{\"detail\": \"d\"}}]}";
	char buf[2048];

#define X(ts, dur)                                               \
	", {\"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"ts\": " #ts \
	", \"dur\": " #dur ", \"name\": \"s\"}"
	snprintf(buf, sizeof(buf), "%s" X(1, 5) X(2, 2) "%s", head, fin);
	ck_assert_ptr_null(check_trace(buf, &fl));
	/* overlapping, not nested */
	snprintf(buf, sizeof(buf), "%s" X(1, 5) X(3, 5) "%s", head, fin);
	ck_assert_ptr_nonnull(check_trace(buf, &fl));
	/* time going back on a track */
	snprintf(buf, sizeof(buf), "%s" X(4, 1) X(1, 1) "%s", head, fin);
	ck_assert_ptr_nonnull(check_trace(buf, &fl));
	/* a flow with one end */
	snprintf(
		buf, sizeof(buf),
		"%s" X(1,
		       5) ", {\"ph\": \"s\", \"pid\": 1, "
			  "\"tid\": 1, \"ts\": 2, \"id\": 1, \"name\": \"handoff\"}%s",
		head, fin);
	ck_assert_ptr_nonnull(check_trace(buf, &fl));
	/* an E with no B */
	snprintf(buf, sizeof(buf),
		 "%s, {\"ph\": \"E\", \"pid\": 1, \"tid\": 1,"
		 " \"ts\": 2, \"name\": \"e\"}%s",
		 head, fin);
	ck_assert_ptr_nonnull(check_trace(buf, &fl));
#undef X
}
END_TEST

/* ---- Every bundled scenario's first finding ------------------------------- */

static char *render(void (*fn)(FILE *, const struct report_in *),
		    const struct report_in *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(m);
	fn(m, in);
	fclose(m);
	return buf;
}

static void check_html(const char *path, const char *html,
		       const struct scen *sc)
{
	int open_tr = 0, close_tr = 0;

	ck_assert_msg(!strncmp(html, "<!DOCTYPE html>", 15), "%s", path);
	ck_assert_msg(strstr(html, "</html>\n"), "%s: not finished", path);
	/* self-contained: nothing fetched, nothing run */
	ck_assert_msg(!strstr(html, "<script") && !strstr(html, "http:") &&
			      !strstr(html, "https:") &&
			      !strstr(html, " src=") && !strstr(html, "url("),
		      "%s: not self-contained", path);
	for (int t = 0; t < sc->nthreads; t++) {
		char th[128];

		snprintf(th, sizeof(th), "<th>%s</th>", sc->threads[t].name);
		ck_assert_msg(strstr(html, th), "%s: no column %s", path, th);
	}
	for (const char *p = html; (p = strstr(p, "<tr")); p++)
		open_tr++;
	for (const char *p = html; (p = strstr(p, "</tr>")); p++)
		close_tr++;
	ck_assert_msg(open_tr == close_tr && open_tr > 1,
		      "%s: %d <tr>, %d </tr>", path, open_tr, close_tr);
}

START_TEST(pictures_of_bundled_findings)
{
	glob_t g;
	struct flows fl = { 0 };
	int pictured = 0;

	ck_assert_int_eq(glob("scenarios/*.yaml", 0, NULL, &g), 0);
	ck_assert_int_eq(glob("tests/scenarios/*.yaml", GLOB_APPEND, NULL, &g),
			 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct scen_error err;
		struct scen *sc;
		struct exec_options eo = { .log_events = true };
		uint32_t fixes;
		char msg[512];
		struct exec *e;
		struct sim_strategy *st;
		uint64_t k;

		if (strstr(g.gl_pathv[i], "/loader-"))
			continue; /* the loader's own fixtures */
		sc = scen_load(g.gl_pathv[i], &exec_vocab, &err);
		ck_assert_msg(sc, "%s: %s", g.gl_pathv[i], err.msg);
		ck_assert_int_eq(exec_fixes_for(sc, NULL, NULL, &fixes, msg,
						sizeof(msg)),
				 0);
		e = exec_new(sc, fixes, &eo, msg, sizeof(msg));
		ck_assert_msg(e, "%s", msg);
		k = exec_calibrate(e);
		st = sc->explore.strategy == SCEN_STRAT_RANDOM ?
			sim_strategy_random(sc->explore.seed, sc->nthreads) :
			sim_strategy_pct(sc->explore.seed, sc->nthreads,
					 sc->explore.depth, k);
		for (uint64_t x = 0; x < 200 && st; x++) {
			const struct exec_result *r = exec_run(e, st, x);
			struct report_in in = {
				.sc = sc,
				.fixes = fixes,
				.sched = { .strategy = "pct",
					   .seed = sc->explore.seed,
					   .execution = x },
				.sim = exec_sim(e),
			};
			char *a, *b;
			const char *bad;

			if (!r->nfind)
				continue;
			in.finding = &r->find[0];
			a = render(report_perfetto, &in);
			b = render(report_perfetto, &in);
			ck_assert_msg(!strcmp(a, b),
				      "%s: two renderings differ",
				      g.gl_pathv[i]);
			bad = check_trace(a, &fl);
			ck_assert_msg(!bad, "%s: %s", g.gl_pathv[i], bad);
			free(a);
			free(b);
			a = render(report_html, &in);
			b = render(report_html, &in);
			ck_assert_msg(!strcmp(a, b),
				      "%s: two renderings differ",
				      g.gl_pathv[i]);
			check_html(g.gl_pathv[i], a, sc);
			free(a);
			free(b);
			pictured++;
			break;
		}
		sim_strategy_destroy(st);
		exec_free(e);
		scen_free(sc);
	}
	globfree(&g);
	ck_assert_int_ge(pictured, 12);
	ck_assert_msg(fl.handoff > 0, "no lock handoff drawn in any scenario");
	ck_assert_msg(fl.wakeup > 0, "no wake-up drawn in any scenario");
}
END_TEST

/* ---- Holds released out of order, a handoff ------------------------------ */

static const struct sim_lock_class cls_a = { "A", 0 }, cls_b = { "B", 0 };
static struct sim_lock lock_a, lock_b;

static void ooo_thread(struct sim *s, int tid, void *arg)
{
	(void)s;
	(void)arg;
	if (tid == 0) {
		sim_op_begin("outer", "outer(a)");
		sim_mutex_lock(&lock_a, "outer_fn");
		sim_mutex_lock(&lock_b, "outer_fn");
		sim_point("outer.both", "outer_fn");
		sim_mutex_unlock(&lock_a, "outer_fn"); /* not the last taken */
		sim_point("outer.one", "outer_fn");
		sim_mutex_unlock(&lock_b, "outer_fn");
		sim_op_end("outer(a)", -14);
	} else {
		sim_op_begin("other", "other(b)");
		sim_mutex_lock(&lock_a, "other_fn");
		sim_mutex_unlock(&lock_a, "other_fn");
		sim_op_end("other(b)", 0);
	}
}

START_TEST(out_of_order_release_and_handoff)
{
	struct sim_options o = { .cpu = -1, .log_events = true };
	struct sim *s = sim_create(2, &o);
	static struct scen sc;
	struct finding f = { .kind = SCEN_V_STALE_READ,
			     .tid = 0,
			     .op = 0,
			     .what = "outer(a) by t0",
			     .detail = "evidence: other(b) by t1" };
	void *args[2] = { NULL, NULL };
	bool seen = false;

	ck_assert_ptr_nonnull(s);
	snprintf(sc.name, sizeof(sc.name), "ooo");
	snprintf(sc.path, sizeof(sc.path), "ooo.yaml");
	sc.nthreads = 2;
	snprintf(sc.threads[0].name, sizeof(sc.threads[0].name), "t0");
	snprintf(sc.threads[1].name, sizeof(sc.threads[1].name), "t1");
	for (uint64_t seed = 1; seed < 64 && !seen; seed++) {
		struct sim_strategy *st = sim_strategy_random(seed, 2);
		struct report_in in = { .sc = &sc,
					.finding = &f,
					.sim = s,
					.sched = { .strategy = "random" } };
		struct flows fl = { 0 };
		const char *bad;
		char *j, *h;

		sim_new_arena(s);
		sim_lock_init(&lock_a, &cls_a, SIM_MUTEX, "A");
		sim_lock_init(&lock_b, &cls_b, SIM_MUTEX, "B");
		sim_execute(s, ooo_thread, args, st, NULL, 0);
		sim_strategy_destroy(st);
		j = render(report_perfetto, &in);
		bad = check_trace(j, &fl);
		ck_assert_msg(!bad, "seed %llu: %s\n%s",
			      (unsigned long long)seed, bad, j);
		/* B outlives A: split, and continued */
		ck_assert_msg(strstr(j, "\"continued\""), "%s", j);
		ck_assert_msg(strstr(j, "\"result\": \"-EFAULT\""), "%s", j);
		h = render(report_html, &in);
		check_html("ooo", h, &sc);
		ck_assert_msg(strstr(h, "class=\"r2") &&
				      strstr(h, "class=\"r1"),
			      "both operations highlighted: %s", h);
		seen = fl.handoff > 0;
		free(j);
		free(h);
	}
	ck_assert_msg(seen, "no schedule handed lock A over");
	sim_destroy(s);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("pictures");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, json_parser);
	tcase_add_test(tc, trace_rules_refuse);
	tcase_add_test(tc, out_of_order_release_and_handoff);
	tcase_add_test(tc, pictures_of_bundled_findings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(report_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
