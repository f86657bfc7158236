/* tlb_walk (issue 13): cycles per access of a dependent pointer chase, one
 * line per 4 KiB page over a working set, with the guest's page size and the
 * host's backing chosen, in the guest and natively from the same body; the
 * ratio guest / native is the two-dimensional walk's price (TDP) or about 1
 * (shadow paging, which walks the guest's tables only once, in software). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/hv.h"
#include "microbench/memory/mmu_stats.h"
#include "microbench/mb.h"
#include "microbench/memory/tlb_walk.h"
#include "microbench/memory/tlb_walk_abi.h"
#include "probes/record.h"
#include "probes/stats.h"

enum tw_ext { TW_X_WS_KIB, TW_X_PAGE, TW_X_BACKING, TW_X_PER_OP };

static const struct mb_param_def tw_params[] = {
	{ "ws_kib", MB_PT_INT, "working set in KiB (a multiple of 4: one node per 4 KiB page)", 16, 4194304, NULL, 1024 },
	{ "page", MB_PT_CHOICE, "the guest's page size over the working set", 0, 0, mm_page_names, 0 },
	{ "backing", MB_PT_CHOICE, "the host memory behind it (hugetlb needs reserved pages)", 0, 0, mm_backing_names, 0 },
	{ "per_op", MB_PT_INT, "dependent loads per timed operation", 1, TW_MAX_PER_OP, NULL, 512 },
	{ NULL },
};

static const char *const tw_aborts[] = {
	"the page asked for a node count or loads per operation out of range",
	"the chain led outside the working set",
	NULL,
};

struct tw_state {
	uint64_t size, nodes, page;
	enum hv_backing backing;
	struct mm_native native;	/* what the host wrote, for the twin */
	/* The twin's memory and chain, taken at set-up beside the guest's:
	 * a suite's benchmarks live side by side (their repetitions
	 * interleave), so memory left for the end may be gone by then. */
	struct hv_mem_region buf;
	int buf_err;			/* 0, or why the twin cannot run */
	char buf_why[200];
};

/* The twin's buffer, backed as the guest's region, with the same chain. */
static void tw_native_buffer(struct tw_state *st)
{
	int r = mm_host_buffer(st->backing, st->size, &st->buf, st->buf_why,
			       sizeof(st->buf_why));

	if (r == 0) {
		int64_t start = tw_build_chain(st->buf.hva, st->size, st->nodes);
		if (start < 0 || (uint64_t)start != st->native.param[TW_P_START]) {
			snprintf(st->buf_why, sizeof(st->buf_why), "the native chain differs from the guest's");
			r = -EPROTO;
		}
	}
	st->buf_err = r;
	if (r < 0)
		hv_mem_unmap(&st->buf);
}

static void tw_free(struct tw_state *st)
{
	hv_mem_unmap(&st->buf);	/* nothing where it was never mapped */
	free(st);
}

static int tw_setup(struct mb_setup_ctx *c)
{
	const int64_t *x = c->params->ext;
	uint64_t ws = (uint64_t)x[TW_X_WS_KIB] << 10, page = mm_page_bytes(x[TW_X_PAGE]);
	enum hv_backing b = mm_backing(x[TW_X_BACKING]);
	struct hv_mem_region *r;
	struct tw_state *st;
	uint64_t size;
	int64_t start;
	int e;

	if (ws % TW_NODE) {
		snprintf(c->err, c->errlen, "ws_kib %lld is not a whole number of 4 KiB nodes",
			 (long long)x[TW_X_WS_KIB]);
		return -ENOTSUP;
	}
	e = mm_region(c, ws, page, b, &r, &size);
	if (e < 0)
		return e;
	start = tw_build_chain(r->hva, size, ws / TW_NODE);
	if (start < 0) {
		snprintf(c->err, c->errlen, "the chain of %llu nodes: %s",
			 (unsigned long long)(ws / TW_NODE), strerror((int)-start));
		return (int)start;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	*st = (struct tw_state){ .size = size, .nodes = ws / TW_NODE, .page = page, .backing = b,
				 .buf = { .fd = -1 } };
	c->priv = st;
	uint64_t *p = c->vm->shared->param;
	p[TW_P_BASE] = MM_REGION_GPA;
	p[TW_P_SIZE] = size;
	p[TW_P_NODES] = st->nodes;
	p[TW_P_PER_OP] = (uint64_t)x[TW_X_PER_OP];
	p[TW_P_START] = (uint64_t)start;
	/* The guest may rewrite its page: the twin runs on the host's copy. */
	st->native.body = c->bench->body;
	memcpy(st->native.param, p, sizeof(st->native.param));
	st->native.tsc_khz = c->vm->shared->tsc_khz;
	tw_native_buffer(st);
	return 0;
}

/* A per-sample summary, per load instead of per operation. */
static struct stats_summary per_load(const struct stats_summary *s, double loads)
{
	struct stats_summary o = *s;
	double *f[] = { &o.min, &o.p10, &o.p50, &o.p90, &o.p99, &o.max, &o.mean,
			&o.stddev, &o.ci95_low, &o.ci95_high };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		*f[i] /= loads;
	return o;
}

/* The native twin: the same chain in host memory backed the same way, the
 * same body and limits on this thread. */
static int tw_native(struct mb_setup_ctx *c, struct tw_state *st, struct stats_summary *out)
{
	if (st->buf_err < 0) {
		snprintf(c->err, c->errlen, "%s", st->buf_why);
		return st->buf_err;
	}
	return mm_native_run(c, &st->native, TW_P_BASE, (uintptr_t)st->buf.hva, out,
			     c->err, c->errlen);
}

static void tw_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	struct tw_state *st = c->priv;
	const struct rec_metric *cyc = rec_metric_find(rec, "cycles");
	double loads = (double)c->params->ext[TW_X_PER_OP];
	struct stats_summary g, n, cst;
	const char *unit;
	uint32_t per;
	char what[160];

	c->priv = NULL;
	if (!st)
		return;
	if (rec->status != REC_OK || !cyc) {
		tw_free(st);
		return;
	}
	/* Adding a metric may move the record's array: what is needed of
	 * "cycles" is taken now (its unit string stays where it is). */
	cst = cyc->st;
	unit = cyc->unit;
	per = cyc->per;
	cyc = NULL;
	uint64_t leaf = hv_vm_leaf(c->vm, MM_REGION_GPA);
	if (leaf) {
		rec_metric_value(rec, "guest_page", "bytes",
				 "the leaf size of the working set's first page in the guest's own tables", (double)leaf);
		if (leaf != st->page)
			rec_flag(rec, "suspect", "the guest's tables map the working set with pages of another size than asked");
	}
	mm_kvm_pages(c->vm, rec);
	g = per_load(&cst, loads);
	rec_metric_stats(rec, "per_access/guest", unit,
			 "one dependent load of the chase in the guest", &g, per);
	rec_set_headline(rec, "per_access/guest");
	int r = tw_native(c, st, &n);
	if (r < 0) {
		rec_set(rec, "native", json_pack("{s:s, s:s}", "status",
			r == -ENOTSUP ? "unsupported" : "failed", "reason", c->err));
		c->err[0] = '\0';
		tw_free(st);
		return;
	}
	n = per_load(&n, loads);
	snprintf(what, sizeof(what), "the same load on a host thread, host memory %s",
		 hv_backing_name(st->backing));
	rec_metric_stats(rec, "per_access/native", unit, what, &n, per);
	if (n.p50 > 0)
		rec_metric_value(rec, "ratio/guest_native", "ratio",
				 "median load in the guest over the median native: the walk's price",
				 g.p50 / n.p50);
	tw_free(st);
}

static const struct mb_bench b_tlb_walk = {
	.name = "tlb_walk", .family = "memory",
	.description = "dependent pointer chase, one line per 4 KiB page over a working set: cycles per access in the guest and natively, guest page size and host backing chosen",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none: a TLB miss is walked by the hardware or the shadow tables, not the VMM",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "tlb_walk", .cpls = MB_CPL_ANY,
	.ext_params = tw_params, .abort_reasons = tw_aborts, .kvm_stats = mem_mmu_stats,
	.setup = tw_setup, .finish = tw_finish,
};
MB_REGISTER(b_tlb_walk);
