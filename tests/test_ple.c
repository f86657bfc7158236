/* The ple family (issue 16) on real VMs: the spinlock row on 1, 2 and 4
 * vCPUs (4 overcommitted onto one host CPU) keeps its lock (the counter it
 * protects equals the sum of every vCPU's acquisitions), reports its rate
 * and KVM's counters per acquisition, records the host's PLE settings in
 * every record and, where the host has no pause-loop exiting, says so with
 * ~0 exits KVM names no reason for; PAUSE exits and halt polling turned
 * off are run or refused as this KVM's capabilities say. The lock check
 * and the settings reader are also tested on made-up inputs. */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "hvbench/measure.h"
#include "microbench/mb.h"
#include "microbench/ple/ple.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "tests/kvmtest.h"

static struct rec *run_spinlock(uint32_t vcpus, const char *cpus, const char *variant,
				int ple_off, int halt_poll_off)
{
	const struct mb_bench *b = mb_find("spinlock");
	struct mb_params p;

	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = 3;		/* CPL3 runs natively on every backend */
	p.vcpus = vcpus;
	p.min_time_ms = 20;
	p.repetitions = 2;
	p.timeout_ms = 60000;
	snprintf(p.cpus, sizeof(p.cpus), "%s", cpus);
	p.ext[mb_ext_index(b, "variant")] = !strcmp(variant, "tas");
	p.ext[mb_ext_index(b, "ple")] = ple_off;
	p.ext[mb_ext_index(b, "halt_poll")] = halt_poll_off;
	return measure_record(&env, b, &p);
}

static double value(const struct rec *r, const char *name)
{
	const struct rec_metric *m = rec_metric_find(r, name);

	if (!m)
		fail_msg("metric %s missing", name);
	assert_int_equal(m->kind, REC_VALUE);
	return m->value;
}

static bool host_has_ple(void)
{
	bool avail = false;
	json_t *o = ple_host_settings("", &host, &avail);

	assert_non_null(o);
	json_decref(o);
	return avail;
}

/* What every ok spinlock record must hold, whatever the host. */
static void check_spinlock(struct rec *r, uint32_t vcpus)
{
	assert_non_null(r);
	if (r->status != REC_OK)
		print_message("spinlock vcpus=%u: %s\n", vcpus, r->reason ? r->reason : "?");
	assert_int_equal(r->status, REC_OK);
	json_t *lc = rec_get(r, "lock_check"), *by = rec_get(r, "acquisitions_by_vcpu");
	assert_non_null(lc);
	assert_non_null(by);
	assert_int_equal(json_array_size(by), vcpus);
	json_int_t sum = 0, counter = json_integer_value(json_object_get(lc, "counter"));
	size_t i;
	json_t *v;
	json_array_foreach(by, i, v) {
		assert_true(json_integer_value(v) > 0);	/* every vCPU took the lock */
		sum += json_integer_value(v);
	}
	assert_int_equal(sum, json_integer_value(json_object_get(lc, "acquisitions")));
	/* one ahead only when a vCPU was stopped inside its section */
	if (json_integer_value(json_object_get(lc, "holder_at_end")))
		assert_true(counter == sum || counter == sum + 1);
	else
		assert_int_equal(counter, sum);
	assert_true(value(r, "acquisitions") == (double)sum);
	assert_true(value(r, "vcpus") == vcpus);
	assert_true(value(r, "acquisitions_per_s") > 0);
	double share = value(r, "spin_share");
	assert_true(share >= 0 && share <= 1);
	assert_true(value(r, "per_acquisition/directed_yield_attempted") >= 0);
	assert_non_null(rec_metric_find(r, "cycles"));
	/* the host's settings, in every record */
	json_t *ph = rec_get(r, "ple_host");
	assert_non_null(ph);
	assert_non_null(json_object_get(ph, "params"));
	assert_non_null(json_object_get(ph, "absent"));
	double unnamed = value(r, "per_acquisition/pause_exits_max");
	if (!host_has_ple()) {
		/* nothing intercepts PAUSE: spinning cannot exit */
		const char *note = json_string_value(rec_get(r, "ple"));
		assert_non_null(note);
		assert_non_null(strstr(note, "PLE not available on this host"));
		assert_true(unnamed < 0.01);
	} else {
		assert_null(rec_get(r, "ple"));
	}
	print_message("spinlock vcpus=%u: %.0f acq/s, acquire p50 %.1f p99 %.1f %s (n=%llu), spin share %.2f, %.4f exits and at most %.4f pause exits per acquisition\n",
		      vcpus, value(r, "acquisitions_per_s"),
		      rec_metric_stat(rec_metric_find(r, "cycles"), "p50"),
		      rec_metric_stat(rec_metric_find(r, "cycles"), "p99"), r->unit,
		      (unsigned long long)rec_metric_find(r, "cycles")->st.n, share,
		      value(r, "per_acquisition/exits"), unnamed);
}

static void test_spinlock_one(void **state)
{
	NEED_KVM();
	struct rec *r = run_spinlock(1, "", "ticket", 0, 0);
	check_spinlock(r, 1);
	assert_true(value(r, "timed_vcpu_share") > 0.99);	/* alone: every acquisition is its own */
	rec_free(r);
}

static void test_spinlock_two(void **state)
{
	NEED_KVM();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	const char *variants[] = { "ticket", "tas" };
	for (int k = 0; k < 2; k++) {
		struct rec *r = run_spinlock(2, "", variants[k], 0, 0);
		check_spinlock(r, 2);
		rec_free(r);
	}
}

/* Four vCPUs on one host CPU: the lock holder is preempted, the lock
 * still holds. */
static void test_spinlock_overcommit(void **state)
{
	NEED_KVM();
	struct rec *r = run_spinlock(4, "0", "ticket", 0, 0);
	check_spinlock(r, 4);
	assert_true(value(r, "overcommit") == 4);
	rec_free(r);
}

static int kvm_check(long cap)
{
	int fd = open("/dev/kvm", O_RDWR);
	int r = fd < 0 ? -1 : ioctl(fd, KVM_CHECK_EXTENSION, cap);

	if (fd >= 0)
		close(fd);
	return r;
}

/* PAUSE exits off and halt polling off: run where KVM offers them,
 * unsupported naming the capability where it does not. */
static void test_ple_off(void **state)
{
	NEED_KVM();
	int bits = kvm_check(KVM_CAP_X86_DISABLE_EXITS);
	struct rec *r = run_spinlock(2, "0", "tas", 1, 0);

	assert_non_null(r);
	if (mb_host_arch() == MB_ARCH_X86 && bits > 0 && (bits & KVM_X86_DISABLE_EXITS_PAUSE)) {
		check_spinlock(r, 2);
	} else {
		assert_int_equal(r->status, REC_UNSUPPORTED);
		assert_non_null(r->reason);
		assert_true(strstr(r->reason, "KVM_CAP_X86_DISABLE_EXITS") || strstr(r->reason, "WFE"));
	}
	rec_free(r);
	r = run_spinlock(2, "0", "ticket", 0, 1);
	assert_non_null(r);
	if (kvm_check(KVM_CAP_HALT_POLL) > 0) {
		check_spinlock(r, 2);
	} else {
		assert_int_equal(r->status, REC_UNSUPPORTED);
		assert_non_null(strstr(r->reason, "KVM_CAP_HALT_POLL"));
	}
	rec_free(r);
}

/* PAUSE alone: where nothing intercepts it, "no PLE" and no exit. */
static void test_ple_probe(void **state)
{
	NEED_KVM();
	const struct mb_bench *b = mb_find("ple_probe");
	struct mb_params p;

	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = 3;
	p.min_time_ms = 20;
	p.repetitions = 2;
	p.timeout_ms = 60000;
	p.ext[mb_ext_index(b, "turns")] = 4096;
	struct rec *r = measure_record(&env, b, &p);
	assert_non_null(r);
	if (r->status != REC_OK)
		print_message("ple_probe: %s\n", r->reason ? r->reason : "?");
	assert_int_equal(r->status, REC_OK);
	assert_non_null(rec_get(r, "ple_host"));
	const char *note = json_string_value(rec_get(r, "ple_probe"));
	assert_non_null(note);
	double pauses = value(r, "pauses");
	assert_true(pauses == 4096.0 * rec_metric_find(r, "cycles")->st.n);
	print_message("ple_probe: %s; %.1f %s per PAUSE\n", note, value(r, "cycles_per_pause"), r->unit);
	if (!host_has_ple()) {
		assert_non_null(strstr(note, "no PLE: no exit in"));
		assert_null(rec_metric_find(r, "pauses_per_exit"));
	}
	rec_free(r);
}

static void test_lock_check(void **state)
{
	char why[256];

	assert_int_equal(ple_lock_check(100, 100, 0, 4, why, sizeof(why)), 0);
	assert_int_equal(ple_lock_check(101, 100, 3, 4, why, sizeof(why)), 0);	/* stopped inside */
	assert_int_equal(ple_lock_check(100, 100, 3, 4, why, sizeof(why)), 0);
	assert_int_equal(ple_lock_check(99, 100, 0, 4, why, sizeof(why)), -1);	/* a lost update */
	assert_non_null(strstr(why, "let two in"));
	assert_int_equal(ple_lock_check(101, 100, 0, 4, why, sizeof(why)), -1);
	assert_int_equal(ple_lock_check(102, 100, 1, 4, why, sizeof(why)), -1);
	assert_int_equal(ple_lock_check(100, 100, 5, 4, why, sizeof(why)), -1);	/* no such vCPU */
}

static void put(const char *root, const char *mod, const char *param, const char *val)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/sys/module/%s/parameters", root, mod);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", param);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(val, f);
	fclose(f);
}

/* The settings reader on made-up sysfs trees: VT-x with PLE, SVM with
 * the filter off, neither module, and a value that is not a number. */
static void test_host_settings(void **state)
{
	char root[] = "/tmp/hvbench-ple-XXXXXX";
	bool avail = true;
	json_t *o;

	assert_non_null(mkdtemp(root));
	o = ple_host_settings(root, &host, &avail);	/* nothing there */
	assert_false(avail);
	assert_int_equal(json_array_size(json_object_get(o, "absent")), 11);
	assert_string_equal(json_string_value(json_object_get(o, "pause_exiting")), "not available");
	json_decref(o);

	put(root, "kvm_amd", "pause_filter_count", "0\n");
	put(root, "kvm", "halt_poll_ns", "200000\n");
	o = ple_host_settings(root, &host, &avail);
	assert_false(avail);
	assert_non_null(strstr(json_string_value(json_object_get(o, "reason")), "pause_filter_count is 0"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "params"), "kvm.halt_poll_ns")), 200000);
	json_decref(o);

	put(root, "kvm_intel", "ple_gap", "128\n");
	put(root, "kvm_intel", "ple_window", "4096\n");
	put(root, "kvm_intel", "ple_window_max", "garbage\n");
	o = ple_host_settings(root, &host, &avail);
	assert_true(avail);
	json_t *params = json_object_get(o, "params");
	assert_int_equal(json_integer_value(json_object_get(params, "kvm_intel.ple_window")), 4096);
	assert_null(json_object_get(params, "kvm_intel.ple_window_max"));	/* not a number: absent */
	json_decref(o);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_check),
		cmocka_unit_test(test_host_settings),
		cmocka_unit_test(test_spinlock_one),
		cmocka_unit_test(test_spinlock_two),
		cmocka_unit_test(test_spinlock_overcommit),
		cmocka_unit_test(test_ple_off),
		cmocka_unit_test(test_ple_probe),
	};
	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
