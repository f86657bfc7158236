/* The memory family's pt_churn and mmu_mix rows on real VMs: what the
 * host's paging mode implies for exits per page-table write (~0 with
 * TDP, >= 1 exit on shadow paging, >= 1 intercepted write where the host
 * emulates the guest kernel, PVM), the declared MMU statistics in every
 * record (zero included), the vCPU count of mmu_mix, the body's refusal
 * decoded by the row's words, and a pool too large for the guest reported
 * unsupported before a vCPU runs. Short budgets: CPL0 may be emulated. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hvbench/measure.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "tests/kvmtest.h"

static bool tdp(void)
{
	return !strcmp(host.paging, "ept") || !strcmp(host.paging, "npt");
}

static struct rec *run(const char *name, uint32_t vcpus, int64_t a, int64_t b, int64_t c)
{
	const struct mb_bench *bench = mb_find(name);
	struct mb_params p;

	assert_non_null(bench);
	mb_params_defaults(&p, bench);
	p.cpl = 0;
	p.vcpus = vcpus;
	p.min_time_ms = 5;
	p.max_iters = !strcmp(name, "mmu_mix") ? 4 : 200;
	p.warmup_iters = 2;
	p.repetitions = 2;
	p.timeout_ms = 60000;
	p.ext[0] = a;
	p.ext[1] = b;
	if (c >= 0)
		p.ext[2] = c;
	return measure_record(&env, bench, &p);
}

static double value(const struct rec *r, const char *name)
{
	const struct rec_metric *m = rec_metric_find(r, name);

	assert_non_null(m);
	assert_int_equal(m->kind, REC_VALUE);
	return m->value;
}

/* Every statistic the row declares is in the record, or named missing. */
static void declared_stats(const struct rec *r)
{
	const char *const vm_stats[] = { "mmu_pte_write", "mmu_shadow_zapped", "mmu_flooded" };
	json_t *missing = rec_get(r, "kvm_stats_missing");

	for (size_t i = 0; i < sizeof(vm_stats) / sizeof(vm_stats[0]); i++) {
		char name[96];
		bool gone = false;
		size_t k;
		json_t *v;

		snprintf(name, sizeof(name), "exits_per_op/vm.%s", vm_stats[i]);
		json_array_foreach(missing, k, v)
			gone |= !strcmp(json_string_value(v), vm_stats[i]);
		assert_true(gone || rec_metric_find(r, name));
	}
}

static void test_pt_churn(void **state)
{
	NEED_KVM();
	struct rec *r = run("pt_churn", 1, 4, 16, -1);

	assert_non_null(r);
	if (r->status != REC_OK)
		print_message("pt_churn: %s\n", r->reason ? r->reason : "?");
	assert_int_equal(r->status, REC_OK);
	declared_stats(r);
	double per = value(r, "exits_per_pt_write");
	double trapped = value(r, "trapped_per_pt_write");
	assert_true(value(r, "pt_writes") == 3);
	print_message("pt_churn on %s/%s: %.1f %s per op, %.3f exits and %.3f intercepted writes per page-table write\n",
		      host.backend, host.paging, rec_metric_stat(rec_metric_find(r, "cycles"), "p50"),
		      r->unit, per, trapped);
	if (tdp())
		assert_true(per < 0.1);
	else if (!strcmp(host.backend, "pvm"))
		assert_true(trapped >= 1);	/* the kernel is emulated: writes, not exits */
	else if (!strcmp(host.paging, "shadow"))
		assert_true(per >= 1);
	assert_false(rec_flagged(r, "suspect"));
	if (!strcmp(host.backend, "pvm"))
		assert_non_null(rec_get(r, "cpl0_emulated"));
	rec_free(r);
}

static void test_mmu_mix_vcpus(void **state)
{
	NEED_KVM();
	for (uint32_t v = 1; v <= 2; v++) {
		struct rec *r = run("mmu_mix", v, 4, 4, 10);

		assert_non_null(r);
		if (r->status != REC_OK)
			print_message("mmu_mix vcpus=%u: %s\n", v, r->reason ? r->reason : "?");
		assert_int_equal(r->status, REC_OK);
		declared_stats(r);
		assert_true(value(r, "vcpus") == v);
		assert_true(value(r, "per_task") > 0);
		print_message("mmu_mix vcpus=%u: %.3g %s per op\n", v,
			      rec_metric_stat(rec_metric_find(r, "cycles"), "p50"), r->unit);
		rec_free(r);
	}
}

/* The page asks for no address space at all: the body refuses, in the
 * row's words. */
static void test_refusal_named(void **state)
{
	NEED_KVM();
	struct rec *r = run("pt_churn", 1, 0, 16, -1);

	assert_non_null(r);
	assert_int_equal(r->status, REC_FAILED);
	assert_non_null(r->reason);
	assert_non_null(strstr(r->reason, "body pt_churn: the page asked for counts outside the body's limits"));
	rec_free(r);
}

/* Eight vCPUs of 512 pages each do not fit a 16 MiB guest's scratch RAM:
 * unsupported with the size, no vCPU run. */
static void test_pool_too_big(void **state)
{
	NEED_KVM();
	const struct mb_bench *b = mb_find("mmu_mix");
	struct mb_params p;

	mb_params_defaults(&p, b);
	p.cpl = 0;
	p.vcpus = 8;
	p.mem_mb = 16;
	p.ext[1] = 512;
	p.timeout_ms = 30000;
	struct rec *r = measure_record(&env, b, &p);
	assert_non_null(r);
	assert_int_equal(r->status, REC_UNSUPPORTED);
	assert_non_null(strstr(r->reason, "raise mem_mb"));
	rec_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pt_churn),
		cmocka_unit_test(test_mmu_mix_vcpus),
		cmocka_unit_test(test_refusal_named),
		cmocka_unit_test(test_pool_too_big),
	};
	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
