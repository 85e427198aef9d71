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
#define XA_SHIFT      8
#define XA_LEAF	      (1u << XA_SHIFT)

/*
 * A two-level radix index (xarray in miniature): page cache index ->
 * struct page, file block -> device block + 1 (0: a hole).  Leaves are
 * allocated on first store.
 */
struct xa {
	uint64_t nroot;
	void **root;
	uint64_t count; /* entries not NULL: a scan stops at the last */
	uint64_t gen;	/* bumped by every store that changes an entry */
	uint64_t end;	/* past the highest index ever stored: all NULL */
};

/* page->flags */
#define PG_uptodate (1u << 0)
#define PG_dirty    (1u << 1)

struct page {
	uint32_t id;	     /* simulated pfn (final checks) */
	struct inode *home;  /* the file it was made for */
	struct sim_ref pins; /* get_user_pages references */
	uint64_t index;
	struct address_space *mapping; /* NULL once truncated */
	uint32_t flags;
	uint32_t uptodate_blocks; /* per block (buffer_uptodate) */
	uint32_t dirty_blocks;	  /* per block (buffer_dirty) */
	uint32_t delay_blocks;	  /* per block (buffer_delay): reserved,
					 * allocated at writeback */
	int refcount;
	struct sim_lock lock; /* PG_locked */
	unsigned char data[PAGE_SIZE];
};

/*
 * A DAX entry in mapping->i_pages (fs/dax.c): the file's page maps device
 * block 'blk' directly; 'lock' is the entry lock.  Entries are tagged in the
 * index (low bit set), as xa_mk_value entries are, so a page cache lookup
 * can tell them from pages.
 */
struct dax_entry {
	int64_t blk; /* -1: empty (a hole being filled) */
	bool zero;   /* a zero page entry (dax_load_hole) */
	struct sim_lock lock;
};

#define XA_DAX_TAG 1ul
static inline bool xa_is_dax(const void *entry)
{
	return (uintptr_t)entry & XA_DAX_TAG;
}

static inline struct dax_entry *xa_to_dax(void *entry)
{
	return (struct dax_entry *)((uintptr_t)entry & ~XA_DAX_TAG);
}

/*
 * The struct page of a device block under DAX: what a DAX mapping maps and
 * what get_user_pages pins.  A pinned block must not be freed: that is
 * Race 2.
 */
struct dax_page {
	struct sim_ref pins;
	int mapcount; /* PTEs that map it */
};

struct address_space {
	struct inode *host;
	struct xa i_pages; /* struct page *, or tagged DAX entries */
	/* index -> how many pages were made for it in this execution, as
	 * (void *)count: the name of the next one (add_to_page_cache_lru) */
	struct xa frames;
	uint64_t nrpages;
	struct sim_lock invalidate_lock;
	struct sim_lock i_mmap_rwsem; /* the VMAs mapping the file */
	int i_mmap_count;	      /* VMAs mapping the file */
};

/* A page table entry of the scenario's one mm. */
struct pte {
	struct page *page; /* a page cache page, with a reference */
	int64_t pfn;	   /* or a DAX device block; -1: none */
	bool write;
};

/* A mapping of a file (struct vm_area_struct); the scenario's 'as' name. */
struct vm_area_struct {
	int id;
	struct inode *vm_file;
	uint64_t vm_pgoff; /* in pages */
	uint64_t npages;
	bool dax_ops; /* vm_ops chosen by IS_DAX at mmap time */
	bool dead;    /* munmapped */
	struct pte *ptes;
};

/* The one mm_struct the scenario's threads share. */
struct mm_struct {
	struct sim_lock mmap_lock;
	int nvmas;
	struct vm_area_struct **vmas; /* by the scenario's map index */
};

/* Pages a pin holds (get_user_pages). */
struct gup_pin {
	int npages;
	struct vm_area_struct *vma;
	uint64_t offset; /* in the mapping, bytes */
	uint64_t len;
	struct page **pages; /* page cache pages, or NULL */
	int64_t *pfns;	     /* DAX blocks, or -1 */
	bool done;
};

/* inode->i_flags */
#define S_DAX (1u << 0)

struct inode {
	uint64_t i_ino;
	int index; /* the scenario's file index */
	const char *name;
	struct core_fs *fs;
	struct sim_lock i_rwsem;
	struct sim_lock i_mmap_sem;  /* the fault lock: ext4 i_mmap_sem,
					 * XFS MMAPLOCK (fault-lock, 4.1) */
	struct sim_lock i_aops_sem;  /* dax-switch-aops-sem (V5, 2020) */
	uint32_t i_flags;	     /* S_DAX */
	struct sim_var i_flags_var;  /* ... watched by the race checker */
	struct sim_ref i_count;	     /* open files and mappings (igrab) */
	struct sim_lock i_lock;	     /* i_state: I_FREEING */
	bool freeing;		     /* I_FREEING: being evicted */
	struct sim_waitq freeing_wq; /* iget waits for the eviction */
	bool xflag_dax;		     /* FS_XFLAG_DAX, on disk */
	bool dontcache;		     /* I_DONTCACHE: evict at last use */
	int dio_count;		     /* inode_dio_begin/end */
	struct sim_waitq dio_wq;
	uint64_t i_size;
	struct sim_var i_size_var;
	struct xa i_blocks;    /* file block -> device block + 1 */
	struct xa i_unwritten; /* file block -> non-NULL: allocated
					 * for a direct write in flight, reads
					 * as zeros (an unwritten extent);
					 * made on first use (core/direct.c) */
	struct address_space i_data;
	struct address_space *i_mapping;
};

/* Where the core reports what it sees as it happens (a block freed while
 * pinned: lost-block at that moment): core_report_fn, core/core.h. */
struct core_fs {
	struct pmem_dev *dev;
	core_report_fn report;
	void *report_ctx;
	struct mm_struct mm;
	struct xa dax_pages; /* device block -> struct dax_page */
	uint32_t fixes;
	uint32_t block_size;
	unsigned blkbits;
	uint32_t blocks_per_page;
	uint32_t next_pfn;
	uint64_t da_reserved; /* blocks delalloc reserved ("alloc") */
	int ninodes;
	struct inode **inodes;
	/* core_check_blocks: the allocator's and the block maps' generations
	 * (their sum, plus one) when it last passed; 0: not yet */
	uint64_t blocks_ok;
};

static inline bool fix_on(const struct core_fs *fs, enum core_fix f)
{
	return fs->fixes & FIX(f);
}

/* IS_DAX -- an annotated read of S_DAX (the race checker watches it). */
static inline bool IS_DAX(struct inode *inode, const char *fn)
{
	sim_var_read(&inode->i_flags_var, fn);
	return inode->i_flags & S_DAX;
}

/* The fault lock of the fixes in force: invalidate_lock (5.15) or the
 * filesystem's i_mmap_sem (4.1); NULL before 4.1. */
static inline struct sim_lock *fault_lock(struct inode *inode)
{
	if (fix_on(inode->fs, FIX_INVALIDATE_LOCK))
		return &inode->i_mapping->invalidate_lock;
	if (fix_on(inode->fs, FIX_FAULT_LOCK))
		return &inode->i_mmap_sem;
	return NULL;
}

void core_report(struct core_fs *fs, int kind, const char *what,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The device's blocks, as the core touches them: pmem_dev_* with each
 * access announced to the systematic search (sim_touch "dev", by block),
 * so the scheduling points around them need not name the device.  A load
 * or store through a DAX mapping reads or writes the block's memory
 * (dev_addr) itself.
 */
static inline void dev_read(struct core_fs *fs, uint64_t blk, uint32_t off,
			    void *buf, uint32_t len)
{
	sim_touch("dev", NULL, (uint32_t)blk, false);
	pmem_dev_read(fs->dev, blk, off, buf, len);
}

static inline void dev_write(struct core_fs *fs, uint64_t blk, uint32_t off,
			     const void *buf, uint32_t len)
{
	sim_touch("dev", NULL, (uint32_t)blk, true);
	pmem_dev_write(fs->dev, blk, off, buf, len);
}

static inline void dev_zero(struct core_fs *fs, uint64_t blk, uint32_t off,
			    uint32_t len)
{
	sim_touch("dev", NULL, (uint32_t)blk, true);
	pmem_dev_zero(fs->dev, blk, off, len);
}

static inline void *dev_addr(struct core_fs *fs, uint64_t blk, bool write)
{
	sim_touch("dev", NULL, (uint32_t)blk, write);
	return pmem_dev_addr(fs->dev, blk);
}

static inline void dev_persist(struct core_fs *fs, uint64_t blk, uint32_t off,
			       uint32_t len)
{
	sim_touch("dev", NULL, (uint32_t)blk, true);
	pmem_dev_persist(fs->dev, blk, off, len);
}

/*
 * What the page cache code touches without a lock that protects it, for
 * the systematic search (sim_touch; see sim_exact): a page cache slot and
 * the page in it ("pg" of the file, by page index: lookups, the page's
 * flags, blocks and data, which a reader copies with only a reference
 * held), every slot of a file (a scan of the index), i_size (read without
 * i_rwsem), and the rest of the inode ("ino": its mapping count and its
 * flags).  A page's reference count is left out: gets and puts commute.
 */

/* page_elem -- the element of a page index (past 16 bits: the whole part,
 * as SIM_TOUCH_IDX members are). */
static inline uint32_t page_elem(uint64_t index)
{
	return index > 0xfffe ? SIM_TOUCH_ALL : (uint32_t)index;
}

static inline void slot_touch(const struct address_space *mapping,
			      uint64_t index, bool write)
{
	sim_touch("pg", mapping->host->name, page_elem(index), write);
}

/* slots_touch -- every slot of the file's page cache. */
static inline void slots_touch(const struct address_space *mapping, bool write)
{
	sim_touch("pg", mapping->host->name, SIM_TOUCH_ALL, write);
}

static inline void page_touch(const struct page *page, bool write)
{
	sim_touch("pg", page->home->name, page_elem(page->index), write);
}

static inline void isize_touch(const struct inode *inode, bool write)
{
	sim_touch("i_size", inode->name, SIM_TOUCH_ALL, write);
}

static inline void inode_touch(const struct inode *inode, bool write)
{
	sim_touch("ino", inode->name, SIM_TOUCH_ALL, write);
}

/* i_count as iput's fast path reads it without i_lock, and as the last
 * put and inode_lru_isolate read it under i_lock (gets and puts of other
 * references commute; these do not). */
static inline void icount_touch(const struct inode *inode)
{
	sim_touch("i_count", inode->name, SIM_TOUCH_ALL, true);
}

/* A get of i_count (igrab, get_file): an increment that reads nothing, so
 * two gets commute; a get and a put do not (the put reads the count). */
static inline void icount_get_touch(const struct inode *inode)
{
	sim_touch_add("i_count", inode->name, SIM_TOUCH_ALL);
}

/* i_state (I_FREEING, I_DONTCACHE), under i_lock: announced, since i_lock
 * is a spinlock whose holds the search leaves out. */
static inline void istate_touch(const struct inode *inode, bool write)
{
	sim_touch("i_state", inode->name, SIM_TOUCH_ALL, write);
}

/* The mm's parts: a VMA slot of the scenario's map index (made and
 * unmapped under mmap_lock, looked up without it by a load or store), and
 * the page table entries of a file's pages (installed by faults, zapped
 * by truncation under i_mmap_rwsem, walked by loads and stores). */
static inline void vma_touch(int map, bool write)
{
	sim_touch("vma", NULL, (uint32_t)map, write);
}

static inline void pte_touch(const struct vm_area_struct *vma, uint64_t i,
			     bool write)
{
	sim_touch("pte", vma->vm_file->name, page_elem(vma->vm_pgoff + i),
		  write);
}

/* xa.c-like helpers (core/inode.c) */
/* core_name_index -- the name of an object of file at index, the n-th
 * made there: snprintf(buf, size, "%s%s:%llu%s", pre, file, index, post),
 * with "#n" after the index when n > 1; a names' formatter without
 * printf's cost, as an execution names every page it makes. */
void core_name_index(char *buf, size_t size, const char *pre, const char *file,
		     uint64_t index, unsigned n, const char *post);
/* core_name_wrap -- snprintf(buf, size, "%s%s%s", pre, s, post). */
void core_name_wrap(char *buf, size_t size, const char *pre, const char *s,
		    const char *post);
void *xa_load(const struct xa *xa, uint64_t index);
void xa_store(struct xa *xa, uint64_t index, void *entry);

/* The block map: ext4_map_blocks / xfs_bmapi in miniature (core/inode.c) */
int64_t core_map_block(struct inode *inode, uint64_t lblk);   /* -ENXIO: hole */
int64_t core_alloc_block(struct inode *inode, uint64_t lblk); /* -ENOSPC */
void core_unmap_block(struct inode *inode, uint64_t lblk);
/* Unwritten extents (core/direct.c): the device block of file block lblk
 * as a read sees it, -ENXIO for a hole or an unwritten block (zeros). */
bool core_block_unwritten(struct inode *inode, uint64_t lblk);
int64_t core_map_block_read(struct inode *inode, uint64_t lblk);

/* The alignment rule of O_DIRECT on a non-DAX file: the device's logical
 * block size (bdev_logical_block_size: 512 on pmem), not the file
 * system's block size. */
#define CORE_DIO_ALIGN 512u

/* The page cache (core/filemap.c) */
struct page *find_get_page(struct address_space *mapping, uint64_t index);
/* the next page (referenced) or, with dax, DAX entry at an index in
 * [*indexp, max]; announces the whole index (find_get_entries' scan) */
void *find_get_entry(struct address_space *mapping, uint64_t *indexp,
		     uint64_t max, bool dax);
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
int write_one_page(struct page *page); /* locked, dirty */
int page_mapped(struct page *page);    /* of the cache */
/* delayed allocation (core/filemap.c) */
int core_da_reserve_block(struct inode *inode);
void core_da_release_blocks(struct page *page, uint32_t blocks);
int filemap_write_and_wait_range(struct address_space *mapping, uint64_t start,
				 uint64_t end);

int readpage(struct page *page);
struct page *page_cache_alloc(struct address_space *mapping);
int add_to_page_cache_lru(struct page *page, struct address_space *mapping,
			  uint64_t index, const char *fn);
int filemap_get_page(struct address_space *mapping, uint64_t index,
		     uint32_t from, uint32_t to, bool inv_held,
		     struct page **pagep);

/* core/check.c: one file's page cache (core_check_pagecache) */
int pagecache_check(const struct address_space *mapping, char *msg,
		    unsigned len);

/* core/truncate.c */
void truncate_inode_pages_range(struct address_space *mapping, uint64_t lstart,
				uint64_t lend);
void unmap_mapping_range(struct address_space *mapping, uint64_t start,
			 uint64_t end);
/* unmap, truncate_inode_pages_range, unmap again: bytes [lstart, lend] */
void truncate_pagecache_range(struct inode *inode, uint64_t lstart,
			      uint64_t lend);
void inode_dio_wait(struct inode *inode);
/* drop the clean pages of page indexes [start, end]: -EBUSY if one is dirty */
int invalidate_inode_pages2_range(struct address_space *mapping, uint64_t start,
				  uint64_t end);

/* core/dax.c */
struct dax_page *core_dax_page(struct core_fs *fs, uint64_t blk);
int dax_iomap_fault(struct vm_area_struct *vma, uint64_t pgidx, bool write);
int dax_break_layouts(struct inode *inode, uint64_t start, uint64_t end,
		      struct sim_lock *fault_lock_held);
void dax_delete_mapping_range(struct address_space *mapping, uint64_t start,
			      uint64_t end);
void dax_invalidate_mapping_entry_sync(struct address_space *mapping,
				       uint64_t index);
ssize_t dax_iomap_read(struct inode *inode, uint64_t pos, uint64_t len,
		       void *buf, int into_map, uint64_t into_off);
ssize_t dax_iomap_write(struct inode *inode, uint64_t pos, uint64_t len,
			const void *buf);
int dax_writeback_mapping_range(struct address_space *mapping);

/* core/mm.c */
#define DAX_ZERO_PFN (-2) /* a read fault of a DAX hole maps the zero page */
int handle_mm_fault(struct vm_area_struct *vma, uint64_t pgidx, bool write);
uint64_t core_copy_to_user_map(struct core_fs *fs, int map, uint64_t offset,
			       const void *buf, uint64_t len, const char *fn);
void zap_vma_range(struct vm_area_struct *vma, uint64_t first, uint64_t last);
uint64_t core_i_size_read(struct inode *inode);
void core_i_size_write(struct inode *inode, uint64_t size);

#endif
