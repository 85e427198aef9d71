/* SPDX-License-Identifier: MIT */
/*
 * core/lockorder.h -- the core's lock order, written once.
 *
 * Outermost first; each edge names the path that takes it (mm/filemap.c and
 * mm/rmap.c after 5.15, KERNEL-NOTES.md):
 *
 *   i_aops_sem                      dax-switch-aops-sem only: read, write,
 *                                   fallocate, truncate, mmap (V5, 2020)
 *   i_rwsem                         write, punch_hole, truncate, clone,
 *                                   set_dax, DAX read/write, O_DIRECT
 *     mmap_lock                     buffered write faulting in its buffer
 *       invalidate_lock / fault lock  filemap_fault, read and readahead
 *                                   adding pages (5.15); punch, truncate
 *                                   exclusive (fault lock: XFS MMAPLOCK,
 *                                   ext4 i_mmap_sem, before 5.15)
 *         page lock                 truncate_inode_pages_range, readpage,
 *                                   write_begin, writepage
 *         DAX entry lock            dax_iomap_fault, dax_delete_mapping_entry
 *           i_mmap_rwsem            unmap_mapping_range, mmap, munmap
 *
 *   i_rwsem -> invalidate_lock -> i_mmap_rwsem     (punch, truncate)
 *   mmap_lock -> i_mmap_rwsem                      (mmap, munmap)
 *
 * Two inodes locked together (clone) are ordered by simulated address, the
 * second with a nesting subclass (lock_two_nondirectories,
 * filemap_invalidate_lock_two).  Waits that are not locks: break-layouts
 * waits for a DAX page's pins to drop; O_DIRECT's inode_dio_wait.
 *
 * The rank of each class below is its depth in this tree; checkers/lockdep.c
 * checks every acquisition against it at run time, so this comment cannot
 * go stale.  Two locks of one class nest only with a subclass
 * (down_write_nested), ordered by simulated address.
 */
#ifndef LOCKSTEP_CORE_LOCKORDER_H
#define LOCKSTEP_CORE_LOCKORDER_H

#include "sim/sim.h"

enum core_lock_rank {
	RANK_I_AOPS_SEM = 1,
	RANK_I_RWSEM,
	RANK_MMAP_LOCK,
	RANK_INVALIDATE_LOCK, /* and the fault lock before 5.15 */
	RANK_PAGE_LOCK,	      /* and the DAX entry lock */
	RANK_I_MMAP_RWSEM,
};

extern const struct sim_lock_class i_aops_sem_class;
extern const struct sim_lock_class i_rwsem_class;
extern const struct sim_lock_class mmap_lock_class;
extern const struct sim_lock_class invalidate_lock_class;
extern const struct sim_lock_class i_mmap_sem_class;
extern const struct sim_lock_class page_lock_class;
extern const struct sim_lock_class dax_entry_class;
extern const struct sim_lock_class i_mmap_rwsem_class;
extern const struct sim_lock_class i_lock_class; /* innermost, unranked */

#endif
