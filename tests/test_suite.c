/* Tests for suite files (hvbench/suite.c) against the real benchmark table:
 * good and bad files, variants, defaults, generic and family parameters.
 * Syntax positions, I/O errors, jsonpos and the docs: test_suite_syntax.c. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
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

#include "hvbench/jsonpos.h"
#include "hvbench/suite.h"
#include "microbench/mb.h"
#include "tests/suite_testutil.h"

/* ---- good files ---- */

static int load_all_in(const char *dir, const char *prefix)
{
	char path[PATH_MAX + 256], err[4096];
	struct dirent *de;
	struct suite s;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 5, ".json") ||
		    strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (suite_load(path, &s, err, sizeof(err))) {
			print_error("%s\n", err);
			fail();
		}
		assert_true(s.n > 0);
		assert_true(s.name[0] != '\0');
		assert_string_equal(s.path, path);
		for (size_t i = 0; i < s.n; i++) {
			assert_non_null(s.entries[i].bench);
			assert_int_equal(strncmp(s.entries[i].label,
						 s.entries[i].bench->name,
						 strlen(s.entries[i].bench->name)),
					 0);
			assert_true(s.entries[i].line > 0);
			assert_true(s.entries[i].col > 0);
		}
		suite_free(&s);
		n++;
	}
	closedir(d);
	return n;
}

static void test_good_files(void **state)
{
	char dir[PATH_MAX + 64];
	int n;

	snprintf(dir, sizeof(dir), "%s/configs", root);
	n = load_all_in(dir, "");
	printf("# configs/*.json: %d suite file(s) valid\n", n);
	snprintf(dir, sizeof(dir), "%s/tests/data/suites", root);
	n = load_all_in(dir, "good-");
	assert_true(n >= 2);
}

static void test_variants_and_defaults(void **state)
{
	char path[PATH_MAX + 64], err[4096];
	struct suite s;
	struct suite_entry r;
	json_t *j;

	data_path(path, sizeof(path), "good-variants.json");
	assert_int_equal(suite_load(path, &s, err, sizeof(err)), 0);
	assert_string_equal(s.name, "variants");
	assert_string_equal(s.description,
			    "the same benchmark several times, defaults applied");
	assert_int_equal(s.n, 4);

	/* defaults reach every entry unless the entry says otherwise */
	for (size_t i = 0; i < s.n; i++) {
		assert_int_equal(s.entries[i].params.min_time_ms, 50);
		assert_true(s.entries[i].params.pin);
		assert_int_equal(s.entries[i].index, i);
	}
	assert_int_equal(s.entries[0].params.repetitions, 3);
	assert_int_equal(s.entries[3].params.repetitions, 1);

	/* a variant of the same benchmark keeps its own parameters */
	assert_ptr_equal(s.entries[0].bench, mb_find("cpuid"));
	assert_ptr_equal(s.entries[1].bench, mb_find("cpuid"));
	assert_int_equal(s.entries[0].params.cpl, MB_CPL_AUTO);
	assert_true(s.entries[0].params.cpl_auto);
	assert_int_equal(s.entries[0].params.mem_mb, 32);
	assert_int_equal(s.entries[1].params.cpl, 3);
	assert_false(s.entries[1].params.cpl_auto);
	assert_int_equal(s.entries[1].params.mem_mb, 64);
	assert_int_equal(s.entries[2].params.cpl, 0);
	assert_int_equal(s.entries[2].params.n_pmu_events, 2);
	assert_string_equal(s.entries[2].params.pmu_events[1], "instructions");
	assert_int_equal(s.entries[3].params.vcpus, 2);
	assert_int_equal(s.entries[3].params.warmup_iters, 0);

	/* labels: the entry's own parameters, in file order */
	assert_string_equal(s.entries[0].label, "cpuid cpl=auto");
	assert_string_equal(s.entries[1].label, "cpuid cpl=3 mem_mb=64");
	assert_string_equal(s.entries[2].label,
			    "empty cpl=0 pmu_events=cycles,instructions");
	assert_string_equal(s.entries[3].label,
			    "pf_first_touch vcpus=2 warmup_iters=0 repetitions=1");

	/* positions: the entry's object, tabs count as one column */
	assert_int_equal(s.entries[0].line, 6);
	assert_int_equal(s.entries[0].col, 3);
	assert_int_equal(s.entries[3].line, 9);

	/* where a parameter came from */
	int line, col;
	assert_int_equal(suite_param_pos(&s, &s.entries[1], "mem_mb", &line,
					 &col), 0);
	assert_int_equal(line, 7);
	assert_int_equal(col, 41);
	assert_int_equal(suite_param_pos(&s, &s.entries[1], "pin", &line, &col),
			 0);
	assert_int_equal(line, 4);
	assert_int_equal(col, 59);
	assert_int_equal(suite_param_pos(&s, &s.entries[1], "timeout_ms", &line,
					 &col), 0);
	assert_int_equal(line, 7);
	assert_int_equal(col, 3);
	assert_int_equal(suite_param_pos(&s, &s.entries[1], "bogus", &line,
					 &col), -ENOENT);

	/* unresolved "auto" never reaches a result file */
	assert_null(suite_params_json(&s.entries[0]));
	r = s.entries[0];
	r.params.cpl = 3;
	j = suite_params_json(&r);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "cpl")), 3);
	assert_true(json_is_true(json_object_get(j, "cpl_auto")));
	assert_int_equal(json_integer_value(json_object_get(j, "min_time_ms")),
			 50);
	assert_true(json_is_true(json_object_get(j, "pin")));
	for (size_t i = 0; i < mb_generic_count(); i++)
		assert_non_null(json_object_get(j, mb_generic_get(i)->name));
	/* "cpl_auto" sits right after "cpl" */
	assert_string_equal(json_object_iter_key(json_object_iter_next(
				    j, json_object_iter_at(j, "cpl"))),
			    "cpl_auto");
	json_decref(j);

	j = suite_params_json(&s.entries[1]);
	assert_non_null(j);
	assert_null(json_object_get(j, "cpl_auto"));
	assert_int_equal(json_integer_value(json_object_get(j, "mem_mb")), 64);
	json_decref(j);

	j = suite_params_json(&s.entries[2]);
	assert_int_equal(json_array_size(json_object_get(j, "pmu_events")), 2);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(j, "pmu_events"), 0)),
			    "cycles");
	json_decref(j);
	suite_free(&s);
}

/* ---- bad files: exact position and message ---- */

static const struct {
	const char *file;
	int line, col;
	const char *msg;
} bad[] = {
	{ "bad-trailing-comma.json", 5, 22,
	  "malformed JSON: trailing comma before ']'" },
	{ "bad-missing-brace.json", 5, 4,
	  "malformed JSON at end of input: '}' expected; is the file truncated?" },
	{ "bad-truncated.json", 4, 39, "at end of input" },
	{ "bad-unknown-benchmark.json", 5, 14,
	  "unknown benchmark \"pio_usr\"; did you mean \"pio_user\"? (valid: " },
	{ "bad-unknown-param.json", 4, 23,
	  "unknown parameter \"vcpu\" for benchmark cpuid; did you mean \"vcpus\"? (valid: cpl, min_time_ms, " },
	{ "bad-vcpus-zero.json", 5, 15, "vcpus must be an integer 1..1024, got 0" },
	{ "bad-wrong-type.json", 4, 38,
	  "repetitions must be an integer 1..1000, got \"3\"" },
	{ "bad-wrong-type-bool.json", 3, 23, "pin must be true or false, got 1" },
	{ "bad-duplicate-key.json", 4, 35,
	  "duplicate key \"vcpus\" in the same object" },
	{ "bad-cpl-disallowed.json", 4, 28,
	  "benchmark ipi cannot run at cpl 3 (allowed: 0 or \"auto\")" },
	{ "bad-cpl-disallowed-defaults.json", 3, 23,
	  "benchmark ipi cannot run at cpl 3 (allowed: 0 or \"auto\") (set in defaults, applied to benchmarks[1] at 6:5)" },
	{ "bad-cpl-value.json", 4, 30,
	  "cpl must be 0, 3 or \"auto\", got \"user\"" },
	{ "bad-mem-range.json", 4, 33,
	  "mem_mb must be an integer 16..1048576, got 2000000" },
	{ "bad-defaults-unknown.json", 3, 16,
	  "unknown parameter \"repetition\" in defaults; did you mean \"repetitions\"?" },
	{ "bad-no-benchmarks.json", 1, 1, "suite has no \"benchmarks\"" },
	{ "bad-empty-benchmarks.json", 3, 17, "\"benchmarks\" is empty" },
	{ "bad-not-object.json", 1, 1, "a suite must be a JSON object" },
	{ "bad-empty-file.json", 1, 1, "the file is empty" },
	{ "bad-top-key.json", 3, 3,
	  "unknown key \"benchmark\" in suite; did you mean \"benchmarks\"? (valid: name, description, defaults, benchmarks)" },
	{ "bad-pmu-events.json", 4, 48, "pmu_events[1] must be an event name" },
	{ "bad-vcpus-min.json", 4, 30,
	  "benchmark ipi needs at least 2 vcpus, got 1" },
	/* columns count characters, not bytes */
	{ "bad-utf8-column.json", 2, 64, "vcpus must be an integer 1..1024, got 2000" },
};

static void test_bad_files(void **state)
{
	char path[PATH_MAX + 64], err[4096];
	struct suite s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		data_path(path, sizeof(path), bad[i].file);
		memset(err, 0, sizeof(err));
		assert_int_equal(suite_load(path, &s, err, sizeof(err)), -EINVAL);
		check_err(err, path, bad[i].line, bad[i].col, bad[i].msg);
		assert_int_equal(s.n, 0);
		assert_null(s.entries);
	}
}

/* The "valid:" lists are the table's, whatever it holds. */
static void test_lists_come_from_table(void **state)
{
	char path[PATH_MAX + 64], err[4096];
	struct suite s;

	data_path(path, sizeof(path), "bad-unknown-benchmark.json");
	assert_int_equal(suite_load(path, &s, err, sizeof(err)), -EINVAL);
	for (size_t i = 0; i < mb_count(); i++)
		assert_non_null(strstr(err, mb_get(i)->name));
	data_path(path, sizeof(path), "bad-unknown-param.json");
	assert_int_equal(suite_load(path, &s, err, sizeof(err)), -EINVAL);
	for (size_t i = 0; i < mb_generic_count(); i++)
		assert_non_null(strstr(err, mb_generic_get(i)->name));
}

static void test_mem_vs_host(void **state)
{
	char path[PATH_MAX + 64], err[4096];
	struct suite s;

	data_path(path, sizeof(path), "mem-huge.json");
	assert_int_equal(suite_load(path, &s, err, sizeof(err)), 0);
	assert_int_equal(suite_check_host(&s, 2ull << 30, MB_ARCH_X86, err,
					  sizeof(err)), -EINVAL);
	check_err(err, path, 6, 33,
		  "mem_mb 3000 for benchmark empty is more than this host's memory (2048 MiB)");
	assert_int_equal(suite_check_host(&s, 64ull << 30, MB_ARCH_X86, err,
					  sizeof(err)), 0);
	/* unknown host memory: not checked */
	assert_int_equal(suite_check_host(&s, 0, MB_ARCH_X86, err, sizeof(err)),
			 0);
	/* a value from defaults is pointed at in defaults */
	assert_int_equal(suite_check_host(&s, 16ull << 20, MB_ARCH_X86, err,
					  sizeof(err)), -EINVAL);
	check_err(err, path, 3, 26, "mem_mb 32 for benchmark empty");
	suite_free(&s);

	/* a benchmark not built for this arch is the runner's "unsupported",
	 * not a resource error */
	assert_int_equal(parse_str("{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"mem_mb\": 3000}]}",
				   &s, err, sizeof(err)), 0);
	if (!(s.entries[0].bench->archs & MB_ARCH_ARM64))
		assert_int_equal(suite_check_host(&s, 1ull << 30, MB_ARCH_ARM64,
						  err, sizeof(err)), 0);
	assert_int_equal(suite_check_host(&s, 1ull << 30, MB_ARCH_X86, err,
					  sizeof(err)), -EINVAL);
	suite_free(&s);
}

/* Every row of the table parses, and explicit cpls follow its cpls. */
static void test_every_benchmark(void **state)
{
	char text[512], err[4096], want[256];
	struct suite s;

	assert_true(mb_count() > 0);
	for (size_t i = 0; i < mb_count(); i++) {
		const struct mb_bench *b = mb_get(i);
		unsigned cpls = b->cpls ? b->cpls : MB_CPL_ANY;
		/* {"name": "t", "benchmarks": [{"name": "X", "cpl": V}]} */
		int col = (int)strlen("{\"name\": \"t\", \"benchmarks\": [{\"name\": \"\", \"cpl\": ") +
			  (int)strlen(b->name) + 1;

		snprintf(text, sizeof(text),
			 "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"%s\", \"cpl\": \"auto\"}]}",
			 b->name);
		if (parse_str(text, &s, err, sizeof(err))) {
			print_error("%s: %s\n", b->name, err);
			fail();
		}
		assert_ptr_equal(s.entries[0].bench, b);
		assert_int_equal(s.entries[0].params.cpl, MB_CPL_AUTO);
		assert_true(s.entries[0].params.vcpus >= b->min_vcpus);
		suite_free(&s);
		for (int cpl = 0; cpl <= 3; cpl += 3) {
			snprintf(text, sizeof(text),
				 "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"%s\", \"cpl\": %d}]}",
				 b->name, cpl);
			int rc = parse_str(text, &s, err, sizeof(err));

			if (cpls & (1u << cpl)) {
				assert_int_equal(rc, 0);
				assert_int_equal(s.entries[0].params.cpl, cpl);
				suite_free(&s);
				continue;
			}
			assert_int_equal(rc, -EINVAL);
			snprintf(want, sizeof(want),
				 "benchmark %s cannot run at cpl %d (allowed: %s)",
				 b->name, cpl, cpl ? "0 or \"auto\"" : "3 or \"auto\"");
			check_err(err, "t.json", 1, col, want);
		}
	}
}

/* Each generic parameter: its limits accepted, one past them refused, and
 * the value back in the result params. */
static void test_generic_params(void **state)
{
	char text[2048], err[4096], want[256];
	struct suite s;
	json_t *j;

	for (size_t i = 0; i < mb_generic_count(); i++) {
		const struct mb_generic_param *g = mb_generic_get(i);

		if (!strcmp(g->type, "int")) {
			int64_t ok[2] = { g->min, g->max };
			int64_t ko[2] = { g->min - 1, g->max + 1 };

			for (int k = 0; k < 2; k++) {
				snprintf(text, sizeof(text),
					 "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"empty\", \"cpl\": 0, \"%s\": %lld}]}",
					 g->name, (long long)ok[k]);
				if (parse_str(text, &s, err, sizeof(err))) {
					print_error("%s\n", err);
					fail();
				}
				j = suite_params_json(&s.entries[0]);
				assert_int_equal(json_integer_value(json_object_get(j, g->name)),
						 ok[k]);
				json_decref(j);
				suite_free(&s);
				snprintf(text, sizeof(text),
					 "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"empty\", \"%s\": %lld}]}",
					 g->name, (long long)ko[k]);
				assert_int_equal(parse_str(text, &s, err, sizeof(err)),
						 -EINVAL);
				snprintf(want, sizeof(want),
					 "%s must be an integer %lld..%lld, got %lld",
					 g->name, (long long)g->min,
					 (long long)g->max, (long long)ko[k]);
				check_err(err, "t.json", 1,
					  (int)(strlen(text) - strlen(strrchr(text, ':'))) + 3,
					  want);
			}
		} else if (!strcmp(g->type, "bool")) {
			snprintf(text, sizeof(text),
				 "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"empty\", \"cpl\": 3, \"%s\": true}]}",
				 g->name);
			assert_int_equal(parse_str(text, &s, err, sizeof(err)), 0);
			j = suite_params_json(&s.entries[0]);
			assert_true(json_is_true(json_object_get(j, g->name)));
			json_decref(j);
			suite_free(&s);
		} else if (!strcmp(g->type, "string list")) {
			size_t o = (size_t)snprintf(text, sizeof(text),
				"{\"name\": \"t\", \"benchmarks\": [{\"name\": \"empty\", \"cpl\": 3, \"%s\": [",
				g->name);
			for (int64_t k = 0; k < g->max; k++)
				o += (size_t)snprintf(text + o, sizeof(text) - o,
						      "%s\"ev%lld\"", k ? ", " : "",
						      (long long)k);
			snprintf(text + o, sizeof(text) - o, "]}]}");
			assert_int_equal(parse_str(text, &s, err, sizeof(err)), 0);
			j = suite_params_json(&s.entries[0]);
			assert_int_equal(json_array_size(json_object_get(j, g->name)),
					 g->max);
			json_decref(j);
			suite_free(&s);
			snprintf(text + o, sizeof(text) - o, ", \"one-too-many\"]}]}");
			assert_int_equal(parse_str(text, &s, err, sizeof(err)), -EINVAL);
			snprintf(want, sizeof(want),
				 "%s must be an array of at most %lld event names, got %lld",
				 g->name, (long long)g->max, (long long)g->max + 1);
			check_err(err, "t.json", 1,
				  (int)(strstr(text, "\"one-too-many\"") - text) + 1,
				  want);
		} else if (g->kind == MB_G_CPUS) {
			static const char *const good[] = { "", "0", "0-1,3" };
			for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
				snprintf(text, sizeof(text),
					 "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"empty\", \"cpl\": 3, \"%s\": \"%s\"}]}",
					 g->name, good[k]);
				assert_int_equal(parse_str(text, &s, err, sizeof(err)), 0);
				j = suite_params_json(&s.entries[0]);
				assert_string_equal(json_string_value(json_object_get(j, g->name)), good[k]);
				json_decref(j);
				suite_free(&s);
			}
			static const char *const bad[] = { "\"3-1\"", "\"x\"", "\"1,\"", "3", "[0]" };
			for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
				snprintf(text, sizeof(text),
					 "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"empty\", \"%s\": %s}]}",
					 g->name, bad[k]);
				assert_int_equal(parse_str(text, &s, err, sizeof(err)), -EINVAL);
				assert_non_null(strstr(err, g->name));
			}
		} else {
			assert_int_equal(g->kind, MB_G_CPL);
			assert_string_equal(g->type, "cpl");
		}
	}
}

/* Family parameters (choice / int / bool) of whichever rows have them. */
static void test_family_params(void **state)
{
	char text[1024], err[4096];
	struct suite s;
	int tested = 0;
	json_t *j;

	for (size_t i = 0; i < mb_count(); i++) {
		const struct mb_bench *b = mb_get(i);

		for (int k = 0; b->ext_params && b->ext_params[k].name; k++) {
			const struct mb_param_def *d = &b->ext_params[k];
			const char *fmt =
				"{\"name\": \"t\", \"benchmarks\": [{\"name\": \"%s\", \"cpl\": \"auto\", \"%s\": %s}]}";
			char val[128];

			/* the default is a valid value and reaches the result */
			snprintf(text, sizeof(text),
				 "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"%s\"}]}",
				 b->name);
			assert_int_equal(parse_str(text, &s, err, sizeof(err)), 0);
			assert_int_equal(s.entries[0].params.ext[k], d->def);
			s.entries[0].params.cpl = 0;
			j = suite_params_json(&s.entries[0]);
			assert_non_null(json_object_get(j, d->name));
			json_decref(j);
			suite_free(&s);

			if (d->type == MB_PT_CHOICE) {
				for (int c = 0; d->choices[c]; c++) {
					snprintf(val, sizeof(val), "\"%s\"", d->choices[c]);
					snprintf(text, sizeof(text), fmt, b->name, d->name, val);
					assert_int_equal(parse_str(text, &s, err, sizeof(err)), 0);
					assert_int_equal(s.entries[0].params.ext[k], c);
					s.entries[0].params.cpl = 3;
					j = suite_params_json(&s.entries[0]);
					assert_string_equal(json_string_value(json_object_get(j, d->name)),
							    d->choices[c]);
					json_decref(j);
					suite_free(&s);
				}
				snprintf(text, sizeof(text), fmt, b->name, d->name, "\"no-such-choice\"");
				assert_int_equal(parse_str(text, &s, err, sizeof(err)), -EINVAL);
				check_err(err, "t.json", 1, (int)(strstr(text, "\"no-such") - text) + 1,
					  "must be one of \"");
				assert_non_null(strstr(err, d->choices[0]));
			} else if (d->type == MB_PT_INT) {
				snprintf(val, sizeof(val), "%lld", (long long)d->max);
				snprintf(text, sizeof(text), fmt, b->name, d->name, val);
				assert_int_equal(parse_str(text, &s, err, sizeof(err)), 0);
				assert_int_equal(s.entries[0].params.ext[k], d->max);
				suite_free(&s);
				snprintf(val, sizeof(val), "%lld", (long long)d->max + 1);
				snprintf(text, sizeof(text), fmt, b->name, d->name, val);
				assert_int_equal(parse_str(text, &s, err, sizeof(err)), -EINVAL);
				snprintf(val, sizeof(val), "%s must be an integer %lld..%lld",
					 d->name, (long long)d->min, (long long)d->max);
				check_err(err, "t.json", 1, (int)(strrchr(text, ':') - text) + 3, val);
			} else {
				snprintf(text, sizeof(text), fmt, b->name, d->name, "true");
				assert_int_equal(parse_str(text, &s, err, sizeof(err)), 0);
				assert_int_equal(s.entries[0].params.ext[k], 1);
				suite_free(&s);
			}

			tested++;
		}
	}
	if (!tested) {
		printf("# no benchmark in the table has family parameters yet\n");
		skip();
	}
}

/* A family parameter in defaults: applied to the rows that take it, an error
 * when no row of the suite does. */
static void test_family_defaults(void **state)
{
	const struct mb_bench *plain = NULL, *fam = NULL;
	char text[1024], err[4096], val[128];
	const struct mb_param_def *d;
	struct suite s;

	for (size_t i = 0; i < mb_count(); i++) {
		const struct mb_bench *b = mb_get(i);

		if (b->ext_params && b->ext_params[0].name) {
			if (!fam)
				fam = b;
		} else if (!plain) {
			plain = b;
		}
	}
	if (!fam || !plain) {
		printf("# no benchmark in the table has family parameters yet\n");
		skip();
		return;
	}
	d = &fam->ext_params[0];
	if (d->type == MB_PT_CHOICE)
		snprintf(val, sizeof(val), "\"%s\"",
			 d->choices[d->choices[1] ? 1 : 0]);
	else if (d->type == MB_PT_INT)
		snprintf(val, sizeof(val), "%lld", (long long)d->min);
	else
		snprintf(val, sizeof(val), "true");
	snprintf(text, sizeof(text),
		 "{\"name\": \"t\", \"defaults\": {\"%s\": %s}, \"benchmarks\": [{\"name\": \"%s\"}, {\"name\": \"%s\"}]}",
		 d->name, val, plain->name, fam->name);
	assert_int_equal(parse_str(text, &s, err, sizeof(err)), 0);
	assert_int_equal(s.entries[0].set_by_defaults & SUITE_EXT_BIT(0), 0);
	assert_true(s.entries[1].set_by_defaults & SUITE_EXT_BIT(0));
	if (d->type == MB_PT_CHOICE)
		assert_int_equal(s.entries[1].params.ext[0],
				 d->choices[1] ? 1 : 0);
	suite_free(&s);

	snprintf(text, sizeof(text),
		 "{\"name\": \"t\", \"defaults\": {\"%s\": %s}, \"benchmarks\": [{\"name\": \"%s\"}]}",
		 d->name, val, plain->name);
	assert_int_equal(parse_str(text, &s, err, sizeof(err)), -EINVAL);
	check_err(err, "t.json", 1, 28, "in defaults is taken by no benchmark of this suite (it belongs to: ");
	assert_non_null(strstr(err, fam->name));
}

/* Syntax errors: our column is where the offending token starts; jansson's
 * is where it ends, so for one-character tokens they are the same. */int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_files),
		cmocka_unit_test(test_variants_and_defaults),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_lists_come_from_table),
		cmocka_unit_test(test_mem_vs_host),
		cmocka_unit_test(test_every_benchmark),
		cmocka_unit_test(test_generic_params),
		cmocka_unit_test(test_family_params),
		cmocka_unit_test(test_family_defaults),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
