/* SPDX-License-Identifier: MIT */
/*
 * checkers/hash.h -- what the checkers share, and nothing else: the hashes
 * their report signatures are made of, and sets of 64-bit hashes (ck_hs)
 * for "reported once".  Private to checkers/: each checker is otherwise
 * on its own (lockdep.c, race.c), and none calls another.
 *
 * The hashes are part of the output: report signatures are printed and
 * traces keep them, so they must not change.
 */
#ifndef LOCKSTEP_CHECKERS_HASH_H
#define LOCKSTEP_CHECKERS_HASH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <ck_hs.h>

/* checkers_hash_u64 -- one splitmix64 step over h and v. */
static inline uint64_t checkers_hash_u64(uint64_t h, uint64_t v)
{
	uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* checkers_hash_str -- FNV-1a of str, mixed into h; NULL hashes as "?". */
static inline uint64_t checkers_hash_str(uint64_t h, const char *str)
{
	uint64_t f = 0xcbf29ce484222325ull;

	for (const char *p = str ? str : "?"; *p; p++)
		f = (f ^ (unsigned char)*p) * 0x100000001b3ull;
	return checkers_hash_u64(h, f);
}

/* ck_hs's allocator: malloc; out of memory is fatal, as in sim/. */
static inline void *checkers_hs_malloc(size_t n)
{
	return malloc(n);
}

static inline void *checkers_hs_realloc(void *p, size_t old, size_t n,
					bool defer)
{
	(void)old, (void)defer;
	return realloc(p, n);
}

static inline void checkers_hs_free(void *p, size_t n, bool defer)
{
	(void)n, (void)defer;
	free(p);
}

static struct ck_malloc checkers_hs_allocator = { checkers_hs_malloc,
						  checkers_hs_realloc,
						  checkers_hs_free };

/* Sets of 64-bit hashes: ck_hs in direct mode, the hash is the key (never
 * NULL nor ~0, ck_hs's empty and tombstone markers). */
static inline unsigned long checkers_key_hash(const void *k, unsigned long seed)
{
	return (unsigned long)checkers_hash_u64(seed, (uintptr_t)k);
}

static inline void checkers_set_init(ck_hs_t *hs)
{
	if (!ck_hs_init(hs, CK_HS_MODE_SPMC | CK_HS_MODE_DIRECT,
			checkers_key_hash, NULL, &checkers_hs_allocator, 64,
			0x6c6f636b))
		abort();
}

/* checkers_set_add -- add h; true if it was not there. */
static inline bool checkers_set_add(ck_hs_t *hs, uint64_t h)
{
	void *k = (void *)(uintptr_t)((h & ~(1ull << 63)) | (1ull << 62));
	unsigned long hv = ck_hs_hash(hs, k);

	if (ck_hs_get(hs, hv, k))
		return false;
	if (!ck_hs_put(hs, hv, k))
		abort();
	return true;
}

#endif
