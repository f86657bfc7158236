/* The Xentrace charts of `hvbench plot` (issue 17): for the workloads that
 * ran in the guest and natively (the macro family), what the console's and
 * the report's Xentrace tables hold (probes/xentrace.h builds them from the
 * record): the guest's overhead over native per workload with its 95% CI
 * (`xentrace`), each workload's exits per run by reason, stacked
 * (`xentrace-exits`), and where the exit profile times the reasons, the
 * share of the overhead each one's time explains (`xentrace-time`).
 * Labels and reason names come from the file: they reach gnuplot quoted. */
#include "analysis/an_plot.h"
#include "analysis/plot_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/xentrace.h"

#define MAX_REASONS 12

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) && isfinite(json_number_value(v)) ? json_number_value(v) : NAN;
}

/* The workloads' tables, one per ok record (NULL where it has none). */
static json_t **tables(struct an_result *r, size_t *n)
{
	json_t *bs = json_object_get(r->root, "benchmarks"), *x, **t;
	size_t i;

	*n = json_array_size(bs);
	if (!*n || !(t = calloc(*n, sizeof(*t))))
		return NULL;
	json_array_foreach(bs, i, x)
		if (i < r->n_benches && r->benches[i].ok)
			t[i] = xentrace_table(x);
	return t;
}

static void free_tables(json_t **t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		json_decref(t[i]);
	free(t);
}

static void put_label(struct an_buf *b, struct an_result *r, size_t i)
{
	char *label = an_bench_label(&r, 1, &r->benches[i]);

	ch_put_label(b, label ? label : r->benches[i].name);
	free(label);
}

/* The overhead of each workload, % of its native median, with the 95% CI. */
static int overhead_chart(struct an_plot_ctx *c, struct an_result *r, const char *stem, json_t **t, size_t n)
{
	struct an_chart ch = { .name = "xentrace", .tpl = an_tpl_overhead, .stem = stem, .height = 620 };
	json_t *bs = json_object_get(r->root, "benchmarks");
	size_t rows = 0;
	char nrows[24];

	/* no header line: gnuplot's row numbers ($0) must start at the first workload */
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object_get(json_array_get(bs, i), "overhead");
		double v = num(t[i], "overhead_pct"), lo = num(o, "ci95_low"), hi = num(o, "ci95_high");

		if (!t[i] || isnan(v))
			continue;
		put_label(&ch.data, r, i);
		ch_put_val(&ch.data, v, false);
		/* no interval in the record: the point alone */
		ch_put_val(&ch.data, isnan(lo) ? v : lo, false);
		ch_put_val(&ch.data, isnan(hi) ? v : hi, false);
		an_buf_put(&ch.data, "\n");
		rows++;
	}
	if (!rows)
		return (ch_free(&ch), 0);
	snprintf(nrows, sizeof(nrows), "%zu", rows);
	ch.title = "Guest overhead over native per workload (median runs; bars: 95% CI)";
	ch.subtitle = ch_subtitle(&r, 1);
	ch.width = ch_width_for(rows * 2);
	ch_var(&ch, "NROWS", nrows);
	int ret = ch_run(c, &ch);
	ch_free(&ch);
	return ret;
}

/* The reasons the tables' rows name, first seen first (at most MAX_REASONS);
 * with timed, only the rows with a share of the overhead. */
static size_t reasons(json_t **t, size_t n, bool timed, const char **names, size_t *dropped)
{
	size_t nn = 0, k;
	json_t *v;

	*dropped = 0;
	for (size_t i = 0; i < n; i++)
		json_array_foreach(json_object_get(t[i], "rows"), k, v) {
			const char *name = json_string_value(json_object_get(v, "reason"));
			size_t j;

			if (!name || (timed && isnan(num(v, "share_of_overhead"))))
				continue;
			for (j = 0; j < nn && strcmp(names[j], name); j++)
				;
			if (j < nn)
				continue;
			if (nn < MAX_REASONS)
				names[nn++] = name;
			else
				(*dropped)++;
		}
	return nn;
}

/* One stacked bar per workload: its rows' `key` (count per run, or share
 * of the overhead in %) by reason. */
static int stacked(struct an_plot_ctx *c, struct an_result *r, const char *stem, json_t **t, size_t n,
		   bool timed)
{
	const char *names[MAX_REASONS];
	size_t dropped, nn = reasons(t, n, timed, names, &dropped), rows = 0;
	struct an_chart ch = { .name = timed ? "xentrace-time" : "xentrace-exits", .tpl = an_tpl_profile,
			       .stem = stem, .height = 620 };

	if (!nn) {
		if (timed)
			printf("%s: no workload's exit profile times its reasons (vmm_counters: in-kernel exits are counted, not timed): xentrace-time skipped\n",
			       r->path);
		return 0;
	}
	if (dropped)
		printf("%s: %zu exit reasons past the first %d left out of the %s chart\n", r->path, dropped,
		       MAX_REASONS, ch.name);
	ch_put_label(&ch.data, "workload");
	for (size_t k = 0; k < nn; k++) {
		an_buf_put(&ch.data, " ");
		ch_put_label(&ch.data, names[k]);
	}
	an_buf_put(&ch.data, "\n");
	for (size_t i = 0; i < n; i++) {
		json_t *rs = json_object_get(t[i], "rows"), *v;
		size_t k;

		if (!json_array_size(rs))
			continue;
		put_label(&ch.data, r, i);
		for (size_t j = 0; j < nn; j++) {
			double d = 0;

			json_array_foreach(rs, k, v)
				if (!strcmp(json_string_value(json_object_get(v, "reason")) ?: "", names[j])) {
					double x = num(v, timed ? "share_of_overhead" : "count");
					d = isnan(x) || x < 0 ? 0 : timed ? 100 * x : x;
				}
			ch_put_val(&ch.data, d, false);
		}
		an_buf_put(&ch.data, "\n");
		rows++;
	}
	if (!rows)
		return (ch_free(&ch), 0);
	return ch_run_stacked(c, &ch, r, rows, nn,
			      timed ? "Share of each workload's overhead its timed exits explain, by reason (Xentrace table)" :
				      "VM exits per workload run by reason (Xentrace table)",
			      timed ? "\"% of the overhead (guest less native)\"" : "\"exits per run\"");
}

int an_chart_xentrace(struct an_plot_ctx *c, struct an_result *r, const char *stem)
{
	size_t n = 0, have = 0;
	json_t **t = tables(r, &n);
	int ret;

	for (size_t i = 0; t && i < n; i++)
		have += t[i] != NULL;
	if (!have) {
		free_tables(t, n);
		return 0;
	}
	ret = overhead_chart(c, r, stem, t, n);
	if (!ret)
		ret = stacked(c, r, stem, t, n, false);
	if (!ret)
		ret = stacked(c, r, stem, t, n, true);
	free_tables(t, n);
	return ret;
}
