/* SPDX-License-Identifier: MIT */
/*
 * report/picture.c -- the pictures of a finding, written beside its trace:
 * NAME.KIND.perfetto.json (report/perfetto.c, for ui.perfetto.dev) and
 * NAME.KIND.html (report/html.c, the column diagram in a browser); and
 * what both need: which operations the finding names, and atomic files.
 *
 * Like the text report, a picture is rendered from the finding and the
 * event log of the violating execution alone: logical time (the event
 * log's sequence numbers), never the wall clock, so the same schedule
 * gives the same bytes.
 */
#include "report/report.h"
#include "report/report_impl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* word_in -- internal: whether the word w occurs in [p, end) on its own
 * (not inside a longer name: thread names are [A-Za-z0-9_-]). */
static bool word_in(const char *p, const char *end, const char *w)
{
	size_t l = strlen(w);

	if (!l)
		return false;
	for (const char *q = p; q + l <= end; q++) {
		if (strncmp(q, w, l))
			continue;
		if (q > p &&
		    (isalnum((unsigned char)q[-1]) || q[-1] == '_' ||
		     q[-1] == '-'))
			continue;
		if (q + l < end &&
		    (isalnum((unsigned char)q[l]) || q[l] == '_' ||
		     q[l] == '-'))
			continue;
		return true;
	}
	return false;
}

/* names_op -- internal: whether text names operation 'op' of thread
 * 'thread': "OP by THREAD", or a line saying "during OP" that names the
 * thread (the lock-order and data-race evidence). */
static bool names_op(const char *text, const char *op, const char *thread)
{
	char needle[512];
	size_t l = strlen(op);

	snprintf(needle, sizeof(needle), "%s by %s", op, thread);
	for (const char *p = strstr(text, needle); p;
	     p = strstr(p + 1, needle)) {
		char c = p[strlen(needle)];

		if (!isalnum((unsigned char)c) && c != '_' && c != '-')
			return true;
	}
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		const char *d;

		if (!end)
			end = line + strlen(line);
		for (d = line; (d = strstr(d, "during ")) && d < end; d++) {
			const char *o = d + 7;

			if (o + l <= end && !strncmp(o, op, l) &&
			    (o + l == end || o[l] == ',' || o[l] == ' ') &&
			    word_in(line, end, thread))
				return true;
		}
		line = *end ? end + 1 : end;
	}
	return false;
}

/* report_racing -- the operations the finding names (report_impl.h). */
void report_racing(const struct report_in *in, const struct sim_event *ev,
		   uint32_t n, uint8_t *mark)
{
	const struct finding *f = in->finding;
	int nt = in->sc->nthreads;
	int opno[SCEN_MAX_THREADS];
	uint8_t cur[SCEN_MAX_THREADS];

	for (int t = 0; t < nt; t++) {
		opno[t] = -1;
		cur[t] = 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		int t = ev[i].tid;

		mark[i] = 0;
		if (t >= nt)
			continue;
		if (ev[i].kind == SIM_EV_OP_BEGIN) {
			const char *name = in->sc->threads[t].name;

			opno[t]++;
			cur[t] = t == f->tid && opno[t] == f->op ? 2 :
				names_op(f->what, ev[i].what, name) ||
					names_op(f->detail, ev[i].what, name) ?
								   1 :
								   0;
		}
		mark[i] = cur[t];
		if (ev[i].kind == SIM_EV_OP_END ||
		    ev[i].kind == SIM_EV_THREAD_END)
			cur[t] = 0;
	}
}

/* write_through -- internal: what fn draws, to path whole or not at all
 * (report_write_atomic). */
static int write_through(const char *path,
			 void (*fn)(FILE *out, const struct report_in *in),
			 const struct report_in *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return -errno;
	fn(f, in);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	err = report_write_atomic(path, buf, len);
	free(buf);
	return err;
}

/* report_pictures_write -- BASE.perfetto.json and BASE.html (report.h). */
int report_pictures_write(const char *base, const struct report_in *in)
{
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s.perfetto.json", base);
	err = write_through(path, report_perfetto, in);
	snprintf(path, sizeof(path), "%s.html", base);
	if (!err)
		err = write_through(path, report_html, in);
	return err;
}
