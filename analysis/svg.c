/* Inline SVG charts (bars with whiskers, CDFs, stacked bars, trends) written
 * as text: small, deterministic output that any browser renders offline. */
#include "analysis/an_svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const palette[] = {
	"#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3",
	"#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD",
};

#define N_COLORS (sizeof(palette) / sizeof(palette[0]))

const char *an_svg_color(size_t i)
{
	return palette[i % N_COLORS];
}

/* Axis mapping, linear or log10. */
struct axis {
	double lo, hi;
	bool log;
	double px0, px1;
};

static double ax_map(const struct axis *a, double v)
{
	double t;

	if (a->log) {
		if (v <= 0)
			v = a->lo;
		t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	} else {
		t = (v - a->lo) / (a->hi - a->lo);
	}
	if (!(t >= 0))
		t = 0;
	if (t > 1)
		t = 1;
	return a->px0 + t * (a->px1 - a->px0);
}

static double nice_step(double range, int ticks)
{
	double raw = range / ticks, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static void fit_axis(struct axis *a, double lo, double hi, bool allow_log)
{
	if (!(hi > 0))
		hi = 1;
	a->log = allow_log && lo > 0 && hi / lo > 100;
	if (a->log) {
		a->lo = pow(10, floor(log10(lo)));
		a->hi = pow(10, ceil(log10(hi)));
	} else {
		double step = nice_step(hi, 5);

		a->lo = 0;
		a->hi = ceil(hi / step) * step;
	}
}

/* Vertical grid lines and tick labels for a horizontal value axis. */
static void x_ticks(struct an_buf *b, const struct axis *a, double y0,
		    double y1)
{
	char num[32];

	if (a->log) {
		for (double v = a->lo; v <= a->hi * 1.0001; v *= 10) {
			double x = ax_map(a, v);

			an_fmt_num(num, sizeof(num), v);
			an_buf_printf(b, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='grid'/>"
				      "<text x='%.1f' y='%.1f' class='tick' text-anchor='middle'>%s</text>\n",
				      x, y0, x, y1, x, y1 + 14, num);
		}
		return;
	}
	double step = nice_step(a->hi - a->lo, 5);

	for (double v = a->lo; v <= a->hi + step * 0.01; v += step) {
		double x = ax_map(a, v);

		an_fmt_num(num, sizeof(num), v);
		an_buf_printf(b, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='grid'/>"
			      "<text x='%.1f' y='%.1f' class='tick' text-anchor='middle'>%s</text>\n",
			      x, y0, x, y1, x, y1 + 14, num);
	}
}

static void svg_open(struct an_buf *b, double w, double h, const char *title)
{
	an_buf_printf(b, "<svg xmlns='http://www.w3.org/2000/svg' class='chart' viewBox='0 0 %.0f %.0f' width='%.0f' height='%.0f' role='img'><title>",
		      w, h, w, h);
	an_buf_html(b, title);
	an_buf_put(b, "</title>\n");
}

static void text(struct an_buf *b, double x, double y, const char *cls,
		 const char *anchor, const char *s)
{
	an_buf_printf(b, "<text x='%.1f' y='%.1f' class='%s' text-anchor='%s'>",
		      x, y, cls, anchor);
	an_buf_html(b, s);
	an_buf_put(b, "</text>\n");
}

/* text() with a tooltip (@tip: the whole of a shortened @s), both escaped */
static void text_tip(struct an_buf *b, double x, double y, const char *cls,
		     const char *anchor, const char *s, const char *tip)
{
	an_buf_printf(b, "<text x='%.1f' y='%.1f' class='%s' text-anchor='%s'>",
		      x, y, cls, anchor);
	if (tip) {
		an_buf_put(b, "<title>");
		an_buf_html(b, tip);
		an_buf_put(b, "</title>");
	}
	an_buf_html(b, s);
	an_buf_put(b, "</text>\n");
}

void an_svg_bars(struct an_buf *b, const char *title, const char *unit,
		 const struct an_svg_bar *rows, size_t n)
{
	double lo = INFINITY, hi = 0, row_h = 24, top = 10;
	double h = top + n * row_h + 40;
	struct axis a = { .px0 = 220, .px1 = 700 };
	char num[32], axis_label[96];

	for (size_t i = 0; i < n; i++) {
		double v[3] = { rows[i].p10, rows[i].p50, rows[i].p90 };

		for (int k = 0; k < 3; k++) {
			if (v[k] > 0 && v[k] < lo)
				lo = v[k];
			if (v[k] > hi)
				hi = v[k];
		}
	}
	fit_axis(&a, isinf(lo) ? 1 : lo, hi, true);
	svg_open(b, 800, h, title);
	x_ticks(b, &a, top, top + n * row_h);
	for (size_t i = 0; i < n; i++) {
		const struct an_svg_bar *r = &rows[i];
		double y = top + i * row_h, x0 = ax_map(&a, a.log ? a.lo : 0);
		double x1 = ax_map(&a, r->p50);

		text(b, 212, y + 16, r->highlight ? "lbl warn" : "lbl", "end",
		     r->label);
		if (isnan(r->p50))
			continue;
		an_buf_printf(b, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' class='%s'/>\n",
			      x0, y + 4, x1 - x0 > 0.5 ? x1 - x0 : 0.5, row_h - 8,
			      r->highlight ? "bar warn" : "bar");
		if (!isnan(r->p10) && !isnan(r->p90)) {
			double w0 = ax_map(&a, r->p10), w1 = ax_map(&a, r->p90);
			double ym = y + row_h / 2;

			an_buf_printf(b, "<path d='M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f' class='whisker'/>\n",
				      w0, ym, w1, w0, ym - 5, ym + 5, w1, ym - 5, ym + 5);
		}
		an_fmt_num(num, sizeof(num), r->p50);
		text(b, 708, y + 16, "val", "start", num);
	}
	snprintf(axis_label, sizeof(axis_label), "median per operation (%s%s), whiskers p10-p90",
		 an_unit_short(unit), a.log ? ", log scale" : "");
	text(b, 460, h - 6, "axis", "middle", axis_label);
	an_buf_put(b, "</svg>\n");
}

static int cmp_double(const void *x, const void *y)
{
	double p = *(const double *)x, q = *(const double *)y;

	return p < q ? -1 : p > q;
}

void an_svg_cdf(struct an_buf *b, const char *title, const char *unit,
		const struct an_svg_series *s, size_t n)
{
	double lo = INFINITY, hi = 0, top = 10, bottom = 290;
	struct axis a = { .px0 = 60, .px1 = 600 };
	char axis_label[96];

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < s[i].n; k++) {
			if (s[i].x[k] > 0 && s[i].x[k] < lo)
				lo = s[i].x[k];
			if (s[i].x[k] > hi)
				hi = s[i].x[k];
		}
	if (isinf(lo))
		lo = 1;
	a.log = true;
	a.lo = pow(10, floor(log10(lo)));
	a.hi = pow(10, ceil(log10(hi > lo ? hi : lo * 10)));
	svg_open(b, 800, 330, title);
	x_ticks(b, &a, top, bottom);
	for (int q = 0; q <= 4; q++) {
		double y = bottom - q * (bottom - top) / 4;
		char lbl[16];

		snprintf(lbl, sizeof(lbl), "%.2g", q / 4.0);
		an_buf_printf(b, "<line x1='60' y1='%.1f' x2='600' y2='%.1f' class='grid'/>", y, y);
		text(b, 54, y + 4, "tick", "end", lbl);
	}
	for (size_t i = 0; i < n; i++) {
		size_t m = s[i].n < 300 ? s[i].n : 300;
		double *x = malloc((s[i].n ? s[i].n : 1) * sizeof(*x));

		if (!x || !s[i].n) {
			free(x);
			continue;
		}
		memcpy(x, s[i].x, s[i].n * sizeof(*x));
		qsort(x, s[i].n, sizeof(*x), cmp_double);
		an_buf_printf(b, "<polyline fill='none' stroke='%s' stroke-width='1.8' points='",
			      an_svg_color(i));
		/* 300 quantiles per curve look the same as 4096 points */
		for (size_t k = 0; k < m; k++) {
			size_t idx = m > 1 ? k * (s[i].n - 1) / (m - 1) : 0;

			an_buf_printf(b, "%.1f,%.1f ", ax_map(&a, x[idx]),
				      bottom - (double)(idx + 1) / s[i].n * (bottom - top));
		}
		an_buf_put(b, "'/>\n");
		free(x);
		an_buf_printf(b, "<rect x='612' y='%.1f' width='12' height='4' fill='%s'/>",
			      top + 4 + i * 18, an_svg_color(i));
		text(b, 630, top + 10 + i * 18, "lbl", "start", s[i].label);
	}
	snprintf(axis_label, sizeof(axis_label), "cost per operation (%s, log scale); y: fraction of samples below",
		 an_unit_short(unit));
	text(b, 330, 322, "axis", "middle", axis_label);
	an_buf_put(b, "</svg>\n");
}

void an_svg_stacked(struct an_buf *b, const char *title, const char *unit,
		    const char *const *row_labels, size_t n_rows,
		    const char *const *seg_names, size_t n_segs,
		    const double *vals)
{
	double hi = 0, row_h = 30, top = 30;
	double h = top + n_rows * row_h + 40;
	struct axis a = { .px0 = 160, .px1 = 740 };
	char axis_label[96], num[32];

	for (size_t r = 0; r < n_rows; r++) {
		double sum = 0;

		for (size_t s = 0; s < n_segs; s++)
			sum += vals[r * n_segs + s] > 0 ? vals[r * n_segs + s] : 0;
		if (sum > hi)
			hi = sum;
	}
	fit_axis(&a, 0, hi, false);
	svg_open(b, 800, h, title);
	for (size_t s = 0; s < n_segs; s++) {
		an_buf_printf(b, "<rect x='%.1f' y='6' width='12' height='12' fill='%s'/>",
			      160 + s * 140.0, an_svg_color(s));
		text(b, 176 + s * 140.0, 16, "lbl", "start", seg_names[s]);
	}
	x_ticks(b, &a, top, top + n_rows * row_h);
	for (size_t r = 0; r < n_rows; r++) {
		double y = top + r * row_h, x = a.px0, sum = 0;

		text(b, 152, y + 19, "lbl", "end", row_labels[r]);
		for (size_t s = 0; s < n_segs; s++) {
			double v = vals[r * n_segs + s] > 0 ? vals[r * n_segs + s] : 0;
			double w = ax_map(&a, sum + v) - ax_map(&a, sum);

			an_buf_printf(b, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'><title>",
				      x, y + 4, w, row_h - 8, an_svg_color(s));
			an_buf_html(b, seg_names[s]);
			an_fmt_num(num, sizeof(num), v);
			an_buf_printf(b, ": %s</title></rect>\n", num);
			x += w;
			sum += v;
		}
		an_fmt_num(num, sizeof(num), sum);
		text(b, x + 6, y + 19, "val", "start", num);
	}
	snprintf(axis_label, sizeof(axis_label), "%s per I/O exit", an_unit_short(unit));
	text(b, 450, h - 6, "axis", "middle", axis_label);
	an_buf_put(b, "</svg>\n");
}

void an_svg_trend(struct an_buf *b, const char *title, const char *unit,
		  const struct an_svg_point *p, size_t n, bool alert)
{
	double lo = INFINITY, hi = -INFINITY, x0 = 60, x1 = 540, top = 10,
	       bottom = 130;
	char num[32];
	bool sub = n && (p[0].sub || p[n - 1].sub);

	for (size_t i = 0; i < n; i++) {
		double v[3] = { p[i].p10, p[i].p50, p[i].p90 };

		for (int k = 0; k < 3; k++) {
			if (!isnan(v[k]) && v[k] < lo)
				lo = v[k];
			if (!isnan(v[k]) && v[k] > hi)
				hi = v[k];
		}
	}
	if (isinf(lo)) {
		lo = 0;
		hi = 1;
	}
	if (hi - lo < hi * 0.02) { /* a flat line still needs some height */
		lo -= hi * 0.01 + 0.5;
		hi += hi * 0.01 + 0.5;
	}
#define TX(i) (n > 1 ? x0 + (x1 - x0) * (double)(i) / (double)(n - 1) : (x0 + x1) / 2)
#define TY(v) (bottom - ((v) - lo) / (hi - lo) * (bottom - top))
	svg_open(b, 560, sub ? 174 : 160, title);
	for (int q = 0; q <= 2; q++) {
		double v = lo + (hi - lo) * q / 2, y = TY(v);

		an_fmt_num(num, sizeof(num), v);
		an_buf_printf(b, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='grid'/>",
			      x0, y, x1, y);
		text(b, x0 - 6, y + 4, "tick", "end", num);
	}
	an_buf_put(b, "<polygon class='band' points='");
	for (size_t i = 0; i < n; i++)
		an_buf_printf(b, "%.1f,%.1f ", TX(i), TY(isnan(p[i].p90) ? p[i].p50 : p[i].p90));
	for (size_t i = n; i-- > 0;)
		an_buf_printf(b, "%.1f,%.1f ", TX(i), TY(isnan(p[i].p10) ? p[i].p50 : p[i].p10));
	an_buf_put(b, "'/>\n<polyline class='trend' points='");
	for (size_t i = 0; i < n; i++)
		an_buf_printf(b, "%.1f,%.1f ", TX(i), TY(p[i].p50));
	an_buf_put(b, "'/>\n");
	for (size_t i = 0; i < n; i++)
		an_buf_printf(b, "<circle cx='%.1f' cy='%.1f' r='%s' class='%s'/>",
			      TX(i), TY(p[i].p50), i + 1 == n ? "4" : "2.2",
			      i + 1 == n && alert ? "pt alert" : "pt");
	if (n) {
		text(b, x0, 150, "tick", "start", p[0].when ? p[0].when : "");
		if (n > 1)
			text(b, x1, 150, "tick", "end", p[n - 1].when ? p[n - 1].when : "");
		if (p[0].sub)
			text_tip(b, x0, 164, "tick", "start", p[0].sub, p[0].sub_full);
		if (n > 1 && p[n - 1].sub)
			text_tip(b, x1, 164, "tick", "end", p[n - 1].sub, p[n - 1].sub_full);
	}
	text(b, (x0 + x1) / 2, 150, "tick", "middle", an_unit_short(unit));
#undef TX
#undef TY
	an_buf_put(b, "</svg>\n");
}
