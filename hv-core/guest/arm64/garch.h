/* aarch64 parts of the guest runtime: CNTVCT probes, the MMIO call channel,
 * CPU helpers. Inline so that the probe pair costs what it must and no more. */
#ifndef HV_GUEST_ARM64_GARCH_H
#define HV_GUEST_ARM64_GARCH_H

#include <stdint.h>
#include "hv-core/abi.h"

/* isb before: earlier work has retired; isb after: later work waits. */
static inline uint64_t garch_probe_begin(void)
{
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0; isb" : "=r"(v)::"memory");
	return v;
}

static inline uint64_t garch_probe_end(void)
{
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0; isb" : "=r"(v)::"memory");
	return v;
}

static inline uint64_t garch_counter(void)
{
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
}

/* A plain 32-bit store (ESR ISV set: KVM decodes it for the VMM). */
static inline void garch_ucall(uint32_t nr)
{
	asm volatile("str %w0, [%1]" ::"r"(nr), "r"(HV_UCALL_MMIO) : "memory");
}

static inline void garch_relax(void)
{
	asm volatile("yield" ::: "memory");
}

/* One wait for *w to change from @old, as Linux's arm64 spin-waits do:
 * the load-exclusive arms the monitor, and WFE sleeps until a write to the
 * line clears it (or any event, an exception return included). The caller
 * re-reads. KVM traps WFE while the vCPU's CPU has other work. */
static inline void garch_wait_step(uint32_t *w, uint32_t old)
{
	uint32_t v;

	asm volatile("ldaxr %w0, [%1]\n\t"
		     "cmp %w0, %w2\n\t"
		     "b.ne 1f\n\t"
		     "wfe\n"
		     "1:"
		     : "=&r"(v) : "r"(w), "r"(old) : "memory", "cc");
}

static inline __attribute__((noreturn)) void garch_halt_forever(void)
{
	for (;;)
		asm volatile("wfi" ::: "memory");
}

#endif
