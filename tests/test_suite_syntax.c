/* Tests for suite files' error positions and I/O errors (hvbench/suite.c),
 * the JSON position locator (hvbench/jsonpos.c) and the suite format doc's
 * agreement with the table. */
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

static void test_syntax_positions(void **state)
{
	static const struct {
		const char *text;
		int line, col, jcol;
		const char *msg;
	} t[] = {
		{ "{\"name\": tru}", 1, 10, 12, "malformed JSON: invalid token near 'tru'" },
		{ "{\"name\": \"x\"\n \"benchmarks\": []}", 2, 2, 13, "'}' expected near '\"benchmarks\"'" },
		{ "{\"n\u00e9\": [1 2]}", 1, 11, 11, "']' expected near '2'" },
		{ "{\"name\": \"x\", \"benchmarks\": [{\"name\": \"cpuid\"}]}\nx", 2, 1, 1, "end of file expected" },
		{ "{\"name\": \"x\",\n}", 1, 13, 1, "trailing comma before '}'" },
		{ "{\"a\": 123456789012345678901234567890}", 1, 7, 36, "too big integer" },
		{ "{\"name\": \"x\", \"benchmarks\": [", 1, 30, -1, "at end of input" },
		{ "   \n\t ", 1, 1, -1, "the file is empty" },
	};
	char err[4096];
	struct suite s;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_error_t je;
		json_t *j = json_loads(t[i].text, JSON_REJECT_DUPLICATES, &je);

		assert_null(j);
		if (t[i].jcol > 0)
			assert_int_equal(je.column, t[i].jcol);
		assert_int_equal(parse_str(t[i].text, &s, err, sizeof(err)), -EINVAL);
		check_err(err, "t.json", t[i].line, t[i].col, t[i].msg);
	}
	/* batch: the generic range, then the benchmark's own limit */
	assert_int_equal(parse_str("{\"name\": \"t\",\n \"benchmarks\": [{\"name\": \"rdtsc\", \"batch\": 0}]}",
				   &s, err, sizeof(err)), -EINVAL);
	check_err(err, "t.json", 2, 44, "batch must be an integer 1..4096, got 0");
	assert_int_equal(parse_str("{\"name\": \"t\",\n \"benchmarks\": [{\"name\": \"io_path\", \"batch\": 2}]}",
				   &s, err, sizeof(err)), -EINVAL);
	check_err(err, "t.json", 2, 46,
		  "benchmark io_path takes at most 1 operations per sample, got 2");
	assert_int_equal(parse_str("{\"name\": \"t\",\n \"benchmarks\": [{\"name\": \"virq_eoi\", \"batch\": 5}]}",
				   &s, err, sizeof(err)), -EINVAL);
	check_err(err, "t.json", 2, 47, "at most 4");
	/* the table's per-benchmark default, and a value in range */
	assert_int_equal(parse_str("{\"name\": \"t\", \"benchmarks\": [{\"name\": \"counter_read\"}, {\"name\": \"rdtsc\", \"batch\": 64}]}",
				   &s, err, sizeof(err)), 0);
	assert_int_equal(s.entries[0].params.batch, 64);
	assert_int_equal(s.entries[1].params.batch, 64);
	suite_free(&s);
	/* no path given: still a position */
	assert_int_equal(suite_parse("[]", 2, NULL, &s, err, sizeof(err)), -EINVAL);
	check_err(err, "<suite>", 1, 1, "must be a JSON object");
	/* an error never overflows the caller's buffer */
	assert_int_equal(suite_parse("[]", 2, NULL, &s, err, 8), -EINVAL);
	assert_int_equal(strlen(err), 7);
}

static void test_load_io_errors(void **state)
{
	char err[4096];
	struct suite s;

	assert_int_equal(suite_load("/nonexistent/suite.json", &s, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/suite.json: cannot open suite file: No such file or directory");
	assert_int_equal(suite_load("/", &s, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(suite_exit_code(-EISDIR), 4);
	suite_free(&s);	/* harmless on a zeroed suite */

	/* A FIFO nobody writes to: refused at once, not waited on (open is
	 * non-blocking; before, this hung forever). */
	char fifo[] = "/tmp/hvbench-test-fifo-XXXXXX";
	int fd = mkstemp(fifo);

	assert_true(fd >= 0);
	close(fd);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10); /* a regression fails the test instead of hanging it */
	assert_int_equal(suite_load(fifo, &s, err, sizeof(err)), -ESPIPE);
	alarm(0);
	unlink(fifo);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(suite_exit_code(-ESPIPE), 4);
	assert_int_equal(suite_exit_code(-EINVAL), 2);
	assert_int_equal(suite_exit_code(-ENOENT), 4);
	assert_int_equal(suite_exit_code(-EACCES), 4);
}

static void test_jsonpos(void **state)
{
	const char *text =
		"{\"a\": [10, {\"b\": \"x\\\"y\"}, [1, {\"c\": true}]],\n"
		"\t\"\u00e9t\u00e9\": {\"k.ey\": null, \"k\\u0065y2\": 7}}";
	size_t len = strlen(text);
	struct jsonpos p;

	assert_int_equal(jsonpos_find(text, len, "", 0, &p), 0);
	assert_int_equal(p.offset, 0);
	assert_int_equal(p.line, 1);
	assert_int_equal(p.col, 1);
	assert_int_equal(jsonpos_find(text, len, "a", 0, &p), 0);
	assert_int_equal(p.col, 7);
	assert_int_equal(jsonpos_find(text, len, "a", JSONPOS_KEY, &p), 0);
	assert_int_equal(p.col, 2);
	assert_int_equal(jsonpos_find(text, len, "a[0]", 0, &p), 0);
	assert_int_equal(p.col, 8);
	assert_int_equal(jsonpos_find(text, len, "a[1].b", 0, &p), 0);
	assert_int_equal(p.col, 18);
	assert_int_equal(jsonpos_find(text, len, "a[2][1].c", 0, &p), 0);
	assert_int_equal(p.col, 37);
	/* line 2: a tab and two-byte characters count one column each */
	assert_int_equal(jsonpos_find(text, len, "\u00e9t\u00e9", JSONPOS_KEY, &p), 0);
	assert_int_equal(p.line, 2);
	assert_int_equal(p.col, 2);
	assert_int_equal(jsonpos_find(text, len, "\u00e9t\u00e9[\"k.ey\"]", 0, &p), 0);
	assert_int_equal(p.line, 2);
	assert_int_equal(p.col, 18);
	/* keys compare decoded: "k\u0065y2" is "key2" */
	assert_int_equal(jsonpos_find(text, len, "\u00e9t\u00e9.key2", 0, &p), 0);
	assert_int_equal(p.col, 37);

	assert_int_equal(jsonpos_find(text, len, "a[3]", 0, &p), -ENOENT);
	assert_int_equal(jsonpos_find(text, len, "z", 0, &p), -ENOENT);
	assert_int_equal(jsonpos_find(text, len, "a.b", 0, &p), -ENOENT);
	assert_int_equal(jsonpos_find(text, len, "a[0]", JSONPOS_KEY, &p), -EINVAL);
	assert_int_equal(jsonpos_find(text, len, "a[", 0, &p), -EINVAL);
	assert_int_equal(jsonpos_find(text, len, ".a", 0, &p), -EINVAL);
	assert_int_equal(jsonpos_find("{\"a\": [1,", 9, "a[1]", 0, &p), -EINVAL);

	jsonpos_at(text, len, len + 100, &p);
	assert_int_equal(p.offset, len);
	assert_int_equal(p.line, 2);
}

/* The doc describes every parameter the table has. */
static void test_doc_mentions_params(void **state)
{
	char path[PATH_MAX + 64], name[128];
	FILE *f;
	char *doc;
	long n;

	snprintf(path, sizeof(path), "%s/docs/suite-format.md", root);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	doc = calloc(1, (size_t)n + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (size_t i = 0; i < mb_generic_count(); i++) {
		const struct mb_generic_param *g = mb_generic_get(i);
		char row[160], *at;

		snprintf(name, sizeof(name), "`%s`", g->name);
		if (!strstr(doc, name)) {
			print_error("docs/suite-format.md does not describe %s\n", name);
			fail();
		}
		if (g->kind != MB_G_INT)
			continue;
		/* An integer's row states the table's range and default. */
		snprintf(row, sizeof(row), "| `%s` | integer | %lld..%lld | %lld", g->name,
			 (long long)g->min, (long long)g->max, (long long)g->def);
		at = strstr(doc, row);
		if (!at || (at[strlen(row)] != ' ' && at[strlen(row)] != '|')) {
			print_error("docs/suite-format.md: the row of %s must begin \"%s\" (microbench/table.c)\n",
				    g->name, row);
			fail();
		}
	}
	for (size_t i = 0; i < mb_count(); i++) {
		const struct mb_bench *b = mb_get(i);

		for (int k = 0; b->ext_params && b->ext_params[k].name; k++) {
			snprintf(name, sizeof(name), "`%s`", b->ext_params[k].name);
			if (!strstr(doc, name)) {
				print_error("docs/suite-format.md does not describe %s (benchmark %s)\n",
					    name, b->name);
				fail();
			}
		}
	}

	/* and its examples are valid suites */
	int examples = 0;
	for (char *p = doc; (p = strstr(p, "```json\n")); examples++) {
		char err[4096], *end;
		struct suite s;

		p += strlen("```json\n");
		end = strstr(p, "```");
		assert_non_null(end);
		if (suite_parse(p, (size_t)(end - p), "docs/suite-format.md",
				&s, err, sizeof(err))) {
			print_error("example %d: %s\n", examples + 1, err);
			fail();
		}
		suite_free(&s);
		p = end + 3;
	}
	assert_true(examples >= 3);
	free(doc);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax_positions),
		cmocka_unit_test(test_load_io_errors),
		cmocka_unit_test(test_jsonpos),
		cmocka_unit_test(test_doc_mentions_params),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
