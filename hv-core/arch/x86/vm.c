/* x86 backend, VM side: the in-kernel irqchip, the guest's system tables
 * (GDT, one TSS per vCPU, identity map of 4 GiB and of the RAM above it in
 * 2 MiB pages, built by pt.c) and the port call channel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv-core/arch.h"
#include "hv-core/arch/x86/layout.h"
#include "hv-core/arch/x86/x86.h"
#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"

unsigned arch_id(void)
{
	return HV_ARCH_X86;
}

uint64_t arch_host_cycles(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* PAUSE without exiting: no pause-loop exiting for this VM. KVM takes it
 * only before the first vCPU, and only the bits it reports. */
static int no_pause_exits(struct hv_vm *vm, char *err, size_t errlen)
{
	int bits = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_DISABLE_EXITS);
	struct kvm_enable_cap ec = {
		.cap = KVM_CAP_X86_DISABLE_EXITS, .args = { KVM_X86_DISABLE_EXITS_PAUSE },
	};

	if (bits <= 0 || !(bits & KVM_X86_DISABLE_EXITS_PAUSE)) {
		snprintf(err, errlen, "KVM_CAP_X86_DISABLE_EXITS does not offer PAUSE here (reports %d)", bits);
		return -ENOTSUP;
	}
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &ec) < 0) {
		int e = errno;
		snprintf(err, errlen, "KVM_ENABLE_CAP(KVM_CAP_X86_DISABLE_EXITS, PAUSE): %s (errno %d)",
			 strerror(e), e);
		return -ENOTSUP;
	}
	return 0;
}

int arch_vm_init(struct hv_vm *vm, char *err, size_t errlen)
{
	struct x86_vm *xv = calloc(1, sizeof(*xv));

	if (!xv) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	xv->cpu_1g = xv->cpu_nx = -1;
	vm->arch = xv;
	/* Page tables start at CR3's old place: small VMs keep their layout. */
	vm->pt_low_next = X86_PML4_GPA;
	vm->pt_low_end = X86_TSS_GPA;
	if (vm->opts.irqchip) {
		int r = HV_IOCTL(vm->vm_fd, KVM_CREATE_IRQCHIP, 0, err, errlen);
		if (r < 0)
			return r;
	}
	return vm->opts.no_pause_exits ? no_pause_exits(vm, err, errlen) : 0;
}

int arch_vm_finalize(struct hv_vm *vm, char *err, size_t errlen)
{
	return 0;
}

void arch_vm_destroy(struct hv_vm *vm)
{
	free(vm->arch);
	vm->arch = NULL;
}

static uint64_t seg_desc(uint32_t flags_access)
{
	/* base 0, limit 0xfffff; flags_access holds access byte | flags << 8. */
	uint64_t access = flags_access & 0xff, flags = (flags_access >> 8) & 0xf;

	return 0xffffull | access << 40 | 0xfull << 48 | flags << 52;
}

/* One GDT: the fixed descriptors, then the TSS descriptor of vCPU v at
 * its selector (x86_tr_sel). */
static int write_gdt_tss(struct hv_vm *vm, uint32_t v, char *err, size_t errlen)
{
	uint64_t tss = x86_tss_gpa(v), rsp0 = HV_KSTACK_TOP(v);
	uint64_t *gdt = hv_gpa_to_hva(vm, x86_gdt_gpa(v), (uint64_t)x86_gdt_limit(v) + 1);
	uint8_t *t = hv_gpa_to_hva(vm, tss, X86_TSS_STRIDE);

	if (!gdt || !t) {
		snprintf(err, errlen, "vcpu %u: its GDT or TSS is outside guest memory", v);
		return -EFAULT;
	}
	gdt[0] = 0;
	gdt[GDT_KCODE / 8] = seg_desc(0x9a | 0xa << 8);	 /* L=1, G=1 */
	gdt[GDT_KDATA / 8] = seg_desc(0x92 | 0xc << 8);	 /* D/B=1, G=1 */
	gdt[GDT_UCODE32 / 8] = seg_desc(0xfa | 0xc << 8);
	gdt[GDT_UDATA / 8] = seg_desc(0xf2 | 0xc << 8);
	gdt[GDT_UCODE64 / 8] = seg_desc(0xfa | 0xa << 8);

	uint64_t *d = &gdt[x86_tr_sel(v) / 8];
	memset(t, 0, X86_TSS_STRIDE);
	memcpy(t + 4, &rsp0, 8);		/* RSP0 */
	uint16_t iomap = X86_TSS_IOMAP;		/* all-zero bitmap: every port allowed */
	memcpy(t + 102, &iomap, 2);
	t[X86_TSS_LIMIT] = 0xff;
	d[0] = (X86_TSS_LIMIT & 0xffff) | (tss & 0xffffff) << 16 |
	       0x89ull << 40 | (tss >> 24 & 0xff) << 56;
	d[1] = tss >> 32;
	return 0;
}

int arch_guest_memory_setup(struct hv_vm *vm, char *err, size_t errlen)
{
	const uint32_t all = HV_MAP_WRITE | HV_MAP_EXEC | HV_MAP_USER;
	int r;

	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		if ((r = write_gdt_tss(vm, i, err, errlen)) < 0)
			return r;
	/* Identity map the first 4 GiB, user-accessible, in 2 MiB pages: RAM,
	 * the MMIO window that must reach the VMM, the system area. The
	 * tables land where they always were (PML4 0x3000, PDPT, 4 PDs). */
	r = hv_vm_map(vm, 0, 0, HV_HIGH_RAM_GPA, HV_PAGE_2M, all, err, errlen);
	if (r < 0)
		return r;
	if (vm->pt_root != X86_PML4_GPA) {
		snprintf(err, errlen, "page-table root at 0x%llx, not 0x%llx",
			 (unsigned long long)vm->pt_root,
			 (unsigned long long)X86_PML4_GPA);
		return -EPROTO;
	}
	/* RAM above the hole, in the same 2 MiB pages as below it. */
	uint64_t high = (hv_vm_ram_high(vm) + HV_PAGE_2M - 1) & ~(HV_PAGE_2M - 1);
	if (high)
		r = hv_vm_map(vm, HV_HIGH_RAM_GPA, HV_HIGH_RAM_GPA, high,
			      HV_PAGE_2M, all, err, errlen);
	return r;
}

int arch_ucall_register(struct hv_vm *vm, char *err, size_t errlen)
{
	return hv_vm_add_pio(vm, HV_UCALL_PORT, 4, dev_ucall_io, NULL, err,
			     errlen);
}

uint64_t arch_guest_counter_khz(struct hv_vcpu *vcpu)
{
	int r = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);

	return r > 0 ? (uint64_t)r : 0;
}

/* "instructions" where the host found the TSC counting emulated
 * instructions (probes/emudetect.c), else TSC cycles. */
const char *arch_counter_unit(const char *measured)
{
	return measured && measured[0] ? measured : "cycles";
}
