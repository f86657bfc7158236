/* Log-linear latency histogram shared by the freestanding guest runtime (which
 * fills it in the shared page) and the host (which reads it back). Header-only,
 * no libc: only <stdint.h> and compiler builtins. */
#ifndef PROBES_HISTOGRAM_H
#define PROBES_HISTOGRAM_H

#include <stdint.h>

/*
 * Values below 2^HIST_LINEAR_BITS get one bucket each (exact). Above that, each
 * power of two [2^e, 2^(e+1)) is split into 2^HIST_SUB_BITS equal sub-buckets,
 * so a bucket is at most 1/128 of its lower bound wide: reporting the bucket
 * midpoint is off by at most 0.4% (the issue asks for <= 1%).
 * Values >= 2^HIST_MAX_LOG2 are clamped into the last bucket.
 */
#define HIST_LINEAR_BITS 8
#define HIST_SUB_BITS 7
#define HIST_MAX_LOG2 44
#define HIST_LINEAR (1u << HIST_LINEAR_BITS)
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (HIST_LINEAR + (HIST_MAX_LOG2 - HIST_LINEAR_BITS) * HIST_SUB)

/* Exact running moments kept next to the histogram; sumsq is 128-bit so
 * that a billion samples of a million cycles cannot overflow it. */
struct hist_moments {
	uint64_t n;
	uint64_t sum;
	uint64_t sumsq_lo;
	uint64_t sumsq_hi;
	uint64_t min;
	uint64_t max;
};

static inline uint32_t hist_bucket(uint64_t v)
{
	if (v < HIST_LINEAR)
		return (uint32_t)v;
	uint32_t e = 63u - (uint32_t)__builtin_clzll(v);
	if (e >= HIST_MAX_LOG2)
		return HIST_BUCKETS - 1;
	uint32_t sub = (uint32_t)(v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1);
	return HIST_LINEAR + (e - HIST_LINEAR_BITS) * HIST_SUB + sub;
}

/* Smallest value that falls into bucket b. */
static inline uint64_t hist_bucket_low(uint32_t b)
{
	if (b < HIST_LINEAR)
		return b;
	uint32_t k = b - HIST_LINEAR;
	uint32_t e = HIST_LINEAR_BITS + k / HIST_SUB;
	uint64_t sub = k % HIST_SUB;
	return (1ull << e) + (sub << (e - HIST_SUB_BITS));
}

/* Largest value that falls into bucket b (the last bucket is open-ended). */
static inline uint64_t hist_bucket_high(uint32_t b)
{
	if (b < HIST_LINEAR)
		return b;
	if (b >= HIST_BUCKETS - 1)
		return ~0ull;
	return hist_bucket_low(b + 1) - 1;
}

static inline void hist_moments_init(struct hist_moments *m)
{
	m->n = 0;
	m->sum = 0;
	m->sumsq_lo = 0;
	m->sumsq_hi = 0;
	m->min = ~0ull;
	m->max = 0;
}

/* Record one sample: one bucket increment plus the exact moments. */
static inline void hist_record(uint32_t *counts, struct hist_moments *m,
			       uint64_t v)
{
	counts[hist_bucket(v)]++;
	unsigned __int128 sq = (unsigned __int128)v * v;
	unsigned __int128 acc =
		((unsigned __int128)m->sumsq_hi << 64 | m->sumsq_lo) + sq;
	m->sumsq_lo = (uint64_t)acc;
	m->sumsq_hi = (uint64_t)(acc >> 64);
	m->n++;
	m->sum += v;
	if (v < m->min)
		m->min = v;
	if (v > m->max)
		m->max = v;
}

#endif
