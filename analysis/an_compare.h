/* Comparison of two result files, benchmark by benchmark, with a ratio, its
 * bootstrap confidence interval and a Mann-Whitney test; shared by `compare`
 * and the dashboard so both give the same verdicts. */
#ifndef ANALYSIS_AN_COMPARE_H
#define ANALYSIS_AN_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/an_result.h"

enum an_verdict {
	AN_V_SAME,
	AN_V_FASTER,
	AN_V_SLOWER,
	AN_V_REF, /* the reference benchmark of a ratio comparison */
	AN_V_NONE, /* not compared: missing on one side or not status ok */
};

/*
 * DIRECT: same unit and counter, raw values. NS: same unit but counters of
 * different frequency, so values are turned into ns first. RATIO: units
 * differ, so each side is divided by a reference benchmark of its own file.
 */
enum an_cmp_mode { AN_CMP_DIRECT, AN_CMP_NS, AN_CMP_RATIO };

struct an_cmp_opts {
	double threshold; /* fraction: 0.05 is 5% */
	double alpha; /* significance level of the p-value: 0.01 */
	bool use_mean; /* compare means instead of medians */
	const char *ref; /* reference benchmark name for RATIO mode */
	unsigned boot_iters;
	uint64_t seed; /* fixed, so that the same inputs give the same output */
};

void an_cmp_opts_default(struct an_cmp_opts *o);

struct an_cmp_row {
	const struct an_bench *base, *cur; /* either may be NULL */
	double base_val, cur_val; /* median/mean in each file's unit (ns in NS) */
	double base_norm, cur_norm; /* RATIO mode: value / reference value */
	double ratio, lo, hi; /* cur/base with its 95% CI; NAN if not compared */
	double p; /* two-sided Mann-Whitney p; NAN without samples */
	bool significant;
	enum an_verdict verdict;
	char note[160]; /* why not compared, or how it was compared */
};

struct an_cmp {
	const struct an_result *base, *cur;
	enum an_cmp_mode mode;
	const char *base_unit, *cur_unit;
	const char *ref;
	char header[256]; /* one line saying how values were compared */
	struct an_cmp_row *rows;
	size_t n_rows;
	size_t n_slower, n_faster;
};

/* Returns 0, or -1 with a one-line message naming the file (e.g. no usable
 * reference benchmark in RATIO mode). */
int an_compare_pair(const struct an_result *base, const struct an_result *cur,
		    const struct an_cmp_opts *o, struct an_cmp *out, char *err,
		    size_t errlen);
void an_cmp_free(struct an_cmp *c);

const char *an_verdict_name(enum an_verdict v);

#endif
