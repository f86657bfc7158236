/* `hvbench compare BASE.json NEW.json...`: the table (or JSON document) of
 * NEW against BASE, exit code 1 when something got significantly slower. */
#include "analysis/an.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_compare.h"
#include "analysis/an_gain.h"
#include "analysis/an_util.h"

static const char compare_usage[] =
	"usage: hvbench compare BASE.json NEW.json [MORE.json...] [options]\n"
	"       hvbench compare A1.json A2.json ... vs B1.json B2.json ... [options]\n"
	"\n"
	"Compares every NEW file against BASE (or the runs B... against the runs\n"
	"A...), benchmark by benchmark (matched by name, variant and parameters).\n"
	"Verdicts come from per-repetition values (repetitions[]), or per-run\n"
	"medians when each side has >= 4 runs. A row is 'slower'/'faster' only\n"
	"when each side has >= 4 values, the exact Mann-Whitney p < 0.05, and the\n"
	"ratio of medians moves by more than the threshold AND by more than the\n"
	"larger spread ((max-min)/median) of the two sides' values. SUSPECT and\n"
	"COARSE rows get no verdict. A side measured while other processes kept\n"
	">= 0.5 CPU busy (host_load) is named in a warning.\n"
	"Files in different units (cycles vs instructions) are compared through\n"
	"ratios to a reference benchmark of each file (--ref).\n"
	"\n"
	"  --threshold PCT   smallest change that counts, in percent (default 5)\n"
	"  --metric p50|mean compare medians (default) or means\n"
	"  --ref NAME        reference benchmark for unit-less ratios (mmio_user)\n"
	"  --bootstrap N     bootstrap resamples for the ratio CI (default 1000)\n"
	"  --spread-factor F the change must exceed F x the spread (default 1)\n"
	"  --min-reps N      values needed on each side for a verdict (default 4)\n"
	"  --ignore-param NAME\n"
	"                    match records whatever their NAME parameter (e.g. ple,\n"
	"                    to line up PLE-on with PLE-off runs); each row says\n"
	"                    both sides' values. Repeatable\n"
	"  --json            print a JSON document instead of a table\n"
	"  -h, --help        this text\n"
	"\n"
	"exit: 0 done, no significant regression, 1 a significant regression,\n"
	"      2 bad command line or a result file read but invalid, 4 a result\n"
	"      file could not be read\n";

struct table {
	char **cells;
	size_t ncols, nrows, cap;
};

static void table_add(struct table *t, char **row)
{
	for (size_t i = 0; i < t->ncols; i++)
		row[i] = an_one_line(row[i]);
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(*c));

		if (!c) {
			for (size_t i = 0; i < t->ncols; i++)
				free(row[i]);
			return;
		}
		t->cells = c;
		t->cap = cap;
	}
	memcpy(&t->cells[t->nrows++ * t->ncols], row, t->ncols * sizeof(*row));
}

static void table_print(struct table *t, FILE *f)
{
	size_t w[16] = { 0 };

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t l = s ? strlen(s) : 0;

			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c + 1 == t->ncols)
				fprintf(f, "%s\n", s ? s : "");
			else
				fprintf(f, "%-*s  ", (int)w[c], s ? s : "");
		}
		if (r == 0) {
			size_t tot = 0;

			/* the verdict column may hold a long note: do not
			 * draw the rule over all of it */
			for (size_t c = 0; c + 1 < t->ncols; c++)
				tot += w[c] + 2;
			tot += 2 + (w[t->ncols - 1] < 16 ? w[t->ncols - 1] : 16);
			for (size_t i = 0; i + 2 < tot; i++)
				fputc('-', f);
			fputc('\n', f);
		}
	}
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

static char *fmt_value(double v, const char *unit)
{
	char num[64], *s;

	if (isnan(v))
		return strdup("-");
	an_fmt_num(num, sizeof(num), v);
	if (asprintf(&s, "%s %s", num, an_unit_short(unit)) < 0)
		return NULL;
	return s;
}

static char *fmt_num(double v)
{
	char *s;

	return asprintf(&s, "%.4g", v) < 0 ? NULL : s;
}

static char *fmt_ratio(const struct an_cmp_row *row)
{
	char *s;

	if (isnan(row->ratio))
		return strdup("-");
	if (isnan(row->lo))
		return asprintf(&s, "%.3f", row->ratio) < 0 ? NULL : s;
	if (asprintf(&s, "%.3f [%.3f, %.3f]", row->ratio, row->lo, row->hi) < 0)
		return NULL;
	return s;
}

static char *fmt_p(double p)
{
	char *s;

	if (isnan(p))
		return strdup("-");
	if (p < 1e-4)
		return strdup("<1e-4");
	return asprintf(&s, "%.4f", p) < 0 ? NULL : s;
}

static char *fmt_verdict(const struct an_cmp_row *row)
{
	char *s;

	if (row->verdict != AN_V_NONE && !row->note[0])
		return strdup(an_verdict_name(row->verdict));
	if (row->verdict == AN_V_NONE)
		return asprintf(&s, "- (%s)", row->note) < 0 ? NULL : s;
	if (row->verdict == AN_V_REF)
		return strdup("ref");
	return asprintf(&s, "%s (%s)", an_verdict_name(row->verdict),
			row->note) < 0 ? NULL : s;
}

static void add_row(struct table *t, struct an_result **rs, size_t nr,
		    const struct an_cmp *c, const struct an_cmp_row *row,
		    size_t ncmp)
{
	const struct an_bench *b = row->base ? row->base : row->cur;
	char *cells[8];
	size_t k = 0;

	cells[k++] = an_bench_label(rs, nr, b);
	if (ncmp > 1)
		cells[k++] = strdup(an_basename(c->cur->path));
	if (c->mode == AN_CMP_RATIO && row->verdict != AN_V_NONE) {
		cells[k++] = fmt_num(row->base_norm);
		cells[k++] = fmt_num(row->cur_norm);
	} else if (row->verdict == AN_V_NONE) {
		cells[k++] = row->base && row->base->ok ?
			fmt_value(row->base->cycles.p50, row->base->unit) :
			strdup("-");
		cells[k++] = row->cur && row->cur->ok ?
			fmt_value(row->cur->cycles.p50, row->cur->unit) :
			strdup("-");
	} else {
		const char *u = c->mode == AN_CMP_NS ? "ns" : row->base->unit;

		cells[k++] = fmt_value(row->base_val, u);
		cells[k++] = fmt_value(row->cur_val,
				       c->mode == AN_CMP_NS ? "ns" : row->cur->unit);
	}
	cells[k++] = fmt_ratio(row);
	cells[k++] = fmt_p(row->p);
	cells[k++] = fmt_verdict(row);
	table_add(t, cells);
}

static void warn_busy(const struct an_cmp *c, FILE *f)
{
	if (c->busy_base)
		fprintf(f, "warning: BASE was measured on a busy host (other processes kept %.2f CPUs busy at a run's start or end): its figures carry that load\n",
			c->busy_base_cpus);
	if (c->busy_cur)
		fprintf(f, "warning: NEW (%s) was measured on a busy host (other processes kept %.2f CPUs busy at a run's start or end): its figures carry that load\n",
			c->cur->path, c->busy_cur_cpus);
}

static void print_table(struct an_result **rs, size_t nr, struct an_cmp *cmps,
			size_t ncmp, const struct an_cmp_opts *o)
{
	struct table t = { .ncols = ncmp > 1 ? 7 : 6 };
	bool ratio_mode = false;
	char *head[8];
	size_t h = 0;

	for (size_t i = 0; i < cmps[0].n_bases; i++) {
		const struct an_result *r = cmps[0].bases[i];

		printf("base: %s (%s, %s, %s)\n", r->path, r->host.hostname,
		       r->host.backend, an_unit_short(an_result_unit(r)));
	}
	for (size_t k = 0; k < ncmp; k++) {
		struct an_cmp *c = &cmps[k];

		for (size_t i = 0; i < c->n_curs; i++) {
			const struct an_result *r = c->curs[i];

			printf("new:  %s (%s, %s, %s)\n", r->path, r->host.hostname,
			       r->host.backend, an_unit_short(an_result_unit(r)));
		}
		printf("      %s\n", c->header);
		ratio_mode |= c->mode == AN_CMP_RATIO;
	}
	printf("metric: %s per repetition (per run with >= %u runs a side); slower/faster when >= %u values a side, exact Mann-Whitney p < %g, and |ratio - 1| > %g%% and > %g x the larger spread\n",
	       o->use_mean ? "mean" : "median", o->min_units, o->min_units,
	       o->alpha, o->threshold * 100, o->spread_factor);
	for (size_t k = 0; k < ncmp; k++)
		warn_busy(&cmps[k], stdout);
	putchar('\n');
	head[h++] = strdup("benchmark");
	if (ncmp > 1)
		head[h++] = strdup("new file");
	head[h++] = strdup(ratio_mode ? "base / ref" : "base");
	head[h++] = strdup(ratio_mode ? "new / ref" : "new");
	head[h++] = strdup("ratio new/base [95% CI]");
	head[h++] = strdup("p");
	head[h++] = strdup("verdict");
	table_add(&t, head);
	for (size_t i = 0; i < rs[0]->n_benches; i++) {
		for (size_t k = 0; k < ncmp; k++) {
			const struct an_cmp_row *row = &cmps[k].rows[i];

			/* A BASE record that was not measured says so once. */
			if (k > 0 && !row->base->ok)
				break;
			add_row(&t, rs, nr, &cmps[k], row, ncmp);
		}
	}
	for (size_t k = 0; k < ncmp; k++)
		for (size_t i = rs[0]->n_benches; i < cmps[k].n_rows; i++)
			add_row(&t, rs, nr, &cmps[k], &cmps[k].rows[i], ncmp);
	table_print(&t, stdout);
	table_free(&t);
	for (size_t k = 0; k < ncmp; k++)
		an_gain_print(&cmps[k], rs, nr, stdout);
}

static json_t *jnum(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *json_side(const struct an_bench *b, double val)
{
	if (!b)
		return json_null();
	return json_pack("{s:s, s:s?, s:s?, s:o}", "status", b->status, "unit",
			 b->unit, "reason", b->reason, "value", jnum(val));
}

static json_t *json_file(const struct an_result *r)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "file", r->path,
			 "hostname", r->host.hostname, "backend", r->host.backend,
			 "arch", r->host.arch, "unit", an_result_unit(r));
}

static const char *const mode_names[] = { "direct", "ns", "ratio" };

static int print_json(struct an_result **rs, struct an_cmp *cmps, size_t ncmp,
		      size_t nr, const struct an_cmp_opts *o, bool regression)
{
	json_t *doc, *list;
	char *out;

	list = json_array();
	doc = json_pack("{s:s, s:s, s:f, s:f, s:o, s:o, s:b}", "schema",
			"hvbench-compare/1", "metric", o->use_mean ? "mean" : "p50",
			"threshold", o->threshold, "alpha", o->alpha, "base",
			json_file(rs[0]), "comparisons", list, "regression",
			regression);
	if (!doc)
		return -1;
	json_object_set_new(doc, "min_values", json_integer(o->min_units));
	json_object_set_new(doc, "spread_factor", json_real(o->spread_factor));
	for (size_t k = 0; k < ncmp; k++) {
		struct an_cmp *c = &cmps[k];
		json_t *rows = json_array();
		json_t *cj = json_file(c->cur);
		json_t *bf = json_array(), *nf = json_array();

		for (size_t i = 0; i < c->n_bases; i++)
			json_array_append_new(bf, json_string(c->bases[i]->path));
		for (size_t i = 0; i < c->n_curs; i++)
			json_array_append_new(nf, json_string(c->curs[i]->path));
		json_object_set_new(cj, "base_files", bf);
		json_object_set_new(cj, "new_files", nf);
		json_object_set_new(cj, "base_busy", json_boolean(c->busy_base));
		json_object_set_new(cj, "new_busy", json_boolean(c->busy_cur));
		json_object_set_new(cj, "base_other_cpus", jnum(c->busy_base_cpus));
		json_object_set_new(cj, "new_other_cpus", jnum(c->busy_cur_cpus));

		json_object_set_new(cj, "mode", json_string(mode_names[c->mode]));
		json_object_set_new(cj, "ref", c->ref ? json_string(c->ref) :
							json_null());
		json_object_set_new(cj, "header", json_string(c->header));
		json_object_set_new(cj, "slower", json_integer((json_int_t)c->n_slower));
		json_object_set_new(cj, "faster", json_integer((json_int_t)c->n_faster));
		json_object_set_new(cj, "rows", rows);
		json_t *gain = an_gain_json(c, rs, nr);
		if (gain)
			json_object_set_new(cj, "gain", gain);
		json_array_append_new(list, cj);
		for (size_t i = 0; i < c->n_rows; i++) {
			const struct an_cmp_row *row = &c->rows[i];
			const struct an_bench *b = row->base ? row->base : row->cur;
			char *label = an_bench_label(rs, nr, b);
			json_t *rj;

			rj = json_pack("{s:s, s:s?, s:s?, s:O?, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s, s:s}",
				       "name", b->name, "variant", b->variant,
				       "label", label, "params", b->params,
				       "base", json_side(row->base, row->base_val),
				       "new", json_side(row->cur, row->cur_val),
				       "base_norm", jnum(c->mode == AN_CMP_RATIO ? row->base_norm : NAN),
				       "new_norm", jnum(c->mode == AN_CMP_RATIO ? row->cur_norm : NAN),
				       "ratio", jnum(row->ratio), "ci95_low", jnum(row->lo),
				       "ci95_high", jnum(row->hi), "p", jnum(row->p),
				       "significant", row->significant, "verdict",
				       row->verdict == AN_V_NONE ? "not-compared" :
				       an_verdict_name(row->verdict), "note", row->note);
			free(label);
			if (rj && row->level) {
				json_object_set_new(rj, "level", json_string(row->level));
				json_object_set_new(rj, "n_base", json_integer((json_int_t)row->n_base_units));
				json_object_set_new(rj, "n_new", json_integer((json_int_t)row->n_cur_units));
				json_object_set_new(rj, "spread_base", jnum(row->spread_base));
				json_object_set_new(rj, "spread_new", jnum(row->spread_cur));
			}
			if (rj)
				json_array_append_new(rows, rj);
		}
	}
	out = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	json_decref(doc);
	if (!out)
		return -1;
	puts(out);
	free(out);
	return 0;
}

/* A name no record of these files has is a typo, not a no-op. */
static int check_ignored(struct an_result *const *rs, size_t nr)
{
	const char *const *names;
	size_t n = an_param_user_ignored(&names);

	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t f = 0; f < nr && !seen; f++)
			for (size_t k = 0; k < rs[f]->n_benches && !seen; k++)
				seen = json_object_get(rs[f]->benches[k].params, names[i]) != NULL;
		if (!seen) {
			fprintf(stderr, "compare: --ignore-param %s: no record of these files has that parameter\n",
				names[i]);
			return -1;
		}
	}
	return 0;
}

int an_cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "metric", required_argument, NULL, 'm' },
		{ "ref", required_argument, NULL, 'r' },
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "spread-factor", required_argument, NULL, 's' },
		{ "min-reps", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "ignore-param", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct an_cmp_opts o;
	struct an_result **rs = NULL;
	struct an_cmp *cmps = NULL;
	bool json = false, regression = false;
	size_t nr = 0, split = 0, ncmp = 0;
	char err[1024], *end;
	int ch, ret = AN_EXIT_OK;

	an_cmp_opts_default(&o);
	an_param_ignore_clear();
	optind = 0; /* full getopt reset: the tests call us repeatedly */
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			o.threshold = strtod(optarg, &end) / 100;
			if (*end || end == optarg || !(o.threshold >= 0)) {
				fprintf(stderr, "compare: --threshold: '%s' is not a percentage\n", optarg);
				return AN_EXIT_USAGE;
			}
			break;
		case 'm':
			if (strcmp(optarg, "p50") && strcmp(optarg, "mean") &&
			    strcmp(optarg, "median")) {
				fprintf(stderr, "compare: --metric: '%s' is not p50 or mean\n", optarg);
				return AN_EXIT_USAGE;
			}
			o.use_mean = !strcmp(optarg, "mean");
			break;
		case 'r':
			o.ref = optarg;
			break;
		case 'b':
			o.boot_iters = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o.boot_iters < 100 || o.boot_iters > 1000000) {
				fprintf(stderr, "compare: --bootstrap: want 100..1000000 resamples, got '%s'\n", optarg);
				return AN_EXIT_USAGE;
			}
			break;
		case 's':
			o.spread_factor = strtod(optarg, &end);
			if (*end || end == optarg || !(o.spread_factor >= 0)) {
				fprintf(stderr, "compare: --spread-factor: '%s' is not a factor >= 0\n", optarg);
				return AN_EXIT_USAGE;
			}
			break;
		case 'n':
			o.min_units = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o.min_units < 2 || o.min_units > 1000) {
				fprintf(stderr, "compare: --min-reps: want 2..1000, got '%s'\n", optarg);
				return AN_EXIT_USAGE;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'i': {
			int r = an_param_ignore(optarg);

			if (r == -E2BIG) {
				fprintf(stderr, "compare: --ignore-param: at most %d of them\n",
					AN_MAX_USER_IGNORED);
				return AN_EXIT_USAGE;
			}
			if (r) {
				fprintf(stderr, "compare: --ignore-param: '%s' is not a parameter name (letters, digits, _)\n",
					optarg);
				return AN_EXIT_USAGE;
			}
			break;
		}
		case 'h':
			fputs(compare_usage, stdout);
			return AN_EXIT_OK;
		default:
			fputs(compare_usage, stderr);
			return AN_EXIT_USAGE;
		}
	}
	/* GNU getopt moved the file names behind the options. A lone "vs"
	 * splits the files into two sets of runs. */
	rs = calloc((size_t)argc + 1, sizeof(*rs));
	if (!rs)
		return AN_EXIT_INPUT;
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "vs")) {
			if (split) {
				fprintf(stderr, "compare: 'vs' given twice\n");
				ret = AN_EXIT_USAGE;
				goto out;
			}
			split = nr;
			continue;
		}
		int lrc = an_result_load(argv[i], AN_LOAD_SAMPLES, &rs[nr], err,
					 sizeof(err));

		if (lrc) {
			fprintf(stderr, "compare: %s\n", err);
			ret = an_load_exit(lrc);
			goto out;
		}
		nr++;
	}
	if (nr < 2 || (split && (split >= nr))) {
		fprintf(stderr, "compare: need BASE.json and at least one NEW.json (or A... vs B...)\n%s",
			compare_usage);
		ret = AN_EXIT_USAGE;
		goto out;
	}
	if (check_ignored(rs, nr)) {
		ret = AN_EXIT_USAGE;
		goto out;
	}
	ncmp = split ? 1 : nr - 1;
	cmps = calloc(ncmp, sizeof(*cmps));
	if (!cmps) {
		ret = AN_EXIT_INPUT;
		goto out;
	}
	for (size_t k = 0; k < ncmp; k++) {
		int r = split ?
			an_compare_sets((const struct an_result *const *)rs, split,
					(const struct an_result *const *)rs + split,
					nr - split, &o, &cmps[0], err, sizeof(err)) :
			an_compare_pair(rs[0], rs[k + 1], &o, &cmps[k], err,
					sizeof(err));
		if (r) {
			fprintf(stderr, "compare: %s\n", err);
			ret = AN_EXIT_INPUT;
			goto out;
		}
		regression |= cmps[k].n_slower > 0;
	}
	if (json) {
		if (print_json(rs, cmps, ncmp, nr, &o, regression)) {
			fprintf(stderr, "compare: out of memory building JSON\n");
			ret = AN_EXIT_INPUT;
			goto out;
		}
	} else {
		print_table(rs, nr, cmps, ncmp, &o);
		printf("\n%s\n", regression ?
		       "REGRESSION: at least one benchmark is significantly slower" :
		       "no significant regression");
	}
	fflush(stdout);
	ret = regression ? AN_EXIT_REGRESSION : AN_EXIT_OK;
out:
	for (size_t i = 0; cmps && i < ncmp; i++)
		an_cmp_free(&cmps[i]);
	free(cmps);
	for (size_t i = 0; i < nr; i++)
		an_result_free(rs[i]);
	free(rs);
	return ret;
}
