/* Checks of what the guest wrote into the shared page, against the limits
 * the host set (hvbench/guestcheck.c). */
#ifndef HVBENCH_GUESTCHECK_H
#define HVBENCH_GUESTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv-core/abi.h"

/* What the host asked for, in samples (operations / batch). */
struct guest_expect {
	uint64_t max_iters, warmup_iters, calib_iters;
	uint32_t repetitions, nr_vcpus;
};

/* After the run: 0, or -EPROTO with why ("nsamples ... is more than ...").
 * Bounds are always checked; that the counts agree with each other only
 * when @complete (the guest said DONE). */
int guest_check_shared(const struct hv_shared *s, const struct guest_expect *e,
		       bool complete, char *why, size_t len);
/* At each repetition's end, before its figures are read. */
int guest_check_rep(const struct hv_shared *s, const struct guest_expect *e,
		    char *why, size_t len);

#endif
