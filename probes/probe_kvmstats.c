/* The KVM binary statistics probe: every cumulative statistic of the VM and
 * of each vCPU around the measured window, less what moved during pauses,
 * as "exits_per_op"; and the calibration loop's own rate of the row's
 * statistic, the baseline of the exit check. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"
#include "probes/kvmstats.h"
#include "probes/probe.h"

struct counters {
	struct kvmstats *ks;
	uint64_t *before, *after;
	uint64_t *calib_before, *calib_after;	/* around the calibration loop */
	/* interleaved runs: what moved while the guest waited for its turn
	 * (other vCPUs halted in KVM, say), taken out of the window */
	uint64_t *pause_before, *pause_sum, *now;
};

/* c[0] the VM, c[1 + i] vCPU i */
struct ks_probe {
	bool calib_ended;
	uint32_t n;
	struct counters c[];
};

static int counters_open(struct counters *c, int fd, char *err, size_t errlen)
{
	int r = kvmstats_open(fd, &c->ks, err, errlen);

	if (r < 0)
		return r;
	size_t n = kvmstats_count(c->ks);
	uint64_t **v[] = { &c->before, &c->after, &c->calib_before, &c->calib_after,
			   &c->pause_before, &c->pause_sum, &c->now };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!(*v[i] = calloc(n ? n : 1, sizeof(uint64_t)))) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	return 0;
}

static void counters_close(struct counters *c)
{
	if (c->ks)
		kvmstats_close(c->ks);
	free(c->before);
	free(c->after);
	free(c->calib_before);
	free(c->calib_after);
	free(c->pause_before);
	free(c->pause_sum);
	free(c->now);
}

static void ks_close(void *priv)
{
	struct ks_probe *k = priv;

	for (uint32_t i = 0; k && i < k->n; i++)
		counters_close(&k->c[i]);
	free(k);
}

static int ks_open(struct probe_run *run, void **priv, char *err, size_t errlen)
{
	uint32_t n = run->vm->nr_vcpus + 1;
	struct ks_probe *k = calloc(1, sizeof(*k) + n * sizeof(k->c[0]));

	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	k->n = n;
	for (uint32_t i = 0; i < n; i++) {
		int fd = i == 0 ? run->vm->vm_fd : run->vm->vcpus[i - 1].fd;
		int r = counters_open(&k->c[i], fd, err, errlen);
		if (r < 0) {
			ks_close(k);
			return r;
		}
	}
	*priv = k;
	return 0;
}

/* Around a pause between repetitions: add what moved to pause_sum. */
static void pause_snapshot(struct counters *c, bool after)
{
	if (!after) {
		kvmstats_read(c->ks, c->pause_before);
		return;
	}
	kvmstats_read(c->ks, c->now);
	for (size_t i = 0; i < kvmstats_count(c->ks); i++)
		c->pause_sum[i] += c->now[i] - c->pause_before[i];
}

static void ks_at(void *priv, struct probe_run *run, enum probe_point pt)
{
	struct ks_probe *k = priv;

	if (pt == PROBE_CALIB_END)
		k->calib_ended = true;
	for (uint32_t i = 0; i < k->n; i++) {
		struct counters *c = &k->c[i];
		switch (pt) {
		case PROBE_WINDOW_BEGIN:
		case PROBE_WINDOW_END:
			kvmstats_read(c->ks, pt == PROBE_WINDOW_END ? c->after : c->before);
			break;
		case PROBE_PAUSE_BEGIN:
		case PROBE_PAUSE_END:
			pause_snapshot(c, pt == PROBE_PAUSE_END);
			break;
		case PROBE_CALIB_BEGIN:
		case PROBE_CALIB_END:
			/* vCPU statistics only: the loop runs on vCPU 0 */
			if (i > 0)
				kvmstats_read(c->ks, pt == PROBE_CALIB_END ?
					      c->calib_after : c->calib_before);
			break;
		default:
			break;
		}
	}
}

/* Per-op delta of one vCPU statistic over the calibration loop (the null
 * operation at the same level and batch), the call channel's own exit taken
 * out; "exits_caused" is exits less host interrupts, as in the window. */
static double calib_per_op(struct ks_probe *k, const struct probe_run *run,
			   const char *name)
{
	struct kvmstats *ks0 = k->c[1].ks;
	uint64_t ops = run->calib_done * (run->calib_batched ? run->batch : 1);
	const char *ucall_stat = arch_ucall_stat();

	if (!k->calib_ended || !ops || run->calib_done > run->calib_iters)
		return 0;
	if (!strcmp(name, "exits_caused"))
		return fmax(0, calib_per_op(k, run, "exits") - calib_per_op(k, run, "irq_exits"));
	for (size_t i = 0; i < kvmstats_count(ks0); i++) {
		if (!kvmstats_is_cumulative(ks0, i) || strcmp(kvmstats_name(ks0, i), name))
			continue;
		int64_t d = 0;
		for (uint32_t v = 1; v < k->n; v++)
			d += (int64_t)(k->c[v].calib_after[i] - k->c[v].calib_before[i]);
		if (!strcmp(name, "exits") || !strcmp(name, ucall_stat))
			d -= 1;
		/* one or two stray exits in the window are not a rate */
		return d >= 3 ? (double)d / (double)ops : 0;
	}
	return 0;
}

/* Exits per op: every cumulative counter that moved, summed over vCPUs, with
 * the call channel's own exits inside the window taken out. */
static json_t *exits_json(struct ks_probe *k, const struct probe_run *run)
{
	json_t *o = json_object();
	struct kvmstats *ks0 = k->c[1].ks;
	const char *ucall_stat = arch_ucall_stat();
	double iters = (double)run->ops;

	for (size_t i = 0; i < kvmstats_count(ks0); i++) {
		if (!kvmstats_is_cumulative(ks0, i))
			continue;
		const char *name = kvmstats_name(ks0, i);
		int64_t d = 0;
		for (uint32_t v = 1; v < k->n; v++)
			d += (int64_t)(k->c[v].after[i] - k->c[v].before[i] -
				       k->c[v].pause_sum[i]);
		if (!strcmp(name, "exits") || !strcmp(name, ucall_stat))
			d -= run->window_ucalls;
		if (d <= 0 && strcmp(name, "exits"))
			continue;
		json_object_set_new(o, name, json_real((double)(d < 0 ? 0 : d) / iters));
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
	const char *kname = arch_kvm_stat_name(run->exit_stat);
	json_t *kv = json_object_get(o, kname);
	if (strcmp(kname, run->exit_stat) && kv)
		json_object_set_new(o, run->exit_stat, json_real(json_number_value(kv)));
	struct counters *vc = &k->c[0];
	for (size_t i = 0; i < kvmstats_count(vc->ks); i++) {
		int64_t d = (int64_t)(vc->after[i] - vc->before[i] - vc->pause_sum[i]);
		if (!kvmstats_is_cumulative(vc->ks, i) || d <= 0)
			continue;
		char key[96];
		snprintf(key, sizeof(key), "vm.%s", kvmstats_name(vc->ks, i));
		json_object_set_new(o, key, json_real((double)d / iters));
	}
	return o;
}

/* The row's declared statistics (probe_run.report_stats): each under the
 * name exits_json gives it, at 0 when it did not move; the names this
 * kernel has neither per vCPU nor per VM, as a list. */
static json_t *declared_json(struct ks_probe *k, const struct probe_run *run, json_t *o)
{
	json_t *missing = json_array();

	for (const char *const *s = run->report_stats; s && *s; s++) {
		const char *kname = arch_kvm_stat_name(*s);
		char key[96];
		int vi = kvmstats_index(k->c[1].ks, kname);
		int mi = kvmstats_index(k->c[0].ks, kname);

		if (vi >= 0 && kvmstats_is_cumulative(k->c[1].ks, (size_t)vi))
			snprintf(key, sizeof(key), "%s", kname);
		else if (mi >= 0 && kvmstats_is_cumulative(k->c[0].ks, (size_t)mi))
			snprintf(key, sizeof(key), "vm.%s", kname);
		else {
			json_array_append_new(missing, json_string(*s));
			continue;
		}
		if (!json_object_get(o, key))
			json_object_set_new(o, key, json_real(0));
	}
	return missing;
}

static void ks_emit(void *priv, struct probe_run *run, struct rec *rec)
{
	struct ks_probe *k = priv;

	if (!run->ops || k->n < 2)
		return;
	json_t *ex = exits_json(k, run);
	json_t *missing = declared_json(k, run, ex);
	if (json_array_size(missing))
		rec_set(rec, "kvm_stats_missing", missing);
	else
		json_decref(missing);
	const char *name;
	json_t *v;
	json_object_foreach(ex, name, v) {
		char path[128], what[160];
		snprintf(path, sizeof(path), "exits_per_op/%s", name);
		if (!strcmp(name, "exits_caused"))
			snprintf(what, sizeof(what), "exits less irq_exits (host interrupts) per operation, over every vCPU");
		else
			snprintf(what, sizeof(what), !strncmp(name, "vm.", 3) ?
				 "the VM's KVM statistic %s per operation" :
				 "KVM statistic %s per operation, over every vCPU",
				 !strncmp(name, "vm.", 3) ? name + 3 : name);
		rec_metric_value(rec, path, "per op", what, json_number_value(v));
	}
	json_decref(ex);
	run->exit_baseline = !strcmp(run->exit_stat, "exits_caused") ?
		calib_per_op(k, run, "exits_caused") :
		calib_per_op(k, run, arch_kvm_stat_name(run->exit_stat));
}

const struct probe_ops probe_kvmstats = {
	.name = "kvmstats",
	.open = ks_open,
	.at = ks_at,
	.emit = ks_emit,
	.close = ks_close,
};
