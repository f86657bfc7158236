/* The VMM-time probe: the host's user-space handling of each exit (KVM_RUN
 * return to re-entry, hv-core/vcpu.c), switched on for the measured window
 * on every vCPU, as "vmm_user_cycles" over all of them. */
#include <stdlib.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"
#include "probes/hostinfo.h"
#include "probes/probe.h"
#include "probes/stats.h"

static void vmm_at(void *priv, struct probe_run *run, enum probe_point pt)
{
	struct hv_vm *vm = run->vm;

	if (pt != PROBE_WINDOW_BEGIN && pt != PROBE_WINDOW_END)
		return;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		if (pt == PROBE_WINDOW_BEGIN)
			hv_vmm_probe_reset(&vm->vcpus[i]);
		vm->vcpus[i].vmm.on = pt == PROBE_WINDOW_BEGIN;
	}
}

static void vmm_emit(void *priv, struct probe_run *run, struct rec *rec)
{
	struct hv_vm *vm = run->vm;
	uint32_t *sum = calloc(HIST_BUCKETS, sizeof(uint32_t));
	struct hist_moments m;
	struct stats_summary s;

	if (!sum)
		return;
	hist_moments_init(&m);
	for (uint32_t v = 0; v < vm->nr_vcpus; v++) {
		const struct hv_vmm_probe *p = &vm->vcpus[v].vmm;
		if (!p->hist || !p->m.n)
			continue;
		for (uint32_t b = 0; b < HIST_BUCKETS; b++)
			sum[b] += p->hist[b];
		m.n += p->m.n;
		m.sum += p->m.sum;
		unsigned __int128 a = (unsigned __int128)m.sumsq_hi << 64 | m.sumsq_lo;
		a += (unsigned __int128)p->m.sumsq_hi << 64 | p->m.sumsq_lo;
		m.sumsq_lo = (uint64_t)a;
		m.sumsq_hi = (uint64_t)(a >> 64);
		if (p->m.min < m.min)
			m.min = p->m.min;
		if (p->m.max > m.max)
			m.max = p->m.max;
	}
	if (m.n && stats_from_histogram(sum, &m, &s) == 0)
		rec_metric_stats(rec, "vmm_user_cycles", arch_counter_unit(run->host ? run->host->counter_unit : NULL),
				 "the host's user-space handling of one exit, KVM_RUN return to re-entry, over every vCPU",
				 &s, 1);
	free(sum);
}

const struct probe_ops probe_vmm = {
	.name = "vmm",
	.at = vmm_at,
	.emit = vmm_emit,
};
