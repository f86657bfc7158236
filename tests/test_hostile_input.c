/* Input files are hostile: FIFOs are refused at once, error columns count
 * from 1, CSV text cells cannot become formulas, the terminal escaper lets
 * no control byte through, and two runs never share a result file. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "analysis/an.h"
#include "analysis/an_result.h"
#include "analysis/an_util.h"
#include "hvbench/results.h"
#include "hvbench/termsafe.h"
#include "tests/an_testutil.h"

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hvbench-test-hostile.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_text(const char *name, const char *text)
{
	FILE *f = fopen(tpath(name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A FIFO as a result file: -2 (cannot be read, exit 4) at once. */
static void test_result_fifo(void **state)
{
	struct an_result *r = NULL;
	char err[512];

	assert_int_equal(mkfifo(tpath("fifo.json"), 0600), 0);
	alarm(10); /* before the fix this open() never returned */
	assert_int_equal(an_result_load(tpath("fifo.json"), 0, &r, err, sizeof(err)), -2);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(an_load_exit(-2), AN_EXIT_INPUT);
	assert_int_equal(an_result_load(tmpdir, 0, &r, err, sizeof(err)), -2);
	assert_int_equal(an_result_load(tpath("none.json"), 0, &r, err, sizeof(err)), -2);
	write_text("junk.json", "[1]");
	assert_int_equal(an_result_load(tpath("junk.json"), 0, &r, err, sizeof(err)), -1);
	assert_int_equal(an_load_exit(-1), AN_EXIT_INVALID);
	assert_int_equal(AN_EXIT_INVALID, 2);
	assert_int_equal(AN_EXIT_INPUT, 4);
}

/* FILE:LINE:COL of malformed JSON: columns count from 1, always. */
static void test_result_columns(void **state)
{
	static const struct {
		const char *text, *where;
	} cases[] = {
		{ "{\n", ":2:1:" },		/* jansson said 2:0 */
		{ "{\n  \"schema\": \"x\",\n", ":3:1:" },
		{ "\n\n", ":3:1:" },
		{ "{\"a\": tru}", ":1:" },
		{ "{\"a\": 1,\n}", ":2:2:" }, /* after the token */
		{ "{\"a\": 1, \"a\": 2}", ":1:" },
		{ "", ":1:1:" },
	};
	char err[512], name[32], want[600];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct an_result *r = NULL;
		const char *colon;

		snprintf(name, sizeof(name), "col%zu.json", i);
		write_text(name, cases[i].text);
		assert_int_equal(an_result_load(tpath(name), 0, &r, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s%s", tpath(name), cases[i].where);
		if (strncmp(err, want, strlen(want)))
			fail_msg("case %zu: '%s', wanted it to start '%s'", i, err, want);
		/* FILE:LINE:COL: the column is a number >= 1 */
		colon = strchr(err + strlen(tpath(name)) + 1, ':');
		assert_non_null(colon);
		assert_true(atoi(colon + 1) >= 1);
	}
}

static void test_csv_formulas(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "=1+2", "\"'=1+2\"" },
		{ "+SUM(A1)", "\"'+SUM(A1)\"" },
		{ "-2+3", "\"'-2+3\"" },
		{ "@cmd", "\"'@cmd\"" },
		{ "\tx", "\"'\tx\"" },
		{ "\rx", "\"'\rx\"" },
		{ "=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"" },
		{ "=\"q\"", "\"'=\"\"q\"\"\"" },
		{ "cpuid", "cpuid" },
		{ "a=b", "a=b" },
		{ "a,b", "\"a,b\"" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct an_buf b = { 0 };

		an_buf_csv(&b, cases[i].in);
		an_buf_put(&b, "");
		assert_string_equal(b.s, cases[i].out);
		an_buf_free(&b);
	}
}

/* export: a hostile name is neutralised, a negative number stays one. */
static void test_export_csv(void **state)
{
	struct an_result *r = NULL;
	struct an_buf csv = { 0 };
	char err[512];

	write_text("neg.json",
		   "{\"schema\": \"hvbench-result/1\", \"host\": {}, \"benchmarks\": ["
		   "{\"name\": \"=HYPERLINK(\\\"http://x\\\")\", \"variant\": \"-1\", "
		   "\"family\": \"@f\", \"status\": \"ok\", \"unit\": \"cycles\", \"cycles\": "
		   "{\"n\": 3, \"p10\": -3.5, \"p50\": -2, \"p90\": 1}}]}");
	assert_int_equal(an_result_load(tpath("neg.json"), 0, &r, err, sizeof(err)), 0);
	an_export_csv(r, &csv);
	an_buf_put(&csv, "");
	assert_non_null(strstr(csv.s, "\"'=HYPERLINK(\"\"http://x\"\")\",\"'-1\",\"'@f\""));
	assert_non_null(strstr(csv.s, ",-3.5,-2,1,"));
	an_buf_free(&csv);
	an_result_free(r);
	/* the command's exit codes: 2 read but invalid, 4 not readable */
	char *out, *errs;
	assert_int_equal(run_cmd(an_cmd_export, &out, &errs, "export", "--csv",
				 tpath("junk.json"), NULL), AN_EXIT_INVALID);
	free(out);
	free(errs);
	assert_int_equal(run_cmd(an_cmd_export, &out, &errs, "export", "--csv",
				 tpath("fifo.json"), NULL), AN_EXIT_INPUT);
	assert_non_null(strstr(errs, "not a regular file"));
	free(out);
	free(errs);
}

static void assert_no_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			fail_msg("control byte 0x%02x in '%s'", *p, s);
		/* C1 as UTF-8, or a raw byte >= 0x80 outside valid UTF-8 */
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0)
			fail_msg("C1 control in '%s'", s);
	}
}

static void test_term_escape(void **state)
{
	static const char hostile[] =
		"host\x1b[2J\x1b]0;t\x07 \r\b\x7f del \xc2\x9b" "31m c1 \x9b raw "
		"\xff\xfe \xed\xa0\x80 surrogate \xe2\x82 cut \xc3\xa9 ok\n\ttab";
	char *e = ts_escape(hostile, sizeof(hostile) - 1);

	assert_non_null(e);
	assert_no_control(e);
	assert_non_null(strstr(e, "host\\u001b[2J\\u001b]0;t\\u0007 \\u000d\\u0008\\u007f del \\u009b31m"));
	assert_non_null(strstr(e, " \\x9b raw \\xff\\xfe \\xed\\xa0\\x80 surrogate \\xe2\\x82 cut "));
	assert_non_null(strstr(e, "\xc3\xa9 ok\n\ttab")); /* valid UTF-8, \n, \t pass */
	assert_int_equal(ts_utf8_len((const unsigned char *)"\xe2\x82", 2), -1);
	assert_int_equal(ts_utf8_len((const unsigned char *)"\xc0\x80", 2), 0);
	free(e);
}

/* The stream wrapper: whatever a command prints goes through ts_escape,
 * also a UTF-8 character cut by a buffer flush. */
static void test_term_streams(void **state)
{
	int fd[2];
	pid_t pid;
	char buf[8192];
	ssize_t n, got = 0;
	int st;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[0]);
		if (ts_install())
			_exit(3);
		printf("out \x1b[2J %s\n", "\xc2\x9b");
		fprintf(stderr, "err \x07\n");
		/* an é split across two writes */
		fputs("split \xc3", stdout);
		fflush(stdout);
		fputs("\xa9 done\n", stdout);
		exit(0); /* flushes both */
	}
	close(fd[1]);
	while ((n = read(fd[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_no_control(buf);
	assert_non_null(strstr(buf, "out \\u001b[2J \\u009b\n"));
	assert_non_null(strstr(buf, "err \\u0007\n"));
	assert_non_null(strstr(buf, "split \xc3\xa9 done\n"));
}

/* Two writers of one default name at the same moment: two files, neither
 * lost, neither replaced. */
static void test_unique_default_names(void **state)
{
	char path[600], final[600], err[512];
	enum { N = 6 };
	pid_t pids[N];
	int st;

	assert_int_equal(results_default_path(tmpdir, "host", 1700000000, path,
					       sizeof(path)), 0);
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			json_t *doc = json_pack("{s:i}", "writer", i);

			_exit(results_write_new(doc, path, final, sizeof(final), err,
						sizeof(err)) ? 1 : 0);
		}
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* every writer's number is in exactly one file */
	bool seen[N] = { false };
	for (int k = 1; k <= N; k++) {
		char name[700], *text = NULL;
		json_t *doc;
		int w;

		if (k == 1)
			snprintf(name, sizeof(name), "%s", path);
		else
			snprintf(name, sizeof(name), "%.*s-%d.json",
				 (int)(strlen(path) - 5), path, k);
		assert_int_equal(an_read_file(name, &text, NULL), 0);
		doc = json_loads(text, 0, NULL);
		assert_non_null(doc);
		w = (int)json_integer_value(json_object_get(doc, "writer"));
		assert_false(seen[w]);
		seen[w] = true;
		json_decref(doc);
		free(text);
	}
	/* and a later one never replaces them */
	json_t *doc = json_pack("{s:i}", "writer", 99);
	assert_int_equal(results_write_new(doc, path, final, sizeof(final), err,
					   sizeof(err)), 0);
	json_decref(doc);
	assert_non_null(strstr(final, "-7.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_fifo),
		cmocka_unit_test(test_result_columns),
		cmocka_unit_test(test_csv_formulas),
		cmocka_unit_test(test_export_csv),
		cmocka_unit_test(test_term_escape),
		cmocka_unit_test(test_term_streams),
		cmocka_unit_test(test_unique_default_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
