/* Statistics behind every number hvbench reports; see probes/stats.h for the
 * conventions (quantile definition, histogram interpolation, CI ranks). */
#include "probes/stats.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

static bool has_nan(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(x[i]))
			return true;
	return false;
}

static double *dup_doubles(const double *x, size_t n)
{
	double *c = malloc(n * sizeof(*c));

	if (c)
		memcpy(c, x, n * sizeof(*c));
	return c;
}

static inline void swap_d(double *x, ptrdiff_t i, ptrdiff_t j)
{
	double t = x[i];

	x[i] = x[j];
	x[j] = t;
}

/*
 * k-th smallest (0-based), reordering x so that x[..k] <= x[k] <= x[k..].
 * The bootstrap takes thousands of medians, so O(n) selection instead of a
 * sort per resample is what keeps it interactive.
 */
static double select_kth(double *x, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (hi > lo) {
		ptrdiff_t mid = lo + (hi - lo) / 2;

		/* Median of three also leaves sentinels at both ends, so the
		 * scans below cannot run outside [lo, hi]. */
		if (x[mid] < x[lo])
			swap_d(x, lo, mid);
		if (x[hi] < x[lo])
			swap_d(x, lo, hi);
		if (x[hi] < x[mid])
			swap_d(x, mid, hi);
		double pivot = x[mid];
		ptrdiff_t i = lo, j = hi;

		while (i <= j) {
			while (x[i] < pivot)
				i++;
			while (x[j] > pivot)
				j--;
			if (i <= j) {
				swap_d(x, i, j);
				i++;
				j--;
			}
		}
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			return x[kk];
	}
	return x[kk];
}

/* Median of a scratch buffer (reordered). */
static double median_inplace(double *x, size_t n)
{
	size_t h = n / 2;

	if (n & 1)
		return select_kth(x, n, h);
	double lo = select_kth(x, n, h - 1);
	double hi = x[h];

	/* Everything right of h-1 is >= x[h-1]; its minimum is the upper
	 * middle element. */
	for (size_t i = h + 1; i < n; i++)
		if (x[i] < hi)
			hi = x[i];
	return lo + (hi - lo) / 2;
}

double stats_median(const double *x, size_t n)
{
	if (!n)
		return NAN;
	double *c = dup_doubles(x, n);

	if (!c)
		return NAN;
	double m = median_inplace(c, n);

	free(c);
	return m;
}

double stats_quantile_sorted(const double *sorted, size_t n, double q)
{
	if (!n || isnan(q))
		return NAN;
	if (q <= 0)
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	double h = q * (double)(n - 1);
	size_t i = (size_t)h;

	if (i >= n - 1)
		return sorted[n - 1];
	double f = h - (double)i;

	/* Landing on a sample, or between equal ones (two infinities too),
	 * needs no interpolation, and inf - inf or 0 * inf would be NaN. */
	if (f == 0 || sorted[i] == sorted[i + 1])
		return sorted[i];
	return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

void stats_median_ci_ranks(uint64_t n, uint64_t *lo_rank, uint64_t *hi_rank)
{
	if (!n) {
		*lo_rank = 0;
		*hi_rank = 0;
		return;
	}
	double half = (double)n / 2.0, w = 0.98 * sqrt((double)n);
	double j = floor(half - w), k = ceil(half + 1.0 + w);

	/* Clamp in floating point: j goes negative for small n. */
	if (j < 1)
		j = 1;
	if (j > (double)n)
		j = (double)n;
	if (k < 1)
		k = 1;
	if (k > (double)n)
		k = (double)n;
	*lo_rank = (uint64_t)j;
	*hi_rank = (uint64_t)k;
}

void stats_moments(const struct hist_moments *m, double *mean, double *stddev)
{
	if (!m->n) {
		*mean = 0;
		*stddev = 0;
		return;
	}
	*mean = (double)((long double)m->sum / (long double)m->n);
	if (m->n < 2) {
		*stddev = 0;
		return;
	}

	/*
	 * M2 = sumsq - sum^2/n. Both terms are huge and nearly equal when the
	 * spread is small next to the mean, so do the subtraction exactly:
	 * sum^2 fits in 128 bits, and sum^2/n = q + r/n with integer q, r.
	 * Cauchy-Schwarz gives sumsq >= sum^2/n >= q, so only moments that
	 * are inconsistent (wrapped) can go negative, and those clamp to 0.
	 */
	unsigned __int128 sumsq = (unsigned __int128)m->sumsq_hi << 64 |
				  m->sumsq_lo;
	unsigned __int128 sq = (unsigned __int128)m->sum * m->sum;
	unsigned __int128 q = sq / m->n;
	uint64_t r = (uint64_t)(sq % m->n);
	long double m2;

	if (sumsq < q)
		m2 = 0;
	else
		m2 = (long double)(sumsq - q) -
		     (long double)r / (long double)m->n;
	if (m2 < 0)
		m2 = 0;
	*stddev = (double)sqrtl(m2 / (long double)(m->n - 1));
}

/* One past the largest value of bucket b; the last bucket is open-ended, so
 * give it the width its neighbours would have. */
static double bucket_end(uint32_t b)
{
	if (b < HIST_LINEAR)
		return (double)b + 1.0;
	uint32_t e = HIST_LINEAR_BITS + (b - HIST_LINEAR) / HIST_SUB;

	return (double)hist_bucket_low(b) +
	       (double)(1ull << (e - HIST_SUB_BITS));
}

/*
 * Value at continuous rank r in [0, n] (sample i owns [i, i+1)): find the
 * bucket whose cumulative mass covers r and interpolate across it. If the
 * counts hold fewer than n samples the top of the last bucket is returned.
 */
static double hist_value_at_rank(const uint32_t *counts, double r)
{
	uint64_t cum = 0;
	int64_t last = -1;

	for (uint32_t b = 0; b < HIST_BUCKETS; b++) {
		uint32_t c = counts[b];

		if (!c)
			continue;
		last = b;
		if ((double)(cum + c) >= r) {
			double f = (r - (double)cum) / (double)c;
			double lo = (double)hist_bucket_low(b);

			if (f < 0)
				f = 0;
			if (f > 1)
				f = 1;
			return lo + f * (bucket_end(b) - lo);
		}
		cum += c;
	}
	if (last < 0)
		return NAN;
	return bucket_end((uint32_t)last);
}

double stats_hist_quantile(const uint32_t *counts, uint64_t n, double q)
{
	if (!n || isnan(q))
		return NAN;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	return hist_value_at_rank(counts, q * (double)(n - 1) + 0.5);
}

double stats_hist_order_stat(const uint32_t *counts, uint64_t n, uint64_t rank)
{
	if (!n)
		return NAN;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return hist_value_at_rank(counts, (double)rank - 0.5);
}

void stats_hist_delta(const uint32_t *after, const uint32_t *before,
		      uint32_t *out)
{
	for (uint32_t b = 0; b < HIST_BUCKETS; b++)
		out[b] = after[b] - before[b];
}

static double clampd(double v, double lo, double hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return v;
}

int stats_from_histogram(const uint32_t *counts, const struct hist_moments *m,
			 struct stats_summary *out)
{
	uint64_t total = 0;

	if (!m->n)
		return -EINVAL;
	for (uint32_t b = 0; b < HIST_BUCKETS; b++)
		total += counts[b];
	if (total != m->n)
		return -EINVAL;

	double mn = (double)m->min, mx = (double)m->max;
	uint64_t n = m->n, jr, kr;

	out->n = n;
	out->min = mn;
	out->max = mx;
	stats_moments(m, &out->mean, &out->stddev);
	/* Interpolation assumes mass spread across the whole bucket; the
	 * exact extremes know better at the tails. */
	out->p10 = clampd(stats_hist_quantile(counts, n, 0.10), mn, mx);
	out->p50 = clampd(stats_hist_quantile(counts, n, 0.50), mn, mx);
	out->p90 = clampd(stats_hist_quantile(counts, n, 0.90), mn, mx);
	out->p99 = clampd(stats_hist_quantile(counts, n, 0.99), mn, mx);
	stats_median_ci_ranks(n, &jr, &kr);
	out->ci95_low = clampd(stats_hist_order_stat(counts, n, jr), mn, mx);
	out->ci95_high = clampd(stats_hist_order_stat(counts, n, kr), mn, mx);
	return 0;
}

int stats_from_samples(const double *x, size_t n, struct stats_summary *out)
{
	if (!n || has_nan(x, n))
		return -EINVAL;
	double *s = dup_doubles(x, n);

	if (!s)
		return -ENOMEM;
	qsort(s, n, sizeof(*s), cmp_double);

	long double sum = 0, m2 = 0, dev = 0;
	uint64_t jr, kr;

	for (size_t i = 0; i < n; i++)
		sum += s[i];
	long double mean = sum / (long double)n;

	/* Two-pass with the compensation term: the first pass's rounding
	 * error in the mean drops out of the variance. */
	for (size_t i = 0; i < n; i++) {
		long double d = (long double)s[i] - mean;

		m2 += d * d;
		dev += d;
	}
	m2 -= dev * dev / (long double)n;
	if (m2 < 0)
		m2 = 0;

	out->n = n;
	out->min = s[0];
	out->max = s[n - 1];
	out->mean = (double)mean;
	out->stddev = n > 1 ? (double)sqrtl(m2 / (long double)(n - 1)) : 0;
	out->p10 = stats_quantile_sorted(s, n, 0.10);
	out->p50 = stats_quantile_sorted(s, n, 0.50);
	out->p90 = stats_quantile_sorted(s, n, 0.90);
	out->p99 = stats_quantile_sorted(s, n, 0.99);
	stats_median_ci_ranks(n, &jr, &kr);
	out->ci95_low = s[jr - 1];
	out->ci95_high = s[kr - 1];
	free(s);
	return 0;
}

struct rank_item {
	double v;
	int group; /* 0 = a, 1 = b */
};

static int cmp_rank_item(const void *pa, const void *pb)
{
	const struct rank_item *a = pa, *b = pb;

	return (a->v > b->v) - (a->v < b->v);
}

int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		       double *u_out, double *p_out)
{
	if (!na || !nb || has_nan(a, na) || has_nan(b, nb))
		return -EINVAL;
	size_t n = na + nb;
	struct rank_item *it = malloc(n * sizeof(*it));

	if (!it)
		return -ENOMEM;
	for (size_t i = 0; i < na; i++)
		it[i] = (struct rank_item){ a[i], 0 };
	for (size_t i = 0; i < nb; i++)
		it[na + i] = (struct rank_item){ b[i], 1 };
	qsort(it, n, sizeof(*it), cmp_rank_item);

	/* Ties share the average of the ranks they span; sum(t^3 - t) over
	 * tie groups shrinks the variance of U. */
	long double rank_a = 0, ties = 0;

	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && it[j].v == it[i].v)
			j++;
		long double t = (long double)(j - i);
		long double avg = ((long double)i + 1 + (long double)j) / 2;

		for (size_t k = i; k < j; k++)
			if (it[k].group == 0)
				rank_a += avg;
		ties += t * t * t - t;
		i = j;
	}
	free(it);

	long double lna = na, lnb = nb, ln = n;
	long double u = rank_a - lna * (lna + 1) / 2;
	long double mu = lna * lnb / 2;
	long double var = lna * lnb / 12 *
			  ((ln + 1) - (n > 1 ? ties / (ln * (ln - 1)) : 0));
	double p;

	if (var <= 0) {
		/* Every value tied: no evidence of a difference at all. */
		p = 1;
	} else {
		long double d = fabsl(u - mu) - 0.5L;

		if (d < 0)
			d = 0;
		p = erfc((double)(d / sqrtl(var)) / sqrt(2.0));
		p = clampd(p, 0, 1);
	}
	if (u_out)
		*u_out = (double)u;
	*p_out = p;
	return 0;
}

/* splitmix64: tiny, well mixed, and the same on every platform, so bootstrap
 * CIs in a report can be reproduced from the seed. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform index in [0, n) by multiply-shift; the bias is < n / 2^64. */
static size_t rand_index(uint64_t *state, size_t n)
{
	return (size_t)(((unsigned __int128)splitmix64(state) * n) >> 64);
}

static void resample(const double *x, size_t n, double *out, uint64_t *state)
{
	for (size_t i = 0; i < n; i++)
		out[i] = x[rand_index(state, n)];
}

static double safe_ratio(double num, double den)
{
	if (den == 0)
		return num == 0 ? 1.0 : copysign(INFINITY, num);
	return num / den;
}

int stats_bootstrap_median_ratio(const double *a, size_t na, const double *b,
				 size_t nb, unsigned iters, uint64_t seed,
				 double *ratio, double *lo, double *hi)
{
	if (!na || !nb || !iters || has_nan(a, na) || has_nan(b, nb))
		return -EINVAL;

	double ma = stats_median(a, na), mb = stats_median(b, nb);

	if (isnan(ma) || isnan(mb))
		return -ENOMEM;
	if (ma == 0)
		return -EDOM;

	double *ra = malloc(na * sizeof(*ra));
	double *rb = malloc(nb * sizeof(*rb));
	double *r = malloc((size_t)iters * sizeof(*r));
	uint64_t state = seed;
	int ret = 0;

	if (!ra || !rb || !r) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned it = 0; it < iters; it++) {
		resample(a, na, ra, &state);
		resample(b, nb, rb, &state);
		r[it] = safe_ratio(median_inplace(rb, nb),
				   median_inplace(ra, na));
	}
	qsort(r, iters, sizeof(*r), cmp_double);
	*ratio = mb / ma;
	*lo = stats_quantile_sorted(r, iters, 0.025);
	*hi = stats_quantile_sorted(r, iters, 0.975);
out:
	free(ra);
	free(rb);
	free(r);
	return ret;
}

/* Number of arrangements of m a's and n b's with U_a = u, for every u:
 * c(m, n, u) = c(m - 1, n, u - n) + c(m, n - 1, u) (last item an a or a b). */
static double *u_counts(size_t m, size_t n)
{
	size_t w = m * n + 1;
	double *prev = calloc((n + 1) * w, sizeof(double));
	double *cur = calloc((n + 1) * w, sizeof(double));

	if (!prev || !cur) {
		free(prev);
		free(cur);
		return NULL;
	}
	/* prev[j][u] = c(i - 1, j, u); start at i = 0: only U = 0. */
	for (size_t j = 0; j <= n; j++)
		prev[j * w] = 1;
	for (size_t i = 1; i <= m; i++) {
		memset(cur, 0, (n + 1) * w * sizeof(double));
		for (size_t j = 0; j <= n; j++)
			for (size_t u = 0; u <= i * j; u++) {
				double v = u >= j ? prev[j * w + u - j] : 0;

				if (j)
					v += cur[(j - 1) * w + u];
				cur[j * w + u] = v;
			}
		double *t = prev;
		prev = cur;
		cur = t;
	}
	free(cur);
	/* row n of the last step, moved to the front */
	memmove(prev, prev + n * w, w * sizeof(double));
	return prev;
}

int stats_mann_whitney_exact(const double *a, size_t na, const double *b,
			     size_t nb, double *u_out, double *p_out)
{
	double u, *cnt, lo = 0, hi = 0, tot = 0;
	bool ties = false;
	int r;

	r = stats_mann_whitney(a, na, b, nb, &u, p_out);
	if (r)
		return r;
	if (u_out)
		*u_out = u;
	for (size_t i = 0; i < na && !ties; i++)
		for (size_t j = 0; j < nb; j++)
			if (a[i] == b[j]) {
				ties = true;
				break;
			}
	if (ties || na * nb > 2500)
		return 0;
	cnt = u_counts(na, nb);
	if (!cnt)
		return 0; /* the approximation stands */
	for (size_t k = 0; k <= na * nb; k++) {
		tot += cnt[k];
		if ((double)k <= u)
			lo += cnt[k];
		if ((double)k >= u)
			hi += cnt[k];
	}
	free(cnt);
	*p_out = clampd(2 * (lo < hi ? lo : hi) / tot, 0, 1);
	return 0;
}
