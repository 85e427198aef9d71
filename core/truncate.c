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
 * range (do_invalidatepage -> block_invalidatepage -> discard_buffer: the
 * buffers are no longer mapped, delayed or dirty).  discard_buffer keeps
 * BH_Uptodate (BUFFER_FLAGS_DISCARD does not hold it): the buffer is
 * uptodate and holds the zeros just written, so a later partial write of
 * the block does not zero it again over what a store put there meanwhile.
 * PG_uptodate is left as it is.
 */
static void truncate_inode_partial_page(struct page *page, uint32_t from,
					uint32_t to)
{
	struct core_fs *fs = page->mapping->host->fs;

	SIM_BUG_ON(!sim_lock_held(&page->lock));
	page_touch(page, true);
	memset(page->data + from, 0, to - from);
	for (uint32_t b = 0; b < fs->blocks_per_page; b++) {
		uint32_t bfrom = b << fs->blkbits, bto = bfrom + fs->block_size;

		if (from <= bfrom && bto <= to) {
			/* ext4_da_invalidatepage: a delayed block's
			 * reservation goes back */
			core_da_release_blocks(page, 1u << b);
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
 *
 * Called under i_rwsem held exclusive, or on an inode being evicted
 * (I_FREEING: nobody else can reach it), or by the explorer once every
 * thread has finished (core_writeback_evict), as mm/truncate.c requires.
 */
void truncate_inode_pages_range(struct address_space *mapping, uint64_t lstart,
				uint64_t lend)
{
	uint64_t start = (lstart + PAGE_SIZE - 1) >> PAGE_SHIFT;
	uint64_t end; /* exclusive */
	uint32_t partial_start = (uint32_t)(lstart & (PAGE_SIZE - 1));
	uint32_t partial_end = (uint32_t)((lend + 1) & (PAGE_SIZE - 1));
	struct page *page;

	SIM_BUG_ON(sim_tid() >= 0 && !mapping->host->freeing &&
		   !sim_lock_held_excl(&mapping->host->i_rwsem));
	if (lend == UINT64_MAX) {
		end = UINT64_MAX >> PAGE_SHIFT;
		partial_end = 0;
	} else {
		end = (lend + 1) >> PAGE_SHIFT;
	}
	/* DAX entries go whole: a partial page's bytes are zeroed on the
	 * device by the caller (ext4_zero_partial_blocks / iomap_zero_range). */
	dax_delete_mapping_range(mapping, lstart >> PAGE_SHIFT,
				 lend == UINT64_MAX ? end :
						      (lend >> PAGE_SHIFT) + 1);
	/* find_lock_entries (mm/truncate.c): end - 1, the inclusive end */
	for (uint64_t index = start; index < end &&
	     (page = find_get_entry(mapping, &index, end - 1, false));
	     index++) {
		lock_page(page, "truncate_inode_pages_range");
		page_touch(page, false);
		if (page->mapping == mapping) {
			/* truncate_cleanup_page: a page a fault mapped since
			 * the caller's first unmap is unmapped as it goes
			 * (unmap_mapping_page), so no access reaches it
			 * once it has left the file */
			if (page_mapped(page))
				unmap_mapping_range(
					mapping, page->index << PAGE_SHIFT,
					(page->index + 1) << PAGE_SHIFT);
			delete_from_page_cache(page);
		}
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
			page_touch(page, false);
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
			page_touch(page, false);
			if (page->mapping == mapping)
				truncate_inode_partial_page(page, 0,
							    partial_end);
			unlock_page(page, "truncate_inode_pages_range");
			put_page(page);
		}
	}
}

/* unmap_mapping_range -- zap every user mapping of bytes [start, end) of
 * the file, under i_mmap_rwsem (read). */
void unmap_mapping_range(struct address_space *mapping, uint64_t start,
			 uint64_t end)
{
	struct core_fs *fs = mapping->host->fs;

	/* i_mmap_count, and the page tables of the file's VMAs */
	inode_touch(mapping->host, false);
	if (!mapping->i_mmap_count)
		return;
	sim_down_read(&mapping->i_mmap_rwsem, "unmap_mapping_range");
	inode_touch(mapping->host, true);
	for (int m = 0; m < fs->mm.nvmas; m++) {
		struct vm_area_struct *vma = fs->mm.vmas[m];

		if (vma && !vma->dead && vma->vm_file == mapping->host)
			zap_vma_range(vma, start >> PAGE_SHIFT,
				      end == UINT64_MAX ?
					      UINT64_MAX :
					      (end + PAGE_SIZE - 1) >>
						      PAGE_SHIFT);
	}
	sim_up_read(&mapping->i_mmap_rwsem, "unmap_mapping_range");
}

/*
 * invalidate_inode_pages2_range -- drop the clean pages of page indexes
 * [start, end] (inclusive) from the cache, whole pages whatever the block
 * size (mm/truncate.c): each page locked, unmapped from user space when the
 * file is mapped (unmap_mapping_pages, the rest of the range at the first
 * page), and deleted unless it is dirty (invalidate_complete_page2 fails
 * on a dirty page: -EBUSY, the page stays).  Nothing is zeroed: a page is
 * dropped and read again, never half cleared.
 */
int invalidate_inode_pages2_range(struct address_space *mapping, uint64_t start,
				  uint64_t end)
{
	bool did_range_unmap = false;
	struct page *page;
	int ret = 0;

	/* find_get_entries (mm/truncate.c): end is inclusive */
	for (uint64_t index = start;
	     (page = find_get_entry(mapping, &index, end, false)); index++) {
		lock_page(page, "invalidate_inode_pages2_range");
		page_touch(page, false);
		if (page->mapping != mapping) {
			unlock_page(page, "invalidate_inode_pages2_range");
			put_page(page);
			continue;
		}
		/* page_mapped: the model keeps no mapcount for page cache
		 * pages; unmapping a page nobody maps changes nothing. */
		if (!did_range_unmap) {
			unmap_mapping_range(mapping, index << PAGE_SHIFT,
					    end == UINT64_MAX >> PAGE_SHIFT ?
						    UINT64_MAX :
						    (end + 1) << PAGE_SHIFT);
			did_range_unmap = true;
		} else {
			unmap_mapping_range(mapping, index << PAGE_SHIFT,
					    (index + 1) << PAGE_SHIFT);
		}
		page_touch(page, false);
		if (page->flags & PG_dirty)
			ret = -EBUSY; /* invalidate_complete_page2 */
		else
			delete_from_page_cache(page);
		unlock_page(page, "invalidate_inode_pages2_range");
		put_page(page);
	}
	return ret;
}

/* truncate_pagecache_range -- unmap, drop the pages, unmap again (a fault
 * may have mapped a page between the two, as the kernel's comment says).
 * i_rwsem held exclusive (punch, truncate, direct write, the S_DAX
 * switch, clone's destination). */
void truncate_pagecache_range(struct inode *inode, uint64_t lstart,
			      uint64_t lend)
{
	struct address_space *mapping = inode->i_mapping;
	uint64_t end = lend == UINT64_MAX ? UINT64_MAX : lend + 1;

	SIM_BUG_ON(!sim_lock_held_excl(&inode->i_rwsem));
	unmap_mapping_range(mapping, lstart, end);
	truncate_inode_pages_range(mapping, lstart, lend);
	unmap_mapping_range(mapping, lstart, end);
}

static bool dio_idle(void *arg)
{
	struct inode *inode = arg;

	sim_touch("dio", inode->name, SIM_TOUCH_ALL, false);
	return inode->dio_count == 0;
}

/* inode_dio_wait -- wait for the file's direct I/O in flight.  i_rwsem
 * held exclusive, as fs/inode.c asks ("a lock that serializes taking new
 * references to i_dio_count"): a direct I/O starts under it shared. */
void inode_dio_wait(struct inode *inode)
{
	SIM_BUG_ON(!sim_lock_held_excl(&inode->i_rwsem));
	sim_wait_event(&inode->dio_wq, dio_idle, inode, "inode_dio_wait");
}

/* zero_partial_block -- ext4_zero_partial_blocks on the device: bytes of a
 * block that stays allocated but lies in the hole read as zeros. */
static void zero_partial_block(struct inode *inode, uint64_t from, uint64_t to)
{
	struct core_fs *fs = inode->fs;
	int64_t blk = core_map_block(inode, from >> fs->blkbits);

	if (blk >= 0 && to > from)
		dev_zero(fs, (uint64_t)blk,
			 (uint32_t)(from & (fs->block_size - 1)),
			 (uint32_t)(to - from));
}

/* free_range -- internal: zero the partial blocks at the edges of bytes
 * [offset, end) and free the blocks wholly inside.  i_rwsem and the fault
 * lock held exclusive: no fault maps a block being freed. */
static void free_range(struct inode *inode, uint64_t offset, uint64_t end)
{
	struct core_fs *fs = inode->fs;
	uint64_t first = (offset + fs->block_size - 1) >> fs->blkbits;
	uint64_t last = end >> fs->blkbits; /* exclusive */
	struct sim_lock *fl = fault_lock(inode);

	SIM_BUG_ON(!sim_lock_held_excl(&inode->i_rwsem));
	SIM_BUG_ON(fl && !sim_lock_held_excl(fl));

	if (first > last) {
		zero_partial_block(inode, offset, end); /* inside one block */
		return;
	}
	zero_partial_block(inode, offset, first << fs->blkbits);
	if (last << fs->blkbits < end)
		zero_partial_block(inode, last << fs->blkbits, end);
	for (uint64_t lblk = first; lblk < last; lblk++)
		core_unmap_block(inode, lblk);
}

/* break_layouts -- internal: the DAX fixes, with the fault lock held. */
static void break_layouts(struct inode *inode, uint64_t start, uint64_t end,
			  struct sim_lock *fl)
{
	struct core_fs *fs = inode->fs;

	if (fix_on(fs, FIX_DAX_BREAK_LAYOUTS) ||
	    fix_on(fs, FIX_DAX_BREAK_LAYOUTS_NAIVE))
		dax_break_layouts(inode, start, end, fl);
}

/*
 * core_punch_hole -- ext4_punch_hole: inode_lock, inode_dio_wait, the
 * fault lock exclusive (i_mmap_sem 4.1, invalidate_lock 5.15), break the
 * DAX layouts, truncate_pagecache_range, and the blocks wholly inside the
 * range freed.  The size does not change (KEEP_SIZE).
 */
int core_punch_hole(struct inode *inode, uint64_t offset, uint64_t len)
{
	struct address_space *mapping = inode->i_mapping;
	struct core_fs *fs = inode->fs;
	bool aops = fix_on(fs, FIX_DAX_SWITCH_AOPS_SEM);
	struct sim_lock *fl = fault_lock(inode);
	uint64_t end;

	if (!len)
		return -EINVAL;
	if (offset >= CORE_MAXBYTES || len > CORE_MAXBYTES - offset)
		return -EFBIG;
	if (aops)
		sim_down_read(&inode->i_aops_sem, "vfs_fallocate");
	sim_down_write(&inode->i_rwsem, "ext4_punch_hole");
	inode_dio_wait(inode);
	/* Nothing to punch past EOF: the range is clipped to i_size. */
	isize_touch(inode, false);
	end = offset + len;
	if (end > inode->i_size)
		end = inode->i_size;
	if (offset >= end)
		goto out;
	if (fl)
		sim_down_write(fl, "ext4_punch_hole");
	sim_point_obj("locked", "ext4_punch_hole", inode->name, NULL);
	break_layouts(inode, offset, end, fl);

	truncate_pagecache_range(inode, offset, end - 1);
	sim_point_obj("pages_truncated", "ext4_punch_hole", inode->name, NULL);

	free_range(inode, offset, end);
	sim_point_obj("blocks_freed", "ext4_punch_hole", inode->name, NULL);

	if (fl)
		sim_up_write(fl, "ext4_punch_hole");
	(void)mapping;
out:
	sim_up_write(&inode->i_rwsem, "ext4_punch_hole");
	if (aops)
		sim_up_read(&inode->i_aops_sem, "vfs_fallocate");
	return 0;
}

/*
 * core_truncate -- ftruncate(2): do_truncate -> ext4_setattr.  Shrinking:
 * the fault lock exclusive, break layouts, the new size, the page cache
 * and the mappings past it dropped, then the blocks freed (ext4_truncate).
 * Growing only changes i_size.
 */
int core_truncate(struct inode *inode, uint64_t size)
{
	struct core_fs *fs = inode->fs;
	bool aops = fix_on(fs, FIX_DAX_SWITCH_AOPS_SEM);
	struct sim_lock *fl = fault_lock(inode);
	uint64_t old;

	if (size > CORE_MAXBYTES)
		return -EFBIG;
	if (aops)
		sim_down_read(&inode->i_aops_sem, "do_truncate");
	sim_down_write(&inode->i_rwsem, "do_truncate");
	inode_dio_wait(inode);
	isize_touch(inode, false);
	old = inode->i_size;
	if (size >= old) {
		core_i_size_write(inode, size);
		goto out;
	}
	if (fl)
		sim_down_write(fl, "ext4_setattr");
	sim_point_obj("locked", "ext4_setattr", inode->name, NULL);
	break_layouts(inode, size, old, fl);
	core_i_size_write(inode, size);
	truncate_pagecache_range(inode, size, UINT64_MAX);
	sim_point_obj("pages_truncated", "truncate_pagecache", inode->name,
		      NULL);
	free_range(inode, size,
		   (old + inode->fs->block_size - 1) &
			   ~(uint64_t)(inode->fs->block_size - 1));
	sim_point_obj("blocks_freed", "ext4_truncate", inode->name, NULL);
	if (fl)
		sim_up_write(fl, "ext4_setattr");
out:
	sim_up_write(&inode->i_rwsem, "do_truncate");
	if (aops)
		sim_up_read(&inode->i_aops_sem, "do_truncate");
	return 0;
}
