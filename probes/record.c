/* The typed result record (probes/record.h): building it. Rendering lives
 * with the renderers (hvbench/record_json.c, the console, analysis). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/record.h"

static void set_str(char **dst, const char *s)
{
	char *c = s ? strdup(s) : NULL;

	free(*dst);
	*dst = c;
}

struct rec *rec_new(const char *name, const char *family, const char *description)
{
	struct rec *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->blocks = json_object();
	r->params = json_object();
	set_str(&r->name, name ? name : "");
	set_str(&r->family, family ? family : "");
	set_str(&r->description, description ? description : "");
	if (!r->blocks || !r->params || !r->name || !r->family || !r->description) {
		rec_free(r);
		return NULL;
	}
	return r;
}

static void metric_free(struct rec_metric *m)
{
	free(m->name);
	free(m->unit);
	free(m->what);
	free(m->reps);
	free(m->part_of);
}

void rec_free(struct rec *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->family);
	free(r->variant);
	free(r->description);
	free(r->reason);
	free(r->unit);
	free(r->headline);
	json_decref(r->params);
	json_decref(r->blocks);
	for (size_t i = 0; i < r->n_m; i++)
		metric_free(&r->m[i]);
	free(r->m);
	for (size_t i = 0; i < r->n_flags; i++) {
		free(r->flags[i].name);
		free(r->flags[i].why);
	}
	free(r);
}

static const char *const status_names[] = { "ok", "unsupported", "failed" };

const char *rec_status_name(enum rec_status st)
{
	return (unsigned)st < 3 ? status_names[st] : "failed";
}

int rec_status_parse(const char *s)
{
	for (int i = 0; s && i < 3; i++)
		if (!strcmp(s, status_names[i]))
			return i;
	return -1;
}

void rec_set_status(struct rec *r, enum rec_status st, const char *reason)
{
	r->status = st;
	set_str(&r->reason, st == REC_OK ? NULL : reason);
}

void rec_set_params(struct rec *r, json_t *params)
{
	if (!params)
		return;
	json_decref(r->params);
	r->params = params;
}

void rec_set_variant(struct rec *r, const char *variant)
{
	set_str(&r->variant, variant);
}

void rec_set_unit(struct rec *r, const char *unit)
{
	set_str(&r->unit, unit);
}

void rec_set_headline(struct rec *r, const char *metric)
{
	set_str(&r->headline, metric);
}

struct rec_metric *rec_metric_find(const struct rec *r, const char *name)
{
	for (size_t i = 0; name && i < r->n_m; i++)
		if (!strcmp(r->m[i].name, name))
			return &r->m[i];
	return NULL;
}

static struct rec_metric *metric_slot(struct rec *r, const char *name,
				      const char *unit, const char *what)
{
	struct rec_metric *m = rec_metric_find(r, name);

	if (m) {
		metric_free(m);
	} else {
		if (r->n_m == r->cap_m) {
			size_t cap = r->cap_m ? 2 * r->cap_m : 16;
			struct rec_metric *n = realloc(r->m, cap * sizeof(*n));
			if (!n)
				return NULL;
			r->m = n;
			r->cap_m = cap;
		}
		m = &r->m[r->n_m++];
	}
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	m->unit = strdup(unit ? unit : "");
	m->what = strdup(what ? what : "");
	m->per = 1;
	if (!r->headline)
		rec_set_headline(r, name);
	return m;
}

struct rec_metric *rec_metric_stats(struct rec *r, const char *name, const char *unit,
				    const char *what, const struct stats_summary *st,
				    uint32_t per)
{
	struct rec_metric *m = metric_slot(r, name, unit, what);

	if (!m)
		return NULL;
	m->kind = REC_STATS;
	m->st = *st;
	m->per = per ? per : 1;
	return m;
}

struct rec_metric *rec_metric_value(struct rec *r, const char *name, const char *unit,
				    const char *what, double v)
{
	struct rec_metric *m = metric_slot(r, name, unit, what);

	if (!m)
		return NULL;
	m->kind = REC_VALUE;
	m->value = v;
	return m;
}

int rec_metric_set_reps(struct rec_metric *m, const double *v, size_t n)
{
	double *c = malloc((n ? n : 1) * sizeof(double));

	if (!c)
		return -1;
	memcpy(c, v, n * sizeof(double));
	free(m->reps);
	m->reps = c;
	m->n_reps = n;
	return 0;
}

void rec_metric_set_part_of(struct rec_metric *m, const char *whole)
{
	set_str(&m->part_of, whole);
}

struct rec_metric *rec_headline(const struct rec *r)
{
	return rec_metric_find(r, r->headline);
}

double rec_metric_stat(const struct rec_metric *m, const char *f)
{
	if (!m || m->kind != REC_STATS)
		return NAN;
	const struct stats_summary *s = &m->st;
	double v;

	if (!strcmp(f, "n"))
		return (double)s->n;
	v = !strcmp(f, "min") ? s->min : !strcmp(f, "p10") ? s->p10 :
	    !strcmp(f, "p50") ? s->p50 : !strcmp(f, "p90") ? s->p90 :
	    !strcmp(f, "p99") ? s->p99 : !strcmp(f, "max") ? s->max :
	    !strcmp(f, "mean") ? s->mean : !strcmp(f, "stddev") ? s->stddev :
	    !strcmp(f, "ci95_low") ? s->ci95_low : !strcmp(f, "ci95_high") ? s->ci95_high : NAN;
	return v / m->per;
}

const struct rec_flag *rec_flag_find(const struct rec *r, const char *name)
{
	for (size_t i = 0; i < r->n_flags; i++)
		if (!strcmp(r->flags[i].name, name))
			return &r->flags[i];
	return NULL;
}

static struct rec_flag *flag_slot(struct rec *r, const char *name)
{
	struct rec_flag *f = (struct rec_flag *)rec_flag_find(r, name);

	if (f || r->n_flags == REC_MAX_FLAGS)
		return f;
	f = &r->flags[r->n_flags];
	if (!(f->name = strdup(name)))
		return NULL;
	r->n_flags++;
	return f;
}

void rec_flag_checked(struct rec *r, const char *name)
{
	flag_slot(r, name);
}

void rec_flag(struct rec *r, const char *name, const char *why)
{
	struct rec_flag *f = flag_slot(r, name);
	char *both = NULL;

	if (!f)
		return;
	f->set = true;
	if (!why)
		return;
	if (f->why && asprintf(&both, "%s; %s", f->why, why) > 0) {
		free(f->why);
		f->why = both;
	} else if (!f->why) {
		f->why = strdup(why);
	}
}

bool rec_flagged(const struct rec *r, const char *name)
{
	const struct rec_flag *f = rec_flag_find(r, name);

	return f && f->set;
}

void rec_set(struct rec *r, const char *key, json_t *value)
{
	if (value)
		json_object_set_new(r->blocks, key, value);
}

json_t *rec_get(const struct rec *r, const char *key)
{
	return json_object_get(r->blocks, key);
}

void rec_del(struct rec *r, const char *key)
{
	json_object_del(r->blocks, key);
}
