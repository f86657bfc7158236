/* The state of one benchmark run that hvbench/measure.c (the call channel
 * and the record) and hvbench/measure_stats.c (KVM statistics, PMU and VMM
 * probes) share. Internal to the runner. */
#ifndef HVBENCH_MEASURE_STATE_H
#define HVBENCH_MEASURE_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv-core/hv.h"
#include "hvbench/measure.h"
#include "microbench/mb.h"
#include "probes/probe.h"
#include "probes/record.h"
#include "probes/stats.h"

/* What the host wrote into the shared page before the guest ran. The guest
 * can overwrite the page, so every check and every figure uses these
 * copies, never the page's. */
struct host_set {
	uint64_t max_iters, warmup_iters, calib_iters, tsc_khz;
	uint32_t repetitions, batch, flags;
};

/* Everything the call-channel handler touches while the guest runs. */
struct run_state {
	const struct measure_env *env;
	struct hv_vm *vm;
	struct host_set set;
	const struct mb_bench *b;
	const struct mb_params *p;
	struct probe_set probes;	/* open for this run */
	struct probe_run prun;		/* what they see of it */
	const char *pmu_names[MB_MAX_PMU_EVENTS];
	uint32_t *hist_prev, *hist_delta;
	json_t *reps;
	uint64_t rep_sum_prev;	/* guest moments.sum at the previous REP_END */
	struct mb_setup_ctx ctx;	/* handed to the row's later hooks */
	bool began, ended, calib_ended;
	bool done;		/* the guest said DONE, FAULT or ABORT */
	bool abi_broken;	/* a value it wrote was out of bounds */
	char abi_why[200];
	uint32_t reps_capped;	/* repetitions that max_iters ended before min_time */
	uint32_t reps_seen;	/* REP_END calls so far */
};

/* measure_stats.c: after the VM stopped, the measured part of the record:
 * the guest's figures, the probes' and the checks that read them. */
void run_fill_measurements(struct rec *rec, struct run_state *st);

#endif
