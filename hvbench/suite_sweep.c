/* Parameter sweeps in a suite entry, as hyperfine's -P: a parameter given a
 * list ("mem_mb": [64, 256, 1024]) or a range ("device_work_cycles":
 * {"from": 0, "to": 8000, "step": 2000}) makes one variant per value, and
 * several swept parameters their product, the first one varying slowest.
 * Every variant is then an ordinary entry: the same checks, the same
 * messages, its position the sweep's in the file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvbench/suite_int.h"

/* Variants per entry and per suite: enough for any sweep a person writes,
 * small enough that a typo ({"to": 1e9}) is an error, not a hang. */
#define SWEEP_MAX_ENTRY 1024
#define SWEEP_MAX_SUITE 4096

struct axis {
	const char *key;
	json_t *values;		/* owned: the list of scalars */
};

/* Parameters whose own value is a list: a list there is not a sweep. */
static bool list_valued(const char *key)
{
	return !strcmp(key, "pmu_events");
}

static bool scalar(const json_t *v)
{
	return json_is_string(v) || json_is_integer(v) || json_is_boolean(v) ||
	       json_is_real(v);
}

/* The values of one swept key, or NULL (not a sweep) with *rc 0, or NULL
 * with *rc the error. */
static json_t *axis_values(struct suite_ctx *c, size_t i, const char *key,
			   json_t *v, int *rc)
{
	struct jsonpos_seg seg[4] = { { .key = "benchmarks" }, { .index = i },
				      { .key = key }, { 0 } };
	char got[64];

	*rc = 0;
	if (json_is_array(v) && !list_valued(key)) {
		size_t n = json_array_size(v), k;
		json_t *x;

		if (!n) {
			*rc = suite_fail_at(c, seg, 3, 0, "an empty list for %s: a sweep needs at least one value", key);
			return NULL;
		}
		json_array_foreach(v, k, x)
			if (!scalar(x)) {
				seg[3].index = k;
				*rc = suite_fail_at(c, seg, 4, 0,
					"a sweep's values are numbers, strings or booleans, got %s",
					suite_show(x, got, sizeof(got)));
				return NULL;
			}
		return json_incref(v);
	}
	if (!json_is_object(v) || !json_object_get(v, "from"))
		return NULL;
	const char *k;
	json_t *x;
	json_object_foreach(v, k, x)
		if (strcmp(k, "from") && strcmp(k, "to") && strcmp(k, "step")) {
			seg[3].key = k;
			*rc = suite_fail_at(c, seg, 4, JSONPOS_KEY,
				"unknown key %s in a range (valid: \"from\", \"to\", \"step\")",
				suite_quote(k, got, sizeof(got)));
			return NULL;
		}
	json_t *f = json_object_get(v, "from"), *t = json_object_get(v, "to"),
	       *s = json_object_get(v, "step");
	if (!json_is_integer(f) || !json_is_integer(t) || (s && !json_is_integer(s))) {
		*rc = suite_fail_at(c, seg, 3, 0,
			"a range needs integer \"from\" and \"to\" (and \"step\", default 1), e.g. {\"from\": 0, \"to\": 8000, \"step\": 2000}");
		return NULL;
	}
	json_int_t from = json_integer_value(f), to = json_integer_value(t),
		   step = s ? json_integer_value(s) : 1;
	if (step <= 0 || to < from) {
		*rc = suite_fail_at(c, seg, 3, 0,
			"a range runs upwards: \"from\" %lld to \"to\" %lld by a \"step\" above 0, got step %lld",
			(long long)from, (long long)to, (long long)step);
		return NULL;
	}
	if ((to - from) / step >= SWEEP_MAX_ENTRY) {
		*rc = suite_fail_at(c, seg, 3, 0,
			"the range gives more than %d values: raise \"step\"", SWEEP_MAX_ENTRY);
		return NULL;
	}
	json_t *a = json_array();
	for (json_int_t x2 = from; a && x2 <= to; x2 += step)
		if (json_array_append_new(a, json_integer(x2)) < 0) {
			json_decref(a);
			a = NULL;
		}
	if (!a) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->path);
		*rc = -ENOMEM;
	}
	return a;
}

static void free_axes(struct axis *ax, size_t n)
{
	for (size_t k = 0; k < n; k++)
		json_decref(ax[k].values);
}

/* Appends entry i's variants to out (their file index to orig). */
static int expand_one(struct suite_ctx *c, size_t i, json_t *obj, json_t *out,
		      size_t **orig, size_t *n_orig)
{
	struct jsonpos_seg seg[2] = { { .key = "benchmarks" }, { .index = i } };
	struct axis ax[16];
	size_t nax = 0, total = 1, k;
	const char *key;
	json_t *v;
	int rc = 0;

	if (json_is_object(obj))
		json_object_foreach(obj, key, v) {
			json_t *vals = axis_values(c, i, key, v, &rc);

			if (rc)
				return (free_axes(ax, nax), rc);
			if (!vals)
				continue;
			if (nax == 16) {
				json_decref(vals);
				free_axes(ax, nax);
				return suite_fail_at(c, seg, 2, 0, "more than 16 swept parameters in one entry");
			}
			ax[nax++] = (struct axis){ key, vals };
			total *= json_array_size(vals);
			if (total > SWEEP_MAX_ENTRY) {
				free_axes(ax, nax);
				return suite_fail_at(c, seg, 2, 0,
					"the entry's sweeps make more than %d variants", SWEEP_MAX_ENTRY);
			}
		}
	if (*n_orig + total > SWEEP_MAX_SUITE) {
		free_axes(ax, nax);
		return suite_fail_at(c, seg, 2, 0, "the suite's sweeps make more than %d benchmarks",
				     SWEEP_MAX_SUITE);
	}
	size_t *o = realloc(*orig, (*n_orig + total) * sizeof(**orig));
	if (!o) {
		free_axes(ax, nax);
		snprintf(c->err, c->errlen, "%s: out of memory", c->path);
		return -ENOMEM;
	}
	*orig = o;
	for (size_t n = 0; n < total; n++) {
		json_t *e = nax ? json_deep_copy(obj) : json_incref(obj);
		size_t rest = n;

		/* the last axis varies fastest */
		for (k = nax; e && k-- > 0;) {
			size_t m = json_array_size(ax[k].values);

			json_object_set(e, ax[k].key, json_array_get(ax[k].values, rest % m));
			rest /= m;
		}
		if (!e || json_array_append_new(out, e) < 0) {
			free_axes(ax, nax);
			snprintf(c->err, c->errlen, "%s: out of memory", c->path);
			return -ENOMEM;
		}
		o[(*n_orig)++] = i;
	}
	free_axes(ax, nax);
	return 0;
}

json_t *suite_expand(struct suite_ctx *c, json_t *benches, size_t **orig, int *rc)
{
	json_t *out = json_array(), *obj;
	size_t n = 0, i;

	*orig = NULL;
	*rc = 0;
	if (!out) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->path);
		*rc = -ENOMEM;
		return NULL;
	}
	json_array_foreach(benches, i, obj) {
		*rc = expand_one(c, i, obj, out, orig, &n);
		if (*rc) {
			json_decref(out);
			free(*orig);
			*orig = NULL;
			return NULL;
		}
	}
	return out;
}
