/* Pages of the dashboard site: index.html (hosts, regressions, x86 vs ARM)
 * and one page per host with trend charts. Output depends only on the
 * inputs, so unchanged pages are left untouched on re-runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_dash.h"
#include "analysis/an_html.h"
#include "analysis/an_svg.h"
#include "analysis/an_util.h"

/* A host's name, or what it is where it has none worth the name (an
 * emulated arm64 machine's initramfs calls itself "(none)"). */
static const char *host_label(const struct an_result *r, char *buf, size_t len)
{
	const char *h = r->host.hostname;

	if (h && *h && strcmp(h, "(none)") && strcmp(h, "localhost") &&
	    strcmp(h, "localhost.localdomain"))
		return h;
	snprintf(buf, len, "unnamed %s host (%s)", r->host.arch ? r->host.arch : "",
		 r->host.cpu_model && *r->host.cpu_model ? r->host.cpu_model :
		 r->host.backend ? r->host.backend : "?");
	return buf;
}

static void num_cell(struct an_buf *b, double v, const char *unit)
{
	char num[32];

	an_fmt_num(num, sizeof(num), v);
	an_buf_printf(b, "<td class='num'>%s", num);
	if (unit && !isnan(v))
		an_buf_printf(b, " <span class='muted small'>%s</span>", an_unit_short(unit));
	an_buf_put(b, "</td>");
}

static const char *row_class(const struct an_cmp_row *row)
{
	return row->verdict == AN_V_SLOWER ? " class='regression'" :
	       row->verdict == AN_V_FASTER ? " class='improvement'" : "";
}

static void cmp_cells(struct an_buf *b, const struct an_cmp *c,
		      const struct an_cmp_row *row)
{
	const char *unit = c->mode == AN_CMP_NS ? "ns" : NULL;

	if (row->verdict == AN_V_NONE) {
		num_cell(b, row->base && row->base->ok ? row->base->cycles.p50 : NAN,
			 row->base ? row->base->unit : NULL);
		num_cell(b, row->cur && row->cur->ok ? row->cur->cycles.p50 : NAN,
			 row->cur ? row->cur->unit : NULL);
		an_buf_put(b, "<td></td><td></td><td class='muted'>");
		an_buf_html(b, row->note);
		an_buf_put(b, "</td>");
		return;
	}
	num_cell(b, row->base_val, unit ? unit : row->base->unit);
	num_cell(b, row->cur_val, unit ? unit : row->cur->unit);
	if (isnan(row->lo))
		an_buf_printf(b, "<td class='num'>%.3f</td>", row->ratio);
	else
		an_buf_printf(b, "<td class='num'>%.3f <span class='muted small'>[%.3f, %.3f]</span></td>",
			      row->ratio, row->lo, row->hi);
	if (isnan(row->p))
		an_buf_put(b, "<td class='num'>-</td>");
	else if (row->p < 1e-4)
		an_buf_put(b, "<td class='num'>&lt;1e-4</td>");
	else
		an_buf_printf(b, "<td class='num'>%.4f</td>", row->p);
	an_buf_printf(b, "<td><span class='badge b-%s'>%s</span></td>",
		      row->verdict == AN_V_REF ? "same" : an_verdict_name(row->verdict),
		      an_verdict_name(row->verdict));
}

static const char *run_date(const struct dash_file *f)
{
	return f->res->started ? f->res->started : f->rel;
}

static void hosts_table(struct an_buf *b, struct dash *d)
{
	an_buf_put(b, "<section id='hosts'><h2>Hosts</h2><table id='hosts-table'><thead><tr>"
		      "<th>host</th><th>suite</th><th>backend</th><th>arch</th><th>unit</th><th>runs</th>"
		      "<th>latest run</th><th>latest vs previous (same host and suite)</th></tr></thead><tbody>\n");
	for (size_t k = 0; k < d->n_hosts; k++) {
		struct dash_host *h = &d->hosts[k];
		struct an_result *r = h->runs[h->n_runs - 1]->res;

		an_buf_printf(b, "<tr%s><td><a href='host-%s.html'>",
			      h->have_cmp && h->cmp.n_slower ? " class='regression'" : "", h->slug);
		char hl[200];
		an_buf_html(b, host_label(r, hl, sizeof(hl)));
		an_buf_put(b, "</a></td><td>");
		an_buf_html(b, r->suite_name ? r->suite_name : "-");
		an_buf_put(b, "</td><td>");
		an_buf_html(b, r->host.backend);
		if (r->host.emulated)
			an_buf_put(b, " <span class='badge b-emulated' title='an emulated machine: figures are emulated instruction counts, not time'>emulated</span>");
		an_buf_put(b, "</td><td>");
		an_buf_html(b, r->host.arch ? r->host.arch : "-");
		an_buf_put(b, "</td><td>");
		an_buf_html(b, an_unit_short(an_result_unit(r)));
		an_buf_printf(b, "</td><td class='num'>%zu</td><td>", h->n_runs);
		an_buf_html(b, run_date(h->runs[h->n_runs - 1]));
		an_buf_put(b, "</td><td>");
		if (!h->have_cmp)
			an_buf_html(b, h->n_runs < 2 ? "only one run" : h->cmp_err);
		else if (!h->cmp.n_slower && !h->cmp.n_faster)
			an_buf_put(b, "<span class='badge b-same'>no significant change</span>");
		if (h->have_cmp && h->cmp.n_slower)
			an_buf_printf(b, "<span class='badge b-slower'>%zu slower</span> ", h->cmp.n_slower);
		if (h->have_cmp && h->cmp.n_faster)
			an_buf_printf(b, "<span class='badge b-faster'>%zu faster</span>", h->cmp.n_faster);
		an_buf_put(b, "</td></tr>\n");
	}
	an_buf_put(b, "</tbody></table></section>\n");
}

static void regressions(struct an_buf *b, struct dash *d)
{
	size_t n = 0;

	an_buf_printf(b, "<section id='regressions'><h2>Regressions of the latest runs</h2>"
		      "<p class='muted'>Latest run of each host against its previous run: slower when "
		      "Mann-Whitney p &lt; %g and the median moved by more than %g%%.</p>\n",
		      d->opts.alpha, d->opts.threshold * 100);
	for (size_t k = 0; k < d->n_hosts; k++) {
		struct dash_host *h = &d->hosts[k];

		for (size_t i = 0; h->have_cmp && i < h->cmp.n_rows; i++) {
			const struct an_cmp_row *row = &h->cmp.rows[i];

			if (row->verdict != AN_V_SLOWER)
				continue;
			if (!n++)
				an_buf_put(b, "<table id='regressions-table'><thead><tr><th>host</th>"
					      "<th>benchmark</th><th>previous</th><th>latest</th>"
					      "<th>ratio [95% CI]</th><th>p</th><th>verdict</th></tr></thead><tbody>\n");
			an_buf_printf(b, "<tr class='regression'><td><a href='host-%s.html'>", h->slug);
			char hl[200];
			an_buf_html(b, host_label(h->latest, hl, sizeof(hl)));
			an_buf_put(b, "</a> <span class='muted small'>");
			an_buf_html(b, h->latest->host.backend);
			an_buf_put(b, ", ");
			an_buf_html(b, h->latest->suite_name ? h->latest->suite_name : "-");
			an_buf_put(b, "</span></td><td>");
			an_buf_html(b, row->base->name);
			if (row->base->variant) {
				an_buf_put(b, " [");
				an_buf_html(b, row->base->variant);
				an_buf_put(b, "]");
			}
			an_buf_put(b, "</td>");
			cmp_cells(b, &h->cmp, row);
			an_buf_put(b, "</tr>\n");
		}
	}
	if (n)
		an_buf_put(b, "</tbody></table>\n");
	else
		an_buf_put(b, "<p id='no-regressions'>No significant regression in the latest runs.</p>\n");
	an_buf_put(b, "</section>\n");
}

static bool is_arm(const struct an_result *r)
{
	return r->host.arch && !strcmp(r->host.arch, "aarch64");
}

/* Raw costs of two architectures are in different units (TSC cycles,
 * counter ticks, emulated instructions); costs relative to the same
 * reference benchmark of each run are comparable. */
static void arch_panel(struct an_buf *b, struct dash *d)
{
	const char *ref = d->opts.ref;
	struct an_result *cols[64];
	const char *names[128];
	size_t nc = 0, nn = 0;
	bool x86 = false, arm = false;

	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < d->n_hosts && nc < 64; k++) {
			struct an_result *r = d->hosts[k].runs[d->hosts[k].n_runs - 1]->res;

			if (is_arm(r) != (pass == 1) || !an_result_find_name(r, ref))
				continue;
			cols[nc++] = r;
			x86 |= !is_arm(r);
			arm |= is_arm(r);
		}
	if (!x86 || !arm) {
		/* said, not left out: a reader looking for it learns why */
		an_buf_put(b, "<section id='arch-panel'><h2>x86 vs ARM</h2><p id='arch-panel-empty' class='muted'>");
		an_buf_printf(b, "Nothing to set side by side: the latest runs hold %s with the reference benchmark <b>",
			      !x86 && !arm ? "no host" : x86 ? "x86 hosts but no ARM host" : "ARM hosts but no x86 host");
		an_buf_html(b, ref);
		an_buf_put(b, "</b> (each architecture's medians are divided by it, since their units differ).</p></section>\n");
		return;
	}
	for (size_t c = 0; c < nc; c++)
		for (size_t i = 0; i < cols[c]->n_benches && nn < 128; i++) {
			const struct an_bench *x = &cols[c]->benches[i];
			size_t k;

			if (!x->ok || x->variant)
				continue;
			for (k = 0; k < nn && strcmp(names[k], x->name); k++)
				;
			if (k == nn)
				names[nn++] = x->name;
		}
	an_buf_put(b, "<section id='arch-panel'><h2>x86 vs ARM</h2><p class='muted'>Latest run of each host; "
		      "each median divided by the median of <b>");
	an_buf_html(b, ref);
	an_buf_put(b, "</b> in the same run, because raw units differ between architectures "
		      "(TSC cycles, counter ticks, emulated instructions).</p>"
		      "<table id='arch-table'><thead><tr><th>benchmark</th>");
	for (size_t c = 0; c < nc; c++) {
		an_buf_put(b, "<th>");
		char hl[200];
		an_buf_html(b, host_label(cols[c], hl, sizeof(hl)));
		an_buf_put(b, " <span class='muted small'>");
		an_buf_html(b, cols[c]->host.backend);
		an_buf_put(b, "</span></th>");
	}
	an_buf_put(b, "</tr></thead><tbody>\n");
	for (size_t k = 0; k < nn; k++) {
		an_buf_put(b, "<tr><td>");
		an_buf_html(b, names[k]);
		an_buf_put(b, "</td>");
		for (size_t c = 0; c < nc; c++) {
			const struct an_bench *x = an_result_find_name(cols[c], names[k]);
			const struct an_bench *rf = an_result_find_name(cols[c], ref);

			if (x && rf && rf->cycles.p50 > 0)
				an_buf_printf(b, "<td class='num'>%.3f</td>", x->cycles.p50 / rf->cycles.p50);
			else
				an_buf_put(b, "<td class='num muted'>-</td>");
		}
		an_buf_put(b, "</tr>\n");
	}
	an_buf_put(b, "</tbody></table></section>\n");
}

static void skipped(struct an_buf *b, struct dash *d)
{
	if (!d->n_skipped)
		return;
	an_buf_put(b, "<section id='skipped'><h2>Skipped files</h2><table><tbody>\n");
	for (size_t i = 0; i < d->n_files; i++) {
		if (!d->files[i].skip)
			continue;
		an_buf_put(b, "<tr><td>");
		an_buf_html(b, d->files[i].rel);
		an_buf_put(b, "</td><td class='muted'>");
		an_buf_html(b, d->files[i].skip);
		an_buf_put(b, "</td></tr>\n");
	}
	an_buf_put(b, "</tbody></table></section>\n");
}

static int write_page(struct dash *d, const char *name, struct an_buf *b,
		      char *err, size_t errlen)
{
	char *path = an_path_join(d->out_dir, name);
	int ret;

	if (!path || b->oom) {
		free(path);
		snprintf(err, errlen, "%s/%s: out of memory", d->out_dir, name);
		return -1;
	}
	ret = an_write_file(path, b->s, b->len, true, err, errlen);
	free(path);
	return ret ? -1 : 0;
}

/* A run's x-axis labels: its day and hvbench commit; the host's kernel
 * (the result file's text: control bytes become '?', a long one is cut,
 * never inside a UTF-8 character, and the whole is the tooltip). */
struct trend_label {
	char when[64], sub[48], full[256];
};

static void trend_label(struct trend_label *l, const struct dash_file *dr)
{
	const struct an_result *r = dr->res;
	const char *k = r->host.kernel;
	size_t n = 0, cut;

	snprintf(l->when, sizeof(l->when), "%s%s%.12s", r->started ? dr->day : dr->rel,
		 r->tool_git ? ", hvbench " : "", r->tool_git ? r->tool_git : "");
	for (; k && k[n] && n + 1 < sizeof(l->full); n++)
		l->full[n] = (unsigned char)k[n] < 0x20 || k[n] == 0x7f ? '?' : k[n];
	l->full[n] = '\0';
	if (!n) {
		l->sub[0] = '\0';
		return;
	}
	for (cut = n > 28 ? 28 : n; cut < n && ((unsigned char)l->full[cut] & 0xc0) == 0x80; cut--)
		;
	snprintf(l->sub, sizeof(l->sub), "kernel %.*s%s", (int)cut, l->full, cut < n ? "..." : "");
}

static void trends(struct an_buf *b, struct dash_host *h)
{
	struct an_result *latest = h->runs[h->n_runs - 1]->res;
	struct an_svg_point *pts = calloc(h->n_runs, sizeof(*pts));
	struct trend_label *lab = calloc(h->n_runs, sizeof(*lab));
	const char **keys = NULL;
	size_t nk = 0, cap = 0;

	if (!pts || !lab) {
		free(pts);
		free(lab);
		return;
	}
	/* the x axis: each run's day, the hvbench commit and the kernel it ran */
	for (size_t j = 0; j < h->n_runs; j++)
		trend_label(&lab[j], h->runs[j]);
	/* benchmarks of the latest run first, then those that disappeared */
	for (size_t j = h->n_runs; j-- > 0;) {
		struct an_result *r = h->runs[j]->res;

		for (size_t i = 0; i < r->n_benches; i++) {
			size_t k;

			if (!r->benches[i].ok)
				continue;
			for (k = 0; k < nk && strcmp(keys[k], r->benches[i].key); k++)
				;
			if (k < nk)
				continue;
			if (nk == cap) {
				const char **n = realloc(keys, (cap = cap ? cap * 2 : 32) * sizeof(*n));

				if (!n)
					break;
				keys = n;
			}
			keys[nk++] = r->benches[i].key;
		}
	}
	an_buf_put(b, "<section id='trends'><h2>Trends</h2><p class='muted'>Median per run "
		      "(line) with the p10&ndash;p90 band, oldest run left, each end labelled with its day, "
		      "the hvbench commit and the host's kernel it ran; a red last point is a "
		      "significant regression against the previous run.</p>\n"
		      "<div class='trend-grid'>\n");
	for (size_t k = 0; k < nk; k++) {
		const struct an_bench *any = NULL;
		bool alert = false;
		size_t n = 0;
		char slug[200];

		for (size_t j = 0; j < h->n_runs; j++) {
			const struct an_bench *x = an_result_find(h->runs[j]->res, keys[k]);

			if (!x || !x->ok)
				continue;
			any = x;
			pts[n++] = (struct an_svg_point){ lab[j].when, x->cycles.p10,
							  x->cycles.p50, x->cycles.p90,
							  lab[j].sub[0] ? lab[j].sub : NULL,
							  lab[j].full[0] ? lab[j].full : NULL };
		}
		for (size_t i = 0; h->have_cmp && i < h->cmp.n_rows; i++)
			if (h->cmp.rows[i].base && !strcmp(h->cmp.rows[i].base->key, keys[k]))
				alert = h->cmp.rows[i].verdict == AN_V_SLOWER;
		if (!any)
			continue;
		an_html_slug(slug, sizeof(slug), any->variant ? any->variant : any->name);
		an_buf_printf(b, "<figure id='trend-%s-%zu'><figcaption><b>", slug, k);
		an_buf_html(b, any->name);
		an_buf_put(b, "</b> ");
		an_buf_html(b, any->variant ? any->variant : "");
		if (alert)
			an_buf_put(b, " <span class='badge b-slower'>slower</span>");
		an_buf_put(b, "</figcaption>\n");
		an_svg_trend(b, any->name, any->unit, pts, n, alert);
		an_buf_put(b, "</figure>\n");
	}
	an_buf_put(b, "</div></section>\n");
	(void)latest;
	free(keys);
	free(pts);
	free(lab);
}

static void host_page(struct an_buf *b, struct dash_host *h)
{
	struct an_result *r = h->runs[h->n_runs - 1]->res;
	char title[300];

	char hl[200];
	snprintf(title, sizeof(title), "%s (%s), suite %s: hvbench runs", host_label(r, hl, sizeof(hl)),
		 r->host.backend, r->suite_name ? r->suite_name : "-");
	an_html_head(b, title);
	an_buf_put(b, "<header class='top'><div><h1>");
	an_buf_html(b, title);
	an_buf_printf(b, "</h1><p><a style='color:#c5d0e6' href='index.html'>&larr; all hosts</a> &middot; %zu runs &middot; ",
		      h->n_runs);
	an_buf_html(b, r->host.arch ? r->host.arch : "");
	an_buf_put(b, " &middot; ");
	an_buf_html(b, r->host.cpu_model ? r->host.cpu_model : "");
	an_buf_put(b, "</p></div></header>\n<main>\n<section id='latest'><h2>Latest run against the previous one</h2>\n");
	if (!h->have_cmp) {
		an_buf_put(b, "<p class='muted'>");
		an_buf_html(b, h->n_runs < 2 ? "Only one run so far." : h->cmp_err);
		an_buf_put(b, "</p>\n");
	} else {
		an_buf_put(b, "<p class='muted'>");
		an_buf_html(b, run_date(h->runs[h->n_runs - 2]));
		an_buf_put(b, " &rarr; ");
		an_buf_html(b, run_date(h->runs[h->n_runs - 1]));
		an_buf_put(b, "; ");
		an_buf_html(b, h->cmp.header);
		an_buf_put(b, "</p><table id='compare-table'><thead><tr><th>benchmark</th><th>previous</th>"
			      "<th>latest</th><th>ratio [95% CI]</th><th>p</th><th>verdict</th></tr></thead><tbody>\n");
		for (size_t i = 0; i < h->cmp.n_rows; i++) {
			const struct an_cmp_row *row = &h->cmp.rows[i];
			const struct an_bench *x = row->base ? row->base : row->cur;

			an_buf_printf(b, "<tr%s><td>", row_class(row));
			an_buf_html(b, x->name);
			if (x->variant) {
				an_buf_put(b, " [");
				an_buf_html(b, x->variant);
				an_buf_put(b, "]");
			}
			an_buf_put(b, "</td>");
			cmp_cells(b, &h->cmp, row);
			an_buf_put(b, "</tr>\n");
		}
		an_buf_put(b, "</tbody></table>\n");
	}
	an_buf_put(b, "</section>\n");
	trends(b, h);
	an_buf_put(b, "<section id='runs'><h2>Runs</h2><table id='runs-table'><thead><tr><th>started</th>"
		      "<th>file</th><th>suite</th><th>measured</th><th>suspect</th></tr></thead><tbody>\n");
	for (size_t j = h->n_runs; j-- > 0;) {
		struct an_result *x = h->runs[j]->res;
		size_t ok = 0, sus = 0;

		for (size_t i = 0; i < x->n_benches; i++) {
			ok += x->benches[i].ok;
			sus += x->benches[i].ok && x->benches[i].suspect;
		}
		an_buf_put(b, "<tr><td>");
		an_buf_html(b, run_date(h->runs[j]));
		an_buf_put(b, "</td><td>");
		an_buf_html(b, h->runs[j]->rel);
		an_buf_put(b, "</td><td>");
		an_buf_html(b, x->suite_name ? x->suite_name : "-");
		an_buf_printf(b, "</td><td class='num'>%zu</td><td class='num'>%zu</td></tr>\n", ok, sus);
	}
	an_buf_put(b, "</tbody></table></section>\n");
	an_html_foot(b, "Generated by hvbench dashboard.");
}

int an_dash_write_pages(struct dash *d, char *err, size_t errlen)
{
	struct an_buf b = { 0 };
	size_t runs = d->n_files - d->n_skipped;
	char sub[160];

	an_html_head(&b, "hvbench dashboard");
	snprintf(sub, sizeof(sub), "%zu runs on %zu hosts", runs, d->n_hosts);
	an_buf_put(&b, "<header class='top'><div><h1>hvbench dashboard</h1><p>");
	an_buf_html(&b, sub);
	an_buf_put(&b, "</p></div></header>\n<main>\n");
	hosts_table(&b, d);
	regressions(&b, d);
	arch_panel(&b, d);
	skipped(&b, d);
	an_html_foot(&b, "Generated by hvbench dashboard from the result files of the folder; "
			 "regressions use the same test as hvbench compare.");
	if (write_page(d, "index.html", &b, err, errlen)) {
		an_buf_free(&b);
		return -1;
	}
	for (size_t k = 0; k < d->n_hosts; k++) {
		char name[200];

		b.len = 0;
		if (b.s)
			b.s[0] = '\0';
		host_page(&b, &d->hosts[k]);
		snprintf(name, sizeof(name), "host-%s.html", d->hosts[k].slug);
		if (write_page(d, name, &b, err, errlen)) {
			an_buf_free(&b);
			return -1;
		}
	}
	an_buf_free(&b);
	return 0;
}
