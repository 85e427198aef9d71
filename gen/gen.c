// SPDX-License-Identifier: MIT
/*
 * gen/gen.c -- random but valid programs for the model (docs/gen.md).
 *
 * In the spirit of syzkaller's program generator, for this model's
 * operations: a program is chosen in two passes.
 *
 *  1. Structure.  Storage (block size 1024, 2048 or 4096), 1-3 files
 *     (sizes of whole pages mostly, sometimes ending inside a page; DAX per
 *     file), 2-4 threads of 2-6 operations.  Ranges are biased towards one
 *     hot file and one hot page so that threads collide, and each
 *     operation kind has a weight.  Maps belong to the thread whose mmap
 *     made them; a pin opens a section of that thread (dma_write, load,
 *     store) that ends with its unpin, before the thread's end, so no
 *     thread holds a pin across a lock a punch or truncate could hold
 *     while waiting for that pin (the long-term-reference problem, a real
 *     deadlock, is not what a generated program is for).  A direct write
 *     to a page-cache file is generated only when no other thread dirties
 *     that file's pages (a buffered write or store racing a direct write
 *     is the kernel's own documented corruption, dio_warn_stale_pagecache).
 *     Before invalidate-lock (5.15) no read(2) or readahead fills a page
 *     cache another thread punches, truncates or clones into (Race 1,
 *     real there); no
 *     read(2) of a page cache one thread DMAs into through pins while
 *     another drops its pages (gen_pin_readers); and no write
 *     through a mapping may land past EOF in the EOF page (gen_eof_writes).
 *  2. Marks.  With the whole program known: which errors each operation
 *     may return in some schedules (may_fail) and which it returns in all
 *     (expect_error), following Linux 5.15 (KERNEL-NOTES.md, "Edge
 *     cases"); then the device size (tight: ENOSPC possible, and marked).
 *
 * Determinism: the PRNG is sim/'s xoshiro256** (struct sim_rng), seeded
 * by splitmix64 (sim/rng.h) from (seed, index) only; the text is built
 * from the structure in order.
 */
#include "gen/gen.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "scenarios/scen.h"
#include "sim/rng.h"
#include "sim/strategy.h"

#define GEN_PAGE 4096u
#define MAXF	 3
#define MAXT	 4
#define MAXOPS	 24
#define MAXMAPS	 (MAXT * MAXOPS)

/* may_fail bits */
enum {
	MF_EFAULT = 1,
	MF_ENOSPC = 2,
	MF_EINVAL = 4,
	MF_EOPNOTSUPP = 8
};

struct gop {
	enum scen_op_kind kind;
	int file, file2, map, pin, into_map;
	uint64_t off, len, size, into_off;
	bool longterm, on;
	unsigned may;	    /* MF_* */
	const char *expect; /* expect_error, or NULL */
};

struct gmap {
	int file, thread;
	uint64_t off, len;
	bool alive;
};

struct gpin {
	int map, thread, op;
	uint64_t off, len;
};

struct g {
	struct sim_rng rng; /* xoshiro256** (sim/strategy.h) */
	uint64_t seed, index;
	char kernel[32];
	char fixes_edit[256]; /* gen_options.fixes, or "" */
	bool races;	      /* gen_options.races */
	uint32_t fixes;
	unsigned bs;
	int nfiles;
	uint64_t size[MAXF];
	bool dax[MAXF], may_switch[MAXF];
	int dio_owner[MAXF];
	unsigned dirtiers[MAXF]; /* threads that dirty its page cache */
	unsigned punchers[MAXF]; /* threads that punch it */
	unsigned fillers[MAXF];	 /* threads that read(2) or readahead it */
	int nthreads;
	int nops[MAXT];
	struct gop ops[MAXT][MAXOPS];
	int nmaps, npins;
	struct gmap maps[MAXMAPS];
	struct gpin pins[MAXMAPS];
	int hot_file;
	uint64_t hot_off;
	bool tight;
	uint64_t blocks;
};

/* ---- PRNG --------------------------------------------------------------- */

/* rnd -- uniform in [0, n), 0 for n == 0 */
static uint64_t rnd(struct g *g, uint64_t n)
{
	return n ? sim_rng_next(&g->rng) % n : 0;
}

static bool chance(struct g *g, unsigned pct)
{
	return rnd(g, 100) < pct;
}

static void seed(struct g *g, uint64_t s, uint64_t index)
{
	uint64_t x = s ^ 0x6c6f636b73746570ull; /* "lockstep" */

	x = sim_splitmix64(&x) ^ index;
	for (int i = 0; i < 4; i++)
		g->rng.s[i] = sim_splitmix64(&x);
}

/* ---- Facts about the files ---------------------------------------------- */

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/* dax_possible: the file may be S_DAX at some point of some schedule;
 * dax_certain: it is S_DAX throughout (DAX needs blocks of a page). */
static bool dax_possible(const struct g *g, int f)
{
	return g->bs == GEN_PAGE && (g->dax[f] || g->may_switch[f]);
}

static bool dax_certain(const struct g *g, int f)
{
	return g->bs == GEN_PAGE && g->dax[f] && !g->may_switch[f];
}

/* may_dirty -- thread t may dirty f's page cache (no other thread writes
 * it directly); records it */
static bool may_dirty(struct g *g, int t, int f)
{
	if (!dax_certain(g, f) && g->dio_owner[f] >= 0 && g->dio_owner[f] != t)
		return false;
	g->dirtiers[f] |= 1u << t;
	return true;
}

static bool may_dio_write(struct g *g, int t, int f)
{
	if (dax_certain(g, f))
		return true;
	if ((g->dio_owner[f] >= 0 && g->dio_owner[f] != t) ||
	    (g->dirtiers[f] & ~(1u << t)))
		return false;
	g->dio_owner[f] = t;
	return true;
}

/* may_fill_or_punch -- without invalidate-lock (before 5.15) a read(2)
 * or readahead that fills f's page cache while another thread punches f
 * can cache a block the punch frees: the real stale-read of the seeds
 * (Race 1), which the generator does not produce at such a kernel unless
 * asked to hunt for it (gen_options.races: fuzz --generate); only a file
 * that is S_DAX throughout (no page cache) is exempt.  Records thread t
 * as f's filler or puncher. */
static bool may_fill_or_punch(struct g *g, int t, int f, bool punch)
{
	unsigned others = punch ? g->fillers[f] : g->punchers[f];

	if (!g->races && !(g->fixes & FIX(FIX_INVALIDATE_LOCK)) &&
	    !dax_certain(g, f) && (others & ~(1u << t)))
		return false;
	if (punch)
		g->punchers[f] |= 1u << t;
	else
		g->fillers[f] |= 1u << t;
	return true;
}

/* clone_to_read -- a clone that cannot be one becomes a read of its
 * source, or a statx of it where a read could not fill that page cache
 * (may_fill_or_punch) */
static void clone_to_read(struct g *g, int t, struct gop *op)
{
	op->kind = may_fill_or_punch(g, t, op->file, false) ? SCEN_OP_READ :
							      SCEN_OP_STATX;
}

/* pick_file -- the hot file, often */
static int pick_file(struct g *g)
{
	return chance(g, 60) ? g->hot_file : (int)rnd(g, (uint64_t)g->nfiles);
}

/* pick_range -- [off, off+len) of file f, multiples of align, len at
 * most maxlen; near the hot page often; sometimes past EOF */
static void pick_range(struct g *g, int f, uint64_t align, uint64_t maxlen,
		       uint64_t *off, uint64_t *len)
{
	uint64_t span = round_up(g->size[f] ? g->size[f] : 1, GEN_PAGE);

	if (chance(g, 10))
		span += GEN_PAGE;
	if (f == g->hot_file && chance(g, 60)) {
		uint64_t o = g->hot_off;
		uint64_t j = align * rnd(g, GEN_PAGE / align + 1);

		*off = chance(g, 50) || o < j ? o + j : o - j;
		*off -= *off % align;
		if (*off >= span)
			*off = span - align;
	} else {
		*off = align * rnd(g, span / align);
	}
	*len = align * (1 + rnd(g, maxlen / align));
}

/* ---- Structure ------------------------------------------------------------ */

static struct gop *add(struct g *g, int t, enum scen_op_kind k)
{
	struct gop *op = &g->ops[t][g->nops[t]++];

	*op = (struct gop){ .kind = k,
			    .file = -1,
			    .file2 = -1,
			    .map = -1,
			    .pin = -1,
			    .into_map = -1 };
	return op;
}

/* live_map -- a live map of thread t (of file f, or any when f < 0),
 * with at least one accessible byte; -1 if none */
static int live_map(struct g *g, int t, int f)
{
	int c[MAXMAPS], n = 0;

	for (int m = 0; m < g->nmaps; m++)
		if (g->maps[m].alive && g->maps[m].thread == t &&
		    (f < 0 || g->maps[m].file == f) &&
		    g->maps[m].off < g->size[g->maps[m].file])
			c[n++] = m;
	return n ? c[rnd(g, (uint64_t)n)] : -1;
}

/* gen_mmap -- a new map of file f (page aligned, within its pages) */
static int gen_mmap(struct g *g, int t, int f)
{
	uint64_t pages =
		round_up(g->size[f] ? g->size[f] : 1, GEN_PAGE) / GEN_PAGE;
	struct gop *op;
	struct gmap *m;

	if (g->nmaps == MAXMAPS || g->nops[t] >= MAXOPS - 2)
		return -1;
	m = &g->maps[g->nmaps];
	m->file = f;
	m->thread = t;
	m->off = GEN_PAGE * rnd(g, pages);
	m->len = GEN_PAGE * (1 + rnd(g, pages - m->off / GEN_PAGE));
	m->alive = true;
	op = add(g, t, SCEN_OP_MMAP);
	op->file = f;
	op->map = g->nmaps;
	op->off = m->off;
	op->len = m->len;
	return g->nmaps++;
}

/* acc_end -- the end (map offset) of map m's bytes below its file's EOF */
static uint64_t acc_end(const struct g *g, int m)
{
	const struct gmap *mp = &g->maps[m];
	uint64_t end = g->size[mp->file] - mp->off;

	return end < mp->len ? end : mp->len;
}

/* gen_access -- load or store on map m: 8-byte words, in the file */
static void gen_access(struct g *g, int t, int m, bool store)
{
	static const uint64_t lens[] = { 8, 64, 512, 4096, 8192 };
	uint64_t end = acc_end(g, m), len = lens[rnd(g, 5)], off;
	struct gop *op;

	if (store && !may_dirty(g, t, g->maps[m].file))
		store = false;
	off = 8 * rnd(g, end / 8);
	if (chance(g, 50) && g->maps[m].file == g->hot_file &&
	    g->hot_off >= g->maps[m].off && g->hot_off - g->maps[m].off < end)
		off = g->hot_off - g->maps[m].off;
	if (len > end - off)
		len = end - off;
	if (len < 8)
		return;
	op = add(g, t, store ? SCEN_OP_STORE : SCEN_OP_LOAD);
	op->map = m;
	op->off = off;
	op->len = len;
}

/* gen_into -- the map for an into: buffer of an operation on file f: a
 * live map of thread t of another file (made now if there is none), with
 * accessible bytes; -1 if none can be had */
static int gen_into(struct g *g, int t, int f, bool dirty)
{
	int m = -1,
	    other = (f + 1 + (int)rnd(g, (uint64_t)g->nfiles - 1)) % g->nfiles;

	if (g->nfiles < 2)
		return -1;
	for (int tries = 0; tries < 4 && m < 0; tries++) {
		m = live_map(g, t, other);
		if (m >= 0 && g->maps[m].file == f)
			m = -1;
	}
	if (m < 0)
		m = gen_mmap(g, t, other);
	if (m < 0 || acc_end(g, m) < 8 ||
	    (dirty && !may_dirty(g, t, g->maps[m].file)))
		return -1;
	return m;
}

/* set_into -- op's into: map m at an offset with room for op->len (cut
 * to fit), 512-aligned for direct I/O */
static void set_into(struct g *g, struct gop *op, int m, bool dio)
{
	uint64_t end = acc_end(g, m), align = dio ? 512 : 8;

	if (end < align)
		return;
	if (op->len > end)
		op->len = end / align * align;
	op->into_map = m;
	op->into_off = align * rnd(g, (end - op->len) / align + 1);
}

/* gen_pin -- a pin of map m and its section, ending in its unpin */
static void gen_pin(struct g *g, int t, int m)
{
	struct gmap *mp = &g->maps[m];
	uint64_t end = acc_end(g, m) / GEN_PAGE * GEN_PAGE;
	struct gop *op;
	int p, n;

	if (!end || g->nops[t] >= MAXOPS - 6 || !may_dirty(g, t, mp->file))
		return;
	p = g->npins++;
	op = add(g, t, SCEN_OP_PIN);
	op->map = m;
	op->pin = p;
	op->off = GEN_PAGE * rnd(g, end / GEN_PAGE);
	op->len = GEN_PAGE * (1 + rnd(g, 2));
	if (op->len > end - op->off)
		op->len = end - op->off;
	op->longterm = chance(g, 30);
	g->pins[p] = (struct gpin){ m, t, g->nops[t] - 1, op->off, op->len };
	/* a long-term pin of a DAX page is refused (4.15): no section */
	if (op->longterm && (g->fixes & FIX(FIX_LONGTERM_PIN_REJECT)) &&
	    dax_certain(g, mp->file)) {
		op->expect = "EOPNOTSUPP";
		return;
	}
	n = (int)rnd(g, 3);
	for (int i = 0; i < n; i++) {
		if (chance(g, 50)) {
			op = add(g, t, SCEN_OP_DMA_WRITE);
			op->pin = p;
		} else {
			gen_access(g, t, m, chance(g, 50));
		}
	}
	op = add(g, t, SCEN_OP_UNPIN);
	op->pin = p;
}

/* weights of the operations a thread starts outside a pin section */
static const struct {
	enum scen_op_kind k;
	unsigned w;
} weights[] = {
	{ SCEN_OP_READ, 10 },	   { SCEN_OP_WRITE, 9 },
	{ SCEN_OP_DIO_READ, 6 },   { SCEN_OP_DIO_WRITE, 6 },
	{ SCEN_OP_PUNCH_HOLE, 9 }, { SCEN_OP_TRUNCATE, 5 },
	{ SCEN_OP_READAHEAD, 5 },  { SCEN_OP_MMAP, 3 },
	{ SCEN_OP_LOAD, 8 },	   { SCEN_OP_STORE, 7 },
	{ SCEN_OP_MUNMAP, 2 },	   { SCEN_OP_PIN, 6 },
	{ SCEN_OP_SET_DAX, 2 },	   { SCEN_OP_STATX, 2 },
	{ SCEN_OP_EVICT, 3 },	   { SCEN_OP_FSYNC, 4 },
	{ SCEN_OP_CLONE, 3 },
};

static enum scen_op_kind pick_kind(struct g *g)
{
	unsigned total = 0, r;

	for (size_t i = 0; i < sizeof(weights) / sizeof(weights[0]); i++)
		total += weights[i].w;
	r = (unsigned)rnd(g, total);
	for (size_t i = 0;; i++) {
		if (r < weights[i].w)
			return weights[i].k;
		r -= weights[i].w;
	}
}

/* gen_clone -- src and dst of a clone: two files neither of which can
 * be S_DAX (XFS before 5.19 refuses reflink on DAX files: EINVAL, which
 * this model does not return), block-aligned within src's size */
static void gen_clone(struct g *g, int t)
{
	int src = pick_file(g), dst = (int)rnd(g, (uint64_t)g->nfiles);
	uint64_t blocks;
	struct gop *op;

	if (src == dst)
		dst = (dst + 1) % g->nfiles;
	if (src == dst || dax_possible(g, src) || dax_possible(g, dst))
		return;
	blocks = g->size[src] / g->bs;
	/* the destination's pages are dropped as a punch drops them: the
	 * same race with a read filling them before invalidate-lock */
	if (!blocks || !may_fill_or_punch(g, t, dst, true))
		return;
	op = add(g, t, SCEN_OP_CLONE);
	op->file = src;
	op->file2 = dst;
	op->off = g->bs * rnd(g, blocks);
	op->len = g->bs *
		(1 +
		 rnd(g,
		     (8192 / g->bs < blocks - op->off / g->bs ?
			      8192 / g->bs :
			      blocks - op->off / g->bs)));
}

static void gen_one(struct g *g, int t, enum scen_op_kind k)
{
	int f = pick_file(g), m;
	struct gop *op;
	uint64_t align;

	switch (k) {
	case SCEN_OP_READ:
	case SCEN_OP_WRITE:
	case SCEN_OP_READAHEAD:
	case SCEN_OP_PUNCH_HOLE:
		if (k == SCEN_OP_WRITE && !may_dirty(g, t, f))
			k = SCEN_OP_READ;
		if (k != SCEN_OP_WRITE &&
		    !may_fill_or_punch(g, t, f, k == SCEN_OP_PUNCH_HOLE))
			break;
		m = k == SCEN_OP_READ && chance(g, 30) ?
			gen_into(g, t, f, true) :
			-1;
		op = add(g, t, k);
		op->file = f;
		align = chance(g, 70) ? g->bs : 512;
		pick_range(g, f, align, 8192, &op->off, &op->len);
		if (m >= 0)
			set_into(g, op, m, false);
		break;
	case SCEN_OP_DIO_READ:
	case SCEN_OP_DIO_WRITE:
		if (k == SCEN_OP_DIO_WRITE && !may_dio_write(g, t, f))
			k = SCEN_OP_DIO_READ;
		m = chance(g, 30) ? gen_into(g, t, f, k == SCEN_OP_DIO_READ) :
				    -1;
		op = add(g, t, k);
		op->file = f;
		/* Linux: the device's logical block size (512 on pmem) */
		align = chance(g, 75) ? g->bs : 512;
		pick_range(g, f, align, 8192, &op->off, &op->len);
		if (m >= 0)
			set_into(g, op, m, true);
		break;
	case SCEN_OP_TRUNCATE: {
		uint64_t top = round_up(g->size[f] ? g->size[f] : 1, GEN_PAGE);

		/* a shrinking truncate drops pages as a punch does */
		if (!may_fill_or_punch(g, t, f, true))
			break;
		op = add(g, t, k);
		op->file = f;
		op->size = chance(g, 30) ? 0 :
			chance(g, 20)	 ? top + GEN_PAGE :
					   g->bs * rnd(g, top / g->bs);
		break;
	}
	case SCEN_OP_MMAP:
		gen_mmap(g, t, f);
		break;
	case SCEN_OP_LOAD:
	case SCEN_OP_STORE:
	case SCEN_OP_PIN:
		m = live_map(g, t, chance(g, 70) ? f : -1);
		if (m < 0)
			m = gen_mmap(g, t, f);
		if (m < 0)
			break;
		if (k == SCEN_OP_PIN)
			gen_pin(g, t, m);
		else
			gen_access(g, t, m, k == SCEN_OP_STORE);
		break;
	case SCEN_OP_MUNMAP:
		m = live_map(g, t, -1);
		if (m < 0)
			break;
		op = add(g, t, k);
		op->map = m;
		g->maps[m].alive = false;
		break;
	case SCEN_OP_SET_DAX:
		if (!g->may_switch[f])
			break;
		op = add(g, t, k);
		op->file = f;
		op->on = !g->dax[f] || chance(g, 30);
		break;
	case SCEN_OP_STATX:
	case SCEN_OP_EVICT:
	case SCEN_OP_FSYNC:
		op = add(g, t, k);
		op->file = f;
		break;
	case SCEN_OP_CLONE:
		gen_clone(g, t);
		break;
	default:
		break;
	}
}

static void gen_structure(struct g *g)
{
	static const unsigned bss[] = { 1024, 2048, 4096, 4096 };

	g->bs = bss[rnd(g, 4)];
	g->nfiles = 1 + (int)rnd(g, 3);
	for (int f = 0; f < g->nfiles; f++) {
		uint64_t pages = 1 + rnd(g, 4);

		g->size[f] = pages * GEN_PAGE;
		if (g->bs < GEN_PAGE && chance(g, 25))
			g->size[f] -=
				g->bs * (1 + rnd(g, GEN_PAGE / g->bs - 1));
		g->dax[f] = chance(g, 50);
		g->may_switch[f] = chance(g, 15);
		g->dio_owner[f] = -1;
	}
	g->hot_file = (int)rnd(g, (uint64_t)g->nfiles);
	g->hot_off = GEN_PAGE *
		rnd(g, round_up(g->size[g->hot_file], GEN_PAGE) / GEN_PAGE);
	g->nthreads = 2 + (int)rnd(g, 3);
	for (int t = 0; t < g->nthreads; t++) {
		int want = 2 + (int)rnd(g, 5);

		/* the first thread often punches or truncates the hot file:
		 * the collision the bundled races are made of */
		if (t == 0 && chance(g, 50)) {
			gen_one(g, t,
				chance(g, 70) ? SCEN_OP_PUNCH_HOLE :
						SCEN_OP_TRUNCATE);
		}
		for (int guard = 0; g->nops[t] < want && guard < 64; guard++)
			if (g->nops[t] < MAXOPS - 8)
				gen_one(g, t, pick_kind(g));
		for (int m = 0; m < g->nmaps; m++)
			if (g->maps[m].alive && g->maps[m].thread == t &&
			    g->nops[t] < MAXOPS && chance(g, 50)) {
				struct gop *op = add(g, t, SCEN_OP_MUNMAP);

				op->map = m;
				g->maps[m].alive = false;
			}
		if (!g->nops[t])
			add(g, t, SCEN_OP_STATX)->file = g->hot_file;
	}
}

/*
 * gen_page_sizes -- a file that some thread maps and some thread truncates
 * only gets sizes that are multiples of the page size: each truncate sets
 * one, and each write, direct write or clone into it ends on one.  Else a
 * store can land past EOF inside the last page (the size shrunk, then grew
 * again to the middle of a page): such a store does not fault and its
 * bytes are not the file's (mmap(2): "not written out to the file"), yet a
 * truncate or write that grows the file exposes them or not depending on
 * writeback (ext4 zeroes the page past i_size when it writes it back,
 * mpage_submit_page; growing the size dirties the page's buffers,
 * pagecache_isize_extended).  The schedule would choose the file's
 * content, so a generated program does not go there.
 */
static void gen_page_sizes(struct g *g)
{
	bool mapped[MAXF] = { false }, truncated[MAXF] = { false };

	for (int m = 0; m < g->nmaps; m++)
		mapped[g->maps[m].file] = true;
	for (int t = 0; t < g->nthreads; t++)
		for (int i = 0; i < g->nops[t]; i++)
			if (g->ops[t][i].kind == SCEN_OP_TRUNCATE)
				truncated[g->ops[t][i].file] = true;
	for (int t = 0; t < g->nthreads; t++)
		for (int i = 0; i < g->nops[t]; i++) {
			struct gop *op = &g->ops[t][i];
			int f = op->kind == SCEN_OP_CLONE ? op->file2 :
							    op->file;
			uint64_t end = op->off + op->len;

			if (f < 0 || !mapped[f] || !truncated[f])
				continue;
			switch (op->kind) {
			case SCEN_OP_TRUNCATE:
				op->size &= ~(uint64_t)(GEN_PAGE - 1);
				break;
			case SCEN_OP_WRITE:
			case SCEN_OP_DIO_WRITE:
				/* a longer buffer than the into: map has: the
				 * op's own data instead */
				if (end & (GEN_PAGE - 1))
					op->into_map = -1;
				op->len = round_up(end, GEN_PAGE) - op->off;
				break;
			case SCEN_OP_CLONE:
				/* within the source, else a read of it */
				if (round_up(end, GEN_PAGE) <=
				    g->size[op->file])
					op->len = round_up(end, GEN_PAGE) -
						op->off;
				else if ((end & ~(uint64_t)(GEN_PAGE - 1)) >
					 op->off)
					op->len = (end &
						   ~(uint64_t)(GEN_PAGE - 1)) -
						op->off;
				else if (end & (GEN_PAGE - 1))
					clone_to_read(g, t, op);
				break;
			default:
				break;
			}
		}
}

/*
 * gen_clone_pins -- with blocks smaller than a page, a clone that does not
 * cover whole pages of its destination is not generated when another
 * thread pins pages of that destination (pin, dio_read into:): the
 * destination's pages are dropped whole (XFS xfs_flush_unmap_range rounds
 * to the page), and a device writing into a pinned page that was dropped
 * writes a page that is no longer the file's, bytes outside the clone's
 * range included: the data is lost, a real kernel behaviour (DMA into
 * truncated page cache pages), not a fidelity question.  It becomes a
 * read of the source.
 */
static void gen_clone_pins(struct g *g)
{
	if (g->bs >= GEN_PAGE)
		return;
	for (int t = 0; t < g->nthreads; t++)
		for (int i = 0; i < g->nops[t]; i++) {
			struct gop *op = &g->ops[t][i];
			bool pinned = false;

			if (op->kind != SCEN_OP_CLONE ||
			    !((op->off | op->len) & (GEN_PAGE - 1)))
				continue;
			for (int u = 0; u < g->nthreads; u++)
				for (int j = 0; u != t && j < g->nops[u]; j++) {
					const struct gop *o = &g->ops[u][j];
					int m = o->kind == SCEN_OP_PIN ?
						o->map :
						o->kind == SCEN_OP_DIO_READ ?
						o->into_map :
						-1;

					if (m >= 0 &&
					    g->maps[m].file == op->file2)
						pinned = true;
				}
			if (pinned)
				clone_to_read(g, t, op);
		}
}

/* cuts -- op drops pages of f from the page cache (truncate, punch, the
 * destination of a clone) */
static bool cuts(const struct gop *op, int f)
{
	return ((op->kind == SCEN_OP_TRUNCATE ||
		 op->kind == SCEN_OP_PUNCH_HOLE) &&
		op->file == f) ||
		(op->kind == SCEN_OP_CLONE && op->file2 == f);
}

/* map_file -- the file of map m, or -1 (no map) */
static int map_file(const struct g *g, int m)
{
	return m >= 0 ? g->maps[m].file : -1;
}

/* dmas -- op may have a device write through pinned pages of f (a pin,
 * whose section has the dma_write; a dio_read into a map of f) */
static bool dmas(const struct g *g, const struct gop *op, int f)
{
	int m = op->kind == SCEN_OP_PIN	     ? op->map :
		op->kind == SCEN_OP_DIO_READ ? op->into_map :
					       -1;

	return map_file(g, m) == f;
}

/*
 * gen_pin_readers -- no read(2) of a page-cache file by a thread while
 * one other thread may write into pinned pages of it by DMA and a third
 * may drop those pages (truncate, punch, clone).  The read holds its page
 * across the copy (filemap_read's batch of page references); once
 * truncate has dropped the page, a DMA through an older pin still writes
 * it, and the read returns bytes the file never held: the DMA's data is
 * lost to the file (the pin-vs-truncate problem of get_user_pages), real
 * in Linux, and not what a generated program is for.  It becomes a statx.
 */
static void gen_pin_readers(struct g *g)
{
	for (int t = 0; t < g->nthreads; t++)
		for (int i = 0; i < g->nops[t]; i++) {
			struct gop *op = &g->ops[t][i];
			unsigned dma = 0, cut = 0;

			if (op->kind != SCEN_OP_READ ||
			    dax_certain(g, op->file))
				continue;
			for (int u = 0; u < g->nthreads; u++)
				for (int j = 0; u != t && j < g->nops[u]; j++) {
					if (dmas(g, &g->ops[u][j], op->file))
						dma |= 1u << u;
					if (cuts(&g->ops[u][j], op->file))
						cut |= 1u << u;
				}
			/* two different threads: one DMAs, another cuts */
			if (dma && cut && __builtin_popcount(dma | cut) >= 2) {
				op->kind = SCEN_OP_STATX;
				op->into_map = -1;
			}
		}
}

/*
 * gen_pin_punches -- with blocks smaller than a page, no device write
 * through pinned pages of a page-cache file (a dma_write; a dio_read
 * into: a map of it) while another thread may punch a hole in that file.
 * A punch of part of a page keeps the page and frees the blocks under
 * the rest (truncate_inode_partial_page); a DMA through an older pin
 * then writes bytes whose block is a hole, the unpin dirties the page
 * (set_page_dirty_lock, bio_release_pages) without page_mkwrite, and
 * writeback drops them (ext4_bio_write_page skips an unmapped buffer):
 * the DMA's data is lost, the pin-vs-punch problem of get_user_pages,
 * real in Linux.  The dma_write becomes a statx, the into: is dropped.
 */
static void gen_pin_punches(struct g *g)
{
	if (g->bs == GEN_PAGE)
		return;
	for (int t = 0; t < g->nthreads; t++)
		for (int i = 0; i < g->nops[t]; i++) {
			struct gop *op = &g->ops[t][i];
			int f;

			if (op->kind == SCEN_OP_DMA_WRITE)
				f = g->maps[g->pins[op->pin].map].file;
			else if (op->kind == SCEN_OP_DIO_READ &&
				 op->into_map >= 0)
				f = g->maps[op->into_map].file;
			else
				continue;
			for (int u = 0; u < g->nthreads; u++)
				for (int j = 0; u != t && j < g->nops[u]; j++) {
					const struct gop *o = &g->ops[u][j];

					if (o->kind != SCEN_OP_PUNCH_HOLE ||
					    o->file != f)
						continue;
					if (op->kind == SCEN_OP_DMA_WRITE) {
						op->kind = SCEN_OP_STATX;
						op->file = f;
						op->pin = -1;
					} else {
						op->into_map = -1;
					}
					goto next;
				}
		next:;
		}
}

/* write_faults -- op may take a write fault on a page of f: a store, a
 * pin (get_user_pages for the DMA), the copy of a read or dio_read into:
 * a map of f */
static bool write_faults(const struct g *g, const struct gop *op, int f)
{
	switch (op->kind) {
	case SCEN_OP_STORE:
	case SCEN_OP_PIN:
		return map_file(g, op->map) == f;
	case SCEN_OP_READ:
	case SCEN_OP_DIO_READ:
		return map_file(g, op->into_map) == f;
	default:
		return false;
	}
}

/* loads -- op reads a page of f through a map: a load, the copy of a
 * dio_write into: from a map of f */
static bool loads(const struct g *g, const struct gop *op, int f)
{
	return (op->kind == SCEN_OP_LOAD && map_file(g, op->map) == f) ||
		(op->kind == SCEN_OP_DIO_WRITE &&
		 map_file(g, op->into_map) == f);
}

/*
 * gen_dax_zero_writes -- no write(2) or direct write to a file that may be
 * S_DAX and may have holes (a thread punches or truncates it) while
 * another thread may take a write fault on it and a thread other than
 * that one may load from it.  A load of a hole maps the zero page; the
 * write fault allocates the block under the entry lock and unmaps the
 * zero page only later (dax_iomap_pte_fault, dax_insert_entry); a write
 * in between finds the block mapped but not new, so it neither
 * invalidates nor waits (dax_iomap_iter), and a load after it still
 * reads zeros.  Real in Linux (fidelity/dax-write-vs-write-fault-zero-page,
 * found by a soak: fuzz --generate --seed 41, program 3652), and not what
 * a generated program is for.  The write becomes a statx.
 */
static void gen_dax_zero_writes(struct g *g)
{
	for (int t = 0; t < g->nthreads; t++)
		for (int i = 0; i < g->nops[t]; i++) {
			struct gop *op = &g->ops[t][i];
			unsigned faulters = 0, loaders = 0, cutters = 0;
			int f = op->file;

			if ((op->kind != SCEN_OP_WRITE &&
			     op->kind != SCEN_OP_DIO_WRITE) ||
			    !dax_possible(g, f))
				continue;
			for (int u = 0; u < g->nthreads; u++)
				for (int j = 0; j < g->nops[u]; j++) {
					const struct gop *o = &g->ops[u][j];

					if (cuts(o, f))
						cutters |= 1u << u;
					if (u != t && write_faults(g, o, f))
						faulters |= 1u << u;
					if (loads(g, o, f))
						loaders |= 1u << u;
				}
			/* a faulting thread, and a loader other than it */
			if (!cutters || !faulters)
				continue;
			for (unsigned m = faulters; m; m &= m - 1)
				if (loaders & ~(1u << __builtin_ctz(m))) {
					op->kind = SCEN_OP_STATX;
					op->into_map = -1;
					break;
				}
		}
}

/* ---- Marks ---------------------------------------------------------------- */

/* shrink_at -- the smallest size a truncate of f can have set when op i
 * of thread t runs: any other thread's, or an earlier one of t's own */
static uint64_t shrink_at(const struct g *g, int t, int i, int f)
{
	uint64_t min = UINT64_MAX;

	for (int u = 0; u < g->nthreads; u++)
		for (int j = 0; j < (u == t ? i : g->nops[u]); j++) {
			const struct gop *op = &g->ops[u][j];

			if (op->kind == SCEN_OP_TRUNCATE && op->file == f &&
			    op->size < min)
				min = op->size;
		}
	return min;
}

/* past_eof -- may bytes [lo, hi) of f, written through a mapping by op i
 * of thread t, lie past EOF inside the page that holds EOF?  So they may
 * when a truncate (another thread's, or an earlier one of t's) can set a
 * size that is not a multiple of the page size below hi. */
static bool past_eof(const struct g *g, int t, int i, int f, uint64_t lo,
		     uint64_t hi)
{
	for (int u = 0; u < g->nthreads; u++)
		for (int j = 0; j < (u == t ? i : g->nops[u]); j++) {
			const struct gop *op = &g->ops[u][j];
			uint64_t x = op->size;

			if (op->kind == SCEN_OP_TRUNCATE && op->file == f &&
			    x % GEN_PAGE && lo < round_up(x, GEN_PAGE) &&
			    x < hi)
				return true;
		}
	return false;
}

/*
 * gen_eof_writes -- no write through a mapping to bytes that may be past
 * EOF in the page holding EOF.  Linux lets such a store (or DMA, or copy
 * to the user) land in the page, but the bytes are not the file's: they
 * are dropped at writeback (block_write_full_page, ext4_bio_write_page)
 * and, in 5.8 to 5.15, show again if the file grows before that
 * (truncate up only extends i_size; iomap_zero_range skips holes).  What
 * a read returns then depends on writeback, not on the program, so the
 * generator keeps away from it: a store becomes a load, a DMA a statx, an
 * into: buffer is dropped.
 */
static void gen_eof_writes(struct g *g)
{
	for (int t = 0; t < g->nthreads; t++)
		for (int i = 0; i < g->nops[t]; i++) {
			struct gop *op = &g->ops[t][i];
			const struct gmap *m;
			uint64_t lo;

			switch (op->kind) {
			case SCEN_OP_STORE:
				m = &g->maps[op->map];
				lo = m->off + op->off;
				if (past_eof(g, t, i, m->file, lo,
					     lo + op->len))
					op->kind = SCEN_OP_LOAD;
				break;
			case SCEN_OP_DMA_WRITE: {
				const struct gpin *p = &g->pins[op->pin];

				m = &g->maps[p->map];
				lo = m->off + p->off;
				if (past_eof(g, t, i, m->file, lo,
					     lo + p->len)) {
					op->kind = SCEN_OP_STATX;
					op->file = m->file;
					op->pin = -1;
				}
				break;
			}
			case SCEN_OP_READ:
			case SCEN_OP_DIO_READ:
				if (op->into_map < 0)
					break;
				m = &g->maps[op->into_map];
				lo = m->off + op->into_off;
				if (past_eof(g, t, i, m->file, lo,
					     lo + op->len))
					op->into_map = -1;
				break;
			default:
				break;
			}
		}
}

/* gen_device -- the device's size: room for every file at its largest,
 * or (tight) barely the files as they start */
static void gen_device(struct g *g)
{
	uint64_t ext[MAXF], need = 0, total = 0;

	for (int f = 0; f < g->nfiles; f++)
		ext[f] = round_up(g->size[f], GEN_PAGE);
	for (int t = 0; t < g->nthreads; t++)
		for (int i = 0; i < g->nops[t]; i++) {
			struct gop *op = &g->ops[t][i];
			uint64_t end = op->off + op->len;

			switch (op->kind) {
			case SCEN_OP_TRUNCATE:
				end = op->size;
				break;
			case SCEN_OP_WRITE:
			case SCEN_OP_DIO_WRITE:
				break;
			case SCEN_OP_CLONE:
				if (end > ext[op->file2])
					ext[op->file2] =
						round_up(end, GEN_PAGE);
				continue;
			default:
				continue;
			}
			if (end > ext[op->file])
				ext[op->file] = round_up(end, GEN_PAGE);
		}
	for (int f = 0; f < g->nfiles; f++) {
		need += round_up(g->size[f], g->bs) / g->bs;
		total += ext[f] / g->bs;
	}
	g->tight = chance(g, 20);
	g->blocks = g->tight ? need + rnd(g, 3) : 2 * total + 16;
	if (!g->blocks)
		g->blocks = 1;
}

/* gen_marks -- each operation's may_fail and expect_error, from the whole
 * program (again after an edit: gen_prog_drop_op and the others) */
static void gen_marks(struct g *g)
{
	for (int t = 0; t < g->nthreads; t++)
		for (int i = 0; i < g->nops[t]; i++) {
			struct gop *op = &g->ops[t][i];

			op->may = 0;
			if (op->kind == SCEN_OP_PIN) {
				g->pins[op->pin].thread = t;
				g->pins[op->pin].op = i;
			}
			if (op->kind == SCEN_OP_MMAP)
				g->maps[op->map].thread = t;
		}
	for (int t = 0; t < g->nthreads; t++)
		for (int i = 0; i < g->nops[t]; i++) {
			struct gop *op = &g->ops[t][i];
			const struct gmap *m =
				op->map >= 0 ? &g->maps[op->map] : NULL;
			unsigned alloc = g->tight ? MF_ENOSPC : 0;

			/* an access past a size a truncate may set: SIGBUS */
			if (m && op->kind != SCEN_OP_MMAP &&
			    op->kind != SCEN_OP_MUNMAP &&
			    m->off + op->off + op->len >
				    shrink_at(g, t, i, m->file))
				op->may |= MF_EFAULT;
			if (op->into_map >= 0) {
				const struct gmap *im = &g->maps[op->into_map];

				if (im->off + op->into_off + op->len >
				    shrink_at(g, t, i, im->file))
					op->may |= MF_EFAULT;
				/* a fault that cannot allocate: SIGBUS */
				if (g->tight)
					op->may |= MF_EFAULT | MF_ENOSPC;
			}
			switch (op->kind) {
			case SCEN_OP_WRITE:
			case SCEN_OP_DIO_WRITE:
			case SCEN_OP_FSYNC:
				op->may |= alloc;
				break;
			case SCEN_OP_STORE:
				if (g->tight)
					op->may |= MF_EFAULT | MF_ENOSPC;
				break;
			case SCEN_OP_PIN:
				if (g->tight)
					op->may |= MF_EFAULT | MF_ENOSPC;
				if (op->longterm && !op->expect &&
				    (g->fixes & FIX(FIX_LONGTERM_PIN_REJECT)) &&
				    dax_possible(g, m->file))
					op->may |= MF_EOPNOTSUPP;
				if (op->expect)
					op->may = 0;
				break;
			case SCEN_OP_DMA_WRITE:
			case SCEN_OP_UNPIN: {
				const struct gpin *p = &g->pins[op->pin];

				/* the model: a pin that failed is EFAULT */
				if (g->ops[p->thread][p->op].may)
					op->may |= MF_EFAULT;
				break;
			}
			case SCEN_OP_CLONE:
				op->may |= alloc;
				if (op->off + op->len >
				    shrink_at(g, t, i, op->file))
					op->may |= MF_EINVAL;
				break;
			case SCEN_OP_SET_DAX:
				/* before 5.8 XFS refused DAX on small blocks;
				 * clearing it was allowed */
				op->expect = NULL;
				if (!(g->fixes &
				      FIX(FIX_DAX_SWITCH_ON_EVICT)) &&
				    g->bs != GEN_PAGE && op->on)
					op->expect = "EINVAL";
				break;
			default:
				break;
			}
		}
}

/* ---- Text ------------------------------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		char *np = realloc(b->p, b->cap * 2 + (size_t)n);

		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

static const char *fname(int f)
{
	static const char *const n[MAXF] = { "a", "b", "c" };

	return n[f];
}

static void put_op(struct buf *b, const struct gop *op)
{
	const char *k = scen_ops[op->kind].name;

	put(b, "      - %s: {", k);
	switch (op->kind) {
	case SCEN_OP_READ:
	case SCEN_OP_WRITE:
	case SCEN_OP_DIO_READ:
	case SCEN_OP_DIO_WRITE:
	case SCEN_OP_PUNCH_HOLE:
	case SCEN_OP_READAHEAD:
		put(b, "file: %s, offset: %llu, len: %llu", fname(op->file),
		    (unsigned long long)op->off, (unsigned long long)op->len);
		if (op->into_map >= 0)
			put(b, ", into: {map: m%d, offset: %llu}", op->into_map,
			    (unsigned long long)op->into_off);
		break;
	case SCEN_OP_TRUNCATE:
		put(b, "file: %s, size: %llu", fname(op->file),
		    (unsigned long long)op->size);
		break;
	case SCEN_OP_MMAP:
		put(b, "file: %s, as: m%d, offset: %llu, len: %llu",
		    fname(op->file), op->map, (unsigned long long)op->off,
		    (unsigned long long)op->len);
		break;
	case SCEN_OP_LOAD:
	case SCEN_OP_STORE:
		put(b, "map: m%d, offset: %llu, len: %llu", op->map,
		    (unsigned long long)op->off, (unsigned long long)op->len);
		break;
	case SCEN_OP_MUNMAP:
		put(b, "map: m%d", op->map);
		break;
	case SCEN_OP_PIN:
		put(b, "map: m%d, offset: %llu, len: %llu, as: p%d%s", op->map,
		    (unsigned long long)op->off, (unsigned long long)op->len,
		    op->pin, op->longterm ? ", longterm: true" : "");
		break;
	case SCEN_OP_DMA_WRITE:
	case SCEN_OP_UNPIN:
		put(b, "pin: p%d", op->pin);
		break;
	case SCEN_OP_SET_DAX:
		put(b, "file: %s, on: %s", fname(op->file),
		    op->on ? "true" : "false");
		break;
	case SCEN_OP_CLONE:
		put(b, "src: %s, dst: %s, offset: %llu, len: %llu",
		    fname(op->file), fname(op->file2),
		    (unsigned long long)op->off, (unsigned long long)op->len);
		break;
	default:
		put(b, "file: %s", fname(op->file));
		break;
	}
	if (op->expect)
		put(b, ", expect_error: %s", op->expect);
	if (op->may) {
		static const char *const names[] = { "EFAULT", "ENOSPC",
						     "EINVAL", "EOPNOTSUPP" };
		const char *sep = "";

		put(b, ", may_fail: [");
		for (int i = 0; i < 4; i++)
			if (op->may & (1u << i)) {
				put(b, "%s%s", sep, names[i]);
				sep = ", ";
			}
		put(b, "]");
	}
	put(b, "}\n");
}

/* ---- Programs ------------------------------------------------------------- */

struct gen_prog {
	struct g g;
};

/* parse_fixes -- internal: a fixes edit ("a,-b") applied to *fixes */
static int parse_fixes(const char *list, uint32_t *fixes, char *err,
		       size_t errlen)
{
	char buf[256], *save = NULL;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "fixes list too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save)) {
		bool off = *t == '-';
		int k = core_fix_lookup(off || *t == '+' ? t + 1 : t);

		if (k < 0) {
			snprintf(err, errlen,
				 "unknown fix '%s' (lockstep list "
				 "prints the fixes)",
				 t);
			return -1;
		}
		if (off)
			*fixes &= ~FIX(k);
		else
			*fixes |= FIX(k);
	}
	return 0;
}

struct gen_prog *gen_prog_new(const struct gen_options *o, char *err,
			      size_t errlen)
{
	struct gen_prog *p = calloc(1, sizeof(*p));
	struct g *g;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g = &p->g;
	if (core_kernel_fixes(o->kernel, &g->fixes) < 0) {
		snprintf(err, errlen,
			 "unknown kernel '%s' (lockstep list "
			 "prints the presets)",
			 o->kernel);
		free(p);
		return NULL;
	}
	if (o->fixes && *o->fixes &&
	    parse_fixes(o->fixes, &g->fixes, err, errlen) < 0) {
		free(p);
		return NULL;
	}
	g->seed = o->seed;
	g->index = o->index;
	g->races = o->races;
	snprintf(g->kernel, sizeof(g->kernel), "%s", o->kernel);
	snprintf(g->fixes_edit, sizeof(g->fixes_edit), "%s",
		 o->fixes ? o->fixes : "");
	seed(g, o->seed, o->index);
	gen_structure(g);
	gen_page_sizes(g);
	gen_eof_writes(g);
	gen_clone_pins(g);
	gen_pin_readers(g);
	gen_pin_punches(g);
	gen_dax_zero_writes(g);
	gen_device(g);
	gen_marks(g);
	return p;
}

struct gen_prog *gen_prog_dup(const struct gen_prog *p)
{
	struct gen_prog *q = malloc(sizeof(*q));

	if (q)
		*q = *p;
	return q;
}

void gen_prog_free(struct gen_prog *p)
{
	free(p);
}

int gen_prog_threads(const struct gen_prog *p)
{
	return p->g.nthreads;
}

int gen_prog_ops(const struct gen_prog *p, int t)
{
	return t >= 0 && t < p->g.nthreads ? p->g.nops[t] : 0;
}

int gen_prog_size(const struct gen_prog *p)
{
	int n = 0;

	for (int t = 0; t < p->g.nthreads; t++)
		n += p->g.nops[t];
	return n;
}

bool gen_prog_drop_thread(struct gen_prog *p, int t)
{
	struct g *g = &p->g;

	if (g->nthreads < 2 || t < 0 || t >= g->nthreads)
		return false;
	/* Its maps and pins are its own: no other thread names them. */
	for (int u = t; u + 1 < g->nthreads; u++) {
		g->nops[u] = g->nops[u + 1];
		memcpy(g->ops[u], g->ops[u + 1], sizeof(g->ops[u]));
	}
	g->nthreads--;
	gen_marks(g);
	return true;
}

/* uses -- internal: op names map m (as its map or its into: buffer) */
static bool uses(const struct gop *op, int m)
{
	return op->map == m || op->into_map == m;
}

bool gen_prog_drop_op(struct gen_prog *p, int t, int i)
{
	struct g *g = &p->g;
	bool drop[MAXOPS] = { false };
	struct gop *op;
	int n = 0, map = -1, pin = -1;

	if (t < 0 || t >= g->nthreads || i < 0 || i >= g->nops[t])
		return false;
	op = &g->ops[t][i];
	/* What goes with it, so that the program stays well-formed: a map's
	 * uses and its pins' sections; a pin's section (an unpin takes its
	 * pin with it). */
	if (op->kind == SCEN_OP_MMAP)
		map = op->map;
	if (op->kind == SCEN_OP_PIN || op->kind == SCEN_OP_UNPIN)
		pin = op->pin;
	drop[i] = true;
	for (int j = 0; j < g->nops[t]; j++) {
		const struct gop *o = &g->ops[t][j];

		if (map >= 0 && uses(o, map))
			drop[j] = true;
		if (o->pin >= 0 &&
		    (o->pin == pin || (map >= 0 && g->pins[o->pin].map == map)))
			drop[j] = true;
	}
	for (int j = 0; j < g->nops[t]; j++)
		n += !drop[j];
	if (!n)
		return false;
	n = 0;
	for (int j = 0; j < g->nops[t]; j++)
		if (!drop[j])
			g->ops[t][n++] = g->ops[t][j];
	g->nops[t] = n;
	gen_marks(g);
	return true;
}

/* unit -- internal: the granule of op's offset and length */
static uint64_t unit(const struct g *g, const struct gop *op)
{
	switch (op->kind) {
	case SCEN_OP_LOAD:
	case SCEN_OP_STORE:
		return 8;
	case SCEN_OP_PIN:
		return GEN_PAGE;
	case SCEN_OP_CLONE:
	case SCEN_OP_TRUNCATE:
		return g->bs;
	case SCEN_OP_READ:
	case SCEN_OP_WRITE:
	case SCEN_OP_DIO_READ:
	case SCEN_OP_DIO_WRITE:
	case SCEN_OP_PUNCH_HOLE:
	case SCEN_OP_READAHEAD:
		return 512;
	default:
		return 0;
	}
}

bool gen_prog_shrink(struct gen_prog *p, int t, int i, enum gen_shrink how)
{
	struct g *g = &p->g;
	struct gop *op;
	uint64_t u, *v, nv;

	if (t < 0 || t >= g->nthreads || i < 0 || i >= g->nops[t])
		return false;
	op = &g->ops[t][i];
	u = unit(g, op);
	if (!u)
		return false;
	if (op->kind == SCEN_OP_TRUNCATE)
		v = how == GEN_SHRINK_LEN ? &op->size : NULL;
	else
		v = how == GEN_SHRINK_LEN ? &op->len : &op->off;
	if (!v)
		return false;
	nv = *v / 2 / u * u;
	if (how == GEN_SHRINK_LEN && op->kind != SCEN_OP_TRUNCATE && nv < u)
		return false;
	if (nv >= *v)
		return false;
	*v = nv;
	gen_marks(g);
	return true;
}

/* put_list -- internal: a fixes edit as a YAML flow list */
static void put_list(struct buf *b, const char *list)
{
	char buf[256], *save = NULL;
	const char *sep = "";

	snprintf(buf, sizeof(buf), "%s", list);
	put(b, "[");
	for (char *t = strtok_r(buf, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save)) {
		put(b, "%s%s", sep, *t == '+' ? t + 1 : t);
		sep = ", ";
	}
	put(b, "]");
}

char *gen_prog_text(const struct gen_prog *p, const struct gen_text *tx)
{
	const struct g *g = &p->g;
	struct buf b = { 0 };
	char name[SCEN_NAME_MAX];

	snprintf(name, sizeof(name), "gen-%llu-%llu",
		 (unsigned long long)g->seed, (unsigned long long)g->index);
	b.cap = 4096;
	b.p = malloc(b.cap);
	if (!b.p)
		return NULL;
	b.p[0] = 0;
	put(&b, "lockstep: 1\nname: %s\n", tx && tx->name ? tx->name : name);
	if (tx && tx->description)
		put(&b, "description: |\n%s", tx->description);
	else
		put(&b,
		    "description: |\n"
		    "  Generated by lockstep gen (seed %llu, index %llu, kernel %s):\n"
		    "  %d threads on %d file%s, %u-byte blocks%s.  On a model that\n"
		    "  agrees with Linux it runs clean; errors that depend on the\n"
		    "  schedule are marked may_fail.\n",
		    (unsigned long long)g->seed, (unsigned long long)g->index,
		    g->kernel, g->nthreads, g->nfiles, g->nfiles > 1 ? "s" : "",
		    g->bs, g->tight ? ", a nearly full device" : "");
	put(&b, "kernel: %s\n", g->kernel);
	if (g->fixes_edit[0]) {
		put(&b, "fixes: ");
		put_list(&b, g->fixes_edit);
		put(&b, "\n");
	}
	put(&b, "storage: {block_size: %u, blocks: %llu}\n", g->bs,
	    (unsigned long long)g->blocks);
	put(&b, "files:\n");
	for (int f = 0; f < g->nfiles; f++)
		put(&b, "  - {name: %s, size: %llu, dax: %s}\n", fname(f),
		    (unsigned long long)g->size[f],
		    g->dax[f] ? "true" : "false");
	put(&b, "threads:\n");
	for (int t = 0; t < g->nthreads; t++) {
		put(&b, "  - name: t%d\n    ops:\n", t);
		for (int i = 0; i < g->nops[t]; i++)
			put_op(&b, &g->ops[t][i]);
	}
	if (tx && tx->explore)
		put(&b, "explore: %s\n", tx->explore);
	else
		put(&b,
		    "explore: {strategy: pct, depth: 3, schedules: %llu, "
		    "seed: 1}\n",
		    (unsigned long long)(tx && tx->schedules ? tx->schedules :
							       200));
	put(&b, "expect:\n  %s\n",
	    tx && tx->expect ? tx->expect : "violations: []");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

int gen_program(const struct gen_options *o, char **text, char *name, char *err,
		size_t errlen)
{
	struct gen_text tx = { .schedules = o->schedules };
	struct gen_prog *p = gen_prog_new(o, err, errlen);

	*text = NULL;
	if (!p)
		return -1;
	snprintf(name, SCEN_NAME_MAX, "gen-%llu-%llu",
		 (unsigned long long)o->seed, (unsigned long long)o->index);
	*text = gen_prog_text(p, &tx);
	gen_prog_free(p);
	if (!*text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
