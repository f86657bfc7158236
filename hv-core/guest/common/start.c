/* The portable part of every vCPU's start: after the arch code has set up
 * its tables, check the ABI, report ready, and run the body at the requested
 * privilege level (the VMM moves the vCPU to CPL3/EL0 on request). */
#include <stdint.h>
#include "guest.h"

/* Where every vCPU resumes at CPL3/EL0: the VMM passes its id as the first
 * argument and gives it its own user stack (HV_USTACK_TOP). A secondary
 * cannot halt there: it parks, and the VMM ends its thread. */
static void user_main(uint32_t vcpu)
{
	if (vcpu != 0) {
		secondary_main(vcpu);
		for (;;)
			ucall(HV_UCALL_PARK);
	}
	bench_main();
	for (;;)
		ucall(HV_UCALL_DONE);
}

/* One register write by the VMM instead of an iretq/eret, which hosts that
 * emulate CPL0 (PVM) would emulate instruction by instruction. Every vCPU
 * writes the same entry. */
static void __attribute__((noreturn)) enter_user(void)
{
	SHARED->user_entry = (uint64_t)user_main;
	ucall(HV_UCALL_ENTER_USER);
	garch_halt_forever();
}

void guest_run(uint32_t vcpu)
{
	struct hv_shared *s = SHARED;

	if (vcpu != 0) {
		if (secondary_at_user())
			enter_user();
		secondary_main(vcpu);
		garch_halt_forever();
	}
	if (s->magic != HV_ABI_MAGIC || s->abi_version != HV_ABI_VERSION) {
		s->abort_code = HV_ABORT_ABI;
		s->status = HV_GS_ABORT;
		ucall(HV_UCALL_ABORT);
		garch_halt_forever();
	}
	/* The timer is armed at CPL0/EL1, before the body and its level. */
	if (s->timer_hz && garch_timer_start(s->timer_hz) < 0)
		guest_abort(HV_ABORT_NO_TIMER);
	ucall(HV_UCALL_READY);
	if (s->cpl == 3)
		enter_user();
	bench_main();
	ucall(HV_UCALL_DONE);
	garch_halt_forever();
}
