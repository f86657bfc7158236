/* x86 backend, VM side: the in-kernel irqchip, the guest's system tables
 * (GDT, one TSS per vCPU, 4 GiB identity map in 2 MiB pages) and the port
 * call channel. */
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

int arch_vm_init(struct hv_vm *vm, char *err, size_t errlen)
{
	struct x86_vm *xv = calloc(1, sizeof(*xv));

	if (!xv) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vm->arch = xv;
	if (vm->opts.irqchip) {
		int r = HV_IOCTL(vm->vm_fd, KVM_CREATE_IRQCHIP, 0, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
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

int arch_guest_memory_setup(struct hv_vm *vm, char *err, size_t errlen)
{
	uint64_t *gdt = (uint64_t *)(vm->mem + X86_GDT_GPA);
	uint64_t *pml4 = (uint64_t *)(vm->mem + X86_PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(vm->mem + X86_PDPT_GPA);
	uint64_t *pd = (uint64_t *)(vm->mem + X86_PD_GPA);

	gdt[0] = 0;
	gdt[GDT_KCODE / 8] = seg_desc(0x9a | 0xa << 8);	 /* L=1, G=1 */
	gdt[GDT_KDATA / 8] = seg_desc(0x92 | 0xc << 8);	 /* D/B=1, G=1 */
	gdt[GDT_UCODE32 / 8] = seg_desc(0xfa | 0xc << 8);
	gdt[GDT_UDATA / 8] = seg_desc(0xf2 | 0xc << 8);
	gdt[GDT_UCODE64 / 8] = seg_desc(0xfa | 0xa << 8);
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		uint64_t tss = X86_TSS_GPA + i * X86_TSS_STRIDE;
		uint8_t *t = vm->mem + tss;
		uint64_t rsp0 = HV_STACKS_GPA + (2 * (uint64_t)i + 1) * HV_STACK_SIZE;
		uint64_t *d = &gdt[(GDT_TSS0 + 16 * i) / 8];

		memset(t, 0, X86_TSS_STRIDE);
		memcpy(t + 4, &rsp0, 8);		/* RSP0 */
		uint16_t iomap = X86_TSS_IOMAP;		/* all-zero bitmap: every port allowed */
		memcpy(t + 102, &iomap, 2);
		t[X86_TSS_LIMIT] = 0xff;
		d[0] = (X86_TSS_LIMIT & 0xffff) | (tss & 0xffffff) << 16 |
		       0x89ull << 40 | (tss >> 24 & 0xff) << 56;
		d[1] = tss >> 32;
	}
	/* Identity map the first 4 GiB, user-accessible, in 2 MiB pages: RAM,
	 * and the MMIO window that must reach the VMM. */
	pml4[0] = X86_PDPT_GPA | X86_PTE_P | X86_PTE_RW | X86_PTE_US;
	for (int i = 0; i < X86_PD_PAGES; i++)
		pdpt[i] = (X86_PD_GPA + i * 0x1000ull) | X86_PTE_P |
			  X86_PTE_RW | X86_PTE_US;
	for (uint64_t i = 0; i < X86_PD_PAGES * 512ull; i++)
		pd[i] = (i << 21) | X86_PTE_P | X86_PTE_RW | X86_PTE_US |
			X86_PTE_PS;
	return 0;
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
