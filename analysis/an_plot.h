/* gnuplot charts: the script templates (plot_templates.c) and the runner that
 * fills them in, feeds gnuplot from temporary files and checks what it says. */
#ifndef ANALYSIS_AN_PLOT_H
#define ANALYSIS_AN_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Script templates; "@NAME@" placeholders are filled by an_plot_render(). */
extern const char an_tpl_prologue[];
extern const char an_tpl_medians[];
extern const char an_tpl_cdf[];
extern const char an_tpl_exits[];
extern const char an_tpl_compare_medians[];
extern const char an_tpl_compare_ratio[];
extern const char an_tpl_breakdown[];
extern const char an_tpl_profile[];
extern const char an_tpl_overhead[];
extern const char an_tpl_curves[];
extern const char an_tpl_sweep[];
extern const char an_tpl_scaling[];
extern const char an_tpl_devices_native[];
extern const char an_tpl_devices_exits[];

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

/*
 * Text from result files (host names, benchmark names, variants, file
 * names) reaches gnuplot only through these (docs/analysis.md, "What plot
 * passes to gnuplot"). The label character set is printable ASCII (0x20 to
 * 0x7e) less " \ ` @ $; every other byte becomes '_'.
 */
#define AN_GP_MAX_LABEL 80  /* characters of a tick or key label */
#define AN_GP_MAX_TEXT 400  /* characters of a title or subtitle */

/* True for a byte of the label character set. */
bool an_gp_char_ok(unsigned char ch);
/* @s reduced to the label set, cut to @max characters ("..." at the end
 * when cut; 0: no limit). Malloc'ed; NULL on out of memory. */
char *an_gp_label(const char *s, size_t max);
/* @s as a complete single-quoted gnuplot literal, quotes included: reduced
 * to the label set (AN_GP_MAX_TEXT), ' doubled. gnuplot does no backtick
 * substitution and no escapes in single quotes. Malloc'ed. */
char *an_gp_quote(const char *s);
struct an_buf;
/* @s as a "..." field of a data file (label set, AN_GP_MAX_LABEL). */
void an_gp_put_datum(struct an_buf *b, const char *s);

/* Temporary folder for data files and scripts of one `plot` run. */
struct an_plot_run {
	char dir[4096];
	const char *gnuplot; /* command: $HVBENCH_GNUPLOT or "gnuplot" */
	unsigned n_files;
	bool keep; /* a chart failed: leave the files for the user */
	bool allow_root; /* --allow-root-tools: gnuplot may run as root */
	bool drop; /* we are root: gnuplot runs as uid/gid below */
	uid_t uid;
	gid_t gid;
	char user[64];
};

/*
 * Creates the private folder (see gnuplot.c). Under root picks the user
 * gnuplot will run as ($HVBENCH_TOOL_USER, default nobody); when there is
 * none, returns -2 with a message unless @allow_root. 0, -1 or -2.
 */
int an_plot_run_init(struct an_plot_run *run, bool allow_root, char *err,
		     size_t errlen);
/* @path relative to the private folder, as a script names it (gnuplot runs
 * there). Points into @path. */
const char *an_plot_rel(const struct an_plot_run *run, const char *path);
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
#ifndef ANALYSIS_AN_PLOT_CHARTS_H
#define ANALYSIS_AN_PLOT_CHARTS_H
#include "analysis/an_result.h"

struct an_plot_ctx {
	struct an_plot_run run;
	const char *outdir;
	const char *ref; /* reference benchmark when units differ */
	bool logscale, png, svg;
	/* no --log / --linear: the medians charts go logarithmic by
	 * themselves when their medians span more than 10x */
	bool log_auto;
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
/* Per file with exit profiles: <stem>-profile (exits per op by reason,
 * stacked, KVM's unseen in-kernel exits a column of their own) and
 * <stem>-profile-share (share of the measured window by reason, %). */
int an_chart_profile(struct an_plot_ctx *c, struct an_result *r, const char *stem);
/* Per file with spinlock records (the PLE family): <stem>-spinlock-rate
 * (acquisitions/s) and <stem>-spinlock-p99 against vCPUs, one line per
 * variant, PLE, halt polling and CPU set. Nothing when it has none. */
int an_chart_spinlock(struct an_plot_ctx *c, struct an_result *r, const char *stem);
/* The Xentrace charts of the workloads that ran in the guest and natively
 * (plot_xentrace.c): overhead with its CI, exits per run, the overhead's
 * timed share by reason. */
int an_chart_xentrace(struct an_plot_ctx *c, struct an_result *r, const char *stem);
/* Per file: for each benchmark whose records vary one numeric parameter over
 * three values or more, its headline (and the headline's sibling metrics,
 * per_access/guest and .../native) against it, log x, one line per group of
 * the other parameters: <stem>-sweep-<name>. */
int an_chart_sweeps(struct an_plot_ctx *c, struct an_result *r, const char *stem);
/* The devices family (plot_devices.c), when the file has nic records:
 * <stem>-devices-native (each model's packets/s as % of its native twin)
 * and <stem>-devices-exits (exits per packet: KVM's, by kind, and those
 * that reached the VMM). */
int an_chart_devices(struct an_plot_ctx *c, struct an_result *r, const char *stem);

#endif /* ANALYSIS_AN_PLOT_CHARTS_H */
