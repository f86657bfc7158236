/* Statistics behind every number hvbench reports: summaries from raw samples or
 * from guest histograms, median confidence intervals, and A/B comparisons. */
#ifndef PROBES_STATS_H
#define PROBES_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "probes/histogram.h"

struct stats_summary {
	uint64_t n;
	double min, p10, p50, p90, p99, max, mean, stddev;
	double ci95_low, ci95_high; /* 95% CI of the MEDIAN */
};

/*
 * Quantile convention, shared by both paths so they can be compared:
 * raw samples use linear interpolation between order statistics at position
 * q*(n-1) (Hyndman-Fan type 7, the R/numpy default). A histogram treats
 * sample i (0-based) as occupying the unit of rank mass [i, i+1), so the same
 * quantile sits at continuous rank q*(n-1) + 0.5 and the 1-based order
 * statistic j at rank j - 0.5. The value at a rank is interpolated linearly
 * across [low, high + 1) of the bucket holding it.
 *
 * stddev is always the sample standard deviation (divisor n-1); it is 0 for
 * n == 1.
 */

/* Exact summary of raw samples (copies and sorts internally; x untouched).
 * n == 0 or a NaN sample -> -EINVAL; -ENOMEM if the copy cannot be made. */
int stats_from_samples(const double *x, size_t n, struct stats_summary *out);

/*
 * Summary from histogram counts + exact moments: min/max/mean/stddev exact
 * from the moments; quantiles interpolated inside the bucket that holds the
 * rank, clamped to [min, max]; median CI from order statistics.
 * m->n == 0, or counts that do not add up to m->n (a wrapped bucket, or
 * moments from another run), -> -EINVAL.
 */
int stats_from_histogram(const uint32_t *counts, const struct hist_moments *m,
			 struct stats_summary *out);

/* Quantile q in [0,1] of a histogram holding n samples. No min/max clamp
 * (the caller may not have moments). NaN if n == 0 or the histogram is
 * empty. */
double stats_hist_quantile(const uint32_t *counts, uint64_t n, double q);

/*
 * Value of the 1-based order statistic `rank` of a histogram holding n
 * samples, interpolated like stats_hist_quantile. NaN if n == 0.
 */
double stats_hist_order_stat(const uint32_t *counts, uint64_t n, uint64_t rank);

/*
 * Distribution-free 95% CI of the median by order statistics: ranks
 * j = floor(n/2 - 0.98*sqrt(n)), k = ceil(n/2 + 1 + 0.98*sqrt(n)), clamped to
 * [1, n] (normal approximation to binomial(n, 1/2)). Ranks are 1-based, for
 * sorted data. n == 0 gives 0, 0.
 */
void stats_median_ci_ranks(uint64_t n, uint64_t *lo_rank, uint64_t *hi_rank);

/* out = after - before per bucket (per-repetition histograms). Arithmetic is
 * modulo 2^32, so a bucket that wrapped once between the snapshots is still
 * right. out may alias either input. */
void stats_hist_delta(const uint32_t *after, const uint32_t *before,
		      uint32_t *out);

/*
 * Mann-Whitney U test, two-sided, normal approximation with tie and
 * continuity correction. *u_out (may be NULL) is U for sample a, i.e. the
 * number of pairs with a > b plus half the ties (U_b = na*nb - U_a).
 * *p_out is in [0, 1]. na or nb == 0, or NaN input -> -EINVAL.
 */
int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		       double *u_out, double *p_out);

/*
 * The same test for the few values a verdict is based on (repetitions or
 * runs): exact two-sided p from the permutation distribution of U when there
 * are no ties and na * nb <= 2500 (at 5 vs 5 the normal approximation is off
 * by a factor of ~2 near p = 0.01), else stats_mann_whitney.
 */
int stats_mann_whitney_exact(const double *a, size_t na, const double *b,
			     size_t nb, double *u_out, double *p_out);

/*
 * Percentile-bootstrap 95% CI for median(b)/median(a) from `iters`
 * independent resamples of a and b, using a splitmix64 stream seeded by
 * `seed` (same seed, same answer). *ratio is the point estimate on the full
 * data. Empty input, iters == 0 or NaN input -> -EINVAL; median(a) == 0 ->
 * -EDOM. A resample whose median(a) is 0 counts as an infinite ratio.
 */
int stats_bootstrap_median_ratio(const double *a, size_t na, const double *b,
				 size_t nb, unsigned iters, uint64_t seed,
				 double *ratio, double *lo, double *hi);

/* Mean and sample stddev (n-1) from exact moments, without cancellation.
 * n == 0 gives 0, 0 (not NaN: the numbers end up in JSON). */
void stats_moments(const struct hist_moments *m, double *mean, double *stddev);

/* Median of x (copies; x untouched). NaN if n == 0 or out of memory. */
double stats_median(const double *x, size_t n);

/* Type-7 quantile of already sorted data; NaN if n == 0. */
double stats_quantile_sorted(const double *sorted, size_t n, double q);

#endif
