/* The arm64 backend's host-side encodings, checked on any build host: the
 * stage-1 identity map the VMM writes into guest memory, the system-register
 * values start.S loads, the PSTATE values for KVM_SET_ONE_REG, and the words
 * for ESR fields. The pure file is compiled in (it is not part of the x86
 * library). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv-core/arch/arm64/layout.c"

#define MIB (1ull << 20)
#define OA(d) ((d) & 0x0000fffffffff000ull)	/* output address bits */
#define ATTR(d) (((d) >> 2) & 7)

static uint8_t *mem;

static int setup(void **state)
{
	mem = calloc(1, 1 * MIB);
	arm64_build_page_tables(mem);
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	free(mem);
	return 0;
}

/* Walks the tables like the MMU (T0SZ 25: level 1, then level 2 blocks). */
static uint64_t walk(uint64_t va)
{
	uint64_t *l1 = (uint64_t *)(mem + A64_L1_GPA);
	uint64_t t = l1[(va >> 30) & 511];

	assert_true(t & A64_PTE_VALID);
	assert_true(t & A64_PTE_TABLE);
	uint64_t *l2 = (uint64_t *)(mem + OA(t));
	uint64_t d = l2[(va >> 21) & 511];

	assert_true(d & A64_PTE_VALID);
	assert_false(d & A64_PTE_TABLE);	/* a 2 MiB block */
	return d;
}

static void test_identity(void **state)
{
	for (uint64_t va = 0; va < (4ull << 30); va += 2 * MIB)
		assert_int_equal(OA(walk(va)), va);
	/* The tables themselves stay below the image. */
	assert_true(A64_L2_GPA + A64_L2_PAGES * 4096 <= HV_IMAGE_GPA);
}

static void test_image_rx_everywhere(void **state)
{
	uint64_t d = walk(HV_IMAGE_GPA);

	assert_true(HV_IMAGE_GPA + HV_IMAGE_MAX <= A64_TEXT_END);
	assert_int_equal(ATTR(d), A64_MAIR_NORMAL);
	assert_true(d & A64_PTE_AF);
	assert_true(d & A64_PTE_AP_RO);		/* EL0-writable would be PXN */
	assert_true(d & A64_PTE_AP_EL0);	/* EL0 bodies run from the image */
	assert_false(d & A64_PTE_PXN);
	assert_false(d & A64_PTE_UXN);
	assert_int_equal(d & A64_PTE_SH_INNER, A64_PTE_SH_INNER);
}

static void test_data_rw_el0_xn(void **state)
{
	const uint64_t gpas[] = { HV_SHARED_GPA, HV_STACKS_GPA, HV_SCRATCH_GPA,
				  HV_MMIO_BASE - 2 * MIB, HV_SYS_GPA,
				  HV_VCPU_AREA_GPA(HV_MAX_VCPUS - 1) };

	for (size_t i = 0; i < sizeof(gpas) / sizeof(gpas[0]); i++) {
		uint64_t d = walk(gpas[i]);

		assert_int_equal(ATTR(d), A64_MAIR_NORMAL);
		assert_true(d & A64_PTE_AP_EL0);
		assert_false(d & A64_PTE_AP_RO);
		assert_true(d & A64_PTE_PXN);
		assert_true(d & A64_PTE_UXN);
	}
	/* The shared page starts where the read-only image region ends. */
	assert_true(HV_SHARED_GPA >= A64_TEXT_END);
}

static void test_mmio_device(void **state)
{
	const uint64_t gpas[] = { HV_UCALL_MMIO, HV_MMIO_USER, HV_MMIO_KERNEL,
				  A64_GICD_GPA, A64_GICR_GPA };

	for (size_t i = 0; i < sizeof(gpas) / sizeof(gpas[0]); i++) {
		uint64_t d = walk(gpas[i]);

		assert_int_equal(ATTR(d), A64_MAIR_DEVICE);
		assert_true(d & A64_PTE_AP_EL0);
		assert_false(d & A64_PTE_AP_RO);
		assert_true(d & A64_PTE_PXN);
		assert_true(d & A64_PTE_UXN);
	}
	/* MAIR: attr0 normal WB RA/WA, attr1 Device-nGnRE. */
	assert_int_equal(A64_MAIR_VALUE & 0xff, 0xff);
	assert_int_equal((A64_MAIR_VALUE >> 8) & 0xff, 0x04);
	/* The vGIC frames do not overlap the benchmark devices. */
	assert_true(A64_GICD_GPA > HV_MMIO_KERNEL + 0x1000);
	assert_true(A64_GICR_GPA >= A64_GICD_GPA + 0x10000);
	assert_true(A64_GICR_GPA + HV_MAX_VCPUS * 0x20000ull <= HV_SYS_GPA);
}

static void test_sysregs(void **state)
{
	uint64_t tcr = A64_TCR_VALUE, sctlr = A64_SCTLR_VALUE;

	assert_int_equal(tcr & 0x3f, 64 - A64_VA_BITS);	/* T0SZ 25: 512 GiB */
	assert_int_equal(A64_VA_BITS, 39);		/* level-1 start, 512 entries */
	assert_int_equal((tcr >> 8) & 3, 1);		/* IRGN0 WB WA */
	assert_int_equal((tcr >> 10) & 3, 1);		/* ORGN0 WB WA */
	assert_int_equal((tcr >> 12) & 3, 3);		/* SH0 inner */
	assert_int_equal((tcr >> 14) & 3, 0);		/* TG0 4K */
	assert_true(tcr & (1ull << 23));		/* EPD1 */
	assert_int_equal((tcr >> 32) & 7, 2);		/* IPS 40 bits: KVM's default IPA */
	assert_false(tcr & (1ull << 22));		/* A1 0: the ASID is TTBR0's */
	assert_false(tcr & (1ull << 36));		/* AS 0: 8-bit ASIDs */
	assert_int_equal(sctlr, 0x30d00800ull | 1 << 0 | 1 << 2 | 1 << 12 |
			 1 << 15 | 1 << 16 | 1 << 18);
	assert_false(sctlr & (1ull << 19));		/* no WXN */
	assert_true(sctlr & (1ull << 23));		/* SPAN: PAN stays off */
	assert_int_equal(A64_CNTKCTL_VALUE & 3, 3);	/* EL0 reads the counters */
	assert_int_equal(A64_PSTATE_EL1H, 0x3c5);
	assert_int_equal(A64_PSTATE_EL0T, 0x3c0);
}

static void test_esr_words(void **state)
{
	assert_string_equal(arm64_ec_name(0x25), "data abort, same EL");
	assert_string_equal(arm64_ec_name(0x24), "data abort, lower EL");
	assert_string_equal(arm64_ec_name(0x16), "HVC (AArch64)");
	assert_string_equal(arm64_ec_name(0x00), "unknown reason");
	assert_string_equal(arm64_ec_name(0x100), "IRQ");
	assert_string_equal(arm64_ec_name(0x3b), "exception");
	/* The fault test's read beyond TTBR0's 512 GiB: translation fault,
	 * level 0 (ESR 0x96000004 from EL1). */
	assert_int_equal(0x96000004u >> 26, 0x25);
	assert_string_equal(arm64_fsc_name(0x96000004u & 0x3f), "translation fault");
	assert_string_equal(arm64_fsc_name(0x0f), "permission fault");
	assert_string_equal(arm64_fsc_name(0x21), "alignment fault");
	assert_null(arm64_fsc_name(0x30));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_rx_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_rw_el0_xn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_device, setup, teardown),
		cmocka_unit_test(test_sysregs),
		cmocka_unit_test(test_esr_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
