/* aarch64 guest runtime: exception reporting, the drop to EL0 and the entry
 * of secondary vCPUs. start.S set up the MMU, the vectors and the counter. */
#include <stdint.h>
#include "guest.h"
#include "arm64.h"
#include "gic.h"

/* The runtime keeps no writable globals (the image is mapped read-only, see
 * layout.h): what interrupts change lives in the shared page. */
static void __attribute__((noreturn)) report(uint64_t vector, uint64_t esr,
					     uint64_t far, uint64_t elr,
					     uint64_t spsr)
{
	struct hv_shared *s = SHARED;

	s->fault.vector = vector;
	s->fault.error_code = esr;
	s->fault.ip = elr;
	s->fault.addr = far;
	s->fault.level = (spsr >> 2) & 3;
	s->fault.vcpu = read_sysreg(tpidr_el1);
	s->status = HV_GS_FAULT;
	ucall(HV_UCALL_FAULT);
	garch_halt_forever();
}

/* Only bodies that unmask interrupts get here (start.S irq_common): the
 * handler registered for the INTID (GUEST_IRQ) runs after its EOI; an
 * INTID without one is a fault report (vector "IRQ", the INTID in the
 * error code), never a silent drop. */
void guest_irq(void);
void guest_irq(void)
{
	uint64_t iar = gic_read(ICC_IAR1_EL1);
	uint32_t intid = (uint32_t)(iar & 0xffffff);

	if (intid >= GIC_INTID_SPURIOUS)
		return;
	gic_write(ICC_EOIR1_EL1, iar);
	for (const struct girq *h = __start_girq; h < __stop_girq; h++) {
		if (h->irq == intid) {
			h->fn(intid);
			return;
		}
	}
	report(0x100, intid, 0, read_sysreg(elr_el1), read_sysreg(spsr_el1));
}

void guest_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t elr,
		     uint64_t spsr);
void guest_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t elr,
		     uint64_t spsr)
{
	report(kind == EXC_SYNC ? esr >> 26 :
	       kind == EXC_SERROR ? 0x2f : 0x100 + (kind - 1),
	       esr, far, elr, spsr);
}

/* The runtime's timer: the EL1 virtual timer (CNTV_*, PPI 27, KVM's
 * default INTID for it) through the vGICv3, re-armed from each tick: the
 * generic timer has no periodic mode. A tick counts only when the timer
 * condition holds (CNTV_CTL.ISTATUS): the level-triggered PPI may be taken
 * once more after the EOI, before the re-arm lowers it. */
#define TIMER_PPI 27

static void timer_tick(uint32_t intid)
{
	struct hv_shared *s = SHARED;

	(void)intid;
	if (!(read_sysreg(cntv_ctl_el0) & 4) || !s->timer_hz)
		return;
	write_sysreg(cntv_tval_el0, read_sysreg(cntfrq_el0) / s->timer_hz);
	asm volatile("isb" ::: "memory");
	s->timer_ticks++;
}

GUEST_IRQ(TIMER_PPI, timer_tick);

int garch_timer_start(uint32_t hz)
{
	uint64_t frq = read_sysreg(cntfrq_el0);

	if (!hz)
		return 0;
	if (frq < hz)
		return -1;
	gic_dist_enable();
	gic_cpu_init(0, 1u << TIMER_PPI);
	write_sysreg(cntv_tval_el0, frq / hz);
	write_sysreg(cntv_ctl_el0, 1);		/* enabled, not masked */
	asm volatile("isb; msr daifclr, #2" ::: "memory");	/* IRQs in at EL1 */
	return 0;
}

void guest_main(uint64_t vcpu);
void guest_main(uint64_t vcpu)
{
	guest_run((uint32_t)vcpu);
}
