/* SPDX-License-Identifier: MIT */
/*
 * sim/sim.c -- threads, handoff and the choice of who runs next.
 *
 * Invariants (sim_check(), sim/check.c: at every scheduling decision
 * when LOCKSTEP_CHECK_INVARIANTS=1, as make check runs; invariant 3's
 * ownership is also asserted, always, where a woken waiter resumes):
 *   1. At most one thread of a struct sim is outside go_wait(): the one in
 *      s->current (or the explorer, when s->current == -1).
 *   2. A thread is SIM_T_BLOCKED iff it is queued on exactly one lock
 *      (wait_lock) or sleeps on exactly one waitq (wait_q).
 *   3. A lock granted to a waiter is owned by it before it runs again
 *      (handoff): nothing can overtake a woken waiter.
 *
 * The life of an execution:
 *
 *   explorer: sim_execute -> schedule(-1) -> handoff to T_first, go_wait(main)
 *   T_i:      go_wait(T_i) -> fn() ... sim_point/lock ops -> schedule(i)
 *             -> handoff to T_j, go_wait(T_i) ... fn() returns
 *             -> thread_finish -> handoff to T_k or, all done, to explorer
 *
 * On a deadlock, a crash or a replay that does not fit, s->aborting is set
 * and every unfinished thread in turn is woken and siglongjmps out of the
 * core to its worker loop; the last one wakes the explorer.  The core holds
 * no real locks and allocates from the execution's arena, so unwinding it
 * leaks nothing.
 *
 * The checkers are observers (sim/observe.h): sim_execute tells them when
 * an execution begins and ends, sim/lock.c what happens in it.  This file
 * knows none of them; the deadlock report below uses only the scheduler's
 * own state (locks' owners and queues, each thread's held stack:
 * sim/held.c).
 */
#include "sim/sim_impl.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ck_pr.h>

struct sim *sim_current_sim;
__thread int sim_current_tid = -1;

/* ---- The handoff --------------------------------------------------------- */

/* go_wait -- sleep until our go word is set, then consume it. */
static void go_wait(uint32_t *go)
{
	while (ck_pr_load_32(go) == 0)
		syscall(SYS_futex, go, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	/* Only the thread that runs next may clear it; the waker is asleep. */
	ck_pr_store_32(go, 0);
}

/* go_wake -- let the owner of 'go' run. */
static void go_wake(uint32_t *go)
{
	/* Orders everything this thread did before the handoff against the
	 * woken thread's reads: it is the only synchronisation there is
	 * between the two (the futex syscall is a full barrier too). */
	ck_pr_fence_store();
	ck_pr_store_32(go, 1);
	syscall(SYS_futex, go, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* handoff -- internal: run 'next' (-1: the explorer), sleep as 'me'. */
static void handoff(struct sim *s, int me, int next)
{
	s->current = next;
	s->handoffs++;
	go_wake(next < 0 ? &s->main_go : &s->t[next].go);
	go_wait(me < 0 ? &s->main_go : &s->t[me].go);
	if (s->aborting && me >= 0)
		siglongjmp(s->t[me].jb, 1);
}

/* ---- Events -------------------------------------------------------------- */

/* sim_log -- internal: append an event; the log is the report's source. */
void sim_log(struct sim *s, int tid, enum sim_ev_kind kind, int mode,
	     const char *what, const char *fn, int32_t arg)
{
	uint32_t seq = s->seq++;

	if (!s->opt.log_events)
		return;
	if (s->nev == s->cap_ev) {
		s->cap_ev = s->cap_ev ? 2 * s->cap_ev : 256;
		s->ev = realloc(s->ev, s->cap_ev * sizeof(*s->ev));
		if (!s->ev)
			sim_oom("the event log");
	}
	s->ev[s->nev++] = (struct sim_event){
		.seq = seq,
		.tid = (uint8_t)tid,
		.kind = (uint8_t)kind,
		.mode = (uint8_t)mode,
		.arg = arg,
		.what = what,
		.fn = fn,
	};
}

static void record_decision(struct sim *s, int tid)
{
	if (s->ndec == s->cap_dec) {
		s->cap_dec = s->cap_dec ? 2 * s->cap_dec : 256;
		s->dec = realloc(s->dec, s->cap_dec);
		if (!s->dec)
			sim_oom("the decision log");
	}
	s->dec[s->ndec++] = (uint8_t)tid;
}

/* ---- Aborting an execution ----------------------------------------------- */

/* sim_abort_exec -- internal: stop the execution; unwinds the caller. */
void sim_abort_exec(struct sim *s, enum sim_abort why, const char *fmt, ...)
{
	va_list ap;
	int me = sim_current_tid;

	if (!s->aborting) {
		s->aborting = true;
		s->abort = why;
		va_start(ap, fmt);
		vsnprintf(s->abort_reason, sizeof(s->abort_reason), fmt, ap);
		va_end(ap);
	}
	if (me >= 0)
		siglongjmp(s->t[me].jb, 1);
	if (s->guard_armed)
		siglongjmp(s->guard_jb, 1);
	/* The explorer never aborts outside a guard. */
	abort();
}

/* next_unfinished -- internal: a thread still inside fn(), or -1. */
static int next_unfinished(const struct sim *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->t[i].state != SIM_T_DONE)
			return i;
	return -1;
}

/* ---- Choosing ------------------------------------------------------------ */

static uint32_t runnable_mask(const struct sim *s)
{
	uint32_t m = 0;

	for (int i = 0; i < s->n; i++)
		if (s->t[i].state == SIM_T_RUNNABLE)
			m |= 1u << i;
	return m;
}

/* directed -- internal: the thread the interleave: steps want, or -1 once
 * they are done (or abandoned). */
static int directed(struct sim *s, uint32_t runnable)
{
	while (s->stepi < s->nsteps) {
		const struct sim_step *st = &s->steps[s->stepi];
		struct sim_thread *t = &s->t[st->tid];

		if (runnable & (1u << st->tid))
			return st->tid;
		if (!st->until) {
			/* 'run': until it finishes or blocks; either ends it. */
			if (t->state == SIM_T_BLOCKED)
				snprintf(s->step_note[s->stepi],
					 sizeof(s->step_note[0]),
					 "stopped: waits for %s",
					 sim_thread_waits(s, st->tid));
			s->stepi++;
			continue;
		}
		/* 'until POINT' and the thread cannot go on: the step cannot
		 * be followed.  The strategy takes over from here. */
		if (t->state == SIM_T_BLOCKED)
			snprintf(s->step_why, sizeof(s->step_why),
				 "blocked before %s: waits for %s", st->until,
				 sim_thread_waits(s, st->tid));
		else
			snprintf(s->step_why, sizeof(s->step_why),
				 "finished without reaching %s", st->until);
		s->step_failed = s->stepi;
		s->stepi = s->nsteps;
	}
	return -1;
}

/* ref_waited -- internal: the reference blocked thread i waits to see
 * drop to zero, or NULL (a lock or a plain wait queue). */
static const struct sim_ref *ref_waited(const struct sim *s, int i)
{
	const struct sim_ref *r = s->t[i].wait_ref;

	return r && s->t[i].wait_q == &r->wq ? r : NULL;
}

/* ref_holders -- internal: how many references on r each thread holds
 * (counts[SIM_MAX_THREADS]); returns those taken outside the execution
 * (set-up), which nobody will drop. */
static int ref_holders(const struct sim *s, const struct sim_ref *r,
		       int *counts)
{
	int known = 0;

	for (int k = 0; k < SIM_MAX_THREADS; k++) {
		counts[k] = k < s->n ? sim_held_ref_count(s, k, r) : 0;
		known += counts[k];
	}
	return r->count > known ? r->count - known : 0;
}

/* wait_for -- internal: the threads blocked thread i waits for: a lock's
 * holders and the waiters queued before it (a queued writer blocks the
 * readers behind it), a reference's holders; a plain wait queue names
 * nobody. */
static uint32_t wait_for(const struct sim *s, int i)
{
	const struct sim_thread *t = &s->t[i];
	const struct sim_ref *r;
	uint32_t m = 0;

	if (t->wait_lock) {
		const struct sim_lock *l = t->wait_lock;

		if (l->owner >= 0)
			m |= 1u << l->owner;
		m |= l->reader_mask;
		for (int k = 0; k < l->nwait && l->wait[k].tid != i; k++)
			m |= 1u << l->wait[k].tid;
	} else if ((r = ref_waited(s, i))) {
		int counts[SIM_MAX_THREADS];

		ref_holders(s, r, counts);
		for (int k = 0; k < SIM_MAX_THREADS; k++)
			if (counts[k])
				m |= 1u << k;
	}
	return m;
}

/* wait_cycle -- internal: depth-first from u over blocked threads; the
 * first cycle found goes to cyc[], its length is returned (0: none). */
static int wait_cycle(const struct sim *s, const uint32_t *wf, int u, int *path,
		      int depth, uint32_t *seen, uint32_t on_path, int *cyc)
{
	path[depth] = u;
	*seen |= 1u << u;
	on_path |= 1u << u;
	for (uint32_t m = wf[u]; m; m &= m - 1) {
		int v = __builtin_ctz(m), n, k;

		if (s->t[v].state != SIM_T_BLOCKED)
			continue;
		if (on_path & (1u << v)) {
			for (k = depth; path[k] != v; k--)
				;
			for (n = 0; k <= depth; k++)
				cyc[n++] = path[k];
			return n;
		}
		if (*seen & (1u << v))
			continue;
		n = wait_cycle(s, wf, v, path, depth + 1, seen, on_path, cyc);
		if (n)
			return n;
	}
	return 0;
}

/* mode_tag -- internal: " [read]", " [write]"; nothing for a mutex. */
static const char *mode_tag(const struct sim_lock *l, int mode)
{
	if (l->kind == SIM_MUTEX)
		return "";
	return mode == SIM_SHARED ? " [read]" : " [write]";
}

/* holder_list -- internal: ", held by thread 1 [write]" and the like. */
static size_t holder_list(const struct sim *s, const struct sim_lock *l, int me,
			  char *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	for (int k = 0; k < s->n && off < len; k++) {
		int how;

		if (l->owner == k)
			how = SIM_EXCL;
		else if (l->reader_mask & (1u << k))
			how = SIM_SHARED;
		else
			continue;
		off += (size_t)snprintf(
			buf + off, len - off, "%s thread %d%s%s",
			n++ ? "," : ", held by", k, mode_tag(l, how),
			s->t[k].state == SIM_T_DONE ? " (finished without "
						      "releasing it)" :
						      "");
	}
	for (int k = 0; k < l->nwait && l->wait[k].tid != me && off < len; k++)
		off += (size_t)snprintf(buf + off, len - off, "%s thread %d%s",
					k ? "," : ", queued behind",
					l->wait[k].tid,
					mode_tag(l, l->wait[k].mode));
	return off < len ? off : len;
}

/*
 * deadlock -- internal: nobody can run.  The wait-for cycle, then each
 * blocked thread: what it waits for and who holds that, and what it holds
 * and where it took it.
 */
static _Noreturn void deadlock(struct sim *s)
{
	char buf[sizeof(s->abort_reason)];
	uint32_t wf[SIM_MAX_THREADS] = { 0 }, seen = 0;
	int path[SIM_MAX_THREADS], cyc[SIM_MAX_THREADS], ncyc = 0;
	size_t off = 0;

#define OUT(...)                                                              \
	do {                                                                  \
		if (off < sizeof(buf))                                        \
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, \
						__VA_ARGS__);                 \
	} while (0)

	for (int i = 0; i < s->n; i++)
		if (s->t[i].state == SIM_T_BLOCKED)
			wf[i] = wait_for(s, i);
	for (int i = 0; i < s->n && !ncyc; i++)
		if (s->t[i].state == SIM_T_BLOCKED && !(seen & (1u << i)))
			ncyc = wait_cycle(s, wf, i, path, 0, &seen, 0, cyc);
	if (ncyc) {
		OUT("wait-for cycle:");
		for (int k = 0; k < ncyc; k++)
			OUT(" thread %d ->", cyc[k]);
		OUT(" thread %d", cyc[0]);
	} else {
		OUT("no wait-for cycle: the waits below are for threads that "
		    "have finished, or for a wake-up nobody is left to do");
	}
	for (int i = 0; i < s->n; i++) {
		const struct sim_thread *t = &s->t[i];
		const struct sim_ref *r;

		if (t->state != SIM_T_BLOCKED)
			continue;
		OUT("\n    thread %d waits for %s", i, sim_thread_waits(s, i));
		if (t->wait_lock) {
			const struct sim_lock *l = t->wait_lock;

			for (int k = 0; k < l->nwait; k++)
				if (l->wait[k].tid == i)
					OUT("%s", mode_tag(l, l->wait[k].mode));
			if (off < sizeof(buf))
				off += holder_list(s, l, i, buf + off,
						   sizeof(buf) - off);
		} else if ((r = ref_waited(s, i))) {
			int counts[SIM_MAX_THREADS], n = 0;
			int setup = ref_holders(s, r, counts);

			OUT(" to drop to zero");
			for (int k = 0; k < SIM_MAX_THREADS; k++)
				if (counts[k])
					OUT("%s thread %d (%d%s)",
					    n++ ? "," : ", references held by",
					    k, counts[k],
					    s->t[k].state == SIM_T_DONE ?
						    ", finished" :
						    "");
			if (setup)
				OUT("%s %d taken before the threads started",
				    n ? "," : ", references:", setup);
		} else {
			OUT(" (a wait queue: nobody is left to wake it)");
		}
		for (int k = 0; k < t->nheld; k++)
			if (t->held[k].kind == SIM_HOLD_LOCK)
				OUT("\n        holds %s%s, taken in %s",
				    t->held[k].lock->name,
				    mode_tag(t->held[k].lock, t->held[k].mode),
				    t->held[k].fn ? t->held[k].fn : "?");
		for (int k = 0, n = 0; k < t->nheld && n < 8; k++)
			if (t->held[k].kind == SIM_HOLD_REF && ++n)
				OUT("\n        holds a reference on %s, "
				    "taken in %s",
				    t->held[k].ref->name,
				    t->held[k].fn ? t->held[k].fn : "?");
	}
#undef OUT
	sim_abort_exec(s, SIM_ABORT_DEADLOCK, "%s", buf);
}

/* step_limit -- internal: the execution passed max_steps scheduling
 * points (a livelock, SIM_ABORT_LIMIT): where each thread stood, with the
 * locks it held, as "thread N" for the engine to name. */
static void step_limit(struct sim *s)
{
	char buf[1536];
	size_t off = 0;

	off += (size_t)snprintf(buf, sizeof(buf),
				"more than %llu scheduling "
				"points in one execution",
				(unsigned long long)s->opt.max_steps);
	for (int i = 0; i < s->n && off < sizeof(buf); i++) {
		const struct sim_thread *t = &s->t[i];

		off += (size_t)snprintf(
			buf + off, sizeof(buf) - off, "\n    thread %d %s%s", i,
			t->state == SIM_T_DONE		  ? "finished" :
				t->state == SIM_T_BLOCKED ? "waits for " :
							    "runnable",
			t->state == SIM_T_BLOCKED ? sim_thread_waits(s, i) :
						    "");
		for (int k = 0; k < t->nheld && off < sizeof(buf); k++)
			if (t->held[k].kind == SIM_HOLD_LOCK)
				off += (size_t)snprintf(
					buf + off, sizeof(buf) - off,
					"\n        holds %s%s, taken in %s",
					t->held[k].lock->name,
					mode_tag(t->held[k].lock,
						 t->held[k].mode),
					t->held[k].fn ? t->held[k].fn : "?");
	}
	sim_abort_exec(s, SIM_ABORT_LIMIT, "%s", buf);
}

/*
 * pick -- internal: the thread that runs after this scheduling point of
 * 'me' (-1: the explorer starting an execution), or -1 when every thread
 * is done.  Aborts the execution on a deadlock or a replay that no longer
 * fits.
 */
static int pick(struct sim *s, int me)
{
	uint32_t runnable = runnable_mask(s);
	int next;

	if (__builtin_expect(s->check, 0)) {
		char msg[256];

		if (sim_check(s, msg, sizeof(msg)))
			sim_abort_exec(s, SIM_ABORT_CRASH, "sim_check: %s",
				       msg);
	}
	if (++s->nsteps_exec > s->opt.max_steps)
		step_limit(s);
	if (!runnable) {
		if (next_unfinished(s) >= 0)
			deadlock(s);
		return -1;
	}
	next = directed(s, runnable);
	if (next >= 0)
		return next;
	if (s->native) {
		/* The operating system chooses (sim/native.c): whichever
		 * runnable thread takes the global mutex first. */
		s->open_mask = runnable;
		return SIM_PICK_OPEN;
	}
	struct sim_choice c = {
		.step = s->nsteps_exec,
		.runnable = runnable,
		.current = me,
		.nthreads = s->n,
	};
	if (!(runnable & (runnable - 1))) {
		/* No choice; a systematic search still sees the step end,
		 * and may find the rest redundant. */
		if (s->st->forced && !s->st->forced(s->st, &c))
			sim_abort_exec(s, SIM_ABORT_REPLAY,
				       "decision %u: the strategy "
				       "ends the execution here",
				       s->ndec);
		return __builtin_ctz(runnable);
	}
	next = s->st->choose(s->st, &c);
	if (next < 0 || next >= s->n || !(runnable & (1u << next)))
		sim_abort_exec(s, SIM_ABORT_REPLAY,
			       "decision %u does not fit: thread %d cannot run "
			       "here",
			       s->ndec, next);
	record_decision(s, next);
	return next;
}

/* sim_schedule -- internal: a scheduling point of thread 'me'; returns
 * when 'me' is chosen to run again.  'me' may be blocked. */
void sim_schedule(struct sim *s, int me)
{
	int next;

	if (me >= 0 && s->t[me].spin)
		sim_abort_exec(s, SIM_ABORT_CRASH,
			       "scheduling while atomic: %s held at a "
			       "scheduling point",
			       s->t[me].spin->name);
	next = pick(s, me);

	if (s->native)
		sim_native_schedule(s, me, next);
	else if (next != me)
		handoff(s, me, next);
}

/* For sim/native.c: the same choices, the same decision log. */
int sim_pick(struct sim *s, int me)
{
	return pick(s, me);
}

void sim_record_decision(struct sim *s, int tid)
{
	record_decision(s, tid);
}

int sim_next_unfinished(const struct sim *s)
{
	return next_unfinished(s);
}

void sim_go_wait(uint32_t *go)
{
	go_wait(go);
}

void sim_go_wake(uint32_t *go)
{
	go_wake(go);
}

/* ---- Threads ------------------------------------------------------------- */

/* wake_only -- internal: hand over without sleeping (a finished thread). */
static void wake_only(struct sim *s, int next)
{
	s->current = next;
	s->handoffs++;
	go_wake(next < 0 ? &s->main_go : &s->t[next].go);
}

/* thread_finish -- internal: fn() returned or was unwound.  The thread's
 * next wake-up is a new execution (or sim_destroy). */
static void thread_finish(struct sim *s, int me)
{
	struct sim_thread *t = &s->t[me];

	t->state = SIM_T_DONE;
	sim_held_drop_locks(t);
	if (s->native) {
		sim_native_finish(s, me);
		return;
	}
	if (!s->aborting) {
		sim_log(s, me, SIM_EV_THREAD_END, 0, NULL, NULL, 0);
		/* pick() may abort (a deadlock among the others): it then
		 * lands here again, with s->aborting set. */
		if (sigsetjmp(t->jb, 0) == 0) {
			wake_only(s, pick(s, me));
			return;
		}
	}
	wake_only(s, next_unfinished(s));
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* Best effort: without it handoffs are slower, not different. */
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* affinity -- internal: a native execution's threads run on every CPU
 * the process may use; the others on the simulator's one. */
static void affinity(struct sim *s, struct sim_thread *t)
{
	if (s->native && t->pinned) {
		(void)pthread_setaffinity_np(pthread_self(),
					     sizeof(s->all_cpus), &s->all_cpus);
		t->pinned = false;
	} else if (!s->native && !t->pinned) {
		pin_self(s->cpu);
		t->pinned = true;
	}
}

static void *worker_main(void *arg)
{
	struct sim_thread *t = arg;
	struct sim *s = t->sim;

	sim_current_tid = t->index;
	pin_self(s->cpu);
	t->pinned = true;
	sim_signals_thread_init();
	for (;;) {
		go_wait(&t->go);
		if (s->quit)
			break;
		affinity(s, t);
		if (s->native)
			sim_native_enter(s, t->index);
		if (!s->aborting && sigsetjmp(t->jb, 0) == 0) {
			t->started = true;
			s->fn(s, t->index, t->arg);
		}
		thread_finish(s, t->index);
	}
	sim_signals_thread_fini();
	return NULL;
}

/* ---- Public API ---------------------------------------------------------- */

struct sim *sim_create(int nthreads, const struct sim_options *opt)
{
	const char *env;
	struct sim *s;

	if (nthreads < 1 || nthreads > SIM_MAX_THREADS)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->n = nthreads;
	s->opt = *opt;
	if (!s->opt.max_steps)
		s->opt.max_steps = 1u << 20;
	s->cpu = opt->cpu >= 0 ? opt->cpu : sched_getcpu();
	s->current = -1;
	env = getenv("LOCKSTEP_CHECK_INVARIANTS");
	s->check = env && *env == '1';
	if (sched_getaffinity(0, sizeof(s->all_cpus), &s->all_cpus))
		CPU_ZERO(&s->all_cpus);
	if (!CPU_COUNT(&s->all_cpus))
		CPU_SET(s->cpu, &s->all_cpus);
	sim_native_init(s);
	pin_self(s->cpu);
	sim_signals_init();
	for (int i = 0; i < nthreads; i++) {
		s->t[i].sim = s;
		s->t[i].index = i;
		s->t[i].state = SIM_T_DONE;
		if (pthread_create(&s->t[i].pt, NULL, worker_main, &s->t[i])) {
			s->n = i;
			sim_destroy(s);
			return NULL;
		}
	}
	return s;
}

void sim_destroy(struct sim *s)
{
	if (!s)
		return;
	s->quit = true;
	for (int i = 0; i < s->n; i++) {
		go_wake(&s->t[i].go);
		pthread_join(s->t[i].pt, NULL);
	}
	SIM_OBSERVE(s, destroy, s);
	sim_native_fini(s);
	for (int i = 0; i < s->npoints; i++)
		free(s->points[i].full);
	sim_arena_reset(&s->arena);
	sim_arena_reset(&s->prev_arena);
	free(s->ev);
	free(s->dec);
	free(s);
}

enum sim_abort sim_execute(struct sim *s, sim_thread_fn fn, void *const *arg,
			   struct sim_strategy *st,
			   const struct sim_step *steps, int nsteps)
{
	s->fn = fn;
	s->st = st;
	s->steps = steps;
	s->nsteps = nsteps < SIM_MAX_STEPS ? nsteps : SIM_MAX_STEPS;
	s->stepi = 0;
	s->step_failed = -1;
	s->step_why[0] = 0;
	memset(s->step_note, 0, sizeof(s->step_note));
	s->aborting = false;
	s->abort = SIM_OK;
	s->abort_reason[0] = 0;
	s->nsteps_exec = 0;
	s->seq = 1; /* 0 is "before the execution": set-up */
	s->nev = 0;
	s->ndec = 0;
	s->nreports = 0;
	s->native = sim_strategy_is_native(st);
	if (s->native)
		/* Its earlier executions cannot be run again (no seed makes
		 * them): a finding must rest on its own execution alone, so
		 * that its trace replays. */
		SIM_OBSERVE(s, reset, s);
	SIM_OBSERVE(s, exec_begin, s);
	for (int i = 0; i < s->n; i++) {
		struct sim_thread *t = &s->t[i];

		t->arg = arg ? arg[i] : NULL;
		t->state = SIM_T_RUNNABLE;
		t->started = false;
		t->wait_lock = NULL;
		t->wait_q = NULL;
		t->granted = NULL;
		t->nheld = 0;
		t->op = NULL;
		t->exact = false;
		t->spin = NULL;
		t->op_ev = t->point_ev = -1;
		t->wait_ref = NULL;
	}
	if (st && st->begin)
		st->begin(st, s->exec_index);
	sim_current_sim = s;
	s->in_exec = true;
	if (s->native) {
		sim_native_execute(s);
	} else if (sigsetjmp(s->guard_jb, 0) == 0) {
		int first;

		s->guard_armed = true;
		first = pick(s, -1);
		s->guard_armed = false;
		handoff(s, -1, first);
	} else {
		/* Aborted before any thread ran (a replay that does not fit
		 * its first decision): nobody is inside fn() to unwind. */
		s->guard_armed = false;
		for (int i = 0; i < s->n; i++)
			s->t[i].state = SIM_T_DONE;
	}
	s->in_exec = false;
	SIM_OBSERVE(s, exec_end, s);
	if (st && st->end)
		st->end(st, s->nsteps_exec);
	s->exec_index++;
	return s->abort;
}

/* sim_begin_setup -- internal: a new execution's arena; the previous
 * execution's objects stay alive until the one after. */
void sim_new_arena(struct sim *s)
{
	struct sim_arena next = { 0 };

	/* the execution before last: its chunks serve the next one */
	next.spare = s->arena.spare;
	s->arena.spare = NULL;
	sim_arena_recycle(&s->prev_arena, &next);
	s->prev_arena = s->arena;
	s->arena = next;
	s->next_id = 0;
	sim_current_sim = s;
}

void *sim_alloc(size_t size)
{
	return sim_arena_alloc(&sim_current_sim->arena, size);
}

char *sim_strdup(const char *str)
{
	size_t n = strlen(str) + 1;

	return memcpy(sim_alloc(n), str, n);
}

struct sim *sim_self(void)
{
	return sim_current_sim;
}

int sim_tid(void)
{
	return sim_current_tid;
}

uint32_t sim_now(void)
{
	return sim_current_sim ? sim_current_sim->seq : 0;
}

/* point_name -- internal: the interned "op.point" (static strings in,
 * a string that lives as long as the struct sim out). */
static const char *point_name(struct sim *s, const char *op, const char *point)
{
	for (int i = 0; i < s->npoints; i++)
		if (s->points[i].op == op && s->points[i].point == point)
			return s->points[i].full;
	if (s->npoints == SIM_MAX_POINTS)
		return point;
	char *full = malloc(strlen(op) + strlen(point) + 2);

	if (!full)
		return point;
	sprintf(full, "%s.%s", op, point);
	s->points[s->npoints++] = (struct sim_point_name){ op, point, full };
	return full;
}

void sim_point(const char *point, const char *fn)
{
	struct sim *s = sim_current_sim;
	int me = sim_current_tid;
	const char *full;

	if (!s || !s->in_exec || me < 0)
		return;
	full = s->t[me].op ? point_name(s, s->t[me].op, point) : point;
	sim_log(s, me, SIM_EV_POINT, 0, full, fn, 0);
	if (s->opt.log_events)
		s->t[me].point_ev = (int32_t)s->nev - 1;
	if (s->stepi < s->nsteps && s->steps[s->stepi].tid == me &&
	    s->steps[s->stepi].until && !strcmp(s->steps[s->stepi].until, full))
		s->stepi++;
	sim_schedule(s, me);
}

void sim_point_obj(const char *point, const char *fn, const char *obj,
		   const char *obj2)
{
	struct sim *s = sim_current_sim;
	int me = sim_current_tid;

	if (!s || !s->in_exec || me < 0)
		return;
	/* Logged right before the point's own event: sim/dfs.c reads them
	 * as the point's scope. */
	if (sim_scope_exact(s, me, fn))
		obj = obj2 = NULL;
	if (obj)
		sim_log(s, me, SIM_EV_ACCESS, 0, obj, fn, 1);
	if (obj2)
		sim_log(s, me, SIM_EV_ACCESS, 0, obj2, fn, 1);
	sim_point(point, fn);
}

/* touch -- internal: an ACCESS event of kind 'acc' (sim.h) of part idx. */
static void touch(const char *part, const char *inst, uint32_t idx, int acc)
{
	struct sim *s = sim_current_sim;
	int me = sim_current_tid;

	if (!s || !s->in_exec || me < 0 || !s->opt.log_events)
		return;
	sim_log(s, me, SIM_EV_ACCESS, 0, part, inst, acc);
	s->ev[s->nev - 1].idx = idx;
}

void sim_touch(const char *part, const char *inst, uint32_t idx, bool write)
{
	touch(part, inst, idx, write ? 5 : 4);
}

void sim_touch_add(const char *part, const char *inst, uint32_t idx)
{
	touch(part, inst, idx, 6);
}

void sim_exact(bool on)
{
	struct sim *s = sim_current_sim;
	int me = sim_current_tid;

	if (!s || !s->in_exec || me < 0)
		return;
	s->t[me].exact = on;
	if (on) /* an operation that passes no point announced all */
		sim_log(s, me, SIM_EV_ACCESS, 0, "", NULL, 7);
}

/* sim_scope_exact -- internal: if the caller is exact (sim_exact), log the
 * empty scope of the point that follows and return true. */
bool sim_scope_exact(struct sim *s, int me, const char *fn)
{
	if (!s->t[me].exact)
		return false;
	sim_log(s, me, SIM_EV_ACCESS, 0, "", fn, 1);
	return true;
}

void sim_op_begin(const char *op, const char *text)
{
	struct sim *s = sim_current_sim;

	if (s && s->in_exec && sim_current_tid >= 0) {
		struct sim_thread *t = &s->t[sim_current_tid];

		t->op = op;
		sim_log(s, sim_current_tid, SIM_EV_OP_BEGIN, 0, text, NULL, 0);
		t->op_ev = s->opt.log_events ? (int32_t)s->nev - 1 : -1;
		t->point_ev = -1;
	}
}

void sim_op_end(const char *text, int result)
{
	struct sim *s = sim_current_sim;

	if (s && s->in_exec && sim_current_tid >= 0) {
		sim_log(s, sim_current_tid, SIM_EV_OP_END, 0, text, NULL,
			result);
		if (s->opt.log_events)
			s->t[sim_current_tid].op_ev =
				s->t[sim_current_tid].point_ev = -1;
	}
}

void sim_note(const char *text)
{
	struct sim *s = sim_current_sim;

	if (s && s->in_exec && sim_current_tid >= 0)
		sim_log(s, sim_current_tid, SIM_EV_NOTE, 0, sim_strdup(text),
			NULL, 0);
}

_Noreturn void sim_bug(const char *file, int line, const char *what)
{
	struct sim *s = sim_current_sim;

	if (!s || (!s->in_exec && !s->guard_armed)) {
		fprintf(stderr, "lockstep: BUG at %s:%d: %s\n", file, line,
			what);
		abort();
	}
	sim_abort_exec(s, SIM_ABORT_CRASH, "BUG at %s:%d: %s", file, line,
		       what);
}

bool sim_guard(struct sim *s, void (*fn)(void *), void *arg)
{
	sim_current_sim = s;
	s->guard_armed = true;
	s->aborting = false;
	if (sigsetjmp(s->guard_jb, 0) == 0) {
		fn(arg);
		s->guard_armed = false;
		return true;
	}
	s->guard_armed = false;
	return false;
}

/* ---- Reading the results ------------------------------------------------- */

const struct sim_event *sim_events(const struct sim *s, uint32_t *n)
{
	*n = s->nev;
	return s->ev;
}

const uint8_t *sim_decisions(const struct sim *s, uint32_t *n)
{
	*n = s->ndec;
	return s->dec;
}

uint64_t sim_steps(const struct sim *s)
{
	return s->nsteps_exec;
}

const char *sim_abort_reason(const struct sim *s)
{
	return s->abort_reason;
}

int sim_step_failed(const struct sim *s, const char **why)
{
	if (why)
		*why = s->step_why;
	return s->step_failed;
}

const char *sim_step_note(const struct sim *s, int step)
{
	if (step < 0 || step >= SIM_MAX_STEPS || !s->step_note[step][0])
		return NULL;
	return s->step_note[step];
}

int sim_nthreads(const struct sim *s)
{
	return s->n;
}

enum sim_tstate sim_thread_state(const struct sim *s, int tid)
{
	return s->t[tid].state;
}

const char *sim_thread_waits(const struct sim *s, int tid)
{
	const struct sim_thread *t = &s->t[tid];

	if (t->state != SIM_T_BLOCKED)
		return NULL;
	if (t->wait_lock)
		return t->wait_lock->name;
	if (t->wait_q)
		return t->wait_q->name;
	return "?";
}

const struct sim_lock *sim_thread_wait_lock(const struct sim *s, int tid)
{
	return s->t[tid].state == SIM_T_BLOCKED ? s->t[tid].wait_lock : NULL;
}

void sim_reset_checkers(struct sim *s)
{
	SIM_OBSERVE(s, reset, s);
}

int sim_observe(struct sim *s, const struct sim_observer *ops, void *ctx)
{
	/* its per-hold data after the others', 8-byte aligned */
	size_t off = (s->hold_used + 7) & ~(size_t)7;

	if (s->nobs == SIM_MAX_OBSERVERS ||
	    ops->hold_size > SIM_HOLD_DATA - off) {
		errno = ENOSPC;
		return -1;
	}
	s->obs[s->nobs].ops = ops;
	s->obs[s->nobs].ctx = ctx;
	s->obs[s->nobs].hold_off = off;
	s->hold_used = off + ops->hold_size;
	return s->nobs++;
}

void sim_thread_at(const struct sim *s, int tid, int32_t *op_ev,
		   int32_t *point_ev)
{
	*op_ev = s->t[tid].op_ev;
	*point_ev = s->t[tid].point_ev;
}

/* ev_what -- internal: what event i names, or NULL. */
static const char *ev_what(const struct sim *s, int32_t i)
{
	if (i < 0 || (uint32_t)i >= s->nev || !s->ev[i].what)
		return NULL;
	return s->ev[i].what;
}

void sim_context(const struct sim *s, int32_t op_ev, int32_t point_ev,
		 char *buf, size_t len)
{
	const char *op = ev_what(s, op_ev), *point = ev_what(s, point_ev);
	int n = 0;

	buf[0] = 0;
	if (op)
		n = snprintf(buf, len, ", during %s", op);
	if (point && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", after %s", point);
}

int sim_reports(const struct sim *s, const struct sim_report **out)
{
	*out = s->reports;
	return s->nreports;
}

void sim_add_report(struct sim *s, const struct sim_report *r)
{
	if (s->nreports < (int)(sizeof(s->reports) / sizeof(s->reports[0])))
		s->reports[s->nreports++] = *r;
}

uint64_t sim_handoffs(const struct sim *s)
{
	return s->handoffs;
}

uint64_t sim_exec_index(const struct sim *s)
{
	return s->exec_index;
}

void sim_set_exec_index(struct sim *s, uint64_t i)
{
	s->exec_index = i;
}
