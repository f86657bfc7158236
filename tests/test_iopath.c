/* Integration tests of the io-path (0x22e) study on real VMs: segments, the
 * timeline check, thread placement, kernel placement. Skip without KVM. */
#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hvbench/measure.h"
#include "microbench/iopath.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "tests/kvmtest.h"
#include "tests/testroot.h"

static int setup(void **state)
{
	find_root();
	return kvmtest_setup(state);
}

/* Set family parameter name to v: a choice by its string, else a number. */
static void set(const struct mb_bench *b, struct mb_params *p, const char *name,
		const char *choice, int64_t v)
{
	int i = mb_ext_index(b, name);

	assert_true(i >= 0);
	if (choice) {
		const char *const *c = b->ext_params[i].choices;
		for (v = 0; c[v] && strcmp(c[v], choice); v++)
			;
		assert_non_null(c[v]);
	}
	p->ext[i] = v;
}

/* io_path with "key=value" settings, e.g. run(3, "device_model=thread", NULL). */
static json_t *run(int cpl, ...)
{
	const struct mb_bench *b = mb_find("io_path");
	struct mb_params p;
	va_list ap;
	const char *kv;

	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = cpl;
	p.min_time_ms = 60;
	p.max_iters = 20000;
	p.warmup_iters = 50;
	p.timeout_ms = 30000;
	va_start(ap, cpl);
	while ((kv = va_arg(ap, const char *))) {
		char key[64];
		const char *eq = strchr(kv, '=');
		int i;

		assert_non_null(eq);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
		i = mb_ext_index(b, key);
		assert_true(i >= 0);
		if (b->ext_params[i].type == MB_PT_CHOICE)
			set(b, &p, key, eq + 1, 0);
		else if (b->ext_params[i].type == MB_PT_BOOL)
			set(b, &p, key, NULL, !strcmp(eq + 1, "true"));
		else
			set(b, &p, key, NULL, strtoll(eq + 1, NULL, 0));
	}
	va_end(ap);
	json_t *rec = measure_run(&env, b, &p);
	assert_non_null(rec);
	return rec;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static double num(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void assert_status(json_t *rec, const char *want)
{
	if (strcmp(str(rec, "status"), want))
		fail_msg("%s: status %s, expected %s: %s", str(rec, "variant"),
			 str(rec, "status"), want, str(rec, "reason"));
}

static bool two_cpus(void)
{
	cpu_set_t s;

	return sched_getaffinity(0, sizeof(s), &s) == 0 && CPU_COUNT(&s) >= 2;
}

/* The checks every probed record must pass; with sums, also that segment
 * medians add up and the probes cost under 2%: false when such a timing
 * check missed (the caller retries: the machine is shared and noisy). */
static bool segments_ok(json_t *rec, bool sums, char *why, size_t len)
{
	static const char *const segs[] = { "exit", "dispatch", "device_model", "entry" };
	json_t *seg = json_object_get(rec, "segments");
	json_t *share = json_object_get(rec, "share");
	json_t *chk = json_object_get(rec, "segments_sum_check");
	json_t *rt = json_object_get(rec, "round_trip");
	double shares = 0;

	assert_status(rec, "ok");
	assert_non_null(rt);
	for (size_t i = 0; i < 4; i++) {
		json_t *s = json_object_get(seg, segs[i]);
		assert_non_null(s);
		assert_true(num(s, "n") > 0);
		/* one access in 8 goes unstamped */
		assert_true(num(s, "n") >= 0.8 * num(rec, "iterations"));
		shares += num(share, segs[i]);
	}
	assert_true(num(json_object_get(seg, "exit"), "p50") > 0);
	assert_true(num(json_object_get(seg, "entry"), "p50") > 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		json_object_get(rec, "timeline"), "bracket"), "violations")), 0);
	assert_true(num(rec, "skew_cycles") >= 0);
	assert_true(num(rec, "skew_cycles") <= 0.01 * num(rt, "p50"));
	/* the check uses the median itself, the file shows it to 0.1 */
	assert_true(fabs(num(chk, "round_trip_p50") - num(rt, "p50")) <= 0.05 + 1e-9);
	/* A miss is always flagged in the record itself. */
	if (fabs(num(chk, "error")) > 0.02) {
		assert_true(json_is_true(json_object_get(rec, "suspect")));
		assert_non_null(strstr(str(rec, "suspect_reason"), "segment medians"));
	}
	if (!sums)
		return true;
	if (fabs(num(chk, "error")) > 0.02 || fabs(shares - 1) > 0.02) {
		snprintf(why, len, "%s: segment medians off the round trip by %+.2f%% (shares sum %.3f)",
			 str(rec, "variant"), 100 * num(chk, "error"), shares);
		return false;
	}
	json_t *pc = json_object_get(rec, "probe_cost");
	assert_non_null(pc);
	/* Probes can only add time: a negative difference is noise. */
	if (num(pc, "distortion") > 0.02) {
		snprintf(why, len, "%s: probes change the round-trip median by %+.2f%%",
			 str(rec, "variant"), 100 * num(pc, "distortion"));
		return false;
	}
	return true;
}

/* Run until the timing checks pass, at most four times. */
static json_t *run_checked(json_t *(*fn)(void), bool sums)
{
	char why[256] = "";

	for (int i = 0; i < 4; i++) {
		json_t *rec = fn();
		if (segments_ok(rec, sums, why, sizeof(why)))
			return rec;
		print_message("retry: %s\n", why);
		json_decref(rec);
	}
	fail_msg("%s (four runs)", why);
	return NULL;
}

static json_t *inline_in(void)
{
	return run(3, NULL);
}

static json_t *inline_out4(void)
{
	return run(3, "direction=out", "size=4", NULL);
}

static json_t *thread_same(void)
{
	return run(3, "device_model=thread", "device_cpu=same", NULL);
}

static json_t *thread_other(void)
{
	return run(3, "device_model=thread", "device_cpu=other", NULL);
}

/* Every key of the record is described in docs/results-schema.md. */
static void assert_keys_documented(json_t *rec)
{
	char path[PATH_MAX + 64], key[80];
	const char *k;
	json_t *v;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/docs/results-schema.md", root);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	char *doc = calloc(1, (size_t)len + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	/* the doc's key tables name a record's keys as benchmarks[].KEY */
	json_object_foreach(rec, k, v) {
		snprintf(key, sizeof(key), "`benchmarks[].%s`", k);
		if (!strstr(doc, key))
			fail_msg("docs/results-schema.md does not describe %s", key);
	}
	free(doc);
}

/* Exit, dispatch, device model and entry add up to the round trip. */
static void test_segments_add_up(void **state)
{
	NEED_KVM();
	json_t *rec = run_checked(inline_in, true);
	assert_string_equal(str(rec, "variant"), "inline cpl3");
	assert_string_equal(str(rec, "family"), "io-path");
	assert_true(fabs(num(rec, "vmm_exits_per_op") - 1) < 0.01);
	assert_keys_documented(rec);
	json_decref(rec);
	rec = run_checked(inline_out4, true);
	assert_string_equal(str(rec, "variant"), "inline cpl3 out 4B");
	json_decref(rec);
}

/* A host clock that is off makes the record unsupported, with the reason. */
static void test_timeline_rejects_wrong_offset(void **state)
{
	NEED_KVM();
	/* Far off: the guest's stamps fall outside every exit. */
	iopath_test_host_offset = 1000000000;
	json_t *rec = run(3, NULL);
	iopath_test_host_offset = 0;
	assert_status(rec, "unsupported");
	assert_non_null(strstr(str(rec, "reason"), "not one timeline"));
	json_decref(rec);

	/* A few thousand cycles: inside every exit, but the clock exchange
	 * with the other CPU sees it (in both directions). */
	for (int sign = -1; two_cpus() && sign <= 1; sign += 2) {
		iopath_test_host_offset = sign * 4000;
		rec = run(3, NULL);
		iopath_test_host_offset = 0;
		const char *why = str(rec, "reason");
		if (!why || !strstr(why, "disagree")) {
			/* On a loaded host the exchange's bracket can be wider
			 * than the planted offset: then it cannot see it, and the
			 * record must show exactly that (its bounds hold both 0
			 * and the offset), never a tight fit that hides it. */
			json_t *b = json_object_get(json_object_get(rec, "timeline"), "bounds");
			json_int_t lo = json_integer_value(json_array_get(b, 0));
			json_int_t hi = json_integer_value(json_array_get(b, 1));
			print_message("note: offset %d not seen, bounds [%lld, %lld] (%s)\n",
				      sign * 4000, (long long)lo, (long long)hi,
				      why ? why : "ok");
			assert_true(json_is_integer(json_array_get(b, 0)) &&
				    json_is_integer(json_array_get(b, 1)));
			assert_true(lo < 0 && hi > 0 && hi - lo > 4000);
		}
		json_decref(rec);
	}

	/* A wrong KVM offset: rejected where KVM applies it; a host that
	 * keeps its own (PVM reads back 0) must still show one timeline. */
	iopath_test_kvm_offset = 1000000000000ll;
	rec = run(3, NULL);
	iopath_test_kvm_offset = 0;
	json_t *tl = json_object_get(rec, "timeline");
	json_t *ko = json_object_get(tl, "kvm_offset");
	if (json_is_integer(ko) && json_integer_value(ko) == 1000000000000ll) {
		assert_status(rec, "unsupported");
	} else {
		print_message("note: the host did not take KVM_VCPU_TSC_OFFSET (%s)\n",
			      str(tl, "offset_control"));
		assert_status(rec, "ok");
	}
	json_decref(rec);
}

static void check_thread(json_t *rec, bool same)
{
	json_t *pl = json_object_get(rec, "placement");

	assert_non_null(pl);
	if (same)
		assert_int_equal(json_integer_value(json_object_get(pl, "device_cpu")),
				 json_integer_value(json_object_get(pl, "vcpu_cpu")));
	else
		assert_int_not_equal(json_integer_value(json_object_get(pl, "device_cpu")),
				     json_integer_value(json_object_get(pl, "vcpu_cpu")));
	/* Every access went through the device thread (warm-up included). */
	assert_true(num(pl, "handoffs") >= num(rec, "iterations"));
}

/* The handoff to a device thread on the vCPU's CPU and on another one. Their
 * segment medians need not add up (a wake-up on another CPU has several
 * modes); the inline test checks the sums. */
static void test_thread_handoff(void **state)
{
	NEED_KVM();
	json_t *rec = run_checked(thread_same, false);
	assert_string_equal(str(rec, "variant"), "thread-same cpl3");
	check_thread(rec, true);
	json_decref(rec);
	if (!two_cpus()) {
		print_message("note: one CPU: device_cpu other must be unsupported\n");
		rec = thread_other();
		assert_status(rec, "unsupported");
		json_decref(rec);
		return;
	}
	rec = run_checked(thread_other, false);
	assert_string_equal(str(rec, "variant"), "thread-other cpl3");
	check_thread(rec, false);
	json_decref(rec);
}

/* Confined to one CPU: the handoff still works (both threads share it), the
 * clock exchange cannot run, and "other" says why it cannot be done. */
static void test_thread_one_cpu(void **state)
{
	cpu_set_t old, one;

	NEED_KVM();
	assert_int_equal(sched_getaffinity(0, sizeof(old), &old), 0);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &old)) {
			CPU_SET(c, &one);
			break;
		}
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	json_t *same = thread_same();
	json_t *other = thread_other();
	sched_setaffinity(0, sizeof(old), &old);

	/* Without a second CPU only the exit brackets the clock offset: far
	 * too loosely on hosts with long exits, and the record says so. */
	if (strcmp(str(same, "status"), "ok")) {
		assert_status(same, "unsupported");
		assert_non_null(strstr(str(same, "reason"), "no second CPU"));
	}
	assert_true(json_is_null(json_object_get(json_object_get(same, "timeline"), "exchange")));
	check_thread(same, true);
	assert_status(other, "unsupported");
	assert_non_null(strstr(str(other, "reason"), "second CPU"));
	json_decref(same);
	json_decref(other);
}

/* ioeventfd: KVM completes the OUT, no exit reaches the VMM. */
static void test_kernel_no_user_exit(void **state)
{
	NEED_KVM();
	json_t *rec = run(3, "device_model=kernel", "direction=out", NULL);
	assert_status(rec, "ok");
	assert_string_equal(str(rec, "variant"), "kernel cpl3");
	/* The VMM's device on that port saw nothing... */
	assert_true(json_is_number(json_object_get(rec, "vmm_exits_per_op")));
	assert_true(num(rec, "vmm_exits_per_op") == 0);
	assert_null(json_object_get(rec, "vmm_user_cycles"));
	/* ...though KVM counted one exit per access, and no IO exit to user
	 * space (PVM counts none for either kind). */
	json_t *ex = json_object_get(rec, "exits_per_op");
	assert_true(fabs(num(ex, "exits_caused") - 1) < 0.05);
	assert_true(num(ex, "io_exits") < 0.05);
	/* Round trip only. */
	assert_non_null(json_object_get(rec, "round_trip"));
	assert_null(json_object_get(rec, "segments"));
	json_decref(rec);

	/* The device's work happens in the worker the eventfd wakes. */
	rec = run(3, "device_model=kernel", "direction=out",
		  "device_work_cycles=1000", NULL);
	assert_status(rec, "ok");
	assert_true(num(json_object_get(rec, "placement"), "eventfd_kicks") > 0);
	json_decref(rec);

	rec = run(3, "device_model=kernel", "direction=in", NULL);
	assert_status(rec, "unsupported");
	assert_non_null(strstr(str(rec, "reason"), "needs direction out"));
	json_decref(rec);
}

/* Parameters the suite file cannot refuse are refused when the run starts. */
static void test_bad_params(void **state)
{
	NEED_KVM();
	json_t *rec = run(3, "size=3", NULL);
	assert_status(rec, "failed");
	assert_non_null(strstr(str(rec, "reason"), "size must be 1, 2 or 4"));
	json_decref(rec);
	rec = run(3, "port=0xf01", NULL);
	assert_status(rec, "failed");
	assert_non_null(strstr(str(rec, "reason"), "call channel"));
	json_decref(rec);
}

/* Round trip without host stamps, and CPL0 (emulated on PVM, where the
 * clock cannot be placed within 1%: the record must say so, not fail). */
static void test_no_probes_and_cpl0(void **state)
{
	NEED_KVM();
	json_t *rec = run(3, "probes=false", NULL);
	assert_status(rec, "ok");
	assert_null(json_object_get(rec, "segments"));
	assert_null(json_object_get(rec, "share"));
	assert_string_equal(str(rec, "variant"), "inline cpl3 no-probes");
	json_decref(rec);
	rec = run(0, NULL);
	if (!strcmp(host.backend, "pvm")) {
		assert_status(rec, "unsupported");
		assert_non_null(strstr(str(rec, "reason"), "emulated"));
	} else if (strcmp(str(rec, "status"), "ok")) {
		assert_status(rec, "unsupported");
	}
	assert_non_null(json_object_get(rec, "segments"));
	json_decref(rec);
}

/* The clock bound has three bands, so a bound near 1% of the round trip
 * marks the row marginal instead of flipping it between ok and unsupported. */
static void test_clock_bands(void **state)
{
	struct iop_state s;
	double skew;
	char why[512];
	static const struct { int64_t gap; enum iop_clock_fit fit; } cases[] = {
		{ 50, IOP_CLOCK_OK },		/* 0.5% of 10000 */
		{ 100, IOP_CLOCK_OK },		/* 1.0%: the limit itself */
		{ 110, IOP_CLOCK_MARGINAL_FIT },	/* 1.1%, as seen in a run */
		{ 500, IOP_CLOCK_MARGINAL_FIT },	/* 5% */
		{ 800, IOP_CLOCK_BAD },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.clk.accesses = 100;
		s.clk.min_exit = cases[i].gap;
		s.clk.min_entry = cases[i].gap;
		s.clk.cpu = -1;
		why[0] = '\0';
		assert_int_equal(iop_clock_verdict(&s, 10000, &skew, why, sizeof(why)),
				 cases[i].fit);
		assert_true(fabs(skew - (double)cases[i].gap) < 1e-9);
		if (cases[i].fit != IOP_CLOCK_OK)	/* the figure is in the words */
			assert_non_null(strstr(why, "% of the 10000-cycle round trip"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segments_add_up),
		cmocka_unit_test(test_timeline_rejects_wrong_offset),
		cmocka_unit_test(test_thread_handoff),
		cmocka_unit_test(test_thread_one_cpu),
		cmocka_unit_test(test_kernel_no_user_exit),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_no_probes_and_cpl0),
		cmocka_unit_test(test_clock_bands),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
