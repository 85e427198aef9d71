/* SPDX-License-Identifier: MIT */
/*
 * report/signature.c -- what makes two findings one bug, and the hashes
 * it is made of.  The campaigns deduplicate by it (campaign/), minimize
 * keeps it (engine/minimize.c).
 */
#include "report/report.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* report_mix -- splitmix64's finaliser: a good 64-bit mix. */
uint64_t report_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* report_fnv -- FNV-1a over s, digits left out when 'strip'. */
uint64_t report_fnv(uint64_t h, const char *s, bool strip)
{
	for (; s && *s; s++) {
		if (strip && isdigit((unsigned char)*s))
			continue;
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	}
	return h;
}

/* ---- Signatures -------------------------------------------------------------- */

/* ops_named -- internal: the operations 'text' names as "op(". */
static uint32_t ops_named(const char *text)
{
	uint32_t m = 0;

	for (int k = 0; k < SCEN_OP__COUNT; k++) {
		size_t l = strlen(scen_ops[k].name);

		for (const char *p = strstr(text, scen_ops[k].name); p;
		     p = strstr(p + 1, scen_ops[k].name)) {
			if (p[l] != '(')
				continue;
			if (p > text &&
			    (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
				continue;
			m |= 1u << k;
			break;
		}
	}
	return m;
}

/* report_signature -- what makes two findings one bug (report.h). */
uint64_t report_signature(const struct scen *sc, const struct finding *f)
{
	return report_signature_as(sc->name, f);
}

/* report_signature_as -- the same, with 'name' for the scenario's. */
uint64_t report_signature_as(const char *name, const struct finding *f)
{
	uint64_t h = REPORT_FNV0;
	uint32_t ops = ops_named(f->what) | ops_named(f->detail);
	char first[sizeof(f->detail)];

	h = report_fnv(h, scen_violation_names[f->kind], false);
	h = report_fnv(h ^ 1, name, false);
	h = report_fnv(h ^ 2, f->what, true);
	h = report_mix(h ^ ops);
	switch (f->kind) {
	case SCEN_V_DEADLOCK:
	case SCEN_V_LOCK_ORDER:
	case SCEN_V_DATA_RACE:
	case SCEN_V_CRASH:
		snprintf(first, sizeof(first), "%s", f->detail);
		first[strcspn(first, "\n")] = 0;
		h = report_fnv(h ^ 3, first, true);
		break;
	default:
		break;
	}
	return report_mix(h);
}
