/* pf_storm's body: vCPU 0 times the first touch of fresh pages, one per
 * `stride` bytes (the guest page size), while every other vCPU first-touches
 * its own share of the region at the same time. Arch-neutral. */
#include <stdint.h>
#include "guest.h"
#include "microbench/memory/tlb_walk_abi.h"

#define P(n) (SHARED->param[n])

static int pf_storm_init(void)
{
	struct hv_shared *s = SHARED;

	if (P(PF_P_STRIDE) < 4096 || (P(PF_P_STRIDE) & 4095) ||
	    P(PF_P_SPAN) < P(PF_P_STRIDE) || s->nr_vcpus > PF_MAX_VCPUS)
		return PF_ABORT_PARAM;
	for (uint32_t v = 1; v < s->nr_vcpus; v++)
		while (!s->secondary_ready[v] && !s->stop)
			garch_relax();
	s->scratch[PF_S_GO] = 1;
	return 0;
}

/* Operation i: the first write to page i of vCPU 0's share (the host
 * keeps i below the share's pages). */
static void op_pf_storm(uint64_t i)
{
	*(volatile uint64_t *)(P(PF_P_BASE) + i * P(PF_P_STRIDE)) = i;
}

/* The other vCPUs, at the row's level (CPL3/EL0 with cpl 3: on a host that
 * emulates CPL0, PVM, the storm is then as native as the timed touches):
 * wait for the start, then touch their share once, page by page, and
 * rest. */
static void pf_storm_other(uint32_t vcpu)
{
	struct hv_shared *s = SHARED;
	uint64_t stride = P(PF_P_STRIDE), span = P(PF_P_SPAN);
	uint64_t base = P(PF_P_BASE) + (uint64_t)vcpu * span;

	s->secondary_ready[vcpu] = 1;
	while (!s->scratch[PF_S_GO] && !s->stop)
		garch_relax();
	if (stride < 4096 || span < stride || vcpu >= PF_MAX_VCPUS)
		return;
	for (uint64_t off = 0; off + stride <= span && !s->stop; off += stride) {
		*(volatile uint64_t *)(base + off) = off;
		s->vcpu_heartbeat[vcpu]++;
	}
}

GUEST_BODY(pf_storm, .init = pf_storm_init, .op = op_pf_storm,
	   .secondary = pf_storm_other, .secondary_user = 1);
