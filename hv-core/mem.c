/* Guest memory: memslots with a chosen backing (anonymous, THP, hugetlbfs
 * 2 MiB / 1 GiB, memfd), dirty logging, the lookup from guest-physical to
 * host addresses, and the VMM's system area (page-table pool, per-vCPU
 * areas of large VMs). */
#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"

static const struct {
	const char *name;
	uint64_t page;
	const char *sysfs;	/* hugetlb pool of this size */
} backings[HV_BACK_COUNT] = {
	[HV_BACK_ANON] = { "anonymous", HV_PAGE_4K, NULL },
	[HV_BACK_THP] = { "thp", HV_PAGE_4K, NULL },
	[HV_BACK_HUGETLB_2M] = { "hugetlb_2m", HV_PAGE_2M,
				 "/sys/kernel/mm/hugepages/hugepages-2048kB" },
	[HV_BACK_HUGETLB_1G] = { "hugetlb_1g", HV_PAGE_1G,
				 "/sys/kernel/mm/hugepages/hugepages-1048576kB" },
	[HV_BACK_MEMFD] = { "memfd", HV_PAGE_4K, NULL },
};

const char *hv_backing_name(enum hv_backing b)
{
	return (unsigned)b < HV_BACK_COUNT ? backings[b].name : "unknown";
}

uint64_t hv_backing_page(enum hv_backing b)
{
	return (unsigned)b < HV_BACK_COUNT ? backings[b].page : HV_PAGE_4K;
}

static long read_long(const char *dir, const char *file)
{
	char path[160];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int hv_backing_check(enum hv_backing b, uint64_t bytes, char *why, size_t len)
{
	char buf[128] = "";
	FILE *f;

	switch (b) {
	case HV_BACK_ANON:
	case HV_BACK_MEMFD:
		return 0;
	case HV_BACK_THP:
		f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
		if (!f) {
			snprintf(why, len, "this kernel has no transparent huge pages (no /sys/kernel/mm/transparent_hugepage)");
			return -ENOTSUP;
		}
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		if (strstr(buf, "[never]")) {
			snprintf(why, len, "transparent huge pages are off on this host (transparent_hugepage/enabled is never)");
			return -ENOTSUP;
		}
		return 0;
	case HV_BACK_HUGETLB_2M:
	case HV_BACK_HUGETLB_1G: {
		const char *dir = backings[b].sysfs;
		long free_pages = read_long(dir, "free_hugepages");
		long resv = read_long(dir, "resv_hugepages");
		uint64_t need = (bytes + backings[b].page - 1) / backings[b].page;

		/* Free but reserved by a mapping (another live benchmark's
		 * region: hv_mem_map reserves hugetlb pages when it maps) is
		 * not free for this one. */
		if (free_pages > 0 && resv > 0)
			free_pages = resv < free_pages ? free_pages - resv : 0;
		if (free_pages < 0) {
			snprintf(why, len, "this host has no %s hugetlb pages (%s missing)",
				 b == HV_BACK_HUGETLB_2M ? "2 MiB" : "1 GiB", dir);
			return -ENOTSUP;
		}
		if (free_pages == 0 || (uint64_t)free_pages < need) {
			snprintf(why, len, "%s hugetlb pages: %ld free and not reserved by other mappings, %llu needed (reserve more in %s/nr_hugepages; a suite's benchmarks hold theirs until their last repetition)",
				 b == HV_BACK_HUGETLB_2M ? "2 MiB" : "1 GiB", free_pages,
				 (unsigned long long)(need ? need : 1), dir);
			return -ENOTSUP;
		}
		return 0;
	}
	default:
		snprintf(why, len, "unknown memory backing %d", (int)b);
		return -EINVAL;
	}
}

/* Map `size` bytes the way the backing says; the region gets hva, map and
 * fd. Huge-page backings are aligned to their page so KVM can map them
 * with large pages. */
int hv_mem_map(struct hv_mem_region *r, char *err, size_t errlen)
{
	uint64_t align = r->backing == HV_BACK_THP ? HV_PAGE_2M : 0;
	int prot = PROT_READ | PROT_WRITE, e;
	unsigned mfd = MFD_CLOEXEC;
	char mname[32];

	r->fd = -1;
	if (r->backing == HV_BACK_MEMFD || r->backing == HV_BACK_HUGETLB_2M ||
	    r->backing == HV_BACK_HUGETLB_1G) {
		if (r->backing == HV_BACK_HUGETLB_2M)
			mfd |= MFD_HUGETLB | MFD_HUGE_2MB;
		if (r->backing == HV_BACK_HUGETLB_1G)
			mfd |= MFD_HUGETLB | MFD_HUGE_1GB;
		snprintf(mname, sizeof(mname), "hvbench-%s", r->name);
		r->fd = memfd_create(mname, mfd);
		if (r->fd < 0) {
			e = errno;
			snprintf(err, errlen, "memfd_create (%s, %s): %s", r->name,
				 hv_backing_name(r->backing), strerror(e));
			return -e;
		}
		if (ftruncate(r->fd, (off_t)r->size) < 0) {
			e = errno;
			snprintf(err, errlen, "ftruncate of memfd %s to %llu MiB: %s",
				 r->name, (unsigned long long)(r->size >> 20),
				 strerror(e));
			return -e;
		}
		/* hugetlb pages are reserved now: a page the guest or the
		 * host touches later cannot fail (SIGBUS) because another
		 * process took the pool meanwhile. Other memfds stay lazy. */
		bool huge = r->backing != HV_BACK_MEMFD;
		r->map = mmap(NULL, r->size, prot, MAP_SHARED | (huge ? 0 : MAP_NORESERVE),
			      r->fd, 0);
		r->map_len = r->size;
		if (r->map == MAP_FAILED) {
			e = errno;
			r->map = NULL;
			if (huge && e == ENOMEM) {
				snprintf(err, errlen, "%s: could not reserve %llu MiB of %s pages (fewer are free than the pool's count says: other mappings hold them; %s/nr_hugepages)",
					 r->name, (unsigned long long)(r->size >> 20),
					 hv_backing_name(r->backing), backings[r->backing].sysfs);
				return -ENOTSUP;
			}
			snprintf(err, errlen, "mmap of %s (%s, %llu MiB): %s", r->name,
				 hv_backing_name(r->backing),
				 (unsigned long long)(r->size >> 20), strerror(e));
			return -e;
		}
		r->hva = r->map;
		return 0;
	}
	/* Sparse guests: nothing is committed until the guest touches it. */
	r->map_len = r->size + align;
	r->map = mmap(NULL, r->map_len, prot,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->map == MAP_FAILED) {
		e = errno;
		r->map = NULL;
		snprintf(err, errlen, "mmap of %llu MiB guest memory (%s): %s",
			 (unsigned long long)(r->size >> 20), r->name, strerror(e));
		return -e;
	}
	r->hva = align ? (uint8_t *)(((uintptr_t)r->map + align - 1) & ~(align - 1)) :
			 r->map;
	if (r->backing == HV_BACK_THP) {
		if (madvise(r->hva, r->size, MADV_HUGEPAGE) < 0) {
			e = errno;
			snprintf(err, errlen, "madvise(MADV_HUGEPAGE) of %s: %s",
				 r->name, strerror(e));
			return -e;
		}
	} else {
		/* 4 KiB pages on purpose: pf_first_touch must fault page by page. */
		madvise(r->hva, r->size, MADV_NOHUGEPAGE);
	}
	return 0;
}

void hv_mem_unmap(struct hv_mem_region *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	r->map = r->hva = NULL;
	r->fd = -1;
}

void hv_vm_free_memory(struct hv_vm *vm)
{
	for (uint32_t i = 0; i < vm->n_regions; i++)
		hv_mem_unmap(&vm->regions[i]);
	vm->n_regions = 0;
}

int hv_vm_add_memory(struct hv_vm *vm, const char *name, uint64_t gpa,
		     uint64_t size, enum hv_backing backing, uint32_t flags,
		     struct hv_mem_region **out, char *err, size_t errlen)
{
	uint64_t page = hv_backing_page(backing);
	char why[200];
	int r;

	if ((unsigned)backing >= HV_BACK_COUNT) {
		snprintf(err, errlen, "memory %s: unknown backing %d", name, (int)backing);
		return -EINVAL;
	}
	if (!size || gpa % page || size % page || gpa + size < gpa) {
		snprintf(err, errlen, "memory %s: 0x%llx + 0x%llx is not a whole number of %s pages",
			 name, (unsigned long long)gpa, (unsigned long long)size,
			 hv_backing_name(backing));
		return -EINVAL;
	}
	for (uint32_t i = 0; i < vm->n_regions; i++) {
		const struct hv_mem_region *o = &vm->regions[i];

		if (gpa < o->gpa + o->size && o->gpa < gpa + size) {
			snprintf(err, errlen, "memory %s at 0x%llx overlaps %s",
				 name, (unsigned long long)gpa, o->name);
			return -EEXIST;
		}
	}
	if (vm->n_regions >= HV_MAX_REGIONS) {
		snprintf(err, errlen, "too many memory regions (max %d)", HV_MAX_REGIONS);
		return -ENOSPC;
	}
	r = hv_backing_check(backing, size, why, sizeof(why));
	if (r < 0) {
		snprintf(err, errlen, "memory %s: %s", name, why);
		return r;
	}
	if ((flags & HV_MEM_READONLY) &&
	    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0) {
		snprintf(err, errlen, "memory %s: KVM_CAP_READONLY_MEM not offered by this host's KVM", name);
		return -ENOTSUP;
	}
	struct hv_mem_region *m = &vm->regions[vm->n_regions];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->gpa = gpa;
	m->size = size;
	m->backing = backing;
	m->flags = flags;
	m->slot = vm->n_regions;
	r = hv_mem_map(m, err, errlen);
	if (r < 0) {
		hv_mem_unmap(m);
		return r;
	}
	struct kvm_userspace_memory_region region = {
		.slot = m->slot,
		.flags = (flags & HV_MEM_DIRTY_LOG ? KVM_MEM_LOG_DIRTY_PAGES : 0) |
			 (flags & HV_MEM_READONLY ? KVM_MEM_READONLY : 0),
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)m->hva,
	};
	r = HV_IOCTL(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region, err, errlen);
	if (r < 0) {
		hv_mem_unmap(m);
		return r;
	}
	vm->n_regions++;
	if (out)
		*out = m;
	return 0;
}

struct hv_mem_region *hv_vm_region(struct hv_vm *vm, uint64_t gpa)
{
	for (uint32_t i = 0; i < vm->n_regions; i++) {
		struct hv_mem_region *r = &vm->regions[i];

		if (gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

void *hv_gpa_to_hva(struct hv_vm *vm, uint64_t gpa, uint64_t len)
{
	const struct hv_mem_region *r = hv_vm_region(vm, gpa);

	if (!r || len > r->size - (gpa - r->gpa))
		return NULL;
	return r->hva + (gpa - r->gpa);
}

size_t hv_dirty_words(const struct hv_mem_region *r)
{
	return (size_t)((r->size / HV_PAGE_4K + 63) / 64);
}

int64_t hv_mem_dirty_log(struct hv_vm *vm, struct hv_mem_region *r,
			 uint64_t *bitmap, char *err, size_t errlen)
{
	if (!(r->flags & HV_MEM_DIRTY_LOG)) {
		snprintf(err, errlen, "memory %s was added without HV_MEM_DIRTY_LOG", r->name);
		return -EINVAL;
	}
	struct kvm_dirty_log log = { .slot = r->slot, .dirty_bitmap = bitmap };
	int rc = HV_IOCTL(vm->vm_fd, KVM_GET_DIRTY_LOG, &log, err, errlen);
	if (rc < 0)
		return rc;
	int64_t n = 0;
	for (size_t i = 0; i < hv_dirty_words(r); i++)
		n += __builtin_popcountll(bitmap[i]);
	return n;
}

uint64_t hv_vm_ram_low(const struct hv_vm *vm)
{
	return vm->mem_bytes < HV_MMIO_BASE ? vm->mem_bytes : HV_MMIO_BASE;
}

uint64_t hv_vm_ram_high(const struct hv_vm *vm)
{
	return vm->mem_bytes - hv_vm_ram_low(vm);
}

int hv_vm_sys_area(struct hv_vm *vm, char *err, size_t errlen)
{
	uint64_t size = HV_SYS_PT_SIZE;

	if (vm->sys)
		return 0;
	if (vm->opts.nr_vcpus > HV_LOW_VCPUS)
		size += (uint64_t)(vm->opts.nr_vcpus - HV_LOW_VCPUS) * HV_VCPU_AREA;
	size = (size + HV_PAGE_2M - 1) & ~(HV_PAGE_2M - 1);
	return hv_vm_add_memory(vm, "system", HV_SYS_GPA, size, HV_BACK_ANON, 0,
				&vm->sys, err, errlen);
}

uint64_t hv_vm_pt_page(struct hv_vm *vm, char *err, size_t errlen)
{
	uint64_t gpa;

	if (vm->pt_low_next + HV_PAGE_4K <= vm->pt_low_end) {
		gpa = vm->pt_low_next;
		vm->pt_low_next += HV_PAGE_4K;
	} else {
		if (hv_vm_sys_area(vm, err, errlen) < 0)
			return 0;
		if (vm->pt_sys_used + HV_PAGE_4K > HV_SYS_PT_SIZE) {
			snprintf(err, errlen, "guest page tables need more than %llu KiB",
				 (unsigned long long)(HV_SYS_PT_SIZE >> 10));
			return 0;
		}
		gpa = HV_SYS_GPA + vm->pt_sys_used;
		vm->pt_sys_used += HV_PAGE_4K;
	}
	memset(hv_gpa_to_hva(vm, gpa, HV_PAGE_4K), 0, HV_PAGE_4K);
	return gpa;
}

int hv_vm_map(struct hv_vm *vm, uint64_t gva, uint64_t gpa, uint64_t len,
	      uint64_t page, uint32_t prot, char *err, size_t errlen)
{
	if (page != HV_PAGE_4K && page != HV_PAGE_2M && page != HV_PAGE_1G) {
		snprintf(err, errlen, "page size 0x%llx: not 4 KiB, 2 MiB or 1 GiB",
			 (unsigned long long)page);
		return -EINVAL;
	}
	if (!len || gva % page || gpa % page || len % page ||
	    gva + len < gva || gpa + len < gpa) {
		snprintf(err, errlen, "mapping 0x%llx -> 0x%llx + 0x%llx is not aligned to its 0x%llx pages",
			 (unsigned long long)gva, (unsigned long long)gpa,
			 (unsigned long long)len, (unsigned long long)page);
		return -EINVAL;
	}
	return arch_map(vm, gva, gpa, len, page, prot, err, errlen);
}

uint64_t hv_vm_leaf(struct hv_vm *vm, uint64_t gva)
{
	return vm->pt_root ? arch_leaf(vm, gva) : 0;
}
