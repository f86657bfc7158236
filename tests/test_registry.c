/* Registration is local to a family: this test adds a family of its own
 * (rows registered here with MB_REGISTER, bodies named as the guest
 * registered them) without editing any core file, and checks the table's
 * order, the named abort codes, how a body the guest lacks or refuses is
 * reported and the registration of interrupt handlers, on real VMs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv-core/abi.h"
#include "hv-core/hv.h"
#include "hvbench/measure.h"
#include "microbench/iopath_abi.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "tests/kvmtest.h"

static int setups;

static int setup_count(struct mb_setup_ctx *c)
{
	setups++;
	return 0;
}

static const char *const dummy_aborts[] = { "the dummy's first reason",
					    "the dummy's second reason", NULL };

/* A family of two rows: one whose body every guest image has, one whose
 * body no image has. */
static const struct mb_bench dummy_empty = {
	.name = "dummy_empty", .family = "dummy",
	.description = "tests: the empty body, through a family of the test's own",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64, .expected_exits = -1,
	.exit_stat = "exits_caused", .body = "empty", .cpls = MB_CPL_ANY,
	.setup = setup_count, .abort_reasons = dummy_aborts,
};
static const struct mb_bench dummy_missing = {
	.name = "dummy_missing", .family = "dummy",
	.description = "tests: a body no guest image registers",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64, .expected_exits = -1,
	.exit_stat = "exits_caused", .body = "no_such_body", .cpls = MB_CPL_ANY,
};
MB_REGISTER(dummy_empty);
MB_REGISTER(dummy_missing);

static const char *str(json_t *rec, const char *key)
{
	const char *s = json_string_value(json_object_get(rec, key));

	return s ? s : "";
}

static json_t *run(const struct mb_bench *b)
{
	struct mb_params p;

	mb_params_defaults(&p, b);
	p.cpl = 3;
	p.min_time_ms = 5;
	p.repetitions = 1;
	p.timeout_ms = 30000;
	return measure_run(&env, b, &p);
}

/* The test's rows are in the table, the table is sorted by family and
 * keeps each file's declaration order (exitcost.c before exitcost_arm64.c). */
static void test_table_order(void **state)
{
	size_t n = mb_count(), i_empty = n, i_pf = n, i_counter = n, i_dummy = n, i_ec = n;

	assert_ptr_equal(mb_find("dummy_empty"), &dummy_empty);
	assert_ptr_equal(mb_find("dummy_missing"), &dummy_missing);
	for (size_t i = 0; i < n; i++) {
		const struct mb_bench *b = mb_get(i);

		if (i > 0)
			assert_true(strcmp(mb_get(i - 1)->family, b->family) <= 0);
		if (!strcmp(b->name, "empty"))
			i_empty = i;
		if (!strcmp(b->name, "pf_first_touch"))
			i_pf = i;
		if (!strcmp(b->name, "counter_read"))
			i_counter = i;
		if (!strcmp(b->family, "dummy") && i_dummy == n)
			i_dummy = i;
		if (!strcmp(b->family, "exit-cost") && i_ec == n)
			i_ec = i;
	}
	/* Where a family lands depends on the other families' names (the
	 * devices family sorts before "dummy"): its rows are together, in
	 * their file's order. */
	assert_true(i_dummy < n);
	assert_string_equal(mb_get(i_dummy)->name, "dummy_empty");
	assert_string_equal(mb_get(i_dummy + 1)->name, "dummy_missing");
	assert_int_equal(i_empty, i_ec);	/* the exit-cost family's first row */
	assert_true(i_dummy < i_ec);	/* "dummy" < "exit-cost" */
	assert_true(i_pf < i_counter && i_counter < n);
	assert_null(mb_get(n));
}

/* Every abort code is decoded by name, in one place, and a row's own codes
 * by the row's reasons. */
static void test_abort_names(void **state)
{
	char buf[256];

	assert_non_null(strstr(mb_abort_reason(NULL, HV_ABORT_ABI, buf, sizeof(buf)),
			       "HV_ABORT_ABI"));
	assert_non_null(strstr(mb_abort_reason(&dummy_missing, HV_ABORT_NO_BODY, buf,
					       sizeof(buf)), "\"no_such_body\""));
	assert_non_null(strstr(mb_abort_reason(NULL, HV_ABORT_NO_IRQ, buf, sizeof(buf)),
			       "never became pending"));
	mb_abort_reason(NULL, HV_ABORT_BAD_PARAM, buf, sizeof(buf));
	assert_non_null(strstr(buf, "HV_ABORT_BAD_PARAM"));
	assert_null(strstr(buf, "interrupt"));
	mb_abort_reason(&dummy_empty, HV_ABORT_BODY_BASE + 1, buf, sizeof(buf));
	assert_non_null(strstr(buf, "the dummy's second reason"));
	mb_abort_reason(&dummy_empty, HV_ABORT_BODY_BASE + 2, buf, sizeof(buf));
	assert_non_null(strstr(buf, "not a code"));
	mb_abort_reason(&dummy_missing, HV_ABORT_BODY_BASE, buf, sizeof(buf));
	assert_non_null(strstr(buf, "not a code"));
	mb_abort_reason(NULL, 77, buf, sizeof(buf));
	assert_non_null(strstr(buf, "not a code"));
}

/* The test family's row runs like any other: its setup hook, its body. */
static void test_dummy_family_runs(void **state)
{
	NEED_KVM();
	setups = 0;
	json_t *rec = run(&dummy_empty);
	assert_string_equal(str(rec, "status"), "ok");
	assert_int_equal(setups, 1);
	json_decref(rec);
}

/* A body the guest image lacks is a clean, named abort. */
static void test_missing_body_is_named(void **state)
{
	NEED_KVM();
	json_t *rec = run(&dummy_missing);
	assert_string_equal(str(rec, "status"), "failed");
	assert_non_null(strstr(str(rec, "reason"), "HV_ABORT_NO_BODY"));
	assert_non_null(strstr(str(rec, "reason"), "\"no_such_body\""));
	json_decref(rec);
}

static int setup_bad_size(struct mb_setup_ctx *c)
{
	c->vm->shared->param[IOP_P_PORT] = HV_PIO_DUMMY;
	c->vm->shared->param[IOP_P_SIZE] = 3;
	return 0;
}

/* io_path's guest body refuses an access size of 3 bytes: reported as the
 * bad parameter it is (it used to read "an interrupt never became
 * pending"). x86 only: the io-path family's body is. */
static void test_bad_param_is_named(void **state)
{
	static const struct mb_bench bad = {
		.name = "io_path_bad_size", .family = "dummy",
		.description = "tests: io_path's body with a size it refuses",
		.archs = MB_ARCH_X86, .expected_exits = -1,
		.exit_stat = "exits_caused", .body = "io_path", .cpls = MB_CPL_ANY,
		.no_subtract = true, .setup = setup_bad_size,
	};

	NEED_KVM();
	if (mb_host_arch() != MB_ARCH_X86) {
		print_message("SKIP: the io_path body is x86's only\n");
		skip();
	}
	json_t *rec = run(&bad);
	assert_string_equal(str(rec, "status"), "failed");
	assert_non_null(strstr(str(rec, "reason"), "HV_ABORT_BAD_PARAM"));
	json_decref(rec);
}

static uint64_t irq_vector;

static int setup_irq_vector(struct mb_setup_ctx *c)
{
	c->vm->shared->param[0] = irq_vector;
	return 0;
}

/* Interrupt handlers register like bodies (GUEST_IRQ): a self-IPI of the
 * vector hv-core/guest/x86/selftest.c registered reaches its handler; one of
 * a vector nobody registered is a fault that names the vector. */
static void test_irq_registration(void **state)
{
	static const struct mb_bench irq = {
		.name = "irq_test", .family = "dummy",
		.description = "tests: a self-IPI answered by a registered handler",
		.archs = MB_ARCH_X86, .expected_exits = -1,
		.exit_stat = "exits_caused", .body = "irq_test", .cpls = MB_CPL0,
		.irqchip = true, .setup = setup_irq_vector,
	};
	struct mb_params p;

	NEED_KVM();
	if (mb_host_arch() != MB_ARCH_X86) {
		print_message("SKIP: the irq_test body is x86's (arm64's handlers are the ipi row's, in the emulated run)\n");
		skip();
	}
	mb_params_defaults(&p, &irq);
	p.cpl = 0;
	p.min_time_ms = 1;
	p.max_iters = 20;
	p.warmup_iters = 2;
	p.repetitions = 1;
	p.timeout_ms = 30000;
	irq_vector = 0xe0;
	json_t *rec = measure_run(&env, &irq, &p);
	assert_string_equal(str(rec, "status"), "ok");
	json_decref(rec);

	irq_vector = 0xe1;
	rec = measure_run(&env, &irq, &p);
	assert_string_equal(str(rec, "status"), "failed");
	json_t *f = json_object_get(rec, "fault");
	assert_non_null(f);
	assert_int_equal(json_integer_value(json_object_get(f, "vector")), 11);	/* #NP */
	assert_int_equal(json_integer_value(json_object_get(f, "error_code")) >> 3, 0xe1);
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_order),
		cmocka_unit_test(test_abort_names),
		cmocka_unit_test(test_dummy_family_runs),
		cmocka_unit_test(test_missing_body_is_named),
		cmocka_unit_test(test_bad_param_is_named),
		cmocka_unit_test(test_irq_registration),
	};

	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
