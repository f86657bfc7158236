/* The typed record (probes/record.h) and its renderings: the JSON a record
 * becomes, the way back, the console line, and the loader reading the same
 * figures from a record of this version and of the previous one. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/an_result.h"
#include "analysis/an_util.h"
#include "hvbench/record.h"
#include "probes/record.h"

static struct stats_summary summary(double p50, uint64_t n)
{
	return (struct stats_summary){ .n = n, .min = p50 / 2, .p10 = p50 * 0.9, .p50 = p50,
				       .p90 = p50 * 1.1, .p99 = p50 * 1.5, .max = p50 * 2,
				       .mean = p50, .stddev = p50 / 10,
				       .ci95_low = p50 - 1, .ci95_high = p50 + 1 };
}

/* A record as the runner and a family with a breakdown build it. */
static struct rec *family_record(void)
{
	struct rec *r = rec_new("fam_bench", "fam", "a family-shaped record");
	struct stats_summary cyc = summary(4000, 100), a = summary(1000, 90),
			     b = summary(3000, 90);
	double reps[] = { 3990, 4010 };

	assert_non_null(r);
	rec_set_headline(r, "cycles");
	rec_set_params(r, json_pack("{s:i}", "cpl", 3));
	rec_set_status(r, REC_OK, NULL);
	rec_set_unit(r, "cycles");
	rec_set(r, "iterations", json_integer(400));
	rec_metric_value(r, "exits_per_op/exits", "per op", "exits", 1.0);
	/* samples of 4 operations each: stored per sample, shown per op */
	rec_metric_set_reps(rec_metric_stats(r, "cycles", "cycles", "one op", &cyc, 4),
			    reps, 2);
	rec_flag_checked(r, "suspect");
	/* the family: its own headline and its parts */
	struct stats_summary whole = summary(1000, 100);
	rec_metric_stats(r, "total", "cycles", "the whole", &whole, 1);
	rec_metric_set_part_of(rec_metric_stats(r, "parts/a", "cycles", "part a", &a, 1), "total");
	rec_metric_set_part_of(rec_metric_stats(r, "parts/b", "cycles", "part b", &b, 1), "total");
	rec_metric_set_part_of(rec_metric_value(r, "share/a", "fraction", "a's share", 0.25), "total");
	rec_metric_set_part_of(rec_metric_value(r, "share/b", "fraction", "b's share", 0.75), "total");
	rec_set_headline(r, "total");
	rec_set_variant(r, "v1");
	rec_flag(r, "marginal", "first");
	rec_flag(r, "marginal", "second");
	return r;
}

static double num(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void test_json_rendering(void **state)
{
	struct rec *r = family_record();
	json_t *o = rec_to_json(r);

	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "ok");
	assert_string_equal(json_string_value(json_object_get(o, "headline")), "total");
	assert_string_equal(json_string_value(json_object_get(o, "variant")), "v1");
	/* statistics per op at the metric's place */
	assert_true(num(json_object_get(o, "cycles"), "p50") == 1000);
	assert_true(num(json_object_get(o, "cycles"), "n") == 100);
	assert_true(num(json_object_get(json_object_get(o, "parts"), "b"), "p50") == 3000);
	assert_true(num(json_object_get(o, "share"), "a") == 0.25);
	assert_true(num(json_object_get(o, "exits_per_op"), "exits") == 1.0);
	/* the record describes itself */
	json_t *ix = json_object_get(o, "metrics");
	assert_int_equal(json_object_size(ix), 7);
	json_t *m = json_object_get(ix, "parts/a");
	assert_string_equal(json_string_value(json_object_get(m, "kind")), "stats");
	assert_string_equal(json_string_value(json_object_get(m, "part_of")), "total");
	assert_string_equal(json_string_value(json_object_get(m, "what")), "part a");
	assert_int_equal(json_array_size(json_object_get(json_object_get(ix, "cycles"), "reps")), 2);
	/* flags: bools with every reason */
	assert_false(json_is_true(json_object_get(o, "suspect")));
	assert_null(json_object_get(o, "suspect_reason"));
	assert_true(json_is_true(json_object_get(o, "marginal")));
	assert_string_equal(json_string_value(json_object_get(o, "marginal_reason")), "first; second");
	assert_int_equal(json_array_size(json_object_get(o, "flags")), 2);
	/* and back: the same record */
	struct rec *b = rec_from_json(o);
	assert_non_null(b);
	assert_string_equal(b->headline, "total");
	assert_int_equal(b->n_m, r->n_m);
	assert_true(rec_metric_stat(rec_metric_find(b, "cycles"), "p50") == 1000);
	assert_string_equal(rec_metric_find(b, "share/b")->part_of, "total");
	assert_true(rec_flagged(b, "marginal"));
	assert_false(rec_flagged(b, "suspect"));
	assert_int_equal(json_integer_value(rec_get(b, "iterations")), 400);
	/* the line shows the headline and its breakdown */
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	rec_print_line(f, "fam_bench", b);
	fclose(f);
	assert_non_null(strstr(line, "total p50"));
	assert_non_null(strstr(line, "= a 25% + b 75%"));
	assert_non_null(strstr(line, "MARGINAL"));
	free(line);
	/* the name says each thing once: the level is a column of its own,
	 * and a variant's words the label already has are left out */
	char name[256];
	rec_display_name(name, sizeof(name), "io_path cpl=3 device_model=kernel direction=out", "kernel cpl3");
	assert_string_equal(name, "io_path device_model=kernel direction=out");
	rec_display_name(name, sizeof(name), "io_path device_work_cycles=2000 device_model=thread",
			 "thread-same cpl3 work=2000");
	assert_string_equal(name, "io_path device_work_cycles=2000 device_model=thread thread-same");
	rec_display_name(name, sizeof(name), "cpuid", NULL);
	assert_string_equal(name, "cpuid");
	/* one width for every line: the figures start in the same column */
	char *l1 = NULL, *l2 = NULL;
	size_t n1 = 0, n2 = 0;
	FILE *f1 = open_memstream(&l1, &n1), *f2 = open_memstream(&l2, &n2);
	rec_print_line_w(f1, "fam_bench", 40, b);
	rec_print_line_w(f2, "fam_bench with a much longer label", 40, b);
	fclose(f1);
	fclose(f2);
	assert_true(strstr(l1, "total p50") - l1 == strstr(l2, "total p50") - l2);
	free(l1);
	free(l2);
	struct rec_tally t = { 0 };
	rec_tally_add(&t, b);
	assert_int_equal(t.ok, 0);
	assert_int_equal(t.count[1], 1);	/* under marginal, the one raised */
	rec_free(b);
	json_decref(o);
	rec_free(r);
}

static json_t *doc_with(json_t *rec, const char *schema)
{
	return json_pack("{s:s, s:{s:s}, s:[o]}", "schema", schema, "host", "hostname", "h",
			 "benchmarks", rec);
}

/* The loader reads the headline and its parts the same from a /2 record
 * and from the /1 layout of the same figures. */
static void test_loader_both_versions(void **state)
{
	struct rec *r = family_record();
	json_t *v2 = rec_to_json(r);
	struct an_result *a = NULL, *b = NULL;
	char err[512];

	/* a /1 io-path record: round_trip, segments and share under fixed keys */
	json_t *v1 = json_pack("{s:s, s:s, s:s, s:{s:i}, s:o, s:o, s:{s:o, s:o}, s:{s:f, s:f}}",
		"name", "fam_bench", "status", "ok", "unit", "cycles", "params", "cpl", 3,
		"cycles", json_incref(json_object_get(v2, "total")),
		"round_trip", json_incref(json_object_get(v2, "total")),
		"segments", "a", json_incref(json_object_get(json_object_get(v2, "parts"), "a")),
		"b", json_incref(json_object_get(json_object_get(v2, "parts"), "b")),
		"share", "a", 0.25, "b", 0.75);
	assert_int_equal(an_result_from_json(doc_with(v2, "hvbench-result/2"), "v2.json", 0,
					     &a, err, sizeof(err)), 0);
	assert_int_equal(an_result_from_json(doc_with(v1, "hvbench-result/1"), "v1.json", 0,
					     &b, err, sizeof(err)), 0);
	const struct an_bench *x = &a->benches[0], *y = &b->benches[0];
	assert_string_equal(x->headline, "total");
	assert_string_equal(y->headline, "round_trip");
	assert_true(x->cycles.p50 == 1000 && y->cycles.p50 == 1000);
	assert_int_equal(x->n_segments, 2);
	assert_int_equal(y->n_segments, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(x->segments[i].name, y->segments[i].name);
		assert_true(x->segments[i].st.p50 == y->segments[i].st.p50);
		assert_true(x->segments[i].share == y->segments[i].share);
	}
	assert_true(x->exits == 1.0);
	an_result_free(a);
	an_result_free(b);
	rec_free(r);
}

/* A /2 record whose description lies is refused with the path. */
static void test_loader_checks_metrics(void **state)
{
	struct an_result *a = NULL;
	char err[512];
	json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}", "name", "x",
				"status", "ok", "unit", "cycles", "headline", "cycles",
				"metrics", "cycles", "kind", "stats", "unit", "cycles");

	assert_int_not_equal(an_result_from_json(doc_with(rec, "hvbench-result/2"), "bad.json", 0,
						 &a, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "benchmarks[0].cycles: expected an object, key is missing"));
	rec = json_pack("{s:s, s:s, s:s, s:{}}", "name", "x", "status", "ok", "unit", "cycles",
			"metrics");
	assert_int_not_equal(an_result_from_json(doc_with(rec, "hvbench-result/2"), "bad.json", 0,
						 &a, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "benchmarks[0].headline: expected a string, key is missing"));
}

/* The stored examples: a real run of this version and files of the one
 * before, io-path study included, read with the same breakdown. */
static void test_stored_files(void **state)
{
	static const char *const files[] = { "tests/data/analysis/pvm-v2.json",
					     "fuzz/corpus/fuzz_results/run-io-path.json" };
	char err[512];

	for (size_t f = 0; f < 2; f++) {
		struct an_result *r = NULL;
		if (an_result_load(files[f], AN_LOAD_SAMPLES, &r, err, sizeof(err)))
			fail_msg("%s", err);
		size_t io = 0;
		for (size_t i = 0; i < r->n_benches; i++) {
			const struct an_bench *b = &r->benches[i];
			if (!b->ok)
				continue;
			assert_true(b->cycles.present && b->cycles.p50 > 0);
			if (strcmp(b->name, "io_path"))
				continue;
			io++;
			assert_string_equal(b->headline, "round_trip");
			if (b->n_segments)	/* the probed variants */
				assert_int_equal(b->n_segments, 4);
		}
		print_message("# %s: %zu records, %zu io_path\n", files[f], r->n_benches, io);
		assert_true(io > 0);
		/* the long CSV: a row per metric, the family's headline marked */
		struct an_buf csv = { 0 };
		size_t rows = 0, metrics = 0;
		an_export_metrics_csv(r, &csv);
		assert_false(csv.oom);
		for (size_t i = 0; i < csv.len; i++)
			rows += csv.s[i] == '\n';
		for (size_t i = 0; i < r->n_benches; i++)
			metrics += r->benches[i].n_metrics;
		assert_int_equal(rows, metrics + 1);
		assert_non_null(strstr(csv.s, ",round_trip,true,"));
		an_buf_free(&csv);
		an_result_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_rendering),
		cmocka_unit_test(test_loader_both_versions),
		cmocka_unit_test(test_loader_checks_metrics),
		cmocka_unit_test(test_stored_files),
	};
	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
