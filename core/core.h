/* SPDX-License-Identifier: MIT */
/*
 * core/core.h -- the page cache and DAX model: what the engine may call.
 *
 * The core follows the kernel's own code paths and lock order (see
 * core/lockorder.h for the tree).  It never touches time, randomness,
 * pthreads or I/O directly: locks and named points go through sim/, data
 * through pmem/.  Errors are 0 or -errno, as in the kernel, everywhere: a
 * function that returns a count or an index (bytes read, a fix, a block)
 * returns it non-negative and -errno on failure, never -1 (-ENOENT: no such
 * fix or kernel; -ENXIO: a hole; -EFAULT: no such mapping).  Callers test
 * '< 0'.
 *
 * Owns: struct core_fs (one per execution, in the execution's arena), its
 * inodes, mappings and pages.
 *
 * Concurrency: every entry point may be called from any scenario thread;
 * the scheduler runs one at a time, and the core's own locks (sim locks)
 * give the kernel's exclusion.
 */
#ifndef LOCKSTEP_CORE_H
#define LOCKSTEP_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pmem_dev;
struct core_fs;
struct inode;

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1u << PAGE_SHIFT)

/* ---- Fixes and kernel presets (SPEC.md 5) ------------------------------ */

enum core_fix {
	FIX_FAULT_LOCK,
	FIX_LONGTERM_PIN_REJECT,
	FIX_DAX_BREAK_LAYOUTS,
	FIX_DAX_SWITCH_ON_EVICT,
	FIX_INVALIDATE_LOCK,
	FIX_DAX_BREAK_LAYOUTS_NAIVE,
	FIX_DAX_SWITCH_AOPS_SEM,
	FIX_INVALIDATE_LOCK_OVER_COPY,
	FIX__COUNT
};

#define FIX(f) (1u << (f))

struct core_fix_info {
	const char *name;
	const char *what;
	const char *kernel; /* "4.1", or "proposed" */
};
extern const struct core_fix_info core_fixes[FIX__COUNT];

struct core_preset {
	const char *version; /* "v5.15" */
	uint32_t fixes;
};
extern const struct core_preset core_presets[];
extern const int core_npresets;

/* core_fix_lookup -- the fix called 'name', or -ENOENT. */
int core_fix_lookup(const char *name);
/* core_kernel_fixes -- the fixes of kernel 'ver' ("v5.14", "5.14") in
 * *fixes, 0; -ENOENT if unknown. */
int core_kernel_fixes(const char *ver, uint32_t *fixes);
/* core_fixes_format -- "invalidate-lock,fault-lock" (or "none"). */
char *core_fixes_format(uint32_t fixes, char *buf, unsigned len);

/* ---- Named points ------------------------------------------------------- */

struct core_point {
	const char *name; /* "punch_hole.pages_truncated" */
	const char *what;
};
/* Every "op.point" name, with what it means: core_points_count() entries
 * (it builds the table on first use). */
extern const struct core_point *core_points;
int core_points_count(void);
bool core_point_valid(const char *name);

/* ---- The filesystem of one execution ----------------------------------- */

/* core_fill_fn -- the bytes [pos, pos+len) of file 'index's initial
 * content: the engine's stamped pattern (oracle/stamp.h).  The core never
 * decides what data is, only where it goes. */
typedef void (*core_fill_fn)(void *buf, int index, uint64_t pos, uint64_t len);

struct core_file_spec {
	const char *name;
	uint64_t size;
	bool dax;
	int index;	   /* stamps carry it: < 128 */
	core_fill_fn fill; /* initial content; NULL: zeros */
	/* or the initial content itself, 'size' bytes, made once for every
	 * execution (it is the same in each); NULL: fill */
	const unsigned char *content;
};

/*
 * core_fs_create -- a filesystem on 'dev' (reset first) with the files of
 * 'spec', each filled with its initial content (spec.fill) and persisted.  Called on the
 * explorer thread before the execution; allocates from the sim arena.
 */
typedef void (*core_report_fn)(void *ctx, int kind, const char *what,
			       const char *detail);
struct core_fs *core_fs_create(struct pmem_dev *dev, uint32_t fixes,
			       const struct core_file_spec *spec, int nfiles,
			       int nmaps, core_report_fn report, void *ctx);
struct inode *core_fs_inode(struct core_fs *fs, int index);
int core_fs_ninodes(const struct core_fs *fs);
uint32_t core_fs_fixes(const struct core_fs *fs);
struct pmem_dev *core_fs_dev(struct core_fs *fs);
uint64_t core_i_size(const struct inode *inode);
const char *core_inode_name(const struct inode *inode);

/* ---- Operations (SPEC.md 3) --------------------------------------------- */

/* read(2): filemap_read (dax_iomap_rw when S_DAX).  Returns bytes read or
 * -errno.  core_read_to copies to a mapping of another file instead
 * (into_map >= 0: the scenario's map index, into_off: offset in it). */
ssize_t core_read_to(struct inode *inode, uint64_t pos, uint64_t len, void *buf,
		     int into_map, uint64_t into_off);
static inline ssize_t core_read(struct inode *inode, uint64_t pos, uint64_t len,
				void *buf)
{
	return core_read_to(inode, pos, len, buf, -1, 0);
}
/* write(2), buffered.  Returns bytes written or -errno. */
ssize_t core_write(struct inode *inode, uint64_t pos, uint64_t len,
		   const void *buf);
/* fallocate(PUNCH_HOLE | KEEP_SIZE) */
int core_punch_hole(struct inode *inode, uint64_t offset, uint64_t len);
/* ftruncate(2) */
int core_truncate(struct inode *inode, uint64_t size);
/* fsync(2): write back dirty pages, then flush. */
int core_fsync(struct inode *inode);
/* fadvise(WILLNEED) / readahead(2) */
int core_readahead(struct inode *inode, uint64_t offset, uint64_t len);
/* O_DIRECT read and write; into_map >= 0: the user buffer is that mapping
 * (at into_off), pinned with get_user_pages for the I/O.  'buf' receives
 * (read) or holds (write without into) the data, and after a write with
 * into, what was taken from the mapping. */
ssize_t core_dio_read(struct inode *inode, uint64_t pos, uint64_t len,
		      void *buf, int into_map, uint64_t into_off);
ssize_t core_dio_write(struct inode *inode, uint64_t pos, uint64_t len,
		       void *buf, int into_map, uint64_t into_off);
/* FS_IOC_FSSETXATTR(FS_XFLAG_DAX), statx(STATX_ATTR_DAX), eviction */
int core_set_dax(struct inode *inode, bool on);
int core_statx_dax(struct inode *inode);
int core_evict(struct inode *inode);
/* remap_file_range (clone): dst's range gets src's data; 'buf' receives
 * the data copied, for the oracle, and '*done' the bytes of the range
 * remapped (all of it on success; on an error part way, the blocks
 * before it, which stay remapped). */
int core_clone(struct inode *src, struct inode *dst, uint64_t offset,
	       uint64_t len, void *buf, uint64_t *done);
/* The file is in use for the length of an operation (an open file). */
void core_iget(struct inode *inode);
void core_iput(struct inode *inode);

/* ---- Mappings and get_user_pages ----------------------------------------- */

struct gup_pin;
int core_mmap(struct core_fs *fs, int map, struct inode *inode, uint64_t offset,
	      uint64_t len);
int core_munmap(struct core_fs *fs, int map);
int core_access(struct core_fs *fs, int map, uint64_t offset, uint64_t len,
		void *buf, bool write, const char *fn);
/* core_access that also says how many bytes it moved before a fault: a
 * store that faults part way has written those (*done <= len). */
int core_access_done(struct core_fs *fs, int map, uint64_t offset, uint64_t len,
		     void *buf, bool write, const char *fn, uint64_t *done);
/* The file index and file offset behind byte 'offset' of a mapping;
 * -EFAULT if the map does not exist. */
int core_map_file(struct core_fs *fs, int map, uint64_t offset,
		  uint64_t *file_off);
struct gup_pin *core_pin_alloc(void);
int core_pin(struct core_fs *fs, int map, uint64_t offset, uint64_t len,
	     bool longterm, struct gup_pin *pin);
int core_pin_gup(struct core_fs *fs, int map, uint64_t offset, uint64_t len,
		 bool longterm, bool write, struct gup_pin *pin);
void core_unpin(struct core_fs *fs, struct gup_pin *pin);
/* A device's DMA through the pins: to_dev reads the pages, else writes. */
void core_pin_io(struct core_fs *fs, struct gup_pin *pin, uint64_t off,
		 void *buf, uint64_t n, bool to_dev);
/* Does the file still own the memory the pin holds at 'off'? */
bool core_pin_owned(struct core_fs *fs, struct gup_pin *pin, uint64_t off);
uint64_t core_pin_len(const struct gup_pin *pin);

/* ---- The checker's view -------------------------------------------------- */

/* core_writeback_evict -- write back every dirty page and drop the page
 * cache, as eviction of the inode does (explorer thread, at the end). */
void core_writeback_evict(struct inode *inode);
/* core_read_device -- the file's bytes [0, len) straight from its blocks
 * (holes read as zeros), bypassing the page cache. */
void core_read_device(struct inode *inode, uint64_t len, void *buf);

/*
 * core_check_blocks -- block accounting: every block free or mapped by
 * exactly one file, every mapped block allocated.  Returns 0, or -EUCLEAN
 * with a description in msg.
 */
int core_check_blocks(struct core_fs *fs, char *msg, unsigned len);
/*
 * core_check_pagecache -- every file's page cache is consistent
 * (pagecache_check, core/check.c: slots, nrpages, each page's mapping,
 * index, references, dirty state and lock).  Holds at every scheduling
 * point, so it may run between two operations of one thread while others
 * are in the middle of theirs.  Read-only, announces nothing to the
 * systematic search.  Returns 0, or -EUCLEAN with a description in msg.
 */
int core_check_pagecache(struct core_fs *fs, char *msg, unsigned len);

#endif
