/* The charts of `hvbench plot`: each turns result records into a gnuplot data
 * file and fills its template from plot_templates.c. */
#include "analysis/an_plot.h"
#include "analysis/plot_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_compare.h"
#include "analysis/an_util.h"

int an_chart_medians(struct an_plot_ctx *c, struct an_result *r,
		     const char *stem)
{
	struct an_chart ch = { .name = "medians", .tpl = an_tpl_medians,
			    .stem = stem, .height = 620 };
	const char *unit = an_unit_short(an_result_unit(r));
	char nrows[24];
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *b = &r->benches[i];
		char *label;

		if (!b->ok)
			continue;
		label = an_bench_label(&r, 1, b);
		ch_put_label(&ch.data, label ? label : b->name);
		free(label);
		ch_put_val(&ch.data, b->cycles.p50, c->logscale);
		ch_put_val(&ch.data, b->cycles.p10, c->logscale);
		ch_put_val(&ch.data, b->cycles.p90, c->logscale);
		an_buf_put(&ch.data, "\n");
		n++;
	}
	if (!n) {
		printf("%s: no status-ok benchmark, medians chart skipped\n", r->path);
		ch_free(&ch);
		return 0;
	}
	snprintf(nrows, sizeof(nrows), "%zu", n);
	ch.title = "Median cost per operation (whiskers: p10-p90)";
	ch.subtitle = ch_subtitle(&r, 1);
	ch.width = ch_width_for(n);
	ch.unit = unit;
	ch_var(&ch, "NROWS", nrows);
	ch_var(&ch, "LOGSCALE", c->logscale ? "set logscale y 10" : "unset logscale y");
	ch_var(&ch, "YMIN", c->logscale ? "*" : "0");
	ret = ch_run(c, &ch);
	ch_free(&ch);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int an_chart_cdf(struct an_plot_ctx *c, struct an_result *r, const char *stem)
{
	struct an_chart ch = { .name = "cdf", .tpl = an_tpl_cdf, .stem = stem,
			    .width = 1100, .height = 620 };
	struct an_buf plots = { 0 };
	size_t blocks = 0;
	int ret;

	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *b = &r->benches[i];
		size_t n = b->n_samples, m = n < 400 ? n : 400;
		double *x;
		char *label, *q;

		if (!b->ok || !n)
			continue;
		x = malloc(n * sizeof(*x));
		if (!x) {
			ch.data.oom = true;
			break;
		}
		memcpy(x, b->samples, n * sizeof(*x));
		qsort(x, n, sizeof(*x), cmp_double);
		/* 400 points per curve draw the same picture as 4096 and keep
		 * the SVG small. */
		for (size_t k = 0; k < m; k++) {
			size_t idx = m > 1 ? k * (n - 1) / (m - 1) : 0;

			ch_put_val(&ch.data, x[idx], true);
			an_buf_printf(&ch.data, " %.6f\n", (double)(idx + 1) / n);
		}
		an_buf_put(&ch.data, "\n\n");
		free(x);
		label = an_bench_label(&r, 1, b);
		q = an_gp_quote(label ? label : b->name);
		/* the template names the data file once; "" reuses it */
		an_buf_printf(&plots, "%sindex %zu using 1:2 with steps lw 2 title %s",
			      blocks ? ", \\\n     \"\" " : "", blocks, q ? q : "''");
		free(q);
		free(label);
		blocks++;
	}
	if (!blocks) {
		printf("%s: no raw samples stored, CDF chart skipped\n", r->path);
		ch_free(&ch);
		an_buf_free(&plots);
		return 0;
	}
	ch.title = "Distribution of per-operation cost (CDF of the stored samples)";
	ch.subtitle = ch_subtitle(&r, 1);
	ch.unit = an_unit_short(an_result_unit(r));
	ch_var(&ch, "PLOTS", plots.s ? plots.s : "");
	ret = plots.oom ? -3 : ch_run(c, &ch);
	ch_free(&ch);
	an_buf_free(&plots);
	return ret;
}

int an_chart_exits(struct an_plot_ctx *c, struct an_result *r,
		   const char *stem)
{
	struct an_chart ch = { .name = "exits", .tpl = an_tpl_exits, .stem = stem,
			    .height = 620 };
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *b = &r->benches[i];
		char *label, *full = NULL;

		if (!b->ok || (isnan(b->exits) && isnan(b->expected_exits)))
			continue;
		label = an_bench_label(&r, 1, b);
		if (asprintf(&full, "%s%s", label ? label : b->name,
			     b->suspect ? " *" : "") < 0)
			full = NULL;
		ch_put_label(&ch.data, full ? full : b->name);
		free(full);
		free(label);
		ch_put_val(&ch.data, b->exits, false);
		ch_put_val(&ch.data, b->expected_exits, false);
		an_buf_put(&ch.data, "\n");
		n++;
	}
	if (!n) {
		printf("%s: no exits_per_op recorded, exits chart skipped\n", r->path);
		ch_free(&ch);
		return 0;
	}
	ch.title = "VM exits per operation, measured vs expected";
	ch.subtitle = ch_subtitle(&r, 1);
	ch.width = ch_width_for(n);
	ret = ch_run(c, &ch);
	ch_free(&ch);
	return ret;
}

int an_chart_breakdown(struct an_plot_ctx *c, struct an_result *r,
		       const char *stem)
{
	struct an_chart ch = { .name = "io-breakdown", .tpl = an_tpl_breakdown,
			    .stem = stem, .height = 620 };
	const char *names[16];
	size_t n_names = 0, rows = 0;
	char ncols[24];
	int ret;

	/* Columns: every segment name, in the order records list them. */
	for (size_t i = 0; i < r->n_benches; i++)
		for (size_t s = 0; s < r->benches[i].n_segments; s++) {
			const char *nm = r->benches[i].segments[s].name;
			size_t k;

			for (k = 0; k < n_names && strcmp(names[k], nm); k++)
				;
			if (k == n_names && n_names < 16)
				names[n_names++] = nm;
		}
	if (!n_names)
		return 0;
	ch_put_label(&ch.data, "variant");
	for (size_t k = 0; k < n_names; k++) {
		an_buf_put(&ch.data, " ");
		ch_put_label(&ch.data, names[k]);
	}
	an_buf_put(&ch.data, "\n");
	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *b = &r->benches[i];
		char *label;

		if (!b->ok || !b->n_segments)
			continue;
		label = b->variant ? NULL : an_bench_label(&r, 1, b);
		ch_put_label(&ch.data, b->variant ? b->variant : label ? label : b->name);
		free(label);
		for (size_t k = 0; k < n_names; k++) {
			double v = NAN;

			for (size_t s = 0; s < b->n_segments; s++) {
				const struct an_segment *sg = &b->segments[s];

				if (strcmp(sg->name, names[k]))
					continue;
				/* Segment medians do not add up to the
				 * round-trip median; shares of it do. */
				v = !isnan(sg->share) && b->cycles.present ?
					sg->share * b->cycles.p50 : sg->st.p50;
			}
			ch_put_val(&ch.data, isnan(v) ? 0 : v, false);
		}
		an_buf_put(&ch.data, "\n");
		rows++;
	}
	if (!rows)
		return (ch_free(&ch), 0);
	snprintf(ncols, sizeof(ncols), "%zu", n_names + 1);
	ch.title = "Where the cycles of one I/O exit go";
	ch.subtitle = ch_subtitle(&r, 1);
	ch.width = ch_width_for(rows * 2);
	ch.unit = an_unit_short(an_result_unit(r));
	ch_var(&ch, "NCOLS", ncols);
	ret = ch_run(c, &ch);
	ch_free(&ch);
	return ret;
}

/* ---- sweeps and vCPU scaling: generic over any family ------------------- */

/* A name from a file, as a file-name part: [A-Za-z0-9_-] only, 40 at most. */
static void name_part(char *out, size_t len, const char *pre, const char *s)
{
	size_t k = (size_t)snprintf(out, len, "%s", pre);

	for (; s && *s && k + 1 < len && k < 40 + strlen(pre); s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')
			out[k++] = *s;
	out[k < len ? k : len - 1] = '\0';
}

static bool same_json(json_t *a, json_t *b)
{
	return a && b && json_equal(a, b);
}

/* Does parameter k take more than one value over the ok records named
 * name? How many values, into *n_values. */
static bool param_varies(const struct an_result *r, const char *name, const char *k,
			 size_t *n_values)
{
	json_t *seen = json_array();
	size_t i;

	for (i = 0; seen && i < r->n_benches; i++) {
		const struct an_bench *b = &r->benches[i];
		json_t *v = b->ok && !strcmp(b->name, name) ? json_object_get(b->params, k) : NULL;
		size_t j;
		json_t *w;

		if (!v)
			continue;
		bool dup = false;
		json_array_foreach(seen, j, w)
			dup |= same_json(v, w);
		if (!dup)
			json_array_append(seen, v);
	}
	*n_values = seen ? json_array_size(seen) : 0;
	json_decref(seen);
	return *n_values > 1;
}

/* The headline's siblings: its own name when it has no "/", else every
 * stats metric under the same first component (per_access/guest, .../native). */
static bool sibling(const struct an_bench *b, const struct an_metric *m)
{
	const char *h = b->headline ? b->headline : "cycles", *sl = strchr(h, '/');

	if (!m->stats)
		return false;
	if (!sl)
		return !strcmp(m->name, h);
	return !strncmp(m->name, h, (size_t)(sl - h) + 1);
}

static int cmp_x(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* One line per group of the other varying parameters and per sibling
 * metric: its median against the one numeric parameter that varies (three
 * values at least), log x. tlb_walk's walk curves: per_access guest and
 * native against ws_kib, one pair of lines per page size. */
static int sweep_one(struct an_plot_ctx *c, struct an_result *r, const char *stem,
		     const struct an_bench *first)
{
	const char *xkey = NULL, *k;
	json_t *v, *groups = json_array();
	size_t nv, blocks = 0;
	struct an_buf plots = { 0 };
	char name[64], xl[128], yl[160];
	int ret = 0;

	json_object_foreach(first->params, k, v)
		if (json_is_number(v) && strcmp(k, "vcpus") && param_varies(r, first->name, k, &nv)) {
			if (xkey || nv < 3)
				return json_decref(groups), 0;	/* not one clear sweep */
			xkey = k;
		}
	if (!xkey)
		return json_decref(groups), 0;
	struct an_chart ch = { .tpl = an_tpl_sweep, .stem = stem, .width = 1100, .height = 620 };
	/* groups: the other parameters' values, as objects */
	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *b = &r->benches[i];
		if (!b->ok || strcmp(b->name, first->name))
			continue;
		json_t *g = json_deep_copy(b->params), *w;
		size_t j;
		bool dup = false;
		json_object_del(g, xkey);
		json_array_foreach(groups, j, w)
			dup |= same_json(g, w);
		if (dup)
			json_decref(g);
		else
			json_array_append_new(groups, g);
	}
	for (size_t gi = 0; gi < json_array_size(groups) && gi < 16; gi++) {
		json_t *g = json_array_get(groups, gi);
		for (size_t mi = 0; mi < first->n_metrics; mi++) {
			const struct an_metric *m = &first->metrics[mi];
			double (*pts)[2] = calloc(r->n_benches, sizeof(*pts));
			size_t n = 0;
			if (!sibling(first, m) || !pts) {
				free(pts);
				continue;
			}
			for (size_t i = 0; i < r->n_benches; i++) {
				const struct an_bench *b = &r->benches[i];
				json_t *p = b->ok && !strcmp(b->name, first->name) ? json_deep_copy(b->params) : NULL;
				if (!p)
					continue;
				double x = json_number_value(json_object_get(p, xkey));
				json_object_del(p, xkey);
				for (size_t q = 0; same_json(p, g) && q < b->n_metrics; q++)
					if (!strcmp(b->metrics[q].name, m->name) && b->metrics[q].st.present)
						pts[n][0] = x, pts[n++][1] = b->metrics[q].st.p50;
				json_decref(p);
			}
			qsort(pts, n, sizeof(*pts), cmp_x);
			for (size_t q = 0; q < n; q++) {
				ch_put_val(&ch.data, pts[q][0], true);
				ch_put_val(&ch.data, pts[q][1], false);
				an_buf_put(&ch.data, "\n");
			}
			free(pts);
			if (!n)
				continue;
			an_buf_put(&ch.data, "\n\n");
			/* the line's title: the group's values and the metric */
			struct an_buf t = { 0 };
			json_object_foreach(g, k, v) {
				if (!strcmp(k, "cpl") || !param_varies(r, first->name, k, &nv))
					continue;
				char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
				an_buf_printf(&t, "%s=%s ", k, json_is_string(v) ? json_string_value(v) :
					      s ? s : "?");
				free(s);
			}
			an_buf_printf(&t, "%s", m->name);
			char *q = an_gp_quote(t.s ? t.s : m->name);
			an_buf_printf(&plots, "%sindex %zu using 1:2 with linespoints lw 2 pt 7 title %s",
				      blocks ? ", \\\n     \"\" " : "", blocks, q ? q : "''");
			free(q);
			an_buf_free(&t);
			blocks++;
		}
	}
	json_decref(groups);
	if (blocks) {
		char title[200];
		name_part(name, sizeof(name), "sweep-", first->name);
		ch.name = name;
		snprintf(title, sizeof(title), "%s: median against %s", first->name, xkey);
		snprintf(xl, sizeof(xl), "%s (log scale)", xkey);
		snprintf(yl, sizeof(yl), "median per %s (%s)", first->headline && strchr(first->headline, '/') ?
			 "access" : "operation", an_unit_short(first->unit));
		char *qx = an_gp_quote(xl), *qy = an_gp_quote(yl);
		ch.title = title;
		ch.subtitle = ch_subtitle(&r, 1);
		ch.unit = an_unit_short(first->unit);
		ch_var(&ch, "XLABEL", qx ? qx : "''");
		ch_var(&ch, "YLABEL", qy ? qy : "''");
		ch_var(&ch, "PLOTS", plots.s ? plots.s : "");
		ret = plots.oom ? -3 : ch_run(c, &ch);
		free(qx);
		free(qy);
	}
	ch_free(&ch);
	an_buf_free(&plots);
	return ret;
}

int an_chart_sweeps(struct an_plot_ctx *c, struct an_result *r, const char *stem)
{
	int ret = 0;

	for (size_t i = 0; i < r->n_benches && !ret; i++) {
		const struct an_bench *b = &r->benches[i];
		size_t j;

		if (!b->ok)
			continue;
		for (j = 0; j < i && (!r->benches[j].ok || strcmp(r->benches[j].name, b->name)); j++)
			;
		if (j == i)	/* first ok record of its name */
			ret = sweep_one(c, r, stem, b);
	}
	return ret;
}
