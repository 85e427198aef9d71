/* SPDX-License-Identifier: MIT */
/*
 * report/html.c -- a finding as one self-contained HTML page: the column
 * diagram of the text report (report/text.c: the same rows, one column
 * per thread), with the operations the finding names highlighted (the
 * finding's own in red, the others its evidence names in amber), a
 * dashed line wherever the scheduler switched threads, and the finding's
 * text.  Inline CSS, no script, nothing fetched: it opens from a CI
 * artifact, offline, in any browser.
 */
#include "report/report.h"
#include "report/report_impl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "sim/sim.h"

static const char style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}\n"
	"h1{font-size:1.3em;margin:0 0 .4em}\n"
	"p{margin:.3em 0}\n"
	"pre,td,.mono{font-family:monospace;font-size:13px}\n"
	".desc{white-space:pre-wrap;color:#444;max-width:60em}\n"
	".finding{border:2px solid #c00;background:#fff3f3;padding:.4em 1em;"
	"margin:1em 0;display:inline-block}\n"
	".finding h2{color:#a00;font-size:1.05em;margin:.2em 0}\n"
	".finding pre{margin:.3em 0}\n"
	".legend span{padding:1px .5em;margin-right:1em}\n"
	".k2{background:#ffc8c8}.k1{background:#ffedb0}\n"
	"table{border-collapse:collapse;margin-top:.6em}\n"
	"th{text-align:left;border-bottom:2px solid #444;padding:2px 14px;"
	"font-family:monospace}\n"
	"td{white-space:pre;padding:0 14px;vertical-align:top}\n"
	"td.n{color:#999;text-align:right;padding-right:4px}\n"
	"tr.sw td{border-top:1px dashed #aaa}\n"
	"tr.r1 td.c{background:#ffedb0}\n"
	"tr.r2 td.c{background:#ffc8c8}\n"
	"td.op{font-weight:bold}\n"
	".mark{color:#c00;font-weight:bold}\n"
	".notes{color:#444}\n";

static void esc(FILE *out, const char *s)
{
	report_xml_escape(out, s);
}

/* report_html -- the finding as a page (report.h). */
void report_html(FILE *out, const struct report_in *in)
{
	const struct scen *sc = in->sc;
	const struct finding *f = in->finding;
	const char *kind = scen_violation_names[f->kind];
	uint32_t n;
	const struct sim_event *ev = sim_events(in->sim, &n);
	uint8_t *mark = calloc(n ? n : 1, 1);
	char fixes[256], text[256];
	const char *why;
	int failed, last_tid = -1;

	fprintf(out,
		"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		"<meta charset=\"utf-8\">\n<title>");
	esc(out, sc->name);
	fprintf(out, ": %s</title>\n<style>\n%s</style>\n</head>\n<body>\n",
		kind, style);
	fprintf(out, "<h1>");
	esc(out, sc->name);
	fprintf(out, ": %s</h1>\n", kind);
	if (sc->description) {
		fprintf(out, "<p class=\"desc\">");
		esc(out, sc->description);
		fprintf(out, "</p>\n");
	}
	fprintf(out, "<p class=\"mono\">scenario ");
	esc(out, sc->path);
	fprintf(out, ", fixes: ");
	esc(out, core_fixes_format(in->fixes, fixes, sizeof(fixes)));
	fprintf(out, "<br>schedule: %s",
		in->sched.minimized && strcmp(in->sched.strategy, "minimized") ?
			"minimized, " :
			"");
	esc(out, in->sched.strategy);
	fprintf(out, ", seed %" PRIu64 ", execution %" PRIu64 "</p>\n",
		in->sched.seed, in->sched.execution);

	fprintf(out, "<div class=\"finding\">\n<h2>%s: ", kind);
	esc(out, f->what);
	fprintf(out, "</h2>\n<pre>    ");
	esc(out, f->detail);
	fprintf(out, "</pre>\n</div>\n");

	for (int i = 0; i < sc->nsteps; i++) {
		const char *note = sim_step_note(in->sim, i);

		if (!note)
			continue;
		fprintf(out, "<p class=\"notes mono\">interleave step %d (",
			i + 1);
		esc(out, sc->threads[sc->steps[i].thread].name);
		fprintf(out, ": run) ");
		esc(out, note);
		fprintf(out, "</p>\n");
	}
	failed = sim_step_failed(in->sim, &why);
	if (failed >= 0) {
		fprintf(out, "<p class=\"notes mono\">interleave step %d (",
			failed + 1);
		esc(out, sc->threads[sc->steps[failed].thread].name);
		fprintf(out, ": until ");
		esc(out, sc->steps[failed].point);
		fprintf(out, ") cannot be followed: ");
		esc(out, why);
		fprintf(out, "</p>\n");
	}

	fprintf(out,
		"<p class=\"legend\"><span class=\"k2\">the finding's "
		"operation</span><span class=\"k1\">operations its evidence "
		"names</span>a dashed line: the scheduler switched threads; "
		"#: the event log's sequence number (logical time)</p>\n");
	fprintf(out, "<table>\n<thead><tr><th>#</th>");
	for (int t = 0; t < sc->nthreads; t++) {
		fprintf(out, "<th>");
		esc(out, sc->threads[t].name);
		fprintf(out, "</th>");
	}
	fprintf(out, "</tr></thead>\n<tbody>\n");
	if (mark)
		report_racing(in, ev, n, mark);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t last = report_row(ev, n, i, text, sizeof(text));
		int t = ev[i].tid;
		int r = mark ? mark[i] : 0;
		const char *rc;
		bool sw;

		if (!text[0] || t >= sc->nthreads) {
			i = last;
			continue;
		}
		sw = last_tid >= 0 && t != last_tid;
		rc = r == 2 ? "r2" : r == 1 ? "r1" : NULL;
		fprintf(out, "<tr");
		if (rc || sw)
			fprintf(out, " class=\"%s%s%s\"", rc ? rc : "",
				rc && sw ? " " : "", sw ? "sw" : "");
		fprintf(out, "><td class=\"n\">%" PRIu32 "</td>", ev[i].seq);
		for (int c = 0; c < t; c++)
			fprintf(out, "<td></td>");
		fprintf(out, "<td class=\"c%s\">",
			ev[i].kind == SIM_EV_OP_BEGIN ? " op" : "");
		esc(out, text);
		if (r == 2 && ev[i].kind == SIM_EV_OP_END)
			fprintf(out, "  <span class=\"mark\">&#9664; %s</span>",
				kind);
		fprintf(out, "</td>");
		for (int c = t + 1; c < sc->nthreads; c++)
			fprintf(out, "<td></td>");
		fprintf(out, "</tr>\n");
		last_tid = t;
		i = last;
	}
	fprintf(out, "</tbody>\n</table>\n</body>\n</html>\n");
	free(mark);
}
