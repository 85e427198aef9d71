/* SPDX-License-Identifier: MIT */
/*
 * core/truncate.c -- removing pages and blocks: truncate_inode_pages_range
 * (mm/truncate.c) and fallocate(PUNCH_HOLE) (ext4_punch_hole).
 */
#include "core/core_impl.h"

#include <errno.h>
#include <string.h>

/*
 * truncate_inode_partial_page -- zero bytes [from, to) of a locked page
 * that stays in the cache, and invalidate the blocks entirely inside the
 * range (do_invalidatepage -> block_invalidatepage: the buffers are no
 * longer uptodate, mapped or dirty).  PG_uptodate is left as it is.
 */
static void truncate_inode_partial_page(struct page *page, uint32_t from,
					uint32_t to)
{
	struct core_fs *fs = page->mapping->host->fs;

	memset(page->data + from, 0, to - from);
	for (uint32_t b = 0; b < fs->blocks_per_page; b++) {
		uint32_t bfrom = b << fs->blkbits, bto = bfrom + fs->block_size;

		if (from <= bfrom && bto <= to) {
			page->uptodate_blocks &= ~(1u << b);
			page->dirty_blocks &= ~(1u << b);
		}
	}
	if (!page->dirty_blocks)
		page->flags &= ~PG_dirty;
}

/*
 * truncate_inode_pages_range -- remove the pages wholly inside bytes
 * [lstart, lend] from the page cache, and zero the partial pages at either
 * end.  Each page is locked while it goes, so a reader holding the page
 * lock finishes first; a reader that has not yet created its page is not
 * stopped by anything here: that is Race 1.
 */
void truncate_inode_pages_range(struct address_space *mapping, uint64_t lstart,
				uint64_t lend)
{
	uint64_t start = (lstart + PAGE_SIZE - 1) >> PAGE_SHIFT;
	uint64_t end;		/* exclusive */
	uint32_t partial_start = (uint32_t)(lstart & (PAGE_SIZE - 1));
	uint32_t partial_end = (uint32_t)((lend + 1) & (PAGE_SIZE - 1));
	const struct xa *xa = &mapping->i_pages;
	struct page *page;

	if (lend == UINT64_MAX) {
		end = UINT64_MAX >> PAGE_SHIFT;
		partial_end = 0;
	} else {
		end = (lend + 1) >> PAGE_SHIFT;
	}
	for (uint64_t index = start; index < end; index++) {
		if ((index >> XA_SHIFT) >= xa->nroot)
			break;
		if (!xa->root[index >> XA_SHIFT]) {
			index |= XA_LEAF - 1;
			continue;
		}
		page = find_get_page(mapping, index);
		if (!page)
			continue;
		lock_page(page, "truncate_inode_pages_range");
		if (page->mapping == mapping)
			delete_from_page_cache(page);
		unlock_page(page, "truncate_inode_pages_range");
		put_page(page);
	}
	if (partial_start) {
		uint32_t top = PAGE_SIZE;

		if (start > end) {
			/* Truncation within a single page. */
			top = partial_end;
			partial_end = 0;
		}
		page = find_get_page(mapping, start - 1);
		if (page) {
			lock_page(page, "truncate_inode_pages_range");
			if (page->mapping == mapping)
				truncate_inode_partial_page(page, partial_start,
							    top);
			unlock_page(page, "truncate_inode_pages_range");
			put_page(page);
		}
	}
	if (partial_end) {
		page = find_get_page(mapping, end);
		if (page) {
			lock_page(page, "truncate_inode_pages_range");
			if (page->mapping == mapping)
				truncate_inode_partial_page(page, 0, partial_end);
			unlock_page(page, "truncate_inode_pages_range");
			put_page(page);
		}
	}
}

/* zero_partial_block -- ext4_zero_partial_blocks on the device: bytes of a
 * block that stays allocated but lies in the hole read as zeros. */
static void zero_partial_block(struct inode *inode, uint64_t from, uint64_t to)
{
	struct core_fs *fs = inode->fs;
	int64_t blk = core_map_block(inode, from >> fs->blkbits);

	if (blk >= 0 && to > from)
		pmem_dev_zero(fs->dev, (uint64_t)blk,
			      (uint32_t)(from & (fs->block_size - 1)),
			      (uint32_t)(to - from));
}

/*
 * core_punch_hole -- ext4_punch_hole: inode_lock, inode_dio_wait, then
 * (5.15) invalidate_lock exclusive, truncate_pagecache_range, and the
 * blocks wholly inside the range freed.  The size does not change
 * (KEEP_SIZE).
 */
int core_punch_hole(struct inode *inode, uint64_t offset, uint64_t len)
{
	struct address_space *mapping = inode->i_mapping;
	struct core_fs *fs = inode->fs;
	bool inv = fix_on(fs, FIX_INVALIDATE_LOCK);
	uint64_t end, first, last;

	if (!len)
		return -EINVAL;
	if (offset >= CORE_MAXBYTES || len > CORE_MAXBYTES - offset)
		return -EFBIG;
	sim_down_write(&inode->i_rwsem, "ext4_punch_hole");
	/* Nothing to punch past EOF: the range is clipped to i_size. */
	end = offset + len;
	if (end > inode->i_size)
		end = inode->i_size;
	if (offset >= end) {
		sim_up_write(&inode->i_rwsem, "ext4_punch_hole");
		return 0;
	}
	if (inv)
		filemap_invalidate_lock(mapping);
	sim_point("punch_hole.locked", "ext4_punch_hole");

	truncate_inode_pages_range(mapping, offset, end - 1);
	sim_point("punch_hole.pages_truncated", "ext4_punch_hole");

	first = (offset + fs->block_size - 1) >> fs->blkbits;
	last = end >> fs->blkbits;	/* exclusive */
	if (first > last) {
		/* inside one block */
		zero_partial_block(inode, offset, end);
	} else {
		zero_partial_block(inode, offset, first << fs->blkbits);
		if (last << fs->blkbits < end)
			zero_partial_block(inode, last << fs->blkbits, end);
		for (uint64_t lblk = first; lblk < last; lblk++)
			core_unmap_block(inode, lblk);
	}
	sim_point("punch_hole.blocks_freed", "ext4_punch_hole");

	if (inv)
		filemap_invalidate_unlock(mapping);
	sim_up_write(&inode->i_rwsem, "ext4_punch_hole");
	return 0;
}
