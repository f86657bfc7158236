/* analysis/jsonfast.c against what it replaces: an_fmt_g17 against glibc's
 * snprintf("%.17g") over millions of doubles (random bit patterns, the
 * decimal values result files hold, integers, powers, the edges of its
 * exact range), an_json_compact against jansson's json_dumps (compact,
 * sorted and not) over every JSON file in tests/data and hostile strings.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_g17),
		cmocka_unit_test(test_dumps_data_files),
		cmocka_unit_test(test_dumps_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
