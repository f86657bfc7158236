/* The VMM surface on real VMs, with tiny hand-assembled guests instead of the
 * benchmark image: per-vCPU exit counting by reason (hv-core/exit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv-core/exit.h"
#include "hv-core/hv.h"
#include "tests/kvmtest.h"
#include "tests/vmmtest.h"

/* x86: mov ecx, n; 1: out 0x80, al; dec ecx; jnz 1b; hlt */
static void out_loop(uint8_t *p, uint32_t n)
{
	static const uint8_t code[] = { 0xb9, 0, 0, 0, 0, 0xe6, 0x80, 0xff,
					0xc9, 0x75, 0xfa, 0xf4 };

	memcpy(p, code, sizeof(code));
	memcpy(p + 1, &n, 4);
}

static void test_exits_counted_by_reason(void **state)
{
	char err[256] = "";
	struct hv_vm *vm;
	struct vmm_sink sink = { 0 };

	NEED_KVM();
	NEED_X86();
	vm = vmmtest_vm(1, 32, err, sizeof(err));
	assert_int_equal(hv_vm_add_pio(vm, 0x80, 1, vmm_sink_io, &sink, err,
				       sizeof(err)), 0);
	out_loop(hv_gpa_to_hva(vm, HV_IMAGE_GPA, 16), 100);
	assert_int_equal(vmmtest_run(vm, err, sizeof(err)), 0);

	/* 100 port writes, then the HLT that ends the run. */
	assert_int_equal(sink.writes, 100);
	assert_int_equal(hv_exit_stat(&vm->vcpus[0], KVM_EXIT_IO), 100);
	assert_int_equal(hv_exit_stat(&vm->vcpus[0], KVM_EXIT_HLT), 1);
	assert_int_equal(hv_vm_exit_stat(vm, KVM_EXIT_IO), 100);
	assert_int_equal(hv_exit_stat(&vm->vcpus[0], KVM_EXIT_MMIO), 0);
	/* Every exit is in one counter: the sum is the run loop's total. */
	uint64_t sum = 0;
	for (unsigned i = 0; i < HV_EXIT_NR; i++)
		if (i != KVM_EXIT_INTR)
			sum += hv_exit_stat(&vm->vcpus[0], i);
	assert_int_equal(sum, vm->vcpus[0].exits);
	hv_exit_stats_reset(&vm->vcpus[0]);
	assert_int_equal(hv_exit_stat(&vm->vcpus[0], KVM_EXIT_IO), 0);
	hv_vm_destroy(vm);
}

static void test_exit_stat_names(void **state)
{
	(void)state;
	assert_string_equal(hv_exit_stat_name(KVM_EXIT_IO), "io");
	assert_string_equal(hv_exit_stat_name(KVM_EXIT_MMIO), "mmio");
	assert_string_equal(hv_exit_stat_name(HV_EXIT_OTHER), "other");
	assert_null(hv_exit_stat_name(HV_EXIT_NR));
	/* Names are unique: a profile keyed by them loses nothing. */
	for (unsigned i = 0; i < HV_EXIT_NR; i++)
		for (unsigned j = i + 1; j < HV_EXIT_NR; j++)
			if (hv_exit_stat_name(i) && hv_exit_stat_name(j))
				assert_string_not_equal(hv_exit_stat_name(i),
							hv_exit_stat_name(j));
	/* x86 decodes MSR exits past KVM's reason, from the arch base. */
#if defined(__x86_64__)
		assert_string_equal(hv_exit_stat_name(HV_EXIT_ARCH_BASE),
				    "x86_msr_filter");
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_stat_names),
		cmocka_unit_test(test_exits_counted_by_reason),
	};

	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
