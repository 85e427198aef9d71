/* SPDX-License-Identifier: MIT */
/*
 * tests/test_oracle.c -- the data oracle (oracle/stamp.h): a stale word is
 * caught, a word from a write that overlaps the read is accepted, and the
 * per-byte rules hold for partial writes and other files' data; and its
 * verdict in a scenario's terms (oracle/oracle.h).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "oracle/oracle.h"
#include "oracle/stamp.h"

static struct hist h;

static void setup(void)
{
	hist_init(&h, 0, 4096); /* file 0, 4 KiB of initial content */
}

static void teardown(void)
{
	hist_free(&h);
}

static void fill(unsigned char *buf, unsigned file, uint32_t op, uint64_t pos,
		 uint64_t len)
{
	stamp_fill(buf, file, op, pos, len);
}

START_TEST(initial_content_is_accepted)
{
	unsigned char buf[4096];
	struct stamp_bad bad;

	fill(buf, 0, 0, 0, sizeof(buf));
	ck_assert(hist_check(&h, buf, 0, sizeof(buf), 5, 9, &bad));
	/* past the initial size, the file reads as zeros */
	memset(buf, 0, sizeof(buf));
	ck_assert(hist_check(&h, buf, 4096, 4096, 5, 9, &bad));
}
END_TEST

START_TEST(stale_word_after_punch_is_caught)
{
	unsigned char buf[64];
	struct stamp_bad bad;
	uint32_t slot = hist_begin(&h, 7, HIST_ZERO, 1024, 2048, 10);

	hist_end(&h, slot, 20);
	fill(buf, 0, 0, 1024, sizeof(buf));
	/* A read that started after the punch returned: stale. */
	ck_assert(!hist_check(&h, buf, 1024, sizeof(buf), 21, 30, &bad));
	ck_assert_uint_eq(bad.offset, 1024);
	ck_assert(bad.want_zero);
	ck_assert_uint_eq(bad.want_op, 7);
	/* A read that overlapped the punch may see the old data... */
	ck_assert(hist_check(&h, buf, 1024, sizeof(buf), 15, 30, &bad));
	/* ...or one that started before it and ended after. */
	ck_assert(hist_check(&h, buf, 1024, sizeof(buf), 5, 25, &bad));
	/* Zeros are fine once the punch may have happened. */
	memset(buf, 0, sizeof(buf));
	ck_assert(hist_check(&h, buf, 1024, sizeof(buf), 21, 30, &bad));
	/* but not before it started */
	ck_assert(!hist_check(&h, buf, 1024, sizeof(buf), 2, 8, &bad));
}
END_TEST

START_TEST(overlapping_write_is_accepted)
{
	unsigned char buf[512];
	struct stamp_bad bad;

	hist_begin(&h, 3, HIST_WRITE, 0, 4096, 10); /* still running */
	fill(buf, 0, 3, 512, sizeof(buf));
	ck_assert(hist_check(&h, buf, 512, sizeof(buf), 12, 14, &bad));
	fill(buf, 0, 0, 512, sizeof(buf));
	ck_assert(hist_check(&h, buf, 512, sizeof(buf), 12, 14, &bad));
	/* Half the read from the write, half from before: per byte. */
	fill(buf, 0, 3, 512, 256);
	ck_assert(hist_check(&h, buf, 512, sizeof(buf), 12, 14, &bad));
	/* A read that ended before the write started cannot see it. */
	fill(buf, 0, 3, 512, sizeof(buf));
	ck_assert(!hist_check(&h, buf, 512, sizeof(buf), 2, 9, &bad));
}
END_TEST

START_TEST(overwritten_value_is_stale)
{
	unsigned char buf[8];
	struct stamp_bad bad;
	uint32_t a = hist_begin(&h, 3, HIST_WRITE, 0, 8, 10);
	uint32_t b;

	hist_end(&h, a, 11);
	b = hist_begin(&h, 4, HIST_WRITE, 0, 8, 12);
	hist_end(&h, b, 13);
	fill(buf, 0, 3, 0, 8);
	ck_assert(!hist_check(&h, buf, 0, 8, 14, 15, &bad));
	ck_assert_uint_eq(bad.want, stamp_make(0, 4, 0));
	fill(buf, 0, 4, 0, 8);
	ck_assert(hist_check(&h, buf, 0, 8, 14, 15, &bad));
	/* the initial content is twice overwritten */
	fill(buf, 0, 0, 0, 8);
	ck_assert(!hist_check(&h, buf, 0, 8, 14, 15, &bad));
}
END_TEST

START_TEST(foreign_data_is_stale)
{
	unsigned char buf[8];
	struct stamp_bad bad;

	/* Another file's word, or a word of another offset of this file. */
	fill(buf, 1, 0, 0, 8);
	ck_assert(!hist_check(&h, buf, 0, 8, 1, 2, &bad));
	ck_assert_uint_eq(bad.got, stamp_make(1, 0, 0));
	fill(buf, 0, 0, 8, 8);
	ck_assert(!hist_check(&h, buf, 0, 8, 1, 2, &bad));
	/* Unaligned reads are checked byte by byte. */
	unsigned char odd[5];

	fill(odd, 0, 0, 3, 5);
	ck_assert(hist_check(&h, odd, 3, 5, 1, 2, &bad));
	odd[2] ^= 0xff;
	ck_assert(!hist_check(&h, odd, 3, 5, 1, 2, &bad));
	ck_assert_uint_eq(bad.offset, 5);
}
END_TEST

/* Issue 10, item 11: a read that started after a punch returned got the
 * word's old stamp (a block freed and handed back to the same offset,
 * read before the new data arrived).  Byte by byte it passed: its zero
 * bytes from the punch, the others from the write in flight, whose stamp
 * differs only in the operation's bytes.  A write that covers the whole
 * word writes it at once, so bytes of two such writes never mix. */
START_TEST(stale_word_is_not_mixed_from_bytes)
{
	unsigned char buf[64];
	struct stamp_bad bad;
	uint32_t slot = hist_begin(&h, 7, HIST_ZERO, 1024, 2048, 10);

	hist_end(&h, slot, 20);
	hist_begin(&h, 9, HIST_WRITE, 1024, 2048, 25); /* still running */
	fill(buf, 0, 0, 1024, sizeof(buf));
	ck_assert(!hist_check(&h, buf, 1024, sizeof(buf), 30, 40, &bad));
	ck_assert_uint_eq(bad.offset, 1024);
	/* the write's data, or zeros, are fine */
	fill(buf, 0, 9, 1024, sizeof(buf));
	ck_assert(hist_check(&h, buf, 1024, sizeof(buf), 30, 40, &bad));
	memset(buf, 0, sizeof(buf));
	ck_assert(hist_check(&h, buf, 1024, sizeof(buf), 30, 40, &bad));
	/* A write that covers part of a word mixes with the rest of it:
	 * bytes 1027..1029 from op 11, the others zeros from the punch. */
	slot = hist_begin(&h, 11, HIST_WRITE, 1027, 1030, 41);
	hist_end(&h, slot, 42);
	fill(buf + 3, 0, 11, 1027, 3);
	ck_assert(hist_check(&h, buf, 1024, sizeof(buf), 43, 50, &bad));
}
END_TEST

/* A read of a's initial content after a punch of it ended: the verdict
 * names the word read and the operation that zeroed it, as the scenario
 * says them; the same bytes read while the punch ran are accepted. */
START_TEST(oracle_names_operations)
{
	struct scen_error err;
	struct scen *sc =
		scen_load("scenarios/punch-hole-vs-read.yaml", NULL, &err);
	unsigned char buf[4096];
	char detail[2048];
	struct oracle *o;
	uint32_t id, slot;

	ck_assert_ptr_nonnull(sc);
	o = oracle_new(sc);
	ck_assert_ptr_nonnull(o);
	oracle_reset(o);
	/* puncher's op 0: ids go 1 (reader's read), 2 (puncher's punch) */
	id = oracle_op_id(o, 1, 0);
	ck_assert_uint_eq(id, 2);
	/* Outside an execution there is no clock (sim_now() is 0, so the
	 * punch "ends" at 0): what counts here is that it starts after the
	 * initial content (1 > 0) and ends before the second read (0 < 2). */
	slot = oracle_begin(o, 0, id, HIST_ZERO, 4096, 8192, 1);
	oracle_end(o, 0, slot);
	fill(buf, 0, 0, 4096, sizeof(buf));
	ck_assert(oracle_check_read(o, 0, buf, 4096, sizeof(buf), 0, 0,
				    "before it", detail, sizeof(detail)));
	ck_assert(!oracle_check_read(o, 0, buf, 4096, sizeof(buf), 2, 2,
				     "after it", detail, sizeof(detail)));
	ck_assert_str_eq(detail,
			 "at offset 4096 of a, a word the file did not hold "
			 "after it:\n"
			 "    got      file a offset 4096, from its initial "
			 "content\n"
			 "    expected zeros, from punch_hole(a, 4096, 4096) "
			 "by puncher");
	oracle_free(o);
	scen_free(sc);
}
END_TEST

START_TEST(stamps_decode)
{
	uint64_t s = stamp_make(5, 0x123456, 0xabcdef);

	ck_assert(s & STAMP_VALID);
	ck_assert_uint_eq(stamp_file(s), 5);
	ck_assert_uint_eq(stamp_op(s), 0x123456);
	ck_assert_uint_eq(stamp_word(s), 0xabcdef);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("oracle");
	TCase *tc = tcase_create("stamps");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, initial_content_is_accepted);
	tcase_add_test(tc, stale_word_after_punch_is_caught);
	tcase_add_test(tc, overlapping_write_is_accepted);
	tcase_add_test(tc, overwritten_value_is_stale);
	tcase_add_test(tc, foreign_data_is_stale);
	tcase_add_test(tc, stale_word_is_not_mixed_from_bytes);
	tcase_add_test(tc, stamps_decode);
	tcase_add_test(tc, oracle_names_operations);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
