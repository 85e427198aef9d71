/* SPDX-License-Identifier: MIT */
/*
 * campaign/genmin.c -- program-level minimization of a generated program's
 * finding (campaign/genmin.h), as syz-repro does: threads, then
 * operations, then the sizes of what is left.
 *
 * Each candidate is written to a scratch file and loaded as any scenario
 * (the edits of gen/ keep it well-formed; a candidate that does not load
 * is rejected, never run), then run like `lockstep run` would run it with
 * each strategy of the portfolio in turn, from a fresh engine, until an
 * execution shows the same signature or the budget runs out.
 */
#include "campaign/genmin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ck_pr.h>

#include "campaign/campaign.h"
#include "engine/exec.h"

/* norm -- internal: the generator's file names (a, b, c: words of one
 * letter) as 'f', in place. */
static void norm(char *s)
{
	for (size_t i = 0; s[i]; i++) {
		bool w = (s[i] == 'a' || s[i] == 'b' || s[i] == 'c') &&
			(i == 0 ||
			 !(isalnum((unsigned char)s[i - 1]) ||
			   s[i - 1] == '_' || s[i - 1] == '\'')) &&
			!(isalnum((unsigned char)s[i + 1]) || s[i + 1] == '_' ||
			  s[i + 1] == '\'');

		if (w)
			s[i] = 'f';
	}
}

uint64_t genmin_signature(const char *name, const struct finding *f)
{
	static struct finding c;

	c = *f;
	norm(c.what);
	norm(c.detail);
	return report_signature_as(name, &c);
}

/* load -- internal: p's text, written to the scratch file and loaded. */
static struct scen *load(struct genmin_ctx *c, const struct gen_prog *p)
{
	struct gen_text tx = { 0 };
	struct scen_error err;
	char *text = gen_prog_text(p, &tx);
	FILE *f;
	int bad;

	if (!text)
		return NULL;
	f = fopen(c->scratch, "w");
	if (!f) {
		free(text);
		return NULL;
	}
	bad = fputs(text, f) < 0;
	bad |= fclose(f) != 0;
	free(text);
	if (bad)
		return NULL;
	return scen_load(c->scratch, &exec_vocab, &err);
}

static bool stopped(const struct genmin_ctx *c)
{
	return c->stop && ck_pr_load_32((uint32_t *)c->stop);
}

/* run_strat -- internal: strategy s on e, executions 0.. as `lockstep run`
 * makes them; true (r filled) when one shows the finding. */
static bool run_strat(struct genmin_ctx *c, struct exec *e,
		      const struct scen *sc, uint64_t k, int s,
		      struct genmin_repro *r)
{
	struct sim_strategy *st;
	uint32_t kinds = 0;
	bool hit = false;

	sim_reset_checkers(exec_sim(e));
	st = s == CAMP_RANDOM ? sim_strategy_random(c->seeds[s], sc->nthreads) :
				sim_strategy_pct(c->seeds[s], sc->nthreads,
						 s - CAMP_PCT1 + 1, k);
	if (!st)
		return false;
	for (uint64_t i = 0; i < c->budget && !hit && !stopped(c); i++) {
		const struct exec_result *res = exec_run(e, st, i);

		c->executions++;
		for (int f = 0; f < res->nfind; f++) {
			kinds |= 1u << res->find[f].kind;
			if (res->find[f].kind == c->kind &&
			    genmin_signature(c->sig_name, &res->find[f]) ==
				    c->sig)
				hit = true;
		}
		if (hit) {
			r->strat = s;
			r->seed = c->seeds[s];
			r->index = i;
			r->kinds = kinds;
		}
	}
	sim_strategy_destroy(st);
	return hit;
}

int genmin_test(struct genmin_ctx *c, const struct gen_prog *p,
		struct genmin_repro *r)
{
	struct exec_options eo = { .pool = c->pool, .log_events = true };
	struct scen *sc = load(c, p);
	struct exec *e;
	uint64_t k;
	char err[256];
	int first = r->strat, hit = 0;

	c->tests++;
	if (!sc)
		return -1;
	e = exec_new_as_written(sc, &eo, err, sizeof(err));
	if (!e) {
		scen_free(sc);
		return -1;
	}
	k = exec_calibrate(e);
	if (first >= CAMP_PCT1 && first <= CAMP_RANDOM &&
	    (c->strats & (1u << first)))
		hit = run_strat(c, e, sc, k, first, r);
	for (int s = CAMP_PCT1; s <= CAMP_RANDOM && !hit && !stopped(c); s++)
		if (s != first && (c->strats & (1u << s)))
			hit = run_strat(c, e, sc, k, s, r);
	exec_free(e);
	scen_free(sc);
	return hit;
}

/* try -- internal: keep the edited q if it still shows the finding. */
static bool try(struct genmin_ctx *c, struct gen_prog **p, struct gen_prog *q,
		struct genmin_repro *r)
{
	struct genmin_repro nr = *r;

	if (genmin_test(c, q, &nr) == 1) {
		gen_prog_free(*p);
		*p = q;
		*r = nr;
		return true;
	}
	gen_prog_free(q);
	return false;
}

int genmin_minimize(struct genmin_ctx *c, struct gen_prog **p,
		    struct genmin_repro *r)
{
	int kept = 0;

	if (genmin_test(c, *p, r) != 1)
		return -1;
	/* Threads, the last first. */
	for (int t = gen_prog_threads(*p) - 1; t >= 0 && !stopped(c); t--) {
		struct gen_prog *q = gen_prog_dup(*p);

		if (q && gen_prog_drop_thread(q, t))
			kept += try(c, p, q, r);
		else
			gen_prog_free(q);
	}
	/* Operations, each thread's last first (an mmap takes its uses). */
	for (int t = 0; t < gen_prog_threads(*p) && !stopped(c); t++)
		for (int i = gen_prog_ops(*p, t) - 1; i >= 0 && !stopped(c);
		     i--) {
			struct gen_prog *q = gen_prog_dup(*p);

			if (i >= gen_prog_ops(*p, t))
				i = gen_prog_ops(*p, t) - 1;
			if (q && gen_prog_drop_op(q, t, i))
				kept += try(c, p, q, r);
			else
				gen_prog_free(q);
		}
	/* Lengths, then offsets: halved while it still shows. */
	for (int how = GEN_SHRINK_LEN; how <= GEN_SHRINK_OFF; how++)
		for (int t = 0; t < gen_prog_threads(*p) && !stopped(c); t++)
			for (int i = 0; i < gen_prog_ops(*p, t) && !stopped(c);
			     i++) {
				for (int n = 0; n < 16 && !stopped(c); n++) {
					struct gen_prog *q = gen_prog_dup(*p);

					if (!q ||
					    !gen_prog_shrink(q, t, i, how)) {
						gen_prog_free(q);
						break;
					}
					if (!try(c, p, q, r))
						break;
					kept++;
				}
			}
	return kept;
}
