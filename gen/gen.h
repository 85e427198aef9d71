/* SPDX-License-Identifier: MIT */
/*
 * gen/gen.h -- the program generator of `lockstep gen` (SPEC.md 2, docs/gen.md).
 *
 * gen_program() writes one valid, well-formed scenario (SPEC.md 3) as YAML
 * text, chosen by (seed, index) alone: its own PRNG stream (sim/'s
 * xoshiro256**, seeded by splitmix64 from the seed and index), no time, no
 * addresses.  Same arguments, same bytes.
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gen_options {
	uint64_t seed;
	uint64_t index;
	const char *kernel; /* "v5.15": written as kernel:, decides marks */
	uint64_t schedules; /* explore: schedules (0: 200) */
	const char *fixes;  /* a fixes edit ("a,-b"), written as fixes:
				 * and followed by the marks; NULL: none */
	bool races;	    /* keep the seed races the kernel really has
			     * (Race 1 before invalidate-lock), for hunting
			     * (fuzz --generate); off: a clean-run program */
};

/*
 * gen_program -- the scenario for (seed, index) at kernel, as a malloc'd
 * NUL-terminated string in *text; its name ("gen-SEED-INDEX") in name
 * (64 bytes).  Returns 0, or -1 with err filled (an unknown kernel, or
 * out of memory).
 */
int gen_program(const struct gen_options *o, char **text, char *name, char *err,
		size_t errlen);

/*
 * A program as a structure, for the campaign over generated programs
 * (`lockstep fuzz --generate`, campaign/genmin.c) that edits it: each edit
 * keeps it well-formed (an mmap takes its map's uses and pins with it, a
 * pin or unpin its whole section) and recomputes the marks; false when
 * the edit does not apply (it would leave a thread without operations,
 * or nothing is left to shrink).  Threads are renamed t0.. in order.
 */
struct gen_prog;
struct gen_prog *gen_prog_new(const struct gen_options *o, char *err,
			      size_t errlen);
struct gen_prog *gen_prog_dup(const struct gen_prog *p);
void gen_prog_free(struct gen_prog *p);
int gen_prog_threads(const struct gen_prog *p);
int gen_prog_ops(const struct gen_prog *p, int t);
int gen_prog_size(const struct gen_prog *p); /* operations, all threads */
bool gen_prog_drop_thread(struct gen_prog *p, int t);
bool gen_prog_drop_op(struct gen_prog *p, int t, int i);
enum gen_shrink {
	GEN_SHRINK_LEN,
	GEN_SHRINK_OFF
};
/* gen_prog_shrink -- halve op i's length (a truncate's size) or offset,
 * in its granule (8 bytes for load and store, 512 for file I/O, a page
 * for a pin, a block for clone and truncate). */
bool gen_prog_shrink(struct gen_prog *p, int t, int i, enum gen_shrink how);

/* What gen_prog_text writes around the program (NULL fields: as
 * gen_program does). */
struct gen_text {
	const char *name;
	const char *description; /* lines indented by two spaces */
	const char *explore;	 /* a flow mapping */
	uint64_t schedules;	 /* when explore is NULL (0: 200) */
	const char *expect;	 /* "violations: [...]" */
};
/* gen_prog_text -- the scenario, malloc'd; NULL when out of memory. */
char *gen_prog_text(const struct gen_prog *p, const struct gen_text *t);

/* gen_main -- `lockstep gen`: options, then gen_program per index
 * (cli/gen_cmd.c); returns the exit code (SPEC.md 8). */
int gen_main(int argc, char **argv);

#endif
