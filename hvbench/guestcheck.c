/* The guest is untrusted: every value the host reads back from the shared
 * page is checked against what the host itself set up before any of it is
 * rendered. A violation makes the record "failed: guest broke the ABI". */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "hvbench/guestcheck.h"

#define BAD(...)                                     \
	do {                                         \
		snprintf(why, len, __VA_ARGS__);     \
		return -EPROTO;                      \
	} while (0)

int guest_check_shared(const struct hv_shared *s, const struct guest_expect *e,
		       bool complete, char *why, size_t len)
{
	uint64_t max_samples = e->max_iters * (e->repetitions ? e->repetitions : 1);
	uint64_t hist_n = 0;
	uint32_t st = s->status;

	if (st != HV_GS_IDLE && st != HV_GS_RUNNING && st != HV_GS_OK &&
	    st != HV_GS_FAULT && st != HV_GS_ABORT)
		BAD("status %u is not a guest status", st);
	if (s->nsamples > HV_MAX_SAMPLES)
		BAD("nsamples %u is more than the %d the shared page holds", s->nsamples,
		    HV_MAX_SAMPLES);
	if (s->nsamples && (!s->samples_stride || (s->samples_stride & (s->samples_stride - 1))))
		BAD("samples_stride %u is not a power of two", s->samples_stride);
	if (e->max_iters && s->iterations > max_samples)
		BAD("iterations %llu is more than max_iters x repetitions (%llu samples)",
		    (unsigned long long)s->iterations, (unsigned long long)max_samples);
	if (s->warmup_done > e->warmup_iters)
		BAD("warmup_done %llu is more than the %llu warm-up samples asked",
		    (unsigned long long)s->warmup_done, (unsigned long long)e->warmup_iters);
	if (s->calib_done > e->calib_iters)
		BAD("calib_done %llu is more than the %llu calibration samples asked",
		    (unsigned long long)s->calib_done, (unsigned long long)e->calib_iters);
	if (st == HV_GS_FAULT) {
		if (s->fault.vector > 255 || s->fault.level > 3 ||
		    s->fault.vcpu >= e->nr_vcpus)
			BAD("fault block out of range (vector %llu, level %llu, vcpu %llu of %u)",
			    (unsigned long long)s->fault.vector,
			    (unsigned long long)s->fault.level,
			    (unsigned long long)s->fault.vcpu, e->nr_vcpus);
	}
	/* A guest stopped mid-loop (watchdog) leaves its counters between
	 * updates: they only have to agree once it said it was done. */
	if (!complete)
		return 0;
	for (uint32_t b = 0; b < HIST_BUCKETS; b++)
		hist_n += s->hist[b];
	if (hist_n != s->moments.n)
		BAD("the histogram holds %llu samples but the moments count %llu",
		    (unsigned long long)hist_n, (unsigned long long)s->moments.n);
	if (s->moments.n != s->iterations)
		BAD("the moments count %llu samples but iterations says %llu",
		    (unsigned long long)s->moments.n, (unsigned long long)s->iterations);
	if (s->nsamples > s->moments.n)
		BAD("%u stored samples of only %llu taken", s->nsamples,
		    (unsigned long long)s->moments.n);
	if (s->moments.n && s->moments.min > s->moments.max)
		BAD("sample minimum %llu above the maximum %llu",
		    (unsigned long long)s->moments.min, (unsigned long long)s->moments.max);
	return 0;
}

int guest_check_rep(const struct hv_shared *s, const struct guest_expect *e,
		    char *why, size_t len)
{
	if (s->rep_iters > e->max_iters)
		BAD("a repetition of %llu samples, more than max_iters (%llu)",
		    (unsigned long long)s->rep_iters, (unsigned long long)e->max_iters);
	return 0;
}
