/* SPDX-License-Identifier: MIT */
/*
 * tests/test_pmem.c -- Check suite for the block device (pmem/).
 *
 * Covers: opening a pool (the default under /dev/shm, an explicit
 * directory, an explicit file made with its header, reused and grown; a
 * foreign file refused and left byte for byte; a pool another process
 * holds refused; a creation that does not fit a full tmpfs leaving nothing
 * behind; the errors of a bad path), the allocator (lowest free block first, a freed block handed out
 * next, -ENOSPC when full, -EINVAL for a double free or a block out of
 * range), block I/O (write/read round trips, zeroing, stores through the
 * DAX address) and pmem_dev_reset (every block free and every written
 * block zero again), for block sizes 1024, 2048 and 4096.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pmem/dev.h"

static const uint32_t sizes[] = { 1024, 2048, 4096 };

/* open_dev -- the default pool, asserted */
static struct pmem_dev *open_dev(uint32_t bs, uint64_t n)
{
	char err[256] = "";
	struct pmem_dev *d = pmem_dev_open(NULL, bs, n, err, sizeof(err));

	ck_assert_msg(d != NULL, "pmem_dev_open: %s", err);
	return d;
}

/* fill -- a pattern that differs per block, offset and seed */
static void fill(unsigned char *buf, size_t len, uint64_t blk, int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(1 +
					 (i * 7 + blk * 13 + (size_t)seed) %
						 251);
}

static bool all_zero(const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i])
			return false;
	return true;
}

/* block_is_zero -- read the whole block back through the device */
static bool block_is_zero(struct pmem_dev *d, uint64_t blk)
{
	uint32_t bs = pmem_dev_block_size(d);
	unsigned char *buf = malloc(bs);
	bool z;

	ck_assert_ptr_nonnull(buf);
	memset(buf, 0xa5, bs);
	pmem_dev_read(d, blk, 0, buf, bs);
	z = all_zero(buf, bs);
	free(buf);
	return z;
}

START_TEST(test_open_default)
{
	struct pmem_dev *d;

	/* The default place, not whatever the caller's environment says. */
	unsetenv("LOCKSTEP_POOL");
	d = open_dev(4096, 64);
	ck_assert_uint_eq(pmem_dev_block_size(d), 4096);
	ck_assert_uint_eq(pmem_dev_nblocks(d), 64);
	ck_assert_uint_eq(pmem_dev_nfree(d), 64);
	for (uint64_t b = 0; b < 64; b++) {
		ck_assert(pmem_dev_is_free(d, b));
		ck_assert(block_is_zero(d, b));
	}
	/* Consecutive blocks, one block_size apart. */
	ck_assert_ptr_eq((char *)pmem_dev_addr(d, 1),
			 (char *)pmem_dev_addr(d, 0) + 4096);
	pmem_dev_close(d);
	pmem_dev_close(NULL);
}
END_TEST

START_TEST(test_open_bad_path)
{
	char err[256] = "";
	struct pmem_dev *d;

	d = pmem_dev_open("/nonexistent/dir/pool", 4096, 64, err, sizeof(err));
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(err, "/nonexistent/dir/pool") != NULL,
		      "the message names the path: '%s'", err);
	ck_assert_uint_gt(strlen(err), strlen("/nonexistent/dir/pool"));
}
END_TEST

START_TEST(test_open_explicit)
{
	char dir[] = "/tmp/lockstep-pmem-XXXXXX";
	char path[64], err[256] = "";
	unsigned char buf[1024], out[1024];
	struct pmem_dev *d;
	struct stat st;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));

	/* A directory: an unnamed temporary file in it. */
	d = pmem_dev_open(dir, 1024, 16, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s: %s", dir, err);
	fill(buf, sizeof(buf), 3, 1);
	pmem_dev_write(d, 3, 0, buf, sizeof(buf));
	pmem_dev_read(d, 3, 0, out, sizeof(out));
	ck_assert_int_eq(memcmp(buf, out, sizeof(buf)), 0);
	pmem_dev_close(d);

	/* A file that does not exist yet: made with the size needed. */
	snprintf(path, sizeof(path), "%s/pool", dir);
	d = pmem_dev_open(path, 1024, 16, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s: %s", path, err);
	pmem_dev_close(d);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_ge(st.st_size, 1024 * 16);

	/* A pool lockstep made: used again, zeroed whatever it held. */
	f = fopen(path, "r+");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 4096, SEEK_SET), 0);
	ck_assert_int_eq(fputs("garbage", f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	d = pmem_dev_open(path, 1024, 16, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s: %s", path, err);
	ck_assert(block_is_zero(d, 0));
	pmem_dev_close(d);

	/* Too small for the pool asked for: it is ours, so it grows. */
	d = pmem_dev_open(path, 4096, 64, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s: %s", path, err);
	pmem_dev_close(d);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_ge(st.st_size, 4096 * 65);

	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* file_bytes -- the whole file, malloc'd; *len its size */
static unsigned char *file_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	ck_assert_uint_eq(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

START_TEST(test_open_foreign)
{
	char path[] = "/tmp/lockstep-foreign-XXXXXX";
	char err[256] = "";
	unsigned char text[300000], *after;
	size_t len;
	int fd = mkstemp(path);

	/* A file that is not lockstep's, larger than the pool: refused,
	 * errno EINVAL (the user's input), and left byte for byte. */
	ck_assert_int_ge(fd, 0);
	fill(text, sizeof(text), 7, 3);
	ck_assert_int_eq(write(fd, text, sizeof(text)), (int)sizeof(text));
	close(fd);
	errno = 0;
	ck_assert_ptr_null(pmem_dev_open(path, 4096, 64, err, sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(err, path) && strstr(err, "not a lockstep pool"),
		      "'%s'", err);
	after = file_bytes(path, &len);
	ck_assert_uint_eq(len, sizeof(text));
	ck_assert_int_eq(memcmp(after, text, len), 0);
	free(after);
	ck_assert_int_eq(unlink(path), 0);
}
END_TEST

START_TEST(test_open_in_use)
{
	char dir[] = "/tmp/lockstep-pmem-XXXXXX";
	char path[64], err[256] = "";
	struct pmem_dev *d;
	int up[2], down[2], status; /* child -> parent, parent -> child */
	char c;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pool", dir);
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Another process holds the pool until told to stop. */
		d = pmem_dev_open(path, 1024, 16, err, sizeof(err));
		if (write(up[1], d ? "y" : "n", 1) != 1 ||
		    read(down[0], &c, 1) != 1)
			_exit(2);
		pmem_dev_close(d);
		_exit(d ? 0 : 1);
	}
	ck_assert_int_eq(read(up[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	errno = 0;
	d = pmem_dev_open(path, 1024, 16, err, sizeof(err));
	ck_assert_ptr_null(d);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(err, "in use by another lockstep"), "'%s'", err);
	ck_assert_int_eq(write(down[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Released with the other process: ours now. */
	d = pmem_dev_open(path, 1024, 16, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	pmem_dev_close(d);
	for (int i = 0; i < 2; i++) {
		close(up[i]);
		close(down[i]);
	}
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_open_full_tmpfs)
{
	char dir[] = "/tmp/lockstep-tmpfs-XXXXXX";
	char path[64], err[256] = "";
	struct pmem_dev *d;
	struct stat st;

	/* A pool that does not fit a 1 MiB tmpfs: refused, nothing left
	 * behind, and no SIGBUS from a sparse file on the next try. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", 0, "size=1m") < 0) {
		printf("test_pmem: skipped the full-tmpfs case: cannot mount "
		       "a tmpfs here (%s)\n",
		       strerror(errno));
		rmdir(dir);
		return;
	}
	snprintf(path, sizeof(path), "%s/pool", dir);
	for (int i = 0; i < 2; i++) {
		errno = 0;
		d = pmem_dev_open(path, 4096, 1024, err, sizeof(err));
		ck_assert_ptr_null(d);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_msg(strstr(err, "cannot allocate"), "'%s'", err);
		ck_assert_int_ne(stat(path, &st), 0);
	}
	/* One that fits is fine. */
	d = pmem_dev_open(path, 4096, 64, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	pmem_dev_close(d);
	umount(dir);
	rmdir(dir);
}
END_TEST

START_TEST(test_alloc_lowest)
{
	struct pmem_dev *d = open_dev(4096, 64);

	for (int64_t b = 0; b < 8; b++) {
		ck_assert_int_eq(pmem_dev_alloc(d), b);
		ck_assert(!pmem_dev_is_free(d, (uint64_t)b));
	}
	ck_assert_uint_eq(pmem_dev_nfree(d), 56);

	/* A freed block is the next one handed out. */
	ck_assert_int_eq(pmem_dev_free(d, 5), 0);
	ck_assert(pmem_dev_is_free(d, 5));
	ck_assert_uint_eq(pmem_dev_nfree(d), 57);
	ck_assert_int_eq(pmem_dev_alloc(d), 5);

	/* Several freed: the lowest first, then on past the end. */
	ck_assert_int_eq(pmem_dev_free(d, 6), 0);
	ck_assert_int_eq(pmem_dev_free(d, 2), 0);
	ck_assert_int_eq(pmem_dev_free(d, 0), 0);
	ck_assert_int_eq(pmem_dev_alloc(d), 0);
	ck_assert_int_eq(pmem_dev_alloc(d), 2);
	ck_assert_int_eq(pmem_dev_alloc(d), 6);
	ck_assert_int_eq(pmem_dev_alloc(d), 8);
	ck_assert_uint_eq(pmem_dev_nfree(d), 55);
	pmem_dev_close(d);
}
END_TEST

/* Full: -ENOSPC, also when the block count does not fill a bitmap word. */
START_TEST(test_alloc_enospc)
{
	static const uint64_t counts[] = { 64, 10, 33, 1 };

	for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		uint64_t n = counts[c];
		struct pmem_dev *d = open_dev(1024, n);

		for (uint64_t b = 0; b < n; b++)
			ck_assert_int_eq(pmem_dev_alloc(d), (int64_t)b);
		ck_assert_uint_eq(pmem_dev_nfree(d), 0);
		ck_assert_int_eq(pmem_dev_alloc(d), -ENOSPC);
		ck_assert_int_eq(pmem_dev_alloc(d), -ENOSPC);
		ck_assert_uint_eq(pmem_dev_nfree(d), 0);
		/* One freed: exactly that one, then full again. */
		ck_assert_int_eq(pmem_dev_free(d, n - 1), 0);
		ck_assert_int_eq(pmem_dev_alloc(d), (int64_t)(n - 1));
		ck_assert_int_eq(pmem_dev_alloc(d), -ENOSPC);
		pmem_dev_close(d);
	}
}
END_TEST

START_TEST(test_free_invalid)
{
	struct pmem_dev *d = open_dev(4096, 64);

	ck_assert_int_eq(pmem_dev_alloc(d), 0);
	ck_assert_int_eq(pmem_dev_alloc(d), 1);
	ck_assert_int_eq(pmem_dev_free(d, 1), 0);
	/* Double free. */
	ck_assert_int_eq(pmem_dev_free(d, 1), -EINVAL);
	/* Never allocated. */
	ck_assert_int_eq(pmem_dev_free(d, 7), -EINVAL);
	/* Out of range. */
	ck_assert_int_eq(pmem_dev_free(d, 64), -EINVAL);
	ck_assert_int_eq(pmem_dev_free(d, UINT64_MAX), -EINVAL);
	/* None of it changed the allocator. */
	ck_assert_uint_eq(pmem_dev_nfree(d), 63);
	ck_assert(!pmem_dev_is_free(d, 0));
	ck_assert_int_eq(pmem_dev_alloc(d), 1);
	ck_assert_int_eq(pmem_dev_alloc(d), 2);
	pmem_dev_close(d);
}
END_TEST

START_TEST(test_write_read)
{
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t bs = sizes[s];
		struct pmem_dev *d = open_dev(bs, 16);
		unsigned char *buf = malloc(bs), *out = malloc(bs);

		ck_assert_ptr_nonnull(buf);
		ck_assert_ptr_nonnull(out);
		/* Whole blocks, each different. */
		for (uint64_t b = 0; b < 4; b++) {
			fill(buf, bs, b, 1);
			pmem_dev_write(d, b, 0, buf, bs);
		}
		for (uint64_t b = 0; b < 4; b++) {
			fill(buf, bs, b, 1);
			pmem_dev_read(d, b, 0, out, bs);
			ck_assert_int_eq(memcmp(buf, out, bs), 0);
			/* And the DAX view is the same memory. */
			ck_assert_int_eq(memcmp(buf, pmem_dev_addr(d, b), bs),
					 0);
		}
		ck_assert(block_is_zero(d, 4));

		/* Part of a block: only that range changes. */
		fill(buf, 100, 9, 2);
		pmem_dev_write(d, 1, bs - 100, buf, 100);
		pmem_dev_read(d, 1, bs - 100, out, 100);
		ck_assert_int_eq(memcmp(buf, out, 100), 0);
		fill(buf, bs, 1, 1);
		pmem_dev_read(d, 1, 0, out, bs - 100);
		ck_assert_int_eq(memcmp(buf, out, bs - 100), 0);
		/* The next block is untouched. */
		fill(buf, bs, 2, 1);
		pmem_dev_read(d, 2, 0, out, bs);
		ck_assert_int_eq(memcmp(buf, out, bs), 0);

		free(buf);
		free(out);
		pmem_dev_close(d);
	}
}
END_TEST

START_TEST(test_zero)
{
	struct pmem_dev *d = open_dev(4096, 8);
	unsigned char buf[4096], out[4096];

	fill(buf, sizeof(buf), 3, 5);
	pmem_dev_write(d, 3, 0, buf, sizeof(buf));
	pmem_dev_zero(d, 3, 1000, 500);
	pmem_dev_read(d, 3, 0, out, sizeof(out));
	ck_assert_int_eq(memcmp(out, buf, 1000), 0);
	ck_assert(all_zero(out + 1000, 500));
	ck_assert_int_eq(memcmp(out + 1500, buf + 1500, sizeof(buf) - 1500), 0);
	pmem_dev_zero(d, 3, 0, sizeof(buf));
	ck_assert(block_is_zero(d, 3));
	pmem_dev_close(d);
}
END_TEST

/*
 * pmem_dev_reset: written by pmem_dev_write, by pmem_dev_zero's neighbour
 * writes, or through the DAX address, every block reads back zero, and the
 * allocator starts again from block 0.
 */
START_TEST(test_reset)
{
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t bs = sizes[s];
		const uint64_t n = 40;
		struct pmem_dev *d = open_dev(bs, n);
		unsigned char *buf = malloc(bs);

		ck_assert_ptr_nonnull(buf);
		for (int round = 0; round < 3; round++) {
			for (uint64_t b = 0; b < 12; b++)
				ck_assert_int_eq(pmem_dev_alloc(d), (int64_t)b);
			ck_assert_int_eq(pmem_dev_free(d, 4), 0);
			/* Writes, some partial, some to blocks not allocated
			 * (the device does not check), one through the DAX
			 * address, one in the last block. */
			for (uint64_t b = 0; b < 12; b += 2) {
				fill(buf, bs, b, round);
				pmem_dev_write(d, b, b ? 0 : 17, buf,
					       b ? bs : bs - 17);
			}
			fill(buf, bs, 30, round);
			pmem_dev_write(d, 30, 0, buf, bs);
			fill(buf, bs, n - 1, round);
			pmem_dev_write(d, n - 1, 0, buf, bs);
			fill(pmem_dev_addr(d, 7), bs, 7, round);
			pmem_dev_persist(d, 7, 0, bs);
			ck_assert(!block_is_zero(d, 7));
			ck_assert(!block_is_zero(d, 30));

			pmem_dev_reset(d);
			ck_assert_uint_eq(pmem_dev_nfree(d), n);
			for (uint64_t b = 0; b < n; b++) {
				ck_assert(pmem_dev_is_free(d, b));
				ck_assert_msg(block_is_zero(d, b),
					      "bs %u round %d: block %llu not "
					      "zero after reset",
					      bs, round, (unsigned long long)b);
			}
			ck_assert_int_eq(pmem_dev_alloc(d), 0);
			pmem_dev_reset(d);
		}
		free(buf);
		pmem_dev_close(d);
	}
}
END_TEST

static Suite *pmem_suite(void)
{
	Suite *su = suite_create("pmem");
	TCase *tc = tcase_create("pmem");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_open_default);
	tcase_add_test(tc, test_open_bad_path);
	tcase_add_test(tc, test_open_explicit);
	tcase_add_test(tc, test_open_foreign);
	tcase_add_test(tc, test_open_in_use);
	tcase_add_test(tc, test_open_full_tmpfs);
	tcase_add_test(tc, test_alloc_lowest);
	tcase_add_test(tc, test_alloc_enospc);
	tcase_add_test(tc, test_free_invalid);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_zero);
	tcase_add_test(tc, test_reset);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(pmem_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
