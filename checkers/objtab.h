/* SPDX-License-Identifier: MIT */
/*
 * checkers/objtab.h -- a checker's records of the synchronisation objects
 * it has seen, found by the object's address.  Private to checkers/: each
 * checker keeps its own table (lockdep.c, race.c); this is only the code
 * they would otherwise both write.
 *
 * A record is a struct of the checker's whose first member is the object's
 * address (`const void *obj`).  Records live in chunks, so a pointer to one
 * stays valid until objtab_forget().  The address is for lookups only: no
 * decision or report depends on it.
 *
 * Concurrency: none; used by one thread at a time, like its checker.
 */
#ifndef LOCKSTEP_CHECKERS_OBJTAB_H
#define LOCKSTEP_CHECKERS_OBJTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ck_hs.h>

struct objtab {
	ck_hs_t hs;
	size_t size;	  /* of one record */
	const char *what; /* the checker, for sim_oom() */
	char **chunk;
	uint32_t nchunks, n;
};

/* objtab_init -- an empty table of records of 'size' bytes. */
void objtab_init(struct objtab *t, size_t size, const char *what);
void objtab_fini(struct objtab *t);

/* objtab_get -- the record of obj; a new one (zeroed but for its address)
 * when there is none, *fresh telling which. */
void *objtab_get(struct objtab *t, const void *obj, bool *fresh);

/* objtab_forget -- forget every record when there are more than 'max' (a
 * run whose objects keep new addresses would grow without end); the
 * chunks are reused.  Every pointer to a record is stale after it. */
void objtab_forget(struct objtab *t, uint32_t max);

#endif
