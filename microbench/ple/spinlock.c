/* The ple family's spinlock row (issue 16): N vCPUs contend for one guest
 * spinlock (ticket or test-and-set) with fixed critical and non-critical
 * sections, on the host CPUs the suite gives (cpus, pin), with pause-loop
 * exiting and halt polling as KVM has them or turned off for the VM. vCPU
 * 0's acquisitions are timed; every vCPU's are counted, and the counter the
 * lock protects must equal their sum. Guest body:
 * microbench/ple/guest/spinlock.c. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <unistd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/hv.h"
#include "microbench/mb.h"
#include "microbench/ple/ple.h"
#include "microbench/ple/ple_abi.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "probes/topo.h"

enum sl_ext { SL_X_VARIANT, SL_X_CS, SL_X_NCS, SL_X_PLE, SL_X_HALT_POLL, SL_X_WAIT };

static const char *const sl_variants[] = { "ticket", "tas", NULL };
static const char *const on_off[] = { "on", "off", NULL };
static const char *const sl_waits[] = { "relax", "wfe", NULL };

static const struct mb_param_def sl_params[] = {
	{ "variant", MB_PT_CHOICE, "the lock: ticket (fetch-and-add, FIFO) or tas (test-and-set with a read-only spin between tries)", 0, 0, sl_variants, SL_TICKET },
	{ "cs", MB_PT_INT, "loop turns inside the critical section", 0, SL_MAX_TURNS, NULL, 100 },
	{ "ncs", MB_PT_INT, "loop turns between a release and the vCPU's next acquire", 0, SL_MAX_TURNS, NULL, 100 },
	{ "ple", MB_PT_CHOICE, "on: PAUSE exits as KVM has it (pause-loop exiting where the host offers it); off: KVM_CAP_X86_DISABLE_EXITS(PAUSE) for this VM, unsupported where KVM refuses", 0, 0, on_off, 0 },
	{ "halt_poll", MB_PT_CHOICE, "on: the host's halt polling (kvm.halt_poll_ns); off: KVM_CAP_HALT_POLL 0 for this VM, unsupported where KVM lacks it", 0, 0, on_off, 0 },
	{ "wait", MB_PT_CHOICE, "how a waiter spins: relax (x86 PAUSE, arm64 YIELD) or wfe (arm64 only: load-exclusive the lock word and WFE until it is written, as Linux does; KVM traps WFE while the vCPU's CPU has other work: arm64's pause-loop exit)", 0, 0, sl_waits, SL_WAIT_RELAX },
	{ NULL },
};

static const char *const ple_aborts[] = {
	"the page asked for a lock area, variant or turns out of range, or more than 256 vCPUs",
	NULL,
};

static void sl_vm_opts(const struct mb_params *p, struct hv_vm_opts *o)
{
	o->no_pause_exits = p->ext[SL_X_PLE] == 1;
	if (p->ext[SL_X_HALT_POLL] == 1) {
		o->halt_poll_set = true;
		o->halt_poll_ns = 0;
	}
}

static int sl_setup(struct mb_setup_ctx *c)
{
	uint32_t n = c->vm->nr_vcpus;
	uint64_t bytes = SL_AREA_BYTES(n);
	void *area;

	if (n > SL_MAX_VCPUS) {
		snprintf(c->err, c->errlen, "spinlock takes at most %d vCPUs", SL_MAX_VCPUS);
		return -ENOTSUP;
	}
	if (c->params->ext[SL_X_WAIT] == SL_WAIT_WFE && mb_host_arch() != MB_ARCH_ARM64) {
		snprintf(c->err, c->errlen, "wait=wfe is arm64's (WFE on the exclusive monitor); x86 waits with PAUSE: wait=relax");
		return -ENOTSUP;
	}
	if (!(area = hv_gpa_to_hva(c->vm, HV_SCRATCH_GPA, bytes))) {
		snprintf(c->err, c->errlen, "the lock area (%" PRIu64 " bytes at 0x%llx) is not guest RAM: raise mem_mb",
			 bytes, (unsigned long long)HV_SCRATCH_GPA);
		return -ENOTSUP;
	}
	memset(area, 0, bytes);
	/* The secondaries' calls at repetition ends, counted here: exits of
	 * the body's own, not pause exits. */
	if (!(c->priv = calloc(1, sizeof(uint64_t)))) {
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	uint64_t *q = c->vm->shared->param;
	q[SL_P_BASE] = HV_SCRATCH_GPA;
	q[SL_P_VARIANT] = (uint64_t)c->params->ext[SL_X_VARIANT];
	q[SL_P_CS] = (uint64_t)c->params->ext[SL_X_CS];
	q[SL_P_NCS] = (uint64_t)c->params->ext[SL_X_NCS];
	q[SL_P_WAIT] = (uint64_t)c->params->ext[SL_X_WAIT];
	return 0;
}

/* A secondary saw the timed vCPU end a repetition: if the runner now
 * pauses it until its next turn (interleaved runs), wait here with it
 * rather than spin; if vCPU 0 goes on instead (its heartbeat moves, a
 * guest word used only as a sign of life), go on too. Bounded by the run's
 * stop (the timeout's kick included). */
static int sl_probe_ucall(struct mb_setup_ctx *c, struct hv_vcpu *vcpu)
{
	struct hv_vm *vm = c->vm;
	uint64_t beat = vm->shared->heartbeat;

	if (vcpu->id == 0)
		return HV_CONTINUE;
	__atomic_fetch_add((uint64_t *)c->priv, 1, __ATOMIC_RELAXED);
	while (!vm->stopping) {
		if (vm->paused) {
			while (vm->paused && !vm->stopping)
				usleep(1000);
			break;
		}
		if (vm->shared->heartbeat != beat)
			break;
		usleep(100);
	}
	return HV_CONTINUE;
}

/* Host CPUs the vCPU threads could run on: the suite's set, or ours. */
static int host_cpus(const struct mb_params *p)
{
	cpu_set_t set;
	char err[128];

	CPU_ZERO(&set);
	if (p->cpus[0] ? topo_parse_cpus(p->cpus, &set, err, sizeof(err)) < 0 :
			 sched_getaffinity(0, sizeof(set), &set) < 0)
		return 0;
	return CPU_COUNT(&set);
}

/* KVM's counters per acquisition of any vCPU (the probe gives them per
 * timed acquisition of vCPU 0), and the most pause exits there were. */
static double per_acquisition(struct rec *rec, double scale, double own)
{
	char path[128], what[200];

	for (const char *const *s = ple_kvm_stats; *s; s++) {
		snprintf(path, sizeof(path), "exits_per_op/%s", *s);
		const struct rec_metric *m = rec_metric_find(rec, path);
		if (!m || m->kind != REC_VALUE)
			continue;
		snprintf(path, sizeof(path), "per_acquisition/%s", *s);
		snprintf(what, sizeof(what), "KVM statistic %s per acquisition, over every vCPU", *s);
		rec_metric_value(rec, path, "per acq", what, m->value * scale);
	}
	double unnamed = ple_pause_exits_max(rec, own);
	if (unnamed < 0)
		return -1;
	rec_metric_value(rec, "per_acquisition/pause_exits_max", "per acq",
			 "the most pause-loop exits per acquisition there can have been: x86, exits KVM counted under none of the reasons it names (it keeps no pause-exit counter); arm64, WFE exits",
			 unnamed * scale);
	return unnamed * scale;
}

static void sl_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	uint32_t n = c->vm->nr_vcpus;
	const struct rec_metric *cyc = rec_metric_find(rec, "cycles");
	const struct sl_vcpu *v = hv_gpa_to_hva(c->vm, HV_SCRATCH_GPA + SL_VCPU_OFF(0),
						 (uint64_t)n * SL_LINE);
	const struct sl_data *d = hv_gpa_to_hva(c->vm, HV_SCRATCH_GPA + SL_DATA_OFF, sizeof(*d));
	const uint64_t *sc = c->vm->shared->scratch;
	uint64_t khz = c->host->tsc_khz;
	uint64_t calls = c->priv ? *(uint64_t *)c->priv : 0;
	double unnamed = -1;

	free(c->priv);
	c->priv = NULL;
	char why[300];

	int m = host_cpus(c->params);
	rec_metric_value(rec, "vcpus", "vCPUs", "vCPUs contending for the lock", n);
	if (m > 0) {
		rec_metric_value(rec, "host_cpus", "CPUs", "host CPUs the vCPU threads may run on (cpus)", m);
		rec_metric_value(rec, "overcommit", "vCPUs/CPU", "vCPUs per host CPU they may run on", (double)n / m);
	}
	if (rec->status != REC_OK || !cyc || !v || !d) {
		ple_record_host(rec, c->host, -1, "");
		return;
	}
	/* The lock's own check, on the guest's words. */
	uint64_t sum = 0, spin = 0, busy = 0, waits = 0;
	json_t *by = json_array();
	for (uint32_t i = 0; i < n; i++) {
		sum += v[i].acquisitions;
		waits += v[i].waits;
		if (v[i].spin <= v[i].busy) {
			spin += v[i].spin;
			busy += v[i].busy;
		}
		json_array_append_new(by, json_integer((json_int_t)(v[i].acquisitions & INT64_MAX)));
	}
	rec_set(rec, "acquisitions_by_vcpu", by);
	rec_set(rec, "lock_check", json_pack("{s:I, s:I, s:I}", "counter", (json_int_t)(d->counter & INT64_MAX),
					     "acquisitions", (json_int_t)(sum & INT64_MAX),
					     "holder_at_end", (json_int_t)(d->holder & INT64_MAX)));
	if (ple_lock_check(d->counter, sum, d->holder, n, why, sizeof(why)) < 0) {
		rec_set_status(rec, REC_FAILED, why);
		ple_record_host(rec, c->host, -1, "");
		return;
	}
	rec_metric_value(rec, "acquisitions", "acq", "acquisitions by every vCPU over the whole run, the lock's counter", (double)sum);
	if (busy)
		rec_metric_value(rec, "spin_share", "share", "share of the vCPUs' loop time (acquire to the end of the non-critical section) spent acquiring, over every vCPU",
				 (double)spin / (double)busy);
	if (n > 1)
		rec_metric_value(rec, "secondary_waits", "waits", "times a secondary vCPU called the host at the timed vCPU's end of a repetition, to wait out the runner's pause (one exit each)", (double)waits);
	/* vCPU 0's window: between its measured acquisitions, within repetitions. */
	uint64_t acq = sc[SL_S_ACQ], ticks = sc[SL_S_TICKS];
	uint64_t ops = cyc->st.n * (cyc->per ? cyc->per : 1);
	if (acq > d->counter || !acq || !ticks || !khz || ops < 2) {
		rec_flag(rec, "suspect", "the timed vCPU's window (its measured acquisitions within repetitions) is empty or larger than the lock's count: no rate");
	} else {
		rec_metric_value(rec, "acquisitions_per_s", "acq/s",
				 "acquisitions by every vCPU per second, between the timed vCPU's measured acquisitions within repetitions",
				 (double)acq * (double)khz * 1000.0 / (double)ticks);
		rec_metric_value(rec, "timed_vcpu_share", "share",
				 "the timed vCPU's share of the window's acquisitions (1/vcpus is fair)",
				 fmin(1.0, (double)ops / (double)acq));
		unnamed = per_acquisition(rec, (double)ops / (double)acq, (double)calls / (double)ops);
	}
	rec_set_headline(rec, "cycles");
	ple_record_host(rec, c->host, unnamed, "per acquisition");
	if (c->params->ext[SL_X_WAIT] == SL_WAIT_WFE && unnamed >= 0) {
		/* arm64's PLE is WFE trapping, which KVM/arm64 gives user space
		 * no control of: what it did is what was measured. */
		snprintf(why, sizeof(why),
			 "arm64 WFE wait: %.3g WFE exits per acquisition (wfe_exit_stat): %s",
			 unnamed, unnamed > 0.001 ?
			 "KVM trapped WFE, its spin-wait exit, and yielded to another vCPU" :
			 c->host->emulated ?
			 "WFE did not trap: KVM clears the trap while a vCPU is alone on its CPU, and this CPU is emulated (QEMU's TCG runs an A-profile WFE as a yield without checking HCR_EL2.TWE)" :
			 "WFE did not trap: KVM clears the trap while a vCPU is alone on its CPU");
		rec_set(rec, "ple", json_string(why));
	}
}

static const struct mb_bench b_spinlock = {
	.name = "spinlock", .family = "ple",
	.description = "N vCPUs contend for one guest spinlock (ticket or test-and-set) on the host CPUs given: acquire latency of vCPU 0, acquisitions/s of all, PAUSE exits as KVM has them or off",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	/* Whether spinning exits depends on the host's pause-loop exiting
	 * and on overcommit: not checked, reported per acquisition. */
	.exit_kind = "pause-loop exit (PLE / pause filter), where the host has it",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "spinlock", .cpls = MB_CPL_ANY, .max_batch = 1,
	.ext_params = sl_params, .abort_reasons = ple_aborts, .kvm_stats = ple_kvm_stats,
	.setup = sl_setup, .vm_opts = sl_vm_opts, .probe_ucall = sl_probe_ucall,
	.finish = sl_finish,
};
MB_REGISTER(b_spinlock);
