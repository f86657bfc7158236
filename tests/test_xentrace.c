/* The Xentrace table (probes/xentrace.h): rows, shares and the overhead
 * from records shaped as the runner writes them (the vmm_counters method
 * of a PVM host, the tracepoints of a VT-x/SVM one), and hostile values
 * refused rather than tabled. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/xentrace.h"

static json_t *rec(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("test JSON line %d: %s", e.line, e.text);
	return j;
}

static json_t *row(json_t *t, const char *reason)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(t, "rows"), i, v)
		if (!strcmp(json_string_value(json_object_get(v, "reason")), reason))
			return v;
	return NULL;
}

static double num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

#define NEAR(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-9 * (1 + fabs((double)(b))))

/* vmm_counters: io timed by the VMM, KVM's categories counted only, the
 * call channel's reason (count 0) left out, the unnamed rest its own row. */
static void test_vmm_counters(void **state)
{
	(void)state;
	json_t *b = rec("{\"unit\": \"cycles\", \"counter_hz\": 2e9,"
			" \"run\": {\"guest\": {\"p50\": 1200}, \"native\": {\"p50\": 1000}},"
			" \"exit_profile\": {\"method\": \"vmm_counters\", \"unit\": \"cycles\","
			"  \"reasons\": {\"io\": {\"count\": 20, \"per_op\": 2, \"time_mean\": 50},"
			"               \"ucall\": {\"count\": 0, \"per_op\": 0}},"
			"  \"kvm_stats\": {\"exits\": {\"exits\": 10, \"exits_caused\": 9, \"io_exits\": 2, \"irq_exits\": 3}}}}");
	json_t *t = xentrace_table(b);

	assert_non_null(t);
	NEAR(num(t, "overhead"), 200);
	NEAR(num(t, "overhead_pct"), 20);
	NEAR(num(t, "exits"), 10);
	json_t *io = row(t, "io"), *irq = row(t, "irq_exits"), *rest = row(t, "no reason named");
	assert_non_null(io);
	assert_non_null(irq);
	assert_non_null(rest);
	assert_null(row(t, "ucall"));
	assert_null(row(t, "io_exits"));	/* the vmm's io row is that */
	assert_null(row(t, "exits_caused"));
	assert_string_equal(json_string_value(json_object_get(io, "source")), "vmm");
	NEAR(num(io, "time"), 100);
	NEAR(num(io, "share_of_overhead"), 0.5);
	NEAR(num(io, "share_of_exits"), 0.2);
	assert_true(json_is_null(json_object_get(irq, "time")));
	assert_true(json_is_null(json_object_get(irq, "share_of_overhead")));
	NEAR(num(irq, "share_of_exits"), 0.3);
	NEAR(num(rest, "count"), 5);
	NEAR(num(t, "timed_share_of_overhead"), 0.5);
	json_decref(t);
	json_decref(b);
}

/* tracepoints: every reason timed in ns, turned into the record's cycles
 * at its counter_hz; no KVM category rows (the tracepoints saw them). */
static void test_tracepoints_ns(void **state)
{
	(void)state;
	json_t *b = rec("{\"unit\": \"cycles\", \"counter_hz\": 2e9,"
			" \"run\": {\"guest\": {\"p50\": 5000}, \"native\": {\"p50\": 1000}},"
			" \"exit_profile\": {\"method\": \"tracepoints\", \"unit\": \"ns\","
			"  \"reasons\": {\"NPF\": {\"count\": 30, \"per_op\": 3, \"time_mean\": 500}},"
			"  \"kvm_stats\": {\"exits\": {\"exits\": 3, \"irq_exits\": 0.5}}}}");
	json_t *t = xentrace_table(b), *npf;

	assert_non_null(t);
	assert_non_null(npf = row(t, "NPF"));
	assert_null(row(t, "irq_exits"));
	NEAR(num(npf, "time"), 3 * 500 * 2.0);	/* ns at 2 GHz */
	NEAR(num(npf, "share_of_overhead"), 3000.0 / 4000);
	NEAR(num(npf, "share_of_exits"), 1);
	assert_null(json_object_get(t, "over_overhead"));
	json_decref(t);
	/* timed exits above the whole gap: said, not hidden */
	json_object_set_new(json_object_get(b, "run"), "guest", json_pack("{s:f}", "p50", 2000.0));
	t = xentrace_table(b);
	assert_non_null(t);
	NEAR(num(t, "timed_share_of_overhead"), 3.0);
	assert_true(json_is_string(json_object_get(t, "over_overhead")));
	json_decref(t);
	json_decref(b);
}

/* No native run, a profile of another unit without a rate, a guest that
 * was faster (no overhead to share out), hostile numbers: no table, or
 * the cells left empty rather than made up. */
static void test_refusals(void **state)
{
	(void)state;
	json_t *b = rec("{\"unit\": \"cycles\", \"run\": {\"guest\": {\"p50\": 10}},"
			" \"exit_profile\": {\"method\": \"vmm_counters\", \"unit\": \"cycles\", \"reasons\": {}}}");
	assert_null(xentrace_table(b));
	json_decref(b);
	b = rec("{\"unit\": \"cycles\", \"run\": {\"guest\": {\"p50\": 10}, \"native\": {\"p50\": -1}},"
		" \"exit_profile\": {\"method\": \"vmm_counters\", \"unit\": \"cycles\", \"reasons\": {}}}");
	assert_null(xentrace_table(b));
	json_decref(b);
	b = rec("{\"unit\": \"instructions\","
		" \"run\": {\"guest\": {\"p50\": 900}, \"native\": {\"p50\": 1000}},"
		" \"exit_profile\": {\"method\": \"tracepoints\", \"unit\": \"ns\","
		"  \"reasons\": {\"HLT\": {\"count\": 5, \"per_op\": \"lots\", \"time_mean\": 1},"
		"               \"IO\": {\"count\": 5, \"per_op\": 1, \"time_mean\": -7}}}}");
	json_t *t = xentrace_table(b), *io;
	assert_non_null(t);
	assert_null(row(t, "HLT"));	/* a count that is no number */
	assert_non_null(io = row(t, "IO"));
	assert_true(json_is_null(json_object_get(io, "time")));	/* negative time */
	assert_true(json_is_null(json_object_get(io, "share_of_overhead")));
	assert_true(json_is_null(json_object_get(t, "timed_share_of_overhead")));
	assert_true(num(t, "overhead") < 0);
	json_decref(t);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmm_counters),
		cmocka_unit_test(test_tracepoints_ns),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests_name("xentrace", tests, NULL, NULL);
}
