/* Tests for the result document (hvbench/results.c): the keys
 * docs/results-schema.md promises, the encoders, the atomic write and the
 * default file name. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hvbench/results.h"
#include "probes/histogram.h"

#ifndef HVBENCH_VERSION
#define HVBENCH_VERSION "0.0.0"
#endif

#include "tests/testroot.h"

static int group_setup(void **state)
{
	return find_root();
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The top-level names in the first column of the schema doc's "## Top
 * level" table (rows for nested keys, `tool.name`, `benchmarks[]`, skipped). */
static size_t schema_top_keys(char keys[][64], size_t max)
{
	char path[PATH_MAX + 64];
	char *doc, *p, *end;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/docs/results-schema.md", root);
	doc = slurp(path);
	assert_non_null(doc);
	p = strstr(doc, "\n## Top level");
	assert_non_null(p);
	end = strstr(p + 1, "\n## ");
	if (end)
		*end = '\0';
	while ((p = strstr(p, "\n| `")) && n < max) {
		char *q;

		p += 4;
		q = strchr(p, '`');
		assert_non_null(q);
		if (memchr(p, '.', q - p) || memchr(p, '[', q - p))
			continue;
		snprintf(keys[n++], 64, "%.*s", (int)(q - p), p);
	}
	free(doc);
	return n;
}

static void check_iso8601(const char *s)
{
	int y, mo, d, h, mi, se;
	char z;

	assert_non_null(s);
	assert_int_equal(strlen(s), 20);
	assert_int_equal(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h,
				&mi, &se, &z), 7);
	assert_int_equal(z, 'Z');
	assert_true(y >= 2024 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31);
}

static void test_document_keys(void **state)
{
	char keys[32][64];
	size_t n = schema_top_keys(keys, 32);
	json_t *host = json_pack("{s:s}", "hostname", "vm");
	json_t *doc = results_new("quick", "configs/quick.json", host);
	json_t *v;

	assert_true(n >= 8);
	assert_non_null(doc);
	/* the host object is the caller's, moved in */
	assert_ptr_equal(json_object_get(doc, "host"), host);
	assert_true(json_is_null(json_object_get(doc, "finished")));
	results_add_benchmark(doc, json_pack("{s:s}", "name", "cpuid"));
	results_add_benchmark(doc, json_pack("{s:s}", "name", "empty"));
	results_finish(doc, false);

	/* Nothing the schema does not name. Both directions on real files
	 * (host_load and suite.sha256 come from `hvbench run`, not from
	 * results_new) are ci/test-schema.sh's. */
	const char *key;
	json_t *val;
	json_object_foreach(doc, key, val) {
		size_t i;

		for (i = 0; i < n && strcmp(keys[i], key); i++)
			;
		if (i == n) {
			print_error("results_new writes %s, which docs/results-schema.md does not name\n",
				    key);
			fail();
		}
	}
	/* identity first: the file reads top-down */
	assert_string_equal(json_object_iter_key(json_object_iter(doc)),
			    "schema");
	assert_string_equal(json_string_value(json_object_get(doc, "schema")),
			    "hvbench-result/2");
	v = json_object_get(doc, "tool");
	assert_string_equal(json_string_value(json_object_get(v, "name")),
			    "hvbench");
	assert_string_equal(json_string_value(json_object_get(v, "version")),
			    HVBENCH_VERSION);
	assert_true(json_string_length(json_object_get(v, "git")) > 0);
	v = json_object_get(doc, "suite");
	assert_string_equal(json_string_value(json_object_get(v, "name")),
			    "quick");
	assert_string_equal(json_string_value(json_object_get(v, "file")),
			    "configs/quick.json");
	check_iso8601(json_string_value(json_object_get(doc, "started")));
	check_iso8601(json_string_value(json_object_get(doc, "finished")));
	assert_true(strcmp(json_string_value(json_object_get(doc, "started")),
			   json_string_value(json_object_get(doc, "finished"))) <= 0);
	assert_true(json_is_false(json_object_get(doc, "interrupted")));
	v = json_object_get(doc, "benchmarks");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 1),
							      "name")),
			    "empty");
	results_finish(doc, true);
	assert_true(json_is_true(json_object_get(doc, "interrupted")));
	json_decref(doc);

	/* no host given: still an object */
	doc = results_new("s", "s.json", NULL);
	assert_true(json_is_object(json_object_get(doc, "host")));
	json_decref(doc);
}

static void test_iso8601(void **state)
{
	char buf[32];

	results_iso8601(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	results_iso8601(1795290002, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-21T19:40:02Z");
}

static void test_stats_json(void **state)
{
	static const char *const order[] = { "n", "min", "p10", "p50", "p90",
					      "p99", "max", "mean", "stddev",
					      "ci95_low", "ci95_high" };
	struct stats_summary s = {
		.n = 18021, .min = 9804, .p10 = 10400.04, .p50 = 11050.0,
		.p90 = 11799.96, .p99 = 14020.46, .max = 98000,
		.mean = 11210.4321, .stddev = 1403.25, .ci95_low = 11030,
		.ci95_high = NAN,
	};
	json_t *j = results_stats_json(&s);
	void *it = json_object_iter(j);

	assert_non_null(j);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		assert_non_null(it);
		assert_string_equal(json_object_iter_key(it), order[i]);
		it = json_object_iter_next(j, it);
	}
	assert_null(it);
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 18021);
	/* whole numbers after rounding are integers, the rest one decimal */
	assert_true(json_is_integer(json_object_get(j, "min")));
	assert_int_equal(json_integer_value(json_object_get(j, "p10")), 10400);
	assert_int_equal(json_integer_value(json_object_get(j, "p50")), 11050);
	assert_int_equal(json_integer_value(json_object_get(j, "p90")), 11800);
	assert_true(json_is_real(json_object_get(j, "p99")));
	assert_true(fabs(json_real_value(json_object_get(j, "p99")) - 14020.5) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(j, "mean")) - 11210.4) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(j, "stddev")) - 1403.3) < 1e-9);
	/* NaN has no JSON form */
	assert_true(json_is_null(json_object_get(j, "ci95_high")));
	json_decref(j);
}

static void test_histogram_json(void **state)
{
	uint32_t *counts = calloc(HIST_BUCKETS, sizeof(*counts));
	uint32_t big = hist_bucket(9800), last = HIST_BUCKETS - 1;
	json_t *j, *b, *row;

	assert_non_null(counts);
	j = results_histogram_json(counts);
	assert_int_equal(json_array_size(json_object_get(j, "buckets")), 0);
	json_decref(j);

	counts[5] = 3;
	counts[big] = 2;
	counts[last] = 1;
	j = results_histogram_json(counts);
	assert_string_equal(json_string_value(json_object_get(j, "scheme")),
			    "log-linear");
	assert_int_equal(json_integer_value(json_object_get(j, "linear_bits")),
			 HIST_LINEAR_BITS);
	assert_int_equal(json_integer_value(json_object_get(j, "sub_bits")),
			 HIST_SUB_BITS);
	b = json_object_get(j, "buckets");
	assert_int_equal(json_array_size(b), 3);
	row = json_array_get(b, 0);
	assert_int_equal(json_integer_value(json_array_get(row, 0)), 5);
	assert_int_equal(json_integer_value(json_array_get(row, 1)), 5);
	assert_int_equal(json_integer_value(json_array_get(row, 2)), 3);
	row = json_array_get(b, 1);
	assert_int_equal(json_integer_value(json_array_get(row, 0)),
			 hist_bucket_low(big));
	assert_int_equal(json_integer_value(json_array_get(row, 1)),
			 hist_bucket_high(big));
	assert_true(json_integer_value(json_array_get(row, 0)) <= 9800);
	assert_true(json_integer_value(json_array_get(row, 1)) >= 9800);
	assert_int_equal(json_integer_value(json_array_get(row, 2)), 2);
	/* the clamping bucket has no upper bound */
	row = json_array_get(b, 2);
	assert_int_equal(json_integer_value(json_array_get(row, 0)),
			 hist_bucket_low(last));
	assert_true(json_is_null(json_array_get(row, 1)));
	assert_int_equal(json_integer_value(json_array_get(row, 2)), 1);
	json_decref(j);
	free(counts);
}

/* A sample of `batch` operations becomes a per-op figure, rounded finer as
 * batch grows (one counter unit per sample is worth 1/batch per op). */
static void test_per_op_json(void **state)
{
	struct stats_summary s = {
		.n = 100, .min = 3, .p10 = 5, .p50 = 16, .p90 = 17, .p99 = 64,
		.max = 640, .mean = 17.5, .stddev = 2, .ci95_low = 15,
		.ci95_high = 16,
	};
	const uint64_t smp[] = { 16, 17, 64 };
	json_t *j = results_stats_json_per_op(&s, 64), *a;

	assert_int_equal(json_integer_value(json_object_get(j, "n")), 100);
	assert_true(fabs(json_number_value(json_object_get(j, "p50")) - 0.25) < 1e-9);
	assert_true(fabs(json_number_value(json_object_get(j, "min")) - 0.047) < 1e-9);
	assert_int_equal(json_integer_value(json_object_get(j, "max")), 10);
	json_decref(j);
	/* batch 1 is the plain block */
	j = results_stats_json_per_op(&s, 1);
	assert_int_equal(json_integer_value(json_object_get(j, "p50")), 16);
	json_decref(j);
	a = results_samples_json_per_op(smp, 3, 4);
	assert_true(fabs(json_number_value(json_array_get(a, 0)) - 4.0) < 1e-9);
	assert_true(fabs(json_number_value(json_array_get(a, 1)) - 4.25) < 1e-9);
	assert_true(fabs(json_number_value(json_array_get(a, 2)) - 16.0) < 1e-9);
	json_decref(a);
	assert_true(fabs(results_round_per_op(17, 4) - 4.25) < 1e-9);
	assert_true(fabs(results_round_per_op(1, 3) - 0.33) < 1e-9);
}

static void test_samples_json(void **state)
{
	const uint64_t s[] = { 11050, 0, 11102, UINT64_MAX };
	json_t *j = results_samples_json(s, 4);

	assert_int_equal(json_array_size(j), 4);
	assert_int_equal(json_integer_value(json_array_get(j, 0)), 11050);
	assert_int_equal(json_integer_value(json_array_get(j, 1)), 0);
	assert_int_equal(json_integer_value(json_array_get(j, 2)), 11102);
	assert_int_equal(json_integer_value(json_array_get(j, 3)), INT64_MAX);
	json_decref(j);
	j = results_samples_json(NULL, 0);
	assert_true(json_is_array(j));
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
}

/* The names in dir, sorted, joined with spaces. */
static void listing(const char *dir, char *out, size_t len)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	size_t k = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..") &&
		    k < len)
			k += (size_t)snprintf(out + k, len - k, "%s%s",
					      k ? " " : "", ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

static void test_write_atomic(void **state)
{
	char tmpl[] = "/tmp/hvbench-test-results-XXXXXX";
	char *base = mkdtemp(tmpl);
	char dir[PATH_MAX], path[PATH_MAX + 64], other[PATH_MAX + 64];
	char err[1024], names[1024], *text;
	struct stats_summary st = { .n = 1, .mean = 11210.4321, .p50 = 5 };
	json_t *doc, *back;
	json_error_t je;
	struct stat sb;
	mode_t mask;

	assert_non_null(base);
	snprintf(dir, sizeof(dir), "%s/results", base);
	snprintf(path, sizeof(path), "%s/run.json", dir);

	/* the folder is created, the file is complete and reads back equal */
	doc = results_new("quick", "configs/quick.json", NULL);
	results_add_benchmark(doc, json_pack("{s:s, s:o}", "name", "cpuid",
					     "cycles", results_stats_json(&st)));
	results_finish(doc, false);
	assert_int_equal(results_write_atomic(doc, path, err, sizeof(err)), 0);
	back = json_load_file(path, 0, &je);
	assert_non_null(back);
	assert_true(json_equal(doc, back));
	json_decref(back);
	listing(dir, names, sizeof(names));
	assert_string_equal(names, "run.json");
	text = slurp(path);
	assert_non_null(text);
	assert_int_equal(text[strlen(text) - 1], '\n');
	/* decimals print as written, not as 11210.400000000001 */
	assert_non_null(strstr(text, "11210.4\n") ? strstr(text, "11210.4\n") :
						     strstr(text, "11210.4,"));
	/* insertion order, not sorted: "schema" comes first */
	assert_true(strstr(text, "\"schema\"") < strstr(text, "\"benchmarks\""));
	free(text);
	mask = umask(0);
	umask(mask);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0666 & ~mask);

	/* replacing an existing file */
	results_finish(doc, true);
	assert_int_equal(results_write_atomic(doc, path, err, sizeof(err)), 0);
	back = json_load_file(path, 0, &je);
	assert_true(json_is_true(json_object_get(back, "interrupted")));
	json_decref(back);
	listing(dir, names, sizeof(names));
	assert_string_equal(names, "run.json");

	/* the target is a folder: refused before any temp file exists */
	snprintf(other, sizeof(other), "%s/adir", dir);
	assert_int_equal(mkdir(other, 0755), 0);
	err[0] = '\0';
	assert_true(results_write_atomic(doc, other, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "refusing"));
	listing(dir, names, sizeof(names));
	assert_string_equal(names, "adir run.json");
	rmdir(other);

	/* the parent is a file, not a folder */
	snprintf(other, sizeof(other), "%s/run.json/x.json", dir);
	err[0] = '\0';
	assert_true(results_write_atomic(doc, other, err, sizeof(err)) < 0);
	assert_true(strlen(err) > 0);
	listing(dir, names, sizeof(names));
	assert_string_equal(names, "run.json");

	/* a folder nobody, not even root, can create */
	err[0] = '\0';
	assert_true(results_write_atomic(doc, "/proc/hvbench-no-such/x.json",
					 err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/proc/hvbench-no-such"));
	assert_int_equal(access("/proc/hvbench-no-such", F_OK), -1);

	/* a folder where files cannot be created */
	err[0] = '\0';
	assert_true(results_write_atomic(doc, "/proc/self/x.json", err,
					 sizeof(err)) < 0);
	assert_non_null(strstr(err, "/proc/self"));

	json_decref(doc);
	unlink(path);
	rmdir(dir);
	assert_int_equal(rmdir(base), 0);
}

static void test_default_path(void **state)
{
	char out[256];
	const time_t t = 1795290002;	/* 2026-11-21T19:40:02Z */

	assert_int_equal(results_default_path("results", "vm", t, out,
					      sizeof(out)), 0);
	assert_string_equal(out, "results/vm-20261121T194002Z.json");
	assert_int_equal(results_default_path("out/", "My-Host.example_1", t,
					      out, sizeof(out)), 0);
	assert_string_equal(out, "out/My-Host.example_1-20261121T194002Z.json");
	/* anything outside [A-Za-z0-9._-] is replaced, UTF-8 byte by byte */
	assert_int_equal(results_default_path("r", "a b/c:\u540d", t, out,
					      sizeof(out)), 0);
	assert_string_equal(out, "r/a_b_c____-20261121T194002Z.json");
	/* no hidden files, no empty names */
	assert_int_equal(results_default_path("r", ".x", t, out, sizeof(out)), 0);
	assert_string_equal(out, "r/_x-20261121T194002Z.json");
	assert_int_equal(results_default_path("r", "", t, out, sizeof(out)), 0);
	assert_string_equal(out, "r/unknown-20261121T194002Z.json");
	assert_int_equal(results_default_path(NULL, NULL, t, out, sizeof(out)),
			 0);
	assert_string_equal(out, "results/unknown-20261121T194002Z.json");
	assert_int_equal(results_default_path("results", "vm", t, out, 20),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_keys),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_stats_json),
		cmocka_unit_test(test_histogram_json),
		cmocka_unit_test(test_samples_json),
		cmocka_unit_test(test_per_op_json),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
