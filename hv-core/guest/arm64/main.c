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

/* No generic-timer code in this runtime yet: a body that asks for the
 * timer aborts with HV_ABORT_NO_TIMER (the rows that do are x86's). */
int garch_timer_start(uint32_t hz)
{
	return hz ? -1 : 0;
}

void guest_main(uint64_t vcpu);
void guest_main(uint64_t vcpu)
{
	guest_run((uint32_t)vcpu);
}
