/* The native target (hv-core/native.h): a guest body, from the same source,
 * runs on host threads against the pages they pass in, through the guest
 * runtime's own measured loop; bodies not marked native never run there. */
#include <errno.h>
#include <pthread.h>
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
#include "microbench/mb.h"
#include "probes/histogram.h"
#include "tests/kvmtest.h"

#define REPS 3
#define ITERS 2000

struct native_run {
	struct hv_shared *page;
	uint32_t calls[32];
	size_t ncalls;
	int rc;
	char err[256];
};

static void on_call(uint32_t nr, void *opaque)
{
	struct native_run *r = opaque;

	if (r->ncalls < sizeof(r->calls) / sizeof(r->calls[0]))
		r->calls[r->ncalls++] = nr;
}

/* A page as the VMM fills the guest's, for `body`. */
static struct hv_shared *page_for(const char *body)
{
	struct hv_shared *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->magic = HV_ABI_MAGIC;
	s->abi_version = HV_ABI_VERSION;
	s->nr_vcpus = 1;
	s->tsc_khz = 1000000;
	assert_int_equal(hv_body_name_put(s->body, body), 0);
	s->min_cycles = ~0ull >> 1;	/* max_iters ends each repetition */
	s->max_iters = ITERS;
	s->warmup_iters = 10;
	s->calib_iters = 200;
	s->repetitions = REPS;
	s->batch = 1;
	s->param[0] = 100;	/* spin: loop turns per op */
	return s;
}

static void *thread_main(void *arg)
{
	struct native_run *r = arg;

	r->rc = hv_native_run(r->page, on_call, r, r->err, sizeof(r->err));
	return NULL;
}

static void check_measured(struct native_run *r)
{
	static const uint32_t want[] = {
		HV_UCALL_CALIB_BEGIN, HV_UCALL_CALIB_END, HV_UCALL_MEASURE_BEGIN,
		HV_UCALL_REP_END, HV_UCALL_REP_END, HV_UCALL_REP_END,
		HV_UCALL_MEASURE_END, HV_UCALL_DONE,
	};
	struct hv_shared *s = r->page;
	uint64_t hist_n = 0;

	assert_int_equal(r->rc, 0);
	assert_int_equal(s->status, HV_GS_OK);
	assert_int_equal(r->ncalls, sizeof(want) / sizeof(want[0]));
	assert_memory_equal(r->calls, want, sizeof(want));
	assert_int_equal(s->iterations, (uint64_t)REPS * ITERS);
	assert_int_equal(s->warmup_done, 10);
	assert_int_equal(s->calib_done, 200);
	assert_int_equal(s->moments.n, s->iterations);
	for (uint32_t b = 0; b < HIST_BUCKETS; b++)
		hist_n += s->hist[b];
	assert_int_equal(hist_n, s->iterations);
	assert_true(s->nsamples > 0 && s->nsamples <= HV_MAX_SAMPLES);
	assert_true(s->moments.max > 0);
}

/* Two host threads, each on its own page: the same body, measured by the
 * same loop as in the guest, each page filled by its own thread only. */
static void test_spin_on_two_threads(void **state)
{
	struct native_run r[2] = { { .page = page_for("spin") }, { .page = page_for("empty") } };
	pthread_t t[2];

	/* As the empty row does: empty minus the probe pair it is calibrated
	 * with is 0 whenever the counter's step makes the median the maximum
	 * (seen in 3 of 15 runs here), so its raw pair is what is checked. */
	r[1].page->flags |= HV_F_NO_SUBTRACT;

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 2; i++) {
		check_measured(&r[i]);
		print_message("native %s: mean %.1f counter units per op (overhead %llu subtracted)\n",
			      r[i].page->body, (double)r[i].page->moments.sum / (double)r[i].page->moments.n,
			      (unsigned long long)r[i].page->overhead);
		free(r[i].page);
	}
}

/* A body not marked native (it faults, or needs a VM) or no body at all:
 * refused before anything runs, with the reason. */
static void test_only_native_bodies_run(void **state)
{
	static const char *const names[] = { "fault_test", "lie", "cpuid", "no_such_body" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct native_run r = { .page = page_for(names[i]) };

		thread_main(&r);
		assert_int_equal(r.rc, -ENOENT);
		assert_non_null(strstr(r.err, names[i]));
		assert_int_equal(r.ncalls, 0);
		assert_int_equal(r.page->status, HV_GS_IDLE);
		free(r.page);
	}
}

/* The stop flag ends a native run as it ends a guest's. */
static void test_stop_is_honoured(void **state)
{
	struct native_run r = { .page = page_for("spin") };

	r.page->stop = 1;
	thread_main(&r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.page->status, HV_GS_OK);
	assert_int_equal(r.page->iterations, 0);
	free(r.page);
}

static int setup_spin(struct mb_setup_ctx *c)
{
	c->vm->shared->param[0] = 100;
	return 0;
}

/* Guest vs native from one source: the spin body at CPL3 in a VM and on a
 * host thread. Both figures are printed, not compared: what a host makes
 * of guest user code is the host's (emulated CPL0 never enters here). */
static void test_guest_and_native_side_by_side(void **state)
{
	static const struct mb_bench spin = {
		.name = "spin_guest", .family = "dummy",
		.description = "tests: the spin body in a VM",
		.archs = MB_ARCH_X86 | MB_ARCH_ARM64, .expected_exits = -1,
		.exit_stat = "exits_caused", .body = "spin", .cpls = MB_CPL_ANY,
		.setup = setup_spin,
	};
	struct native_run r = { .page = page_for("spin") };
	struct mb_params p;

	NEED_KVM();
	mb_params_defaults(&p, &spin);
	p.cpl = 3;
	p.min_time_ms = 20;
	p.max_iters = ITERS;
	p.repetitions = REPS;
	json_t *rec = measure_run(&env, &spin, &p);
	assert_string_equal(json_string_value(json_object_get(rec, "status")), "ok");
	thread_main(&r);
	check_measured(&r);
	print_message("spin, 100 turns per op: guest cpl3 mean %.1f, native mean %.1f counter units\n",
		      json_number_value(json_object_get(json_object_get(rec, "cycles"), "mean")),
		      (double)r.page->moments.sum / (double)r.page->moments.n);
	json_decref(rec);
	free(r.page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spin_on_two_threads),
		cmocka_unit_test(test_only_native_bodies_run),
		cmocka_unit_test(test_stop_is_honoured),
		cmocka_unit_test(test_guest_and_native_side_by_side),
	};

	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
