/* The exit profile (probes/exitprof.c, probes/probe_profile.c): its table
 * and rendering on known inputs, then on real VMs the block every record
 * carries, checked against what the benchmark must cause and what the
 * host's capabilities imply about the method. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hvbench/measure.h"
#include "hvbench/record.h"
#include "microbench/mb.h"
#include "probes/exitprof.h"
#include "probes/kvmexit.h"
#include "tests/kvmtest.h"

static double num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_number(v))
		fail_msg("key %s: not a number", k);
	return json_number_value(v);
}

static void test_table_and_json(void **state)
{
	struct exitprof e;
	uint32_t *h = calloc(HIST_BUCKETS, sizeof(uint32_t));
	struct hist_moments m;

	(void)state;
	assert_non_null(h);
	exitprof_init(&e, "vmm_counters", "cycles", "test");
	e.ops = 100;
	e.vcpus = 2;
	e.window = 100000;
	e.call_channel_exits = 3;
	struct exitprof_reason *io = exitprof_reason(&e, "io", 2);
	assert_non_null(io);
	assert_ptr_equal(exitprof_reason(&e, "io", 2), io);	/* found, not added */
	io->count = 200;
	hist_moments_init(&m);
	for (int i = 0; i < 200; i++)	/* 100 x 100 cycles, 100 x 300 */
		hist_record(h, &m, i < 100 ? 100 : 300);
	assert_int_equal(exitprof_add_times(io, h, &m), 0);
	assert_int_equal(exitprof_add_times(io, h, &m), 0);	/* a second vCPU alike */
	/* a reason with a count and no time, and one with neither */
	exitprof_reason(&e, "intr", 10)->count = 5;
	exitprof_reason(&e, "hlt", 5);
	/* a reason past the histogram slots: moments only */
	struct exitprof_reason *x = exitprof_reason(&e, "x86_rdmsr", 29);
	struct hist_moments only = { .n = 4, .sum = 4000, .min = ~0ull };
	x->count = 4;
	assert_int_equal(exitprof_add_times(x, NULL, &only), 0);

	json_t *o = exitprof_json(&e);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "method")), "vmm_counters");
	assert_int_equal(num(o, "call_channel_exits"), 3);
	json_t *rs = json_object_get(o, "reasons");
	assert_null(json_object_get(rs, "hlt"));	/* no exit: left out */
	json_t *r = json_object_get(rs, "io");
	assert_int_equal(num(r, "count"), 200);
	assert_true(num(r, "per_op") == 2.0);
	assert_int_equal(num(r, "code"), 2);
	assert_int_equal(num(r, "timed"), 400);
	assert_true(num(r, "time_min") == 100);
	assert_true(num(r, "time_max") == 300);
	assert_true(num(r, "time_mean") == 200);
	assert_true(num(r, "time_p50") >= 100 && num(r, "time_p50") <= 300);
	assert_true(num(r, "time_p99") == 300);
	assert_int_equal(num(r, "time_total"), 80000);
	/* of two vCPUs' window: 80000 / (100000 x 2) */
	assert_true(fabs(num(r, "share_of_window") - 0.4) < 1e-12);
	json_t *in = json_object_get(rs, "intr");
	assert_int_equal(num(in, "timed"), 0);
	assert_null(json_object_get(in, "time_mean"));
	json_t *ms = json_object_get(rs, "x86_rdmsr");
	assert_true(num(ms, "time_mean") == 1000);
	assert_null(json_object_get(ms, "time_p50"));	/* no histogram: no quantiles */
	json_decref(o);
	exitprof_free(&e);
	free(h);
}

static void test_table_full(void **state)
{
	struct exitprof e;
	char name[16];

	(void)state;
	exitprof_init(&e, "tracepoints", "cycles", NULL);
	for (int i = 0; i < EXITPROF_MAX; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		assert_non_null(exitprof_reason(&e, name, i));
	}
	assert_null(exitprof_reason(&e, "one_more", 99));
	assert_int_equal(exitprof_add_time(&e.r[0], 123), 0);
	e.r[0].count = 1;
	json_t *o = exitprof_json(&e);
	json_t *r0 = json_object_get(json_object_get(o, "reasons"), "r0");
	assert_true(num(r0, "time_p50") == 123);
	assert_null(json_object_get(o, "time"));
	json_decref(o);
	exitprof_free(&e);
}

static void test_kvm_categories(void **state)
{
	json_t *per = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "exits", 1.0,
				"io_exits", 1.0, "mmio_exit_user", 0.5, "pf_taken", 2.0,
				"insn_emulation", 1.0, "halt_wakeup", 0.1, "vm.remote_tlb_flush", 0.2);
	json_t *c = exitprof_kvm_categories(per);

	(void)state;
	assert_non_null(c);
	assert_true(num(json_object_get(c, "exits"), "io_exits") == 1.0);
	assert_true(num(json_object_get(c, "exits"), "mmio_exit_user") == 0.5);
	assert_true(num(json_object_get(c, "mmu"), "pf_taken") == 2.0);
	assert_true(num(json_object_get(c, "mmu"), "vm.remote_tlb_flush") == 0.2);
	assert_true(num(json_object_get(c, "emulation"), "insn_emulation") == 1.0);
	assert_true(num(json_object_get(c, "halt"), "halt_wakeup") == 0.1);
	assert_null(json_object_get(c, "other"));
	json_decref(c);
	json_decref(per);
}

static json_t *run(const char *name, int cpl)
{
	const struct mb_bench *b = mb_find(name);
	struct mb_params p;

	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = cpl;
	p.min_time_ms = 20;
	p.max_iters = 2000;
	p.warmup_iters = 20;
	p.repetitions = 2;
	p.timeout_ms = 30000;
	json_t *rec = measure_run(&env, b, &p);
	assert_non_null(rec);
	if (strcmp(json_string_value(json_object_get(rec, "status")), "ok"))
		fail_msg("%s: %s", name, json_string_value(json_object_get(rec, "reason")));
	return rec;
}

/* What the host implies about the method: the tracepoints where kvm_exit
 * fires (VT-x/SVM) and could be read, the VMM's counters otherwise. */
static void assert_method(json_t *rec, json_t *prof)
{
	const char *method = json_string_value(json_object_get(prof, "method"));

	assert_non_null(method);
	if (!kvmexit_host_fires(&host)) {
		assert_string_equal(method, "vmm_counters");
		assert_non_null(json_string_value(json_object_get(prof, "tracepoints")));
	} else if (!json_object_get(rec, "kvm_exit_error")) {
		assert_string_equal(method, "tracepoints");
	}
	assert_true(json_array_size(json_object_get(prof, "cannot_see")) > 0);
}

/* One port write per op, to a device in user space: one io exit per op,
 * each timed, the call channel's own writes taken out. */
static void test_pio_user_profile(void **state)
{
	(void)state;
	NEED_KVM();
	json_t *rec = run("pio_user", 3);
	json_t *prof = json_object_get(rec, "exit_profile");
	assert_non_null(prof);
	assert_method(rec, prof);
	if (strcmp(json_string_value(json_object_get(prof, "method")), "vmm_counters"))
		goto out;
	uint64_t ops = (uint64_t)num(prof, "ops");
	assert_int_equal(ops, json_integer_value(json_object_get(rec, "iterations")));
	assert_true(num(prof, "call_channel_exits") >= 2);	/* window begin and end */
	json_t *io = json_object_get(json_object_get(prof, "reasons"), "io");
	assert_non_null(io);
	print_message("# pio_user cpl3: io per op %.4f, VMM p50 %.0f p99 %.0f %s, share %.4f\n",
		      num(io, "per_op"), num(io, "time_p50"), num(io, "time_p99"),
		      json_string_value(json_object_get(prof, "unit")), num(io, "share_of_window"));
	assert_true(fabs(num(io, "per_op") - 1.0) < 0.01);
	/* every io exit of the window is timed (none stopped the vCPU) */
	assert_int_equal(num(io, "timed"), num(io, "count"));
	assert_true(num(io, "time_min") <= num(io, "time_p50"));
	assert_true(num(io, "time_p50") <= num(io, "time_p99"));
	assert_true(num(io, "time_p99") <= num(io, "time_max"));
	assert_true(num(io, "share_of_window") > 0 && num(io, "share_of_window") < 1);
	/* the same samples as vmm_user_cycles, which has every reason's: with
	 * io the only one timed, the two agree exactly */
	json_t *vu = json_object_get(rec, "vmm_user_cycles");
	if (json_object_size(json_object_get(prof, "reasons")) == 1) {
		assert_int_equal(num(vu, "n"), num(io, "timed"));
		assert_true(fabs(num(vu, "p50") - num(io, "time_p50")) <= 0.1);
	}
	/* the exit reached user space: none left to the kernel's count */
	assert_true(num(prof, "in_kernel_per_op") < 0.05);
out:
	json_decref(rec);
}

static void test_mmio_user_profile(void **state)
{
	(void)state;
	NEED_KVM();
	json_t *rec = run("mmio_user", 3);
	json_t *prof = json_object_get(rec, "exit_profile");
	assert_non_null(prof);
	assert_method(rec, prof);
	if (!strcmp(json_string_value(json_object_get(prof, "method")), "vmm_counters")) {
		json_t *rs = json_object_get(prof, "reasons");
		assert_true(fabs(num(json_object_get(rs, "mmio"), "per_op") - 1.0) < 0.01);
		/* the call channel is a port write: none of it is left */
		json_t *io = json_object_get(rs, "io");
		assert_true(!io || num(io, "per_op") < 0.01);
	}
	json_decref(rec);
}

/* cpuid never reaches user space: whatever exits it takes (one on hosts
 * that trap it, none where the CPU runs it), the kernel keeps them. */
static void test_cpuid_in_kernel(void **state)
{
	(void)state;
	NEED_KVM();
	if (!strcmp(host.backend, "pvm") && !host.cpuid_fault) {
		/* CPL3 CPUID runs natively here: the row must refuse, and say why. */
		const struct mb_bench *b = mb_find("cpuid");
		struct mb_params p;

		assert_non_null(b);
		mb_params_defaults(&p, b);
		p.cpl = 3;
		json_t *r = measure_run(&env, b, &p);
		assert_non_null(r);
		assert_string_equal(json_string_value(json_object_get(r, "status")), "unsupported");
		const char *why = json_string_value(json_object_get(r, "reason"));
		assert_non_null(why);
		assert_non_null(strstr(why, "no CPUID faulting"));
		assert_null(json_object_get(r, "exit_profile"));
		print_message("SKIP: cpuid at CPL3, the row refused as it must: %s\n", why);
		json_decref(r);
		skip();
	}
	json_t *rec = run("cpuid", 3);
	json_t *prof = json_object_get(rec, "exit_profile");
	assert_non_null(prof);
	assert_method(rec, prof);
	if (!strcmp(json_string_value(json_object_get(prof, "method")), "vmm_counters")) {
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(prof, "reasons"), k, v)
			if (strcmp(k, "intr"))
				assert_true(num(v, "per_op") < 0.01);
		double caused = json_number_value(json_object_get(json_object_get(rec, "exits_per_op"),
								  "exits_caused"));
		assert_true(fabs(num(prof, "in_kernel_per_op") - caused) < 0.01);
	}
	json_decref(rec);
}


/* The tracepoint method, tried on any host where kvm:kvm_exit exists: it
 * must be the record's method where the tracepoint fires (VT-x/SVM), and
 * where it does not (PVM) the record must say so and keep the VMM's. */
static void test_tracepoint_method(void **state)
{
	const struct mb_bench *b = mb_find("pio_user");
	struct mb_params p;

	(void)state;
	NEED_KVM();
	mb_params_defaults(&p, b);
	p.cpl = 3;
	p.min_time_ms = 10;
	p.max_iters = 500;
	p.warmup_iters = 10;
	p.timeout_ms = 30000;
	struct rec *r = measure_record(&env, b, &p);
	assert_non_null(r);
	assert_int_equal(r->status, REC_OK);
	measure_count_exits_on(&env, b, &p, r, true);
	json_t *rec = rec_to_json(r);
	rec_free(r);
	json_t *prof = json_object_get(rec, "exit_profile");
	const char *err = json_string_value(json_object_get(rec, "kvm_exit_error"));
	const char *method = json_string_value(json_object_get(prof, "method"));
	print_message("# tracepoint method: %s%s%s\n", method, err ? ": " : "", err ? err : "");
	assert_non_null(prof);
	if (err && (strstr(err, "not readable") || strstr(err, "perf_event_open"))) {
		/* no tracefs or no permission here: said, and the VMM's method stays */
		assert_string_equal(method, "vmm_counters");
		assert_non_null(strstr(json_string_value(json_object_get(prof, "tracepoints")), "tried"));
	} else if (kvmexit_host_fires(&host)) {
		assert_null(err);
		assert_string_equal(method, "tracepoints");
		json_t *rs = json_object_get(prof, "reasons");
		json_t *io = json_object_get(rs, "io") ? json_object_get(rs, "io") :
			     json_object_get(rs, "IO_INSTRUCTION");
		assert_non_null(io);
		assert_true(fabs(num(io, "per_op") - 1.0) < 0.05);
		assert_true(num(io, "timed") > 0);
		assert_non_null(json_object_get(prof, "vmm_counters"));
	} else if (!strcmp(host.backend, "pvm")) {
		/* PVM: kvm_exit never fires; the run must have found that out */
		assert_non_null(err);
		assert_non_null(strstr(err, "does not fire"));
		assert_string_equal(method, "vmm_counters");
		assert_non_null(strstr(json_string_value(json_object_get(prof, "tracepoints")), "does not fire"));
	}
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_and_json),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_kvm_categories),
		cmocka_unit_test(test_pio_user_profile),
		cmocka_unit_test(test_mmio_user_profile),
		cmocka_unit_test(test_cpuid_in_kernel),
		cmocka_unit_test(test_tracepoint_method),
	};
	return cmocka_run_group_tests_name("exit profile", tests, kvmtest_setup, NULL);
}
