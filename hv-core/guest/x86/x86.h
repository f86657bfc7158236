/* x86 definitions the guest runtime and the x86 bodies share: selectors
 * (the VMM's GDT layout), MSRs, privileged helpers. */
#ifndef HV_GUEST_X86_H
#define HV_GUEST_X86_H

#include <stdint.h>
#include "hv-core/arch/x86/layout.h"

#define RFLAGS_IF (1ull << 9)
#define RFLAGS_IOPL3 (3ull << 12)

#define MSR_APIC_BASE 0x1b
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define X2APIC_TPR 0x808
#define X2APIC_EOI 0x80b
#define X2APIC_SVR 0x80f
#define X2APIC_ICR 0x830
#define X2APIC_SELF_IPI 0x83f
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_TIMER_INIT 0x838
#define X2APIC_TIMER_DIV 0x83e


static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v),
		     "d"((uint32_t)(v >> 32))
		     : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* The local APIC in x2APIC mode (the only mode the runtime uses: its EOI
 * for GUEST_IRQ handlers is the x2APIC's), software-enabled, TPR 0. */
static inline void x2apic_enable(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 10) | (1u << 11));
	wrmsr(X2APIC_SVR, 0x100 | 0xff);
	wrmsr(X2APIC_TPR, 0);
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

#endif
