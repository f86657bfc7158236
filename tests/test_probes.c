/* The runner's probe interface (probes/probe.h): which probes a run opens,
 * and, on real VMs, that every probe's figures reach the record, pauses
 * between repetitions included. Invariants only, never speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "hvbench/measure.h"
#include "microbench/mb.h"
#include "probes/probe.h"
#include "tests/kvmtest.h"

static const struct probe_ops *find(const char *name)
{
	for (size_t i = 0; probe_all[i]; i++)
		if (!strcmp(probe_all[i]->name, name))
			return probe_all[i];
	return NULL;
}

static void test_which_probes(void **state)
{
	static const char *const ev[] = { "perf::PERF_COUNT_SW_TASK_CLOCK" };
	struct probe_run r = { .exit_stat = "exits" };

	assert_non_null(find("kvmstats"));
	assert_non_null(find("pmu"));
	assert_non_null(find("kvmexit"));
	assert_non_null(find("vmm"));
	/* Plain run: KVM statistics and VMM time, nothing on the vCPU thread. */
	assert_true(find("kvmstats")->wanted == NULL || find("kvmstats")->wanted(&r));
	assert_false(find("pmu")->wanted(&r));
	assert_false(find("kvmexit")->wanted(&r));
	assert_false(probe_set_thread_files(&r));
	r.pmu_events = ev;
	r.n_pmu_events = 1;
	assert_true(find("pmu")->wanted(&r));
	assert_true(probe_set_thread_files(&r));
	r.n_pmu_events = 0;
	r.count_exits = true;
	assert_true(probe_set_thread_files(&r));
}

/* An interleaved run's wait: long enough that a halted guest's exits, if
 * they were not taken out, would show. */
static unsigned paused;
static int pace(void *ctx, uint32_t rep, uint32_t reps)
{
	struct timespec ts = { 0, 30 * 1000 * 1000 };

	paused++;
	nanosleep(&ts, NULL);
	return 0;
}

static void test_every_probe_reaches_the_record(void **state)
{
	NEED_KVM();
	const struct mb_bench *b = mb_find("pio_user");
	struct mb_params p;
	struct measure_env e = env;

	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = 3;
	p.min_time_ms = 20;
	p.max_iters = 2000;
	p.warmup_iters = 50;
	p.repetitions = 3;
	p.timeout_ms = 30000;
	snprintf(p.pmu_events[0], sizeof(p.pmu_events[0]), "perf::PERF_COUNT_SW_TASK_CLOCK");
	snprintf(p.pmu_events[1], sizeof(p.pmu_events[1]), "no-such-event");
	p.n_pmu_events = 2;
	e.pace = pace;
	paused = 0;
	json_t *rec = measure_run(&e, b, &p);
	assert_non_null(rec);
	const char *st = json_string_value(json_object_get(rec, "status"));
	if (strcmp(st, "ok"))
		fail_msg("pio_user: %s: %s", st,
			 json_string_value(json_object_get(rec, "reason")));
	assert_int_equal(paused, 3);
	/* kvmstats: one user-space exit per op, pauses taken out */
	json_t *ex = json_object_get(rec, "exits_per_op");
	assert_non_null(json_object_get(ex, "exits"));
	json_t *chk = json_object_get(rec, "exit_check");
	double got = json_number_value(json_object_get(chk, "measured"));
	assert_true(got >= json_number_value(json_object_get(chk, "low")));
	assert_true(got <= json_number_value(json_object_get(chk, "high")));
	/* pmu: the software clock counted on the vCPU thread; the bogus one
	 * says why not */
	json_t *pmu = json_object_get(rec, "pmu");
	assert_true(json_number_value(json_object_get(json_object_get(pmu,
		"perf::PERF_COUNT_SW_TASK_CLOCK"), "per_op")) > 0);
	assert_non_null(json_object_get(json_object_get(pmu, "no-such-event"), "unavailable"));
	/* vmm: every user-space exit of the window timed on the host */
	json_t *vmm = json_object_get(rec, "vmm_user_cycles");
	assert_non_null(vmm);
	assert_true(json_number_value(json_object_get(vmm, "n")) >=
		    json_integer_value(json_object_get(rec, "iterations")));
	/* kvmexit: only for its own counting pass */
	assert_null(json_object_get(rec, "kvm_exit_error"));
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_which_probes),
		cmocka_unit_test(test_every_probe_reaches_the_record),
	};
	return cmocka_run_group_tests_name("probes", tests, kvmtest_setup, NULL);
}
