/* analysis/jsonfast.c against what it replaces: an_fmt_g17 against glibc's
 * snprintf("%.17g") over millions of doubles (random bit patterns, the
 * decimal values result files hold, integers, powers, the edges of its
 * exact range), an_json_compact against jansson's json_dumps (compact,
 * sorted and not) over every JSON file in tests/data and hostile strings,
 * an_json_parse against json_loadb: the same tree, or none where jansson
 * refuses (the data files, their every prefix, the fuzz seeds, edges).
 * The store's content key is the SHA-256 of these bytes: a difference
 * would store a run twice. */
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analysis/an_jsonfast.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void check_g17(double v)
{
	char a[32], b[64];
	int n = an_fmt_g17(v, a);

	snprintf(b, sizeof(b), "%.17g", v);
	if (strcmp(a, b) || n != (int)strlen(b))
		fail_msg("%a: an_fmt_g17 '%s' (%d), snprintf '%s'", v, a, n, b);
}

static void test_g17(void **state)
{
	static const double fixed[] = {
		0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1e-4, 9.9999999999999995e-5,
		1e-5, 1e16, 1e17, 9.9999999999999998e16, 1e-6, 1e-7, 123456789012345678.0,
		DBL_MAX, DBL_MIN, DBL_TRUE_MIN, 24.03666667, 0.5443435698, 2100000000,
		11.42857143, 4503599627370496.0, 9007199254740993.0, 1.0 / 3,
		2.0 / 3, 100, 1e15, 1e22, 1e23, 5e-324, 0.30000000000000004,
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		check_g17(fixed[i]);
		check_g17(-fixed[i]);
		check_g17(nextafter(fixed[i], INFINITY));
		check_g17(nextafter(fixed[i], -INFINITY));
	}
	check_g17(NAN);
	check_g17(INFINITY);
	check_g17(-INFINITY);
	for (int i = 0; i < 1000000; i++) {
		uint64_t bits = next();
		double v;

		memcpy(&v, &bits, sizeof(v));
		check_g17(v); /* any bit pattern */
		/* figures as result files have them: a few decimals */
		check_g17((double)(next() % 100000000) / pow(10, (double)(next() % 12)));
		check_g17((double)(next() % 2000000) * pow(2, (double)(int)(next() % 80) - 60));
		check_g17((double)(int64_t)(next() >> (next() % 64)));
	}
	for (int e = -1074; e < 1024; e++) {
		check_g17(ldexp(1, e));
		check_g17(ldexp(3, e));
	}
	for (int e = -30; e < 30; e++) {
		check_g17(pow(10, e));
		check_g17(5 * pow(10, e));
	}
}

static void check_doc(json_t *j, const char *what)
{
	for (int sort = 0; sort < 2; sort++) {
		char *a = an_json_compact(j, sort);
		char *b = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY |
					(sort ? JSON_SORT_KEYS : 0));

		assert_non_null(b);
		if (!a || strcmp(a, b)) {
			size_t k = 0;

			while (a && a[k] && a[k] == b[k])
				k++;
			fail_msg("%s (sorted %d): differs at byte %zu: '%.40s' vs '%.40s'",
				 what, sort, k, a ? a + k : "(null)", b + k);
		}
		free(a);
		free(b);
	}
}

static void test_dumps_data_files(void **state)
{
	static const char *const dirs[] = { "tests/data", "tests/data/analysis" };
	int n = 0;

	for (size_t d = 0; d < 2; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *e;

		assert_non_null(dir);
		while ((e = readdir(dir))) {
			char path[512];
			size_t l = strlen(e->d_name);
			json_t *j;

			if (l < 5 || strcmp(e->d_name + l - 5, ".json"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], e->d_name);
			j = json_load_file(path, 0, NULL);
			if (!j)
				continue; /* the malformed ones */
			check_doc(j, path);
			json_decref(j);
			n++;
		}
		closedir(dir);
	}
	assert_true(n >= 5);
}

static void test_dumps_values(void **state)
{
	json_t *o = json_object(), *a = json_array();
	static const char odd[] = "q\"uo\\te\b\f\n\r\t\x01\x1f\x7f/ üñ€𝄞 'x' <y>";

	json_object_set_new(o, "zeta", json_integer(-9223372036854775807LL - 1));
	json_object_set_new(o, "alpha", json_integer(9223372036854775807LL));
	json_object_set_new(o, odd, json_string(odd));
	json_object_set_new(o, "a", json_stringn("nul\0in", 6));
	json_object_set_new(o, "ab", json_real(1e300));
	json_object_set_new(o, "aa", json_real(-0.0));
	json_object_set_new(o, "e", json_object());
	json_object_set_new(o, "f", json_array());
	json_object_set_new(o, "g", json_null());
	json_object_set_new(o, "h", json_true());
	json_object_set_new(o, "i", json_false());
	for (int i = 0; i < 5000; i++) {
		uint64_t bits = next();
		double v;

		memcpy(&v, &bits, sizeof(v));
		if (isfinite(v))
			json_array_append_new(a, json_real(v));
		json_array_append_new(a, json_real((double)(next() % 1000000) / 1000));
		json_array_append_new(a, json_integer((json_int_t)next()));
	}
	for (int i = 0; i < 40; i++) { /* more keys than the dumper's stack */
		char k[16];

		snprintf(k, sizeof(k), "k%d", (i * 7919) % 40);
		json_object_set_new(o, k, json_integer(i));
	}
	json_object_set(o, "array", a);
	check_doc(o, "values");
	check_doc(a, "array");
	check_doc(json_object_get(o, "zeta"), "integer");
	check_doc(json_object_get(o, odd), "string");
	json_decref(a);
	json_decref(o);
}

/* The fast reader gives jansson's tree, or leaves the text to jansson:
 * never a tree where json_loadb fails. */
static void check_parse(const char *text, size_t len, const char *what)
{
	json_t *a = an_json_parse(text, len);
	json_t *b = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);

	if (a && !b)
		fail_msg("%s: parsed where jansson refuses", what);
	if (a) {
		char *x = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(17));
		char *y = json_dumps(b, JSON_COMPACT | JSON_REAL_PRECISION(17));

		/* the same tree: values, types (1 vs 1.0) and key order */
		if (!json_equal(a, b) || !x || !y || strcmp(x, y))
			fail_msg("%s: a different tree than jansson's", what);
		free(x);
		free(y);
	}
	json_decref(a);
	json_decref(b);
}

static int n_parsed;

static void parse_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[600], *text;
		size_t len;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		text = malloc(1 << 24);
		assert_non_null(text);
		len = fread(text, 1, (1 << 24) - 1, f);
		fclose(f);
		check_parse(text, len, path);
		/* every prefix of the small ones: truncated files */
		for (size_t l = 0; len < 4096 && l < len; l++)
			check_parse(text, l, path);
		free(text);
		n_parsed++;
	}
	closedir(d);
}

static void test_parse_files(void **state)
{
	parse_dir("tests/data");
	parse_dir("tests/data/analysis");
	parse_dir("tests/data/suites");
	parse_dir("fuzz/corpus/fuzz_results");
	parse_dir("fuzz/corpus/fuzz_suite");
	assert_true(n_parsed >= 10);
	/* a result file as hvbench writes it is read without jansson */
	char *text;
	size_t len;
	FILE *f = fopen("tests/data/analysis/x86-vmx.json", "rb");
	json_t *j;

	assert_non_null(f);
	text = malloc(1 << 22);
	assert_non_null(text);
	len = fread(text, 1, 1 << 22, f);
	fclose(f);
	j = an_json_parse(text, len);
	assert_non_null(j);
	json_decref(j);
	free(text);
}

static void test_parse_edges(void **state)
{
	static const char *const cases[] = {
		"[]", "{}", " [ ] ", "[1]", "[-0]", "[0]", "[-1]", "[01]", "[1.]",
		"[.5]", "[-]", "[1e]", "[1e+]", "[1E5]", "[1e-400]", "[4e-320]",
		"[1e400]", "[-1e400]", "[0.5e-3]", "[9223372036854775807]",
		"[-9223372036854775808]", "[9223372036854775808]",
		"[-9223372036854775809]", "[18446744073709551616]",
		"[1,]", "[,1]", "[1 2]", "{\"a\":1,}", "{\"a\" 1}", "{1:2}",
		"{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}", "[1] x",
		"[1]\n\t ", "1", "\"s\"", "null", "", " ", "[", "[1", "{\"a\":",
		"[tru]", "[true]", "[nul]", "[null]", "[false]", "[falsey]",
		"[\"a\\x\"]", "[\"a\\u0041\"]", "[\"a\\u0000\"]",
		"[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"]",
		"{\"k\\n\":\"v\\t\",\"k\\n\":1}", "{\"k\\n\":\"v\",\"j\":[\"x\\\"\"]}",
		"[\"\x01\"]", "[\"\x7f\"]", "[\"\xc0\x80\"]", "[\"\xed\xa0\x80\"]",
		"[\"\xf4\x90\x80\x80\"]", "[\"\xe2\x82\xac \xf0\x9d\x84\x9e\"]",
		"[\"\xe2\x82\"]", "\xef\xbb\xbf[]", "[1.5,-2.25e3,\"x\",{\"y\":[]}]",
		"[\"unterminated]", "[1]\x00", "{\"a\":1}{}",
	};
	char deep[5000];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_parse(cases[i], strlen(cases[i]), cases[i]);
	check_parse("[1]\0", 4, "NUL after");
	check_parse("[\"a\0b\"]", 7, "NUL in a string");
	for (int n = 1000; n < 2500; n += 500) { /* jansson's limit: 2048 */
		memset(deep, '[', (size_t)n);
		memset(deep + n, ']', (size_t)n);
		check_parse(deep, 2 * (size_t)n, "deep");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_g17),
		cmocka_unit_test(test_dumps_data_files),
		cmocka_unit_test(test_dumps_values),
		cmocka_unit_test(test_parse_files),
		cmocka_unit_test(test_parse_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
