/* aarch64 guest runtime: exception reporting, the drop to EL0 and the entry
 * of secondary vCPUs. start.S set up the MMU, the vectors and the counter. */
#include <stdint.h>
#include "guest.h"
#include "arm64.h"

/* The runtime keeps no writable globals (the image is mapped read-only, see
 * layout.h); the IRQ hook lives in the shared page's scratch instead. */
void guest_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t elr,
		     uint64_t spsr);
void guest_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t elr,
		     uint64_t spsr)
{
	struct hv_shared *s = SHARED;

	s->fault.vector = kind == EXC_SYNC ? esr >> 26 :
			  kind == EXC_SERROR ? 0x2f : 0x100 + (kind - 1);
	s->fault.error_code = esr;
	s->fault.ip = elr;
	s->fault.addr = far;
	s->fault.level = (spsr >> 2) & 3;
	s->fault.vcpu = read_sysreg(tpidr_el1);
	s->status = HV_GS_FAULT;
	ucall(HV_UCALL_FAULT);
	garch_halt_forever();
}

void guest_main(uint64_t vcpu);
void guest_main(uint64_t vcpu)
{
	guest_run((uint32_t)vcpu);
}
