/* Guest memory: memslots, each with its own backing, dirty logging, and the
 * guest page-table builder's interface. Part of hv-core's API (hv.h). */
#ifndef HV_CORE_MEM_H
#define HV_CORE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_vm;

/* What a region's host memory is. Hugetlb backings need pages the host has
 * reserved (/sys/kernel/mm/hugepages); hv_backing_check says whether. */
enum hv_backing {
	HV_BACK_ANON = 0,	/* anonymous 4 KiB pages (MADV_NOHUGEPAGE) */
	HV_BACK_THP,		/* anonymous, transparent huge pages (MADV_HUGEPAGE) */
	HV_BACK_HUGETLB_2M,	/* hugetlbfs 2 MiB pages (memfd_create MFD_HUGETLB) */
	HV_BACK_HUGETLB_1G,	/* hugetlbfs 1 GiB pages */
	HV_BACK_MEMFD,		/* shared memory file (memfd), 4 KiB pages */
	HV_BACK_COUNT
};

/* Region flags. */
#define HV_MEM_DIRTY_LOG (1u << 0)	/* KVM_MEM_LOG_DIRTY_PAGES */
#define HV_MEM_READONLY (1u << 1)	/* guest writes exit as MMIO */

struct hv_mem_region {
	char name[16];
	uint64_t gpa, size;
	uint8_t *hva;
	uint64_t map_len;	/* what was mapped (hva may sit inside it) */
	uint8_t *map;
	uint32_t slot;		/* KVM memslot id */
	enum hv_backing backing;
	uint32_t flags;
	int fd;			/* memfd backings; -1 otherwise */
};

#define HV_MAX_REGIONS 32

/* Host memory backed as a guest region is, inside a VM or not (a native
 * twin's buffer): r->name, size and backing set by the caller; fills hva
 * (size bytes, aligned to the backing's page), map, map_len and fd. 0 or
 * -errno with err filled. hv_mem_unmap undoes it (also after a failure). */
int hv_mem_map(struct hv_mem_region *r, char *err, size_t errlen);
void hv_mem_unmap(struct hv_mem_region *r);

const char *hv_backing_name(enum hv_backing b);
/* The backing's page size in bytes. */
uint64_t hv_backing_page(enum hv_backing b);
/* 0 when this host can back `bytes` of memory this way (0: any amount),
 * else -ENOTSUP with the reason in why ("no 2 MiB hugetlb pages reserved"). */
int hv_backing_check(enum hv_backing b, uint64_t bytes, char *why, size_t len);

/* Add a memslot of `size` bytes at guest-physical gpa (both multiples of
 * the backing's page size, not overlapping another region or the device
 * window). *out, if not NULL, gets the region. Before hv_vm_start. */
int hv_vm_add_memory(struct hv_vm *vm, const char *name, uint64_t gpa,
		     uint64_t size, enum hv_backing backing, uint32_t flags,
		     struct hv_mem_region **out, char *err, size_t errlen);
/* The region holding gpa, or NULL. */
struct hv_mem_region *hv_vm_region(struct hv_vm *vm, uint64_t gpa);
/* KVM_GET_DIRTY_LOG of a region with HV_MEM_DIRTY_LOG: one bit per 4 KiB
 * page into bitmap (hv_dirty_words(region) 64-bit words), and KVM starts
 * the next round clean. Returns the number of dirty pages or -errno. */
int64_t hv_mem_dirty_log(struct hv_vm *vm, struct hv_mem_region *r,
			 uint64_t *bitmap, char *err, size_t errlen);
size_t hv_dirty_words(const struct hv_mem_region *r);

/* RAM below the device window (the low slot's end) and above 4 GiB. */
uint64_t hv_vm_ram_low(const struct hv_vm *vm);
uint64_t hv_vm_ram_high(const struct hv_vm *vm);
/* Where RAM above the hole starts. */
#define HV_HIGH_RAM_GPA 0x100000000ull

/* Guest page tables (the arch builds them: hv-core/arch/<arch>/pt.c).
 * Map [gva, gva + len) to [gpa, ...) with pages of `page` bytes
 * (HV_PAGE_4K/2M/1G; gva, gpa and len aligned to it) and HV_MAP_* rights.
 * -ENOTSUP with the reason where the guest CPU lacks the page size or the
 * arch this right; -EEXIST where a mapping of another size is in the way. */
#define HV_PAGE_4K 0x1000ull
#define HV_PAGE_2M 0x200000ull
#define HV_PAGE_1G 0x40000000ull
#define HV_MAP_WRITE (1u << 0)
#define HV_MAP_EXEC (1u << 1)
#define HV_MAP_USER (1u << 2)	/* CPL3 / EL0 may access */
#define HV_MAP_DEVICE (1u << 3)	/* uncached device memory */
int hv_vm_map(struct hv_vm *vm, uint64_t gva, uint64_t gpa, uint64_t len,
	      uint64_t page, uint32_t prot, char *err, size_t errlen);
/* The leaf size the guest's own tables (from the root the VMM built) give
 * gva, every table read bounds-checked: HV_PAGE_4K/2M/1G, or 0 where it is
 * unmapped or the tables are not built. Reads guest memory: what a guest
 * rewrote is what this sees. */
uint64_t hv_vm_leaf(struct hv_vm *vm, uint64_t gva);
/* A zeroed page for the guest's page tables, from the arch's low pool, then
 * from the system area: its guest-physical address, or 0 with err filled. */
uint64_t hv_vm_pt_page(struct hv_vm *vm, char *err, size_t errlen);
/* Unmap every region (hv_vm_destroy, after the VM's fd is closed). */
void hv_vm_free_memory(struct hv_vm *vm);
/* The system area (abi.h HV_SYS_GPA), created on first use. */
int hv_vm_sys_area(struct hv_vm *vm, char *err, size_t errlen);

#endif
