/* Synthetic result files shaped like `hvbench run` output (same keys, plausible
 * costs and spreads), so analysis can be tested without /dev/kvm. */
#include "analysis/an_synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis/an_util.h"
#include "probes/stats.h"

void an_synth_default(struct an_synth *s)
{
	memset(s, 0, sizeof(*s));
	s->hostname = "testhost";
	s->backend = "vmx";
	s->arch = "x86_64";
	s->unit = "cycles";
	s->counter_hz = 2.1e9;
	s->started = "2026-11-21T19:40:02Z";
	s->scale = 1.0;
	s->spread = 0.02;
	s->n_samples = 1000;
	s->seed = 1;
}

static double rnd(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return (double)(*st >> 11) / 9007199254740992.0;
}

static double gauss(uint64_t *st)
{
	double u = rnd(st), v = rnd(st);

	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static json_t *stats_json(const double *x, size_t n)
{
	struct stats_summary s;

	if (stats_from_samples(x, n, &s))
		return json_null();
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
			 "n", (json_int_t)s.n, "min", s.min, "p10", s.p10, "p50",
			 s.p50, "p90", s.p90, "p99", s.p99, "max", s.max, "mean",
			 s.mean, "stddev", s.stddev, "ci95_low", s.ci95_low,
			 "ci95_high", s.ci95_high);
}

/* A bulk around @cost with a 1% slow tail, like interrupts hitting a loop. */
static double *gen(const struct an_synth *s, uint64_t *st, double cost)
{
	double *x = malloc(s->n_samples * sizeof(*x));

	if (!x)
		return NULL;
	for (size_t i = 0; i < s->n_samples; i++) {
		double v = cost * (1 + s->spread * gauss(st));

		if (rnd(st) < 0.01)
			v *= 2 + 3 * rnd(st);
		x[i] = round(v < 0 ? 0 : v);
	}
	return x;
}

/* Five repetitions, each a fifth of the samples in order: what compare
 * bases its verdicts on. */
static json_t *reps_json(const double *x, size_t n, double iters)
{
	json_t *a = json_array();

	for (size_t r = 0; r < 5 && n >= 5; r++) {
		size_t lo = r * n / 5, hi = (r + 1) * n / 5;
		double sum = 0;

		for (size_t i = lo; i < hi; i++)
			sum += x[i];
		json_array_append_new(a, json_pack("{s:f, s:f, s:f}", "iterations",
			iters / 5, "p50", stats_median(x + lo, hi - lo), "mean",
			sum / (double)(hi - lo)));
	}
	return a;
}

static json_t *params(int cpl)
{
	return json_pack("{s:i, s:b, s:i, s:i, s:i, s:i, s:i, s:b, s:[]}", "cpl",
			 cpl, "cpl_auto", 1, "min_time_ms", 200, "max_iters",
			 1000000, "repetitions", 1, "vcpus", 1, "mem_mb", 16,
			 "pin", 0, "pmu_events");
}

static json_t *bench(const struct an_synth *s, uint64_t *st, const char *name,
		     const char *family, double cost, const char *exit_stat,
		     double expected, double exits)
{
	double *x = gen(s, st, cost * s->scale);
	json_t *b, *samples = json_array();
	double it = 18000;

	if (!x || !samples) {
		free(x);
		json_decref(samples);
		return NULL;
	}
	for (size_t i = 0; i < s->n_samples; i++)
		json_array_append_new(samples, json_real(x[i]));
	b = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:f, s:o}", "name", name,
		      "family", family, "description", "synthetic benchmark",
		      "status", "ok", "params", params(3), "unit", s->unit,
		      "iterations", it, "cycles", stats_json(x, s->n_samples));
	if (s->counter_hz > 0) {
		json_object_set_new(b, "counter_hz", json_real(s->counter_hz));
		json_object_set_new(b, "ns", json_pack("{s:f}", "p50",
			json_real_value(json_object_get(json_object_get(b, "cycles"), "p50")) * 1e9 / s->counter_hz));
	}
	json_object_set_new(b, "probe_overhead", json_real(41));
	json_object_set_new(b, "overhead_subtracted", json_true());
	json_object_set_new(b, "exits_per_op",
			    json_pack("{s:f, s:f}", exit_stat, exits, "irq_exits", 0.001));
	json_object_set_new(b, "expected_exits_per_op", json_real(expected));
	json_object_set_new(b, "exit_stat", json_string(exit_stat));
	json_object_set_new(b, "suspect", json_boolean(fabs(exits - expected) > 0.05));
	if (fabs(exits - expected) > 0.05)
		json_object_set_new(b, "suspect_reason",
				    json_string("exits_per_op misses the expectation by more than 5%"));
	if (strstr(name, "user"))
		json_object_set_new(b, "vmm_user_cycles",
				    json_pack("{s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
					      "n", 18000, "min", 900.0, "p10", 950.0,
					      "p50", 1000.0, "p90", 1100.0, "p99", 1500.0,
					      "max", 9000.0, "mean", 1020.0, "stddev", 80.0,
					      "ci95_low", 995.0, "ci95_high", 1005.0));
	/* The exit profile (vmm_counters): user-space exits by reason, the
	 * rest KVM's, unseen. */
	const char *why = !strncmp(name, "pio", 3) ? "io" : !strncmp(name, "mmio", 4) ? "mmio" : NULL;
	json_t *rs = json_object();
	if (why && strstr(name, "user"))
		json_object_set_new(rs, why, json_pack("{s:I, s:f, s:f, s:f, s:f}", "count",
			(json_int_t)it, "per_op", exits, "time_p50", 266.0, "time_mean", 324.5,
			"share_of_window", 0.0004));
	json_object_set_new(b, "exit_profile", json_pack("{s:s, s:s, s:o, s:f}", "method",
		"vmm_counters", "unit", s->unit, "reasons", rs, "in_kernel_per_op",
		why && strstr(name, "user") ? 0.0 : exits));
	json_object_set_new(b, "samples", samples);
	json_object_set_new(b, "samples_total", json_integer(18000));
	json_object_set_new(b, "repetitions", reps_json(x, s->n_samples, it));
	json_object_set_new(b, "duration_ms", json_real(240.1));
	free(x);
	return b;
}

static json_t *io_path(const struct an_synth *s, uint64_t *st,
		       const char *variant, const char *dm, double dm_cost)
{
	static const char *const seg[] = { "exit", "dispatch", "device_model", "entry" };
	double cost[4] = { 520, 40, dm_cost, 610 };
	double total = 0, *x;
	json_t *b, *segs = json_object(), *share = json_object(), *samples;

	for (int i = 0; i < 4; i++)
		total += cost[i];
	for (int i = 0; i < 4; i++) {
		x = gen(s, st, cost[i] * s->scale);
		if (!x)
			return NULL;
		json_object_set_new(segs, seg[i], stats_json(x, s->n_samples));
		json_object_set_new(share, seg[i], json_real(cost[i] / total));
		free(x);
	}
	x = gen(s, st, total * s->scale);
	if (!x)
		return NULL;
	samples = json_array();
	for (size_t i = 0; i < s->n_samples; i++)
		json_array_append_new(samples, json_real(x[i]));
	b = json_pack("{s:s, s:s, s:s, s:s, s:{s:i, s:s}, s:s, s:o, s:o, s:o, s:o, s:f, s:i, s:s}",
		      "name", "io_path", "family", "io-path", "variant", variant,
		      "status", "ok", "params", "cpl", 3, "device_model", dm, "unit",
		      s->unit, "round_trip", stats_json(x, s->n_samples), "segments",
		      segs, "share", share, "samples", samples, "counter_hz",
		      s->counter_hz, "skew_cycles", 12, "description",
		      "one port-I/O exit, timed segment by segment");
	free(x);
	return b;
}

int an_synth_write(const char *path, const struct an_synth *s, char *err,
		   size_t errlen)
{
	/* name, family, cost in cycles at scale 1, exit stat, exits/op */
	static const struct {
		const char *name, *family, *stat;
		double cost, exits;
	} table[] = {
		{ "empty", "baseline", "exits", 24, 0 },
		{ "cpuid", "exit-cost", "exits", 1100, 1 },
		{ "hypercall", "exit-cost", "hypercalls", 1250, 1 },
		{ "pio_kernel", "exit-cost", "io_exits", 2300, 1 },
		{ "pio_user", "exit-cost", "io_exits", 5200, 1 },
		{ "mmio_kernel", "exit-cost", "mmio_exits", 2900, 1 },
		{ "mmio_user", "exit-cost", "mmio_exits", 6100, 1 },
		{ "rdmsr", "exit-cost", "exits", 1400, 1 },
		{ "page_fault", "memory", "pf_fixed", 3800, 1 },
	};
	uint64_t st = s->seed * 0x9e3779b97f4a7c15ull + 1;
	json_t *doc, *benches = json_array();
	char *text;
	int ret;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		double exits = table[i].exits;

		/* A host where the hypercall exits twice, as PVM can. */
		if (s->suspect && !strcmp(table[i].name, "hypercall"))
			exits = 2.0;
		json_array_append_new(benches,
				      bench(s, &st, table[i].name, table[i].family,
					    table[i].cost, table[i].stat,
					    table[i].exits, exits));
	}
	json_array_append_new(benches,
			      json_pack("{s:s, s:s, s:s, s:o, s:s}", "name", "vmcall_nested",
					"family", "nested", "status", "unsupported",
					"params", params(0), "reason",
					"host has no nested virtualisation (kvm_intel nested=0)"));
	if (s->io_path) {
		json_array_append_new(benches, io_path(s, &st, "inline cpl3", "inline", 4));
		json_array_append_new(benches, io_path(s, &st, "user cpl3", "user", 2600));
	}
	doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:s, s:s, s:b, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:f, s:b, s:f, s:i}, s:o}",
			"schema", "hvbench-result/1", "tool", "name", "hvbench",
			"version", "0.1.0", "git", "synthetic", "suite", "name",
			"quick", "file", "configs/quick.json", "started", s->started,
			"finished", s->started, "interrupted", 0, "host", "hostname",
			s->hostname, "kernel", "6.12.0", "arch", s->arch,
			"cpu_model", "Synthetic CPU @ 2.1GHz", "backend", s->backend,
			"paging", s->paging ? s->paging : strcmp(s->arch, "x86_64") ? "stage2" : "ept",
			"emulated", !strcmp(s->unit, "instructions"), "tsc_khz",
			s->counter_hz / 1e3, "tsc_invariant", 1, "cpl0_slowdown", 1.02,
			"nr_cpus", 8, "benchmarks", benches);
	if (!doc) {
		snprintf(err, errlen, "%s: cannot build the JSON", path);
		return -1;
	}
	text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(doc);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	ret = an_write_file(path, text, strlen(text), false, err, errlen);
	free(text);
	return ret ? -1 : 0;
}
