/* The exit-cost bodies whose C is the same on every arch: the exit (or
 * fault) they cause comes from the address or the level, not the code. */
#include <stdint.h>
#include "guest.h"
#include "microbench/guest/common.h"

#define P(n) (SHARED->param[n])

void gbody_op_empty(uint64_t i)
{
	asm volatile("" ::: "memory");
}

/* Touch a fresh page: one EPT/NPT/stage-2 or shadow fault per page. */
void gbody_op_pf_touch(uint64_t i)
{
	*(volatile uint64_t *)(P(0) + i * 4096) = i;
}

/* Far beyond the 4 GiB every arch's guest page tables map: x86 #PF with
 * CR2 set, arm64 a translation fault with FAR set. */
void gbody_op_fault(uint64_t i)
{
	(void)*(volatile uint64_t *)0x100000000000ull;
}

/* A loop that costs the same everywhere, except where guest kernel code is
 * emulated (PVM at CPL0): the CPL0 slowdown probe. */
void gbody_op_spin(uint64_t i)
{
	for (uint64_t k = P(0); k; k--)
		asm volatile("" ::: "memory");
}
