/* SPDX-License-Identifier: MIT */
/*
 * core/fixes.c -- the historical locking designs, the kernel presets and the
 * named points (SPEC.md 3 and 5).  `lockstep list` prints these tables.
 */
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct core_fix_info core_fixes[FIX__COUNT] = {
	[FIX_FAULT_LOCK] = { "fault-lock",
		"page faults take the filesystem's fault lock (XFS MMAPLOCK, "
		"ext4 i_mmap_sem) shared; punch and truncate take it exclusive",
		"4.1" },
	[FIX_LONGTERM_PIN_REJECT] = { "longterm-pin-reject",
		"long-term pins of filesystem-DAX pages fail with EOPNOTSUPP",
		"4.15" },
	[FIX_DAX_BREAK_LAYOUTS] = { "dax-break-layouts",
		"punch/truncate of a DAX file unmap, wait for pinned pages "
		"with the fault lock dropped and i_rwsem held, then rescan",
		"4.18" },
	[FIX_DAX_SWITCH_ON_EVICT] = { "dax-switch-on-evict",
		"a changed FS_XFLAG_DAX takes effect only when the inode is "
		"evicted", "5.8" },
	[FIX_INVALIDATE_LOCK] = { "invalidate-lock",
		"mapping->invalidate_lock: read, readahead and fault take it "
		"shared while they add pages and read them in; punch and "
		"truncate take it exclusive", "5.15" },
	[FIX_DAX_BREAK_LAYOUTS_NAIVE] = { "dax-break-layouts-naive",
		"break layouts waiting for pinned pages while still holding "
		"the fault lock (the GUP deadlock)", "proposed" },
	[FIX_DAX_SWITCH_AOPS_SEM] = { "dax-switch-aops-sem",
		"a per-inode aops rwsem around read, write, mmap, fallocate "
		"and truncate, exclusive to switch S_DAX (V5 series, 2020)",
		"proposed" },
};

/* The releases at which a fix was merged, in order. */
const struct core_preset core_presets[] = {
	{ "v4.0", 0 },
	{ "v4.1", FIX(FIX_FAULT_LOCK) },
	{ "v4.15", FIX(FIX_FAULT_LOCK) | FIX(FIX_LONGTERM_PIN_REJECT) },
	{ "v4.18", FIX(FIX_FAULT_LOCK) | FIX(FIX_LONGTERM_PIN_REJECT) |
			   FIX(FIX_DAX_BREAK_LAYOUTS) },
	{ "v5.8", FIX(FIX_FAULT_LOCK) | FIX(FIX_LONGTERM_PIN_REJECT) |
			  FIX(FIX_DAX_BREAK_LAYOUTS) | FIX(FIX_DAX_SWITCH_ON_EVICT) },
	/* 5.15 replaces the per-filesystem fault lock with invalidate_lock. */
	{ "v5.15", FIX(FIX_LONGTERM_PIN_REJECT) | FIX(FIX_DAX_BREAK_LAYOUTS) |
			   FIX(FIX_DAX_SWITCH_ON_EVICT) | FIX(FIX_INVALIDATE_LOCK) },
};
const int core_npresets = sizeof(core_presets) / sizeof(core_presets[0]);

int core_fix_lookup(const char *name)
{
	for (int i = 0; i < FIX__COUNT; i++)
		if (!strcmp(core_fixes[i].name, name))
			return i;
	return -1;
}

/* parse_version -- internal: "v5.14" or "5.14" -> 5014; -1 if malformed. */
static int parse_version(const char *ver)
{
	unsigned major, minor;
	char tail;

	if (*ver == 'v')
		ver++;
	if (sscanf(ver, "%u.%u%c", &major, &minor, &tail) != 2 || major > 99 ||
	    minor > 999)
		return -1;
	return (int)(major * 1000 + minor);
}

int core_kernel_fixes(const char *ver, uint32_t *fixes)
{
	int v = parse_version(ver);

	/* Kernels before 4.0 and after the newest we know of are refused
	 * rather than guessed; every 4.x..7.x release maps to the last
	 * preset at or below it. */
	if (v < 4000 || v >= 8000)
		return -1;
	for (int i = core_npresets - 1; i >= 0; i--) {
		if (parse_version(core_presets[i].version) <= v) {
			*fixes = core_presets[i].fixes;
			return 0;
		}
	}
	return -1;
}

char *core_fixes_format(uint32_t fixes, char *buf, unsigned len)
{
	unsigned off = 0;

	buf[0] = 0;
	for (int i = 0; i < FIX__COUNT; i++) {
		if (!(fixes & FIX(i)))
			continue;
		int n = snprintf(buf + off, len - off, "%s%s", off ? "," : "",
				 core_fixes[i].name);

		if (n < 0 || (unsigned)n >= len - off)
			break;
		off += (unsigned)n;
	}
	if (!off)
		snprintf(buf, len, "none");
	return buf;
}

const struct core_point core_points[] = {
	{ "read.page_created",
	  "filemap_create_page: a new locked page is in the page cache, not "
	  "yet read" },
	{ "read.block_mapped",
	  "readpage: the block is looked up, the I/O is not yet issued" },
	{ "read.page_uptodate",
	  "readpage: the I/O is done, the page is uptodate and still locked" },
	{ "read.copy", "filemap_read: about to copy the page to the user" },
	{ "write.page_locked",
	  "generic_perform_write: write_begin returned the locked page" },
	{ "write.copied",
	  "generic_perform_write: the data is in the page, before write_end" },
	{ "punch_hole.locked",
	  "punch_hole: i_rwsem (and invalidate_lock with the fix) taken" },
	{ "punch_hole.pages_truncated",
	  "punch_hole: after truncate_inode_pages_range, before the blocks "
	  "are freed" },
	{ "punch_hole.blocks_freed",
	  "punch_hole: the blocks are free, the locks still held" },
	{ "fsync.block_mapped",
	  "writepage: the block is looked up, the write is not yet issued" },
};
const int core_npoints = sizeof(core_points) / sizeof(core_points[0]);

bool core_point_valid(const char *name)
{
	for (int i = 0; i < core_npoints; i++)
		if (!strcmp(core_points[i].name, name))
			return true;
	return false;
}
