/* SPDX-License-Identifier: MIT */
/*
 * core/check.c -- the core's invariants as functions (core/core.h):
 * core_check_blocks (block accounting) and core_check_pagecache, over
 * pagecache_check (core/core_impl.h) for each file.
 *
 * The engine runs both after every operation, on the thread that ran it,
 * and once more after the final checks.  Other threads may be anywhere
 * then, stopped at a scheduling point in the middle of an operation, so a
 * check states only what holds at every scheduling point: what the core
 * changes together between two points (a page and its slot, a page's
 * dirty bit and its dirty blocks).  Cheaper than it sounds: a scan of each
 * file's index and of the scenario's page tables, O(cached pages + PTEs).
 *
 * core_check_blocks announces what it reads (sim_touch: the allocator, the
 * block map); core_check_pagecache announces nothing, on purpose: it would
 * make every operation's last step depend on every page of every file and
 * multiply the schedules the systematic search explores.  It reads only
 * and, when it passes, changes nothing an execution observes.  When it
 * fails, the state it saw was reached (no false alarm); but the reduction
 * does not promise to reach every state in which it would fail -- the
 * unreduced search (--no-por) does.
 */
#include "core/core_impl.h"

#include <errno.h>
#include <stdio.h>

/* for_each_mapped -- internal: fn on every block every file maps, in file
 * order, until it returns nonzero (which it then returns). */
static int for_each_mapped(struct core_fs *fs,
			   int (*fn)(struct core_fs *fs, struct inode *inode,
				     uint64_t lblk, uint64_t blk, void *arg),
			   void *arg)
{
	for (int i = 0; i < fs->ninodes; i++) {
		struct inode *inode = fs->inodes[i];
		const struct xa *xa = &inode->i_blocks;
		uint64_t left = xa->count; /* past the last: all holes */

		for (uint64_t r = 0; left && r < xa->nroot; r++) {
			void **leaf = xa->root[r];

			for (uint64_t k = 0; left && leaf && k < XA_LEAF; k++) {
				int64_t blk = (int64_t)(uintptr_t)leaf[k] - 1;
				int ret;

				if (blk < 0)
					continue;
				left--;
				ret = fn(fs, inode, (r << XA_SHIFT) | k,
					 (uint64_t)blk, arg);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

struct blocks_scan {
	uint64_t mapped;
	uint64_t dup;		    /* the block mapped twice */
	const struct inode *first;  /* its first mapper */
	const struct inode *second; /* where the scan met it again */
	char *msg;
	unsigned len;
};

/* mark_one -- internal: the check of one mapped block; 1 when it fails. */
static int mark_one(struct core_fs *fs, struct inode *inode, uint64_t lblk,
		    uint64_t blk, void *arg)
{
	struct blocks_scan *b = arg;

	if (pmem_dev_is_free(fs->dev, blk)) {
		snprintf(b->msg, b->len,
			 "block %lld is free but still mapped "
			 "by %s at offset %llu",
			 (long long)blk, inode->name,
			 (unsigned long long)lblk << fs->blkbits);
		return 1;
	}
	b->mapped++;
	if (pmem_dev_mark(fs->dev, blk)) {
		b->dup = blk;
		b->second = inode;
		return 2; /* the message names the first mapper */
	}
	return 0;
}

static int first_mapper(struct core_fs *fs, struct inode *inode, uint64_t lblk,
			uint64_t blk, void *arg)
{
	struct blocks_scan *b = arg;

	(void)fs;
	(void)lblk;
	if (blk != b->dup)
		return 0;
	b->first = inode;
	return 1;
}

static int unmark_one(struct core_fs *fs, struct inode *inode, uint64_t lblk,
		      uint64_t blk, void *arg)
{
	(void)inode;
	(void)lblk;
	(void)arg;
	pmem_dev_unmark(fs->dev, blk);
	return 0;
}

/*
 * core_check_blocks -- every mapped block allocated, none mapped twice,
 * none leaked.  O(mapped blocks), independent of the device's size: a
 * block seen is marked in the device's scratch bitmap and unmarked by a
 * second pass, instead of an array of every device block cleared after
 * every operation.  The finding is the first the scan in file order meets.
 */
int core_check_blocks(struct core_fs *fs, char *msg, unsigned len)
{
	uint64_t nblocks = pmem_dev_nblocks(fs->dev);
	struct blocks_scan b = { .msg = msg, .len = len };

	uint64_t gen = pmem_dev_gen(fs->dev) + 1;
	int ret;

	sim_touch("alloc", NULL, SIM_TOUCH_ALL, false);
	sim_touch("bmap", NULL, SIM_TOUCH_ALL, false);
	/* Nothing it reads changed since it last passed (every change to a
	 * block map is an xa_store, to the allocator an alloc, a free or a
	 * reset, and each bumps a generation): it passes again. */
	for (int i = 0; i < fs->ninodes; i++)
		gen += fs->inodes[i]->i_blocks.gen;
	if (gen == fs->blocks_ok)
		return 0;
	ret = for_each_mapped(fs, mark_one, &b);
	if (ret == 2) {
		for_each_mapped(fs, first_mapper, &b);
		snprintf(msg, len, "block %lld is mapped by both %s and %s",
			 (long long)b.dup, b.first->name, b.second->name);
	}
	for_each_mapped(fs, unmark_one, NULL);
	if (ret)
		return -EUCLEAN;
	if (b.mapped + pmem_dev_nfree(fs->dev) != nblocks) {
		snprintf(msg, len,
			 "%llu blocks are neither free nor mapped by "
			 "any file (leaked)",
			 (unsigned long long)(nblocks - b.mapped -
					      pmem_dev_nfree(fs->dev)));
		return -EUCLEAN;
	}
	fs->blocks_ok = gen;
	return 0;
}

/* page_mapcount -- internal: the page table entries that map page. */
static int page_mapcount(const struct core_fs *fs, const struct page *page)
{
	int n = 0;

	for (int m = 0; m < fs->mm.nvmas; m++) {
		const struct vm_area_struct *vma = fs->mm.vmas[m];

		for (uint64_t i = 0; vma && i < vma->npages; i++)
			n += vma->ptes[i].page == page;
	}
	return n;
}

/*
 * page_check -- internal: the page in slot 'index' of mapping.  It is the
 * mapping's (the truncation that clears page->mapping takes it out of the
 * slot in the same step), at that index; the cache's reference and one per
 * PTE that maps it are counted; its dirty blocks are blocks of the page
 * and PG_dirty is set when any is (writeback clears both, a partial
 * truncation clears the bit with the last one).  The converse does not
 * hold: a store through a mapping to a page past EOF sets PG_dirty with no
 * block in the file.  PG_uptodate does not imply every block uptodate
 * either: a partial truncation leaves it (block_invalidatepage).  Its lock
 * passes sim_lock_check: locked only by a thread that holds it.
 */
static int page_check(const struct address_space *mapping,
		      const struct page *page, uint64_t index, char *msg,
		      unsigned len)
{
	const struct inode *host = mapping->host;
	const struct core_fs *fs = host->fs;
	uint32_t mask = fs->blocks_per_page == 32 ?
		~0u :
		(1u << fs->blocks_per_page) - 1;
	const struct sim *s = sim_self();
	char why[192];
	int maps;

#define PAGE_FAIL(...)                                                       \
	do {                                                                 \
		snprintf(why, sizeof(why), __VA_ARGS__);                     \
		snprintf(msg, len, "%s: the page at index %llu (pfn %u) %s", \
			 host->name, (unsigned long long)index, page->id,    \
			 why);                                               \
		return -EUCLEAN;                                             \
	} while (0)

	if (page->mapping != mapping)
		PAGE_FAIL("belongs to %s",
			  page->mapping ? page->mapping->host->name :
					  "no mapping (truncated)");
	if (page->index != index)
		PAGE_FAIL("has index %llu", (unsigned long long)page->index);
	if (page->home != host)
		PAGE_FAIL("was made for %s", page->home->name);
	maps = page_mapcount(fs, page);
	if (page->refcount < 1 + maps)
		PAGE_FAIL("has %d references, fewer than the cache's and its "
			  "%d page table entr%s",
			  page->refcount, maps, maps == 1 ? "y" : "ies");
	if (page->flags & ~(PG_uptodate | PG_dirty))
		PAGE_FAIL("has unknown flags %#x", page->flags);
	if ((page->uptodate_blocks | page->dirty_blocks) & ~mask)
		PAGE_FAIL("has blocks past its end (uptodate %#x, dirty %#x)",
			  page->uptodate_blocks, page->dirty_blocks);
	if (page->dirty_blocks && !(page->flags & PG_dirty))
		PAGE_FAIL("has dirty blocks (%#x) but not PG_dirty",
			  page->dirty_blocks);
	if (page->pins.count < 0)
		PAGE_FAIL("has %d pins", page->pins.count);
	if (s && sim_lock_check(s, &page->lock, why, sizeof(why))) {
		snprintf(msg, len, "%s: the page at index %llu (pfn %u): %s",
			 host->name, (unsigned long long)index, page->id, why);
		return -EUCLEAN;
	}
#undef PAGE_FAIL
	return 0;
}

/*
 * pagecache_check -- one file's page cache: each slot empty, a page that
 * passes page_check or a DAX entry whose lock is sound; nrpages counts
 * the pages; the mapping's own locks are sound.  Read-only; 0 or
 * -EUCLEAN with what is wrong in msg.
 */
int pagecache_check(const struct address_space *mapping, char *msg,
		    unsigned len)
{
	const struct inode *host = mapping->host;
	const struct xa *xa = &mapping->i_pages;
	const struct sim *s = sim_self();
	uint64_t npages = 0, left = xa->count; /* past the last: empty */
	char why[192];

	if (host->i_mapping != mapping)
		return snprintf(msg, len, "%s: its mapping is not its own",
				host->name),
		       -EUCLEAN;
	for (uint64_t r = 0; left && r < xa->nroot; r++) {
		void **leaf = xa->root[r];

		for (uint64_t k = 0; left && leaf && k < XA_LEAF; k++) {
			uint64_t index = (r << XA_SHIFT) | k;
			void *entry = leaf[k];
			int error;

			if (!entry)
				continue;
			left--;
			if (xa_is_dax(entry)) {
				if (s &&
				    sim_lock_check(s, &xa_to_dax(entry)->lock,
						   why, sizeof(why)))
					return snprintf(
						       msg, len,
						       "%s: the DAX "
						       "entry at index %llu: %s",
						       host->name,
						       (unsigned long long)index,
						       why),
					       -EUCLEAN;
				continue;
			}
			error = page_check(mapping, entry, index, msg, len);
			if (error)
				return error;
			npages++;
		}
	}
	if (npages != mapping->nrpages)
		return snprintf(msg, len,
				"%s: nrpages is %llu, but %llu pages "
				"are in its page cache",
				host->name,
				(unsigned long long)mapping->nrpages,
				(unsigned long long)npages),
		       -EUCLEAN;
	if (s &&
	    (sim_lock_check(s, &mapping->invalidate_lock, why, sizeof(why)) ||
	     sim_lock_check(s, &mapping->i_mmap_rwsem, why, sizeof(why))))
		return snprintf(msg, len, "%s: %s", host->name, why), -EUCLEAN;
	return 0;
}

int core_check_pagecache(struct core_fs *fs, char *msg, unsigned len)
{
	for (int i = 0; i < fs->ninodes; i++) {
		int error = pagecache_check(fs->inodes[i]->i_mapping, msg, len);

		if (error)
			return error;
	}
	return 0;
}
