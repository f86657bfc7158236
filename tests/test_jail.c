/* Least privilege on a real VM: a benchmark run in its jail (a child
 * process, root dropped where /dev/kvm's group allows, no_new_privs, the
 * seccomp allowlist) gives the same statuses and exit counts as in-process;
 * a forbidden call or a crash in the child ends only that benchmark. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hvbench/jail.h"
#include "hvbench/measure.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "tests/kvmtest.h"

static json_t *jailed(const char *name, struct jail_opts *o)
{
	const struct mb_bench *b = mb_find(name);
	struct mb_params p;

	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = MB_CPL_AUTO;
	p.min_time_ms = 20;
	p.max_iters = 2000;
	p.repetitions = 2;
	p.timeout_ms = 30000;
	measure_resolve_cpl(b, &p, env.cpl0_slowdown);
	json_t *rec = measure_run_jailed(&env, b, &p, o);
	assert_non_null(rec);
	return rec;
}

static const char *str(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

/* Every row of the table runs inside the filter as it runs outside: a
 * system call the allowlist forgot would turn a row into "failed". */
static void test_every_row_runs_jailed(void **state)
{
	struct jail_opts o;

	NEED_KVM();
	jail_opts_default(&o);
	for (size_t i = 0; i < mb_count(); i++) {
		const struct mb_bench *b = mb_get(i);
		if (!(b->archs & mb_host_arch()))
			continue;
		json_t *rec = jailed(b->name, &o);
		if (!strcmp(str(rec, "status"), "failed") &&
		    (strstr(str(rec, "reason"), "seccomp") || strstr(str(rec, "reason"), "benchmark process")))
			fail_msg("%s in its jail: %s", b->name, str(rec, "reason"));
		json_t *iso = json_object_get(rec, "isolation");
		if (strcmp(str(rec, "status"), "failed")) {
			assert_non_null(iso);
			assert_true(json_is_true(json_object_get(iso, "seccomp")));
		}
		json_decref(rec);
	}
}

/* As root with a group-accessible /dev/kvm the child is not root. */
static void test_root_is_dropped(void **state)
{
	struct jail_opts o;
	struct stat st;

	NEED_KVM();
	if (geteuid() != 0 || stat("/dev/kvm", &st) < 0 || (st.st_mode & 0060) != 0060) {
		print_message("SKIP: not root, or /dev/kvm not group read-write\n");
		skip();
	}
	jail_opts_default(&o);
	json_t *rec = jailed("mmio_user", &o);
	assert_string_equal(str(rec, "status"), "ok");
	json_t *iso = json_object_get(rec, "isolation");
	assert_true(json_integer_value(json_object_get(iso, "uid")) != 0);
	assert_true(fabs(json_number_value(json_object_get(json_object_get(rec, "exits_per_op"),
							   "mmio_exits")) - 1.0) < 0.05);
	json_decref(rec);
}

static void test_violation_is_reported(void **state)
{
	struct jail_opts o;

	NEED_KVM();
	jail_opts_default(&o);
	o.test_violation = true;	/* the child calls execve after the filter */
	json_t *rec = jailed("empty", &o);
	assert_string_equal(str(rec, "status"), "failed");
	if (!strstr(str(rec, "reason"), "seccomp filter does not allow (execve"))
		fail_msg("reason: %s", str(rec, "reason"));
	json_decref(rec);
}

static void test_crash_is_one_failed_record(void **state)
{
	struct jail_opts o;

	NEED_KVM();
	jail_opts_default(&o);
	o.test_crash = true;
	json_t *rec = jailed("empty", &o);
	assert_string_equal(str(rec, "status"), "failed");
	assert_non_null(strstr(str(rec, "reason"), "died of signal 11"));
	json_decref(rec);
}

struct got {
	json_t *recs[2];
};

static void got_one(size_t i, json_t *rec, void *ctx)
{
	((struct got *)ctx)->recs[i] = rec;
}

static json_int_t ended(json_t *rec, size_t k)
{
	return json_integer_value(json_object_get(
		json_array_get(json_object_get(rec, "repetitions"), k), "ended_ms"));
}

/* Interleaved: the repetitions of two benchmarks alternate in time, and
 * the pauses between them neither trip the stall watchdog nor count as
 * the benchmark's exits. */
static void test_interleaved_rounds(void **state)
{
	struct jail_opts o;
	const struct mb_bench *b[2] = { mb_find("mmio_user"), mb_find("empty") };
	struct mb_params p[2];
	struct got g = { { NULL, NULL } };

	NEED_KVM();
	jail_opts_default(&o);
	for (int i = 0; i < 2; i++) {
		mb_params_defaults(&p[i], b[i]);
		p[i].cpl = 3;
		p[i].min_time_ms = 20;
		p[i].repetitions = 3;
		p[i].timeout_ms = 30000;
	}
	assert_int_equal(jail_run_interleaved(&env, 2, b, p, &o, got_one, &g), 0);
	for (int i = 0; i < 2; i++) {
		assert_non_null(g.recs[i]);
		if (strcmp(str(g.recs[i], "status"), "ok"))
			fail_msg("%s: %s", b[i]->name, str(g.recs[i], "reason"));
		assert_int_equal(json_array_size(json_object_get(g.recs[i], "repetitions")), 3);
	}
	/* A0 < B0 < A1 < B1 < A2 < B2 */
	for (size_t k = 0; k < 3; k++) {
		assert_true(ended(g.recs[0], k) <= ended(g.recs[1], k));
		if (k + 1 < 3)
			assert_true(ended(g.recs[1], k) <= ended(g.recs[0], k + 1));
	}
	assert_true(fabs(json_number_value(json_object_get(json_object_get(g.recs[0], "exits_per_op"),
							   "mmio_exits")) - 1.0) < 0.05);
	json_decref(g.recs[0]);
	json_decref(g.recs[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_runs_jailed),
		cmocka_unit_test(test_root_is_dropped),
		cmocka_unit_test(test_violation_is_reported),
		cmocka_unit_test(test_crash_is_one_failed_record),
		cmocka_unit_test(test_interleaved_rounds),
	};
	return cmocka_run_group_tests_name("jail (real KVM)", tests, kvmtest_setup, NULL);
}
