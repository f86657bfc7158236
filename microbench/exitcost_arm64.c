/* The exit-cost rows that exist only on arm64 (same family, same columns as
 * microbench/exitcost.c; rows common to both archs live there). */
#include "hv-core/abi.h"
#include "microbench/mb.h"

#define ARM64 MB_ARCH_ARM64

static const struct mb_bench b_counter_read = {
	.name = "counter_read", .family = "exit-cost",
	.description = "read the virtual counter CNTVCT_EL0 (no exit: KVM does not trap it)",
	.archs = ARM64, .exit_kind = "none", .expected_exits = 0, .exit_stat = "exits_caused",
	.body = "counter_read", .cpls = MB_CPL_ANY,
	.batch = 64,	/* a read is far below one tick of a 25-100 MHz counter */
};
static const struct mb_bench b_sysreg_trap = {
	.name = "sysreg_trap", .family = "exit-cost",
	.description = "MRS of OSLSR_EL1, a debug register KVM traps (MDCR_EL2.TDOSA) and emulates in the kernel",
	.archs = ARM64, .exit_kind = "system register trap (kernel)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "sysreg_trap", .cpls = MB_CPL0,
	.fault_means_unsupported = "this host's KVM does not emulate OSLSR_EL1 for the guest (the MRS faulted)",
};

static const struct mb_bench b_virq_eoi = {
	.name = "virq_eoi", .family = "exit-cost",
	.description = "acknowledge and complete a virtual interrupt (ICC_IAR1_EL1 + ICC_EOIR1_EL1 on the vGICv3 CPU interface); the self-SGI that raises each is sent untimed, up to 4 pending at once (batch)",
	.archs = ARM64, .exit_kind = "none in the timed part (the untimed self-SGI exits once)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "virq_eoi", .cpls = MB_CPL0, .irqchip = true,
	.batch = 4, .max_batch = 4,	/* GIC_SELF_MAX: four list registers */
};

/* The "PMCCNTR where the vCPU has a PMU": KVM emulates the guest
 * PMU with host perf events and traps every PMU register access
 * (MDCR_EL2.TPM), so a PMCCNTR read is an exit, not a probe. This row shows
 * it on each host instead of timing the suite with it. */
static const struct mb_bench b_pmu_read = {
	.name = "pmu_read", .family = "exit-cost",
	.description = "read the PMUv3 cycle counter PMCCNTR_EL0; KVM traps guest PMU accesses (MDCR_EL2.TPM) on the kernels we know, so this costs an exit and is no timing probe",
	.archs = ARM64, .exit_kind = "PMU register trap (kernel, host-dependent)", .expected_exits = -1, .exit_stat = "exits_caused",
	.body = "pmu_read", .cpls = MB_CPL0,
	.fault_means_unsupported = "this vCPU has no PMUv3 (the host offers no KVM_CAP_ARM_PMU_V3, so PMCCNTR_EL0 is undefined)",
};

MB_REGISTER(b_counter_read);
MB_REGISTER(b_sysreg_trap);
MB_REGISTER(b_virq_eoi);
MB_REGISTER(b_pmu_read);
