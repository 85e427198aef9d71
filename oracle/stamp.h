/* SPDX-License-Identifier: MIT */
/*
 * oracle/stamp.h -- stamped data, the file histories and the data oracles.
 *
 * Every 8-byte word a scenario writes carries a stamp: which file, which
 * operation, which word of the file.  So any byte that comes back can be
 * traced to where it came from, and zero means "never written" (a hole).
 *
 *   bit 63      1: a stamp
 *   bits 56-62  file index
 *   bits 32-55  operation id (0: the file's initial content)
 *   bits 0-31   word index in the file (offset / 8)
 *
 * A history records, per file, every operation that changes its content:
 * a write of stamps over [lo, hi), or zeros (punch, truncate), with the
 * logical interval [start, end] of the operation.  A value written by entry
 * i is one the file held at some instant of [rs, re] iff i started by re and
 * no entry covering the same byte ran entirely after i ended and before rs
 * (SPEC.md 4).  Operations in flight have end = HIST_OPEN.
 */
#ifndef LOCKSTEP_ORACLE_STAMP_H
#define LOCKSTEP_ORACLE_STAMP_H

#include <stdbool.h>
#include <stdint.h>

#define STAMP_VALID (1ull << 63)
#define HIST_OPEN   UINT32_MAX

static inline uint64_t stamp_make(unsigned file, uint32_t op, uint64_t word)
{
	return STAMP_VALID | ((uint64_t)(file & 0x7f) << 56) |
		((uint64_t)(op & 0xffffff) << 32) | (word & 0xffffffffu);
}

static inline unsigned stamp_file(uint64_t s)
{
	return (unsigned)(s >> 56) & 0x7f;
}

static inline uint32_t stamp_op(uint64_t s)
{
	return (uint32_t)(s >> 32) & 0xffffff;
}

static inline uint64_t stamp_word(uint64_t s)
{
	return s & 0xffffffffu;
}

/* stamp_fill -- the bytes [pos, pos+len) of op's data for file 'file'. */
void stamp_fill(void *buf, unsigned file, uint32_t op, uint64_t pos,
		uint64_t len);

enum hist_kind {
	HIST_WRITE,
	HIST_ZERO
};

struct hist_entry {
	uint32_t op; /* op id: the stamps' */
	uint8_t kind;
	const unsigned char *data; /* a copy: the bytes written, [lo, hi) */
	uint64_t lo, hi;	   /* bytes [lo, hi) */
	uint32_t start, end;
};

struct hist {
	unsigned file;
	uint32_t n, cap;
	struct hist_entry *e;
};

/* A finding of the data oracle: the first byte that could not be. */
struct stamp_bad {
	uint64_t offset;  /* in the file */
	uint64_t got;	  /* the word read (its 8 bytes) */
	uint64_t want;	  /* the word the file held, as best known */
	uint32_t want_op; /* entry that wrote 'want' (or 0) */
	bool want_zero;
};

void hist_init(struct hist *h, unsigned file, uint64_t initial_size);
void hist_free(struct hist *h);
/* hist_begin -- an operation starts changing [lo, hi); returns its slot. */
uint32_t hist_begin(struct hist *h, uint32_t op, enum hist_kind kind,
		    uint64_t lo, uint64_t hi, uint32_t now);
void hist_end(struct hist *h, uint32_t slot, uint32_t now);
/* hist_copy -- a write of bytes that came from elsewhere (a copy, a DMA of
 * another file's data): 'data' must live as long as the history. */
uint32_t hist_copy(struct hist *h, uint32_t op, uint64_t lo, uint64_t hi,
		   const void *data, uint32_t start, uint32_t end);
/* hist_trim -- the op changed less than announced (a short write). */
void hist_trim(struct hist *h, uint32_t slot, uint64_t hi);

/*
 * hist_check -- were the bytes buf[0..len) of the file at 'pos', read over
 * [rs, re], values the file held at some instant of that interval?
 * Returns true if so; otherwise fills *bad with the first byte that was not.
 */
bool hist_check(const struct hist *h, const void *buf, uint64_t pos,
		uint64_t len, uint32_t rs, uint32_t re, struct stamp_bad *bad);

#endif
