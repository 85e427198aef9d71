/* SPDX-License-Identifier: MIT */
/*
 * core/lockorder.h -- the core's lock order, written once.
 *
 * Outermost first; each edge names the path that takes it (mm/filemap.c and
 * mm/rmap.c after 5.15, KERNEL-NOTES.md):
 *
 *   i_rwsem                         write, punch_hole, truncate, clone
 *     mmap_lock                     buffered write faulting in its buffer
 *       invalidate_lock / fault lock  filemap_fault, read and readahead
 *                                   adding pages (5.15); punch, truncate
 *                                   exclusive (fault lock: XFS MMAPLOCK,
 *                                   ext4 i_mmap_sem, before 5.15)
 *         page lock                 truncate_inode_pages_range, readpage,
 *                                   write_begin, writepage
 *           i_mmap_rwsem            unmap_mapping_range
 *
 *   i_rwsem -> invalidate_lock -> i_mmap_rwsem     (punch, truncate)
 *
 * The rank of each class below is its depth in this tree; sim/lockdep.c
 * checks every acquisition against it at run time, so this comment cannot
 * go stale.  Two locks of one class nest only with a subclass
 * (down_write_nested), ordered by simulated address.
 */
#ifndef LOCKSTEP_CORE_LOCKORDER_H
#define LOCKSTEP_CORE_LOCKORDER_H

#include "sim/sim.h"

enum core_lock_rank {
	RANK_I_RWSEM = 1,
	RANK_MMAP_LOCK,
	RANK_INVALIDATE_LOCK,
	RANK_PAGE_LOCK,
	RANK_I_MMAP_RWSEM,
};

extern const struct sim_lock_class i_rwsem_class;
extern const struct sim_lock_class invalidate_lock_class;
extern const struct sim_lock_class page_lock_class;

#endif
