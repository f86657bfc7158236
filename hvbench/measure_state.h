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

struct kvmstats;
struct pmu_set;
struct kvmexit;

struct counters {
	struct kvmstats *ks;
	uint64_t *before, *after;
	uint64_t *calib_before, *calib_after;	/* around the calibration loop */
	/* interleaved runs: what moved while the guest waited for its turn
	 * (other vCPUs halted in KVM, say), taken out of the window */
	uint64_t *pause_before, *pause_sum;
};

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
	struct counters vm_c;
	struct counters vcpu_c[HV_MAX_VCPUS];
	struct pmu_set *pmu;
	struct kvmexit *kx;	/* the kvm_exit counting pass only */
	uint64_t pmu_before[MB_MAX_PMU_EVENTS], pmu_after[MB_MAX_PMU_EVENTS];
	char pmu_err[256];
	uint32_t *hist_prev, *hist_delta;
	json_t *reps;
	uint64_t rep_sum_prev;	/* guest moments.sum at the previous REP_END */
	uint32_t window_ucalls;	/* call-channel exits inside the measured window */
	struct mb_setup_ctx ctx;	/* handed to the row's later hooks */
	bool began, ended, calib_ended;
	bool done;		/* the guest said DONE, FAULT or ABORT */
	bool abi_broken;	/* a value it wrote was out of bounds */
	char abi_why[200];
	uint32_t reps_capped;	/* repetitions that max_iters ended before min_time */
	uint32_t reps_seen;	/* REP_END calls so far */
};

int run_counters_open(struct counters *c, int fd, char *err, size_t errlen);
void run_counters_close(struct counters *c);
/* All statistics (VM, every vCPU, PMU) before or after the window. */
void run_snapshot(struct run_state *st, bool after);
/* Around a pause between repetitions / the calibration loop. */
void run_snapshot_pause(struct run_state *st, bool after);
void run_snapshot_calib(struct run_state *st, bool after);
/* One statistic per op over the calibration loop (the loop's own rate). */
double run_calib_stat_per_op(struct run_state *st, const char *name);
/* exits_per_op of the record: every statistic that moved, per op. */
json_t *run_exits_json(struct run_state *st, uint64_t iters);
json_t *run_pmu_json(struct run_state *st, uint64_t iters);
/* The VMM's own user-space exit time over all vCPUs; NULL if none. */
json_t *run_vmm_json(struct hv_vm *vm);

#endif
