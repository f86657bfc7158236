/* x86-64 parts of the guest runtime: TSC probes, the port call channel, CPU
 * helpers. Inline so that the probe pair costs what it must and no more. */
#ifndef HV_GUEST_X86_GARCH_H
#define HV_GUEST_X86_GARCH_H

#include <stdint.h>
#include "hv-core/abi.h"

/* Start of a timed region: lfence keeps earlier work out of it. */
static inline uint64_t garch_probe_begin(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

/* End: the first lfence waits for the timed work, the second keeps later
 * work out. (Not rdtscp: PVM's CPL0 emulator cannot emulate it.) */
static inline uint64_t garch_probe_end(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t garch_counter(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void garch_ucall(uint32_t nr)
{
	asm volatile("outl %0, %w1" ::"a"(nr), "Nd"(HV_UCALL_PORT) : "memory");
}

static inline void garch_relax(void)
{
	asm volatile("pause" ::: "memory");
}

/* arm64's WFE wait has no x86 counterpart (the row refuses wait=wfe here):
 * a relax, so the arch-neutral body builds. */
static inline void garch_wait_step(uint32_t *w, uint32_t old)
{
	(void)w;
	(void)old;
	asm volatile("pause" ::: "memory");
}

static inline __attribute__((noreturn)) void garch_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#endif
