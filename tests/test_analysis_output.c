/* Tests of the analysis outputs: CSV export, gnuplot charts, the HTML report
 * and the dashboard over 300 generated result files (re-run only adds). */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/an.h"
#include "analysis/an_synth.h"
#include "analysis/an_util.h"

#include "tests/an_testutil.h"

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

static int setup(void **state)
{
	struct an_synth s;
	char err[512];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hvbench-test-output.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	an_synth_default(&s);
	s.io_path = true;
	s.suspect = true;
	s.hostname = "bench, \"quoted\" host";
	if (an_synth_write(tpath("run.json"), &s, err, sizeof(err)))
		return -1;
	s.seed = 2;
	s.scale = 1.1;
	s.suspect = false;
	s.hostname = "testhost";
	return an_synth_write(tpath("run2.json"), &s, err, sizeof(err)) ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_csv_quoting(void **state)
{
	struct an_buf b = { 0 };

	an_buf_csv(&b, "plain");
	an_buf_put(&b, "|");
	an_buf_csv(&b, "a,b");
	an_buf_put(&b, "|");
	an_buf_csv(&b, "say \"hi\"");
	an_buf_put(&b, "|");
	an_buf_csv(&b, "two\nlines");
	an_buf_put(&b, "|");
	an_buf_csv(&b, "");
	assert_string_equal(b.s, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|");
	an_buf_free(&b);
}

static void test_export_csv(void **state)
{
	char *out, *err, *line, *save = NULL;
	size_t rows = 0;

	assert_int_equal(run_cmd(an_cmd_export, &out, &err, "export",
				 tpath("run.json"), "--csv", NULL), AN_EXIT_OK);
	line = strtok_r(out, "\n", &save);
	/* the headline's columns, then cpl and every parameter */
	static const char head[] = "name,variant,family,status,reason,unit,n,min,p10,p50,p90,"
				   "p99,max,mean,stddev,ci95_low,ci95_high,exits_per_op,"
				   "expected_exits_per_op,suspect,cpl,param.";
	assert_true(!strncmp(line, head, strlen(head)));
	assert_non_null(strstr(line, ",param.mem_mb,"));
	while ((line = strtok_r(NULL, "\n", &save))) {
		rows++;
		if (!strncmp(line, "hypercall,", 10)) {
			assert_non_null(strstr(line, ",exit-cost,ok,,cycles,1000,"));
			assert_non_null(strstr(line, ",2,1,true,3,")); /* suspect: 2 exits, 1 expected; cpl 3 */
		}
		if (!strncmp(line, "vmcall_nested,", 14))
			assert_non_null(strstr(line, ",unsupported,host has no nested virtualisation (kvm_intel nested=0),,"));
		if (!strncmp(line, "io_path,", 8))
			assert_true(!strncmp(line, "io_path,inline cpl3,", 20) ||
				    !strncmp(line, "io_path,user cpl3,", 18));
	}
	assert_int_equal(rows, 12); /* 9 measured + unsupported + 2 io_path */
	free(out);
	free(err);
	/* -o FILE, and the format is required */
	assert_int_equal(run_cmd(an_cmd_export, &out, &err, "export", "--csv", "-o",
				 tpath("out.csv"), tpath("run.json"), NULL), AN_EXIT_OK);
	assert_true(file_size(tpath("out.csv")) > 1000);
	free(out);
	free(err);
	assert_int_equal(run_cmd(an_cmd_export, &out, &err, "export",
				 tpath("run.json"), NULL), AN_EXIT_USAGE);
	free(out);
	free(err);
	assert_int_equal(run_cmd(an_cmd_export, &out, &err, "export", "--csv",
				 tpath("nope.json"), NULL), AN_EXIT_INPUT);
	assert_non_null(strstr(err, "nope.json: cannot read"));
	free(out);
	free(err);
}

static bool have_gnuplot(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

static void test_plot(void **state)
{
	static const char *const charts[] = {
		"run-medians", "run-cdf", "run-exits", "run-io-breakdown",
		"run-profile", "run-profile-share",
		"run2-medians", "compare-medians", "compare-ratio",
	};
	char *out, *err, path[600];

	if (!have_gnuplot()) {
		printf("SKIP: gnuplot not installed (apt-get install gnuplot-nox); plot not tested\n");
		skip();
	}
	assert_int_equal(run_cmd(an_cmd_plot, &out, &err, "plot", tpath("run.json"),
				 tpath("run2.json"), "-o", tpath("plots"), NULL),
			 AN_EXIT_OK);
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++)
		for (int f = 0; f < 2; f++) {
			snprintf(path, sizeof(path), "%s/plots/%s.%s", tmpdir,
				 charts[i], f ? "svg" : "png");
			if (file_size(path) < 1000)
				fail_msg("%s missing or tiny; stderr: %s", path, err);
		}
	/* run.json's medians span 40..6100 cycles: a log axis by itself, said */
	assert_non_null(strstr(out, "run.json: medians span"));
	assert_non_null(strstr(out, "logarithmic cost axis"));
	/* titles, units and host subtitle reach the chart */
	free(out);
	free(err);
	snprintf(path, sizeof(path), "%s/plots/run-medians.svg", tmpdir);
	assert_int_equal(an_read_file(path, &out, NULL), 0);
	assert_non_null(strstr(out, "Median cost per operation"));
	/* the record that did not measure keeps its place, saying so */
	assert_non_null(strstr(out, "vmcall_nested (unsupported)"));
	assert_non_null(strstr(out, "(cycles)"));
	/* " is outside the label set gnuplot gets (docs/analysis.md) */
	assert_non_null(strstr(out, "host bench, _quoted_ host (vmx"));
	free(out);
	/* the exit profile: user-space reasons and KVM's unseen ones */
	snprintf(path, sizeof(path), "%s/plots/run-profile.svg", tmpdir);
	assert_int_equal(an_read_file(path, &out, NULL), 0);
	assert_non_null(strstr(out, "VM exits per operation by reason"));
	assert_non_null(strstr(out, "in KVM, unseen"));
	assert_non_null(strstr(out, ">mmio<"));
	free(out);
	snprintf(path, sizeof(path), "%s/plots/run-io-breakdown.svg", tmpdir);
	assert_int_equal(an_read_file(path, &out, NULL), 0);
	assert_non_null(strstr(out, "Where the cycles of one I/O exit go"));
	free(out);
	/* --log and one format */
	assert_int_equal(run_cmd(an_cmd_plot, &out, &err, "plot", "--log", "--format",
				 "svg", "-o", tpath("plots-log"), tpath("run.json"), NULL),
			 AN_EXIT_OK);
	free(out);
	free(err);
	assert_true(file_size(tpath("plots-log/run-medians.svg")) > 1000);
	assert_true(file_size(tpath("plots-log/run-medians.png")) < 0);
	/* a gnuplot that fails is exit 5, naming the chart */
	setenv("HVBENCH_GNUPLOT", "false", 1);
	assert_int_equal(run_cmd(an_cmd_plot, &out, &err, "plot", "-o",
				 tpath("plots-bad"), tpath("run.json"), NULL),
			 AN_EXIT_TOOL);
	assert_non_null(strstr(err, "chart run-medians"));
	free(out);
	free(err);
	setenv("HVBENCH_GNUPLOT", "/nonexistent/gnuplot", 1);
	assert_int_equal(run_cmd(an_cmd_plot, &out, &err, "plot", "-o",
				 tpath("plots-bad"), tpath("run.json"), NULL),
			 AN_EXIT_TOOL);
	assert_non_null(strstr(err, "cannot run"));
	free(out);
	free(err);
	unsetenv("HVBENCH_GNUPLOT");
	assert_int_equal(run_cmd(an_cmd_plot, &out, &err, "plot", tpath("run.json"),
				 NULL), AN_EXIT_USAGE);
	free(out);
	free(err);
}

static void test_report(void **state)
{
	static const char *const want[] = {
		"<!DOCTYPE html>", "id='host-table'", "id='summary'",
		"id='table-exit-cost'", "<tr class='suspect'>", "id='suspects'",
		"id='io-breakdown'", "id='not-measured'", "<svg", "kvm_intel nested=0",
		"bench, &quot;quoted&quot; host",
		/* the level, ns beside cycles, the repetitions' spread */
		"<th>cpl", "<td class='num'>3</td>", " ns</span>", "5 reps, &plusmn;",
	};
	char *out, *err, *html;

	assert_int_equal(run_cmd(an_cmd_report, &out, &err, "report", tpath("run.json"),
				 "-o", tpath("report.html"), NULL), AN_EXIT_OK);
	free(out);
	free(err);
	assert_int_equal(an_read_file(tpath("report.html"), &html, NULL), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(html, want[i]))
			fail_msg("report lacks %s", want[i]);
	/* every benchmark with samples has its CDF (the 11 of run.json: two
	 * charts of ten and one), none silently dropped */
	assert_non_null(strstr(html, "CDF of per-operation samples (1-10 of 11)"));
	assert_non_null(strstr(html, "CDF of per-operation samples (11-11 of 11)"));
	/* self-contained: nothing fetched */
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "href='http"));
	free(html);
}

/* 5 hosts (2 x86, 1 arm64 hardware, 1 emulated arm64, 1 PVM), one run a day. */
static void gen_runs(const char *dir, size_t from, size_t to)
{
	static const struct {
		const char *host, *backend, *arch, *unit;
		double hz, scale;
	} hosts[] = {
		{ "x86-a", "vmx", "x86_64", "cycles", 2.1e9, 1.0 },
		{ "x86-b", "svm", "x86_64", "cycles", 3.0e9, 0.8 },
		{ "pvm-c", "pvm", "x86_64", "cycles", 2.1e9, 4.0 },
		{ "arm-d", "arm64-vhe", "aarch64", "counter_ticks", 2.5e7, 0.05 },
		{ "qemu-e", "arm64-nvhe", "aarch64", "instructions", 0, 0.4 },
	};
	char err[512], path[700], started[32];

	for (size_t i = from; i < to; i++) {
		struct an_synth s;
		time_t t = 1767225600 + (time_t)(i / 5) * 86400; /* 2026-01-01 */
		size_t h = i % 5;

		an_synth_default(&s);
		s.hostname = hosts[h].host;
		s.backend = hosts[h].backend;
		s.arch = hosts[h].arch;
		s.unit = hosts[h].unit;
		s.counter_hz = hosts[h].hz;
		s.scale = hosts[h].scale;
		s.n_samples = 300;
		s.seed = i + 1;
		s.io_path = i % 10 == 0;
		strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		s.started = started;
		snprintf(path, sizeof(path), "%s/%s", dir, hosts[h].host);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%s/run-%04zu.json", dir, hosts[h].host, i);
		assert_int_equal(an_synth_write(path, &s, err, sizeof(err)), 0);
	}
}

static void test_dashboard(void **state)
{
	char *out, *err, *html, *dir = strdup(tpath("results")), *site = strdup(tpath("site"));
	struct timespec t0, t1;
	struct stat st_before, st_after;
	struct an_synth s;
	char e[512];

	mkdir(dir, 0755);
	gen_runs(dir, 0, 250);
	an_write_file(tpath("results/notes.json"), "{\"a\": 1}", 8, false, e, sizeof(e));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_cmd(an_cmd_dashboard, &out, &err, "dashboard", dir, "-o",
				 site, NULL), AN_EXIT_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("dashboard over 251 files: %.2f s\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	assert_non_null(strstr(out, "251 result files (251 read, 0 from cache), 1 skipped, 5 hosts"));
	assert_non_null(strstr(err, "skipping"));
	assert_non_null(strstr(err, "notes.json"));
	free(out);
	free(err);
	assert_int_equal(stat(tpath("site/host-pvm-c-pvm-quick.html"), &st_before), 0);
	/* 50 more runs, and the newest run of x86-a 10% slower */
	gen_runs(dir, 250, 299);
	an_synth_default(&s);
	s.hostname = "x86-a";
	s.scale = 1.10;
	s.n_samples = 300;
	s.seed = 999;
	s.started = "2027-01-01T00:00:00Z";
	assert_int_equal(an_synth_write(tpath("results/x86-a/run-0300.json"), &s, e, sizeof(e)), 0);
	sleep(1); /* an unchanged page must keep its mtime */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_cmd(an_cmd_dashboard, &out, &err, "dashboard", dir, "-o",
				 site, NULL), AN_EXIT_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("dashboard re-run over 301 files (50 new): %.2f s\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	/* only the new files were parsed */
	assert_non_null(strstr(out, "301 result files (50 read, 251 from cache), 1 skipped, 5 hosts"));
	free(out);
	free(err);
	assert_int_equal(an_read_file(tpath("site/index.html"), &html, NULL), 0);
	assert_non_null(strstr(html, "id='hosts-table'"));
	assert_non_null(strstr(html, "300 runs on 5 hosts"));
	assert_non_null(strstr(html, "id='regressions-table'"));
	assert_non_null(strstr(html, "<tr class='regression'><td><a href='host-x86-a-vmx-quick.html'>"));
	assert_non_null(strstr(html, "id='arch-panel'"));
	assert_non_null(strstr(html, "id='skipped'"));
	free(html);
	assert_int_equal(an_read_file(tpath("site/host-x86-a-vmx-quick.html"), &html, NULL), 0);
	assert_non_null(strstr(html, "id='compare-table'"));
	assert_non_null(strstr(html, "class='pt alert'"));
	assert_non_null(strstr(html, "id='trend-cpuid-"));
	free(html);
	for (int i = 0; i < 5; i++) {
		static const char *const pages[] = {
			"site/host-x86-a-vmx-quick.html", "site/host-x86-b-svm-quick.html",
			"site/host-pvm-c-pvm-quick.html", "site/host-arm-d-arm64-vhe-quick.html",
			"site/host-qemu-e-arm64-nvhe-quick.html",
		};

		assert_true(file_size(tpath(pages[i])) > 5000);
	}
	/* a third run with nothing new: everything from the cache, same bytes */
	assert_int_equal(stat(tpath("site/host-pvm-c-pvm-quick.html"), &st_before), 0);
	assert_int_equal(run_cmd(an_cmd_dashboard, &out, &err, "dashboard", dir, "-o",
				 site, NULL), AN_EXIT_OK);
	assert_non_null(strstr(out, "(0 read, 301 from cache)"));
	free(out);
	free(err);
	assert_int_equal(stat(tpath("site/host-pvm-c-pvm-quick.html"), &st_after), 0);
	assert_true(st_before.st_mtim.tv_sec == st_after.st_mtim.tv_sec &&
		    st_before.st_mtim.tv_nsec == st_after.st_mtim.tv_nsec);
	assert_int_equal(run_cmd(an_cmd_dashboard, &out, &err, "dashboard", tpath("nowhere"),
				 "-o", site, NULL), AN_EXIT_INPUT);
	free(out);
	free(err);
	free(dir);
	free(site);
}

/* A devices result (a real run's, tests/data/analysis/devices.json, one
 * variant made hostile: backtick, quotes, gnuplot's system(), $, @, a
 * newline and HTML): the report's "% of bare metal" table holds every
 * model the file has, native at 100; plot draws the share of native and
 * the exits breakdown, and the hostile text reaches neither gnuplot nor
 * the page unreduced. */
static void test_devices(void **state)
{
	static const char *const want[] = {
		"<section id='devices'>", "<table id='devices-native'>", "<th>emulated</th>",
		"<th>emulated-pio</th>", "<th>virtio</th>", "<th>direct</th>", "<th>native</th>",
		"<td class='num'>100 %</td>", "<table id='devices-cpu'>",
		"&lt;script&gt;x&lt;/script&gt;",
	};
	const char *data = "tests/data/analysis/devices.json";
	char *out, *err, *html, path[600];

	assert_int_equal(run_cmd(an_cmd_report, &out, &err, "report", data, "-o",
				 tpath("devices.html"), NULL), AN_EXIT_OK);
	free(out);
	free(err);
	assert_int_equal(an_read_file(tpath("devices.html"), &html, NULL), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(html, want[i]))
			fail_msg("report lacks %s", want[i]);
	assert_null(strstr(html, "<script"));
	/* The 64 B batch-1 row carries every model's share; the file's
	 * direct figure is 108 % (the VM's median under the twin's). */
	const char *row = strstr(html, "<tr><td class='num'>64 B</td><td class='num'>1</td>");
	assert_non_null(row);
	assert_non_null(strstr(row, "108 %"));
	free(html);
	if (!have_gnuplot()) {
		printf("SKIP: gnuplot not installed; devices charts not drawn\n");
		return;
	}
	assert_int_equal(run_cmd(an_cmd_plot, &out, &err, "plot", "--format", "svg", data,
				 "-o", tpath("dev-plots"), NULL), AN_EXIT_OK);
	assert_non_null(strstr(out, "devices-devices-native.svg"));
	assert_non_null(strstr(out, "devices-devices-exits.svg"));
	free(out);
	free(err);
	snprintf(path, sizeof(path), "%s/dev-plots/devices-devices-native.svg", tmpdir);
	assert_true(file_size(path) > 1000);
	assert_int_equal(an_read_file(path, &html, NULL), 0);
	assert_non_null(strstr(html, "throughput as a share of bare metal"));
	assert_non_null(strstr(html, "direct 1500B batch 1"));
	/* Reduced to the label set: no backtick, $, @ or " from the file. */
	assert_non_null(strstr(html, "virtio 9000B batch 1 _touch /tmp/pwned_ _ system('id') _HOME _DATA_"));
	assert_null(strstr(html, "`touch"));
	free(html);
	snprintf(path, sizeof(path), "%s/dev-plots/devices-devices-exits.svg", tmpdir);
	assert_int_equal(an_read_file(path, &html, NULL), 0);
	assert_non_null(strstr(html, "exits per packet"));
	assert_non_null(strstr(html, "reached the VMM"));
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_export_csv),
		cmocka_unit_test(test_plot),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_dashboard),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
