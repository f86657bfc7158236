/* A hostile guest, on a real VM: a test-only body ("lie") lies in one
 * shared-page field after another, and the host must survive each lie with
 * a "failed" record that names it and renders nothing the guest wrote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv-core/abi.h"
#include "hv-core/hv.h"
#include "hvbench/measure.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "tests/kvmtest.h"

static uint32_t lie;

static int setup_lie(struct mb_setup_ctx *c)
{
	c->vm->shared->param[0] = lie;
	return 0;
}

static const struct mb_bench liar = {
	.name = "hostile_guest", .family = "internal",
	.description = "tests: lies in one shared-page field",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64, .expected_exits = -1,
	.exit_stat = "exits", .body = "lie", .cpls = MB_CPL_ANY,
	.setup = setup_lie,
};

static json_t *run_lie(uint32_t which)
{
	struct mb_params p;

	lie = which;
	mb_params_defaults(&p, &liar);
	p.cpl = 3;
	p.min_time_ms = 5;
	p.max_iters = 1000;
	p.repetitions = 1;
	p.timeout_ms = 20000;
	json_t *rec = measure_run(&env, &liar, &p);
	assert_non_null(rec);
	return rec;
}

static const char *str(json_t *rec, const char *k)
{
	const char *v = json_string_value(json_object_get(rec, k));

	return v ? v : "";
}

static void test_honest_body_is_ok(void **state)
{
	NEED_KVM();
	json_t *rec = run_lie(HV_LIE_NONE);
	if (strcmp(str(rec, "status"), "ok"))
		fail_msg("honest run: %s: %s", str(rec, "status"), str(rec, "reason"));
	assert_int_equal(json_array_size(json_object_get(rec, "samples")), 8);
	json_decref(rec);
}

static void test_every_lie_is_a_failed_record(void **state)
{
	static const char *const expect[HV_LIE_COUNT] = {
		[HV_LIE_NSAMPLES_MAX] = "nsamples 4294967295",
		[HV_LIE_NSAMPLES_BIG] = "nsamples 3000000",
		[HV_LIE_ITERATIONS] = "iterations",
		[HV_LIE_HIST] = "histogram holds",
		[HV_LIE_STATUS] = "status 77",
		[HV_LIE_REP_ITERS] = "a repetition of",
		[HV_LIE_STRIDE] = "samples_stride 0",
		[HV_LIE_MOMENTS] = "minimum",
		[HV_LIE_CALIB] = "calib_done",
		[HV_LIE_WARMUP] = "warmup_done",
		[HV_LIE_FAULT] = "fault block",
		[HV_LIE_LIMITS] = "more than max_iters x repetitions (1000 samples)",
	};

	NEED_KVM();
	for (uint32_t l = 1; l < HV_LIE_COUNT; l++) {
		json_t *rec = run_lie(l);
		const char *why = str(rec, "reason");
		if (strcmp(str(rec, "status"), "failed") ||
		    strncmp(why, "guest broke the ABI: ", 21) || !strstr(why, expect[l]))
			fail_msg("lie %u: status %s, reason \"%s\" (want \"guest broke the ABI: ...%s...\")",
				 l, str(rec, "status"), why, expect[l]);
		/* nothing the guest wrote is rendered */
		assert_null(json_object_get(rec, "samples"));
		assert_null(json_object_get(rec, "histogram"));
		assert_null(json_object_get(rec, "fault"));
		print_message("lie %u survived: %s\n", l, why);
		json_decref(rec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_honest_body_is_ok),
		cmocka_unit_test(test_every_lie_is_a_failed_record),
	};
	return cmocka_run_group_tests_name("hostile guest (real KVM)", tests, kvmtest_setup, NULL);
}
