/* Unit tests for probes/stats.c's inference: the median's CI ranks and
 * coverage, the exact Mann-Whitney U test and the bootstrap ratio CI. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/histogram.h"
#include "probes/stats.h"

#include "tests/stats_testutil.h"

static void test_median_ci_ranks(void **state)
{
	uint64_t lo, hi;

	stats_median_ci_ranks(100, &lo, &hi);
	assert_int_equal(lo, 40);
	assert_int_equal(hi, 61);
	stats_median_ci_ranks(1, &lo, &hi);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 1);
	stats_median_ci_ranks(0, &lo, &hi);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0);
	for (uint64_t n = 1; n < 5000; n++) {
		stats_median_ci_ranks(n, &lo, &hi);
		assert_true(lo >= 1 && lo <= hi && hi <= n);
		/* Both ends bracket the middle once there is room. */
		if (n >= 10) {
			assert_true(2 * lo < n);
			assert_true(2 * hi > n + 1);
		}
	}
}

static void test_median_ci_coverage(void **state)
{
	enum { BIG = 10001, SMALL = 101, TRIALS = 400 };
	static double x[BIG];
	static uint32_t counts[HIST_BUCKETS];
	struct hist_moments m;
	struct stats_summary s;
	uint64_t st = 2024;

	/* Symmetric around 100000, so that is the true median. */
	hist_moments_init(&m);
	memset(counts, 0, sizeof(counts));
	for (int i = 0; i < BIG; i++) {
		double g = rng_normalish(&st);
		uint64_t v = (uint64_t)llround(100000 + 1000 * g);

		x[i] = (double)v;
		hist_record(counts, &m, v);
	}
	assert_int_equal(stats_from_samples(x, BIG, &s), 0);
	assert_true(s.ci95_low <= 100000 && 100000 <= s.ci95_high);
	/* About +-1.25*sigma*sqrt(pi/2)/sqrt(n)*1.96 wide: tens of units. */
	assert_true(s.ci95_high - s.ci95_low < 100);
	assert_int_equal(stats_from_histogram(counts, &m, &s), 0);
	assert_true(s.ci95_low <= 100000 && 100000 <= s.ci95_high);

	/* Coverage: ~95% of small-sample intervals hold the true median. */
	int hits = 0;

	for (int t = 0; t < TRIALS; t++) {
		for (int i = 0; i < SMALL; i++)
			x[i] = rng_normalish(&st);
		assert_int_equal(stats_from_samples(x, SMALL, &s), 0);
		hits += s.ci95_low <= 0 && 0 <= s.ci95_high;
	}
	assert_true(hits >= TRIALS * 91 / 100);
	assert_true(hits <= TRIALS * 99 / 100);
}

/* U for a by definition: pairs with a > b, plus half of the ties. */
static double brute_u(const double *a, size_t na, const double *b, size_t nb)
{
	double u = 0;

	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			u += a[i] > b[j] ? 1 : a[i] == b[j] ? 0.5 : 0;
	return u;
}

static void test_mann_whitney(void **state)
{
	enum { N = 200 };
	static double a[N], b[N];
	double u, p;
	uint64_t st = 5;

	for (int i = 0; i < N; i++) {
		a[i] = 1000 + 10 * rng_normalish(&st);
		b[i] = 1100 + 10 * rng_normalish(&st);
	}
	/* Identical samples. */
	assert_int_equal(stats_mann_whitney(a, N, a, N, &u, &p), 0);
	assert_true(u == N * N / 2.0);
	assert_true(p > 0.5 && p <= 1);
	/* 10% shift, 1% spread. */
	assert_int_equal(stats_mann_whitney(a, N, b, N, &u, &p), 0);
	assert_true(u == 0);
	assert_true(p < 1e-6 && p >= 0);
	assert_int_equal(stats_mann_whitney(b, N, a, N, &u, &p), 0);
	assert_true(u == N * N);
	assert_true(p < 1e-6);

	/*
	 * Textbook (also SciPy's docs): males vs females. U = 17, and with
	 * mu = 10, sigma^2 = 5*4*10/12, z = (7 - 0.5)/sigma = 1.5922,
	 * two-sided p = 0.111347.
	 */
	static const double males[] = { 19, 22, 16, 29, 24 };
	static const double females[] = { 20, 11, 17, 12 };

	assert_int_equal(stats_mann_whitney(males, 5, females, 4, &u, &p), 0);
	assert_true(u == 17);
	assert_rel(p, 0.11134688653314041, 1e-9);
	assert_int_equal(stats_mann_whitney(females, 4, males, 5, &u, &p), 0);
	assert_true(u == 20 - 17);
	assert_rel(p, 0.11134688653314041, 1e-9);

	/* Ties: U by pair counting; variance with tie correction. Ranks:
	 * 1 ->1, 2 x4 -> 3.5, 3 x2 -> 6.5, 4 -> 8; R_a = 1+3.5+3.5+6.5 = 14.5,
	 * U_a = 14.5 - 10 = 4.5. T = (64-4) + (8-2) = 66, N = 8, mu = 8:
	 * var = 16/12 * (9 - 66/56), z = (|4.5 - 8| - 0.5)/sqrt(var). */
	static const double ta[] = { 1, 2, 2, 3 };
	static const double tb[] = { 2, 2, 3, 4 };
	double want_p = erfc(3.0 / sqrt(16.0 / 12 * (9.0 - 66.0 / 56.0)) /
			     sqrt(2.0));

	assert_int_equal(stats_mann_whitney(ta, 4, tb, 4, &u, &p), 0);
	assert_true(u == brute_u(ta, 4, tb, 4));
	assert_true(u == 4.5);
	assert_rel(p, want_p, 1e-12);

	/* Random data with many ties still matches pair counting. */
	for (int i = 0; i < 37; i++)
		a[i] = (double)(rng_next(&st) % 10);
	for (int i = 0; i < 53; i++)
		b[i] = (double)(rng_next(&st) % 12);
	assert_int_equal(stats_mann_whitney(a, 37, b, 53, &u, &p), 0);
	assert_true(u == brute_u(a, 37, b, 53));
	assert_true(p >= 0 && p <= 1);

	/* Everything tied: p is 1, not NaN. u_out may be NULL. */
	static const double one[] = { 3, 3 };

	assert_int_equal(stats_mann_whitney(one, 2, one, 2, NULL, &p), 0);
	assert_true(p == 1);
	assert_int_equal(stats_mann_whitney(one, 1, one, 1, NULL, &p), 0);
	assert_true(p == 1);
}

static void test_bootstrap(void **state)
{
	enum { N = 300 };
	static double a[N], b[N];
	double r, lo, hi, r2, lo2, hi2;
	uint64_t st = 11;

	for (int i = 0; i < N; i++) {
		a[i] = 1000 + 20 * rng_normalish(&st);
		b[i] = a[i] * 1.10;
	}
	assert_int_equal(stats_bootstrap_median_ratio(a, N, b, N, 2000, 1, &r,
						      &lo, &hi), 0);
	assert_rel(r, 1.10, 1e-12);
	assert_true(lo < 1.10 && 1.10 < hi);
	assert_true(lo > 1.0);
	assert_true(hi - lo < 0.05);

	/* Deterministic in the seed. */
	assert_int_equal(stats_bootstrap_median_ratio(a, N, b, N, 2000, 1, &r2,
						      &lo2, &hi2), 0);
	assert_true(r == r2 && lo == lo2 && hi == hi2);

	/* Same data: no difference. */
	assert_int_equal(stats_bootstrap_median_ratio(a, N, a, N, 2000, 3, &r,
						      &lo, &hi), 0);
	assert_true(r == 1);
	assert_true(lo < 1 && 1 < hi);

	/* Errors. */
	assert_int_equal(stats_bootstrap_median_ratio(a, 0, b, N, 10, 1, &r,
						      &lo, &hi), -EINVAL);
	assert_int_equal(stats_bootstrap_median_ratio(a, N, b, N, 0, 1, &r,
						      &lo, &hi), -EINVAL);
	static const double zero[] = { 0, 0, 0 };

	assert_int_equal(stats_bootstrap_median_ratio(zero, 3, b, N, 10, 1, &r,
						      &lo, &hi), -EDOM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median_ci_ranks),
		cmocka_unit_test(test_median_ci_coverage),
		cmocka_unit_test(test_mann_whitney),
		cmocka_unit_test(test_bootstrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
