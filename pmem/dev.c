/* SPDX-License-Identifier: MIT */
/*
 * pmem/dev.c -- the pool, the allocator and block I/O.
 */
#include "pmem/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ck_bitmap.h>
#include <libpmem.h>

struct pmem_dev {
	char *map;  /* the mapping: header, then blocks */
	char *base; /* block 0 */
	size_t mapped;
	int lockfd; /* a pool file's, locked; or -1 */
	int is_pmem;
	uint32_t block_size;
	uint64_t nblocks;
	uint64_t nfree;
	struct ck_bitmap *free;	 /* set: the block is free */
	struct ck_bitmap *dirty; /* set: written since the last reset */
	struct ck_bitmap *mark;	 /* a checker's scratch (pmem_dev_mark) */
	uint32_t *dirtied;	 /* the dirty blocks, in order set */
	uint64_t ndirtied;
	uint64_t hiwater; /* blocks >= it: never allocated since
					 * the last reset (the lowest free block
					 * is the one handed out) */
	uint64_t gen;	  /* bumped by every alloc, free and reset */
};

/* mark_dirty -- internal: blk written since the last reset; O(1), so a
 * reset costs the blocks an execution touched, not the device's size. */
static void mark_dirty(struct pmem_dev *d, uint64_t blk)
{
	if (ck_bitmap_test(d->dirty, (unsigned)blk))
		return;
	ck_bitmap_set(d->dirty, (unsigned)blk);
	d->dirtied[d->ndirtied++] = (uint32_t)blk;
}

/* copy_persist -- internal: the one place data reaches the pool.  A pool
 * that is not persistent memory is not synced: nothing reads it after the
 * process (it is zeroed when mapped), so msync would be a system call per
 * write for a durability nobody uses. */
static void copy_persist(struct pmem_dev *d, void *dst, const void *src,
			 size_t len)
{
	if (d->is_pmem)
		pmem_memcpy_persist(dst, src, len);
	else
		memcpy(dst, src, len);
}

static struct ck_bitmap *bitmap_new(uint64_t bits, bool set)
{
	struct ck_bitmap *b = malloc(ck_bitmap_size((unsigned)bits));

	if (b)
		ck_bitmap_init(b, (unsigned)bits, set);
	return b;
}

/*
 * A pool file lockstep made starts with one page of header, then the
 * blocks.  A file without the header is not lockstep's and is never
 * written to; a file with it is locked (flock) for as long as a process
 * maps it, so two processes never share one pool.
 */
#define POOL_MAGIC   "lockstep-pool\0\0" /* 16 bytes with the final NUL */
#define POOL_VERSION 1
#define POOL_HDR     4096

struct pool_hdr {
	char magic[16];
	uint32_t version;
	/* the geometry last used, for a person reading the file: a pool is
	 * reused for any geometry, grown when it is too small */
	uint32_t block_size;
	uint64_t nblocks;
	uint64_t owner; /* pid of the last process to map it */
};

/* fail -- internal: the message, errno = e (EINVAL: the user's --pool is
 * unusable as given; anything else: the environment), NULL. */
static void *fail(int e, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void *fail(int e, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = e;
	return NULL;
}

/* pool_lock -- internal: the pool's lock for this process, or -1 with
 * the message (in use by another process). */
static int pool_lock(int fd, const char *path, char *err, size_t errlen)
{
	struct pool_hdr h = { 0 };

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK &&
	    pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h))
		fail(EINVAL, err, errlen,
		     "pool %s: in use by another lockstep "
		     "(pid %llu); each process needs its own pool: give --pool "
		     "a directory",
		     path, (unsigned long long)h.owner);
	else
		fail(EINVAL, err, errlen, "pool %s: cannot lock it: %s", path,
		     strerror(errno));
	return -1;
}

/* pool_create -- internal: a new pool file at path, allocated whole (no
 * sparse page for a store to fault on), locked; the fd, or -1 with nothing
 * left behind. */
static int pool_create(const char *path, size_t len, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int e;

	if (fd < 0) {
		fail(EINVAL, err, errlen, "pool %s: cannot create it: %s", path,
		     strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		e = errno;
		goto out;
	}
	e = posix_fallocate(fd, 0, (off_t)len);
	if (e == 0)
		return fd;
out:
	unlink(path);
	close(fd);
	fail(e == ENOSPC ? EINVAL : e, err, errlen,
	     "pool %s: cannot allocate %zu bytes: %s", path, len, strerror(e));
	return -1;
}

/* pool_open -- internal: an existing file, if it is a pool lockstep made;
 * grown to len if it is smaller.  The fd, locked, or -1. */
static int pool_open(const char *path, size_t len, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct pool_hdr h = { 0 };
	struct stat st;
	int e;

	if (fd < 0) {
		fail(EINVAL, err, errlen, "pool %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fail(EINVAL, err, errlen,
		     "pool %s: not a regular file (a DAX "
		     "device is used only as devdax:%s)",
		     path, path);
		goto out;
	}
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, POOL_MAGIC, sizeof(h.magic)) ||
	    h.version != POOL_VERSION) {
		fail(EINVAL, err, errlen,
		     "pool %s: not a lockstep pool (no "
		     "header); left as it is: name a directory, or a file "
		     "that does not exist yet",
		     path);
		goto out;
	}
	if (pool_lock(fd, path, err, errlen) < 0)
		goto out;
	if ((size_t)st.st_size < len &&
	    (e = posix_fallocate(fd, 0, (off_t)len)) != 0) {
		fail(EINVAL, err, errlen,
		     "pool %s: %lld bytes, cannot grow it "
		     "to %zu: %s",
		     path, (long long)st.st_size, len, strerror(e));
		goto out;
	}
	return fd;
out:
	close(fd);
	return -1;
}

/* pool_file -- internal: map an explicit pool file (made if missing); its
 * header written, its lock held through *lockfd. */
static void *pool_file(const char *path, uint32_t block_size, uint64_t nblocks,
		       size_t *mapped, int *is_pmem, int *lockfd, char *err,
		       size_t errlen)
{
	struct pool_hdr h = { .version = POOL_VERSION,
			      .block_size = block_size,
			      .nblocks = nblocks };
	size_t len = (size_t)block_size * nblocks;
	struct stat st;
	bool made = stat(path, &st) < 0;
	int fd = made ? pool_create(path, len + POOL_HDR, err, errlen) :
			pool_open(path, len + POOL_HDR, err, errlen);
	char *p;

	if (fd < 0)
		return NULL;
	memcpy(h.magic, POOL_MAGIC, sizeof(h.magic));
	h.owner = (uint64_t)getpid();
	p = pmem_map_file(path, 0, 0, 0600, mapped, is_pmem);
	if (!p || *mapped < len + POOL_HDR) {
		if (p)
			pmem_unmap(p, *mapped);
		if (made)
			unlink(path);
		close(fd);
		return fail(EINVAL, err, errlen, "pool %s: %s", path,
			    p ? "shorter than its size" : pmem_errormsg());
	}
	memcpy(p, &h, sizeof(h));
	*lockfd = fd;
	return p;
}

/* map_pool -- internal: the pool, by the rules in dev.h; its blocks start
 * at *off in the mapping. */
static void *map_pool(const char *path, uint32_t block_size, uint64_t nblocks,
		      size_t *mapped, int *is_pmem, size_t *off, int *lockfd,
		      char *err, size_t errlen)
{
	size_t len = (size_t)block_size * nblocks;
	const char *env = getenv("LOCKSTEP_POOL");
	const char *dirs[] = { path, env, "/dev/shm", getenv("TMPDIR"),
			       "/tmp" };
	struct stat st;
	void *p;

	*off = 0;
	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const char *dir = dirs[i];

		if (!dir || !*dir)
			continue;
		if (i <= 1 && !strncmp(dir, "devdax:", 7)) {
			/* A DAX device, asked for explicitly: all of it. */
			p = pmem_map_file(dir + 7, 0, 0, 0600, mapped, is_pmem);
			if (p && *mapped >= len)
				return p;
			if (p)
				pmem_unmap(p, *mapped);
			return fail(EINVAL, err, errlen, "pool %s: %s", dir,
				    p ? "smaller than the pool" :
					pmem_errormsg());
		}
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			/* An unnamed file: nobody else can map it. */
			p = pmem_map_file(dir, len,
					  PMEM_FILE_CREATE | PMEM_FILE_TMPFILE,
					  0600, mapped, is_pmem);
			if (p)
				return p;
			if (i <= 1)
				return fail(EINVAL, err, errlen, "pool %s: %s",
					    dir, pmem_errormsg());
			continue;
		}
		if (i > 1)
			continue;
		*off = POOL_HDR;
		return pool_file(dir, block_size, nblocks, mapped, is_pmem,
				 lockfd, err, errlen);
	}
	return fail(ENOMEM, err, errlen, "no place for a pool: %s",
		    pmem_errormsg());
}

struct pmem_dev *pmem_dev_open(const char *path, uint32_t block_size,
			       uint64_t nblocks, char *err, size_t errlen)
{
	struct pmem_dev *d = calloc(1, sizeof(*d));
	size_t off;

	if (!d)
		return fail(ENOMEM, err, errlen, "out of memory");
	d->lockfd = -1;
	d->block_size = block_size;
	d->nblocks = nblocks;
	d->map = map_pool(path, block_size, nblocks, &d->mapped, &d->is_pmem,
			  &off, &d->lockfd, err, errlen);
	d->base = d->map ? d->map + off : NULL;
	d->free = bitmap_new(nblocks, true);
	d->dirty = bitmap_new(nblocks, false);
	d->mark = bitmap_new(nblocks, false);
	d->dirtied = malloc((nblocks ? nblocks : 1) * sizeof(*d->dirtied));
	if (!d->base || !d->free || !d->dirty || !d->mark || !d->dirtied) {
		int e = d->base ? ENOMEM : errno;

		if (d->map)
			pmem_unmap(d->map, d->mapped);
		if (d->lockfd >= 0)
			close(d->lockfd);
		free(d->free);
		free(d->dirty);
		free(d->mark);
		free(d->dirtied);
		free(d);
		if (e == ENOMEM && !err[0])
			snprintf(err, errlen, "out of memory");
		errno = e;
		return NULL;
	}
	d->nfree = nblocks;
	/* A reused pool holds the last run's data: start from zeros. */
	memset(d->base, 0, (size_t)block_size * nblocks);
	return d;
}

void pmem_dev_close(struct pmem_dev *d)
{
	if (!d)
		return;
	pmem_unmap(d->map, d->mapped);
	if (d->lockfd >= 0)
		close(d->lockfd); /* drops the pool's lock */
	free(d->free);
	free(d->dirty);
	free(d->mark);
	free(d->dirtied);
	free(d);
}

/* pmem_dev_reset -- O(blocks dirtied + blocks allocated) since the last
 * reset, not O(nblocks): an execution pays for what it touched. */
void pmem_dev_reset(struct pmem_dev *d)
{
	for (uint64_t i = 0; i < d->ndirtied; i++) {
		uint32_t blk = d->dirtied[i];
		char *p = d->base + (size_t)blk * d->block_size;

		if (d->is_pmem)
			pmem_memset_persist(p, 0, d->block_size);
		else
			memset(p, 0, d->block_size);
		ck_bitmap_reset(d->dirty, blk);
	}
	d->ndirtied = 0;
	for (uint64_t blk = 0; blk < d->hiwater; blk++)
		ck_bitmap_set(d->free, (unsigned)blk);
	d->hiwater = 0;
	d->nfree = d->nblocks;
	d->gen++;
}

uint32_t pmem_dev_block_size(const struct pmem_dev *d)
{
	return d->block_size;
}

uint64_t pmem_dev_nblocks(const struct pmem_dev *d)
{
	return d->nblocks;
}

bool pmem_dev_is_pmem(const struct pmem_dev *d)
{
	return d->is_pmem;
}

int64_t pmem_dev_alloc(struct pmem_dev *d)
{
	struct ck_bitmap_iterator it;
	unsigned int blk;

	/* O(nblocks / 64) at worst: devices here have a few thousand
	 * blocks, and the lowest free block is what we want anyway. */
	ck_bitmap_iterator_init(&it, d->free);
	if (!ck_bitmap_next(d->free, &it, &blk))
		return -ENOSPC;
	ck_bitmap_reset(d->free, blk);
	d->nfree--;
	d->gen++;
	if (blk >= d->hiwater)
		d->hiwater = (uint64_t)blk + 1;
	return blk;
}

int pmem_dev_free(struct pmem_dev *d, uint64_t blk)
{
	if (blk >= d->nblocks || ck_bitmap_test(d->free, (unsigned)blk))
		return -EINVAL; /* a double free: the core BUGs on it */
	ck_bitmap_set(d->free, (unsigned)blk);
	d->nfree++;
	d->gen++;
	return 0;
}

bool pmem_dev_is_free(const struct pmem_dev *d, uint64_t blk)
{
	return ck_bitmap_test(d->free, (unsigned)blk);
}

bool pmem_dev_mark(struct pmem_dev *d, uint64_t blk)
{
	bool was = ck_bitmap_test(d->mark, (unsigned)blk);

	ck_bitmap_set(d->mark, (unsigned)blk);
	return was;
}

void pmem_dev_unmark(struct pmem_dev *d, uint64_t blk)
{
	ck_bitmap_reset(d->mark, (unsigned)blk);
}

uint64_t pmem_dev_gen(const struct pmem_dev *d)
{
	return d->gen;
}

uint64_t pmem_dev_nfree(const struct pmem_dev *d)
{
	return d->nfree;
}

void *pmem_dev_addr(struct pmem_dev *d, uint64_t blk)
{
	mark_dirty(d, blk);
	return d->base + (size_t)blk * d->block_size;
}

void pmem_dev_read(struct pmem_dev *d, uint64_t blk, uint32_t off, void *buf,
		   uint32_t len)
{
	memcpy(buf, d->base + (size_t)blk * d->block_size + off, len);
}

void pmem_dev_write(struct pmem_dev *d, uint64_t blk, uint32_t off,
		    const void *buf, uint32_t len)
{
	mark_dirty(d, blk);
	copy_persist(d, d->base + (size_t)blk * d->block_size + off, buf, len);
}

void pmem_dev_zero(struct pmem_dev *d, uint64_t blk, uint32_t off, uint32_t len)
{
	char *p = d->base + (size_t)blk * d->block_size + off;

	mark_dirty(d, blk);
	if (d->is_pmem)
		pmem_memset_persist(p, 0, len);
	else
		memset(p, 0, len); /* no msync: see copy_persist */
}

void pmem_dev_persist(struct pmem_dev *d, uint64_t blk, uint32_t off,
		      uint32_t len)
{
	char *p = d->base + (size_t)blk * d->block_size + off;

	if (d->is_pmem)
		pmem_persist(p, len); /* else nothing: see copy_persist */
}
