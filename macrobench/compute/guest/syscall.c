/* syscall workload: a buffer walked in chunks, a user/kernel round trip
 * after each (as a program that write()s every few bytes would): the
 * chunk's words are summed at user level, then `syscall`. In the guest
 * the runtime's handler returns at once (sysretq, hv-core/guest/x86/
 * start.S), natively Linux serves getpid: the same instructions in the
 * body, a kernel's entry and exit either way. Checked against the host's
 * weighted sum of the buffer. x86 only: the arm64 runtime has no EL0 to
 * EL1 call path (an SVC from EL0 is reported as a fault), so neither image
 * nor target registers it there. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"

#if defined(__x86_64__)

#define MC_SYS_GETPID 39	/* Linux x86-64; the guest's handler ignores it */

static int sys_init(void)
{
	uint64_t n = MC(MC_P_N), chunk = MC(MC_P_AUX2);

	if (n < 8 || n > MC_SYS_MAX || n > MC(MC_P_SIZE) || chunk < 8 || chunk > n ||
	    (n | chunk) & 7)
		return MC_ABORT_PARAM;
	return 0;
}

static void op_sys(uint64_t it)
{
	uint64_t n = MC(MC_P_N) / 8, chunk = MC(MC_P_AUX2) / 8, w = 0;
	const uint64_t *p = (const uint64_t *)MC(MC_P_BASE);

	for (uint64_t i = 0, t = 0; i < n; i += chunk, t++) {
		uint64_t e = i + chunk < n ? i + chunk : n, nr = MC_SYS_GETPID;

		for (uint64_t k = i; k < e; k++)
			w = mc_weigh(w, k, p[k]);
		asm volatile("syscall" : "+a"(nr) : : "rcx", "r11", "memory");
		/* A round trip may be slow where CPL0 is emulated. */
		if (!(t & 255))
			mc_alive();
	}
	if (w != MC(MC_P_REF0))
		guest_abort(MC_ABORT_WRONG);
}

GUEST_BODY(mc_syscall, .init = sys_init, .op = op_sys, .native = 1);

#endif
