/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz.h -- what the fuzz targets share (docs/fuzzing.md).
 *
 * Each target is one LLVMFuzzerTestOneInput.  `make fuzz` links it with
 * libFuzzer (clang, ASan, UBSan); `make check` links it with driver.c, a
 * main() that feeds it every file of its corpus, so that every input a
 * fuzzer once found stays fixed.  The readers take paths, so an input is
 * written to a file in a directory made once per process.
 */
#ifndef LOCKSTEP_TESTS_FUZZ_H
#define LOCKSTEP_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir_name[64];

static inline int fuzz_rm(const char *path, const struct stat *st, int flag,
			  struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static inline void fuzz_cleanup(void)
{
	nftw(fuzz_dir_name, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* fuzz_dir -- a directory of this process's own, made on first use and
 * removed at exit */
static inline const char *fuzz_dir(void)
{
	if (!fuzz_dir_name[0]) {
		snprintf(fuzz_dir_name, sizeof(fuzz_dir_name),
			 "%s/lockstep-fuzz.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(fuzz_dir_name)) {
			perror("lockstep fuzz: mkdtemp");
			abort();
		}
		atexit(fuzz_cleanup);
	}
	return fuzz_dir_name;
}

/* fuzz_write -- data to DIR/name; the path in buf */
static inline void fuzz_write(const char *name, const void *data, size_t size,
			      char *buf, size_t len)
{
	FILE *f;

	snprintf(buf, len, "%s/%s", fuzz_dir(), name);
	f = fopen(buf, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
		perror(buf);
		abort();
	}
}

#endif
