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
	uint64_t user_msr_exits;
};


#endif
