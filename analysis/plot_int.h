/* Internal to the charts of `hvbench plot` (plot_charts.c and the
 * families' chart files): one chart's data and script variables, and the
 * runner that quotes what came from a file and hands it to gnuplot. */
#ifndef ANALYSIS_PLOT_INT_H
#define ANALYSIS_PLOT_INT_H

#include "analysis/an_plot.h"
#include "analysis/an_util.h"

struct chart {
	const char *name; /* file name part, e.g. "medians" */
	const char *tpl;
	const char *title;
	char *subtitle;
	const char *stem;
	const char *unit; /* may come from the file: quoted by chart_run */
	struct an_buf data;
	struct an_plot_var extra[8];
	size_t n_extra;
	unsigned width, height;
};

/* A label into a data file as "..." in the label set (an_gp_put_datum). */
void an_ch_label(struct an_buf *b, const char *s);
/* A number, or "?" (gnuplot's missing) for NaN, inf, or <= 0 on a log axis. */
void an_ch_val(struct an_buf *b, double v, bool log);
/* The hosts of @rs, for a chart's subtitle (malloc'ed; NULL on OOM). */
char *an_ch_subtitle(struct an_result *const *rs, size_t nr);
/* One more @NAME@ for the chart's template (at most 8). */
void an_ch_var(struct chart *ch, const char *name, const char *value);
/* Renders and runs @ch once per requested format (0, -1, -2, -3 as the
 * an_chart_* functions). */
int an_ch_run(struct an_plot_ctx *c, struct chart *ch);
void an_ch_free(struct chart *ch);
/* A bar chart's width for @n bars, in pixels. */
unsigned an_ch_width(size_t n);

#endif
