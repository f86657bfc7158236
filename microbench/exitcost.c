/* The exit-cost family: one row per benchmark — what it does, where it runs,
 * the exit it provokes and how many per operation, and its host-side setup. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hv-core/arch.h"
#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"

#define MSR_IA32_TSC_ADJUST 0x3b

static void set_param(struct mb_setup_ctx *c, int i, uint64_t v)
{
	c->vm->shared->param[i] = v;
}

/* vmmcall where the host is SVM (AMD, Hygon), vmcall elsewhere. */
static bool svm_host(const struct hostinfo *hi)
{
	if (!hi)
		return false;
	if (!strcmp(hi->backend, "svm"))
		return true;
	if (!strcmp(hi->backend, "vmx"))
		return false;
	return !strcmp(hi->cpu_vendor, "AuthenticAMD") || !strcmp(hi->cpu_vendor, "HygonGenuine");
}

static int setup_hypercall(struct mb_setup_ctx *c)
{
	/* SVM decodes only vmmcall, VT-x only vmcall (the other one is #UD,
	 * which KVM would have to emulate): chosen at run time, one row.
	 * arm64's body ignores param 0 (HVC is the same everywhere). */
	set_param(c, 0, svm_host(c->host));
	return 0;
}

static int setup_pio_dummy(struct mb_setup_ctx *c)
{
	set_param(c, 0, HV_PIO_DUMMY);
	set_param(c, 1, 1);
	return hv_vm_add_pio(c->vm, HV_PIO_DUMMY, 4, dev_dummy_io, NULL,
			     c->err, c->errlen);
}

static int setup_pio_kernel(struct mb_setup_ctx *c)
{
	set_param(c, 0, HV_PIO_KERNEL);
	set_param(c, 1, 4);
	return hv_vm_add_ioeventfd(c->vm, HV_PIO_KERNEL, 4, true, c->err,
				   c->errlen);
}

static int setup_mmio_user(struct mb_setup_ctx *c)
{
	set_param(c, 0, HV_MMIO_USER);
	return hv_vm_add_mmio(c->vm, HV_MMIO_USER, 0x1000, dev_dummy_io, NULL,
			      c->err, c->errlen);
}

static int setup_mmio_kernel(struct mb_setup_ctx *c)
{
	set_param(c, 0, HV_MMIO_KERNEL);
	return hv_vm_add_ioeventfd(c->vm, HV_MMIO_KERNEL, 4, false, c->err,
				   c->errlen);
}

static int setup_msr_kernel(struct mb_setup_ctx *c)
{
	set_param(c, 0, MSR_IA32_TSC_ADJUST);
	return 0;
}

static int answer_msr(uint32_t index, int write, uint64_t *data, void *opaque)
{
	if (!write)
		*data = 0;
	return 0;
}

static int setup_msr_user(struct mb_setup_ctx *c)
{
	/* The same MSR as msr_kernel, so the two rows compare directly. */
	set_param(c, 0, MSR_IA32_TSC_ADJUST);
	return arch_user_msr(c->vm, MSR_IA32_TSC_ADJUST, answer_msr, NULL,
			     c->err, c->errlen);
}

static int setup_pf(struct mb_setup_ctx *c)
{
	uint64_t base = HV_SCRATCH_GPA;
	uint64_t pages = (hv_vm_ram_low(c->vm) - base) / 4096;
	struct mb_params *p = c->params;
	uint64_t batch = p->batch ? p->batch : 1;
	uint64_t per_rep = pages / p->repetitions;

	/* Every operation needs a page nobody touched: no warm-up, and all
	 * repetitions together fit in the scratch area (the guest rounds a
	 * repetition up to whole samples of `batch` pages). */
	p->warmup_iters = 0;
	per_rep -= per_rep % batch;
	if (p->max_iters > per_rep)
		p->max_iters = per_rep;
	set_param(c, 0, base);
	set_param(c, 1, pages);
	return 0;
}

/* CPUID always exits under VT-x and SVM. A PVM host runs guest user code
 * natively and sees a CPL3 CPUID only through CPUID faulting. */
static const char *cpuid_no_exit(const struct hostinfo *hi, int cpl)
{
	if (cpl == 3 && !strcmp(hi->backend, "pvm") && !hi->cpuid_fault)
		return "CPUID does not trap at CPL3 on this host: the CPU has no CPUID faulting";
	if (cpl == 0 && !strcmp(hi->backend, "pvm"))
		return "guest CPL0 code is emulated on this host (PVM) and KVM's emulator completes CPUID without an exit";
	return NULL;
}

/* Any row at CPL0 on PVM: the instruction emulator may complete it inside
 * KVM, which is no exit. */
static const char *pvm_cpl0_no_exit(const struct hostinfo *hi, int cpl)
{
	if (cpl == 0 && !strcmp(hi->backend, "pvm"))
		return "guest CPL0 code is emulated on this host (PVM) and KVM's emulator completes this instruction without an exit";
	return NULL;
}

/* A kvm_amd / kvm_intel module parameter that reads Y/1, N/0; -1 unknown. */
static int module_flag(const char *path)
{
	char buf[8] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] == 'Y' || buf[0] == '1' ? 1 : buf[0] == 'N' || buf[0] == '0' ? 0 : -1;
}

#define RULE(...) do { if (why) snprintf(why, len, __VA_ARGS__); } while (0)

/* CR8 writes with the in-kernel irqchip and nothing pending. */
static double cr8_expected(const struct hostinfo *hi, int cpl, char *why, size_t len)
{
	if (!strcmp(hi->backend, "svm")) {
		RULE("SVM: 0, V_INTR_MASKING keeps the TPR in the VMCB's V_TPR and KVM clears the CR8-write intercept while no interrupt is pending (svm_update_cr8_intercept)");
		return 0;
	}
	if (!strcmp(hi->backend, "vmx")) {
		RULE("VT-x: 0, the TPR shadow takes CR8 writes and TPR_THRESHOLD is 0 while no interrupt is pending (vmx_update_cr8_intercept; CR8-load exiting only without a TPR shadow)");
		return 0;
	}
	RULE("%s: not checked, the table does not know whether this backend intercepts CR8 writes", hi->backend);
	return -1;
}

static double syscall_expected(const struct hostinfo *hi, int cpl, char *why, size_t len)
{
	if (!strcmp(hi->backend, "svm") || !strcmp(hi->backend, "vmx")) {
		RULE("%s: 0, SYSCALL/SYSRET are not intercepted (they run in the guest)",
		     !strcmp(hi->backend, "svm") ? "SVM" : "VT-x");
		return 0;
	}
	RULE("%s: not checked, the guest's user/kernel switch may go through the host", hi->backend);
	return -1;
}

/* Sender's x2APIC ICR write, receiver's EOI write and its HLT. */
static double ipi_expected(const struct hostinfo *hi, int cpl, char *why, size_t len)
{
	if (!strcmp(hi->backend, "svm")) {
		if (module_flag("/sys/module/kvm_amd/parameters/avic") == 1) {
			RULE("SVM with AVIC: not checked, AVIC delivers IPIs and EOIs without exits while the target runs");
			return -1;
		}
		RULE("SVM without AVIC: 3, the sender's WRMSR of the x2APIC ICR, the receiver's WRMSR of EOI and its HLT");
		return 3;
	}
	if (!strcmp(hi->backend, "vmx")) {
		int apicv = module_flag("/sys/module/kvm_intel/parameters/enable_apicv");
		int ipiv = module_flag("/sys/module/kvm_intel/parameters/enable_ipiv");

		if (apicv == 0) {
			RULE("VT-x without APICv: 3, the sender's WRMSR of the x2APIC ICR, the receiver's WRMSR of EOI and its HLT");
			return 3;
		}
		if (apicv == 1 && ipiv != 1) {
			RULE("VT-x with APICv, no IPI virtualization: 2, the sender's ICR write (APIC-write exit) and the receiver's HLT; EOI is virtualized");
			return 2;
		}
		RULE("VT-x with IPI virtualization (or unknown APICv): not checked");
		return -1;
	}
	RULE("%s: not checked, the backend's interrupt virtualization is not in the table", hi->backend);
	return -1;
}

#define X86 MB_ARCH_X86
#define ALL (MB_ARCH_X86 | MB_ARCH_ARM64)

static const struct mb_bench b_empty = {
	.name = "empty", .family = "exit-cost",
	.description = "the probe pair around nothing: the timing overhead every other figure has subtracted",
	.archs = ALL, .exit_kind = "none", .expected_exits = 0, .exit_stat = "exits_caused",
	.body = "empty", .cpls = MB_CPL_ANY, .no_subtract = true,
};
static const struct mb_bench b_rdtsc = {
	.name = "rdtsc", .family = "exit-cost",
	.description = "read the time-stamp counter (no exit where TSC reads are not intercepted)",
	.archs = X86, .exit_kind = "none", .expected_exits = 0, .exit_stat = "exits_caused",
	.body = "rdtsc", .cpls = MB_CPL_ANY,
};
static const struct mb_bench b_cpuid = {
	.name = "cpuid", .family = "exit-cost",
	.description = "CPUID leaf 0: an unconditional exit handled in KVM",
	.archs = X86, .exit_kind = "CPUID (kernel)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "cpuid", .cpls = MB_CPL_ANY, .no_exit_reason = cpuid_no_exit,
};
static const struct mb_bench b_hypercall = {
	.name = "hypercall", .family = "exit-cost",
	.description = "a hypercall from the guest kernel that KVM answers itself: x86 vmcall/vmmcall with an unknown number (-ENOSYS), arm64 HVC #0 PSCI_VERSION",
	.archs = ALL, .exit_kind = "hypercall (kernel)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "hypercall", .cpls = MB_CPL0, .setup = setup_hypercall,
	.fault_means_unsupported = "this host's KVM does not complete hypercalls from a plain guest (the hypercall instruction faulted or never returned)",
};
static const struct mb_bench b_pio_user = {
	.name = "pio_user", .family = "exit-cost",
	.description = "1-byte IN from the dummy port 0x22e, answered 0xff by a user-space device model",
	.archs = X86, .exit_kind = "port I/O (user space)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "pio_in", .cpls = MB_CPL_ANY, .setup = setup_pio_dummy,
};
static const struct mb_bench b_pio_user_out = {
	.name = "pio_user_out", .family = "exit-cost",
	.description = "1-byte OUT to the dummy port 0x22e, dropped by a user-space device model",
	.archs = X86, .exit_kind = "port I/O (user space)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "pio_out", .cpls = MB_CPL_ANY, .setup = setup_pio_dummy,
};
static const struct mb_bench b_pio_kernel = {
	.name = "pio_kernel", .family = "exit-cost",
	.description = "4-byte OUT to a port registered with ioeventfd: completed inside KVM",
	.archs = X86, .exit_kind = "port I/O (kernel, ioeventfd)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "pio_out", .cpls = MB_CPL_ANY, .setup = setup_pio_kernel,
};
static const struct mb_bench b_mmio_user = {
	.name = "mmio_user", .family = "exit-cost",
	.description = "4-byte read of guest-physical memory with nothing behind it: MMIO exit to a user-space device model",
	.archs = ALL, .exit_kind = "MMIO (user space)", .expected_exits = 1, .exit_stat = "mmio_exits",
	.body = "mmio_read", .cpls = MB_CPL_ANY, .setup = setup_mmio_user,
};
static const struct mb_bench b_mmio_kernel = {
	.name = "mmio_kernel", .family = "exit-cost",
	.description = "4-byte write to an ioeventfd MMIO address: completed inside KVM",
	.archs = ALL, .exit_kind = "MMIO (kernel, ioeventfd)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "mmio_write", .cpls = MB_CPL_ANY, .setup = setup_mmio_kernel,
};
static const struct mb_bench b_msr_kernel = {
	.name = "msr_kernel", .family = "exit-cost",
	.description = "RDMSR of IA32_TSC_ADJUST, emulated inside KVM",
	.archs = X86, .exit_kind = "MSR read (kernel)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "msr_read", .cpls = MB_CPL0, .setup = setup_msr_kernel,
	.no_exit_reason = pvm_cpl0_no_exit,
};
static const struct mb_bench b_msr_user = {
	.name = "msr_user", .family = "exit-cost",
	.description = "RDMSR of IA32_TSC_ADJUST routed to user space by an MSR filter (KVM_CAP_X86_USER_SPACE_MSR)",
	.archs = X86, .exit_kind = "MSR read (user space)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "msr_read", .cpls = MB_CPL0, .setup = setup_msr_user,
};
static const struct mb_bench b_cr8 = {
	.name = "cr8", .family = "exit-cost",
	.description = "write 0 to CR8 (the TPR) with the in-kernel irqchip; exits only where TPR writes are intercepted",
	.archs = X86, .exit_kind = "CR8 write (kernel, host-dependent)", .expected_exits = -1, .exit_stat = "exits_caused",
	.body = "cr8_write", .cpls = MB_CPL0, .irqchip = true,
	.expected_on = cr8_expected,
	.expected_rules = "SVM 0 (V_INTR_MASKING: KVM clears the CR8-write intercept while no interrupt is pending); VT-x 0 (TPR shadow, TPR_THRESHOLD 0); PVM not checked",
};
static const struct mb_bench b_syscall = {
	.name = "syscall", .family = "exit-cost",
	.description = "syscall + sysret round trip inside the guest (no exit on VT-x/SVM)",
	.archs = X86, .exit_kind = "none on hardware-assisted hosts", .expected_exits = -1, .exit_stat = "exits_caused",
	.body = "syscall", .cpls = MB_CPL3, .expected_on = syscall_expected,
	.expected_rules = "SVM 0, VT-x 0 (SYSCALL/SYSRET are not intercepted); PVM not checked",
	.fault_means_unsupported = "this host cannot complete a guest syscall/sysret round trip: the CPL0 handler's sysretq raised an exception",
};
static const struct mb_bench b_ipi = {
	.name = "ipi", .family = "exit-cost",
	.description = "IPI from vCPU 0 to a halted vCPU 1 whose handler acknowledges it; round trip (x86: x2APIC fixed IPI, vCPU 1 in HLT; arm64: SGI through ICC_SGI1R_EL1, vCPU 1 in WFI)",
	.archs = ALL, .exit_kind = "IPI send + wake-up (kernel)", .expected_exits = -1, .exit_stat = "exits_caused",
	.body = "ipi", .cpls = MB_CPL0, .min_vcpus = 2, .irqchip = true,
	.expected_on = ipi_expected,
	.expected_rules = "SVM without AVIC 3 (ICR write, EOI write, HLT), with AVIC not checked; VT-x without APICv 3, with APICv 2 (ICR write, HLT), with IPI virtualization not checked; arm64 and PVM not checked",
};
static const struct mb_bench b_pf = {
	.name = "pf_first_touch", .family = "exit-cost",
	.description = "first write to a fresh guest page: one EPT/NPT violation or shadow page fault per page",
	.archs = ALL, .exit_kind = "page fault (kernel)", .expected_exits = 1, .exit_stat = "exits_caused",
	.body = "pf_touch", .cpls = MB_CPL_ANY, .setup = setup_pf,
};

MB_REGISTER(b_empty);
MB_REGISTER(b_rdtsc);
MB_REGISTER(b_cpuid);
MB_REGISTER(b_hypercall);
MB_REGISTER(b_pio_user);
MB_REGISTER(b_pio_user_out);
MB_REGISTER(b_pio_kernel);
MB_REGISTER(b_mmio_user);
MB_REGISTER(b_mmio_kernel);
MB_REGISTER(b_msr_kernel);
MB_REGISTER(b_msr_user);
MB_REGISTER(b_cr8);
MB_REGISTER(b_syscall);
MB_REGISTER(b_ipi);
MB_REGISTER(b_pf);
