/* SPDX-License-Identifier: MIT */
/*
 * cli/fuzz_cmd.c -- `lockstep fuzz`: its options, the scenarios it is
 * given (files, or directories of *.yaml) and the campaign directory it
 * starts, resumes or starts anew; then the coordinator (campaign/fuzz.c).
 *
 * Bad input (a scenario that does not load, an unknown fix, a directory
 * that already holds a campaign and no --resume or --fresh) stops it with
 * exit 2 before any worker exists.
 */
#include "campaign/fuzz.h"

#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "engine/exec.h"
#include "gen/gen.h"

static const char fuzz_usage[] =
	"usage: lockstep fuzz [OPTIONS] PATH...\n"
	"       lockstep fuzz --generate [--kernel VER] [--fixes LIST] [OPTIONS]\n"
	"\n"
	"A campaign: worker processes, one per CPU and pinned to it, explore the\n"
	"scenarios (files, or directories of *.yaml) with a portfolio of\n"
	"strategies (PCT at depths 1-3, random, each with its own seed, and dfs\n"
	"with growing preemption bounds) until the time is up.  Each distinct\n"
	"finding (by signature: kind, operations, locks and points, not the\n"
	"schedule) is saved at once, atomically, with its trace, then minimized.\n"
	"A crashing execution is a finding; its worker is replaced.\n"
	"\n"
	"options:\n"
	"  --time D          how long (90s, 15m, 8h, 1h30m; default 60s)\n"
	"  --jobs N          worker processes (default: the CPUs available)\n"
	"  --out DIR         the campaign directory (default lockstep-out/fuzz),\n"
	"                    locked while the campaign runs\n"
	"  --resume          go on with the campaign in DIR (its seed, shard,\n"
	"                    strategies; another --seed or --shard is refused)\n"
	"  --fresh           discard the campaign in DIR and start anew\n"
	"  --shard K/N       run shard K of N: N jobs share a campaign (seed\n"
	"                    space split; lockstep merge joins their DIRs)\n"
	"  --seed N          the campaign's seed (default 1)\n"
	"  --schedules N     at most N executions per scenario and strategy\n"
	"  --strategies L    the portfolio (pct-1,pct-2,pct-3,random,dfs; pct;\n"
	"                    all: the default)\n"
	"  --depth K         the largest dfs preemption bound (default 16)\n"
	"  --min-budget N    executions to minimize each finding (default 500;\n"
	"                    0: do not minimize)\n"
	"  --fixes LIST, --kernel VER, --pool PATH   as for run\n"
	"  --generate        no PATH: programs made by lockstep gen (seed,\n"
	"                    shard, index), at --kernel (default the newest\n"
	"                    preset) with --fixes edited in, each explored\n"
	"                    --schedules times (default 100) per strategy;\n"
	"                    each new finding is saved as a minimized scenario,\n"
	"                    DIR/findings/ID.yaml (expect: its violation; it\n"
	"                    runs and its ID.min.trace replays), beside the\n"
	"                    program as generated (ID.orig.yaml, ID.trace)\n"
	"  --programs N      --generate: only programs 0..N-1, then stop\n"
	"  --undirected      every slot runs the scenarios without their\n"
	"                    interleave: steps, so that a directed scenario\n"
	"                    is searched around (by default only the random\n"
	"                    slot of a fixed one, with interleave: and no\n"
	"                    expected violation, does); such executions do\n"
	"                    not check op-result; their traces say\n"
	"                    'undirected: yes', and replay and minimize run\n"
	"                    them so\n"
	"  --stop-on KINDS   stop once a finding of one of these kinds (a\n"
	"                    comma list: stale-read,deadlock) is saved\n"
	"  --json FILE       results as JSON (default DIR/results.json)\n"
	"  --junit FILE      results as JUnit XML (default DIR/junit.xml)\n"
	"  -q, --quiet       only the summary\n"
	"  -h, --help        this text\n"
	"\n"
	"A progress line is shown on a terminal, not when CI=true.  Ctrl-C stops\n"
	"the campaign with its summary; kill -9 loses no finding saved.\n"
	"exit: 0 every scenario as its expect: says, 1 not, 2 bad input,\n"
	"3 internal error\n";

struct fopts {
	double time;
	int jobs;
	const char *out, *json, *junit, *pool, *fixes, *kernel;
	uint64_t seed, schedules, min_budget, programs;
	int shard_k, shard_n, max_bound;
	uint32_t strats, stop_on;
	bool resume, fresh, quiet, generate, undirected;
	bool have_seed, have_shard;
};

/* ---- Scenarios ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* collect -- internal: the scenario files PATHs name, directories sorted. */
static int collect(int n, char **paths, char ***out)
{
	char **v = NULL;
	int nv = 0;

	for (int i = 0; i < n; i++) {
		struct stat st;
		char pat[4096];
		glob_t g;

		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(pat, sizeof(pat), "%s/*.yaml", paths[i]);
			if (glob(pat, 0, NULL, &g) == 0) {
				v = realloc(v,
					    (size_t)(nv + (int)g.gl_pathc) *
						    sizeof(*v));
				for (size_t j = 0; j < g.gl_pathc; j++)
					v[nv++] = strdup(g.gl_pathv[j]);
				globfree(&g);
			}
			continue;
		}
		v = realloc(v, (size_t)(nv + 1) * sizeof(*v));
		v[nv++] = strdup(paths[i]);
	}
	if (nv)
		qsort(v, (size_t)nv, sizeof(*v), cmp_str);
	*out = v;
	return nv;
}

/* ---- Options ------------------------------------------------------------------------ */

static int parse(int argc, char **argv, struct fopts *o)
{
	enum {
		O_TIME = 256,
		O_JOBS,
		O_OUT,
		O_RESUME,
		O_FRESH,
		O_SHARD,
		O_SEED,
		O_SCHED,
		O_STRATS,
		O_DEPTH,
		O_MIN,
		O_FIXES,
		O_KERNEL,
		O_POOL,
		O_JSON,
		O_JUNIT,
		O_GENERATE,
		O_PROGRAMS,
		O_STOP_ON,
		O_UNDIRECTED
	};
	static const struct option opts[] = {
		{ "time", required_argument, NULL, O_TIME },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "out", required_argument, NULL, O_OUT },
		{ "resume", no_argument, NULL, O_RESUME },
		{ "fresh", no_argument, NULL, O_FRESH },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "seed", required_argument, NULL, O_SEED },
		{ "schedules", required_argument, NULL, O_SCHED },
		{ "strategies", required_argument, NULL, O_STRATS },
		{ "depth", required_argument, NULL, O_DEPTH },
		{ "min-budget", required_argument, NULL, O_MIN },
		{ "fixes", required_argument, NULL, O_FIXES },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "pool", required_argument, NULL, O_POOL },
		{ "json", required_argument, NULL, O_JSON },
		{ "junit", required_argument, NULL, O_JUNIT },
		{ "generate", no_argument, NULL, O_GENERATE },
		{ "programs", required_argument, NULL, O_PROGRAMS },
		{ "stop-on", required_argument, NULL, O_STOP_ON },
		{ "undirected", no_argument, NULL, O_UNDIRECTED },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[256], *end;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case O_TIME:
			if (camp_parse_duration(optarg, &o->time) < 0) {
				fprintf(stderr,
					"lockstep fuzz: --time: expected "
					"a duration (90s, 15m, 8h), got '%s'\n",
					optarg);
				return -1;
			}
			break;
		case O_JOBS:
			o->jobs = (int)strtol(optarg, &end, 10);
			if (*end || o->jobs < 1 || o->jobs > FUZZ_MAX_JOBS) {
				fprintf(stderr,
					"lockstep fuzz: --jobs: 1..%d\n",
					FUZZ_MAX_JOBS);
				return -1;
			}
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_RESUME:
			o->resume = true;
			break;
		case O_FRESH:
			o->fresh = true;
			break;
		case O_SHARD:
			if (camp_parse_shard(optarg, &o->shard_k, &o->shard_n) <
			    0) {
				fprintf(stderr,
					"lockstep fuzz: --shard: expected "
					"K/N with 1 <= K <= N, got '%s'\n",
					optarg);
				return -1;
			}
			o->have_shard = true;
			break;
		case O_SEED:
		case O_PROGRAMS:
		case O_SCHED:
		case O_MIN:
		case O_DEPTH: {
			uint64_t v = strtoull(optarg, &end, 0);

			if (errno || *end || *optarg == '-' || end == optarg) {
				fprintf(stderr,
					"lockstep fuzz: %s: expected a "
					"non-negative integer, got '%s'\n",
					argv[optind - 1], optarg);
				return -1;
			}
			if (c == O_SEED)
				o->seed = v, o->have_seed = true;
			else if (c == O_SCHED)
				o->schedules = v;
			else if (c == O_MIN)
				o->min_budget = v;
			else if (c == O_PROGRAMS)
				o->programs = v;
			else
				o->max_bound = v > 64 ? 64 : (int)v;
			break;
		}
		case O_STRATS:
			if (camp_strats_parse(optarg, &o->strats, err,
					      sizeof(err)) < 0) {
				fprintf(stderr, "lockstep fuzz: %s\n", err);
				return -1;
			}
			break;
		case O_FIXES:
			o->fixes = optarg;
			break;
		case O_KERNEL:
			o->kernel = optarg;
			break;
		case O_POOL:
			o->pool = optarg;
			break;
		case O_JSON:
			o->json = optarg;
			break;
		case O_JUNIT:
			o->junit = optarg;
			break;
		case O_GENERATE:
			o->generate = true;
			break;
		case O_UNDIRECTED:
			o->undirected = true;
			break;
		case O_STOP_ON: {
			char buf[256], *save = NULL;

			snprintf(buf, sizeof(buf), "%s", optarg);
			for (char *t = strtok_r(buf, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				int k;

				for (k = 0; k < SCEN_V__COUNT; k++)
					if (!strcmp(t, scen_violation_names[k]))
						break;
				if (k == SCEN_V__COUNT) {
					fprintf(stderr,
						"lockstep fuzz: --stop-on: "
						"unknown violation '%s'\n",
						t);
					return -1;
				}
				o->stop_on |= 1u << k;
			}
			break;
		}
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(fuzz_usage, stdout);
			return -2;
		default:
			fprintf(stderr,
				"lockstep fuzz: unknown option '%s' "
				"(lockstep fuzz --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

/* clear_dir -- internal: --fresh: the files of an earlier campaign;
 * else (tmp_only) the temporary files a killed one left half written. */
static void clear_dir(const char *dir, bool tmp_only)
{
	static const char *const pats[] = {
		"%s/findings/*.tmp.*", "%s/state/*.tmp.*", "%s/*.tmp.*",
		"%s/findings/*",       "%s/state/*",	   "%s/coverage.*",
		"%s/timeline.*",       "%s/campaign",	   "%s/results.json",
		"%s/junit.xml",	       "%s/summary.txt",   "%s/work/*",
	};
	size_t n = tmp_only ? 3 : sizeof(pats) / sizeof(pats[0]);
	char pat[4096];
	glob_t g;

	for (size_t i = 0; i < n; i++) {
		snprintf(pat, sizeof(pat), pats[i], dir);
		if (glob(pat, 0, NULL, &g))
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++)
			unlink(g.gl_pathv[j]);
		globfree(&g);
	}
}

/* write_conf -- internal: the directories (work/ too for a generated
 * campaign, which writes its programs there) and the campaign file; 0 or
 * 2. */
static int write_conf(const struct fopts *o, struct camp_conf *conf, bool work)
{
	char path[4096];

	snprintf(conf->build, sizeof(conf->build), "%s", report_build());
	snprintf(path, sizeof(path), "%s/findings", o->out);
	if (camp_mkdirs(path) < 0 ||
	    (snprintf(path, sizeof(path), "%s/state", o->out),
	     camp_mkdirs(path) < 0) ||
	    (work &&
	     (snprintf(path, sizeof(path), "%s/work", o->out),
	      camp_mkdirs(path) < 0)) ||
	    camp_conf_write(o->out, conf) < 0) {
		fprintf(stderr, "lockstep fuzz: --out %s: %s\n", o->out,
			strerror(errno));
		return 2;
	}
	return 0;
}

/*
 * setup_generate -- internal: --generate: the campaign's one scenario,
 * "generated", standing for every program; the kernel and fixes checked
 * by making program 0 and loading it.  An exit code or 0.
 */
static int setup_generate(const struct fopts *o, struct fuzz_cfg *cfg)
{
	struct camp_conf *conf = &cfg->conf;
	struct camp_scen *cs = &conf->scen[0];
	struct scen_error serr;
	struct gen_options go = { 0 };
	char err[512], name[SCEN_NAME_MAX], path[4096], *text;
	struct scen *sc;
	int code;

	if (!o->resume) {
		if (o->kernel &&
		    (core_kernel_fixes(o->kernel, &cs->fixes) < 0 ||
		     o->kernel[0] != 'v')) {
			fprintf(stderr,
				"lockstep fuzz: --kernel: unknown kernel "
				"'%s' (expected vX.Y; lockstep list prints the "
				"presets)\n",
				o->kernel);
			return 2;
		}
		conf->generate = true;
		snprintf(conf->gen_kernel, sizeof(conf->gen_kernel), "%s",
			 o->kernel ? o->kernel :
				     core_presets[core_npresets - 1].version);
		snprintf(conf->gen_fixes, sizeof(conf->gen_fixes), "%s",
			 o->fixes ? o->fixes : "");
		if (!conf->schedules)
			conf->schedules = 100;
		conf->gen_programs = o->programs;
		conf->strats &= ~(1u << CAMP_DFS);
		if (!conf->strats) {
			fprintf(stderr,
				"lockstep fuzz: --generate: dfs is "
				"not run on generated programs; give another "
				"strategy\n");
			return 2;
		}
	}
	go.seed = conf->seed;
	go.races = true;
	go.kernel = conf->gen_kernel;
	go.fixes = conf->gen_fixes[0] ? conf->gen_fixes : NULL;
	if (gen_program(&go, &text, name, err, sizeof(err)) < 0) {
		fprintf(stderr, "lockstep fuzz: --generate: %s\n", err);
		return 2;
	}
	code = write_conf(o, conf, true);
	if (code) {
		free(text);
		return code;
	}
	snprintf(path, sizeof(path), "%s/work/check.yaml", o->out);
	if (camp_write_atomic(path, text, strlen(text)) < 0) {
		free(text);
		fprintf(stderr, "lockstep fuzz: %s: %s\n", path,
			strerror(errno));
		return 2;
	}
	free(text);
	sc = scen_load(path, &exec_vocab, &serr);
	if (!sc) {
		fprintf(stderr, "%s:%d:%d: error: %s\n", serr.file,
			serr.pos.line, serr.pos.col, serr.msg);
		return 3;
	}
	if (exec_fixes_for(sc, NULL, NULL, &cs->fixes, err, sizeof(err)) < 0) {
		fprintf(stderr, "lockstep fuzz: --fixes: %s\n", err);
		scen_free(sc);
		return 2;
	}
	scen_free(sc);
	conf->nscen = 1;
	snprintf(cs->name, sizeof(cs->name), "%s", FUZZ_GEN_NAME);
	snprintf(cs->path, sizeof(cs->path),
		 "(lockstep gen --seed %llu "
		 "--kernel %s)",
		 (unsigned long long)conf->seed, conf->gen_kernel);
	cs->hash = 0;
	cs->expect = cs->tolerate = 0;
	cfg->sc[0] = NULL;
	return write_conf(o, conf, true);
}

/* setup -- internal: the scenarios and the campaign file; an exit code
 * (2: bad input) or 0. */
static int setup(const struct fopts *o, int n, char **paths,
		 struct fuzz_cfg *cfg)
{
	struct camp_conf *conf = &cfg->conf;
	struct camp_conf old;
	char err[512], **files = NULL, path[4096];
	int nfiles, code = 0;
	bool have = false;

	/* One campaign per directory: locked before anything in it is read
	 * or cleared. */
	code = camp_mkdirs(o->out);
	if (!code)
		code = camp_lock_dir(o->out);
	if (code == -EWOULDBLOCK) {
		fprintf(stderr,
			"lockstep fuzz: --out %s: another campaign is "
			"running on it (%s/lock is locked); wait for it to end, "
			"or give another --out\n",
			o->out, o->out);
		return 2;
	}
	if (code) {
		fprintf(stderr, "lockstep fuzz: --out %s: %s\n", o->out,
			strerror(-code));
		return 2;
	}
	snprintf(path, sizeof(path), "%s/campaign", o->out);
	have = access(path, F_OK) == 0;
	if (have && !o->resume && !o->fresh) {
		fprintf(stderr,
			"lockstep fuzz: %s already holds a campaign: "
			"--resume to go on with it, --fresh to start anew, or "
			"another --out\n",
			o->out);
		return 2;
	}
	if (o->resume) {
		if (camp_conf_read(o->out, &old, err, sizeof(err)) < 0) {
			fprintf(stderr, "lockstep fuzz: --resume: %s\n", err);
			return 2;
		}
		clear_dir(o->out, true);
		if (old.generate || o->generate) {
			if (n || !old.generate) {
				fprintf(stderr,
					"lockstep fuzz: --resume: %s is "
					"a campaign over %s\n",
					o->out,
					old.generate ?
						"generated programs: no "
						"PATH" :
						"scenarios: no --generate");
				return 2;
			}
			*conf = old;
			return setup_generate(o, cfg);
		}
		if (!n) {
			/* The campaign's own scenarios. */
			files = calloc((size_t)old.nscen, sizeof(*files));
			for (int i = 0; i < old.nscen; i++)
				files[i] = strdup(old.scen[i].path);
			nfiles = old.nscen;
		} else {
			nfiles = collect(n, paths, &files);
		}
	} else if (o->generate) {
		if (n) {
			fprintf(stderr,
				"lockstep fuzz: --generate makes its "
				"programs: no PATH (got '%s')\n",
				paths[0]);
			return 2;
		}
		if (o->fresh)
			clear_dir(o->out, false);
		return setup_generate(o, cfg);
	} else {
		if (!n) {
			fprintf(stderr,
				"lockstep fuzz: no scenario given "
				"(lockstep fuzz --help)\n");
			return 2;
		}
		nfiles = collect(n, paths, &files);
		if (o->fresh)
			clear_dir(o->out, false);
	}
	if (nfiles == 0 || nfiles > CAMP_MAX_SCEN) {
		fprintf(stderr, "lockstep fuzz: %s scenario files\n",
			nfiles ? "too many" : "no");
		code = 2;
	}
	for (int i = 0; i < nfiles && !code; i++) {
		struct scen_error serr;
		struct camp_scen *cs = &conf->scen[conf->nscen];
		struct scen *sc = scen_load(files[i], &exec_vocab, &serr);

		if (!sc) {
			fprintf(stderr, "%s:%d:%d: error: %s\n", serr.file,
				serr.pos.line, serr.pos.col, serr.msg);
			code = 2;
			continue;
		}
		for (int j = 0; j < conf->nscen; j++)
			if (!strcmp(conf->scen[j].name, sc->name)) {
				fprintf(stderr,
					"lockstep fuzz: %s and %s are "
					"both named '%s'\n",
					conf->scen[j].path, sc->path, sc->name);
				code = 2;
			}
		if (exec_fixes_for(sc, o->kernel, o->fixes, &cs->fixes, err,
				   sizeof(err)) < 0) {
			fprintf(stderr, "lockstep fuzz: %s: %s\n", sc->path,
				err);
			code = 2;
		}
		if (strlen(sc->path) >= sizeof(cs->path)) {
			fprintf(stderr,
				"lockstep fuzz: %s: path too long for a "
				"campaign (at most %zu bytes)\n",
				sc->path, sizeof(cs->path) - 1);
			code = 2;
		}
		snprintf(cs->name, sizeof(cs->name), "%s", sc->name);
		snprintf(cs->path, sizeof(cs->path), "%.255s", sc->path);
		cs->hash = sc->hash;
		cs->expect = sc->expect;
		cs->tolerate = sc->tolerate;
		cfg->sc[conf->nscen++] = sc;
		if (o->resume)
			for (int j = 0; j < old.nscen; j++)
				if (!strcmp(old.scen[j].name, sc->name) &&
				    old.scen[j].hash != sc->hash)
					fprintf(stderr,
						"lockstep fuzz: warning: "
						"%s changed since the campaign "
						"started; its saved traces no "
						"longer replay\n",
						sc->path);
	}
	for (int i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	if (code)
		return code;
	if (o->resume && o->have_seed && o->seed != old.seed) {
		fprintf(stderr,
			"lockstep fuzz: --resume: the campaign in %s "
			"runs seed %" PRIu64 ", not %" PRIu64 ": leave --seed "
			"out, or --fresh to start anew with it\n",
			o->out, old.seed, o->seed);
		return 2;
	}
	if (o->resume && o->have_shard &&
	    (o->shard_k != old.shard_k || o->shard_n != old.shard_n)) {
		fprintf(stderr,
			"lockstep fuzz: --resume: the campaign in %s "
			"is shard %d/%d, not %d/%d\n",
			o->out, old.shard_k, old.shard_n, o->shard_k,
			o->shard_n);
		return 2;
	}
	if (o->resume && o->undirected && !old.undirected) {
		fprintf(stderr,
			"lockstep fuzz: --resume: the campaign in %s "
			"was not started --undirected: --fresh to start anew "
			"with it\n",
			o->out);
		return 2;
	}
	if (o->resume) {
		conf->undirected = old.undirected;
		conf->seed = old.seed;
		conf->jobs = old.jobs;
		conf->shard_k = old.shard_k;
		conf->shard_n = old.shard_n;
		conf->strats = old.strats;
		conf->schedules = old.schedules;
	}
	return write_conf(o, conf, false);
}

/* pool_is_private -- internal: whether each worker gets a pool of its own
 * from --pool (else $LOCKSTEP_POOL): a directory, or the default. */
static bool pool_is_private(const char *pool)
{
	struct stat st;

	if (!pool)
		pool = getenv("LOCKSTEP_POOL");
	return !pool || !*pool || (stat(pool, &st) == 0 && S_ISDIR(st.st_mode));
}

/* fuzz_main -- `lockstep fuzz`: options, scenarios, the campaign
 * directory, then the coordinator.
 */
int fuzz_main(int argc, char **argv)
{
	struct fopts o = { .time = 60,
			   .out = "lockstep-out/fuzz",
			   .seed = 1,
			   .shard_k = 1,
			   .shard_n = 1,
			   .min_budget = 500,
			   .max_bound = 16,
			   .strats = (1u << CAMP__NSTRAT) - 1 };
	static struct fuzz_cfg cfg;
	cpu_set_t cpus;
	int first = parse(argc, argv, &o), code;

	if (first < 0)
		return first == -2 ? 0 : 2;
	if (o.generate && o.undirected) {
		fprintf(stderr,
			"lockstep fuzz: --undirected: generated "
			"programs have no interleave: to leave out\n");
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	CPU_ZERO(&cpus);
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		for (int i = 0; i < CPU_SETSIZE && cfg.ncpu < FUZZ_MAX_JOBS;
		     i++)
			if (CPU_ISSET(i, &cpus))
				cfg.cpus[cfg.ncpu++] = i;
	if (!cfg.ncpu)
		cfg.cpus[cfg.ncpu++] = 0;
	cfg.conf.jobs = o.jobs ? o.jobs : cfg.ncpu;
	cfg.conf.seed = o.seed;
	cfg.conf.shard_k = o.shard_k;
	cfg.conf.shard_n = o.shard_n;
	cfg.conf.strats = o.strats;
	cfg.conf.schedules = o.schedules;
	cfg.conf.undirected = o.undirected;
	cfg.dir = o.out;
	cfg.pool = o.pool;
	cfg.min_budget = o.min_budget;
	cfg.max_bound = o.max_bound;
	code = setup(&o, argc - first, argv + first, &cfg);
	if (code)
		return code;
	if (cfg.conf.jobs > 1 && !pool_is_private(o.pool)) {
		fprintf(stderr,
			"lockstep fuzz: --pool %s is a file, and a pool "
			"file serves one process: give a directory, in which "
			"each of the %d workers makes its own\n",
			o.pool ? o.pool : getenv("LOCKSTEP_POOL"),
			cfg.conf.jobs);
		return 2;
	}
	if (o.resume && o.jobs && o.jobs != cfg.conf.jobs)
		fprintf(stderr,
			"lockstep fuzz: --resume: the campaign runs "
			"%d jobs; --jobs %d ignored\n",
			cfg.conf.jobs, o.jobs);
	{
		struct fuzz_opts fo = {
			.time = o.time,
			.resume = o.resume,
			.quiet = o.quiet,
			.json = o.json,
			.junit = o.junit,
			.stop_on = o.stop_on,
		};

		return fuzz_campaign(&cfg, &fo);
	}
}
