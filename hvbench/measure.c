/* Run one benchmark in a fresh VM: set it up from its table row, follow the
 * guest's call channel (snapshotting KVM statistics and PMU counters around
 * the measured loop), and build the result record. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"
#include "hvbench/archjson.h"
#include "hvbench/guestcheck.h"
#include "hvbench/measure.h"
#include "hvbench/measure_int.h"
#include "hvbench/measure_state.h"
#include "hvbench/record.h"
#include "hvbench/results.h"
#include "hvbench/startup.h"
#include "hvbench/suite.h"
#include "probes/hostinfo.h"
#include "probes/probe.h"
#include "probes/stats.h"
#include "probes/topo.h"

#define MAX_REPS_RECORDED 1000

static void record_rep(struct run_state *st)
{
	struct hv_shared *s = st->vm->shared;
	uint64_t n = s->rep_iters;	/* samples of `batch` operations */
	/* This repetition's sum: the guest's moments are cumulative. */
	uint64_t sum = s->moments.sum - st->rep_sum_prev;

	st->rep_sum_prev = s->moments.sum;
	stats_hist_delta(s->hist, st->hist_prev, st->hist_delta);
	memcpy(st->hist_prev, s->hist, HIST_BUCKETS * sizeof(uint32_t));
	if (!n || json_array_size(st->reps) >= MAX_REPS_RECORDED)
		return;
	/* The guest ends a repetition at min_cycles or at max_iters samples,
	 * whichever comes first: say which, so a cap is never silent. */
	bool capped = n >= st->set.max_iters;
	if (capped)
		st->reps_capped++;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	json_array_append_new(st->reps,
		json_pack("{s:I, s:f, s:f, s:s, s:I}", "iterations", (json_int_t)(n * st->set.batch), "p50",
			  results_round_per_op(stats_hist_quantile(st->hist_delta, n, 0.5),
					       st->set.batch),
			  "mean", results_round_per_op((double)sum / (double)n, st->set.batch),
			  "stopped_by", capped ? "max_iters" : "min_time",
			  /* when it ended (CLOCK_MONOTONIC, comparable within a run):
			   * shows how the run interleaved its benchmarks */
			  "ended_ms", (json_int_t)(now.tv_sec * 1000 + now.tv_nsec / 1000000)));
}

static void host_set_capture(struct run_state *st)
{
	const struct hv_shared *s = st->vm->shared;

	st->set = (struct host_set){
		.max_iters = s->max_iters, .warmup_iters = s->warmup_iters,
		.calib_iters = s->calib_iters, .tsc_khz = s->tsc_khz,
		.repetitions = s->repetitions, .batch = s->batch ? s->batch : 1,
		.flags = s->flags,
	};
}

/* What the probes see of this run: the suite's choices first, then the VM
 * and the settings the host wrote into the shared page. */
static void probe_run_init(struct run_state *st)
{
	struct probe_run *r = &st->prun;

	for (size_t i = 0; i < st->p->n_pmu_events; i++)
		st->pmu_names[i] = st->p->pmu_events[i];
	r->host = st->env->host;
	r->exit_stat = st->b->exit_stat;
	r->report_stats = st->b->kvm_stats;
	r->pmu_events = st->pmu_names;
	r->n_pmu_events = st->p->n_pmu_events;
	r->count_exits = st->p->count_exits;
}

static void probe_run_settings(struct run_state *st)
{
	st->prun.vm = st->vm;
	st->prun.batch = st->set.batch;
	st->prun.calib_iters = st->set.calib_iters;
	st->prun.calib_batched = st->b->max_batch != 1;
}

/* The first vCPU about to enter KVM_RUN: on its own thread, so the
 * guest's first call (below) cannot be stamped before it. */
static void on_vcpu_start(struct hv_vcpu *vcpu, void *opaque)
{
	(void)vcpu;
	(void)opaque;
	startup_mark(SU_VCPUS_STARTED);
}

/* Runs on the vCPU thread that made the call. */
static int on_ucall(struct hv_vcpu *vcpu, uint32_t nr, void *opaque)
{
	struct run_state *st = opaque;

	/* Our own bookkeeping is not part of the exit path being measured. */
	vcpu->vmm.skip = true;
	switch (nr) {
	case HV_UCALL_READY:
		startup_mark(SU_GUEST_READY);
		probe_set_at(&st->probes, &st->prun, PROBE_VCPU_READY);
		return HV_CONTINUE;
	case HV_UCALL_ENTER_USER:
		/* The stack is the vCPU's own, whatever the page says: every
		 * vCPU may ask at once. */
		vcpu->user_entries++;
		return arch_vcpu_enter_user(vcpu, st->vm->shared->user_entry,
					    HV_USTACK_TOP(vcpu->id));
	case HV_UCALL_PARK:
		if (vcpu->id == 0) {
			snprintf(vcpu->err, sizeof(vcpu->err),
				 "vcpu 0 parked: only a secondary vCPU may end its run early");
			return -EPROTO;
		}
		return HV_STOP;
	case HV_UCALL_CALIB_BEGIN:
		probe_set_at(&st->probes, &st->prun, PROBE_CALIB_BEGIN);
		return HV_CONTINUE;
	case HV_UCALL_CALIB_END:
		probe_set_at(&st->probes, &st->prun, PROBE_CALIB_END);
		st->calib_ended = true;
		return HV_CONTINUE;
	case HV_UCALL_MEASURE_BEGIN:
		startup_mark(SU_FIRST_SAMPLE);
		probe_set_at(&st->probes, &st->prun, PROBE_WINDOW_BEGIN);
		if (st->b->window)
			st->b->window(&st->ctx, MB_WIN_BEGIN);
		st->began = true;
		return HV_CONTINUE;
	case HV_UCALL_REP_END: {
		struct hv_shared *s = st->vm->shared;
		struct guest_expect ge = { .max_iters = st->set.max_iters };
		st->prun.window_ucalls++;
		if (guest_check_rep(s, &ge, st->abi_why, sizeof(st->abi_why)) < 0) {
			st->abi_broken = true;
			snprintf(vcpu->err, sizeof(vcpu->err), "guest broke the ABI: %s",
				 st->abi_why);
			return -EPROTO;
		}
		record_rep(st);
		/* Interleaved runs: wait here, guest paused and outside its
		 * timed loop, until this benchmark's next turn. */
		if (st->env->pace && !st->p->preflight) {
			probe_set_at(&st->probes, &st->prun, PROBE_PAUSE_BEGIN);
			if (st->b->window)
				st->b->window(&st->ctx, MB_WIN_PAUSE_BEGIN);
			st->vm->paused = 1;
			int r = st->env->pace(st->env->pace_ctx, st->reps_seen, st->set.repetitions);
			st->vm->paused = 0;
			if (st->b->window)
				st->b->window(&st->ctx, MB_WIN_PAUSE_END);
			probe_set_at(&st->probes, &st->prun, PROBE_PAUSE_END);
			if (r < 0)	/* the parent is gone: end the loop, report */
				s->stop = 1;
		}
		st->reps_seen++;
		return HV_CONTINUE;
	}
	case HV_UCALL_MEASURE_END:
		st->prun.window_ucalls++;
		if (st->b->window)
			st->b->window(&st->ctx, MB_WIN_END);
		probe_set_at(&st->probes, &st->prun, PROBE_WINDOW_END);
		st->ended = true;
		return HV_CONTINUE;
	case HV_UCALL_PROBE:
		if (st->b->probe_ucall)
			return st->b->probe_ucall(&st->ctx, vcpu);
		snprintf(vcpu->err, sizeof(vcpu->err),
			 "vcpu %u: probe call from a body whose benchmark (%s) has no probe hook",
			 vcpu->id, st->b->name);
		return -EPROTO;
	case HV_UCALL_DONE:
	case HV_UCALL_FAULT:
	case HV_UCALL_ABORT:
		st->done = true;
		return HV_STOP;
	default:
		snprintf(vcpu->err, sizeof(vcpu->err),
			 "vcpu %u: unknown call number %u on the call channel",
			 vcpu->id, nr);
		return -EPROTO;
	}
}

int measure_resolve_cpl(const struct mb_bench *b, struct mb_params *p,
			double cpl0_slowdown)
{
	if (p->cpl != MB_CPL_AUTO)
		return 0;
	p->cpl_auto = true;
	if (b->cpls == MB_CPL0)
		p->cpl = 0;
	else if (b->cpls == MB_CPL3)
		p->cpl = 3;
	else
		p->cpl = cpl0_slowdown > 10.0 ? 3 : 0;
	return 0;
}

static struct rec *base_record(const struct mb_bench *b, const struct mb_params *p)
{
	struct rec *rec = rec_new(b->name, b->family, b->description);

	if (rec && p->cpl != MB_CPL_AUTO)
		rec_set_params(rec, suite_params_to_json(b, p));
	/* the guest's own clock, unless the family names another figure */
	if (rec)
		rec_set_headline(rec, "cycles");
	return rec;
}

static void fill_guest_outcome(struct rec *rec, struct run_state *st)
{
	struct hv_shared *s = st->vm->shared;
	char why[512];

	switch (s->status) {
	case HV_GS_OK:
		rec_set_status(rec, REC_OK, NULL);
		return;
	case HV_GS_FAULT: {
		const struct hv_fault *f = &s->fault;
		rec_set(rec, "fault", fault_json(f));
		snprintf(why, sizeof(why), "guest exception %s (vector %llu, error code 0x%llx) at ip 0x%llx, address 0x%llx, privilege level %llu",
			 arch_fault_name(f->vector), (unsigned long long)f->vector,
			 (unsigned long long)f->error_code, (unsigned long long)f->ip,
			 (unsigned long long)f->addr, (unsigned long long)f->level);
		if (st->b->fault_means_unsupported) {
			char full[1024];
			snprintf(full, sizeof(full), "%s (%s)",
				 st->b->fault_means_unsupported, why);
			rec_set_status(rec, REC_UNSUPPORTED, full);
		} else {
			rec_set_status(rec, REC_FAILED, why);
		}
		return;
	}
	case HV_GS_ABORT: {
		char what[256];

		snprintf(why, sizeof(why), "the guest runtime gave up with code %u (%s)",
			 s->abort_code, mb_abort_reason(st->b, s->abort_code, what, sizeof(what)));
		rec_set_status(rec, REC_FAILED, why);
		return;
	}
	default:
		snprintf(why, sizeof(why), "the guest stopped before finishing (status %u)",
			 s->status);
		rec_set_status(rec, REC_FAILED, why);
	}
}

/* After the VM stopped (r: hv_vm_wait's result, err its message): the
 * record from what the guest left in the shared page, checked first. */
static void render_outcome(struct rec *rec, struct run_state *st,
			   const struct measure_env *env, int r, const char *err)
{
	struct hv_shared *s = st->vm->shared;
	const struct mb_bench *b = st->b;
	char why[600];
	struct guest_expect ge = {
		.max_iters = st->set.max_iters, .warmup_iters = st->set.warmup_iters,
		.calib_iters = st->set.calib_iters, .repetitions = st->set.repetitions,
		.nr_vcpus = st->vm->nr_vcpus,
	};
	char abi[400];
	if (st->abi_broken || guest_check_shared(s, &ge, r == 0 && st->done, abi, sizeof(abi)) < 0) {
		/* Nothing the guest wrote is rendered: not its figures, not its
		 * fault block. */
		snprintf(why, sizeof(why), "guest broke the ABI: %s",
			 st->abi_broken ? st->abi_why : abi);
		rec_set_status(rec, REC_FAILED, why);
		return;
	}
	if (r == -EDEADLK && b->fault_means_unsupported) {
		snprintf(why, sizeof(why), "%s (%s)", b->fault_means_unsupported, err);
		rec_set_status(rec, REC_UNSUPPORTED, why);
	} else if (r < 0 && s->status != HV_GS_FAULT) {
		snprintf(why, sizeof(why), "%s", err);
		rec_set_status(rec, REC_FAILED, why);
	} else {
		fill_guest_outcome(rec, st);
	}
	run_fill_measurements(rec, st);
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void run_state_free(struct run_state *st)
{
	probe_set_close(&st->probes);
	free(st->hist_prev);
	free(st->hist_delta);
	json_decref(st->reps);
}

struct rec *measure_record(const struct measure_env *env, const struct mb_bench *b,
			   const struct mb_params *params)
{
	struct mb_params p = *params;
	struct run_state st = { .env = env, .b = b, .p = &p };
	struct timespec t0;
	char err[512] = "";
	char why[600];
	bool setup_done = false;
	cpu_set_t *affinity = NULL;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct rec *rec = base_record(b, &p);
	if (!rec)
		return NULL;
	if (!(b->archs & arch_id())) {
		char archs[64];
		snprintf(why, sizeof(why), "%s has no %s implementation (it runs on: %s)",
			 b->name, mb_arch_name(arch_id()),
			 mb_archs_str(b->archs, " ", archs, sizeof(archs)));
		rec_set_status(rec, REC_UNSUPPORTED, why);
		rec_set(rec, "duration_ms", json_real(elapsed_ms(&t0)));
		return rec;
	}
	if (b->available && b->available(env->host, why, sizeof(why))) {
		rec_set_status(rec, REC_UNSUPPORTED, why);
		rec_set(rec, "duration_ms", json_real(elapsed_ms(&t0)));
		return rec;
	}
	struct rec *pre = NULL;
	why[0] = '\0';
	switch (measure_preflight(env, b, &p, &pre, why, sizeof(why))) {
	case MEASURE_PF_NO_EXIT:
		rec_set_status(rec, REC_UNSUPPORTED, why);
		rec_set(rec, "preflight", json_pack("{s:s}", "result", "no_exit"));
		rec_set(rec, "duration_ms", json_real(elapsed_ms(&t0)));
		return rec;
	case MEASURE_PF_RECORD:
		rec_free(rec);
		rec_set(pre, "preflight", json_pack("{s:s, s:s}", "result", "ended",
			"note", "the short run before measuring ended this way, so the benchmark was not measured"));
		/* the limits were the preflight's; the record shows the suite's */
		rec_set_params(pre, suite_params_to_json(b, &p));
		return pre;
	default:
		if (!p.preflight && mb_expected_exits(b, env->host, p.cpl, NULL, 0) > 0)
			rec_set(rec, "preflight", why[0] ?
				json_pack("{s:s, s:s}", "result", "exits", "note", why) :
				json_pack("{s:s}", "result", "exits"));
		if (why[0])	/* auto moved: the record's params say the level it ran at */
			rec_set_params(rec, suite_params_to_json(b, &p));
	}
	probe_run_init(&st);
	struct hv_vm_opts o = {
		.nr_vcpus = p.vcpus < b->min_vcpus ? b->min_vcpus : p.vcpus,
		.mem_bytes = (uint64_t)p.mem_mb << 20,
		.irqchip = b->irqchip,
		.user_irqs = b->user_irqs,
		.timeout_ms = p.timeout_ms,
		.stall_ms = p.stall_ms,
		/* PMU and kvm_exit counters are opened on a vCPU thread and
		 * closed on this one: then the threads share one table. */
		.private_files = !probe_set_thread_files(&st.prun),
	};
	if (topo_vcpu_affinity(p.cpus, p.pin, o.nr_vcpus, &affinity, err, sizeof(err)) < 0) {
		rec_set_status(rec, REC_FAILED, err);
		goto out;
	}
	o.affinity = affinity;
	if (b->vm_opts)
		b->vm_opts(&p, &o);
	st.reps = json_array();
	st.hist_prev = calloc(HIST_BUCKETS, sizeof(uint32_t));
	st.hist_delta = calloc(HIST_BUCKETS, sizeof(uint32_t));
	if (!st.reps || !st.hist_prev || !st.hist_delta) {
		rec_set_status(rec, REC_FAILED, "out of memory");
		goto out;
	}
	startup_mark(SU_VM_CREATE);
	r = hv_vm_create(&o, &st.vm, err, sizeof(err));
	if (r < 0) {
		rec_set_status(rec, r == -ENOTSUP ? REC_UNSUPPORTED : REC_FAILED, err);
		goto out;
	}
	r = hv_vm_load_guest(st.vm, err, sizeof(err));
	if (r < 0) {
		rec_set_status(rec, REC_FAILED, err);
		goto out;
	}
	st.ctx = (struct mb_setup_ctx){ st.vm, &p, env->host, b, err, sizeof(err), NULL };
	if (b->setup && (r = b->setup(&st.ctx)) < 0) {
		rec_set_status(rec, r == -ENOTSUP ? REC_UNSUPPORTED : REC_FAILED, err);
		goto out;
	}
	setup_done = true;
	/* setup may have tightened the limits: record what actually ran. */
	rec_set_params(rec, suite_params_to_json(b, &p));
	struct hv_shared *s = st.vm->shared;
	if (hv_body_name_put(s->body, b->body ? b->body : "") < 0) {
		rec_set_status(rec, REC_FAILED, "the row's body name is longer than the shared page holds (HV_BODY_NAME_MAX)");
		goto out;
	}
	s->cpl = (uint32_t)p.cpl;
	s->min_cycles = (uint64_t)p.min_time_ms * s->tsc_khz;
	/* The guest counts samples of `batch` operations; the suite counts
	 * operations. */
	s->batch = p.batch ? p.batch : 1;
	s->max_iters = (p.max_iters + s->batch - 1) / s->batch;
	s->warmup_iters = (p.warmup_iters + s->batch - 1) / s->batch;
	s->repetitions = p.repetitions;
	s->calib_iters = p.cpl == 0 && env->cpl0_slowdown > 10.0 ? 200 : 2000;
	s->flags |= b->no_subtract ? HV_F_NO_SUBTRACT : 0;	/* setup may have set some */
	host_set_capture(&st);

	probe_run_settings(&st);
	r = probe_set_open(&st.probes, &st.prun, err, sizeof(err));
	if (r < 0) {
		rec_set_status(rec, REC_FAILED, err);
		goto out;
	}
	hv_vm_set_ucall(st.vm, on_ucall, &st);
	hv_vm_set_start(st.vm, on_vcpu_start);
	r = hv_vm_start(st.vm, err, sizeof(err));
	if (r == 0)
		r = hv_vm_wait(st.vm, err, sizeof(err));
	if (hv_interrupt_requested)
		rec_set(rec, "interrupted", json_true());
	render_outcome(rec, &st, env, r, err);
out:
	if (setup_done && b->finish)
		b->finish(&st.ctx, rec);
	rec_set(rec, "duration_ms", json_real(elapsed_ms(&t0)));
	if (st.vm)
		hv_vm_destroy(st.vm);
	free(affinity);
	run_state_free(&st);
	measure_count_exits(env, b, &p, rec);
	return rec;
}

json_t *measure_run(const struct measure_env *env, const struct mb_bench *b,
		    const struct mb_params *p)
{
	struct rec *r = measure_record(env, b, p);
	json_t *o = r ? rec_to_json(r) : NULL;

	rec_free(r);
	return o;
}

static int setup_spin(struct mb_setup_ctx *c)
{
	c->vm->shared->param[0] = 100;	/* loop iterations per op */
	return 0;
}

/* Cost of the same spin loop at CPL0 and CPL3, via the regular machinery. */
double measure_cpl0_slowdown(const struct measure_env *env, char *err,
			     size_t errlen)
{
	static const struct mb_bench spin = {
		.name = "cpl0_probe", .family = "internal",
		.description = "spin loop used to detect emulated CPL0",
		.archs = MB_ARCH_X86 | MB_ARCH_ARM64, .expected_exits = -1,
		.exit_stat = "exits", .body = "spin", .cpls = MB_CPL_ANY,
		.setup = setup_spin,
	};
	double p50[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		struct mb_params p;
		mb_params_defaults(&p, &spin);
		p.cpl = i == 0 ? 0 : 3;
		p.min_time_ms = 5;
		p.max_iters = 20;
		p.warmup_iters = 1;
		p.timeout_ms = 20000;
		struct rec *rec = measure_record(env, &spin, &p);
		struct rec_metric *c = rec ? rec_headline(rec) : NULL;
		if (!c || rec->status != REC_OK) {
			snprintf(err, errlen, "CPL%d probe VM: %s", p.cpl,
				 rec && rec->reason ? rec->reason : "no measurement");
			rec_free(rec);
			return -1;
		}
		p50[i] = rec_metric_stat(c, "p50") +
			 json_number_value(rec_get(rec, "probe_overhead"));
		rec_free(rec);
	}
	return p50[1] > 0 ? p50[0] / p50[1] : -1;
}

/* measure_int.h: what measure_run does from the guest's first call to the
 * record, on a copy of @shared and a VM with no KVM behind it (vCPU 0 makes
 * every call; no KVM statistics, no PMU, no probe hook). */
json_t *measure_render_shared(const struct measure_env *env, const struct mb_bench *b,
			      const struct mb_params *params, const struct hv_shared *shared,
			      const uint32_t *calls, size_t n_calls, int run_result)
{
	struct mb_params p = *params;
	struct mb_bench bench = *b;
	struct run_state st = { .env = env, .b = &bench, .p = &p };
	char err[256] = "the VM stopped with an error";
	struct rec *rec = base_record(b, &p);
	json_t *out = NULL;
	int r = run_result;

	bench.probe_ucall = NULL;
	bench.setup = NULL;
	bench.finish = NULL;
	st.vm = calloc(1, sizeof(*st.vm));
	st.reps = json_array();
	st.hist_prev = calloc(HIST_BUCKETS, sizeof(uint32_t));
	st.hist_delta = calloc(HIST_BUCKETS, sizeof(uint32_t));
	if (!rec || !st.vm || !st.reps || !st.hist_prev || !st.hist_delta ||
	    !(st.vm->shared = malloc(sizeof(*shared))) ||
	    !(st.vm->vcpus = calloc(1, sizeof(*st.vm->vcpus))))
		goto out;
	memcpy(st.vm->shared, shared, sizeof(*shared));
	host_set_capture(&st);	/* the page as the host would have set it */
	probe_run_init(&st);	/* no probe opens: there is no KVM behind it */
	st.vm->nr_vcpus = 1;
	st.vm->vcpus[0].vm = st.vm;
	st.vm->vcpus[0].fd = -1;
	probe_run_settings(&st);
	st.ctx = (struct mb_setup_ctx){ st.vm, &p, env->host, &bench, err, sizeof(err), NULL };
	for (size_t i = 0; i < n_calls; i++) {
		struct hv_vcpu *v = &st.vm->vcpus[0];
		int c = on_ucall(v, calls[i], &st);
		if (c == HV_STOP)
			break;
		if (c < 0) {	/* the vCPU loop ends on it, as hv_vm_wait says */
			snprintf(err, sizeof(err), "%s", v->err);
			r = c;
			break;
		}
	}
	render_outcome(rec, &st, env, r, err);
	out = rec_to_json(rec);
out:
	if (st.vm) {
		free(st.vm->shared);
		free(st.vm->vcpus);
	}
	free(st.vm);
	st.vm = NULL;
	run_state_free(&st);
	rec_free(rec);
	return out;
}
