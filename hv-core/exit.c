/* Exit dispatch: generic exit reasons are handled here through one table;
 * reasons only one architecture has go to arch_handle_exit(). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv-core/arch.h"
#include "hv-core/exit.h"
#include "hv-core/hv.h"

typedef int (*exit_fn)(struct hv_vcpu *vcpu);

static int find_dev(const struct hv_io_dev *devs, uint32_t n, uint64_t addr)
{
	for (uint32_t i = 0; i < n; i++)
		if (addr - devs[i].base < devs[i].len)
			return (int)i;
	return -1;
}

static int unhandled(struct hv_vcpu *vcpu, const char *what, uint64_t addr)
{
	snprintf(vcpu->err, sizeof(vcpu->err),
		 "vcpu %u: %s access to 0x%llx: no device model there",
		 vcpu->id, what, (unsigned long long)addr);
	return -EFAULT;
}

const struct hv_io_dev *hv_pio_dev(const struct hv_vm *vm, uint16_t port)
{
	int d = find_dev(vm->pio, vm->n_pio, port);

	return d < 0 ? NULL : &vm->pio[d];
}

int hv_exit_io(struct hv_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct hv_vm *vm = vcpu->vm;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	int d = find_dev(vm->pio, vm->n_pio, run->io.port);

	if (d < 0)
		return unhandled(vcpu, "port", run->io.port);
	/* One access, the common case: one call, no loop. */
	if (__builtin_expect(run->io.count == 1, 1))
		return vm->pio[d].fn(vcpu, run->io.port, run->io.direction == KVM_EXIT_IO_OUT,
				     data, run->io.size, vm->pio[d].opaque);
	/* String I/O repeats the access `count` times over the buffer. */
	for (uint32_t i = 0; i < run->io.count; i++) {
		int r = vm->pio[d].fn(vcpu, run->io.port,
				      run->io.direction == KVM_EXIT_IO_OUT,
				      data + i * run->io.size, run->io.size,
				      vm->pio[d].opaque);
		if (r != HV_CONTINUE)
			return r;
	}
	return HV_CONTINUE;
}

static int exit_mmio(struct hv_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct hv_vm *vm = vcpu->vm;
	int d = find_dev(vm->mmio, vm->n_mmio, run->mmio.phys_addr);

	if (d < 0)
		return unhandled(vcpu, "MMIO", run->mmio.phys_addr);
	return vm->mmio[d].fn(vcpu, run->mmio.phys_addr, run->mmio.is_write,
			      run->mmio.data, run->mmio.len,
			      vm->mmio[d].opaque);
}

static int exit_hlt(struct hv_vcpu *vcpu)
{
	/* Our guests halt only when they have nothing more to do. */
	return HV_STOP;
}

static int exit_shutdown(struct hv_vcpu *vcpu)
{
	char where[96];

	arch_vcpu_where(vcpu, where, sizeof(where));
	snprintf(vcpu->err, sizeof(vcpu->err),
		 "vcpu %u: guest shut down (triple fault: an exception while delivering an exception) at %s",
		 vcpu->id, where);
	return -EFAULT;
}

static int exit_fail_entry(struct hv_vcpu *vcpu)
{
	snprintf(vcpu->err, sizeof(vcpu->err),
		 "vcpu %u: KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx",
		 vcpu->id,
		 (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	return -EIO;
}

static int exit_internal_error(struct hv_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	static const char *const sub[] = {
		[KVM_INTERNAL_ERROR_EMULATION] = "instruction emulation failed",
		[KVM_INTERNAL_ERROR_SIMUL_EX] = "exception while delivering an exception",
		[KVM_INTERNAL_ERROR_DELIVERY_EV] = "event delivery failed",
	};
	uint32_t s = run->internal.suberror;
	const char *what = s < sizeof(sub) / sizeof(sub[0]) && sub[s] ? sub[s] :
								       "unknown";

	char where[96];

	arch_vcpu_where(vcpu, where, sizeof(where));
	snprintf(vcpu->err, sizeof(vcpu->err),
		 "vcpu %u: KVM internal error %u (%s) at %s", vcpu->id, s,
		 what, where);
	return -EIO;
}

static int exit_system_event(struct hv_vcpu *vcpu)
{
	/* PSCI SYSTEM_OFF / RESET: the guest is finished. */
	return HV_STOP;
}

static const exit_fn exit_table[] = {
	[KVM_EXIT_IO] = hv_exit_io,
	[KVM_EXIT_MMIO] = exit_mmio,
	[KVM_EXIT_HLT] = exit_hlt,
	[KVM_EXIT_SHUTDOWN] = exit_shutdown,
	[KVM_EXIT_FAIL_ENTRY] = exit_fail_entry,
	[KVM_EXIT_INTERNAL_ERROR] = exit_internal_error,
	[KVM_EXIT_SYSTEM_EVENT] = exit_system_event,
};

int hv_dispatch_exit(struct hv_vcpu *vcpu)
{
	unsigned reason = vcpu->run->exit_reason;

	if (reason < sizeof(exit_table) / sizeof(exit_table[0]) &&
	    exit_table[reason])
		return exit_table[reason](vcpu);
	return arch_handle_exit(vcpu);
}

const char *hv_exit_reason_name(unsigned reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "other";
}

/* The counters' names: KVM's reasons in lower case, as KVM's own
 * kvm_userspace_exit tracepoint prints them. */
static const char *const stat_names[HV_EXIT_ARCH_BASE] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
	[KVM_EXIT_SHUTDOWN] = "shutdown",
	[KVM_EXIT_FAIL_ENTRY] = "fail_entry",
	[KVM_EXIT_INTR] = "intr",
	[KVM_EXIT_SET_TPR] = "set_tpr",
	[KVM_EXIT_TPR_ACCESS] = "tpr_access",
	[KVM_EXIT_NMI] = "nmi",
	[KVM_EXIT_INTERNAL_ERROR] = "internal_error",
	[KVM_EXIT_SYSTEM_EVENT] = "system_event",
	[KVM_EXIT_IOAPIC_EOI] = "ioapic_eoi",
	[KVM_EXIT_HYPERV] = "hyperv",
	[KVM_EXIT_ARM_NISV] = "arm_nisv",
	[KVM_EXIT_X86_RDMSR] = "x86_rdmsr",
	[KVM_EXIT_X86_WRMSR] = "x86_wrmsr",
	[KVM_EXIT_DIRTY_RING_FULL] = "dirty_ring_full",
	[KVM_EXIT_AP_RESET_HOLD] = "ap_reset_hold",
	[KVM_EXIT_X86_BUS_LOCK] = "x86_bus_lock",
	[KVM_EXIT_XEN] = "xen",
	[KVM_EXIT_NOTIFY] = "notify",
	[HV_EXIT_OTHER] = "other",
};

uint64_t hv_exit_stat(const struct hv_vcpu *vcpu, unsigned id)
{
	return id < HV_EXIT_NR ? vcpu->exit_stat[id] : 0;
}

uint64_t hv_vm_exit_stat(const struct hv_vm *vm, unsigned id)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		sum += hv_exit_stat(&vm->vcpus[i], id);
	return sum;
}

const char *hv_exit_stat_name(unsigned id)
{
	if (id < HV_EXIT_ARCH_BASE)
		return stat_names[id];
	if (id < HV_EXIT_NR)
		return arch_exit_stat_name(id - HV_EXIT_ARCH_BASE);
	return NULL;
}

void hv_exit_stats_reset(struct hv_vcpu *vcpu)
{
	memset(vcpu->exit_stat, 0, sizeof(vcpu->exit_stat));
}
