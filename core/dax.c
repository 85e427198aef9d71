/* SPDX-License-Identifier: MIT */
/*
 * core/dax.c -- filesystem DAX (fs/dax.c): no page cache, the mapping holds
 * DAX entries that point at device blocks, faults map the pool's memory
 * itself, and read/write copy straight to and from the blocks.
 *
 * Each device block has a struct dax_page whose pins get_user_pages
 * raises: the page a device does DMA to is the filesystem block itself.
 * dax_layout_busy_page finds such a page in a range about to be punched or
 * truncated; break-layouts (4.18) waits for it with the fault lock dropped,
 * the naive variant waits holding it (the GUP deadlock, seeds/001).
 */
#include "core/core_impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* grab_mapping_entry -- the locked DAX entry of index, made if missing;
 * NULL where a page cache page is. */
static struct dax_entry *grab_mapping_entry(struct address_space *mapping,
					    uint64_t index)
{
	for (;;) {
		void *old;
		struct dax_entry *e;

		slot_touch(mapping, index, false);
		old = xa_load(&mapping->i_pages, index);

		if (old && !xa_is_dax(old)) {
			/* A page cache page in a DAX mapping: S_DAX changed
			 * under the mapping.  grab_mapping_entry (fs/dax.c,
			 * 5.x) finds an entry that is not a value: -EIO,
			 * and the fault is a SIGBUS. */
			return NULL;
		}
		if (!old) {
			char name[SIM_NAME_MAX];

			e = sim_alloc(sizeof(*e));
			e->blk = -1;
			core_name_index(name, sizeof(name), "",
					mapping->host->name, index, 1, "");
			sim_lock_init(&e->lock, &dax_entry_class, SIM_MUTEX,
				      name);
			slot_touch(mapping, index, true);
			xa_store(&mapping->i_pages, index,
				 (void *)((uintptr_t)e | XA_DAX_TAG));
		} else {
			e = xa_to_dax(old);
		}
		sim_mutex_lock(&e->lock, "grab_mapping_entry");
		slot_touch(mapping, index, false);
		if (xa_load(&mapping->i_pages, index) ==
		    (void *)((uintptr_t)e | XA_DAX_TAG))
			return e;
		sim_mutex_unlock(&e->lock, "grab_mapping_entry"); /* gone */
	}
}

/*
 * dax_iomap_fault -- a fault on page i of a DAX vma: under the fault lock
 * (shared), lock the entry, map the block (allocate and zero it on a write
 * to a hole; a read of a hole maps the zero page), install the pfn.
 */
int dax_iomap_fault(struct vm_area_struct *vma, uint64_t i, bool write)
{
	struct inode *inode = vma->vm_file;
	struct core_fs *fs = inode->fs;
	struct address_space *mapping = inode->i_mapping;
	struct sim_lock *fl = fault_lock(inode);
	uint64_t pgoff = vma->vm_pgoff + i;
	struct pte *pte = &vma->ptes[i];
	struct dax_entry *e;
	int64_t blk;
	int error = 0;

	if (fl)
		sim_down_read(fl, "ext4_dax_huge_fault");
	isize_touch(inode, false);
	if ((pgoff << PAGE_SHIFT) >= inode->i_size) {
		error = -EFAULT; /* SIGBUS */
		goto out;
	}
	e = grab_mapping_entry(mapping, pgoff);
	if (!e) {
		error = -EFAULT; /* VM_FAULT_SIGBUS */
		goto out;
	}
	sim_point_obj("entry_locked", "dax_iomap_fault", inode->name, NULL);
	/* ext4_iomap_begin: the block mapping, allocating on a write */
	blk = core_map_block(inode, pgoff);
	if (blk < 0 && write) {
		blk = core_alloc_block(inode, pgoff);
		if (blk >= 0)
			dev_zero(fs, (uint64_t)blk, 0, PAGE_SIZE);
	}
	sim_point_obj("block_mapped", "dax_iomap_fault", inode->name, NULL);
	pte_touch(vma, i, true);
	if (blk == -ENOSPC) {
		error = -ENOSPC;
	} else {
		/* dax_insert_entry: a block replacing the zero page entry
		 * unmaps the zero page from every mapping of the file
		 * (unmap_mapping_pages), so their next load faults and
		 * sees the block. */
		if (e->zero && blk >= 0)
			unmap_mapping_range(mapping, pgoff << PAGE_SHIFT,
					    (pgoff + 1) << PAGE_SHIFT);
		e->zero = blk < 0;
		e->blk = blk < 0 ? -1 : blk; /* -1: a hole, as above */
		if (pte->page || pte->pfn >= 0) {
			if (pte->page)
				put_page(pte->page);
			else
				core_dax_page(fs, (uint64_t)pte->pfn)
					->mapcount--;
			pte->page = NULL;
		}
		if (blk < 0) {
			pte->pfn = DAX_ZERO_PFN;
			pte->write = false;
		} else {
			pte->pfn = blk;
			pte->write = write;
			core_dax_page(fs, (uint64_t)blk)->mapcount++;
		}
		sim_point_obj("pte_installed", "dax_insert_pfn", inode->name,
			      NULL);
	}
	sim_mutex_unlock(&e->lock, "dax_iomap_fault");
out:
	if (fl)
		sim_up_read(fl, "ext4_dax_huge_fault");
	return error;
}

/*
 * dax_invalidate_mapping_entry_sync -- invalidate_inode_pages2_range's part
 * for a DAX entry (invalidate_exceptional_entry2 -> __dax_invalidate_entry):
 * wait for the entry's lock (get_unlocked_entry: a fault holding it
 * finishes first) and remove it.  DAX entries are never dirty here (the
 * model's stores are persistent when made), so each one goes.
 */
void dax_invalidate_mapping_entry_sync(struct address_space *mapping,
				       uint64_t index)
{
	void *entry;
	struct dax_entry *e;

	slot_touch(mapping, index, false);
	entry = xa_load(&mapping->i_pages, index);
	if (!entry || !xa_is_dax(entry))
		return;
	e = xa_to_dax(entry);
	sim_mutex_lock(&e->lock, "dax_invalidate_mapping_entry_sync");
	slot_touch(mapping, index, true);
	if (xa_load(&mapping->i_pages, index) == entry)
		xa_store(&mapping->i_pages, index, NULL);
	sim_mutex_unlock(&e->lock, "dax_invalidate_mapping_entry_sync");
}

/* dax_delete_mapping_range -- truncate's part for DAX: remove the entries
 * of pages [start, end), each under its entry lock. */
void dax_delete_mapping_range(struct address_space *mapping, uint64_t start,
			      uint64_t end)
{
	void *entry;

	/* find_get_entries' scan, its DAX entries (end - 1: inclusive) */
	for (uint64_t index = start; index < end &&
	     (entry = find_get_entry(mapping, &index, end - 1, true));
	     index++) {
		struct dax_entry *e = xa_to_dax(entry);

		sim_mutex_lock(&e->lock, "dax_delete_mapping_entry");
		slot_touch(mapping, index, true);
		xa_store(&mapping->i_pages, index, NULL);
		sim_mutex_unlock(&e->lock, "dax_delete_mapping_entry");
	}
}

/*
 * dax_layout_busy_page_range -- unmap the range (so new get_user_pages
 * calls fault and meet the fault lock), then return a DAX page of it that
 * is still pinned, or NULL.
 */
static struct dax_page *dax_layout_busy_page_range(struct inode *inode,
						   uint64_t start, uint64_t end)
{
	struct core_fs *fs = inode->fs;

	unmap_mapping_range(inode->i_mapping, start, end);
	for (uint64_t pg = start >> PAGE_SHIFT;
	     pg < ((end + PAGE_SIZE - 1) >> PAGE_SHIFT) &&
	     (pg << PAGE_SHIFT) < CORE_MAXBYTES;
	     pg++) {
		int64_t blk = core_map_block(inode, pg);
		struct dax_page *dp;

		if (blk < 0)
			continue;
		sim_touch("dev", NULL, (uint32_t)blk, false); /* its pins */
		dp = xa_load(&fs->dax_pages, (uint64_t)blk);
		if (dp && dp->pins.count > 0)
			return dp;
		isize_touch(inode, false);
		if (((pg + 1) << PAGE_SHIFT) >= inode->i_size)
			break;
	}
	return NULL;
}

/*
 * dax_break_layouts -- xfs_break_dax_layouts / ext4_break_layouts: while a
 * page of [start, end) is pinned, wait for its pins to drop, then rescan.
 * With dax-break-layouts the fault lock (held exclusive by the caller) is
 * dropped while waiting and taken again after, i_rwsem stays held; with
 * dax-break-layouts-naive it is kept: a get_user_pages that holds one pin
 * and faults the next page then waits for the fault lock, forever.
 */
int dax_break_layouts(struct inode *inode, uint64_t start, uint64_t end,
		      struct sim_lock *fl)
{
	bool naive = fix_on(inode->fs, FIX_DAX_BREAK_LAYOUTS_NAIVE);
	struct dax_page *dp;

	SIM_BUG_ON(!sim_lock_held_excl(&inode->i_rwsem));
	SIM_BUG_ON(fl && !sim_lock_held_excl(fl));
	if (!IS_DAX(inode, "ext4_break_layouts"))
		return 0;
	while ((dp = dax_layout_busy_page_range(inode, start, end))) {
		sim_point_obj("layout_busy", "dax_layout_busy_page",
			      inode->name, NULL);
		if (fl && !naive)
			sim_up_write(fl, "ext4_break_layouts");
		sim_ref_wait_zero(&dp->pins, "___wait_var_event");
		if (fl && !naive)
			sim_down_write(fl, "ext4_break_layouts");
	}
	return 0;
}

/* ---- read(2) and write(2) on S_DAX: dax_iomap_rw --------------------------------- */

/*
 * dax_iomap_read -- ext4_dax_read_iter: i_rwsem shared, S_DAX checked again
 * under it (-EAGAIN: it changed; the caller falls back to the page cache),
 * then each block copied from the device, holes as zeros.
 */
ssize_t dax_iomap_read(struct inode *inode, uint64_t pos, uint64_t len,
		       void *buf, int into_map, uint64_t into_off)
{
	struct core_fs *fs = inode->fs;
	unsigned char *out = buf;
	uint64_t done = 0, size;
	int error = 0;

	sim_down_read(&inode->i_rwsem, "ext4_dax_read_iter");
	if (!IS_DAX(inode, "ext4_dax_read_iter")) {
		sim_up_read(&inode->i_rwsem, "ext4_dax_read_iter");
		return -EAGAIN;
	}
	isize_touch(inode, false);
	size = inode->i_size;
	if (pos < size && len > size - pos)
		len = size - pos;
	while (pos < size && done < len) {
		uint64_t p = pos + done;
		uint32_t in = (uint32_t)(p & (PAGE_SIZE - 1));
		uint64_t n = PAGE_SIZE - in;
		int64_t blk;

		if (n > len - done)
			n = len - done;
		blk = core_map_block(inode, p >> PAGE_SHIFT);
		/* Copying into a mapping touches another file's memory: no
		 * scope then, the point may touch anything. */
		sim_point_obj("block_mapped", "dax_iomap_actor",
			      into_map < 0 ? inode->name : NULL, NULL);
		if (blk < 0)
			memset(out + done, 0, n);
		else
			dev_read(fs, (uint64_t)blk, in, out + done,
				 (uint32_t)n);
		if (into_map >= 0) {
			uint64_t left = core_copy_to_user_map(
				fs, into_map, into_off + done, out + done, n,
				"dax_iomap_actor");

			if (left) {
				/* dax_iomap_iter: a short copy_to_iter ends
				 * the read with what was copied, -EFAULT if
				 * nothing was. */
				done += n - left;
				error = -EFAULT;
				break;
			}
		}
		done += n;
	}
	sim_up_read(&inode->i_rwsem, "ext4_dax_read_iter");
	return done ? (ssize_t)done : error;
}

/* dax_iomap_write -- ext4_dax_write_iter: i_rwsem exclusive, blocks
 * allocated (new ones zeroed), the data copied in and persisted. */
ssize_t dax_iomap_write(struct inode *inode, uint64_t pos, uint64_t len,
			const void *buf)
{
	struct core_fs *fs = inode->fs;
	const unsigned char *in = buf;
	uint64_t done = 0;
	int error = 0;

	sim_down_write(&inode->i_rwsem, "ext4_dax_write_iter");
	if (!IS_DAX(inode, "ext4_dax_write_iter")) {
		sim_up_write(&inode->i_rwsem, "ext4_dax_write_iter");
		return -EAGAIN;
	}
	while (done < len) {
		uint64_t p = pos + done;
		uint32_t off = (uint32_t)(p & (PAGE_SIZE - 1));
		uint64_t n = PAGE_SIZE - off;
		int64_t blk = core_map_block(inode, p >> PAGE_SHIFT);

		if (n > len - done)
			n = len - done;
		if (blk < 0) {
			blk = core_alloc_block(inode, p >> PAGE_SHIFT);
			if (blk < 0) {
				error = (int)blk;
				break;
			}
			dev_zero(fs, (uint64_t)blk, 0, PAGE_SIZE);
			/* dax_iomap_iter, IOMAP_F_NEW: the zero page a load
			 * of the hole mapped must go, so that the data
			 * written is what the mapping sees
			 * (invalidate_inode_pages2_range: the entry removed
			 * once a fault holding it is done with it, then the
			 * page tables unmapped). */
			dax_invalidate_mapping_entry_sync(inode->i_mapping,
							  p >> PAGE_SHIFT);
			unmap_mapping_range(inode->i_mapping,
					    p & ~(uint64_t)(PAGE_SIZE - 1),
					    (p & ~(uint64_t)(PAGE_SIZE - 1)) +
						    PAGE_SIZE);
		}
		sim_point_obj("block_mapped", "dax_iomap_actor", inode->name,
			      NULL);
		dev_write(fs, (uint64_t)blk, off, in + done, (uint32_t)n);
		done += n;
		isize_touch(inode, false);
		if (pos + done > inode->i_size)
			core_i_size_write(inode, pos + done);
	}
	sim_up_write(&inode->i_rwsem, "ext4_dax_write_iter");
	return done ? (ssize_t)done : error;
}

/* dax_writeback_mapping_range -- fsync of a DAX file: the stores are
 * already persistent (pmem_dev_persist at each store); nothing to do but
 * what the kernel does, walk the entries. */
int dax_writeback_mapping_range(struct address_space *mapping)
{
	(void)mapping;
	return 0;
}
