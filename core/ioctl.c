/* SPDX-License-Identifier: MIT */
/*
 * core/ioctl.c -- the per-file DAX switch (FS_IOC_FSSETXATTR, statx,
 * eviction) and clone (remap_file_range): the operations that change what
 * an inode is, or lock two at once.
 *
 * Three designs of the DAX switch (KERNEL-NOTES Race 3, seeds/000, 002):
 *
 *   none                 S_DAX changes at once, under i_rwsem, after the
 *                        page cache is flushed.  Nothing in mmap() or the
 *                        fault path serialises against it: a mapping made
 *                        before keeps the other mode's vm_ops.
 *   dax-switch-aops-sem  the V5 series: a per-inode rwsem taken shared by
 *                        read, write, fallocate, truncate and mmap (before
 *                        mmap_lock), exclusive by the switch, which also
 *                        refuses a mapped file (EBUSY).
 *   dax-switch-on-evict  5.8: the flag changes at once, S_DAX only when the
 *                        inode is evicted, unused (d_mark_dontcache).
 */
#include "core/core_impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool not_freeing(void *arg)
{
	return !((struct inode *)arg)->freeing;
}

/*
 * evict -- internal: fs/inode.c evict(), run once, by the thread that set
 * I_FREEING (the last iput of a marked inode, or an evict of an unused
 * one): write back and drop the pages (iput_final: write_inode_now under
 * I_WILL_FREE; evict: truncate_inode_pages_final), then the inode is gone.
 * Waiters in find_inode are woken (wake_up_bit of __I_NEW in evict).
 *
 * What a user finds after: the inode as a new lookup reads it from disk
 * (iget_locked, xfs_iget -> xfs_setup_inode -> xfs_diflags_to_iflags):
 * no pages, no I_DONTCACHE, and S_DAX from FS_XFLAG_DAX where the block
 * size allows it (xfs_inode_should_enable_dax; ext4_should_enable_dax
 * checks the same).  The model keeps one struct inode and makes it that
 * next instance here, under i_lock, before anyone can find it.
 */
static void evict(struct inode *inode)
{
	struct address_space *mapping = inode->i_mapping;

	sim_point_obj("unused", "evict", inode->name, NULL);
	filemap_write_and_wait_range(mapping, 0, UINT64_MAX);
	truncate_inode_pages_range(mapping, 0, UINT64_MAX);
	sim_mutex_lock(&inode->i_lock, "evict");
	inode_touch(inode, false); /* xflag_dax, i_flags */
	if (inode->xflag_dax != !!(inode->i_flags & S_DAX) &&
	    inode->fs->block_size == PAGE_SIZE) {
		sim_var_write(&inode->i_flags_var, "xfs_inode_set_dax");
		inode_touch(inode, true);
		if (inode->xflag_dax)
			inode->i_flags |= S_DAX;
		else
			inode->i_flags &= ~S_DAX;
	}
	istate_touch(inode, true);
	inode->dontcache = false;
	inode->freeing = false;
	sim_wake_all(&inode->freeing_wq);
	sim_mutex_unlock(&inode->i_lock, "evict");
	sim_point_obj("evicted", "evict", inode->name, NULL);
}

/*
 * core_iget -- a new user of the inode (an open file): one being evicted
 * (I_WILL_FREE or I_FREEING) is waited for (find_inode:
 * __wait_on_freeing_inode), then the lookup finds the next instance,
 * fresh from disk (see evict above).
 */
void core_iget(struct inode *inode)
{
	for (;;) {
		sim_mutex_lock(&inode->i_lock, "find_inode");
		istate_touch(inode, false);
		if (!inode->freeing)
			break;
		sim_mutex_unlock(&inode->i_lock, "find_inode");
		sim_wait_event(&inode->freeing_wq, not_freeing, inode,
			       "__wait_on_freeing_inode");
	}
	icount_get_touch(inode);
	sim_ref_get(&inode->i_count, "igrab");
	sim_mutex_unlock(&inode->i_lock, "find_inode");
}

/*
 * core_iput -- iput: atomic_dec_and_lock(&inode->i_count, &inode->i_lock).
 * Not the last reference: a fully ordered decrement without the lock
 * (atomic_add_unless).  The last: under i_lock, and that put is ordered
 * after every earlier one (sim_ref_put), so every user's accesses happen
 * before what follows.  iput_final then evicts an inode marked
 * I_DONTCACHE (d_mark_dontcache: by set_dax since 5.8, or by evict);
 * an unmarked one stays cached.  Nothing ever waits for users to go.
 */
void core_iput(struct inode *inode)
{
	icount_touch(inode);
	if (inode->i_count.count > 1) {
		sim_ref_put(&inode->i_count, "iput");
		return;
	}
	sim_mutex_lock(&inode->i_lock, "iput");
	icount_touch(inode);
	istate_touch(inode, false);
	sim_ref_put(&inode->i_count, "iput");
	if (inode->i_count.count || !inode->dontcache) {
		sim_mutex_unlock(&inode->i_lock, "iput");
		return;
	}
	SIM_BUG_ON(inode->freeing);
	/* iput_final: I_WILL_FREE, then I_FREEING; new lookups wait */
	istate_touch(inode, true);
	inode->freeing = true;
	sim_mutex_unlock(&inode->i_lock, "iput_final");
	evict(inode);
}

/* d_mark_dontcache -- internal: I_DONTCACHE under i_lock (fs/inode.c):
 * the inode goes at its last iput. */
static void d_mark_dontcache(struct inode *inode)
{
	sim_mutex_lock(&inode->i_lock, "d_mark_dontcache");
	istate_touch(inode, true);
	inode->dontcache = true;
	sim_mutex_unlock(&inode->i_lock, "d_mark_dontcache");
}

/* switch_dax -- internal: flush and drop the page cache and DAX entries,
 * then flip S_DAX (and so the address space operations). */
static void switch_dax(struct inode *inode, bool on, const char *fn)
{
	struct address_space *mapping = inode->i_mapping;

	filemap_write_and_wait_range(mapping, 0, UINT64_MAX);
	truncate_pagecache_range(inode, 0, UINT64_MAX);
	sim_point_obj("flushed", fn, inode->name, NULL);
	sim_var_write(&inode->i_flags_var, fn);
	inode_touch(inode, true); /* i_flags, read directly by statx */
	if (on)
		inode->i_flags |= S_DAX;
	else
		inode->i_flags &= ~S_DAX;
	sim_point_obj("switched", fn, inode->name, NULL);
}

/*
 * core_set_dax -- FS_IOC_FSSETXATTR with FS_XFLAG_DAX set or clear.
 * Since 5.8 (dax-switch-on-evict) xfs_ioctl_setattr_prepare_dax returns
 * nothing: the flag is recorded whatever the block size, the inode is
 * marked I_DONTCACHE when the flag changes, and S_DAX follows at eviction
 * only where the block size is the page size (xfs_inode_should_enable_dax).
 * Before, XFS refused to set the flag with blocks smaller than a page
 * (xfs_ioctl_setattr_dax_invalidate of 5.7: bdev_dax_supported fails for
 * the block size, EINVAL); clearing it was allowed.
 */
int core_set_dax(struct inode *inode, bool on)
{
	struct core_fs *fs = inode->fs;

	if (fix_on(fs, FIX_DAX_SWITCH_ON_EVICT)) {
		sim_down_write(&inode->i_rwsem, "xfs_ioctl_setattr");
		inode_touch(inode, true); /* xflag_dax, read by evict */
		if (on != inode->xflag_dax)
			d_mark_dontcache(inode);
		inode->xflag_dax = on;
		sim_point_obj("flag_set", "xfs_ioctl_setattr", inode->name,
			      NULL);
		sim_up_write(&inode->i_rwsem, "xfs_ioctl_setattr");
		return 0;
	}
	if (on && fs->block_size != PAGE_SIZE)
		return -EINVAL; /* DAX needs blocks of a page */
	if (fix_on(fs, FIX_DAX_SWITCH_AOPS_SEM)) {
		int ret = 0;

		sim_down_write(&inode->i_aops_sem, "xfs_ioctl_setattr_dax");
		inode_touch(inode, false); /* i_mmap_count */
		if (inode->i_mapping->i_mmap_count) {
			ret = -EBUSY; /* mapping_mapped: no switch under mmap */
		} else {
			sim_down_write(&inode->i_rwsem, "xfs_ioctl_setattr");
			inode_touch(inode, true);
			inode->xflag_dax = on;
			if (on != !!(inode->i_flags & S_DAX))
				switch_dax(inode, on, "xfs_ioctl_setattr_dax");
			sim_up_write(&inode->i_rwsem, "xfs_ioctl_setattr");
		}
		sim_up_write(&inode->i_aops_sem, "xfs_ioctl_setattr_dax");
		return ret;
	}
	sim_down_write(&inode->i_rwsem, "xfs_ioctl_setattr");
	inode_touch(inode, true);
	inode->xflag_dax = on;
	if (on != !!(inode->i_flags & S_DAX))
		switch_dax(inode, on, "xfs_ioctl_setattr_dax");
	sim_up_write(&inode->i_rwsem, "xfs_ioctl_setattr");
	return 0;
}

/* core_statx_dax -- STATX_ATTR_DAX: S_DAX as it is, read without a lock
 * (READ_ONCE: statx needs none, as the review of the V5 series said). */
int core_statx_dax(struct inode *inode)
{
	inode_touch(inode, false);
	return !!(inode->i_flags & S_DAX);
}

/*
 * core_evict -- the inode leaves the cache once unused, and never waits
 * for its users.  In use (an operation in flight, a mapping): it is
 * marked I_DONTCACHE (d_mark_dontcache) and goes at its last iput.
 * Unused: evicted now, as drop_caches does (prune_icache_sb ->
 * inode_lru_isolate sets I_FREEING under i_lock, dispose_list -> evict).
 * Already being evicted: nothing to do, an inode is evicted once.
 */
int core_evict(struct inode *inode)
{
	sim_mutex_lock(&inode->i_lock, "inode_lru_isolate");
	icount_touch(inode);
	istate_touch(inode, true);
	if (inode->freeing) {
		sim_mutex_unlock(&inode->i_lock, "inode_lru_isolate");
		sim_note("the inode is already being evicted");
		return 0;
	}
	if (inode->i_count.count) {
		inode->dontcache = true;
		sim_mutex_unlock(&inode->i_lock, "d_mark_dontcache");
		sim_note("the inode is in use: evicted at its last iput");
		return 0;
	}
	inode->freeing = true;
	sim_mutex_unlock(&inode->i_lock, "inode_lru_isolate");
	evict(inode);
	return 0;
}

/* lock_two -- internal: two inodes' locks, ordered by simulated address
 * (lock_two_nondirectories, filemap_invalidate_lock_two), the second with
 * a nesting subclass. */
static void lock_two(struct sim_lock *a, struct sim_lock *b, const char *fn)
{
	if (a->id > b->id) {
		struct sim_lock *t = a;

		a = b;
		b = t;
	}
	sim_down_write(a, fn);
	sim_down_write_nested(b, 1, fn);
}

static void unlock_two(struct sim_lock *a, struct sim_lock *b, const char *fn)
{
	sim_up_write(a, fn);
	sim_up_write(b, fn);
}

/*
 * core_clone -- remap_file_range: both inodes locked together, both fault
 * locks, the ranges written back and dst's pages dropped, then dst's
 * blocks over the range get src's data.  The model copies the blocks
 * (new blocks for dst) rather than sharing extents: block accounting here
 * has one owner per block.
 *
 * An error part way (ENOSPC: the model's copy needs blocks that XFS's
 * shared extents would not) keeps what was remapped, as
 * xfs_reflink_remap_blocks does extent by extent (each
 * xfs_reflink_remap_extent is its own transaction, and raises i_size to
 * the end of what it remapped); *done is that length.  XFS then returns
 * the length remapped and ioctl_file_clone turns the short count into
 * EINVAL (5.15; ENOSPC since REMAP_FILE_CAN_SHORTEN's fix): the model
 * returns the error itself.
 */
int core_clone(struct inode *src, struct inode *dst, uint64_t offset,
	       uint64_t len, void *buf, uint64_t *done)
{
	struct core_fs *fs = src->fs;
	struct sim_lock *fs_src = fault_lock(src), *fs_dst = fault_lock(dst);
	unsigned char *b = buf;
	int error = 0;
	uint64_t off = 0;

	*done = 0;
	if (src == dst || !len || (offset | len) & (fs->block_size - 1))
		return -EINVAL;
	if (offset >= CORE_MAXBYTES || len > CORE_MAXBYTES - offset)
		return -EFBIG;
	lock_two(&src->i_rwsem, &dst->i_rwsem, "lock_two_nondirectories");
	if (fs_src)
		lock_two(fs_src, fs_dst, "filemap_invalidate_lock_two");
	sim_point_obj("locked", "xfs_reflink_remap_prep", src->name, dst->name);
	isize_touch(src, false);
	if (offset + len > src->i_size) {
		error = -EINVAL;
		goto out;
	}
	filemap_write_and_wait_range(src->i_mapping, offset, offset + len - 1);
	filemap_write_and_wait_range(dst->i_mapping, offset, offset + len - 1);
	/* xfs_reflink_remap_prep -> xfs_flush_unmap_range: dst's flush and
	 * unmap are rounded out to whole pages (max(block size, page size)),
	 * so with blocks smaller than a page no page is left half zeroed:
	 * the pages go and are read again from the remapped blocks.  (XFS's
	 * extension of the range from EOF when dst's offset is past it is
	 * not modelled: the range must lie within src, and dst's pages past
	 * its EOF hold nothing but zeros.) */
	{
		uint64_t start = offset & ~(uint64_t)(PAGE_SIZE - 1);
		uint64_t end = ((offset + len + PAGE_SIZE - 1) &
				~(uint64_t)(PAGE_SIZE - 1)) -
			1;

		filemap_write_and_wait_range(dst->i_mapping, start, end);
		truncate_pagecache_range(dst, start, end);
	}
	for (; off < len; off += fs->block_size) {
		uint64_t lblk = (offset + off) >> fs->blkbits;
		int64_t sblk = core_map_block(src, lblk), dblk;

		if (sblk < 0) {
			memset(b + off, 0, fs->block_size);
			core_unmap_block(dst, lblk);
			continue;
		}
		dev_read(fs, (uint64_t)sblk, 0, b + off, fs->block_size);
		dblk = core_alloc_block(dst, lblk);
		if (dblk < 0) {
			error = (int)dblk;
			break;
		}
		dev_write(fs, (uint64_t)dblk, 0, b + off, fs->block_size);
	}
	sim_point_obj("remapped", "xfs_reflink_remap_blocks", dst->name, NULL);
	*done = off;
	isize_touch(dst, false);
	if (off && offset + off > dst->i_size)
		core_i_size_write(dst, offset + off);
out:
	if (fs_src)
		unlock_two(fs_src, fs_dst, "filemap_invalidate_unlock_two");
	unlock_two(&src->i_rwsem, &dst->i_rwsem, "unlock_two_nondirectories");
	return error;
}
