/* The PMU probe: the suite's "pmu_events" (libpfm4, probes/pmu.h), opened
 * on the vCPU thread so KVM's work on its behalf is counted, read around
 * the measured window, as "pmu": {event: {per_op} or {unavailable}}. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/pmu.h"
#include "probes/probe.h"

#define PMU_MAX 32

struct pmu_probe {
	struct pmu_set *set;
	size_t n;
	uint64_t before[PMU_MAX], after[PMU_MAX];
	char err[256];
};

static bool pmu_wanted(const struct probe_run *run)
{
	return run->n_pmu_events > 0;
}

static int pmu_open(struct probe_run *run, void **priv, char *err, size_t errlen)
{
	struct pmu_probe *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->n = run->n_pmu_events < PMU_MAX ? run->n_pmu_events : PMU_MAX;
	snprintf(p->err, sizeof(p->err), "the counters were never opened");
	*priv = p;
	return 0;
}

static void pmu_at(void *priv, struct probe_run *run, enum probe_point pt)
{
	struct pmu_probe *p = priv;

	switch (pt) {
	case PROBE_VCPU_READY:
		/* tid 0: this vCPU thread, KVM's work on its behalf included. */
		if (!p->set && pmu_set_open(run->pmu_events, p->n, 0, &p->set,
					    p->err, sizeof(p->err)) < 0)
			p->set = NULL;
		break;
	case PROBE_WINDOW_BEGIN:
	case PROBE_WINDOW_END:
		if (p->set)
			pmu_set_read(p->set, pt == PROBE_WINDOW_END ? p->after : p->before);
		break;
	default:
		break;
	}
}

/* Each counted event is a metric, "pmu/<event>/per_op"; an event that
 * could not be counted says why in the "pmu" block instead. */
static void pmu_emit(void *priv, struct probe_run *run, struct rec *rec)
{
	struct pmu_probe *p = priv;
	json_t *o = json_object();

	for (size_t i = 0; i < p->n; i++) {
		const char *name = run->pmu_events[i];
		const char *why = !p->set ? p->err : pmu_set_unavailable_reason(p->set, i);
		double v = (double)(p->after[i] - p->before[i]) / (double)run->ops;
		char path[160], what[200];

		if (why) {
			json_object_set_new(o, name, json_pack("{s:s}", "unavailable", why));
			continue;
		}
		/* a name with a '/' cannot be a metric's place: kept as a block */
		if (strchr(name, '/') || snprintf(path, sizeof(path), "pmu/%s/per_op", name) >=
					     (int)sizeof(path)) {
			json_object_set_new(o, name, json_pack("{s:f}", "per_op", v));
			continue;
		}
		snprintf(what, sizeof(what), "%s counted on the vCPU thread (user, kernel and KVM on its behalf) per operation",
			 name);
		rec_metric_value(rec, path, "per op", what, v);
	}
	if (json_object_size(o))
		rec_set(rec, "pmu", o);
	else
		json_decref(o);
}

static void pmu_close(void *priv)
{
	struct pmu_probe *p = priv;

	if (p && p->set)
		pmu_set_close(p->set);
	free(p);
}

const struct probe_ops probe_pmu = {
	.name = "pmu",
	.wanted = pmu_wanted,
	.vcpu_thread_files = true,
	.open = pmu_open,
	.at = pmu_at,
	.emit = pmu_emit,
	.close = pmu_close,
};
