/* The x86 page-table helpers of the memory family's pt_churn and mmu_mix
 * bodies: the guest kernel builds, rewrites and switches its own page
 * tables here, which is the work shadow paging must trap. CPL0 only. */
#ifndef MICROBENCH_MEMORY_GUEST_X86_PTC_X86_H
#define MICROBENCH_MEMORY_GUEST_X86_PTC_X86_H

#include <stdint.h>
#include "guest.h"
#include "microbench/memory/pt_churn_abi.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_ADDR 0x000ffffffffff000ull
#define PTC_SLOT ((unsigned)(PTC_WINDOW_VA >> 39) & 511)

static inline uint64_t ptc_read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void ptc_write_cr3(uint64_t v)
{
	asm volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

static inline void ptc_invlpg(uint64_t va)
{
	asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}

/* A page-table entry, written as the CPU's walker will read it. */
static inline void ptc_set(uint64_t *pte, uint64_t v)
{
	*(volatile uint64_t *)pte = v;
}

static inline uint64_t *ptc_page(uint64_t pool, uint64_t n)
{
	return (uint64_t *)(pool + 4096 * n);
}

/* The pool the host gave: page aligned, in the identity-mapped low 4 GiB
 * above the runtime's own memory, at least `need` bytes. */
static inline int ptc_pool_ok(uint64_t pool, uint64_t size, uint64_t need)
{
	if (pool & 4095 || pool < HV_SCRATCH_GPA || size < need ||
	    size > (1ull << 32) || pool > (1ull << 32) - size)
		return PTC_ABORT_POOL;
	return 0;
}

/* Zero a space's four tables (pool pages first .. first + 3: root, PDPT,
 * PD, PT), once; afterwards the bodies leave them as they found them. */
static inline void ptc_space_zero(uint64_t pool, uint64_t first)
{
	for (uint64_t t = 0; t < 4; t++)
		for (unsigned e = 0; e < 512; e++)
			ptc_set(&ptc_page(pool, first + t)[e], 0);
}

/* A fork-like new address space over zeroed tables: the root a copy of the
 * running root (the identity map and the rest shared), its window slot
 * pointing to the PDPT -> PD -> PT chain of its own. Returns the root, the
 * CR3 value. */
static inline uint64_t ptc_space_link(uint64_t pool, uint64_t first)
{
	uint64_t *cur = (uint64_t *)(ptc_read_cr3() & PTE_ADDR);
	uint64_t *root = ptc_page(pool, first), *pdpt = ptc_page(pool, first + 1);
	uint64_t *pd = ptc_page(pool, first + 2), *pt = ptc_page(pool, first + 3);

	for (unsigned e = 0; e < 512; e++)
		if (e != PTC_SLOT)
			ptc_set(&root[e], cur[e]);
	ptc_set(&pd[0], (uint64_t)pt | PTE_P | PTE_RW);
	ptc_set(&pdpt[0], (uint64_t)pd | PTE_P | PTE_RW);
	ptc_set(&root[PTC_SLOT], (uint64_t)pdpt | PTE_P | PTE_RW);
	return (uint64_t)root;
}

/* The space's page table (the one its window's pages are mapped by). */
static inline uint64_t *ptc_space_pt(uint64_t pool, uint64_t first)
{
	return ptc_page(pool, first + 3);
}

/* Undo ptc_space_link's window chain (the root's copied slots stay: the
 * next link writes them again, as a fork would). */
static inline void ptc_space_unlink(uint64_t pool, uint64_t first)
{
	ptc_set(&ptc_page(pool, first)[PTC_SLOT], 0);
	ptc_set(&ptc_page(pool, first + 1)[0], 0);
	ptc_set(&ptc_page(pool, first + 2)[0], 0);
}

#endif
