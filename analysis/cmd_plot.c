/* `hvbench plot RESULT.json... -o DIR`: per-file charts and, for several
 * files, comparison charts, drawn by gnuplot in PNG and SVG. */
#include "analysis/an.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_compare.h"
#include "analysis/an_plot.h"
#include "analysis/an_util.h"
#include "hvbench/safefile.h"

static const char plot_usage[] =
	"usage: hvbench plot RESULT.json... -o DIR [--log|--linear] [--format png,svg]\n"
	"                    [--allow-root-tools]\n"
	"\n"
	"Draws with gnuplot, for each file: medians with p10-p90 whiskers,\n"
	"CDF of the raw samples, exits per operation, the I/O-exit breakdown\n"
	"when the file has 0x22e study records, and each device model's share of\n"
	"native with its exits per packet when it has devices (nic) records;\n"
	"for several files also medians side by side and the ratio to the\n"
	"first file with its 95% CI.\n"
	"Files are named DIR/<file>-<chart>.png|svg and DIR/compare-*.png|svg.\n"
	"\n"
	"  -o, --output DIR  output folder (created); each chart is replaced\n"
	"                    atomically (never half a file)\n"
	"  --log, --linear   the medians charts' cost axis (default: logarithmic\n"
	"                    where the chart's medians span more than 10x, else\n"
	"                    linear; the choice is printed)\n"
	"  --format LIST     png, svg or png,svg (default png,svg)\n"
	"  --ref NAME        reference benchmark when units differ (mmio_user)\n"
	"  --allow-root-tools  under root, run gnuplot as root when no\n"
	"                    unprivileged user exists (otherwise refused)\n"
	"  -h, --help        this text\n"
	"\n"
	"gnuplot is found in PATH, or set HVBENCH_GNUPLOT. Under root it runs as\n"
	"$HVBENCH_TOOL_USER (default nobody); text from result files reaches it\n"
	"only as single-quoted strings and data (docs/analysis.md).\n"
	"exit: 0 done, 2 bad command line or a result file read but invalid,\n"
	"      4 DIR could not be written or a result file read, 5 gnuplot\n"
	"      missing, failed or refused to run as root (the chart is named)\n";

/* A label for the header line of a data file (an_gp_put_datum). */
static void put_head(struct an_buf *b, const char *s)
{
	an_buf_put(b, " ");
	an_gp_put_datum(b, s);
}

static int run_chart(struct an_plot_ctx *c, const char *tpl, const char *name,
		     const char *title, const char *ylabel, struct an_buf *data,
		     struct an_result **rs, size_t nr, size_t rows, size_t cols)
{
	struct an_buf sub = { 0 };
	char stem[300], ncols[24], nfiles[24], nrows[24], w[24], h[24], *dpath, *qt, *qs,
		*qy, *qd;
	size_t width = rows * cols * 30 + 400;
	int ret = 0;

	snprintf(stem, sizeof(stem), "compare-%s", name);
	for (size_t i = 0; i < nr && i < 4; i++)
		an_buf_printf(&sub, "%s%s%s on %s (%s)", i ? "; " : "",
			      i ? "" : "base ", an_basename(rs[i]->path),
			      rs[i]->host.hostname, rs[i]->host.backend);
	if (nr > 4)
		an_buf_printf(&sub, "; and %zu more", nr - 4);
	dpath = an_plot_tmpfile(&c->run, stem, data->s ? data->s : "",
				data->len, c->err, sizeof(c->err));
	if (!dpath || sub.oom) {
		an_buf_free(&sub);
		free(dpath);
		return -3;
	}
	qt = an_gp_quote(title);
	qs = an_gp_quote(sub.s ? sub.s : "");
	qy = an_gp_quote(ylabel);
	qd = an_gp_quote(an_plot_rel(&c->run, dpath));
	snprintf(ncols, sizeof(ncols), "%zu", cols + 1);
	snprintf(nfiles, sizeof(nfiles), "%zu", cols);
	snprintf(nrows, sizeof(nrows), "%zu", rows);
	width = width < 1000 ? 1000 : width > 4000 ? 4000 : width;
	snprintf(w, sizeof(w), "%zu", width);
	snprintf(h, sizeof(h), "%d", 640);
	for (int f = 0; f < 2 && !ret; f++) {
		const char *fmt = f ? "svg" : "png";
		char file[340], *out, *staged, *qo, *pro, *body, *script = NULL;

		if ((f == 0 && !c->png) || (f == 1 && !c->svg))
			continue;
		snprintf(file, sizeof(file), "%s.%s", stem, fmt);
		out = an_path_join(c->outdir, file);
		staged = out ? an_plot_staged(&c->run, out) : NULL;
		qo = staged ? an_gp_quote(an_plot_rel(&c->run, staged)) : NULL;
		struct an_plot_var vars[] = {
			{ "CHART", stem }, { "FORMAT", fmt }, { "WIDTH", w },
			{ "HEIGHT", h }, { "TITLE", qt ? qt : "''" },
			{ "SUBTITLE", qs ? qs : "''" }, { "DATA", qd ? qd : "''" },
			{ "OUTPUT", qo ? qo : "''" }, { "YLABEL", qy ? qy : "''" },
			{ "NCOLS", ncols }, { "NFILES", nfiles },
			{ "NROWS", nrows },
			{ "LOGSCALE", c->logscale ? "set logscale y 10" :
						    "unset logscale y" },
			{ "YMIN", c->logscale ? "*" : "0" },
		};
		size_t nv = sizeof(vars) / sizeof(vars[0]);

		pro = an_plot_render(an_tpl_prologue, vars, nv, c->err, sizeof(c->err));
		body = pro ? an_plot_render(tpl, vars, nv, c->err, sizeof(c->err)) : NULL;
		if (body && asprintf(&script, "%s%s", pro, body) < 0)
			script = NULL;
		if (!script)
			ret = -3;
		else if (!(ret = an_plot_exec(&c->run, stem, script, staged, out, c->err,
					      sizeof(c->err)))) {
			printf("wrote %s\n", out);
			c->n_written++;
		}
		free(script);
		free(body);
		free(pro);
		free(qo);
		free(staged);
		free(out);
	}
	free(qt);
	free(qs);
	free(qy);
	free(qd);
	free(dpath);
	an_buf_free(&sub);
	return ret;
}

/* The record named @name at @vcpus vCPUs in @r (the first ok one), or NULL. */
static const struct an_bench *at_vcpus(const struct an_result *r, const char *name, double vcpus)
{
	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *b = &r->benches[i];
		json_t *v = json_object_get(b->params, "vcpus");

		if (b->ok && b->cycles.present && !strcmp(b->name, name) && v &&
		    json_number_value(v) == vcpus)
			return &b[0];
	}
	return NULL;
}

/* vCPU scaling: for every benchmark measured at several "vcpus" (a generic
 * parameter), its median at each count in each file, normalised to its
 * median at 1 vCPU in the first shadow-paging file (else the first file
 * that has one): the slide's bars, "1 vCPU, software MMU" = 1. */
static int chart_scaling(struct an_plot_ctx *c, struct an_result **rs, size_t nr)
{
	int ret = 0;

	for (size_t i = 0; i < rs[0]->n_benches && !ret; i++) {
		const char *name = rs[0]->benches[i].name;
		double counts[16];
		size_t nc = 0, j;
		const struct an_bench *norm = NULL;
		const struct an_result *nf = NULL;

		for (j = 0; j < i && strcmp(rs[0]->benches[j].name, name); j++)
			;
		if (j < i)
			continue;	/* not the first record of its name */
		for (size_t f = 0; f < nr; f++)
			for (size_t k = 0; k < rs[f]->n_benches; k++) {
				const struct an_bench *b = &rs[f]->benches[k];
				json_t *v = json_object_get(b->params, "vcpus");
				double x = v ? json_number_value(v) : 0;
				size_t q;

				if (!b->ok || strcmp(b->name, name) || !(x >= 1))
					continue;
				for (q = 0; q < nc && counts[q] != x; q++)
					;
				if (q == nc && nc < 16)
					counts[nc++] = x;
			}
		for (size_t pass = 0; pass < 2 && !norm; pass++)
			for (size_t f = 0; f < nr && !norm; f++)
				if (pass || (rs[f]->host.paging && !strcmp(rs[f]->host.paging, "shadow")))
					if ((norm = at_vcpus(rs[f], name, 1)))
						nf = rs[f];
		if (nc < 2 || !norm || !(norm->cycles.p50 > 0))
			continue;
		for (size_t a = 1; a < nc; a++)	/* ascending */
			for (size_t b = a; b > 0 && counts[b - 1] > counts[b]; b--) {
				double t = counts[b];
				counts[b] = counts[b - 1], counts[b - 1] = t;
			}
		struct an_buf data = { 0 };
		char cname[64], title[200], ylabel[200];
		an_gp_put_datum(&data, "vcpus");
		for (size_t f = 0; f < nr; f++) {
			char head[200];
			snprintf(head, sizeof(head), "%s (%s)", an_basename(rs[f]->path),
				 rs[f]->host.paging ? rs[f]->host.paging : "?");
			put_head(&data, head);
		}
		an_buf_put(&data, "\n");
		for (size_t q = 0; q < nc; q++) {
			an_buf_printf(&data, "\"%g\"", counts[q]);
			for (size_t f = 0; f < nr; f++) {
				const struct an_bench *b = at_vcpus(rs[f], name, counts[q]);
				bool same_unit = b && b->unit && norm->unit && !strcmp(b->unit, norm->unit);
				if (same_unit)
					an_buf_printf(&data, " %.6g", b->cycles.p50 / norm->cycles.p50);
				else
					an_buf_put(&data, " ?");
			}
			an_buf_put(&data, "\n");
		}
		/* the chart's file name: [A-Za-z0-9_-] of the row's name only */
		size_t cn = (size_t)snprintf(cname, sizeof(cname), "scaling-");
		for (const char *p = name; *p && cn < 48; p++)
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
				cname[cn++] = *p;
		cname[cn] = '\0';
		/* The unit, not "time": emulated hosts count instructions. */
		snprintf(title, sizeof(title), "%s: %s per operation against vCPUs, normalised to 1 vCPU on %s",
			 name, norm->unit ? norm->unit : "cost",
			 nf->host.paging ? nf->host.paging : "the first file");
		snprintf(ylabel, sizeof(ylabel), "median / median at 1 vCPU (%s, %s)",
			 an_basename(nf->path), nf->host.paging ? nf->host.paging : "?");
		ret = data.oom ? -3 : run_chart(c, an_tpl_scaling, cname, title, ylabel, &data,
						rs, nr, nc, nr);
		an_buf_free(&data);
	}
	return ret;
}

int an_chart_compare(struct an_plot_ctx *c, struct an_result **rs, size_t nr)
{
	struct an_cmp_opts o;
	struct an_cmp *cmps;
	struct an_buf med = { 0 }, rat = { 0 };
	bool same_unit = true;
	const struct an_bench **refs;
	char ylabel[160], ratio_label[200], err[1024];
	size_t rows = 0, rrows = 0;
	int ret = 0;

	an_cmp_opts_default(&o);
	o.ref = c->ref;
	cmps = calloc(nr, sizeof(*cmps));
	refs = calloc(nr, sizeof(*refs));
	if (!cmps || !refs) {
		free(cmps);
		free(refs);
		return -3;
	}
	for (size_t f = 1; f < nr; f++)
		if (an_result_unit(rs[f]) && an_result_unit(rs[0]) &&
		    strcmp(an_result_unit(rs[f]), an_result_unit(rs[0])))
			same_unit = false;
	for (size_t f = 0; f < nr && !same_unit; f++)
		refs[f] = an_result_find_name(rs[f], c->ref);
	/* Medians side by side: raw when every file has the same unit,
	 * otherwise each divided by the reference of its own file. */
	put_head(&med, "benchmark");
	for (size_t f = 0; f < nr; f++)
		put_head(&med, an_basename(rs[f]->path));
	an_buf_put(&med, "\n");
	for (size_t i = 0; i < rs[0]->n_benches; i++) {
		const struct an_bench *b = &rs[0]->benches[i];
		char *label;

		if (!b->ok)
			continue;
		label = an_bench_label(rs, nr, b);
		put_head(&med, label ? label : b->name);
		free(label);
		for (size_t f = 0; f < nr; f++) {
			const struct an_bench *o2 = an_result_find_match(rs[f], b);
			double v = o2 && o2->ok ? o2->cycles.p50 : NAN;

			if (!same_unit)
				v = refs[f] && refs[f]->cycles.p50 > 0 ?
					v / refs[f]->cycles.p50 : NAN;
			if (isnan(v) || (c->logscale && v <= 0))
				an_buf_put(&med, " ?");
			else
				an_buf_printf(&med, " %.10g", v);
		}
		an_buf_put(&med, "\n");
		rows++;
	}
	if (same_unit)
		snprintf(ylabel, sizeof(ylabel), "median cost per operation (%s)",
			 an_unit_short(an_result_unit(rs[0])));
	else
		snprintf(ylabel, sizeof(ylabel),
			 "median / median of %s in the same file (units differ)",
			 c->ref);
	snprintf(ratio_label, sizeof(ratio_label),
		 "(new / new %s) / (base / base %s), above 1 = slower", c->ref,
		 c->ref);
	if (rows)
		ret = run_chart(c, an_tpl_compare_medians, "medians",
				same_unit ? "Median cost per operation, file by file" :
				"Cost relative to the reference benchmark, file by file",
				ylabel, &med, rs, nr, rows, nr);
	/* Ratio to the first file, with the CI compare computes. */
	put_head(&rat, "benchmark");
	for (size_t f = 1; f < nr && !ret; f++) {
		if (an_compare_pair(rs[0], rs[f], &o, &cmps[f], err, sizeof(err))) {
			printf("ratio chart skipped: %s\n", err);
			goto out;
		}
		put_head(&rat, an_basename(rs[f]->path));
		an_buf_put(&rat, " \"lo\" \"hi\"");
	}
	an_buf_put(&rat, "\n");
	for (size_t i = 0; i < rs[0]->n_benches && !ret; i++) {
		const struct an_bench *b = &rs[0]->benches[i];
		bool any = false;
		char *label;

		if (!b->ok)
			continue;
		for (size_t f = 1; f < nr; f++)
			any |= !isnan(cmps[f].rows[i].ratio);
		/* a row with no ratio draws nothing; none at all, no chart */
		if (!any)
			continue;
		label = an_bench_label(rs, nr, b);
		put_head(&rat, label ? label : b->name);
		free(label);
		for (size_t f = 1; f < nr; f++) {
			const struct an_cmp_row *row = &cmps[f].rows[i];
			double lo = isnan(row->lo) ? row->ratio : row->lo;
			double hi = isnan(row->hi) ? row->ratio : row->hi;

			if (isnan(row->ratio))
				an_buf_put(&rat, " ? ? ?");
			else
				an_buf_printf(&rat, " %.6g %.6g %.6g", row->ratio,
					      lo, hi);
		}
		an_buf_put(&rat, "\n");
		rrows++;
	}
	if (!rrows && !ret)
		printf("ratio chart skipped: no benchmark with a ratio (no record in common)\n");
	if (rrows && !ret)
		ret = run_chart(c, an_tpl_compare_ratio, "ratio",
				"Ratio to the first file (median; whiskers: 95% bootstrap CI)",
				same_unit ? "new / base (above 1 = slower)" :
				ratio_label, &rat, rs, nr,
				rrows, nr - 1);
out:
	for (size_t f = 1; f < nr; f++)
		an_cmp_free(&cmps[f]);
	free(cmps);
	free(refs);
	an_buf_free(&med);
	an_buf_free(&rat);
	return ret;
}

static int parse_formats(struct an_plot_ctx *c, const char *list)
{
	char *dup = strdup(list), *save = NULL, *tok;
	int ret = 0;

	c->png = c->svg = false;
	for (tok = dup ? strtok_r(dup, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "png"))
			c->png = true;
		else if (!strcmp(tok, "svg"))
			c->svg = true;
		else
			ret = -1;
	}
	free(dup);
	return ret || (!c->png && !c->svg) ? -1 : 0;
}

static int exit_code(int ret)
{
	return ret == -3 ? AN_EXIT_OUTPUT : AN_EXIT_TOOL;
}

int an_cmd_plot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "log", no_argument, NULL, 'l' },
		{ "linear", no_argument, NULL, 'L' },
		{ "format", required_argument, NULL, 'f' },
		{ "ref", required_argument, NULL, 'r' },
		{ "allow-root-tools", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct an_plot_ctx c = { .ref = "mmio_user", .png = true, .svg = true, .log_auto = true };
	struct an_result **rs;
	size_t nr = 0;
	bool allow_root = false;
	int ch, ret = AN_EXIT_OK, r = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			c.outdir = optarg;
			break;
		case 'l':
			c.logscale = true;
			c.log_auto = false;
			break;
		case 'L':
			c.logscale = false;
			c.log_auto = false;
			break;
		case 'f':
			if (parse_formats(&c, optarg)) {
				fprintf(stderr, "plot: --format: '%s' is not png, svg or png,svg\n",
					optarg);
				return AN_EXIT_USAGE;
			}
			break;
		case 'r':
			c.ref = optarg;
			break;
		case 'R':
			allow_root = true;
			break;
		case 'h':
			fputs(plot_usage, stdout);
			return AN_EXIT_OK;
		default:
			fputs(plot_usage, stderr);
			return AN_EXIT_USAGE;
		}
	}
	if (!c.outdir || optind >= argc) {
		fprintf(stderr, "plot: %s\n%s", !c.outdir ? "say where: -o DIR" :
			"need at least one RESULT.json", plot_usage);
		return AN_EXIT_USAGE;
	}
	if (sf_is_stdout(c.outdir)) {
		fprintf(stderr, "plot: -o -: charts are several files in a folder, they cannot go to standard output\n");
		return AN_EXIT_USAGE;
	}
	/* An unwritable folder is found before any result is read. */
	if (an_mkdirs(c.outdir, c.err, sizeof(c.err)) ||
	    sf_check_dir(c.outdir, c.err, sizeof(c.err))) {
		fprintf(stderr, "plot: %s\n", c.err);
		return AN_EXIT_OUTPUT;
	}
	rs = calloc((size_t)(argc - optind), sizeof(*rs));
	if (!rs)
		return AN_EXIT_OUTPUT;
	for (int i = optind; i < argc; i++, nr++) {
		int lrc = an_result_load(argv[i], AN_LOAD_SAMPLES, &rs[nr], c.err,
					 sizeof(c.err));

		if (lrc) {
			fprintf(stderr, "plot: %s\n", c.err);
			ret = an_load_exit(lrc);
			goto out;
		}
	}
	r = an_plot_run_init(&c.run, allow_root, c.err, sizeof(c.err));
	if (r) {
		fprintf(stderr, "plot: %s\n", c.err);
		ret = r == -2 ? AN_EXIT_TOOL : AN_EXIT_OUTPUT;
		goto out;
	}
	for (size_t f = 0; f < nr && !r; f++) {
		char stem[200], *dot;

		/* Same base name from two folders: prefix the position. */
		snprintf(stem, sizeof(stem), "%s", an_basename(rs[f]->path));
		dot = strrchr(stem, '.');
		if (dot && !strcmp(dot, ".json"))
			*dot = '\0';
		for (size_t g = 0; g < f; g++)
			if (!strcmp(an_basename(rs[g]->path), an_basename(rs[f]->path))) {
				snprintf(stem, sizeof(stem), "%zu-%s", f + 1,
					 an_basename(rs[f]->path));
				break;
			}
		if (!(r = an_chart_medians(&c, rs[f], stem)) &&
		    !(r = an_chart_cdf(&c, rs[f], stem)) &&
		    !(r = an_chart_exits(&c, rs[f], stem)))
			if (!(r = an_chart_breakdown(&c, rs[f], stem)) &&
			    !(r = an_chart_devices(&c, rs[f], stem)) &&
			    !(r = an_chart_sweeps(&c, rs[f], stem)))
				if (!(r = an_chart_profile(&c, rs[f], stem)) &&
				    !(r = an_chart_spinlock(&c, rs[f], stem)))
					r = an_chart_xentrace(&c, rs[f], stem);
	}
	if (!r && nr > 1)
		r = an_chart_compare(&c, rs, nr);
	if (!r)
		r = chart_scaling(&c, rs, nr);
	if (r) {
		fprintf(stderr, "plot: %s\n", c.err);
		ret = exit_code(r);
	}
	an_plot_run_cleanup(&c.run);
out:
	for (size_t i = 0; i < nr; i++)
		an_result_free(rs[i]);
	free(rs);
	return ret;
}
