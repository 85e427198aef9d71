/* SPDX-License-Identifier: MIT */
/*
 * tests/test_core.c -- the page cache model on its own (one thread, outside
 * the scheduler): reads and writes through the cache, partially uptodate
 * pages with 1 KiB blocks, punch hole, writeback, block accounting; and
 * through the engine, the punch-hole race before and after its fix.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/exec.h"
#include "core/core.h"
#include "core/core_impl.h"
#include "oracle/stamp.h"
#include "pmem/dev.h"
#include "sim/sim.h"

static struct sim *sim;
static struct pmem_dev *dev;

static void stamped(void *buf, int index, uint64_t pos, uint64_t len)
{
	stamp_fill(buf, (unsigned)index, 0, pos, len);
}

static struct core_fs *mkfs(uint32_t bs, uint32_t fixes, uint64_t size_a)
{
	static const struct core_file_spec spec_tmpl[2] = {
		{ .name = "a", .index = 0, .fill = stamped },
		{ .name = "b", .index = 1, .fill = stamped },
	};
	struct core_file_spec spec[2];
	char err[256];
	struct sim_options so = { .cpu = -1 };

	memcpy(spec, spec_tmpl, sizeof(spec));
	spec[0].size = size_a;
	sim = sim_create(1, &so);
	ck_assert_ptr_nonnull(sim);
	dev = pmem_dev_open(NULL, bs, 64, err, sizeof(err));
	ck_assert_msg(dev != NULL, "%s", err);
	sim_new_arena(sim);
	return core_fs_create(dev, fixes, spec, 2, 0, NULL, NULL);
}

static void teardown(void)
{
	pmem_dev_close(dev);
	sim_destroy(sim);
	dev = NULL;
	sim = NULL;
}

static bool is_stamp(const unsigned char *b, unsigned file, uint32_t op,
		     uint64_t pos, uint64_t len)
{
	unsigned char *want = malloc(len);
	bool ok;

	stamp_fill(want, file, op, pos, len);
	ok = !memcmp(b, want, len);
	free(want);
	return ok;
}

START_TEST(read_initial_content)
{
	struct core_fs *fs = mkfs(4096, 0, 16384);
	struct inode *a = core_fs_inode(fs, 0);
	unsigned char buf[16384 + 100];

	ck_assert_int_eq(core_read(a, 0, sizeof(buf), buf), 16384);
	ck_assert(is_stamp(buf, 0, 0, 0, 16384));
	ck_assert_uint_eq(a->i_mapping->nrpages, 4);
	/* past EOF: nothing */
	ck_assert_int_eq(core_read(a, 16384, 10, buf), 0);
	ck_assert_uint_eq(pmem_dev_nfree(dev), 60);
	teardown();
}
END_TEST

START_TEST(write_then_read_and_writeback)
{
	struct core_fs *fs = mkfs(4096, 0, 0);
	struct inode *b = core_fs_inode(fs, 1);
	unsigned char in[6000], out[6000];

	stamp_fill(in, 1, 9, 100, sizeof(in));
	ck_assert_int_eq(core_write(b, 100, sizeof(in), in), (int)sizeof(in));
	ck_assert_uint_eq(core_i_size(b), 6100);
	ck_assert_int_eq(core_read(b, 100, sizeof(out), out), (int)sizeof(out));
	ck_assert(!memcmp(in, out, sizeof(in)));
	/* Nothing on the device before writeback... */
	core_read_device(b, sizeof(out), out);
	ck_assert(out[100] == 0 && out[200] == 0);
	/* ...and all of it after. */
	ck_assert_int_eq(core_fsync(b), 0);
	core_read_device(b, sizeof(out), out);
	ck_assert(!memcmp(out + 100, in, sizeof(out) - 100));
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(out[i], 0); /* new block, zeroed head */
	teardown();
}
END_TEST

START_TEST(partial_page_with_small_blocks)
{
	struct core_fs *fs = mkfs(1024, 0, 4096);
	struct inode *a = core_fs_inode(fs, 0);
	unsigned char in[1024], out[1024];
	struct page *page;

	stamp_fill(in, 0, 5, 0, sizeof(in));
	ck_assert_int_eq(core_write(a, 0, 1024, in), 1024);
	page = xa_load(&a->i_mapping->i_pages, 0);
	ck_assert_ptr_nonnull(page);
	/* Only the first block is uptodate: the page is not. */
	ck_assert_uint_eq(page->uptodate_blocks, 1);
	ck_assert(!(page->flags & PG_uptodate));
	/* Reading the second block reads it in. */
	ck_assert_int_eq(core_read(a, 1024, 1024, out), 1024);
	ck_assert(is_stamp(out, 0, 0, 1024, 1024));
	ck_assert(page->uptodate_blocks & 2);
	teardown();
}
END_TEST

START_TEST(punch_hole_frees_blocks_and_zeroes)
{
	struct core_fs *fs = mkfs(1024, FIX(FIX_INVALIDATE_LOCK), 8192);
	struct inode *a = core_fs_inode(fs, 0);
	unsigned char out[8192];
	char msg[256];

	ck_assert_int_eq(core_read(a, 0, 8192, out), 8192); /* cache it */
	ck_assert_uint_eq(pmem_dev_nfree(dev), 56);
	/* 1000..5000: blocks 1,2,3 and 4 go, 0 keeps its head */
	ck_assert_int_eq(core_punch_hole(a, 1000, 4000), 0);
	ck_assert_uint_eq(pmem_dev_nfree(dev), 59);
	ck_assert_int_eq(core_map_block(a, 1), -ENXIO);
	ck_assert_int_eq(core_map_block(a, 3), -ENXIO);
	ck_assert_int_ge(core_map_block(a, 0), 0);
	ck_assert_int_ge(core_map_block(a, 4), 0);
	ck_assert_uint_eq(core_i_size(a), 8192); /* KEEP_SIZE */
	ck_assert_int_eq(core_read(a, 0, 8192, out), 8192);
	ck_assert(is_stamp(out, 0, 0, 0, 1000));
	for (int i = 1000; i < 5000; i++)
		ck_assert_msg(out[i] == 0, "byte %d not zero", i);
	ck_assert(is_stamp(out + 5000, 0, 0, 5000, 3192));
	ck_assert_int_eq(core_check_blocks(fs, msg, sizeof(msg)), 0);
	/* and the same from the device after eviction */
	core_writeback_evict(a);
	ck_assert_uint_eq(a->i_mapping->nrpages, 0);
	core_read_device(a, 8192, out);
	for (int i = 1000; i < 5000; i++)
		ck_assert(out[i] == 0);
	ck_assert(is_stamp(out + 5000, 0, 0, 5000, 3192));
	/* A freed block is the next one allocated: the lowest. */
	ck_assert_int_eq(pmem_dev_alloc(dev), 1);
	teardown();
}
END_TEST

START_TEST(enospc_and_efbig)
{
	struct core_fs *fs = mkfs(4096, 0, 0);
	struct inode *b = core_fs_inode(fs, 1);
	size_t len = 65 * 4096;
	unsigned char *in = calloc(1, len);

	ck_assert_int_eq(core_write(b, 0, len, in), 64 * 4096);
	ck_assert_int_eq(core_write(b, len, 4096, in), -ENOSPC);
	ck_assert_int_eq(core_write(b, CORE_MAXBYTES, 1, in), -EFBIG);
	ck_assert_int_eq(core_punch_hole(b, 0, 0), -EINVAL);
	free(in);
	teardown();
}
END_TEST

/* run_scenario -- the engine over a scenario text: the kinds found in n
 * executions with PCT. */
static uint32_t run_scenario(const char *yaml, const char *fixes, int n)
{
	char path[] = "/tmp/lockstep-test-XXXXXX.yaml", err[256];
	int fd = mkstemps(path, 5);
	struct scen_error serr;
	struct scen *sc;
	struct exec *e;
	struct sim_strategy *st;
	uint32_t f, kinds = 0;
	struct exec_options eo = { .log_events = true };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	sc = scen_load(path, &exec_vocab, &serr);
	unlink(path);
	ck_assert_msg(sc != NULL, "%d:%d: %s", serr.pos.line, serr.pos.col,
		      serr.msg);
	ck_assert_int_eq(exec_fixes_for(sc, NULL, fixes, &f, err, sizeof(err)),
			 0);
	e = exec_new(sc, f, &eo, err, sizeof(err));
	ck_assert_msg(e != NULL, "%s", err);
	st = sim_strategy_pct(1, sc->nthreads, 3, 60);
	for (int i = 0; i < n; i++)
		kinds |= exec_run(e, st, (uint64_t)i)->kinds;
	sim_strategy_destroy(st);
	exec_free(e);
	scen_free(sc);
	return kinds;
}

static const char race[] =
	"lockstep: 1\n"
	"name: t\n"
	"kernel: v5.14\n"
	"storage: {block_size: 1024, blocks: 32}\n"
	"files: [{name: a, size: 4096}, {name: b, size: 0}]\n"
	"threads:\n"
	"  - name: r\n"
	"    ops:\n"
	"      - write: {file: a, offset: 0, len: 1024}\n"
	"      - read: {file: a, offset: 1024, len: 1024}\n"
	"  - name: p\n"
	"    ops:\n"
	"      - punch_hole: {file: a, offset: 1024, len: 1024}\n"
	"      - write: {file: b, offset: 0, len: 1024}\n"
	"      - fsync: {file: b}\n";

/* The page cache invariants (core_check_pagecache): healthy after a write
 * and a read, then broken one way at a time, each named. */
START_TEST(pagecache_check_catches_corruption)
{
	struct core_fs *fs = mkfs(1024, 0, 8192);
	struct inode *a = core_fs_inode(fs, 0);
	unsigned char in[1024], out[8192];
	struct page *p0, *p1, saved;
	char msg[256];

#define BROKEN(want)                                                         \
	do {                                                                 \
		msg[0] = 0;                                                  \
		ck_assert_int_eq(core_check_pagecache(fs, msg, sizeof(msg)), \
				 -EUCLEAN);                                  \
		ck_assert_msg(strstr(msg, want), "got \"%s\"", msg);         \
	} while (0)

	stamp_fill(in, 0, 5, 0, sizeof(in));
	ck_assert_int_eq(core_write(a, 0, 1024, in), 1024);
	ck_assert_int_eq(core_read(a, 0, 8192, out), 8192);
	p0 = xa_load(&a->i_mapping->i_pages, 0);
	p1 = xa_load(&a->i_mapping->i_pages, 1);
	ck_assert(p0 && p1 && (p0->flags & PG_dirty) && p0->dirty_blocks == 1);
	ck_assert_msg(core_check_pagecache(fs, msg, sizeof(msg)) == 0, "%s",
		      msg);

	a->i_mapping->nrpages++;
	BROKEN("a: nrpages is 3, but 2 pages are in its page cache");
	a->i_mapping->nrpages--;

	saved = *p1;
	p1->index = 5;
	BROKEN("a: the page at index 1 (pfn 2) has index 5");
	*p1 = saved;

	p0->flags &= ~PG_dirty;
	BROKEN("a: the page at index 0 (pfn 1) has dirty blocks (0x1) but "
	       "not PG_dirty");
	p0->flags |= PG_dirty;

	p1->dirty_blocks = 1u << 4; /* 4 blocks a page */
	p1->flags |= PG_dirty;
	BROKEN("has blocks past its end (uptodate 0xf, dirty 0x10)");
	*p1 = saved;

	p1->mapping = NULL;
	BROKEN("the page at index 1 (pfn 2) belongs to no mapping");
	*p1 = saved;

	p1->refcount = 0;
	BROKEN("has 0 references, fewer than the cache's");
	*p1 = saved;

	p1->lock.owner = 7; /* a sim of one thread */
	BROKEN("the page at index 1 (pfn 2): page(a:1): owner 7 is not a "
	       "thread");
	*p1 = saved;

	/* Whole again: the checks pass and the files read back. */
	ck_assert_msg(core_check_pagecache(fs, msg, sizeof(msg)) == 0, "%s",
		      msg);
	core_writeback_evict(a);
	ck_assert_int_eq(core_check_pagecache(fs, msg, sizeof(msg)), 0);
	ck_assert_int_eq(core_check_blocks(fs, msg, sizeof(msg)), 0);
#undef BROKEN
	teardown();
}
END_TEST

/* Preconditions are asserted, not branched on: a caller that breaks one is
 * a BUG (sim_guard catches it, as the engine's set-up and final checks
 * do). */
static void write_unlocked(void *arg)
{
	write_one_page(arg);
}

static void truncate_unlocked(void *arg)
{
	truncate_pagecache_range(arg, 0, UINT64_MAX);
}

static void dio_wait_unlocked(void *arg)
{
	inode_dio_wait(arg);
}

/* The block accounting check: each finding, and nothing left behind by
 * one (its scratch marks cleared: the next check passes again). */
START_TEST(blocks_check_catches_corruption)
{
	struct core_fs *fs = mkfs(1024, 0, 8192);
	struct inode *a = core_fs_inode(fs, 0), *b = core_fs_inode(fs, 1);
	int64_t blk = core_map_block(a, 2), leak;
	char msg[256], want[128];

#define BROKEN(w)                                                         \
	do {                                                              \
		msg[0] = 0;                                               \
		ck_assert_int_eq(core_check_blocks(fs, msg, sizeof(msg)), \
				 -EUCLEAN);                               \
		ck_assert_msg(!strcmp(msg, w), "got \"%s\"", msg);        \
		ck_assert_int_eq(core_check_blocks(fs, msg, sizeof(msg)), \
				 -EUCLEAN);                               \
	} while (0)
#define WHOLE() \
	ck_assert_msg(core_check_blocks(fs, msg, sizeof(msg)) == 0, "%s", msg)

	ck_assert_int_ge(blk, 0);
	WHOLE();
	xa_store(&b->i_blocks, 3, (void *)(uintptr_t)(60 + 1));
	BROKEN("block 60 is free but still mapped by b at offset 3072");
	xa_store(&b->i_blocks, 3, NULL);
	WHOLE();

	xa_store(&b->i_blocks, 1, (void *)(uintptr_t)(blk + 1));
	snprintf(want, sizeof(want), "block %lld is mapped by both a and b",
		 (long long)blk);
	BROKEN(want);
	xa_store(&b->i_blocks, 1, NULL);
	WHOLE();

	leak = pmem_dev_alloc(dev);
	ck_assert_int_ge(leak, 0);
	BROKEN("1 blocks are neither free nor mapped by any file (leaked)");
	ck_assert_int_eq(pmem_dev_free(dev, (uint64_t)leak), 0);
	WHOLE();
#undef BROKEN
#undef WHOLE
	teardown();
}
END_TEST

START_TEST(preconditions_asserted)
{
	struct core_fs *fs = mkfs(4096, 0, 0);
	struct inode *b = core_fs_inode(fs, 1);
	unsigned char in[100] = { 1 };
	struct page *page;

	ck_assert_int_eq(core_write(b, 0, sizeof(in), in), (int)sizeof(in));
	page = xa_load(&b->i_mapping->i_pages, 0);
	ck_assert(page && (page->flags & PG_dirty));
	ck_assert(!sim_guard(sim, write_unlocked, page));
	ck_assert_ptr_nonnull(strstr(sim_abort_reason(sim),
				     "!sim_lock_held_excl(&page->lock)"));
	ck_assert(!sim_guard(sim, truncate_unlocked, b));
	ck_assert_ptr_nonnull(strstr(sim_abort_reason(sim),
				     "!sim_lock_held_excl(&inode->i_rwsem)"));
	ck_assert(!sim_guard(sim, dio_wait_unlocked, b));
	ck_assert_ptr_nonnull(strstr(sim_abort_reason(sim),
				     "!sim_lock_held_excl(&inode->i_rwsem)"));
	ck_assert_ptr_nonnull(strstr(sim_abort_reason(sim), "truncate.c"));
	/* Nothing was done: the page is still there, dirty. */
	ck_assert_ptr_eq(xa_load(&b->i_mapping->i_pages, 0), page);
	ck_assert(page->flags & PG_dirty);
	teardown();
}
END_TEST

/* One error convention (core.h): -errno, never -1. */
START_TEST(errors_are_negative_errno)
{
	struct core_fs *fs = mkfs(4096, 0, 0);
	uint32_t fixes = 0;
	uint64_t off;

	ck_assert_int_eq(core_fix_lookup("no-such-fix"), -ENOENT);
	ck_assert_int_eq(core_fix_lookup("fault-lock"), FIX_FAULT_LOCK);
	ck_assert_int_eq(core_kernel_fixes("v3.19", &fixes), -ENOENT);
	ck_assert_int_eq(core_kernel_fixes("5.x", &fixes), -ENOENT);
	ck_assert_int_eq(core_kernel_fixes("v5.15", &fixes), 0);
	ck_assert_uint_ne(fixes, 0);
	ck_assert_int_eq(core_map_file(fs, -1, 0, &off), -EFAULT);
	ck_assert_int_eq(core_map_file(fs, 1 << 20, 0, &off), -EFAULT);
	teardown();
}
END_TEST

START_TEST(partial_page_race_before_and_after_fix)
{
	/* Jan Kara's partial page (seeds/004): with 1 KiB blocks, the read
	 * of block 1 of a partially uptodate page races with its punch. */
	uint32_t before = run_scenario(race, NULL, 2000);
	uint32_t after = run_scenario(race, "invalidate-lock", 2000);

	ck_assert_msg(before & (1u << SCEN_V_STALE_READ),
		      "the race was not found before the fix");
	ck_assert_uint_eq(after, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("pagecache");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, read_initial_content);
	tcase_add_test(tc, write_then_read_and_writeback);
	tcase_add_test(tc, partial_page_with_small_blocks);
	tcase_add_test(tc, punch_hole_frees_blocks_and_zeroes);
	tcase_add_test(tc, enospc_and_efbig);
	tcase_add_test(tc, pagecache_check_catches_corruption);
	tcase_add_test(tc, blocks_check_catches_corruption);
	tcase_add_test(tc, preconditions_asserted);
	tcase_add_test(tc, errors_are_negative_errno);
	tcase_add_test(tc, partial_page_race_before_and_after_fix);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
