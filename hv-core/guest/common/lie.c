/* The hostile guest of tests/test_hostile_guest.c: a body that lies in the
 * shared page. Tests only; no benchmark row names it. */
#include <stdint.h>
#include "guest.h"

#define P(n) (SHARED->param[n])

/* Take part in the protocol with a few honest samples, then lie in the
 * shared-page field param[0] names (enum hv_lie) before DONE. The host must
 * turn each lie into a "failed" record and never trust the field. */
static int lie_init(void)
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
	return 0;	/* not reached: the host stops the VM at DONE */
}

GUEST_BODY(lie, .init = lie_init);
