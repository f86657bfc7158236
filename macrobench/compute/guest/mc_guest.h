/* What the compute family's bodies share in the guest and natively: the
 * input generator (the host's copy is in mc_input.h, the same arithmetic)
 * and the page's slots. Header-only: arm64's image is read-only, so no
 * state lives here. */
#ifndef MACROBENCH_COMPUTE_GUEST_MC_GUEST_H
#define MACROBENCH_COMPUTE_GUEST_MC_GUEST_H

#include <stdint.h>
#include "guest.h"
#include "macrobench/compute/mc_abi.h"
#include "macrobench/compute/mc_input.h"

#define MC(n) (SHARED->param[n])

/* One run can take a second where the host is slow: the stall watchdog
 * (HV_STALL_MS) must see it move. */
static inline void mc_alive(void)
{
	SHARED->heartbeat++;
}

/* In a loop over i: a sign of life every 64K turns (one test and branch). */
static inline void mc_alive_every(uint64_t i)
{
	if (!(i & 0xffff))
		mc_alive();
}

/* The n bytes at a and b are the same (a sign of life every 64 KiB). */
static inline int mc_same(const uint8_t *a, const uint8_t *b, uint64_t n, volatile uint64_t *heartbeat)
{
	for (uint64_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return 0;
		if (!(i & 0xffff))
			(*heartbeat)++;
	}
	return 1;
}

#endif
