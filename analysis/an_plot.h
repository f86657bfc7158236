/* gnuplot charts: the script templates (plot_templates.c) and the runner that
 * fills them in, feeds gnuplot from temporary files and checks what it says. */
#ifndef ANALYSIS_AN_PLOT_H
#define ANALYSIS_AN_PLOT_H

#include <stdbool.h>
#include <stddef.h>

/* Script templates; "@NAME@" placeholders are filled by an_plot_render(). */
extern const char an_tpl_prologue[];
extern const char an_tpl_medians[];
extern const char an_tpl_cdf[];
extern const char an_tpl_exits[];
extern const char an_tpl_compare_medians[];
extern const char an_tpl_compare_ratio[];
extern const char an_tpl_breakdown[];

struct an_plot_var {
	const char *name; /* without the @s */
	const char *value;
};

/*
 * Substitutes every @NAME@ of @tpl from @vars (an unknown placeholder is an
 * error, so a typo in a template cannot silently reach gnuplot). Returns a
 * malloc'ed script or NULL with a message in @err.
 */
char *an_plot_render(const char *tpl, const struct an_plot_var *vars,
		     size_t n_vars, char *err, size_t errlen);

/* A string as a gnuplot double-quoted literal body (quotes, backslashes
 * escaped; control characters dropped). Malloc'ed. */
char *an_gp_quote(const char *s);

/* Temporary folder for data files and scripts of one `plot` run. */
struct an_plot_run {
	char dir[4096];
	const char *gnuplot; /* command: $HVBENCH_GNUPLOT or "gnuplot" */
	unsigned n_files;
	bool keep; /* a chart failed: leave the files for the user */
};

int an_plot_run_init(struct an_plot_run *run, char *err, size_t errlen);
void an_plot_run_cleanup(struct an_plot_run *run);
/* Writes @data to a new temporary file named after @stem; returns its path
 * (malloc'ed) or NULL with a message. */
char *an_plot_tmpfile(struct an_plot_run *run, const char *stem,
		      const char *data, size_t len, char *err, size_t errlen);

/* Where gnuplot draws the chart that ends up at @final: a new name in the
 * private folder (malloc'ed; NULL on out of memory). */
char *an_plot_staged(struct an_plot_run *run, const char *final);

/*
 * Runs gnuplot on @script for the chart called @chart and checks that it
 * exited 0, said nothing but warnings, and wrote @output; then, when @final
 * is set, copies @output there atomically (an_write_file), so a killed or
 * failed plot never leaves half a chart in the output folder. Returns 0; -1
 * with a one-line message in @err when gnuplot failed (first error line
 * quoted); -2 when gnuplot cannot be run at all; -3 when @final cannot be
 * written.
 */
int an_plot_exec(struct an_plot_run *run, const char *chart,
		 const char *script, const char *output, const char *final,
		 char *err, size_t errlen);

#endif

/* ---- charts of `hvbench plot` (plot_charts.c) --------------------------- */
#include "analysis/an_result.h"

struct an_plot_ctx {
	struct an_plot_run run;
	const char *outdir;
	const char *ref; /* reference benchmark when units differ */
	bool logscale, png, svg;
	unsigned n_written;
	char err[1024];
};

/*
 * Each writes its chart(s) as OUTDIR/<stem>-<chart>.{png,svg}. Return 0 (also
 * when there is nothing to draw, e.g. no samples), -1 when gnuplot failed,
 * -2 when it cannot be run, -3 when a file cannot be written; message in
 * ctx->err.
 */
int an_chart_medians(struct an_plot_ctx *c, struct an_result *r,
		     const char *stem);
int an_chart_cdf(struct an_plot_ctx *c, struct an_result *r, const char *stem);
int an_chart_exits(struct an_plot_ctx *c, struct an_result *r,
		   const char *stem);
int an_chart_breakdown(struct an_plot_ctx *c, struct an_result *r,
		       const char *stem);
int an_chart_compare(struct an_plot_ctx *c, struct an_result **rs, size_t nr);
