/* Suite parameters: a JSON value checked and stored into struct mb_params
 * by the kind its row in the generic table (microbench/table.c) gives, and
 * the parameters rendered back for the result record. No parameter is named
 * here: the table is the one list. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hvbench/suite_int.h"
#include "probes/topo.h"

/* libpfm4 names ("INST_RETIRED:ANY_P", "perf::cycles:u", "r01c2") are
 * printable ASCII without spaces; anything else is a typo or worse. */
static bool event_name_ok(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

static int apply_events(const struct mb_generic_param *g, const json_t *v,
			struct mb_params *p, char *msg, size_t len, int *elem)
{
	size_t i, n = json_array_size(v);
	size_t max = MB_MAX_PMU_EVENTS < g->max ? MB_MAX_PMU_EVENTS : (size_t)g->max;
	char got[64];

	if (!json_is_array(v)) {
		snprintf(msg, len, "%s must be an array of at most %zu event names, got %s",
			 g->name, max, suite_show(v, got, sizeof(got)));
		return -EINVAL;
	}
	if (n > max) {
		snprintf(msg, len, "%s must be an array of at most %zu event names, got %zu",
			 g->name, max, n);
		*elem = (int)max;	/* the first one too many */
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		const json_t *s = json_array_get(v, i);
		size_t sl = json_string_length(s);

		if (!json_is_string(s) || sl == 0 || sl >= sizeof(p->pmu_events[0]) ||
		    !event_name_ok(json_string_value(s))) {
			snprintf(msg, len,
				 "%s[%zu] must be an event name (1..%zu printable characters, no spaces), got %s",
				 g->name, i, sizeof(p->pmu_events[0]) - 1,
				 suite_show(s, got, sizeof(got)));
			*elem = (int)i;
			return -EINVAL;
		}
		memcpy(p->pmu_events[i], json_string_value(s), sl + 1);
	}
	p->n_pmu_events = n;
	return 0;
}

static int apply_cpus(const struct mb_generic_param *g, const json_t *v,
		      struct mb_params *p, char *msg, size_t len)
{
	char *field = (char *)p + g->off, got[64], why[200];
	cpu_set_t set;

	if (!json_is_string(v) || json_string_length(v) >= g->size) {
		snprintf(msg, len, "%s must be a CPU list string like \"0-1,3\" (at most %zu characters; \"\" for any CPU), got %s",
			 g->name, g->size - 1, suite_show(v, got, sizeof(got)));
		return -EINVAL;
	}
	if (json_string_length(v) &&
	    topo_parse_cpus(json_string_value(v), &set, why, sizeof(why)) < 0) {
		snprintf(msg, len, "%s: %s", g->name, why);
		return -EINVAL;
	}
	memcpy(field, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int suite_apply_generic(const struct mb_generic_param *g, const json_t *v,
			struct mb_params *p, char *msg, size_t len, int *elem)
{
	char got[64];

	*elem = -1;
	switch (g->kind) {
	case MB_G_CPL:
		if (json_is_string(v) && !strcmp(json_string_value(v), "auto")) {
			mb_generic_set_int(p, g, MB_CPL_AUTO);
			return 0;
		}
		if (json_is_integer(v) && (json_integer_value(v) == 0 ||
					   json_integer_value(v) == 3)) {
			mb_generic_set_int(p, g, json_integer_value(v));
			return 0;
		}
		snprintf(msg, len, "%s must be 0, 3 or \"auto\", got %s", g->name,
			 suite_show(v, got, sizeof(got)));
		return -EINVAL;
	case MB_G_BOOL:
		if (!json_is_boolean(v)) {
			snprintf(msg, len, "%s must be true or false, got %s",
				 g->name, suite_show(v, got, sizeof(got)));
			return -EINVAL;
		}
		mb_generic_set_int(p, g, json_is_true(v));
		return 0;
	case MB_G_INT:
		if (!json_is_integer(v) || json_integer_value(v) < g->min ||
		    json_integer_value(v) > g->max) {
			snprintf(msg, len, "%s must be an integer %lld..%lld, got %s",
				 g->name, (long long)g->min, (long long)g->max,
				 suite_show(v, got, sizeof(got)));
			return -EINVAL;
		}
		mb_generic_set_int(p, g, json_integer_value(v));
		return 0;
	case MB_G_CPUS:
		return apply_cpus(g, v, p, msg, len);
	case MB_G_EVENTS:
		return apply_events(g, v, p, msg, len, elem);
	}
	snprintf(msg, len, "internal: parameter %s has an unknown kind", g->name);
	return -EINVAL;
}

int suite_apply_ext(const struct mb_param_def *d, const json_t *v,
		     int64_t *slot, char *msg, size_t len)
{
	char got[64], list[512], hint[160];
	size_t n = 0;

	switch (d->type) {
	case MB_PT_INT:
		if (json_is_integer(v) && json_integer_value(v) >= d->min &&
		    json_integer_value(v) <= d->max) {
			*slot = json_integer_value(v);
			return 0;
		}
		snprintf(msg, len, "%s must be an integer %lld..%lld, got %s",
			 d->name, (long long)d->min, (long long)d->max,
			 suite_show(v, got, sizeof(got)));
		return -EINVAL;
	case MB_PT_BOOL:
		if (json_is_boolean(v)) {
			*slot = json_is_true(v);
			return 0;
		}
		snprintf(msg, len, "%s must be true or false, got %s", d->name,
			 suite_show(v, got, sizeof(got)));
		return -EINVAL;
	case MB_PT_CHOICE:
		while (d->choices && d->choices[n])
			n++;
		for (size_t i = 0; json_is_string(v) && i < n; i++) {
			if (!strcmp(json_string_value(v), d->choices[i])) {
				*slot = (int64_t)i;
				return 0;
			}
		}
		suite_join(list, sizeof(list), (const char *const *)d->choices, n,
		     true);
		snprintf(msg, len, "%s must be one of %s, got %s%s", d->name,
			 list, suite_show(v, got, sizeof(got)),
			 json_is_string(v) ?
				 suite_suggest(json_string_value(v), d->choices, n,
					 hint, sizeof(hint)) :
				 "");
		return -EINVAL;
	}
	snprintf(msg, len, "internal: parameter %s has an unknown type",
		 d->name);
	return -EINVAL;
}

json_t *suite_params_to_json(const struct mb_bench *b,
			     const struct mb_params *p)
{
	json_t *o, *ev;
	int bad = 0;

	if (p->cpl == MB_CPL_AUTO)
		return NULL;
	o = json_object();
	if (!o)
		return NULL;
	for (size_t i = 0; i < mb_generic_count(); i++) {
		const struct mb_generic_param *g = mb_generic_get(i);

		switch (g->kind) {
		case MB_G_CPL:
			bad |= json_object_set_new(o, g->name, json_integer(p->cpl));
			if (p->cpl_auto)
				bad |= json_object_set_new(o, "cpl_auto", json_true());
			break;
		case MB_G_BOOL:
			bad |= json_object_set_new(o, g->name,
						   json_boolean(mb_generic_int(p, g)));
			break;
		case MB_G_INT:
			bad |= json_object_set_new(o, g->name,
						   json_integer(mb_generic_int(p, g)));
			break;
		case MB_G_CPUS:
			bad |= json_object_set_new(o, g->name,
						   json_string((const char *)p + g->off));
			break;
		case MB_G_EVENTS:
			ev = json_array();
			for (size_t k = 0; ev && k < p->n_pmu_events; k++)
				bad |= json_array_append_new(ev, json_string(p->pmu_events[k]));
			bad |= json_object_set_new(o, g->name, ev);
			break;
		}
	}
	for (int j = 0; b && b->ext_params && b->ext_params[j].name; j++) {
		const struct mb_param_def *d = &b->ext_params[j];
		int64_t v = p->ext[j], n = 0;

		while (d->type == MB_PT_CHOICE && d->choices && d->choices[n])
			n++;
		if (d->type == MB_PT_BOOL)
			bad |= json_object_set_new(o, d->name, json_boolean(v));
		else if (d->type == MB_PT_CHOICE && v >= 0 && v < n)
			bad |= json_object_set_new(o, d->name,
						   json_string(d->choices[v]));
		else
			bad |= json_object_set_new(o, d->name, json_integer(v));
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *suite_params_json(const struct suite_entry *e)
{
	return suite_params_to_json(e->bench, &e->params);
}
