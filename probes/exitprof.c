/* The exit profile's table and its JSON rendering (probes/exitprof.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/exitprof.h"
#include "probes/stats.h"

void exitprof_init(struct exitprof *p, const char *method, const char *unit,
		   const char *time_what)
{
	memset(p, 0, sizeof(*p));
	p->method = method;
	p->unit = unit;
	p->time_what = time_what;
}

struct exitprof_reason *exitprof_reason(struct exitprof *p, const char *name,
					int64_t code)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->r[i].name, name))
			return &p->r[i];
	if (p->n == EXITPROF_MAX)
		return NULL;
	struct exitprof_reason *r = &p->r[p->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->code = code;
	hist_moments_init(&r->m);
	return r;
}

static void moments_add(struct hist_moments *to, const struct hist_moments *m)
{
	unsigned __int128 a = (unsigned __int128)to->sumsq_hi << 64 | to->sumsq_lo;

	a += (unsigned __int128)m->sumsq_hi << 64 | m->sumsq_lo;
	to->sumsq_lo = (uint64_t)a;
	to->sumsq_hi = (uint64_t)(a >> 64);
	to->n += m->n;
	to->sum += m->sum;
	if (m->min < to->min)
		to->min = m->min;
	if (m->max > to->max)
		to->max = m->max;
}

int exitprof_add_times(struct exitprof_reason *r, const uint32_t *hist,
		       const struct hist_moments *m)
{
	if (!m->n)
		return 0;
	if (!hist) {
		r->hist_partial = true;
	} else {
		if (!r->hist && !(r->hist = calloc(HIST_BUCKETS, sizeof(uint32_t))))
			return -ENOMEM;
		for (uint32_t b = 0; b < HIST_BUCKETS; b++)
			r->hist[b] += hist[b];
	}
	moments_add(&r->m, m);
	return 0;
}

int exitprof_add_time(struct exitprof_reason *r, uint64_t cycles)
{
	if (!r->hist && !(r->hist = calloc(HIST_BUCKETS, sizeof(uint32_t))))
		return -ENOMEM;
	hist_record(r->hist, &r->m, cycles);
	return 0;
}

/* Figures to 0.1 of a cycle: more digits than that are noise. */
static json_t *num(double v)
{
	if (!isfinite(v))
		return json_null();
	double x = round(v * 10) / 10;

	return x == floor(x) && fabs(x) < 9e15 ? json_integer((json_int_t)x) : json_real(x);
}

static json_t *reason_json(const struct exitprof *p, const struct exitprof_reason *r)
{
	json_t *o = json_object();
	struct stats_summary s;

	if (!o)
		return NULL;
	json_object_set_new(o, "count", json_integer((json_int_t)r->count));
	json_object_set_new(o, "per_op", json_real(p->ops ? (double)r->count / (double)p->ops : 0));
	if (r->code >= 0)
		json_object_set_new(o, "code", json_integer(r->code));
	json_object_set_new(o, "timed", json_integer((json_int_t)r->m.n));
	if (!r->m.n)
		return o;
	double mean = (double)r->m.sum / (double)r->m.n;
	json_object_set_new(o, "time_min", num((double)r->m.min));
	/* quantiles only from a histogram that holds every timed exit */
	if (r->hist && !r->hist_partial && stats_from_histogram(r->hist, &r->m, &s) == 0) {
		json_object_set_new(o, "time_p50", num(s.p50));
		json_object_set_new(o, "time_p99", num(s.p99));
	}
	json_object_set_new(o, "time_max", num((double)r->m.max));
	json_object_set_new(o, "time_mean", num(mean));
	json_object_set_new(o, "time_total", json_integer((json_int_t)r->m.sum));
	/* Every vCPU's window is the same length: the share is of all the
	 * vCPUs' time together. */
	double win = (double)p->window * (p->vcpus ? p->vcpus : 1);
	if (win > 0)
		json_object_set_new(o, "share_of_window", json_real((double)r->m.sum / win));
	return o;
}

json_t *exitprof_json(const struct exitprof *p)
{
	json_t *o = json_object(), *rs = json_object();

	if (!o || !rs) {
		json_decref(o);
		json_decref(rs);
		return NULL;
	}
	json_object_set_new(o, "method", json_string(p->method));
	json_object_set_new(o, "unit", json_string(p->unit ? p->unit : "cycles"));
	if (p->time_what)
		json_object_set_new(o, "time", json_string(p->time_what));
	json_object_set_new(o, "ops", json_integer((json_int_t)p->ops));
	json_object_set_new(o, "vcpus", json_integer(p->vcpus));
	json_object_set_new(o, "window", json_integer((json_int_t)p->window));
	json_object_set_new(o, "call_channel_exits", json_integer((json_int_t)p->call_channel_exits));
	for (size_t i = 0; i < p->n; i++) {
		if (!p->r[i].count && !p->r[i].m.n)
			continue;
		json_t *r = reason_json(p, &p->r[i]);
		if (r)
			json_object_set_new(rs, p->r[i].name, r);
	}
	json_object_set_new(o, "reasons", rs);
	return o;
}

void exitprof_free(struct exitprof *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->r[i].hist);
		p->r[i].hist = NULL;
	}
	p->n = 0;
}

static const char *category(const char *name)
{
	static const char *const mmu[] = { "pf_", "mmu_", "tlb_", "invlpg", "remote_tlb", NULL };

	if (strstr(name, "exit") || !strcmp(name, "hypercalls"))
		return "exits";
	for (const char *const *m = mmu; *m; m++)
		if (!strncmp(name, *m, strlen(*m)))
			return "mmu";
	if (!strncmp(name, "insn_emulation", 14))
		return "emulation";
	if (!strncmp(name, "halt_", 5))
		return "halt";
	return "other";
}

json_t *exitprof_kvm_categories(json_t *per_op)
{
	json_t *o = json_object();
	const char *name;
	json_t *v;

	if (!o)
		return NULL;
	json_object_foreach(per_op, name, v) {
		/* a VM statistic keeps its "vm." prefix, in its category */
		const char *base = strncmp(name, "vm.", 3) ? name : name + 3;
		const char *cat = category(base);
		json_t *c = json_object_get(o, cat);
		if (!c) {
			c = json_object();
			json_object_set_new(o, cat, c);
		}
		json_object_set(c, name, v);
	}
	return o;
}
