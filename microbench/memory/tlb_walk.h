/* tlb_walk and pf_storm, host side: the page sizes and backings they take,
 * their guest region, the chase's chain and its native twin
 * (tlb_walk_mem.c). */
#ifndef MICROBENCH_MEMORY_TLB_WALK_H
#define MICROBENCH_MEMORY_TLB_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "hv-core/abi.h"
#include "hv-core/mem.h"

struct mb_setup_ctx;
struct hv_shared;
struct stats_summary;

/* Family parameters' choices, in this order (indexes into the tables). */
extern const char *const mm_page_names[];	/* "4k", "2m", "1g" */
extern const char *const mm_backing_names[];	/* "anon", "thp", "hugetlb_2m", "hugetlb_1g" */
uint64_t mm_page_bytes(int64_t choice);
enum hv_backing mm_backing(int64_t choice);

/* Where the family's region sits: far above RAM, 1 GiB aligned. */
#define MM_REGION_GPA 0x1000000000ull	/* 64 GiB */

/*
 * A region of at least `bytes` at MM_REGION_GPA, backed by `backing`, mapped
 * at the same guest-virtual address with `page`-sized guest pages, writable
 * and user-accessible. -ENOTSUP with the reason where this host or guest
 * CPU lacks the page size or the backing (hugetlb pages not reserved).
 * *size gets the bytes mapped.
 */
int mm_region(struct mb_setup_ctx *c, uint64_t bytes, uint64_t page,
	      enum hv_backing backing, struct hv_mem_region **out, uint64_t *size);

/* KVM's own count of its host mappings by size (VM statistics pages_4k,
 * pages_2m, pages_1g, where the kernel has them) into rec as
 * kvm_pages/<size>: whether the host really mapped huge pages. */
struct rec;
void mm_kvm_pages(struct hv_vm *vm, struct rec *rec);

/* The chase's chain in [mem, mem + size): a random cyclic permutation of
 * `nodes` 4 KiB nodes (the same seed every time), each holding the offset
 * of the next. Returns the first node's offset, or -ENOMEM. */
int64_t tw_build_chain(uint8_t *mem, uint64_t size, uint64_t nodes);

/* Host memory for the native twin, backed like the guest's (hv_mem_map):
 * size bytes at r->hva, hv_mem_unmap(r) to free. -ENOTSUP with the reason,
 * as hv_backing_check says. */
int mm_host_buffer(enum hv_backing b, uint64_t size, struct hv_mem_region *r,
		   char *err, size_t errlen);

/* What the native twin runs: the body, its parameters and the guest
 * counter's rate, kept by the host when it wrote them (setup, before the
 * guest ran: the guest may rewrite its page, so nothing is read back). */
struct mm_native {
	const char *body;
	uint64_t param[HV_NPARAMS];
	uint64_t tsc_khz;
};

/* Run n->body natively on a page of its own, with n's parameters, the
 * param[base_slot] moved to host_base, and the suite's limits (c->params):
 * the per-sample summary of its histogram into *st. 0, or -errno with err
 * filled. */
int mm_native_run(const struct mb_setup_ctx *c, const struct mm_native *n, int base_slot,
		  uint64_t host_base, struct stats_summary *st, char *err, size_t errlen);

#endif
