/* A typed record to its results JSON and back (hvbench/record.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hvbench/record.h"
#include "hvbench/results.h"

static const char *const stat_keys[] = { "min", "p10", "p50", "p90", "p99", "max",
					 "mean", "stddev", "ci95_low", "ci95_high" };

/* Put v at @path ("a/b/c") in @out, copying (shallowly) every object on
 * the way that out shares with a block, so the record is never changed. */
static void place(json_t *out, const char *path, json_t *v)
{
	char buf[256];
	json_t *cur = out;
	char *save = NULL, *k, *next;

	snprintf(buf, sizeof(buf), "%s", path);
	k = strtok_r(buf, "/", &save);
	while (k && (next = strtok_r(NULL, "/", &save))) {
		json_t *child = json_object_get(cur, k);
		json_t *mine = json_is_object(child) ? json_copy(child) : json_object();
		json_object_set_new(cur, k, mine);
		cur = mine;
		k = next;
	}
	if (k)
		json_object_set_new(cur, k, v);
	else
		json_decref(v);
}

static json_t *metric_json(const struct rec_metric *m)
{
	if (m->kind == REC_VALUE)
		return isfinite(m->value) ? json_real(m->value) : json_null();
	return results_stats_json_per_op(&m->st, m->per);
}

static json_t *index_json(const struct rec_metric *m)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "unit", m->unit, "what", m->what,
			      "kind", m->kind == REC_STATS ? "stats" : "value");

	if (o && m->part_of)
		json_object_set_new(o, "part_of", json_string(m->part_of));
	if (o && m->n_reps) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < m->n_reps; i++)
			json_array_append_new(a, json_real(m->reps[i]));
		json_object_set_new(o, "reps", a);
	}
	return o;
}

json_t *rec_to_json(const struct rec *r)
{
	json_t *o = json_object(), *ix = json_object(), *fl = json_array();
	const char *k;
	json_t *v;

	if (!o || !ix || !fl) {
		json_decref(o);
		json_decref(ix);
		json_decref(fl);
		return NULL;
	}
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "family", json_string(r->family));
	if (r->variant)
		json_object_set_new(o, "variant", json_string(r->variant));
	json_object_set_new(o, "description", json_string(r->description));
	json_object_set(o, "params", r->params);
	json_object_set_new(o, "status", json_string(rec_status_name(r->status)));
	if (r->reason)
		json_object_set_new(o, "reason", json_string(r->reason));
	if (r->unit)
		json_object_set_new(o, "unit", json_string(r->unit));
	json_object_foreach(r->blocks, k, v)
		json_object_set(o, k, v);
	for (size_t i = 0; i < r->n_m; i++) {
		place(o, r->m[i].name, metric_json(&r->m[i]));
		json_object_set_new(ix, r->m[i].name, index_json(&r->m[i]));
	}
	for (size_t i = 0; i < r->n_flags; i++) {
		const struct rec_flag *f = &r->flags[i];
		char key[80];
		json_object_set_new(o, f->name, json_boolean(f->set));
		snprintf(key, sizeof(key), "%s_reason", f->name);
		if (f->set && f->why)
			json_object_set_new(o, key, json_string(f->why));
		json_array_append_new(fl, json_string(f->name));
	}
	if (r->headline && rec_headline(r))
		json_object_set_new(o, "headline", json_string(r->headline));
	json_object_set_new(o, "flags", fl);
	json_object_set_new(o, "metrics", ix);
	return o;
}

static json_t *at_path(json_t *o, const char *path)
{
	char buf[256];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, "/", &save); k && o; k = strtok_r(NULL, "/", &save))
		o = json_object_get(o, k);
	return o;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool is_own_key(const char *k)
{
	static const char *const own[] = { "name", "family", "variant", "description",
					   "params", "status", "reason", "unit",
					   "headline", "flags", "metrics" };
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcmp(k, own[i]))
			return true;
	return false;
}

static void metric_from(struct rec *r, const char *name, json_t *ix, json_t *o)
{
	json_t *v = at_path(o, name);
	const char *unit = str(ix, "unit"), *what = str(ix, "what");
	struct rec_metric *m = NULL;

	if (json_is_number(v)) {
		m = rec_metric_value(r, name, unit, what, json_number_value(v));
	} else if (json_is_object(v)) {
		struct stats_summary st = { .n = (uint64_t)json_integer_value(json_object_get(v, "n")) };
		double *f[] = { &st.min, &st.p10, &st.p50, &st.p90, &st.p99, &st.max,
				&st.mean, &st.stddev, &st.ci95_low, &st.ci95_high };
		for (size_t i = 0; i < 10; i++) {
			json_t *x = json_object_get(v, stat_keys[i]);
			*f[i] = json_is_number(x) ? json_number_value(x) : NAN;
		}
		m = rec_metric_stats(r, name, unit, what, &st, 1);
	}
	if (!m)
		return;
	const char *part = str(ix, "part_of");
	if (part)
		rec_metric_set_part_of(m, part);
	json_t *reps = json_object_get(ix, "reps");
	size_t n = json_array_size(reps);
	double *x = malloc((n ? n : 1) * sizeof(double));
	for (size_t i = 0; x && i < n; i++)
		x[i] = json_number_value(json_array_get(reps, i));
	if (x && n)
		rec_metric_set_reps(m, x, n);
	free(x);
}

struct rec *rec_from_json(json_t *o)
{
	if (!json_is_object(o) || !str(o, "name"))
		return NULL;
	struct rec *r = rec_new(str(o, "name"), str(o, "family"), str(o, "description"));
	const char *k;
	json_t *v;

	if (!r)
		return NULL;
	int st = rec_status_parse(str(o, "status"));
	rec_set_status(r, st < 0 ? REC_FAILED : (enum rec_status)st,
		       st < 0 ? "the record has no valid status" : str(o, "reason"));
	if (json_is_object(json_object_get(o, "params")))
		rec_set_params(r, json_deep_copy(json_object_get(o, "params")));
	rec_set_variant(r, str(o, "variant"));
	rec_set_unit(r, str(o, "unit"));
	json_t *fl = json_object_get(o, "flags");
	size_t i;
	json_array_foreach(fl, i, v) {
		const char *name = json_string_value(v);
		char key[80];
		if (!name)
			continue;
		snprintf(key, sizeof(key), "%s_reason", name);
		if (json_is_true(json_object_get(o, name)))
			rec_flag(r, name, str(o, key));
		else
			rec_flag_checked(r, name);
	}
	json_object_foreach(o, k, v) {
		char reason[80];
		bool flag = false;
		for (size_t j = 0; j < r->n_flags && !flag; j++) {
			snprintf(reason, sizeof(reason), "%s_reason", r->flags[j].name);
			flag = !strcmp(k, r->flags[j].name) || !strcmp(k, reason);
		}
		if (!flag && !is_own_key(k))
			rec_set(r, k, json_incref(v));
	}
	json_t *ix = json_object_get(o, "metrics");
	json_object_foreach(ix, k, v)
		metric_from(r, k, v, o);
	rec_set_headline(r, str(o, "headline"));
	return r;
}
