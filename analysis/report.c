/* `hvbench report RESULT.json`: one self-contained HTML page (inline CSS and
 * SVG, no script, nothing fetched) describing one run. */
#include "analysis/an.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_devices.h"
#include "analysis/an_html.h"
#include "analysis/an_result.h"
#include "analysis/an_svg.h"
#include "analysis/an_xentrace.h"
#include "analysis/an_util.h"
#include "hvbench/safefile.h"

static const char report_usage[] =
	"usage: hvbench report RESULT.json [-o report.html]\n"
	"\n"
	"Writes one self-contained HTML page (inline CSS and SVG charts, no\n"
	"JavaScript, nothing loaded from the network): host, a table and a chart\n"
	"per benchmark family, suspect benchmarks highlighted and explained,\n"
	"benchmarks that were not measured with their reasons, distributions,\n"
	"the I/O-exit breakdown and the device models' % of bare metal when present.\n"
	"\n"
	"  -o, --output FILE  where to write (default report.html; '-': stdout),\n"
	"                     atomically: the old page or the whole new one\n"
	"  -h, --help         this text\n"
	"\n"
	"exit: 0 done, 2 bad command line or a result file read but invalid,\n"
	"      4 FILE could not be written or the result file read\n";

static void td_num(struct an_buf *b, double v, const char *unit)
{
	char num[32];

	an_fmt_num(num, sizeof(num), v);
	an_buf_printf(b, "<td class='num'>%s", num);
	if (unit && !isnan(v))
		an_buf_printf(b, " <span class='muted small'>%s</span>", an_unit_short(unit));
	an_buf_put(b, "</td>");
}

static void kv(struct an_buf *b, const char *k, const char *v)
{
	an_buf_printf(b, "<tr><th>%s</th><td>", k);
	an_buf_html(b, v ? v : "-");
	an_buf_put(b, "</td></tr>\n");
}

static void kv_num(struct an_buf *b, const char *k, double v, const char *suffix)
{
	char num[64];

	if (isnan(v))
		snprintf(num, sizeof(num), "-");
	else
		snprintf(num, sizeof(num), "%.6g%s", v, suffix);
	kv(b, k, num);
}

static void host_block(struct an_buf *b, const struct an_result *r)
{
	const struct an_host *h = &r->host;
	char tsc[96];

	an_buf_put(b, "<section id='host'><h2>Host</h2><table class='kv' id='host-table'>\n");
	kv(b, "hostname", h->hostname);
	kv(b, "backend", h->backend);
	kv(b, "paging", h->paging);
	kv(b, "arch", h->arch);
	kv(b, "CPU", h->cpu_model);
	kv(b, "kernel", h->kernel);
	kv(b, "emulated", !h->emulated_known ? NULL : h->emulated ?
	   "yes: costs are emulated instructions, not time" : "no");
	if (isnan(h->tsc_khz))
		snprintf(tsc, sizeof(tsc), "-");
	else
		snprintf(tsc, sizeof(tsc), "%.6g MHz%s", h->tsc_khz / 1e3,
			 !h->tsc_invariant_known ? "" : h->tsc_invariant ?
			 ", invariant" : ", NOT invariant");
	kv(b, "counter (TSC / CNTFRQ)", tsc);
	kv_num(b, "CPL0 slowdown", h->cpl0_slowdown, "x");
	/* PMU figures, or why there are none */
	json_t *hj = json_object_get(r->root, "host");
	json_t *pa = json_object_get(hj, "pmu_available");
	const char *pr = json_string_value(json_object_get(hj, "pmu_reason"));
	if (json_is_boolean(pa))
		kv(b, "PMU", json_is_true(pa) ? "available: pmu_events counts host PMU events per op" :
		   pr ? pr : "unavailable");
	kv_num(b, "CPUs", h->nr_cpus, "");
	kv(b, "suite", r->suite_name);
	kv(b, "started", r->started);
	kv(b, "finished", r->finished);
	if (r->interrupted)
		kv(b, "interrupted", "yes: the run was stopped, later benchmarks are missing");
	an_buf_put(b, "</table></section>\n");
}

static void summary(struct an_buf *b, const struct an_result *r)
{
	size_t ok = 0, sus = 0, uns = 0, bad = 0;

	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *x = &r->benches[i];

		ok += x->ok;
		sus += x->ok && x->suspect;
		uns += !strcmp(x->status, "unsupported");
		bad += !x->ok && strcmp(x->status, "unsupported");
	}
	an_buf_printf(b, "<section id='summary'><h2>Summary</h2><div class='cards'>"
		      "<div class='card'><b>%zu</b>measured</div>"
		      "<div class='card%s'><b>%zu</b>suspect</div>"
		      "<div class='card'><b>%zu</b>unsupported here</div>"
		      "<div class='card%s'><b>%zu</b>failed</div></div>\n",
		      ok, sus ? " warn" : "", sus, uns, bad ? " bad" : "", bad);
	if (sus) {
		an_buf_put(b, "<div class='callout' id='suspects'><b>Suspect results.</b> "
			      "For these benchmarks KVM's own statistics counted a different number of "
			      "exits per operation than the benchmark is built to cause (more than 5% off). "
			      "The cost shown may then include extra exits (e.g. a hypercall that traps twice, "
			      "interrupts or page faults) or miss the one it meant to measure: read the "
			      "figures with care.<ul>");
		for (size_t i = 0; i < r->n_benches; i++) {
			const struct an_bench *x = &r->benches[i];

			if (!x->ok || !x->suspect)
				continue;
			an_buf_put(b, "<li><b>");
			an_buf_html(b, x->name);
			if (x->variant) {
				an_buf_put(b, " [");
				an_buf_html(b, x->variant);
				an_buf_put(b, "]");
			}
			an_buf_put(b, "</b>: ");
			an_buf_html(b, x->suspect_reason ? x->suspect_reason :
				       "exits per operation off the expectation");
			an_buf_put(b, "</li>");
		}
		an_buf_put(b, "</ul></div>\n");
	}
	an_buf_put(b, "</section>\n");
}

static void bench_row(struct an_buf *b, struct an_result *r,
		      const struct an_bench *x)
{
	char *label = an_bench_label(&r, 1, x);
	const char *cls = x->ok && x->suspect ? " class='suspect'" : "";

	an_buf_printf(b, "<tr%s><td>", cls);
	an_buf_html(b, label ? label : x->name);
	free(label);
	an_buf_put(b, "</td><td>");
	an_buf_printf(b, "<span class='badge b-%s'>", x->ok ? "ok" :
		      !strcmp(x->status, "unsupported") ? "unsupported" : "failed");
	an_buf_html(b, x->status);
	an_buf_put(b, "</span>");
	if (x->ok && x->suspect)
		an_buf_put(b, " <span class='badge b-suspect'>suspect</span>");
	json_t *cpl = json_object_get(x->params, "cpl");
	if (json_is_integer(cpl))
		an_buf_printf(b, "</td><td class='num'>%d", (int)json_integer_value(cpl));
	else
		an_buf_put(b, "</td><td class='num muted'>-");
	an_buf_put(b, "</td>");
	if (!x->ok) {
		an_buf_put(b, "<td colspan='7' class='muted'>");
		an_buf_html(b, x->reason ? x->reason : "no reason given");
		an_buf_put(b, "</td></tr>\n");
		return;
	}
	/* the median, and in ns where the counter's rate is known */
	an_buf_put(b, "<td class='num'>");
	{
		char v[32];
		an_fmt_num(v, sizeof(v), x->cycles.p50);
		an_buf_html(b, v);
		an_buf_put(b, " <span class='muted'>");
		an_buf_html(b, x->unit ? x->unit : "");
		an_buf_put(b, "</span>");
		if (x->counter_hz > 0 && !isnan(x->counter_hz) && x->unit && strcmp(x->unit, "instructions")) {
			an_fmt_num(v, sizeof(v), x->cycles.p50 * 1e9 / x->counter_hz);
			an_buf_printf(b, "<br><span class='muted small'>%s ns</span>", v);
		}
	}
	an_buf_put(b, "</td><td class='num'>");
	{
		char lo[32], hi[32];

		an_fmt_num(lo, sizeof(lo), x->cycles.p10);
		an_fmt_num(hi, sizeof(hi), x->cycles.p90);
		an_buf_printf(b, "%s &ndash; %s</td><td class='num'>", lo, hi);
		an_fmt_num(lo, sizeof(lo), x->cycles.ci95_low);
		an_fmt_num(hi, sizeof(hi), x->cycles.ci95_high);
		an_buf_printf(b, "%s &ndash; %s</td><td class='num'>", lo, hi);
		an_fmt_num(lo, sizeof(lo), x->exits);
		an_fmt_num(hi, sizeof(hi), x->expected_exits);
		an_buf_printf(b, "%s <span class='muted'>/ %s</span></td>", lo, hi);
	}
	if (x->vmm_user.present)
		td_num(b, x->vmm_user.p50, "cycles");
	else
		an_buf_put(b, "<td class='num muted'>-</td>");
	td_num(b, x->cycles.n, NULL);
	/* how far the repetitions' medians lie apart: the run-to-run spread
	 * compare's verdicts weigh */
	if (x->n_reps >= 2) {
		/* relative to their own middle: a family's headline (per
		 * access, per packet) need not be what repetitions record */
		double lo = INFINITY, hi = -INFINITY, sum = 0;
		for (size_t k = 0; k < x->n_reps; k++) {
			lo = x->rep_p50[k] < lo ? x->rep_p50[k] : lo;
			hi = x->rep_p50[k] > hi ? x->rep_p50[k] : hi;
			sum += x->rep_p50[k];
		}
		double mid = sum / (double)x->n_reps;
		an_buf_printf(b, "<td class='num'>%zu reps, &plusmn;%.1f%%</td>", x->n_reps,
			      mid > 0 ? 50 * (hi - lo) / mid : 0.0);
	} else {
		an_buf_printf(b, "<td class='num muted'>%zu rep</td>", x->n_reps);
	}
	an_buf_put(b, "</tr>\n");
	if (x->suspect) {
		an_buf_put(b, "<tr class='suspect-note'><td></td><td colspan='9'>&#9888; ");
		an_buf_html(b, x->suspect_reason ? x->suspect_reason :
			       "exits per operation miss the expectation by more than 5%");
		an_buf_put(b, "</td></tr>\n");
	}
}

static void family_section(struct an_buf *b, struct an_result *r,
			   const char *family)
{
	struct an_svg_bar *bars = calloc(r->n_benches + 1, sizeof(*bars));
	char **labels = calloc(r->n_benches + 1, sizeof(*labels));
	char slug[96], title[160];
	size_t nb = 0;

	an_html_slug(slug, sizeof(slug), family);
	an_buf_printf(b, "<section class='family' id='family-%s'><h2>", slug);
	an_buf_html(b, family);
	char cplh[96] = "";
	if (!isnan(r->host.cpl0_slowdown) && r->host.cpl0_slowdown > 0)
		snprintf(cplh, sizeof(cplh), " <span class='muted small'>(CPL0 runs %.3gx CPL3's time here)</span>",
			 r->host.cpl0_slowdown);
	an_buf_printf(b, "</h2><table class='results' id='table-%s'><thead><tr>"
		      "<th>benchmark</th><th>status</th><th>cpl%s</th><th>median</th><th>p10 &ndash; p90</th>"
		      "<th>95%% CI of median</th><th>exits/op <span class='muted'>/ expected</span></th>"
		      "<th>VMM user p50</th><th>n</th><th>spread of repetition medians</th></tr></thead><tbody>\n",
		      slug, cplh);
	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *x = &r->benches[i];

		if (strcmp(x->family ? x->family : "other", family))
			continue;
		bench_row(b, r, x);
		if (x->ok && bars && labels) {
			labels[nb] = an_bench_label(&r, 1, x);
			bars[nb] = (struct an_svg_bar){
				.label = labels[nb] ? labels[nb] : x->name,
				.p10 = x->cycles.p10, .p50 = x->cycles.p50,
				.p90 = x->cycles.p90, .highlight = x->suspect,
			};
			nb++;
		}
	}
	an_buf_put(b, "</tbody></table>\n");
	if (nb) {
		snprintf(title, sizeof(title), "%s: median cost per operation", family);
		an_svg_bars(b, title, an_result_unit(r), bars, nb);
	}
	an_buf_put(b, "</section>\n");
	for (size_t i = 0; labels && i < nb; i++)
		free(labels[i]);
	free(labels);
	free(bars);
}

static void not_measured(struct an_buf *b, const struct an_result *r)
{
	bool any = false;

	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *x = &r->benches[i];

		if (x->ok)
			continue;
		if (!any)
			an_buf_put(b, "<section id='not-measured'><h2>Not measured</h2>"
				      "<table class='results' id='table-not-measured'><thead><tr>"
				      "<th>benchmark</th><th>status</th><th>reason</th></tr></thead><tbody>\n");
		any = true;
		an_buf_put(b, "<tr><td>");
		an_buf_html(b, x->name);
		an_buf_printf(b, "</td><td><span class='badge b-%s'>",
			      !strcmp(x->status, "unsupported") ? "unsupported" : "failed");
		an_buf_html(b, x->status);
		an_buf_put(b, "</span></td><td>");
		an_buf_html(b, x->reason ? x->reason : "no reason given");
		an_buf_put(b, "</td></tr>\n");
	}
	if (any)
		an_buf_put(b, "</tbody></table></section>\n");
}

/* The 0x22e study's question, answered for every record that has segments. */
static void breakdown(struct an_buf *b, const struct an_result *r)
{
	const char *segs[16], *rows[64];
	double vals[64 * 16];
	size_t ns = 0, nr = 0;

	for (size_t i = 0; i < r->n_benches; i++)
		for (size_t s = 0; s < r->benches[i].n_segments; s++) {
			size_t k;

			for (k = 0; k < ns && strcmp(segs[k], r->benches[i].segments[s].name); k++)
				;
			if (k == ns && ns < 16)
				segs[ns++] = r->benches[i].segments[s].name;
		}
	for (size_t i = 0; i < r->n_benches && nr < 64; i++) {
		const struct an_bench *x = &r->benches[i];

		if (!x->ok || !x->n_segments)
			continue;
		rows[nr] = x->variant ? x->variant : x->name;
		for (size_t k = 0; k < ns; k++) {
			vals[nr * ns + k] = 0;
			for (size_t s = 0; s < x->n_segments; s++)
				if (!strcmp(x->segments[s].name, segs[k]))
					vals[nr * ns + k] = !isnan(x->segments[s].share) &&
						x->cycles.present ?
						x->segments[s].share * x->cycles.p50 :
						x->segments[s].st.p50;
		}
		nr++;
	}
	if (!nr)
		return;
	an_buf_put(b, "<section id='io-breakdown'><h2>Where the cycles of one I/O exit go</h2>"
		      "<p class='muted'>Round-trip median of each variant split by the measured share of "
		      "each segment (exit, dispatch, device model, entry).</p>\n");
	an_svg_stacked(b, "Where the cycles of one I/O exit go", an_result_unit(r), rows,
		       nr, segs, ns, vals);
	an_buf_put(b, "</section>\n");
}

/* Every record's exit profile (docs/results-schema.md, exit_profile): by
 * reason, exits per op, mean and p99 time per exit and share of the window,
 * the method named beside the benchmark. Read from the file as written. */
static void profiles(struct an_buf *b, const struct an_result *r)
{
	json_t *bs = json_object_get(r->root, "benchmarks"), *x;
	size_t i, rows = 0;

	json_array_foreach(bs, i, x) {
		json_t *p = json_object_get(x, "exit_profile"), *v;
		json_t *rs = json_object_get(p, "reasons");
		const char *unit = json_string_value(json_object_get(p, "unit"));
		const char *method = json_string_value(json_object_get(p, "method"));
		const char *k, *name = json_string_value(json_object_get(x, "name"));
		json_t *cpl = json_object_get(json_object_get(x, "params"), "cpl");
		bool first = true;

		if (!json_is_object(rs) || !unit || !method || !name)
			continue;
		if (!rows++)
			an_buf_put(b, "<section id='exit-profiles'><h2>Exit profiles</h2>"
				      "<p class='muted'>Per exit reason of each benchmark's measured window: exits per "
				      "operation, the time each took and the share of the window. <em>vmm_counters</em>: the "
				      "exits that reach user space, the VMM's own time on each (KVM's in-kernel exits only "
				      "counted, as <em>in KVM, unseen</em>); <em>tracepoints</em>: kvm:kvm_exit to "
				      "kvm:kvm_entry, every reason, from a short separate run.</p>\n"
				      "<table><thead><tr><th>benchmark</th><th>method</th><th>reason</th>"
				      "<th>exits/op</th><th>mean/exit</th><th>p99/exit</th><th>share of window</th>"
				      "</tr></thead><tbody>\n");
		json_object_foreach(rs, k, v) {
			if (json_integer_value(json_object_get(v, "count")) <= 0)
				continue;	/* the call channel's, taken out */
			an_buf_put(b, "<tr><td>");
			if (first) {
				an_buf_html(b, name);
				if (json_is_integer(cpl))
					an_buf_printf(b, " cpl%d", (int)json_integer_value(cpl));
			}
			an_buf_put(b, "</td><td>");
			an_buf_html(b, first ? method : "");
			an_buf_put(b, "</td><td>");
			an_buf_html(b, k);
			an_buf_put(b, "</td>");
			td_num(b, json_number_value(json_object_get(v, "per_op")), NULL);
			json_t *m = json_object_get(v, "time_mean"), *q = json_object_get(v, "time_p99");
			td_num(b, json_is_number(m) ? json_number_value(m) : NAN, unit);
			td_num(b, json_is_number(q) ? json_number_value(q) : NAN, unit);
			json_t *sh = json_object_get(v, "share_of_window");
			td_num(b, json_is_number(sh) ? 100 * json_number_value(sh) : NAN, "%");
			an_buf_put(b, "</tr>\n");
			first = false;
		}
		json_t *ik = json_object_get(p, "in_kernel_per_op");
		if (json_is_number(ik)) {
			an_buf_put(b, "<tr><td>");
			if (first)
				an_buf_html(b, name);
			an_buf_put(b, "</td><td>");
			an_buf_html(b, first ? method : "");
			an_buf_put(b, "</td><td class='muted'>in KVM, unseen</td>");
			td_num(b, json_number_value(ik), NULL);
			an_buf_put(b, "<td class='num muted'>-</td><td class='num muted'>-</td>"
				      "<td class='num muted'>-</td></tr>\n");
		}
	}
	if (rows)
		an_buf_put(b, "</tbody></table></section>\n");
}

static void distributions(struct an_buf *b, struct an_result *r)
{
	struct an_svg_series *s = calloc(r->n_benches + 1, sizeof(*s));
	size_t n = 0;

	char (*labels)[160] = calloc(r->n_benches + 1, sizeof(*labels));

	for (size_t i = 0; s && labels && i < r->n_benches; i++) {
		const struct an_bench *x = &r->benches[i];
		char *l;

		if (!x->ok || !x->n_samples)
			continue;
		l = an_bench_label(&r, 1, x);
		snprintf(labels[n], sizeof(labels[n]), "%s", l ? l : x->variant ? x->variant : x->name);
		free(l);
		s[n] = (struct an_svg_series){ labels[n], x->samples, x->n_samples };
		n++;
	}
	if (n) {
		an_buf_put(b, "<section id='distributions'><h2>Distributions</h2>"
			      "<p class='muted'>Empirical CDF of the stored per-operation samples "
			      "(a vertical line is a tight benchmark; a long tail to the right is jitter). "
			      "Every benchmark with samples is drawn, ten to a chart: more curves than that "
			      "one legend cannot tell apart.</p>\n");
		/* every row, in charts of ten */
		for (size_t k = 0; k < n; k += 10) {
			char t[96];
			size_t m = n - k < 10 ? n - k : 10;

			if (n > 10)
				snprintf(t, sizeof(t), "CDF of per-operation samples (%zu-%zu of %zu)", k + 1, k + m, n);
			else
				snprintf(t, sizeof(t), "CDF of per-operation samples");
			an_svg_cdf(b, t, an_result_unit(r), s + k, m);
		}
		an_buf_put(b, "</section>\n");
	}
	free(labels);
	free(s);
}

/* Builds the whole page for @r into @b. */
void an_report_html(struct an_result *r, struct an_buf *b)
{
	const char *fams[64];
	size_t nf = 0;
	char title[256], note[512];

	snprintf(title, sizeof(title), "hvbench report: %s (%s)", r->host.hostname,
		 r->host.backend);
	an_html_head(b, title);
	an_buf_put(b, "<header class='top'><div><h1>");
	an_buf_html(b, title);
	an_buf_put(b, "</h1><p>");
	an_buf_html(b, an_basename(r->path));
	if (r->started) {
		an_buf_put(b, " &middot; ");
		an_buf_html(b, r->started);
	}
	an_buf_printf(b, " &middot; %zu benchmarks &middot; unit: ", r->n_benches);
	an_buf_html(b, an_result_unit(r) ? an_result_unit(r) : "-");
	an_buf_put(b, "</p></div></header>\n<main>\n");
	host_block(b, r);
	summary(b, r);
	for (size_t i = 0; i < r->n_benches; i++) {
		const char *f = r->benches[i].family ? r->benches[i].family : "other";
		size_t k;

		for (k = 0; k < nf && strcmp(fams[k], f); k++)
			;
		if (k == nf && nf < 64)
			fams[nf++] = f;
	}
	for (size_t k = 0; k < nf; k++)
		family_section(b, r, fams[k]);
	breakdown(b, r);
	an_report_devices(b, r);
	profiles(b, r);
	an_report_xentrace(b, r);
	distributions(b, r);
	not_measured(b, r);
	snprintf(note, sizeof(note), "Generated by hvbench report from %s (written by %s %s%s%s). "
		 "Medians and quantiles are per operation, probe overhead subtracted.",
		 an_basename(r->path), "hvbench", r->tool_version ? r->tool_version : "?",
		 r->tool_git ? ", git " : "", r->tool_git ? r->tool_git : "");
	an_html_foot(b, note);
}

int an_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = "report.html";
	struct an_result *r;
	struct an_buf page = { 0 };
	char err[1024];
	int ch, rc, ret = AN_EXIT_OK;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return AN_EXIT_OK;
		default:
			fputs(report_usage, stderr);
			return AN_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "report: need exactly one RESULT.json\n%s", report_usage);
		return AN_EXIT_USAGE;
	}
	/* An unwritable destination is found before any work is done. */
	if (sf_check(out, SF_STDOUT_OK, err, sizeof(err))) {
		fprintf(stderr, "report: %s\n", err);
		return AN_EXIT_OUTPUT;
	}
	rc = an_result_load(argv[optind], AN_LOAD_SAMPLES, &r, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "report: %s\n", err);
		return an_load_exit(rc);
	}
	an_report_html(r, &page);
	if (page.oom) {
		fprintf(stderr, "report: %s: out of memory\n", out);
		ret = AN_EXIT_OUTPUT;
	} else if (sf_write(out, page.s, page.len, SF_STDOUT_OK, err,
			    sizeof(err))) {
		fprintf(stderr, "report: %s\n", err);
		ret = AN_EXIT_OUTPUT;
	} else if (!sf_is_stdout(out)) {
		printf("wrote %s\n", out);
	}
	an_buf_free(&page);
	an_result_free(r);
	return ret;
}
