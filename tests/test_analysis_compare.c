/* Tests of the result loader and of `compare`: verdicts on known statistics,
 * exit codes through an_cmd_compare, unit-aware ratio mode, loader errors. */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/an.h"
#include "analysis/an_compare.h"
#include "analysis/an_synth.h"
#include "analysis/an_util.h"

#include "tests/an_testutil.h"

static void synth(const char *name, double scale, uint64_t seed,
		  const char *unit)
{
	struct an_synth s;
	char err[512];

	an_synth_default(&s);
	s.scale = scale;
	s.seed = seed;
	s.spread = 0.01; /* tight: a 10% shift must be unmistakable */
	if (unit && !strcmp(unit, "instructions")) {
		s.unit = unit;
		s.counter_hz = 0;
		s.arch = "aarch64";
		s.backend = "arm64-vhe";
		s.hostname = "qemu";
	}
	assert_int_equal(an_synth_write(tpath(name), &s, err, sizeof(err)), 0);
}

static void write_text(const char *name, const char *text)
{
	char err[512];

	assert_int_equal(an_write_file(tpath(name), text, strlen(text), false, err,
				       sizeof(err)), 0);
}


static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hvbench-test-analysis.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	synth("base.json", 1.0, 1, NULL);
	synth("same.json", 1.0, 1, NULL); /* identical samples */
	synth("rerun.json", 1.0, 2, NULL); /* same costs, new noise */
	synth("slower.json", 1.10, 3, NULL);
	synth("faster.json", 0.90, 4, NULL);
	synth("arm.json", 0.35, 5, "instructions");
	synth("arm-slower.json", 0.35 * 1.10, 6, "instructions");
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct an_result *load(const char *name)
{
	struct an_result *r = NULL;
	char err[1024];

	if (an_result_load(tpath(name), AN_LOAD_SAMPLES, &r, err, sizeof(err)))
		fail_msg("%s", err);
	return r;
}

static const struct an_cmp_row *row_of(const struct an_cmp *c, const char *name)
{
	for (size_t i = 0; i < c->n_rows; i++)
		if (c->rows[i].base && !strcmp(c->rows[i].base->name, name))
			return &c->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

static void compare_files(const char *a, const char *b, struct an_cmp *c,
			  struct an_result **ra, struct an_result **rb)
{
	struct an_cmp_opts o;
	char err[1024];

	an_cmp_opts_default(&o);
	*ra = load(a);
	*rb = load(b);
	if (an_compare_pair(*ra, *rb, &o, c, err, sizeof(err)))
		fail_msg("%s", err);
}

static void test_identical_is_same(void **state)
{
	struct an_result *a, *b;
	struct an_cmp c;

	compare_files("base.json", "same.json", &c, &a, &b);
	assert_int_equal(c.mode, AN_CMP_DIRECT);
	assert_int_equal(c.n_slower, 0);
	assert_int_equal(c.n_faster, 0);
	for (size_t i = 0; i < c.n_rows; i++) {
		if (c.rows[i].verdict == AN_V_NONE)
			continue; /* the unsupported record */
		assert_int_equal(c.rows[i].verdict, AN_V_SAME);
		assert_true(fabs(c.rows[i].ratio - 1) < 1e-12);
		assert_false(c.rows[i].significant);
	}
	/* the unsupported record is listed, not compared */
	assert_int_equal(row_of(&c, "vmcall_nested")->verdict, AN_V_NONE);
	assert_non_null(strstr(row_of(&c, "vmcall_nested")->note, "unsupported"));
	an_cmp_free(&c);
	an_result_free(a);
	an_result_free(b);
}

/* A reason longer than the note ends at a word boundary, saying it goes on. */
static void test_long_reason_cut_at_a_word(void **state)
{
	char doc[4096], reason[1400] = "";
	struct an_result *a, *b;
	struct an_cmp c;

	for (int i = 0; i < 120; i++)
		snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason), "%sword%03d", i ? " " : "", i);
	snprintf(doc, sizeof(doc), "{\"schema\": \"hvbench-result/2\", \"host\": {\"hostname\": \"h\"}, \"benchmarks\": ["
		 "{\"name\": \"x\", \"status\": \"unsupported\", \"reason\": \"%s\"}]}", reason);
	write_text("long-a.json", doc);
	write_text("long-b.json", doc);
	compare_files("long-a.json", "long-b.json", &c, &a, &b);
	const char *n = row_of(&c, "x")->note;
	size_t len = strlen(n);
	assert_true(len > 100 && len < sizeof(c.rows[0].note));
	assert_string_equal(n + len - 4, " ...");
	/* what is kept ends with a whole word: word NNN, three digits */
	assert_true(len >= 11 && !strncmp(n + len - 11, "word", 4));
	an_cmp_free(&c);
	an_result_free(a);
	an_result_free(b);
}

static void test_noise_is_same(void **state)
{
	struct an_result *a, *b;
	struct an_cmp c;

	compare_files("base.json", "rerun.json", &c, &a, &b);
	assert_int_equal(c.n_slower, 0);
	assert_int_equal(c.n_faster, 0);
	an_cmp_free(&c);
	an_result_free(a);
	an_result_free(b);
}

static void test_ten_percent_is_slower(void **state)
{
	struct an_result *a, *b;
	struct an_cmp c;
	const struct an_cmp_row *r;

	compare_files("base.json", "slower.json", &c, &a, &b);
	r = row_of(&c, "cpuid");
	assert_int_equal(r->verdict, AN_V_SLOWER);
	assert_true(r->significant);
	assert_true(r->p < 0.01);
	assert_true(r->ratio > 1.08 && r->ratio < 1.12);
	assert_true(r->lo > 1.05 && r->lo <= r->ratio && r->hi >= r->ratio);
	assert_true(c.n_slower >= 8);
	an_cmp_free(&c);
	an_result_free(a);
	an_result_free(b);
	compare_files("base.json", "faster.json", &c, &a, &b);
	assert_int_equal(row_of(&c, "cpuid")->verdict, AN_V_FASTER);
	assert_int_equal(c.n_slower, 0);
	an_cmp_free(&c);
	an_result_free(a);
	an_result_free(b);
}

static void test_threshold_hides_small_change(void **state)
{
	struct an_result *a = load("base.json"), *b = load("slower.json");
	struct an_cmp_opts o;
	struct an_cmp c;
	char err[512];

	an_cmp_opts_default(&o);
	o.threshold = 0.20; /* a 10% change is below a 20% threshold */
	assert_int_equal(an_compare_pair(a, b, &o, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n_slower, 0);
	assert_int_equal(row_of(&c, "cpuid")->verdict, AN_V_SAME);
	an_cmp_free(&c);
	an_result_free(a);
	an_result_free(b);
}

static void test_units_differ_ratio_mode(void **state)
{
	struct an_result *a, *b;
	struct an_cmp c;

	/* x86 cycles vs emulated instructions at a third of the scale: raw
	 * numbers differ 3x, ratios to mmio_user are the same */
	compare_files("base.json", "arm.json", &c, &a, &b);
	assert_int_equal(c.mode, AN_CMP_RATIO);
	assert_non_null(strstr(c.header, "mmio_user"));
	assert_int_equal(row_of(&c, "mmio_user")->verdict, AN_V_REF);
	assert_int_equal(row_of(&c, "cpuid")->verdict, AN_V_SAME);
	assert_true(fabs(row_of(&c, "cpuid")->ratio - 1) < 0.03);
	assert_int_equal(c.n_slower, 0);
	an_cmp_free(&c);
	an_result_free(a);
	an_result_free(b);
}

/* Copy of @src with @edit applied to every benchmark record. */
static void rewrite(const char *src, const char *dst,
		    void (*edit)(json_t *rec, const void *arg), const void *arg)
{
	json_t *doc = json_load_file(tpath(src), 0, NULL), *b;
	size_t i;

	assert_non_null(doc);
	json_array_foreach(json_object_get(doc, "benchmarks"), i, b)
		edit(b, arg);
	assert_int_equal(json_dump_file(doc, tpath(dst), 0), 0);
	json_decref(doc);
}

/* The level a record ran at, and whether "cpl": "auto" chose it (which
 * leaves "cpl_auto": true in a result). */
struct level {
	int cpl;
	bool cpl_auto;
};

static void set_level(json_t *rec, const void *arg)
{
	const struct level *l = arg;
	json_t *p = json_object_get(rec, "params");

	json_object_set_new(p, "cpl", json_integer(l->cpl));
	if (l->cpl_auto)
		json_object_set_new(p, "cpl_auto", json_true());
	else
		json_object_del(p, "cpl_auto");
}

static void relevel(const char *src, const char *dst, int cpl, bool cpl_auto)
{
	struct level l = { cpl, cpl_auto };

	rewrite(src, dst, set_level, &l);
}

/* cpuid's figure marked below the counter's resolution. */
static void coarse_cpuid(json_t *rec, const void *arg)
{
	if (!strcmp(json_string_value(json_object_get(rec, "name")), "cpuid"))
		json_object_set_new(rec, "resolution",
				    json_pack("{s:f, s:i, s:b}", "per_op", 1.0,
					      "ops_per_sample", 1, "coarse", 1));
}

/* x86 under PVM picks cpl 3 for "auto", arm64 picks EL1 (0): such records
 * still meet by name; records whose level the suite fixed do not. */
static void test_auto_level_matches_across_archs(void **state)
{
	struct an_result *a, *b;
	struct an_cmp c;

	relevel("base.json", "x86-auto.json", 3, true);
	relevel("arm.json", "arm-auto.json", 0, true);
	relevel("arm.json", "arm-fixed.json", 0, false);
	compare_files("x86-auto.json", "arm-auto.json", &c, &a, &b);
	assert_int_equal(c.mode, AN_CMP_RATIO);
	assert_int_equal(row_of(&c, "mmio_user")->verdict, AN_V_REF);
	assert_int_equal(row_of(&c, "cpuid")->verdict, AN_V_SAME);
	assert_non_null(strstr(row_of(&c, "cpuid")->note, "cpl 3 vs 0"));
	assert_int_equal(c.n_rows, a->n_benches);	/* no leftovers */
	an_cmp_free(&c);
	an_result_free(a);
	an_result_free(b);

	/* one side "auto" is enough: that host had no preference */
	compare_files("x86-auto.json", "arm-fixed.json", &c, &a, &b);
	assert_int_equal(row_of(&c, "cpuid")->verdict, AN_V_SAME);
	an_cmp_free(&c);
	an_result_free(a);
	an_result_free(b);

	/* both fixed at different levels: different measurements */
	relevel("base.json", "x86-fixed.json", 3, false);
	a = load("x86-fixed.json");
	b = load("arm-fixed.json");
	assert_null(an_result_find_match(b, &a->benches[1]));
	an_result_free(a);
	an_result_free(b);
}

/* A figure of a few counter units per sample ("coarse") gets no verdict:
 * a 10% "change" there is quantization. */
static void test_coarse_gets_no_verdict(void **state)
{
	struct an_result *a, *s;
	struct an_cmp c;

	rewrite("slower.json", "slower-coarse.json", coarse_cpuid, NULL);
	compare_files("base.json", "slower-coarse.json", &c, &a, &s);
	assert_int_equal(row_of(&c, "cpuid")->verdict, AN_V_NONE);
	assert_false(row_of(&c, "cpuid")->significant);
	assert_non_null(strstr(row_of(&c, "cpuid")->note, "coarse"));
	/* the rest of the file is still judged */
	assert_true(c.n_slower > 0);
	assert_true(s->benches[1].coarse || s->benches[0].coarse || s->benches[2].coarse);
	an_cmp_free(&c);
	an_result_free(a);
	an_result_free(s);
}

static void test_cmd_exit_codes(void **state)
{
	char *out, *err;

	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("base.json"), tpath("rerun.json"), NULL),
			 AN_EXIT_OK);
	assert_non_null(strstr(out, "no significant regression"));
	free(out);
	free(err);
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("base.json"), tpath("slower.json"), NULL),
			 AN_EXIT_REGRESSION);
	assert_non_null(strstr(out, "slower"));
	assert_non_null(strstr(out, "REGRESSION"));
	free(out);
	free(err);
	/* faster is not a regression */
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("base.json"), tpath("faster.json"), NULL),
			 AN_EXIT_OK);
	free(out);
	free(err);
	/* options after files, and --threshold hides the 10% */
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("base.json"), tpath("slower.json"),
				 "--threshold", "15", NULL),
			 AN_EXIT_OK);
	free(out);
	free(err);
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("base.json"), NULL), AN_EXIT_USAGE);
	free(out);
	free(err);
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare", "--bogus",
				 tpath("base.json"), tpath("same.json"), NULL),
			 AN_EXIT_USAGE);
	free(out);
	free(err);
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare", "--help",
				 NULL), AN_EXIT_OK);
	assert_non_null(strstr(out, "usage: hvbench compare"));
	free(out);
	free(err);
}

static void test_cmd_ratio_and_json(void **state)
{
	json_t *doc, *cmp;
	json_error_t jerr;
	char *out, *err;

	/* the emulated machine got 10% slower relative to itself */
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("arm.json"), tpath("arm-slower.json"),
				 "--json", NULL), AN_EXIT_REGRESSION);
	doc = json_loads(out, 0, &jerr);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "schema")),
			    "hvbench-compare/1");
	assert_true(json_is_true(json_object_get(doc, "regression")));
	cmp = json_array_get(json_object_get(doc, "comparisons"), 0);
	assert_string_equal(json_string_value(json_object_get(cmp, "mode")), "direct");
	json_decref(doc);
	free(out);
	free(err);
	/* across units: ratio mode, said in the header */
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("base.json"), tpath("arm.json"), NULL),
			 AN_EXIT_OK);
	assert_non_null(strstr(out, "units differ (cycles vs instructions)"));
	free(out);
	free(err);
	/* a reference that does not exist is an input problem, named */
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("base.json"), tpath("arm.json"), "--ref",
				 "nosuch", NULL), AN_EXIT_INPUT);
	assert_non_null(strstr(err, "nosuch"));
	free(out);
	free(err);
}

static void expect_load_error(const char *name, const char *want)
{
	struct an_result *r = NULL;
	char err[1024];

	assert_int_not_equal(an_result_load(tpath(name), 0, &r, err, sizeof(err)), 0);
	assert_null(r);
	if (!strstr(err, want))
		fail_msg("error for %s was '%s', wanted '%s'", name, err, want);
	/* one line, naming the file */
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, name));
}

static void test_loader_errors(void **state)
{
	char *text, want[600];
	size_t len;
	char *out, *err;

	/* truncated in the middle: FILE:LINE:COL */
	assert_int_equal(an_read_file(tpath("base.json"), &text, &len), 0);
	text[len / 2] = '\0';
	write_text("truncated.json", text);
	free(text);
	snprintf(want, sizeof(want), "%s:1:", tpath("truncated.json"));
	expect_load_error("truncated.json", want);
	write_text("lines.json", "{\n  \"schema\": \"hvbench-result/1\",\n  \"host\": {\n");
	snprintf(want, sizeof(want), "%s:4:", tpath("lines.json"));
	expect_load_error("lines.json", want);
	write_text("v3.json", "{\"schema\": \"hvbench-result/3\", \"host\": {}, \"benchmarks\": []}");
	expect_load_error("v3.json", "schema 'hvbench-result/3' is newer than this hvbench reads (hvbench-result/2)");
	write_text("v0.json", "{\"schema\": \"hvbench-result/0\", \"host\": {}, \"benchmarks\": []}");
	expect_load_error("v0.json", "older");
	write_text("noschema.json", "{\"host\": {}, \"benchmarks\": []}");
	expect_load_error("noschema.json", "not an hvbench result file");
	write_text("other.json", "{\"schema\": \"something-else/1\"}");
	expect_load_error("other.json", "not an hvbench result file");
	write_text("array.json", "[1, 2]");
	expect_load_error("array.json", "not an hvbench result file");
	write_text("type.json",
		   "{\"schema\": \"hvbench-result/1\", \"host\": {\"hostname\": \"h\"}, \"benchmarks\": ["
		   "{\"name\": \"a\", \"status\": \"unsupported\", \"reason\": \"r\"},"
		   "{\"name\": \"b\", \"status\": \"unsupported\", \"reason\": \"r\"},"
		   "{\"name\": \"c\", \"status\": \"unsupported\", \"reason\": \"r\"},"
		   "{\"name\": \"d\", \"status\": \"ok\", \"unit\": \"cycles\", \"cycles\": "
		   "{\"n\": 3, \"p10\": 1, \"p50\": \"fast\", \"p90\": 3}}]}");
	expect_load_error("type.json", "benchmarks[3].cycles.p50: expected a number");
	write_text("missing.json",
		   "{\"schema\": \"hvbench-result/1\", \"host\": {}, \"benchmarks\": ["
		   "{\"name\": \"d\", \"status\": \"ok\", \"unit\": \"cycles\"}]}");
	expect_load_error("missing.json", "benchmarks[0].cycles: expected an object");
	write_text("samples.json",
		   "{\"schema\": \"hvbench-result/1\", \"host\": {}, \"benchmarks\": ["
		   "{\"name\": \"d\", \"status\": \"ok\", \"unit\": \"cycles\", \"cycles\": "
		   "{\"p10\": 1, \"p50\": 2, \"p90\": 3}, \"samples\": [1, 2, null]}]}");
	{
		struct an_result *r = NULL;
		char e[512];

		assert_int_not_equal(an_result_load(tpath("samples.json"), AN_LOAD_SAMPLES,
						    &r, e, sizeof(e)), 0);
		assert_non_null(strstr(e, "benchmarks[0].samples[2]: expected a number"));
	}
	expect_load_error("does-not-exist.json", "cannot read");
	/* extra keys from other families are fine */
	write_text("extra.json",
		   "{\"schema\": \"hvbench-result/1.2\", \"future\": 1, \"host\": {\"x\": []}, \"benchmarks\": ["
		   "{\"name\": \"d\", \"status\": \"ok\", \"unit\": \"cycles\", \"round_trip\": "
		   "{\"p10\": 1, \"p50\": 2, \"p90\": 3}, \"segments\": {\"exit\": {\"p10\": 1, \"p50\": 1, \"p90\": 1}},"
		   "\"share\": {\"exit\": 0.5}, \"whatever\": {\"a\": [1]}}]}");
	{
		struct an_result *r = NULL;
		char e[512];

		assert_int_equal(an_result_load(tpath("extra.json"), AN_LOAD_SAMPLES, &r, e,
						sizeof(e)), 0);
		assert_int_equal(r->benches[0].n_segments, 1);
		assert_true(r->benches[0].cycles.p50 == 2); /* round_trip is its cost */
		an_result_free(r);
	}
	/* the command says it in one line and exits 2: read, but invalid */
	assert_int_equal(run_cmd(an_cmd_compare, &out, &err, "compare",
				 tpath("base.json"), tpath("v3.json"), NULL),
			 AN_EXIT_INVALID);
	assert_non_null(strstr(err, "v3.json: schema 'hvbench-result/3' is newer"));
	free(out);
	free(err);
}

static void test_matching_ignores_run_length_params(void **state)
{
	struct an_result *a = load("base.json");
	char *label;
	json_t *p;

	/* keys leave out params that do not change what is measured */
	assert_null(strstr(a->benches[1].key, "pmu_events"));
	assert_null(strstr(a->benches[1].key, "min_time_ms"));
	assert_non_null(strstr(a->benches[1].key, "\"cpl\":3"));
	assert_true(an_param_ignored("pmu_events"));
	assert_true(an_param_ignored("batch"));	/* figures are per op */
	assert_false(an_param_ignored("cpl"));
	/* a label shows only params that tell same-named records apart */
	label = an_bench_label(&a, 1, &a->benches[1]);
	assert_string_equal(label, "cpuid");
	free(label);
	p = json_object_get(a->benches[2].params, "cpl");
	json_integer_set(p, 0);
	a->benches[2].name = "cpuid";
	an_results_changed();
	label = an_bench_label(&a, 1, &a->benches[2]);
	assert_string_equal(label, "cpuid cpl=0");
	free(label);
	an_result_free(a);
}

/* The label index (one pass) says what the pairwise search said: a param
 * is shown iff another record of the same name lacks it or differs in it. */
static bool brute_varies(const struct an_result *r, const struct an_bench *b,
			 const char *k, json_t *v)
{
	for (size_t j = 0; j < r->n_benches; j++) {
		const struct an_bench *o = &r->benches[j];
		if (o == b || strcmp(o->name, b->name))
			continue;
		json_t *ov = o->params ? json_object_get(o->params, k) : NULL;
		if (!ov || !json_equal(ov, v))
			return true;
	}
	return false;
}

static void test_label_index_matches_pairwise(void **state)
{
	static const char *const names[] = { "a", "b", "c" };
	static const char *const keys[] = { "cpl", "vcpus", "mem_mb" };
	struct an_result r = { 0 };
	struct an_result *rp = &r;
	uint64_t x = 12345;

	r.n_benches = 300;
	r.benches = calloc(r.n_benches, sizeof(*r.benches));
	assert_non_null(r.benches);
	for (size_t i = 0; i < r.n_benches; i++) {
		struct an_bench *b = &r.benches[i];
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		b->name = names[(x >> 33) % 3];
		b->params = json_object();
		for (size_t k = 0; k < 3; k++) {
			unsigned pick = (unsigned)(x >> (40 + 4 * k)) % 5;
			if (pick == 4 && k == 2)
				continue;	/* some records lack mem_mb */
			/* name "c": every record alike in every param */
			json_object_set_new(b->params, keys[k],
				json_integer(b->name[0] == 'c' ? 7 : (k == 0 ? 3 : pick)));
		}
	}
	an_results_changed();
	for (size_t i = 0; i < r.n_benches; i++) {
		const struct an_bench *b = &r.benches[i];
		char want[256];
		int n = snprintf(want, sizeof(want), "%s", b->name);
		bool first = true;
		const char *k;
		json_t *v;
		json_object_foreach(b->params, k, v) {
			if (an_param_ignored(k) || !brute_varies(&r, b, k, v))
				continue;
			char *d = json_dumps(v, JSON_ENCODE_ANY);
			n += snprintf(want + n, sizeof(want) - (size_t)n, "%s%s=%s", first ? " " : ",", k, d);
			free(d);
			first = false;
		}
		char *got = an_bench_label(&rp, 1, b);
		assert_string_equal(got, want);
		free(got);
	}
	for (size_t i = 0; i < r.n_benches; i++)
		json_decref(r.benches[i].params);
	free(r.benches);
	an_results_changed();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_index_matches_pairwise),
		cmocka_unit_test(test_identical_is_same),
		cmocka_unit_test(test_long_reason_cut_at_a_word),
		cmocka_unit_test(test_noise_is_same),
		cmocka_unit_test(test_ten_percent_is_slower),
		cmocka_unit_test(test_threshold_hides_small_change),
		cmocka_unit_test(test_units_differ_ratio_mode),
		cmocka_unit_test(test_auto_level_matches_across_archs),
		cmocka_unit_test(test_coarse_gets_no_verdict),
		cmocka_unit_test(test_cmd_exit_codes),
		cmocka_unit_test(test_cmd_ratio_and_json),
		cmocka_unit_test(test_loader_errors),
		cmocka_unit_test(test_matching_ignores_run_length_params),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
