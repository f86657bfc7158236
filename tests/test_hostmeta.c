/* The result's host metadata (probes/hostmeta.c, issue 19) read from fake
 * /proc and /sys trees: the CPU's identity on x86 and arm64, the kernel
 * command line, the boot id, every KVM module parameter, huge pages, cpufreq, SMT; a
 * missing file is left out; hostile text (control bytes, non-ASCII, a huge
 * value) comes out bounded printable ASCII. And the machine's own tree
 * gives at least the CPU and the memory blocks. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "probes/hostmeta.h"

static char root[PATH_MAX];

static void put_file(const char *rel, const char *text)
{
	char path[PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	/* every parent folder, then the file */
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *str(json_t *o, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return json_string_value(v);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/hvbench-test-hostmeta-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_x86_tree(void **state)
{
	put_file("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\n"
		 "model name\t: Intel(R) Xeon(R)\nstepping\t: 8\nmicrocode\t: 0x2b000590\n\n"
		 "processor\t: 1\nvendor_id\t: OtherVendor\n");
	put_file("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 kvm-intel.ept=1\n");
	put_file("/proc/sys/kernel/random/boot_id", "0b7e5c1a-2f3d-4e6b-9a8c-1d2e3f405162\n");
	put_file("/sys/module/kvm/parameters/halt_poll_ns", "200000\n");
	put_file("/sys/module/kvm_intel/parameters/ept", "Y\n");
	put_file("/sys/module/kvm_intel/parameters/ple_gap", "128\n");
	put_file("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	put_file("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "64\n");
	put_file("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "60\n");
	put_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
	put_file("/sys/devices/system/cpu/smt/control", "on\n");
	put_file("/sys/devices/system/cpu/smt/active", "1\n");
	json_t *m = hostmeta_json(root);

	assert_non_null(m);
	assert_string_equal(str(m, "cpu", "vendor", NULL), "GenuineIntel");	/* the first block's */
	assert_string_equal(str(m, "cpu", "family", NULL), "6");
	assert_string_equal(str(m, "cpu", "model", NULL), "143");
	assert_string_equal(str(m, "cpu", "stepping", NULL), "8");
	assert_string_equal(str(m, "cpu", "microcode", NULL), "0x2b000590");
	assert_null(str(m, "cpu", "part", NULL));
	assert_string_equal(str(m, "kernel_cmdline", NULL, NULL), "BOOT_IMAGE=/vmlinuz root=/dev/sda1 kvm-intel.ept=1");
	assert_string_equal(str(m, "boot_id", NULL, NULL), "0b7e5c1a-2f3d-4e6b-9a8c-1d2e3f405162");
	assert_string_equal(str(m, "kvm_params", "kvm", "halt_poll_ns"), "200000");
	assert_string_equal(str(m, "kvm_params", "kvm_intel", "ept"), "Y");
	assert_string_equal(str(m, "kvm_params", "kvm_intel", "ple_gap"), "128");
	assert_null(json_object_get(json_object_get(m, "kvm_params"), "kvm_amd"));	/* not loaded */
	assert_string_equal(str(m, "memory", "thp_enabled", NULL), "always [madvise] never");
	assert_null(json_object_get(json_object_get(m, "memory"), "thp_defrag"));	/* no file */
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(
		json_object_get(m, "memory"), "hugepages"), "2048kB"), "free")), "60");
	assert_string_equal(str(m, "cpufreq", "governor", NULL), "performance");
	assert_string_equal(str(m, "smt", "control", NULL), "on");
	json_decref(m);
}

static void test_arm64_and_hostile(void **state)
{
	char big[2000];

	memset(big, 'A', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	put_file("/proc/cpuinfo", "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n"
		 "CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd0c\nCPU revision\t: 1\n");
	put_file("/proc/cmdline", "quiet \x1b[2J\x07 kvm-arm.mode=nvhe \xc3\xa9\n");
	put_file("/sys/module/kvm/parameters/evil", big);
	json_t *m = hostmeta_json(root);

	assert_non_null(m);
	assert_string_equal(str(m, "cpu", "implementer", NULL), "0x41");
	assert_string_equal(str(m, "cpu", "architecture", NULL), "8");
	assert_string_equal(str(m, "cpu", "part", NULL), "0xd0c");
	assert_null(str(m, "cpu", "vendor", NULL));
	/* control bytes and non-ASCII become '?', and the value is bounded */
	assert_string_equal(str(m, "kernel_cmdline", NULL, NULL), "quiet ?[2J? kvm-arm.mode=nvhe ??");
	const char *e = str(m, "kvm_params", "kvm", "evil");
	assert_non_null(e);
	assert_true(strlen(e) <= 255);
	json_decref(m);
}

static void test_this_machine(void **state)
{
	json_t *m = hostmeta_json("");

	assert_non_null(m);
	assert_true(json_is_object(json_object_get(m, "cpu")));
	assert_true(json_object_size(json_object_get(m, "cpu")) > 0);
	assert_true(json_is_object(json_object_get(json_object_get(m, "memory"), "hugepages")));
	if (access("/proc/sys/kernel/random/boot_id", R_OK) == 0)
		assert_int_equal(strlen(str(m, "boot_id", NULL, NULL)), 36);	/* a UUID */
	/* /dev/kvm here means the kvm module's parameters are there */
	if (access("/dev/kvm", F_OK) == 0 && access("/sys/module/kvm/parameters", F_OK) == 0)
		assert_true(json_object_size(json_object_get(json_object_get(m, "kvm_params"), "kvm")) > 0);
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_tree),
		cmocka_unit_test(test_arm64_and_hostile),
		cmocka_unit_test(test_this_machine),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
