/* SPDX-License-Identifier: MIT */
/*
 * sim/lock.c -- mutexes, rw_semaphores and wait queues under the scheduler.
 *
 * Every acquisition is preceded by a scheduling point and every release is
 * followed by one, so the strategy can put any other thread between two
 * lock operations.  A lock that cannot be taken queues the caller (FIFO)
 * and blocks it; the releaser hands the lock to the queue's head, so a
 * woken waiter already owns what it waited for.
 *
 * rw_semaphore fairness, as in kernel/locking/rwsem.c: a new reader waits
 * when a writer holds the lock or anyone is queued (a queued writer makes
 * new readers wait, even while other readers hold it); a release grants
 * the head: one writer, or every reader up to the next writer.
 *
 * Outside an execution (set-up and final checks on the explorer thread)
 * the same calls are plain state changes: no contention is possible.
 *
 * The observers (sim/observe.h) see every operation of an execution: an
 * acquisition before it may block (a lock-order checker adds the
 * dependency even if the thread never gets the lock) and again once
 * granted; a release before the lock is handed on; a wake-up before the
 * sleepers run, and the end of each wait; references' gets, puts and
 * waits for zero; every access to a shared field (struct sim_var).  This
 * file calls them through SIM_OBSERVE only, and knows no checker.
 *
 * Each acquisition and release, get and put, updates the thread's held
 * stack (sim/held.c) before the observers hear of it: the deadlock report
 * of sim/sim.c reads there who holds how many references on the one a
 * thread waits for, and where each thread took what it holds.
 */
#include "sim/sim_impl.h"

#include <stdio.h>
#include <string.h>

/* next_id -- internal: a simulated address for a new lock, reference or
 * field: its creation order within the current simulator's execution
 * (sim_new_arena starts it again), never a real address.  Objects made
 * outside any simulator (a unit test's) count on their own. */
static uint32_t next_id(void)
{
	static uint32_t outside;
	struct sim *s = sim_current_sim;

	return s ? ++s->next_id : ++outside;
}

/* sim_name_put -- see sim/sim.h. */
void sim_name_put(char *dst, size_t len, size_t *n, const char *s)
{
	size_t k = strlen(s);

	if (!len || *n >= len)
		return;
	if (*n + k >= len)
		k = len - 1 - *n;
	memcpy(dst + *n, s, k);
	*n += k;
	dst[*n] = '\0';
}

/* sim_name_put_u64 -- see sim/sim.h. */
void sim_name_put_u64(char *dst, size_t len, size_t *n, uint64_t v)
{
	char d[21];
	int i = (int)sizeof(d) - 1;

	d[i] = 0;
	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	sim_name_put(dst, len, n, d + i);
}

/* name_set -- internal: dst = "cls" or "cls(inst)", as
 * snprintf("%s(%s)") would: every lock, queue, reference and field of an
 * execution is named when it is made, so without printf. */
static void name_set(char *dst, size_t len, const char *cls, const char *inst)
{
	size_t n = 0;

	dst[0] = '\0';
	sim_name_put(dst, len, &n, cls ? cls : "(null)");
	if (inst) {
		sim_name_put(dst, len, &n, "(");
		sim_name_put(dst, len, &n, inst);
		sim_name_put(dst, len, &n, ")");
	}
}

void sim_lock_init(struct sim_lock *l, const struct sim_lock_class *cls,
		   enum sim_lock_kind kind, const char *instance)
{
	memset(l, 0, sizeof(*l));
	l->cls = cls;
	l->kind = kind;
	l->owner = -1;
	l->id = next_id();
	name_set(l->name, sizeof(l->name), cls->name,
		 instance && *instance ? instance : NULL);
}

int sim_lock_holder(const struct sim_lock *l)
{
	if (l->owner >= 0)
		return l->owner;
	if (l->reader_mask)
		return __builtin_ctz(l->reader_mask);
	return -1;
}

static bool active(struct sim **sp, int *mep)
{
	struct sim *s = sim_current_sim;

	*sp = s;
	*mep = sim_current_tid;
	return s && s->in_exec && *mep >= 0;
}

/*
 * scope -- internal: what the code on either side of this scheduling point
 * of lock l touches, for the systematic search (sim/dfs.c): the object the
 * lock's instance names, the file of "page(a:3)" or "i_rwsem(a)", whose
 * data (page cache, block map, size, flags, the page tables that map it)
 * the core touches around its locks without announcing it; a lock without
 * an instance (the mm's mmap_lock: the code around it touches the user
 * memory of any mapping) stands for everything.  Logged right before the
 * point (SIM_EV_ACCESS, arg 3); in exact mode (sim_exact) the code
 * announces what it touches and the scope is empty.
 */
static void scope(struct sim *s, int me, const struct sim_lock *l,
		  const char *fn)
{
	if (!sim_scope_exact(s, me, fn))
		sim_log(s, me, SIM_EV_ACCESS, 0, l->name, fn, 3);
}

static bool can_take(const struct sim_lock *l, int mode)
{
	if (l->owner >= 0 || l->nwait)
		return false;
	return mode == SIM_SHARED || l->readers == 0;
}

/* log_lock -- internal: an ACQUIRE or RELEASE of l by me, which also
 * tracks the spinlock me holds (struct sim_lock_class.spin). */
static void log_lock(struct sim *s, int me, enum sim_ev_kind kind,
		     const struct sim_lock *l, int mode, const char *fn)
{
	if (l->cls && l->cls->spin)
		s->t[me].spin = kind == SIM_EV_ACQUIRE ? l : NULL;
	sim_log(s, me, kind, mode, l->name, fn, (int32_t)l->kind);
	if (l->cls && l->cls->spin && s->opt.log_events)
		s->ev[s->nev - 1].idx = SIM_EV_SPIN;
}

static void take(struct sim_lock *l, int tid, int mode)
{
	if (mode == SIM_SHARED) {
		l->readers++;
		l->reader_mask |= 1u << tid;
	} else {
		l->owner = tid;
	}
}

/* grant -- internal: hand a released lock to the head of its queue. */
static void grant(struct sim *s, struct sim_lock *l)
{
	while (l->nwait) {
		struct sim_waiter w = l->wait[0];

		if (l->owner >= 0)
			return;
		if (w.mode == SIM_EXCL && l->readers)
			return;
		take(l, w.tid, w.mode);
		memmove(&l->wait[0], &l->wait[1],
			(size_t)(l->nwait - 1) * sizeof(l->wait[0]));
		l->nwait--;
		s->t[w.tid].state = SIM_T_RUNNABLE;
		s->t[w.tid].wait_lock = NULL;
		s->t[w.tid].granted = l;
		if (w.mode == SIM_EXCL)
			return;
	}
}

/* acquire -- internal: the common path of every lock call. */
static void acquire(struct sim_lock *l, int mode, int subclass, const char *fn)
{
	struct sim *s;
	int me;

	if (!active(&s, &me)) {
		/* Explorer context: nothing else runs. */
		take(l, me < 0 ? 0 : me, mode);
		return;
	}
	SIM_OBSERVE(s, acquire, s, me, l, mode, subclass, fn);
	scope(s, me, l, fn);
	sim_schedule(s, me);
	if (can_take(l, mode)) {
		take(l, me, mode);
	} else {
		struct sim_thread *t = &s->t[me];

		if (l->nwait == SIM_MAX_THREADS)
			sim_abort_exec(s, SIM_ABORT_CRASH,
				       "wait queue overflow");
		l->wait[l->nwait++] =
			(struct sim_waiter){ (uint8_t)me, (uint8_t)mode };
		t->state = SIM_T_BLOCKED;
		t->wait_lock = l;
		sim_log(s, me, SIM_EV_BLOCK, mode, l->name, fn,
			(int32_t)l->kind);
		scope(s, me, l, fn);
		sim_schedule(s, me);
		/* Granted by the releaser: we own it now (sim/sim.c's
		 * invariant 3: nothing overtakes a woken waiter). */
		if (l->owner != me && !(l->reader_mask & (1u << me)))
			sim_abort_exec(s, SIM_ABORT_CRASH,
				       "thread %d woke up "
				       "queued on %s without owning it",
				       me, l->name);
		t->granted = NULL;
	}
	sim_held_lock(s, me, l, mode, fn);
	SIM_OBSERVE(s, acquired, s, me, l, mode, fn);
	l->taken_at = fn;
	log_lock(s, me, SIM_EV_ACQUIRE, l, mode, fn);
}

static bool try_acquire(struct sim_lock *l, int mode, const char *fn)
{
	struct sim *s;
	int me;

	if (!active(&s, &me)) {
		if (!can_take(l, mode))
			return false;
		take(l, me < 0 ? 0 : me, mode);
		return true;
	}
	scope(s, me, l, fn);
	sim_schedule(s, me);
	if (!can_take(l, mode)) {
		/* what it found: the lock's state, as a write (a failed
		 * try orders against every hold and release) */
		sim_log(s, me, SIM_EV_ACCESS, 0, l->name, fn, 1);
		return false;
	}
	take(l, me, mode);
	sim_held_lock(s, me, l, mode, fn);
	SIM_OBSERVE(s, acquire_try, s, me, l, mode, fn);
	l->taken_at = fn;
	log_lock(s, me, SIM_EV_ACQUIRE, l, mode, fn);
	return true;
}

static void release(struct sim_lock *l, int mode, const char *fn)
{
	struct sim *s;
	int me;

	if (!active(&s, &me)) {
		if (mode == SIM_SHARED) {
			l->readers--;
			l->reader_mask &= ~(1u << (me < 0 ? 0 : me));
		} else {
			l->owner = -1;
		}
		return;
	}
	if (mode == SIM_SHARED) {
		if (!(l->reader_mask & (1u << me)))
			sim_abort_exec(s, SIM_ABORT_CRASH,
				       "up_read(%s) by a "
				       "thread that does not hold it",
				       l->name);
		l->readers--;
		l->reader_mask &= ~(1u << me);
	} else {
		if (l->owner != me)
			sim_abort_exec(s, SIM_ABORT_CRASH,
				       "%s released by a "
				       "thread that does not own it",
				       l->name);
		l->owner = -1;
	}
	sim_held_unlock(s, me, l);
	SIM_OBSERVE(s, release, s, me, l, mode);
	log_lock(s, me, SIM_EV_RELEASE, l, mode, fn);
	grant(s, l);
	scope(s, me, l, fn);
	sim_schedule(s, me);
}

void sim_mutex_lock(struct sim_lock *l, const char *fn)
{
	acquire(l, SIM_EXCL, 0, fn);
}

bool sim_mutex_trylock(struct sim_lock *l, const char *fn)
{
	return try_acquire(l, SIM_EXCL, fn);
}

void sim_mutex_unlock(struct sim_lock *l, const char *fn)
{
	release(l, SIM_EXCL, fn);
}

void sim_down_read(struct sim_lock *l, const char *fn)
{
	acquire(l, SIM_SHARED, 0, fn);
}

void sim_down_write(struct sim_lock *l, const char *fn)
{
	acquire(l, SIM_EXCL, 0, fn);
}

void sim_down_write_nested(struct sim_lock *l, int subclass, const char *fn)
{
	acquire(l, SIM_EXCL, subclass, fn);
}

bool sim_down_read_trylock(struct sim_lock *l, const char *fn)
{
	return try_acquire(l, SIM_SHARED, fn);
}

void sim_up_read(struct sim_lock *l, const char *fn)
{
	release(l, SIM_SHARED, fn);
}

void sim_up_write(struct sim_lock *l, const char *fn)
{
	release(l, SIM_EXCL, fn);
}

bool sim_lock_held(const struct sim_lock *l)
{
	int me = sim_current_tid < 0 ? 0 : sim_current_tid;

	return l->owner == me || (l->reader_mask & (1u << me));
}

bool sim_lock_held_excl(const struct sim_lock *l)
{
	return l->owner == (sim_current_tid < 0 ? 0 : sim_current_tid);
}

/* ---- Wait queues --------------------------------------------------------- */

void sim_waitq_init(struct sim_waitq *wq, const char *name)
{
	name_set(wq->name, sizeof(wq->name), name, NULL);
	wq->sleepers = 0;
}

void sim_wait_event(struct sim_waitq *wq, bool (*cond)(void *), void *arg,
		    const char *fn)
{
	struct sim *s;
	int me;

	if (!active(&s, &me)) {
		/* Nobody could ever wake us: a BUG in the explorer's use. */
		SIM_BUG_ON(!cond(arg));
		return;
	}
	/* Each check of the condition comes right after a scheduling point
	 * whose scope, for the systematic search, is the queue: the check
	 * reads what the queue's wakers change (a reference's count: the
	 * queue has the reference's name). */
	sim_log(s, me, SIM_EV_ACCESS, 0, wq->name, fn, 1);
	sim_schedule(s, me);
	while (!cond(arg)) {
		struct sim_thread *t = &s->t[me];

		wq->sleepers |= 1u << me;
		t->state = SIM_T_BLOCKED;
		t->wait_q = wq;
		sim_log(s, me, SIM_EV_BLOCK, 0, wq->name, fn, 0);
		sim_log(s, me, SIM_EV_ACCESS, 0, wq->name, fn, 1);
		sim_schedule(s, me);
	}
	SIM_OBSERVE(s, waited, s, me, wq);
}

void sim_wake_all(struct sim_waitq *wq)
{
	struct sim *s;
	int me;

	if (!active(&s, &me))
		return;
	SIM_OBSERVE(s, wake, s, me, wq);
	if (!wq->sleepers)
		return;
	for (uint32_t m = wq->sleepers; m; m &= m - 1) {
		int tid = __builtin_ctz(m);

		s->t[tid].state = SIM_T_RUNNABLE;
		s->t[tid].wait_q = NULL;
	}
	wq->sleepers = 0;
	sim_log(s, me, SIM_EV_WAKE, 0, wq->name, NULL, 0);
}

/* ---- References ------------------------------------------------------------ */

static bool ref_idle(void *arg)
{
	return ((struct sim_ref *)arg)->count == 0;
}

void sim_ref_init(struct sim_ref *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	name_set(r->name, sizeof(r->name), name, NULL);
	r->id = next_id();
	sim_waitq_init(&r->wq, r->name);
}

void sim_ref_get(struct sim_ref *r, const char *fn)
{
	struct sim *s;
	int me;

	r->count++;
	if (!active(&s, &me))
		return;
	r->holders |= 1u << me;
	sim_held_ref_get(s, me, r, fn);
	SIM_OBSERVE(s, ref_get, s, me, r, fn);
	sim_log(s, me, SIM_EV_NOTE, 0, r->name, fn, 1);
}

void sim_ref_put(struct sim_ref *r, const char *fn)
{
	struct sim *s;
	int me;

	SIM_BUG_ON(r->count <= 0);
	r->count--;
	if (!active(&s, &me))
		return;
	sim_held_ref_put(s, me, r);
	SIM_OBSERVE(s, ref_put, s, me, r, fn);
	/* The put that drops the count to zero is ordered after every
	 * earlier put (atomic_dec_and_test is fully ordered): whoever
	 * then frees the object sees what the other holders did. */
	if (!r->count) {
		SIM_OBSERVE(s, waited, s, me, &r->wq);
		r->holders = 0;
	}
	sim_log(s, me, SIM_EV_NOTE, 0, r->name, fn, -1);
	if (!r->count)
		sim_wake_all(&r->wq);
}

void sim_ref_wait_zero(struct sim_ref *r, const char *fn)
{
	struct sim *s;
	int me;

	if (active(&s, &me)) {
		s->t[me].wait_ref = r;
		SIM_OBSERVE(s, ref_wait, s, me, r, fn);
	}
	sim_wait_event(&r->wq, ref_idle, r, fn);
}

/* ---- Fields -------------------------------------------------------------- */

void sim_var_init(struct sim_var *v, const char *name)
{
	memset(v, 0, sizeof(*v));
	name_set(v->name, sizeof(v->name), name, NULL);
	v->id = next_id();
}

/*
 * An access to v by the running thread is logged (a SIM_EV_ACCESS of a
 * field, arg 0 for a read and 2 for a write: the systematic search,
 * sim/dfs.c, orders two steps that touch one field, one of them writing
 * it), then published.  Not a scheduling point.  Outside an execution
 * (set-up, final checks) neither: nothing runs concurrently then.
 */
void sim_var_read(struct sim_var *v, const char *fn)
{
	struct sim *s;
	int me;

	if (!active(&s, &me))
		return;
	sim_log(s, me, SIM_EV_ACCESS, 0, v->name, fn, 0);
	SIM_OBSERVE(s, var_read, s, me, v, fn);
}

void sim_var_write(struct sim_var *v, const char *fn)
{
	struct sim *s;
	int me;

	if (!active(&s, &me))
		return;
	sim_log(s, me, SIM_EV_ACCESS, 0, v->name, fn, 2);
	SIM_OBSERVE(s, var_write, s, me, v, fn);
}
