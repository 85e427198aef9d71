/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_scen.c -- the scenario loader (scenarios/scen_load.c) on
 * any bytes: it must load or fail with FILE:LINE:COL, never crash, hang
 * or leak.  Seeds: the bundled scenarios and tests/bad/.
 */
#include "tests/fuzz/fuzz.h"

#include "engine/exec.h"
#include "scenarios/scen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128];
	struct scen_error err;
	struct scen *sc;

	fuzz_write("s.yaml", data, size, path, sizeof(path));
	sc = scen_load(path, &exec_vocab, &err);
	if (sc) {
		char desc[128];

		for (int t = 0; t < sc->nthreads; t++)
			for (int o = 0; o < sc->threads[t].nops; o++)
				scen_op_describe(sc, &sc->threads[t].ops[o],
						 desc, sizeof(desc));
		scen_free(sc);
	} else if (err.pos.line < 0 || err.pos.col < 0 || !err.msg[0]) {
		abort(); /* every error has a position and a message */
	}
	return 0;
}
