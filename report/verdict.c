/* SPDX-License-Identifier: MIT */
/*
 * report/verdict.c -- an outcome against the scenario's expect: (SPEC.md
 * 8), in the words `lockstep run` and `lockstep merge` both print.
 */
#include "report/report.h"

#include <inttypes.h>
#include <stdio.h>

/* report_verdict -- see report.h. */
bool report_verdict(uint32_t expect, uint32_t tolerate, uint32_t found,
		    uint64_t count, const char *unit, char *why, size_t len)
{
	uint32_t unexpected = found & ~expect & ~tolerate;
	uint32_t missing = expect & ~found;
	char a[128];

	if (unexpected) {
		scen_violations_format(unexpected, a, sizeof(a));
		snprintf(why, len, "found %s, not expected", a);
	} else if (missing) {
		scen_violations_format(missing, a, sizeof(a));
		snprintf(why, len, "expected %s, not found in %" PRIu64 " %s",
			 a, count, unit);
	} else if (found) {
		scen_violations_format(found, a, sizeof(a));
		snprintf(why, len, "%s found as expected", a);
	} else {
		snprintf(why, len, "clean in %" PRIu64 " %s, as expected",
			 count, unit);
	}
	return !unexpected && !missing;
}
