/* SPDX-License-Identifier: MIT */
/*
 * checkers/race.c -- the data-race checker on annotated shared fields: FastTrack
 * (Flanagan and Freund, PLDI 2009) over the simulator's synchronisation.
 *
 * Each thread of an execution has a vector clock C_t; each lock and wait
 * queue (a record of this file's, found by address; a reference's is its
 * queue's) the clocks of the releases others may acquire.  Happens-before is:
 *
 *   set-up        -> everything: clocks start at zero and a field's shadow
 *                    is reset by its first access of the execution;
 *   lock release  -> a later acquisition: an exclusive release (mutex,
 *                    up_write) is acquired by every later holder; a shared
 *                    release (up_read) only by later writers, so two
 *                    readers stay unordered; a reader acquires the writers'
 *                    releases;
 *   put           -> a wait for zero that returns (sim_ref_wait_zero),
 *                    and the put that drops the count to zero (a fully
 *                    ordered atomic_dec_and_test: iput's last reference);
 *   sim_wake_all  -> a wait on that queue that returns, woken or not;
 *   thread start  -> the thread (after set-up); thread end joins nothing
 *                    (only the explorer's final checks come after it).
 *
 * Each release ticks the releaser's own clock.  A field (struct sim_var)
 * keeps FastTrack's shadow: the last write as an epoch c@t, the reads as
 * one epoch while they are totally ordered and as a vector clock once two
 * are concurrent.  A read races with a write that does not happen before
 * it; a write with the last write and every read that do not.  The common
 * case (same epoch, or ordered) costs O(1); a write after concurrent
 * reads O(threads).  The first race on a field stops its checking for the
 * execution, as FastTrack does; each distinct race (field, functions,
 * kinds) is reported once per struct sim.
 *
 * Accesses outside an execution (set-up, the final checks) are not
 * checked: nothing runs concurrently then.  Accesses are not scheduling
 * points: races are found from the ordering, whatever the interleaving.
 *
 * Who calls it: the scheduler, as an observer (sim/observe.h) registered
 * by race_attach (checkers/checkers.h).  Its state is its own: the clocks
 * and per-object records; a field's shadow lives in the field (struct
 * sim_var.shadow).  What a thread holds, for the report, it reads from
 * sim/'s held stack (sim/observe.h).
 */
#include "checkers/checkers.h"
#include "checkers/hash.h"
#include "checkers/objtab.h"

#include <ck_pr.h>
#include <stdio.h>
#include <string.h>

_Static_assert(SIM_MAX_THREADS <= 16, "epochs keep the thread in 4 bits");

#define EPOCH(c, t) ((c) << 4 | (uint32_t)(t))
#define E_CLOCK(e)  ((e) >> 4)
#define E_TID(e)    ((int)((e)&15u))
#define R_SHARED    UINT32_MAX /* the reads are in rvc[] */

#define RACE_MAX_OBJS (1u << 16) /* records kept across executions */

typedef uint32_t race_vc[SIM_MAX_THREADS]; /* a vector clock */

enum race_kind {
	RACE_LOCK,
	RACE_WAITQ
};

/*
 * A lock or wait queue (a reference's too), found by address (lookups only: no
 * decision or report depends on the address).  Records outlive
 * executions (the arena hands the same addresses out again); their
 * clocks belong to execution 'gen' only, and to the object of that id.
 */
struct race_obj {
	const void *obj; /* first, as objtab.h asks */
	uint32_t id;
	uint32_t gen;  /* the execution of the clocks */
	uint8_t kind;  /* enum race_kind */
	bool released; /* vc_w or vc_r is not empty */
	race_vc vc_w;  /* exclusive releases, puts, wakes */
	race_vc vc_r;  /* shared releases */
};

struct race_thread {
	race_vc vc; /* happens-before clock */
};

/* A field's shadow, kept in struct sim_var.shadow: FastTrack's, valid in
 * execution 'gen' only; epochs are clock << 4 | thread, 0: none. */
struct race_shadow {
	uint32_t gen;
	uint32_t w;	/* the last write */
	uint32_t r;	/* the last read, or ~0: see rvc */
	bool raced;	/* reported: not checked further */
	uint32_t w_seq; /* sim_now() at the write */
	const char *w_fn;
	uint32_t rvc[SIM_MAX_THREADS]; /* concurrent reads: clock per thread */
	uint32_t r_seq[SIM_MAX_THREADS];
	const char *r_fn[SIM_MAX_THREADS];
};

_Static_assert(sizeof(struct race_shadow) <=
		       sizeof(((struct sim_var *)0)->shadow),
	       "struct sim_var's shadow holds the race checker's");

struct race {
	uint32_t gen; /* execution generation */
	struct race_thread t[SIM_MAX_THREADS];
	struct objtab objs; /* struct race_obj */
	ck_hs_t reported;   /* signatures reported */
};

/* Execution generations, one per execution of any struct sim: a field's
 * shadow is valid in one only, whichever struct sim it was checked in. */
static uint32_t race_gen;

/* ---- Records ------------------------------------------------------------- */

/* obj_get -- internal: the record of a lock or wait queue, with
 * its clocks of this execution; an object re-initialised in place (a new
 * id) starts afresh. */
static struct race_obj *obj_get(struct race *rc, const void *obj, uint32_t id,
				enum race_kind kind)
{
	bool fresh;
	struct race_obj *o = objtab_get(&rc->objs, obj, &fresh);

	if (fresh) {
		o->id = id;
		o->kind = (uint8_t)kind;
	}
	if (o->id != id || o->kind != kind) {
		o->id = id;
		o->kind = (uint8_t)kind;
		o->gen = 0;
	}
	if (o->gen != rc->gen) {
		if (o->released) {
			memset(o->vc_w, 0, sizeof(o->vc_w));
			memset(o->vc_r, 0, sizeof(o->vc_r));
			o->released = false;
		}
		o->gen = rc->gen;
	}
	return o;
}

/* ---- Happens-before ------------------------------------------------------ */

/* vc_acquire -- internal: thread tid acquires o: exclusively (a writer,
 * mode SIM_EXCL) it joins every release, shared it joins the exclusive
 * ones. */
static void vc_acquire(struct race *rc, int tid, struct race_obj *o, int mode)
{
	uint32_t *c = rc->t[tid].vc;

	if (!o->released)
		return;
	for (int u = 0; u < SIM_MAX_THREADS; u++) {
		if (c[u] < o->vc_w[u])
			c[u] = o->vc_w[u];
		if (mode == SIM_EXCL && c[u] < o->vc_r[u])
			c[u] = o->vc_r[u];
	}
}

/* vc_release -- internal: thread tid releases o: SIM_EXCL for an
 * exclusive release, a put or a wake-up (every later acquirer joins it),
 * otherwise shared, an up_read (only later writers join it). */
static void vc_release(struct race *rc, int tid, struct race_obj *o, int mode)
{
	uint32_t *c = rc->t[tid].vc, *to = mode == SIM_EXCL ? o->vc_w : o->vc_r;

	for (int u = 0; u < SIM_MAX_THREADS; u++)
		if (to[u] < c[u])
			to[u] = c[u];
	o->released = true;
	c[tid]++;
}

/* ---- The hooks ----------------------------------------------------------- */

static void rc_exec_begin(void *ctx, struct sim *s)
{
	struct race *rc = ctx;

	/* A run whose objects keep new addresses would grow without end:
	 * start the records afresh now and then. */
	objtab_forget(&rc->objs, RACE_MAX_OBJS);
	do
		rc->gen = ck_pr_faa_32(&race_gen, 1) + 1;
	while (rc->gen == 0);
	for (int i = 0; i < sim_nthreads(s); i++) {
		struct race_thread *t = &rc->t[i];

		memset(t->vc, 0, sizeof(t->vc));
		t->vc[i] = 1;
	}
}

static void rc_acquired(void *ctx, struct sim *s, int tid,
			const struct sim_lock *l, int mode, const char *fn)
{
	struct race *rc = ctx;

	(void)s, (void)fn;
	vc_acquire(rc, tid, obj_get(rc, l, l->id, RACE_LOCK), mode);
}

static void rc_release(void *ctx, struct sim *s, int tid,
		       const struct sim_lock *l, int mode)
{
	struct race *rc = ctx;

	(void)s;
	vc_release(rc, tid, obj_get(rc, l, l->id, RACE_LOCK), mode);
}

static void rc_ref_put(void *ctx, struct sim *s, int tid,
		       const struct sim_ref *r, const char *fn)
{
	struct race *rc = ctx;

	(void)s, (void)fn;
	/* the put releases to whoever sees the count at zero */
	vc_release(rc, tid, obj_get(rc, &r->wq, 0, RACE_WAITQ), SIM_EXCL);
}

static void rc_wake(void *ctx, struct sim *s, int tid,
		    const struct sim_waitq *wq)
{
	struct race *rc = ctx;

	(void)s;
	/* The sleepers acquire it when their wait returns (rc_waited), and
	 * so does a thread whose condition already holds. */
	vc_release(rc, tid, obj_get(rc, wq, 0, RACE_WAITQ), SIM_EXCL);
}

static void rc_waited(void *ctx, struct sim *s, int tid,
		      const struct sim_waitq *wq)
{
	struct race *rc = ctx;

	(void)s;
	vc_acquire(rc, tid, obj_get(rc, wq, 0, RACE_WAITQ), SIM_SHARED);
}

/* ---- Fields -------------------------------------------------------------- */

/* shadow -- internal: v's shadow, reset by its first access of the
 * execution. */
static struct race_shadow *shadow(const struct race *rc, struct sim_var *v)
{
	struct race_shadow *sh = (struct race_shadow *)&v->shadow;

	if (sh->gen != rc->gen) {
		sh->gen = rc->gen;
		sh->w = sh->r = 0;
		sh->raced = false;
	}
	return sh;
}

/* context_at -- internal: the operation and point thread tid was at when
 * the event numbered seq was next (an access between two events). */
static void context_at(const struct sim *s, int tid, uint32_t seq, char *buf,
		       size_t len)
{
	uint32_t nev;
	const struct sim_event *evs = sim_events(s, &nev);
	int32_t op = -1, point = -1;

	for (int32_t i = (int32_t)nev - 1; i >= 0; i--) {
		const struct sim_event *ev = &evs[i];

		if (ev->seq >= seq || ev->tid != tid)
			continue;
		if (ev->kind == SIM_EV_POINT && point < 0) {
			point = i;
		} else if (ev->kind == SIM_EV_OP_END) {
			point = -1;
			break;
		} else if (ev->kind == SIM_EV_OP_BEGIN) {
			op = i;
			break;
		}
	}
	sim_context(s, op, point, buf, len);
}

/* field_hash -- internal: the field without its instance, "i_size(a)" as
 * "i_size": one race on two files is one finding. */
static uint64_t field_hash(const char *name)
{
	char cls[SIM_NAME_MAX];
	char *paren;

	snprintf(cls, sizeof(cls), "%s", name);
	paren = strchr(cls, '(');
	if (paren)
		*paren = 0;
	return checkers_hash_str(0x72616365, cls);
}

/*
 * report -- internal: thread tid's access (write or not, in fn) races with
 * thread u's earlier access (u_write, in u_fn, before event u_seq).
 */
static void report(struct sim *s, struct race *rc, struct sim_var *v,
		   struct race_shadow *sh, int tid, bool write, const char *fn,
		   int u, bool u_write, const char *u_fn, uint32_t u_seq)
{
	struct sim_report rep = { .kind = SIM_REPORT_DATA_RACE };
	int nheld = sim_held_count(s, tid);
	uint64_t a = checkers_hash_str(write, fn);
	uint64_t b = checkers_hash_str(u_write, u_fn);
	int32_t op_ev, point_ev;
	char ctx[160];
	size_t off;

	sh->raced = true;
	rep.signature = checkers_hash_u64(checkers_hash_u64(field_hash(v->name),
							    a < b ? a : b),
					  a < b ? b : a);
	if (!checkers_set_add(&rc->reported, rep.signature))
		return;
	snprintf(rep.what, sizeof(rep.what),
		 "data race on %s: %s in %s "
		 "(thread %d) and %s in %s (thread %d)",
		 v->name, u_write ? "write" : "read", u_fn ? u_fn : "?", u,
		 write ? "write" : "read", fn ? fn : "?", tid);
	sim_thread_at(s, tid, &op_ev, &point_ev);
	sim_context(s, op_ev, point_ev, ctx, sizeof(ctx));
	off = (size_t)snprintf(rep.detail, sizeof(rep.detail),
			       "thread %d %s %s in %s%s\n    ", tid,
			       write ? "writes" : "reads", v->name,
			       fn ? fn : "?", ctx);
	for (int i = 0; i < nheld && off < sizeof(rep.detail); i++) {
		const struct sim_hold *h = sim_held(s, tid, i);
		bool ref = h->kind == SIM_HOLD_REF;
		const char *how = ref		   ? "reference, " :
			h->lock->kind == SIM_MUTEX ? "" :
			h->mode == SIM_EXCL	   ? "write, " :
						     "read, ";

		off += (size_t)snprintf(rep.detail + off,
					sizeof(rep.detail) - off,
					"%s%s [%staken in %s]",
					i ? ", " : "holding ",
					ref ? h->ref->name : h->lock->name, how,
					h->fn ? h->fn : "?");
	}
	if (!nheld && off < sizeof(rep.detail))
		off += (size_t)snprintf(rep.detail + off,
					sizeof(rep.detail) - off,
					"holding no lock");
	context_at(s, u, u_seq, ctx, sizeof(ctx));
	if (off < sizeof(rep.detail))
		snprintf(rep.detail + off, sizeof(rep.detail) - off,
			 "\n    thread %d %s it before, in %s%s\n    and "
			 "nothing orders the two accesses: no lock released by "
			 "one and then taken by the other, no reference put "
			 "and waited for, no wake-up between them "
			 "(happens-before)",
			 u, u_write ? "wrote" : "read", u_fn ? u_fn : "?", ctx);
	sim_add_report(s, &rep);
}

static void rc_var_read(void *ctx, struct sim *s, int tid, struct sim_var *v,
			const char *fn)
{
	struct race *rc = ctx;
	struct race_shadow *sh = shadow(rc, v);
	const uint32_t *c = rc->t[tid].vc;
	uint32_t e = EPOCH(c[tid], tid);

	if (sh->raced || sh->r == e ||
	    (sh->r == R_SHARED && sh->rvc[tid] == c[tid]))
		return;
	/* write-read */
	if (sh->w && E_CLOCK(sh->w) > c[E_TID(sh->w)]) {
		report(s, rc, v, sh, tid, false, fn, E_TID(sh->w), true,
		       sh->w_fn, sh->w_seq);
		return;
	}
	if (sh->r == R_SHARED) {
		sh->rvc[tid] = c[tid];
	} else if (!sh->r || E_CLOCK(sh->r) <= c[E_TID(sh->r)]) {
		sh->r = e; /* the reads stay ordered */
	} else {
		int u = E_TID(sh->r); /* two concurrent reads */

		memset(sh->rvc, 0, sizeof(sh->rvc));
		sh->rvc[u] = E_CLOCK(sh->r);
		sh->rvc[tid] = c[tid];
		sh->r = R_SHARED;
	}
	sh->r_fn[tid] = fn;
	sh->r_seq[tid] = sim_now();
}

static void rc_var_write(void *ctx, struct sim *s, int tid, struct sim_var *v,
			 const char *fn)
{
	struct race *rc = ctx;
	struct race_shadow *sh = shadow(rc, v);
	const uint32_t *c = rc->t[tid].vc;
	uint32_t e = EPOCH(c[tid], tid);

	if (sh->raced || sh->w == e)
		return;
	/* write-write */
	if (sh->w && E_CLOCK(sh->w) > c[E_TID(sh->w)]) {
		report(s, rc, v, sh, tid, true, fn, E_TID(sh->w), true,
		       sh->w_fn, sh->w_seq);
		return;
	}
	/* read-write */
	if (sh->r == R_SHARED) {
		for (int u = 0; u < SIM_MAX_THREADS; u++) {
			if (sh->rvc[u] > c[u]) {
				report(s, rc, v, sh, tid, true, fn, u, false,
				       sh->r_fn[u], sh->r_seq[u]);
				return;
			}
		}
		sh->r = 0;
	} else if (sh->r && E_CLOCK(sh->r) > c[E_TID(sh->r)]) {
		report(s, rc, v, sh, tid, true, fn, E_TID(sh->r), false,
		       sh->r_fn[E_TID(sh->r)], sh->r_seq[E_TID(sh->r)]);
		return;
	}
	sh->w = e;
	sh->w_fn = fn;
	sh->w_seq = sim_now();
}

/* ---- The observer --------------------------------------------------------- */

static void state_init(struct race *rc)
{
	objtab_init(&rc->objs, sizeof(struct race_obj),
		    "the data-race checker");
	checkers_set_init(&rc->reported);
}

static void state_fini(struct race *rc)
{
	objtab_fini(&rc->objs);
	ck_hs_destroy(&rc->reported);
}

static void rc_reset(void *ctx, struct sim *s)
{
	(void)s;
	state_fini(ctx);
	state_init(ctx);
}

static void rc_destroy(void *ctx, struct sim *s)
{
	(void)s;
	state_fini(ctx);
	free(ctx);
}

/* Locks as acquired (whether the acquirer had to wait does not matter to
 * happens-before), puts, wake-ups and fields. */
const struct sim_observer race_observer = {
	.name = "race",
	.exec_begin = rc_exec_begin,
	.reset = rc_reset,
	.destroy = rc_destroy,
	.acquired = rc_acquired,
	.acquire_try = rc_acquired,
	.release = rc_release,
	.ref_put = rc_ref_put,
	.wake = rc_wake,
	.waited = rc_waited,
	.var_read = rc_var_read,
	.var_write = rc_var_write,
};

struct race *race_attach(struct sim *s)
{
	const char *env = getenv("LOCKSTEP_NO_RACE");
	struct race *rc;

	if (env && *env == '1')
		return NULL;
	rc = calloc(1, sizeof(*rc));
	if (!rc)
		sim_oom("the data-race checker");
	state_init(rc);
	if (sim_observe(s, &race_observer, rc) < 0) {
		state_fini(rc);
		free(rc);
		return NULL;
	}
	return rc;
}
