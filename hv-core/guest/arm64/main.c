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

static void user_main(void)
{
	bench_main();
	for (;;)
		ucall(HV_UCALL_DONE);
}

/* Drop to EL0 on this vCPU's user stack: the VMM sets PC, SP_EL0 and PSTATE
 * (the same protocol as x86's move to CPL3). */
static void __attribute__((noreturn)) enter_user(uint32_t vcpu)
{
	SHARED->user_entry = (uint64_t)user_main;
	SHARED->user_stack = HV_STACKS_GPA + (2 * (uint64_t)vcpu + 2) * HV_STACK_SIZE;
	ucall(HV_UCALL_ENTER_USER);
	garch_halt_forever();
}

void guest_main(uint64_t vcpu);
void guest_main(uint64_t vcpu)
{
	struct hv_shared *s = SHARED;

	if (vcpu != 0) {
		secondary_main((uint32_t)vcpu);
		garch_halt_forever();
	}
	if (s->magic != HV_ABI_MAGIC || s->abi_version != HV_ABI_VERSION) {
		s->abort_code = GUEST_ABORT_ABI;
		s->status = HV_GS_ABORT;
		ucall(HV_UCALL_ABORT);
		garch_halt_forever();
	}
	ucall(HV_UCALL_READY);
	if (s->cpl == 3)
		enter_user(0);
	bench_main();
	ucall(HV_UCALL_DONE);
	garch_halt_forever();
}
