/* SPDX-License-Identifier: MIT */
/*
 * checkers/lockdep.c -- the lock dependency graph: lockdep's rules, plus what
 * lockdep cannot see.  Its report is checkers/lockdep_report.c's.
 *
 * Two checks run on every acquisition of an execution.
 *
 * 1. The documented order.  Each lock class has a rank (core/lockorder.h:
 *    outermost first).  Taking a ranked lock while holding one of a higher
 *    rank, or a second lock of one ranked class without a subclass, breaks
 *    the order the core documents: a lock-order finding naming both locks
 *    and where they were taken, once per pair (a proposed fix the core
 *    carries may do it on purpose).  This check stays on without the
 *    graph (lockdep_attach(s, false), exec option no_lockdep).
 *
 * 2. The dependency graph, across all executions of a struct sim.  Built
 *    as lockdep builds it (Documentation/locking/lockdep-design.rst):
 *
 *    Nodes.  The class graph has a node per lock class and nesting
 *    subclass ("invalidate_lock", "invalidate_lock/1"); the instance graph
 *    a node per lock, by name ("invalidate_lock(a)"), whatever its
 *    subclass.  Names, not addresses: they are stable across executions.
 *    A reference (struct sim_ref) is a node too: its class is its name up
 *    to the first '(' ("page ref(a:3)" is of class "page ref").
 *
 *    Edges.  When a thread that holds H acquires L, the edge H -> L: "H is
 *    held while waiting for L".  An edge carries lockdep's dependency type:
 *    how H is held (E: exclusive, S: shared) and how L is acquired (N: a
 *    writer or a non-recursive reader, which a waiting writer blocks, as
 *    down_read() and sim/lock.c's rwsem; R: a recursive reader, which it
 *    does not).  It also keeps where each side happened (function,
 *    operation, last named point, thread, execution) for the report.  A
 *    trylock adds no edge into the lock (it cannot wait) but the lock is
 *    held afterwards like any other.  References are pseudo-locks: a get
 *    is a shared hold (it never waits: no edge into it) until the put,
 *    which another thread may do; a wait for zero is an exclusive
 *    acquisition (edges from what the waiter holds into the reference).
 *    That is lockdep's cross-release, made exact: the simulator knows
 *    which threads hold the references a waiter waits for.  Wait queues
 *    that are not references have no known waker and stay out of the
 *    graph (they are in the deadlock report).
 *
 *    Rules.  A new edge A -> B closes a cycle if a path B -> ... -> A
 *    exists.  The cycle is a deadlock iff it is strong: no two adjacent
 *    edges -(xR)-> X -(Sy)-> (a recursive reader of X is not blocked by
 *    X's other readers).  So shared-shared cycles of down_read() ARE
 *    reported: a waiting writer blocks new readers, and each node of the
 *    cycle that is only read says whether a writer was seen (lockdep
 *    reports these with or without a writer in sight, and so do we: any
 *    down_write of the class in the kernel closes the deadlock).  A lock
 *    taken while another of its class and subclass is held is a cycle of
 *    one edge ("possible recursive locking"); down_write_nested's subclass
 *    makes it another node, so two locks of one class taken in a fixed
 *    order are not reported.
 *
 *    Beyond lockdep: a cycle in the instance graph whose projection on the
 *    class graph does not close is reported too.  It closes there only if
 *    every lock on it is taken with the subclass it is later held with;
 *    when it does not (two inodes locked a, b/1 on one path and b, a/1 on
 *    another), lockdep sees nothing and the instance graph sees the
 *    inversion.  Cycles whose projection closes are the class graph's
 *    report already.
 *
 *    Costs.  Per acquisition: one hash lookup of the lock's record (ck_hs,
 *    by address; records outlive executions, since the arena hands the
 *    same addresses out again, so their graph nodes are found without
 *    hashing names) and one of the chain key (lockdep's chain cache: a
 *    hash of the held locks and the new one, O(locks held)).  Only a chain
 *    never seen before adds edges: one hash lookup per held lock and
 *    graph, and a breadth-first search per new edge, O(nodes + edges) of
 *    the graph (instance graph: x32 states, the subclass and strength of
 *    the way in).  A run soon knows all its chains; after that the checker
 *    costs the two lookups.  lockdep adds edges only from the held locks
 *    down to the first one not taken by a trylock, the others following
 *    by transitivity; we add them from every held lock, which finds the
 *    same cycles and gives each edge the context it was really seen in.
 *    Memory: about 400 bytes per edge (its two contexts); edges are few
 *    (pairs of classes, or of locks, actually nested).
 *
 * One report per distinct cycle per struct sim: its signature hashes the
 * nodes, dependency types and functions of the cycle's edges, in any
 * rotation.
 *
 * Who calls it: the scheduler, as an observer (sim/observe.h) registered
 * by lockdep_attach (checkers/checkers.h); the hooks below are called on
 * the running thread of an execution.  What each thread holds (locks and
 * references, in acquisition order) is sim/'s held stack: the checker
 * keeps its own data of each hold (graph nodes, context: struct ld_slot)
 * in the records' slot sim/ reserves for it, and its own per-object
 * records; from sim/ it reads only the public API (sim/observe.h: the
 * held stack, the event log for contexts).
 */
#include "checkers/lockdep_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LD_MAX_OBJS (1u << 16) /* records kept across executions */

/* ---- Memory -------------------------------------------------------------- */

/* xrealloc -- internal: like the rest of sim/, out of memory is fatal. */
static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		sim_oom("the lock dependency graph");
	return p;
}

bool ld_report_once(struct lockdep *ld, uint64_t sig)
{
	return checkers_set_add(&ld->reported, sig);
}

/* ---- The graphs ---------------------------------------------------------- */

static unsigned long node_hash(const void *obj, unsigned long seed)
{
	const struct ld_node *n = obj;

	return (unsigned long)checkers_hash_u64(seed, n->hash);
}

static bool node_cmp(const void *a, const void *b)
{
	const struct ld_node *x = a, *y = b;

	return x->kind == y->kind && x->sub == y->sub &&
		!strcmp(x->name, y->name);
}

static struct ld_graph *graph_new(bool inst)
{
	struct ld_graph *g = calloc(1, sizeof(*g));

	if (!g)
		sim_oom("the lock dependency graph");
	g->inst = inst;
	if (!ck_hs_init(&g->nodes, CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT,
			node_hash, node_cmp, &checkers_hs_allocator, 64,
			0x6e6f6465))
		sim_oom("the lock dependency graph");
	checkers_set_init(&g->edges);
	return g;
}

static void graph_free(struct ld_graph *g)
{
	if (!g)
		return;
	for (uint32_t i = 0; i < g->nnodes; i++)
		free(g->node[i]);
	free(g->node);
	free(g->edge);
	free(g->seen);
	free(g->via_edge);
	free(g->via_state);
	free(g->queue);
	ck_hs_destroy(&g->nodes);
	ck_hs_destroy(&g->edges);
	free(g);
}

/* node_get -- internal: the node of (kind, name[0..len), sub), made if new. */
static uint32_t node_get(struct ld_graph *g, enum ld_kind kind,
			 const char *name, size_t len, int sub, bool rwsem)
{
	struct ld_node probe, *n;
	unsigned long hv;

	if (len >= sizeof(probe.name))
		len = sizeof(probe.name) - 1;
	memcpy(probe.name, name, len);
	probe.name[len] = 0;
	probe.kind = (uint8_t)kind;
	probe.sub = (uint8_t)sub;
	probe.hash = checkers_hash_u64(checkers_hash_str(kind, probe.name),
				       (uint64_t)sub);
	hv = ck_hs_hash(&g->nodes, &probe);
	n = ck_hs_get(&g->nodes, hv, &probe);
	if (n)
		return n->index;
	n = malloc(sizeof(*n));
	if (!n)
		sim_oom("the lock dependency graph");
	*n = probe;
	n->index = g->nnodes;
	n->first = n->last = LD_NONE;
	n->writer_fn = NULL;
	n->rwsem = rwsem;
	if (g->nnodes == g->cap_nodes) {
		g->cap_nodes = g->cap_nodes ? 2 * g->cap_nodes : 64;
		g->node = xrealloc(g->node, g->cap_nodes * sizeof(*g->node));
	}
	g->node[g->nnodes++] = n;
	if (!ck_hs_put(&g->nodes, hv, n))
		sim_oom("the lock dependency graph");
	return n->index;
}

/* ld_node_find -- the node if it exists, else LD_NONE (checkers/lockdep.h). */
uint32_t ld_node_find(struct ld_graph *g, enum ld_kind kind, const char *name,
		      int sub)
{
	struct ld_node probe, *n;

	snprintf(probe.name, sizeof(probe.name), "%s", name);
	probe.kind = (uint8_t)kind;
	probe.sub = (uint8_t)sub;
	probe.hash = checkers_hash_u64(checkers_hash_str(kind, probe.name),
				       (uint64_t)sub);
	n = ck_hs_get(&g->nodes, ck_hs_hash(&g->nodes, &probe), &probe);
	return n ? n->index : LD_NONE;
}

static uint32_t edge_add(struct ld_graph *g, const struct ld_edge *e)
{
	uint32_t i = g->nedges;
	struct ld_node *from = g->node[e->from];

	if (g->nedges == g->cap_edges) {
		g->cap_edges = g->cap_edges ? 2 * g->cap_edges : 64;
		g->edge = xrealloc(g->edge, g->cap_edges * sizeof(*g->edge));
	}
	g->edge[g->nedges++] = *e;
	g->edge[i].next = LD_NONE;
	if (from->last == LD_NONE)
		from->first = i;
	else
		g->edge[from->last].next = i;
	from->last = i;
	return i;
}

/* ---- The search ---------------------------------------------------------- */

/*
 * A state of the search is a node and how the path came into it: through
 * a recursive-read acquisition or not (lockdep's strong-path rule) and, in
 * the instance graph, with which subclass and whether some junction so far
 * left a lock with another subclass than it was taken with.
 */
#define ST_R	  1u
#define ST_SUB(s) (((s) >> 1) & 7u)
#define ST_MIS	  16u

static uint32_t states_per_node(const struct ld_graph *g)
{
	return g->inst ? 32 : 2;
}

static uint32_t st_local(const struct ld_graph *g, bool r, int sub, bool mis)
{
	if (!g->inst)
		return r ? ST_R : 0;
	return (r ? ST_R : 0) | ((uint32_t)sub << 1) | (mis ? ST_MIS : 0);
}

static void scratch_fit(struct ld_graph *g)
{
	uint32_t need = g->nnodes * states_per_node(g);

	if (need <= g->cap_states)
		return;
	need *= 2;
	g->seen = xrealloc(g->seen, need * sizeof(uint32_t));
	g->via_edge = xrealloc(g->via_edge, need * sizeof(uint32_t));
	g->via_state = xrealloc(g->via_state, need * sizeof(uint32_t));
	g->queue = xrealloc(g->queue, need * sizeof(uint32_t));
	memset(g->seen + g->cap_states, 0,
	       (need - g->cap_states) * sizeof(uint32_t));
	g->cap_states = need;
}

/*
 * search -- internal: is there a path back from e->to to e->from that
 * makes a strong cycle with the new edge e (and, in the instance graph,
 * one the class graph does not have)?  Breadth first, so the shortest;
 * edges in the order they were made, so deterministic.  Writes the path's
 * first LD_MAX_PATH edges in order into path[] and returns the path's
 * length (0: e is a loop), or -1.
 */
static int search(struct ld_graph *g, const struct ld_edge *e, uint32_t *path)
{
	uint32_t spn = states_per_node(g), head = 0, tail = 0, goal = LD_NONE;
	uint32_t start;
	int n = 0;

	scratch_fit(g);
	if (++g->gen == 0) {
		memset(g->seen, 0, g->cap_states * sizeof(uint32_t));
		g->gen = 1;
	}
	start = e->to * spn +
		st_local(g, e->amode == LD_A_RREAD, e->asub, false);
	g->seen[start] = g->gen;
	g->via_edge[start] = LD_NONE;
	g->queue[tail++] = start;
	while (head < tail) {
		uint32_t st = g->queue[head++], node = st / spn, loc = st % spn;
		bool r = loc & ST_R, mis = loc & ST_MIS;
		uint32_t sub = ST_SUB(loc);

		if (node == e->from && !(r && e->hmode == LD_H_SHARED) &&
		    (!g->inst || mis || sub != e->hsub)) {
			goal = st;
			break;
		}
		for (uint32_t i = g->node[node]->first; i != LD_NONE;
		     i = g->edge[i].next) {
			const struct ld_edge *f = &g->edge[i];
			uint32_t ns;

			/* -(xR)-> X -(Sy)-> : X's readers do not block a
			 * recursive reader; not a dependency chain */
			if (r && f->hmode == LD_H_SHARED)
				continue;
			ns = f->to * spn +
				st_local(g, f->amode == LD_A_RREAD, f->asub,
					 mis || (g->inst && f->hsub != sub));
			if (g->seen[ns] == g->gen)
				continue;
			g->seen[ns] = g->gen;
			g->via_edge[ns] = i;
			g->via_state[ns] = st;
			g->queue[tail++] = ns;
		}
	}
	if (goal == LD_NONE)
		return -1;
	for (uint32_t st = goal; g->via_edge[st] != LD_NONE;
	     st = g->via_state[st])
		n++;
	/* a longer cycle is shown by its first LD_MAX_PATH edges */
	int k = n;

	for (uint32_t st = goal; g->via_edge[st] != LD_NONE;
	     st = g->via_state[st])
		if (--k < LD_MAX_PATH)
			path[k] = g->via_edge[st];
	return n;
}

/* ---- State --------------------------------------------------------------- */

/* state_init -- internal: an empty graph, nothing reported yet. */
static void state_init(struct lockdep *ld)
{
	objtab_init(&ld->objs, sizeof(struct ld_obj),
		    "the lock dependency graph");
	checkers_set_init(&ld->chains);
	checkers_set_init(&ld->reported);
	ld->cls = graph_new(false);
	ld->inst = graph_new(true);
}

/* state_fini -- internal: free what state_init and the executions made. */
static void state_fini(struct lockdep *ld)
{
	graph_free(ld->cls);
	graph_free(ld->inst);
	objtab_fini(&ld->objs);
	ck_hs_destroy(&ld->chains);
	ck_hs_destroy(&ld->reported);
}

/* ld_obj_get -- internal: the record of a lock or reference; an object
 * re-initialised in place (a new id) starts afresh. */
static struct ld_obj *ld_obj_get(struct lockdep *ld, const void *obj,
				 uint32_t id, enum ld_kind kind)
{
	bool fresh;
	struct ld_obj *o = objtab_get(&ld->objs, obj, &fresh);

	if (fresh) {
		o->id = id;
		o->kind = (uint8_t)kind;
		o->cnode = o->inode = LD_NONE;
	}
	if (o->id != id || o->kind != kind) {
		o->id = id;
		o->kind = (uint8_t)kind;
		o->cnode = o->inode = LD_NONE;
	}
	return o;
}

static void ld_exec_begin(void *ctx, struct sim *s)
{
	struct lockdep *ld = ctx;

	/* A run whose objects keep new addresses would grow without end:
	 * start the records afresh now and then. */
	objtab_forget(&ld->objs, LD_MAX_OBJS);
	do
		ld->gen++;
	while (ld->gen == 0);
	for (int i = 0; i < sim_nthreads(s); i++)
		ld->t[i].pending.obj = NULL;
}

static void ld_reset(void *ctx, struct sim *s)
{
	struct lockdep *ld = ctx;

	(void)s;
	state_fini(ld);
	state_init(ld);
}

static void ld_destroy(void *ctx, struct sim *s)
{
	struct lockdep *ld = ctx;

	(void)s;
	state_fini(ld);
	free(ld);
}

/* ---- Contexts ------------------------------------------------------------ */

/* ev_what -- internal: what event i of the log names, or NULL. */
static const char *ev_what(const struct sim *s, int32_t i)
{
	uint32_t n;
	const struct sim_event *ev = sim_events(s, &n);

	if (i < 0 || (uint32_t)i >= n || !ev[i].what)
		return NULL;
	return ev[i].what;
}

static void ctx_fill(struct ld_ctx *c, const struct sim *s, int tid,
		     const struct ld_held *h)
{
	const char *op = ev_what(s, h->op_ev), *point = ev_what(s, h->point_ev);

	snprintf(c->lock, sizeof(c->lock), "%s",
		 h->ref ? ((const struct sim_ref *)h->obj)->name :
			  ((const struct sim_lock *)h->obj)->name);
	c->fn = h->fn;
	c->exec = sim_exec_index(s);
	c->tid = (uint8_t)tid;
	c->sub = h->sub;
	snprintf(c->op, sizeof(c->op), "%s", op ? op : "");
	snprintf(c->point, sizeof(c->point), "%s", point ? point : "");
}

/* ---- Dependencies -------------------------------------------------------- */

/* add_dep -- internal: the edge h -> l in graph g; checked if new. */
static void add_dep(struct sim *s, struct lockdep *ld, struct ld_graph *g,
		    int tid, const struct ld_held *h, const struct ld_held *l,
		    int amode)
{
	struct ld_edge e = {
		.from = g->inst ? h->inode : h->cnode,
		.to = g->inst ? l->inode : l->cnode,
		.hmode = h->hmode,
		.amode = (uint8_t)amode,
		.hsub = g->inst ? h->sub : 0,
		.asub = g->inst ? l->sub : 0,
	};
	uint32_t path[LD_MAX_PATH], ei;
	uint64_t key;
	int n;

	key = checkers_hash_u64(checkers_hash_u64(e.from, e.to),
				(uint64_t)e.hmode << 24 |
					(uint64_t)e.amode << 16 |
					(uint64_t)e.hsub << 8 | e.asub);
	if (!checkers_set_add(&g->edges, key))
		return;
	ctx_fill(&e.held, s, tid, h);
	ctx_fill(&e.taken, s, tid, l);
	/* search first, as lockdep: the path back must not use e itself */
	n = search(g, &e, path);
	ei = edge_add(g, &e);
	if (n >= 0)
		ld_report_cycle(s, ld, g, ei, path, n, h->obj, l->obj);
}

/* held_at -- internal: record i of thread tid's held stack, with the
 * checker's slot, in h; false if the slot was never filled. */
static bool held_at(struct sim *s, const struct lockdep *ld, int tid, int i,
		    struct ld_held *h)
{
	const struct sim_hold *r = sim_held(s, tid, i);
	const struct ld_slot *d = sim_held_data(s, tid, i, ld->obs);

	if (!d->set)
		return false;
	*h = (struct ld_held){
		.obj = r->kind == SIM_HOLD_REF ? (const void *)r->ref :
						 (const void *)r->lock,
		.cnode = d->cnode,
		.inode = d->inode,
		.hmode = d->hmode,
		.sub = d->sub,
		.ref = r->kind == SIM_HOLD_REF,
		.fn = r->fn,
		.op_ev = d->op_ev,
		.point_ev = d->point_ev,
	};
	return true;
}

/* slot_fill -- internal: the newest record of thread tid's held stack is
 * obj's (sim/ just made it): keep h in its slot. */
static void slot_fill(struct sim *s, const struct lockdep *ld, int tid,
		      const void *obj, const struct ld_held *h)
{
	int i = sim_held_count(s, tid) - 1;
	const struct sim_hold *r = sim_held(s, tid, i);
	struct ld_slot *d = sim_held_data(s, tid, i, ld->obs);

	SIM_BUG_ON((r->kind == SIM_HOLD_REF ? (const void *)r->ref :
					      (const void *)r->lock) != obj);
	*d = (struct ld_slot){
		.cnode = h->cnode,
		.inode = h->inode,
		.op_ev = h->op_ev,
		.point_ev = h->point_ev,
		.hmode = h->hmode,
		.sub = h->sub,
		.set = true,
	};
}

/* add_deps -- internal: thread tid, holding what it holds, waits for l. */
static void add_deps(struct sim *s, struct lockdep *ld, int tid,
		     const struct ld_held *l, int amode)
{
	int n = sim_held_count(s, tid), held = 0;
	uint64_t chain = checkers_hash_u64(
		l->cnode,
		(uint64_t)l->inode << 8 | (uint64_t)amode << 4 | l->sub);
	struct ld_held h;

	for (int i = 0; i < n; i++) {
		if (!held_at(s, ld, tid, i, &h))
			continue;
		held++;
		chain = checkers_hash_u64(
			chain,
			(uint64_t)h.cnode << 32 ^ (uint64_t)h.inode << 8 ^
				(uint64_t)h.hmode << 4 ^ h.sub);
	}
	if (!held || !checkers_set_add(&ld->chains, chain))
		return;
	for (int i = 0; i < n; i++) {
		if (!held_at(s, ld, tid, i, &h))
			continue;
		add_dep(s, ld, ld->cls, tid, &h, l, amode);
		add_dep(s, ld, ld->inst, tid, &h, l, amode);
	}
}

/* lock_nodes -- internal: the graph nodes of lock l taken with 'sub'. */
static void lock_nodes(struct lockdep *ld, struct ld_obj *o,
		       const struct sim_lock *l, int sub)
{
	/* records outlive executions: check what they cached, once */
	if (o->nodes_gen != ld->gen) {
		if (o->cls != l->cls ||
		    (o->inode != LD_NONE &&
		     strcmp(ld->inst->node[o->inode]->name, l->name)))
			o->cnode = o->inode = LD_NONE;
		o->cls = l->cls;
		o->nodes_gen = ld->gen;
	}
	if (o->cnode == LD_NONE || o->csub != sub) {
		o->cnode = node_get(ld->cls, LD_LOCK, l->cls->name,
				    strlen(l->cls->name), sub,
				    l->kind == SIM_RWSEM);
		o->csub = (uint8_t)sub;
	}
	if (o->inode == LD_NONE)
		o->inode = node_get(ld->inst, LD_LOCK, l->name, strlen(l->name),
				    0, l->kind == SIM_RWSEM);
}

/* ref_nodes -- internal: a reference's class is its name up to '('. */
static void ref_nodes(struct lockdep *ld, struct ld_obj *o,
		      const struct sim_ref *r)
{
	if (o->nodes_gen != ld->gen) {
		if (o->inode != LD_NONE &&
		    strcmp(ld->inst->node[o->inode]->name, r->name))
			o->cnode = o->inode = LD_NONE;
		o->nodes_gen = ld->gen;
	}
	if (o->cnode == LD_NONE) {
		const char *paren = strchr(r->name, '(');
		size_t len = strlen(r->name);

		if (paren && paren > r->name)
			len = (size_t)(paren - r->name);

		while (len > 1 && r->name[len - 1] == ' ')
			len--;
		o->cnode = node_get(ld->cls, LD_REF, r->name, len, 0, false);
		o->inode = node_get(ld->inst, LD_REF, r->name, strlen(r->name),
				    0, false);
	}
}

static void mark_writer(struct lockdep *ld, const struct ld_held *h,
			const char *fn)
{
	struct ld_node *c = ld->cls->node[h->cnode];
	struct ld_node *i = ld->inst->node[h->inode];

	if (!c->writer_fn)
		c->writer_fn = fn;
	if (!i->writer_fn)
		i->writer_fn = fn;
}

/* ---- The hooks ----------------------------------------------------------- */

/*
 * rank_violation -- internal: l is taken while holding h, against the
 * order core/lockorder.h documents.  A lock-order finding, once per pair
 * of classes and functions: the core model (or a proposed fix it
 * carries) breaks its own documented order, which is what an inversion
 * against the kernel's order looks like.  The execution goes on, so the
 * graph can show the cycle it makes, if any.
 */
static void rank_violation(struct sim *s, struct lockdep *ld, int tid,
			   const struct sim_lock *l, const char *fn,
			   const struct sim_lock *h, const char *hfn)
{
	uint64_t sig = checkers_hash_str(0x72616e6bull, l->cls->name);
	struct sim_report r = { .kind = SIM_REPORT_LOCK_ORDER };

	sig = checkers_hash_str(sig, h->cls->name);
	sig = checkers_hash_str(sig, fn);
	r.signature = sig = checkers_hash_str(sig, hfn);
	if (!ld_report_once(ld, sig))
		return;
	snprintf(r.what, sizeof(r.what),
		 "%s taken while holding %s, against "
		 "the documented lock order",
		 l->cls->name, h->cls->name);
	snprintf(r.detail, sizeof(r.detail),
		 "thread %d takes %s in %s\n"
		 "    while holding %s, taken in %s;\n"
		 "    core/lockorder.h puts %s%s (rank %d, outermost first)",
		 tid, l->name, fn, h->name, hfn, l->cls->name,
		 h->cls == l->cls ? " nested in itself only with a subclass" :
				    " outside it",
		 l->cls->rank);
	sim_add_report(s, &r);
}

/* rank_check -- internal: l against the ranked locks tid holds (the
 * held stack: where each was taken). */
static void rank_check(struct sim *s, struct lockdep *ld, int tid,
		       const struct sim_lock *l, int subclass, const char *fn)
{
	int n;

	if (!l->cls->rank)
		return;
	n = sim_held_count(s, tid);
	for (int i = 0; i < n; i++) {
		const struct sim_hold *r = sim_held(s, tid, i);
		const struct sim_lock *h = r->lock;

		if (r->kind != SIM_HOLD_LOCK || !h->cls->rank)
			continue;
		if (h->cls->rank > l->cls->rank ||
		    (h->cls == l->cls && !subclass))
			rank_violation(s, ld, tid, l, fn, h, r->fn);
	}
}

/* ld_acquire_rank -- the observer without the graph: the rank only. */
static void ld_acquire_rank(void *ctx, struct sim *s, int tid,
			    const struct sim_lock *l, int mode, int subclass,
			    const char *fn)
{
	(void)mode;
	rank_check(s, ctx, tid, l, subclass, fn);
}

/* at -- internal: where thread tid is now, for a hold's context. */
static void at(const struct sim *s, int tid, struct ld_held *h)
{
	sim_thread_at(s, tid, &h->op_ev, &h->point_ev);
}

static void ld_acquire(void *ctx, struct sim *s, int tid,
		       const struct sim_lock *l, int mode, int subclass,
		       const char *fn)
{
	struct lockdep *ld = ctx;
	struct ld_held *p;
	struct ld_obj *o;
	int amode = mode == SIM_EXCL ? LD_A_EXCL :
		mode == SIM_SHARED   ? LD_A_READ :
				       LD_A_RREAD;

	rank_check(s, ld, tid, l, subclass, fn);
	p = &ld->t[tid].pending;
	o = ld_obj_get(ld, l, l->id, LD_LOCK);
	*p = (struct ld_held){
		.obj = l,
		.cnode = LD_NONE,
		.inode = LD_NONE,
		.hmode = amode == LD_A_EXCL ? LD_H_EXCL : LD_H_SHARED,
		.sub = (uint8_t)(subclass < 0 ? 0 :
					 subclass >= LD_MAX_SUB ?
						LD_MAX_SUB - 1 :
						subclass),
		.fn = fn,
		.op_ev = -1,
		.point_ev = -1,
	};
	lock_nodes(ld, o, l, p->sub);
	p->cnode = o->cnode;
	p->inode = o->inode;
	at(s, tid, p);
	if (amode == LD_A_EXCL && l->kind == SIM_RWSEM)
		mark_writer(ld, p, fn);
	add_deps(s, ld, tid, p, amode);
}

static void ld_acquired(void *ctx, struct sim *s, int tid,
			const struct sim_lock *l, int mode, const char *fn)
{
	struct lockdep *ld = ctx;
	struct ld_thread *t = &ld->t[tid];

	(void)mode, (void)fn;
	if (t->pending.obj != l) /* not after ld_acquire: a test */
		return;
	slot_fill(s, ld, tid, l, &t->pending);
	t->pending.obj = NULL;
}

static void ld_acquire_try(void *ctx, struct sim *s, int tid,
			   const struct sim_lock *l, int mode, const char *fn)
{
	struct lockdep *ld = ctx;
	struct ld_obj *o = ld_obj_get(ld, l, l->id, LD_LOCK);
	struct ld_held h;

	/* A trylock cannot deadlock: no dependency on the lock (lockdep),
	 * but what the thread takes while holding it depends on it. */
	h = (struct ld_held){
		.obj = l,
		.cnode = LD_NONE,
		.inode = LD_NONE,
		.hmode = mode == SIM_EXCL ? LD_H_EXCL : LD_H_SHARED,
		.fn = fn,
		.op_ev = -1,
		.point_ev = -1,
	};
	lock_nodes(ld, o, l, 0);
	h.cnode = o->cnode;
	h.inode = o->inode;
	at(s, tid, &h);
	slot_fill(s, ld, tid, l, &h);
}

static void ld_ref_get(void *ctx, struct sim *s, int tid,
		       const struct sim_ref *r, const char *fn)
{
	struct lockdep *ld = ctx;
	int top = sim_held_count(s, tid) - 1;
	const struct sim_hold *rec = sim_held(s, tid, top);
	struct ld_obj *o;
	struct ld_held h;

	/* A get never waits: no dependency on the reference.  Only the
	 * thread's first get of r makes a hold: r's record, on top,
	 * counting one. */
	if (rec->kind != SIM_HOLD_REF || rec->ref != r || rec->count != 1)
		return;
	o = ld_obj_get(ld, r, r->id, LD_REF);
	h = (struct ld_held){
		.obj = r,
		.cnode = LD_NONE,
		.inode = LD_NONE,
		.hmode = LD_H_SHARED,
		.ref = true,
		.fn = fn,
		.op_ev = -1,
		.point_ev = -1,
	};
	ref_nodes(ld, o, r);
	h.cnode = o->cnode;
	h.inode = o->inode;
	at(s, tid, &h);
	slot_fill(s, ld, tid, r, &h);
}

static void ld_ref_wait(void *ctx, struct sim *s, int tid,
			const struct sim_ref *r, const char *fn)
{
	struct lockdep *ld = ctx;
	struct ld_obj *o = ld_obj_get(ld, r, r->id, LD_REF);
	struct ld_held w;

	ref_nodes(ld, o, r);
	w = (struct ld_held){
		.obj = r,
		.cnode = o->cnode,
		.inode = o->inode,
		.hmode = LD_H_EXCL,
		.ref = true,
		.fn = fn,
	};
	at(s, tid, &w);
	mark_writer(ld, &w, fn);
	add_deps(s, ld, tid, &w, LD_A_EXCL);
}

/* ---- The observer --------------------------------------------------------- */

/* The graph: the lock and reference events that make holds or wait
 * (releases and puts end a hold in sim/'s held stack, which is all the
 * checker needs of them; wait queues and fields are not its business). */
const struct sim_observer lockdep_observer = {
	.name = "lockdep",
	.hold_size = sizeof(struct ld_slot),
	.exec_begin = ld_exec_begin,
	.reset = ld_reset,
	.destroy = ld_destroy,
	.acquire = ld_acquire,
	.acquired = ld_acquired,
	.acquire_try = ld_acquire_try,
	.ref_get = ld_ref_get,
	.ref_wait = ld_ref_wait,
};

/* Without the graph: the rank check on each acquisition, nothing else. */
static const struct sim_observer ld_rank_observer = {
	.name = "lockdep (rank only)",
	.reset = ld_reset,
	.destroy = ld_destroy,
	.acquire = ld_acquire_rank,
};

struct lockdep *lockdep_attach(struct sim *s, bool graph)
{
	struct lockdep *ld = calloc(1, sizeof(*ld));
	const char *env = getenv("LOCKSTEP_NO_LOCKDEP");

	if (!ld)
		sim_oom("the lock dependency graph");
	ld->graph = graph && !(env && *env == '1');
	state_init(ld);
	ld->obs = sim_observe(
		s, ld->graph ? &lockdep_observer : &ld_rank_observer, ld);
	if (ld->obs < 0) {
		state_fini(ld);
		free(ld);
		return NULL;
	}
	return ld;
}
