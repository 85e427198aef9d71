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
 */
#include "sim/sim_impl.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (256u << 10)

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
		c = calloc(1, sizeof(*c) + size);
		if (!c)
			sim_oom("the execution's arena");
		c->used = c->size = size;
		if (a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			a->head = c;
		}
		return c->mem;
	}
	if (!c || c->used + size > c->size) {
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

void sim_arena_reset(struct sim_arena *a)
{
	while (a->head) {
		struct sim_arena_chunk *c = a->head;

		a->head = c->next;
		free(c);
	}
	a->total = 0;
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
