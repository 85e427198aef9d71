/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/driver.c -- a fuzz target without libFuzzer: every file
 * named, or every file of every directory named, is one input, run once.
 * `make check` runs each target's corpus through it (built with cc), so
 * that every input a fuzzer once found stays fixed.
 */
#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		perror(path);
		return -1;
	}
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent **ents;
		int m;

		if (stat(argv[i], &st)) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]))
				return 1;
			n++;
			continue;
		}
		m = scandir(argv[i], &ents, NULL, alphasort);
		if (m < 0) {
			perror(argv[i]);
			return 1;
		}
		for (int j = 0; j < m; j++) {
			char path[4096];

			if (ents[j]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[i],
					 ents[j]->d_name);
				if (run_file(path))
					return 1;
				n++;
			}
			free(ents[j]);
		}
		free(ents);
	}
	fprintf(stderr, "%s: %d inputs, no crash\n", argv[0], n);
	return 0;
}
