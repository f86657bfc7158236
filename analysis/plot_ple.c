/* The PLE family's curves in `hvbench plot` (issue 16): for the spinlock
 * records of a file, acquisitions per second and vCPU 0's p99 acquire
 * latency against the vCPUs N, one line per variant, PLE setting, halt
 * polling and host CPU set M, both axes logarithmic: overcommit (N > M)
 * shows as the lines falling and the tail rising. Parameter values come
 * from the file: they reach gnuplot quoted. */
#include "analysis/an_plot.h"
#include "analysis/plot_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 16

static const char *pstr(const struct an_bench *b, const char *k)
{
	const char *s = json_string_value(json_object_get(b->params, k));

	return s ? s : "";
}

/* The line a record belongs on: its parameters but vcpus. */
static void line_key(const struct an_bench *b, char *out, size_t len)
{
	snprintf(out, len, "%s, PLE %s, halt poll %s, CPUs %s", pstr(b, "variant"), pstr(b, "ple"),
		 pstr(b, "halt_poll"), *pstr(b, "cpus") ? pstr(b, "cpus") : "any");
}

static double metric(const struct an_bench *b, const char *name, bool p99)
{
	for (size_t i = 0; i < b->n_metrics; i++)
		if (!strcmp(b->metrics[i].name, name))
			return p99 ? (b->metrics[i].stats && b->metrics[i].st.present ? b->metrics[i].st.p99 : NAN) :
				     b->metrics[i].value;
	return NAN;
}

static int cmp_x(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

static int curve(struct an_plot_ctx *c, struct an_result *r, const char *stem, bool p99)
{
	char keys[MAX_LINES][200];
	size_t nk = 0, blocks = 0;
	struct an_chart ch = { .name = p99 ? "spinlock-p99" : "spinlock-rate", .tpl = an_tpl_curves,
			       .stem = stem, .width = 1100, .height = 620 };
	struct an_buf plots = { 0 };
	const char *unit = NULL;
	int ret = 0;

	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *b = &r->benches[i];
		char k[200];
		size_t j;

		if (!b->ok || strcmp(b->name, "spinlock"))
			continue;
		unit = unit ? unit : b->unit;
		line_key(b, k, sizeof(k));
		for (j = 0; j < nk && strcmp(keys[j], k); j++)
			;
		if (j == nk && nk < MAX_LINES)
			snprintf(keys[nk++], sizeof(keys[0]), "%s", k);
	}
	for (size_t l = 0; l < nk; l++) {
		double (*pts)[2] = calloc(r->n_benches, sizeof(*pts));
		size_t n = 0;

		for (size_t i = 0; pts && i < r->n_benches; i++) {
			const struct an_bench *b = &r->benches[i];
			json_t *v = json_object_get(b->params, "vcpus");
			char k[200];
			double y;

			if (!b->ok || strcmp(b->name, "spinlock") || !json_is_integer(v))
				continue;
			line_key(b, k, sizeof(k));
			y = p99 ? metric(b, "cycles", true) : metric(b, "acquisitions_per_s", false);
			if (strcmp(k, keys[l]) || isnan(y) || y <= 0)
				continue;
			pts[n][0] = (double)json_integer_value(v);
			pts[n++][1] = y;
		}
		if (pts)
			qsort(pts, n, sizeof(*pts), cmp_x);
		for (size_t q = 0; q < n; q++) {
			ch_put_val(&ch.data, pts[q][0], true);
			ch_put_val(&ch.data, pts[q][1], true);
			an_buf_put(&ch.data, "\n");
		}
		free(pts);
		if (!n)
			continue;
		an_buf_put(&ch.data, "\n\n");
		char *q = an_gp_quote(keys[l]);
		an_buf_printf(&plots, "%sindex %zu using 1:2 with linespoints lw 2 pt 7 title %s",
			      blocks ? ", \\\n     \"\" " : "", blocks, q ? q : "''");
		free(q);
		blocks++;
	}
	if (blocks) {
		char yl[160];
		snprintf(yl, sizeof(yl), p99 ? "vCPU 0's p99 acquire latency (%s, log scale)" :
			 "acquisitions per second, all vCPUs (log scale)", an_unit_short(unit));
		char *qy = an_gp_quote(yl);
		ch.title = p99 ? "spinlock: the acquire latency's tail against vCPUs" :
				 "spinlock: acquisitions per second against vCPUs (N > CPUs: overcommit)";
		ch.subtitle = ch_subtitle(&r, 1);
		ch.unit = an_unit_short(unit);
		ch_var(&ch, "XLABEL", "\"vCPUs N (log scale)\"");
		ch_var(&ch, "YLABEL", qy ? qy : "''");
		ch_var(&ch, "PLOTS", plots.s ? plots.s : "");
		ret = plots.oom ? -3 : ch_run(c, &ch);
		free(qy);
	}
	ch_free(&ch);
	an_buf_free(&plots);
	return ret;
}

int an_chart_spinlock(struct an_plot_ctx *c, struct an_result *r, const char *stem)
{
	int ret = curve(c, r, stem, false);

	return ret ? ret : curve(c, r, stem, true);
}
