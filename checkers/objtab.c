/* SPDX-License-Identifier: MIT */
/*
 * checkers/objtab.c -- records by object address (objtab.h).
 */
#include "checkers/objtab.h"

#include <stdlib.h>
#include <string.h>

#include "checkers/hash.h"
#include "sim/sim.h"

#define CHUNK 256 /* records per chunk */

static unsigned long rec_hash(const void *rec, unsigned long seed)
{
	const void *const *obj = rec;

	return (unsigned long)checkers_hash_u64(seed, (uintptr_t)*obj);
}

static bool rec_cmp(const void *a, const void *b)
{
	const void *const *x = a, *const *y = b;

	return *x == *y;
}

void objtab_init(struct objtab *t, size_t size, const char *what)
{
	memset(t, 0, sizeof(*t));
	t->size = size;
	t->what = what;
	if (!ck_hs_init(&t->hs, CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT, rec_hash,
			rec_cmp, &checkers_hs_allocator, 256, 0x6f626a73))
		sim_oom(what);
}

void objtab_fini(struct objtab *t)
{
	ck_hs_destroy(&t->hs);
	for (uint32_t i = 0; i < t->nchunks; i++)
		free(t->chunk[i]);
	free(t->chunk);
	t->chunk = NULL;
	t->nchunks = t->n = 0;
}

void *objtab_get(struct objtab *t, const void *obj, bool *fresh)
{
	unsigned long hv = ck_hs_hash(&t->hs, &obj);
	void *rec = ck_hs_get(&t->hs, hv, &obj);

	*fresh = !rec;
	if (rec)
		return rec;
	if (t->n == t->nchunks * CHUNK) {
		char **chunk =
			realloc(t->chunk, (t->nchunks + 1) * sizeof(*chunk));

		if (!chunk || !(chunk[t->nchunks] = malloc(CHUNK * t->size)))
			sim_oom(t->what);
		t->chunk = chunk;
		t->nchunks++;
	}
	rec = t->chunk[t->n / CHUNK] + (t->n % CHUNK) * t->size;
	t->n++;
	memset(rec, 0, t->size);
	memcpy(rec, &obj, sizeof(obj));
	if (!ck_hs_put(&t->hs, hv, rec))
		sim_oom(t->what);
	return rec;
}

void objtab_forget(struct objtab *t, uint32_t max)
{
	if (t->n <= max)
		return;
	ck_hs_reset(&t->hs);
	t->n = 0;
}
