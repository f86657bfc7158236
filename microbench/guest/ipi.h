/* The ipi body's portable half, the same on every arch (its x86 and arm64
 * files send the interrupt and register the handler that answers it). */
#ifndef MICROBENCH_GUEST_IPI_H
#define MICROBENCH_GUEST_IPI_H

#include <stdint.h>
#include "guest.h"

/* Wait until vCPU `vcpu` listens. */
static inline void guest_wait_secondary(uint32_t vcpu)
{
	while (!SHARED->secondary_ready[vcpu] && !SHARED->stop)
		garch_relax();
}

/* One round trip: send, then spin until vCPU `vcpu`'s handler has counted
 * the interrupt. `send` is the arch's one instruction; inlined. */
static inline void guest_ipi_round_trip(uint32_t vcpu, void (*send)(void))
{
	struct hv_shared *s = SHARED;
	uint64_t before = s->ipi_ack[vcpu];

	send();
	while (s->ipi_ack[vcpu] == before && !s->stop)
		garch_relax();
}

/* The responder's handler: count one interrupt for this vCPU. */
static inline void guest_ipi_count(uint64_t vcpu)
{
	if (vcpu < HV_MAX_VCPUS)
		SHARED->ipi_ack[vcpu]++;
}

#endif
