/* "I/O latency out" (Dall et al.), the guest's side: stamp the TSC, kick
 * (a write the ioeventfd completes in KVM), wait until the host's device
 * thread answers with its own TSC stamp of when it saw the kick. Returns
 * the host's stamp less the guest's: one cost per kick, both clocks the
 * TSC, the host checks they are one timeline. Any level (rdtsc and the
 * MMIO write both work at CPL3). */
#include <stdint.h>
#include "guest.h"
#include "microbench/devices/iolat_abi.h"

#define S(n) (((volatile uint64_t *)SHARED->scratch)[n])

static int iolat_init(void)
{
	if (!SHARED->param[IOLAT_P_TIMEOUT])
		return IOLAT_ABORT_PARAM;
	/* The host pins this vCPU and starts its device thread now. */
	ucall(HV_UCALL_PROBE);
	return 0;
}

static uint64_t iolat_kick(uint64_t i)
{
	uint64_t seq = i + 1, t0, th, limit = SHARED->param[IOLAT_P_TIMEOUT];

	t0 = garch_probe_begin();
	S(IOLAT_S_T0) = t0;
	__atomic_store_n(&S(IOLAT_S_SEQ), seq, __ATOMIC_RELEASE);
	*(volatile uint32_t *)(uintptr_t)IOLAT_KICK_GPA = (uint32_t)seq;
	while (__atomic_load_n(&S(IOLAT_S_ACK), __ATOMIC_ACQUIRE) != seq) {
		if (garch_counter() - t0 > limit)
			guest_abort(IOLAT_ABORT_TIMEOUT);
		garch_relax();
	}
	th = S(IOLAT_S_TH);
	S(IOLAT_S_T2) = garch_probe_end();
	/* Before the kick by this clock: the host counts it as a bracket
	 * miss; the sample is 0, never a wrapped giant. */
	return (int64_t)(th - t0) > 0 ? th - t0 : 0;
}

GUEST_BODY(io_latency_out, .init = iolat_init, .timed = iolat_kick);
