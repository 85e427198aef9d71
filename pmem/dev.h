/* SPDX-License-Identifier: MIT */
/*
 * pmem/dev.h -- the block device: blocks in a libpmem pool.
 *
 * Owns: the pool mapping, the free-block bitmap, the dirty-block bitmap and
 * a scratch bitmap for checkers (pmem_dev_mark).
 * The allocator always hands out the lowest free block, so a block freed by
 * a punch is the next one a write gets, as on a busy filesystem: that is
 * what turns a page read from a freed block into another file's data.
 *
 * Writes are made durable at once when the pool is real persistent memory
 * (pmem_memcpy_persist; libpmem's pmem_is_pmem decides once, at open);
 * otherwise a plain memcpy and no msync: nothing reads a pool after the
 * process that wrote it (it is zeroed when mapped), and msync was a system
 * call per write.  pmem_dev_reset costs the blocks dirtied and allocated
 * since the last reset, not the device's size.
 *
 * Concurrency: none; the scheduler runs one thread at a time.
 * Errors: 0 or -errno, as in the core.
 */
#ifndef LOCKSTEP_PMEM_DEV_H
#define LOCKSTEP_PMEM_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pmem_dev;

/*
 * pmem_dev_open -- map a pool for nblocks blocks of block_size bytes.
 * 'path' (else $LOCKSTEP_POOL):
 *   a directory       an unnamed temporary file in it, nobody else's;
 *   a file            made if it does not exist (O_EXCL, allocated whole so
 *                     that no page is sparse), with a header page: magic,
 *                     version, geometry, owner pid; an existing file is used
 *                     only if it has that header (else it is left byte for
 *                     byte), and grown if it is too small;
 *   devdax:DEVICE     a DAX device, all of it, asked for explicitly;
 * and by default an unnamed file under /dev/shm, else $TMPDIR, else /tmp.
 * A pool file is locked (flock) while mapped: a second process is refused.
 * On failure returns NULL, says why in err and sets errno: EINVAL when
 * the path given is unusable as it is (the user's input), another value
 * otherwise.  A failed creation leaves nothing behind.
 */
struct pmem_dev *pmem_dev_open(const char *path, uint32_t block_size,
			       uint64_t nblocks, char *err, size_t errlen);
void pmem_dev_close(struct pmem_dev *d);

/* pmem_dev_reset -- every block free and zero again; costs the blocks
 * written or allocated since the last reset, not the pool size. */
void pmem_dev_reset(struct pmem_dev *d);

uint32_t pmem_dev_block_size(const struct pmem_dev *d);
uint64_t pmem_dev_nblocks(const struct pmem_dev *d);
bool pmem_dev_is_pmem(const struct pmem_dev *d);

/* pmem_dev_alloc -- the lowest free block, or -ENOSPC. */
int64_t pmem_dev_alloc(struct pmem_dev *d);
int pmem_dev_free(struct pmem_dev *d,
		  uint64_t blk); /* -EINVAL: not allocated */
bool pmem_dev_is_free(const struct pmem_dev *d, uint64_t blk);
uint64_t pmem_dev_nfree(const struct pmem_dev *d);
/* pmem_dev_gen -- a counter every alloc, free and reset bumps: equal
 * twice, the allocator did not change in between. */
uint64_t pmem_dev_gen(const struct pmem_dev *d);
/* pmem_dev_mark -- a checker's scratch bit per block, clear between
 * checks: sets blk's, returns whether it was set already; the checker
 * clears each bit it set (pmem_dev_unmark) before it returns, so a check
 * costs the blocks it marks, not the device's size. */
bool pmem_dev_mark(struct pmem_dev *d, uint64_t blk);
void pmem_dev_unmark(struct pmem_dev *d, uint64_t blk);

/* The pool's memory for a block: DAX maps it into user space. */
void *pmem_dev_addr(struct pmem_dev *d, uint64_t blk);

/* Block I/O, within one block. */
void pmem_dev_read(struct pmem_dev *d, uint64_t blk, uint32_t off, void *buf,
		   uint32_t len);
void pmem_dev_write(struct pmem_dev *d, uint64_t blk, uint32_t off,
		    const void *buf, uint32_t len);
void pmem_dev_zero(struct pmem_dev *d, uint64_t blk, uint32_t off,
		   uint32_t len);
/* After a store through pmem_dev_addr (DAX): make it durable. */
void pmem_dev_persist(struct pmem_dev *d, uint64_t blk, uint32_t off,
		      uint32_t len);

#endif
