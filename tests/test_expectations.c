/* The table's per-vendor exit expectations (microbench/exitcost.c
 * expected_on): what each row expects on SVM, VT-x and PVM hosts, and that
 * rows without a rule keep their one number everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "microbench/mb.h"
#include "probes/hostinfo.h"

static double expect(const char *row, const char *backend, int cpl, char *why, size_t len)
{
	struct hostinfo hi;
	const struct mb_bench *b = mb_find(row);

	assert_non_null(b);
	memset(&hi, 0, sizeof(hi));
	snprintf(hi.backend, sizeof(hi.backend), "%s", backend);
	return mb_expected_exits(b, &hi, cpl, why, len);
}

static void test_cr8_syscall(void **state)
{
	char why[300];

	(void)state;
	assert_true(expect("cr8", "svm", 0, why, sizeof(why)) == 0);
	assert_non_null(strstr(why, "V_INTR_MASKING"));
	assert_true(expect("cr8", "vmx", 0, why, sizeof(why)) == 0);
	assert_non_null(strstr(why, "TPR shadow"));
	assert_true(expect("cr8", "pvm", 0, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "not checked"));
	assert_true(expect("syscall", "svm", 3, why, sizeof(why)) == 0);
	assert_true(expect("syscall", "vmx", 3, why, sizeof(why)) == 0);
	assert_true(expect("syscall", "pvm", 3, why, sizeof(why)) < 0);
	assert_non_null(mb_find("cr8")->expected_rules);
}

static void test_ipi(void **state)
{
	char why[300];

	(void)state;
	/* Without kvm_amd loaded (or with AVIC off) SVM's rule is 3. */
	if (access("/sys/module/kvm_amd/parameters/avic", R_OK) != 0) {
		assert_true(expect("ipi", "svm", 0, why, sizeof(why)) == 3);
		assert_non_null(strstr(why, "without AVIC"));
	}
	if (access("/sys/module/kvm_intel/parameters/enable_apicv", R_OK) != 0)
		assert_true(expect("ipi", "vmx", 0, why, sizeof(why)) < 0);
	assert_true(expect("ipi", "arm64-vhe", 0, why, sizeof(why)) < 0);
	assert_true(expect("ipi", "pvm", 0, why, sizeof(why)) < 0);
}

static void test_rows_without_rule(void **state)
{
	char why[300] = "x";

	(void)state;
	/* One number for every host, and no rule text. */
	assert_true(expect("cpuid", "svm", 0, why, sizeof(why)) == 1);
	assert_string_equal(why, "");
	assert_true(expect("cpuid", "pvm", 3, why, sizeof(why)) == 1);
	assert_true(expect("rdtsc", "vmx", 0, why, sizeof(why)) == 0);
	assert_true(mb_expected_exits(mb_find("cr8"), NULL, 0, NULL, 0) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr8_syscall),
		cmocka_unit_test(test_ipi),
		cmocka_unit_test(test_rows_without_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
