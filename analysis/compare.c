/* Benchmark-by-benchmark comparison of two result files or two sets of runs:
 * matching, unit handling (direct, ns, within-file ratios) and the verdict
 * from repetition- or run-level values (docs/analysis.md, "Verdicts"). */
#include "analysis/an_compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/stats.h"

void an_cmp_opts_default(struct an_cmp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->threshold = 0.05;
	o->alpha = 0.05;
	o->min_units = 4;
	o->spread_factor = 1.0;
	o->busy_cpus = 0.5;
	o->ref = "mmio_user";
	o->boot_iters = 1000;
	o->seed = 0x68766265; /* "hvbe" */
}

const char *an_verdict_name(enum an_verdict v)
{
	switch (v) {
	case AN_V_SAME: return "same";
	case AN_V_FASTER: return "faster";
	case AN_V_SLOWER: return "slower";
	case AN_V_REF: return "ref";
	case AN_V_NONE: break;
	}
	return "-";
}

static double value_of(const struct an_bench *b, const struct an_cmp_opts *o)
{
	return o->use_mean ? b->cycles.mean : b->cycles.p50;
}

/* The values one side contributes to a row: every repetition of every run
 * (scaled to the compared unit), and one median per run. */
struct side {
	double *u, *run_med;
	size_t n, n_runs;
	bool suspect, coarse;
	const char *suspect_file;
};

static void side_free(struct side *s)
{
	free(s->u);
	free(s->run_med);
}

/* What one value of @b is multiplied by to be compared: 1 (direct), ns per
 * tick, or 1 / the reference benchmark of the same file. NAN: unusable. */
static double scale_of(const struct an_cmp *c, const struct an_result *r,
		       const struct an_bench *b, const struct an_cmp_opts *o)
{
	if (c->mode == AN_CMP_NS)
		return b->counter_hz > 0 ? 1e9 / b->counter_hz : NAN;
	if (c->mode == AN_CMP_RATIO) {
		const struct an_bench *ref = an_result_find_name(r, o->ref);
		double v = ref ? value_of(ref, o) : NAN;

		return v > 0 ? 1 / v : NAN;
	}
	return 1;
}

static int gather(const struct an_cmp *c, const struct an_result *const *runs,
		  size_t nr, const struct an_bench *tmpl,
		  const struct an_cmp_opts *o, struct side *s)
{
	size_t cap = 0;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < nr; i++) {
		const struct an_bench *b = an_result_find_match(runs[i], tmpl);

		cap += b && b->n_reps ? b->n_reps : 1;
	}
	s->u = malloc((cap ? cap : 1) * sizeof(double));
	s->run_med = malloc((nr ? nr : 1) * sizeof(double));
	if (!s->u || !s->run_med)
		return -1;
	for (size_t i = 0; i < nr; i++) {
		const struct an_bench *b = an_result_find_match(runs[i], tmpl);
		const double *v;
		size_t n, first = s->n;
		double k;

		if (!b || !b->ok)
			continue;
		k = scale_of(c, runs[i], b, o);
		if (isnan(k))
			continue;
		if (b->suspect && !s->suspect_file)
			s->suspect_file = runs[i]->path;
		s->suspect |= b->suspect;
		s->coarse |= b->coarse;
		v = o->use_mean ? b->rep_mean : b->rep_p50;
		n = b->n_reps;
		for (size_t j = 0; j < n; j++)
			if (isnan(v[j]))
				n = 0; /* older file: no per-repetition mean */
		if (!n) {
			s->u[s->n++] = value_of(b, o) * k;
		} else {
			for (size_t j = 0; j < n; j++)
				s->u[s->n++] = v[j] * k;
		}
		s->run_med[s->n_runs++] = stats_median(s->u + first, s->n - first);
	}
	return 0;
}

static double rel_spread(const double *x, size_t n)
{
	double mn = INFINITY, mx = -INFINITY, med = stats_median(x, n);

	for (size_t i = 0; i < n; i++) {
		mn = x[i] < mn ? x[i] : mn;
		mx = x[i] > mx ? x[i] : mx;
	}
	return n && med > 0 ? (mx - mn) / med : NAN;
}

static void note_add(struct an_cmp_row *row, const char *what)
{
	size_t len = strlen(row->note);

	snprintf(row->note + len, sizeof(row->note) - len, "%s%s",
		 len ? "; " : "", what);
}

static char *param_text(json_t *v)
{
	if (!v)
		return strdup("(none)");
	return json_is_string(v) ? strdup(json_string_value(v)) :
		json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Records matched across levels ("cpl": "auto" on both sides) say which
 * level each ran at, and records matched across a param the user left out
 * of the key (--ignore-param) say each side's value, next to whatever the
 * comparison noted. */
static void note_levels(struct an_cmp_row *row)
{
	json_t *pb = json_object_get(row->base->params, "cpl");
	json_t *pc = json_object_get(row->cur->params, "cpl");
	const char *const *names;
	size_t n = an_param_user_ignored(&names);
	char lv[96];

	if (json_is_integer(pb) && json_is_integer(pc) &&
	    json_integer_value(pb) != json_integer_value(pc)) {
		snprintf(lv, sizeof(lv), "cpl %lld vs %lld, the level each host picked",
			 (long long)json_integer_value(pb),
			 (long long)json_integer_value(pc));
		note_add(row, lv);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *vb = json_object_get(row->base->params, names[i]);
		json_t *vc = json_object_get(row->cur->params, names[i]);

		if (json_equal(vb, vc) || (!vb && !vc))
			continue;
		char *sb = param_text(vb), *sc = param_text(vc);

		snprintf(lv, sizeof(lv), "%s %.32s vs %.32s", names[i],
			 sb ? sb : "?", sc ? sc : "?");
		note_add(row, lv);
		free(sb);
		free(sc);
	}
}

/*
 * The verdict: slower/faster only when (1) each side has >= min_units
 * values, (2) the exact Mann-Whitney p over those values is < alpha, (3) the
 * ratio of their medians moves by more than the threshold and (4) by more
 * than spread_factor times the larger relative spread of the two sides.
 * SUSPECT and COARSE rows get the figures but no verdict.
 */
static void compare_row(struct an_cmp *c, struct an_cmp_row *row,
			const struct an_cmp_opts *o)
{
	const struct an_bench *b = row->base;
	struct side sb, sc;
	const double *ub, *uc;
	size_t nb, nc;
	double need, u;

	row->p = row->lo = row->hi = NAN;
	row->spread_base = row->spread_cur = NAN;
	row->verdict = AN_V_SAME;
	if (c->mode == AN_CMP_RATIO && !strcmp(b->name, c->ref) &&
	    b == an_result_find_name(c->base, c->ref)) {
		row->base_norm = row->cur_norm = 1;
		row->ratio = row->lo = row->hi = 1;
		row->p = 1;
		row->verdict = AN_V_REF;
		snprintf(row->note, sizeof(row->note),
			 "reference: every other row is divided by it");
		return;
	}
	if (gather(c, c->bases, c->n_bases, b, o, &sb) ||
	    gather(c, c->curs, c->n_curs, b, o, &sc) || !sb.n || !sc.n) {
		row->ratio = NAN;
		row->verdict = AN_V_NONE;
		snprintf(row->note, sizeof(row->note), "%s",
			 sb.u && sc.u ? "no usable value (ns conversion or reference missing)" :
			 "out of memory");
		side_free(&sb);
		side_free(&sc);
		return;
	}
	if (sb.n_runs >= o->min_units && sc.n_runs >= o->min_units) {
		row->level = "runs";
		ub = sb.run_med, nb = sb.n_runs;
		uc = sc.run_med, nc = sc.n_runs;
	} else {
		row->level = "repetitions";
		ub = sb.u, nb = sb.n;
		uc = sc.u, nc = sc.n;
	}
	row->n_base_units = nb;
	row->n_cur_units = nc;
	row->base_norm = stats_median(ub, nb);
	row->cur_norm = stats_median(uc, nc);
	row->base_val = c->mode == AN_CMP_RATIO ? value_of(b, o) : row->base_norm;
	row->cur_val = c->mode == AN_CMP_RATIO ? value_of(row->cur, o) : row->cur_norm;
	row->spread_base = rel_spread(ub, nb);
	row->spread_cur = rel_spread(uc, nc);
	if (!(row->base_norm > 0)) {
		/* A cost of 0 after probe-overhead subtraction: the ratio is
		 * meaningless, only "both zero" can be called the same. */
		row->ratio = row->lo = row->hi = row->cur_norm == 0 ? 1 : NAN;
		row->verdict = row->cur_norm == 0 ? AN_V_SAME : AN_V_NONE;
		snprintf(row->note, sizeof(row->note), "base median is 0");
		goto out;
	}
	row->ratio = row->cur_norm / row->base_norm;
	if (nb > 1 && nc > 1 &&
	    stats_bootstrap_median_ratio(ub, nb, uc, nc, o->boot_iters, o->seed,
					 &u, &row->lo, &row->hi))
		row->lo = row->hi = NAN;
	if (stats_mann_whitney_exact(ub, nb, uc, nc, &u, &row->p))
		row->p = NAN;
	if (sb.suspect || sc.suspect) {
		row->verdict = AN_V_NONE;
		snprintf(row->note, sizeof(row->note),
			 "SUSPECT in %s (the operation did not cause the exit it measures): no verdict",
			 sb.suspect && sc.suspect ? "both" : sb.suspect ? "BASE" : "NEW");
		goto out;
	}
	if (sb.coarse || sc.coarse) {
		/* A few counter units per sample: a "change" there is
		 * quantization, not cost. */
		row->verdict = AN_V_NONE;
		snprintf(row->note, sizeof(row->note),
			 "below the counter's resolution (coarse) in %s: no verdict; raise batch",
			 sb.coarse && sc.coarse ? "both" : sb.coarse ? "BASE" : "NEW");
		goto out;
	}
	if (nb < o->min_units || nc < o->min_units) {
		row->verdict = AN_V_NONE;
		snprintf(row->note, sizeof(row->note),
			 "too few %s for a verdict: n=%zu vs %zu, need %u each",
			 row->level, nb, nc, o->min_units);
		goto out;
	}
	/* A single run on a busy host: its repetitions share that run's load,
	 * and a shift against the other side cannot be told from a change of
	 * load (A/A pairs on this machine under load were flagged so). With
	 * several runs a side the run-to-run variation is in the values. */
	bool lone_b = c->busy_base && c->n_bases == 1, lone_c = c->busy_cur && c->n_curs == 1;
	if (lone_b || lone_c) {
		row->verdict = AN_V_NONE;
		snprintf(row->note, sizeof(row->note),
			 "measured on a busy host (%s) in a single run: no verdict; re-run on a quiet host or give several runs a side",
			 lone_b && lone_c ? "both sides" : lone_b ? "BASE" : "NEW");
		goto out;
	}
	need = o->spread_factor * fmax(row->spread_base, row->spread_cur);
	need = fmax(need, o->threshold);
	row->significant = !isnan(row->p) && row->p < o->alpha &&
			   fabs(row->ratio - 1) > need;
	if (row->significant)
		row->verdict = row->ratio > 1 ? AN_V_SLOWER : AN_V_FASTER;
	else if (!isnan(row->p) && row->p < o->alpha &&
		 fabs(row->ratio - 1) > o->threshold)
		snprintf(row->note, sizeof(row->note),
			 "within the %s' spread (%.1f%%): not called a change",
			 row->level, 100 * need / o->spread_factor);
out:
	side_free(&sb);
	side_free(&sc);
}

static void not_compared(struct an_cmp_row *row, const char *side,
			 const struct an_bench *b)
{
	row->ratio = row->lo = row->hi = row->p = NAN;
	row->base_val = row->cur_val = row->base_norm = row->cur_norm = NAN;
	row->verdict = AN_V_NONE;
	char full[1200];

	if (!b) {
		snprintf(row->note, sizeof(row->note), "not in %s", side);
		return;
	}
	snprintf(full, sizeof(full), "%s: %s%s%s", side, b->status,
		 b->reason ? " - " : "", b->reason ? b->reason : "");
	/* a reason too long for the note ends at a word, and says so */
	size_t n = strlen(full);
	if (n < sizeof(row->note)) {
		memcpy(row->note, full, n + 1);
		return;
	}
	size_t cut = sizeof(row->note) - 5;
	while (cut > 0 && full[cut] != ' ')
		cut--;
	if (!cut)
		cut = sizeof(row->note) - 5;
	snprintf(row->note, sizeof(row->note), "%.*s ...", (int)cut, full);
}

static int pick_mode(struct an_cmp *c, const struct an_cmp_opts *o,
		     const struct an_bench **ref_b, const struct an_bench **ref_c,
		     char *err, size_t errlen)
{
	const struct an_result *base = c->base, *cur = c->cur;
	double hb = NAN, hc = NAN;

	c->base_unit = an_result_unit(base);
	c->cur_unit = an_result_unit(cur);
	c->mode = AN_CMP_DIRECT;
	if (c->base_unit && c->cur_unit && strcmp(c->base_unit, c->cur_unit)) {
		c->mode = AN_CMP_RATIO;
		c->ref = o->ref;
		*ref_b = an_result_find_name(base, o->ref);
		*ref_c = an_result_find_name(cur, o->ref);
		if (!*ref_b || !*ref_c) {
			snprintf(err, errlen,
				 "%s: units differ (%s vs %s) so values are compared as ratios to a reference benchmark, but '%s' has no status-ok record here; pick another with --ref NAME",
				 !*ref_b ? base->path : cur->path, c->base_unit,
				 c->cur_unit, o->ref);
			return -1;
		}
		snprintf(c->header, sizeof(c->header),
			 "units differ (%s vs %s): raw values are not comparable, so each median is divided by '%s' of its own file and those ratios are compared",
			 c->base_unit, c->cur_unit, o->ref);
		return 0;
	}
	for (size_t i = 0; i < base->n_benches; i++)
		if (base->benches[i].ok && !isnan(base->benches[i].counter_hz)) {
			hb = base->benches[i].counter_hz;
			break;
		}
	for (size_t i = 0; i < cur->n_benches; i++)
		if (cur->benches[i].ok && !isnan(cur->benches[i].counter_hz)) {
			hc = cur->benches[i].counter_hz;
			break;
		}
	/* Counter ticks of two clocks are different units in disguise. */
	if (c->base_unit && strcmp(c->base_unit, "instructions") && hb > 0 &&
	    hc > 0 && fabs(hb / hc - 1) > 0.01) {
		c->mode = AN_CMP_NS;
		snprintf(c->header, sizeof(c->header),
			 "same unit (%s) but counters run at %.4g and %.4g MHz: values converted to ns before comparing",
			 c->base_unit, hb / 1e6, hc / 1e6);
		return 0;
	}
	/* An emulated machine's instructions are work, not time (icount). */
	bool emu = c->base_unit && !strcmp(c->base_unit, "instructions") &&
		   base->host.emulated && cur->host.emulated;
	snprintf(c->header, sizeof(c->header), "same unit (%s): raw values compared%s",
		 c->base_unit ? c->base_unit : "none",
		 emu ? " (emulated instruction counts of QEMU TCG machines, not time)" : "");
	return 0;
}

/* Largest other_cpus at the start or end of the runs of a side. */
static double side_busy(const struct an_result *const *runs, size_t nr)
{
	double m = NAN;

	for (size_t i = 0; i < nr; i++) {
		double a = runs[i]->load_start.other_cpus;
		double b = runs[i]->load_end.other_cpus;

		if (!isnan(a) && !(a <= m))
			m = a;
		if (!isnan(b) && !(b <= m))
			m = b;
	}
	return m;
}

int an_compare_pair(const struct an_result *base, const struct an_result *cur,
		    const struct an_cmp_opts *o, struct an_cmp *c, char *err,
		    size_t errlen)
{
	/* The arrays must outlive the comparison: keep them in it. */
	c->pair[0] = base;
	c->pair[1] = cur;
	return an_compare_sets(&c->pair[0], 1, &c->pair[1], 1, o, c, err, errlen);
}

int an_compare_sets(const struct an_result *const *bases, size_t nb,
		    const struct an_result *const *curs, size_t nc,
		    const struct an_cmp_opts *o, struct an_cmp *c, char *err,
		    size_t errlen)
{
	const struct an_result *base = bases[0], *cur = curs[0];
	const struct an_bench *ref_b = NULL, *ref_c = NULL;
	/* Called by an_compare_pair, the arrays are c->pair itself. */
	const struct an_result *p0 = bases == &c->pair[0] ? base : NULL;
	const struct an_result *p1 = curs == &c->pair[1] ? cur : NULL;
	size_t n = 0;
	bool *used;

	memset(c, 0, sizeof(*c));
	c->pair[0] = p0;
	c->pair[1] = p1;
	c->base = base;
	c->cur = cur;
	c->bases = bases;
	c->n_bases = nb;
	c->curs = curs;
	c->n_curs = nc;
	c->busy_base_cpus = side_busy(bases, nb);
	c->busy_cur_cpus = side_busy(curs, nc);
	c->busy_base = c->busy_base_cpus >= o->busy_cpus;
	c->busy_cur = c->busy_cur_cpus >= o->busy_cpus;
	if (pick_mode(c, o, &ref_b, &ref_c, err, errlen))
		return -1;
	c->rows = calloc(base->n_benches + cur->n_benches + 1, sizeof(*c->rows));
	/* NEW records some BASE row took: the rest get rows of their own. */
	used = calloc(cur->n_benches + 1, sizeof(*used));
	if (!c->rows || !used) {
		free(used);
		snprintf(err, errlen, "%s: out of memory", cur->path);
		return -1;
	}
	for (size_t i = 0; i < base->n_benches; i++) {
		const struct an_bench *b = &base->benches[i];
		struct an_cmp_row *row = &c->rows[n++];

		row->base = b;
		row->cur = an_result_find_match(cur, b);
		if (row->cur)
			used[row->cur - cur->benches] = true;
		if (!b->ok)
			not_compared(row, "BASE", b);
		else if (!row->cur || !row->cur->ok)
			not_compared(row, "NEW", row->cur);
		else if (c->mode == AN_CMP_NS &&
			 !(b->counter_hz > 0 && row->cur->counter_hz > 0)) {
			not_compared(row, "BASE", b);
			snprintf(row->note, sizeof(row->note),
				 "no counter_hz to convert to ns");
		} else {
			compare_row(c, row, o);
			note_levels(row);
		}
		if (row->verdict == AN_V_SLOWER)
			c->n_slower++;
		else if (row->verdict == AN_V_FASTER)
			c->n_faster++;
	}
	for (size_t i = 0; i < cur->n_benches; i++) {
		const struct an_bench *b = &cur->benches[i];
		struct an_cmp_row *row;

		if (used[i])
			continue;
		row = &c->rows[n++];
		row->cur = b;
		not_compared(row, "BASE", NULL);
	}
	c->n_rows = n;
	free(used);
	return 0;
}

void an_cmp_free(struct an_cmp *c)
{
	free(c->rows);
	c->rows = NULL;
	c->n_rows = 0;
}
