/* compare, when the two files' host.paging differ: one was measured with
 * two-dimensional paging (EPT / NPT / stage 2), the other with shadow
 * paging, so each row's ratio is the gain of TDP, 1 - t_tdp / t_shadow,
 * with the ratio's CI carried over; and the rows' ratio metrics (unit
 * "ratio", a family's own: tlb_walk's guest over native per working set
 * and page size, the two-dimensional walk's price) side by side. Generic:
 * no family is named here. */
#include "analysis/an_gain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_util.h"

static const char *paging_of(const struct an_result *r)
{
	return r && r->host.paging ? r->host.paging : "unknown";
}

static bool is_tdp(const char *p)
{
	return !strcmp(p, "ept") || !strcmp(p, "npt") || !strcmp(p, "stage2");
}

int an_gain_side(const struct an_cmp *c)
{
	const char *b = paging_of(c->base), *n = paging_of(c->cur);

	if (!strcmp(b, n))
		return AN_GAIN_SAME;
	if (is_tdp(n) && !strcmp(b, "shadow"))
		return AN_GAIN_NEW_TDP;
	if (is_tdp(b) && !strcmp(n, "shadow"))
		return AN_GAIN_BASE_TDP;
	return AN_GAIN_OTHER;
}

/* The gain from the row's ratio new/base and its CI: 1 - t_tdp / t_shadow.
 * It rises with the ratio when BASE is TDP, falls when NEW is. */
static void row_gain(int side, const struct an_cmp_row *row, double *g, double *lo, double *hi)
{
	double r = row->ratio, rl = row->lo, rh = row->hi;

	*g = *lo = *hi = NAN;
	if (!(r > 0))
		return;
	if (side == AN_GAIN_NEW_TDP) {
		*g = 1 - r;
		*lo = 1 - rh, *hi = 1 - rl;
	} else {
		*g = 1 - 1 / r;
		*lo = rl > 0 ? 1 - 1 / rl : NAN;
		*hi = rh > 0 ? 1 - 1 / rh : NAN;
	}
}

static const struct an_metric *ratio_metric(const struct an_bench *b, size_t k)
{
	size_t seen = 0;

	for (size_t i = 0; b && i < b->n_metrics; i++)
		if (!b->metrics[i].stats && b->metrics[i].unit &&
		    !strcmp(b->metrics[i].unit, "ratio") && seen++ == k)
			return &b->metrics[i];
	return NULL;
}

static const struct an_metric *metric_named(const struct an_bench *b, const char *name)
{
	for (size_t i = 0; b && i < b->n_metrics; i++)
		if (!strcmp(b->metrics[i].name, name))
			return &b->metrics[i];
	return NULL;
}

static const struct an_bench *tdp_bench(int side, const struct an_cmp_row *row)
{
	return side == AN_GAIN_NEW_TDP ? row->cur : row->base;
}

static const struct an_bench *shadow_bench(int side, const struct an_cmp_row *row)
{
	return side == AN_GAIN_NEW_TDP ? row->base : row->cur;
}

static void print_num(FILE *f, double v, const char *fmt)
{
	if (isnan(v))
		fprintf(f, "%-10s", "-");
	else
		fprintf(f, fmt, v);
}

void an_gain_print(const struct an_cmp *c, struct an_result *const *rs, size_t nr, FILE *f)
{
	int side = an_gain_side(c);
	const char *bp = paging_of(c->base), *np = paging_of(c->cur);

	if (side == AN_GAIN_SAME)
		return;
	fprintf(f, "\npaging differs: BASE %s, NEW %s", bp, np);
	if (side == AN_GAIN_OTHER) {
		fprintf(f, ": no gain table (it needs one two-dimensional paging file, ept/npt/stage2, and one shadow file)\n");
		return;
	}
	fprintf(f, "\ngain of %s over shadow paging per row: 1 - t_%s / t_shadow [95%% CI of the ratio]%s\n",
		side == AN_GAIN_NEW_TDP ? np : bp,
		side == AN_GAIN_NEW_TDP ? np : bp,
		c->mode == AN_CMP_RATIO ? " (files in different units: times as ratios to the reference row)" : "");
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct an_cmp_row *row = &c->rows[i];
		const struct an_bench *b = row->base ? row->base : row->cur;
		char *label = an_bench_label(rs, nr, b);
		double g, lo, hi;

		row_gain(side, row, &g, &lo, &hi);
		fprintf(f, "  %-48s ", label ? label : "?");
		if (isnan(g))
			fprintf(f, "-  (%s)\n", row->note[0] ? row->note : "not compared");
		else if (isnan(lo) || isnan(hi))
			fprintf(f, "%+.3f\n", g);
		else
			fprintf(f, "%+.3f [%+.3f, %+.3f]\n", g, lo, hi);
		free(label);
	}
	/* The rows' own ratios (guest over native, ...) in both modes. */
	bool head = false;
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct an_cmp_row *row = &c->rows[i];
		const struct an_bench *t = tdp_bench(side, row), *s = shadow_bench(side, row);
		const struct an_metric *m;

		for (size_t k = 0; (m = ratio_metric(t ? t : s, k)); k++) {
			const struct an_metric *o = metric_named(t ? s : t, m->name);
			const struct an_metric *mt = t ? m : o, *ms = t ? o : m;
			char *label = an_bench_label(rs, nr, t ? t : s);

			if (!head) {
				fprintf(f, "\nthe rows' ratio metrics in both modes (a TDP/shadow quotient above 1 is the two-dimensional walk's price)\n");
				fprintf(f, "  %-48s %-28s %-10s %-10s %s\n", "benchmark", "metric",
					side == AN_GAIN_NEW_TDP ? np : bp, "shadow", "tdp/shadow");
				head = true;
			}
			double vt = mt ? mt->value : NAN, vs = ms ? ms->value : NAN;
			fprintf(f, "  %-48s %-28s ", label ? label : "?", m->name);
			print_num(f, vt, "%-10.3f");
			fputc(' ', f);
			print_num(f, vs, "%-10.3f");
			fputc(' ', f);
			print_num(f, vs > 0 ? vt / vs : NAN, "%.3f");
			fputc('\n', f);
			free(label);
		}
	}
}

json_t *an_gain_json(const struct an_cmp *c, struct an_result *const *rs, size_t nr)
{
	int side = an_gain_side(c);

	if (side == AN_GAIN_SAME)
		return NULL;
	json_t *o = json_pack("{s:s, s:s}", "base_paging", paging_of(c->base),
			      "new_paging", paging_of(c->cur));
	if (!o || side == AN_GAIN_OTHER)
		return o;
	json_t *rows = json_array();
	json_object_set_new(o, "tdp", json_string(side == AN_GAIN_NEW_TDP ? "new" : "base"));
	json_object_set_new(o, "rows", rows);
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct an_cmp_row *row = &c->rows[i];
		const struct an_bench *b = row->base ? row->base : row->cur;
		char *label = an_bench_label(rs, nr, b);
		double g, lo, hi;

		row_gain(side, row, &g, &lo, &hi);
		json_t *r = json_pack("{s:s, s:s?, s:o, s:o, s:o}", "name", b->name, "label", label,
				      "gain", isnan(g) ? json_null() : json_real(g),
				      "ci95_low", isnan(lo) ? json_null() : json_real(lo),
				      "ci95_high", isnan(hi) ? json_null() : json_real(hi));
		free(label);
		if (r)
			json_array_append_new(rows, r);
	}
	return o;
}
