/* SPDX-License-Identifier: MIT */
/*
 * core/fixes.c -- the historical locking designs, the kernel presets and the
 * named points (SPEC.md 3 and 5).  `lockstep list` prints these tables.
 */
#include "core/core.h"
#include "sim/sim.h"

#include <errno.h>
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
				      "evicted",
				      "5.8" },
	[FIX_INVALIDATE_LOCK] = { "invalidate-lock",
				  "mapping->invalidate_lock: read, readahead and fault take it "
				  "shared while they add pages and read them in; punch and "
				  "truncate take it exclusive",
				  "5.15" },
	[FIX_DAX_BREAK_LAYOUTS_NAIVE] = { "dax-break-layouts-naive",
					  "break layouts waiting for pinned pages while still holding "
					  "the fault lock (the GUP deadlock)",
					  "proposed" },
	[FIX_DAX_SWITCH_AOPS_SEM] = { "dax-switch-aops-sem",
				      "a per-inode aops rwsem around read, write, mmap, fallocate "
				      "and truncate, exclusive to switch S_DAX (V5 series, 2020)",
				      "proposed" },
	[FIX_INVALIDATE_LOCK_OVER_COPY] = { "invalidate-lock-over-copy",
					    "with invalidate-lock: read(2) holds invalidate_lock shared "
					    "across the copy to the user too (what the review of the "
					    "series ruled out: the copy can fault on another file)",
					    "proposed" },
};

/* The releases at which a fix was merged, in order. */
const struct core_preset core_presets[] = {
	{ "v4.0", 0 },
	{ "v4.1", FIX(FIX_FAULT_LOCK) },
	{ "v4.15", FIX(FIX_FAULT_LOCK) | FIX(FIX_LONGTERM_PIN_REJECT) },
	{ "v4.18",
	  FIX(FIX_FAULT_LOCK) | FIX(FIX_LONGTERM_PIN_REJECT) |
		  FIX(FIX_DAX_BREAK_LAYOUTS) },
	{ "v5.8",
	  FIX(FIX_FAULT_LOCK) | FIX(FIX_LONGTERM_PIN_REJECT) |
		  FIX(FIX_DAX_BREAK_LAYOUTS) | FIX(FIX_DAX_SWITCH_ON_EVICT) },
	/* 5.15 replaces the per-filesystem fault lock with invalidate_lock. */
	{ "v5.15",
	  FIX(FIX_LONGTERM_PIN_REJECT) | FIX(FIX_DAX_BREAK_LAYOUTS) |
		  FIX(FIX_DAX_SWITCH_ON_EVICT) | FIX(FIX_INVALIDATE_LOCK) },
};
const int core_npresets = sizeof(core_presets) / sizeof(core_presets[0]);

int core_fix_lookup(const char *name)
{
	for (int i = 0; i < FIX__COUNT; i++)
		if (!strcmp(core_fixes[i].name, name))
			return i;
	return -ENOENT;
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
		return -ENOENT;
	for (int i = core_npresets - 1; i >= 0; i--) {
		if (parse_version(core_presets[i].version) <= v) {
			*fixes = core_presets[i].fixes;
			return 0;
		}
	}
	return -ENOENT;
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

/* What each point means, by its name within an operation. */
static const struct {
	const char *point, *what;
} point_help[] = {
	{ "page_created",
	  "a new locked page is in the page cache, not yet read "
	  "(filemap_create_page, filemap_fault, readahead)" },
	{ "block_mapped",
	  "the block is looked up, the I/O (or the copy) not yet "
	  "issued (readpage, writepage, dax_iomap_actor, "
	  "iomap_dio_actor, dax_iomap_fault)" },
	{ "page_uptodate", "readpage: the I/O is done, the page still locked" },
	{ "copy", "filemap_read: about to copy the page to the user" },
	{ "page_locked",
	  "generic_perform_write: write_begin returned the page" },
	{ "copied", "generic_perform_write: the data is in the page" },
	{ "locked", "i_rwsem and the fault lock (with the fixes) are held" },
	{ "layout_busy",
	  "dax_layout_busy_page found a pinned page; break "
	  "layouts is about to wait for it" },
	{ "pages_truncated",
	  "after truncate_inode_pages_range, before the "
	  "blocks are freed" },
	{ "blocks_freed", "the blocks are free, the locks still held" },
	{ "fault", "a page fault begins (mmap_lock held shared)" },
	{ "pte_installed", "the fault mapped the page; its lock still held" },
	{ "mkwrite",
	  "page_mkwrite reserved the page's holes (delayed allocation)" },
	{ "entry_locked", "dax_iomap_fault locked the DAX entry" },
	{ "page_done", "a user access finished one page, the next not begun" },
	{ "page_pinned", "get_user_pages pinned one page, the next not yet" },
	{ "io_done", "O_DIRECT: the I/O into the pinned pages is done" },
	{ "vm_ops_chosen", "mmap chose the vm_ops from S_DAX" },
	{ "flushed", "the DAX switch wrote back and dropped the page cache" },
	{ "switched", "S_DAX changed" },
	{ "flag_set", "FS_XFLAG_DAX set on disk; S_DAX waits for eviction" },
	{ "unused",
	  "eviction begins: I_FREEING set, no user left (evict, or "
	  "the last iput of an inode marked I_DONTCACHE)" },
	{ "evicted", "eviction: pages dropped, S_DAX from the on-disk flag" },
	{ "remapped", "clone: the range is copied, the locks still held" },
};

#define FAULT_POINTS                                     \
	"fault page_created block_mapped page_uptodate " \
	"pte_installed mkwrite entry_locked "

/* An inode marked I_DONTCACHE is evicted by the iput that drops its last
 * reference: at the end of any operation on the file (its writeback
 * passes block_mapped). */
#define EVICT_POINTS " unused evicted"

/* The points each operation passes (its own, and those of the paths it
 * calls: a read into a mapping faults there). */
static const char *const op_points[][2] = {
	{ "read", FAULT_POINTS "copy page_done" EVICT_POINTS },
	{ "write", "page_locked copied block_mapped" EVICT_POINTS },
	{ "dio_read", FAULT_POINTS "page_pinned io_done" EVICT_POINTS },
	{ "dio_write", FAULT_POINTS "page_pinned page_done" EVICT_POINTS },
	{ "punch_hole",
	  "locked layout_busy pages_truncated blocks_freed "
	  "block_mapped" EVICT_POINTS },
	{ "truncate",
	  "locked layout_busy pages_truncated blocks_freed "
	  "block_mapped" EVICT_POINTS },
	{ "readahead", "page_created block_mapped page_uptodate" EVICT_POINTS },
	{ "mmap", "vm_ops_chosen block_mapped" EVICT_POINTS },
	{ "load", FAULT_POINTS "page_done" },
	{ "store", FAULT_POINTS "page_done" },
	{ "munmap", "block_mapped" EVICT_POINTS },
	{ "pin", FAULT_POINTS "page_pinned" },
	{ "set_dax", "block_mapped flushed switched flag_set" EVICT_POINTS },
	{ "statx", "block_mapped" EVICT_POINTS },
	{ "evict", "unused block_mapped evicted" },
	{ "fsync", "block_mapped" EVICT_POINTS },
	{ "clone", "locked block_mapped remapped" EVICT_POINTS },
};

/* The "op.point" names: bounded where the table is filled (a BUG past it). */
#define CORE_POINTS_MAX 256
static struct core_point points[CORE_POINTS_MAX];
static int core_npoints;
const struct core_point *core_points = points;

/* core_points_init -- internal: the table of "op.point" names, built once
 * from the two above. */
static void core_points_init(void)
{
	static char names[CORE_POINTS_MAX][64];

	if (core_npoints)
		return;
	for (unsigned o = 0; o < sizeof(op_points) / sizeof(op_points[0]);
	     o++) {
		char list[256], *save = NULL;
		int n = snprintf(list, sizeof(list), "%s", op_points[o][1]);

		SIM_BUG_ON((size_t)n >= sizeof(list)); /* the list cut */
		for (char *t = strtok_r(list, " ", &save); t;
		     t = strtok_r(NULL, " ", &save)) {
			for (unsigned h = 0;
			     h < sizeof(point_help) / sizeof(point_help[0]);
			     h++) {
				if (strcmp(point_help[h].point, t))
					continue;
				SIM_BUG_ON(core_npoints >= CORE_POINTS_MAX);
				n = snprintf(names[core_npoints],
					     sizeof(names[0]), "%s.%s",
					     op_points[o][0], t);
				SIM_BUG_ON((size_t)n >= sizeof(names[0]));
				points[core_npoints].name = names[core_npoints];
				points[core_npoints].what = point_help[h].what;
				core_npoints++;
			}
		}
	}
}

int core_points_count(void)
{
	core_points_init();
	return core_npoints;
}

bool core_point_valid(const char *name)
{
	core_points_init();
	for (int i = 0; i < core_npoints; i++)
		if (!strcmp(core_points[i].name, name))
			return true;
	return false;
}
