/* The example family of docs/writing-a-benchmark.md, proven: its rows
 * (tests/example_family.c, included here whole) and its body
 * (microbench/guest/example.c) run on a real VM and on a host thread, its
 * own metric lands in the record, and its abort code is decoded by name.
 * ci/test-doc-snippets.sh checks that the document quotes these files. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv-core/abi.h"
#include "hv-core/hv.h"
#include "hv-core/native.h"
#include "hvbench/measure.h"
#include "hvbench/suite.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "tests/kvmtest.h"
#include "tests/testroot.h"

#include "tests/example_family.c"

/* [doc:params] */
static struct rec *run_example(int64_t turns)
{
	const struct mb_bench *b = mb_find("example_loop");
	struct mb_params p;

	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = 3;			/* CPL3 runs natively on every backend */
	p.min_time_ms = 5;
	p.repetitions = 1;
	p.timeout_ms = 30000;
	p.ext[mb_ext_index(b, "turns")] = turns;
	return measure_record(&env, b, &p);
}
/* [/doc:params] */

/* The row is in the table, under its family, with its parameter's default. */
static void test_registered(void **state)
{
	const struct mb_bench *b = mb_find("example_loop");
	struct mb_params p;

	assert_ptr_equal(b, &example_loop);
	assert_string_equal(b->family, "example");
	assert_int_equal(mb_ext_index(b, "turns"), 0);
	mb_params_defaults(&p, b);
	assert_int_equal(p.ext[0], 100);
}

/* The suite the document shows is one the validator takes, with the
 * family's parameter set by name beside the generic ones. */
static void test_suite(void **state)
{
	char path[PATH_MAX + 64], err[512] = "";
	struct suite su;

	assert_int_equal(find_root(), 0);
	snprintf(path, sizeof(path), "%s/tests/data/example-family.json", root);
	assert_int_equal(suite_load(path, &su, err, sizeof(err)), 0);
	assert_int_equal(su.n, 2);
	assert_ptr_equal(su.entries[0].bench, &example_loop);
	assert_int_equal(su.entries[0].params.min_time_ms, 50);
	assert_int_equal(su.entries[0].params.ext[0], 100);
	assert_int_equal(su.entries[1].params.ext[0], 1000);
	assert_int_equal(su.entries[1].params.cpl, 3);
	suite_free(&su);
}

/* In a VM: ok, the family's metric derived from the runner's headline. */
static void test_runs_in_vm(void **state)
{
	NEED_KVM();
	struct rec *r = run_example(100);
	assert_non_null(r);
	assert_int_equal(r->status, REC_OK);
	const struct rec_metric *cycles = rec_metric_find(r, "cycles");
	const struct rec_metric *per = rec_metric_find(r, "per_turn");
	assert_non_null(cycles);
	assert_non_null(per);
	assert_int_equal(per->kind, REC_VALUE);
	assert_string_equal(per->unit, cycles->unit);
	assert_true(per->value >= 0);
	assert_true(fabs(per->value * 100 - rec_metric_stat(cycles, "p50")) <=
		    1e-6 * fabs(rec_metric_stat(cycles, "p50")) + 1e-9);
	print_message("example_loop: %.1f %s per op, %.2f per turn\n",
		      rec_metric_stat(cycles, "p50"), cycles->unit, per->value);
	rec_free(r);
}

/* A page the body refuses: failed, with the row's own words for the code. */
static void test_abort_is_named(void **state)
{
	NEED_KVM();
	struct rec *r = run_example(0);
	assert_non_null(r);
	assert_int_equal(r->status, REC_FAILED);
	assert_non_null(r->reason);
	assert_non_null(strstr(r->reason, "body example_loop: the page asked for turns outside 1..100000"));
	assert_null(rec_metric_find(r, "per_turn"));
	rec_free(r);
}

/* [doc:native] */
/* The same body on a host thread: the native twin, from the same source. */
static void test_native_twin(void **state)
{
	struct hv_shared *s = calloc(1, sizeof(*s));
	char err[256];

	assert_non_null(s);
	s->magic = HV_ABI_MAGIC;
	s->abi_version = HV_ABI_VERSION;
	s->nr_vcpus = 1;
	s->tsc_khz = 1000000;
	assert_int_equal(hv_body_name_put(s->body, "example_loop"), 0);
	s->min_cycles = ~0ull >> 1;	/* max_iters ends the repetition */
	s->max_iters = 1000;
	s->calib_iters = 100;
	s->repetitions = 1;
	s->batch = 1;
	s->param[EX_P_TURNS] = 100;
	assert_int_equal(hv_native_run(s, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(s->status, HV_GS_OK);
	assert_int_equal(s->iterations, 1000);

	s->param[EX_P_TURNS] = 0;	/* refused natively as in the guest */
	s->status = HV_GS_IDLE;
	assert_int_equal(hv_native_run(s, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(s->status, HV_GS_ABORT);
	assert_int_equal(s->abort_code, EX_ABORT_TURNS);
	free(s);
}
/* [/doc:native] */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_suite),
		cmocka_unit_test(test_runs_in_vm),
		cmocka_unit_test(test_abort_is_named),
		cmocka_unit_test(test_native_twin),
	};

	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
