/* What a benchmark run counts besides the guest's own clock: KVM binary
 * statistics around the measured window, the calibration loop and pauses,
 * PMU counters and the VMM's user-space exit time, as per-op figures. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/arch.h"
#include "hvbench/measure_state.h"
#include "hvbench/results.h"
#include "probes/kvmstats.h"
#include "probes/pmu.h"
#include "probes/stats.h"

int run_counters_open(struct counters *c, int fd, char *err, size_t errlen)
{
	int r = kvmstats_open(fd, &c->ks, err, errlen);

	if (r < 0)
		return r;
	size_t n = kvmstats_count(c->ks);
	c->before = calloc(n ? n : 1, sizeof(uint64_t));
	c->after = calloc(n ? n : 1, sizeof(uint64_t));
	c->calib_before = calloc(n ? n : 1, sizeof(uint64_t));
	c->calib_after = calloc(n ? n : 1, sizeof(uint64_t));
	c->pause_before = calloc(n ? n : 1, sizeof(uint64_t));
	c->pause_sum = calloc(n ? n : 1, sizeof(uint64_t));
	if (!c->before || !c->after || !c->calib_before || !c->calib_after ||
	    !c->pause_before || !c->pause_sum) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void run_counters_close(struct counters *c)
{
	if (c->ks)
		kvmstats_close(c->ks);
	free(c->before);
	free(c->after);
	free(c->calib_before);
	free(c->calib_after);
	free(c->pause_before);
	free(c->pause_sum);
	memset(c, 0, sizeof(*c));
}

void run_snapshot(struct run_state *st, bool after)
{
	struct counters *c = &st->vm_c;

	kvmstats_read(c->ks, after ? c->after : c->before);
	for (uint32_t i = 0; i < st->vm->nr_vcpus; i++) {
		c = &st->vcpu_c[i];
		kvmstats_read(c->ks, after ? c->after : c->before);
	}
	if (st->pmu)
		pmu_set_read(st->pmu, after ? st->pmu_after : st->pmu_before);
}

/* Around a pause between repetitions: add what moved to pause_sum. */
static void pause_snapshot(struct counters *c, bool after)
{
	size_t n = kvmstats_count(c->ks);

	if (!after) {
		kvmstats_read(c->ks, c->pause_before);
		return;
	}
	uint64_t *now = calloc(n ? n : 1, sizeof(uint64_t));
	if (!now)
		return;
	kvmstats_read(c->ks, now);
	for (size_t i = 0; i < n; i++)
		c->pause_sum[i] += now[i] - c->pause_before[i];
	free(now);
}

void run_snapshot_pause(struct run_state *st, bool after)
{
	pause_snapshot(&st->vm_c, after);
	for (uint32_t i = 0; i < st->vm->nr_vcpus; i++)
		pause_snapshot(&st->vcpu_c[i], after);
}

/* The calibration loop's window: vCPU statistics only (it runs on vCPU 0). */
void run_snapshot_calib(struct run_state *st, bool after)
{
	for (uint32_t i = 0; i < st->vm->nr_vcpus; i++) {
		struct counters *c = &st->vcpu_c[i];
		kvmstats_read(c->ks, after ? c->calib_after : c->calib_before);
	}
}

/* Per-op delta of one vCPU statistic over the calibration loop (the null
 * operation at the same level and batch), the call channel's own exit taken
 * out; "exits_caused" is exits less host interrupts, as in the window. */
double run_calib_stat_per_op(struct run_state *st, const char *name)
{
	struct kvmstats *ks0 = st->vcpu_c[0].ks;
	struct hv_shared *s = st->vm->shared;
	uint64_t ops = s->calib_done * (st->b->max_batch == 1 ? 1 : st->set.batch);
	const char *ucall_stat = arch_ucall_stat();

	if (!st->calib_ended || !ops || s->calib_done > st->set.calib_iters)
		return 0;
	if (!strcmp(name, "exits_caused"))
		return fmax(0, run_calib_stat_per_op(st, "exits") - run_calib_stat_per_op(st, "irq_exits"));
	for (size_t i = 0; i < kvmstats_count(ks0); i++) {
		if (!kvmstats_is_cumulative(ks0, i) || strcmp(kvmstats_name(ks0, i), name))
			continue;
		int64_t d = 0;
		for (uint32_t v = 0; v < st->vm->nr_vcpus; v++)
			d += (int64_t)(st->vcpu_c[v].calib_after[i] - st->vcpu_c[v].calib_before[i]);
		if (!strcmp(name, "exits") || !strcmp(name, ucall_stat))
			d -= 1;
		/* one or two stray exits in the window are not a rate */
		return d >= 3 ? (double)d / (double)ops : 0;
	}
	return 0;
}

/* Exits per op: every cumulative counter that moved, summed over vCPUs, with
 * the call channel's own exits inside the window taken out. */
json_t *run_exits_json(struct run_state *st, uint64_t iters)
{
	json_t *o = json_object();
	struct kvmstats *ks0 = st->vcpu_c[0].ks;
	const char *ucall_stat = arch_ucall_stat();

	for (size_t i = 0; i < kvmstats_count(ks0); i++) {
		if (!kvmstats_is_cumulative(ks0, i))
			continue;
		const char *name = kvmstats_name(ks0, i);
		int64_t d = 0;
		for (uint32_t v = 0; v < st->vm->nr_vcpus; v++)
			d += (int64_t)(st->vcpu_c[v].after[i] - st->vcpu_c[v].before[i] -
				       st->vcpu_c[v].pause_sum[i]);
		if (!strcmp(name, "exits") || !strcmp(name, ucall_stat))
			d -= st->window_ucalls;
		if (d <= 0 && strcmp(name, "exits"))
			continue;
		json_object_set_new(o, name, json_real((double)(d < 0 ? 0 : d) / (double)iters));
	}
	/* Host interrupts arriving while the guest runs are exits too, but the
	 * operation did not cause them: the expectation is checked without. */
	json_t *ex = json_object_get(o, "exits"), *irq = json_object_get(o, "irq_exits");
	if (ex) {
		double caused = json_number_value(ex) - (irq ? json_number_value(irq) : 0);
		json_object_set_new(o, "exits_caused", json_real(caused < 0 ? 0 : caused));
	}
	/* The table names statistics the x86 way: show the benchmark's own
	 * statistic under that name too where KVM calls it otherwise. */
	const char *kname = arch_kvm_stat_name(st->b->exit_stat);
	json_t *kv = json_object_get(o, kname);
	if (strcmp(kname, st->b->exit_stat) && kv)
		json_object_set_new(o, st->b->exit_stat, json_real(json_number_value(kv)));
	struct kvmstats *vs = st->vm_c.ks;
	for (size_t i = 0; i < kvmstats_count(vs); i++) {
		int64_t d = (int64_t)(st->vm_c.after[i] - st->vm_c.before[i] -
				      st->vm_c.pause_sum[i]);
		if (!kvmstats_is_cumulative(vs, i) || d <= 0)
			continue;
		char key[96];
		snprintf(key, sizeof(key), "vm.%s", kvmstats_name(vs, i));
		json_object_set_new(o, key, json_real((double)d / (double)iters));
	}
	return o;
}

json_t *run_pmu_json(struct run_state *st, uint64_t iters)
{
	json_t *o = json_object();

	for (size_t i = 0; i < st->p->n_pmu_events; i++) {
		const char *name = st->p->pmu_events[i];
		const char *why = !st->pmu ? st->pmu_err :
				  pmu_set_unavailable_reason(st->pmu, i);
		if (why)
			json_object_set_new(o, name, json_pack("{s:s}", "unavailable", why));
		else
			json_object_set_new(o, name, json_pack("{s:f}", "per_op",
				(double)(st->pmu_after[i] - st->pmu_before[i]) / (double)iters));
	}
	return o;
}

json_t *run_vmm_json(struct hv_vm *vm)
{
	uint32_t *sum = calloc(HIST_BUCKETS, sizeof(uint32_t));
	struct hist_moments m;
	struct stats_summary s;
	json_t *out = NULL;

	if (!sum)
		return NULL;
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
		out = results_stats_json(&s);
	free(sum);
	return out;
}

