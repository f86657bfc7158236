/* arm64 backend, VM side: the stage-1 identity map in guest memory, the
 * in-kernel vGICv3 and PMUv3 set-up once every vCPU exists, and the MMIO call
 * channel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hv-core/arch.h"
#include "hv-core/arch/arm64/arm64.h"
#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"

unsigned arch_id(void)
{
	return HV_ARCH_ARM64;
}

uint64_t arch_host_cycles(void)
{
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
}

int arch_vm_init(struct hv_vm *vm, char *err, size_t errlen)
{
	struct arm64_vm *av = calloc(1, sizeof(*av));

	if (!av) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	av->vgic_fd = -1;
	vm->arch = av;
	if (vm->opts.no_pause_exits) {
		/* WFE traps by default (arm64's pause-loop exiting); whether it
		 * does is the host's boot choice (kvm-arm.wfe_trap_policy), not
		 * a VM's. */
		snprintf(err, errlen, "arm64 KVM offers no per-VM control of WFE trapping (the host's kvm-arm.wfe_trap_policy decides)");
		return -ENOTSUP;
	}
	return 0;
}

static int dev_attr(int fd, uint32_t group, uint64_t attr, void *addr,
		    const char *what, char *err, size_t errlen)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)addr,
	};
	int r = ioctl(fd, KVM_SET_DEVICE_ATTR, &a);

	if (r < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_SET_DEVICE_ATTR (%s): %s", what,
			 strerror(-r));
	}
	return r;
}

static int vgic_create(struct hv_vm *vm, char *err, size_t errlen)
{
	struct arm64_vm *av = vm->arch;
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t dist = A64_GICD_GPA, redist = A64_GICR_GPA;
	int r = ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &cd);

	if (r < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_CREATE_DEVICE (vGICv3): %s%s",
			 strerror(-r), r == -ENODEV ?
			 " (this host has no GICv3 virtualization)" : "");
		return r == -ENODEV ? -ENOTSUP : r;
	}
	av->vgic_fd = (int)cd.fd;
	r = dev_attr(av->vgic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		     KVM_VGIC_V3_ADDR_TYPE_DIST, &dist, "GICD base", err, errlen);
	if (r == 0)
		r = dev_attr(av->vgic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			     KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist, "GICR base",
			     err, errlen);
	return r;
}

/* After every vCPU has done KVM_ARM_VCPU_INIT: the vGIC must know them all,
 * and the PMU can only be initialized after its interrupt controller. */
int arch_vm_finalize(struct hv_vm *vm, char *err, size_t errlen)
{
	struct arm64_vm *av = vm->arch;
	int r, irq = A64_PMU_PPI;

	if (vm->opts.irqchip) {
		r = vgic_create(vm, err, errlen);
		if (r < 0)
			return r;
		for (uint32_t i = 0; av->pmu && i < vm->nr_vcpus; i++) {
			r = dev_attr(vm->vcpus[i].fd, KVM_ARM_VCPU_PMU_V3_CTRL,
				     KVM_ARM_VCPU_PMU_V3_IRQ, &irq, "PMU IRQ",
				     err, errlen);
			if (r < 0)
				return r;
		}
		r = dev_attr(av->vgic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			     KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, "vGIC init", err,
			     errlen);
		if (r < 0)
			return r;
	}
	for (uint32_t i = 0; av->pmu && i < vm->nr_vcpus; i++) {
		r = dev_attr(vm->vcpus[i].fd, KVM_ARM_VCPU_PMU_V3_CTRL,
			     KVM_ARM_VCPU_PMU_V3_INIT, NULL, "PMUv3 init", err,
			     errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

void arch_vm_destroy(struct hv_vm *vm)
{
	struct arm64_vm *av = vm->arch;

	if (av && av->vgic_fd >= 0)
		close(av->vgic_fd);
	free(av);
	vm->arch = NULL;
}

int arch_guest_memory_setup(struct hv_vm *vm, char *err, size_t errlen)
{
	if (hv_vm_ram_high(vm)) {
		snprintf(err, errlen, "guest RAM above %llu MiB: the arm64 guest's identity map covers the first 4 GiB only",
			 (unsigned long long)(HV_MMIO_BASE >> 20));
		return -ENOTSUP;
	}
	arm64_build_page_tables(vm->mem);
	/* Further mappings (pt.c) extend these tables from the pool. */
	vm->pt_root = A64_L1_GPA;
	vm->pt_low_next = A64_L2_GPA + A64_L2_PAGES * HV_PAGE_4K;
	vm->pt_low_end = HV_IMAGE_GPA;
	return 0;
}

int arch_ucall_register(struct hv_vm *vm, char *err, size_t errlen)
{
	return hv_vm_add_mmio(vm, HV_UCALL_MMIO, 4, dev_ucall_io, NULL, err,
			      errlen);
}

/* The guest reads the same CNTVCT at the same CNTFRQ as the host. */
uint64_t arch_guest_counter_khz(struct hv_vcpu *vcpu)
{
	uint64_t f;

	asm volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f / 1000;
}

/* Always counter ticks: CNTVCT counts at CNTFRQ (counter_hz in the result).
 * On an emulated machine (hostinfo's `emulated`, QEMU TCG's MIDR implementer
 * 0) a tick is not time either: under `-icount shift=0` it is 16 emulated
 * instructions. The host block's "emulated": true says which reading holds;
 * the number itself is never scaled, so it stays a tick count. */
const char *arch_counter_unit(const char *measured)
{
	return "counter_ticks";
}

/* KVM/arm64 counts user-space MMIO exits as mmio_exit_user. */
const char *arch_ucall_stat(void)
{
	return "mmio_exit_user";
}

unsigned arch_ucall_exit_reason(void)
{
	return KVM_EXIT_MMIO;
}

const char *arch_kvm_stat_name(const char *name)
{
	if (!strcmp(name, "mmio_exits"))
		return "mmio_exit_user";
	if (!strcmp(name, "hypercalls"))
		return "hvc_exit_stat";
	return name;
}

int arch_user_msr(struct hv_vm *vm, uint32_t index, arch_msr_fn fn,
		  void *opaque, char *err, size_t errlen)
{
	snprintf(err, errlen, "arm64 has no MSRs (x86 model-specific registers)");
	return -ENOTSUP;
}
