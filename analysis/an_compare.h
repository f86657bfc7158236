/* Comparison of two result files (or two sets of runs), benchmark by
 * benchmark, from repetition- or run-level values; shared by `compare` and
 * the dashboard so both give the same verdicts (docs/analysis.md). */
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
	double alpha; /* significance level of the p-value: 0.05 */
	/* A verdict needs at least this many values (repetitions, or runs)
	 * on each side: at 3 vs 3 no Mann-Whitney p can go below 0.1. */
	unsigned min_units;
	/* The change must exceed this many times the larger relative spread
	 * ((max - min) / median) of the two sides' values. */
	double spread_factor;
	/* A side is "busy" when other processes kept at least this many CPUs
	 * busy at the start or end of one of its runs. */
	double busy_cpus;
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
	double p; /* two-sided Mann-Whitney p over the units; NAN if not tested */
	/* What the verdict is based on: "repetitions" (pooled over the runs
	 * of a side) or "runs" (one median per run, >= min_units runs each). */
	const char *level;
	size_t n_base_units, n_cur_units;
	double spread_base, spread_cur; /* (max - min) / median of the units */
	bool significant;
	enum an_verdict verdict;
	char note[320]; /* why not compared, or how it was compared */
};

struct an_cmp {
	const struct an_result *base, *cur; /* the first run of each side */
	const struct an_result *const *bases, *const *curs;
	size_t n_bases, n_curs;
	bool busy_base, busy_cur; /* see an_cmp_opts.busy_cpus */
	double busy_base_cpus, busy_cur_cpus; /* largest other_cpus seen */
	const struct an_result *pair[2]; /* an_compare_pair's two runs */
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
/* The same with several runs per side (A1 A2 ... vs B1 B2 ...): rows come
 * from bases[0]; the arrays must outlive @out. */
int an_compare_sets(const struct an_result *const *bases, size_t nb,
		    const struct an_result *const *curs, size_t nc,
		    const struct an_cmp_opts *o, struct an_cmp *out, char *err,
		    size_t errlen);
void an_cmp_free(struct an_cmp *c);

const char *an_verdict_name(enum an_verdict v);

#endif
