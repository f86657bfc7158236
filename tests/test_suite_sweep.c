/* Parameter sweeps in suite files (hvbench/suite_sweep.c, issue 19): a list
 * or a {"from", "to", "step"} range makes one entry per value, several
 * their product with the last varying fastest, each an ordinary entry (its
 * label, its checks); a bad sweep is one line pointing at it; a parameter
 * whose value is a list (pmu_events) is not a sweep; and the 0x22e study's
 * suite, written with sweeps, is the same 26 entries it always was. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hvbench/suite.h"
#include "microbench/mb.h"
#include "tests/suite_testutil.h"

static void test_list_and_range(void **state)
{
	struct suite s;
	char err[4096];

	assert_int_equal(parse_str("{\"name\": \"t\", \"benchmarks\": [\n"
				   " {\"name\": \"io_path\", \"cpl\": [3, 0],\n"
				   "  \"device_work_cycles\": {\"from\": 0, \"to\": 4000, \"step\": 2000}},\n"
				   " {\"name\": \"cpuid\"}]}", &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 7);
	/* cpl slowest, device_work_cycles fastest, in file order */
	const int cpl[] = { 3, 3, 3, 0, 0, 0 };
	const int64_t work[] = { 0, 2000, 4000, 0, 2000, 4000 };
	const struct mb_bench *io = mb_find("io_path");
	int wi = mb_ext_index(io, "device_work_cycles");
	assert_true(wi >= 0);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(s.entries[i].bench->name, "io_path");
		assert_int_equal(s.entries[i].params.cpl, cpl[i]);
		assert_int_equal(s.entries[i].params.ext[wi], work[i]);
		/* every variant points at the entry it came from */
		assert_int_equal(s.entries[i].index, 0);
		assert_int_equal(s.entries[i].line, 2);
	}
	assert_string_equal(s.entries[1].label, "io_path cpl=3 device_work_cycles=2000");
	assert_string_equal(s.entries[6].bench->name, "cpuid");
	assert_int_equal(s.entries[6].index, 1);
	suite_free(&s);
	/* a step-less range counts by one; a one-value list is one entry */
	assert_int_equal(parse_str("{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"batch\": {\"from\": 1, \"to\": 3}, \"vcpus\": [2]}]}",
				   &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.entries[2].params.batch, 3);
	assert_int_equal(s.entries[2].params.vcpus, 2);
	suite_free(&s);
	/* pmu_events' own value is a list: no sweep */
	assert_int_equal(parse_str("{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"pmu_events\": [\"cycles\", \"instructions\"]}]}",
				   &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.entries[0].params.n_pmu_events, 2);
	suite_free(&s);
}

/* Each variant is checked as an entry: a bad value in a list is refused
 * at the sweep, with the parameter's own message. */
static void test_bad_sweeps(void **state)
{
	static const struct {
		const char *text;
		int line, col;
		const char *msg;
	} t[] = {
		{ "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"batch\": []}]}", 1, 57,
		  "an empty list for batch" },
		{ "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"batch\": [1, [2]]}]}", 1, 61,
		  "a sweep's values are numbers, strings or booleans, got [2]" },
		{ "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"batch\": {\"from\": 4, \"to\": 1}}]}", 1, 57,
		  "a range runs upwards" },
		{ "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"batch\": {\"from\": 1, \"to\": 9, \"step\": 0}}]}", 1, 57,
		  "a range runs upwards" },
		{ "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"batch\": {\"from\": 1, \"to\": \"9\"}}]}", 1, 57,
		  "a range needs integer \"from\" and \"to\"" },
		{ "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"batch\": {\"from\": 1, \"to\": 9, \"by\": 2}}]}", 1, 78,
		  "unknown key \"by\" in a range" },
		{ "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"batch\": {\"from\": 1, \"to\": 100000}}]}", 1, 57,
		  "the range gives more than 1024 values" },
		{ "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"batch\": [1, 5000]}]}", 1, 57,
		  "batch must be an integer 1..4096, got 5000" },
		{ "{\"name\": \"t\", \"benchmarks\": [{\"name\": \"cpuid\", \"batch\": {\"from\": 1, \"to\": 64}, \"vcpus\": {\"from\": 1, \"to\": 64}}]}", 1, 30,
		  "the entry's sweeps make more than 1024 variants" },
	};
	struct suite s;
	char err[4096];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(parse_str(t[i].text, &s, err, sizeof(err)), -EINVAL);
		check_err(err, "t.json", t[i].line, t[i].col, t[i].msg);
	}
}

/* configs/io-path.json's sweeps: 26 entries, each combination once, the
 * kernel model without device_cpu at work 0 as before. */
static void test_io_path_suite(void **state)
{
	char path[PATH_MAX + 64], err[4096];
	struct suite s;

	snprintf(path, sizeof(path), "%s/configs/io-path.json", root);
	assert_int_equal(suite_load(path, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 26);
	for (size_t i = 0; i < s.n; i++)
		for (size_t j = i + 1; j < s.n; j++)
			assert_true(strcmp(s.entries[i].label, s.entries[j].label) != 0);
	suite_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_and_range),
		cmocka_unit_test(test_bad_sweeps),
		cmocka_unit_test(test_io_path_suite),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
