/* SPDX-License-Identifier: MIT */
/*
 * core/filemap.c -- the page cache: lookup, the buffered read path, the
 * buffered write path and writeback (mm/filemap.c, fs/buffer.c).
 *
 * Pages are per block uptodate and dirty (buffer heads in miniature), so a
 * page whose first block was written but whose others were never read is
 * "partially uptodate", as with a 1 KiB block size (KERNEL-NOTES Race 1).
 *
 * I/O is synchronous: readpage looks the blocks up, passes the named point
 * read.block_mapped, then reads the device.  That window, between mapping a
 * block and reading it, is the one a concurrent punch can free the block in.
 */
#include "core/core_impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- Pages and the index ---------------------------------------------------- */

void get_page(struct page *page)
{
	page->refcount++;
}

void put_page(struct page *page)
{
	SIM_BUG_ON(page->refcount <= 0);
	/* The last reference frees the page: its memory is the arena's. */
	page->refcount--;
}

void lock_page(struct page *page, const char *fn)
{
	sim_mutex_lock(&page->lock, fn);
}

void unlock_page(struct page *page, const char *fn)
{
	sim_mutex_unlock(&page->lock, fn);
}

/* find_get_page -- the page at index with a reference, or NULL. */
struct page *find_get_page(struct address_space *mapping, uint64_t index)
{
	struct page *page;

	slot_touch(mapping, index, false);
	page = xa_load(&mapping->i_pages, index);
	if (!page || xa_is_dax(page))
		return NULL;
	get_page(page);
	return page;
}

/*
 * find_get_entry -- the scan of the index that find_get_entries and
 * find_lock_entries share (mm/filemap.c: their find_get_entry walks the
 * xarray up to 'max'), one entry at a time: the first entry at an index in
 * [*indexp, max] (inclusive, as the kernel's end) of the kind asked for, a
 * page of the cache (returned with a reference) or, with 'dax', a DAX entry
 * (no reference: the caller takes its entry lock); *indexp is set to its
 * index.  NULL when there is none; a scan ends there.
 *
 * The kernel gathers a batch under RCU and then locks each page; the model
 * hands each entry back as soon as it finds it, so the caller's locks and
 * points come between two steps of the scan.  Each call announces the
 * whole index (slots_touch) unless the range is empty: a scan is one call,
 * then one more after each entry returned, with *indexp one past it.
 * Callers: truncate_inode_pages_range, invalidate_inode_pages2_range,
 * filemap_write_and_wait_range, dax_delete_mapping_range.
 */
void *find_get_entry(struct address_space *mapping, uint64_t *indexp,
		     uint64_t max, bool dax)
{
	const struct xa *xa = &mapping->i_pages;

	if (*indexp > max)
		return NULL;
	slots_touch(mapping, false); /* the scan */
	/* past xa->end every slot is empty */
	for (uint64_t index = *indexp; index <= max && index < xa->end;
	     index++) {
		void **leaf;
		void *entry;

		if ((index >> XA_SHIFT) >= xa->nroot)
			break;
		leaf = xa->root[index >> XA_SHIFT];
		if (!leaf) {
			index |= XA_LEAF - 1; /* skip the empty leaf */
			continue;
		}
		entry = leaf[index & (XA_LEAF - 1)];
		if (!entry || xa_is_dax(entry) != dax)
			continue;
		if (!dax)
			get_page(entry);
		*indexp = index;
		return entry;
	}
	return NULL;
}

/*
 * page_cache_alloc -- a new page, locked by nobody, one reference (ours).
 * Its lock and pins are named when it gets its index
 * (add_to_page_cache_lru, which every caller calls next).
 */
struct page *page_cache_alloc(struct address_space *mapping)
{
	struct core_fs *fs = mapping->host->fs;
	struct page *page = sim_alloc(sizeof(*page));

	page->id = ++fs->next_pfn;
	page->home = mapping->host;
	page->refcount = 1;
	return page;
}

/*
 * page_name -- internal: name the lock and pins of a new page by its file
 * and index, "page(a:1)" and "pins(a:1)"; a later page made for the same
 * index in the same execution (the first truncated, or losing the race to
 * insert it) is its second frame, "page(a:1#2)", and so on.  The names are
 * the same in every execution that makes the same pages in the same order
 * (lockdep's instance graph and the findings' signatures key by them).
 * The count is the model's bookkeeping for names, no kernel datum: it is
 * not announced to the systematic search (sim_touch), whose outcomes
 * (tests/test_dfs.c) do not include names; two schedules that differ only
 * in which of two racing inserts numbered its page first are one to it.
 */
static void page_name(struct page *page, struct address_space *mapping,
		      uint64_t index)
{
	uintptr_t n = (uintptr_t)xa_load(&mapping->frames, index) + 1;
	char inst[SIM_NAME_MAX - 6]; /* room for "pins(" ")" */
	char name[SIM_NAME_MAX];
	size_t len;

	xa_store(&mapping->frames, index, (void *)n);
	/* "%s:%llu" or "%s:%llu#%u", and "pins(%s)" */
	core_name_index(inst, sizeof(inst), "", mapping->host->name, index,
			(unsigned)n, "");
	sim_lock_init(&page->lock, &page_lock_class, SIM_MUTEX, inst);
	len = strlen(inst); /* fits: inst has room for "pins(" ")" */
	memcpy(name, "pins(", 5);
	memcpy(name + 5, inst, len);
	memcpy(name + 5 + len, ")", 2);
	sim_ref_init(&page->pins, name);
}

/*
 * add_to_page_cache_lru -- insert a new page at index, locked, with a
 * reference for the cache.  -EEXIST if another thread got there first.
 */
int add_to_page_cache_lru(struct page *page, struct address_space *mapping,
			  uint64_t index, const char *fn)
{
	void *old;

	/* __add_to_page_cache_locked sets page->index before it looks at
	 * the slot; here the index names the page. */
	page_name(page, mapping, index);
	/* __SetPageLocked: nobody else can see the page yet. */
	lock_page(page, fn);
	slot_touch(mapping, index, true);
	old = xa_load(&mapping->i_pages, index);
	/* A DAX entry where a page goes: an S_DAX switch let a non-DAX
	 * fault or read into a mapping that still holds DAX entries.  A
	 * DAX entry is a value entry, which __add_to_page_cache_locked
	 * (mm/filemap.c, 5.x; page_cache_tree_insert before the xarray)
	 * takes for a shadow and replaces: the page goes in, and whoever
	 * maps the block through the old entry keeps it mapped. */
	if (old && !xa_is_dax(old)) {
		unlock_page(page, fn);
		return -EEXIST;
	}
	page->index = index;
	page->mapping = mapping;
	get_page(page);
	xa_store(&mapping->i_pages, index, page);
	mapping->nrpages++;
	return 0;
}

/* ---- Delayed allocation (ext4: fs/ext4/inode.c ext4_da_*) ------------------
 *
 * The model follows ext4's delayed allocation, not XFS's delalloc extents:
 * a buffered write or a store (page_mkwrite) over a hole reserves a block
 * (ext4_da_reserve_space; ENOSPC there, not at writeback) and marks the
 * page's block buffer_delay; writeback allocates it (ext4_writepages ->
 * mpage_map_and_submit_extent) and writes the data in the same step.  So
 * no block is in a file's map before its data is on it, and a block a
 * punch just freed is never read with its old contents.  A page dropped
 * from the cache with delayed blocks gives their reservation back
 * (ext4_da_invalidatepage -> ext4_da_release_space).
 */

/* core_da_reserve_block -- ext4_da_reserve_space: one block, or -ENOSPC. */
int core_da_reserve_block(struct inode *inode)
{
	struct core_fs *fs = inode->fs;

	sim_touch("alloc", NULL, SIM_TOUCH_ALL, true);
	if (pmem_dev_nfree(fs->dev) <= fs->da_reserved)
		return -ENOSPC;
	fs->da_reserved++;
	return 0;
}

/* core_da_release_blocks -- give back the reservations of the page's delayed
 * blocks among 'blocks' (the page locked). */
void core_da_release_blocks(struct page *page, uint32_t blocks)
{
	struct core_fs *fs = page->home->fs;
	uint32_t n = (uint32_t)__builtin_popcount(page->delay_blocks & blocks);

	if (!n)
		return;
	page_touch(page, true);
	sim_touch("alloc", NULL, SIM_TOUCH_ALL, true);
	SIM_BUG_ON(fs->da_reserved < n);
	fs->da_reserved -= n;
	page->delay_blocks &= ~blocks;
}

/* delete_from_page_cache -- the page leaves the index (page locked). */
void delete_from_page_cache(struct page *page)
{
	struct address_space *mapping = page->mapping;

	SIM_BUG_ON(!sim_lock_held(&page->lock));
	core_da_release_blocks(page, ~0u);
	page_touch(page, true);
	xa_store(&mapping->i_pages, page->index, NULL);
	mapping->nrpages--;
	page->mapping = NULL;
	put_page(page);
}

/* ---- invalidate_lock (5.15) ------------------------------------------------- */

void filemap_invalidate_lock(struct address_space *mapping)
{
	sim_down_write(&mapping->invalidate_lock, "filemap_invalidate_lock");
}

void filemap_invalidate_unlock(struct address_space *mapping)
{
	sim_up_write(&mapping->invalidate_lock, "filemap_invalidate_unlock");
}

void filemap_invalidate_lock_shared(struct address_space *mapping,
				    const char *fn)
{
	sim_down_read(&mapping->invalidate_lock, fn);
}

void filemap_invalidate_unlock_shared(struct address_space *mapping,
				      const char *fn)
{
	sim_up_read(&mapping->invalidate_lock, fn);
}

/* ---- Reading ------------------------------------------------------------------ */

static uint32_t page_blocks_mask(const struct core_fs *fs)
{
	return fs->blocks_per_page == 32 ? ~0u :
					   (1u << fs->blocks_per_page) - 1;
}

/* range_blocks -- the page's blocks that bytes [from, to) of it touch. */
static uint32_t range_blocks(const struct core_fs *fs, uint32_t from,
			     uint32_t to)
{
	uint32_t first = from >> fs->blkbits;
	uint32_t last = (to - 1) >> fs->blkbits;

	return (uint32_t)(((2ull << last) - 1) & ~((1ull << first) - 1));
}

/*
 * readpage -- block_read_full_page: read every block of the locked page
 * that is not uptodate from the device (holes are zeroed), set the page
 * uptodate and unlock it.
 */
int readpage(struct page *page)
{
	struct inode *inode = page->mapping->host;
	struct core_fs *fs = inode->fs;
	int64_t blks[32];
	uint32_t missing;

	page_touch(page, false);
	missing = ~page->uptodate_blocks & page_blocks_mask(fs);
	SIM_BUG_ON(!sim_lock_held(&page->lock));
	/* get_block for each buffer that needs reading... */
	for (uint32_t b = 0; b < fs->blocks_per_page; b++) {
		uint64_t lblk = (page->index << PAGE_SHIFT >> fs->blkbits) + b;

		/* an unwritten block (a direct write in flight) reads as
		 * zeros: core_map_block_read */
		blks[b] = (missing & (1u << b)) ?
			core_map_block_read(inode, lblk) :
			-1;
	}
	sim_point_obj("block_mapped", "readpage", inode->name, NULL);
	page_touch(page, true);
	/* ...then submit the I/O: it reads whatever the blocks hold now. */
	for (uint32_t b = 0; b < fs->blocks_per_page; b++) {
		unsigned char *p = page->data + (b << fs->blkbits);

		if (!(missing & (1u << b)))
			continue;
		if (blks[b] < 0)
			memset(p, 0, fs->block_size);
		else
			dev_read(fs, (uint64_t)blks[b], 0, p, fs->block_size);
	}
	page->uptodate_blocks |= missing;
	page->flags |= PG_uptodate;
	sim_point_obj("page_uptodate", "readpage", inode->name, NULL);
	unlock_page(page, "readpage");
	return 0;
}

/*
 * filemap_create_page -- a page for index, read in.  With invalidate_lock
 * (5.15) the page is added and read under the lock held shared, so a punch
 * holding it exclusive cannot run between the two.  inv_held: the caller
 * holds it already (the over-copy variant), and it is not taken again.
 */
static int filemap_create_page(struct address_space *mapping, uint64_t index,
			       bool inv_held, struct page **pagep)
{
	bool inv = fix_on(mapping->host->fs, FIX_INVALIDATE_LOCK) && !inv_held;
	struct page *page;
	int error;

	SIM_BUG_ON(inv_held != sim_lock_held(&mapping->invalidate_lock));
	page = page_cache_alloc(mapping);
	if (inv)
		filemap_invalidate_lock_shared(mapping, "filemap_create_page");
	error = add_to_page_cache_lru(page, mapping, index,
				      "filemap_create_page");
	if (error) {
		if (inv)
			filemap_invalidate_unlock_shared(mapping,
							 "filemap_create_page");
		put_page(page);
		return error == -EEXIST ? -EAGAIN : error;
	}
	sim_point_obj("page_created", "filemap_create_page",
		      mapping->host->name, NULL);
	error = readpage(page);
	if (inv)
		filemap_invalidate_unlock_shared(mapping,
						 "filemap_create_page");
	*pagep = page;
	return error;
}

/*
 * filemap_update_page -- bring a cached page that is not uptodate over
 * [from, to) up to date.  With the fix, under invalidate_lock shared: the
 * partially uptodate page of a 1 KiB block size must not be read from a
 * block a punch is freeing.  -EAGAIN: the page was truncated, look again.
 * inv_held: as for filemap_create_page.
 */
static int filemap_update_page(struct address_space *mapping, struct page *page,
			       uint32_t from, uint32_t to, bool inv_held)
{
	bool inv = fix_on(mapping->host->fs, FIX_INVALIDATE_LOCK) && !inv_held;
	struct core_fs *fs = mapping->host->fs;
	int error = 0;

	SIM_BUG_ON(inv_held != sim_lock_held(&mapping->invalidate_lock));
	if (inv)
		filemap_invalidate_lock_shared(mapping, "filemap_update_page");
	lock_page(page, "filemap_update_page");
	page_touch(page, false);
	if (!page->mapping) {
		/* truncated while we slept */
		unlock_page(page, "filemap_update_page");
		error = -EAGAIN;
	} else if ((page->flags & PG_uptodate) ||
		   (range_blocks(fs, from, to) & ~page->uptodate_blocks) == 0) {
		/* filemap_range_uptodate / is_partially_uptodate */
		unlock_page(page, "filemap_update_page");
	} else {
		error = readpage(page);
	}
	if (inv)
		filemap_invalidate_unlock_shared(mapping,
						 "filemap_update_page");
	return error;
}

/* filemap_get_page -- a referenced page of index, uptodate over [from, to);
 * inv_held: the caller holds invalidate_lock shared. */
int filemap_get_page(struct address_space *mapping, uint64_t index,
		     uint32_t from, uint32_t to, bool inv_held,
		     struct page **pagep)
{
	struct core_fs *fs = mapping->host->fs;

	for (;;) {
		struct page *page = find_get_page(mapping, index);
		int error;

		if (!page) {
			error = filemap_create_page(mapping, index, inv_held,
						    &page);
			if (error == -EAGAIN)
				continue;
			if (error)
				return error;
			*pagep = page;
			return 0;
		}
		page_touch(page, false);
		if ((page->flags & PG_uptodate) ||
		    (range_blocks(fs, from, to) & ~page->uptodate_blocks) ==
			    0) {
			*pagep = page;
			return 0;
		}
		error = filemap_update_page(mapping, page, from, to, inv_held);
		if (!error) {
			*pagep = page;
			return 0;
		}
		put_page(page);
		if (error != -EAGAIN)
			return error;
	}
}

/*
 * core_read -- filemap_read: for each page of the range, get it uptodate,
 * then copy it out with only a page reference held (the copy to the user
 * happens after invalidate_lock is dropped).
 */
static ssize_t read_iter(struct inode *inode, uint64_t pos, uint64_t len,
			 void *buf, int into_map, uint64_t into_off);

ssize_t core_read_to(struct inode *inode, uint64_t pos, uint64_t len, void *buf,
		     int into_map, uint64_t into_off)
{
	ssize_t ret;

	if (pos >= CORE_MAXBYTES)
		return 0;
	/* The V5 series wrapped ->read_iter in the aops rwsem. */
	if (fix_on(inode->fs, FIX_DAX_SWITCH_AOPS_SEM)) {
		sim_down_read(&inode->i_aops_sem, "vfs_read");
		ret = read_iter(inode, pos, len, buf, into_map, into_off);
		sim_up_read(&inode->i_aops_sem, "vfs_read");
		return ret;
	}
	return read_iter(inode, pos, len, buf, into_map, into_off);
}

/* read_iter -- internal: ext4_file_read_iter. */
static ssize_t read_iter(struct inode *inode, uint64_t pos, uint64_t len,
			 void *buf, int into_map, uint64_t into_off)
{
	struct address_space *mapping = inode->i_mapping;
	bool over_copy = fix_on(inode->fs, FIX_INVALIDATE_LOCK) &&
		fix_on(inode->fs, FIX_INVALIDATE_LOCK_OVER_COPY);
	unsigned char *out = buf;
	uint64_t done = 0;
	ssize_t ret;

	/* S_DAX decides, then ext4_dax_read_iter checks it again under
	 * i_rwsem. */
	if (IS_DAX(inode, "ext4_file_read_iter")) {
		ret = dax_iomap_read(inode, pos, len, buf, into_map, into_off);
		if (ret != -EAGAIN)
			return ret;
	}
	/* The variant the review ruled out: the lock over the copy too. */
	if (over_copy)
		filemap_invalidate_lock_shared(mapping, "filemap_read");
	while (done < len) {
		uint64_t p = pos + done;
		uint64_t index = p >> PAGE_SHIFT;
		uint32_t offset = (uint32_t)(p & (PAGE_SIZE - 1));
		uint64_t n = PAGE_SIZE - offset;
		struct page *page;
		uint64_t isize;
		int error;

		isize_touch(inode, false);
		if (p >= inode->i_size)
			break;
		if (n > len - done)
			n = len - done;
		if (n > inode->i_size - p)
			n = inode->i_size - p;
		error = filemap_get_page(mapping, index, offset,
					 offset + (uint32_t)n, over_copy,
					 &page);
		if (error) {
			ret = done ? (ssize_t)done : error;
			goto out;
		}
		/* i_size may have changed while we read the page in. */
		isize_touch(inode, false);
		isize = inode->i_size;
		if (p >= isize) {
			put_page(page);
			break;
		}
		if (n > isize - p)
			n = isize - p;
		/* Copying into a mapping touches another file's pages: no
		 * scope then, the point may touch anything. */
		sim_point_obj("copy", "filemap_read",
			      into_map < 0 ? inode->name : NULL, NULL);
		/* 'out' keeps what was read, for the oracle, in both cases */
		page_touch(page, false);
		memcpy(out + done, page->data + offset, n);
		if (into_map >= 0) {
			/* copy_page_to_iter into a mapping of another file: the
			 * copy faults there, with only a page reference held
			 * (5.15 drops invalidate_lock before the copy). */
			/* From the bytes just read: the oracle checks those
			 * against a's history and records them as b's. */
			uint64_t left = core_copy_to_user_map(
				inode->fs, into_map, into_off + done,
				out + done, n, "copy_page_to_iter");

			if (left) {
				/* filemap_read: a short copy ends the read,
				 * which returns what was copied (already_read),
				 * EFAULT only if nothing was. */
				put_page(page);
				done += n - left;
				ret = done ? (ssize_t)done : -EFAULT;
				goto out;
			}
		}
		put_page(page);
		done += n;
	}
	ret = (ssize_t)done;
out:
	if (over_copy)
		filemap_invalidate_unlock_shared(mapping, "filemap_read");
	return ret;
}

/* ---- Writing ------------------------------------------------------------------ */

/*
 * write_begin -- grab_cache_page_write_begin + ext4_da_write_begin: the
 * locked page for index, its holes in [from, to) reserved for delayed
 * allocation (ext4_da_get_block_prep), and the blocks the write covers
 * only in part read in (or zeroed when new).
 */
static int write_begin(struct inode *inode, uint64_t index, uint32_t from,
		       uint32_t to, struct page **pagep)
{
	struct address_space *mapping = inode->i_mapping;
	struct core_fs *fs = inode->fs;
	struct page *page;

	for (;;) {
		page = find_get_page(mapping, index);
		if (page) {
			lock_page(page, "write_begin");
			page_touch(page, false);
			if (page->mapping == mapping)
				break;
			unlock_page(page, "write_begin"); /* truncated */
			put_page(page);
			continue;
		}
		page = page_cache_alloc(mapping);
		if (add_to_page_cache_lru(page, mapping, index,
					  "write_begin") == 0)
			break;
		put_page(page);
	}
	page_touch(page, true);
	for (uint32_t b = 0; b < fs->blocks_per_page; b++) {
		uint32_t bfrom = b << fs->blkbits, bto = bfrom + fs->block_size;
		uint64_t lblk = (index << PAGE_SHIFT >> fs->blkbits) + b;
		unsigned char *p = page->data + bfrom;
		int64_t blk;

		if (bto <= from || bfrom >= to)
			continue;
		blk = core_map_block(inode, lblk);
		if (blk < 0 && !(page->delay_blocks & (1u << b))) {
			int error = core_da_reserve_block(inode);

			if (error) {
				unlock_page(page, "write_begin");
				put_page(page);
				return error;
			}
			page->delay_blocks |= 1u << b;
		}
		/* __block_write_begin_int: a buffer of an uptodate page is
		 * uptodate (block_invalidatepage may have cleared it while
		 * the page stayed uptodate); it is never read again */
		if (page->flags & PG_uptodate)
			page->uptodate_blocks |= 1u << b;
		if (page->uptodate_blocks & (1u << b))
			continue;
		if (from <= bfrom && to >= bto)
			continue; /* fully overwritten */
		if (blk < 0)
			memset(p, 0, fs->block_size); /* buffer_new */
		else
			dev_read(fs, (uint64_t)blk, 0, p, fs->block_size);
		page->uptodate_blocks |= 1u << b;
	}
	*pagep = page;
	return 0;
}

/* write_end -- block_write_end: the blocks written are uptodate and
 * dirty, and so is the page; unlock it. */
static void write_end(struct page *page, uint32_t from, uint32_t to)
{
	struct core_fs *fs = page->mapping->host->fs;
	uint32_t blocks = range_blocks(fs, from, to);

	page_touch(page, true);
	page->uptodate_blocks |= blocks;
	page->dirty_blocks |= blocks;
	page->flags |= PG_dirty;
	if (page->uptodate_blocks == page_blocks_mask(fs))
		page->flags |= PG_uptodate;
	unlock_page(page, "write_end");
	put_page(page);
}

/*
 * core_write -- ext4_buffered_write_iter: i_rwsem exclusive, then
 * generic_perform_write page by page, then i_size.
 */
static ssize_t write_iter(struct inode *inode, uint64_t pos, uint64_t len,
			  const void *buf);

ssize_t core_write(struct inode *inode, uint64_t pos, uint64_t len,
		   const void *buf)
{
	if (pos >= CORE_MAXBYTES || len > CORE_MAXBYTES - pos)
		return -EFBIG;
	/* The V5 series wrapped ->write_iter in the aops rwsem. */
	if (fix_on(inode->fs, FIX_DAX_SWITCH_AOPS_SEM)) {
		ssize_t ret;

		sim_down_read(&inode->i_aops_sem, "vfs_write");
		ret = write_iter(inode, pos, len, buf);
		sim_up_read(&inode->i_aops_sem, "vfs_write");
		return ret;
	}
	return write_iter(inode, pos, len, buf);
}

/* write_iter -- internal: ext4_file_write_iter, buffered or DAX. */
static ssize_t write_iter(struct inode *inode, uint64_t pos, uint64_t len,
			  const void *buf)
{
	const unsigned char *in = buf;
	uint64_t done = 0;
	int error = 0;

	if (IS_DAX(inode, "ext4_file_write_iter")) {
		ssize_t ret;

		ret = dax_iomap_write(inode, pos, len, buf);

		if (ret != -EAGAIN)
			return ret;
	}
	sim_down_write(&inode->i_rwsem, "ext4_buffered_write_iter");
	while (done < len) {
		uint64_t p = pos + done;
		uint32_t offset = (uint32_t)(p & (PAGE_SIZE - 1));
		uint64_t n = PAGE_SIZE - offset;
		struct page *page = NULL;

		if (n > len - done)
			n = len - done;
		error = write_begin(inode, p >> PAGE_SHIFT, offset,
				    offset + (uint32_t)n, &page);
		if (error)
			break;
		sim_point_obj("page_locked", "generic_perform_write",
			      inode->name, NULL);
		page_touch(page, true);
		memcpy(page->data + offset, in + done, n);
		sim_point_obj("copied", "generic_perform_write", inode->name,
			      NULL);
		write_end(page, offset, offset + (uint32_t)n);
		done += n;
		isize_touch(inode, false);
		if (pos + done > inode->i_size)
			core_i_size_write(inode, pos + done);
	}
	sim_up_write(&inode->i_rwsem, "ext4_buffered_write_iter");
	return done ? (ssize_t)done : error;
}

/* ---- Writeback ---------------------------------------------------------------- */

/* mkclean_ptes -- internal: the entries of the file's live VMAs that map
 * page: made read-only when wrprotect, else counted.  Returns how many. */
static int mkclean_ptes(struct page *page, bool wrprotect)
{
	struct inode *inode = page->mapping->host;
	struct core_fs *fs = inode->fs;
	int n = 0;

	for (int m = 0; m < fs->mm.nvmas; m++) {
		struct vm_area_struct *vma = fs->mm.vmas[m];
		uint64_t i;

		if (!vma || vma->dead || vma->vm_file != inode ||
		    page->index < vma->vm_pgoff ||
		    page->index - vma->vm_pgoff >= vma->npages)
			continue;
		i = page->index - vma->vm_pgoff;
		if (vma->ptes[i].page != page)
			continue;
		n++;
		if (wrprotect && vma->ptes[i].write) {
			pte_touch(vma, i, true);
			vma->ptes[i].write = false;
		}
	}
	return n;
}

/* page_mapped -- how many user page table entries map page (of the
 * cache, its mapping set): the model keeps no mapcount for page cache
 * pages, so the file's VMAs are looked at; announced as a read of them. */
int page_mapped(struct page *page)
{
	sim_touch("pte", page->mapping->host->name, page_elem(page->index),
		  false);
	return mkclean_ptes(page, false);
}

/*
 * page_mkclean -- clear_page_dirty_for_io's first step (mm/page-writeback.c,
 * mm/rmap.c page_mkclean -> rmap_walk_file): a mapped page's entries are
 * made read-only before the page is written, so that a store after the
 * writeback faults (page_mkwrite: the fault lock, the page lock, the page
 * dirtied again) instead of writing into a page that looks clean.  The
 * walk takes i_mmap_rwsem shared, under the page lock (mm/rmap.c's lock
 * order); an unmapped page (!page_mapped) takes nothing.  The model's
 * store sets PG_dirty itself (the pte dirty bit found by the walk).
 */
static void page_mkclean(struct page *page)
{
	struct address_space *mapping = page->mapping;

	if (!page_mapped(page))
		return;
	sim_down_read(&mapping->i_mmap_rwsem, "rmap_walk_file");
	mkclean_ptes(page, true);
	sim_up_read(&mapping->i_mmap_rwsem, "rmap_walk_file");
}

/* write_one_page -- writepage of a locked dirty page of the cache, after
 * clear_page_dirty_for_io (page_mkclean): its dirty blocks to the device,
 * then clean.  Unlocks the page. */
int write_one_page(struct page *page)
{
	struct inode *inode;
	struct core_fs *fs;
	int64_t blks[32];

	SIM_BUG_ON(!sim_lock_held_excl(&page->lock));
	SIM_BUG_ON(!page->mapping || !(page->flags & PG_dirty));
	page_mkclean(page);
	inode = page->mapping->host;
	fs = inode->fs;
	page_touch(page, false);
	for (uint32_t b = 0; b < fs->blocks_per_page; b++) {
		uint64_t lblk = (page->index << PAGE_SHIFT >> fs->blkbits) + b;

		blks[b] = (page->dirty_blocks & (1u << b)) ?
			core_map_block(inode, lblk) :
			-1;
	}
	sim_point_obj("block_mapped", "writepage", inode->name, NULL);
	page_touch(page, true);
	for (uint32_t b = 0; b < fs->blocks_per_page; b++) {
		uint64_t lblk = (page->index << PAGE_SHIFT >> fs->blkbits) + b;

		if (!(page->dirty_blocks & (1u << b)))
			continue;
		/* ext4_writepages: a delayed block is allocated now, its
		 * reservation used (mpage_map_and_submit_extent); the data
		 * goes to it in the same step, so nobody reads the block
		 * before it holds the page's data.  A dirty block over a hole
		 * that is not delayed had its block freed under a mapped page
		 * (a fault that raced with a punch): allocated again. */
		core_da_release_blocks(page, 1u << b);
		if (blks[b] < 0 || core_map_block(inode, lblk) != blks[b])
			blks[b] = core_alloc_block(inode, lblk);
		if (blks[b] < 0)
			continue; /* ENOSPC: the page's data is lost (EIO) */
		dev_write(fs, (uint64_t)blks[b], 0,
			  page->data + (b << fs->blkbits), fs->block_size);
	}
	page->dirty_blocks = 0;
	page->flags &= ~PG_dirty;
	unlock_page(page, "writepage");
	return 0;
}

/* filemap_write_and_wait_range -- write back the dirty pages over bytes
 * [start, end]. */
int filemap_write_and_wait_range(struct address_space *mapping, uint64_t start,
				 uint64_t end)
{
	uint64_t last = end >> PAGE_SHIFT;
	struct page *page;

	for (uint64_t index = start >> PAGE_SHIFT;
	     (page = find_get_entry(mapping, &index, last, false)); index++) {
		page_touch(page, false);
		if (!(page->flags & PG_dirty)) {
			put_page(page);
			continue;
		}
		lock_page(page, "write_cache_pages");
		page_touch(page, false);
		if (page->mapping == mapping && (page->flags & PG_dirty))
			write_one_page(page);
		else
			unlock_page(page, "write_cache_pages");
		put_page(page);
	}
	return 0;
}

/* core_fsync -- ext4_sync_file: write back, then flush the device (the
 * writes above are already persistent). */
int core_fsync(struct inode *inode)
{
	return filemap_write_and_wait_range(inode->i_mapping, 0, UINT64_MAX);
}
