/* Inline SVG charts drawn in C for the HTML report and the dashboard, so that
 * pages need neither gnuplot nor JavaScript nor anything from the network. */
#ifndef ANALYSIS_AN_SVG_H
#define ANALYSIS_AN_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/an_util.h"

struct an_svg_bar {
	const char *label;
	double p10, p50, p90;
	bool highlight; /* drawn in the warning colour (suspect) */
};

/* Horizontal bars of medians with p10-p90 whiskers; log axis when the values
 * span more than two decades. @title goes into <title> for screen readers. */
void an_svg_bars(struct an_buf *b, const char *title, const char *unit,
		 const struct an_svg_bar *rows, size_t n);

struct an_svg_series {
	const char *label;
	const double *x; /* samples, any order */
	size_t n;
};

/* Empirical CDFs on a log axis, one line per series. */
void an_svg_cdf(struct an_buf *b, const char *title, const char *unit,
		const struct an_svg_series *s, size_t n);

/* Horizontal stacked bars: @vals is n_rows x n_segs, row-major. */
void an_svg_stacked(struct an_buf *b, const char *title, const char *unit,
		    const char *const *row_labels, size_t n_rows,
		    const char *const *seg_names, size_t n_segs,
		    const double *vals);

struct an_svg_point {
	const char *when; /* x label (date) */
	double p10, p50, p90;
	const char *sub;      /* a second x label line (the kernel), or NULL */
	const char *sub_full; /* its whole text, the label's tooltip, or NULL */
};

/* Median over time with a p10-p90 band; @alert marks the last point. The
 * first and last points' when (and sub) label the ends of the x axis. */
void an_svg_trend(struct an_buf *b, const char *title, const char *unit,
		  const struct an_svg_point *pts, size_t n, bool alert);

/* The palette shared by charts and the pages' legends. */
const char *an_svg_color(size_t i);

#endif
