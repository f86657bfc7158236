/* io_latency_in, x86 (CPL0 only: the host refuses CPL3): the in-kernel
 * IOAPIC's pin IOLAT_IN_GSI sends IOLAT_IN_VECTOR, edge, to APIC 0 (this
 * vCPU, x2APIC); the irqfd raises the pin. The wait is sti; hlt, so the
 * vCPU sleeps in KVM until the interrupt (the idle driver's case). */
#include <stdint.h>
#include "guest.h"
#include "x86.h"
#include "microbench/devices/guest/iolat_in.h"

#define IOAPIC_GPA 0xfec00000ull
#define IOAPIC_REDTBL(pin) (0x10 + 2 * (pin))

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)IOAPIC_GPA = reg;
	*(volatile uint32_t *)(uintptr_t)(IOAPIC_GPA + 0x10) = v;
}

static int iolat_in_init(void)
{
	int r = iolat_in_check();

	if (r)
		return r;
	x2apic_enable();
	/* Destination APIC ID 0, physical; then fixed delivery, active
	 * high, edge, unmasked (bit 16 clear). */
	ioapic_write(IOAPIC_REDTBL(IOLAT_IN_GSI) + 1, 0);
	ioapic_write(IOAPIC_REDTBL(IOLAT_IN_GSI), IOLAT_IN_VECTOR);
	/* The host pins this vCPU and starts its device thread now. */
	ucall(HV_UCALL_PROBE);
	return 0;
}

static void iolat_in_irq(uint32_t vector)
{
	iolat_in_seen();
}
GUEST_IRQ(IOLAT_IN_VECTOR, iolat_in_irq);

static void iolat_in_wait(void)
{
	asm volatile("sti; hlt; cli" ::: "memory");
}

static uint64_t iolat_in_timed(uint64_t i)
{
	return iolat_in_round(iolat_in_wait);
}

GUEST_BODY(io_latency_in, .init = iolat_in_init, .timed = iolat_in_timed);
