/* SPDX-License-Identifier: MIT */
/*
 * checkers/race.c -- the data-race checker on annotated shared fields: FastTrack
 * (Flanagan and Freund, PLDI 2009) over the simulator's synchronisation.
 *
 * Each thread of an execution has a vector clock C_t; each lock, wait
 * queue and reference (their records in checkers/lockdep.c) the clocks of the
 * releases others may acquire.  Happens-before is:
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
 * Each is logged (SIM_EV_ACCESS), checker on or off, for sim/dfs.c.
 */
#define LOCKDEP_INTERNAL
#include "checkers/lockdep.h"
#include "sim/sim_impl.h"

#include <ck_pr.h>
#include <stdio.h>
#include <string.h>

_Static_assert(SIM_MAX_THREADS <= 16, "epochs keep the thread in 4 bits");

#define EPOCH(c, t) ((c) << 4 | (uint32_t)(t))
#define E_CLOCK(e) ((e) >> 4)
#define E_TID(e) ((int)((e) & 15u))
#define R_SHARED UINT32_MAX		/* the reads are in rvc[] */

/* Execution generations, one per execution of any struct sim: a field's
 * shadow and a record's clocks (struct ld_obj) are valid in one only. */
static uint32_t race_gen;

void race_exec_begin(struct sim *s, struct ld_state *ld)
{
	do
		ld->gen = ck_pr_faa_32(&race_gen, 1) + 1;
	while (ld->gen == 0);
	for (int i = 0; i < s->n; i++) {
		memset(ld->t[i].vc, 0, sizeof(ld->t[i].vc));
		ld->t[i].vc[i] = 1;
	}
}

/* race_acquire -- thread tid acquires o: exclusively (a writer, mode
 * SIM_EXCL) it joins every release, shared it joins the exclusive ones. */
void race_acquire(struct ld_state *ld, int tid, struct ld_obj *o, int mode)
{
	uint32_t *c = ld->t[tid].vc;

	if (ld->no_race || !o->released)
		return;
	for (int u = 0; u < SIM_MAX_THREADS; u++) {
		if (c[u] < o->vc_w[u])
			c[u] = o->vc_w[u];
		if (mode == SIM_EXCL && c[u] < o->vc_r[u])
			c[u] = o->vc_r[u];
	}
}

/* race_release -- thread tid releases o: SIM_EXCL for an exclusive
 * release, a put or a wake-up (every later acquirer joins it), otherwise
 * shared, an up_read (only later writers join it). */
void race_release(struct ld_state *ld, int tid, struct ld_obj *o, int mode)
{
	uint32_t *c = ld->t[tid].vc, *to = mode == SIM_EXCL ? o->vc_w : o->vc_r;

	if (ld->no_race)
		return;
	for (int u = 0; u < SIM_MAX_THREADS; u++)
		if (to[u] < c[u])
			to[u] = c[u];
	o->released = true;
	c[tid]++;
}

void sim_var_init(struct sim_var *v, const char *name)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->id = ++sim_next_lock_id;
}

/*
 * checking -- internal: an access to v by the running thread: logged (a
 * SIM_EV_ACCESS of a field, arg 0 for a read and 2 for a write: the
 * systematic search, sim/dfs.c, orders two steps that touch one field, one
 * of them writing it), and the checker's state if it is checked.
 */
static struct ld_state *checking(struct sim_var *v, bool write, const char *fn,
				 struct sim **sp, int *tidp)
{
	struct sim *s = sim_current_sim;
	struct ld_state *ld;

	*sp = s;
	*tidp = sim_current_tid;
	if (!s || !s->in_exec || *tidp < 0)
		return NULL;
	sim_log(s, *tidp, SIM_EV_ACCESS, 0, v->name, fn, write ? 2 : 0);
	ld = s->lockdep;
	return !ld || ld->no_race ? NULL : ld;
}

static void shadow_fresh(const struct ld_state *ld, struct sim_var *v)
{
	if (v->gen == ld->gen)
		return;
	v->gen = ld->gen;
	v->w = v->r = 0;
	v->raced = false;
}

/* context_at -- internal: the operation and point thread tid was at when
 * the event numbered seq was next (an access between two events). */
static void context_at(const struct sim *s, int tid, uint32_t seq, char *buf,
		       size_t len)
{
	int32_t op = -1, point = -1;

	for (int32_t i = (int32_t)s->nev - 1; i >= 0; i--) {
		const struct sim_event *ev = &s->ev[i];

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
	ld_context(s, op, point, buf, len);
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
	return ld_hash_str(0x72616365, cls);
}

/*
 * report -- internal: thread tid's access (write or not, in fn) races with
 * thread u's earlier access (u_write, in u_fn, before event u_seq).
 */
static void report(struct sim *s, struct ld_state *ld, struct sim_var *v,
		   int tid, bool write, const char *fn, int u, bool u_write,
		   const char *u_fn, uint32_t u_seq)
{
	struct sim_report rep = { .kind = SIM_REPORT_DATA_RACE };
	const struct ld_thread *t = &ld->t[tid];
	uint64_t a = ld_hash_str(write, fn), b = ld_hash_str(u_write, u_fn);
	char ctx[160];
	size_t off;

	v->raced = true;
	rep.signature = ld_hash_u64(ld_hash_u64(field_hash(v->name),
						a < b ? a : b), a < b ? b : a);
	if (!ld_report_once(ld, rep.signature))
		return;
	snprintf(rep.what, sizeof(rep.what), "data race on %s: %s in %s "
		 "(thread %d) and %s in %s (thread %d)", v->name,
		 u_write ? "write" : "read", u_fn ? u_fn : "?", u,
		 write ? "write" : "read", fn ? fn : "?", tid);
	ld_scan(s, ld);
	ld_context(s, t->op_ev, t->point_ev, ctx, sizeof(ctx));
	off = (size_t)snprintf(rep.detail, sizeof(rep.detail),
			       "thread %d %s %s in %s%s\n    ", tid,
			       write ? "writes" : "reads", v->name,
			       fn ? fn : "?", ctx);
	for (int i = 0; i < t->nheld && off < sizeof(rep.detail); i++) {
		const struct ld_held *h = &t->held[i];
		const struct sim_ref *r = h->obj;
		const struct sim_lock *l = h->obj;
		const char *how = h->ref ? "reference, " :
				  l->kind == SIM_MUTEX ? "" :
				  h->hmode == LD_H_EXCL ? "write, " : "read, ";

		off += (size_t)snprintf(rep.detail + off,
					sizeof(rep.detail) - off,
					"%s%s [%staken in %s]",
					i ? ", " : "holding ",
					h->ref ? r->name : l->name, how,
					h->fn ? h->fn : "?");
	}
	if (!t->nheld && off < sizeof(rep.detail))
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
			 "(happens-before)", u, u_write ? "wrote" : "read",
			 u_fn ? u_fn : "?", ctx);
	sim_add_report(s, &rep);
}

void sim_var_read(struct sim_var *v, const char *fn)
{
	struct sim *s;
	struct ld_state *ld;
	const uint32_t *c;
	uint32_t e;
	int tid;

	ld = checking(v, false, fn, &s, &tid);
	if (!ld)
		return;
	shadow_fresh(ld, v);
	c = ld->t[tid].vc;
	e = EPOCH(c[tid], tid);
	if (v->raced || v->r == e ||
	    (v->r == R_SHARED && v->rvc[tid] == c[tid]))
		return;
	/* write-read */
	if (v->w && E_CLOCK(v->w) > c[E_TID(v->w)]) {
		report(s, ld, v, tid, false, fn, E_TID(v->w), true, v->w_fn,
		       v->w_seq);
		return;
	}
	if (v->r == R_SHARED) {
		v->rvc[tid] = c[tid];
	} else if (!v->r || E_CLOCK(v->r) <= c[E_TID(v->r)]) {
		v->r = e;			/* the reads stay ordered */
	} else {
		int u = E_TID(v->r);		/* two concurrent reads */

		memset(v->rvc, 0, sizeof(v->rvc));
		v->rvc[u] = E_CLOCK(v->r);
		v->rvc[tid] = c[tid];
		v->r = R_SHARED;
	}
	v->r_fn[tid] = fn;
	v->r_seq[tid] = s->seq;
}

void sim_var_write(struct sim_var *v, const char *fn)
{
	struct sim *s;
	struct ld_state *ld;
	const uint32_t *c;
	uint32_t e;
	int tid;

	ld = checking(v, true, fn, &s, &tid);
	if (!ld)
		return;
	shadow_fresh(ld, v);
	c = ld->t[tid].vc;
	e = EPOCH(c[tid], tid);
	if (v->raced || v->w == e)
		return;
	/* write-write */
	if (v->w && E_CLOCK(v->w) > c[E_TID(v->w)]) {
		report(s, ld, v, tid, true, fn, E_TID(v->w), true, v->w_fn,
		       v->w_seq);
		return;
	}
	/* read-write */
	if (v->r == R_SHARED) {
		for (int u = 0; u < SIM_MAX_THREADS; u++) {
			if (v->rvc[u] > c[u]) {
				report(s, ld, v, tid, true, fn, u, false,
				       v->r_fn[u], v->r_seq[u]);
				return;
			}
		}
		v->r = 0;
	} else if (v->r && E_CLOCK(v->r) > c[E_TID(v->r)]) {
		report(s, ld, v, tid, true, fn, E_TID(v->r), false,
		       v->r_fn[E_TID(v->r)], v->r_seq[E_TID(v->r)]);
		return;
	}
	v->w = e;
	v->w_fn = fn;
	v->w_seq = s->seq;
}
