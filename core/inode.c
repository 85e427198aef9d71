/* SPDX-License-Identifier: MIT */
/*
 * core/inode.c -- the filesystem of an execution: inodes, the block map,
 * the index, and the checker's views (device read-back; the invariants are
 * core/check.c's).
 */
#include "core/core_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct sim_lock_class i_aops_sem_class = { "i_aops_sem",
						 RANK_I_AOPS_SEM };
const struct sim_lock_class i_rwsem_class = { "i_rwsem", RANK_I_RWSEM };
const struct sim_lock_class mmap_lock_class = { "mmap_lock", RANK_MMAP_LOCK };
const struct sim_lock_class invalidate_lock_class = { "invalidate_lock",
						      RANK_INVALIDATE_LOCK };
const struct sim_lock_class i_mmap_sem_class = { "i_mmap_sem",
						 RANK_INVALIDATE_LOCK };
const struct sim_lock_class page_lock_class = { "page", RANK_PAGE_LOCK };
const struct sim_lock_class dax_entry_class = { "dax_entry", RANK_PAGE_LOCK };
const struct sim_lock_class i_mmap_rwsem_class = { "i_mmap_rwsem",
						   RANK_I_MMAP_RWSEM };
/* inode->i_lock, a spinlock: taken alone, around i_state and the last
 * reference's put; never held at a scheduling point, and what it protects
 * is announced (istate_touch, icount_touch), as the class's spin says. */
const struct sim_lock_class i_lock_class = { "i_lock", 0, true };

/* ---- The index ------------------------------------------------------------ */

void *xa_load(const struct xa *xa, uint64_t index)
{
	uint64_t r = index >> XA_SHIFT;

	if (r >= xa->nroot || !xa->root[r])
		return NULL;
	return ((void **)xa->root[r])[index & (XA_LEAF - 1)];
}

void xa_store(struct xa *xa, uint64_t index, void *entry)
{
	uint64_t r = index >> XA_SHIFT;
	void **slot;

	SIM_BUG_ON(r >= xa->nroot);
	if (!xa->root[r]) {
		if (!entry)
			return;
		xa->root[r] = sim_alloc(XA_LEAF * sizeof(void *));
	}
	slot = &((void **)xa->root[r])[index & (XA_LEAF - 1)];
	if (*slot == entry)
		return;
	xa->count += !*slot;
	xa->count -= !entry;
	xa->gen++;
	if (index >= xa->end)
		xa->end = index + 1;
	*slot = entry;
}

static void xa_init(struct xa *xa, uint64_t max_index)
{
	xa->nroot = (max_index >> XA_SHIFT) + 1;
	xa->root = sim_alloc(xa->nroot * sizeof(void *));
}

/* ---- Names ------------------------------------------------------------------ */

void core_name_index(char *buf, size_t size, const char *pre, const char *file,
		     uint64_t index, unsigned n, const char *post)
{
	size_t at = 0;

	if (!size)
		return;
	buf[0] = 0;
	sim_name_put(buf, size, &at, pre);
	sim_name_put(buf, size, &at, file);
	sim_name_put(buf, size, &at, ":");
	sim_name_put_u64(buf, size, &at, index);
	if (n > 1) {
		sim_name_put(buf, size, &at, "#");
		sim_name_put_u64(buf, size, &at, n);
	}
	sim_name_put(buf, size, &at, post);
}

void core_name_wrap(char *buf, size_t size, const char *pre, const char *s,
		    const char *post)
{
	size_t at = 0;

	if (!size)
		return;
	buf[0] = 0;
	sim_name_put(buf, size, &at, pre);
	sim_name_put(buf, size, &at, s);
	sim_name_put(buf, size, &at, post);
}

/* ---- The block map --------------------------------------------------------- */

/* bmap_touch -- internal: the block map entry of file block lblk, read or
 * written, announced to the systematic search ("bmap": the file's index
 * above the block's; core_check_blocks reads them all). */
static void bmap_touch(const struct inode *inode, uint64_t lblk, bool write)
{
	sim_touch("bmap", NULL, SIM_TOUCH_IDX(inode->index, lblk), write);
}

/* core_map_block -- ext4_map_blocks without create: the device block of
 * file block lblk, or -ENXIO for a hole (ext4_map_blocks returns 0 there,
 * no block mapped; -ENXIO is what SEEK_DATA says of a hole at the end). */
int64_t core_map_block(struct inode *inode, uint64_t lblk)
{
	uintptr_t v;

	bmap_touch(inode, lblk, false);
	v = (uintptr_t)xa_load(&inode->i_blocks, lblk);

	return v ? (int64_t)v - 1 : -ENXIO;
}

/* core_alloc_block -- map_blocks with create: allocate if a hole. */
int64_t core_alloc_block(struct inode *inode, uint64_t lblk)
{
	int64_t blk = core_map_block(inode, lblk);

	if (blk >= 0)
		return blk;
	sim_touch("alloc", NULL, SIM_TOUCH_ALL, true);
	/* The blocks delayed allocation reserved are not free to take
	 * (ext4_claim_free_clusters: free minus dirty clusters). */
	if (pmem_dev_nfree(inode->fs->dev) <= inode->fs->da_reserved)
		return -ENOSPC;
	blk = pmem_dev_alloc(inode->fs->dev);
	if (blk < 0)
		return blk;
	sim_touch("dev", NULL, (uint32_t)blk, true);
	bmap_touch(inode, lblk, true);
	xa_store(&inode->i_blocks, lblk, (void *)(uintptr_t)(blk + 1));
	return blk;
}

/*
 * core_unmap_block -- free file block lblk (ext4_ext_remove_space).  A
 * block whose DAX page is still pinned goes back to the allocator all the
 * same -- the kernel before break-layouts did exactly that -- and the
 * lost-block oracle says so at this moment, naming the pin.
 */
void core_unmap_block(struct inode *inode, uint64_t lblk)
{
	struct core_fs *fs = inode->fs;
	int64_t blk = core_map_block(inode, lblk);
	struct dax_page *dp;

	if (blk < 0)
		return;
	/* the block's pins are read, its map entry and the allocator
	 * written */
	sim_touch("dev", NULL, (uint32_t)blk, true);
	sim_touch("alloc", NULL, SIM_TOUCH_ALL, true);
	bmap_touch(inode, lblk, true);
	dp = xa_load(&fs->dax_pages, (uint64_t)blk);
	if (dp && dp->pins.count > 0)
		core_report(
			fs, 2 /* SCEN_V_LOST_BLOCK */,
			"a block freed while pinned",
			"block %lld, offset %llu of %s, was freed while "
			"get_user_pages held %d pin%s on its page (%s): the "
			"allocator may hand it to another file while a "
			"device still writes to it",
			(long long)blk, (unsigned long long)lblk << fs->blkbits,
			inode->name, dp->pins.count,
			dp->pins.count == 1 ? "" : "s", dp->pins.name);
	xa_store(&inode->i_blocks, lblk, NULL);
	SIM_BUG_ON(pmem_dev_free(fs->dev, (uint64_t)blk) != 0);
}

/* core_report -- internal: hand a finding to the engine. */
void core_report(struct core_fs *fs, int kind, const char *what,
		 const char *fmt, ...)
{
	char detail[768];
	va_list ap;

	if (!fs->report)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	fs->report(fs->report_ctx, kind, what, detail);
}

/* core_dax_page -- the struct page of device block blk, made on first use. */
struct dax_page *core_dax_page(struct core_fs *fs, uint64_t blk)
{
	struct dax_page *dp;

	sim_touch("dev", NULL, (uint32_t)blk, true);
	dp = xa_load(&fs->dax_pages, blk);

	if (!dp) {
		char name[SIM_NAME_MAX];
		size_t at = 0;

		dp = sim_alloc(sizeof(*dp));
		sim_name_put(name, sizeof(name), &at, "pins(block ");
		sim_name_put_u64(name, sizeof(name), &at, blk);
		sim_name_put(name, sizeof(name), &at, ")");
		sim_ref_init(&dp->pins, name);
		xa_store(&fs->dax_pages, blk, dp);
	}
	return dp;
}

/* ---- The filesystem -------------------------------------------------------- */

/* fill_initial -- internal: write the file's initial content straight to
 * newly allocated blocks, as if written and synced before the execution. */
static int fill_initial(struct inode *inode, const struct core_file_spec *spec)
{
	struct core_fs *fs = inode->fs;
	unsigned char buf[4096];

	for (uint64_t off = 0; off < spec->size; off += fs->block_size) {
		uint64_t n = spec->size - off < fs->block_size ?
			spec->size - off :
			fs->block_size;
		int64_t blk = core_alloc_block(inode, off >> fs->blkbits);
		const unsigned char *src = buf;

		if (blk < 0)
			return (int)blk;
		if (spec->content)
			src = spec->content + off;
		else if (spec->fill)
			spec->fill(buf, inode->index, off, n);
		else
			memset(buf, 0, n);
		pmem_dev_write(fs->dev, (uint64_t)blk, 0, src, (uint32_t)n);
	}
	inode->i_size = spec->size;
	return 0;
}

struct core_fs *core_fs_create(struct pmem_dev *dev, uint32_t fixes,
			       const struct core_file_spec *spec, int nfiles,
			       int nmaps, core_report_fn report, void *ctx)
{
	struct core_fs *fs = sim_alloc(sizeof(*fs));

	pmem_dev_reset(dev);
	fs->dev = dev;
	fs->report = report;
	fs->report_ctx = ctx;
	sim_lock_init(&fs->mm.mmap_lock, &mmap_lock_class, SIM_RWSEM, NULL);
	fs->mm.nvmas = nmaps;
	fs->mm.vmas = sim_alloc((size_t)(nmaps ? nmaps : 1) * sizeof(void *));
	xa_init(&fs->dax_pages, pmem_dev_nblocks(dev));
	fs->fixes = fixes;
	fs->block_size = pmem_dev_block_size(dev);
	fs->blkbits = (unsigned)__builtin_ctz(fs->block_size);
	fs->blocks_per_page = PAGE_SIZE / fs->block_size;
	fs->ninodes = nfiles;
	fs->inodes = sim_alloc((size_t)nfiles * sizeof(*fs->inodes));
	for (int i = 0; i < nfiles; i++) {
		struct inode *inode = sim_alloc(sizeof(*inode));
		char name[SIM_NAME_MAX];

		inode->i_ino = 12 + (uint64_t)i; /* after the root's */
		inode->index = spec[i].index;
		inode->name = spec[i].name;
		inode->fs = fs;
		sim_lock_init(&inode->i_rwsem, &i_rwsem_class, SIM_RWSEM,
			      spec[i].name);
		sim_lock_init(&inode->i_mmap_sem, &i_mmap_sem_class, SIM_RWSEM,
			      spec[i].name);
		sim_lock_init(&inode->i_aops_sem, &i_aops_sem_class, SIM_RWSEM,
			      spec[i].name);
		sim_var_init(&inode->i_flags_var, "S_DAX");
		core_name_wrap(inode->i_flags_var.name,
			       sizeof(inode->i_flags_var.name), "S_DAX(",
			       spec[i].name, ")");
		sim_var_init(&inode->i_size_var, "i_size");
		core_name_wrap(inode->i_size_var.name,
			       sizeof(inode->i_size_var.name), "i_size(",
			       spec[i].name, ")");
		sim_waitq_init(&inode->dio_wq, "inode_dio_wait");
		core_name_wrap(name, sizeof(name), "i_count(", spec[i].name,
			       ")");
		sim_ref_init(&inode->i_count, name);
		core_name_wrap(name, sizeof(name), "I_FREEING(", spec[i].name,
			       ")");
		sim_waitq_init(&inode->freeing_wq, name);
		sim_lock_init(&inode->i_lock, &i_lock_class, SIM_MUTEX,
			      spec[i].name);
		/* DAX needs the block size to be the page size (ext4, XFS) */
		if (spec[i].dax && fs->block_size == PAGE_SIZE) {
			inode->i_flags |= S_DAX;
			inode->xflag_dax = true;
		}
		xa_init(&inode->i_blocks, CORE_MAXBYTES >> fs->blkbits);
		inode->i_data.host = inode;
		xa_init(&inode->i_data.i_pages, CORE_MAXBYTES >> PAGE_SHIFT);
		xa_init(&inode->i_data.frames, CORE_MAXBYTES >> PAGE_SHIFT);
		sim_lock_init(&inode->i_data.invalidate_lock,
			      &invalidate_lock_class, SIM_RWSEM, spec[i].name);
		sim_lock_init(&inode->i_data.i_mmap_rwsem, &i_mmap_rwsem_class,
			      SIM_RWSEM, spec[i].name);
		inode->i_mapping = &inode->i_data;
		fs->inodes[i] = inode;
		if (fill_initial(inode, &spec[i]) < 0)
			return NULL; /* ENOSPC: the scenario's files don't fit */
	}
	return fs;
}

struct inode *core_fs_inode(struct core_fs *fs, int index)
{
	return fs->inodes[index];
}

int core_fs_ninodes(const struct core_fs *fs)
{
	return fs->ninodes;
}

uint32_t core_fs_fixes(const struct core_fs *fs)
{
	return fs->fixes;
}

struct pmem_dev *core_fs_dev(struct core_fs *fs)
{
	return fs->dev;
}

uint64_t core_i_size(const struct inode *inode)
{
	return inode->i_size;
}

const char *core_inode_name(const struct inode *inode)
{
	return inode->name;
}

/* ---- The checker's views ---------------------------------------------------- */

void core_writeback_evict(struct inode *inode)
{
	filemap_write_and_wait_range(inode->i_mapping, 0, UINT64_MAX);
	truncate_inode_pages_range(inode->i_mapping, 0, UINT64_MAX);
}

uint64_t core_i_size_read(struct inode *inode)
{
	sim_var_read(&inode->i_size_var, "i_size_read");
	return inode->i_size;
}

void core_i_size_write(struct inode *inode, uint64_t size)
{
	sim_var_write(&inode->i_size_var, "i_size_write");
	isize_touch(inode, true);
	inode->i_size = size;
}

void core_read_device(struct inode *inode, uint64_t len, void *buf)
{
	struct core_fs *fs = inode->fs;
	unsigned char *b = buf;

	for (uint64_t off = 0; off < len;) {
		uint64_t lblk = off >> fs->blkbits;
		uint32_t in = (uint32_t)(off & (fs->block_size - 1));
		uint32_t n = fs->block_size - in;
		int64_t blk = core_map_block(inode, lblk);

		if (n > len - off)
			n = (uint32_t)(len - off);
		if (blk < 0)
			memset(b + off, 0, n);
		else
			dev_read(fs, (uint64_t)blk, in, b + off, n);
		off += n;
	}
}
