/* pt_churn on arm64 (issue 13, row 3): the guest kernel unmaps, maps and
 * re-protects pages of its own stage-1 tables (each change made visible
 * with dsb and a TLBI by VA and ASID, as Linux does) and switches TTBR0_EL1
 * between K address spaces, each with its own ASID: arm64's context switch,
 * which keeps the other spaces' TLB entries instead of flushing them as an
 * x86 CR3 write does. Stage 2 is always on under KVM/arm64, so none of this
 * is the host's to trap: the row's exits per page-table write are 0. EL1
 * only. The pool layout and the operation are the x86 body's
 * (guest/x86/pt_churn.c), so the two arches' rows compare. */
#include <stdint.h>
#include "guest.h"
#include "hv-core/arch/arm64/layout.h"
#include "microbench/memory/pt_churn_abi.h"

#define P(n) (SHARED->param[n])

/* Space k's tables are pool pages 1 + 4k .. 3 + 4k (levels 1, 2, 3);
 * data pages follow every space's four. */
#define SPACE_PAGE(k) (1 + 4 * (k))
#define DATA_PAGE(k, j) (1 + 4 * (k) + (j))
#define WINDOW_L1 ((unsigned)(PTC_A64_WINDOW_VA >> 30) & 511)

/* A data page of the window, EL1 only, tagged with the space's ASID. */
#define DATA_BITS (A64_PTE_VALID | A64_PTE_TABLE | A64_PTE_AF | A64_PTE_NG | \
		   A64_PTE_ATTR(A64_MAIR_NORMAL) | A64_PTE_SH_INNER | A64_PTE_PXN | A64_PTE_UXN)
#define NEXT_TABLE (A64_PTE_VALID | A64_PTE_TABLE)

static inline uint64_t *page_at(uint64_t pool, uint64_t n)
{
	return (uint64_t *)(pool + 4096 * n);
}

static inline uint64_t read_ttbr0(void)
{
	uint64_t v;

	asm volatile("mrs %0, ttbr0_el1" : "=r"(v));
	return v;
}

/* The new root and ASID take effect for what follows the isb. */
static inline void write_ttbr0(uint64_t v)
{
	asm volatile("msr ttbr0_el1, %0; isb" ::"r"(v) : "memory");
}

/* A descriptor the walker reads: the store, then dsb so that the walk (and
 * the TLBI after it) sees it. */
static inline void set_desc(uint64_t *d, uint64_t v)
{
	*(volatile uint64_t *)d = v;
	asm volatile("dsb ishst" ::: "memory");
}

/* Drop the leaf entry of va in ASID asid everywhere, and wait for it. */
static inline void tlbi_va(uint64_t va, uint64_t asid)
{
	uint64_t arg = (va >> 12 & ((1ull << 44) - 1)) | asid << 48;

	asm volatile("tlbi vale1is, %0; dsb ish; isb" ::"r"(arg) : "memory");
}

/* The pool the host gave: page aligned, in the identity-mapped low 4 GiB
 * above the runtime's own memory, at least `need` bytes. */
static int pool_ok(uint64_t pool, uint64_t size, uint64_t need)
{
	if (pool & 4095 || pool < HV_SCRATCH_GPA || size < need ||
	    size > (1ull << 32) || pool > (1ull << 32) - size)
		return PTC_ABORT_POOL;
	return 0;
}

/* Space s: a level-1 table copied from the running one (the identity map
 * shared, as a fork shares the kernel's half), its window slot pointing to
 * a level-2 -> level-3 chain of its own, and its own ASID (s + 1; the
 * runtime's tables run as ASID 0). Returns the TTBR0 value. */
static uint64_t space_link(uint64_t pool, uint64_t first, uint64_t s)
{
	const uint64_t *cur = (const uint64_t *)(read_ttbr0() & A64_PTE_ADDR);
	uint64_t *l1 = page_at(pool, first), *l2 = page_at(pool, first + 1);
	uint64_t *l3 = page_at(pool, first + 2);

	for (unsigned e = 0; e < 512; e++) {
		set_desc(&l1[e], e == WINDOW_L1 ? 0 : cur[e]);
		set_desc(&l2[e], 0);
		set_desc(&l3[e], 0);
	}
	set_desc(&l2[0], (uint64_t)l3 | NEXT_TABLE);
	set_desc(&l1[WINDOW_L1], (uint64_t)l2 | NEXT_TABLE);
	return (uint64_t)l1 | (s + 1) << A64_TTBR_ASID_SHIFT;
}

static int pt_churn_init(void)
{
	uint64_t k = P(PTC_P_SPACES), n = P(PTC_P_PAGES), pool = P(PTC_P_POOL);
	uint64_t *ctl;

	if (k < 1 || k > PTC_MAX_SPACES || n < 1 || n > PTC_MAX_PAGES)
		return PTC_ABORT_PARAM;
	int r = pool_ok(pool, P(PTC_P_POOL_SIZE), PTC_POOL_BYTES(k, n));
	if (r)
		return r;
	if (((const uint64_t *)(read_ttbr0() & A64_PTE_ADDR))[WINDOW_L1] & A64_PTE_VALID)
		return PTC_ABORT_SLOT;
	ctl = page_at(pool, 0);
	for (uint64_t s = 0; s < k; s++) {
		ctl[s] = space_link(pool, SPACE_PAGE(s), s);
		uint64_t *l3 = page_at(pool, SPACE_PAGE(s) + 2);
		for (uint64_t j = 0; j < n; j++)
			set_desc(&l3[j], (pool + 4096 * DATA_PAGE(k, j)) | DATA_BITS);
	}
	asm volatile("isb" ::: "memory");
	/* The data pages' first touch (the host's fault, a stage-2 or NPT
	 * exit) belongs to pf_storm, not to the timed operations. */
	for (uint64_t j = 0; j < n; j++)
		*(volatile uint64_t *)(pool + 4096 * DATA_PAGE(k, j)) = 0;
	return 0;
}

/* One operation: switch to space i mod K; in it, page j: unmap + TLBI, map
 * again and write through it, re-protect read-only + TLBI and read through
 * it. Three descriptor writes (PTC_WRITES_PER_OP), one TTBR0 write, two
 * TLBIs: the x86 body's operation. */
static void op_pt_churn(uint64_t i)
{
	uint64_t k = P(PTC_P_SPACES), n = P(PTC_P_PAGES), pool = P(PTC_P_POOL);
	uint64_t s = i % k, j = (i / k) % n;
	const uint64_t *ctl = page_at(pool, 0);
	uint64_t *pte = &page_at(pool, SPACE_PAGE(s) + 2)[j];
	uint64_t va = PTC_A64_WINDOW_VA + 4096 * j;
	uint64_t data = pool + 4096 * DATA_PAGE(k, j);

	write_ttbr0(ctl[s]);
	set_desc(pte, 0);
	tlbi_va(va, s + 1);
	set_desc(pte, data | DATA_BITS);
	asm volatile("isb" ::: "memory");
	*(volatile uint64_t *)va = i;
	set_desc(pte, data | DATA_BITS | A64_PTE_AP_RO);
	tlbi_va(va, s + 1);
	(void)*(volatile uint64_t *)va;
}

GUEST_BODY(pt_churn, .init = pt_churn_init, .op = op_pt_churn);
