/* After a row is measured on a VT-x/SVM host: a short second run of it that
 * counts kvm:kvm_exit by reason and times each exit to its kvm:kvm_entry
 * (probes/kvmexit.h), checks the total against KVM's own exit statistic of
 * the same run, and makes the tracepoint method's profile the record's
 * "exit_profile". A separate run, because the tracepoints' work would
 * otherwise be part of every measured exit. */
#include <math.h>
#include <string.h>

#include "hvbench/measure.h"
#include "probes/kvmexit.h"
#include "probes/record.h"

/* Enough for exits per op to 1%, few enough for the perf ring to hold
 * every record (a few exits per op). */
#define COUNT_OPS 200

static const char *const NOTE =
	"from a separate short run of the same row (the tracepoint's cost stays out of the measured figures); per op, the call channel's own exits taken out";

/* The counting run's profile replaces the measured run's, which it keeps. */
static void take_profile(struct rec *rec, struct rec *r)
{
	json_t *tp = rec_get(r, "exit_profile_tracepoints");
	json_t *own = rec_get(rec, "exit_profile");

	if (!tp)
		return;
	json_incref(tp);
	json_object_set_new(tp, "from", json_string(NOTE));
	json_object_set_new(tp, "cannot_see", json_pack("[s, s]",
		"the call channel's own exits are taken out of the io counts, not out of their times (at most call_channel_exits of them)",
		"the figures are the counting run's (up to 200 operations, tracing on), not the measured run's"));
	if (own)
		json_object_set(tp, "vmm_counters", own);
	rec_set(rec, "exit_profile", tp);
}

void measure_count_exits_on(const struct measure_env *env, const struct mb_bench *b,
			    const struct mb_params *p, struct rec *rec, bool force)
{
	struct mb_params q = *p;

	if (!rec || p->preflight || p->count_exits || rec->status != REC_OK ||
	    !strcmp(b->family, "internal") || (!force && !kvmexit_host_fires(env->host)))
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
		json_object_set_new(kx, "agrees", json_boolean(fabs(tot - stat) <= 0.001 * fmax(stat, 1)));
		/* KVM's per-category statistics of the same run, for the
		 * reasons that count the same thing (io_exits, halt_exits) */
		json_t *cat = json_object();
		for (size_t i = 0; cat && i < r->n_m; i++)
			if (!strncmp(r->m[i].name, "exits_per_op/", 13) && r->m[i].kind == REC_VALUE)
				json_object_set_new(cat, r->m[i].name + 13, json_real(r->m[i].value));
		if (cat)
			json_object_set_new(kx, "stat_per_op", cat);
		json_object_set_new(kx, "note", json_string(NOTE));
		rec_set(rec, "kvm_exit", json_incref(kx));
		take_profile(rec, r);
	} else {
		json_t *e = rec_get(r, "kvm_exit_error");
		json_t *why = e ? json_incref(e) :
			json_sprintf("the counting run ended %s", rec_status_name(r->status));
		rec_set(rec, "kvm_exit_error", why);
		/* the measured run's profile stays, saying why */
		json_t *own = rec_get(rec, "exit_profile");
		if (own)
			json_object_set_new(own, "tracepoints", json_sprintf(
				"tried in a separate short run of the row: %s", json_string_value(why)));
	}
	rec_free(r);
}

void measure_count_exits(const struct measure_env *env, const struct mb_bench *b,
			 const struct mb_params *p, struct rec *rec)
{
	measure_count_exits_on(env, b, p, rec, false);
}
