/* SPDX-License-Identifier: MIT */
/*
 * campaign/bisect.c -- `lockstep bisect --good REV --bad REV FILE...`: the
 * commit of lockstep's own history that broke a scenario (SPEC.md 2, 8).
 *
 * It works in a temporary clone of the repository, never in the user's
 * tree:
 *
 *   git clone REPO TMP/src                (local: hard links, fast)
 *   TMP/step.sh: make in TMP/src, then lockstep run the scenarios with a
 *   fixed seed and budget (or --strategy dfs: no luck involved); exit 0
 *   when they pass, 1 when they fail, 125 (git bisect's "skip") when the
 *   revision does not build or cannot run them (exit 2 or 3)
 *   step.sh at BAD (it must fail) and at GOOD (it must pass)
 *   git bisect start BAD GOOD; git bisect run sh step.sh
 *   step.sh again at the first bad commit, for its report and trace
 *
 * The scenarios are the caller's files, by absolute path, the same at
 * every revision.  The first bad commit's report is printed; its traces
 * and the lockstep binary built at it (which replays them) are copied to
 * --out (default lockstep-out/bisect).  Builds are incremental from one
 * revision to the next (--clean for a clean build at each).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "campaign/campaign.h"

static const char bisect_usage[] =
	"usage: lockstep bisect --good REV --bad REV [OPTIONS] FILE...\n"
	"\n"
	"Find the commit of lockstep's history that broke the scenarios: git\n"
	"bisect in a temporary clone, building each revision (a revision that\n"
	"does not build is skipped) and running the scenarios with a fixed seed\n"
	"and budget.  Prints the first bad commit and its violating report.\n"
	"\n"
	"options:\n"
	"  --good REV         a revision where the scenarios pass\n"
	"  --bad REV          a later one where they fail (default HEAD)\n"
	"  --repo DIR         the repository (default: the one around .)\n"
	"  --seed N           seed of every run (default 1)\n"
	"  --schedules N      budget of every run (default: the scenario's)\n"
	"  --strategy S       pct, random or dfs (dfs: exhaustive within\n"
	"                     --depth preemptions, so the verdict is no luck)\n"
	"  --depth D          PCT depth or dfs bound\n"
	"  --out DIR          where the first bad commit's traces and binary go\n"
	"                     (default lockstep-out/bisect)\n"
	"  --clean            make clean before each build\n"
	"  --keep             keep the temporary clone (its path is printed)\n"
	"  -q, --quiet        no per-step lines\n"
	"  -h, --help         this text\n"
	"\n"
	"exit: 0 first bad commit found, 1 none (BAD passes, GOOD fails, or only\n"
	"skipped commits left), 2 bad input, 3 internal error (git missing...)\n";

struct bopts {
	const char *good, *bad, *repo, *out, *strategy;
	const char *seed, *schedules, *depth;
	bool clean, keep, quiet;
};

/* run -- internal: argv in dir, output to 'log' (NULL: ours); its exit
 * status, 128+N for a signal, -1 if it could not start. */
static int run(const char *dir, char *const argv[], const char *log)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dir && chdir(dir))
			_exit(127);
		if (log) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

			if (fd < 0)
				_exit(127);
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* capture -- internal: the first line argv prints, into buf. */
static int capture(const char *dir, char *const argv[], char *buf, size_t len,
		   const char *tmp)
{
	char out[PATH_MAX];
	FILE *f;
	int rc;

	snprintf(out, sizeof(out), "%s/capture", tmp);
	unlink(out);
	rc = run(dir, argv, out);
	buf[0] = 0;
	f = fopen(out, "r");
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	return rc;
}

/* rev_commit -- internal: the commit 'rev' names in the repository 'top',
 * into buf; -1 with a message naming the option it came from when it
 * names none. */
static int rev_commit(const char *top, const char *opt, const char *rev,
		      char *buf, size_t len, const char *tmp)
{
	char spec[PATH_MAX];
	char *vg[] = { "git",	   "-C", (char *)top, "rev-parse",
		       "--verify", "-q", spec,	      NULL };

	snprintf(spec, sizeof(spec), "%s^{commit}", rev);
	if (capture(NULL, vg, buf, len, tmp) != 0) {
		fprintf(stderr, "lockstep bisect: %s %s: no such commit\n", opt,
			rev);
		return -1;
	}
	return 0;
}

/* cat_from -- internal: a file to 'to', from its line 'skip' on, with 'from'
 * (if not NULL) replaced by 'by' in every line. */
static void cat_from(const char *path, FILE *to, int skip, const char *from,
		     const char *by)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line, *hit;

		if (skip > 0) {
			skip--;
			continue;
		}
		while (from && (hit = strstr(p, from))) {
			fwrite(p, 1, (size_t)(hit - p), to);
			fputs(by, to);
			p = hit + strlen(from);
		}
		fputs(p, to);
	}
	fclose(f);
}

/* cat -- internal: a file to 'to'. */
static void cat(const char *path, FILE *to)
{
	cat_from(path, to, 0, NULL, NULL);
}

/* write_step -- internal: the script git bisect run calls. */
static int write_step(const char *tmp, const struct bopts *o, int n,
		      char **files)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/step.sh", tmp);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
		"#!/bin/sh\n"
		"# lockstep bisect: one revision.  0 good, 1 bad, 125 skip.\n"
		"T='%s'\n"
		"cd \"$T/src\" || exit 125\n"
		"# A plain build, whatever make this runs under (make check).\n"
		"unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES SANITIZE OPT "
		"EXTRA_CFLAGS\n"
		"rev=$(git rev-parse --short HEAD)\n"
		"%s"
		"if ! make -j\"$(nproc 2>/dev/null || echo 2)\" >\"$T/build.log\" 2>&1 "
		"|| [ ! -x ./lockstep ]; then\n"
		"\techo \"  $rev: does not build: skip\" >>\"$T/steps.log\"\n"
		"\texit 125\n"
		"fi\n"
		"rm -rf \"$T/out\"\n"
		"./lockstep run --out \"$T/out\" --seed %s",
		tmp, o->clean ? "make clean >/dev/null 2>&1\n" : "",
		o->seed ? o->seed : "1");
	if (o->schedules)
		fprintf(f, " --schedules %s", o->schedules);
	if (o->strategy)
		fprintf(f, " --strategy %s", o->strategy);
	if (o->depth)
		fprintf(f, " --depth %s", o->depth);
	for (int i = 0; i < n; i++)
		fprintf(f, " '%s'", files[i]);
	fprintf(f,
		" >\"$T/run.log\" 2>&1\n"
		"rc=$?\n"
		"case $rc in\n"
		"0) echo \"  $rev: pass: good\" >>\"$T/steps.log\"; exit 0 ;;\n"
		"1) echo \"  $rev: fail: bad\" >>\"$T/steps.log\"; exit 1 ;;\n"
		"*) echo \"  $rev: cannot run the scenarios (exit $rc): skip\" "
		">>\"$T/steps.log\"; exit 125 ;;\n"
		"esac\n");
	return fclose(f);
}

/* step -- internal: step.sh at rev; its exit code. */
static int step(const char *tmp, const char *rev, bool quiet)
{
	char src[PATH_MAX], script[PATH_MAX], steps[PATH_MAX];
	char *co[] = { "git", "checkout", "-q", "--detach", (char *)rev, NULL };
	char *sh[] = { "sh", script, NULL };
	char last[512] = "";
	FILE *f;
	int rc;

	snprintf(src, sizeof(src), "%s/src", tmp);
	snprintf(script, sizeof(script), "%s/step.sh", tmp);
	snprintf(steps, sizeof(steps), "%s/steps.log", tmp);
	if (run(src, co, NULL) != 0)
		return -1;
	rc = run(NULL, sh, NULL);
	f = fopen(steps, "r");
	if (f) {
		while (fgets(last, sizeof(last), f))
			;
		fclose(f);
	}
	if (!quiet && last[0])
		fputs(last, stderr);
	return rc;
}

/* parse -- internal: the options; the first operand, -1 on a usage error,
 * -2 for --help.
 */
static int parse(int argc, char **argv, struct bopts *o)
{
	enum {
		O_GOOD = 256,
		O_BAD,
		O_REPO,
		O_OUT,
		O_SEED,
		O_SCHED,
		O_STRAT,
		O_DEPTH,
		O_CLEAN,
		O_KEEP
	};
	static const struct option opts[] = {
		{ "good", required_argument, NULL, O_GOOD },
		{ "bad", required_argument, NULL, O_BAD },
		{ "repo", required_argument, NULL, O_REPO },
		{ "out", required_argument, NULL, O_OUT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "schedules", required_argument, NULL, O_SCHED },
		{ "strategy", required_argument, NULL, O_STRAT },
		{ "depth", required_argument, NULL, O_DEPTH },
		{ "clean", no_argument, NULL, O_CLEAN },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		const char **num = NULL;

		switch (c) {
		case O_GOOD:
			o->good = optarg;
			break;
		case O_BAD:
			o->bad = optarg;
			break;
		case O_REPO:
			o->repo = optarg;
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_SEED:
			num = &o->seed;
			break;
		case O_SCHED:
			num = &o->schedules;
			break;
		case O_DEPTH:
			num = &o->depth;
			break;
		case O_STRAT:
			if (strcmp(optarg, "pct") && strcmp(optarg, "random") &&
			    strcmp(optarg, "dfs")) {
				fprintf(stderr,
					"lockstep bisect: --strategy: "
					"expected pct, random or dfs\n");
				return -1;
			}
			o->strategy = optarg;
			break;
		case O_CLEAN:
			o->clean = true;
			break;
		case O_KEEP:
			o->keep = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(bisect_usage, stdout);
			return -2;
		default:
			fprintf(stderr,
				"lockstep bisect: unknown option '%s' "
				"(lockstep bisect --help)\n",
				argv[optind - 1]);
			return -1;
		}
		if (num) {
			if (optarg[strspn(optarg, "0123456789")] || !*optarg) {
				fprintf(stderr,
					"lockstep bisect: %s: expected a "
					"non-negative integer\n",
					argv[optind - 1]);
				return -1;
			}
			*num = optarg;
		}
	}
	if (!o->good) {
		fprintf(stderr, "lockstep bisect: --good REV is required\n");
		return -1;
	}
	if (optind >= argc) {
		fprintf(stderr, "lockstep bisect: no scenario given\n");
		return -1;
	}
	return optind;
}

/* finish -- internal: the first bad commit's report, trace and binary. */
static void finish(const char *tmp, const char *commit, const struct bopts *o)
{
	char src[2048], path[PATH_MAX], to[PATH_MAX], pat[PATH_MAX];
	char *show[] = { "git",
			 "--no-pager",
			 "show",
			 "--stat",
			 "--format="
			 "commit %H%nAuthor: %an <%ae>%nDate:   %ad%n%n    %s%n",
			 (char *)commit,
			 NULL };
	char *cp[] = { "cp", "-p", path, to, NULL };
	glob_t g;

	snprintf(src, sizeof(src), "%s/src", tmp);
	printf("first bad commit:\n");
	run(src, show, NULL);
	/* Run it once more, for the report and the traces. */
	step(tmp, commit, true);
	snprintf(path, sizeof(path), "%s/run.log", tmp);
	snprintf(pat, sizeof(pat), "%s/out/", tmp);
	snprintf(to, sizeof(to), "%s/", o->out);
	printf("\nthe scenarios at %.12s:\n\n", commit);
	/* Its traces are copied to --out below: name them there. */
	cat_from(path, stdout, 0, pat, to);
	if (camp_mkdirs(o->out) < 0) {
		fprintf(stderr, "lockstep bisect: --out %s: %s\n", o->out,
			strerror(errno));
		return;
	}
	snprintf(pat, sizeof(pat), "%s/out/*.trace", tmp);
	if (glob(pat, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			snprintf(path, sizeof(path), "%s", g.gl_pathv[i]);
			snprintf(to, sizeof(to), "%s/%s", o->out,
				 strrchr(g.gl_pathv[i], '/') + 1);
			if (run(NULL, cp, NULL) == 0)
				printf("trace: %s\n", to);
		}
		globfree(&g);
	}
	snprintf(path, sizeof(path), "%s/lockstep", src);
	snprintf(to, sizeof(to), "%s/lockstep-%.12s", o->out, commit);
	if (run(NULL, cp, NULL) == 0)
		printf("the binary built at it (it replays those traces): %s\n",
		       to);
}

/* bisect_main -- `lockstep bisect --good REV --bad REV FILE...`. */
int bisect_main(int argc, char **argv)
{
	struct bopts o = { .bad = "HEAD", .out = "lockstep-out/bisect" };
	char tmp[1024], top[PATH_MAX], good[64], bad[64], line[PATH_MAX];
	char src[PATH_MAX], log[PATH_MAX], script[PATH_MAX], **files;
	const char *tdir = getenv("TMPDIR");
	int first = parse(argc, argv, &o), n, rc, code = 1;

	if (first < 0)
		return first == -2 ? 0 : 2;
	n = argc - first;
	files = calloc((size_t)n, sizeof(*files));
	for (int i = 0; i < n; i++) {
		files[i] = realpath(argv[first + i], NULL);
		if (!files[i]) {
			fprintf(stderr, "lockstep bisect: %s: %s\n",
				argv[first + i], strerror(errno));
			return 2;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s/lockstep-bisect-XXXXXX",
		 tdir && *tdir ? tdir : "/tmp");
	if (!mkdtemp(tmp)) {
		fprintf(stderr, "lockstep bisect: %s: %s\n", tmp,
			strerror(errno));
		return 3;
	}
	{
		char *toplevel[] = { "git",
				     "-C",
				     (char *)(o.repo ? o.repo : "."),
				     "rev-parse",
				     "--show-toplevel",
				     NULL };

		if (capture(NULL, toplevel, top, sizeof(top), tmp) != 0 ||
		    !top[0]) {
			fprintf(stderr,
				"lockstep bisect: %s is not in a git "
				"repository (--repo)\n",
				o.repo ? o.repo : ".");
			code = 2;
			goto out;
		}
		if (rev_commit(top, "--good", o.good, good, sizeof(good), tmp) <
			    0 ||
		    rev_commit(top, "--bad", o.bad, bad, sizeof(bad), tmp) <
			    0) {
			code = 2;
			goto out;
		}
	}
	snprintf(src, sizeof(src), "%s/src", tmp);
	{
		char *clone[] = { "git", "clone", "-q", "--no-checkout",
				  top,	 src,	  NULL };
		char cl[PATH_MAX];

		snprintf(cl, sizeof(cl), "%s/clone.log", tmp);
		if (run(NULL, clone, cl) != 0) {
			fprintf(stderr,
				"lockstep bisect: git clone %s failed:\n", top);
			cat(cl, stderr);
			code = 3;
			goto out;
		}
	}
	if (write_step(tmp, &o, n, files) < 0) {
		code = 3;
		goto out;
	}
	if (!o.quiet)
		fprintf(stderr,
			"lockstep bisect: %.12s (good) .. %.12s (bad) in "
			"%s\n",
			good, bad, tmp);
	rc = step(tmp, bad, o.quiet);
	if (rc != 1) {
		fprintf(stderr,
			"lockstep bisect: the scenarios %s at --bad %s: "
			"nothing to bisect\n",
			rc == 0 ? "pass" : "cannot be built or run", o.bad);
		goto out;
	}
	rc = step(tmp, good, o.quiet);
	if (rc != 0) {
		fprintf(stderr,
			"lockstep bisect: the scenarios %s at --good %s\n",
			rc == 1 ? "already fail" : "cannot be built or run",
			o.good);
		goto out;
	}
	{
		char *start[] = { "git", "bisect", "start", bad, good, NULL };
		char *brun[] = { "git", "bisect", "run", "sh", script, NULL };
		char *reset[] = { "git", "bisect", "reset", NULL };
		char commit[64] = "";
		FILE *f;

		snprintf(log, sizeof(log), "%s/bisect.log", tmp);
		snprintf(script, sizeof(script), "%s/step.sh", tmp);
		if (run(src, start, log) != 0) {
			fprintf(stderr,
				"lockstep bisect: git bisect start failed:\n");
			cat(log, stderr);
			code = 3;
			goto out;
		}
		rc = run(src, brun, log);
		f = fopen(log, "r");
		while (f && fgets(line, sizeof(line), f)) {
			if (strstr(line, " is the first bad commit"))
				sscanf(line, "%63[0-9a-f]", commit);
			else if (!strncmp(line, "There are only 'skip'ped", 24))
				fprintf(stderr, "lockstep bisect: %s", line);
		}
		if (f)
			fclose(f);
		if (!o.quiet) {
			/* the two checks above were shown as they ran */
			snprintf(line, sizeof(line), "%s/steps.log", tmp);
			cat_from(line, stderr, 2, NULL, NULL);
		}
		if (!commit[0]) {
			fprintf(stderr,
				"lockstep bisect: no first bad commit "
				"(git bisect run exit %d):\n",
				rc);
			cat(log, stderr);
			run(src, reset, log);
			goto out;
		}
		run(src, reset, log);
		finish(tmp, commit, &o);
		code = 0;
	}
out:
	if (o.keep) {
		fprintf(stderr, "lockstep bisect: the clone stays in %s\n",
			tmp);
	} else {
		char *rm[] = { "rm", "-rf", tmp, NULL };

		run(NULL, rm, NULL);
	}
	for (int i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return code;
}
