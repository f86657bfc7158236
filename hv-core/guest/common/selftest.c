/* Bodies of the runtime's own checks, not of a benchmark family: the fault
 * `hvbench selftest` and the tests expect to be reported, and the spin loop
 * of the CPL0 slowdown probe (hvbench/measure.c). */
#include <stdint.h>
#include "guest.h"

/* 16 TiB: far beyond what every arch's guest page tables map (x86 its RAM,
 * arm64's stage 1 spans 512 GiB): x86 #PF with CR2 set, arm64 a
 * translation fault with FAR set. */
static void op_fault(uint64_t i)
{
	(void)*(volatile uint64_t *)0x100000000000ull;
}

/* A loop that costs the same everywhere, except where guest kernel code is
 * emulated (PVM at CPL0): param[0] turns per op. */
static void op_spin(uint64_t i)
{
	for (uint64_t k = SHARED->param[0]; k; k--)
		asm volatile("" ::: "memory");
}

GUEST_BODY(fault_test, .op = op_fault);
GUEST_BODY(spin, .op = op_spin, .native = 1);
