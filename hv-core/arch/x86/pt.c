/* x86 backend: the guest's 4-level page tables, built by the VMM in guest
 * memory: 4 KiB, 2 MiB and 1 GiB pages with write, user, no-execute and
 * uncached rights. Tables come from hv_vm_pt_page (low pool, then the
 * system area). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv-core/arch.h"
#include "hv-core/arch/x86/x86.h"
#include "hv-core/hv.h"

#define CPUID_ENTRIES 256

int x86_cpuid_ext_edx_bit(struct hv_vm *vm, unsigned bit)
{
	size_t sz = sizeof(struct kvm_cpuid2) +
		    CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, sz);
	int r = 0;

	if (!c)
		return -ENOMEM;
	c->nent = CPUID_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		r = -errno;
	} else {
		for (uint32_t i = 0; i < c->nent; i++)
			if (c->entries[i].function == 0x80000001)
				r = c->entries[i].edx >> bit & 1;
	}
	free(c);
	return r;
}

static uint64_t *table(struct hv_vm *vm, uint64_t gpa)
{
	return hv_gpa_to_hva(vm, gpa & X86_PTE_ADDR, HV_PAGE_4K);
}

/* The guest CPU may lack what a mapping asks: say so once, as unsupported. */
static int check_cpu(struct hv_vm *vm, uint64_t page, uint32_t prot,
		     char *err, size_t errlen)
{
	struct x86_vm *xv = vm->arch;

	if (page == HV_PAGE_1G) {
		if (xv->cpu_1g < 0)
			xv->cpu_1g = x86_cpuid_ext_edx_bit(vm, 26);
		if (xv->cpu_1g <= 0) {
			snprintf(err, errlen, "the guest CPU has no 1 GiB pages (CPUID 0x80000001 EDX.pdpe1gb)");
			return -ENOTSUP;
		}
	}
	if (!(prot & HV_MAP_EXEC)) {
		if (xv->cpu_nx < 0)
			xv->cpu_nx = x86_cpuid_ext_edx_bit(vm, 20);
		if (xv->cpu_nx <= 0) {
			snprintf(err, errlen, "the guest CPU has no no-execute bit (CPUID 0x80000001 EDX.NX)");
			return -ENOTSUP;
		}
		xv->nx_used = true;
	}
	if (!(prot & HV_MAP_WRITE))
		xv->wp_used = true;
	return 0;
}

int x86_paging_bits(struct hv_vcpu *vcpu, char *err, size_t errlen)
{
	struct x86_vm *xv = vcpu->vm->arch;
	struct kvm_sregs sr;

	if (!xv->nx_used && !xv->wp_used)
		return 0;
	int r = HV_IOCTL(vcpu->fd, KVM_GET_SREGS, &sr, err, errlen);
	if (r < 0)
		return r;
	uint64_t efer = sr.efer | (xv->nx_used ? 1u << 11 : 0);	/* NXE */
	uint64_t cr0 = sr.cr0 | (xv->wp_used ? 1u << 16 : 0);		/* WP */
	if (efer == sr.efer && cr0 == sr.cr0)
		return 0;
	sr.efer = efer;
	sr.cr0 = cr0;
	r = HV_IOCTL(vcpu->fd, KVM_SET_SREGS, &sr, err, errlen);
	return r < 0 ? r : 0;
}

/* Mappings added after the vCPUs exist: give them the bits now. */
static int update_vcpus(struct hv_vm *vm, bool nx, bool wp, char *err,
			size_t errlen)
{
	struct x86_vm *xv = vm->arch;

	if (nx == xv->nx_used && wp == xv->wp_used)
		return 0;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		int r = x86_paging_bits(&vm->vcpus[i], err, errlen);

		if (r < 0)
			return r;
	}
	return 0;
}

int arch_map(struct hv_vm *vm, uint64_t gva, uint64_t gpa, uint64_t len,
	     uint64_t page, uint32_t prot, char *err, size_t errlen)
{
	int leaf = page == HV_PAGE_4K ? 1 : page == HV_PAGE_2M ? 2 : 3;
	struct x86_vm *xv = vm->arch;
	uint64_t bits = X86_PTE_P;
	bool nx = xv->nx_used, wp = xv->wp_used;
	int r = check_cpu(vm, page, prot, err, errlen);

	if (r == 0)
		r = update_vcpus(vm, nx, wp, err, errlen);
	if (r < 0)
		return r;
	/* The lower canonical half: identity and near-identity maps. */
	if (gva + len > 1ull << 47 || gpa + len > 1ull << 52) {
		snprintf(err, errlen, "mapping 0x%llx + 0x%llx: beyond 47-bit virtual / 52-bit physical addresses",
			 (unsigned long long)gva, (unsigned long long)len);
		return -EINVAL;
	}
	bits |= prot & HV_MAP_WRITE ? X86_PTE_RW : 0;
	bits |= prot & HV_MAP_USER ? X86_PTE_US : 0;
	bits |= prot & HV_MAP_EXEC ? 0 : X86_PTE_NX;
	bits |= prot & HV_MAP_DEVICE ? X86_PTE_PCD | X86_PTE_PWT : 0;
	bits |= leaf > 1 ? X86_PTE_PS : 0;
	if (!vm->pt_root && !(vm->pt_root = hv_vm_pt_page(vm, err, errlen)))
		return -ENOMEM;
	for (uint64_t off = 0; off < len; off += page) {
		uint64_t va = gva + off, t = vm->pt_root;
		uint64_t *tab;
		unsigned idx;

		/* Upper levels allow everything: the leaf says what is allowed. */
		for (int level = 4; level > leaf; level--) {
			tab = table(vm, t);
			idx = (unsigned)(va >> (12 + 9 * (level - 1))) & 511;
			if (!(tab[idx] & X86_PTE_P)) {
				uint64_t n = hv_vm_pt_page(vm, err, errlen);

				if (!n)
					return -ENOMEM;
				tab[idx] = n | X86_PTE_P | X86_PTE_RW | X86_PTE_US;
			} else if (tab[idx] & X86_PTE_PS) {
				snprintf(err, errlen, "0x%llx is already mapped by a larger page",
					 (unsigned long long)va);
				return -EEXIST;
			}
			t = tab[idx];
		}
		tab = table(vm, t);
		idx = (unsigned)(va >> (12 + 9 * (leaf - 1))) & 511;
		if (leaf > 1 && (tab[idx] & X86_PTE_P) && !(tab[idx] & X86_PTE_PS)) {
			snprintf(err, errlen, "0x%llx is already mapped by smaller pages",
				 (unsigned long long)va);
			return -EEXIST;
		}
		tab[idx] = (gpa + off) | bits;
	}
	return 0;
}

uint64_t arch_leaf(struct hv_vm *vm, uint64_t gva)
{
	uint64_t t = vm->pt_root;

	if (!t || gva >= 1ull << 47)
		return 0;
	for (int level = 4; level >= 1; level--) {
		const uint64_t *tab = table(vm, t);
		unsigned idx = (unsigned)(gva >> (12 + 9 * (level - 1))) & 511;

		if (!tab || !(tab[idx] & X86_PTE_P))
			return 0;
		if (level == 1 || (level <= 3 && (tab[idx] & X86_PTE_PS)))
			return 1ull << (12 + 9 * (level - 1));
		t = tab[idx];
	}
	return 0;
}
