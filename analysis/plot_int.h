/* What every chart of `hvbench plot` shares (plot_chart.c): the chart being
 * built (its data file, template and variables) and how it is rendered and
 * run once per format. Labels and units from a file are quoted here. */
#ifndef ANALYSIS_PLOT_INT_H
#define ANALYSIS_PLOT_INT_H

#include <stdbool.h>
#include <stddef.h>

/* after analysis/an_plot.h, whose chart half has no include guard */
#include "analysis/an_util.h"

struct an_chart {
	const char *name; /* file name part, e.g. "medians" */
	const char *tpl;
	const char *title;
	char *subtitle;
	const char *stem;
	const char *unit; /* may come from the file: quoted by ch_run */
	struct an_buf data;
	struct an_plot_var extra[8];
	size_t n_extra;
	unsigned width, height;
};

/* A label of the data file, quoted for gnuplot (an_gp_put_datum). */
void ch_put_label(struct an_buf *b, const char *s);
/* A value, "?" where it is missing (or not positive on a log axis). */
void ch_put_val(struct an_buf *b, double v, bool log);
/* "host NAME (backend, paging, arch), start" of up to four files. */
char *ch_subtitle(struct an_result *const *rs, size_t nr);
void ch_var(struct an_chart *ch, const char *name, const char *value);
/* Renders and runs the chart once per requested format: 0, or -1..-3 with
 * c->err (an_plot.h). */
int ch_run(struct an_plot_ctx *c, struct an_chart *ch);
void ch_free(struct an_chart *ch);
/* A stacked-bar chart of one file (an_tpl_profile: rows of cols values
 * after the label) titled, run and freed: ch_run's result. */
int ch_run_stacked(struct an_plot_ctx *c, struct an_chart *ch, struct an_result *r, size_t rows,
		   size_t cols, const char *title, const char *ylabel);
/* Pixels for n bars. */
unsigned ch_width_for(size_t n);

#endif
