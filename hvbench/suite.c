/* Suite files: JSON text -> validated list of (benchmark, parameters), every
 * error one line pointing at the offending value as PATH:LINE:COL. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvbench/jsonpos.h"
#include "hvbench/suite.h"

/* A suite is a few dozen lines; anything this big is the wrong file. */
#define SUITE_MAX_BYTES (1u << 20)

static const char *const top_keys[] = { "name", "description", "defaults",
					"benchmarks" };

struct ctx {
	const char *text;
	size_t len;
	const char *path;
	char *err;
	size_t errlen;
	json_t *defaults;	/* may be NULL */
};

static int vfail_off(struct ctx *c, size_t off, const char *fmt, va_list ap)
{
	struct jsonpos pos;
	int k;

	jsonpos_at(c->text, c->len, off, &pos);
	k = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->path, pos.line,
		     pos.col);
	if (k >= 0 && (size_t)k < c->errlen)
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
	/* One line, whatever the file held (keys may carry escaped
	 * newlines). */
	for (char *p = c->err; c->errlen && *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return -EINVAL;
}

static int fail_off(struct ctx *c, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_off(struct ctx *c, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_off(c, off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Fail pointing at segs[0..n) (its key with JSONPOS_KEY). The text parsed,
 * so the path is found; were it not, the root is still a valid place. */
static int fail_at(struct ctx *c, const struct jsonpos_seg *segs, size_t n,
		   int flags, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail_at(struct ctx *c, const struct jsonpos_seg *segs, size_t n,
		   int flags, const char *fmt, ...)
{
	struct jsonpos pos = { 0 };
	va_list ap;

	if (jsonpos_find_segs(c->text, c->len, segs, n, flags, &pos))
		jsonpos_find_segs(c->text, c->len, NULL, 0, 0, &pos);
	va_start(ap, fmt);
	vfail_off(c, pos.offset, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- names: suggestions and lists ---- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (lb >= 64 || la >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (tolower((unsigned char)a[i - 1]) !=
					      tolower((unsigned char)b[j - 1]));

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

/* "; did you mean "x"?" for the closest name within 2 edits, else "". */
static const char *suggest(const char *word, const char *const *names,
			   size_t n, char *buf, size_t len)
{
	size_t best = 3, d;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		d = edit_distance(word, names[i]);
		if (d < best && d < strlen(word)) {
			best = d;
			pick = names[i];
		}
	}
	if (!pick)
		return "";
	snprintf(buf, len, "; did you mean \"%s\"?", pick);
	return buf;
}

static void join(char *buf, size_t len, const char *const *names, size_t n,
		 bool quote)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && k < len; i++) {
		int w = snprintf(buf + k, len - k, quote ? "%s\"%s\"" : "%s%s",
				 i ? ", " : "", names[i]);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

static size_t bench_names(const char **names)
{
	size_t n = mb_count();

	for (size_t i = 0; i < n; i++)
		names[i] = mb_get(i)->name;
	return n;
}

/* Generic parameter names, then b's family ones. */
static size_t param_names(const struct mb_bench *b, const char **names)
{
	size_t n = 0;

	for (size_t i = 0; i < mb_generic_count(); i++)
		names[n++] = mb_generic_get(i)->name;
	for (int j = 0; b && b->ext_params && b->ext_params[j].name; j++)
		names[n++] = b->ext_params[j].name;
	return n;
}

static int generic_index(const char *name)
{
	for (size_t i = 0; i < mb_generic_count(); i++)
		if (!strcmp(mb_generic_get(i)->name, name))
			return (int)i;
	return -1;
}

/* A value as the user wrote it, shortened, for "got ..." */
static const char *show(const json_t *v, char *buf, size_t len)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	if (!s) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (strlen(s) > 40)
		snprintf(buf, len, "%.37s...", s);
	else
		snprintf(buf, len, "%s", s);
	free(s);
	return buf;
}

/* A string from the file, quoted and escaped as JSON, for messages. */
static const char *quote(const char *str, char *buf, size_t len)
{
	json_t *j = json_string(str);

	show(j ? j : json_null(), buf, len);
	json_decref(j);
	return buf;
}

/* ---- parameters ---- */

/* The struct field behind each generic parameter. Returns NULL for a name
 * the table has and this file does not know (caught by the tests). */
static void *generic_field(struct mb_params *p, const char *name, size_t *size)
{
#define F(f)                                 \
	if (!strcmp(name, #f)) {             \
		*size = sizeof(p->f);        \
		return &p->f;                \
	}
	F(min_time_ms)
	F(max_iters)
	F(warmup_iters)
	F(batch)
	F(repetitions)
	F(vcpus)
	F(mem_mb)
	F(timeout_ms)
#undef F
	return NULL;
}

static int64_t generic_int(const struct mb_params *p, const char *name)
{
	size_t size = 0;
	void *f = generic_field((struct mb_params *)p, name, &size);

	if (size == sizeof(uint32_t))
		return *(const uint32_t *)f;
	if (size == sizeof(uint64_t))
		return (int64_t)*(const uint64_t *)f;
	return 0;
}

/* libpfm4 names ("INST_RETIRED:ANY_P", "perf::cycles:u", "r01c2") are
 * printable ASCII without spaces; anything else is a typo or worse. */
static bool event_name_ok(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

/* Apply a generic parameter. On error msg says why and *elem is the index
 * of the offending pmu_events element, or -1 for the value itself. */
static int apply_generic(const struct mb_generic_param *g, const json_t *v,
			 struct mb_params *p, char *msg, size_t len, int *elem)
{
	char got[64];

	*elem = -1;
	if (!strcmp(g->type, "cpl")) {
		if (json_is_string(v) && !strcmp(json_string_value(v), "auto")) {
			p->cpl = MB_CPL_AUTO;
			return 0;
		}
		if (json_is_integer(v) && (json_integer_value(v) == 0 ||
					   json_integer_value(v) == 3)) {
			p->cpl = (int)json_integer_value(v);
			return 0;
		}
		snprintf(msg, len, "cpl must be 0, 3 or \"auto\", got %s",
			 show(v, got, sizeof(got)));
		return -EINVAL;
	}
	if (!strcmp(g->type, "bool")) {
		if (strcmp(g->name, "pin")) {
			snprintf(msg, len,
				 "internal: parameter %s is in the table but hvbench/suite.c cannot store it",
				 g->name);
			return -EINVAL;
		}
		if (!json_is_boolean(v)) {
			snprintf(msg, len, "%s must be true or false, got %s",
				 g->name, show(v, got, sizeof(got)));
			return -EINVAL;
		}
		p->pin = json_is_true(v);
		return 0;
	}
	if (!strcmp(g->type, "string list")) {
		size_t i, n = json_array_size(v);

		size_t max = MB_MAX_PMU_EVENTS < g->max ? MB_MAX_PMU_EVENTS :
							  (size_t)g->max;

		if (!json_is_array(v)) {
			snprintf(msg, len,
				 "%s must be an array of at most %zu event names, got %s",
				 g->name, max, show(v, got, sizeof(got)));
			return -EINVAL;
		}
		if (n > max) {
			snprintf(msg, len,
				 "%s must be an array of at most %zu event names, got %zu",
				 g->name, max, n);
			*elem = (int)max;	/* the first one too many */
			return -EINVAL;
		}
		for (i = 0; i < n; i++) {
			const json_t *s = json_array_get(v, i);
			size_t sl = json_string_length(s);

			if (!json_is_string(s) || sl == 0 ||
			    sl >= sizeof(p->pmu_events[0]) ||
			    !event_name_ok(json_string_value(s))) {
				snprintf(msg, len,
					 "%s[%zu] must be an event name (1..%zu printable characters, no spaces), got %s",
					 g->name, i, sizeof(p->pmu_events[0]) - 1,
					 show(s, got, sizeof(got)));
				*elem = (int)i;
				return -EINVAL;
			}
			memcpy(p->pmu_events[i], json_string_value(s), sl + 1);
		}
		p->n_pmu_events = n;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < g->min ||
	    json_integer_value(v) > g->max) {
		snprintf(msg, len, "%s must be an integer %lld..%lld, got %s",
			 g->name, (long long)g->min, (long long)g->max,
			 show(v, got, sizeof(got)));
		return -EINVAL;
	}
	size_t size = 0;
	void *f = generic_field(p, g->name, &size);

	if (size == sizeof(uint32_t)) {
		*(uint32_t *)f = (uint32_t)json_integer_value(v);
	} else if (size == sizeof(uint64_t)) {
		*(uint64_t *)f = (uint64_t)json_integer_value(v);
	} else {
		snprintf(msg, len,
			 "internal: parameter %s is in the table but hvbench/suite.c cannot store it",
			 g->name);
		return -EINVAL;
	}
	return 0;
}

static int apply_ext(const struct mb_param_def *d, const json_t *v,
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
			 show(v, got, sizeof(got)));
		return -EINVAL;
	case MB_PT_BOOL:
		if (json_is_boolean(v)) {
			*slot = json_is_true(v);
			return 0;
		}
		snprintf(msg, len, "%s must be true or false, got %s", d->name,
			 show(v, got, sizeof(got)));
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
		join(list, sizeof(list), (const char *const *)d->choices, n,
		     true);
		snprintf(msg, len, "%s must be one of %s, got %s%s", d->name,
			 list, show(v, got, sizeof(got)),
			 json_is_string(v) ?
				 suggest(json_string_value(v), d->choices, n,
					 hint, sizeof(hint)) :
				 "");
		return -EINVAL;
	}
	snprintf(msg, len, "internal: parameter %s has an unknown type",
		 d->name);
	return -EINVAL;
}

/* ---- the suite ---- */

static void add_label(char *label, size_t len, const char *key,
		      const json_t *v)
{
	char val[96];
	size_t k = strlen(label);

	if (json_is_string(v)) {
		snprintf(val, sizeof(val), "%s", json_string_value(v));
	} else if (json_is_array(v)) {
		size_t i, o = 0;

		val[0] = '\0';
		for (i = 0; i < json_array_size(v) && o < sizeof(val); i++) {
			int w = snprintf(val + o, sizeof(val) - o, "%s%s",
					 i ? "," : "",
					 json_string_value(json_array_get(v, i)));
			if (w < 0)
				break;
			o += (size_t)w;
		}
	} else {
		show(v, val, sizeof(val));
	}
	if (k < len && snprintf(label + k, len - k, " %s=%s", key, val) >=
			       (int)(len - k) && len > 4)
		memcpy(label + len - 4, "...", 4);
}

/* Whether some benchmark of the suite takes family parameter key. */
static bool suite_takes(const struct suite *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (mb_ext_index(s->entries[i].bench, key) >= 0)
			return true;
	return false;
}

static int check_defaults(struct ctx *c, const struct suite *s)
{
	struct jsonpos_seg seg[2] = { { .key = "defaults" }, { 0 } };
	const char *names[64 + MB_MAX_EXT * 64], *key;
	char msg[1024], list[2048], hint[160], owners[1024];
	struct mb_params scratch;
	json_t *v;
	int elem;

	if (!c->defaults)
		return 0;
	if (!json_is_object(c->defaults))
		return fail_at(c, seg, 1, 0,
			       "\"defaults\" must be an object {parameter: value, ...}, got %s",
			       show(c->defaults, list, 64));
	mb_params_defaults(&scratch, NULL);
	json_object_foreach(c->defaults, key, v) {
		int gi = generic_index(key);
		size_t n = 0, no = 0;

		seg[1].key = key;
		if (gi >= 0) {
			if (apply_generic(mb_generic_get((size_t)gi), v,
					  &scratch, msg, sizeof(msg), &elem))
				return fail_at(c, seg, 2, 0, "%s", msg);
			continue;
		}
		if (suite_takes(s, key))
			continue;
		/* Name the owners when it is a real family parameter. */
		owners[0] = '\0';
		for (size_t i = 0; i < mb_count(); i++) {
			if (mb_ext_index(mb_get(i), key) < 0)
				continue;
			size_t k = strlen(owners);

			snprintf(owners + k, sizeof(owners) - k, "%s%s",
				 no++ ? ", " : "", mb_get(i)->name);
		}
		if (no)
			return fail_at(c, seg, 2, JSONPOS_KEY,
				       "parameter %s in defaults is taken by no benchmark of this suite (it belongs to: %s)",
				       quote(key, hint, sizeof(hint)), owners);
		n = param_names(NULL, names);
		for (size_t i = 0; i < s->n; i++) {
			const struct mb_bench *b = s->entries[i].bench;

			for (int j = 0; b->ext_params && b->ext_params[j].name;
			     j++) {
				bool dup = false;

				for (size_t t = 0; t < n; t++)
					dup |= !strcmp(names[t],
						       b->ext_params[j].name);
				if (!dup && n < sizeof(names) / sizeof(names[0]))
					names[n++] = b->ext_params[j].name;
			}
		}
		join(list, sizeof(list), names, n, false);
		return fail_at(c, seg, 2, JSONPOS_KEY,
			       "unknown parameter %s in defaults%s (valid here: %s)",
			       quote(key, msg, sizeof(msg)),
			       suggest(key, names, n, hint, sizeof(hint)), list);
	}
	return 0;
}

static const char *cpl_allowed(unsigned cpls)
{
	if ((cpls & MB_CPL_ANY) == MB_CPL0)
		return "0 or \"auto\"";
	if ((cpls & MB_CPL_ANY) == MB_CPL3)
		return "3 or \"auto\"";
	return "0, 3 or \"auto\"";
}

/* Fail at param as set by entry e: its own key, else the defaults key. */
static int fail_param(struct ctx *c, const struct suite_entry *e,
		      uint64_t bit, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail_param(struct ctx *c, const struct suite_entry *e,
		      uint64_t bit, const char *param, const char *fmt, ...)
{
	struct jsonpos_seg here[3] = { { .key = "benchmarks" },
				       { .index = e->index },
				       { .key = param } };
	struct jsonpos_seg dflt[2] = { { .key = "defaults" }, { .key = param } };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e->set_here & bit)
		return fail_at(c, here, 3, 0, "%s", msg);
	if (e->set_by_defaults & bit)
		return fail_at(c, dflt, 2, 0,
			       "%s (set in defaults, applied to benchmarks[%zu] at %d:%d)",
			       msg, e->index, e->line, e->col);
	return fail_at(c, here, 2, 0, "%s", msg);
}

/* Apply one parameter (from the entry, or from defaults) to e. */
static int apply_one(struct ctx *c, struct suite_entry *e, const char *key,
		     const json_t *v, bool from_defaults, const json_t *obj)
{
	struct jsonpos_seg seg[4] = { { .key = "benchmarks" },
				      { .index = e->index },
				      { .key = key },
				      { 0 } };
	const struct mb_bench *b = e->bench;
	const char *names[64 + MB_MAX_EXT];
	char msg[1024], list[1024], hint[160];
	int gi = generic_index(key), ei = mb_ext_index(b, key), elem = -1, rc;
	uint64_t bit;
	size_t n;

	if (gi >= 0) {
		bit = SUITE_GENERIC_BIT(gi);
		rc = apply_generic(mb_generic_get((size_t)gi), v, &e->params,
				   msg, sizeof(msg), &elem);
	} else if (ei >= 0) {
		bit = SUITE_EXT_BIT(ei);
		rc = apply_ext(&b->ext_params[ei], v, &e->params.ext[ei], msg,
			       sizeof(msg));
	} else if (from_defaults) {
		return 0;	/* check_defaults vouched for it */
	} else {
		n = param_names(b, names);
		join(list, sizeof(list), names, n, false);
		return fail_at(c, seg, 3, JSONPOS_KEY,
			       "unknown parameter %s for benchmark %s%s (valid: %s)",
			       quote(key, msg, sizeof(msg)), b->name,
			       suggest(key, names, n, hint, sizeof(hint)),
			       list);
	}
	if (from_defaults)
		e->set_by_defaults |= bit;
	else
		e->set_here |= bit;
	if (rc == 0)
		return 0;
	if (from_defaults) {
		struct jsonpos_seg d[2] = { { .key = "defaults" }, { .key = key } };

		return fail_at(c, d, 2, 0,
			       "%s (set in defaults, applied to benchmarks[%zu] at %d:%d)",
			       msg, e->index, e->line, e->col);
	}
	if (elem >= 0) {
		size_t ne = json_array_size(json_object_get(obj, key));

		seg[3].index = (size_t)elem < ne ? (size_t)elem : 0;
		return fail_at(c, seg, 4, 0, "%s", msg);
	}
	return fail_at(c, seg, 3, 0, "%s", msg);
}

/* The entry's object and benchmark name; parameters come later, once every
 * name is known (whether a defaults key is valid depends on them). */
static int entry_head(struct ctx *c, const json_t *obj, size_t i,
		      struct suite_entry *e)
{
	struct jsonpos_seg seg[3] = { { .key = "benchmarks" },
				      { .index = i },
				      { .key = "name" } };
	const char *names[512], *name;
	char list[4096], hint[160], got[64];
	struct jsonpos pos = { 0 };
	const json_t *v;

	e->index = i;
	jsonpos_find_segs(c->text, c->len, seg, 2, 0, &pos);
	e->line = pos.line;
	e->col = pos.col;
	if (!json_is_object(obj))
		return fail_at(c, seg, 2, 0,
			       "benchmarks[%zu] must be an object like {\"name\": \"cpuid\"}, got %s",
			       i, show(obj, got, sizeof(got)));
	v = json_object_get(obj, "name");
	if (!v)
		return fail_at(c, seg, 2, 0,
			       "benchmarks[%zu] has no \"name\"", i);
	name = json_string_value(v);
	if (!name)
		return fail_at(c, seg, 3, 0,
			       "benchmark \"name\" must be a string, got %s",
			       show(v, got, sizeof(got)));
	e->bench = mb_find(name);
	if (!e->bench) {
		size_t n = mb_count() <= 512 ? bench_names(names) : 0;

		join(list, sizeof(list), names, n, false);
		return fail_at(c, seg, 3, 0,
			       "unknown benchmark %s%s (valid: %s)",
			       quote(name, got, sizeof(got)),
			       suggest(name, names, n, hint, sizeof(hint)),
			       list);
	}
	/* params.ext has MB_MAX_EXT slots; a longer row is a table bug that
	 * must not become a buffer overrun. */
	for (int k = 0; e->bench->ext_params && e->bench->ext_params[k].name;
	     k++)
		if (k >= MB_MAX_EXT)
			return fail_at(c, seg, 3, 0,
				       "internal: benchmark %s has more than %d family parameters",
				       name, MB_MAX_EXT);
	mb_params_defaults(&e->params, e->bench);
	snprintf(e->label, sizeof(e->label), "%s", name);
	return 0;
}

/* Defaults first, then the entry's own keys, in file order. */
static int entry_params(struct ctx *c, const json_t *obj,
			struct suite_entry *e)
{
	const char *key;
	json_t *v;
	int rc;

	json_object_foreach(c->defaults, key, v) {
		if (json_object_get(obj, key))
			continue;	/* the entry overrides it */
		rc = apply_one(c, e, key, v, true, obj);
		if (rc)
			return rc;
	}
	json_object_foreach((json_t *)obj, key, v) {
		if (!strcmp(key, "name"))
			continue;
		rc = apply_one(c, e, key, v, false, obj);
		if (rc)
			return rc;
		add_label(e->label, sizeof(e->label), key, v);
	}
	return 0;
}

/* Checks across parameters, once the entry is complete. */
static int check_entry(struct ctx *c, struct suite_entry *e)
{
	const struct mb_bench *b = e->bench;
	unsigned cpls = b->cpls ? b->cpls : MB_CPL_ANY;	/* 0: row did not say */
	struct mb_params *p = &e->params;

	if (p->cpl != MB_CPL_AUTO && !(cpls & (1u << p->cpl)))
		return fail_param(c, e, SUITE_GENERIC_BIT(generic_index("cpl")),
				  "cpl", "benchmark %s cannot run at cpl %d (allowed: %s)",
				  b->name, p->cpl, cpl_allowed(cpls));
	if (p->vcpus < b->min_vcpus)
		return fail_param(c, e, SUITE_GENERIC_BIT(generic_index("vcpus")),
				  "vcpus", "benchmark %s needs at least %u vcpus, got %u",
				  b->name, b->min_vcpus, p->vcpus);
	if (b->max_batch && p->batch > b->max_batch)
		return fail_param(c, e, SUITE_GENERIC_BIT(generic_index("batch")),
				  "batch", "benchmark %s takes at most %u operations per sample, got %u",
				  b->name, b->max_batch, p->batch);
	/* "auto" is resolved by the runner, whether the file said it or left
	 * it to the default. */
	p->cpl_auto = p->cpl == MB_CPL_AUTO;
	return 0;
}

static int parse_top(struct ctx *c, json_t *root, struct suite *s)
{
	struct jsonpos_seg seg[2] = { { 0 }, { 0 } };
	const size_t ntop = sizeof(top_keys) / sizeof(top_keys[0]);
	char got[64], list[256], hint[160];
	const char *key;
	json_t *v, *benches;
	int rc;

	if (!json_is_object(root))
		return fail_at(c, NULL, 0, 0,
			       "a suite must be a JSON object {\"name\": ..., \"benchmarks\": [...]}, got %s",
			       show(root, got, sizeof(got)));
	json_object_foreach(root, key, v) {
		bool known = false;

		for (size_t i = 0; i < ntop; i++)
			known |= !strcmp(key, top_keys[i]);
		if (!known) {
			seg[0].key = key;
			join(list, sizeof(list), top_keys, ntop, false);
			return fail_at(c, seg, 1, JSONPOS_KEY,
				       "unknown key %s in suite%s (valid: %s)",
				       quote(key, got, sizeof(got)),
				       suggest(key, top_keys, ntop, hint, sizeof(hint)),
				       list);
		}
	}
	seg[0].key = "name";
	v = json_object_get(root, "name");
	if (!v)
		return fail_at(c, NULL, 0, 0, "suite has no \"name\"");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= sizeof(s->name))
		return fail_at(c, seg, 1, 0,
			       "\"name\" must be a non-empty string of at most %zu bytes, got %s",
			       sizeof(s->name) - 1, show(v, got, sizeof(got)));
	snprintf(s->name, sizeof(s->name), "%s", json_string_value(v));
	seg[0].key = "description";
	v = json_object_get(root, "description");
	if (v && (!json_is_string(v) ||
		  json_string_length(v) >= sizeof(s->description)))
		return fail_at(c, seg, 1, 0,
			       "\"description\" must be a string of at most %zu bytes, got %s",
			       sizeof(s->description) - 1,
			       show(v, got, sizeof(got)));
	if (v)
		snprintf(s->description, sizeof(s->description), "%s",
			 json_string_value(v));

	seg[0].key = "benchmarks";
	benches = json_object_get(root, "benchmarks");
	if (!benches)
		return fail_at(c, NULL, 0, 0,
			       "suite has no \"benchmarks\": add \"benchmarks\": [{\"name\": \"cpuid\"}, ...]");
	if (!json_is_array(benches))
		return fail_at(c, seg, 1, 0,
			       "\"benchmarks\" must be an array of objects, got %s",
			       show(benches, got, sizeof(got)));
	if (json_array_size(benches) == 0)
		return fail_at(c, seg, 1, 0,
			       "\"benchmarks\" is empty: list at least one benchmark");

	c->defaults = json_object_get(root, "defaults");
	s->entries = calloc(json_array_size(benches), sizeof(*s->entries));
	if (!s->entries) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->path);
		return -ENOMEM;
	}
	for (size_t i = 0; i < json_array_size(benches); i++) {
		rc = entry_head(c, json_array_get(benches, i), i,
				&s->entries[i]);
		if (rc)
			return rc;
		s->n = i + 1;
	}
	rc = check_defaults(c, s);
	for (size_t i = 0; rc == 0 && i < s->n; i++) {
		rc = entry_params(c, json_array_get(benches, i),
				  &s->entries[i]);
		if (rc == 0)
			rc = check_entry(c, &s->entries[i]);
	}
	return rc;
}

/* Where a jansson syntax error starts: jansson reports the position after
 * the token it choked on and quotes that token as "near '...'". */
static size_t token_start(const char *text, size_t p, const char *msg)
{
	const char *near = strstr(msg, " near '");
	size_t tl;

	if (near) {
		near += strlen(" near '");
		tl = strlen(near);
		if (tl > 0 && near[tl - 1] == '\'')
			tl--;
		if (tl > 0 && tl <= p && !memcmp(text + p - tl, near, tl))
			return p - tl;
	}
	/* "too big integer" has no quote: walk back over the number. */
	while (p > 0 && text[p - 1] != '\0' &&
	       strchr("0123456789+-.eE", text[p - 1]))
		p--;
	return p;
}

static int syntax_error(struct ctx *c, const json_error_t *je)
{
	size_t p = je->position < 0 ? 0 : (size_t)je->position, off, end;
	const char *near;

	if (p > c->len)
		p = c->len;
	for (end = c->len; end > 0 && strchr(" \t\r\n", c->text[end - 1]);
	     end--)
		;
	if (end == 0)
		return fail_off(c, 0,
				"the file is empty; a suite is a JSON object {\"name\": ..., \"benchmarks\": [...]}");
	switch (json_error_code(je)) {
	case json_error_premature_end_of_input:
		/* Point just past the last token: where the missing part
		 * belongs, rather than at a trailing newline. */
		near = strstr(je->text, " near end of file");
		return fail_off(c, end,
				"malformed JSON at end of input: %.*s; is the file truncated?",
				near ? (int)(near - je->text) : (int)strlen(je->text),
				je->text);
	case json_error_duplicate_key:
		off = token_start(c->text, p, je->text);
		near = strstr(je->text, " near '");
		return fail_off(c, off, "duplicate key %.*s in the same object",
				near ? (int)strlen(near + 7) - 1 : 0,
				near ? near + 7 : "");
	default:
		break;
	}
	off = token_start(c->text, p, je->text);
	if (off < c->len && (c->text[off] == '}' || c->text[off] == ']')) {
		size_t q = off;

		while (q > 0 && strchr(" \t\r\n", c->text[q - 1]))
			q--;
		if (q > 0 && c->text[q - 1] == ',')
			return fail_off(c, q - 1,
					"malformed JSON: trailing comma before '%c'",
					c->text[off]);
	}
	return fail_off(c, off, "malformed JSON: %s", je->text);
}

int suite_parse(const char *text, size_t len, const char *path_for_errors,
		struct suite *out, char *err, size_t errlen)
{
	struct ctx c = { .text = text, .len = len, .err = err, .errlen = errlen,
			 .path = path_for_errors ? path_for_errors : "<suite>" };
	json_error_t je;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (strlen(c.path) >= sizeof(out->path)) {
		snprintf(err, errlen, "%.64s...: path too long", c.path);
		return -ENAMETOOLONG;
	}
	if (mb_generic_count() > 32) {
		snprintf(err, errlen, "internal: more than 32 generic parameters");
		return -EINVAL;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return syntax_error(&c, &je);
	snprintf(out->path, sizeof(out->path), "%s", c.path);
	rc = parse_top(&c, root, out);
	json_decref(root);
	if (rc == 0) {
		out->text = malloc(len + 1);
		if (!out->text) {
			snprintf(err, errlen, "%s: out of memory", c.path);
			rc = -ENOMEM;
		} else {
			memcpy(out->text, text, len);
			out->text[len] = '\0';
			out->text_len = len;
		}
	}
	if (rc)
		suite_free(out);
	return rc;
}

int suite_load(const char *path, struct suite *out, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t len = 0;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	/* O_NONBLOCK: open() of a FIFO would otherwise wait forever for a
	 * writer before the regular-file check below could refuse it. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open suite file: %s", path,
			 strerror(-rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SUITE_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a suite file (%s)", path,
			 S_ISREG(st.st_mode) ? "larger than 1 MiB" :
					       "not a regular file");
		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG :
		       S_ISDIR(st.st_mode) ? -EISDIR : -ESPIPE;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		got = read(fd, buf + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? -errno : -EIO;
			snprintf(err, errlen, "%s: cannot read suite file: %s",
				 path, got < 0 ? strerror(-rc) : "file shrank");
			free(buf);
			close(fd);
			return rc;
		}
		len += (size_t)got;
	}
	close(fd);
	rc = suite_parse(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

int suite_exit_code(int rc)
{
	/* README "Exit codes": a file that cannot be read is 4, one that was
	 * read but is invalid is 2, for suites and result files alike. */
	return rc == -EINVAL || rc == -EFBIG ? 2 : 4;
}

void suite_free(struct suite *s)
{
	if (!s)
		return;
	free(s->entries);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

int suite_param_pos(const struct suite *s, const struct suite_entry *e,
		    const char *param, int *line, int *col)
{
	struct jsonpos_seg here[3] = { { .key = "benchmarks" },
				       { .index = e->index },
				       { .key = param } };
	struct jsonpos_seg dflt[2] = { { .key = "defaults" }, { .key = param } };
	int gi = generic_index(param), ei = mb_ext_index(e->bench, param);
	uint64_t bit;
	struct jsonpos pos;

	if (gi < 0 && ei < 0)
		return -ENOENT;
	bit = gi >= 0 ? SUITE_GENERIC_BIT(gi) : SUITE_EXT_BIT(ei);
	*line = e->line;
	*col = e->col;
	if ((e->set_here & bit) &&
	    !jsonpos_find_segs(s->text, s->text_len, here, 3, 0, &pos)) {
		*line = pos.line;
		*col = pos.col;
	} else if ((e->set_by_defaults & bit) &&
		   !jsonpos_find_segs(s->text, s->text_len, dflt, 2, 0, &pos)) {
		*line = pos.line;
		*col = pos.col;
	}
	return 0;
}

int suite_check_host(const struct suite *s, uint64_t host_mem_bytes,
		     unsigned host_arch, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct suite_entry *e = &s->entries[i];
		uint64_t want = (uint64_t)e->params.mem_mb << 20;
		int line, col;

		if (host_arch && e->bench->archs && !(e->bench->archs & host_arch))
			continue;
		if (!host_mem_bytes || want <= host_mem_bytes)
			continue;
		suite_param_pos(s, e, "mem_mb", &line, &col);
		snprintf(err, errlen,
			 "%s:%d:%d: mem_mb %u for benchmark %s is more than this host's memory (%llu MiB)",
			 s->path, line, col, e->params.mem_mb, e->bench->name,
			 (unsigned long long)(host_mem_bytes >> 20));
		return -EINVAL;
	}
	return 0;
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

		if (!strcmp(g->type, "cpl")) {
			bad |= json_object_set_new(o, g->name, json_integer(p->cpl));
			if (p->cpl_auto)
				bad |= json_object_set_new(o, "cpl_auto",
							   json_true());
		} else if (!strcmp(g->type, "bool")) {
			bad |= json_object_set_new(o, g->name,
						   json_boolean(p->pin));
		} else if (!strcmp(g->type, "string list")) {
			ev = json_array();
			for (size_t k = 0; ev && k < p->n_pmu_events; k++)
				bad |= json_array_append_new(
					ev, json_string(p->pmu_events[k]));
			bad |= json_object_set_new(o, g->name, ev);
		} else {
			bad |= json_object_set_new(
				o, g->name, json_integer(generic_int(p, g->name)));
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
