// SPDX-License-Identifier: MIT
/*
 * engine/ops.c -- how each operation runs: one handler per family of
 * operations (buffered and direct reads, writes, punch and truncate,
 * mappings, accesses through them, pins and DMA, file calls, clone), and
 * exec_ops[], the table that gives each operation its handler, the
 * histories it starts on and whether its code is exact (exec_impl.h).
 *
 * A handler runs in the operation's thread, between sim_op_begin and
 * sim_op_end (exec.c's run_op), with the files held open: it calls the
 * core, enters what the operation writes in the files' histories over its
 * interval [r->rs, now], and checks what it reads against them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/exec_impl.h"

/* saw -- internal: the bytes an operation returned, for the outcome. */
static void saw(struct op_run *r, const void *buf, uint64_t n)
{
	r->saw = buf;
	r->nsaw = n;
}

/* stamped -- internal: a buffer of op 'id's data for file at pos. */
static unsigned char *stamped(unsigned file, uint32_t id, uint64_t pos,
			      uint64_t len)
{
	unsigned char *buf = sim_alloc(len ? len : 1);

	stamp_fill(buf, file, id, pos, len);
	return buf;
}

/* op_read -- read, dio_read: the bytes are checked against the file's
 * history.  With into, what was read is written to the mapped file as it
 * goes: a copy whose bytes are the buffer's, each filled before it is
 * stored there, so the entry is in the history from the start, for
 * readers of that file. */
static long long op_read(struct exec *e, struct op_run *r)
{
	const struct scen_op *op = r->op;
	unsigned char *buf = sim_alloc(r->len ? r->len : 1);
	uint64_t foff = 0;
	uint32_t slot = 0;
	long long res;
	int xf = -1;

	if (op->into_map >= 0)
		xf = exec_map_target(e, op->into_map, op->into_offset, &foff);
	if (xf >= 0)
		slot = oracle_copy(e->oracle, xf, r->id, foff, foff + r->len,
				   buf, r->rs);
	if (op->kind == SCEN_OP_READ)
		res = core_read_to(r->inode, op->offset, r->len, buf,
				   op->into_map, op->into_offset);
	else
		res = core_dio_read(r->inode, op->offset, r->len, buf,
				    op->into_map, op->into_offset);
	if (res > 0)
		exec_check_read(e, SCEN_V_STALE_READ, op->file, buf, op->offset,
				(uint64_t)res, r->rs, sim_now(), r->tid, r->opi,
				r->what, "while the read ran");
	if (xf >= 0) {
		oracle_trim(e->oracle, xf, slot,
			    foff + (res > 0 ? (uint64_t)res : 0));
		oracle_end(e->oracle, xf, slot);
	}
	if (res >= 0)
		saw(r, buf, (uint64_t)res);
	return res;
}

/* op_write -- write, dio_write: stamped data, or with into the bytes the
 * mapping holds, in the buffer before they reach the file. */
static long long op_write(struct exec *e, struct op_run *r)
{
	const struct scen_op *op = r->op;
	int f = op->file;
	unsigned char *buf;
	uint32_t slot;
	long long res;

	if (op->into_map >= 0) {
		buf = sim_alloc(r->len ? r->len : 1);
		slot = oracle_copy(e->oracle, f, r->id, op->offset,
				   op->offset + r->len, buf, r->rs);
		res = core_dio_write(r->inode, op->offset, r->len, buf,
				     op->into_map, op->into_offset);
	} else {
		buf = stamped((unsigned)op->file, r->id, op->offset, r->len);
		slot = oracle_begin(e->oracle, f, r->id, HIST_WRITE, op->offset,
				    op->offset + r->len, r->rs);
		if (op->kind == SCEN_OP_WRITE)
			res = core_write(r->inode, op->offset, r->len, buf);
		else
			res = core_dio_write(r->inode, op->offset, r->len, buf,
					     -1, 0);
	}
	oracle_trim(e->oracle, f, slot,
		    op->offset + (res > 0 ? (uint64_t)res : 0));
	oracle_end(e->oracle, f, slot);
	return res;
}

/* op_zero -- punch_hole, truncate: zeros over the range, or from size to
 * the end; nothing changed if it failed. */
static long long op_zero(struct exec *e, struct op_run *r)
{
	const struct scen_op *op = r->op;
	int f = op->file;
	bool punch = op->kind == SCEN_OP_PUNCH_HOLE;
	uint32_t slot;
	long long res;

	if (punch)
		slot = oracle_begin(e->oracle, f, r->id, HIST_ZERO, op->offset,
				    op->offset + op->len, r->rs);
	else
		slot = oracle_begin(e->oracle, f, r->id, HIST_ZERO, op->size,
				    UINT64_MAX, r->rs);
	res = punch ? core_punch_hole(r->inode, op->offset, op->len) :
		      core_truncate(r->inode, op->size);
	if (res < 0)
		oracle_trim(e->oracle, f, slot, 0);
	oracle_end(e->oracle, f, slot);
	return res;
}

/* op_file -- the calls on a file that change no data: readahead,
 * set_dax, statx, evict, fsync. */
static long long op_file(struct exec *e, struct op_run *r)
{
	const struct scen_op *op = r->op;
	long long res;

	switch (op->kind) {
	case SCEN_OP_READAHEAD:
		return core_readahead(r->inode, op->offset, op->len);
	case SCEN_OP_SET_DAX:
		return core_set_dax(r->inode, op->on);
	case SCEN_OP_STATX:
		res = core_statx_dax(r->inode);
		exec_observe(e, &e->seen[r->tid], &res, sizeof(res));
		sim_note(res ? "STATX_ATTR_DAX set" : "STATX_ATTR_DAX clear");
		return 0;
	case SCEN_OP_EVICT:
		return core_evict(r->inode);
	case SCEN_OP_FSYNC:
		return core_fsync(r->inode);
	default:
		SIM_BUG_ON(1);
		return 0;
	}
}

/* op_map -- mmap, munmap. */
static long long op_map(struct exec *e, struct op_run *r)
{
	const struct scen_op *op = r->op;

	if (op->kind == SCEN_OP_MMAP)
		return core_mmap(e->fs, op->name, r->inode, op->offset,
				 op->len);
	return core_munmap(e->fs, op->map);
}

/* op_access -- load, store: user accesses through a mapping, checked
 * against (load) or entered in (store) the mapped file's history. */
static long long op_access(struct exec *e, struct op_run *r)
{
	const struct scen_op *op = r->op;
	unsigned char *buf;
	uint64_t foff = 0, stored;
	uint32_t slot;
	long long res;
	int xf;

	if (op->kind == SCEN_OP_LOAD) {
		buf = sim_alloc(r->len ? r->len : 1);
		xf = exec_map_target(e, op->map, op->offset, &foff);
		res = core_access(e->fs, op->map, op->offset, r->len, buf,
				  false, "load");
		if (res == 0 && xf >= 0 && r->len)
			exec_check_read(e, SCEN_V_STALE_READ, xf, buf, foff,
					r->len, r->rs, sim_now(), r->tid,
					r->opi, r->what, "while the load ran");
		if (res == 0)
			saw(r, buf, r->len);
		return res;
	}
	xf = exec_map_target(e, op->map, op->offset, &foff);
	if (xf < 0)
		return -EFAULT;
	buf = stamped((unsigned)xf, r->id, foff, r->len);
	slot = oracle_begin(e->oracle, xf, r->id, HIST_WRITE, foff,
			    foff + r->len, r->rs);
	res = core_access_done(e->fs, op->map, op->offset, r->len, buf, true,
			       "store", &stored);
	/* A store that faults part way (SIGBUS past EOF) has written the
	 * bytes before the fault: those stay. */
	if (res < 0)
		oracle_trim(e->oracle, xf, slot, foff + stored);
	oracle_end(e->oracle, xf, slot);
	return res;
}

/* dma_write -- internal: a device writes stamped data through a pin, page
 * by page; the history of the pinned file gets only what still lands in
 * it (a page truncated away, or a freed block, is written all the same,
 * into whatever it now is). */
static void dma_write(struct exec *e, struct gup_pin *pin, int map_file,
		      uint64_t file_off, uint32_t id, uint32_t rs)
{
	uint64_t len = core_pin_len(pin);
	unsigned char *buf = stamped((unsigned)map_file, id, file_off, len);

	for (uint64_t off = 0; off < len;) {
		uint64_t n = PAGE_SIZE - ((file_off + off) & (PAGE_SIZE - 1));

		if (n > len - off)
			n = len - off;
		if (core_pin_owned(e->fs, pin, off)) {
			uint32_t slot = oracle_begin(e->oracle, map_file, id,
						     HIST_WRITE, file_off + off,
						     file_off + off + n, rs);

			core_pin_io(e->fs, pin, off, buf + off, n, false);
			oracle_end(e->oracle, map_file, slot);
		} else {
			core_pin_io(e->fs, pin, off, buf + off, n, false);
		}
		off += n;
	}
}

/* op_pin -- pin, dma_write, unpin: get_user_pages and a device's I/O
 * through what it pinned. */
static long long op_pin(struct exec *e, struct op_run *r)
{
	const struct scen *sc = e->sc;
	const struct scen_op *op = r->op;
	const struct scen_pin *sp;
	struct gup_pin *pin;
	uint64_t foff = 0;
	long long res;
	int xf;

	if (op->kind == SCEN_OP_PIN) {
		e->pins[op->name] = core_pin_alloc();
		res = core_pin(e->fs, op->map, op->offset, r->len, op->longterm,
			       e->pins[op->name]);
		if (res < 0)
			e->pins[op->name] = NULL;
		return res;
	}
	pin = e->pins[op->pin];
	if (!pin)
		return -EFAULT; /* never pinned, or it failed */
	if (op->kind == SCEN_OP_UNPIN) {
		core_unpin(e->fs, pin);
		return 0;
	}
	sp = &sc->pins[op->pin];
	xf = exec_map_target(e, sp->map,
			     sc->threads[sp->thread].ops[sp->op].offset, &foff);
	dma_write(e, pin, xf, foff, r->id, r->rs);
	return 0;
}

/* op_clone -- clone: the source range is read (checked against its
 * history) and written to the destination as a copy of those bytes.  A
 * clone that fails part way keeps the blocks it remapped (XFS): the part
 * done stays in both histories' account. */
static long long op_clone(struct exec *e, struct op_run *r)
{
	const struct scen_op *op = r->op;
	unsigned char *buf = sim_alloc(r->len ? r->len : 1);
	int f2 = op->file2;
	uint64_t done = 0;
	uint32_t slot;
	long long res;

	slot = oracle_copy(e->oracle, f2, r->id, op->offset,
			   op->offset + r->len, buf, r->rs);
	res = core_clone(r->inode, r->inode2, op->offset, r->len, buf, &done);
	if (done)
		exec_check_read(e, SCEN_V_STALE_READ, op->file, buf, op->offset,
				done, r->rs, sim_now(), r->tid, r->opi, r->what,
				"while the clone ran");
	if (done < r->len)
		oracle_trim(e->oracle, f2, slot, op->offset + done);
	oracle_end(e->oracle, f2, slot);
	if (res == 0)
		saw(r, buf, r->len);
	return res;
}

/* op_test_crash -- a crash inside the execution, on purpose (tests only) */
static long long op_test_crash(struct exec *e, struct op_run *r)
{
	(void)r;
	*(volatile int *)e->null_page = 1;
	return 0;
}

/* clang-format off */
const struct exec_op exec_ops[] = {
	[SCEN_OP_READ]       = { op_read,   EXEC_H_FILE_R | EXEC_H_INTO_W, true },
	[SCEN_OP_DIO_READ]   = { op_read,   EXEC_H_FILE_R | EXEC_H_INTO_W, true },
	[SCEN_OP_WRITE]      = { op_write,  EXEC_H_FILE_W, true },
	[SCEN_OP_DIO_WRITE]  = { op_write,  EXEC_H_FILE_W, true },
	[SCEN_OP_PUNCH_HOLE] = { op_zero,   EXEC_H_FILE_W, true },
	[SCEN_OP_TRUNCATE]   = { op_zero,   EXEC_H_FILE_W, true },
	[SCEN_OP_READAHEAD]  = { op_file,   0, true },
	[SCEN_OP_SET_DAX]    = { op_file,   0, true },
	[SCEN_OP_STATX]      = { op_file,   0, true },
	[SCEN_OP_EVICT]      = { op_file,   0, true, .no_ref = true },
	[SCEN_OP_FSYNC]      = { op_file,   0, true },
	[SCEN_OP_MMAP]       = { op_map,    0, true },
	[SCEN_OP_MUNMAP]     = { op_map,    0, true },
	[SCEN_OP_LOAD]       = { op_access, EXEC_H_MAP_R, true },
	[SCEN_OP_STORE]      = { op_access, EXEC_H_MAP_W, true },
	[SCEN_OP_PIN]        = { op_pin,    0, true },
	[SCEN_OP_DMA_WRITE]  = { op_pin,    EXEC_H_PIN_W, true },
	[SCEN_OP_UNPIN]      = { op_pin,    0, true },
	[SCEN_OP_CLONE]      = { op_clone,  EXEC_H_FILE_R | EXEC_H_FILE2_W, true },
	[SCEN_OP_TEST_CRASH] = { op_test_crash, 0, false },
};
/* clang-format on */
_Static_assert(sizeof(exec_ops) / sizeof(exec_ops[0]) == SCEN_OP__COUNT,
	       "every operation has a handler");
