/* SPDX-License-Identifier: MIT */
/*
 * gen/gen.h -- the program generator of `lockstep gen` (SPEC.md 2, docs/gen.md).
 *
 * gen_program() writes one valid, well-formed scenario (SPEC.md 3) as YAML
 * text, chosen by (seed, index) alone: its own PRNG (splitmix64 seeding a
 * xoshiro256**), no time, no addresses.  Same arguments, same bytes.
 *
 * Well-formed means: maps and pins are used only while they exist (a map
 * by the thread whose mmap made it, a pin between its pin and its unpin,
 * inside one thread), every pin is released before its thread ends, and
 * the errors that Linux returns only in some schedules are marked
 * may_fail, those it returns always are expect_error (or avoided), so that
 * on a model that agrees with Linux the program runs clean.
 */
#ifndef LOCKSTEP_GEN_H
#define LOCKSTEP_GEN_H

#include <stddef.h>
#include <stdint.h>

struct gen_options {
	uint64_t seed;
	uint64_t index;
	const char *kernel;	/* "v5.15": written as kernel:, decides marks */
	uint64_t schedules;	/* explore: schedules (0: 200) */
};

/*
 * gen_program -- the scenario for (seed, index) at kernel, as a malloc'd
 * NUL-terminated string in *text; its name ("gen-SEED-INDEX") in name
 * (64 bytes).  Returns 0, or -1 with err filled (an unknown kernel, or
 * out of memory).
 */
int gen_program(const struct gen_options *o, char **text, char *name,
		char *err, size_t errlen);

/* gen_main -- `lockstep gen`: options, then gen_program per index
 * (cli/gen_cmd.c); returns the exit code (SPEC.md 8). */
int gen_main(int argc, char **argv);

#endif
