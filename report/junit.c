/* SPDX-License-Identifier: MIT */
/*
 * report/junit.c -- JUnit XML, the one writer for `lockstep run --junit`
 * (engine/explore.c) and the campaigns' junit.xml (campaign/merge.c).
 *
 *   <testsuites tests= failures= time=>
 *     <testsuite name= tests= failures= time=>
 *       <testcase classname= name= time=>      a scenario
 *         <failure type= message=>BODY</failure>   per thing that failed it:
 *                                  the text report (race diagram and
 *                                  finding) and how to replay it
 *         <system-out>...</system-out>   what was found and allowed:
 *                                  "expected KIND: ...", "tolerated KIND: ..."
 *
 * 'failures' counts the testcases that failed (JUnit's meaning), not the
 * failure elements.  'time' is seconds of wall-clock time: the one place
 * lockstep shows it; nothing decides on it, and no test compares it.
 */
#include "report/report.h"

void report_junit(FILE *f, const char *suite, double seconds,
		  const struct report_junit_case *c, int n)
{
	int failed = 0;

	for (int i = 0; i < n; i++)
		failed += c[i].nfail > 0;
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites tests=\"%d\" failures=\"%d\" time=\"%.3f\">\n"
		"<testsuite name=\"",
		n, failed, seconds);
	report_xml_escape(f, suite);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" time=\"%.3f\">\n", n,
		failed, seconds);
	for (int i = 0; i < n; i++) {
		fprintf(f, "  <testcase classname=\"");
		report_xml_escape(f, c[i].classname);
		fprintf(f, "\" name=\"");
		report_xml_escape(f, c[i].name);
		fprintf(f, "\" time=\"%.3f\"", c[i].seconds);
		if (!c[i].nfail && !(c[i].out && *c[i].out)) {
			fprintf(f, "/>\n");
			continue;
		}
		fprintf(f, ">\n");
		for (int k = 0; k < c[i].nfail; k++) {
			const struct report_junit_failure *x = &c[i].fail[k];

			fprintf(f, "    <failure type=\"");
			report_xml_escape(f, x->type);
			fprintf(f, "\" message=\"");
			report_xml_escape(f, x->message);
			if (!x->body || !*x->body) {
				fprintf(f, "\"/>\n");
				continue;
			}
			fprintf(f, "\">");
			report_xml_escape(f, x->body);
			fprintf(f, "</failure>\n");
		}
		if (c[i].out && *c[i].out) {
			fprintf(f, "    <system-out>");
			report_xml_escape(f, c[i].out);
			fprintf(f, "</system-out>\n");
		}
		fprintf(f, "  </testcase>\n");
	}
	fprintf(f, "</testsuite>\n</testsuites>\n");
}
