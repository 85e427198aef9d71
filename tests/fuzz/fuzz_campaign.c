/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_campaign.c -- a campaign directory read back by
 * lockstep merge (campaign/merge.c: the campaign file, worker state,
 * finding metadata, coverage, timeline; campaign/campaign.c's readers).
 * The input is the files, separated by lines of "=====": campaign,
 * state/w0, findings/f.meta, coverage.1-of-1, timeline.1-of-1.  Any
 * bytes give an exit code of 0 to 3 (3 only for a summary file it could
 * not write: none is asked for), never a crash.
 */
#include "tests/fuzz/fuzz.h"

#include <sys/stat.h>

#include "campaign/campaign.h"

static const char *const files[] = {
	"campaign",	   "state/w0",	      "findings/f.meta",
	"coverage.1-of-1", "timeline.1-of-1",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n=====\n";
	struct camp_summary_opts o = { .quiet = true, .jobs = 1 };
	const uint8_t *p = data, *end = data + size;
	char path[256], dir[128], *dirs[1] = { dir };
	int rc;

	snprintf(dir, sizeof(dir), "%s/c", fuzz_dir());
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/state", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/findings", dir);
	mkdir(path, 0755);
	for (size_t i = 0; i < NFILES; i++) {
		const uint8_t *next = p < end ?
			memmem(p, (size_t)(end - p), sep, sizeof(sep) - 1) :
			NULL;
		size_t n = next ? (size_t)(next - p) : (size_t)(end - p);
		char name[64];

		snprintf(name, sizeof(name), "c/%s", files[i]);
		if (p < end) {
			fuzz_write(name, p, n, path, sizeof(path));
		} else {
			snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
			unlink(path);
		}
		p = next ? next + sizeof(sep) - 1 : end;
	}
	rc = camp_summary(dirs, 1, &o);
	if (rc < 0 || rc > 2)
		abort();
	return 0;
}
