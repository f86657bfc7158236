/* Unit tests for probes/stats.c summaries (and the bucket layout of
 * probes/histogram.h) against distributions whose answers are known in
 * closed form. The inference (CI, U-test, bootstrap): test_stats_inference.c. */
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

static void test_constant(void **state)
{
	enum { N = 1000 };
	static double x[N];
	static uint32_t counts[HIST_BUCKETS];
	struct hist_moments m;
	struct stats_summary s;

	hist_moments_init(&m);
	memset(counts, 0, sizeof(counts));
	for (int i = 0; i < N; i++) {
		x[i] = 1234;
		hist_record(counts, &m, 1234);
	}
	assert_int_equal(stats_from_samples(x, N, &s), 0);
	assert_int_equal(s.n, N);
	assert_summary_constant(&s, 1234);

	assert_int_equal(stats_from_histogram(counts, &m, &s), 0);
	assert_int_equal(s.n, N);
	assert_summary_constant(&s, 1234);

	/* A single sample is the degenerate constant case. */
	assert_int_equal(stats_from_samples(x, 1, &s), 0);
	assert_summary_constant(&s, 1234);
}

static void test_uniform_exact(void **state)
{
	enum { N = 10000 };
	static double x[N];
	struct stats_summary s;

	/* Shuffled, so the sort inside is exercised. */
	for (int i = 0; i < N; i++)
		x[i] = (double)((i * 7919) % N + 1);
	assert_int_equal(stats_from_samples(x, N, &s), 0);
	assert_true(s.min == 1);
	assert_true(s.max == N);
	/* Type 7: x[h] with h = q*(n-1), values are index + 1. */
	assert_rel(s.p50, 5000.5, 1e-15);
	assert_rel(s.p10, 1000.9, 1e-12);
	assert_rel(s.p90, 9000.1, 1e-12);
	assert_rel(s.p99, 9900.01, 1e-12);
	assert_rel(s.mean, 5000.5, 1e-15);
	/* Sample variance of 1..N is N(N+1)/12. */
	assert_rel(s.stddev, sqrt((double)N * (N + 1) / 12.0), 1e-14);
	assert_true(s.ci95_low < 5000.5 && 5000.5 < s.ci95_high);
	/* Ranks floor(5000 - 98) and ceil(5000 + 1 + 98). */
	assert_true(s.ci95_low == 4902);
	assert_true(s.ci95_high == 5099);
	/* x is not touched. */
	assert_true(x[0] == 1 && x[1] == 7920);
}

static void test_uniform_histogram(void **state)
{
	static uint32_t counts[HIST_BUCKETS];
	struct hist_moments m;
	struct stats_summary s;

	hist_moments_init(&m);
	memset(counts, 0, sizeof(counts));
	for (uint64_t v = 1; v <= 10000; v++)
		hist_record(counts, &m, v);
	assert_int_equal(stats_from_histogram(counts, &m, &s), 0);
	assert_int_equal(s.n, 10000);
	assert_true(s.min == 1 && s.max == 10000);
	assert_rel(s.mean, 5000.5, 1e-15);
	assert_rel(s.stddev, sqrt(10000.0 * 10001 / 12.0), 1e-14);
	assert_rel(s.p10, 1000.9, 0.01);
	assert_rel(s.p50, 5000.5, 0.01);
	assert_rel(s.p90, 9000.1, 0.01);
	assert_rel(s.p99, 9900.01, 0.01);
	assert_rel(s.ci95_low, 4902, 0.01);
	assert_rel(s.ci95_high, 5099, 0.01);
}

/* exp of a sum of uniforms spans 1e3..1e6 with a log-normal-like body. */
static uint64_t lognormalish(uint64_t *st)
{
	double u = 0;

	for (int i = 0; i < 4; i++)
		u += rng_unit(st);
	return (uint64_t)llround(1e3 * exp(u / 4.0 * log(1e3)));
}

static void test_histogram_vs_raw(void **state)
{
	enum { N = 100000 };
	static double x[N];
	static uint32_t counts[HIST_BUCKETS];
	struct hist_moments m;
	struct stats_summary raw, hist;
	uint64_t st = 42;

	hist_moments_init(&m);
	memset(counts, 0, sizeof(counts));
	for (int i = 0; i < N; i++) {
		uint64_t v = lognormalish(&st);

		assert_true(v >= 1000 && v <= 1000000);
		x[i] = (double)v;
		hist_record(counts, &m, v);
	}
	assert_int_equal(stats_from_samples(x, N, &raw), 0);
	assert_int_equal(stats_from_histogram(counts, &m, &hist), 0);

	assert_int_equal(raw.n, hist.n);
	assert_true(raw.min == hist.min);
	assert_true(raw.max == hist.max);
	assert_rel(hist.mean, raw.mean, 1e-14);
	assert_rel(hist.stddev, raw.stddev, 1e-12);
	assert_rel(hist.p10, raw.p10, 0.01);
	assert_rel(hist.p50, raw.p50, 0.01);
	assert_rel(hist.p90, raw.p90, 0.01);
	assert_rel(hist.p99, raw.p99, 0.01);
	assert_rel(hist.ci95_low, raw.ci95_low, 0.01);
	assert_rel(hist.ci95_high, raw.ci95_high, 0.01);
}

static int cmp_d(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

static void test_histogram_quantile_sweep(void **state)
{
	enum { N = 100000 };
	static double x[N];
	static uint32_t counts[HIST_BUCKETS];
	struct hist_moments m;
	uint64_t st = 7;

	hist_moments_init(&m);
	memset(counts, 0, sizeof(counts));
	for (int i = 0; i < N; i++) {
		uint64_t v = lognormalish(&st);

		x[i] = (double)v;
		hist_record(counts, &m, v);
	}
	qsort(x, N, sizeof(x[0]), cmp_d);
	double prev = -1;

	for (int i = 0; i <= 1000; i++) {
		double q = i / 1000.0;
		double h = stats_hist_quantile(counts, N, q);
		double r = stats_quantile_sorted(x, N, q);

		/* The extremes are only bucket-accurate without the clamp
		 * stats_from_histogram applies. */
		assert_rel(h, r, 1.0 / 128);
		assert_true(h >= prev);
		prev = h;
	}
}

static void test_bucket_layout(void **state)
{
	uint64_t st = 99;

	/* Every value up to 2^20 exhaustively, then random ones to 2^44. */
	for (uint64_t v = 0; v < (1u << 20); v++) {
		uint32_t b = hist_bucket(v);
		uint64_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);

		assert_true(lo <= v && v <= hi);
		if (v >= HIST_LINEAR) {
			assert_true(hi - lo <= lo / 128);
		} else {
			assert_int_equal(hist_bucket_low(b), v);
			assert_int_equal(hist_bucket_high(b), v);
		}
		if (v)
			assert_true(hist_bucket(v - 1) <= b);
	}
	for (int i = 0; i < 1000000; i++) {
		uint64_t v = rng_next(&st) >> (20 + rng_next(&st) % 44);
		uint32_t b = hist_bucket(v);

		assert_true(b < HIST_BUCKETS);
		if (v >= (1ull << HIST_MAX_LOG2))
			continue;
		uint64_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);

		assert_true(lo <= v && v <= hi);
		/* The last bucket is open-ended by design. */
		if (v >= HIST_LINEAR && b != HIST_BUCKETS - 1)
			assert_true(hi - lo <= lo / 128);
	}
	/* Buckets tile the range without gaps or overlaps. */
	for (uint32_t b = 0; b + 1 < HIST_BUCKETS; b++) {
		assert_true(hist_bucket_high(b) + 1 == hist_bucket_low(b + 1));
		assert_int_equal(hist_bucket(hist_bucket_low(b)), b);
		assert_int_equal(hist_bucket(hist_bucket_high(b)), b);
	}
	/* Out-of-range values clamp into the last bucket. */
	assert_int_equal(hist_bucket(~0ull), HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket(1ull << HIST_MAX_LOG2), HIST_BUCKETS - 1);
}

static void test_median_select(void **state)
{
	static double x[1001], s[1001];
	uint64_t st = 77;

	/* The selection inside must agree with sorting, duplicates included. */
	for (int t = 0; t < 2000; t++) {
		size_t n = 1 + rng_next(&st) % 1001;
		unsigned mod = 1 + rng_next(&st) % 50;

		for (size_t i = 0; i < n; i++)
			x[i] = (double)(rng_next(&st) % mod);
		memcpy(s, x, n * sizeof(x[0]));
		qsort(s, n, sizeof(s[0]), cmp_d);
		double want = (n & 1) ? s[n / 2] :
			      (s[n / 2 - 1] + s[n / 2]) / 2;

		assert_true(stats_median(x, n) == want);
		assert_true(stats_quantile_sorted(s, n, 0.5) == want);
	}
	assert_true(isnan(stats_median(x, 0)));
}

static void test_moments(void **state)
{
	struct hist_moments m;
	double mean, sd;
	static uint32_t counts[HIST_BUCKETS];

	/* Tiny spread on a huge mean: naive sumsq - sum^2/n loses it all. */
	uint64_t v = 1ull << 40;

	hist_moments_init(&m);
	memset(counts, 0, sizeof(counts));
	hist_record(counts, &m, v - 1);
	hist_record(counts, &m, v);
	hist_record(counts, &m, v + 1);
	stats_moments(&m, &mean, &sd);
	assert_true(mean == (double)v);
	assert_rel(sd, 1.0, 1e-15);

	/* A billion samples of 1e6: sumsq needs the high word. */
	uint64_t n = 1000000000ull, x = 1000000;
	unsigned __int128 sq = (unsigned __int128)x * x * n;

	m.n = n;
	m.sum = n * x;
	m.sumsq_lo = (uint64_t)sq;
	m.sumsq_hi = (uint64_t)(sq >> 64);
	m.min = m.max = x;
	assert_true(m.sumsq_hi != 0);
	stats_moments(&m, &mean, &sd);
	assert_true(mean == 1e6);
	assert_true(sd == 0);

	/* Half the billion at 1e6-1 and half at 1e6+1: stddev just over 1. */
	sq = (unsigned __int128)(x - 1) * (x - 1) * (n / 2) +
	     (unsigned __int128)(x + 1) * (x + 1) * (n / 2);
	m.sumsq_lo = (uint64_t)sq;
	m.sumsq_hi = (uint64_t)(sq >> 64);
	stats_moments(&m, &mean, &sd);
	assert_true(mean == 1e6);
	assert_rel(sd, sqrt((double)n / (double)(n - 1)), 1e-15);

	/* Inconsistent moments (sumsq too small) clamp rather than NaN. */
	m.sumsq_lo = 0;
	m.sumsq_hi = 0;
	stats_moments(&m, &mean, &sd);
	assert_true(sd == 0);

	m.n = 1;
	m.sum = 5;
	m.sumsq_lo = 25;
	stats_moments(&m, &mean, &sd);
	assert_true(mean == 5 && sd == 0);
	m.n = 0;
	stats_moments(&m, &mean, &sd);
	assert_true(mean == 0 && sd == 0);
}

static void test_hist_delta(void **state)
{
	static uint32_t before[HIST_BUCKETS], after[HIST_BUCKETS],
		out[HIST_BUCKETS];
	struct hist_moments m;

	hist_moments_init(&m);
	memset(before, 0, sizeof(before));
	for (uint64_t v = 0; v < 5000; v++)
		hist_record(before, &m, v * 3);
	memcpy(after, before, sizeof(after));
	for (uint64_t v = 100; v < 200; v++)
		hist_record(after, &m, v * 1000);
	/* A bucket that wrapped between the snapshots. */
	before[HIST_BUCKETS - 1] = 0xfffffff0u;
	after[HIST_BUCKETS - 1] = 0x10u;

	stats_hist_delta(after, before, out);
	uint64_t total = 0;

	for (uint32_t b = 0; b + 1 < HIST_BUCKETS; b++) {
		total += out[b];
		if (out[b])
			assert_true(hist_bucket_high(b) >= 100000 &&
				    hist_bucket_low(b) <= 199000);
	}
	assert_int_equal(total, 100);
	assert_int_equal(out[HIST_BUCKETS - 1], 0x20);

	/* In place. */
	stats_hist_delta(after, before, after);
	assert_memory_equal(after, out, sizeof(out));
}

static void test_errors(void **state)
{
	static uint32_t counts[HIST_BUCKETS];
	struct hist_moments m;
	struct stats_summary s;
	double x[2] = { 1, NAN }, p;

	memset(counts, 0, sizeof(counts));
	hist_moments_init(&m);
	assert_int_equal(stats_from_samples(x, 0, &s), -EINVAL);
	assert_int_equal(stats_from_samples(x, 2, &s), -EINVAL);
	assert_int_equal(stats_from_histogram(counts, &m, &s), -EINVAL);
	assert_true(isnan(stats_hist_quantile(counts, 0, 0.5)));
	assert_true(isnan(stats_hist_quantile(counts, 10, 0.5)));
	/* Counts that do not match the moments. */
	hist_record(counts, &m, 10);
	counts[20]++;
	assert_int_equal(stats_from_histogram(counts, &m, &s), -EINVAL);
	counts[20]--;
	assert_int_equal(stats_from_histogram(counts, &m, &s), 0);
	assert_true(s.p50 == 10 && s.ci95_low == 10 && s.ci95_high == 10);

	assert_int_equal(stats_mann_whitney(x, 1, x, 0, NULL, &p), -EINVAL);
	assert_int_equal(stats_mann_whitney(x, 0, x, 1, NULL, &p), -EINVAL);
	assert_int_equal(stats_mann_whitney(x, 2, x, 1, NULL, &p), -EINVAL);
	assert_true(isnan(stats_quantile_sorted(x, 0, 0.5)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_uniform_exact),
		cmocka_unit_test(test_uniform_histogram),
		cmocka_unit_test(test_histogram_vs_raw),
		cmocka_unit_test(test_histogram_quantile_sweep),
		cmocka_unit_test(test_bucket_layout),
		cmocka_unit_test(test_median_select),
		cmocka_unit_test(test_moments),
		cmocka_unit_test(test_hist_delta),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
