/* compare of two files whose host.paging differ (analysis/compare_gain.c):
 * the gain of two-dimensional paging, 1 - t_tdp / t_shadow, per row with
 * its CI, whichever side is the TDP one; nothing when the paging is the
 * same; a pair that is not TDP against shadow says why there is no gain.
 * And plot's generic sweep and vCPU-scaling charts from such files, a
 * hostile benchmark name among them. */
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
#include <jansson.h>

#include "analysis/an.h"
#include "analysis/an_synth.h"
#include "analysis/an_util.h"

#include "tests/an_testutil.h"

static void synth(const char *name, const char *paging, double scale, uint64_t seed)
{
	struct an_synth s;
	char err[512];

	an_synth_default(&s);
	s.paging = paging;
	s.scale = scale;
	s.seed = seed;
	s.spread = 0.01;
	assert_int_equal(an_synth_write(tpath(name), &s, err, sizeof(err)), 0);
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hvbench-test-gain.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	synth("ept.json", "ept", 1.0, 1);
	synth("ept2.json", "ept", 1.0, 2);
	synth("shadow.json", "shadow", 4.0, 3);	/* every row 4x slower: gain 0.75 */
	synth("unknown.json", "unknown", 4.0, 4);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The gain of every row of the comparison's JSON, checked near 0.75, its
 * CI around it. */
static size_t check_gains(const char *out, const char *tdp)
{
	json_error_t je;
	json_t *doc = json_loads(out, 0, &je);

	assert_non_null(doc);
	json_t *gain = json_object_get(json_array_get(json_object_get(doc, "comparisons"), 0), "gain");
	assert_non_null(gain);
	assert_string_equal(json_string_value(json_object_get(gain, "tdp")), tdp);
	json_t *rows = json_object_get(gain, "rows"), *r;
	size_t i, n = 0;
	json_array_foreach(rows, i, r) {
		json_t *g = json_object_get(r, "gain");
		if (json_is_null(g))
			continue;	/* a row not compared (synth's suspect one, say) */
		double v = json_number_value(g);
		double lo = json_number_value(json_object_get(r, "ci95_low"));
		double hi = json_number_value(json_object_get(r, "ci95_high"));
		assert_true(fabs(v - 0.75) < 0.02);
		assert_true(lo <= v + 1e-9 && v <= hi + 1e-9);
		n++;
	}
	json_decref(doc);
	return n;
}

static void test_gain_base_tdp(void **state)
{
	char *out, *err;

	run_cmd(an_cmd_compare, &out, &err, "compare", tpath("ept.json"), tpath("shadow.json"), NULL);
	assert_non_null(strstr(out, "paging differs: BASE ept, NEW shadow"));
	assert_non_null(strstr(out, "gain of ept over shadow paging per row: 1 - t_ept / t_shadow"));
	assert_non_null(strstr(out, "+0.7"));
	free(out);
	free(err);
	run_cmd(an_cmd_compare, &out, &err, "compare", "--json", tpath("ept.json"), tpath("shadow.json"), NULL);
	assert_true(check_gains(out, "base") > 0);
	free(out);
	free(err);
}

/* The same gain when the shadow file is BASE: the sign does not follow the
 * order of the files. */
static void test_gain_new_tdp(void **state)
{
	char *out, *err;

	run_cmd(an_cmd_compare, &out, &err, "compare", "--json", tpath("shadow.json"), tpath("ept.json"), NULL);
	assert_true(check_gains(out, "new") > 0);
	free(out);
	free(err);
}

static void test_same_paging_no_gain(void **state)
{
	char *out, *err;

	run_cmd(an_cmd_compare, &out, &err, "compare", tpath("ept.json"), tpath("ept2.json"), NULL);
	assert_null(strstr(out, "paging differs"));
	assert_null(strstr(out, "gain of"));
	free(out);
	free(err);
	run_cmd(an_cmd_compare, &out, &err, "compare", "--json", tpath("ept.json"), tpath("ept2.json"), NULL);
	assert_null(strstr(out, "\"gain\""));
	free(out);
	free(err);
}

static void test_other_paging_says_why(void **state)
{
	char *out, *err;

	run_cmd(an_cmd_compare, &out, &err, "compare", tpath("ept.json"), tpath("unknown.json"), NULL);
	assert_non_null(strstr(out, "paging differs: BASE ept, NEW unknown: no gain table"));
	free(out);
	free(err);
}

/* A copy of a synthetic file whose first record is repeated as a sweep
 * (ws_kib 16, 256, 4096) and at 1, 2 and 4 vCPUs, under a name that tries
 * to reach a shell. */
static void sweep_file(const char *from, const char *to)
{
	json_error_t je;
	json_t *doc = json_load_file(tpath(from), 0, &je);
	const char *name = "walk`touch /tmp/hvb-gain-pwned`";

	assert_non_null(doc);
	json_t *bs = json_object_get(doc, "benchmarks");
	json_t *b0 = json_array_get(bs, 0);
	for (int i = 0; i < 6; i++) {
		json_t *b = json_deep_copy(b0);
		json_object_set_new(b, "name", json_string(name));
		json_t *p = json_object();
		if (i < 3)
			json_object_set_new(p, "ws_kib", json_integer(16 << (4 * i)));
		else
			json_object_set_new(p, "vcpus", json_integer(1 << (i - 3)));
		json_object_set_new(b, "params", p);
		json_array_append_new(bs, b);
	}
	assert_int_equal(json_dump_file(doc, tpath(to), 0), 0);
	json_decref(doc);
}

static void test_plot_sweep_and_scaling(void **state)
{
	char *out, *err, dir[600];

	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		printf("SKIP: gnuplot not installed; the sweep and scaling charts not tested\n");
		skip();
	}
	sweep_file("ept.json", "tdp-sweep.json");
	sweep_file("shadow.json", "shadow-sweep.json");
	unlink("/tmp/hvb-gain-pwned");
	snprintf(dir, sizeof(dir), "%s", tpath("charts"));
	assert_int_equal(run_cmd(an_cmd_plot, &out, &err, "plot", tpath("tdp-sweep.json"),
				 tpath("shadow-sweep.json"), "-o", dir, "--format", "svg", NULL), 0);
	assert_non_null(strstr(out, "tdp-sweep-sweep-walktouchtmphvb-gain-pwned.svg"));
	assert_non_null(strstr(out, "compare-scaling-walktouchtmphvb-gain-pwned.svg"));
	assert_int_not_equal(access("/tmp/hvb-gain-pwned", F_OK), 0);
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gain_base_tdp),
		cmocka_unit_test(test_gain_new_tdp),
		cmocka_unit_test(test_same_paging_no_gain),
		cmocka_unit_test(test_other_paging_says_why),
		cmocka_unit_test(test_plot_sweep_and_scaling),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
