/* SPDX-License-Identifier: MIT */
/*
 * core/mm.c -- mappings and user accesses: mmap, munmap, the page fault
 * (filemap_fault, page_mkwrite; dax_iomap_fault in core/dax.c), and
 * get_user_pages with the DMA a device does through the pinned pages
 * (mm/mmap.c, mm/memory.c, mm/filemap.c, mm/gup.c, fs/ext4/inode.c).
 *
 * The scenario's threads share one mm.  A user access walks its page table
 * entry by entry: a present entry is used as it is (no lock at all, as the
 * MMU does); a missing one, or a read-only one for a store, is a fault,
 * handled under mmap_lock taken shared.  Which fault handler runs is the
 * vma's vm_ops, chosen by S_DAX at mmap time: that is why changing S_DAX
 * under a mapping is a problem (seeds/000, 002).
 */
#include "core/core_impl.h"

#include <errno.h>
#include <string.h>

/* find_vma -- the live mapping of the scenario's map index, or NULL. */
static struct vm_area_struct *find_vma(struct core_fs *fs, int map)
{
	struct vm_area_struct *vma;

	if (map < 0 || map >= fs->mm.nvmas)
		return NULL;
	vma_touch(map, false);
	vma = fs->mm.vmas[map];
	return vma && !vma->dead ? vma : NULL;
}

/* zap_pte -- internal: drop what a page table entry maps. */
static void zap_pte(struct core_fs *fs, struct pte *pte)
{
	if (pte->page) {
		put_page(pte->page);
		pte->page = NULL;
	}
	if (pte->pfn >= 0)
		core_dax_page(fs, (uint64_t)pte->pfn)->mapcount--;
	pte->pfn = -1;
	pte->write = false;
}

/* zap_vma_range -- the entries of vma over file pages [first, last). */
void zap_vma_range(struct vm_area_struct *vma, uint64_t first, uint64_t last)
{
	struct core_fs *fs = vma->vm_file->fs;

	sim_touch("pte", vma->vm_file->name, SIM_TOUCH_ALL, true);
	for (uint64_t i = 0; i < vma->npages; i++) {
		uint64_t pgoff = vma->vm_pgoff + i;

		if (pgoff >= first && pgoff < last)
			zap_pte(fs, &vma->ptes[i]);
	}
}

/* core_mmap -- mmap(2), MAP_SHARED, of bytes [offset, offset+len). */
int core_mmap(struct core_fs *fs, int map, struct inode *inode, uint64_t offset,
	      uint64_t len)
{
	struct address_space *mapping = inode->i_mapping;
	bool aops = fix_on(fs, FIX_DAX_SWITCH_AOPS_SEM);
	struct vm_area_struct *vma;

	if ((offset & (PAGE_SIZE - 1)) || !len || offset >= CORE_MAXBYTES ||
	    len > CORE_MAXBYTES - offset)
		return -EINVAL;
	if (map < 0 || map >= fs->mm.nvmas)
		return -EINVAL;
	vma_touch(map, false);
	if (fs->mm.vmas[map])
		return -EINVAL;
	/* The V5 series took the aops rwsem before mmap_lock. */
	if (aops)
		sim_down_read(&inode->i_aops_sem, "vm_mmap_pgoff");
	sim_down_write(&fs->mm.mmap_lock, "vm_mmap_pgoff");
	vma = sim_alloc(sizeof(*vma));
	vma->id = map;
	vma->vm_file = inode;
	vma->vm_pgoff = offset >> PAGE_SHIFT;
	vma->npages = (len + PAGE_SIZE - 1) >> PAGE_SHIFT;
	vma->ptes = sim_alloc(vma->npages * sizeof(*vma->ptes));
	for (uint64_t i = 0; i < vma->npages; i++)
		vma->ptes[i].pfn = -1;
	/* ext4_file_mmap: the vm_ops follow S_DAX as it is now. */
	vma->dax_ops = IS_DAX(inode, "ext4_file_mmap");
	sim_point_obj("vm_ops_chosen", "ext4_file_mmap", inode->name, NULL);
	sim_down_write(&mapping->i_mmap_rwsem, "vma_link");
	inode_touch(inode, true); /* i_mmap_count */
	vma_touch(map, true);
	mapping->i_mmap_count++;
	fs->mm.vmas[map] = vma;
	sim_up_write(&mapping->i_mmap_rwsem, "vma_link");
	icount_get_touch(inode);
	sim_ref_get(&inode->i_count, "vm_mmap_pgoff"); /* get_file */
	sim_up_write(&fs->mm.mmap_lock, "vm_mmap_pgoff");
	if (aops)
		sim_up_read(&inode->i_aops_sem, "vm_mmap_pgoff");
	return 0;
}

/* core_munmap -- munmap(2) of the whole mapping. */
int core_munmap(struct core_fs *fs, int map)
{
	struct vm_area_struct *vma;
	struct address_space *mapping;

	sim_down_write(&fs->mm.mmap_lock, "__do_munmap");
	vma = find_vma(fs, map);
	if (!vma) {
		sim_up_write(&fs->mm.mmap_lock, "__do_munmap");
		return -EINVAL;
	}
	mapping = vma->vm_file->i_mapping;
	zap_vma_range(vma, 0, UINT64_MAX);
	sim_down_write(&mapping->i_mmap_rwsem, "unlink_file_vma");
	inode_touch(vma->vm_file, true); /* i_mmap_count */
	vma_touch(map, true);
	mapping->i_mmap_count--;
	vma->dead = true;
	sim_up_write(&mapping->i_mmap_rwsem, "unlink_file_vma");
	sim_up_write(&fs->mm.mmap_lock, "__do_munmap");
	/* fput: __fput runs from task_work, after mmap_lock is dropped; its
	 * iput may be the last (and evict the inode) */
	core_iput(vma->vm_file);
	return 0;
}

/* page_blocks -- internal: the page's blocks inside i_size. */
static uint32_t page_blocks_in_size(struct inode *inode, uint64_t index)
{
	struct core_fs *fs = inode->fs;
	uint64_t start = index << PAGE_SHIFT;
	uint32_t mask = 0;

	for (uint32_t b = 0; b < fs->blocks_per_page; b++)
		if (start + ((uint64_t)b << fs->blkbits) < inode->i_size)
			mask |= 1u << b;
	return mask;
}

/*
 * ext4_page_mkwrite -- the first store to a page mapped read-only: under
 * the fault lock (shared) and the page lock, reserve the page's holes for
 * delayed allocation (block_page_mkwrite with ext4_da_get_block_prep:
 * writeback allocates them) and dirty it.
 */
static int page_mkwrite(struct vm_area_struct *vma, uint64_t i,
			struct page *page)
{
	struct inode *inode = vma->vm_file;
	struct core_fs *fs = inode->fs;
	struct sim_lock *fl = fault_lock(inode);
	uint32_t blocks;
	int ret = 0;

	if (fl)
		sim_down_read(fl, "ext4_page_mkwrite");
	lock_page(page, "ext4_page_mkwrite");
	page_touch(page, false);
	isize_touch(inode, false);
	if (page->mapping != inode->i_mapping ||
	    (page->index << PAGE_SHIFT) >= inode->i_size) {
		/* truncated under us: the fault is retried */
		unlock_page(page, "ext4_page_mkwrite");
		ret = -EAGAIN;
		goto out;
	}
	blocks = page_blocks_in_size(inode, page->index);
	for (uint32_t b = 0; b < fs->blocks_per_page; b++) {
		if (!(blocks & (1u << b)) || (page->delay_blocks & (1u << b)))
			continue;
		if (core_map_block(inode,
				   (page->index << PAGE_SHIFT >> fs->blkbits) +
					   b) >= 0)
			continue;
		if (core_da_reserve_block(inode) < 0) {
			unlock_page(page, "ext4_page_mkwrite");
			ret = -ENOSPC;
			goto out;
		}
		page_touch(page, true);
		page->delay_blocks |= 1u << b;
	}
	sim_point_obj("mkwrite", "ext4_page_mkwrite", inode->name, NULL);
	page_touch(page, true);
	pte_touch(vma, i, true);
	page->dirty_blocks |= blocks;
	page->flags |= PG_dirty;
	vma->ptes[i].write = true;
	unlock_page(page, "ext4_page_mkwrite");
out:
	if (fl)
		sim_up_read(fl, "ext4_page_mkwrite");
	return ret;
}

/*
 * filemap_fault -- find the page, or create it and read it in: with the
 * fix, under invalidate_lock shared, and only on that slow path (Linus
 * refused the first version, which took it for every fault).
 */
static int filemap_fault(struct vm_area_struct *vma, uint64_t i)
{
	struct inode *inode = vma->vm_file;
	struct address_space *mapping = inode->i_mapping;
	bool inv = fix_on(inode->fs, FIX_INVALIDATE_LOCK);
	uint64_t pgoff = vma->vm_pgoff + i;
	struct page *page;
	int error;

retry:
	isize_touch(inode, false);
	if ((pgoff << PAGE_SHIFT) >= inode->i_size)
		return -EFAULT; /* SIGBUS */
	page = find_get_page(mapping, pgoff);
	if (page)
		page_touch(page, false);
	if (!page || !(page->flags & PG_uptodate)) {
		if (inv)
			filemap_invalidate_lock_shared(mapping,
						       "filemap_fault");
		if (!page) {
			page = page_cache_alloc(mapping);
			error = add_to_page_cache_lru(page, mapping, pgoff,
						      "filemap_fault");
			if (error) {
				put_page(page);
				if (inv)
					filemap_invalidate_unlock_shared(
						mapping, "filemap_fault");
				goto retry;
			}
			sim_point_obj("page_created", "filemap_fault",
				      inode->name, NULL);
			readpage(page);
		} else {
			lock_page(page, "filemap_fault");
			page_touch(page, false);
			if (page->mapping == mapping &&
			    !(page->flags & PG_uptodate))
				readpage(page);
			else
				unlock_page(page, "filemap_fault");
		}
		if (inv)
			filemap_invalidate_unlock_shared(mapping,
							 "filemap_fault");
	}
	/* finish_fault: install the entry under the page lock, if the page
	 * is still the file's and inside i_size. */
	lock_page(page, "finish_fault");
	page_touch(page, false);
	isize_touch(inode, false);
	pte_touch(vma, i, true);
	if (page->mapping != mapping) {
		unlock_page(page, "finish_fault");
		put_page(page);
		goto retry;
	}
	if ((pgoff << PAGE_SHIFT) >= inode->i_size) {
		unlock_page(page, "finish_fault");
		put_page(page);
		return -EFAULT;
	}
	zap_pte(inode->fs, &vma->ptes[i]);
	vma->ptes[i].page = page; /* our reference is the entry's now */
	sim_point_obj("pte_installed", "finish_fault", inode->name, NULL);
	unlock_page(page, "finish_fault");
	pte_touch(vma, i, false); /* handle_mm_fault reads it again */
	return 0;
}

/*
 * handle_mm_fault -- a fault on page i of vma, with mmap_lock held shared.
 * ext4_filemap_fault took i_mmap_sem around filemap_fault (fault-lock,
 * 4.1); 5.15 moved the lock into filemap_fault.
 */
int handle_mm_fault(struct vm_area_struct *vma, uint64_t i, bool write)
{
	struct inode *inode = vma->vm_file;
	struct pte *pte = &vma->ptes[i];
	struct sim_lock *fl;
	int error = 0;

	sim_point_obj("fault", "handle_mm_fault", inode->name, NULL);
	pte_touch(vma, i, false);
	if (vma->dax_ops)
		return dax_iomap_fault(vma, i, write);
	fl = fix_on(inode->fs, FIX_FAULT_LOCK) &&
			!fix_on(inode->fs, FIX_INVALIDATE_LOCK) ?
		&inode->i_mmap_sem :
		NULL;
	if (!pte->page) {
		if (fl)
			sim_down_read(fl, "ext4_filemap_fault");
		error = filemap_fault(vma, i);
		if (fl)
			sim_up_read(fl, "ext4_filemap_fault");
	}
	if (!error && write && pte->page && !pte->write) {
		struct page *page = pte->page;

		get_page(page);
		error = page_mkwrite(vma, i, page);
		put_page(page);
		pte_touch(vma, i, true);
		if (error == -EAGAIN) {
			/* Truncated under us: the truncating thread zaps this
			 * entry (its second unmap); zap it now so the retry
			 * faults the file's page instead of spinning on the
			 * old one until that thread is scheduled. */
			if (vma->ptes[i].page == page)
				zap_pte(inode->fs, &vma->ptes[i]);
			error = 0; /* the access walks the table again */
		}
	}
	return error;
}

/*
 * core_access_done -- a load or store of [offset, offset+len) through
 * mapping 'map'.  For a store, buf holds the data; for a load it receives
 * it.  An access outside the mapping or beyond EOF fails with -EFAULT (the
 * SIGSEGV or SIGBUS a program would get); *donep says how many bytes were
 * moved before it (a store has written those).
 */
int core_access_done(struct core_fs *fs, int map, uint64_t offset, uint64_t len,
		     void *buf, bool write, const char *fn, uint64_t *donep)
{
	unsigned char *b = buf;
	uint64_t done = 0;
	int tries = 0;

	*donep = 0;
	while (done < len) {
		struct vm_area_struct *vma = find_vma(fs, map);
		uint64_t off = offset + done, i = off >> PAGE_SHIFT;
		uint32_t in = (uint32_t)(off & (PAGE_SIZE - 1));
		uint64_t n = PAGE_SIZE - in;
		struct pte *pte;

		if (!vma || i >= vma->npages)
			return -EFAULT;
		if (n > len - done)
			n = len - done;
		pte = &vma->ptes[i];
		pte_touch(vma, i, false);
		/* The zero page a read fault of a DAX hole maps
		 * (dax_load_hole) is present: a load reads it; a store
		 * faults for write (dax_iomap_pte_fault replaces the hole
		 * entry with a block it allocates and zeroes). */
		if ((!pte->page && pte->pfn == -1) || (write && !pte->write)) {
			int error;

			if (++tries > 64)
				return -EFAULT; /* the fault keeps failing */
			sim_down_read(&fs->mm.mmap_lock, "do_user_addr_fault");
			vma = find_vma(fs, map);
			error = vma ? handle_mm_fault(vma, i, write) : -EFAULT;
			sim_up_read(&fs->mm.mmap_lock, "do_user_addr_fault");
			if (error)
				return error;
			continue;
		}
		tries = 0;
		if (pte->page) {
			struct page *page = pte->page;

			page_touch(page, write);
			if (write) {
				isize_touch(vma->vm_file, false);
				memcpy(page->data + in, b + done, n);
				/* the dirty bit, found by writeback */
				page->flags |= PG_dirty;
				page->dirty_blocks |= page_blocks_in_size(
					vma->vm_file, page->index);
			} else {
				memcpy(b + done, page->data + in, n);
			}
		} else if (pte->pfn == DAX_ZERO_PFN) {
			memset(b + done, 0, n); /* the zero page */
		} else {
			unsigned char *p =
				dev_addr(fs, (uint64_t)pte->pfn, write);

			if (write) {
				memcpy(p + in, b + done, n);
				dev_persist(fs, (uint64_t)pte->pfn, in,
					    (uint32_t)n);
			} else {
				memcpy(b + done, p + in, n);
			}
		}
		done += n;
		*donep = done;
		if (done < len)
			sim_point_obj("page_done", fn, vma->vm_file->name,
				      NULL);
	}
	return 0;
}

int core_access(struct core_fs *fs, int map, uint64_t offset, uint64_t len,
		void *buf, bool write, const char *fn)
{
	uint64_t done;

	return core_access_done(fs, map, offset, len, buf, write, fn, &done);
}

/*
 * core_copy_to_user_map -- copy_to_user into a mapping: a store.  As the
 * kernel's, it returns the number of bytes NOT copied: a fault part way
 * (a page of the mapping beyond EOF of its file, say) leaves the bytes
 * before it copied, and the caller returns a short read
 * (copy_page_to_iter -> copyout -> raw_copy_to_user).
 */
uint64_t core_copy_to_user_map(struct core_fs *fs, int map, uint64_t offset,
			       const void *buf, uint64_t len, const char *fn)
{
	uint64_t done;

	if (core_access_done(fs, map, offset, len, (void *)buf, true, fn,
			     &done) == 0)
		return 0;
	return len - done;
}

/* ---- get_user_pages ---------------------------------------------------------- */

/*
 * core_pin -- get_user_pages(FOLL_WRITE [| FOLL_LONGTERM]) of
 * [offset, offset+len) of mapping 'map': fault each page in as needed and
 * take a pin on it, all under mmap_lock held shared.  A long-term pin of
 * filesystem-DAX pages is refused once longterm-pin-reject is in force
 * (vma_is_fsdax, 4.15).
 */
int core_pin(struct core_fs *fs, int map, uint64_t offset, uint64_t len,
	     bool longterm, struct gup_pin *pin)
{
	return core_pin_gup(fs, map, offset, len, longterm, true, pin);
}

/*
 * core_pin_gup -- get_user_pages with FOLL_WRITE or without: a pin the
 * device only reads from (the buffer of a direct write:
 * bio_iov_iter_get_pages passes FOLL_WRITE for a READ only) faults a
 * missing page in for read and takes what is mapped as it is, the zero
 * page of a DAX hole included; no page_mkwrite, nothing dirtied.
 */
int core_pin_gup(struct core_fs *fs, int map, uint64_t offset, uint64_t len,
		 bool longterm, bool write, struct gup_pin *pin)
{
	struct vm_area_struct *vma;
	uint64_t first = offset >> PAGE_SHIFT;
	int error = 0;

	memset(pin, 0, sizeof(*pin));
	if (!len)
		return -EINVAL;
	sim_down_read(&fs->mm.mmap_lock, "get_user_pages");
	vma = find_vma(fs, map);
	if (!vma || ((offset + len - 1) >> PAGE_SHIFT) >= vma->npages) {
		sim_up_read(&fs->mm.mmap_lock, "get_user_pages");
		return -EFAULT;
	}
	if (longterm && fix_on(fs, FIX_LONGTERM_PIN_REJECT) &&
	    IS_DAX(vma->vm_file, "check_vma_flags")) {
		sim_up_read(&fs->mm.mmap_lock, "get_user_pages");
		return -EOPNOTSUPP;
	}
	pin->vma = vma;
	pin->offset = offset;
	pin->len = len;
	pin->npages = (int)(((offset + len - 1) >> PAGE_SHIFT) - first + 1);
	pin->pages = sim_alloc((size_t)pin->npages * sizeof(*pin->pages));
	pin->pfns = sim_alloc((size_t)pin->npages * sizeof(*pin->pfns));
	for (int k = 0; k < pin->npages; k++)
		pin->pfns[k] = -1; /* nothing pinned yet, for core_unpin */
	for (int k = 0; k < pin->npages; k++) {
		uint64_t i = first + (uint64_t)k;
		struct pte *pte = &vma->ptes[i];
		int tries = 0;

		/* follow_page_mask, else faultin_page */
		pte_touch(vma, i, false);
		while ((!pte->page && pte->pfn == -1) ||
		       (write && (!pte->write || pte->pfn == DAX_ZERO_PFN))) {
			if (++tries > 64) {
				error = -EFAULT;
				break;
			}
			error = handle_mm_fault(vma, i, write);
			pte_touch(vma, i, false);
			if (error)
				break;
		}
		if (error)
			break;
		if (pte->page) {
			get_page(pte->page);
			sim_ref_get(&pte->page->pins, "get_user_pages");
			pin->pages[k] = pte->page;
		} else if (pte->pfn == DAX_ZERO_PFN) {
			pin->pfns[k] = DAX_ZERO_PFN; /* the zero page */
		} else {
			sim_ref_get(
				&core_dax_page(fs, (uint64_t)pte->pfn)->pins,
				"get_user_pages");
			pin->pfns[k] = pte->pfn;
		}
		/* No scope: the pins just taken are counted by
		 * core_unmap_block and dax_layout_busy_page_range in code
		 * that no point names, on whichever file owns the block by
		 * then.  Every pin and unpin is a step dependent with all,
		 * but where the thread is exact (sim_exact): there the
		 * counting code announces the block it reads (dev). */
		sim_point_obj("page_pinned", "get_user_pages", NULL, NULL);
	}
	sim_up_read(&fs->mm.mmap_lock, "get_user_pages");
	if (error) {
		core_unpin(fs, pin);
		return error;
	}
	return 0;
}

/* core_unpin -- unpin_user_pages: drop each pin (wakes break-layouts). */
void core_unpin(struct core_fs *fs, struct gup_pin *pin)
{
	if (pin->done)
		return;
	for (int k = 0; k < pin->npages; k++) {
		if (pin->pages[k]) {
			struct page *page = pin->pages[k];

			sim_ref_put(&page->pins, "unpin_user_pages");
			put_page(page);
			pin->pages[k] = NULL;
		} else if (pin->pfns[k] >= 0) {
			struct dax_page *dp =
				core_dax_page(fs, (uint64_t)pin->pfns[k]);

			sim_ref_put(&dp->pins, "unpin_user_pages");
			pin->pfns[k] = -1;
		}
	}
	pin->done = true;
}

/*
 * core_pin_io -- a device reads (to_dev) or writes the pinned pages: bytes
 * [off, off+n) of the pinned range, no lock held, as DMA does.  The
 * memory written is whatever the pins hold: a DAX block that the file no
 * longer owns is written all the same.
 */
void core_pin_io(struct core_fs *fs, struct gup_pin *pin, uint64_t off,
		 void *buf, uint64_t n, bool to_dev)
{
	unsigned char *b = buf;

	for (uint64_t done = 0; done < n;) {
		uint64_t x = pin->offset + off + done;
		int k = (int)((x >> PAGE_SHIFT) - (pin->offset >> PAGE_SHIFT));
		uint32_t in = (uint32_t)(x & (PAGE_SIZE - 1));
		uint64_t c = PAGE_SIZE - in;
		unsigned char *p;

		if (c > n - done)
			c = n - done;
		if (pin->pages[k]) {
			page_touch(pin->pages[k], !to_dev);
			p = pin->pages[k]->data + in;
		} else if (pin->pfns[k] >= 0) {
			p = (unsigned char *)dev_addr(
				    fs, (uint64_t)pin->pfns[k], !to_dev) +
				in;
		} else if (pin->pfns[k] == DAX_ZERO_PFN && to_dev) {
			memset(b + done, 0, c); /* the zero page */
			done += c;
			continue;
		} else {
			done += c; /* unpinned: nothing there */
			continue;
		}
		if (to_dev) {
			memcpy(b + done, p, c);
		} else {
			memcpy(p, b + done, c);
			if (pin->pages[k]) {
				/* set_page_dirty_lock at unpin, in the kernel */
				isize_touch(pin->vma->vm_file, false);
				pin->pages[k]->flags |= PG_dirty;
				pin->pages[k]->dirty_blocks |=
					page_blocks_in_size(
						pin->vma->vm_file,
						pin->pages[k]->index);
			} else {
				dev_persist(fs, (uint64_t)pin->pfns[k], in,
					    (uint32_t)c);
			}
		}
		done += c;
	}
}

/*
 * core_pin_owned -- does the file still own what the pin holds at byte
 * 'off' of the pinned range?  (The oracle: a DMA into a page truncated
 * away, or into a freed DAX block, does not write the file.)
 */
bool core_pin_owned(struct core_fs *fs, struct gup_pin *pin, uint64_t off)
{
	uint64_t x = pin->offset + off;
	int k = (int)((x >> PAGE_SHIFT) - (pin->offset >> PAGE_SHIFT));
	struct inode *inode = pin->vma->vm_file;
	uint64_t pgoff = pin->vma->vm_pgoff + (x >> PAGE_SHIFT);

	(void)fs;
	if (pin->pages[k]) {
		page_touch(pin->pages[k], false);
		return pin->pages[k]->mapping == inode->i_mapping;
	}
	if (pin->pfns[k] >= 0)
		return core_map_block(inode,
				      pgoff << PAGE_SHIFT >>
					      inode->fs->blkbits) ==
			pin->pfns[k];
	return false;
}

/* core_map_file -- the file and file offset of byte 'offset' of a
 * mapping, for the oracle; -EFAULT if the map does not exist (an access
 * there finds no VMA: find_vma fails, the fault is -EFAULT). */
int core_map_file(struct core_fs *fs, int map, uint64_t offset,
		  uint64_t *file_off)
{
	struct vm_area_struct *vma;

	if (map < 0 || map >= fs->mm.nvmas)
		return -EFAULT;
	vma_touch(map, false);
	if (!(vma = fs->mm.vmas[map]))
		return -EFAULT;
	*file_off = (vma->vm_pgoff << PAGE_SHIFT) + offset;
	return vma->vm_file->index;
}
