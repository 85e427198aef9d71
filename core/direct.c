/* SPDX-License-Identifier: MIT */
/*
 * core/direct.c -- readahead and O_DIRECT (mm/readahead.c, fs/iomap/
 * direct-io.c, fs/ext4/file.c).
 *
 * Readahead adds pages and reads them in like a read does, but before 5.15
 * nothing covered it against a punch: even with the fault lock of 4.1,
 * only faults took a lock.  O_DIRECT bypasses the cache: it maps the
 * blocks and does the I/O between them and the user buffer, which with
 * `into` is a mapping of another file, pinned by get_user_pages for the
 * I/O (xfstests generic/503).
 */
#include "core/core_impl.h"

#include <errno.h>
#include <string.h>

/*
 * core_readahead -- page_cache_ra_unbounded: under invalidate_lock shared
 * (5.15), add each missing page of the range and read it in.  The kernel
 * adds a batch of locked pages, then reads them; one page at a time here,
 * with the same window between adding a page and mapping its blocks.
 */
int core_readahead(struct inode *inode, uint64_t offset, uint64_t len)
{
	struct address_space *mapping = inode->i_mapping;
	bool inv = fix_on(inode->fs, FIX_INVALIDATE_LOCK);
	uint64_t size = inode->i_size, end;

	if (IS_DAX(inode, "generic_fadvise"))
		return 0; /* nothing to read ahead: no page cache */
	if (offset >= size)
		return 0;
	end = len > size - offset ? size : offset + len;
	if (inv)
		filemap_invalidate_lock_shared(mapping,
					       "page_cache_ra_unbounded");
	for (uint64_t index = offset >> PAGE_SHIFT; (index << PAGE_SHIFT) < end;
	     index++) {
		struct page *page = find_get_page(mapping, index);

		if (page) {
			put_page(page);
			continue;
		}
		page = page_cache_alloc(mapping);
		if (add_to_page_cache_lru(page, mapping, index,
					  "page_cache_ra_unbounded")) {
			put_page(page);
			continue;
		}
		sim_point_obj("page_created", "page_cache_ra_unbounded",
			      inode->name, NULL);
		readpage(page); /* read_pages */
		put_page(page);
	}
	if (inv)
		filemap_invalidate_unlock_shared(mapping,
						 "page_cache_ra_unbounded");
	return 0;
}

/* dio_count: changed under i_rwsem held shared by a read, read by
 * inode_dio_wait without it (sim_touch "dio") */
static void dio_begin(struct inode *inode)
{
	sim_touch("dio", inode->name, SIM_TOUCH_ALL, true);
	inode->dio_count++;
}

static void dio_end(struct inode *inode)
{
	sim_touch("dio", inode->name, SIM_TOUCH_ALL, true);
	if (--inode->dio_count == 0)
		sim_wake_all(&inode->dio_wq);
}

/* pin_buffer -- internal: get_user_pages on the user buffer, with
 * FOLL_WRITE for a read only (bio_iov_iter_get_pages): the buffer of a
 * direct write is only read from. */
static int pin_buffer(struct inode *inode, int map, uint64_t off, uint64_t len,
		      bool write, struct gup_pin **pinp)
{
	struct gup_pin *pin = core_pin_alloc();
	int error = core_pin_gup(inode->fs, map, off, len, false, write, pin);

	*pinp = error ? NULL : pin;
	return error;
}

/* ---- Unwritten extents ------------------------------------------------------ */

/*
 * A block a direct write allocates is unwritten until the write completes
 * (XFS and ext4 alike: xfs_iomap_write_direct / ext4_iomap_alloc with
 * EXT4_GET_BLOCKS_IO_CREATE_EXT), so a read that maps it meanwhile reads
 * zeros, never what the device block held for its previous owner.  The
 * flag is part of the block's map entry: it is announced as the entry
 * ("bmap", as core/inode.c does) and owned by the block (it counts as
 * mapped for core_check_blocks).
 */
static void uw_touch(const struct inode *inode, uint64_t lblk, bool write)
{
	sim_touch("bmap", NULL, SIM_TOUCH_IDX(inode->index, lblk), write);
}

bool core_block_unwritten(struct inode *inode, uint64_t lblk)
{
	uw_touch(inode, lblk, false);
	return inode->i_unwritten.root &&
		xa_load(&inode->i_unwritten, lblk) != NULL;
}

static void set_unwritten(struct inode *inode, uint64_t lblk, bool on)
{
	struct xa *xa = &inode->i_unwritten;

	uw_touch(inode, lblk, true);
	if (!xa->root) {
		if (!on)
			return;
		xa->nroot =
			((CORE_MAXBYTES >> inode->fs->blkbits) >> XA_SHIFT) + 1;
		xa->root = sim_alloc(xa->nroot * sizeof(void *));
	}
	xa_store(xa, lblk, on ? (void *)1 : NULL);
}

/* core_map_block_read -- the block a read may read: an unwritten one
 * reads as a hole (iomap type IOMAP_UNWRITTEN, buffer_unwritten):
 * -ENXIO, as core_map_block says of a hole. */
int64_t core_map_block_read(struct inode *inode, uint64_t lblk)
{
	int64_t blk = core_map_block(inode, lblk);

	if (blk >= 0 && core_block_unwritten(inode, lblk))
		return -ENXIO;
	return blk;
}

/*
 * dio_read_extent -- internal: the length from file byte p (below end)
 * that one iomap covers: a run of holes (or unwritten blocks), or of
 * blocks contiguous on the device.  *blkp: the first device block, -1
 * for a hole.
 */
static uint64_t dio_read_extent(struct inode *inode, uint64_t p, uint64_t end,
				int64_t *blkp)
{
	struct core_fs *fs = inode->fs;
	uint64_t lblk = p >> fs->blkbits;
	int64_t blk = core_map_block_read(inode, lblk);
	uint64_t n = ((lblk + 1) << fs->blkbits) - p;

	*blkp = blk;
	while (p + n < end) {
		int64_t next = core_map_block_read(inode, ++lblk);

		if (blk < 0 ?
			    next >= 0 :
			    next != blk + (int64_t)(lblk - (p >> fs->blkbits)))
			break;
		n += fs->block_size;
	}
	return n > end - p ? end - p : n;
}

/*
 * core_dio_read -- ext4_file_read_iter: an S_DAX file goes to
 * dax_iomap_rw before any direct-I/O check (no alignment rule there);
 * otherwise ext4_dio_read_iter -> iomap_dio_rw: i_rwsem shared, and a
 * read at or past EOF returns 0 before any I/O or pinning (iomap_dio_rw:
 * pos >= i_size).  Then the dirty pages of the range are written back
 * and each extent is read: a hole's zeros copied to the user
 * (iomap_dio_hole_iter), a mapped extent's buffer pages pinned for that
 * extent only (iomap_dio_bio_iter: bio_iov_iter_get_pages), read into,
 * and released (bio_release_pages).
 *
 * Alignment: iomap_dio_bio_iter refuses a mapped extent whose position,
 * length or user buffer is not aligned to the device's logical block
 * size (EINVAL); holes need none.  The model decides that before any
 * I/O, from the block map under i_rwsem.  A pin or copy that faults part
 * way returns the bytes read before it (the kernel's ext4 and XFS return
 * -EFAULT then, with those bytes in the buffer all the same).
 */
ssize_t core_dio_read(struct inode *inode, uint64_t pos, uint64_t len,
		      void *buf, int into_map, uint64_t into_off)
{
	struct core_fs *fs = inode->fs;
	unsigned char *out = buf;
	uint64_t done = 0, size, end;
	int error = 0;

	if (IS_DAX(inode, "ext4_file_read_iter")) {
		ssize_t ret = dax_iomap_read(inode, pos, len, buf, into_map,
					     into_off);

		if (ret != -EAGAIN)
			return ret; /* -EAGAIN: S_DAX went off meanwhile */
	}
	sim_down_read(&inode->i_rwsem, "ext4_dio_read_iter");
	isize_touch(inode, false);
	size = inode->i_size;
	if (!len || pos >= size)
		goto unlock; /* iomap_dio_rw: nothing to read */
	end = len > size - pos ? size : pos + len;
	if ((pos | len | (into_map >= 0 ? into_off : 0)) &
	    (CORE_DIO_ALIGN - 1)) {
		for (uint64_t p = pos; p < end;
		     p = ((p >> fs->blkbits) + 1) << fs->blkbits) {
			if (core_map_block_read(inode, p >> fs->blkbits) >= 0) {
				error = -EINVAL;
				goto unlock;
			}
		}
	}
	dio_begin(inode);
	filemap_write_and_wait_range(inode->i_mapping, pos, pos + len - 1);
	while (pos + done < end) {
		uint64_t p = pos + done;
		int64_t blk;
		uint64_t n = dio_read_extent(inode, p, end, &blk);
		struct gup_pin *pin = NULL;

		/* The I/O to user pages touches another file's memory:
		 * no scope then, the point may touch anything. */
		sim_point_obj("block_mapped", "iomap_dio_iter",
			      into_map >= 0 ? NULL : inode->name, NULL);
		if (blk < 0) {
			/* iomap_dio_hole_iter: iov_iter_zero */
			memset(out + done, 0, n);
			if (into_map >= 0) {
				/* iov_iter_zero comes back short when the
				 * user buffer faults part way: the zeros it
				 * stored stay, and count (dio->size += length). */
				uint64_t left = core_copy_to_user_map(
					fs, into_map, into_off + done,
					out + done, n, "iomap_dio_hole_iter");

				if (left) {
					done += n - left;
					error = -EFAULT;
					break;
				}
			}
			done += n;
			continue;
		}
		/* bio_iov_iter_get_pages: this extent's user pages */
		if (into_map >= 0) {
			error = pin_buffer(inode, into_map, into_off + done, n,
					   true, &pin);
			if (error)
				break;
		}
		for (uint64_t k = 0; k < n;) {
			uint64_t q = p + k;
			uint32_t in = (uint32_t)(q & (fs->block_size - 1));
			uint64_t c = fs->block_size - in;

			if (c > n - k)
				c = n - k;
			dev_read(fs,
				 (uint64_t)blk +
					 ((q >> fs->blkbits) -
					  (p >> fs->blkbits)),
				 in, out + done + k, (uint32_t)c);
			k += c;
		}
		if (pin) {
			core_pin_io(fs, pin, 0, out + done, n, false);
			/* pinned pages of another file: no scope */
			sim_point_obj("io_done", "iomap_dio_bio_end_io", NULL,
				      NULL);
			core_unpin(fs, pin); /* bio_release_pages */
		}
		done += n;
	}
	dio_end(inode);
unlock:
	sim_up_read(&inode->i_rwsem, "ext4_dio_read_iter");
	return done ? (ssize_t)done : error;
}

/*
 * core_dio_write -- an S_DAX file goes to dax_iomap_rw first (no
 * alignment rule); otherwise the range and the user buffer must be
 * aligned to the device's logical block size (XFS xfs_file_dio_write:
 * bt_logical_sectormask; ext4 gets the same EINVAL from
 * iomap_dio_bio_iter), then ext4_dio_write_iter -> iomap_dio_rw:
 * i_rwsem exclusive, inode_dio_begin, the cache over the range written
 * back and its pages dropped (invalidate_inode_pages2_range), each block
 * mapped -- a hole allocated as an unwritten block, its bytes outside the
 * write zeroed (iomap_dio_zero) -- and the data written.  At completion
 * (iomap_dio_complete -> ->end_io, xfs_dio_write_end_io /
 * ext4_dio_write_end_io) the blocks are converted to written
 * (xfs_iomap_write_unwritten) and i_size extended; then the range is
 * invalidated again.
 */
ssize_t core_dio_write(struct inode *inode, uint64_t pos, uint64_t len,
		       void *buf, int into_map, uint64_t into_off)
{
	struct core_fs *fs = inode->fs;
	unsigned char *in = buf;
	struct gup_pin *pin = NULL;
	uint64_t done = 0, size;
	int error = 0;

	if (pos >= CORE_MAXBYTES || len > CORE_MAXBYTES - pos)
		return -EFBIG; /* generic_write_checks */
	if (IS_DAX(inode, "ext4_file_write_iter")) {
		ssize_t ret;

		if (into_map >= 0 && len) {
			error = core_access(fs, into_map, into_off, len, buf,
					    false, "copy_from_user");
			if (error)
				return error;
		}
		ret = dax_iomap_write(inode, pos, len, buf);
		if (ret != -EAGAIN)
			return ret; /* -EAGAIN: S_DAX went off meanwhile */
	}
	if ((pos | len | (into_map >= 0 ? into_off : 0)) & (CORE_DIO_ALIGN - 1))
		return -EINVAL;
	sim_down_write(&inode->i_rwsem, "ext4_dio_write_iter");
	dio_begin(inode);
	filemap_write_and_wait_range(inode->i_mapping, pos, pos + len - 1);
	/* iomap_dio_rw: whole pages, whatever the block size; the pages
	 * were just written back.  A page dirtied since (a store through a
	 * mapping) stays: the kernel then returns -ENOTBLK and the write
	 * falls back to buffered I/O; the model goes on with the direct
	 * write, and the second invalidation below warns as the kernel's
	 * does (dio_warn_stale_pagecache). */
	if (len)
		invalidate_inode_pages2_range(inode->i_mapping,
					      pos >> PAGE_SHIFT,
					      (pos + len - 1) >> PAGE_SHIFT);
	if (into_map >= 0 && len) {
		error = pin_buffer(inode, into_map, into_off, len, false, &pin);
		if (error)
			goto out;
	}
	isize_touch(inode, false);
	size = inode->i_size;
	while (done < len) {
		uint64_t p = pos + done;
		uint64_t lblk = p >> fs->blkbits;
		uint32_t off = (uint32_t)(p & (fs->block_size - 1));
		uint64_t n = fs->block_size - off;
		bool fresh = core_map_block(inode, lblk) < 0;
		int64_t blk = core_alloc_block(inode, lblk);

		if (blk < 0) {
			error = (int)blk;
			break;
		}
		if (n > len - done)
			n = len - done;
		if (fresh)
			set_unwritten(inode, lblk, true);
		/* The I/O from pinned pages touches another file's memory:
		 * no scope then, the point may touch anything. */
		sim_point_obj("block_mapped", "iomap_dio_bio_iter",
			      pin ? NULL : inode->name, NULL);
		if (pin)
			core_pin_io(fs, pin, done, in + done, n, true);
		/* iomap_dio_zero: a new block's bytes around the write, and
		 * the tail of a block the write extends past EOF */
		if (fresh && off)
			dev_zero(fs, (uint64_t)blk, 0, off);
		dev_write(fs, (uint64_t)blk, off, in + done, (uint32_t)n);
		if (off + n < fs->block_size && (fresh || p + n >= size))
			dev_zero(fs, (uint64_t)blk, off + (uint32_t)n,
				 fs->block_size - off - (uint32_t)n);
		done += n;
	}
	if (pin)
		core_unpin(fs, pin);
	/* ->end_io: the unwritten blocks the write covered become written,
	 * then i_size (xfs_dio_write_end_io) */
	for (uint64_t p = pos & ~(uint64_t)(fs->block_size - 1); p < pos + done;
	     p += fs->block_size)
		if (core_block_unwritten(inode, p >> fs->blkbits))
			set_unwritten(inode, p >> fs->blkbits, false);
	isize_touch(inode, false);
	if (pos + done > inode->i_size)
		core_i_size_write(inode, pos + done);
	/*
	 * iomap_dio_complete: invalidate the range again once the data is
	 * on the device (kiocb_invalidate_post_direct_write in later
	 * kernels), so a clean page that a racing read, fault or readahead
	 * cached meanwhile from the old blocks cannot outlive the write.  A
	 * page dirtied meanwhile stays: dio_warn_stale_pagecache, and the
	 * stale page is real.  After ->end_io, so a racing read caches
	 * zeros of an unwritten block only to see them dropped.
	 */
	if (done)
		invalidate_inode_pages2_range(inode->i_mapping,
					      pos >> PAGE_SHIFT,
					      (pos + done - 1) >> PAGE_SHIFT);
out:
	dio_end(inode);
	sim_up_write(&inode->i_rwsem, "ext4_dio_write_iter");
	return done ? (ssize_t)done : error;
}

struct gup_pin *core_pin_alloc(void)
{
	return sim_alloc(sizeof(struct gup_pin));
}

uint64_t core_pin_len(const struct gup_pin *pin)
{
	return pin->len;
}
