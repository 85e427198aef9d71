/* SPDX-License-Identifier: MIT */
/*
 * report/text.c -- the text report and JSON.
 *
 * The centre of a text report is the interleaving of the violating
 * schedule, one column per thread, as the mailing-list threads draw races:
 *
 *   reader                              puncher
 *   ------                              -------
 *                                       punch_hole(a, 4096, 4096)
 *                                         down_write i_rwsem(a)
 *                                         * punch_hole.pages_truncated
 *   read(a, 4096, 4096)
 *     lock page(a:1)
 *     * read.page_created
 */
#include "report/report.h"
#include "report/report_impl.h"

#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "sim/sim.h"

#ifndef LOCKSTEP_VERSION
#define LOCKSTEP_VERSION "unknown"
#endif

const char *report_build(void)
{
	return LOCKSTEP_VERSION;
}

/* report_result_text -- an operation's result as drawn (report_impl.h). */
void report_result_text(int32_t res, char *buf, size_t len)
{
	const char *name = res < 0 ? scen_errno_name(-res) : NULL;

	if (name)
		snprintf(buf, len, "= -%s", name);
	else if (res)
		snprintf(buf, len, "= %d", res);
	else
		snprintf(buf, len, "= ok");
}

/* report_build_sources -- the hash of the behaviour's sources in a build
 * string ("03a51a8-dirty sources 394541c0c302"), or NULL (builds before
 * the hash was recorded). */
const char *report_build_sources(const char *build)
{
	const char *p = build ? strstr(build, " sources ") : NULL;

	return p && p[9] ? p + 9 : NULL;
}

/* report_build_same -- whether a trace's build line names this build's
 * behaviour: the same source hash when both have one, else the same
 * string. */
bool report_build_same(const char *build)
{
	const char *a = report_build_sources(build);
	const char *b = report_build_sources(report_build());

	if (a && b)
		return !strcmp(a, b);
	return !strcmp(build, report_build());
}

/* event_text -- internal: one event as its column shows it; "" to skip. */
static void event_text(const struct sim_event *ev, const struct sim_event *next,
		       char *buf, size_t len, bool *skip_next)
{
	/* lock events carry the lock's kind in arg */
	bool rw = ev->arg == SIM_RWSEM;

	*skip_next = false;
	buf[0] = 0;
	switch (ev->kind) {
	case SIM_EV_OP_BEGIN:
		snprintf(buf, len, "%s", ev->what);
		break;
	case SIM_EV_OP_END:
		report_result_text(ev->arg, buf, len);
		break;
	case SIM_EV_POINT:
		snprintf(buf, len, "  * %s", ev->what);
		break;
	case SIM_EV_ACQUIRE:
		/* A lock taken and dropped with nothing between: one row. */
		if (next && next->kind == SIM_EV_RELEASE &&
		    next->tid == ev->tid && next->what == ev->what) {
			*skip_next = true;
			snprintf(buf, len, "  %s+%s %s",
				 rw ? (ev->mode ? "down_read" : "down_write") :
				      "lock",
				 rw ? "up" : "unlock", ev->what);
			break;
		}
		snprintf(buf, len, "  %s %s",
			 rw ? (ev->mode ? "down_read" : "down_write") : "lock",
			 ev->what);
		break;
	case SIM_EV_RELEASE:
		snprintf(buf, len, "  %s %s",
			 rw ? (ev->mode ? "up_read" : "up_write") : "unlock",
			 ev->what);
		break;
	case SIM_EV_BLOCK:
		snprintf(buf, len, "  .. waits for %s", ev->what);
		break;
	case SIM_EV_WAKE:
		snprintf(buf, len, "  wakes %s", ev->what);
		break;
	case SIM_EV_NOTE:
		/* references: arg +1 a get, -1 a put; an open file's own
		 * reference (i_count) is noise in a race diagram */
		if (ev->arg && !strncmp(ev->what, "i_count", 7))
			break;
		if (ev->arg)
			snprintf(buf, len, "  %s %s",
				 ev->arg > 0 ? "get" : "put", ev->what);
		else
			snprintf(buf, len, "  (%s)", ev->what);
		break;
	default:
		break;
	}
}

/* report_row -- the row event i makes (report_impl.h). */
uint32_t report_row(const struct sim_event *ev, uint32_t n, uint32_t i,
		    char *text, size_t len)
{
	uint32_t j = i + 1;
	bool skip;

	/* field accesses are not drawn: look past them */
	while (j < n && ev[j].kind == SIM_EV_ACCESS)
		j++;
	event_text(&ev[i], j < n ? &ev[j] : NULL, text, len, &skip);
	return skip ? j : i;
}

static void interleaving(FILE *out, const struct report_in *in)
{
	const struct scen *sc = in->sc;
	uint32_t n;
	const struct sim_event *ev = sim_events(in->sim, &n);
	int nt = sc->nthreads;
	int w = nt <= 2 ? 40 : nt == 3 ? 32 : 26;
	char text[256];

	fprintf(out, "  ");
	for (int t = 0; t < nt; t++)
		fprintf(out, "%-*.*s", t == nt - 1 ? 0 : w, w - 1,
			sc->threads[t].name);
	fprintf(out, "\n  ");
	for (int t = 0; t < nt; t++) {
		int l = (int)strlen(sc->threads[t].name);

		if (l > w - 1)
			l = w - 1;
		for (int i = 0; i < l; i++)
			fputc('-', out);
		if (t != nt - 1)
			fprintf(out, "%*s", w - l, "");
	}
	fputc('\n', out);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t last = report_row(ev, n, i, text, sizeof(text));

		if (text[0])
			fprintf(out, "  %*s%s\n", w * ev[i].tid, "", text);
		i = last;
	}
}

void report_interleaving(FILE *out, const struct scen *sc,
			 const struct sim *sim)
{
	struct report_in in = { .sc = sc, .sim = sim };

	interleaving(out, &in);
}

void report_text(FILE *out, const struct report_in *in)
{
	const struct scen *sc = in->sc;
	const struct finding *f = in->finding;
	char fixes[256];
	const char *why;
	int failed;

	fprintf(out, "== %s: %s ==\n", sc->name, scen_violation_names[f->kind]);
	if (sc->description) {
		/* the description, indented, without its final newline */
		const char *p = sc->description;

		while (*p) {
			const char *nl = strchr(p, '\n');
			int l = nl ? (int)(nl - p) : (int)strlen(p);

			fprintf(out, "  %.*s\n", l, p);
			p += l + (nl ? 1 : 0);
		}
	}
	fprintf(out, "  scenario %s, fixes: %s\n", sc->path,
		core_fixes_format(in->fixes, fixes, sizeof(fixes)));
	fprintf(out, "  schedule: %s%s%s, seed %llu, execution %llu\n\n",
		in->sched.minimized && strcmp(in->sched.strategy, "minimized") ?
			"minimized, " :
			"",
		in->sched.strategy,
		in->sched.undirected ? " without interleave:" : "",
		(unsigned long long)in->sched.seed,
		(unsigned long long)in->sched.execution);
	for (int i = 0; i < sc->nsteps; i++) {
		const char *note = sim_step_note(in->sim, i);

		if (note)
			fprintf(out, "  interleave step %d (%s: run) %s\n",
				i + 1, sc->threads[sc->steps[i].thread].name,
				note);
	}
	failed = sim_step_failed(in->sim, &why);
	if (failed >= 0)
		fprintf(out,
			"  interleave step %d (%s: until %s) cannot be "
			"followed: %s\n",
			failed + 1, sc->threads[sc->steps[failed].thread].name,
			sc->steps[failed].point, why);
	interleaving(out, in);
	fprintf(out, "\n%s: %s\n", scen_violation_names[f->kind], f->what);
	fprintf(out, "    %s\n", f->detail);
}

/* report_xml_escape -- s as XML text or attribute value; control
 * characters other than newline are not allowed in XML 1.0: dropped. */
void report_xml_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n')
				fputc(*s, out);
		}
	}
}

void report_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fprintf(out, "\\n");
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void report_json_finding(FILE *out, const struct report_in *in,
			 const char *trace_path)
{
	const struct finding *f = in->finding;
	uint32_t ndec;

	(void)sim_decisions(in->sim, &ndec);
	fprintf(out, "{\"kind\": ");
	report_json_string(out, scen_violation_names[f->kind]);
	fprintf(out, ", \"thread\": ");
	if (f->tid >= 0)
		report_json_string(out, in->sc->threads[f->tid].name);
	else
		fprintf(out, "null");
	fprintf(out, ", \"op\": %d, \"what\": ", f->op);
	report_json_string(out, f->what);
	fprintf(out, ", \"detail\": ");
	report_json_string(out, f->detail);
	fprintf(out, ", \"strategy\": ");
	report_json_string(out, in->sched.strategy);
	fprintf(out, ", \"minimized\": %s",
		in->sched.minimized ? "true" : "false");
	if (in->sched.undirected)
		fprintf(out, ", \"undirected\": true");
	/* seeds are 64-bit: a string, which JSON readers that hold numbers
	 * as doubles (jq, JavaScript) keep exactly */
	fprintf(out,
		", \"seed\": \"%llu\", \"execution\": %llu, \"decisions\": %u"
		", \"trace\": ",
		(unsigned long long)in->sched.seed,
		(unsigned long long)in->sched.execution, ndec);
	if (trace_path)
		report_json_string(out, trace_path);
	else
		fprintf(out, "null");
	fputc('}', out);
}
