/* What tests/test_stats*.c share: a fixed generator (every run sees the
 * same data) and relative-tolerance checks. */
#ifndef TESTS_STATS_TESTUTIL_H
#define TESTS_STATS_TESTUTIL_H

/* Fixed generator so every run sees the same data (and the same CI
 * outcomes); independent of the one inside stats.c. */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

/* Roughly normal(0, 1): Irwin-Hall with 12 terms. */
static inline double rng_normalish(uint64_t *s)
{
	double acc = 0;

	for (int i = 0; i < 12; i++)
		acc += rng_unit(s);
	return acc - 6.0;
}

static inline void assert_rel(double got, double want, double tol)
{
	double err = fabs(got - want) / fmax(fabs(want), 1e-300);

	if (!(err <= tol))
		fail_msg("got %.17g want %.17g (rel err %.3g > %.3g)", got,
			 want, err, tol);
}

static inline void assert_summary_constant(const struct stats_summary *s, double v)
{
	assert_true(s->min == v);
	assert_true(s->p10 == v);
	assert_true(s->p50 == v);
	assert_true(s->p90 == v);
	assert_true(s->p99 == v);
	assert_true(s->max == v);
	assert_true(s->mean == v);
	assert_true(s->stddev == 0);
	assert_true(s->ci95_low == v);
	assert_true(s->ci95_high == v);
}

#endif
