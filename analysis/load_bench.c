/* One record of a result file, type-checked: identity, status, flags,
 * the named metrics and what the analysis reads of them (the headline's
 * statistics, its breakdown), exits, repetitions and samples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/load_int.h"

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

/* The value at a metric's place ("segments/exit": key exit of object
 * segments), and its JSON path for messages. */
static json_t *at_path(json_t *o, const char *name, const char *where,
		       char *path, size_t len)
{
	char buf[256];
	char *save = NULL;
	size_t n = (size_t)snprintf(path, len, "%s", where);

	snprintf(buf, sizeof(buf), "%s", name);
	for (char *k = strtok_r(buf, "/", &save); k && o; k = strtok_r(NULL, "/", &save)) {
		o = json_is_object(o) ? json_object_get(o, k) : NULL;
		if (n < len)
			n += (size_t)snprintf(path + n, len - n, ".%s", k);
	}
	return o;
}

static struct an_metric *add_metric(struct an_bench *b, size_t cap)
{
	if (!b->metrics && !(b->metrics = calloc(cap + 1, sizeof(*b->metrics))))
		return NULL;
	return b->n_metrics < cap ? &b->metrics[b->n_metrics++] : NULL;
}

/* Read one metric at its place: a statistics block or a number (null:
 * not measured). */
static void read_metric(struct ctx *c, json_t *o, const char *where,
			struct an_metric *m)
{
	char path[320];
	json_t *v = at_path(o, m->name, where, path, sizeof(path));

	m->value = NAN;
	if (m->stats) {
		if (!json_is_object(v)) {
			fail(c, "%s: expected an object, %s", path,
			     v ? json_kind(v) : "key is missing");
			return;
		}
		parse_stats(c, v, path, &m->st);
	} else if (v && !json_is_null(v)) {
		if (!json_is_number(v)) {
			fail(c, "%s: expected a number, found %s", path, json_kind(v));
			return;
		}
		m->value = json_number_value(v);
	}
}

/* Schema /2: the record says what its figures are ("metrics") and which
 * one is its own ("headline"). */
static void parse_metrics(struct ctx *c, json_t *o, const char *where,
			  struct an_bench *b)
{
	json_t *ix = get_obj(c, o, where, "metrics", false);
	char sub[160];
	const char *k;
	json_t *v;

	b->headline = get_str(c, o, where, "headline", false);
	if (!ix)
		return;
	json_object_foreach(ix, k, v) {
		snprintf(sub, sizeof(sub), "%s.metrics.%s", where, k);
		if (!json_is_object(v)) {
			fail(c, "%s: expected an object, found %s", sub, json_kind(v));
			return;
		}
		const char *kind = get_str(c, v, sub, "kind", true);
		if (c->failed)
			return;
		if (strcmp(kind, "stats") && strcmp(kind, "value")) {
			fail(c, "%s.kind: expected \"stats\" or \"value\", found \"%s\"", sub, kind);
			return;
		}
		struct an_metric *m = add_metric(b, json_object_size(ix));
		if (!m) {
			fail(c, "out of memory");
			return;
		}
		m->name = k;
		m->stats = !strcmp(kind, "stats");
		m->unit = get_str(c, v, sub, "unit", false);
		m->what = get_str(c, v, sub, "what", false);
		m->part_of = get_str(c, v, sub, "part_of", false);
		read_metric(c, o, where, m);
		if (c->failed)
			return;
	}
}

/* Schema /1 named no metrics: its figures stood under fixed keys (the
 * guest's "cycles", the VMM's time, and the io-path study's round trip,
 * segments and shares). The same metrics, as a /2 file names them. */
static void parse_v1_metrics(struct ctx *c, json_t *o, const char *where,
			     struct an_bench *b)
{
	static const char *const whole[] = { "cycles", "vmm_user_cycles", "round_trip" };
	json_t *seg = get_obj(c, o, where, "segments", false);
	json_t *share = get_obj(c, o, where, "share", false);
	size_t cap = 3 + json_object_size(seg) + json_object_size(share);
	char name[160];
	const char *k;
	json_t *v;

	if (c->failed)
		return;
	for (size_t i = 0; i < 3; i++) {
		if (!get_obj(c, o, where, whole[i], false))
			continue;
		struct an_metric *m = add_metric(b, cap);
		if (!m)
			goto oom;
		*m = (struct an_metric){ .name = whole[i], .unit = i == 1 ? "cycles" : b->unit,
					 .stats = true };
		read_metric(c, o, where, m);
	}
	b->headline = json_object_get(o, "round_trip") ? "round_trip" : "cycles";
	for (int t = 0; t < 2 && !c->failed; t++) {
		json_object_foreach(t ? share : seg, k, v) {
			struct an_metric *m = add_metric(b, cap);
			if (!m)
				goto oom;
			snprintf(name, sizeof(name), "%s/%s", t ? "share" : "segments", k);
			*m = (struct an_metric){ .owned_name = strdup(name),
						 .unit = t ? "fraction" : b->unit,
						 .stats = !t, .part_of = b->headline };
			if (!(m->name = m->owned_name))
				goto oom;
			read_metric(c, o, where, m);
			if (c->failed)
				return;
		}
	}
	return;
oom:
	fail(c, "out of memory");
}

const struct an_metric *an_bench_metric(const struct an_bench *b, const char *name)
{
	for (size_t i = 0; name && i < b->n_metrics; i++)
		if (!strcmp(b->metrics[i].name, name))
			return &b->metrics[i];
	return NULL;
}

/* What the analysis reads of the metrics, for any family: the headline's
 * statistics, and its breakdown (each part's statistics and share, by the
 * last component of the part's name). */
static void derive(struct ctx *c, json_t *o, const char *where, struct an_bench *b)
{
	const struct an_metric *h = an_bench_metric(b, b->headline);
	const struct an_metric *vmm = an_bench_metric(b, "vmm_user_cycles");

	if (h && h->stats)
		b->cycles = h->st;
	if (vmm && vmm->stats)
		b->vmm_user = vmm->st;
	if (b->ok && !b->cycles.present) {
		/* Only measured records must carry figures. */
		if (c->major < 2)
			get_obj(c, o, where, "cycles", true);
		else if (!b->headline)
			get_str(c, o, where, "headline", true);
		else
			fail(c, "%s.headline: \"%s\" is no statistics metric of the record",
			     where, b->headline);
		return;
	}
	b->segments = calloc(b->n_metrics + 1, sizeof(*b->segments));
	if (!b->segments) {
		fail(c, "out of memory");
		return;
	}
	for (size_t i = 0; i < b->n_metrics; i++) {
		const struct an_metric *m = &b->metrics[i];
		if (!m->part_of || !b->headline || strcmp(m->part_of, b->headline))
			continue;
		const char *leaf = strrchr(m->name, '/');
		leaf = leaf ? leaf + 1 : m->name;
		size_t k;
		for (k = 0; k < b->n_segments && strcmp(b->segments[k].name, leaf); k++)
			;
		if (k == b->n_segments) {
			b->segments[k] = (struct an_segment){ .name = leaf, .share = NAN };
			b->n_segments++;
		}
		if (m->stats)
			b->segments[k].st = m->st;
		else
			b->segments[k].share = m->value;
	}
	/* a part with a share but no statistics is not a segment */
	size_t n = 0;
	for (size_t k = 0; k < b->n_segments; k++)
		if (b->segments[k].st.present)
			b->segments[n++] = b->segments[k];
	b->n_segments = n;
}

void parse_bench(struct ctx *c, json_t *o, size_t idx, unsigned flags,
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
	if (c->failed)
		return;
	b->ok = !strcmp(b->status, "ok");
	if (b->ok)
		b->unit = get_str(c, o, where, "unit", true);
	if (c->major < 2)
		parse_v1_metrics(c, o, where, b);
	else
		parse_metrics(c, o, where, b);
	if (!c->failed)
		derive(c, o, where, b);
	parse_exits(c, o, where, b);
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

