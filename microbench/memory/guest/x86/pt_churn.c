/* pt_churn (issue 13, row 3): the guest kernel maps, unmaps and re-protects
 * pages of its own page tables with invlpg, and switches CR3 between K
 * address spaces, a context-switch model. On shadow paging every page-table
 * write is write-protected and trapped (or left unsync and resynced at the
 * invlpg or the next fault); with NPT/EPT none exits. CPL0 only. */
#include <stdint.h>
#include "guest.h"
#include "ptc_x86.h"

#define P(n) (SHARED->param[n])

/* Space k's tables are pool pages 1 + 4k .. 4 + 4k; data pages follow. */
#define SPACE_PAGE(k) (1 + 4 * (k))
#define DATA_PAGE(k, j) (1 + 4 * (k) + (j))

static int pt_churn_init(void)
{
	uint64_t k = P(PTC_P_SPACES), n = P(PTC_P_PAGES), pool = P(PTC_P_POOL);
	uint64_t *ctl;

	if (k < 1 || k > PTC_MAX_SPACES || n < 1 || n > PTC_MAX_PAGES)
		return PTC_ABORT_PARAM;
	int r = ptc_pool_ok(pool, P(PTC_P_POOL_SIZE), PTC_POOL_BYTES(k, n));
	if (r)
		return r;
	if (((uint64_t *)(ptc_read_cr3() & PTE_ADDR))[PTC_SLOT] & PTE_P)
		return PTC_ABORT_SLOT;
	ctl = ptc_page(pool, 0);
	for (uint64_t s = 0; s < k; s++) {
		ptc_space_zero(pool, SPACE_PAGE(s));
		ctl[s] = ptc_space_link(pool, SPACE_PAGE(s));
		uint64_t *pt = ptc_space_pt(pool, SPACE_PAGE(s));
		for (uint64_t j = 0; j < n; j++)
			ptc_set(&pt[j], (pool + 4096 * DATA_PAGE(k, j)) | PTE_P | PTE_RW);
	}
	/* The data pages' first touch (the host's fault, a stage-2 or NPT
	 * exit) belongs to pf_storm, not to the timed operations. */
	for (uint64_t j = 0; j < n; j++)
		*(volatile uint64_t *)(pool + 4096 * DATA_PAGE(k, j)) = 0;
	return 0;
}

/* One operation: switch to space i mod K; in it, page j: unmap + invlpg,
 * map again and write through it, re-protect read-only + invlpg and read
 * through it. Three page-table writes (PTC_WRITES_PER_OP), one CR3 write,
 * two invlpg. */
static void op_pt_churn(uint64_t i)
{
	uint64_t k = P(PTC_P_SPACES), n = P(PTC_P_PAGES), pool = P(PTC_P_POOL);
	uint64_t s = i % k, j = (i / k) % n;
	uint64_t *ctl = ptc_page(pool, 0);
	uint64_t *pte = &ptc_space_pt(pool, SPACE_PAGE(s))[j];
	uint64_t va = PTC_WINDOW_VA + 4096 * j;
	uint64_t data = pool + 4096 * DATA_PAGE(k, j);

	ptc_write_cr3(ctl[s]);
	ptc_set(pte, 0);
	ptc_invlpg(va);
	ptc_set(pte, data | PTE_P | PTE_RW);
	*(volatile uint64_t *)va = i;
	ptc_set(pte, data | PTE_P);
	ptc_invlpg(va);
	(void)*(volatile uint64_t *)va;
}

GUEST_BODY(pt_churn, .init = pt_churn_init, .op = op_pt_churn);
