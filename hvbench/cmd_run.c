/* `hvbench run SUITE.json`: validate everything first, then run each
 * benchmark in its own VM, print one line each, and save the result file
 * atomically — also when a benchmark fails or the user presses Ctrl-C. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"
#include "hvbench/cli.h"
#include "hvbench/hostsetup.h"
#include "hvbench/jail.h"
#include "hvbench/measure.h"
#include "hvbench/results.h"
#include "hvbench/safefile.h"
#include "hvbench/sha256.h"
#include "hvbench/startup.h"
#include "hvbench/suite.h"
#include "probes/hostinfo.h"
#include "probes/hostload.h"

static void on_sigint(int sig)
{
	hv_interrupt_requested = 1;
	jail_forward_signal(sig);
}

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: hvbench run SUITE.json [-o FILE] [--quiet] [--no-jail]\n\n"
		"Runs every benchmark of the suite in a fresh VM of hvbench's own\n"
		"hypervisor on /dev/kvm and writes one JSON result file\n"
		"(docs/results-schema.md). Default output: results/<host>-<UTC time>.json.\n\n"
		"  -o, --output FILE   write the result file here ('-': standard output,\n"
		"                      the per-benchmark lines then go to stderr)\n"
		"  -q, --quiet         no per-benchmark lines, no summary table\n"
		"      --no-jail       run each benchmark in this process, as this user,\n"
		"                      without the seccomp filter (default: a child process\n"
		"                      per benchmark that drops root when /dev/kvm's group\n"
		"                      allows it, sets no_new_privs and installs a seccomp\n"
		"                      allowlist; see docs/security.md)\n"
		"  -h, --help          this text\n\n"
		"Ctrl-C ends the running benchmark, keeps what it measured and saves\n"
		"the file with \"interrupted\": true (exit code 130).\n\n"
		"exit: 0 done, every benchmark ok or unsupported, 1 done and saved, but a\n"
		"      benchmark failed, 2 bad command line or a suite file read but\n"
		"      invalid (nothing ran), 3 /dev/kvm missing or not accessible, 4 the\n"
		"      suite file could not be read or the result file could not be\n"
		"      written (checked before the first benchmark), 130 interrupted, what\n"
		"      was measured is saved\n");
}

static const char *fmt_si(double v, char *buf, size_t len)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fK", v / 1e3);
	else if (v < 10 && v != floor(v))	/* per-op figures of a batch */
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static const char *fmt_pct(double share, char *buf, size_t len)
{
	double v = 100 * share;

	snprintf(buf, len, v >= 9.95 ? "%.0f%%" : "%.1f%%", v);
	return buf;
}

/* The io-path study at a glance: "io_path inline cpl3: 79.6K cycles = exit
 * 45% + dispatch 0.3% + device 0.1% + entry 54%", then spread and skew. */
static void print_share_line(FILE *f, json_t *rec)
{
	static const char *const segs[][2] = {
		{ "exit", "exit" }, { "dispatch", "dispatch" },
		{ "device_model", "device" }, { "entry", "entry" },
	};
	json_t *share = json_object_get(rec, "share");
	json_t *c = json_object_get(rec, "cycles");
	json_t *skew = json_object_get(rec, "skew_cycles");
	const char *variant = json_string_value(json_object_get(rec, "variant"));
	char a[32], b[32], d[32];

	fprintf(f, "  %s %s: %s %s =",
		json_string_value(json_object_get(rec, "name")),
		variant ? variant : "", fmt_si(json_number_value(json_object_get(c, "p50")), a, sizeof(a)),
		json_string_value(json_object_get(rec, "unit")));
	for (size_t i = 0, n = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		json_t *v = json_object_get(share, segs[i][0]);
		if (v)
			fprintf(f, "%s %s %s", n++ ? " +" : "", segs[i][1],
				fmt_pct(json_number_value(v), a, sizeof(a)));
	}
	json_t *bound = json_object_get(json_object_get(rec, "clock_bound"), "share");
	char pct[32] = "";
	if (json_is_number(bound))
		snprintf(pct, sizeof(pct), " = %.1f%%", 100.0 * json_number_value(bound));
	fprintf(f, "  (p10-p90 %s-%s, skew %s%s)%s%s\n",
		fmt_si(json_number_value(json_object_get(c, "p10")), b, sizeof(b)),
		fmt_si(json_number_value(json_object_get(c, "p90")), d, sizeof(d)),
		json_is_number(skew) ? fmt_si(json_number_value(skew), a, sizeof(a)) : "?", pct,
		json_is_true(json_object_get(rec, "suspect")) ? "  SUSPECT" : "",
		json_is_true(json_object_get(rec, "marginal")) ? "  MARGINAL (clock bound above 1% of the round trip: shares uncertain by that much)" : "");
}

/* One line per benchmark: name, cpl, median with unit and spread, exits. */
static void print_line(FILE *f, const char *label, json_t *rec)
{
	const char *status = json_string_value(json_object_get(rec, "status"));
	json_t *c = json_object_get(rec, "cycles");
	json_t *params = json_object_get(rec, "params");
	int cpl = (int)json_integer_value(json_object_get(params, "cpl"));
	char a[32], b[32], d[32];

	if (strcmp(status, "ok") || !c) {
		const char *why = json_string_value(json_object_get(rec, "reason"));
		fprintf(f, "  %-22s %-11s %s\n", label, status, why ? why : "");
		return;
	}
	if (json_object_get(rec, "share")) {
		print_share_line(f, rec);
		return;
	}
	const char *unit = json_string_value(json_object_get(rec, "unit"));
	json_t *ex = json_object_get(rec, "exits_per_op");
	const char *stat = json_string_value(json_object_get(rec, "exit_stat"));
	double exits = stat ? json_number_value(json_object_get(ex, stat)) : 0;
	json_t *res = json_object_get(rec, "resolution");
	json_int_t batch = json_integer_value(json_object_get(res, "ops_per_sample"));
	char nbuf[48];

	if (batch > 1)
		snprintf(nbuf, sizeof(nbuf), "n=%lldx%lld",
			 (long long)json_integer_value(json_object_get(c, "n")), (long long)batch);
	else
		snprintf(nbuf, sizeof(nbuf), "n=%lld",
			 (long long)json_integer_value(json_object_get(c, "n")));
	fprintf(f, "  %-22s cpl%d  p50 %8s %-6s p10-p90 %s-%s  %s  %s/op %.3f%s%s%s\n",
		label, cpl,
		fmt_si(json_number_value(json_object_get(c, "p50")), a, sizeof(a)),
		unit, fmt_si(json_number_value(json_object_get(c, "p10")), b, sizeof(b)),
		fmt_si(json_number_value(json_object_get(c, "p90")), d, sizeof(d)),
		nbuf, stat ? stat : "exits", exits,
		json_is_true(json_object_get(rec, "suspect")) ? "  SUSPECT" : "",
		json_is_true(json_object_get(res, "coarse")) ? "  COARSE (below the counter's resolution: raise batch)" : "",
		json_object_get(rec, "capped") ? "  CAPPED (max_iters ended a repetition before min_time_ms)" : "");
}

static void progress(bool tty, size_t i, size_t n, const char *label)
{
	if (!tty)
		return;
	/* The one intended control sequence: the label is printed through
	 * the escaping stderr, the line clear beside it on the raw fd. */
	fflush(stderr);
	sf_write_all(STDERR_FILENO, "\r\033[K", 4);
	fprintf(stderr, "[%zu/%zu] %s ...", i + 1, n, label);
	fflush(stderr);
}

static void progress_clear(bool tty)
{
	if (tty) {
		fflush(stderr);
		sf_write_all(STDERR_FILENO, "\r\033[K", 4);
	}
}

/* Where finished records go until the file is written, and the line each
 * prints as it completes. */
struct run_done {
	const struct suite *suite;
	FILE *human;
	bool quiet;
	json_t **recs;
};

static void run_done(size_t i, json_t *rec, void *ctx)
{
	struct run_done *d = ctx;

	if (!rec)
		return;
	d->recs[i] = rec;
	if (!d->quiet)
		print_line(d->human, d->suite->entries[i].label, rec);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-jail", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct jail_opts jail;
	jail_opts_default(&jail);
	const char *out_path = NULL;
	bool quiet = false;
	char err[1024];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'J':
			jail.enabled = false;
			break;
		case 'h':
			run_usage(stdout);
			return EXIT_OK;
		default:
			run_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "hvbench run: expected one suite file (try hvbench run --help)\n");
		return EXIT_USAGE;
	}

	/* The start load window runs beside the start-up (hostload.h). */
	struct hostload_window *load_start = hostload_begin();
	/* Everything that can be checked is checked before any VM starts. */
	struct suite suite;
	int lrc = suite_load(argv[optind], &suite, err, sizeof(err));
	if (lrc < 0) {
		fprintf(stderr, "%s\n", err);
		return suite_exit_code(lrc);
	}
	/* The slow figures (TSC, CPL0 slowdown, topology) come from the host
	 * cache when it is valid (hvbench/hostcache.h). */
	struct host_setup hs;
	host_setup(&hs);
	startup_mark(SU_HOST_READY);
	struct hostinfo host = hs.hi;
	if (suite_check_host(&suite, host.mem_bytes, arch_id(), err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		suite_free(&suite);
		host_setup_free(&hs);
		return EXIT_USAGE;
	}
	if (host.kvm_error[0]) {
		fprintf(stderr, "hvbench: %s\n", host.kvm_error);
		suite_free(&suite);
		host_setup_free(&hs);
		return EXIT_NO_KVM;
	}
	char path[4096];
	if (out_path)
		snprintf(path, sizeof(path), "%s", out_path);
	else if (results_default_path("results", host.hostname, time(NULL), path,
				      sizeof(path)) < 0) {
		fprintf(stderr, "hvbench: cannot form the default result path\n");
		suite_free(&suite);
		host_setup_free(&hs);
		return EXIT_IO;
	}

	/* A folder that cannot take the file is found now, not after the
	 * whole suite has been measured. */
	if (results_check_output(path, err, sizeof(err)) < 0) {
		fprintf(stderr, "hvbench: %s\n", err);
		suite_free(&suite);
		host_setup_free(&hs);
		return EXIT_IO;
	}
	/* With -o - stdout carries the JSON and nothing else. */
	FILE *human = sf_is_stdout(path) ? stderr : stdout;

	struct measure_env env = { .host = &host, .cpl0_slowdown = hs.cpl0_slowdown };
	bool tty = isatty(STDERR_FILENO) && !quiet;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (env.cpl0_slowdown < 0 && !quiet)
		fprintf(stderr, "hvbench: could not measure the CPL0 slowdown (%s); \"cpl\": \"auto\" picks 0\n", hs.slow_err);

	json_t *doc = results_new(suite.name, suite.path, host_setup_json(&hs));
	/* The bytes the suite was parsed from: a result still names its suite
	 * after the file is edited. */
	char suite_sha[65];
	sha256_hex(suite.text, suite.text_len, suite_sha);
	json_object_set_new(json_object_get(doc, "suite"), "sha256",
			    json_string(suite_sha));
	if (!quiet)
		fprintf(human, "hvbench %s: suite %s, %zu benchmarks, backend %s, paging %s\n",
			HVBENCH_VERSION, suite.name, suite.n, host.backend, host.paging);

	/* Every record lands in exactly one of these, so the summary adds up. */
	int failed = 0, ran = 0, n_ok = 0, n_suspect = 0, n_coarse = 0, n_capped = 0,
	    n_marginal = 0, n_unsupported = 0;
	struct mb_params *params = calloc(suite.n ? suite.n : 1, sizeof(*params));
	const struct mb_bench **benches = calloc(suite.n ? suite.n : 1, sizeof(*benches));
	struct run_done rd = { .suite = &suite, .human = human, .quiet = quiet,
			       .recs = calloc(suite.n ? suite.n : 1, sizeof(json_t *)) };
	if (!params || !benches || !rd.recs) {
		fprintf(stderr, "hvbench: out of memory\n");
		free(params);
		free(benches);
		free(rd.recs);
		json_decref(doc);
		suite_free(&suite);
		return EXIT_IO;
	}
	uint64_t mem_all = 0;
	for (size_t i = 0; i < suite.n; i++) {
		params[i] = suite.entries[i].params;
		benches[i] = suite.entries[i].bench;
		measure_resolve_cpl(benches[i], &params[i], env.cpl0_slowdown);
		mem_all += (uint64_t)params[i].mem_mb << 20;
	}
	/* Interleaved, every benchmark's VM stays alive for the whole run:
	 * only when they all fit in half the host's memory. */
	bool interleave = jail.enabled && suite.n > 1 &&
			  (!host.mem_bytes || mem_all <= host.mem_bytes / 2);
	json_object_set_new(doc, "schedule", json_pack("{s:s, s:s}", "repetitions",
		interleave ? "interleaved" : "back-to-back",
		"why", interleave ?
			"one process and VM per benchmark, paused between repetitions; the suite runs round by round, so repetitions spread over the whole run" :
			!jail.enabled ? "--no-jail: each benchmark's repetitions run back to back in its VM" :
			suite.n <= 1 ? "one benchmark: its repetitions run back to back" :
			"the benchmarks' VMs together need more than half the host's memory: each runs its repetitions back to back"));
	if (interleave) {
		jail_run_interleaved(&env, suite.n, benches, params, &jail, run_done, &rd);
	} else {
		for (size_t i = 0; i < suite.n && !hv_interrupt_requested; i++) {
			progress(tty, i, suite.n, suite.entries[i].label);
			json_t *rec = measure_run_jailed(&env, benches[i], &params[i], &jail);
			progress_clear(tty);
			run_done(i, rec, &rd);
		}
	}
	/* In suite order, whatever order they completed in. */
	for (size_t i = 0; i < suite.n; i++) {
		json_t *rec = rd.recs[i];
		if (!rec)
			continue;
		const char *status = json_string_value(json_object_get(rec, "status"));
		if (!status || !strcmp(status, "failed"))
			failed++;
		else if (!strcmp(status, "unsupported"))
			n_unsupported++;
		else if (json_is_true(json_object_get(rec, "suspect")))
			n_suspect++;
		else if (json_is_true(json_object_get(json_object_get(rec, "resolution"), "coarse")))
			n_coarse++;
		else if (json_object_get(rec, "capped"))
			n_capped++;
		else if (json_is_true(json_object_get(rec, "marginal")))
			n_marginal++;
		else
			n_ok++;
		results_add_benchmark(doc, rec);
		ran++;
	}
	free(params);
	free(benches);
	free(rd.recs);
	hostload_attach(doc, hostload_collect(load_start));
	hostload_finish(doc);
	results_finish(doc, hv_interrupt_requested != 0);
	/* A default name may have been taken meanwhile by a run started in
	 * the same second: then NAME-2.json; -o PATH is replaced as asked. */
	char final[4096];
	int rc = out_path ? results_write_atomic(doc, path, err, sizeof(err)) :
			    results_write_new(doc, path, final, sizeof(final), err,
					      sizeof(err));
	if (!out_path && rc == 0)
		snprintf(path, sizeof(path), "%s", final);
	json_decref(doc);
	suite_free(&suite);
	host_setup_free(&hs);
	if (rc < 0) {
		fprintf(stderr, "hvbench: %s\n", err);
		return EXIT_IO;
	}
	if (!quiet)
		fprintf(human, "%d benchmarks: %d ok, %d suspect, %d coarse, %d capped, %d marginal, %d unsupported, %d failed%s; results: %s\n",
			ran, n_ok, n_suspect, n_coarse, n_capped, n_marginal, n_unsupported,
			failed, hv_interrupt_requested ? ", interrupted" : "",
			sf_is_stdout(path) ? "standard output" : path);
	if (hv_interrupt_requested)
		return EXIT_INTERRUPTED;
	return failed ? EXIT_BENCH_FAILED : EXIT_OK;
}
