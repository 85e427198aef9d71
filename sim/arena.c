/* SPDX-License-Identifier: MIT */
/*
 * sim/arena.c -- the per-execution arena, running out of memory, and fatal
 * signals.
 *
 * The core allocates everything an execution creates (inodes, pages, their
 * data) from the arena, so an execution unwound half-way by a deadlock or a
 * crash leaks nothing, and freeing it costs one free per 256 KiB chunk.
 *
 * An allocation larger than a chunk gets its own, from calloc: the pages
 * of a large buffer cost memory only once written (a 64 MiB read of a
 * 16 KiB file touches 16 KiB).  The loader bounds what an execution may
 * need (SCEN_MAX_DATA); SIM_ARENA_BUDGET is the backstop behind it: an
 * execution that allocates more stops the process with a message rather
 * than meeting the OOM killer.
 *
 * The chunks of an execution's arena are not given back to the C library
 * when the next-but-one execution starts, but kept for it
 * (sim_arena_recycle): freed, they went back to the kernel (a thread's
 * malloc arena trims itself) and every execution paid a page fault for
 * each page it touched again.  A large chunk is kept up to BIG_KEEP
 * bytes and cleared when used again; a larger one is freed, so that the
 * untouched pages of a huge buffer stay free.
 */
#include "sim/sim_impl.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK	 (256u << 10)
#define BIG_KEEP (4u << 20)

struct sim_arena_chunk {
	struct sim_arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char mem[];
};

/* sim_oom -- see sim.h. */
_Noreturn void sim_oom(const char *what)
{
	fprintf(stderr, "lockstep: out of memory (%s)\n", what);
	exit(3);
}

/* take_spare -- internal: a kept chunk for 'size' bytes (a normal chunk
 * for CHUNK, the smallest large one that holds it otherwise), or NULL. */
static struct sim_arena_chunk *take_spare(struct sim_arena *a, size_t size)
{
	struct sim_arena_chunk **best = NULL;

	for (struct sim_arena_chunk **p = &a->spare; *p; p = &(*p)->next) {
		size_t have = (*p)->size;

		if (size == CHUNK ? have == CHUNK :
				    have > CHUNK && have >= size &&
				    (!best || have < (*best)->size))
			best = p;
		if (best && size == CHUNK)
			break;
	}
	if (best) {
		struct sim_arena_chunk *c = *best;

		*best = c->next;
		return c;
	}
	return NULL;
}

void *sim_arena_alloc(struct sim_arena *a, size_t size)
{
	struct sim_arena_chunk *c = a->head;

	size = (size + 15) & ~(size_t)15;
	if (size > SIM_ARENA_BUDGET - a->total) {
		fprintf(stderr,
			"lockstep: an execution needs more than %zu "
			"MiB of memory, past the arena's budget (the loader's "
			"count, SCEN_MAX_DATA, missed it: a bug of lockstep)\n",
			(size_t)SIM_ARENA_BUDGET >> 20);
		exit(3);
	}
	a->total += size;
	if (size > CHUNK) {
		/* its own chunk, behind the head: the head keeps its room */
		c = take_spare(a, size);
		if (c) {
			memset(c->mem, 0, size);
		} else {
			c = calloc(1, sizeof(*c) + size);
			if (!c)
				sim_oom("the execution's arena");
			c->size = size;
		}
		c->used = c->size; /* nothing else goes in */
		if (a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			a->head = c;
		}
		return c->mem;
	}
	if (!c || c->used + size > c->size) {
		c = take_spare(a, CHUNK);
		if (!c)
			c = malloc(sizeof(*c) + CHUNK);
		if (!c)
			sim_oom("the execution's arena");
		c->next = a->head;
		c->used = 0;
		c->size = CHUNK;
		a->head = c;
	}
	void *p = c->mem + c->used;

	c->used += size;
	memset(p, 0, size);
	return p;
}

static void free_list(struct sim_arena_chunk *c)
{
	while (c) {
		struct sim_arena_chunk *next = c->next;

		free(c);
		c = next;
	}
}

void sim_arena_reset(struct sim_arena *a)
{
	free_list(a->head);
	free_list(a->spare);
	a->head = a->spare = NULL;
	a->total = 0;
}

/* sim_arena_recycle -- the chunks of 'from' (its objects are dead) become
 * spares of 'to'; a large one past BIG_KEEP is freed. */
void sim_arena_recycle(struct sim_arena *from, struct sim_arena *to)
{
	struct sim_arena_chunk *c = from->head;

	while (c) {
		struct sim_arena_chunk *next = c->next;

		if (c->size > BIG_KEEP) {
			free(c);
		} else {
			c->used = 0;
			c->next = to->spare;
			to->spare = c;
		}
		c = next;
	}
	free_list(from->spare);
	from->head = from->spare = NULL;
	from->total = 0;
}

/* ---- Fatal signals inside an execution ------------------------------------ */

static __thread void *altstack;

/* on_fatal -- a SIGSEGV, SIGBUS, SIGFPE or SIGILL in the core: a crash
 * finding.  Outside an execution it is lockstep's own bug: die. */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	struct sim *s = sim_current_sim;
	int me = sim_current_tid;

	(void)si, (void)uc;
	if (s && ((s->in_exec && me >= 0) || (me < 0 && s->guard_armed)))
		sim_abort_exec(s, SIM_ABORT_CRASH, "signal %d (%s)", sig,
			       strsignal(sig));
	signal(sig, SIG_DFL);
	raise(sig);
}

void sim_signals_init(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	/* SA_NODEFER and no sa_mask: a crash unwinds (siglongjmp) with the
	 * signal mask as it was, so no jump buffer needs to save it. */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sim_signals_thread_init();
}

void sim_signals_thread_init(void)
{
	stack_t ss;

	if (altstack)
		return;
	altstack = malloc(SIGSTKSZ * 4);
	if (!altstack)
		return;
	ss.ss_sp = altstack;
	ss.ss_size = SIGSTKSZ * 4;
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
}

void sim_signals_thread_fini(void)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	sigaltstack(&ss, NULL);
	free(altstack);
	altstack = NULL;
}
