/* Pure arm64 helpers: the guest's identity map and the words for ESR fields.
 * No KVM or aarch64 headers: tests/test_arm64_layout.c compiles this on x86. */
#include <stdint.h>
#include <string.h>

#include "hv-core/abi.h"
#include "hv-core/arch/arm64/arm64.h"

uint64_t arm64_block_desc(uint64_t gpa)
{
	uint64_t d = gpa | A64_PTE_VALID | A64_PTE_AF | A64_PTE_AP_EL0;

	/* The system area (stacks of vCPUs past HV_LOW_VCPUS) is RAM. */
	if (gpa >= HV_SYS_GPA && gpa - HV_SYS_GPA < HV_SYS_SIZE)
		return d | A64_PTE_ATTR(A64_MAIR_NORMAL) | A64_PTE_SH_INNER |
		       A64_PTE_PXN | A64_PTE_UXN;
	if (gpa >= HV_MMIO_BASE)
		/* Device memory: never executable, EL0 may poke it. */
		return d | A64_PTE_ATTR(A64_MAIR_DEVICE) | A64_PTE_PXN |
		       A64_PTE_UXN;
	d |= A64_PTE_ATTR(A64_MAIR_NORMAL) | A64_PTE_SH_INNER;
	if (gpa < A64_TEXT_END)
		return d | A64_PTE_AP_RO;	/* code: read-only, executable */
	return d | A64_PTE_PXN | A64_PTE_UXN;	/* data: read-write, never run */
}

void arm64_build_page_tables(uint8_t *mem)
{
	uint64_t *l1 = (uint64_t *)(mem + A64_L1_GPA);
	uint64_t *l2 = (uint64_t *)(mem + A64_L2_GPA);

	memset(l1, 0, 4096);
	for (int i = 0; i < A64_L2_PAGES; i++)
		l1[i] = (A64_L2_GPA + i * 0x1000ull) | A64_PTE_VALID |
			A64_PTE_TABLE;
	for (uint64_t i = 0; i < A64_L2_PAGES * 512ull; i++)
		l2[i] = arm64_block_desc(i << 21);
}

const char *arm64_ec_name(uint64_t ec)
{
	switch (ec) {
	case 0x00: return "unknown reason";
	case 0x01: return "WFI/WFE";
	case 0x07: return "SVE/SIMD/FP access";
	case 0x0e: return "illegal execution state";
	case 0x15: return "SVC (AArch64)";
	case 0x16: return "HVC (AArch64)";
	case 0x17: return "SMC (AArch64)";
	case 0x18: return "MSR/MRS/system instruction";
	case 0x19: return "SVE access";
	case 0x20: return "instruction abort, lower EL";
	case 0x21: return "instruction abort, same EL";
	case 0x22: return "PC alignment fault";
	case 0x24: return "data abort, lower EL";
	case 0x25: return "data abort, same EL";
	case 0x26: return "SP alignment fault";
	case 0x2c: return "floating-point exception";
	case 0x2f: return "SError interrupt";
	case 0x30: return "breakpoint, lower EL";
	case 0x31: return "breakpoint, same EL";
	case 0x3c: return "BRK instruction";
	case 0x100: return "IRQ";	/* not an EC: the vector said so */
	case 0x101: return "FIQ";
	default: return "exception";
	}
}

const char *arm64_fsc_name(uint64_t fsc)
{
	switch (fsc & 0x3c) {
	case 0x00: return "address size fault";
	case 0x04: return "translation fault";
	case 0x08: return "access flag fault";
	case 0x0c: return "permission fault";
	}
	if (fsc == 0x21)
		return "alignment fault";
	if (fsc == 0x10)
		return "synchronous external abort";
	return NULL;
}
