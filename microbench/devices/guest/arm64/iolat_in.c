/* io_latency_in, arm64 (EL1 only: the host refuses EL0): SPI
 * IOLAT_IN_INTID in group 1, edge-triggered (the irqfd raises and drops
 * the line at once: a level SPI would be gone before the vCPU looks),
 * routed to vCPU 0 (IROUTER's reset value, affinity 0). The wait is WFI
 * with IRQs masked (it wakes on a pending one), then the window opens. */
#include <stdint.h>
#include "guest.h"
#include "arm64.h"
#include "gic.h"
#include "microbench/devices/guest/iolat_in.h"

#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICFGR 0xc00

static int iolat_in_init(void)
{
	uint32_t n = IOLAT_IN_INTID;
	int r = iolat_in_check();

	if (r)
		return r;
	gic_dist_enable();
	gic_cpu_init(0, 0);
	gic_mmio_write(A64_GICD_GPA + GICD_IGROUPR + 4 * (n / 32), 1u << (n % 32));
	gic_mmio_write(A64_GICD_GPA + GICD_ICFGR + 4 * (n / 16), 2u << (2 * (n % 16)));
	gic_mmio_write(A64_GICD_GPA + GICD_ISENABLER + 4 * (n / 32), 1u << (n % 32));
	/* The host pins this vCPU, reads the counter offset and starts its
	 * device thread now. */
	ucall(HV_UCALL_PROBE);
	return 0;
}

static void iolat_in_irq(uint32_t intid)
{
	iolat_in_seen();
}
GUEST_IRQ(IOLAT_IN_INTID, iolat_in_irq);

static void iolat_in_wait(void)
{
	asm volatile("wfi; msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
}

static uint64_t iolat_in_timed(uint64_t i)
{
	return iolat_in_round(iolat_in_wait);
}

GUEST_BODY(io_latency_in, .init = iolat_in_init, .timed = iolat_in_timed);
