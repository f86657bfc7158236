/* "I/O latency in" (Dall et al.), the guest's portable half: one round is
 * the doorbell (an ioeventfd write: "ready for the next interrupt"), then
 * a wait with interrupts open until the handler has seen this round's
 * interrupt; the handler stamps the counter first thing. The sample is the
 * handler's stamp less the host's (written before it signalled, on this
 * counter's timeline). The arch files program the interrupt controller,
 * register the handler and say how to wait (x86 sti; hlt, arm64 wfi). */
#ifndef MICROBENCH_DEVICES_GUEST_IOLAT_IN_H
#define MICROBENCH_DEVICES_GUEST_IOLAT_IN_H

#include <stdint.h>
#include "guest.h"
#include "microbench/devices/iolat_abi.h"

#define IOLAT_IN_S(n) (((volatile uint64_t *)SHARED->scratch)[n])

/* The registered handler (the runtime has sent the EOI): stamp, then say
 * which signal this was. */
static inline void iolat_in_seen(void)
{
	uint64_t tg = garch_probe_begin();

	IOLAT_IN_S(IOLAT_IN_S_TG) = tg;
	IOLAT_IN_S(IOLAT_IN_S_GOT) = __atomic_load_n(&IOLAT_IN_S(IOLAT_IN_S_SENT), __ATOMIC_ACQUIRE);
	IOLAT_IN_S(IOLAT_IN_S_IRQS)++;
}

/* One round; wait_once sleeps until an interrupt has been taken (or one
 * is pending), interrupts masked around it. The host answers every
 * doorbell once, so a round that sees no interrupt within the page's
 * timeout gives up (a wait that never returns is the stall watchdog's). */
static inline uint64_t iolat_in_round(void (*wait_once)(void))
{
	uint64_t seq = IOLAT_IN_S(IOLAT_IN_S_SEQ) + 1, t0 = garch_counter();
	uint64_t limit = SHARED->param[IOLAT_P_TIMEOUT], th, tg;

	IOLAT_IN_S(IOLAT_IN_S_SEQ) = seq;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*(volatile uint32_t *)(uintptr_t)IOLAT_IN_READY_GPA = (uint32_t)seq;
	while (__atomic_load_n(&IOLAT_IN_S(IOLAT_IN_S_GOT), __ATOMIC_ACQUIRE) != seq) {
		if (garch_counter() - t0 > limit)
			guest_abort(IOLAT_ABORT_TIMEOUT);
		if (SHARED->stop)
			return 0;
		wait_once();
	}
	th = IOLAT_IN_S(IOLAT_IN_S_TH);
	tg = IOLAT_IN_S(IOLAT_IN_S_TG);
	/* Before the host's stamp by this clock: the host counts it as a
	 * miss; the sample is 0, never a wrapped giant. */
	return (int64_t)(tg - th) > 0 ? tg - th : 0;
}

static inline int iolat_in_check(void)
{
	return SHARED->param[IOLAT_P_TIMEOUT] ? 0 : IOLAT_ABORT_PARAM;
}

#endif
