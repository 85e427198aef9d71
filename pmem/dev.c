/* SPDX-License-Identifier: MIT */
/*
 * pmem/dev.c -- the pool, the allocator and block I/O.
 */
#include "pmem/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ck_bitmap.h>
#include <libpmem.h>

struct pmem_dev {
	char *base;
	size_t mapped;
	int is_pmem;
	uint32_t block_size;
	uint64_t nblocks;
	uint64_t nfree;
	struct ck_bitmap *free;		/* set: the block is free */
	struct ck_bitmap *dirty;	/* set: written since the last reset */
};

/* copy_persist -- internal: the one place data reaches the pool. */
static void copy_persist(struct pmem_dev *d, void *dst, const void *src,
			 size_t len)
{
	if (d->is_pmem) {
		pmem_memcpy_persist(dst, src, len);
	} else {
		memcpy(dst, src, len);
		pmem_msync(dst, len);
	}
}

static struct ck_bitmap *bitmap_new(uint64_t bits, bool set)
{
	struct ck_bitmap *b = malloc(ck_bitmap_size((unsigned)bits));

	if (b)
		ck_bitmap_init(b, (unsigned)bits, set);
	return b;
}

/* map_pool -- internal: the pool file, by the rules in dev.h. */
static void *map_pool(const char *path, size_t len, size_t *mapped,
		      int *is_pmem, char *err, size_t errlen)
{
	const char *dirs[] = { path, getenv("LOCKSTEP_POOL"), "/dev/shm",
			       getenv("TMPDIR"), "/tmp" };
	struct stat st;
	void *p;

	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const char *dir = dirs[i];

		if (!dir || !*dir)
			continue;
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			p = pmem_map_file(dir, len,
					  PMEM_FILE_CREATE | PMEM_FILE_TMPFILE,
					  0600, mapped, is_pmem);
		} else if (i <= 1) {
			/* An explicit file or device: use it as it is, or
			 * create it with the size needed. */
			p = pmem_map_file(dir, stat(dir, &st) == 0 ? 0 : len,
					  stat(dir, &st) == 0 ? 0 : PMEM_FILE_CREATE,
					  0600, mapped, is_pmem);
		} else {
			continue;
		}
		if (p && *mapped >= len)
			return p;
		if (p) {
			snprintf(err, errlen, "pool %s: %zu bytes, %zu needed",
				 dir, *mapped, len);
			pmem_unmap(p, *mapped);
			return NULL;
		}
		if (i <= 1) {
			snprintf(err, errlen, "pool %s: %s", dir, pmem_errormsg());
			return NULL;
		}
	}
	snprintf(err, errlen, "no place for a pool: %s", pmem_errormsg());
	return NULL;
}

struct pmem_dev *pmem_dev_open(const char *path, uint32_t block_size,
			       uint64_t nblocks, char *err, size_t errlen)
{
	struct pmem_dev *d = calloc(1, sizeof(*d));

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->block_size = block_size;
	d->nblocks = nblocks;
	d->base = map_pool(path, (size_t)block_size * nblocks, &d->mapped,
			   &d->is_pmem, err, errlen);
	d->free = bitmap_new(nblocks, true);
	d->dirty = bitmap_new(nblocks, false);
	if (!d->base || !d->free || !d->dirty) {
		if (d->base)
			pmem_unmap(d->base, d->mapped);
		free(d->free);
		free(d->dirty);
		free(d);
		return NULL;
	}
	d->nfree = nblocks;
	/* An existing pool may hold anything: start from zeros. */
	memset(d->base, 0, (size_t)block_size * nblocks);
	return d;
}

void pmem_dev_close(struct pmem_dev *d)
{
	if (!d)
		return;
	pmem_unmap(d->base, d->mapped);
	free(d->free);
	free(d->dirty);
	free(d);
}

void pmem_dev_reset(struct pmem_dev *d)
{
	struct ck_bitmap_iterator it;
	unsigned int blk;

	ck_bitmap_iterator_init(&it, d->dirty);
	while (ck_bitmap_next(d->dirty, &it, &blk)) {
		char *p = d->base + (size_t)blk * d->block_size;

		if (d->is_pmem)
			pmem_memset_persist(p, 0, d->block_size);
		else
			memset(p, 0, d->block_size);
	}
	ck_bitmap_clear(d->dirty);
	ck_bitmap_init(d->free, (unsigned)d->nblocks, true);
	d->nfree = d->nblocks;
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
	return blk;
}

int pmem_dev_free(struct pmem_dev *d, uint64_t blk)
{
	if (blk >= d->nblocks || ck_bitmap_test(d->free, (unsigned)blk))
		return -EINVAL;	/* a double free: the core BUGs on it */
	ck_bitmap_set(d->free, (unsigned)blk);
	d->nfree++;
	return 0;
}

bool pmem_dev_is_free(const struct pmem_dev *d, uint64_t blk)
{
	return ck_bitmap_test(d->free, (unsigned)blk);
}

uint64_t pmem_dev_nfree(const struct pmem_dev *d)
{
	return d->nfree;
}

void *pmem_dev_addr(struct pmem_dev *d, uint64_t blk)
{
	ck_bitmap_set(d->dirty, (unsigned)blk);
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
	ck_bitmap_set(d->dirty, (unsigned)blk);
	copy_persist(d, d->base + (size_t)blk * d->block_size + off, buf, len);
}

void pmem_dev_zero(struct pmem_dev *d, uint64_t blk, uint32_t off,
		   uint32_t len)
{
	char *p = d->base + (size_t)blk * d->block_size + off;

	ck_bitmap_set(d->dirty, (unsigned)blk);
	if (d->is_pmem) {
		pmem_memset_persist(p, 0, len);
	} else {
		memset(p, 0, len);
		pmem_msync(p, len);
	}
}

void pmem_dev_persist(struct pmem_dev *d, uint64_t blk, uint32_t off,
		      uint32_t len)
{
	char *p = d->base + (size_t)blk * d->block_size + off;

	if (d->is_pmem)
		pmem_persist(p, len);
	else
		pmem_msync(p, len);
}
