/* arm64 backend: guest stage-1 mappings added to the identity map the VMM
 * built (layout.c): 4 KiB pages, 2 MiB and 1 GiB blocks with write, EL0,
 * execute-never and device rights. The guest's TCR_EL1 (T0SZ 25) walks
 * 512 GiB of virtual addresses from level 1. */
#include <errno.h>
#include <stdio.h>

#include "hv-core/arch.h"
#include "hv-core/arch/arm64/arm64.h"
#include "hv-core/hv.h"

#define A64_VA_SIZE (1ull << A64_VA_BITS)
#define A64_ADDR 0x0000fffffffff000ull

static uint64_t *table(struct hv_vm *vm, uint64_t desc)
{
	return hv_gpa_to_hva(vm, desc & A64_ADDR, HV_PAGE_4K);
}

int arch_map(struct hv_vm *vm, uint64_t gva, uint64_t gpa, uint64_t len,
	     uint64_t page, uint32_t prot, char *err, size_t errlen)
{
	int leaf = page == HV_PAGE_4K ? 3 : page == HV_PAGE_2M ? 2 : 1;
	uint64_t bits = A64_PTE_VALID | A64_PTE_AF;

	if (gva + len > A64_VA_SIZE) {
		snprintf(err, errlen, "mapping 0x%llx + 0x%llx: the arm64 guest's stage 1 spans 512 GiB (TCR_EL1.T0SZ 25)",
			 (unsigned long long)gva, (unsigned long long)len);
		return -ENOTSUP;
	}
	if (!vm->pt_root) {
		snprintf(err, errlen, "arm64 stage-1 tables are not built yet");
		return -EPROTO;
	}
	bits |= prot & HV_MAP_DEVICE ? A64_PTE_ATTR(A64_MAIR_DEVICE) :
		A64_PTE_ATTR(A64_MAIR_NORMAL) | A64_PTE_SH_INNER;
	bits |= prot & HV_MAP_USER ? A64_PTE_AP_EL0 : 0;
	bits |= prot & HV_MAP_WRITE ? 0 : A64_PTE_AP_RO;
	bits |= prot & HV_MAP_EXEC ? 0 : A64_PTE_PXN | A64_PTE_UXN;
	bits |= leaf == 3 ? A64_PTE_TABLE : 0;	/* level 3: "page" */
	for (uint64_t off = 0; off < len; off += page) {
		uint64_t va = gva + off, *tab = table(vm, vm->pt_root);
		unsigned idx;

		for (int level = 1; level < leaf; level++) {
			idx = (unsigned)(va >> (12 + 9 * (3 - level))) & 511;
			if (!(tab[idx] & A64_PTE_VALID)) {
				uint64_t n = hv_vm_pt_page(vm, err, errlen);

				if (!n)
					return -ENOMEM;
				tab[idx] = n | A64_PTE_VALID | A64_PTE_TABLE;
			} else if (!(tab[idx] & A64_PTE_TABLE)) {
				snprintf(err, errlen, "0x%llx is already mapped by a larger block",
					 (unsigned long long)va);
				return -EEXIST;
			}
			tab = table(vm, tab[idx]);
		}
		idx = (unsigned)(va >> (12 + 9 * (3 - leaf))) & 511;
		if (leaf < 3 && (tab[idx] & A64_PTE_VALID) && (tab[idx] & A64_PTE_TABLE)) {
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
	uint64_t desc = vm->pt_root | A64_PTE_VALID | A64_PTE_TABLE;

	if (!vm->pt_root || gva >= A64_VA_SIZE)
		return 0;
	for (int level = 1; level <= 3; level++) {
		const uint64_t *tab = table(vm, desc);
		unsigned idx = (unsigned)(gva >> (12 + 9 * (3 - level))) & 511;

		if (!tab)
			return 0;
		desc = tab[idx];
		if (!(desc & A64_PTE_VALID))
			return 0;
		/* Bit 1 is "table" at levels 1-2 and "page" at level 3. */
		if (level == 3)
			return desc & A64_PTE_TABLE ? HV_PAGE_4K : 0;
		if (!(desc & A64_PTE_TABLE))
			return 1ull << (12 + 9 * (3 - level));
	}
	return 0;
}
