/* forkexec workload (mc_abi.h): a loop of fork-like address spaces, as a
 * shell's fork/exec/exit makes them: the running root copied into a new
 * one, a window of pages mapped in it, the switch to it, the pages written
 * and read back, the switch back and the teardown. The guest kernel builds
 * real page tables in the region and loads CR3; the twin runs the same
 * code over the same tables as plain memory, copying a stand-in root the
 * host made, with the two CR3 loads left out and the window mapped by the
 * host at the same address: the same instructions but what the MMU does
 * with them, which is the guest's cost (under shadow paging every table
 * write is trapped, and each CR3 load exits). CPL0 (x86; the arm64 image
 * has no such code: the row is x86's). The sum of what was read back must
 * be the host's. Arch-neutral file, .native. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"

#if defined(__clang__)
#define FE_OUTOFLINE __attribute__((noinline))	/* clang clones no callee */
#else
#define FE_OUTOFLINE __attribute__((noipa))
#endif

#define FE_P 0x1ull
#define FE_RW 0x2ull
#define FE_ADDR 0x000ffffffffff000ull
#define FE_SLOT(va) ((unsigned)((va) >> 39) & 511)

static uint64_t *fe_page(uint64_t n)
{
	return (uint64_t *)(MC(MC_P_BASE) + 4096 * n);
}

/* The running root: CR3 in the guest, the host's stand-in natively. Not
 * inlined (nor cloned), nor is the switch: the loop is then the same instructions in
 * both builds, and only these two small functions differ
 * (ci/test-macro-insns.sh). */
static FE_OUTOFLINE uint64_t fe_running_root(void)
{
#if defined(HV_NATIVE)
	return (uint64_t)fe_page(0);
#elif defined(__x86_64__)
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v & FE_ADDR;
#else
	return 0;
#endif
}

static FE_OUTOFLINE void fe_switch(uint64_t root)
{
#if !defined(HV_NATIVE) && defined(__x86_64__)
	asm volatile("mov %0, %%cr3" ::"r"(root) : "memory");
#else
	(void)root;
	asm volatile("" ::: "memory");
#endif
}

static void fe_set(uint64_t *e, uint64_t v)
{
	*(volatile uint64_t *)e = v;
}

static int fe_init(void)
{
	uint64_t tasks = MC(MC_P_N), pages = MC(MC_P_AUX), win = MC(MC_P_REF1);
	uint64_t root = fe_running_root();

	if (!root || tasks < 1 || tasks > MC_FE_MAX_TASKS || pages < 1 || pages > MC_FE_MAX_PAGES ||
	    MC(MC_P_AUX2) > MC_FE_MAX_TURNS || (win & ((1ull << 39) - 1)) ||
	    4096 * (MC_FE_PAGE_DATA + pages) > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	/* the window's slot must be free in the running root */
	if (((const uint64_t *)root)[FE_SLOT(win)] & FE_P)
		return MC_ABORT_PARAM;
	return 0;
}

static void op_fe(uint64_t it)
{
	uint64_t tasks = MC(MC_P_N), pages = MC(MC_P_AUX), turns = MC(MC_P_AUX2);
	uint64_t win = MC(MC_P_REF1), sum = 0, base = fe_running_root();
	const uint64_t *cur = (const uint64_t *)base;
	uint64_t *root = fe_page(MC_FE_PAGE_TABLES), *pdpt = root + 512, *pd = root + 1024, *pt = root + 1536;
	unsigned slot = FE_SLOT(win);

	(void)it;
	for (uint64_t t = 0; t < tasks; t++) {
		for (unsigned e = 0; e < 512; e++)	/* fork: the parent's root */
			fe_set(&root[e], e == slot ? 0 : cur[e]);
		fe_set(&pd[0], (uint64_t)pt | FE_P | FE_RW);
		fe_set(&pdpt[0], (uint64_t)pd | FE_P | FE_RW);
		fe_set(&root[slot], (uint64_t)pdpt | FE_P | FE_RW);
		for (uint64_t j = 0; j < pages; j++)	/* mmap */
			fe_set(&pt[j], (uint64_t)fe_page(MC_FE_PAGE_DATA + j) | FE_P | FE_RW);
		fe_switch((uint64_t)root);		/* exec in it */
		for (uint64_t j = 0; j < pages; j++) {
			volatile uint64_t *w = (volatile uint64_t *)(win + 4096 * j);

			*w = mc_fe_value(t, j, turns);
			sum += *w;
		}
		fe_switch(base);			/* exit */
		for (uint64_t j = 0; j < pages; j++)	/* munmap */
			fe_set(&pt[j], 0);
		fe_set(&root[slot], 0);
		fe_set(&pdpt[0], 0);
		fe_set(&pd[0], 0);
		mc_alive();
	}
	if (sum != MC(MC_P_REF0))
		guest_abort(MC_ABORT_WRONG);
}

GUEST_BODY(mc_forkexec, .init = fe_init, .op = op_fe, .native = 1);
