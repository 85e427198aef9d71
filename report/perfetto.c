/* SPDX-License-Identifier: MIT */
/*
 * report/perfetto.c -- a finding's execution as Chrome trace-event JSON
 * (the "JSON Object Format" of the Trace Event Format), which
 * ui.perfetto.dev and chrome://tracing open.
 *
 *   pid 1, the scenario; tid T+1, scenario thread T, named by thread_name
 *   metadata and ordered by thread_sort_index
 *   X (complete) slices   an operation; inside it each lock hold
 *                         ("down_write i_rwsem(a)") and each wait
 *                         ("waits for page(a:1)")
 *   i (instant) events    named points, references got and put, wake-ups,
 *                         notes; the finding (category "finding"), with
 *                         its text in args
 *   s/f flow events       a release to the waiter the lock is handed to,
 *                         a wake-up to the thread it wakes
 *
 * Timestamps are the event log's sequence numbers: logical time, one
 * "microsecond" per event, never the wall clock.
 *
 * A trace viewer needs the slices of a track properly nested, but locks
 * need not be released in the order they were taken (i_mmap_sem dropped
 * before i_rwsem, or the other way round).  A hold released while a later
 * one is still open closes the later one too and reopens it at the same
 * instant, marked "continued": every slice a viewer sees is nested.
 * Complete events are used rather than B/E pairs so that a slice closed
 * and reopened at one timestamp cannot be misordered by a viewer's sort.
 */
#include "report/report.h"
#include "report/report_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "sim/sim.h"

enum slice_kind {
	SL_OP,
	SL_LOCK,
	SL_WAIT
};

struct open_slice {
	enum slice_kind kind;
	uint32_t start;
	const char *what; /* the lock or queue (by pointer) */
	uint8_t mode;
	char name[192];
	const char *fn;
	uint8_t racing; /* report_racing's mark */
	bool continued;
};

/* One trace event, before sorting. */
struct pev {
	uint32_t ts, dur;
	int tid; /* scenario thread; -1: global */
	char ph; /* X, i, s, f */
	const char *cat;
	char *name;   /* malloc'd */
	char *args;   /* malloc'd JSON object text, or NULL */
	uint32_t id;  /* flows */
	uint32_t seq; /* insertion order: ties */
};

struct pbuild {
	struct pev *ev;
	uint32_t n, cap;
	uint32_t next_flow;
	bool oom;
};

/* add -- internal: a new event; NULL when out of memory. */
static struct pev *add(struct pbuild *b, char ph, int tid, uint32_t ts,
		       const char *cat, const char *name)
{
	struct pev *e;

	if (b->n == b->cap) {
		uint32_t cap = b->cap ? b->cap * 2 : 256;
		struct pev *ev = realloc(b->ev, cap * sizeof(*ev));

		if (!ev) {
			b->oom = true;
			return NULL;
		}
		b->ev = ev;
		b->cap = cap;
	}
	e = &b->ev[b->n];
	memset(e, 0, sizeof(*e));
	e->ph = ph;
	e->tid = tid;
	e->ts = ts;
	e->cat = cat;
	e->name = strdup(name);
	e->seq = b->n++;
	return e;
}

/* args_of -- internal: a JSON object of string values: key, value, ...,
 * NULL.  malloc'd. */
static char *args_of(const char *key, ...)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	va_list ap;
	bool first = true;

	if (!m)
		return NULL;
	fputc('{', m);
	va_start(ap, key);
	for (const char *k = key; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);

		if (!v)
			continue;
		fprintf(m, "%s", first ? "" : ", ");
		report_json_string(m, k);
		fputs(": ", m);
		report_json_string(m, v);
		first = false;
	}
	va_end(ap);
	fputc('}', m);
	fclose(m);
	return buf;
}

static const char *racing_text(uint8_t r)
{
	return r == 2  ? "the finding's operation" :
		r == 1 ? "named by the finding" :
			 NULL;
}

/* close_slice -- internal: the complete event of an open slice. */
static void close_slice(struct pbuild *b, int tid, const struct open_slice *s,
			uint32_t end, const char *result, bool unfinished)
{
	static const char *const cats[] = { "op", "lock", "wait" };
	struct pev *e = add(b, 'X', tid, s->start, cats[s->kind], s->name);

	if (!e)
		return;
	e->dur = end - s->start;
	e->args = args_of(
		"function", s->fn, "result", result, "racing",
		racing_text(s->racing), "continued",
		s->continued ? "from a slice closed "
			       "by an earlier release (holds not released in "
			       "the order they were taken)" :
			       NULL,
		"unfinished",
		unfinished ? "the execution stopped "
			     "here" :
			     NULL,
		NULL);
}

struct track {
	struct open_slice st[48];
	int depth;
	/* a wake-up on its way to this thread: its flow id */
	uint32_t wake_flow;
};

/* pop_to -- internal: close slice k of the track at 'at' and reopen the
 * ones above it (released out of order). */
static void pop_to(struct pbuild *b, struct track *tr, int tid, int k,
		   uint32_t at, const char *result)
{
	struct open_slice above[48];
	int na = 0;

	for (int j = tr->depth - 1; j > k; j--) {
		close_slice(b, tid, &tr->st[j], at, NULL, false);
		above[na++] = tr->st[j];
	}
	close_slice(b, tid, &tr->st[k], at, result, false);
	tr->depth = k;
	while (na > 0) {
		struct open_slice s = above[--na];

		s.start = at;
		s.continued = true;
		tr->st[tr->depth++] = s;
	}
}

static void push(struct track *tr, enum slice_kind kind, uint32_t at,
		 const struct sim_event *ev, const char *name, uint8_t racing)
{
	struct open_slice *s;

	if (tr->depth == (int)(sizeof(tr->st) / sizeof(tr->st[0])))
		return;
	s = &tr->st[tr->depth++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->start = at;
	s->what = ev->what;
	s->mode = ev->mode;
	s->fn = ev->fn;
	s->racing = racing;
	snprintf(s->name, sizeof(s->name), "%s", name);
}

/* flow -- internal: an arrow from (tid0, t0) to (tid1, t1). */
static void flow(struct pbuild *b, const char *name, int tid0, uint32_t t0,
		 int tid1, uint32_t t1)
{
	struct pev *s = add(b, 's', tid0, t0, "flow", name);
	struct pev *f = add(b, 'f', tid1, t1, "flow", name);

	if (!s || !f)
		return;
	s->id = f->id = ++b->next_flow;
}

/* The last release of each lock, for handoffs. */
struct release {
	const char *what;
	int tid;
	uint32_t ts;
};

static void lock_name(const struct sim_event *ev, bool release, char *buf,
		      size_t len)
{
	bool rw = ev->arg == SIM_RWSEM;

	snprintf(buf, len, "%s %s",
		 rw ? (ev->mode ? (release ? "up_read" : "down_read") :
				  (release ? "up_write" : "down_write")) :
		      (release ? "unlock" : "lock"),
		 ev->what);
}

/* build -- internal: the events of the execution's log. */
static void build(struct pbuild *b, const struct report_in *in,
		  struct track *tr, uint32_t *end)
{
	uint32_t n;
	const struct sim_event *ev = sim_events(in->sim, &n);
	int nt = in->sc->nthreads;
	uint8_t *mark = calloc(n ? n : 1, 1);
	struct release *rel = calloc(n ? n : 1, sizeof(*rel));
	uint32_t nrel = 0;
	int opno[SCEN_MAX_THREADS];
	uint32_t finding_at = UINT32_MAX;
	char name[320];

	if (!mark || !rel) {
		b->oom = true;
		free(mark);
		free(rel);
		return;
	}
	report_racing(in, ev, n, mark);
	for (int t = 0; t < nt; t++)
		opno[t] = -1;
	*end = n ? ev[n - 1].seq + 1 : 1;
	for (uint32_t i = 0; i < n; i++) {
		const struct sim_event *e = &ev[i];
		int t = e->tid;
		struct track *k;
		struct open_slice *top;

		if (t >= nt || e->kind == SIM_EV_ACCESS)
			continue;
		k = &tr[t];
		top = k->depth ? &k->st[k->depth - 1] : NULL;
		/* A waiting thread runs again: its wait ends here. */
		if (top && top->kind == SL_WAIT) {
			bool handoff = e->kind == SIM_EV_ACQUIRE &&
				e->what == top->what;

			pop_to(b, k, t, k->depth - 1, e->seq, NULL);
			if (handoff) {
				for (uint32_t r = nrel; r-- > 0;) {
					if (rel[r].what != e->what)
						continue;
					if (rel[r].tid != t)
						flow(b, "handoff", rel[r].tid,
						     rel[r].ts, t, e->seq);
					break;
				}
			}
			if (k->wake_flow) {
				struct pev *f = add(b, 'f', t, e->seq, "flow",
						    "wake-up");

				if (f)
					f->id = k->wake_flow;
				k->wake_flow = 0;
			}
		}
		switch (e->kind) {
		case SIM_EV_OP_BEGIN:
			opno[t]++;
			push(k, SL_OP, e->seq, e, e->what, mark[i]);
			break;
		case SIM_EV_OP_END: {
			char res[64];

			report_result_text(e->arg, res, sizeof(res));
			for (int j = k->depth - 1; j >= 0; j--)
				if (k->st[j].kind == SL_OP) {
					pop_to(b, k, t, j, e->seq, res + 2);
					break;
				}
			if (t == in->finding->tid && opno[t] == in->finding->op)
				finding_at = e->seq;
			break;
		}
		case SIM_EV_ACQUIRE:
			lock_name(e, false, name, sizeof(name));
			push(k, SL_LOCK, e->seq, e, name, 0);
			break;
		case SIM_EV_RELEASE: {
			int j;

			for (j = k->depth - 1; j >= 0; j--)
				if (k->st[j].kind == SL_LOCK &&
				    k->st[j].what == e->what &&
				    k->st[j].mode == e->mode)
					break;
			if (j >= 0) {
				pop_to(b, k, t, j, e->seq, NULL);
			} else {
				struct pev *x;

				lock_name(e, true, name, sizeof(name));
				x = add(b, 'i', t, e->seq, "lock", name);
				if (x)
					x->args = args_of("function", e->fn,
							  NULL);
			}
			rel[nrel++] = (struct release){ e->what, t, e->seq };
			break;
		}
		case SIM_EV_BLOCK:
			snprintf(name, sizeof(name), "waits for %s", e->what);
			push(k, SL_WAIT, e->seq, e, name, 0);
			break;
		case SIM_EV_WAKE: {
			struct pev *x;

			snprintf(name, sizeof(name), "wakes %s", e->what);
			x = add(b, 'i', t, e->seq, "wake", name);
			(void)x;
			/* every thread asleep on the queue */
			for (int u = 0; u < nt; u++) {
				struct track *w = &tr[u];
				struct open_slice *wt =
					w->depth ? &w->st[w->depth - 1] : NULL;
				struct pev *s;

				if (u == t || !wt || wt->kind != SL_WAIT ||
				    wt->what != e->what || w->wake_flow)
					continue;
				s = add(b, 's', t, e->seq, "flow", "wake-up");
				if (s)
					s->id = w->wake_flow = ++b->next_flow;
			}
			break;
		}
		case SIM_EV_POINT: {
			struct pev *x =
				add(b, 'i', t, e->seq, "point", e->what);

			if (x)
				x->args = args_of("function", e->fn, NULL);
			break;
		}
		case SIM_EV_NOTE: {
			struct pev *x;

			if (e->arg && !strncmp(e->what, "i_count", 7))
				break;
			if (e->arg)
				snprintf(name, sizeof(name), "%s %s",
					 e->arg > 0 ? "get" : "put", e->what);
			else
				snprintf(name, sizeof(name), "%s", e->what);
			x = add(b, 'i', t, e->seq,
				e->arg ? "reference" : "note", name);
			if (x)
				x->args = args_of("function", e->fn, NULL);
			break;
		}
		case SIM_EV_THREAD_END:
			while (k->depth > 0)
				pop_to(b, k, t, 0, e->seq, NULL);
			break;
		default:
			break;
		}
	}
	/* What the end of the execution left open: a deadlock, a crash. */
	for (int t = 0; t < nt; t++) {
		while (tr[t].depth > 0) {
			struct open_slice *s = &tr[t].st[--tr[t].depth];

			close_slice(b, t, s, *end, NULL, true);
		}
		if (tr[t].wake_flow) {
			/* woken, never ran again: the arrow ends at the end */
			struct pev *f =
				add(b, 'f', t, *end - 1, "flow", "wake-up");

			if (f)
				f->id = tr[t].wake_flow;
		}
	}
	/* The finding: at the end of its operation, else at the end. */
	{
		const struct finding *f = in->finding;
		struct pev *x;

		snprintf(name, sizeof(name), "%s: %s",
			 scen_violation_names[f->kind], f->what);
		x = add(b, 'i', f->tid >= 0 && f->tid < nt ? f->tid : -1,
			finding_at != UINT32_MAX ? finding_at : *end, "finding",
			name);
		if (x)
			x->args = args_of("kind", scen_violation_names[f->kind],
					  "what", f->what, "detail", f->detail,
					  NULL);
	}
	free(mark);
	free(rel);
}

/* Flow ends with no slice around them would draw nothing: dropped. */
static bool enclosed(const struct pbuild *b, int tid, uint32_t ts)
{
	for (uint32_t i = 0; i < b->n; i++) {
		const struct pev *e = &b->ev[i];

		if (e->ph == 'X' && e->tid == tid && e->ts <= ts &&
		    ts <= e->ts + e->dur)
			return true;
	}
	return false;
}

static int rank(char ph)
{
	return ph == 'X' ? 0 : ph == 'f' ? 1 : ph == 'i' ? 2 : 3;
}

/* by_time -- internal: by timestamp; at one timestamp slices first,
 * outer before inner, then flow ends, instants, flow starts; then in the
 * order made. */
static int by_time(const void *pa, const void *pb)
{
	const struct pev *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (rank(a->ph) != rank(b->ph))
		return rank(a->ph) - rank(b->ph);
	if (a->dur != b->dur)
		return a->dur > b->dur ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void meta(FILE *out, const char *what, int tid, const char *key,
		 const char *val, int num)
{
	fprintf(out,
		",\n  {\"ph\": \"M\", \"pid\": 1, \"tid\": %d, \"name\": "
		"\"%s\", \"args\": {\"%s\": ",
		tid, what, key);
	if (val)
		report_json_string(out, val);
	else
		fprintf(out, "%d", num);
	fputs("}}", out);
}

/* report_perfetto -- the execution as trace-event JSON (report.h). */
void report_perfetto(FILE *out, const struct report_in *in)
{
	const struct scen *sc = in->sc;
	struct pbuild b = { 0 };
	struct track *tr = calloc(SCEN_MAX_THREADS, sizeof(*tr));
	uint32_t end = 1;
	char buf[512], fixes[256];

	if (tr)
		build(&b, in, tr, &end);
	/* flows: both ends inside a slice, or neither is written */
	for (uint32_t i = 0; i < b.n; i++) {
		struct pev *e = &b.ev[i];

		if ((e->ph != 's' && e->ph != 'f') || !e->id)
			continue;
		if (!enclosed(&b, e->tid, e->ts)) {
			for (uint32_t j = 0; j < b.n; j++)
				if ((b.ev[j].ph == 's' || b.ev[j].ph == 'f') &&
				    b.ev[j].id == e->id && j != i)
					b.ev[j].id = 0;
			e->id = 0;
		}
	}
	qsort(b.ev, b.n, sizeof(*b.ev), by_time);

	fprintf(out,
		"{\"displayTimeUnit\": \"ns\",\n \"otherData\": {"
		"\"lockstep\": \"a finding's execution; timestamps are the "
		"event log's sequence numbers (logical time)\", \"scenario\": ");
	report_json_string(out, sc->name);
	fprintf(out, ", \"path\": ");
	report_json_string(out, sc->path);
	fprintf(out, ", \"violation\": ");
	report_json_string(out, scen_violation_names[in->finding->kind]);
	fprintf(out, ", \"fixes\": ");
	report_json_string(out,
			   core_fixes_format(in->fixes, fixes, sizeof(fixes)));
	snprintf(buf, sizeof(buf), "%s%s, seed %" PRIu64 ", execution %" PRIu64,
		 in->sched.minimized ? "minimized, " : "", in->sched.strategy,
		 in->sched.seed, in->sched.execution);
	fprintf(out, ", \"schedule\": ");
	report_json_string(out, buf);
	fprintf(out, "},\n \"traceEvents\": [\n");
	snprintf(buf, sizeof(buf), "%s: %s", sc->name,
		 scen_violation_names[in->finding->kind]);
	fprintf(out,
		"  {\"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"name\": "
		"\"process_name\", \"args\": {\"name\": ");
	report_json_string(out, buf);
	fputs("}}", out);
	for (int t = 0; t < sc->nthreads; t++) {
		meta(out, "thread_name", t + 1, "name", sc->threads[t].name, 0);
		meta(out, "thread_sort_index", t + 1, "sort_index", NULL, t);
	}
	for (uint32_t i = 0; i < b.n; i++) {
		const struct pev *e = &b.ev[i];

		if ((e->ph == 's' || e->ph == 'f') && !e->id)
			continue;
		fprintf(out,
			",\n  {\"ph\": \"%c\", \"pid\": 1, \"tid\": %d, "
			"\"ts\": %u",
			e->ph, e->tid >= 0 ? e->tid + 1 : 0, e->ts);
		if (e->ph == 'X')
			fprintf(out, ", \"dur\": %u", e->dur);
		if (e->ph == 'i')
			fprintf(out, ", \"s\": \"%s\"",
				e->tid >= 0 ? "t" : "g");
		if (e->ph == 's' || e->ph == 'f')
			fprintf(out, ", \"id\": %u", e->id);
		if (e->ph == 'f')
			fprintf(out, ", \"bp\": \"e\"");
		fprintf(out, ", \"cat\": \"%s\", \"name\": ", e->cat);
		report_json_string(out, e->name);
		if (!strcmp(e->cat, "finding"))
			fprintf(out, ", \"cname\": \"terrible\"");
		if (e->args)
			fprintf(out, ", \"args\": %s", e->args);
		fputc('}', out);
	}
	fprintf(out, "\n ]}\n");
	for (uint32_t i = 0; i < b.n; i++) {
		free(b.ev[i].name);
		free(b.ev[i].args);
	}
	free(b.ev);
	free(tr);
}
