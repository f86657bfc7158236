/* `hvbench run SUITE.json`: validate everything first, then run each
 * benchmark in its own VM, print one line each, and save the result file
 * atomically — also when a benchmark fails or the user presses Ctrl-C. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
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
#include "hvbench/record.h"
#include "hvbench/results.h"
#include "hvbench/run_args.h"
#include "store/db.h"
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

/* A return before the run: the start's load window thread is joined
 * first, so no thread outlives the command (LeakSanitizer's exit check
 * fails when one is still running). */
static int done_early(struct hostload_window *w, int code)
{
	json_decref(hostload_collect(w));
	return code;
}

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: hvbench run SUITE.json [options]\n"
		"       hvbench run BENCHMARK... [options]   (e.g. hvbench run cpuid pio_user --cpl 3)\n\n"
		"Runs every benchmark of the suite, or the benchmarks named (hvbench list),\n"
		"in a fresh VM of hvbench's own hypervisor on /dev/kvm and writes one JSON\n"
		"result file (docs/results-schema.md). Default output:\n"
		"results/<host>-<UTC time>.json.\n\n"
		"Settings (checked as a suite file's values are; they win over the file's):\n"
		"      --cpl 0|3|auto        privilege level of the bodies\n"
		"      --min-time DUR        measure at least this long per repetition\n"
		"                            (500ms, 2s, 1.5s, 1m; a bare number is ms)\n"
		"      --repetitions N       measured loops per benchmark\n"
		"      --batch N, --vcpus N  operations per sample; vCPUs per VM\n"
		"  -P, --param NAME=VALUE    any parameter (docs/suite-format.md); VALUE is\n"
		"                            JSON where it parses, else a string. A list or\n"
		"                            a range sweeps it: -P 'ws_kib=[16, 1024]',\n"
		"                            -P 'device_work_cycles={\"from\": 0, \"to\": 8000,\n"
		"                            \"step\": 2000}' (one benchmark per value)\n"
		"      --filter REGEX        only the entries whose label matches (POSIX\n"
		"                            extended regex, e.g. 'io_path.*kernel')\n"
		"      --exclude REGEX       leave out the entries whose label matches\n"
		"      --dry-run             print every entry, each parameter with where its\n"
		"                            value came from, the level \"auto\" picks and\n"
		"                            why, the time it takes at least; run nothing\n\n"
		"Output:\n"
		"  -o, --output FILE   write the result file here ('-': standard output,\n"
		"                      the per-benchmark lines then go to stderr)\n"
		"      --db PATH|URL   also store the run in the results store (SQLite file\n"
		"                      or postgresql://..., docs/store.md) once the file is\n"
		"                      saved; the store is opened before the first benchmark\n"
		"  -q, --quiet         no per-benchmark lines, no summary table\n"
		"  -p, --profile       under each benchmark's line, its exit profile: per\n"
		"                      exit reason the count per op, the mean and p99 time\n"
		"                      per exit and the share of the measured window (every\n"
		"                      record stores it as \"exit_profile\" either way;\n"
		"                      a suite entry's \"profile\": true does this for it)\n"
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
		"      suite file could not be read or the result file (or the --db store)\n"
		"      could not be written (checked before the first benchmark), 130 interrupted, what\n"
		"      was measured is saved\n");
}

/* The progress line's clock: the suite's least time (repetitions x
 * min_time_ms per entry) tells how far along a step is; what the steps
 * done took tells how long the rest will. */
struct progress {
	bool tty;
	struct timespec t0;
	const struct suite *suite;
	double total_ms, done_ms;	/* least time: all, and of the steps begun */
};

static double elapsed_s(const struct progress *pg)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - pg->t0.tv_sec) + (now.tv_nsec - pg->t0.tv_nsec) / 1e9;
}

static void fmt_dur(char *b, size_t len, double s)
{
	if (s < 60)
		snprintf(b, len, "%.0f s", s);
	else if (s < 3600)
		snprintf(b, len, "%d min %02d s", (int)s / 60, (int)s % 60);
	else
		snprintf(b, len, "%d h %02d min", (int)s / 3600, (int)s % 3600 / 60);
}

/* Step k of n (a benchmark, or one repetition round of one in interleaved
 * runs) begins; share_ms is its part of the least time. */
static void progress_step(struct progress *pg, size_t k, size_t n, const char *label, double share_ms)
{
	char el[32], left[48] = "";
	double e = elapsed_s(pg);

	if (!pg->tty)
		return;
	if (pg->done_ms > 0 && pg->total_ms > pg->done_ms) {
		fmt_dur(left, sizeof(left), e * (pg->total_ms - pg->done_ms) / pg->done_ms);
		memmove(left + 2, left, strlen(left) + 1);
		memcpy(left, ", ", 2);
		strncat(left, " left", sizeof(left) - strlen(left) - 1);
	}
	pg->done_ms += share_ms;
	fmt_dur(el, sizeof(el), e);
	/* The one intended control sequence: the label is printed through
	 * the escaping stderr, the line clear beside it on the raw fd. */
	fflush(stderr);
	sf_write_all(STDERR_FILENO, "\r\033[K", 4);
	fprintf(stderr, "[%zu/%zu] %s ... (%s%s)", k + 1, n, label, el, left);
	fflush(stderr);
}

static double least_ms(const struct mb_params *p)
{
	return (double)p->repetitions * p->min_time_ms;
}

/* jail_opts.on_step: interleaved, step (round r, benchmark i). */
static void on_step(size_t i, uint32_t r, uint32_t rounds, void *ctx)
{
	struct progress *pg = ctx;
	const struct suite_entry *e = &pg->suite->entries[i];
	size_t n = pg->suite->n;
	char label[200];

	if (r >= e->params.repetitions)
		return;
	snprintf(label, sizeof(label), "%s, repetition %u of %u", e->label, r + 1, e->params.repetitions);
	progress_step(pg, (size_t)r * n + i, (size_t)rounds * n, label, e->params.min_time_ms);
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
	bool quiet, profile, tty;
	int width;		/* of the name column: the suite's longest name */
	json_t **recs;
};

static void run_done(size_t i, json_t *rec, void *ctx)
{
	struct run_done *d = ctx;

	if (!rec)
		return;
	d->recs[i] = rec;
	if (d->quiet)
		return;
	progress_clear(d->tty);	/* interleaved: the line shows a later step */
	/* The line renders the typed record, as the file renders it. */
	struct rec *r = rec_from_json(rec);
	if (r)
		rec_print_line_w(d->human, d->suite->entries[i].label, d->width, r);
	/* A macrobenchmark's profile is its main table: always shown */
	if (r && (d->profile || d->suite->entries[i].params.profile ||
		  !strcmp(d->suite->entries[i].bench->family, "macro")))
		rec_print_profile(d->human, r);
	if (r && !strcmp(d->suite->entries[i].bench->family, "macro"))
		rec_print_xentrace(d->human, rec);
	rec_free(r);
}

/* --db: with @doc NULL, opens the store (made and migrated) and closes it;
 * else stores @doc as its file @path holds it. 0, or -1 with @msg. */
static int run_db_store(const json_t *doc, const char *url, const char *path,
			char *msg, size_t len)
{
	struct db *db;
	json_t *as_file;
	long long id;
	int ret = 0;

	if (db_open(url, DB_CREATE, &db, msg, len))
		return -1;
	if (!doc) {
		db_close(db);
		return 0;
	}
	as_file = results_as_written(doc);
	if (!as_file) {
		snprintf(msg, len, "%.900s: out of memory", path);
		ret = -1;
	} else {
		switch (db_import_doc(db, as_file, path, NULL, &id, msg, len)) {
		case DB_IMPORTED:
			snprintf(msg, len, "stored in %s as run %lld", url, id);
			break;
		case DB_DUPLICATE:
			break;
		default:
			ret = -1;
		}
	}
	json_decref(as_file);
	db_close(db);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "profile", no_argument, NULL, 'p' },
		{ "no-jail", no_argument, NULL, 'J' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "cpl", required_argument, NULL, RA_OPT_CPL },
		{ "min-time", required_argument, NULL, RA_OPT_MIN_TIME },
		{ "repetitions", required_argument, NULL, RA_OPT_REPS },
		{ "batch", required_argument, NULL, RA_OPT_BATCH },
		{ "vcpus", required_argument, NULL, RA_OPT_VCPUS },
		{ "param", required_argument, NULL, RA_OPT_PARAM },
		{ "filter", required_argument, NULL, RA_OPT_FILTER },
		{ "exclude", required_argument, NULL, RA_OPT_EXCLUDE },
		{ "dry-run", no_argument, NULL, RA_OPT_DRY_RUN },
		{ NULL, 0, NULL, 0 },
	};
	struct run_args ra;
	run_args_init(&ra);
	struct jail_opts jail;
	jail_opts_default(&jail);
	const char *out_path = NULL, *db_url = NULL;
	bool quiet = false, profile = false;
	char err[1024];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qphP:", opts, NULL)) != -1) {
		if (c == 'P')
			c = RA_OPT_PARAM;
		if (c >= RA_OPT_CPL && c <= RA_OPT_DRY_RUN) {
			if (run_args_option(&ra, c, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "hvbench run: %s\n", err);
				run_args_free(&ra);
				return EXIT_USAGE;
			}
			continue;
		}
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'p':
			profile = true;
			break;
		case 'J':
			jail.enabled = false;
			break;
		case 'D':
			db_url = optarg;
			break;
		case 'h':
			run_usage(stdout);
			run_args_free(&ra);
			return EXIT_OK;
		default:
			run_usage(stderr);
			run_args_free(&ra);
			return EXIT_USAGE;
		}
	}
	if (run_args_positional(&ra, argc - optind, argv + optind, err, sizeof(err)) < 0) {
		fprintf(stderr, "hvbench run: %s\n", err);
		run_args_free(&ra);
		return EXIT_USAGE;
	}

	/* The start load window runs beside the start-up (hostload.h). */
	struct hostload_window *load_start = hostload_begin();
	/* Everything that can be checked is checked before any VM starts. */
	struct suite suite;
	int lrc = run_args_suite(&ra, &suite, err, sizeof(err));
	if (lrc) {
		fprintf(stderr, "%s\n", err);
		run_args_free(&ra);
		return done_early(load_start, lrc);
	}
	/* The slow figures (TSC, CPL0 slowdown, topology) come from the host
	 * cache when it is valid (hvbench/hostcache.h). */
	struct host_setup hs;
	host_setup(&hs);
	startup_mark(SU_HOST_READY);
	struct hostinfo host = hs.hi;
	if (ra.dry_run) {
		run_args_dry_run(stdout, &suite, &ra, hs.cpl0_slowdown, host.backend);
		suite_free(&suite);
		host_setup_free(&hs);
		run_args_free(&ra);
		return done_early(load_start, EXIT_OK);
	}
	run_args_free(&ra);
	if (suite_check_host(&suite, host.mem_bytes, arch_id(), err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		suite_free(&suite);
		host_setup_free(&hs);
		return done_early(load_start, EXIT_USAGE);
	}
	if (host.kvm_error[0]) {
		fprintf(stderr, "hvbench: %s\n", host.kvm_error);
		suite_free(&suite);
		host_setup_free(&hs);
		return done_early(load_start, EXIT_NO_KVM);
	}
	char path[4096];
	if (out_path)
		snprintf(path, sizeof(path), "%s", out_path);
	else if (results_default_path("results", host.hostname, time(NULL), path,
				      sizeof(path)) < 0) {
		fprintf(stderr, "hvbench: cannot form the default result path\n");
		suite_free(&suite);
		host_setup_free(&hs);
		return done_early(load_start, EXIT_IO);
	}

	/* A folder that cannot take the file is found now, not after the
	 * whole suite has been measured. */
	if (results_check_output(path, err, sizeof(err)) < 0) {
		fprintf(stderr, "hvbench: %s\n", err);
		suite_free(&suite);
		host_setup_free(&hs);
		return done_early(load_start, EXIT_IO);
	}
	/* The store too: opened (made, migrated) and closed again, so that
	 * no connection lives through the benchmarks' child processes. */
	if (db_url && run_db_store(NULL, db_url, NULL, err, sizeof(err))) {
		fprintf(stderr, "hvbench: %s\n", err);
		suite_free(&suite);
		host_setup_free(&hs);
		return done_early(load_start, EXIT_IO);
	}
	/* With -o - stdout carries the JSON and nothing else. */
	FILE *human = sf_is_stdout(path) ? stderr : stdout;

	struct measure_env env = { .host = &host, .cpl0_slowdown = hs.cpl0_slowdown };
	/* The progress line: on a terminal only, never with --quiet or
	 * NO_COLOR, nor when the table goes to a pipe or a file. */
	const char *no_color = getenv("NO_COLOR");
	struct progress pg = {
		.tty = isatty(STDERR_FILENO) && !quiet && !(no_color && *no_color) &&
		       (human == stderr || isatty(STDOUT_FILENO)),
		.suite = &suite,
	};
	clock_gettime(CLOCK_MONOTONIC, &pg.t0);
	bool tty = pg.tty;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (env.cpl0_slowdown < 0 && !quiet)
		fprintf(stderr, "hvbench: could not measure the CPL0 slowdown (%s); \"cpl\": \"auto\" picks 0\n", hs.slow_err);

	json_t *doc = results_new(suite.name, suite.path, host_setup_json(&hs));
	/* The command as typed: a reader can run it again. */
	json_t *av = json_array();
	json_array_append_new(av, json_string("hvbench"));
	for (int k = 0; k < argc; k++)
		json_array_append_new(av, json_string(argv[k]));
	json_object_set_new(json_object_get(doc, "tool"), "argv", av);
	/* The bytes the suite was parsed from: a result still names its suite
	 * after the file is edited. */
	char suite_sha[65];
	sha256_hex(suite.text, suite.text_len, suite_sha);
	json_object_set_new(json_object_get(doc, "suite"), "sha256",
			    json_string(suite_sha));
	if (!quiet)
		fprintf(human, "hvbench %s: suite %s, %zu benchmarks, backend %s, paging %s\n",
			HVBENCH_VERSION, suite.name, suite.n, host.backend, host.paging);
	bool any_profile = profile;
	for (size_t i = 0; i < suite.n; i++)
		any_profile |= suite.entries[i].params.profile ||
			       !strcmp(suite.entries[i].bench->family, "macro");
	if (!quiet && any_profile)
		rec_print_profile_legend(human);

	/* Every record lands in exactly one column, so the summary adds up. */
	struct rec_tally tally = { 0 };
	struct mb_params *params = calloc(suite.n ? suite.n : 1, sizeof(*params));
	const struct mb_bench **benches = calloc(suite.n ? suite.n : 1, sizeof(*benches));
	struct run_done rd = { .suite = &suite, .human = human, .quiet = quiet, .profile = profile,
			       .width = 22, .recs = calloc(suite.n ? suite.n : 1, sizeof(json_t *)) };
	/* One width for the whole table (a variant's extra words, which only
	 * the record knows, may still push a line's figures along). */
	for (size_t i = 0; i < suite.n; i++) {
		char name[256];
		rec_display_name(name, sizeof(name), suite.entries[i].label, NULL);
		int w = (int)strlen(name);
		if (w > rd.width)
			rd.width = w > 60 ? 60 : w;
	}
	if (!params || !benches || !rd.recs) {
		fprintf(stderr, "hvbench: out of memory\n");
		free(params);
		free(benches);
		free(rd.recs);
		json_decref(doc);
		suite_free(&suite);
		return done_early(load_start, EXIT_IO);
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
	for (size_t i = 0; i < suite.n; i++)
		pg.total_ms += least_ms(&params[i]);
	rd.tty = tty;
	if (interleave) {
		jail.on_step = on_step;
		jail.step_ctx = &pg;
		jail_run_interleaved(&env, suite.n, benches, params, &jail, run_done, &rd);
		progress_clear(tty);
	} else {
		for (size_t i = 0; i < suite.n && !hv_interrupt_requested; i++) {
			progress_step(&pg, i, suite.n, suite.entries[i].label, least_ms(&params[i]));
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
		struct rec *r = rec_from_json(rec);
		if (r) {
			rec_tally_add(&tally, r);
		} else {	/* no record a renderer can read: count it failed */
			tally.total++;
			tally.failed++;
		}
		rec_free(r);
		results_add_benchmark(doc, rec);
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
	char db_msg[1024] = "";
	int db_rc = 0;
	if (rc == 0 && db_url)
		db_rc = run_db_store(doc, db_url, sf_is_stdout(path) ? "-" : path,
				     db_msg, sizeof(db_msg));
	json_decref(doc);
	suite_free(&suite);
	host_setup_free(&hs);
	if (rc < 0) {
		fprintf(stderr, "hvbench: %s\n", err);
		return EXIT_IO;
	}
	if (!quiet) {
		rec_tally_print(human, &tally);
		fprintf(human, "%s; results: %s\n", hv_interrupt_requested ? ", interrupted" : "",
			sf_is_stdout(path) ? "standard output" : path);
	}
	if (db_rc) {
		fprintf(stderr, "hvbench: %s (the result file is saved)\n", db_msg);
		return EXIT_IO;
	}
	if (db_url && !quiet)
		fprintf(human, "%s\n", db_msg);
	if (hv_interrupt_requested)
		return EXIT_INTERRUPTED;
	return tally.failed ? EXIT_BENCH_FAILED : EXIT_OK;
}
