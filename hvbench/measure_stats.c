/* The measured side of a run's record: the guest's figures from the shared
 * page, the probes' figures, the counter's resolution (is the median a cost
 * or quantization?) and the exit check (did the operation cause the exits
 * it is meant to measure?). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/arch.h"
#include "hvbench/archjson.h"
#include "hvbench/measure_state.h"
#include "hvbench/results.h"

/* What one counter unit is worth per operation, and whether the median
 * sample is so few units that quantization dominates it: the figure is then
 * marked coarse with the remedy (batch), not left to look like a cost. */
#define COARSE_UNITS 10.0

/* The counter's step as the samples show it: the greatest common divisor
 * of the stored samples (this PVM host's guest TSC moves in steps of 26
 * cycles, so a 27-cycle median is one step and flips to two). 1 when the
 * samples share no step or there are none. */
static uint64_t counter_step(const uint64_t *v, uint32_t n)
{
	uint64_t g = 0;

	for (uint32_t i = 0; i < n && g != 1; i++) {
		uint64_t a = v[i], b = g;
		while (b) {
			uint64_t t = a % b;
			a = b;
			b = t;
		}
		g = a;
	}
	return g ? g : 1;
}

static void resolution(struct rec *rec, const struct run_state *st,
		       const struct stats_summary *sum)
{
	const struct hv_shared *s = st->vm->shared;
	uint32_t batch = st->set.batch;
	uint64_t step = counter_step(s->samples, s->nsamples);
	bool coarse = sum->p50 < COARSE_UNITS * (double)step;
	json_t *o = json_pack("{s:f, s:i, s:I, s:b}", "per_op", 1.0 / batch,
			      "ops_per_sample", (int)batch,
			      "counter_step", (json_int_t)step, "coarse", coarse);
	char note[320];

	rec_flag_checked(rec, "coarse");
	if (o && coarse) {
		snprintf(note, sizeof(note),
			 "the median sample is %.1f %s, under %.0f steps of the counter (it moves by %llu here): quantization dominates; raise \"batch\" (now %u) to time more operations per sample",
			 sum->p50, host_counter_unit(st->env->host), COARSE_UNITS,
			 (unsigned long long)step, batch);
		json_object_set_new(o, "note", json_string(note));
		rec_flag(rec, "coarse", note);
	}
	rec_set(rec, "resolution", o);
}

static void exit_check(struct rec *rec, struct run_state *st,
		       const struct stats_summary *sum)
{
	const struct hv_shared *s = st->vm->shared;
	const struct mb_bench *b = st->b;
	char rule[300];
	double want = mb_expected_exits(b, st->env->host, st->p->cpl, rule, sizeof(rule));

	rec_set(rec, "expected_exits_per_op", want < 0 ? json_null() : json_real(want));
	if (rule[0])
		rec_set(rec, "expected_exits_rule", json_string(rule));
	rec_set(rec, "exit_stat", json_string(b->exit_stat));
	rec_flag_checked(rec, "suspect");
	if (want >= 0) {
		/* One rule for every row: the row's statistic per op against
		 * the table's expectation, with what the loop alone causes at
		 * this level (the calibration window) beside it. */
		char name[128];
		snprintf(name, sizeof(name), "exits_per_op/%s", b->exit_stat);
		struct rec_metric *got_m = rec_metric_find(rec, name);
		double got = got_m ? got_m->value : 0.0;
		double base = st->prun.exit_baseline;
		double net = fmax(0, got - base);
		/* Missing exits are never excused; extra ones are, up to
		 * what the loop alone causes (host events during a slow,
		 * emulated loop come and go with the host's load). Those
		 * arrive per unit of time, so the baseline (per null-op
		 * sample) is scaled by how much longer a sample of the
		 * operation takes; bounded, as the overhead is the guest's. */
		double ovh = (double)s->overhead;
		double raw = b->no_subtract ? sum->p50 : sum->p50 + ovh;
		double scale = ovh > 0 ? raw / ovh : 1;
		scale = scale < 1 ? 1 : scale > 100 ? 100 : scale;
		double tol0 = want > 0 ? 0.05 * want : 0.05;
		double tol = tol0 + base * scale;
		rec_set(rec, "exit_check", json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
			"stat", b->exit_stat, "expected", want, "measured", got,
			"loop_baseline", base, "baseline_time_scale", scale, "net", net,
			"low", want - tol0, "high", want + tol));
		if (got < want - tol0 || got > want + tol) {
			char why[320];
			snprintf(why, sizeof(why),
				 "%s per op is %.3f (the loop alone causes %.3f per null op, x%.1f for this op's time), expected %.3f (%.3f..%.3f): the operation did not cause the exits it is meant to measure",
				 b->exit_stat, got, base, scale, want, want - tol0, want + tol);
			rec_flag(rec, "suspect", why);
		}
	}
}

/* Each repetition's median per op, from the "repetitions" block. */
static void rep_medians(struct rec_metric *m, json_t *reps)
{
	size_t n = json_array_size(reps);
	double *v = malloc((n ? n : 1) * sizeof(double));

	for (size_t i = 0; v && i < n; i++)
		v[i] = json_number_value(json_object_get(json_array_get(reps, i), "p50"));
	if (v && n)
		rec_metric_set_reps(m, v, n);
	free(v);
}

void run_fill_measurements(struct rec *rec, struct run_state *st)
{
	const struct measure_env *env = st->env;
	struct hv_shared *s = st->vm->shared;
	uint32_t batch = st->set.batch;
	uint64_t iters = s->iterations * batch;	/* operations, not samples */
	struct stats_summary sum;
	double hz = (double)st->set.tsc_khz * 1000.0;

	rec_set_unit(rec, host_counter_unit(env->host));
	rec_set(rec, "counter_hz", json_real(hz));
	rec_set(rec, "iterations", json_integer((json_int_t)iters));
	rec_set(rec, "min_time_met", json_boolean(!st->reps_capped));
	rec_set(rec, "warmup_iterations", json_integer((json_int_t)(s->warmup_done * batch)));
	rec_set(rec, "repetitions", json_incref(st->reps));
	rec_set(rec, "probe_overhead", json_integer((json_int_t)s->overhead));
	rec_set(rec, "overhead_subtracted", json_boolean(!st->b->no_subtract));
	bool have = iters && stats_from_histogram(s->hist, &s->moments, &sum) == 0;
	/* The probes' figures (or why a probe could not count), then the
	 * check that reads them. */
	st->prun.ops = iters;
	st->prun.calib_done = s->calib_done;
	st->prun.window_done = have && st->began && st->ended;
	probe_set_emit(&st->probes, &st->prun, rec);
	if (!have)
		return;
	struct rec_metric *m = rec_metric_stats(rec, "cycles", host_counter_unit(env->host),
		st->b->no_subtract ? "one operation, timed by the guest's counter" :
		"one operation, timed by the guest's counter, the timing's own overhead subtracted",
		&sum, batch);
	if (m)
		rep_medians(m, st->reps);
	if (hz > 0 && !strcmp(host_counter_unit(env->host), "cycles"))
		rec_set(rec, "ns", json_pack("{s:f, s:f}",
			"p50", sum.p50 / batch * 1e9 / hz, "mean", sum.mean / batch * 1e9 / hz));
	if (st->prun.window_done)
		exit_check(rec, st, &sum);
	resolution(rec, st, &sum);
	if (st->reps_capped) {
		char note[256];
		snprintf(note, sizeof(note),
			 "%u of %u repetitions stopped at max_iters=%llu operations before min_time_ms=%u",
			 st->reps_capped, (unsigned)json_array_size(st->reps),
			 (unsigned long long)(st->set.max_iters * batch), st->p->min_time_ms);
		rec_flag(rec, "capped", note);
	}
	json_t *h = results_histogram_json(s->hist);
	if (h)	/* the guest's own buckets: per sample, not per operation */
		json_object_set_new(h, "ops_per_sample", json_integer(batch));
	rec_set(rec, "histogram", h);
	rec_set(rec, "samples", results_samples_json_per_op(s->samples, s->nsamples, batch));
	rec_set(rec, "samples_sampling", json_pack("{s:s, s:I, s:I, s:I}",
		"method", (st->set.flags & HV_F_SAMPLES_PREFIX) ? "prefix" : "systematic",
		"stride", (json_int_t)(s->samples_stride ? s->samples_stride : 1),
		"stored", (json_int_t)s->nsamples, "of", (json_int_t)sum.n));
	rec_set(rec, "samples_total", json_integer((json_int_t)sum.n));
}

