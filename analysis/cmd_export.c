/* `hvbench export RESULT.json --csv`: one row per benchmark (its headline
 * metric) for spreadsheets, or with --metrics one row per named metric of
 * every record, the shape a database table takes. */
#include "analysis/an.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/an_result.h"
#include "analysis/an_util.h"
#include "hvbench/safefile.h"

static const char export_usage[] =
	"usage: hvbench export RESULT.json --csv [--metrics] [-o FILE]\n"
	"\n"
	"Writes one CSV row per benchmark (RFC 4180 quoting, header row first):\n"
	"name, variant, family, status, reason, unit, n, min, p10, p50, p90, p99,\n"
	"max, mean, stddev, ci95_low, ci95_high, exits_per_op,\n"
	"expected_exits_per_op, suspect, of the record's headline metric (its\n"
	"own figure: cycles, or the family's, e.g. io_path's round_trip), then\n"
	"cpl and every parameter any record has (param.NAME: the record's value,\n"
	"empty where it has none), so rows of different levels or parameters\n"
	"stay apart.\n"
	"Figures are in the row's unit; empty cells mean 'not measured'.\n"
	"\n"
	"  --csv         CSV output (the only format for now)\n"
	"  --metrics     one row per metric of every record instead: name,\n"
	"                variant, family, status, metric, headline (true for\n"
	"                the record's own), unit, kind (stats or value), part_of,\n"
	"                n, min, p10, p50, p90, p99, max, mean, stddev, ci95_low,\n"
	"                ci95_high, value, what\n"
	"  -o FILE       write to FILE instead of stdout ('-': stdout), atomically\n"
	"  -h, --help    this text\n"
	"\n"
	"exit: 0 done, 2 bad command line or a result file read but invalid,\n"
	"      4 FILE could not be written or the result file read\n";

static void put_num(struct an_buf *b, double v)
{
	an_buf_put(b, ",");
	/* %.17g round-trips a double; trailing digits of integral values
	 * would only be noise, so integers print as integers. */
	if (isnan(v))
		return;
	if (v == floor(v) && fabs(v) < 1e15)
		an_buf_printf(b, "%.0f", v);
	else
		an_buf_printf(b, "%.10g", v);
}

static void put_str(struct an_buf *b, const char *s)
{
	an_buf_put(b, ",");
	an_buf_csv(b, s ? s : "");
}

/* The parameters any record of @r has, in first-seen order (cpl first:
 * it has a column of its own), at most max. */
#define MAX_PARAM_COLS 64
static size_t param_keys(const struct an_result *r, const char **keys, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_benches; i++) {
		const char *k;
		json_t *v;

		json_object_foreach(r->benches[i].params, k, v) {
			size_t j;

			if (!strcmp(k, "cpl"))
				continue;
			for (j = 0; j < n && strcmp(keys[j], k); j++)
				;
			if (j == n && n < max)
				keys[n++] = k;
		}
	}
	return n;
}

static void put_param_head(struct an_buf *out, const char **keys, size_t n)
{
	an_buf_put(out, ",cpl");
	for (size_t k = 0; k < n; k++) {
		char h[128];

		snprintf(h, sizeof(h), "param.%s", keys[k]);
		put_str(out, h);
	}
}

/* A record's level and parameters, in the header's columns: numbers as
 * numbers, booleans true/false, lists as compact JSON, missing empty. */
static void put_params(struct an_buf *out, const struct an_bench *b, const char **keys, size_t n)
{
	json_t *c = json_object_get(b->params, "cpl");

	put_num(out, json_is_integer(c) ? (double)json_integer_value(c) : NAN);
	for (size_t k = 0; k < n; k++) {
		json_t *v = json_object_get(b->params, keys[k]);

		if (json_is_number(v)) {
			put_num(out, json_number_value(v));
		} else if (json_is_string(v)) {
			put_str(out, json_string_value(v));
		} else if (json_is_boolean(v)) {
			put_str(out, json_is_true(v) ? "true" : "false");
		} else if (v) {
			char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			put_str(out, t ? t : "");
			free(t);
		} else {
			an_buf_put(out, ",");
		}
	}
}

/* Builds the whole CSV of @r in @out. */
void an_export_csv(const struct an_result *r, struct an_buf *out)
{
	const char *keys[MAX_PARAM_COLS];
	size_t nk = param_keys(r, keys, MAX_PARAM_COLS);

	an_buf_put(out, "name,variant,family,status,reason,unit,n,min,p10,p50,"
			"p90,p99,max,mean,stddev,ci95_low,ci95_high,"
			"exits_per_op,expected_exits_per_op,suspect");
	put_param_head(out, keys, nk);
	an_buf_put(out, "\r\n");
	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *b = &r->benches[i];
		const struct an_stats *s = &b->cycles;

		an_buf_csv(out, b->name);
		put_str(out, b->variant);
		put_str(out, b->family);
		put_str(out, b->status);
		put_str(out, b->reason);
		put_str(out, b->unit);
		if (s->present) {
			put_num(out, s->n);
			put_num(out, s->min);
			put_num(out, s->p10);
			put_num(out, s->p50);
			put_num(out, s->p90);
			put_num(out, s->p99);
			put_num(out, s->max);
			put_num(out, s->mean);
			put_num(out, s->stddev);
			put_num(out, s->ci95_low);
			put_num(out, s->ci95_high);
		} else {
			an_buf_put(out, ",,,,,,,,,,,");
		}
		put_num(out, b->exits);
		put_num(out, b->expected_exits);
		put_str(out, b->ok ? (b->suspect ? "true" : "false") : "");
		put_params(out, b, keys, nk);
		an_buf_put(out, "\r\n");
	}
}

void an_export_metrics_csv(const struct an_result *r, struct an_buf *out)
{
	const char *keys[MAX_PARAM_COLS];
	size_t nk = param_keys(r, keys, MAX_PARAM_COLS);

	an_buf_put(out, "name,variant,family,status,metric,headline,unit,kind,part_of,"
			"n,min,p10,p50,p90,p99,max,mean,stddev,ci95_low,ci95_high,"
			"value,what");
	put_param_head(out, keys, nk);
	an_buf_put(out, "\r\n");
	for (size_t i = 0; i < r->n_benches; i++) {
		const struct an_bench *b = &r->benches[i];

		for (size_t k = 0; k < b->n_metrics; k++) {
			const struct an_metric *m = &b->metrics[k];
			const struct an_stats *s = &m->st;

			an_buf_csv(out, b->name);
			put_str(out, b->variant);
			put_str(out, b->family);
			put_str(out, b->status);
			put_str(out, m->name);
			put_str(out, b->headline && !strcmp(b->headline, m->name) ? "true" : "false");
			put_str(out, m->unit);
			put_str(out, m->stats ? "stats" : "value");
			put_str(out, m->part_of);
			if (m->stats && s->present) {
				double v[] = { s->n, s->min, s->p10, s->p50, s->p90, s->p99,
					       s->max, s->mean, s->stddev, s->ci95_low, s->ci95_high };
				for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++)
					put_num(out, v[j]);
				an_buf_put(out, ",");
			} else {
				an_buf_put(out, ",,,,,,,,,,,");
				put_num(out, m->value);
			}
			put_str(out, m->what);
			put_params(out, b, keys, nk);
			an_buf_put(out, "\r\n");
		}
	}
}

int an_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ "metrics", no_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out_path = NULL;
	struct an_result *r = NULL;
	struct an_buf csv = { 0 };
	bool want_csv = false, metrics = false;
	char err[1024];
	int ch, rc, ret = AN_EXIT_OK;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			want_csv = true;
			break;
		case 'm':
			metrics = true;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return AN_EXIT_OK;
		default:
			fputs(export_usage, stderr);
			return AN_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !want_csv) {
		fprintf(stderr, "export: %s\n%s",
			!want_csv ? "say which format: --csv" :
				    "need exactly one RESULT.json",
			export_usage);
		return AN_EXIT_USAGE;
	}
	/* An unwritable destination is found before the result is read. */
	if (out_path && sf_check(out_path, SF_STDOUT_OK, err, sizeof(err))) {
		fprintf(stderr, "export: %s\n", err);
		return AN_EXIT_OUTPUT;
	}
	rc = an_result_load(argv[optind], 0, &r, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "export: %s\n", err);
		return an_load_exit(rc);
	}
	if (metrics)
		an_export_metrics_csv(r, &csv);
	else
		an_export_csv(r, &csv);
	if (csv.oom) {
		fprintf(stderr, "export: %s: out of memory\n", r->path);
		ret = AN_EXIT_OUTPUT;
	} else if (out_path) {
		if (sf_write(out_path, csv.s, csv.len, SF_STDOUT_OK, err,
			     sizeof(err))) {
			fprintf(stderr, "export: %s\n", err);
			ret = AN_EXIT_OUTPUT;
		}
	} else if (fflush(stdout) || sf_write_all(STDOUT_FILENO, csv.s, csv.len) < 0) {
		/* the data itself, to the descriptor: stdout's stream escapes
		 * control bytes for terminals, and CSV's CRLF is data */
		fprintf(stderr, "export: stdout: write failed\n");
		ret = AN_EXIT_OUTPUT;
	}
	an_buf_free(&csv);
	an_result_free(r);
	return ret;
}
