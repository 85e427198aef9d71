/* SPDX-License-Identifier: MIT */
/*
 * cli/gen_cmd.c -- `lockstep gen`: write K generated scenarios (gen/gen.c)
 * into a directory, gen-SEED-INDEX.yaml for INDEX 0..K-1.  The same
 * options give the same files, byte for byte.
 *
 * Bad input (an option, a kernel, a directory that cannot be made or
 * written) stops it with exit 2.
 */
#include "gen/gen.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/core.h"
#include "scenarios/scen.h"

static const char gen_usage[] =
	"usage: lockstep gen [--seed N] [--count K] [--kernel VER] [--out DIR]\n"
	"                    [--schedules N] [--races]\n"
	"\n"
	"Write K generated programs, valid and well-formed scenarios (SPEC.md 3,\n"
	"docs/gen.md), as DIR/gen-SEED-INDEX.yaml: 2-4 threads on 1-3 files,\n"
	"every operation and into: variant, block sizes 1024-4096, DAX per file,\n"
	"sometimes a nearly full device; biased so that threads collide (the same\n"
	"file and page, a punch or truncate beside a read, fault, pin or DMA).\n"
	"Errors that only some schedules give are marked may_fail, so on a model\n"
	"that agrees with Linux every program runs clean (expect: violations: []).\n"
	"The files depend on the options alone: same seed, same files.\n"
	"\n"
	"options:\n"
	"  --seed N          the seed (default 1)\n"
	"  --count K         how many programs (default 10; at most 1000000)\n"
	"  --kernel VER      the kernel preset written as kernel: and followed\n"
	"                    by the marks (default: the newest, v5.15)\n"
	"  --out DIR         where to write them (default lockstep-gen/)\n"
	"  --schedules N     explore: schedules of each program (default 200)\n"
	"  --races           keep the seed races the kernel really has (a read\n"
	"                    or readahead beside a punch before invalidate-lock),\n"
	"                    as fuzz --generate does: for hunting, not clean\n"
	"  -q, --quiet       do not list the files written\n"
	"  -h, --help        this text\n"
	"\n"
	"Then: lockstep run -q DIR/*.yaml (tests/soak.sh counts the findings).\n"
	"exit: 0 written, 2 bad input\n";

static int parse_num(const char *opt, const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *v > max) {
		fprintf(stderr,
			"lockstep gen: %s: expected an integer 0..%llu, "
			"got '%s'\n",
			opt, (unsigned long long)max, s);
		return -1;
	}
	return 0;
}

/* mkdirs -- mkdir -p */
static int mkdirs(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0777) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0777) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int gen_main(int argc, char **argv)
{
	enum {
		O_SEED = 256,
		O_COUNT,
		O_KERNEL,
		O_OUT,
		O_SCHED,
		O_RACES
	};
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, O_SEED },
		{ "count", required_argument, NULL, O_COUNT },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "out", required_argument, NULL, O_OUT },
		{ "schedules", required_argument, NULL, O_SCHED },
		{ "races", no_argument, NULL, O_RACES },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen_options o = {
		.seed = 1,
		.schedules = 200,
		.kernel = core_presets[core_npresets - 1].version
	};
	const char *out = "lockstep-gen";
	uint64_t count = 10;
	bool quiet = false;
	uint32_t fixes;
	struct stat st;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case O_SEED:
			if (parse_num("--seed", optarg, UINT64_MAX, &o.seed))
				return 2;
			break;
		case O_COUNT:
			if (parse_num("--count", optarg, 1000000, &count))
				return 2;
			break;
		case O_KERNEL:
			o.kernel = optarg;
			break;
		case O_OUT:
			out = optarg;
			break;
		case O_RACES:
			o.races = true;
			break;
		case O_SCHED:
			if (parse_num("--schedules", optarg, 1000000000,
				      &o.schedules))
				return 2;
			if (!o.schedules) {
				fprintf(stderr,
					"lockstep gen: --schedules must "
					"be at least 1\n");
				return 2;
			}
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(gen_usage, stdout);
			return 0;
		default:
			fprintf(stderr,
				"lockstep gen: unknown option '%s' "
				"(lockstep gen --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"lockstep gen: unexpected argument '%s' "
			"(lockstep gen --help)\n",
			argv[optind]);
		return 2;
	}
	if (core_kernel_fixes(o.kernel, &fixes) < 0 || o.kernel[0] != 'v') {
		fprintf(stderr,
			"lockstep gen: --kernel: unknown kernel '%s' "
			"(expected vX.Y; lockstep list prints the presets)\n",
			o.kernel);
		return 2;
	}
	if (mkdirs(out) < 0 || stat(out, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"lockstep gen: --out: cannot make directory "
			"'%s': %s\n",
			out, strerror(errno ? errno : ENOTDIR));
		return 2;
	}
	for (uint64_t i = 0; i < count; i++) {
		char name[SCEN_NAME_MAX], err[256], path[4200];
		char *text;
		FILE *f;

		o.index = i;
		if (gen_program(&o, &text, name, err, sizeof(err)) < 0) {
			fprintf(stderr, "lockstep gen: %s\n", err);
			return 2;
		}
		snprintf(path, sizeof(path), "%s/%s.yaml", out, name);
		f = fopen(path, "w");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
			fprintf(stderr, "lockstep gen: cannot write '%s': %s\n",
				path, strerror(errno));
			free(text);
			return 2;
		}
		free(text);
		if (!quiet)
			printf("%s\n", path);
	}
	return 0;
}
