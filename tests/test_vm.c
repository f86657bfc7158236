/* Integration tests on real VMs: every figure here comes from /dev/kvm. They
 * check correctness and invariants (statuses, exits per op, faults reported),
 * never speed. Without a usable /dev/kvm they skip, saying why. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hv-core/abi.h"
#include "hv-core/hv.h"
#include "hvbench/cli.h"
#include "hvbench/measure.h"
#include "hvbench/suite.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "tests/kvmtest.h"

static json_t *run(const char *name, int cpl, uint32_t min_ms)
{
	const struct mb_bench *b = mb_find(name);
	struct mb_params p;

	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = cpl;
	p.min_time_ms = min_ms;
	p.max_iters = 3000;
	p.warmup_iters = 50;
	p.timeout_ms = 30000;
	measure_resolve_cpl(b, &p, env.cpl0_slowdown);
	json_t *rec = measure_run(&env, b, &p);
	assert_non_null(rec);
	return rec;
}

static const char *status(json_t *rec)
{
	return json_string_value(json_object_get(rec, "status"));
}

static void assert_ok(json_t *rec)
{
	if (strcmp(status(rec), "ok"))
		fail_msg("%s: status %s: %s",
			 json_string_value(json_object_get(rec, "name")), status(rec),
			 json_string_value(json_object_get(rec, "reason")));
}

static double exits_per_op(json_t *rec, const char *stat)
{
	json_t *v = json_object_get(json_object_get(rec, "exits_per_op"), stat);

	return v ? json_number_value(v) : 0.0;
}

static void test_cpl0_slowdown_measured(void **state)
{
	NEED_KVM();
	assert_true(env.cpl0_slowdown > 0.5);
	if (!strcmp(host.backend, "pvm"))
		assert_true(env.cpl0_slowdown > 10); /* CPL0 is emulated there */
}

/* The probe baseline runs at both privilege levels and causes no exits at
 * CPL3; its overhead is reported and not subtracted. */
static void test_empty_both_cpls(void **state)
{
	NEED_KVM();
	for (int cpl = 0; cpl <= 3; cpl += 3) {
		json_t *rec = run("empty", cpl, 20);
		assert_ok(rec);
		json_t *params = json_object_get(rec, "params");
		assert_int_equal(json_integer_value(json_object_get(params, "cpl")), cpl);
		assert_false(json_is_true(json_object_get(rec, "overhead_subtracted")));
		assert_true(json_integer_value(json_object_get(rec, "iterations")) > 0);
		json_t *c = json_object_get(rec, "cycles");
		assert_true(json_number_value(json_object_get(c, "p50")) > 0);
		assert_true(json_number_value(json_object_get(c, "min")) <=
			    json_number_value(json_object_get(c, "p50")));
		if (cpl == 3)
			assert_true(exits_per_op(rec, "exits_caused") < 0.05);
		json_decref(rec);
	}
}

/* What this host's capabilities imply for CPL3 CPUID: it exits under VT-x
 * and SVM always, under PVM only where the CPU offers CPUID faulting. */
static bool cpuid_exits_at_cpl3(void)
{
	return strcmp(host.backend, "pvm") || host.cpuid_fault;
}

static const char *reason(json_t *rec)
{
	const char *r = json_string_value(json_object_get(rec, "reason"));

	return r ? r : "";
}

/* Single-exit operations cause one exit each (checked against KVM's own
 * counters), and the result is not flagged suspect; where the host cannot
 * make the operation exit, the row says so before measuring. */
static void test_single_exit_ops(void **state)
{
	static const char *const names[] = { "cpuid", "pio_user", "mmio_user" };

	NEED_KVM();
	for (size_t i = 0; i < 3; i++) {
		if (!mb_find(names[i]) || !(mb_find(names[i])->archs & mb_host_arch()))
			continue;
		json_t *rec = run(names[i], 3, 30);
		if (!strcmp(names[i], "cpuid") && !cpuid_exits_at_cpl3()) {
			assert_string_equal(status(rec), "unsupported");
			if (!strstr(reason(rec), "no CPUID faulting"))
				fail_msg("cpuid unsupported for another reason: %s", reason(rec));
			assert_null(json_object_get(rec, "cycles"));	/* nothing measured */
			json_decref(rec);
			continue;
		}
		assert_ok(rec);
		const char *stat = json_string_value(json_object_get(rec, "exit_stat"));
		double e = exits_per_op(rec, stat);
		if (fabs(e - 1.0) > 0.05)
			fail_msg("%s: %s per op = %.3f, expected 1", names[i], stat, e);
		assert_false(json_is_true(json_object_get(rec, "suspect")));
		json_t *chk = json_object_get(rec, "exit_check");
		assert_non_null(chk);
		double m = json_number_value(json_object_get(chk, "measured"));
		assert_true(m >= json_number_value(json_object_get(chk, "low")));
		assert_true(m <= json_number_value(json_object_get(chk, "high")));
		assert_string_equal(json_string_value(json_object_get(
			json_object_get(rec, "preflight"), "result")), "exits");
		json_decref(rec);
	}
	json_t *rec = run("mmio_user", 3, 30);
	assert_true(fabs(exits_per_op(rec, "mmio_exits") - 1.0) < 0.05);
	/* The user-space exit path was timed on the host. */
	json_t *vmm = json_object_get(rec, "vmm_user_cycles");
	assert_non_null(vmm);
	assert_true(json_integer_value(json_object_get(vmm, "n")) > 0);
	json_decref(rec);
}

/* "cpl": "auto" ends at a level where the operation exits, or says why no
 * level does; a row that can run at both levels is never measured at one
 * where it does not exit. */
static void test_auto_level_exits(void **state)
{
	NEED_KVM();
	const char *names[] = { "cpuid", "mmio_user" };
	for (size_t i = 0; i < 2; i++) {
		const struct mb_bench *b = mb_find(names[i]);
		if (!b || !(b->archs & mb_host_arch()))
			continue;
		json_t *rec = run(names[i], MB_CPL_AUTO, 20);
		if (!strcmp(status(rec), "unsupported")) {
			/* only cpuid may lack a level, and only on PVM */
			assert_string_equal(names[i], "cpuid");
			assert_false(cpuid_exits_at_cpl3());
			assert_non_null(strstr(reason(rec), "no level where the operation exits"));
		} else {
			assert_ok(rec);
			assert_false(json_is_true(json_object_get(rec, "suspect")));
		}
		json_decref(rec);
	}
}

/* A hypercall the host never completes is found out by the short run
 * before measuring (its shorter stall watchdog), not after the full one. */
static void test_stall_found_by_preflight(void **state)
{
	NEED_KVM();
	json_t *rec = run("hypercall", 0, 20);
	if (!strcmp(status(rec), "ok")) {	/* this host completes hypercalls */
		assert_false(json_is_true(json_object_get(rec, "suspect")));
	} else {
		assert_string_equal(status(rec), "unsupported");
		assert_string_equal(json_string_value(json_object_get(
			json_object_get(rec, "preflight"), "result")), "ended");
	}
	json_decref(rec);
}

/* min_time_ms is a minimum unless max_iters ends a repetition first: the
 * record then says so, per repetition and as a whole. */
static void test_cap_visible(void **state)
{
	NEED_KVM();
	json_t *rec = run("empty", 3, 500);	/* run() caps at 3000 operations */
	assert_ok(rec);
	assert_false(json_is_true(json_object_get(rec, "min_time_met")));
	assert_true(json_is_true(json_object_get(rec, "capped")));
	assert_non_null(strstr(json_string_value(json_object_get(rec, "capped_reason")), "max_iters=3000"));
	json_t *reps = json_object_get(rec, "repetitions");
	assert_true(json_array_size(reps) > 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(reps, 0),
							      "stopped_by")), "max_iters");
	json_decref(rec);

	const struct mb_bench *b = mb_find("empty");
	struct mb_params p;
	mb_params_defaults(&p, b);
	p.cpl = 3;
	p.min_time_ms = 5;
	p.repetitions = 2;
	rec = measure_run(&env, b, &p);	/* the default cap lets min_time hold */
	assert_ok(rec);
	assert_true(json_is_true(json_object_get(rec, "min_time_met")));
	assert_null(json_object_get(rec, "capped"));
	reps = json_object_get(rec, "repetitions");
	assert_int_equal(json_array_size(reps), 2);
	for (size_t i = 0; i < 2; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(reps, i),
								      "stopped_by")), "min_time");
	json_decref(rec);
}

/* Where guest CPL0 is emulated (PVM), the four lfence of the probe pair are
 * instructions KVM's emulator does not implement: insn_emulation_fail is
 * 4 per op in the empty loop, so it is the loop's, not an operation's. */
static void test_cpl0_emulation_fail_is_the_probe(void **state)
{
	NEED_KVM();
	if (strcmp(host.backend, "pvm") || mb_host_arch() != MB_ARCH_X86) {
		print_message("SKIP: guest CPL0 is not emulated on this host (%s)\n", host.backend);
		skip();
	}
	json_t *rec = run("empty", 0, 20);
	assert_ok(rec);
	double f = exits_per_op(rec, "insn_emulation_fail");
	if (fabs(f - 4.0) > 0.5)
		fail_msg("empty at cpl0: insn_emulation_fail per op %.3f, expected 4 (the probe pair's lfences)", f);
	json_decref(rec);
}

/* The counter's step is what the samples show: it divides every stored
 * sample, and "coarse" means a median under ten such steps (on a host whose
 * guest TSC moves by 26, rdtsc's 27-cycle median is one step). */
static void test_counter_step(void **state)
{
	NEED_KVM();
	const char *names[] = { "empty", "mmio_user" };
	for (size_t i = 0; i < 2; i++) {
		json_t *rec = run(names[i], 3, 20);
		assert_ok(rec);
		json_t *res = json_object_get(rec, "resolution");
		json_int_t step = json_integer_value(json_object_get(res, "counter_step"));
		assert_true(step >= 1);
		json_t *smp = json_object_get(rec, "samples");
		for (size_t k = 0; k < json_array_size(smp); k++) {
			double v = json_number_value(json_array_get(smp, k));
			assert_true(fmod(v, (double)step) < 1e-6);	/* batch 1: samples are whole */
		}
		double p50 = json_number_value(json_object_get(json_object_get(rec, "cycles"), "p50"));
		assert_int_equal(json_is_true(json_object_get(res, "coarse")), p50 < 10.0 * (double)step);
		json_decref(rec);
	}
}

static void test_no_exit_ops(void **state)
{
	NEED_KVM();
	json_t *rec = run("rdtsc", 3, 20);
	assert_ok(rec);
	assert_true(exits_per_op(rec, "exits_caused") < 0.05);
	json_decref(rec);
}

/* A body that faults becomes "failed" with the vector, the address and the
 * privilege level: the suite goes on. */
static void test_fault_reported(void **state)
{
	static const struct mb_bench faulty = {
		.name = "fault_test", .family = "test",
		.description = "reads an unmapped address",
		.archs = MB_ARCH_X86 | MB_ARCH_ARM64, .expected_exits = -1,
		.exit_stat = "exits", .body = "fault_test", .cpls = MB_CPL_ANY,
	};
	struct mb_params p;

	NEED_KVM();
	mb_params_defaults(&p, &faulty);
	p.cpl = 3;
	p.timeout_ms = 30000;
	json_t *rec = measure_run(&env, &faulty, &p);
	assert_string_equal(status(rec), "failed");
	json_t *f = json_object_get(rec, "fault");
	assert_non_null(f);
	assert_int_equal(json_integer_value(json_object_get(f, "vector")), 14);
	assert_string_equal(json_string_value(json_object_get(f, "cr2")), "0x100000000000");
	assert_int_equal(json_integer_value(json_object_get(f, "cpl")), 3);
	assert_non_null(strstr(json_string_value(json_object_get(rec, "reason")), "#PF"));
	json_decref(rec);
}

/* `hvbench selftest`: the same fault, at both levels, through the CLI. */
static void test_selftest_cli(void **state)
{
	char *argv[] = { "selftest", NULL };
	char *bad[] = { "selftest", "extra", NULL };

	NEED_KVM();
	assert_int_equal(cmd_selftest(1, argv), EXIT_OK);
	assert_int_equal(cmd_selftest(2, bad), EXIT_USAGE);
}

/* Every benchmark of the quick suite ends ok or unsupported (with a reason),
 * and records the resolved cpl. */
static void test_quick_suite(void **state)
{
	struct suite s;
	char err[512];

	NEED_KVM();
	assert_int_equal(suite_load("configs/quick.json", &s, err, sizeof(err)), 0);
	for (size_t i = 0; i < s.n; i++) {
		struct mb_params p = s.entries[i].params;
		p.min_time_ms = 20;
		p.max_iters = 2000;
		measure_resolve_cpl(s.entries[i].bench, &p, env.cpl0_slowdown);
		json_t *rec = measure_run(&env, s.entries[i].bench, &p);
		const char *st = status(rec);
		if (strcmp(st, "ok") && strcmp(st, "unsupported"))
			fail_msg("%s: %s: %s", s.entries[i].bench->name, st,
				 json_string_value(json_object_get(rec, "reason")));
		if (!strcmp(st, "unsupported"))
			assert_non_null(json_object_get(rec, "reason"));
		json_t *cpl = json_object_get(json_object_get(rec, "params"), "cpl");
		assert_true(json_integer_value(cpl) == 0 || json_integer_value(cpl) == 3);
		json_decref(rec);
	}
	suite_free(&s);
}

/* pf_first_touch: one fault per fresh page, counted by KVM. */
static void test_pf_first_touch(void **state)
{
	NEED_KVM();
	json_t *rec = run("pf_first_touch", 3, 20);
	assert_ok(rec);
	assert_true(exits_per_op(rec, "pf_taken") + exits_per_op(rec, "exits_caused") >= 0.95);
	json_decref(rec);
}

/* batch: several operations per sample, figures still per operation. The
 * exit count proves the division: one MMIO exit per op, not per sample. */
static void test_batch_per_op(void **state)
{
	const struct mb_bench *b = mb_find("mmio_user");	/* exits at CPL3 on every host */
	struct mb_params p;

	NEED_KVM();
	mb_params_defaults(&p, b);
	p.cpl = 3;
	p.min_time_ms = 20;
	p.max_iters = 2000;
	p.warmup_iters = 20;
	p.batch = 4;
	p.timeout_ms = 30000;
	json_t *rec = measure_run(&env, b, &p);
	assert_non_null(rec);
	assert_ok(rec);
	json_t *c = json_object_get(rec, "cycles"), *res = json_object_get(rec, "resolution");
	json_int_t n = json_integer_value(json_object_get(c, "n"));
	assert_true(n > 0);
	assert_int_equal(json_integer_value(json_object_get(rec, "iterations")), 4 * n);
	assert_int_equal(json_integer_value(json_object_get(res, "ops_per_sample")), 4);
	assert_true(fabs(json_number_value(json_object_get(res, "per_op")) - 0.25) < 1e-9);
	assert_false(json_is_true(json_object_get(res, "coarse")));
	assert_true(fabs(exits_per_op(rec, "exits_caused") - 1.0) < 0.05);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rec, "histogram"),
							    "ops_per_sample")), 4);
	/* each stored sample is per op: in the range the summary reports */
	json_t *smp = json_object_get(rec, "samples");
	assert_true(json_array_size(smp) > 0);
	assert_true(json_number_value(json_array_get(smp, 0)) >=
		    json_number_value(json_object_get(c, "min")) - 0.01);
	assert_true(json_number_value(json_array_get(smp, 0)) <=
		    json_number_value(json_object_get(c, "max")) + 0.01);
	json_decref(rec);
}

static void *interrupt_later(void *arg)
{
	usleep(1500 * 1000);	/* past set-up and warm-up even on a loaded host */
	hv_interrupt_requested = 1;
	return NULL;
}

/* Ctrl-C during a long benchmark keeps what was measured. */
static void test_interrupt_keeps_measurement(void **state)
{
	pthread_t t;

	NEED_KVM();
	pthread_create(&t, NULL, interrupt_later, NULL);
	const struct mb_bench *b = mb_find("empty");
	struct mb_params p;
	mb_params_defaults(&p, b);
	p.cpl = 3;
	p.min_time_ms = 20000;
	p.max_iters = 1000000000;
	json_t *rec = measure_run(&env, b, &p);
	pthread_join(t, NULL);
	hv_interrupt_requested = 0;
	assert_ok(rec);
	assert_true(json_is_true(json_object_get(rec, "interrupted")));
	assert_true(json_integer_value(json_object_get(rec, "iterations")) > 0);
	assert_true(json_number_value(json_object_get(rec, "duration_ms")) < 10000);
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpl0_slowdown_measured),
		cmocka_unit_test(test_empty_both_cpls),
		cmocka_unit_test(test_single_exit_ops),
		cmocka_unit_test(test_auto_level_exits),
		cmocka_unit_test(test_stall_found_by_preflight),
		cmocka_unit_test(test_cap_visible),
		cmocka_unit_test(test_counter_step),
		cmocka_unit_test(test_no_exit_ops),
		cmocka_unit_test(test_cpl0_emulation_fail_is_the_probe),
		cmocka_unit_test(test_fault_reported),
		cmocka_unit_test(test_selftest_cli),
		cmocka_unit_test(test_pf_first_touch),
		cmocka_unit_test(test_batch_per_op),
		cmocka_unit_test(test_interrupt_keeps_measurement),
		cmocka_unit_test(test_quick_suite),
	};
	return cmocka_run_group_tests_name("vm (real KVM)", tests, kvmtest_setup, NULL);
}
