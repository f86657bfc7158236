/* aarch64 guest bodies of the exit-cost family: one operation each, timed by
 * the loop in hv-core/guest/common/bench.c. Parameters come from the shared
 * page. MMIO accesses are single ldr/str with a base register only, so the
 * data abort has a valid syndrome (ISV) that KVM can hand to the VMM. */
#include <stdint.h>
#include "guest.h"
#include "arm64.h"

#define P(n) (SHARED->param[n])

static void op_empty(uint64_t i)
{
	asm volatile("" ::: "memory");
}

/* The virtual counter: no exit, KVM does not trap CNTVCT_EL0. */
static void op_counter_read(uint64_t i)
{
	uint64_t v;

	asm volatile("mrs %0, cntvct_el0" : "=r"(v)::"memory");
}

/* HVC #0 with PSCI_VERSION (SMCCC fast call): KVM answers it at EL2/in the
 * host kernel, one exit and no trip to user space. EL1 only (HVC is
 * undefined at EL0). */
static void op_hypercall(uint64_t i)
{
	register uint64_t x0 asm("x0") = PSCI_0_2_FN_PSCI_VERSION;

	asm volatile("hvc #0"
		     : "+r"(x0)
		     :
		     : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9",
		       "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
		       "memory");
}

static void op_mmio_read(uint64_t i)
{
	uint32_t v;

	asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(P(0)) : "memory");
}

static void op_mmio_write(uint64_t i)
{
	asm volatile("str %w0, [%1]" ::"r"((uint32_t)i), "r"(P(0)) : "memory");
}

/* OSLSR_EL1: KVM traps the OS-lock debug registers (MDCR_EL2.TDOSA) and
 * emulates the read in the kernel. */
static void op_sysreg_trap(uint64_t i)
{
	uint64_t v;

	asm volatile("mrs %0, oslsr_el1" : "=r"(v)::"memory");
}

/* Touch a fresh page: one stage-2 fault per page. */
static void op_pf_touch(uint64_t i)
{
	*(volatile uint64_t *)(P(0) + i * 4096) = i;
}

static void op_fault(uint64_t i)
{
	/* Beyond the 4 GiB that TTBR0 covers: a level-0 translation fault. */
	(void)*(volatile uint64_t *)0x100000000000ull;
}

static void op_spin(uint64_t i)
{
	for (uint64_t k = P(0); k; k--)
		asm volatile("" ::: "memory");
}

static const struct gbody bodies[HV_BODY_COUNT] = {
	[HV_BODY_EMPTY] = { .op = op_empty },
	[HV_BODY_COUNTER_READ] = { .op = op_counter_read },
	[HV_BODY_HYPERCALL] = { .op = op_hypercall },
	[HV_BODY_MMIO_READ] = { .op = op_mmio_read },
	[HV_BODY_MMIO_WRITE] = { .op = op_mmio_write },
	[HV_BODY_SYSREG_TRAP] = { .op = op_sysreg_trap },
	[HV_BODY_PF_TOUCH] = { .op = op_pf_touch },
	[HV_BODY_FAULT_TEST] = { .op = op_fault },
	[HV_BODY_SPIN] = { .op = op_spin },
};

const struct gbody *gbody_get(uint32_t id)
{
	if (id >= HV_BODY_COUNT || !bodies[id].op)
		return 0;
	return &bodies[id];
}
