/* SPDX-License-Identifier: MIT */
/*
 * sim/dfs.c -- systematic search: iterative preemption bounding with
 * partial-order reduction.
 *
 * The search is stateless, as in CHESS (Musuvathi and Qadeer, PLDI 2007):
 * each execution re-runs a prefix of recorded decisions, then branches.
 * The tree of one bound is a stack of nodes, one per scheduling point of
 * the current execution (a point where only one thread can run is a node
 * without a choice, seen through the strategy's forced() hook, so that
 * every step is one thread's):
 *
 *   node i:  enabled    the runnable threads at the point
 *            cur        the thread that reached it (still runnable or not)
 *            pre        preemptions spent before it
 *            chosen     the thread that runs from here in this execution
 *            backtrack  threads that must be tried here
 *            done       threads tried (or given up because of the bound)
 *            seen       threads tried, whose step footprint is known
 *            sleep      threads asleep on entry: their step from here is
 *                       independent of everything since it was explored
 *            fp[t]      the footprint of t's step from here
 *
 * Iterative context bounding: the tree is searched with bound 0 (no
 * preemption: a thread runs until it blocks or ends), then 1, 2, ... up to
 * the maximum.  Choosing another thread while 'cur' is still runnable is a
 * preemption; a non-preemptive switch (cur blocked or finished) is free.
 * Each bound's tree contains the smaller ones, so a bug of few preemptions
 * shows first, and a bound whose search never had to leave out a
 * preemption proves the whole schedule space explored.  A subtree in
 * which the bound cut nothing is recorded (struct dfs_rec) and the next
 * bound does not run it again; the search asked for every schedule
 * (SIM_DFS_UNBOUNDED) starts at the top bound and runs each once.
 *
 * A step is what one thread runs between two scheduling points: its lock
 * operation and its code up to the next one.  Its footprint is read from
 * the event log: the locks, wait queues and references it touched (by
 * name, instance digits stripped, so page(a:3) and page(a:7) count as one
 * object: conservative), annotated fields, and the data it announced with
 * sim_touch(): an element of a part of an object ("pg" of file a, page 1;
 * "dev", block 7; "hist" of file 0, the oracles' history), read or
 * written.  Shared data that a lock the step holds protects needs no
 * announcement: the lock operations order the steps that touch it.
 *
 * A thread in exact mode (sim_exact(), on for every operation of the
 * core) announces everything else it touches, so its scheduling points
 * need no scope.  Outside it, the older, coarser contract holds: the
 * scope of a scheduling point names the data the code on both sides of it
 * touches unannounced -- sim_point_obj() names it ("a": all of file a); a
 * lock's points name the file of the lock's instance ("a" for page(a:3)
 * and i_rwsem(a)); a wait's, its queue -- and a plain sim_point(), a lock
 * without an instance (mmap_lock) and an operation that passes no
 * scheduling point make the step dependent with every other.  A part of an
 * object does not commute with a scope that names the whole object, so
 * the two kinds of code mix.
 *
 * Two steps are dependent when they are one thread's or share an object
 * or overlapping elements of a part, one of them writing it.
 *
 * The reduction (on by default) combines:
 *   - sleep sets (Godefroid 1996): after t's subtree at a node is explored,
 *     t sleeps in its siblings' subtrees until a step dependent with t's
 *     runs; an execution in which every runnable thread sleeps is cut
 *     short ("pruned"): its schedules are equivalent to explored ones;
 *   - dynamic POR (Flanagan and Godefroid, POPL 2005): a node's backtrack
 *     set starts with the thread chosen; after each step, the last earlier
 *     step of another thread that is dependent with it and not ordered
 *     before it by happens-before (vector clocks over the dependencies)
 *     gets a backtrack point for the step's thread;
 *   - with a bound, as in bounded POR (Coons, Musuvathi, McKinley, OOPSLA
 *     2013), the same thread is also added where the racing step's thread
 *     began its run of steps, where the switch may be free; and a thread
 *     whose subtree at a node the bound cut does not sleep in its
 *     siblings' subtrees (the schedules it would skip may be equivalent
 *     only to ones the bound left out).
 * Without the reduction every runnable thread is tried at every node.
 * With it, "within K preemptions" is as CHESS means it: some schedules are
 * represented by an equivalent one that may need more preemptions.
 *
 * Choices are thread indexes; nothing depends on time or addresses.
 */
#include "sim/strategy.h"
#include "sim/sim.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define DFS_FP_OBJS    32
#define DFS_MAX_LEVELS 64

/* What a step touched. */
struct dfs_fp {
	uint32_t threads;
	bool global; /* passed a named point */
	uint8_t n;
	uint32_t obj[DFS_FP_OBJS];
	uint32_t idx[DFS_FP_OBJS];    /* the element (sim_touch), or all */
	uint32_t parent[DFS_FP_OBJS]; /* the object it is part of, or 0 */
};

struct dfs_node {
	uint32_t enabled, backtrack, done, seen, sleep;
	uint32_t cut;		/* tried, but the bound cut its subtree */
	uint32_t cuts;		/* strat_dfs.cuts when 'chosen' began */
	uint32_t recpos, btpos; /* records, log entries then */
	uint64_t sched0;	/* strat_dfs.st.schedules then */
	uint64_t h;		/* the path through 'chosen' */
	int8_t cur, chosen;
	bool cur_runnable;
	uint16_t pre;
	struct dfs_fp fp[SIM_MAX_THREADS];
	uint32_t vc[SIM_MAX_THREADS]; /* happens-before of the chosen step */
};

/*
 * A subtree the bound did not cut: it was explored in full, and a higher
 * bound would explore it the same way (the bound decides only where it
 * cuts), so the next bound does not run it again.  What its exploration
 * left behind outside it is kept: the schedules it holds, the footprint
 * of its first step (for the sleep sets of its siblings) and the
 * backtrack points its races added to the nodes above it (log entries
 * bt[bt_off, bt_off + nbt)).
 */
struct dfs_rec {
	uint64_t h; /* the path to it */
	uint64_t schedules;
	uint32_t bt_off, nbt;
	int8_t t; /* the thread of its first step */
	struct dfs_fp fp;
};

struct dfs_bt {
	uint32_t node, threads; /* a backtrack point added */
};

struct dfs_recs {
	struct dfs_rec *r;
	uint32_t n, cap;
	struct dfs_bt *bt;
	uint32_t nbt, capbt;
};

struct strat_dfs {
	struct sim_strategy base;
	int bound, max_bound;
	bool por;

	struct dfs_node *node;
	uint32_t nnode, cap;
	uint32_t pos;	  /* next node of this execution */
	uint32_t plen;	  /* nodes to replay */
	uint32_t ev_mark; /* events of the log already in a step */
	uint32_t tc[SIM_MAX_THREADS][SIM_MAX_THREADS]; /* thread clocks */
	struct dfs_fp parked[SIM_MAX_THREADS]; /* the point each waits at */
	bool pruned, bad, bound_hit;
	uint32_t cuts;		   /* schedules the bound cut, so far */
	bool resume;		   /* skip subtrees a lower bound completed */
	struct dfs_recs cur, prev; /* complete subtrees: this bound, last */
	struct dfs_bt *log;	   /* backtrack points added, in order */
	uint32_t nlog, caplog;
	int32_t skip_at; /* node of this execution that began a
					 * subtree 'prev' holds, or -1 */
	const struct dfs_rec *skip_rec;

	struct sim_dfs_stats st;
};

/* ---- Footprints ---------------------------------------------------------- */

/*
 * An object is a 32-bit key, its low two bits the access: a read, a write
 * (OBJ_WRITE) or an add (OBJ_ADD: an update that commutes with other adds
 * and reads nothing, sim_touch_add; an add and a read of one element
 * make a write).  Reads of one object commute, and so do adds: shared
 * holds of a rw_semaphore (a reader that must wait logs a BLOCK, which is
 * a write), the gets and puts of a reference, field reads; the increments
 * of a counter nobody reads in that step.  Everything else is a write:
 * exclusive holds, waits and wake-ups, operation boundaries, field
 * writes, and a scheduling point's scope.  A spinlock's holds are left
 * out (struct sim_lock_class.spin): never held at a scheduling point, it
 * is free at the start and the end of every step, no thread ever waits
 * for it, and what it protects is announced.  A step is dependent with
 * every other ("global") when it passes a plain sim_point(), a
 * scheduling point of a lock without an instance (mmap_lock), or a whole
 * operation without any scheduling point (statx, dma_write, a load of a
 * mapped page: nothing says what it touched).
 *
 * Names are keys with their digits left out, where they number instances
 * made during the execution ("page(a:3)" as "page(a:)"), so one key may
 * stand for several objects: conservative.  A name with an instance,
 * "class(instance)", names a part of the instance's object too, and the
 * object of "a:3" is file a:
 *   locks, wait queues, references   their name
 *   a lock's scheduling points       the object of its instance: "a" for
 *                                    "page(a:3)" and "i_rwsem(a)"
 *   a wait's scheduling points       its queue's name, which is its
 *                                    reference's, and so its instance
 *   a named point's scope            the names sim_point_obj() gave it:
 *                                    "a" (file a), "device"
 *   fields                           "i_size(a)", and so "a"
 *   operation boundaries             "op": the oracles' history
 */
#define OBJ_WRITE 1u
#define OBJ_ADD	  2u
#define OBJ_MODE  3u /* the access bits of a key */

/* SIM_EV_ACCESS arg: what the event is (sim/sim.c, sim/lock.c) */
#define ACC_READ    0 /* a field read */
#define ACC_SCOPE   1 /* the scope of the point that follows */
#define ACC_WRITE   2 /* a field written */
#define ACC_LOCK    3 /* a lock's scheduling point: its instance */
#define ACC_TOUCH_R 4 /* a part of an object read (sim_touch) */
#define ACC_TOUCH_W 5 /* ... written */
#define ACC_TOUCH_A 6 /* ... added to (sim_touch_add) */
#define ACC_EXACT   7 /* what follows announces all (sim_exact) */

/* obj_key -- internal: FNV-1a of the first 'len' characters of a name, its
 * digits left out. */
static uint32_t obj_key(uint32_t kind, const char *s, size_t len)
{
	uint32_t h = 2166136261u ^ kind;

	for (; s && *s && len; s++, len--) {
		if (*s >= '0' && *s <= '9')
			continue;
		h = (h ^ (uint8_t)*s) * 16777619u;
	}
	return h & ~OBJ_MODE;
}

static uint32_t name_key(const char *s)
{
	return obj_key(1, s, SIZE_MAX);
}

/* instance -- internal: the object of the instance of "class(instance)"
 * ("a" of "page(a:3)"), or NULL; its length in *len. */
static const char *instance(const char *s, size_t *len)
{
	const char *open = s ? strchr(s, '(') : NULL;

	if (!open)
		return NULL;
	*len = strcspn(open + 1, ":)");
	return open + 1;
}

/* is_scope -- internal: a scope of the scheduling point that follows. */
static bool is_scope(const struct sim_event *e)
{
	return e->kind == SIM_EV_ACCESS &&
		(e->arg == ACC_SCOPE || e->arg == ACC_LOCK);
}

/* mode_join -- internal: the access of two accesses of one element by one
 * step: equal ones stay, any other pair is a write. */
static uint32_t mode_join(uint32_t a, uint32_t b)
{
	a &= OBJ_MODE;
	b &= OBJ_MODE;
	return a == b ? a : OBJ_WRITE;
}

/* modes_conflict -- internal: two accesses of one element by two steps
 * that do not commute: unless both read or both add. */
static bool modes_conflict(uint32_t a, uint32_t b)
{
	a &= OBJ_MODE;
	b &= OBJ_MODE;
	return (a | b) && !(a == OBJ_ADD && b == OBJ_ADD);
}

/* fp_add_part -- internal: part idx of an object (SIM_TOUCH_ALL: all of
 * it), read, written or added to (the mode in the key's low bits); past
 * DFS_FP_OBJS the step counts as touching everything. */
static void fp_add_part(struct dfs_fp *fp, uint32_t key, uint32_t idx,
			uint32_t parent)
{
	for (int i = 0; i < fp->n; i++) {
		if ((fp->obj[i] & ~OBJ_MODE) != (key & ~OBJ_MODE))
			continue;
		if (fp->idx[i] == idx) {
			fp->obj[i] = (fp->obj[i] & ~OBJ_MODE) |
				mode_join(fp->obj[i], key);
			return;
		}
		/* already touched all of it, as much */
		if (fp->idx[i] == SIM_TOUCH_ALL &&
		    mode_join(fp->obj[i], key) == (fp->obj[i] & OBJ_MODE))
			return;
	}
	if (fp->n == DFS_FP_OBJS) {
		fp->global = true; /* too much to track: conservative */
	} else {
		fp->obj[fp->n] = key;
		fp->parent[fp->n] = parent;
		fp->idx[fp->n++] = idx;
	}
}

/* fp_add -- internal: a whole object. */
static void fp_add(struct dfs_fp *fp, uint32_t key)
{
	fp_add_part(fp, key, SIM_TOUCH_ALL, 0);
}

/* fp_access -- internal: a SIM_EV_ACCESS: a field read or written, or the
 * scope of a scheduling point (a write). */
static void fp_access(struct dfs_fp *fp, const struct sim_event *e)
{
	uint32_t w = e->arg == ACC_READ ? 0 : OBJ_WRITE;
	const char *inst;
	size_t len;

	if (e->arg == ACC_TOUCH_R || e->arg == ACC_TOUCH_W ||
	    e->arg == ACC_TOUCH_A) {
		/* a part of an object: its key is the part's and the
		 * object's; the object's alone is its parent */
		uint32_t parent = e->fn ? name_key(e->fn) : 0;
		uint32_t mode = e->arg == ACC_TOUCH_W ? OBJ_WRITE :
			e->arg == ACC_TOUCH_A	      ? OBJ_ADD :
							0;

		fp_add_part(fp,
			    ((name_key(e->what) ^ parent) & ~OBJ_MODE) | mode,
			    e->idx, parent);
		return;
	}
	if (e->arg == ACC_EXACT)
		return;
	if (e->arg == ACC_READ || e->arg == ACC_WRITE) {
		/* a field: part of its instance's object ("a" of
		 * "i_size(a)"), which a scope may name */
		inst = instance(e->what, &len);
		fp_add_part(fp, name_key(e->what) | w, SIM_TOUCH_ALL,
			    inst ? obj_key(1, inst, len) : 0);
		return;
	}
	if (e->arg == ACC_SCOPE && !e->what[0])
		return; /* an exact point (sim_exact) */
	if (e->arg != ACC_LOCK)
		fp_add(fp, name_key(e->what) | w);
	inst = instance(e->what, &len);
	if (inst)
		fp_add(fp, obj_key(1, inst, len) | w);
	else if (e->arg == ACC_LOCK)
		fp->global = true; /* mmap_lock: the mm, user memory */
}

/* fp_merge -- internal: b's objects into a. */
static void fp_merge(struct dfs_fp *a, const struct dfs_fp *b)
{
	a->threads |= b->threads;
	a->global |= b->global;
	for (int i = 0; i < b->n; i++)
		fp_add_part(a, b->obj[i], b->idx[i], b->parent[i]);
}

/*
 * fp_from_log -- internal: the footprint of the events [from, to) of
 * thread 'only' (-1: of every thread); 'chosen' ran the step.  A thread
 * that starts the step parked at a scheduling point runs the code after
 * it, so the point's scope (parked[]) is part of its footprint; the scope
 * of the point it ends at is among its events.
 */
static void fp_from_log(struct dfs_fp *fp, int chosen, int only,
			const struct dfs_fp *parked, const struct sim_event *ev,
			uint32_t from, uint32_t to)
{
	uint32_t in_op = 0; /* threads in an operation, no point yet */

	memset(fp, 0, sizeof(*fp));
	fp->threads = 1u << (only >= 0 ? only : chosen);
	for (uint32_t i = from; i < to; i++)
		if (only < 0 || ev[i].tid == only)
			fp->threads |= 1u << ev[i].tid;
	for (uint32_t m = fp->threads; m; m &= m - 1)
		fp_merge(fp, &parked[__builtin_ctz(m)]);
	for (uint32_t i = from; i < to; i++) {
		const struct sim_event *e = &ev[i];
		uint32_t bit = 1u << e->tid;

		if (only >= 0 && e->tid != only)
			continue;
		switch (e->kind) {
		case SIM_EV_ACQUIRE:
		case SIM_EV_RELEASE:
			if (e->idx == SIM_EV_SPIN)
				break; /* invisible to other threads */
			fp_add(fp,
			       name_key(e->what) |
				       (e->mode == SIM_SHARED ? 0 : OBJ_WRITE));
			break;
		case SIM_EV_BLOCK:
		case SIM_EV_WAKE:
			fp_add(fp, name_key(e->what) | OBJ_WRITE);
			break;
		case SIM_EV_NOTE:
			/* references log their get (+1) and put (-1); what
			 * reads the count is a write (a wait's scope) */
			if (e->arg)
				fp_add(fp, name_key(e->what));
			break;
		case SIM_EV_OP_BEGIN:
			/* the oracles' history: sim_touch("hist") */
			in_op |= bit;
			break;
		case SIM_EV_OP_END:
			/* an operation that passed no scheduling point */
			if (in_op & bit)
				fp->global = true;
			in_op &= ~bit;
			break;
		case SIM_EV_ACCESS:
			if (is_scope(e) || e->arg == ACC_EXACT)
				in_op &= ~bit;
			fp_access(fp, e);
			break;
		case SIM_EV_POINT:
			/* scoped by the ACCESS events right before it */
			in_op &= ~bit;
			if (!(i > 0 && ev[i - 1].kind == SIM_EV_ACCESS &&
			      ev[i - 1].arg == ACC_SCOPE &&
			      ev[i - 1].tid == e->tid))
				fp->global = true;
			break;
		default:
			break;
		}
	}
}

/*
 * park -- internal: where each thread of events [from, to) stopped: at a
 * scheduling point with a scope (the scope events it logged last, with or
 * without a named point after them), at a plain named point (everything),
 * or elsewhere (nothing).
 */
static void park(struct dfs_fp *parked, const struct sim_event *ev,
		 uint32_t from, uint32_t to)
{
	uint32_t pending = 0; /* threads whose last events are scopes */

	for (uint32_t i = from; i < to; i++) {
		const struct sim_event *e = &ev[i];
		struct dfs_fp *p = &parked[e->tid];
		uint32_t bit = 1u << e->tid;

		if (is_scope(e)) {
			/* the scope of a point to come */
			if (!(pending & bit))
				memset(p, 0, sizeof(*p));
			pending |= bit;
			fp_access(p, e);
			continue;
		}
		if (e->kind == SIM_EV_POINT) {
			if (!(pending & bit)) {
				memset(p, 0, sizeof(*p));
				p->global = true;
			}
		} else {
			memset(p, 0, sizeof(*p));
		}
		pending &= ~bit;
	}
}

/* idx_overlap -- internal: two elements of a part that may be one: equal,
 * or either the whole part or the whole group of the other. */
static bool idx_overlap(uint32_t x, uint32_t y)
{
	if (x == y || x == SIM_TOUCH_ALL || y == SIM_TOUCH_ALL)
		return true;
	return (x >> 16) == (y >> 16) &&
		((x & 0xffff) == 0xffff || (y & 0xffff) == 0xffff);
}

/* fp_dep -- internal: whether two steps do not commute: one writes what
 * the other touches (an element of one part, or an object and a part of
 * it). */
static bool fp_dep(const struct dfs_fp *a, const struct dfs_fp *b)
{
	if (a->global || b->global || (a->threads & b->threads))
		return true;
	for (int i = 0; i < a->n; i++) {
		uint32_t ka = a->obj[i] & ~OBJ_MODE;

		for (int j = 0; j < b->n; j++) {
			uint32_t kb = b->obj[j] & ~OBJ_MODE;

			if (!modes_conflict(a->obj[i], b->obj[j]))
				continue;
			if (ka == kb && idx_overlap(a->idx[i], b->idx[j]))
				return true;
			if ((a->parent[i] && a->parent[i] == kb) ||
			    (b->parent[j] && b->parent[j] == ka))
				return true;
		}
	}
	return false;
}

/* fp_dep_objects -- internal: dependent through what they touched (two
 * parts of one step share no thread, by construction). */
static bool fp_dep_objects(const struct dfs_fp *a, const struct dfs_fp *b)
{
	struct dfs_fp x = *a, y = *b;

	x.threads = 1;
	y.threads = 2;
	return fp_dep(&x, &y);
}

/* ---- The tree ------------------------------------------------------------- */

static struct dfs_node *node_at(struct strat_dfs *d, uint32_t i)
{
	if (i >= d->cap) {
		uint32_t cap = d->cap ? 2 * d->cap : 256;
		struct dfs_node *n = realloc(d->node, cap * sizeof(*n));

		if (!n)
			return NULL;
		d->node = n;
		d->cap = cap;
	}
	return &d->node[i];
}

/* grow -- internal: room for one more element of size sz in *p (*cap
 * elements); false when out of memory. */
static bool grow(void **p, uint32_t n, uint32_t *cap, size_t sz)
{
	void *q;
	uint32_t c;

	if (n < *cap)
		return true;
	c = *cap ? 2 * *cap : 256;
	q = realloc(*p, c * sz);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

/* oom -- internal: stop the search. */
static void oom(struct strat_dfs *d)
{
	d->bad = true;
	d->st.error = "out of memory";
}

/* recording -- internal: whether this bound keeps records of the subtrees
 * it completes: only for a next bound to skip them, so not at the top
 * bound (where the search asked for every schedule starts), whose records
 * nothing would read. */
static bool recording(const struct strat_dfs *d)
{
	return d->resume && d->bound < d->max_bound;
}

/* log_bt -- internal: remember a backtrack point added at node k, for the
 * record of every subtree being explored below it. */
static void log_bt(struct strat_dfs *d, uint32_t k, uint32_t threads)
{
	if (!recording(d))
		return;
	if (!grow((void **)&d->log, d->nlog, &d->caplog, sizeof(*d->log))) {
		oom(d);
		return;
	}
	d->log[d->nlog++] = (struct dfs_bt){ k, threads };
}

/* add_backtrack -- internal: t must be tried at node k (or, if it could
 * not run there, every thread that could). */
static void add_backtrack(struct strat_dfs *d, uint32_t k, int t)
{
	struct dfs_node *n = &d->node[k];
	uint32_t bits = (n->enabled & (1u << t)) ? 1u << t : n->enabled;

	n->backtrack |= bits;
	log_bt(d, k, bits);
}

/* path_hash -- internal: the path of decisions through node i, thread t
 * there (64 bits: splitmix64 of the path before it and t). */
static uint64_t path_hash(const struct strat_dfs *d, uint32_t i, int t)
{
	uint64_t h = i ? d->node[i - 1].h : 0x9e3779b97f4a7c15ull;

	h += (uint64_t)(t + 1) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

/* begin_choice -- internal: t runs from node i in this execution. */
static void begin_choice(struct strat_dfs *d, struct dfs_node *n, uint32_t i,
			 int t)
{
	n->chosen = (int8_t)t;
	n->cuts = d->cuts;
	n->h = path_hash(d, i, t);
	n->recpos = d->cur.n;
	n->btpos = d->nlog;
	n->sched0 = d->st.schedules;
}

/* rec_find -- internal: the subtree of path h that the last bound
 * completed, or NULL ('prev' is sorted by path). */
static const struct dfs_rec *rec_find(const struct strat_dfs *d, uint64_t h)
{
	uint32_t lo = 0, hi = d->prev.n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (d->prev.r[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->prev.n && d->prev.r[lo].h == h ? &d->prev.r[lo] : NULL;
}

/* rec_add -- internal: subtree (node i, thread t) is complete: a record of
 * this bound, which replaces the records of the subtrees within it; its
 * backtrack points above it are the log's from 'from' on ('bt', nbt of
 * them, when given instead). */
static void rec_add(struct strat_dfs *d, uint32_t i, int t, uint64_t h,
		    uint64_t schedules, const struct dfs_fp *fp,
		    uint32_t recpos, uint32_t from, const struct dfs_bt *bt,
		    uint32_t nbt)
{
	struct dfs_recs *c = &d->cur;
	struct dfs_rec *r;

	if (recpos < c->n) {
		c->nbt = c->r[recpos].bt_off;
		c->n = recpos;
	}
	if (!grow((void **)&c->r, c->n, &c->cap, sizeof(*c->r))) {
		oom(d);
		return;
	}
	r = &c->r[c->n++];
	r->h = h;
	r->t = (int8_t)t;
	r->schedules = schedules;
	r->fp = *fp;
	r->bt_off = c->nbt;
	r->nbt = 0;
	if (!bt) {
		bt = d->log + from;
		nbt = d->nlog - from;
	}
	for (uint32_t j = 0; j < nbt; j++) {
		if (bt[j].node > i)
			continue;
		if (!grow((void **)&c->bt, c->nbt, &c->capbt, sizeof(*c->bt))) {
			oom(d);
			return;
		}
		c->bt[c->nbt++] = bt[j];
		r->nbt++;
	}
}

/* rec_apply -- internal: skip subtree (node i, rec->t), which the last
 * bound completed: what it left behind, as if explored again. */
static void rec_apply(struct strat_dfs *d, uint32_t i,
		      const struct dfs_rec *rec)
{
	struct dfs_node *n = &d->node[i];
	const struct dfs_bt *bt = d->prev.bt + rec->bt_off;

	rec_add(d, i, rec->t, rec->h, rec->schedules, &rec->fp, d->cur.n, 0, bt,
		rec->nbt);
	for (uint32_t j = 0; j < rec->nbt; j++) {
		d->node[bt[j].node].backtrack |= bt[j].threads;
		log_bt(d, bt[j].node, bt[j].threads);
	}
	n->seen |= 1u << rec->t;
	n->fp[rec->t] = rec->fp;
}

static int cmp_rec(const void *a, const void *b)
{
	uint64_t x = ((const struct dfs_rec *)a)->h;
	uint64_t y = ((const struct dfs_rec *)b)->h;

	return x < y ? -1 : x > y;
}

/* next_level -- internal: this bound's records become the last bound's. */
static void next_level(struct strat_dfs *d)
{
	struct dfs_recs t = d->prev;

	d->prev = d->cur;
	d->cur = t;
	d->cur.n = d->cur.nbt = 0;
	d->nlog = 0;
	if (d->prev.n)
		qsort(d->prev.r, d->prev.n, sizeof(*d->prev.r), cmp_rec);
}

/*
 * races -- internal: the last step before step i, of a thread other than
 * t, that is dependent with t's part of step i and not ordered before t by
 * happens-before: t must also be tried there, first.
 */
static void races(struct strat_dfs *d, uint32_t i, int t,
		  const struct dfs_fp *part)
{
	for (int k = (int)i - 1; k >= 0; k--) {
		const struct dfs_node *m = &d->node[k];
		int u = m->chosen;
		int k0 = k;

		if (m->fp[u].threads & (1u << t))
			continue;
		if (!fp_dep(&m->fp[u], part))
			continue;
		if (d->tc[t][u] >= (uint32_t)k + 1)
			return; /* t already knows step k */
		add_backtrack(d, (uint32_t)k, t);
		/* Bounded POR: also where u's run of steps began, where
		 * switching to t may not cost a preemption. */
		while (k0 > 0 && d->node[k0 - 1].chosen == u)
			k0--;
		if (k0 != k)
			add_backtrack(d, (uint32_t)k0, t);
		return;
	}
}

/*
 * step_done -- internal: the step chosen at node i ended; its events are
 * [ev_mark, nev).  Records its footprint, its vector clock and, with the
 * reduction, the backtrack points its races call for.
 */
static void step_done(struct strat_dfs *d, uint32_t i)
{
	struct dfs_node *n = &d->node[i];
	int t = n->chosen;
	uint32_t nev;
	const struct sim_event *ev = sim_events(sim_self(), &nev);
	struct dfs_fp *fp = &n->fp[t];
	uint32_t vc[SIM_MAX_THREADS];

	if (nev < d->ev_mark)
		nev = d->ev_mark;
	fp_from_log(fp, t, -1, d->parked, ev, d->ev_mark, nev);
	n->seen |= 1u << t;
	if (d->por) {
		struct dfs_fp mine;

		/* Each thread of the step (the chosen one, and any that ran
		 * alone after it) races on its own part of it.  A thread
		 * that ran after t within the step, and depends on what t
		 * did in it, could have run first only if chosen here. */
		fp_from_log(&mine, t, t, d->parked, ev, d->ev_mark, nev);
		races(d, i, t, &mine);
		for (uint32_t m = fp->threads & ~(1u << t); m; m &= m - 1) {
			int u = __builtin_ctz(m);
			struct dfs_fp part;

			fp_from_log(&part, t, u, d->parked, ev, d->ev_mark,
				    nev);
			if (fp_dep_objects(&mine, &part))
				add_backtrack(d, i, u);
			races(d, i, u, &part);
		}
	}
	/* t left where it was parked, even if it logged nothing since. */
	memset(&d->parked[t], 0, sizeof(d->parked[t]));
	park(d->parked, ev, d->ev_mark, nev);
	d->ev_mark = nev;

	/* The step's clock: after every thread it involves and every
	 * earlier step it depends on. */
	memset(vc, 0, sizeof(vc));
	for (uint32_t m = fp->threads; m; m &= m - 1) {
		int u = __builtin_ctz(m);

		for (int j = 0; j < SIM_MAX_THREADS; j++)
			if (d->tc[u][j] > vc[j])
				vc[j] = d->tc[u][j];
	}
	for (uint32_t k = 0; k < i; k++) {
		const struct dfs_node *m = &d->node[k];

		if (!fp_dep(&m->fp[m->chosen], fp))
			continue;
		for (int j = 0; j < SIM_MAX_THREADS; j++)
			if (m->vc[j] > vc[j])
				vc[j] = m->vc[j];
	}
	vc[t] = i + 1;
	memcpy(n->vc, vc, sizeof(vc));
	for (uint32_t m = fp->threads; m; m &= m - 1)
		memcpy(d->tc[__builtin_ctz(m)], vc, sizeof(vc));
}

/* dfs_begin -- an execution starts: replay the prefix, then branch. */
static void dfs_begin(struct sim_strategy *st, uint64_t execution)
{
	struct strat_dfs *d = (struct strat_dfs *)st;

	(void)execution;
	d->pos = 0;
	d->ev_mark = 0;
	d->pruned = false;
	d->skip_at = -1;
	memset(d->tc, 0, sizeof(d->tc));
	memset(d->parked, 0, sizeof(d->parked));
}

/* fresh_node -- internal: the first visit of node i in this tree. */
static int fresh_node(struct strat_dfs *d, struct dfs_node *n, uint32_t i,
		      const struct sim_choice *c)
{
	uint32_t awake;
	int pick;

	memset(n, 0, offsetof(struct dfs_node, fp));
	n->enabled = c->runnable;
	n->cur = (int8_t)c->current;
	n->cur_runnable = c->current >= 0 && (c->runnable & (1u << c->current));
	if (i > 0) {
		const struct dfs_node *p = &d->node[i - 1];
		int pc = p->chosen;
		/* A thread whose subtree here the bound cut must not sleep:
		 * the schedules sleeping would skip are equivalent to ones
		 * in that subtree, maybe to ones the bound left out. */
		uint32_t cand = (p->sleep | p->seen) & ~p->cut & ~(1u << pc);

		n->pre = (uint16_t)(p->pre + (p->cur_runnable && pc != p->cur));
		if (d->por) {
			for (uint32_t m = cand; m; m &= m - 1) {
				int v = __builtin_ctz(m);

				if (fp_dep(&p->fp[v], &p->fp[pc]))
					continue;
				n->sleep |= 1u << v;
				n->fp[v] = p->fp[v];
			}
		}
	}
	awake = n->enabled & ~n->sleep;
	if (n->cur_runnable && (awake & (1u << n->cur))) {
		pick = n->cur;
	} else if (!awake) {
		return -1; /* everything asleep: redundant */
	} else if (n->cur_runnable && n->pre >= d->bound) {
		/* Only a preemption would do, and none is left. */
		d->bound_hit = true;
		d->cuts++;
		d->st.cut++;
		return -1;
	} else {
		pick = __builtin_ctz(awake);
	}
	begin_choice(d, n, i, pick);
	n->done = 1u << pick;
	n->backtrack = d->por ? 1u << pick : n->enabled;
	if (d->resume && d->skip_at < 0 && d->prev.n) {
		/* A subtree the last bound completed, entered by an
		 * execution that had to pass it: this execution runs it
		 * once more (it is one of its schedules), the rest of it
		 * is not run again. */
		const struct dfs_rec *r = rec_find(d, n->h);

		if (r && r->t == pick) {
			d->skip_at = (int32_t)i;
			d->skip_rec = r;
		}
	}
	return pick;
}

/* visit -- internal: node pos of this execution: the step before it is
 * over; a replayed node must be what it was.  NULL to abort. */
static struct dfs_node *visit(struct strat_dfs *d, const struct sim_choice *c)
{
	uint32_t i = d->pos;
	struct dfs_node *n;

	if (d->bad)
		return NULL;
	if (i > 0) {
		step_done(d, i - 1);
	} else {
		/* The directed steps before the first choice: the same in
		 * every execution, in no step. */
		const struct sim_event *ev =
			sim_events(sim_self(), &d->ev_mark);

		if (ev)
			park(d->parked, ev, 0, d->ev_mark);
	}
	n = node_at(d, i);
	if (!n) {
		d->bad = true;
		d->st.error = "out of memory";
		return NULL;
	}
	if (i < d->plen &&
	    (n->enabled != c->runnable || n->cur != c->current)) {
		d->bad = true;
		d->st.error = "the scenario is not deterministic: a replayed "
			      "prefix reached a different choice point";
		return NULL;
	}
	return n;
}

/* dfs_choose -- a choice point: the recorded thread in the prefix, else a
 * fresh node's pick (-1: every continuation is redundant).
 */
static int dfs_choose(struct sim_strategy *st, const struct sim_choice *c)
{
	struct strat_dfs *d = (struct strat_dfs *)st;
	struct dfs_node *n = visit(d, c);
	int pick;

	if (!n)
		return -1;
	if (d->pos < d->plen) {
		d->pos++;
		return n->chosen;
	}
	pick = fresh_node(d, n, d->pos, c);
	if (pick < 0) {
		d->pruned = true;
		return -1;
	}
	d->pos++;
	d->nnode = d->pos;
	return pick;
}

/* dfs_forced -- a point with one runnable thread: a node without a
 * choice, so that every step is one thread's and its footprint exact.
 * false when the execution is redundant from here. */
static bool dfs_forced(struct sim_strategy *st, const struct sim_choice *c)
{
	struct strat_dfs *d = (struct strat_dfs *)st;
	struct dfs_node *n = visit(d, c);

	if (!n)
		return false;
	if (d->pos >= d->plen && fresh_node(d, n, d->pos, c) < 0) {
		/* Its one thread sleeps: every continuation is
		 * equivalent to an explored one. */
		d->pruned = true;
		return false;
	}
	d->pos++;
	if (d->pos > d->nnode)
		d->nnode = d->pos;
	return true;
}

/* next_branch -- internal: the deepest node with a thread left to try
 * within the bound; false when this bound's tree is exhausted. */
static bool next_branch(struct strat_dfs *d)
{
	int top = (int)d->nnode - 1;
	bool skipped = false;

	if (d->skip_at >= 0 && d->skip_at <= top) {
		/* This execution entered a subtree the last bound completed:
		 * the nodes below it are not branched again. */
		struct dfs_node *n = &d->node[d->skip_at];

		top = d->skip_at;
		d->nlog = n->btpos;
		d->st.schedules = n->sched0;
		rec_apply(d, (uint32_t)top, d->skip_rec);
		d->st.schedules += d->skip_rec->schedules;
		skipped = true;
	}
	d->skip_at = -1;
	for (int i = top; i >= 0; i--) {
		struct dfs_node *n = &d->node[i];
		uint32_t untried;

		if (d->cuts != n->cuts) {
			n->cut |= 1u << n->chosen;
		} else if (recording(d) && !(skipped && i == top)) {
			/* chosen's subtree is complete: a record, for the
			 * next bound */
			rec_add(d, (uint32_t)i, n->chosen, n->h,
				d->st.schedules - n->sched0, &n->fp[n->chosen],
				n->recpos, n->btpos, NULL, 0);
		}
		/* The points its races added below node i are spent. */
		if (recording(d)) {
			uint32_t w = n->btpos;

			for (uint32_t j = n->btpos; j < d->nlog; j++)
				if (d->log[j].node < (uint32_t)i)
					d->log[w++] = d->log[j];
			d->nlog = w;
		}
		untried = n->backtrack & n->enabled & ~n->done & ~n->sleep;
		while (untried) {
			int t = __builtin_ctz(untried);
			int cost = n->cur_runnable && t != n->cur;
			const struct dfs_rec *r;

			n->done |= 1u << t;
			untried &= ~(1u << t);
			if (n->pre + cost > d->bound) {
				d->bound_hit = true;
				d->cuts++;
				d->st.cut++;
				continue;
			}
			r = d->resume && d->prev.n ?
				rec_find(d, path_hash(d, (uint32_t)i, t)) :
				NULL;
			if (r && r->t == t) {
				/* Complete at the last bound: not again. */
				rec_apply(d, (uint32_t)i, r);
				d->st.schedules += r->schedules;
				untried = n->backtrack & n->enabled & ~n->done &
					~n->sleep;
				continue;
			}
			begin_choice(d, n, (uint32_t)i, t);
			d->nnode = d->plen = (uint32_t)i + 1;
			return true;
		}
	}
	return false;
}

/* dfs_end -- the execution is over: its last step, then the next branch,
 * or the next bound.
 */
static void dfs_end(struct sim_strategy *st, uint64_t steps)
{
	struct strat_dfs *d = (struct strat_dfs *)st;

	(void)steps;
	if (d->st.done)
		return;
	if (!d->bad && !d->pruned && d->pos > 0)
		step_done(d, d->pos - 1);
	if (!d->bad && d->pos > 0) {
		uint32_t nev;

		/* Without the event log every footprint would look empty,
		 * and everything independent: refuse rather than lie. */
		if (!sim_events(sim_self(), &nev) || nev == 0) {
			d->bad = true;
			d->st.error = "dfs needs the event log "
				      "(sim_options.log_events)";
		}
	}
	d->st.executions++;
	if (d->bad) {
		d->st.done = true;
		return;
	}
	if (d->pruned)
		d->st.pruned++;
	else
		d->st.schedules++;
	/* Nodes past pos belong to an earlier, longer execution; the node
	 * that cut a pruned one short has nothing left within the bound. */
	d->nnode = d->pos;
	if (next_branch(d))
		return;
	/* This bound's tree is exhausted. */
	if (d->st.nlevels < DFS_MAX_LEVELS)
		d->st.level_schedules[d->st.nlevels++] = d->st.schedules;
	d->st.finished_bound = d->bound;
	if (!d->bound_hit) {
		d->st.complete = true;
		d->st.done = true;
		return;
	}
	if (d->bound >= d->max_bound) {
		d->st.done = true;
		return;
	}
	d->bound++;
	d->st.bound = d->bound;
	d->st.schedules = 0;
	d->st.cut = 0;
	if (d->resume)
		next_level(d);
	d->bound_hit = false;
	d->nnode = d->plen = 0;
}

/* dfs_destroy -- free the tree. */
static void dfs_destroy(struct sim_strategy *st)
{
	struct strat_dfs *d = (struct strat_dfs *)st;

	free(d->node);
	free(d->log);
	free(d->cur.r);
	free(d->cur.bt);
	free(d->prev.r);
	free(d->prev.bt);
	free(d);
}

/* sim_strategy_dfs -- a search from bound from_bound up to max_bound
 * (sim/strategy.h).
 */
struct sim_strategy *sim_strategy_dfs(int from_bound, int max_bound, bool por)
{
	struct strat_dfs *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (from_bound < 0)
		from_bound = 0;
	if (max_bound < from_bound)
		max_bound = from_bound;
	d->base = (struct sim_strategy){ .name = "dfs",
					 .begin = dfs_begin,
					 .choose = dfs_choose,
					 .forced = dfs_forced,
					 .end = dfs_end,
					 .destroy = dfs_destroy };
	d->bound = from_bound;
	d->max_bound = max_bound;
	d->por = por;
	d->resume = true;
	d->skip_at = -1;
	d->st.bound = from_bound;
	d->st.finished_bound = -1;
	d->st.por = por;
	return &d->base;
}

/* sim_strategy_dfs_rerun -- see sim/strategy.h. */
void sim_strategy_dfs_rerun(struct sim_strategy *st, bool rerun)
{
	((struct strat_dfs *)st)->resume = !rerun;
}

/* sim_strategy_is_dfs -- whether st was made by sim_strategy_dfs(). */
bool sim_strategy_is_dfs(const struct sim_strategy *st)
{
	return st && st->begin == dfs_begin;
}

/* sim_strategy_dfs_stats -- where the search is: bound, schedules,
 * executions.
 */
void sim_strategy_dfs_stats(const struct sim_strategy *st,
			    struct sim_dfs_stats *out)
{
	*out = ((const struct strat_dfs *)st)->st;
}
