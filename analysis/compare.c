/* Benchmark-by-benchmark comparison of two result files: matching, unit
 * handling (direct, ns, within-file ratios) and the statistical verdict. */
#include "analysis/an_compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/stats.h"

void an_cmp_opts_default(struct an_cmp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->threshold = 0.05;
	o->alpha = 0.01;
	o->ref = "mmio_user";
	o->boot_iters = 1000;
	o->seed = 0x68766265; /* "hvbe" */
}

const char *an_verdict_name(enum an_verdict v)
{
	switch (v) {
	case AN_V_SAME: return "same";
	case AN_V_FASTER: return "faster";
	case AN_V_SLOWER: return "slower";
	case AN_V_REF: return "ref";
	case AN_V_NONE: break;
	}
	return "-";
}

static double value_of(const struct an_bench *b, const struct an_cmp_opts *o)
{
	return o->use_mean ? b->cycles.mean : b->cycles.p50;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* probes/stats.h only bootstraps medians; --metric mean needs the same for
 * means, done the same way (percentile interval). */
static int bootstrap_mean_ratio(const double *a, size_t na, const double *b,
				size_t nb, unsigned iters, uint64_t seed,
				double *ratio, double *lo, double *hi)
{
	double *r, sa = 0, sb = 0;
	uint64_t s = seed | 1;

	if (!na || !nb || !iters)
		return -1;
	r = malloc(iters * sizeof(*r));
	if (!r)
		return -1;
	for (size_t i = 0; i < na; i++)
		sa += a[i];
	for (size_t i = 0; i < nb; i++)
		sb += b[i];
	*ratio = (sb / nb) / (sa / na);
	for (unsigned it = 0; it < iters; it++) {
		double ta = 0, tb = 0;

		for (size_t i = 0; i < na; i++)
			ta += a[xorshift(&s) % na];
		for (size_t i = 0; i < nb; i++)
			tb += b[xorshift(&s) % nb];
		r[it] = (tb / nb) / (ta / na);
	}
	qsort(r, iters, sizeof(*r), cmp_double);
	*lo = r[(size_t)(iters * 0.025)];
	*hi = r[(size_t)(iters * 0.975) < iters ? (size_t)(iters * 0.975) : iters - 1];
	free(r);
	return 0;
}

static int boot_ratio(const double *a, size_t na, const double *b, size_t nb,
		      const struct an_cmp_opts *o, double *ratio, double *lo,
		      double *hi)
{
	if (o->use_mean)
		return bootstrap_mean_ratio(a, na, b, nb, o->boot_iters,
					    o->seed, ratio, lo, hi);
	return stats_bootstrap_median_ratio(a, na, b, nb, o->boot_iters,
					    o->seed, ratio, lo, hi);
}

/* Samples scaled by @k (ns conversion or division by the reference). */
static double *scaled(const struct an_bench *b, double k)
{
	double *x = malloc((b->n_samples ? b->n_samples : 1) * sizeof(*x));

	if (!x)
		return NULL;
	for (size_t i = 0; i < b->n_samples; i++)
		x[i] = b->samples[i] * k;
	return x;
}

/* Without samples the only evidence is each side's CI of the median: call
 * the change real only when the two intervals do not overlap. */
static void compare_without_samples(struct an_cmp_row *row, double kb,
				    double kc, const struct an_cmp_opts *o)
{
	const struct an_stats *sb = &row->base->cycles, *sc = &row->cur->cycles;

	row->p = NAN;
	if (!o->use_mean && !isnan(sb->ci95_low) && !isnan(sc->ci95_low) &&
	    sb->ci95_low > 0 && sc->ci95_low > 0) {
		row->lo = (sc->ci95_low * kc) / (sb->ci95_high * kb);
		row->hi = (sc->ci95_high * kc) / (sb->ci95_low * kb);
	} else {
		row->lo = row->hi = NAN;
	}
	row->significant = !isnan(row->lo) && (row->lo > 1 || row->hi < 1);
	snprintf(row->note, sizeof(row->note),
		 "no samples: significance from the medians' CIs");
}

/* Records matched across levels ("cpl": "auto" on both sides) say which
 * level each ran at, next to whatever the comparison noted. */
static void note_levels(struct an_cmp_row *row)
{
	json_t *pb = json_object_get(row->base->params, "cpl");
	json_t *pc = json_object_get(row->cur->params, "cpl");
	char lv[64];
	size_t len = strlen(row->note);

	if (!json_is_integer(pb) || !json_is_integer(pc) ||
	    json_integer_value(pb) == json_integer_value(pc))
		return;
	snprintf(lv, sizeof(lv), "cpl %lld vs %lld, the level each host picked",
		 (long long)json_integer_value(pb), (long long)json_integer_value(pc));
	snprintf(row->note + len, sizeof(row->note) - len, "%s%s",
		 len ? "; " : "", lv);
}

static void compare_row(struct an_cmp *c, struct an_cmp_row *row,
			const struct an_bench *ref_b,
			const struct an_bench *ref_c,
			const struct an_cmp_opts *o)
{
	const struct an_bench *b = row->base, *n = row->cur;
	double kb = 1, kc = 1, u;
	bool have = b->n_samples && n->n_samples;

	if (c->mode == AN_CMP_NS) {
		kb = 1e9 / b->counter_hz;
		kc = 1e9 / n->counter_hz;
	} else if (c->mode == AN_CMP_RATIO) {
		if (b == ref_b) {
			row->base_norm = row->cur_norm = 1;
			row->ratio = row->lo = row->hi = 1;
			row->p = 1;
			row->verdict = AN_V_REF;
			snprintf(row->note, sizeof(row->note),
				 "reference: every other row is divided by it");
			return;
		}
		kb = 1 / value_of(ref_b, o);
		kc = 1 / value_of(ref_c, o);
	}
	row->base_val = value_of(b, o) * (c->mode == AN_CMP_NS ? kb : 1);
	row->cur_val = value_of(n, o) * (c->mode == AN_CMP_NS ? kc : 1);
	row->base_norm = value_of(b, o) * kb;
	row->cur_norm = value_of(n, o) * kc;
	row->p = NAN;
	if (!(row->base_norm > 0)) {
		/* A cost of 0 after probe-overhead subtraction: the ratio is
		 * meaningless, only "both zero" can be called the same. */
		row->ratio = row->lo = row->hi = row->cur_norm == 0 ? 1 : NAN;
		row->verdict = row->cur_norm == 0 ? AN_V_SAME : AN_V_NONE;
		snprintf(row->note, sizeof(row->note), "base median is 0");
		return;
	}
	row->ratio = row->cur_norm / row->base_norm;
	if (!have || (c->mode == AN_CMP_RATIO &&
		      !(ref_b->n_samples && ref_c->n_samples))) {
		compare_without_samples(row, kb, kc, o);
	} else {
		double *xb = scaled(b, kb), *xc = scaled(n, kc);
		double r1 = NAN, lo1 = NAN, hi1 = NAN;

		/* A failed bootstrap (e.g. resampled medians of 0) only loses
		 * the interval; the test still decides. */
		if (xb && xc) {
			if (boot_ratio(xb, b->n_samples, xc, n->n_samples, o,
				       &r1, &lo1, &hi1))
				lo1 = hi1 = NAN;
			if (stats_mann_whitney(xb, b->n_samples, xc,
					       n->n_samples, &u, &row->p))
				row->p = NAN;
		}
		free(xb);
		free(xc);
		row->lo = lo1;
		row->hi = hi1;
		if (c->mode == AN_CMP_RATIO) {
			double r2, lo2, hi2, w1, w2, w;

			/* The bootstrap above resampled the benchmark with the
			 * reference held at its median; widen the interval by the
			 * reference's own uncertainty (independent, so the
			 * log half-widths add in quadrature). */
			if (!boot_ratio(ref_b->samples, ref_b->n_samples,
					ref_c->samples, ref_c->n_samples, o, &r2,
					&lo2, &hi2) && lo1 > 0 && lo2 > 0) {
				w1 = log(hi1 / lo1) / 2;
				w2 = log(hi2 / lo2) / 2;
				w = sqrt(w1 * w1 + w2 * w2);
				row->lo = row->ratio * exp(-w);
				row->hi = row->ratio * exp(w);
			}
		}
		row->significant = !isnan(row->p) && row->p < o->alpha;
	}
	if (!(fabs(row->ratio - 1) > o->threshold))
		row->significant = false;
	if (!row->significant)
		row->verdict = AN_V_SAME;
	else
		row->verdict = row->ratio > 1 ? AN_V_SLOWER : AN_V_FASTER;
}

static void not_compared(struct an_cmp_row *row, const char *side,
			 const struct an_bench *b)
{
	row->ratio = row->lo = row->hi = row->p = NAN;
	row->base_val = row->cur_val = row->base_norm = row->cur_norm = NAN;
	row->verdict = AN_V_NONE;
	if (!b)
		snprintf(row->note, sizeof(row->note), "not in %s", side);
	else
		snprintf(row->note, sizeof(row->note), "%s: %s%s%s", side,
			 b->status, b->reason ? " - " : "",
			 b->reason ? b->reason : "");
}

static int pick_mode(struct an_cmp *c, const struct an_cmp_opts *o,
		     const struct an_bench **ref_b, const struct an_bench **ref_c,
		     char *err, size_t errlen)
{
	const struct an_result *base = c->base, *cur = c->cur;
	double hb = NAN, hc = NAN;

	c->base_unit = an_result_unit(base);
	c->cur_unit = an_result_unit(cur);
	c->mode = AN_CMP_DIRECT;
	if (c->base_unit && c->cur_unit && strcmp(c->base_unit, c->cur_unit)) {
		c->mode = AN_CMP_RATIO;
		c->ref = o->ref;
		*ref_b = an_result_find_name(base, o->ref);
		*ref_c = an_result_find_name(cur, o->ref);
		if (!*ref_b || !*ref_c) {
			snprintf(err, errlen,
				 "%s: units differ (%s vs %s) so values are compared as ratios to a reference benchmark, but '%s' has no status-ok record here; pick another with --ref NAME",
				 !*ref_b ? base->path : cur->path, c->base_unit,
				 c->cur_unit, o->ref);
			return -1;
		}
		snprintf(c->header, sizeof(c->header),
			 "units differ (%s vs %s): raw values are not comparable, so each median is divided by '%s' of its own file and those ratios are compared",
			 c->base_unit, c->cur_unit, o->ref);
		return 0;
	}
	for (size_t i = 0; i < base->n_benches; i++)
		if (base->benches[i].ok && !isnan(base->benches[i].counter_hz)) {
			hb = base->benches[i].counter_hz;
			break;
		}
	for (size_t i = 0; i < cur->n_benches; i++)
		if (cur->benches[i].ok && !isnan(cur->benches[i].counter_hz)) {
			hc = cur->benches[i].counter_hz;
			break;
		}
	/* Counter ticks of two clocks are different units in disguise. */
	if (c->base_unit && strcmp(c->base_unit, "instructions") && hb > 0 &&
	    hc > 0 && fabs(hb / hc - 1) > 0.01) {
		c->mode = AN_CMP_NS;
		snprintf(c->header, sizeof(c->header),
			 "same unit (%s) but counters run at %.4g and %.4g MHz: values converted to ns before comparing",
			 c->base_unit, hb / 1e6, hc / 1e6);
		return 0;
	}
	snprintf(c->header, sizeof(c->header), "same unit (%s): raw values compared",
		 c->base_unit ? c->base_unit : "none");
	return 0;
}

int an_compare_pair(const struct an_result *base, const struct an_result *cur,
		    const struct an_cmp_opts *o, struct an_cmp *c, char *err,
		    size_t errlen)
{
	const struct an_bench *ref_b = NULL, *ref_c = NULL;
	size_t n = 0;
	bool *used;

	memset(c, 0, sizeof(*c));
	c->base = base;
	c->cur = cur;
	if (pick_mode(c, o, &ref_b, &ref_c, err, errlen))
		return -1;
	c->rows = calloc(base->n_benches + cur->n_benches + 1, sizeof(*c->rows));
	/* NEW records some BASE row took: the rest get rows of their own. */
	used = calloc(cur->n_benches + 1, sizeof(*used));
	if (!c->rows || !used) {
		free(used);
		snprintf(err, errlen, "%s: out of memory", cur->path);
		return -1;
	}
	for (size_t i = 0; i < base->n_benches; i++) {
		const struct an_bench *b = &base->benches[i];
		struct an_cmp_row *row = &c->rows[n++];

		row->base = b;
		row->cur = an_result_find_match(cur, b);
		if (row->cur)
			used[row->cur - cur->benches] = true;
		if (!b->ok)
			not_compared(row, "BASE", b);
		else if (!row->cur || !row->cur->ok)
			not_compared(row, "NEW", row->cur);
		else if (c->mode == AN_CMP_NS &&
			 !(b->counter_hz > 0 && row->cur->counter_hz > 0)) {
			not_compared(row, "BASE", b);
			snprintf(row->note, sizeof(row->note),
				 "no counter_hz to convert to ns");
		} else if (b->coarse || row->cur->coarse) {
			/* A few counter units per sample: a "change" there is
			 * quantization, not cost. */
			compare_row(c, row, ref_b, ref_c, o);
			row->verdict = AN_V_NONE;
			row->significant = false;
			snprintf(row->note, sizeof(row->note),
				 "below the counter's resolution (coarse) in %s: no verdict; raise batch",
				 b->coarse && row->cur->coarse ? "both" : b->coarse ? "BASE" : "NEW");
		} else {
			compare_row(c, row, ref_b, ref_c, o);
			note_levels(row);
		}
		if (row->verdict == AN_V_SLOWER)
			c->n_slower++;
		else if (row->verdict == AN_V_FASTER)
			c->n_faster++;
	}
	for (size_t i = 0; i < cur->n_benches; i++) {
		const struct an_bench *b = &cur->benches[i];
		struct an_cmp_row *row;

		if (used[i])
			continue;
		row = &c->rows[n++];
		row->cur = b;
		not_compared(row, "BASE", NULL);
	}
	c->n_rows = n;
	free(used);
	return 0;
}

void an_cmp_free(struct an_cmp *c)
{
	free(c->rows);
	c->rows = NULL;
	c->n_rows = 0;
}
