/* KVM capabilities (checked on a scratch VM) and SR-IOV capable PCI devices:
 * the parts of the host description that list what the host offers. */
#include "probes/hostinfo.h"
#include "probes/hostinfo_int.h"
#include "probes/iommu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

enum cap_arch { CAP_ANY, CAP_X86, CAP_ARM64 };

struct cap_def {
	const char *name;
	long id;
	enum cap_arch arch;
};

#define CAP(x, a) { #x, x, a }

static const struct cap_def caps[] = {
	CAP(KVM_CAP_IRQCHIP, CAP_ANY),
	CAP(KVM_CAP_USER_MEMORY, CAP_ANY),
	CAP(KVM_CAP_NR_VCPUS, CAP_ANY),
	CAP(KVM_CAP_MAX_VCPUS, CAP_ANY),
	CAP(KVM_CAP_IOEVENTFD, CAP_ANY),
	CAP(KVM_CAP_IOEVENTFD_ANY_LENGTH, CAP_ANY),
	CAP(KVM_CAP_IRQFD, CAP_ANY),
	CAP(KVM_CAP_SIGNAL_MSI, CAP_ANY),
	CAP(KVM_CAP_ONE_REG, CAP_ANY),
	CAP(KVM_CAP_COALESCED_MMIO, CAP_ANY),
	CAP(KVM_CAP_IMMEDIATE_EXIT, CAP_ANY),
	CAP(KVM_CAP_BINARY_STATS_FD, CAP_ANY),
	CAP(KVM_CAP_VCPU_ATTRIBUTES, CAP_ANY),
	CAP(KVM_CAP_CHECK_EXTENSION_VM, CAP_ANY),
	CAP(KVM_CAP_COALESCED_PIO, CAP_X86),
	CAP(KVM_CAP_SET_TSS_ADDR, CAP_X86),
	CAP(KVM_CAP_EXT_CPUID, CAP_X86),
	CAP(KVM_CAP_X86_USER_SPACE_MSR, CAP_X86),
	CAP(KVM_CAP_X86_MSR_FILTER, CAP_X86),
	CAP(KVM_CAP_X86_DISABLE_EXITS, CAP_X86),
	CAP(KVM_CAP_TSC_CONTROL, CAP_X86),
	CAP(KVM_CAP_GET_TSC_KHZ, CAP_X86),
	CAP(KVM_CAP_KVMCLOCK_CTRL, CAP_X86),
	CAP(KVM_CAP_EXIT_HYPERCALL, CAP_X86),
	CAP(KVM_CAP_PMU_CAPABILITY, CAP_X86),
	CAP(KVM_CAP_X86_TRIPLE_FAULT_EVENT, CAP_X86),
	CAP(KVM_CAP_ARM_PSCI_0_2, CAP_ARM64),
	CAP(KVM_CAP_ARM_VM_IPA_SIZE, CAP_ARM64),
	CAP(KVM_CAP_ARM_PMU_V3, CAP_ARM64),
	CAP(KVM_CAP_ARM_SVE, CAP_ARM64),
	CAP(KVM_CAP_ARM_PTRAUTH_ADDRESS, CAP_ARM64),
	CAP(KVM_CAP_ARM_PTRAUTH_GENERIC, CAP_ARM64),
	CAP(KVM_CAP_ARM_MTE, CAP_ARM64),
	CAP(KVM_CAP_ARM_EL1_32BIT, CAP_ARM64),
	CAP(KVM_CAP_ARM_USER_IRQ, CAP_ARM64),
	CAP(KVM_CAP_ARM_NISV_TO_USER, CAP_ARM64),
	CAP(KVM_CAP_ARM_INJECT_EXT_DABT, CAP_ARM64),
	CAP(KVM_CAP_ARM_SYSTEM_SUSPEND, CAP_ARM64),
#ifdef KVM_CAP_ARM_EL2
	CAP(KVM_CAP_ARM_EL2, CAP_ARM64),
#endif
#ifdef KVM_CAP_ARM_EL2_E2H0
	CAP(KVM_CAP_ARM_EL2_E2H0, CAP_ARM64),
#endif
};

static json_t *disable_exits_bits(long v)
{
	static const struct { long bit; const char *name; } bits[] = {
		{ KVM_X86_DISABLE_EXITS_MWAIT, "MWAIT" },
		{ KVM_X86_DISABLE_EXITS_HLT, "HLT" },
		{ KVM_X86_DISABLE_EXITS_PAUSE, "PAUSE" },
		{ KVM_X86_DISABLE_EXITS_CSTATE, "CSTATE" },
	};
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (v > 0 && (v & bits[i].bit))
			json_array_append_new(a, json_string(bits[i].name));
	return a;
}

json_t *hostinfo_kvm_caps_json(void)
{
	json_t *o = json_object();
	enum cap_arch arch = CAP_ANY;
	struct utsname u;
	int kvm, vm = -1, fd;
	size_t i;

	if (uname(&u) == 0) {
		if (!strcmp(u.machine, "x86_64"))
			arch = CAP_X86;
		else if (!strcmp(u.machine, "aarch64"))
			arch = CAP_ARM64;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "open /dev/kvm: %s", strerror(errno));
		json_object_set_new(o, "error", json_string(msg));
		return o;
	}
	/* Some answers (max vCPUs, IPA size, disabled exits) are per VM. */
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM) > 0)
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
	fd = vm >= 0 ? vm : kvm;
	json_object_set_new(o, "checked_on", json_string(vm >= 0 ? "vm" : "system"));
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int r;

		if (caps[i].arch != CAP_ANY && caps[i].arch != arch)
			continue;
		r = ioctl(fd, KVM_CHECK_EXTENSION, caps[i].id);
		if (r < 0) {
			char msg[128];

			snprintf(msg, sizeof(msg),
				 "ioctl KVM_CHECK_EXTENSION: %s", strerror(errno));
			json_object_set_new(o, caps[i].name, json_string(msg));
			continue;
		}
		json_object_set_new(o, caps[i].name, json_integer(r));
		if (caps[i].id == KVM_CAP_X86_DISABLE_EXITS)
			json_object_set_new(o, "KVM_CAP_X86_DISABLE_EXITS_bits",
					    disable_exits_bits(r));
	}
	if (vm >= 0)
		close(vm);
	close(kvm);
	return o;
}

/* One reader of PCI's sysfs: the IOMMU probe's, whose values are checked. */
json_t *hostinfo_sriov_json(void)
{
	struct iommu_info *ii = calloc(1, sizeof(*ii));
	json_t *a;

	if (!ii || iommu_probe("/", ii) < 0) {
		free(ii);
		return json_array();
	}
	a = iommu_sriov_json(ii);
	free(ii);
	return a;
}
