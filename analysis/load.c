/* Validating loader for hvbench result files: result files come from other
 * machines and other versions, so every key is type-checked before use. */
#include "analysis/an_result.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/an_util.h"
#include "hvbench/jsonpos.h"

struct ctx {
	const char *file;
	char *err;
	size_t errlen;
	bool failed;
};

static void fail(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct ctx *c, const char *fmt, ...)
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

static const char *json_kind(const json_t *v)
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

/* "where" is the JSON path of the object holding @key ("benchmarks[3]"). */
static const char *get_str(struct ctx *c, json_t *o, const char *where,
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

static double get_num(struct ctx *c, json_t *o, const char *where,
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

static bool get_bool(struct ctx *c, json_t *o, const char *where,
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

static json_t *get_obj(struct ctx *c, json_t *o, const char *where,
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

/* A statistics block: the quantiles every chart needs are required, the rest
 * is checked when present. */
static void parse_stats(struct ctx *c, json_t *o, const char *where,
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

static void opt_stats(struct ctx *c, json_t *o, const char *where,
		      const char *key, struct an_stats *st)
{
	json_t *v = get_obj(c, o, where, key, false);
	char sub[96];

	st->present = false;
	if (!v)
		return;
	snprintf(sub, sizeof(sub), "%s.%s", where, key);
	parse_stats(c, v, sub, st);
}

bool an_param_ignored(const char *param)
{
	/* These change how long or how observed a run is, not what one
	 * operation costs, so runs that differ only there still match. */
	static const char *const ignored[] = {
		"pmu_events", "min_time_ms", "max_iters", "repetitions",
		"cpl_auto", "warmup_iterations", "max_samples", "warmup_iters",
		"timeout_ms", "pin", "cpus", "batch",
	};

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (!strcmp(param, ignored[i]))
			return true;
	return false;
}

/* without_cpl: the key of a record whose level was chosen per host. */
static char *make_key(const struct an_bench *b, bool without_cpl)
{
	json_t *p = b->params ? json_deep_copy(b->params) : json_object();
	const char *k;
	json_t *v;
	void *tmp;
	char *dump, *key = NULL;

	if (!p)
		return NULL;
	json_object_foreach_safe(p, tmp, k, v) {
		if (an_param_ignored(k) || (without_cpl && !strcmp(k, "cpl")))
			json_object_del(p, k);
	}
	dump = json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(p);
	if (!dump)
		return NULL;
	if (asprintf(&key, "%s|%s|%s", b->name, b->variant ? b->variant : "",
		     dump) < 0)
		key = NULL;
	free(dump);
	return key;
}

static void parse_exits(struct ctx *c, json_t *o, const char *where,
			struct an_bench *b)
{
	json_t *e = get_obj(c, o, where, "exits_per_op", false);
	const char *k;
	json_t *v;
	size_t i = 0;

	b->exits = NAN;
	if (!e)
		return;
	b->exit_counts = calloc(json_object_size(e) + 1, sizeof(*b->exit_counts));
	if (!b->exit_counts) {
		fail(c, "out of memory");
		return;
	}
	json_object_foreach(e, k, v) {
		if (!json_is_number(v)) {
			fail(c, "%s.exits_per_op.%s: expected a number, found %s",
			     where, k, json_kind(v));
			return;
		}
		b->exit_counts[i].key = k;
		b->exit_counts[i++].per_op = json_number_value(v);
	}
	b->n_exit_counts = i;
	b->exits = get_num(c, e, "", b->exit_stat ? b->exit_stat : "exits",
			   false);
}

static void parse_samples(struct ctx *c, json_t *o, const char *where,
			  struct an_bench *b)
{
	json_t *s = json_object_get(o, "samples");
	size_t i, n;

	if (!s || json_is_null(s))
		return;
	if (!json_is_array(s)) {
		fail(c, "%s.samples: expected an array, found %s", where,
		     json_kind(s));
		return;
	}
	n = json_array_size(s);
	if (n > AN_MAX_SAMPLES) {
		fail(c, "%s.samples: %zu samples, more than the %d this reader accepts per record (hvbench run stores at most 4096)",
		     where, n, AN_MAX_SAMPLES);
		return;
	}
	b->samples = malloc((n ? n : 1) * sizeof(*b->samples));
	if (!b->samples) {
		fail(c, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(s, i);

		if (!json_is_number(v)) {
			fail(c, "%s.samples[%zu]: expected a number, found %s",
			     where, i, json_kind(v));
			return;
		}
		b->samples[i] = json_number_value(v);
	}
	b->n_samples = n;
}

/* repetitions[]: {"iterations", "p50", "mean"?} each; a repetition without
 * a number for p50 is an error, a missing mean (older files) is NAN. */
static void parse_reps(struct ctx *c, json_t *o, const char *where,
		       struct an_bench *b)
{
	json_t *reps = json_object_get(o, "repetitions"), *sm;
	size_t n;

	if ((sm = json_object_get(o, "samples_sampling")) && json_is_object(sm))
		b->sample_stride = get_num(c, sm, where, "stride", false);
	if (!reps || json_is_null(reps))
		return;
	if (!json_is_array(reps)) {
		fail(c, "%s.repetitions: expected an array, found %s", where,
		     json_kind(reps));
		return;
	}
	n = json_array_size(reps);
	if (n > AN_MAX_REPS) {
		fail(c, "%s.repetitions: %zu entries, more than the %d this reader accepts per record",
		     where, n, AN_MAX_REPS);
		return;
	}
	b->rep_p50 = malloc((n ? n : 1) * sizeof(double));
	b->rep_mean = malloc((n ? n : 1) * sizeof(double));
	if (!b->rep_p50 || !b->rep_mean) {
		fail(c, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(reps, i);
		json_t *p = json_is_object(r) ? json_object_get(r, "p50") : NULL;
		json_t *m = json_is_object(r) ? json_object_get(r, "mean") : NULL;

		if (!json_is_number(p)) {
			fail(c, "%s.repetitions[%zu].p50: expected a number", where, i);
			return;
		}
		b->rep_p50[i] = json_number_value(p);
		b->rep_mean[i] = json_is_number(m) ? json_number_value(m) : NAN;
	}
	b->n_reps = n;
}

/* The 0x22e study's per-segment breakdown, when the record has one. */
static void parse_segments(struct ctx *c, json_t *o, const char *where,
			   struct an_bench *b)
{
	json_t *seg = get_obj(c, o, where, "segments", false);
	json_t *share = get_obj(c, o, where, "share", false);
	char sub[128];
	const char *k;
	json_t *v;
	size_t i = 0;

	if (!seg)
		return;
	b->segments = calloc(json_object_size(seg) + 1, sizeof(*b->segments));
	if (!b->segments) {
		fail(c, "out of memory");
		return;
	}
	json_object_foreach(seg, k, v) {
		struct an_segment *s = &b->segments[i++];

		snprintf(sub, sizeof(sub), "%s.segments.%s", where, k);
		if (!json_is_object(v)) {
			fail(c, "%s: expected an object, found %s", sub,
			     json_kind(v));
			return;
		}
		s->name = k;
		parse_stats(c, v, sub, &s->st);
		snprintf(sub, sizeof(sub), "%s.share", where);
		s->share = share ? get_num(c, share, sub, k, false) : NAN;
	}
	b->n_segments = i;
}

static void parse_bench(struct ctx *c, json_t *o, size_t idx, unsigned flags,
			struct an_bench *b)
{
	char where[64];

	snprintf(where, sizeof(where), "benchmarks[%zu]", idx);
	if (!json_is_object(o)) {
		fail(c, "%s: expected an object, found %s", where, json_kind(o));
		return;
	}
	b->name = get_str(c, o, where, "name", true);
	b->status = get_str(c, o, where, "status", true);
	b->family = get_str(c, o, where, "family", false);
	b->variant = get_str(c, o, where, "variant", false);
	b->description = get_str(c, o, where, "description", false);
	b->reason = get_str(c, o, where, "reason", false);
	b->unit = get_str(c, o, where, "unit", false);
	b->exit_stat = get_str(c, o, where, "exit_stat", false);
	b->suspect_reason = get_str(c, o, where, "suspect_reason", false);
	b->params = get_obj(c, o, where, "params", false);
	b->suspect = get_bool(c, o, where, "suspect", NULL);
	b->interrupted = get_bool(c, o, where, "interrupted", NULL);
	{
		json_t *res = get_obj(c, o, where, "resolution", false);
		char sub[160];

		snprintf(sub, sizeof(sub), "%s.resolution", where);
		b->coarse = res && get_bool(c, res, sub, "coarse", NULL);
	}
	b->counter_hz = get_num(c, o, where, "counter_hz", false);
	b->iterations = get_num(c, o, where, "iterations", false);
	b->probe_overhead = get_num(c, o, where, "probe_overhead", false);
	b->duration_ms = get_num(c, o, where, "duration_ms", false);
	b->expected_exits = get_num(c, o, where, "expected_exits_per_op", false);
	b->skew_cycles = get_num(c, o, where, "skew_cycles", false);
	if (c->failed)
		return;
	b->ok = !strcmp(b->status, "ok");
	if (b->ok) {
		/* Only measured records must carry figures. */
		b->unit = get_str(c, o, where, "unit", true);
		opt_stats(c, o, where, "cycles", &b->cycles);
		if (!c->failed && !b->cycles.present &&
		    !json_object_get(o, "round_trip"))
			get_obj(c, o, where, "cycles", true);
	}
	opt_stats(c, o, where, "vmm_user_cycles", &b->vmm_user);
	opt_stats(c, o, where, "round_trip", &b->round_trip);
	/* An io-path record may carry only round_trip: it is its cost. */
	if (b->ok && !b->cycles.present && b->round_trip.present)
		b->cycles = b->round_trip;
	parse_exits(c, o, where, b);
	parse_segments(c, o, where, b);
	b->sample_stride = NAN;
	parse_reps(c, o, where, b);
	if (flags & AN_LOAD_SAMPLES)
		parse_samples(c, o, where, b);
	if (c->failed)
		return;
	b->key = make_key(b, false);
	b->key_nocpl = make_key(b, true);
	b->cpl_auto = json_is_true(json_object_get(b->params, "cpl_auto"));
	if (!b->key || !b->key_nocpl)
		fail(c, "out of memory");
}

/* "hvbench-result/1" or "hvbench-result/1.3": same major, read it. */
static void check_schema(struct ctx *c, const char *schema)
{
	size_t pl = strlen(AN_SCHEMA_NAME);
	char *end;
	long major;

	if (strncmp(schema, AN_SCHEMA_NAME "/", pl + 1)) {
		fail(c, "not an hvbench result file (schema '%s', expected '%s/%d')",
		     schema, AN_SCHEMA_NAME, AN_SCHEMA_MAJOR);
		return;
	}
	errno = 0;
	major = strtol(schema + pl + 1, &end, 10);
	if (errno || end == schema + pl + 1 || (*end && *end != '.')) {
		fail(c, "not an hvbench result file (schema '%s' has no version number)",
		     schema);
	} else if (major > AN_SCHEMA_MAJOR) {
		fail(c, "schema '%s' is newer than this hvbench reads (%s/%d)",
		     schema, AN_SCHEMA_NAME, AN_SCHEMA_MAJOR);
	} else if (major < AN_SCHEMA_MAJOR) {
		fail(c, "schema '%s' is older than this hvbench reads (%s/%d); re-run the suite",
		     schema, AN_SCHEMA_NAME, AN_SCHEMA_MAJOR);
	}
}

static void parse_host(struct ctx *c, json_t *h, struct an_host *host)
{
	host->hostname = get_str(c, h, "host", "hostname", false);
	host->kernel = get_str(c, h, "host", "kernel", false);
	host->arch = get_str(c, h, "host", "arch", false);
	host->cpu_vendor = get_str(c, h, "host", "cpu_vendor", false);
	host->cpu_model = get_str(c, h, "host", "cpu_model", false);
	host->backend = get_str(c, h, "host", "backend", false);
	host->paging = get_str(c, h, "host", "paging", false);
	host->emulated = get_bool(c, h, "host", "emulated", &host->emulated_known);
	host->tsc_invariant = get_bool(c, h, "host", "tsc_invariant",
				       &host->tsc_invariant_known);
	host->tsc_khz = get_num(c, h, "host", "tsc_khz", false);
	host->cpl0_slowdown = get_num(c, h, "host", "cpl0_slowdown", false);
	host->nr_cpus = get_num(c, h, "host", "nr_cpus", false);
	if (!host->hostname)
		host->hostname = "unknown-host";
	if (!host->backend)
		host->backend = "unknown";
}

static void parse_load_point(struct ctx *c, json_t *hl, const char *which,
			     struct an_load_point *p)
{
	json_t *o = json_object_get(hl, which);

	p->load1 = p->cpus = p->other_cpus = NAN;
	if (!json_is_object(o))
		return; /* absent, or {"error": ...}: nothing known */
	p->load1 = get_num(c, o, "host_load", "load1", false);
	p->cpus = get_num(c, o, "host_load", "cpus", false);
	p->other_cpus = get_num(c, o, "host_load", "other_cpus", false);
}

static void parse_load(struct ctx *c, json_t *root, struct an_result *r)
{
	json_t *hl = get_obj(c, root, "", "host_load", false);

	parse_load_point(c, hl, "start", &r->load_start);
	parse_load_point(c, hl, "end", &r->load_end);
}

static void parse_root(struct ctx *c, struct an_result *r, unsigned flags)
{
	json_t *root = r->root, *host, *benches, *o;

	if (!json_is_object(root)) {
		fail(c, "not an hvbench result file (top level is %s, not an object)",
		     json_kind(root));
		return;
	}
	o = json_object_get(root, "schema");
	if (!o) {
		fail(c, "not an hvbench result file (no 'schema' key)");
		return;
	}
	if (!json_is_string(o)) {
		fail(c, "not an hvbench result file ('schema' is %s)", json_kind(o));
		return;
	}
	r->schema = json_string_value(o);
	check_schema(c, r->schema);
	if (c->failed)
		return;
	r->started = get_str(c, root, "", "started", false);
	r->finished = get_str(c, root, "", "finished", false);
	r->interrupted = get_bool(c, root, "", "interrupted", NULL);
	if ((o = get_obj(c, root, "", "suite", false)))
		r->suite_name = get_str(c, o, "suite", "name", false);
	if ((o = get_obj(c, root, "", "tool", false))) {
		r->tool_version = get_str(c, o, "tool", "version", false);
		r->tool_git = get_str(c, o, "tool", "git", false);
	}
	host = get_obj(c, root, "", "host", true);
	if (c->failed)
		return;
	parse_host(c, host, &r->host);
	parse_load(c, root, r);
	benches = json_object_get(root, "benchmarks");
	if (!benches || !json_is_array(benches)) {
		fail(c, "benchmarks: expected an array, %s",
		     benches ? json_kind(benches) : "key is missing");
		return;
	}
	r->n_benches = json_array_size(benches);
	r->benches = calloc(r->n_benches + 1, sizeof(*r->benches));
	if (!r->benches) {
		fail(c, "out of memory");
		return;
	}
	for (size_t i = 0; i < r->n_benches && !c->failed; i++)
		parse_bench(c, json_array_get(benches, i), i, flags,
			    &r->benches[i]);
}

int an_result_from_json(json_t *root, const char *path, unsigned flags,
			struct an_result **out, char *err, size_t errlen)
{
	struct ctx c = { .file = path, .err = err, .errlen = errlen };
	struct an_result *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (r)
		r->path = strdup(path);
	if (!r || !r->path) {
		json_decref(root);
		an_result_free(r);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	r->root = root;
	an_results_generation++;
	parse_root(&c, r, flags);
	if (c.failed) {
		an_result_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

int an_result_load(const char *path, unsigned flags, struct an_result **out,
		   char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	char *text = NULL;
	size_t len = 0;
	int e;

	*out = NULL;
	struct stat st;
	/* Refused before it is read: a huge file costs nothing. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > AN_MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s: %lld bytes, more than the %d MiB this reader accepts for one result file",
			 path, (long long)st.st_size, AN_MAX_FILE_BYTES >> 20);
		return -1;
	}
	e = an_read_file(path, &text, &len);
	if (e) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 an_read_strerror(e));
		return -2;
	}
	if (len > AN_MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s: %zu bytes, more than the %d MiB this reader accepts for one result file",
			 path, len, AN_MAX_FILE_BYTES >> 20);
		free(text);
		return -1;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		struct jsonpos pos;

		/* jansson's column is 0 at the start of a line; the suite
		 * loader's FILE:LINE:COL counts from 1: the same counter. */
		jsonpos_at(text, len, jerr.position < 0 ? 0 : (size_t)jerr.position,
			   &pos);
		snprintf(err, errlen, "%s:%d:%d: %s", path, pos.line, pos.col,
			 jerr.text);
		free(text);
		return -1;
	}
	free(text);
	return an_result_from_json(root, path, flags, out, err, errlen);
}

void an_result_free(struct an_result *r)
{
	an_results_generation++;
	for (int t = 0; r && t < 3; t++)
		free(r->ix[t]);
	if (!r)
		return;
	for (size_t i = 0; i < r->n_benches; i++) {
		struct an_bench *b = &r->benches[i];

		free(b->key);
		free(b->key_nocpl);
		free(b->exit_counts);
		free(b->samples);
		free(b->rep_p50);
		free(b->rep_mean);
		free(b->segments);
	}
	free(r->benches);
	json_decref(r->root);
	free(r->path);
	free(r);
}

/* Lookups by key go through hashes of the result's records, built on first
 * use: matching N records against N is then O(N), not O(N^2). Each table
 * holds record indices + 1 (0: empty), open addressing; the first record of
 * a key wins, as the linear search did. ix[0]: by key; ix[1]: by the key
 * without cpl, any record; ix[2]: the same, records run with "cpl": "auto". */
static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static const char *ix_str(const struct an_bench *b, int t)
{
	return t == 0 ? b->key : b->key_nocpl;
}

static void ix_put(struct an_result *r, int t, size_t i)
{
	const char *k = ix_str(&r->benches[i], t);
	size_t *tab = r->ix[t], h = key_hash(k) & (r->ix_cap - 1);

	while (tab[h] && strcmp(ix_str(&r->benches[tab[h] - 1], t), k))
		h = (h + 1) & (r->ix_cap - 1);
	if (!tab[h])
		tab[h] = i + 1;
}

static const struct an_bench *ix_get(const struct an_result *r, int t, const char *k)
{
	const size_t *tab = r->ix[t];
	size_t h = key_hash(k) & (r->ix_cap - 1);

	for (; tab[h]; h = (h + 1) & (r->ix_cap - 1)) {
		const struct an_bench *b = &r->benches[tab[h] - 1];
		if (!strcmp(ix_str(b, t), k))
			return b;
	}
	return NULL;
}

static int index_build(struct an_result *r)
{
	size_t cap = 16;

	while (cap < 2 * r->n_benches + 2)
		cap *= 2;
	for (int t = 0; t < 3; t++) {
		r->ix[t] = calloc(cap, sizeof(size_t));
		if (!r->ix[t]) {
			for (int u = 0; u <= t; u++) {
				free(r->ix[u]);
				r->ix[u] = NULL;
			}
			return -1;
		}
	}
	r->ix_cap = cap;
	for (size_t i = 0; i < r->n_benches; i++) {
		ix_put(r, 0, i);
		ix_put(r, 1, i);
		if (r->benches[i].cpl_auto)
			ix_put(r, 2, i);
	}
	return 0;
}

const struct an_bench *an_result_find(const struct an_result *r,
				      const char *key)
{
	struct an_result *w = (struct an_result *)r;	/* the index is a cache */

	if (!w->ix[0] && index_build(w) < 0) {
		for (size_t i = 0; i < r->n_benches; i++)
			if (!strcmp(r->benches[i].key, key))
				return &r->benches[i];
		return NULL;
	}
	return ix_get(r, 0, key);
}

const struct an_bench *an_result_find_match(const struct an_result *r,
					    const struct an_bench *b)
{
	const struct an_bench *m = an_result_find(r, b->key);

	if (m)
		return m;
	/* "cpl": "auto" let a host pick its level (x86 under PVM: 3, arm64:
	 * EL1 = 0): such a record also matches one at another level. */
	if (!r->ix[0]) {	/* out of memory building the index */
		for (size_t i = 0; i < r->n_benches; i++)
			if ((b->cpl_auto || r->benches[i].cpl_auto) &&
			    !strcmp(r->benches[i].key_nocpl, b->key_nocpl))
				return &r->benches[i];
		return NULL;
	}
	return ix_get(r, b->cpl_auto ? 1 : 2, b->key_nocpl);
}

const struct an_bench *an_result_find_name(const struct an_result *r,
					   const char *name)
{
	for (size_t i = 0; i < r->n_benches; i++)
		if (r->benches[i].ok && !strcmp(r->benches[i].name, name))
			return &r->benches[i];
	return NULL;
}
