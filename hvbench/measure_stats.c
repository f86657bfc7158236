/* The statistics side of a run's record beside the headline figures: the
 * counter's resolution (is the median a cost or quantization?) and the exit
 * check (did the operation cause the exits it is meant to measure?). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hv-core/arch.h"
#include "hvbench/archjson.h"
#include "hvbench/measure_state.h"

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

json_t *run_resolution_json(const struct run_state *st,
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

	if (o && coarse) {
		snprintf(note, sizeof(note),
			 "the median sample is %.1f %s, under %.0f steps of the counter (it moves by %llu here): quantization dominates; raise \"batch\" (now %u) to time more operations per sample",
			 sum->p50, host_counter_unit(st->env->host), COARSE_UNITS,
			 (unsigned long long)step, batch);
		json_object_set_new(o, "note", json_string(note));
	}
	return o;
}

void run_exit_check(json_t *rec, struct run_state *st,
		    const struct stats_summary *sum)
{
	const struct hv_shared *s = st->vm->shared;
	const struct mb_bench *b = st->b;
	char rule[300];
	double want = mb_expected_exits(b, st->env->host, st->p->cpl, rule, sizeof(rule));
	bool suspect = false;

	json_object_set_new(rec, "expected_exits_per_op",
			    want < 0 ? json_null() : json_real(want));
	if (rule[0])
		json_object_set_new(rec, "expected_exits_rule", json_string(rule));
	json_object_set_new(rec, "exit_stat", json_string(b->exit_stat));
	if (want >= 0) {
		/* One rule for every row: the row's statistic per op against
		 * the table's expectation, with what the loop alone causes at
		 * this level (the calibration window) beside it. */
		json_t *got_j = json_object_get(json_object_get(rec, "exits_per_op"), b->exit_stat);
		double got = got_j ? json_number_value(got_j) : 0.0;
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
		json_object_set_new(rec, "exit_check", json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
			"stat", b->exit_stat, "expected", want, "measured", got,
			"loop_baseline", base, "baseline_time_scale", scale, "net", net,
			"low", want - tol0, "high", want + tol));
		if (got < want - tol0 || got > want + tol) {
			char why[320];
			suspect = true;
			snprintf(why, sizeof(why),
				 "%s per op is %.3f (the loop alone causes %.3f per null op, x%.1f for this op's time), expected %.3f (%.3f..%.3f): the operation did not cause the exits it is meant to measure",
				 b->exit_stat, got, base, scale, want, want - tol0, want + tol);
			json_object_set_new(rec, "suspect_reason", json_string(why));
		}
	}
	json_object_set_new(rec, "suspect", json_boolean(suspect));
}
