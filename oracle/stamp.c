/* SPDX-License-Identifier: MIT */
/*
 * oracle/stamp.c -- stamped data and the per-byte history check.
 *
 * Cost: hist_check is O(bytes x entries covering them) in the worst case,
 * but a whole word equal to an allowed stamp is accepted at once, and the
 * words after it up to the next entry boundary are compared as one run
 * against that entry (run_match), which is the common case: O(entries)
 * per boundary crossed plus a tight loop per word.
 */
#include "oracle/stamp.h"

#include <stdlib.h>
#include <string.h>

void stamp_fill(void *buf, unsigned file, uint32_t op, uint64_t pos,
		uint64_t len)
{
	unsigned char *b = buf;

	for (uint64_t i = 0; i < len;) {
		uint64_t x = pos + i;
		uint64_t w = stamp_make(file, op, x / 8);
		unsigned k = (unsigned)(x % 8);

		if (k == 0 && len - i >= 8) {
			/* A run of whole words at once: consecutive stamps
			 * differ by one while the word index does not wrap
			 * (a loop the compiler vectorises). */
			uint64_t nw = (len - i) / 8,
				 room = 0x100000000ull - (x / 8 & 0xffffffffu);

			if (nw > room)
				nw = room;
			for (uint64_t j = 0; j < nw; j++) {
				uint64_t v = w + j;

				memcpy(b + i + 8 * j, &v,
				       8); /* little-endian */
			}
			i += 8 * nw;
			continue;
		}

		/* Little-endian bytes of the word, so a whole word read back
		 * compares equal to its stamp. */
		for (; k < 8 && i < len; k++, i++)
			b[i] = (unsigned char)(w >> (8 * k));
	}
}

void hist_init(struct hist *h, unsigned file, uint64_t initial_size)
{
	memset(h, 0, sizeof(*h));
	h->file = file;
	/* Time 0: the initial content, and zeros (a hole) past it. */
	hist_begin(h, 0, HIST_WRITE, 0, initial_size, 0);
	hist_end(h, 0, 0);
	hist_begin(h, 0, HIST_ZERO, initial_size, UINT64_MAX, 0);
	hist_end(h, 1, 0);
}

void hist_free(struct hist *h)
{
	free(h->e);
	memset(h, 0, sizeof(*h));
}

uint32_t hist_begin(struct hist *h, uint32_t op, enum hist_kind kind,
		    uint64_t lo, uint64_t hi, uint32_t now)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 16;
		h->e = realloc(h->e, h->cap * sizeof(*h->e));
		if (!h->e)
			abort();
	}
	h->e[h->n] = (struct hist_entry){ .op = op,
					  .kind = (uint8_t)kind,
					  .lo = lo,
					  .hi = hi,
					  .start = now,
					  .end = HIST_OPEN };
	return h->n++;
}

uint32_t hist_copy(struct hist *h, uint32_t op, uint64_t lo, uint64_t hi,
		   const void *data, uint32_t start, uint32_t end)
{
	uint32_t slot = hist_begin(h, op, HIST_WRITE, lo, hi, start);

	h->e[slot].data = data;
	h->e[slot].end = end;
	return slot;
}

void hist_end(struct hist *h, uint32_t slot, uint32_t now)
{
	h->e[slot].end = now;
}

void hist_trim(struct hist *h, uint32_t slot, uint64_t hi)
{
	if (hi < h->e[slot].hi)
		h->e[slot].hi = hi < h->e[slot].lo ? h->e[slot].lo : hi;
}

static bool covers(const struct hist_entry *e, uint64_t x)
{
	return e->lo <= x && x < e->hi;
}

/* allowed -- internal: may entry i's value of the bytes [x, x+n) be seen
 * at some instant of [rs, re]?  (Conservative for n > 1: any later entry
 * over any of the bytes hides i.) */
static bool allowed(const struct hist *h, uint32_t i, uint64_t x, unsigned n,
		    uint32_t rs, uint32_t re)
{
	const struct hist_entry *e = &h->e[i];

	if (e->start > re)
		return false;
	if (e->end == HIST_OPEN)
		return true;
	for (uint32_t j = 0; j < h->n; j++) {
		const struct hist_entry *f = &h->e[j];

		if (j != i && f->lo < x + n && x < f->hi && f->start > e->end &&
		    f->end != HIST_OPEN && f->end < rs)
			return false;
	}
	return true;
}

static unsigned char entry_byte(const struct hist *h,
				const struct hist_entry *e, uint64_t x)
{
	if (e->kind == HIST_ZERO)
		return 0;
	if (e->data)
		return e->data[x - e->lo];
	return (unsigned char)(stamp_make(h->file, e->op, x / 8) >>
			       (8 * (x % 8)));
}

/* latest -- internal: the entry that last completed over x, for reports. */
static const struct hist_entry *latest(const struct hist *h, uint64_t x)
{
	const struct hist_entry *best = NULL;

	for (uint32_t j = 0; j < h->n; j++) {
		const struct hist_entry *f = &h->e[j];

		if (covers(f, x) && (!best || f->start >= best->start))
			best = f;
	}
	return best;
}

static bool byte_ok(const struct hist *h, unsigned char v, uint64_t x,
		    uint32_t rs, uint32_t re)
{
	for (uint32_t i = 0; i < h->n; i++) {
		const struct hist_entry *e = &h->e[i];

		if (covers(e, x) && entry_byte(h, e, x) == v &&
		    allowed(h, i, x, 1, rs, re))
			return true;
	}
	return false;
}

/* entry_word -- internal: the aligned word at x that entry e wrote. */
static uint64_t entry_word(const struct hist *h, const struct hist_entry *e,
			   uint64_t x)
{
	uint64_t w;

	if (e->kind == HIST_ZERO)
		return 0;
	if (e->data) {
		memcpy(&w, e->data + (x - e->lo), 8);
		return w;
	}
	return stamp_make(h->file, e->op, x / 8);
}

/* word_ok -- internal: the fast path for a whole aligned word: equal to the
 * stamp of an allowed write covering it, or zero from an allowed zeroing;
 * one pass over the entries instead of eight.  *ok: the entry that allowed
 * it, which hist_check reuses for the following words. */
static bool word_ok(const struct hist *h, const unsigned char *p, uint64_t x,
		    uint32_t rs, uint32_t re, const struct hist_entry **ok)
{
	uint64_t w;

	memcpy(&w, p, 8);
	for (uint32_t i = 0; i < h->n; i++) {
		const struct hist_entry *e = &h->e[i];

		if (e->lo > x || e->hi < x + 8)
			continue;
		if (entry_word(h, e, x) == w) {
			if (allowed(h, i, x, 8, rs, re)) {
				*ok = e;
				return true;
			}
		}
	}
	return false;
}

/* whole -- internal: does entry e cover all of the aligned word at x? */
static bool whole(const struct hist_entry *e, uint64_t x)
{
	return e->lo <= x && e->hi >= x + 8;
}

/* byte_from -- internal: may byte x be v, written by one of the entries
 * that cover only part of the word at wx (not whole), or by entry 'only'
 * (which covers it whole)? */
static bool byte_from(const struct hist *h, unsigned char v, uint64_t x,
		      uint64_t wx, uint32_t only, uint32_t rs, uint32_t re)
{
	for (uint32_t i = 0; i < h->n; i++) {
		const struct hist_entry *e = &h->e[i];

		if (i != only && whole(e, wx))
			continue;
		if (covers(e, x) && entry_byte(h, e, x) == v &&
		    allowed(h, i, x, 1, rs, re))
			return true;
	}
	return false;
}

/*
 * word_mixed_ok -- internal: an aligned word that no single entry
 * explains whole, made of bytes of several.  An entry that covers the
 * whole word wrote it at once (one copy), so bytes of two such entries
 * never mix: at most one of them, with bytes of entries that cover only
 * part of the word (an unaligned edge of a write, a punch or a size).
 * Without this rule a stale word passed byte by byte: the zero bytes from
 * a punch, the others from a later write of the same word, whose stamp
 * differs from the old one only in the operation's bytes.
 */
static bool word_mixed_ok(const struct hist *h, const unsigned char *p,
			  uint64_t x, uint32_t rs, uint32_t re)
{
	for (uint32_t c = 0; c <= h->n; c++) { /* c == n: none whole */
		unsigned k;

		if (c < h->n && !whole(&h->e[c], x))
			continue;
		for (k = 0; k < 8; k++)
			if (!byte_from(h, p[k], x + k, x, c, rs, re))
				break;
		if (k == 8)
			return true;
	}
	return false;
}

/* next_edge -- internal: the first entry boundary after x. */
static uint64_t next_edge(const struct hist *h, uint64_t x)
{
	uint64_t m = UINT64_MAX;

	for (uint32_t j = 0; j < h->n; j++) {
		if (h->e[j].lo > x && h->e[j].lo < m)
			m = h->e[j].lo;
		if (h->e[j].hi > x && h->e[j].hi < m)
			m = h->e[j].hi;
	}
	return m;
}

/* run_match -- internal: how many of the nw aligned words at b (file
 * offset x) equal what entry e wrote there; one tight loop per kind, no
 * per-word dispatch: the common case of a read is a long run of one
 * entry's words. */
static uint64_t run_match(const struct hist *h, const struct hist_entry *e,
			  const unsigned char *b, uint64_t x, uint64_t nw)
{
	uint64_t k = 0, w;

	if (e->kind == HIST_ZERO) {
		for (; k < nw; k++) {
			memcpy(&w, b + 8 * k, 8);
			if (w)
				break;
		}
	} else if (e->data) {
		const unsigned char *d = e->data + (x - e->lo);

		if (!memcmp(b, d, 8 * nw))
			return nw;
		for (; k < nw && !memcmp(b + 8 * k, d + 8 * k, 8); k++)
			;
	} else {
		uint64_t s0 = stamp_make(h->file, e->op, x / 8);
		/* consecutive stamps differ by one while the word index
		 * does not wrap: blocks of words compared without a branch
		 * per word (vectorised), the first mismatch found below */
		uint64_t room = 0x100000000ull - (x / 8 & 0xffffffffu);
		uint64_t fast = nw < room ? nw : room;

		for (; k + 32 <= fast; k += 32) {
			uint64_t diff = 0;

			for (unsigned j = 0; j < 32; j++) {
				memcpy(&w, b + 8 * (k + j), 8);
				diff |= w ^ (s0 + k + j);
			}
			if (diff)
				break;
		}
		for (; k < nw; k++) {
			memcpy(&w, b + 8 * k, 8);
			if (w != stamp_make(h->file, e->op, x / 8 + k))
				break;
		}
	}
	return k;
}

bool hist_check(const struct hist *h, const void *buf, uint64_t pos,
		uint64_t len, uint32_t rs, uint32_t re, struct stamp_bad *bad)
{
	const unsigned char *b = buf;
	/* The entry that accepted the last whole word, valid while the set of
	 * entries over the word stays the same (up to the next edge). */
	const struct hist_entry *last = NULL;
	uint64_t edge = 0;

	for (uint64_t i = 0; i < len;) {
		uint64_t x = pos + i;
		bool wholeword;

		if (last && x % 8 == 0 && len - i >= 8 && x + 8 <= edge) {
			uint64_t nw = (len - i) / 8, k;

			if (nw > (edge - x) / 8)
				nw = (edge - x) / 8;
			k = run_match(h, last, b + i, x, nw);
			i += 8 * k;
			if (k == nw)
				continue;
			x = pos + i;
		}
		last = NULL;
		wholeword = x % 8 == 0 && len - i >= 8;
		if (wholeword && word_ok(h, b + i, x, rs, re, &last)) {
			edge = next_edge(h, x);
			i += 8;
			continue;
		}
		if (wholeword && word_mixed_ok(h, b + i, x, rs, re)) {
			i += 8;
			continue;
		}
		/* a whole word is judged whole; the bytes at the read's
		 * unaligned edges one by one */
		if (wholeword || !byte_ok(h, b[i], x, rs, re)) {
			const struct hist_entry *e = latest(h, x);
			uint64_t wstart = x & ~7ull;

			bad->offset = x;
			bad->got = 0;
			for (unsigned k = 0; k < 8; k++) {
				uint64_t y = wstart + k;

				if (y >= pos && y < pos + len)
					bad->got |= (uint64_t)b[y - pos]
						<< (8 * k);
			}
			bad->want_zero = !e || e->kind == HIST_ZERO;
			bad->want_op = e ? e->op : 0;
			bad->want = bad->want_zero ?
				0 :
				e->lo <= wstart && e->hi >= wstart + 8 ?
				entry_word(h, e, wstart) :
				stamp_make(h->file, e->op, x / 8);
			return false;
		}
		i++;
	}
	return true;
}
