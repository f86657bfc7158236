/* mmu_mix (issue 13, row 4): a kernel-compile-like mix on every vCPU of the
 * VM. One operation is `tasks` tasks, taken by whichever vCPU is free; a
 * task is a fork-like address space (a root copied from the running one,
 * a window of its own), `pages` pages mapped, the switch to it, each page
 * touched and worked on (`turns` of compute), the switch back and the
 * unmap. Time per operation against vCPUs is the slide's chart; on shadow
 * paging every page-table write and first touch is trapped, and the vCPUs
 * share the host's MMU lock. CPL0 only. */
#include <stdint.h>
#include "guest.h"
#include "ptc_x86.h"

#define P(n) (SHARED->param[n])

/* The control page: tickets on separate cache lines. Tasks of every
 * operation are numbered on: operation i's are [limit - tasks, limit). */
#define CTL_LIMIT 0
#define CTL_NEXT 8
#define CTL_DONE 16

static uint64_t *ctl(void)
{
	return ptc_page(P(MIX_P_POOL), 0);
}

static uint64_t first_page(uint32_t vcpu)
{
	return 1 + (uint64_t)vcpu * MIX_VCPU_PAGES(P(MIX_P_PAGES));
}

static int mix_check(void)
{
	uint64_t t = P(MIX_P_TASKS), p = P(MIX_P_PAGES), turns = P(MIX_P_TURNS);
	uint32_t nv = SHARED->nr_vcpus;

	if (t < 1 || t > MIX_MAX_TASKS || p < 1 || p > MIX_MAX_PAGES ||
	    turns > MIX_MAX_TURNS || nv < 1 || nv > HV_MAX_VCPUS)
		return PTC_ABORT_PARAM;
	return ptc_pool_ok(P(MIX_P_POOL), P(MIX_P_POOL_SIZE), MIX_POOL_BYTES(nv, p));
}

/* The host's stall watchdog: vCPU 0 bumps heartbeat, the others their
 * vcpu_heartbeat, while they work without exits (an emulated task of a
 * PVM host's guest kernel may take longer than the watchdog's window). */
static void beat(uint32_t vcpu)
{
	if (vcpu == 0)
		SHARED->heartbeat++;
	else if (vcpu < HV_MAX_VCPUS)
		SHARED->vcpu_heartbeat[vcpu]++;
}

static void task(uint32_t vcpu, uint64_t ticket)
{
	uint64_t pool = P(MIX_P_POOL), p = P(MIX_P_PAGES), turns = P(MIX_P_TURNS);
	uint64_t first = first_page(vcpu), base = ptc_read_cr3();
	uint64_t *pt = ptc_space_pt(pool, first);
	uint64_t root = ptc_space_link(pool, first);	/* fork */

	for (uint64_t j = 0; j < p; j++)		/* mmap */
		ptc_set(&pt[j], (pool + 4096 * (first + 4 + j)) | PTE_P | PTE_RW);
	ptc_write_cr3(root);				/* exec in it */
	for (uint64_t j = 0; j < p; j++) {
		volatile uint64_t *w = (volatile uint64_t *)(PTC_WINDOW_VA + 4096 * j);
		uint64_t x = ticket ^ j;
		for (uint64_t k = 0; k < turns; k++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		*w = x;					/* first touch, then compute */
		beat(vcpu);
	}
	ptc_write_cr3(base);				/* exit */
	for (uint64_t j = 0; j < p; j++)		/* munmap */
		ptc_set(&pt[j], 0);
	ptc_space_unlink(pool, first);
}

/* Take tasks until this operation's are all taken. */
static void take_tasks(uint32_t vcpu)
{
	uint64_t *c = ctl();
	uint64_t limit = __atomic_load_n(&c[CTL_LIMIT], __ATOMIC_ACQUIRE);

	for (;;) {
		uint64_t t = __atomic_load_n(&c[CTL_NEXT], __ATOMIC_RELAXED);
		if (t >= limit)
			return;
		if (!__atomic_compare_exchange_n(&c[CTL_NEXT], &t, t + 1, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			continue;
		task(vcpu, t);
		__atomic_add_fetch(&c[CTL_DONE], 1, __ATOMIC_RELEASE);
	}
}

static int mmu_mix_init(void)
{
	int r = mix_check();

	if (r)
		return r;
	if (((uint64_t *)(ptc_read_cr3() & PTE_ADDR))[PTC_SLOT] & PTE_P)
		return PTC_ABORT_SLOT;
	for (uint32_t v = 0; v < SHARED->nr_vcpus; v++)
		ptc_space_zero(P(MIX_P_POOL), first_page(v));
	return 0;
}

/* vCPU 0: publish the operation's tasks, take some, wait for the rest. */
static void op_mmu_mix(uint64_t i)
{
	uint64_t *c = ctl();
	uint64_t limit = c[CTL_LIMIT] + P(MIX_P_TASKS);

	__atomic_store_n(&c[CTL_LIMIT], limit, __ATOMIC_RELEASE);
	take_tasks(0);
	while (__atomic_load_n(&c[CTL_DONE], __ATOMIC_ACQUIRE) < limit) {
		beat(0);
		garch_relax();
	}
}

/* The other vCPUs: take tasks whenever an operation has some left. */
static void mix_worker(uint32_t vcpu)
{
	uint64_t *c;

	if (mix_check())
		return;		/* vCPU 0's init says why */
	c = ctl();
	while (!SHARED->stop) {
		if (__atomic_load_n(&c[CTL_NEXT], __ATOMIC_RELAXED) <
		    __atomic_load_n(&c[CTL_LIMIT], __ATOMIC_ACQUIRE))
			take_tasks(vcpu);
		else
			garch_relax();
		beat(vcpu);
	}
}

GUEST_BODY(mmu_mix, .init = mmu_mix_init, .op = op_mmu_mix, .secondary = mix_worker);
