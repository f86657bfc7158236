/* The compute family's host side, shared by its rows: the workload's
 * region in the guest and the native twin's buffer, the twin's run on the
 * host's copy of the page, and the record: time per run in both places,
 * overhead with its CI, exits per run and per second, footprint. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"
#include "hv-core/native.h"
#include "macrobench/compute/mc.h"
#include "macrobench/compute/mc_abi.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "probes/stats.h"

static void mc_free(struct mc_state *st);
static void mc_native_before(struct mb_setup_ctx *c, struct mc_state *st);

/* A whole workload is one operation: warming up with more than this many
 * runs buys nothing and costs seconds. */
#define MC_MAX_WARMUP 2
/* Runs a side needs for its median's 95% CI by order statistics. */
#define MC_CI_MIN 6

int mc_setup(struct mb_setup_ctx *c, uint64_t used, struct mc_state **out)
{
	uint64_t sz = (used + HV_PAGE_2M - 1) / HV_PAGE_2M * HV_PAGE_2M;
	struct mc_state *st;
	char why[200];
	int r;

	if (HV_HIGH_RAM_GPA + hv_vm_ram_high(c->vm) > MC_REGION_GPA || sz > HV_MAX_MEM - MC_REGION_GPA) {
		snprintf(c->err, c->errlen, "the region of %llu MiB does not fit above the guest's RAM at 64 GiB",
			 (unsigned long long)(sz >> 20));
		return -ENOTSUP;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	st->used = used;
	st->native.fd = -1;
	st->native_runs = calloc(MC_NATIVE_MAX, sizeof(*st->native_runs));
	if (!st->native_runs) {
		free(st);
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	r = hv_vm_add_memory(c->vm, "workload", MC_REGION_GPA, sz, HV_BACK_ANON, 0, &st->guest,
			     c->err, c->errlen);
	if (r == 0)
		r = hv_vm_map(c->vm, MC_REGION_GPA, MC_REGION_GPA, sz, HV_PAGE_4K,
			      HV_MAP_WRITE | HV_MAP_USER, c->err, c->errlen);
	if (r == 0) {
		/* Now, not at the end: a suite's benchmarks interleave, and
		 * memory left for later may be gone by then. */
		snprintf(st->native.name, sizeof(st->native.name), "native");
		st->native.size = sz;
		st->native.backing = HV_BACK_ANON;
		r = hv_mem_map(&st->native, why, sizeof(why));
		if (r < 0)
			snprintf(c->err, c->errlen, "the native twin's buffer of %llu MiB: %s",
				 (unsigned long long)(sz >> 20), why);
	}
	if (r < 0) {
		mc_free(st);
		return r;
	}
	if (c->params->warmup_iters > MC_MAX_WARMUP)
		c->params->warmup_iters = MC_MAX_WARMUP;
	/* Every run is kept as a raw sample: no more runs than the page
	 * holds, or the guest would keep a decimation (short workloads under
	 * a long min_time_ms stop at this count instead). */
	uint64_t cap = HV_MAX_SAMPLES / (c->params->repetitions ? c->params->repetitions : 1);
	if (c->params->max_iters > cap)
		c->params->max_iters = cap;
	uint64_t *p = c->vm->shared->param;
	p[MC_P_BASE] = MC_REGION_GPA;
	p[MC_P_SIZE] = sz;
	c->priv = st;
	*out = st;
	return 0;
}

void mc_setup_done(struct mb_setup_ctx *c, struct mc_state *st)
{
	memcpy(st->param, c->vm->shared->param, sizeof(st->param));
	st->param[MC_P_BASE] = (uint64_t)(uintptr_t)st->native.hva;
	/* An address inside the region is the twin's own; a notify address
	 * is none natively (its device polls). */
	if (st->param[MC_P_IO_VQ] >= MC_REGION_GPA && st->param[MC_P_IO_VQ] - MC_REGION_GPA < st->native.size)
		st->param[MC_P_IO_VQ] += (uint64_t)(uintptr_t)st->native.hva - MC_REGION_GPA;
	st->param[MC_P_IO_NOTIFY] = 0;
	st->tsc_khz = c->vm->shared->tsc_khz;
	mc_native_before(c, st);
}

int mc_hex_words(const char *hex, uint64_t w[4])
{
	for (int k = 0; k < 4; k++) {
		w[k] = 0;
		for (int d = 0; d < 16; d++) {
			char ch = hex[16 * k + d];
			int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;

			if (v < 0)
				return -1;
			w[k] = w[k] << 4 | (uint64_t)v;
		}
	}
	return 0;
}

/* Raw samples (a whole run each, so few: every one is kept) into a summary. */
static int samples_summary(const uint64_t *v, uint32_t n, struct stats_summary *out)
{
	double *x;
	int r;

	if (!n || n > HV_MAX_SAMPLES)
		return -EINVAL;
	x = malloc(n * sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		x[i] = (double)v[i];
	r = stats_from_samples(x, n, out);
	free(x);
	return r;
}

/* The twin: the same body on this thread, on the host's copy of the page
 * and the suite's limits, for `reps` repetitions; its runs are added to
 * st's. 0, or -errno with st->why saying why (a wrong answer natively is
 * decoded by the row's abort reasons). */
static int mc_native_run(struct mb_setup_ctx *c, struct mc_state *st, uint32_t reps)
{
	const struct mb_params *p = c->params;
	struct hv_shared *s = calloc(1, sizeof(*s));
	int r;

	if (!s) {
		snprintf(st->why, sizeof(st->why), "out of memory");
		return -ENOMEM;
	}
	/* As the runner fills the guest's page (hvbench/measure.c). */
	s->magic = HV_ABI_MAGIC;
	s->abi_version = HV_ABI_VERSION;
	/* A body with a secondary runs it on a host thread per vCPU past the
	 * first (hv-core/native.h): the guest's threads, natively. */
	s->nr_vcpus = p->vcpus ? p->vcpus : 1;
	s->tsc_khz = st->tsc_khz;
	hv_body_name_put(s->body, c->bench->body);
	s->cpl = 3;
	s->min_cycles = (uint64_t)p->min_time_ms * st->tsc_khz;
	s->batch = 1;
	s->max_iters = p->max_iters;
	s->warmup_iters = p->warmup_iters;
	s->repetitions = reps;
	s->calib_iters = 2000;
	memcpy(s->param, st->param, sizeof(s->param));
	if (st->zero_len && st->zero_off + st->zero_len <= st->native.size)
		memset((uint8_t *)st->native.hva + st->zero_off, 0, st->zero_len);
	if (st->twin_begin && (r = st->twin_begin(st, st->why, sizeof(st->why))) < 0) {
		free(s);
		return r;
	}
	r = hv_native_run(s, NULL, NULL, st->why, sizeof(st->why));
	if (st->twin_end)
		st->twin_end(st);
	if (r == 0 && s->status == HV_GS_ABORT) {
		char why[300];

		snprintf(st->why, sizeof(st->why), "%s",
			 mb_abort_reason(c->bench, s->abort_code, why, sizeof(why)));
		r = -EPROTO;
	} else if (r == 0 && s->status != HV_GS_OK) {
		snprintf(st->why, sizeof(st->why), "the native run ended with status %u", s->status);
		r = -EPROTO;
	} else if (r == 0 && (!s->nsamples || s->nsamples > HV_MAX_SAMPLES || s->samples_stride != 1)) {
		snprintf(st->why, sizeof(st->why), "the native run kept %u samples of %llu runs, not each",
			 s->nsamples, (unsigned long long)s->iterations);
		r = -EPROTO;
	}
	for (uint32_t i = 0; r == 0 && i < s->nsamples && st->n_native < MC_NATIVE_MAX; i++)
		st->native_runs[st->n_native++] = (double)s->samples[i];
	free(s);
	return r;
}

/* Before the guest runs: the first half of the twin's repetitions (the
 * rest come after it, so a drift of the host's load over the run weighs on
 * both sides alike). */
static void mc_native_before(struct mb_setup_ctx *c, struct mc_state *st)
{
	uint32_t reps = c->params->repetitions;

	st->reps_after = reps / 2;
	st->native_err = mc_native_run(c, st, reps - reps / 2);
}

static void mc_free(struct mc_state *st)
{
	if (st->own_map)
		munmap(st->own_map, st->own_len);
	hv_mem_unmap(&st->native);
	free(st->native_runs);
	free(st);
}

/* The guest's runs, from its page (bounded: the runner checked it, and
 * nothing past HV_MAX_SAMPLES is read). */
static int guest_summary(struct mb_setup_ctx *c, struct stats_summary *g)
{
	const struct hv_shared *s = c->vm->shared;
	uint32_t n = s->nsamples;

	if (n > HV_MAX_SAMPLES || s->samples_stride != 1)
		return -EPROTO;	/* the guest kept a decimation: not every run */
	return samples_summary(s->samples, n, g);
}

/* The counter's unit: cycles, or emulated instructions under icount
 * (probes/hostinfo.h), never called cycles there. */
static const char *counter_unit(const struct mb_setup_ctx *c)
{
	return arch_counter_unit(c->host ? c->host->counter_unit : NULL);
}

static void mc_metrics(struct mb_setup_ctx *c, struct rec *rec, struct mc_state *st,
		       const struct stats_summary *g, const struct stats_summary *n)
{
	double khz = (double)st->tsc_khz;
	const char *unit = counter_unit(c);
	const struct rec_metric *ex = rec_metric_find(rec, "exits_per_op/exits");
	/* Adding a metric may move the record's array: take the value now. */
	double exits = ex ? ex->value : -1;

	rec_metric_stats(rec, "run/native", unit,
			 "one whole run of the workload on a host thread, the same code, checked the same way", n, 1);
	rec_metric_value(rec, "run_ms/guest", "ms", "median run in the guest, wall time", g->p50 / khz);
	rec_metric_value(rec, "run_ms/native", "ms", "median run natively, wall time", n->p50 / khz);
	if (n->p50 > 0 && n->ci95_low > 0) {
		rec_metric_value(rec, "overhead/of_medians", "%", "median run in the guest over the median native, less 1",
				 (g->p50 / n->p50 - 1) * 100);
	}
	/* Interval arithmetic on the two medians' 95% CIs: conservative.
	 * Below MC_CI_MIN runs a side's CI is its min..max, which covers
	 * less than 95%: then no interval is given. */
	if (n->p50 > 0 && n->ci95_low > 0 && g->n >= MC_CI_MIN && n->n >= MC_CI_MIN) {
		rec_metric_value(rec, "overhead/ci95_low", "%",
				 "lower end: the guest's lower CI bound over the native's upper one",
				 (g->ci95_low / n->ci95_high - 1) * 100);
		rec_metric_value(rec, "overhead/ci95_high", "%",
				 "upper end: the guest's upper CI bound over the native's lower one",
				 (g->ci95_high / n->ci95_low - 1) * 100);
	}
	if (exits >= 0 && g->mean > 0) {
		rec_metric_value(rec, "exits_per_s", "per s", "KVM exits per second of the guest's runs",
				 exits / (g->mean / (khz * 1000)));
	}
	if (st->work > 0 && st->work_unit) {
		char what[160];

		rec_metric_value(rec, "work_per_run", st->work_unit, "the work one run does, in the row's unit", st->work);
		snprintf(what, sizeof(what), "median run in the guest over its %s", st->work_unit);
		rec_metric_value(rec, "per_work/guest", unit, what, g->p50 / st->work);
		snprintf(what, sizeof(what), "median run natively over its %s", st->work_unit);
		rec_metric_value(rec, "per_work/native", unit, what, n->p50 / st->work);
		snprintf(what, sizeof(what), "guest median less native median, over the %s of a run: what the VM adds to each", st->work_unit);
		rec_metric_value(rec, "per_work/extra", unit, what, (g->p50 - n->p50) / st->work);
	}
	if (st->rate && st->work > 0 && g->p50 > 0 && n->p50 > 0) {
		rec_metric_value(rec, "throughput/guest", "MB/s", "input bytes over the guest's median run, 10^6 bytes/s",
				 st->work / (g->p50 / (khz * 1000)) / 1e6);
		rec_metric_value(rec, "throughput/native", "MB/s", "input bytes over the twin's median run, 10^6 bytes/s",
				 st->work / (n->p50 / (khz * 1000)) / 1e6);
	}
	for (int i = 0; i < st->n_extra && i < 4; i++)
		rec_metric_value(rec, st->extra[i].name, st->extra[i].unit, st->extra[i].what, st->extra[i].value);
	rec_metric_value(rec, "footprint", "bytes", "guest memory the workload uses (its region)",
			 (double)st->used);
	rec_metric_value(rec, "footprint_mapped", "bytes",
			 "the region mapped for it (rounded to 2 MiB)", (double)st->native.size);
}

int mc_abandon(struct mb_setup_ctx *c, int r)
{
	if (c->priv)
		mc_free(c->priv);
	c->priv = NULL;
	return r;
}

void mc_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	struct mc_state *st = c->priv;
	struct stats_summary g, n;

	c->priv = NULL;
	if (!st)
		return;
	int gr = rec->status == REC_OK ? guest_summary(c, &g) : -1;
	if (gr == 0)
		rec_metric_stats(rec, "run/guest", counter_unit(c),
				 "one whole run of the workload in the guest, its output checked", &g, 1);
	/* The twin's second half runs in every case, so that a row failed in
	 * the guest also says whether the same code fails natively. */
	int r = st->native_err;
	if (r == 0 && st->reps_after)
		r = mc_native_run(c, st, st->reps_after);
	if (r == 0 && stats_from_samples(st->native_runs, st->n_native, &n) < 0) {
		snprintf(st->why, sizeof(st->why), "no native runs to summarize");
		r = -EPROTO;
	}
	rec_set(rec, "twin", r == 0 ? json_pack("{s:s, s:s}", "status", "ok", "when",
		"half its repetitions before the guest ran, half after") :
		json_pack("{s:s, s:s}", "status", r == -ENOTSUP ? "unsupported" : "failed", "reason", st->why));
	if (rec->status == REC_OK && r < 0) {
		char msg[480];

		snprintf(msg, sizeof(msg), "the native twin: %s", st->why);
		rec_set_status(rec, REC_FAILED, msg);
	} else if (rec->status == REC_OK && gr < 0) {
		rec_set_status(rec, REC_FAILED, "the guest kept a decimation of its runs, not each: fewer runs (min_time_ms, repetitions) or a larger input");
	} else if (rec->status == REC_OK) {
		mc_metrics(c, rec, st, &g, &n);
		rec_set_headline(rec, "run/guest");
	}
	mc_free(st);
}
