/* The one interface through which the runner (hvbench/measure.c) drives
 * everything that counts besides the guest's own clock: KVM statistics, PMU
 * counters, the VMM's user-space exit time, the kvm:kvm_exit pass. Each
 * probe is one file in probes/ and one line in probes/probe.c. */
#ifndef PROBES_PROBE_H
#define PROBES_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/record.h"

struct hv_vm;
struct hostinfo;

/* What a probe sees of the run. The runner fills the settings before
 * open and the progress fields as the run goes; probes fill the outputs. */
struct probe_run {
	struct hv_vm *vm;
	const struct hostinfo *host;
	/* settings: as the host wrote them into the shared page */
	uint32_t batch;			/* operations per guest sample */
	bool calib_batched;		/* the calibration loop times batch ops per sample */
	uint64_t calib_iters;		/* its samples as asked (more: the guest lied) */
	const char *exit_stat;		/* the row's statistic, named the x86 way */
	const char *const *report_stats;	/* the row's kvm_stats: reported even at 0 */
	const char *const *pmu_events;	/* the suite's "pmu_events" */
	size_t n_pmu_events;
	bool count_exits;		/* the kvm:kvm_exit counting pass */
	/* progress */
	uint32_t window_ucalls;		/* call-channel exits inside the window */
	uint64_t calib_done;		/* calibration samples the guest took */
	bool window_done;		/* the window began and ended */
	uint64_t ops;			/* operations in the window (at emit) */
	/* outputs */
	double exit_baseline;		/* exit_stat per null op over calibration */
};

/* The points of a run where probes snapshot, in the order they come. A
 * pause is the wait between repetitions of an interleaved run (the guest
 * halted outside its timed loop): what moves then is taken out. */
enum probe_point {
	PROBE_VCPU_READY,	/* on the vCPU thread, before the guest's first loop */
	PROBE_CALIB_BEGIN, PROBE_CALIB_END,
	PROBE_WINDOW_BEGIN, PROBE_WINDOW_END,
	PROBE_PAUSE_BEGIN, PROBE_PAUSE_END,
};

/* A probe. Every hook but name is optional. Begin points are delivered in
 * list order, end points in reverse, so a cheap probe nests inside a
 * costly one and does not see its cost. */
struct probe_ops {
	const char *name;
	/* Is the probe wanted for this run? NULL: always. */
	bool (*wanted)(const struct probe_run *run);
	/* It opens files on a vCPU thread that the runner's thread closes:
	 * the VM's threads then share one file table. */
	bool vcpu_thread_files;
	/* Before the guest runs: 0 with *priv set (NULL is fine), or a
	 * negative errno with err set. The run fails with err, unless the
	 * probe is optional: then emit_error says why in the record and the
	 * run goes on without it. */
	int (*open)(struct probe_run *run, void **priv, char *err, size_t errlen);
	bool optional;
	void (*at)(void *priv, struct probe_run *run, enum probe_point pt);
	/* After the VM stopped: add this probe's metrics and blocks. Called
	 * only when the window began and ended. */
	void (*emit)(void *priv, struct probe_run *run, struct rec *rec);
	/* An optional probe that did not open: say why in the record. */
	void (*emit_error)(struct probe_run *run, const char *why, struct rec *rec);
	void (*close)(void *priv);
};

/* Every probe the runner knows, NULL-terminated, in nesting order. */
extern const struct probe_ops *const probe_all[];

/* The probes open for one run. */
#define PROBE_MAX 16
struct probe_set {
	size_t n;
	const struct probe_ops *ops[PROBE_MAX];
	void *priv[PROBE_MAX];
	/* optional probes that failed to open, and why */
	size_t n_failed;
	const struct probe_ops *failed[PROBE_MAX];
	char why[PROBE_MAX][256];
};

/* Does a wanted probe open files on a vCPU thread (vcpu_thread_files)? */
bool probe_set_thread_files(const struct probe_run *run);
/* Open every wanted probe. 0, or a negative errno with err set (the set
 * is then closed). */
int probe_set_open(struct probe_set *ps, struct probe_run *run, char *err,
		   size_t errlen);
void probe_set_at(struct probe_set *ps, struct probe_run *run, enum probe_point pt);
void probe_set_emit(struct probe_set *ps, struct probe_run *run, struct rec *rec);
void probe_set_close(struct probe_set *ps);

#endif
