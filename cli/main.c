/* SPDX-License-Identifier: MIT */
/*
 * cli/main.c -- the lockstep command line (SPEC.md 2 and 8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "campaign/campaign.h"
#include "engine/exec.h"
#include "engine/explore.h"
#include "gen/gen.h"
#include "core/core.h"
#include "report/report.h"
#include "scenarios/scen.h"

#ifndef LOCKSTEP_VERSION
#define LOCKSTEP_VERSION "unknown"
#endif

/* The options run and replay share, in both help texts. */
#define RUN_OPTIONS_SEARCH                                                         \
	"  --seed N          seed of the strategy (default: the scenario's)\n"     \
	"  --schedules N     executions to explore (default: the scenario's)\n"    \
	"  --strategy S      pct, random, dfs (systematic: every schedule\n"       \
	"                    within --depth preemptions, partial-order reduced)\n" \
	"                    or native (real threads on every CPU, the\n"          \
	"                    operating system picks who runs: a stress test;\n"    \
	"                    runs differ, each finding's trace replays)\n"         \
	"  --depth D         PCT depth (bug depth d: d-1 priority changes), or\n"  \
	"                    the largest dfs preemption bound (0 allowed)\n"       \
	"  --no-por          dfs without partial-order reduction (also\n"          \
	"                    LOCKSTEP_NO_POR=1)\n"                                 \
	"  --fixes LIST      add (name) or remove (-name) fixes; 'none' clears\n"  \
	"  --kernel VER      the fixes of kernel VER (v4.0 .. v7.x)\n"

#define RUN_OPTIONS_OUTPUT                                                            \
	"  --json FILE       results as JSON\n"                                       \
	"  --junit FILE      results as JUnit XML\n"                                  \
	"  --pool PATH       the pmem pool: a directory (a private file in it), a\n"  \
	"                    pool file lockstep made (or makes), devdax:DEVICE\n"     \
	"                    (default $LOCKSTEP_POOL, else /dev/shm, else $TMPDIR)\n" \
	"  --summary         a table of the outcomes at the end\n"                    \
	"  -q, --quiet       no reports, only outcomes\n"                             \
	"  -v, --verbose     progress and timing on stderr\n"

static const char usage_text[] =
	"usage: lockstep COMMAND [OPTIONS] ARGS...\n"
	"\n"
	"A deterministic concurrency simulator for Linux page-cache and DAX\n"
	"locking: runs a model of the kernel's code paths on real threads, one\n"
	"at a time, and chooses at every lock operation and named point who\n"
	"runs next.\n"
	"\n"
	"commands:\n"
	"  run FILE...       explore each scenario with its explore: settings\n"
	"                    (flags override), report, exit per expect:\n"
	"  replay TRACE      run a recorded schedule again; prints the same report\n"
	"  lint FILE...      validate scenarios without running them\n"
	"  list              operations, named points, fixes and kernel presets\n"
	"  fuzz PATH...      a campaign: worker processes, a portfolio of\n"
	"                    strategies, findings saved and minimized as found\n"
	"  minimize TRACE    a shorter schedule with the same violation\n"
	"  merge DIR...      join campaign results (shards) into one summary\n"
	"  bisect --good REV --bad REV FILE...\n"
	"                    the commit of lockstep's history that broke them\n"
	"  gen --seed N --count K --kernel VER --out DIR\n"
	"                    write K generated programs (valid scenarios that\n"
	"                    run clean on a model that agrees with Linux)\n"
	"  (lockstep COMMAND --help for each command's options)\n"
	"\n"
	"options (run, replay):\n" RUN_OPTIONS_SEARCH
	"  --out DIR         where traces and pictures go (default lockstep-out/;\n"
	"                    replay: beside the trace)\n" RUN_OPTIONS_OUTPUT
	"  -h, --help        this text; --version the version\n"
	"\n"
	"exit: 0 outcome as expected, 1 not, 2 bad input, 3 internal error\n";

static const char run_help[] =
	"usage: lockstep run [OPTIONS] FILE...\n"
	"\n"
	"Explore each scenario's schedules with its explore: settings (the\n"
	"flags override them), print a report of the first finding of each\n"
	"kind and save its trace under --out, and judge the outcome against\n"
	"expect: (PASS or FAIL per scenario).\n"
	"\n"
	"options:\n" RUN_OPTIONS_SEARCH
	"  --out DIR         where traces and pictures go (default lockstep-out/)\n" RUN_OPTIONS_OUTPUT
	"  -h, --help        this text\n"
	"\n"
	"exit: 0 every outcome as expected, 1 not, 2 bad input, 3 internal error\n";

static const char replay_help[] =
	"usage: lockstep replay [OPTIONS] TRACE\n"
	"\n"
	"Run a recorded schedule again and print the same report.  A trace\n"
	"carries its scenario's text, so it replays from any directory; a\n"
	"trace from another build (lockstep --version) is replayed while its\n"
	"decisions fit, and where they stop fitting the replay says which\n"
	"decision, where each thread stands, and draws the execution up to\n"
	"there.\n"
	"\n"
	"options:\n"
	"  --scenario FILE   replay against FILE (an edited scenario) instead\n"
	"                    of the trace's own copy\n"
	"  --json FILE       the outcome as JSON (reproduced, the findings)\n"
	"  --out DIR         where the finding's pictures go (default: beside\n"
	"                    the trace)\n"
	"  --pool PATH       the pmem pool (as for run)\n"
	"  --no-por          a dfs trace's prior executions without reduction\n"
	"  -q, --quiet       no report, only the outcome on stderr\n"
	"  -h, --help        this text\n"
	"\n"
	"exit: 0 reproduced, 1 not reproduced, 2 bad trace or a trace that no\n"
	"longer fits, 3 internal error\n";

static const char lint_help[] =
	"usage: lockstep lint [OPTIONS] FILE...\n"
	"\n"
	"Validate scenarios without running them: every error as\n"
	"FILE:LINE:COL: error: MESSAGE.  All the errors of a file are\n"
	"printed in one run (at most 20), in file order: after an error the\n"
	"loader goes on with each section, thread and operation that does\n"
	"not depend on the one that failed.\n"
	"\n"
	"options:\n"
	"  -q, --quiet       no 'ok' lines, only errors\n"
	"  -h, --help        this text\n"
	"\n"
	"exit: 0 every file valid, 2 an error in one\n";

static const char list_help[] =
	"usage: lockstep list\n"
	"\n"
	"Print the operations and their named points, the fixes and the\n"
	"kernel presets, as text (no options).\n";

static int usage(FILE *out, int code)
{
	fputs(usage_text, out);
	return code;
}

enum {
	OPT_SEED = 256,
	OPT_SCHEDULES,
	OPT_STRATEGY,
	OPT_DEPTH,
	OPT_FIXES,
	OPT_KERNEL,
	OPT_OUT,
	OPT_JSON,
	OPT_JUNIT,
	OPT_POOL,
	OPT_SUMMARY,
	OPT_VERSION,
	OPT_NO_POR,
	OPT_SCENARIO
};

static const struct option long_opts[] = {
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "schedules", required_argument, NULL, OPT_SCHEDULES },
	{ "strategy", required_argument, NULL, OPT_STRATEGY },
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "fixes", required_argument, NULL, OPT_FIXES },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "pool", required_argument, NULL, OPT_POOL },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "no-por", no_argument, NULL, OPT_NO_POR },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int parse_u64(const char *opt, const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr,
			"lockstep: %s: expected a non-negative integer, "
			"got '%s'\n",
			opt, s);
		return -1;
	}
	return 0;
}

/* The flags each command takes (a bit per option, by its enum value);
 * any other is refused, so that no flag is accepted and ignored. */
#define OB(x) (1ull << ((x)-OPT_SEED))
#define OB_Q  (1ull << 40)
#define OB_V  (1ull << 41)
static const uint64_t run_flags = ~(OB(OPT_SCENARIO));
static const uint64_t replay_flags = OB(OPT_SCENARIO) | OB(OPT_JSON) |
	OB(OPT_OUT) | OB(OPT_POOL) | OB(OPT_NO_POR) | OB_Q | OB(OPT_VERSION);
static const uint64_t lint_flags = OB_Q | OB(OPT_VERSION);

/* parse_opts -- the flags of 'cmd' (allowed: a mask of OB bits); returns
 * the index of the first operand, or -1 (message printed) on a usage error,
 * -2 for --help/--version. */
static int parse_opts(int argc, char **argv, struct explore_opts *o,
		      const char *cmd, uint64_t allowed, const char *help)
{
	int c;
	uint64_t v;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qvh", long_opts, NULL)) != -1) {
		uint64_t bit = c == 'q'		  ? OB_Q :
			c == 'v'		  ? OB_V :
			c >= OPT_SEED && c != '?' ? OB(c) :
						    0;

		if (bit && !(allowed & bit)) {
			fprintf(stderr,
				"lockstep %s: %s does not apply to %s "
				"(lockstep %s --help)\n",
				cmd, argv[optind - 1], cmd, cmd);
			return -1;
		}
		switch (c) {
		case OPT_SEED:
			if (parse_u64("--seed", optarg, &o->seed))
				return -1;
			o->have_seed = true;
			break;
		case OPT_SCHEDULES:
			if (parse_u64("--schedules", optarg, &o->schedules) ||
			    !o->schedules) {
				if (!o->schedules)
					fprintf(stderr,
						"lockstep: --schedules "
						"must be at least 1\n");
				return -1;
			}
			break;
		case OPT_STRATEGY:
			if (!strcmp(optarg, "pct"))
				o->strategy = SCEN_STRAT_PCT;
			else if (!strcmp(optarg, "random"))
				o->strategy = SCEN_STRAT_RANDOM;
			else if (!strcmp(optarg, "dfs"))
				o->strategy = SCEN_STRAT_DFS;
			else if (!strcmp(optarg, "native"))
				o->strategy = SCEN_STRAT_NATIVE;
			else {
				fprintf(stderr,
					"lockstep: --strategy: expected "
					"pct, random, dfs or native, got '%s'\n",
					optarg);
				return -1;
			}
			o->have_strategy = true;
			break;
		case OPT_DEPTH:
			if (parse_u64("--depth", optarg, &v))
				return -1;
			if (v > 16) {
				fprintf(stderr,
					"lockstep: --depth must be 0..16 "
					"(0: dfs without preemptions)\n");
				return -1;
			}
			o->depth = (int)v;
			o->have_depth = true;
			break;
		case OPT_FIXES:
			o->fixes = optarg;
			break;
		case OPT_KERNEL:
			o->kernel = optarg;
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_JUNIT:
			o->junit = optarg;
			break;
		case OPT_POOL:
			o->pool = optarg;
			break;
		case OPT_SUMMARY:
			o->summary = true;
			break;
		case OPT_NO_POR:
			o->no_por = true;
			break;
		case OPT_SCENARIO:
			o->scenario = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(help, stdout);
			return -2;
		case OPT_VERSION:
			printf("lockstep %s\n", LOCKSTEP_VERSION);
			return -2;
		default:
			fprintf(stderr,
				"lockstep %s: unknown option '%s' "
				"(lockstep %s --help)\n",
				cmd, argv[optind - 1], cmd);
			return -1;
		}
	}
	return optind;
}

static void print_scen_error(const struct scen_error *err)
{
	fprintf(stderr, "%s:%d:%d: error: %s\n", err->file, err->pos.line,
		err->pos.col, err->msg);
}

static int cmd_lint(int argc, char **argv)
{
	struct explore_opts o = { 0 };
	int first = parse_opts(argc, argv, &o, "lint", lint_flags, lint_help),
	    bad = 0;

	if (first < 0)
		return first == -2 ? 0 : 2;
	if (first >= argc) {
		fprintf(stderr, "lockstep lint: no scenario given\n");
		return 2;
	}
	for (int i = first; i < argc; i++) {
		struct scen_error err;
		struct scen *sc = scen_load(argv[i], &exec_vocab, &err);

		if (!sc) {
			/* every error the loader recorded, first to last */
			print_scen_error(&err);
			for (int e = 0; e + 1 < err.count; e++)
				fprintf(stderr, "%s:%d:%d: error: %s\n",
					err.file, err.more[e].pos.line,
					err.more[e].pos.col, err.more[e].msg);
			if (err.count >= SCEN_MAX_ERRORS)
				fprintf(stderr,
					"%s: too many errors, stopped "
					"after %d\n",
					err.file, SCEN_MAX_ERRORS);
			bad = 1;
			continue;
		}
		uint32_t fixes;
		char msg[256];

		if (exec_fixes_for(sc, NULL, NULL, &fixes, msg, sizeof(msg)) <
		    0) {
			fprintf(stderr, "%s: error: %s\n", argv[i], msg);
			bad = 1;
		} else if (!o.quiet) {
			printf("%s: ok\n", argv[i]);
		}
		scen_free(sc);
	}
	return bad ? 2 : 0;
}

static int cmd_list(int argc, char **argv)
{
	if (argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(list_help, stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr,
			"lockstep list: takes no options or operands, "
			"got '%s' (lockstep list --help)\n",
			argv[1]);
		return 2;
	}
	printf("operations and their named points:\n");
	for (int k = 0; k < SCEN_OP__COUNT; k++) {
		size_t l = strlen(scen_ops[k].name);
		int shown = 0;

		printf("  %s\n", scen_ops[k].name);
		for (int i = 0; i < core_points_count(); i++) {
			if (strncmp(core_points[i].name, scen_ops[k].name, l) ||
			    core_points[i].name[l] != '.')
				continue;
			printf("      %-30s %s\n", core_points[i].name,
			       core_points[i].what);
			shown++;
		}
		(void)shown;
	}
	printf("\nfixes:\n");
	for (int i = 0; i < FIX__COUNT; i++)
		printf("  %-24s %-9s %s\n", core_fixes[i].name,
		       core_fixes[i].kernel, core_fixes[i].what);
	printf("\nkernel presets (kernel: vX.Y takes the last one at or below "
	       "it):\n");
	for (int i = 0; i < core_npresets; i++) {
		char buf[256];

		printf("  %-7s %s\n", core_presets[i].version,
		       core_fixes_format(core_presets[i].fixes, buf,
					 sizeof(buf)));
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct explore_opts o = { .out = "lockstep-out" };
	int first = parse_opts(argc, argv, &o, "run", run_flags, run_help);

	if (first < 0)
		return first == -2 ? 0 : 2;
	if (first >= argc) {
		fprintf(stderr, "lockstep run: no scenario given\n");
		return 2;
	}
	return explore_files(&o, argc - first, argv + first);
}

static int cmd_replay(int argc, char **argv)
{
	struct explore_opts o = { 0 }; /* pictures beside the trace */
	int first =
		parse_opts(argc, argv, &o, "replay", replay_flags, replay_help);

	if (first < 0)
		return first == -2 ? 0 : 2;
	if (first != argc - 1) {
		fprintf(stderr, "lockstep replay: expected one trace file\n");
		return 2;
	}
	return explore_replay(&o, argv[first]);
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return usage(stderr, 2);
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help"))
		return usage(stdout, 0);
	if (!strcmp(cmd, "--version")) {
		printf("lockstep %s\n", LOCKSTEP_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(cmd, "lint"))
		return cmd_lint(argc - 1, argv + 1);
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "fuzz"))
		return fuzz_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "minimize"))
		return minimize_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "merge"))
		return merge_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "gen"))
		return gen_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "bisect"))
		return bisect_main(argc - 1, argv + 1);
	fprintf(stderr, "lockstep: unknown command '%s' (lockstep --help)\n",
		cmd);
	return 2;
}
