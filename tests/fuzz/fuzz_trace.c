/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_trace.c -- a trace file read and replayed
 * (report/trace.c, engine/explore.c's explore_replay): any bytes give
 * exit 0, 1 or 2, never a crash or a hang.  The seeds name bundled
 * scenarios by a path relative to the top of the tree: run from there.
 */
#include "tests/fuzz/fuzz.h"

#include "engine/explore.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	struct explore_opts o = { .quiet = true };
	char path[128];
	int rc;

	if (!quiet) {
		/* the reports of what replays: not the fuzzer's business */
		if (!freopen("/dev/null", "w", stdout))
			abort();
		quiet = true;
	}
	fuzz_write("t.trace", data, size, path, sizeof(path));
	rc = explore_replay(&o, path);
	if (rc < 0 || rc > 2)
		abort(); /* 3: lockstep's own failure, on any input */
	return 0;
}
