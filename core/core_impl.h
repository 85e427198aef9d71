/* SPDX-License-Identifier: MIT */
/*
 * core/core_impl.h -- the core's structures, for core/ only.
 *
 * Field names follow struct inode, struct address_space and struct page.
 */
#ifndef LOCKSTEP_CORE_IMPL_H
#define LOCKSTEP_CORE_IMPL_H

#include "core/core.h"
#include "core/lockorder.h"
#include "pmem/dev.h"
#include "sim/sim.h"

/* The largest file: s_maxbytes.  Beyond it, EFBIG. */
#define CORE_MAXBYTES (64ull << 20)
#define XA_SHIFT 8
#define XA_LEAF (1u << XA_SHIFT)

/*
 * A two-level radix index (xarray in miniature): page cache index ->
 * struct page, file block -> device block + 1 (0: a hole).  Leaves are
 * allocated on first store.
 */
struct xa {
	uint64_t nroot;
	void **root;
};

/* page->flags */
#define PG_uptodate (1u << 0)
#define PG_dirty (1u << 1)

struct page {
	uint32_t id;			/* simulated pfn, for reports */
	uint64_t index;
	struct address_space *mapping;	/* NULL once truncated */
	uint32_t flags;
	uint32_t uptodate_blocks;	/* per block (buffer_uptodate) */
	uint32_t dirty_blocks;		/* per block (buffer_dirty) */
	int refcount;
	struct sim_lock lock;		/* PG_locked */
	unsigned char data[PAGE_SIZE];
};

struct address_space {
	struct inode *host;
	struct xa i_pages;
	uint64_t nrpages;
	struct sim_lock invalidate_lock;
};

struct inode {
	uint64_t i_ino;
	int index;			/* the scenario's file index */
	const char *name;
	struct core_fs *fs;
	struct sim_lock i_rwsem;
	uint64_t i_size;
	struct xa i_blocks;		/* file block -> device block + 1 */
	struct address_space i_data;
	struct address_space *i_mapping;
};

struct core_fs {
	struct pmem_dev *dev;
	uint32_t fixes;
	uint32_t block_size;
	unsigned blkbits;
	uint32_t blocks_per_page;
	uint32_t next_pfn;
	int ninodes;
	struct inode **inodes;
};

static inline bool fix_on(const struct core_fs *fs, enum core_fix f)
{
	return fs->fixes & FIX(f);
}

/* xa.c-like helpers (core/inode.c) */
void *xa_load(const struct xa *xa, uint64_t index);
void xa_store(struct xa *xa, uint64_t index, void *entry);

/* The block map: ext4_map_blocks / xfs_bmapi in miniature (core/inode.c) */
int64_t core_map_block(struct inode *inode, uint64_t lblk);	/* -1: hole */
int64_t core_alloc_block(struct inode *inode, uint64_t lblk);	/* -ENOSPC */
void core_unmap_block(struct inode *inode, uint64_t lblk);

/* The page cache (core/filemap.c) */
struct page *find_get_page(struct address_space *mapping, uint64_t index);
void put_page(struct page *page);
void get_page(struct page *page);
void lock_page(struct page *page, const char *fn);
void unlock_page(struct page *page, const char *fn);
void delete_from_page_cache(struct page *page);
void filemap_invalidate_lock(struct address_space *mapping);
void filemap_invalidate_unlock(struct address_space *mapping);
void filemap_invalidate_lock_shared(struct address_space *mapping,
				    const char *fn);
void filemap_invalidate_unlock_shared(struct address_space *mapping,
				      const char *fn);
int write_one_page(struct page *page);
int filemap_write_and_wait_range(struct address_space *mapping, uint64_t start,
				 uint64_t end);

/* core/truncate.c */
void truncate_inode_pages_range(struct address_space *mapping, uint64_t lstart,
				uint64_t lend);

#endif
