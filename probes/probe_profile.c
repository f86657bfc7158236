/* The exit-profile probe: every record's "exit_profile" (probes/exitprof.h)
 * from what the VMM itself sees of each exit (method "vmm_counters"): its
 * per-reason counters over the measured window (hv-core/exit.h) and the
 * user-space time of each exit by reason (hv-core/vcpu.c), beside KVM's
 * binary statistics by category, which count the exits KVM keeps in the
 * kernel. It snapshots innermost, so the other probes' work stays out of
 * its window. Where kvm:kvm_exit fires, the separate counting run
 * (hvbench/exitcount.c) replaces the block with the tracepoint method's. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/arch.h"
#include "hv-core/exit.h"
#include "hv-core/hv.h"
#include "probes/exitprof.h"
#include "probes/hostinfo.h"
#include "probes/kvmexit.h"
#include "probes/probe.h"

struct prof_vcpu {
	uint64_t before[HV_EXIT_NR], after[HV_EXIT_NR];
	uint64_t pause_before[HV_EXIT_NR], pause_sum[HV_EXIT_NR];
};

struct prof {
	uint64_t t_begin, t_end, t_pause, pause_cycles;
	uint32_t n;
	struct prof_vcpu v[];
};

static int prof_open(struct probe_run *run, void **priv, char *err, size_t errlen)
{
	uint32_t n = run->vm->nr_vcpus;
	struct prof *p = calloc(1, sizeof(*p) + n * sizeof(p->v[0]));

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->n = n;
	*priv = p;
	return 0;
}

static void snap(const struct hv_vm *vm, struct prof *p, size_t which)
{
	for (uint32_t i = 0; i < p->n && i < vm->nr_vcpus; i++) {
		uint64_t *to = which == 0 ? p->v[i].before : which == 1 ? p->v[i].after :
			       p->v[i].pause_before;
		for (unsigned id = 0; id < HV_EXIT_NR; id++)
			to[id] = hv_exit_stat(&vm->vcpus[i], id);
	}
}

static void prof_at(void *priv, struct probe_run *run, enum probe_point pt)
{
	struct prof *p = priv;

	switch (pt) {
	case PROBE_WINDOW_BEGIN:
		snap(run->vm, p, 0);
		p->t_begin = arch_host_cycles();
		break;
	case PROBE_WINDOW_END:
		p->t_end = arch_host_cycles();
		snap(run->vm, p, 1);
		break;
	case PROBE_PAUSE_BEGIN:
		p->t_pause = arch_host_cycles();
		snap(run->vm, p, 2);
		break;
	case PROBE_PAUSE_END:
		for (uint32_t i = 0; i < p->n; i++)
			for (unsigned id = 0; id < HV_EXIT_NR; id++)
				p->v[i].pause_sum[id] += hv_exit_stat(&run->vm->vcpus[i], id) -
							 p->v[i].pause_before[id];
		p->pause_cycles += arch_host_cycles() - p->t_pause;
		break;
	default:
		break;
	}
}

/* What this method cannot see, in words, for the record. */
static json_t *cannot_see(const struct probe_run *run)
{
	json_t *a = json_array();
	const char *backend = run->host ? run->host->backend : "";

	json_array_append_new(a, json_string(
		"exits KVM completes in the kernel (on x86 cpuid, MSRs, page faults, APIC and timer accesses, in-kernel ioeventfd writes): no reason or time each, only their totals per category in kvm_stats"));
	json_array_append_new(a, json_string(
		"the kernel's part of every exit (hardware exit to KVM_RUN return, and re-entry): the times are the user-space part only"));
	if (!strcmp(backend, "pvm"))
		json_array_append_new(a, json_string(
			"under the PVM backend, guest CPL0 instructions that PVM emulates without any exit, and every exit's reason as the hardware gave it (kvm:kvm_exit does not fire)"));
	return a;
}

/* Why the tracepoint method did not make this block. */
static const char *why_not_tracepoints(const struct probe_run *run)
{
	if (kvmexit_host_fires(run->host))
		return "the tracepoints are used in a separate short run of the row (their cost would be in every measured exit); this block is the measured run's own";
	if (run->host && !strcmp(run->host->backend, "pvm"))
		return "kvm:kvm_exit does not fire under the PVM backend (host.backend pvm)";
	return "kvm:kvm_exit fires only with a VT-x or SVM backend (host.backend vmx or svm)";
}

static void add_vcpu_times(struct exitprof *e, const struct hv_vcpu *c)
{
	const struct hv_vmm_probe *vp = &c->vmm;

	for (unsigned id = 0; id < HV_EXIT_ARCH_BASE; id++) {
		if (!vp->exit_vmm_n[id])
			continue;
		struct exitprof_reason *r = exitprof_reason(e, hv_exit_stat_name(id), id);
		const struct hv_vmm_reason *slot = NULL;
		for (uint32_t k = 0; k < vp->n_reasons; k++)
			if (vp->by_reason[k].reason == id)
				slot = &vp->by_reason[k];
		if (!r)
			continue;
		if (slot) {
			exitprof_add_times(r, slot->hist, &slot->m);
		} else {	/* past the histogram slots: the sum and count only */
			struct hist_moments m = { .n = vp->exit_vmm_n[id],
				.sum = vp->exit_vmm_cycles[id], .min = ~0ull };
			exitprof_add_times(r, NULL, &m);
			r->m.min = 0;	/* unknown: not the sentinel */
		}
	}
}

static void prof_emit(void *priv, struct probe_run *run, struct rec *rec)
{
	struct prof *p = priv;
	struct hv_vm *vm = run->vm;
	struct exitprof e;
	unsigned ucall = arch_ucall_exit_reason();
	uint64_t ucalls = run->window_ucalls;

	exitprof_init(&e, "vmm_counters",
		      arch_counter_unit(run->host ? run->host->counter_unit : NULL),
		      "the VMM's user-space handling of one exit: KVM_RUN return to re-entry, on the host's clock");
	e.ops = run->ops;
	e.vcpus = vm->nr_vcpus;
	e.window = p->t_end - p->t_begin - p->pause_cycles;
	e.call_channel_exits = ucalls;
	for (unsigned id = 0; id < HV_EXIT_NR; id++) {
		uint64_t d = 0;
		for (uint32_t i = 0; i < p->n; i++)
			d += p->v[i].after[id] - p->v[i].before[id] - p->v[i].pause_sum[id];
		/* the call channel's own exits are the runner's, not the op's */
		if (id == ucall)
			d = d > ucalls ? d - ucalls : 0;
		const char *name = hv_exit_stat_name(id);
		if (!d || !name)
			continue;
		struct exitprof_reason *r = exitprof_reason(&e, name, id < HV_EXIT_ARCH_BASE ? (int64_t)id : -1);
		if (r)
			r->count = d;
	}
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		add_vcpu_times(&e, &vm->vcpus[i]);
	json_t *o = exitprof_json(&e);
	exitprof_free(&e);
	if (!o)
		return;
	/* KVM's statistics of the same window (the kvmstats probe emitted
	 * them before this one): the exits the VMM never sees are there. */
	json_t *per_op = json_object();
	double caused = NAN, user = 0;
	for (size_t i = 0; i < rec->n_m; i++) {
		const struct rec_metric *m = &rec->m[i];
		if (strncmp(m->name, "exits_per_op/", 13) || m->kind != REC_VALUE)
			continue;
		json_object_set_new(per_op, m->name + 13, json_real(m->value));
		if (!strcmp(m->name + 13, "exits_caused"))
			caused = m->value;
	}
	json_t *rs = json_object_get(o, "reasons");
	const char *rn;
	json_t *rv;
	json_object_foreach(rs, rn, rv)
		if (strcmp(rn, "intr"))	/* signals: no exit of KVM's */
			user += json_number_value(json_object_get(rv, "per_op"));
	if (json_object_size(per_op)) {
		json_object_set_new(o, "kvm_stats", exitprof_kvm_categories(per_op));
		if (isfinite(caused))
			json_object_set_new(o, "in_kernel_per_op", json_real(fmax(0, caused - user)));
	}
	json_decref(per_op);
	json_object_set_new(o, "cannot_see", cannot_see(run));
	json_object_set_new(o, "tracepoints", json_string(why_not_tracepoints(run)));
	rec_set(rec, "exit_profile", o);
}

static void prof_close(void *priv)
{
	free(priv);
}

const struct probe_ops probe_profile = {
	.name = "profile",
	.open = prof_open,
	.at = prof_at,
	.emit = prof_emit,
	.close = prof_close,
};
