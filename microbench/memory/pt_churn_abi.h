/* The memory family's pt_churn and mmu_mix rows (issue 13): what their host
 * rows write into hv_shared.param[] and their guest bodies read, and their
 * own abort codes. Included by both sides, so it holds numbers only. */
#ifndef MICROBENCH_MEMORY_PT_CHURN_ABI_H
#define MICROBENCH_MEMORY_PT_CHURN_ABI_H

#include "hv-core/abi.h"

/* pt_churn: K address spaces, each a root of its own over one window of
 * N 4 KiB pages whose page table the guest rewrites. */
enum ptc_param {
	PTC_P_POOL,		/* guest-physical base of the body's pool (identity mapped) */
	PTC_P_POOL_SIZE,	/* its size in bytes */
	PTC_P_SPACES,		/* K: address spaces, one CR3 each */
	PTC_P_PAGES,		/* N: pages of the window, one page table */
};

/* mmu_mix: one operation is `tasks` fork-like tasks shared by every vCPU. */
enum mix_param {
	MIX_P_POOL,		/* as PTC_P_POOL */
	MIX_P_POOL_SIZE,
	MIX_P_TASKS,		/* tasks per operation, over all vCPUs */
	MIX_P_PAGES,		/* pages each task maps, touches and unmaps */
	MIX_P_TURNS,		/* compute: loop turns per page touched */
};

#define PTC_MAX_SPACES 64
#define PTC_MAX_PAGES 512	/* one page table */
#define MIX_MAX_TASKS 4096
#define MIX_MAX_PAGES 512
#define MIX_MAX_TURNS 100000

/* The window's virtual address. x86: PML4 slot 255, the last of the lower
 * half, far from the identity map (slots 0-1 cover up to 1 TiB of RAM).
 * arm64: level-1 slot 256 (256 GiB), far from the identity map (the first
 * 4 GiB) and the memory family's region (64 GiB on), inside T0SZ 25. */
#define PTC_WINDOW_VA 0x7f8000000000ull
#define PTC_A64_WINDOW_VA 0x4000000000ull

/* Page-table writes each pt_churn operation makes (unmap, map, re-protect);
 * the host divides its exits by this. */
#define PTC_WRITES_PER_OP 3

/* Pool layout, pt_churn: a control page, then per space 4 table pages
 * (x86: root, PDPT, PD, PT; arm64: level 1, 2, 3 and one unused), then the
 * N data pages the windows share.
 * mmu_mix: a control page, then per vCPU 3 + MIX_MAX_PAGES / 512 table
 * pages and `pages` data pages. */
#define PTC_POOL_BYTES(k, n) (4096ull * (1 + 4ull * (k) + (n)))
#define MIX_VCPU_PAGES(p) (4ull + (p))
#define MIX_POOL_BYTES(v, p) (4096ull * (1 + (uint64_t)(v) * MIX_VCPU_PAGES(p)))

/* The bodies' refusals, from HV_ABORT_BODY_BASE on; the rows'
 * abort_reasons[] say what each means, in this order. */
enum ptc_abort {
	PTC_ABORT_PARAM = HV_ABORT_BODY_BASE,	/* counts out of range */
	PTC_ABORT_POOL,				/* the pool is not where it can be */
	PTC_ABORT_SLOT,				/* the window's top-level slot is in use */
};

#endif
