/* The exit-cost bodies whose C is the same on every arch: the exit (or
 * fault) they cause comes from the address or the level, not the code. */
#include <stdint.h>
#include "guest.h"
#include "microbench/guest/common.h"

#define P(n) (SHARED->param[n])

void gbody_op_empty(uint64_t i)
{
	asm volatile("" ::: "memory");
}

/* Touch a fresh page: one EPT/NPT/stage-2 or shadow fault per page. */
void gbody_op_pf_touch(uint64_t i)
{
	*(volatile uint64_t *)(P(0) + i * 4096) = i;
}

/* Far beyond the 4 GiB every arch's guest page tables map: x86 #PF with
 * CR2 set, arm64 a translation fault with FAR set. */
void gbody_op_fault(uint64_t i)
{
	(void)*(volatile uint64_t *)0x100000000000ull;
}

/* A loop that costs the same everywhere, except where guest kernel code is
 * emulated (PVM at CPL0): the CPL0 slowdown probe. */
void gbody_op_spin(uint64_t i)
{
	for (uint64_t k = P(0); k; k--)
		asm volatile("" ::: "memory");
}

/* Tests only (HV_BODY_LIE): take part in the protocol with a few honest
 * samples, then lie in one shared-page field before DONE. The host must
 * turn each lie into a "failed" record and never trust the field. */
int gbody_lie_init(void)
{
	struct hv_shared *s = SHARED;

	s->status = HV_GS_RUNNING;
	hist_moments_init(&s->moments);
	ucall(HV_UCALL_MEASURE_BEGIN);
	for (uint32_t i = 0; i < 8; i++) {
		hist_record(s->hist, &s->moments, 100 + i);
		s->samples[s->nsamples++] = 100 + i;
	}
	s->samples_stride = 1;
	s->iterations = 8;
	s->rep_iters = 8;
	switch (P(0)) {
	case HV_LIE_NSAMPLES_MAX: s->nsamples = 0xffffffffu; break;
	case HV_LIE_NSAMPLES_BIG: s->nsamples = 3000000; break;
	case HV_LIE_ITERATIONS: s->iterations = 1ull << 62; break;
	case HV_LIE_HIST: s->hist[3] += 1000000; break;
	case HV_LIE_REP_ITERS: s->rep_iters = 1ull << 40; break;
	case HV_LIE_STRIDE: s->samples_stride = 0; break;
	case HV_LIE_MOMENTS: s->moments.min = ~0ull; s->moments.max = 1; break;
	case HV_LIE_CALIB: s->calib_done = 1ull << 50; break;
	case HV_LIE_WARMUP: s->warmup_done = 1ull << 50; break;
	case HV_LIE_LIMITS:	/* the host must check against its own copies */
		s->max_iters = ~0ull;
		s->repetitions = ~0u;
		s->iterations = 1ull << 40;
		break;
	default: break;
	}
	ucall(HV_UCALL_REP_END);
	ucall(HV_UCALL_MEASURE_END);
	if (P(0) == HV_LIE_STATUS) {
		s->status = 77;
	} else if (P(0) == HV_LIE_FAULT) {
		s->fault.vector = ~0ull;
		s->fault.level = 99;
		s->fault.vcpu = 1ull << 40;
		s->status = HV_GS_FAULT;
	} else {
		s->status = HV_GS_OK;
	}
	ucall(HV_UCALL_DONE);
	for (;;)
		garch_relax();
}
