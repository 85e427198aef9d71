/* SPDX-License-Identifier: MIT */
/*
 * checkers/lockdep_report.c -- the lock-order report: a cycle of the dependency
 * graph (checkers/lockdep.c) printed as lockdep prints it -- the acquisition
 * that closes it, "the existing dependency chain" with both contexts of
 * every edge (function, operation, point, thread, execution), and the
 * possible unsafe locking scenario -- once per distinct cycle, with the
 * earlier executions its edges come from (sim_report.prior).
 */
#include "checkers/lockdep_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbuf {
	char *p;
	size_t len, off;
};

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->off >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->off, b->len - b->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->off += (size_t)n;
	if (b->off >= b->len)
		b->off = b->len;
}

/* amode_tag, hmode_tag -- " [read]" and the like; nothing for a mutex. */
static const char *amode_tag(const struct ld_node *n, int amode)
{
	if (n->kind == LD_REF)
		return " [wait for zero]";
	if (!n->rwsem && amode == LD_A_EXCL)
		return "";
	return amode == LD_A_EXCL  ? " [write]" :
		amode == LD_A_READ ? " [read]" :
				     " [recursive read]";
}

static const char *hmode_tag(const struct ld_node *n, int hmode)
{
	if (n->kind == LD_REF)
		return " [reference]";
	if (!n->rwsem && hmode == LD_H_EXCL)
		return "";
	return hmode == LD_H_EXCL ? " [write]" : " [read]";
}

/* node_label -- "invalidate_lock" or "invalidate_lock/1". */
static const char *node_label(const struct ld_node *n, char *buf, size_t len)
{
	if (n->sub)
		snprintf(buf, len, "%s/%u", n->name, n->sub);
	else
		snprintf(buf, len, "%s", n->name);
	return buf;
}

/* ctx_lock -- internal: the lock of a context, "mapping(b)/1" if nested. */
static const char *ctx_lock(const struct ld_ctx *c, char *buf, size_t len)
{
	if (c->sub)
		snprintf(buf, len, "%s/%u", c->lock, c->sub);
	else
		snprintf(buf, len, "%s", c->lock);
	return buf;
}

/* ctx_print -- internal: "by thread T in FN, during OP, after POINT
 * (execution N)"; the thread only if 'tid'. */
static void ctx_print(struct sbuf *b, const struct ld_ctx *c, bool tid)
{
	if (tid)
		sb_printf(b, "by thread %u ", c->tid);
	sb_printf(b, "in %s", c->fn ? c->fn : "?");
	if (c->op[0])
		sb_printf(b, ", during %s", c->op);
	if (c->point[0])
		sb_printf(b, ", after %s", c->point);
	sb_printf(b, " (execution %llu)", (unsigned long long)c->exec);
}

static uint64_t edge_sig(const struct ld_graph *g, const struct ld_edge *e)
{
	uint64_t h = checkers_hash_str(0, g->node[e->from]->name);

	h = checkers_hash_u64(h, g->node[e->from]->sub);
	h = checkers_hash_str(h, g->node[e->to]->name);
	h = checkers_hash_u64(h, g->node[e->to]->sub);
	h = checkers_hash_u64(h, (uint64_t)e->hmode << 8 | e->amode);
	h = checkers_hash_str(h, e->held.fn);
	return checkers_hash_str(h, e->taken.fn);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* writer_of -- internal: where a writer of the node's lock (any subclass)
 * was seen, or NULL. */
static const char *writer_of(struct ld_graph *g, const struct ld_node *n)
{
	if (g->inst || n->kind == LD_REF)
		return n->writer_fn;
	for (int sub = 0; sub < LD_MAX_SUB; sub++) {
		uint32_t i =
			ld_node_find(g, (enum ld_kind)n->kind, n->name, sub);

		if (i != LD_NONE && g->node[i]->writer_fn)
			return g->node[i]->writer_fn;
	}
	return NULL;
}

/*
 * report_cycle -- internal: the cycle closed by edge 'e' (index ei) and the
 * path back (path[0..n)), as lockdep prints it: what the thread is doing,
 * the dependency chain with both contexts of each edge, and a scenario.
 */
/* add_prior -- internal: note execution x (not the current one) in the
 * report's sorted list of earlier executions. */
static void add_prior(struct sim_report *r, uint64_t x, uint64_t current)
{
	int i;

	if (x == current ||
	    r->nprior == (int)(sizeof(r->prior) / sizeof(r->prior[0])))
		return;
	for (i = 0; i < r->nprior && r->prior[i] < x; i++)
		;
	if (i < r->nprior && r->prior[i] == x)
		return;
	memmove(&r->prior[i + 1], &r->prior[i],
		(size_t)(r->nprior - i) * sizeof(r->prior[0]));
	r->prior[i] = x;
	r->nprior++;
}

void ld_report_cycle(struct sim *s, struct lockdep *ld, struct ld_graph *g,
		     uint32_t ei, const uint32_t *path, int n,
		     const void *held_obj, const void *new_obj)
{
	struct sim_report rep = { .kind = SIM_REPORT_LOCK_ORDER };
	const struct ld_edge *cyc[LD_MAX_PATH + 1];
	uint64_t sigs[LD_MAX_PATH + 1], sig;
	char a[SIM_NAME_MAX + 8], b[SIM_NAME_MAX + 8];
	struct sbuf w = { rep.what, sizeof(rep.what), 0 };
	struct sbuf d = { rep.detail, sizeof(rep.detail), 0 };
	const struct ld_edge *e = &g->edge[ei];
	const struct ld_node *from = g->node[e->from], *to = g->node[e->to];
	bool cut = n > LD_MAX_PATH, loop = n == 0;
	int len;

	if (cut)
		n = LD_MAX_PATH;
	len = n + 1;

	cyc[0] = e;
	for (int i = 0; i < n; i++)
		cyc[i + 1] = &g->edge[path[i]];
	for (int i = 0; i < len; i++)
		sigs[i] = edge_sig(g, cyc[i]);
	qsort(sigs, (size_t)len, sizeof(sigs[0]), cmp_u64);
	sig = checkers_hash_u64(g->inst ? 0x696e7374 : 0x636c6173,
				(uint64_t)len);
	for (int i = 0; i < len; i++)
		sig = checkers_hash_u64(sig, sigs[i]);
	if (!ld_report_once(ld, sig))
		return;
	rep.signature = sig;

	/* the one-line summary */
	if (loop && !g->inst) {
		sb_printf(&w,
			  "possible recursive locking: %s %s while holding "
			  "%s",
			  to->kind == LD_REF ? "waits for" : "takes",
			  node_label(to, a, sizeof(a)),
			  node_label(from, b, sizeof(b)));
	} else if (loop) {
		sb_printf(&w,
			  "%s taken again while held, with subclass %u "
			  "(held with %u)",
			  to->name, e->asub, e->hsub);
	} else {
		sb_printf(&w, "%s",
			  g->inst ? "lock inversion between instances: " :
				    "possible circular locking dependency: ");
		for (int i = 0; i < len; i++)
			sb_printf(&w, "%s -> ",
				  node_label(g->node[cyc[i]->from], a,
					     sizeof(a)));
		sb_printf(&w, "%s", node_label(from, a, sizeof(a)));
	}

	/* what the current thread is doing */
	sb_printf(&d, "thread %u %s %s%s ", e->taken.tid,
		  to->kind == LD_REF ? "is waiting for" :
				       "is trying to acquire",
		  ctx_lock(&e->taken, a, sizeof(a)), amode_tag(to, e->amode));
	ctx_print(&d, &e->taken, false);
	sb_printf(&d, "\n    while holding %s%s, taken ",
		  ctx_lock(&e->held, b, sizeof(b)), hmode_tag(from, e->hmode));
	ctx_print(&d, &e->held, false);
	if (loop && !g->inst) {
		if (held_obj == new_obj)
			sb_printf(&d,
				  "\n    it is the same %s: the thread "
				  "waits for itself",
				  from->kind == LD_REF ? "reference" : "lock");
		else
			sb_printf(&d,
				  "\n    another %s of the same class, "
				  "with no nesting subclass: lockdep reports "
				  "this as \"possible recursive locking "
				  "detected\"; "
				  "if the two are always taken in one order, "
				  "the inner one needs a subclass "
				  "(down_write_nested)",
				  from->kind == LD_REF ? "reference" : "lock");
	} else {
		sb_printf(&d,
			  "\n    and %s already depends on %s: the "
			  "existing dependency chain is",
			  node_label(to, a, sizeof(a)),
			  node_label(from, b, sizeof(b)));
		for (int i = 1; i < len; i++) {
			const struct ld_edge *f = cyc[i];
			const struct ld_node *x = g->node[f->from];
			const struct ld_node *y = g->node[f->to];

			/* by instance, the subclasses are the point */
			sb_printf(&d, "\n    -> #%d %s%s held, then %s%s", i,
				  g->inst ? ctx_lock(&f->held, a, sizeof(a)) :
					    node_label(x, a, sizeof(a)),
				  hmode_tag(x, f->hmode),
				  g->inst ? ctx_lock(&f->taken, b, sizeof(b)) :
					    node_label(y, b, sizeof(b)),
				  amode_tag(y, f->amode));
			sb_printf(&d, "\n         held: %s ",
				  ctx_lock(&f->held, a, sizeof(a)));
			ctx_print(&d, &f->held, true);
			sb_printf(&d, "\n         then: %s ",
				  ctx_lock(&f->taken, a, sizeof(a)));
			ctx_print(&d, &f->taken, true);
		}
		if (cut)
			sb_printf(&d, "\n    -> ... (the chain goes on)");
		if (g->inst)
			sb_printf(&d,
				  "\n    lockdep cannot see this: by class "
				  "it is one nesting order (the subclasses), "
				  "but each lock is taken first on one path "
				  "and nested on the other");
	}

	/* the scenario: one thread per dependency */
	sb_printf(&d, "\n    possible unsafe locking scenario:");
	for (int i = 0; i < len; i++) {
		const struct ld_edge *f = cyc[i];
		const struct ld_node *x = g->node[f->from], *y = g->node[f->to];

		sb_printf(&d, "\n        #%d holds %s%s, %s %s%s", i,
			  g->inst ? ctx_lock(&f->held, a, sizeof(a)) :
				    node_label(x, a, sizeof(a)),
			  hmode_tag(x, f->hmode),
			  y->kind == LD_REF ? "waits for" : "waits to take",
			  g->inst ? ctx_lock(&f->taken, b, sizeof(b)) :
				    node_label(y, b, sizeof(b)),
			  amode_tag(y, f->amode));
	}
	sb_printf(&d, "\n        *** DEADLOCK ***");

	/* read-held junctions: the cycle needs a writer waiting there */
	for (int i = 0; i < len; i++) {
		const struct ld_edge *in = cyc[i], *out = cyc[(i + 1) % len];
		const struct ld_node *x = g->node[in->to];
		const char *wfn;

		if (x->kind == LD_REF || in->amode != LD_A_READ ||
		    out->hmode != LD_H_SHARED)
			continue;
		wfn = writer_of(g, x);
		if (wfn)
			sb_printf(&d,
				  "\n    %s is only read-held on this "
				  "cycle: it deadlocks once a writer waits for "
				  "it (a waiting writer blocks new readers); "
				  "writers were seen, in %s",
				  node_label(x, a, sizeof(a)), wfn);
		else
			sb_printf(&d,
				  "\n    %s is only read-held on this "
				  "cycle and no writer of it ran yet: "
				  "down_read is not recursive, so any "
				  "down_write of it closes the deadlock "
				  "(lockdep reports this too)",
				  node_label(x, a, sizeof(a)));
	}
	/* the other executions the cycle's edges come from, in order */
	for (int i = 0; i < len; i++) {
		const struct ld_ctx *sides[2] = { &cyc[i]->held,
						  &cyc[i]->taken };

		for (int k = 0; k < 2; k++)
			add_prior(&rep, sides[k]->exec, sim_exec_index(s));
	}
	sim_add_report(s, &rep);
}
