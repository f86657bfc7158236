/* Tests for the host probes (kvmstats, pmu, topo, hostinfo) against this
 * real machine and its /dev/kvm. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "probes/hostinfo.h"
#include "probes/kvmstats.h"
#include "probes/pmu.h"
#include "probes/topo.h"

static void print_stats(const char *what, struct kvmstats *s)
{
	size_t i;

	printf("# %s stats (%s):", what, kvmstats_id(s));
	for (i = 0; i < kvmstats_count(s); i++)
		printf(" %s%s", kvmstats_name(s, i),
		       kvmstats_is_cumulative(s, i) ? "" : "(i)");
	printf("\n");
}

static void check_monotonic(struct kvmstats *s)
{
	size_t i, n = kvmstats_count(s);
	uint64_t *a = calloc(n, sizeof(*a)), *b = calloc(n, sizeof(*b));

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(kvmstats_read(s, a), 0);
	assert_int_equal(kvmstats_read(s, b), 0);
	for (i = 0; i < n; i++)
		if (kvmstats_is_cumulative(s, i))
			assert_true(b[i] >= a[i]);
	free(a);
	free(b);
}

static void test_kvmstats(void **state)
{
	struct kvmstats *vm_st = NULL, *vcpu_st = NULL;
	char err[256];
	int kvm, vm, vcpu, i;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("# skip: open /dev/kvm: %s\n", strerror(errno));
		skip();
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		printf("# skip: ioctl KVM_CREATE_VM: %s\n", strerror(errno));
		close(kvm);
		skip();
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		printf("# skip: ioctl KVM_CREATE_VCPU: %s\n", strerror(errno));
		close(vm);
		close(kvm);
		skip();
	}

	assert_int_equal(kvmstats_open(vcpu, &vcpu_st, err, sizeof(err)), 0);
	assert_int_equal(kvmstats_open(vm, &vm_st, err, sizeof(err)), 0);
	print_stats("vcpu", vcpu_st);
	print_stats("vm", vm_st);

	assert_true(kvmstats_index(vcpu_st, "exits") >= 0);
	assert_true(kvmstats_index(vcpu_st, "io_exits") >= 0);
	assert_true(kvmstats_index(vcpu_st, "halt_exits") >= 0);
	assert_true(kvmstats_is_cumulative(vcpu_st,
					   kvmstats_index(vcpu_st, "exits")));
	assert_int_equal(kvmstats_index(vcpu_st, "no_such_stat"), -1);
	assert_true(kvmstats_index(vm_st, "pages_4k") >= 0 ||
		    kvmstats_index(vm_st, "mmu_shadow_zapped") >= 0);
	/* pages_4k is a level (INSTANT): a delta of it would be meaningless. */
	i = kvmstats_index(vm_st, "pages_4k");
	if (i >= 0)
		assert_false(kvmstats_is_cumulative(vm_st, i));
	for (i = 0; i < (int)kvmstats_count(vcpu_st); i++)
		assert_int_equal(kvmstats_index(vcpu_st,
						kvmstats_name(vcpu_st, i)), i);

	check_monotonic(vcpu_st);
	check_monotonic(vm_st);

	kvmstats_close(vcpu_st);
	kvmstats_close(vm_st);
	close(vcpu);
	close(vm);
	close(kvm);
}

static void test_kvmstats_bad_fd(void **state)
{
	struct kvmstats *s = (void *)1;
	char err[256] = "";
	int fd = open("/dev/null", O_RDONLY);

	assert_true(fd >= 0);
	assert_true(kvmstats_open(fd, &s, err, sizeof(err)) < 0);
	assert_null(s);
	assert_non_null(strstr(err, "KVM_GET_STATS_FD"));
	close(fd);
}

static void test_pmu(void **state)
{
	const char *names[] = { "perf::PERF_COUNT_SW_TASK_CLOCK", "cycles",
				"no-such-event" };
	struct pmu_set *p = NULL;
	uint64_t v0[3], v1[3];
	volatile uint64_t x = 0;
	char err[256];
	size_t i;
	json_t *l;

	assert_int_equal(pmu_set_open(names, 3, 0, &p, err, sizeof(err)), 0);
	assert_int_equal(pmu_set_count(p), 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(pmu_set_name(p, i), names[i]);
		printf("# pmu %s: %s\n", names[i],
		       pmu_set_unavailable_reason(p, i) ?
		       pmu_set_unavailable_reason(p, i) : "available");
	}
	assert_null(pmu_set_unavailable_reason(p, 0));
	assert_non_null(pmu_set_unavailable_reason(p, 2));
	assert_true(strlen(pmu_set_unavailable_reason(p, 2)) > 0);

	assert_int_equal(pmu_set_read(p, v0), 0);
	for (i = 0; i < 20000000; i++)
		x += i;
	assert_int_equal(pmu_set_read(p, v1), 0);
	printf("# task clock delta over busy loop: %llu ns (sum %llu)\n",
	       (unsigned long long)(v1[0] - v0[0]), (unsigned long long)x);
	assert_true(v1[0] > v0[0]);
	assert_int_equal(v1[2], 0);
	if (pmu_set_unavailable_reason(p, 1))
		assert_int_equal(v1[1], 0);
	else
		assert_true(v1[1] >= v0[1]);
	pmu_set_close(p);

	l = pmu_list_json();
	assert_non_null(l);
	assert_non_null(json_object_get(l, "pmus"));
	json_decref(l);
}

static void test_topo(void **state)
{
	static const char *keys[] = { "packages", "numa_nodes", "cores", "pus",
				      "smt", "machine", "caches" };
	struct topo *t = NULL;
	char err[256];
	cpu_set_t set;
	json_t *j;
	size_t i;
	int cpus = 0;

	assert_int_equal(topo_open(&t, err, sizeof(err)), 0);
	assert_true(topo_num_cores(t) >= 1);
	assert_true(topo_num_pus(t) >= topo_num_cores(t));
	j = topo_json(t);
	assert_non_null(j);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(json_object_get(j, keys[i]));
	assert_true(json_is_array(json_object_get(j, "caches")));
	json_decref(j);

	/* Pinning: pin vCPU i onto one CPU of the placement, wrapping. */
	cpu_set_t *aff = NULL;
	uint32_t n;
	CPU_ZERO(&set);
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	n = (uint32_t)CPU_COUNT(&set) + 1;
	assert_int_equal(topo_vcpu_affinity(NULL, true, n, &aff, err, sizeof(err)), 0);
	assert_non_null(aff);
	for (uint32_t a = 0; a < n; a++) {
		assert_int_equal(CPU_COUNT(&aff[a]), 1);
		for (uint32_t b = 0; b < a && a < n - 1; b++)
			assert_false(CPU_EQUAL(&aff[a], &aff[b]));
	}
	assert_true(CPU_EQUAL(&aff[n - 1], &aff[0]));
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &aff[0]))
			assert_int_equal(topo_pin_thread(pthread_self(), c, err, sizeof(err)), 0);
	free(aff);
	CPU_ZERO(&set);
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	cpus = CPU_COUNT(&set);
	assert_int_equal(cpus, 1);

	/* Leave the test process unpinned for whatever runs next. */
	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
	topo_close(t);
}

/* CPU lists and placement on a set: what the "cpus" parameter does. */
static void test_placement(void **state)
{
	static const char *const bad[] = { "", "a", "1-", "-1", "3-1", "1,,2",
					   "1,", "0 1", "99999" };
	cpu_set_t set, allowed;
	cpu_set_t *aff = NULL;
	char err[256];
	int first = -1;

	assert_int_equal(topo_parse_cpus("0-1,3", &set, err, sizeof(err)), 0);
	assert_int_equal(CPU_COUNT(&set), 3);
	assert_true(CPU_ISSET(0, &set) && CPU_ISSET(1, &set) && CPU_ISSET(3, &set));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(topo_parse_cpus(bad[i], &set, err, sizeof(err)), -EINVAL);
		assert_true(err[0] != '\0');
	}
	/* Nothing asked: no placement at all. */
	assert_int_equal(topo_vcpu_affinity("", false, 4, &aff, err, sizeof(err)), 0);
	assert_null(aff);
	/* A set without pin: every vCPU may use the whole set. */
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
		if (CPU_ISSET(c, &allowed))
			first = c;
	char list[16];
	snprintf(list, sizeof(list), "%d", first);
	assert_int_equal(topo_vcpu_affinity(list, false, 3, &aff, err, sizeof(err)), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(CPU_COUNT(&aff[i]), 1);
		assert_true(CPU_ISSET(first, &aff[i]));
	}
	free(aff);
	/* A set this process cannot run on is an error, not a silent no-op. */
	snprintf(list, sizeof(list), "%d", CPU_SETSIZE - 1);
	if (!CPU_ISSET(CPU_SETSIZE - 1, &allowed))
		assert_int_equal(topo_vcpu_affinity(list, true, 1, &aff, err, sizeof(err)), -EINVAL);
}

static void test_hostinfo(void **state)
{
	static const char *keys[] = {
		"hostname", "kernel", "cpu_vendor", "cpu_model", "arch",
		"backend", "paging", "kvm_api_version", "kvm_error", "tsc_khz",
		"tsc_source", "tsc_invariant", "pmu_available", "pmu_reason",
		"ple_gap", "ple_window", "ple_source", "nr_cpus", "mem_bytes",
	};
	struct hostinfo hi;
	struct stat st;
	json_t *j, *caps, *sriov;
	size_t i;

	assert_int_equal(hostinfo_probe(&hi), 0);
	j = hostinfo_json(&hi);
	assert_non_null(j);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(json_object_get(j, keys[i]));
	{
		char *s = json_dumps(j, JSON_COMPACT);

		printf("# host: %s\n", s);
		free(s);
	}
	json_decref(j);

	if (stat("/sys/module/kvm_pvm", &st) == 0) {
		assert_string_equal(hi.backend, "pvm");
		assert_string_equal(hi.paging, "shadow");
	}
	assert_true(hi.nr_cpus >= 1);
	assert_true(hi.mem_bytes > 0);
	if (!strcmp(hi.arch, "x86_64")) {
		assert_true(hi.tsc_khz >= 100000);
		assert_true(hi.tsc_khz <= 10000000);
	} else {
		assert_true(hi.tsc_khz > 0);
	}
	if (hi.pmu_available)
		assert_string_equal(hi.pmu_reason, "");
	else
		assert_true(strlen(hi.pmu_reason) > 0);
	if (stat("/dev/kvm", &st) == 0 && hi.kvm_error[0] == '\0')
		assert_int_equal(hi.kvm_api_version, KVM_API_VERSION);

	caps = hostinfo_kvm_caps_json();
	assert_non_null(caps);
	{
		char *s = json_dumps(caps, JSON_COMPACT);

		printf("# kvm caps: %s\n", s);
		free(s);
	}
	if (!json_object_get(caps, "error"))
		assert_true(json_is_integer(json_object_get(caps,
							    "KVM_CAP_BINARY_STATS_FD")));
	json_decref(caps);

	sriov = hostinfo_sriov_json();
	assert_true(json_is_array(sriov));
	json_decref(sriov);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvmstats),
		cmocka_unit_test(test_kvmstats_bad_fd),
		cmocka_unit_test(test_pmu),
		cmocka_unit_test(test_topo),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_hostinfo),
	};

	return cmocka_run_group_tests_name("hostprobes", tests, NULL, NULL);
}
