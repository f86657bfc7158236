/* x86 backend internals shared by its files. */
#ifndef HV_ARCH_X86_X86_H
#define HV_ARCH_X86_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hv-core/arch.h"

#define X86_PTE_P (1ull << 0)
#define X86_PTE_RW (1ull << 1)
#define X86_PTE_US (1ull << 2)
#define X86_PTE_PS (1ull << 7)

struct x86_vm {
	arch_msr_fn msr_fn;
	void *msr_opaque;
};

/* x86's own exit counters (hv-core/exit.h, from HV_EXIT_ARCH_BASE): why an
 * MSR access came to user space (kvm_run's msr.reason). */
enum x86_exit_stat {
	X86_EXIT_MSR_FILTER,	/* the MSR filter denied it: ours to answer */
	X86_EXIT_MSR_UNKNOWN,	/* KVM does not know the MSR */
	X86_EXIT_MSR_INVAL,	/* KVM refused the value */
	X86_EXIT_NR
};


#endif
