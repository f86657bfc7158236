/* Tests of compare's verdict rules on result files whose repetitions are set
 * by hand (run-to-run noise, consistent shifts, too few repetitions, SUSPECT,
 * COARSE, busy hosts), and of the guest's sampling on a real VM. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/an.h"
#include "analysis/an_compare.h"
#include "hvbench/measure.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/stats.h"

#include "tests/an_testutil.h"

/* Options of one synthetic record. */
struct rec {
	const char *name;
	const double *reps; /* per-repetition medians (the means follow) */
	size_t n_reps;
	double scale; /* multiplies every repetition: a run-level shift */
	bool suspect, coarse;
};

/* A minimal valid result file holding @n records; @other_cpus < 0: no
 * host_load block. */
static void write_run(const char *file, const struct rec *r, size_t n,
		      double other_cpus)
{
	json_t *benches = json_array();
	json_t *doc = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:o}", "schema",
				"hvbench-result/1", "started", "2026-12-01T10:00:00Z",
				"host", "hostname", "testhost", "backend", "pvm",
				"arch", "x86_64", "benchmarks", benches);

	for (size_t i = 0; i < n; i++) {
		json_t *reps = json_array();
		double *v = malloc(r[i].n_reps * sizeof(double));

		for (size_t j = 0; j < r[i].n_reps; j++) {
			v[j] = r[i].reps[j] * r[i].scale;
			json_array_append_new(reps, json_pack("{s:i, s:f, s:f}",
				"iterations", 1000, "p50", v[j], "mean", v[j] * 1.05));
		}
		double med = stats_median(v, r[i].n_reps);
		json_t *b = json_pack("{s:s, s:s, s:{s:i}, s:s, s:f, s:{s:f, s:f, s:f, s:f}, s:o, s:b}",
			"name", r[i].name, "status", "ok", "params", "cpl", 3,
			"unit", "cycles", "counter_hz", 2.5e9, "cycles", "p10", med * 0.9,
			"p50", med, "p90", med * 1.1, "mean", med * 1.05,
			"repetitions", reps, "suspect", r[i].suspect);

		if (r[i].coarse)
			json_object_set_new(b, "resolution", json_pack("{s:f, s:i, s:b}",
				"per_op", 1.0, "ops_per_sample", 1, "coarse", 1));
		json_array_append_new(benches, b);
		free(v);
	}
	if (other_cpus >= 0) {
		json_t *l = json_pack("{s:f, s:f, s:f, s:f}", "load1", 0.5, "cpus",
				      2.0, "busy_cpus", other_cpus + 0.1,
				      "other_cpus", other_cpus);

		json_object_set_new(doc, "host_load", json_pack("{s:O, s:o}",
				    "start", l, "end", l));
	}
	assert_int_equal(json_dump_file(doc, tpath(file), 0), 0);
	json_decref(doc);
}

static struct an_result *load(const char *file)
{
	struct an_result *r = NULL;
	char err[1024];

	if (an_result_load(tpath(file), 0, &r, err, sizeof(err)))
		fail_msg("%s", err);
	return r;
}

/* Compares the files base[0..nb) against cur[0..nc); row 0's verdict. */
static enum an_verdict verdict(const char *const *base, size_t nb,
			       const char *const *cur, size_t nc,
			       char *note, size_t notelen, struct an_cmp *keep)
{
	struct an_result *rs[16];
	struct an_cmp c;
	struct an_cmp_opts o;
	char err[512];
	enum an_verdict v;

	an_cmp_opts_default(&o);
	for (size_t i = 0; i < nb; i++)
		rs[i] = load(base[i]);
	for (size_t i = 0; i < nc; i++)
		rs[nb + i] = load(cur[i]);
	assert_int_equal(an_compare_sets((const struct an_result *const *)rs, nb,
					 (const struct an_result *const *)rs + nb,
					 nc, &o, &c, err, sizeof(err)), 0);
	v = c.rows[0].verdict;
	if (note)
		snprintf(note, notelen, "%s", c.rows[0].note);
	if (keep)
		*keep = c;
	else
		an_cmp_free(&c);
	for (size_t i = 0; i < nb + nc; i++)
		an_result_free(rs[i]);
	return v;
}

static const double quiet5[] = { 1000, 1004, 998, 1002, 996 };

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hvbench-test-verdicts.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Repetitions wandering by +-10% on both sides, the same distribution:
 * the medians differ by a few percent and nothing is called. */
static void test_noisy_repetitions_same(void **state)
{
	static const double a[] = { 1100, 950, 1000, 900, 1050 };
	static const double b[] = { 920, 1080, 1000, 1100, 970 };
	struct rec ra = { "mmio_kernel", a, 5, 1.0, false, false }, rb = { "mmio_kernel", b, 5, 1.0, false, false };
	const char *A[] = { "noisy-a.json" }, *B[] = { "noisy-b.json" };

	write_run(A[0], &ra, 1, 0.0);
	write_run(B[0], &rb, 1, 0.0);
	assert_int_equal(verdict(A, 1, B, 1, NULL, 0, NULL), AN_V_SAME);
	assert_int_equal(verdict(B, 1, A, 1, NULL, 0, NULL), AN_V_SAME);
}

/* Four runs a side, each shifted as a whole by up to +-10% (what separates
 * runs on this host), quiet inside: run-level values, no verdict. */
static void test_run_shifts_same(void **state)
{
	static const double sa[] = { 1.10, 0.95, 1.03, 0.90 };
	static const double sb[] = { 0.92, 1.06, 1.09, 0.98 };
	const char *A[4], *B[4];
	static char names[8][32];
	struct an_cmp c;

	for (int i = 0; i < 4; i++) {
		struct rec ra = { "msr_kernel", quiet5, 5, sa[i], false, false };
		struct rec rb = { "msr_kernel", quiet5, 5, sb[i], false, false };

		snprintf(names[i], 32, "shift-a%d.json", i);
		snprintf(names[4 + i], 32, "shift-b%d.json", i);
		A[i] = names[i];
		B[i] = names[4 + i];
		write_run(A[i], &ra, 1, 0.0);
		write_run(B[i], &rb, 1, 0.0);
	}
	assert_int_equal(verdict(A, 4, B, 4, NULL, 0, &c), AN_V_SAME);
	assert_string_equal(c.rows[0].level, "runs");
	assert_int_equal(c.rows[0].n_base_units, 4);
	an_cmp_free(&c);
	/* Two runs a side pool their repetitions: the spread then holds the
	 * run-to-run shift, and still no verdict. */
	assert_int_equal(verdict(A, 2, B + 1, 2, NULL, 0, &c), AN_V_SAME);
	assert_string_equal(c.rows[0].level, "repetitions");
	assert_int_equal(c.rows[0].n_base_units, 10);
	an_cmp_free(&c);
}

/* +20% in every repetition: slower, in one run a side and in sets. */
static void test_consistent_shift_slower(void **state)
{
	struct rec ra = { "pio_user", quiet5, 5, 1.0, false, false }, rb = { "pio_user", quiet5, 5, 1.2, false, false };
	struct rec rf = { "pio_user", quiet5, 5, 0.8, false, false };
	const char *A[] = { "base.json" }, *B[] = { "slow.json" }, *F[] = { "fast.json" };
	struct an_cmp c;

	write_run(A[0], &ra, 1, 0.0);
	write_run(B[0], &rb, 1, 0.0);
	write_run(F[0], &rf, 1, 0.0);
	assert_int_equal(verdict(A, 1, B, 1, NULL, 0, &c), AN_V_SLOWER);
	assert_true(c.rows[0].p < 0.01); /* exact: 2/252 at 5 vs 5 */
	assert_true(fabs(c.rows[0].ratio - 1.2) < 1e-9);
	/* the interval holds its own ratio */
	assert_true(c.rows[0].lo <= c.rows[0].ratio && c.rows[0].ratio <= c.rows[0].hi);
	assert_int_equal(c.n_slower, 1);
	an_cmp_free(&c);
	assert_int_equal(verdict(A, 1, F, 1, NULL, 0, NULL), AN_V_FASTER);
	/* +8% with the repetitions spread by 10%: significant, yet within
	 * the spread, so not called */
	static const double wide[] = { 1000, 1050, 960, 1010, 990 };
	struct rec wa = { "pio_user", wide, 5, 1.0, false, false }, wb = { "pio_user", wide, 5, 1.08, false, false };
	char note[400];

	write_run("wide-a.json", &wa, 1, 0.0);
	write_run("wide-b.json", &wb, 1, 0.0);
	const char *WA[] = { "wide-a.json" }, *WB[] = { "wide-b.json" };
	assert_int_equal(verdict(WA, 1, WB, 1, note, sizeof(note), NULL), AN_V_SAME);
	assert_non_null(strstr(note, "spread"));
}

static void test_one_repetition_no_verdict(void **state)
{
	struct rec ra = { "cpuid", quiet5, 1, 1.0, false, false }, rb = { "cpuid", quiet5, 1, 1.5, false, false };
	const char *A[] = { "one-a.json" }, *B[] = { "one-b.json" };
	char note[400];

	write_run(A[0], &ra, 1, 0.0);
	write_run(B[0], &rb, 1, 0.0);
	assert_int_equal(verdict(A, 1, B, 1, note, sizeof(note), NULL), AN_V_NONE);
	assert_non_null(strstr(note, "too few repetitions for a verdict: n=1"));
}

static void test_suspect_and_coarse_no_verdict(void **state)
{
	struct rec ra = { "cpuid", quiet5, 5, 1.0, false, false };
	struct rec rs = { "cpuid", quiet5, 5, 1.5, true, false };
	struct rec rc = { "cpuid", quiet5, 5, 1.5, false, true };
	const char *A[] = { "sc-a.json" }, *S[] = { "sc-s.json" }, *C[] = { "sc-c.json" };
	char note[400];

	write_run(A[0], &ra, 1, 0.0);
	write_run(S[0], &rs, 1, 0.0);
	write_run(C[0], &rc, 1, 0.0);
	assert_int_equal(verdict(A, 1, S, 1, note, sizeof(note), NULL), AN_V_NONE);
	assert_non_null(strstr(note, "SUSPECT in NEW"));
	assert_int_equal(verdict(A, 1, C, 1, note, sizeof(note), NULL), AN_V_NONE);
	assert_non_null(strstr(note, "coarse"));
}

static void test_busy_host_flagged(void **state)
{
	struct rec r = { "cpuid", quiet5, 5, 1.0, false, false };
	const char *A[] = { "idle.json" }, *B[] = { "busy.json" }, *N[] = { "noload.json" };
	struct an_cmp c;

	write_run(A[0], &r, 1, 0.1);
	write_run(B[0], &r, 1, 1.3);
	write_run(N[0], &r, 1, -1);
	verdict(A, 1, B, 1, NULL, 0, &c);
	assert_false(c.busy_base);
	assert_true(c.busy_cur);
	assert_true(fabs(c.busy_cur_cpus - 1.3) < 1e-9);
	an_cmp_free(&c);
	verdict(N, 1, A, 1, NULL, 0, &c); /* files without host_load: not busy */
	assert_false(c.busy_base);
	an_cmp_free(&c);

	/* A 20% shift between one run a side: a verdict on a quiet host, none
	 * when either side was busy (the shift may be the load). */
	struct rec slow = { "cpuid", quiet5, 5, 1.2, false, false };
	const char *Q[] = { "quiet-slow.json" }, *S[] = { "busy-slow.json" };
	char note[400];
	write_run(Q[0], &slow, 1, 0.1);
	write_run(S[0], &slow, 1, 1.3);
	assert_int_equal(verdict(A, 1, Q, 1, note, sizeof(note), NULL), AN_V_SLOWER);
	assert_int_equal(verdict(A, 1, S, 1, note, sizeof(note), NULL), AN_V_NONE);
	assert_non_null(strstr(note, "measured on a busy host (NEW) in a single run"));
}

static void test_exact_mann_whitney(void **state)
{
	double a[5] = { 1, 2, 3, 4, 5 }, b[5] = { 6, 7, 8, 9, 10 }, u, p;

	assert_int_equal(stats_mann_whitney_exact(a, 5, b, 5, &u, &p), 0);
	assert_true(fabs(p - 2.0 / 252) < 1e-12);
	assert_true(u == 0);
	/* 3 vs 3: the smallest two-sided p there is */
	assert_int_equal(stats_mann_whitney_exact(a, 3, b, 3, &u, &p), 0);
	assert_true(fabs(p - 0.1) < 1e-12);
	/* identical sets: p = 1 */
	assert_int_equal(stats_mann_whitney_exact(a, 5, a, 5, &u, &p), 0);
	assert_true(p > 0.99);
}

/* A real VM: the stored samples are a uniform sample of all three
 * repetitions, not the first 4096 (which would all be repetition 1). */
static void test_samples_span_repetitions(void **state)
{
	struct hostinfo host;
	struct measure_env env = { .host = &host };
	const struct mb_bench *b = mb_find("empty");
	struct mb_params p;

	hostinfo_probe(&host);
	if (host.kvm_error[0]) {
		print_message("SKIP: %s\n", host.kvm_error);
		skip();
	}
	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = 3;
	p.repetitions = 3;
	p.min_time_ms = 5000; /* max_iters ends each repetition */
	p.max_iters = 5000;
	p.warmup_iters = 10;
	p.timeout_ms = 60000;
	json_t *rec = measure_run(&env, b, &p);

	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "status")), "ok");
	json_t *sm = json_object_get(rec, "samples_sampling");
	json_t *reps = json_object_get(rec, "repetitions");
	assert_non_null(sm);
	assert_int_equal(json_array_size(reps), 3);
	json_int_t stride = json_integer_value(json_object_get(sm, "stride"));
	json_int_t stored = json_integer_value(json_object_get(sm, "stored"));
	json_int_t of = json_integer_value(json_object_get(sm, "of"));
	json_int_t last = json_integer_value(json_object_get(json_array_get(reps, 2), "iterations"));

	assert_string_equal(json_string_value(json_object_get(sm, "method")), "systematic");
	assert_int_equal(of, 15000);
	assert_int_equal(of, json_integer_value(json_object_get(rec, "iterations")));
	assert_int_equal(stride, 4);
	assert_int_equal(stored, (of + stride - 1) / stride);
	assert_int_equal(json_array_size(json_object_get(rec, "samples")), (size_t)stored);
	/* the last stored sample is sample (stored - 1) * stride: repetition 3 */
	assert_true((stored - 1) * stride >= of - last);
	for (size_t i = 0; i < 3; i++)
		assert_non_null(json_object_get(json_array_get(reps, i), "mean"));
	json_decref(rec);
}

/* The CLI with two sets of runs: A1 A2 vs B1 B2, and the busy warning. */
static void test_cmd_sets(void **state)
{
	struct rec ra = { "pio_user", quiet5, 5, 1.0, false, false };
	struct rec rb = { "pio_user", quiet5, 5, 1.2, false, false };
	char *out = NULL, *err = NULL;

	write_run("s-a1.json", &ra, 1, 0.0);
	write_run("s-a2.json", &ra, 1, 0.0);
	write_run("s-b1.json", &rb, 1, 1.5);
	write_run("s-b2.json", &rb, 1, 0.0);
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("s-a1.json"), tpath("s-a2.json"), "vs",
				 tpath("s-b1.json"), tpath("s-b2.json"), NULL),
			 AN_EXIT_REGRESSION);
	assert_non_null(strstr(out, "slower"));
	assert_non_null(strstr(out, "busy host"));
	free(out);
	free(err);
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("s-a1.json"), "vs", NULL), AN_EXIT_USAGE);
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noisy_repetitions_same),
		cmocka_unit_test(test_run_shifts_same),
		cmocka_unit_test(test_consistent_shift_slower),
		cmocka_unit_test(test_one_repetition_no_verdict),
		cmocka_unit_test(test_suspect_and_coarse_no_verdict),
		cmocka_unit_test(test_busy_host_flagged),
		cmocka_unit_test(test_exact_mann_whitney),
		cmocka_unit_test(test_cmd_sets),
		cmocka_unit_test(test_samples_span_repetitions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
