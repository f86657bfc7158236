/* aarch64 guest bodies of the exit-cost family: one operation each, timed by
 * the loop in hv-core/guest/common/bench.c, registered by name (GUEST_BODY)
 * for the rows of microbench/exitcost*.c. Parameters come from the shared
 * page. MMIO accesses are single ldr/str with a base register only, so the
 * data abort has a valid syndrome (ISV) that KVM can hand to the VMM. */
#include <stdint.h>
#include "guest.h"
#include "arm64.h"
#include "gic.h"
#include "microbench/guest/ipi.h"

#define P(n) (SHARED->param[n])

/* The SGIs this family raises. */
#define GIC_SGI_IPI 1		/* ipi: vCPU 0 -> vCPU 1 */
#define GIC_SGI_SELF 2		/* virq_eoi: a vCPU to itself, SGIs 2.. */
#define GIC_SELF_MAX 4		/* ... up to 5: 4 list registers, the usual number */

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

/* ipi: vCPU 0 raises SGI 1 on vCPU 1 (a trapped ICC_SGI1R_EL1 write) and
 * spins until vCPU 1's handler has acknowledged it: one round trip, the
 * same shape as x86's. */
static int ipi_init(void)
{
	gic_dist_enable();
	gic_cpu_init(0, 0);
	guest_wait_secondary(1);
	return 0;
}

static void ipi_send(void)
{
	gic_send_sgi(GIC_SGI_IPI, 1);
}

static void op_ipi(uint64_t i)
{
	guest_ipi_round_trip(1, ipi_send);
}

/* vCPU 1's handler (the runtime acknowledged and completed the SGI): answer. */
static void ipi_ack(uint32_t intid)
{
	guest_ipi_count(read_sysreg(tpidr_el1));
}
GUEST_IRQ(GIC_SGI_IPI, ipi_ack);

/* vCPU 1 waits in WFI with interrupts masked (WFI still wakes on a pending
 * one), then opens the window so that ipi_ack runs. */
static void ipi_responder(uint32_t vcpu)
{
	gic_cpu_init(vcpu, 1u << GIC_SGI_IPI);
	SHARED->secondary_ready[vcpu] = 1;
	while (!SHARED->stop)
		asm volatile("wfi; msr daifclr, #2; isb; msr daifset, #2"
			     ::: "memory");
}

/* virq_eoi: completing virtual interrupts, `batch` of them per sample
 * (distinct SGIs, at most GIC_SELF_MAX so that all sit in the list
 * registers at once). Untimed: the SGIs to ourselves (one trapped write
 * each) and a wait, interrupts masked, until the virtual CPU interface
 * shows one pending. Timed: acknowledge (ICC_IAR1_EL1) and complete
 * (ICC_EOIR1_EL1) each, which a GICv3 with virtualization does without an
 * exit. So exits per operation = 1 (its SGI); more means the completion
 * trapped or the list registers had to be refilled. */
static int virq_init(void)
{
	gic_dist_enable();
	gic_cpu_init(0, ((1u << GIC_SELF_MAX) - 1) << GIC_SGI_SELF);
	return 0;
}

static int is_self_sgi(uint64_t iar)
{
	uint64_t id = iar & 0xffffff;

	return id >= GIC_SGI_SELF && id < GIC_SGI_SELF + GIC_SELF_MAX;
}

static uint64_t virq_eoi_timed(uint64_t i)
{
	uint32_t n = SHARED->batch, ok = 0;
	uint64_t t0, t1, iar[GIC_SELF_MAX], spins = 0;

	if (n < 1 || n > GIC_SELF_MAX)
		guest_abort(HV_ABORT_NO_IRQ);
	for (uint32_t k = 0; k < n; k++)
		gic_send_sgi(GIC_SGI_SELF + k, 0);
	while (!is_self_sgi(gic_read(ICC_HPPIR1_EL1))) {
		if (SHARED->stop)
			return 0;
		if (++spins > 10000000)
			guest_abort(HV_ABORT_NO_IRQ);
	}
	t0 = garch_probe_begin();
	for (uint32_t k = 0; k < n; k++) {
		iar[k] = gic_read(ICC_IAR1_EL1);
		gic_write(ICC_EOIR1_EL1, iar[k]);
	}
	t1 = garch_probe_end();
	for (uint32_t k = 0; k < n; k++)
		ok += is_self_sgi(iar[k]);
	if (ok != n)
		guest_abort(HV_ABORT_NO_IRQ);
	return t1 - t0;
}

/* pmu_read: the PMUv3 cycle counter as a guest sees it. The counter is
 * enabled once (PMCR_EL0.E, PMCNTENSET_EL0.C); without a vCPU PMU these
 * accesses are undefined and the fault says so. */
static int pmu_init(void)
{
	write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | 1);
	write_sysreg(pmcntenset_el0, 1ull << 31);
	asm volatile("isb" ::: "memory");
	return 0;
}

static void op_pmu_read(uint64_t i)
{
	uint64_t v;

	asm volatile("mrs %0, pmccntr_el0" : "=r"(v)::"memory");
}

GUEST_BODY(counter_read, .op = op_counter_read);
GUEST_BODY(hypercall, .op = op_hypercall);
GUEST_BODY(mmio_read, .op = op_mmio_read);
GUEST_BODY(mmio_write, .op = op_mmio_write);
GUEST_BODY(sysreg_trap, .op = op_sysreg_trap);
GUEST_BODY(ipi, .init = ipi_init, .op = op_ipi, .secondary = ipi_responder);
GUEST_BODY(virq_eoi, .init = virq_init, .timed = virq_eoi_timed);
GUEST_BODY(pmu_read, .init = pmu_init, .op = op_pmu_read);
