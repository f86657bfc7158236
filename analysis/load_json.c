/* The result loader's type-checked access to a parsed file: every getter
 * names the JSON path and what it found when the file is wrong. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "analysis/load_int.h"

void fail(struct ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s: %s", c->file, msg);
}

const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

const char *get_str(struct ctx *c, json_t *o, const char *where,
			   const char *key, bool required)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (required)
			fail(c, "%s%s%s: expected a string, key is missing",
			     where, *where ? "." : "", key);
		return NULL;
	}
	if (!json_is_string(v)) {
		fail(c, "%s%s%s: expected a string, found %s", where,
		     *where ? "." : "", key, json_kind(v));
		return NULL;
	}
	return json_string_value(v);
}

double get_num(struct ctx *c, json_t *o, const char *where,
		      const char *key, bool required)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (required)
			fail(c, "%s%s%s: expected a number, key is missing",
			     where, *where ? "." : "", key);
		return NAN;
	}
	if (!json_is_number(v)) {
		fail(c, "%s%s%s: expected a number, found %s", where,
		     *where ? "." : "", key, json_kind(v));
		return NAN;
	}
	return json_number_value(v);
}

bool get_bool(struct ctx *c, json_t *o, const char *where,
		     const char *key, bool *known)
{
	json_t *v = json_object_get(o, key);

	if (known)
		*known = false;
	if (!v || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		fail(c, "%s%s%s: expected a boolean, found %s", where,
		     *where ? "." : "", key, json_kind(v));
		return false;
	}
	if (known)
		*known = true;
	return json_is_true(v);
}

json_t *get_obj(struct ctx *c, json_t *o, const char *where,
		       const char *key, bool required)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (required)
			fail(c, "%s%s%s: expected an object, key is missing",
			     where, *where ? "." : "", key);
		return NULL;
	}
	if (!json_is_object(v)) {
		fail(c, "%s%s%s: expected an object, found %s", where,
		     *where ? "." : "", key, json_kind(v));
		return NULL;
	}
	return v;
}

void parse_stats(struct ctx *c, json_t *o, const char *where,
			struct an_stats *st)
{
	st->present = true;
	st->n = get_num(c, o, where, "n", false);
	st->min = get_num(c, o, where, "min", false);
	st->p10 = get_num(c, o, where, "p10", true);
	st->p50 = get_num(c, o, where, "p50", true);
	st->p90 = get_num(c, o, where, "p90", true);
	st->p99 = get_num(c, o, where, "p99", false);
	st->max = get_num(c, o, where, "max", false);
	st->mean = get_num(c, o, where, "mean", false);
	st->stddev = get_num(c, o, where, "stddev", false);
	st->ci95_low = get_num(c, o, where, "ci95_low", false);
	st->ci95_high = get_num(c, o, where, "ci95_high", false);
}
