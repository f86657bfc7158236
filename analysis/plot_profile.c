/* The exit-profile charts of `hvbench plot` (issue 15): for every record
 * with an exit_profile (docs/results-schema.md), its exits per operation by
 * reason, stacked, and the share of the measured window each reason took;
 * KVM's in-kernel exits the VMM cannot see are their own column ("in KVM,
 * unseen"). Reason names come from the file: they reach gnuplot quoted. */
#include "analysis/an_plot.h"
#include "analysis/plot_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REASONS 12
#define UNSEEN "in KVM, unseen"

/* The reasons any record counts, in first-seen order (at most
 * MAX_REASONS; the rest are left out of the chart and said so). */
static size_t reasons(json_t *bs, const char **names, bool *unseen, size_t *dropped)
{
	size_t n = 0, i;
	json_t *x;

	*unseen = false;
	*dropped = 0;
	json_array_foreach(bs, i, x) {
		json_t *p = json_object_get(x, "exit_profile"), *rs = json_object_get(p, "reasons"), *v;
		const char *k;

		if (json_is_number(json_object_get(p, "in_kernel_per_op")) &&
		    json_number_value(json_object_get(p, "in_kernel_per_op")) > 0)
			*unseen = true;
		json_object_foreach(rs, k, v) {
			size_t j;

			if (json_integer_value(json_object_get(v, "count")) <= 0)
				continue;
			for (j = 0; j < n && strcmp(names[j], k); j++)
				;
			if (j < n)
				continue;
			if (n < MAX_REASONS)
				names[n++] = k;
			else
				(*dropped)++;
		}
	}
	return n;
}

static double num_or_zero(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	double d = json_is_number(v) ? json_number_value(v) : 0;

	return isnan(d) || isinf(d) || d < 0 ? 0 : d;
}

/* One chart: `what` is "per_op" (exits per op) or "share_of_window" (%). */
static int one(struct an_plot_ctx *c, struct an_result *r, const char *stem,
	       const char *what, const char **names, size_t nn, bool unseen)
{
	bool share = !strcmp(what, "share_of_window");
	struct an_chart ch = { .name = share ? "profile-share" : "profile", .tpl = an_tpl_profile,
			       .stem = stem, .height = 620 };
	json_t *bs = json_object_get(r->root, "benchmarks"), *x;
	size_t rows = 0, i, cols = nn + (unseen && !share);

	ch_put_label(&ch.data, "benchmark");
	for (size_t k = 0; k < nn; k++) {
		an_buf_put(&ch.data, " ");
		ch_put_label(&ch.data, names[k]);
	}
	if (unseen && !share) {
		an_buf_put(&ch.data, " ");
		ch_put_label(&ch.data, UNSEEN);
	}
	an_buf_put(&ch.data, "\n");
	json_array_foreach(bs, i, x) {
		json_t *p = json_object_get(x, "exit_profile"), *rs = json_object_get(p, "reasons");
		char *label;

		if (!json_is_object(rs) || i >= r->n_benches || !r->benches[i].ok)
			continue;
		label = an_bench_label(&r, 1, &r->benches[i]);
		ch_put_label(&ch.data, label ? label : r->benches[i].name);
		free(label);
		for (size_t k = 0; k < nn; k++) {
			json_t *v = json_object_get(rs, names[k]);
			double d = num_or_zero(v, what);

			ch_put_val(&ch.data, share ? 100 * d : d, false);
		}
		if (unseen && !share)
			ch_put_val(&ch.data, num_or_zero(p, "in_kernel_per_op"), false);
		an_buf_put(&ch.data, "\n");
		rows++;
	}
	if (!rows || !cols)
		return (ch_free(&ch), 0);
	return ch_run_stacked(c, &ch, r, rows, cols,
			      share ? "Share of the measured window timed per exit reason (vmm_counters: the VMM's handling only; tracepoints: exit to entry)" :
				      "VM exits per operation by reason (exit profile)",
			      share ? "\"% of the measured window\"" : "\"exits per operation\"");
}

int an_chart_profile(struct an_plot_ctx *c, struct an_result *r, const char *stem)
{
	json_t *bs = json_object_get(r->root, "benchmarks");
	const char *names[MAX_REASONS];
	size_t dropped, nn;
	bool unseen;
	int ret;

	if (!json_is_array(bs))
		return 0;
	nn = reasons(bs, names, &unseen, &dropped);
	if (!nn && !unseen) {
		printf("%s: no exit_profile with exits recorded, profile charts skipped\n", r->path);
		return 0;
	}
	if (dropped)
		printf("%s: %zu exit reasons past the first %d left out of the profile charts\n",
		       r->path, dropped, MAX_REASONS);
	ret = one(c, r, stem, "per_op", names, nn, unseen);
	if (!ret && nn)
		ret = one(c, r, stem, "share_of_window", names, nn, false);
	return ret;
}
