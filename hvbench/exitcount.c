/* After a row is measured on a VT-x/SVM host: a short second run of it that
 * counts kvm:kvm_exit by reason (probes/kvmexit.h) and checks the total
 * against KVM's own exit statistic of the same run. A separate run, because
 * the tracepoint's work would otherwise be part of every measured exit. */
#include <math.h>
#include <string.h>

#include "hvbench/measure.h"
#include "probes/kvmexit.h"
#include "probes/record.h"

/* Enough for exits per op to 1%, few enough for the perf ring to hold
 * every record (a few exits per op). */
#define COUNT_OPS 200

void measure_count_exits(const struct measure_env *env, const struct mb_bench *b,
			 const struct mb_params *p, struct rec *rec)
{
	struct mb_params q = *p;

	if (!rec || p->preflight || p->count_exits || rec->status != REC_OK ||
	    !strcmp(b->family, "internal") || !kvmexit_host_fires(env->host))
		return;
	q.preflight = true;	/* no preflight of its own, no pacing */
	q.count_exits = true;
	if (!q.max_iters || q.max_iters > COUNT_OPS)
		q.max_iters = COUNT_OPS;
	if (q.warmup_iters > 16)
		q.warmup_iters = 16;
	q.repetitions = 1;
	q.n_pmu_events = 0;
	struct rec *r = measure_record(env, b, &q);
	if (!r)
		return;
	json_t *kx = rec_get(r, "kvm_exit");
	struct rec_metric *ex = rec_metric_find(r, "exits_per_op/exits");
	if (kx && ex) {
		double stat = ex->value;
		double tot = json_number_value(json_object_get(kx, "total_per_op"));
		/* Each exit is one tracepoint hit and one count of the
		 * statistic: they agree unless records were lost. */
		json_object_set_new(kx, "stat_exits_per_op", json_real(stat));
		json_object_set_new(kx, "agrees", json_boolean(fabs(tot - stat) <= 0.02 * fmax(stat, 1)));
		json_object_set_new(kx, "note", json_string(
			"from a separate short run of the same row (the tracepoint's cost stays out of the measured figures); per op, the call channel's own exits taken out"));
		rec_set(rec, "kvm_exit", json_incref(kx));
	} else {
		json_t *e = rec_get(r, "kvm_exit_error");
		rec_set(rec, "kvm_exit_error", e ? json_incref(e) :
			json_sprintf("the counting run ended %s", rec_status_name(r->status)));
	}
	rec_free(r);
}
