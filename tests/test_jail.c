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

static struct hostinfo host;
static struct measure_env env;

static int setup(void **state)
{
	char err[256];

	hostinfo_probe(&host);
	env.host = &host;
	if (!host.kvm_error[0])
		env.cpl0_slowdown = measure_cpl0_slowdown(&env, err, sizeof(err));
	return 0;
}

#define NEED_KVM()                                                   \
	do {                                                         \
		if (host.kvm_error[0]) {                             \
			print_message("SKIP: %s\n", host.kvm_error); \
			skip();                                      \
		}                                                    \
	} while (0)

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_runs_jailed),
		cmocka_unit_test(test_root_is_dropped),
		cmocka_unit_test(test_violation_is_reported),
		cmocka_unit_test(test_crash_is_one_failed_record),
	};
	return cmocka_run_group_tests_name("jail (real KVM)", tests, setup, NULL);
}
