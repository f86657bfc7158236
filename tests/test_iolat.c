/* Dall et al.'s I/O latency in (microbench/devices/iolat_in.c) on real
 * VMs: at CPL0 every signal raises exactly one handler run, every round's
 * stamps are in order on one timeline (the handler's after the host's,
 * before the next doorbell), and the latency is positive; at CPL3 and
 * without an in-kernel irqchip the record is unsupported with the reason.
 * CPL0 is emulated on some hosts (PVM): few iterations, no speed asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "hvbench/measure.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "tests/kvmtest.h"

static const struct rec_metric *need(const struct rec *r, const char *name)
{
	const struct rec_metric *m = rec_metric_find(r, name);

	if (!m)
		fail_msg("no metric %s", name);
	return m;
}

static json_int_t check_int(const struct rec *r, const char *key)
{
	json_t *v = json_object_get(rec_get(r, "irq_check"), key);

	if (!json_is_integer(v))
		fail_msg("irq_check.%s missing", key);
	return json_integer_value(v);
}

static struct rec *run_in(const struct mb_bench *b, int cpl)
{
	struct mb_params p;

	mb_params_defaults(&p, b);
	p.cpl = cpl;
	p.min_time_ms = 5;
	p.repetitions = 1;
	p.max_iters = 40;
	p.warmup_iters = 4;
	p.timeout_ms = 60000;
	return measure_record(&env, b, &p);
}

static void test_in_cpl0(void **state)
{
	const struct mb_bench *b = mb_find("io_latency_in");

	NEED_KVM();
	assert_non_null(b);
	struct rec *r = run_in(b, 0);
	assert_non_null(r);
	if (r->status == REC_UNSUPPORTED && r->reason &&
	    (strstr(r->reason, "one timeline") || strstr(r->reason, "irqfd") ||
	     strstr(r->reason, "irqchip"))) {
		print_message("SKIP: %s\n", r->reason);
		rec_free(r);
		return;
	}
	if (r->status != REC_OK)
		fail_msg("io_latency_in cpl0: %s", r->reason ? r->reason : "not ok");
	const struct rec_metric *lat = need(r, "latency_in");
	print_message("io_latency_in cpl0: p50 %.0f %s (p10 %.0f, p90 %.0f), n %llu\n",
		      lat->st.p50, lat->unit, lat->st.p10, lat->st.p90, (unsigned long long)lat->st.n);
	assert_true(lat->st.n > 0 && lat->st.min > 0 && lat->st.p50 > 0);
	/* One interrupt per signal, every one seen, every round in order. */
	assert_true(need(r, "interrupts_per_signal")->value == 1.0);
	assert_true(need(r, "irq_check/misses")->value == 0);
	json_int_t sig = check_int(r, "signals");
	assert_true(sig >= (json_int_t)lat->st.n);
	assert_int_equal(check_int(r, "handler_runs"), sig);
	assert_int_equal(check_int(r, "rounds_checked"), sig);
	assert_int_equal(check_int(r, "handler_before_host"), 0);
	assert_int_equal(check_int(r, "handler_after_doorbell"), 0);
	assert_int_equal(check_int(r, "signal_not_seen"), 0);
	assert_non_null(rec_get(r, "counter_offset"));
	rec_free(r);
}

/* CPL3: the runtime keeps interrupts off there; said before any VM runs
 * a body, naming the flag. */
static void test_in_cpl3_unsupported(void **state)
{
	const struct mb_bench *b = mb_find("io_latency_in");

	NEED_KVM();
	struct rec *r = run_in(b, 3);
	assert_non_null(r);
	assert_int_equal(r->status, REC_UNSUPPORTED);
	assert_non_null(r->reason);
	assert_non_null(strstr(r->reason, "CPL3"));
	assert_non_null(strstr(r->reason, "RFLAGS.IF"));
	assert_null(rec_metric_find(r, "latency_in"));
	rec_free(r);
}

/* The same row on a VM without the in-kernel irqchip: no irqfd, so
 * unsupported with the reason, not failed. */
static void test_in_no_irqchip(void **state)
{
	const struct mb_bench *b = mb_find("io_latency_in");

	NEED_KVM();
	struct mb_bench nb = *b;
	nb.irqchip = false;
	struct rec *r = run_in(&nb, 0);
	assert_non_null(r);
	assert_int_equal(r->status, REC_UNSUPPORTED);
	assert_non_null(r->reason);
	assert_non_null(strstr(r->reason, "in-kernel irqchip"));
	rec_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_cpl0),
		cmocka_unit_test(test_in_cpl3_unsupported),
		cmocka_unit_test(test_in_no_irqchip),
	};

	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
