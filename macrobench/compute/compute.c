/* The compute family's rows (issue 17): whole workloads run in the guest
 * and natively from the same code, one run per operation, each checking its
 * own output against a reference the host computes on its own: SHA-256 of
 * a buffer, a radix sort of 64-bit keys, a blocked integer matrix product.
 * Their record: mc.c. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/hv.h"
#include "hvbench/sha256.h"
#include "macrobench/compute/mc.h"
#include "macrobench/compute/mc_abi.h"
#include "macrobench/compute/mc_input.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/record.h"

/* The host's reference, made wrong on purpose: the row must fail. */
#define CORRUPT_HELP "plant a wrong reference (one bit flipped): the run must fail, in the guest and natively"

/* Both buffers get the same bytes: a splitmix64 stream from seed. */
static void fill(struct mc_state *st, uint64_t bytes, uint64_t seed)
{
	uint8_t *g = st->guest->hva, *n = st->native.hva;

	for (uint64_t i = 0; i < bytes; i += 8) {
		uint64_t v = mc_splitmix(&seed);

		for (uint64_t k = 0; k < 8 && i + k < bytes; k++)
			g[i + k] = n[i + k] = (uint8_t)(v >> (8 * k));
	}
}

/* ---- sha256 ---- */

static const struct mb_param_def sha_params[] = {
	{ "kib", MB_PT_INT, "bytes hashed per run, in KiB (the buffer the host fills)", 1, MC_SHA_MAX >> 10, NULL, 16384 },
	{ "corrupt", MB_PT_BOOL, CORRUPT_HELP, 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const sha_aborts[] = {
	"the page asked for more bytes than the region holds or the body takes",
	"the digest differs from the host's (hvbench/sha256.c over the same bytes)",
	"(unused)", "(unused)", NULL,
};

/* The buffer, and the host's digest of it; with nv > 1 the digest of the
 * nv segments' digests (mc_abi.h), as the body makes it. */
static int sha_fill(struct mb_setup_ctx *c, uint32_t nv)
{
	uint64_t bytes = (uint64_t)c->params->ext[0] << 10, w[4];
	struct mc_state *st;
	char hex[65];
	int r = mc_setup(c, mc_sha_used(bytes, nv), &st);

	if (r < 0)
		return r;
	fill(st, bytes, 0x5a17ull);
	if (nv > 1) {
		uint8_t *dig = malloc(32ull * nv);

		if (!dig) {
			snprintf(c->err, c->errlen, "out of memory");
			return mc_abandon(c, -ENOMEM);
		}
		for (uint32_t v = 0; v < nv; v++) {
			uint64_t lo = bytes * v / nv, hi = bytes * (v + 1) / nv;

			sha256_hex((const uint8_t *)st->guest->hva + lo, hi - lo, hex);
			if (mc_hex_words(hex, w) < 0)
				break;
			for (int k = 0; k < 32; k++)
				dig[32 * v + k] = (uint8_t)(w[k / 8] >> (56 - 8 * (k % 8)));
		}
		sha256_hex(dig, 32ull * nv, hex);
		free(dig);
		st->zero_off = mc_sha_par_off(bytes);
		st->zero_len = sizeof(struct mc_par);
	} else {
		sha256_hex(st->guest->hva, bytes, hex);
	}
	if (mc_hex_words(hex, w) < 0) {
		snprintf(c->err, c->errlen, "the host's digest is not hex");
		return mc_abandon(c, -EPROTO);
	}
	uint64_t *p = c->vm->shared->param;
	p[MC_P_N] = bytes;
	st->work = (double)bytes, st->work_unit = "bytes";
	for (int k = 0; k < 4; k++)
		p[MC_P_REF0 + k] = w[k];
	p[MC_P_REF3] ^= (uint64_t)c->params->ext[1];
	mc_setup_done(c, st);
	return 0;
}

static int sha_setup(struct mb_setup_ctx *c)
{
	return sha_fill(c, c->params->vcpus > 1 ? c->params->vcpus : 1);
}

static const struct mb_bench b_sha = {
	.name = "macro_sha256", .family = "macro",
	.description = "SHA-256 (FIPS 180-4) over a buffer, in the guest and natively: one whole digest per op, checked against the host's; with vcpus N the buffer in N segments, one per vCPU (natively one per thread), and the digest of their digests",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none: pure computation (what exits there are, are the host's interrupts and first touches)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_sha256", .cpls = MB_CPL_ANY,
	.ext_params = sha_params, .abort_reasons = sha_aborts,
	.setup = sha_setup, .finish = mc_finish,
};
MB_REGISTER(b_sha);

/* ---- timer: sha256 under the guest's timer ---- */

static const struct mb_param_def timer_params[] = {
	{ "kib", MB_PT_INT, "bytes hashed per run, in KiB (macro_sha256's buffer)", 1, MC_SHA_MAX >> 10, NULL, 4096 },
	{ "corrupt", MB_PT_BOOL, CORRUPT_HELP, 0, 1, NULL, 0 },
	{ "hz", MB_PT_INT, "the guest timer's rate: periodic interrupts per second (the local APIC timer), 0 none", 0, 10000, NULL, 1000 },
	{ NULL },
};

static int timer_setup(struct mb_setup_ctx *c)
{
	int r = sha_fill(c, 1);	/* kib and corrupt where sha256 has them; vCPU 0 alone */

	if (r == 0)
		c->vm->shared->timer_hz = (uint32_t)c->params->ext[2];
	return r;
}

/* After the family's record: the interrupts per run (the guest's own
 * count, bounded), the rate they came at over the guest's median run, and
 * what each cost: the guest's median less the twin's (which runs without a
 * timer), over the interrupts in a run. */
static void timer_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	const struct hv_shared *s = c->vm->shared;
	uint64_t ticks = s->scratch[0], runs = s->scratch[1];
	uint64_t hz = (uint64_t)c->params->ext[2];

	mc_finish(c, rec);
	if (rec->status != REC_OK)
		return;
	const struct rec_metric *g = rec_metric_find(rec, "run/guest"), *n = rec_metric_find(rec, "run/native");
	const struct rec_metric *ms = rec_metric_find(rec, "run_ms/guest");
	/* A run takes at most a tick per 100 ns of the asked rate's period
	 * even at 10 kHz: more is a guest that lies. */
	if (!g || !n || !ms || !runs || runs > (1ull << 40) || ticks > runs * (1ull << 32)) {
		rec_set_status(rec, REC_FAILED, "the guest's timer count is missing or impossible");
		return;
	}
	double per_run = (double)ticks / (double)runs;
	rec_metric_value(rec, "timer/asked_hz", "Hz", "the guest timer's programmed rate", (double)hz);
	rec_metric_value(rec, "timer/ticks_per_run", "interrupts", "timer interrupts the guest took per run (its own count)", per_run);
	if (ms->value > 0)
		rec_metric_value(rec, "timer/measured_hz", "Hz", "interrupts per run over the guest's median run, wall time",
				 per_run / (ms->value / 1000));
	/* KVM gives a periodic APIC timer no shorter a period than its
	 * min_timer_period_us (200 by default: 5 kHz at most). */
	int minp = c->host ? c->host->lapic_min_period_us : -1;
	if (hz && minp > 0 && 1000000.0 / (double)hz < (double)minp) {
		char note[200];

		snprintf(note, sizeof(note),
			 "KVM slows a periodic local APIC timer to its min_timer_period_us (%d us here): at most %.0f Hz, not %llu",
			 minp, 1e6 / minp, (unsigned long long)hz);
		rec_set(rec, "timer_note", json_string(note));
		rec_metric_value(rec, "timer/kvm_max_hz", "Hz", "the fastest periodic APIC timer KVM gives (1 / min_timer_period_us)",
				 1e6 / minp);
	}
	if (per_run > 0)
		rec_metric_value(rec, "timer/cost_per_tick", g->unit,
				 "guest median less native median (no timer natively), over the interrupts in a run",
				 (g->st.p50 - n->st.p50) / per_run);
}

static const struct mb_bench b_timer = {
	.name = "macro_timer", .family = "macro",
	.description = "macro_sha256's run under a guest timer at hz (x86: the local APIC timer, periodic; arm64: the virtual generic timer, re-armed each tick), natively without one: what the interrupts cost the same compute",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "the timer's: x86 an interrupt exit and the x2APIC EOI write a tick (none with APICv/AVIC); arm64 the timer's exit to the host (the vGIC's EOI and the re-arm do not exit); plus the host's own",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_timer", .cpls = MB_CPL_ANY, .irqchip = true, .user_irqs = true,
	.ext_params = timer_params, .abort_reasons = sha_aborts,
	.setup = timer_setup, .finish = timer_finish,
};
MB_REGISTER(b_timer);

/* ---- sort ---- */

static const struct mb_param_def sort_params[] = {
	{ "keys", MB_PT_INT, "64-bit keys sorted per run (two arrays of them in the region)", 2, MC_SORT_MAX, NULL, 1 << 20 },
	{ "corrupt", MB_PT_BOOL, CORRUPT_HELP, 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const sort_aborts[] = {
	"the page asked for more keys than the region holds or the body takes",
	"the sorted keys' weighted checksum differs from the host's (qsort of the same keys)",
	"a key is below the one before it: the output is not sorted",
	"the keys' sum changed: a key was lost or altered",
	NULL,
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int sort_setup(struct mb_setup_ctx *c)
{
	uint64_t n = (uint64_t)c->params->ext[0], seed = 0x50f7ull, s = seed, w = 0;
	struct mc_state *st;
	uint64_t *k;
	uint32_t nv = c->params->vcpus > 1 ? c->params->vcpus : 1;
	int r = mc_setup(c, mc_sort_used(n, nv), &st);

	if (r < 0)
		return r;
	if (nv > 1) {
		st->zero_off = mc_sort_par_off(n, nv);
		st->zero_len = sizeof(struct mc_par);
	}
	/* The host's own sort of the same keys, in the twin's buffer (the
	 * body makes its own input every run). */
	k = (uint64_t *)st->native.hva;
	for (uint64_t i = 0; i < n; i++)
		k[i] = mc_splitmix(&s);
	qsort(k, n, sizeof(*k), cmp_u64);
	for (uint64_t i = 0; i < n; i++)
		w = mc_weigh(w, i, k[i]);
	uint64_t *p = c->vm->shared->param;
	p[MC_P_N] = n;
	p[MC_P_SEED] = seed;
	st->work = (double)n, st->work_unit = "keys";
	p[MC_P_REF0] = w ^ (uint64_t)c->params->ext[1];
	mc_setup_done(c, st);
	return 0;
}

static const struct mb_bench b_sort = {
	.name = "macro_sort", .family = "macro",
	.description = "LSD radix sort of 64-bit keys made from a seed, in the guest and natively: one whole sort per op, checked for order, key sum and the host's checksum; with vcpus N every pass in N bands of the keys, one per vCPU (natively one per thread)",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none: pure computation (what exits there are, are the host's interrupts and first touches)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_sort", .cpls = MB_CPL_ANY,
	.ext_params = sort_params, .abort_reasons = sort_aborts,
	.setup = sort_setup, .finish = mc_finish,
};
MB_REGISTER(b_sort);

/* ---- matmul ---- */

static const struct mb_param_def mm_params[] = {
	{ "n", MB_PT_INT, "matrix order: C = A x B, n x n 32-bit integers", 1, MC_MM_MAX, NULL, 256 },
	{ "block", MB_PT_INT, "cache block edge (elements) of the i, k and j loops; one above n means n", 1, MC_MM_MAX, NULL, 64 },
	{ "corrupt", MB_PT_BOOL, CORRUPT_HELP, 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const mm_aborts[] = {
	"the page asked for an order or block outside the region or the body's limits",
	"the product's weighted checksum differs from the host's (a plain triple loop)",
	"(unused)", "(unused)", NULL,
};

static int mm_setup(struct mb_setup_ctx *c)
{
	uint64_t n = (uint64_t)c->params->ext[0], bs = (uint64_t)c->params->ext[1], s = 0x3a7ull, w = 0;
	struct mc_state *st;
	int r;

	if (bs > n)
		bs = n;		/* one block: the plain loop */
	r = mc_setup(c, mc_mm_par_off(n) + sizeof(struct mc_par), &st);
	if (r < 0)
		return r;
	st->zero_off = mc_mm_par_off(n);
	st->zero_len = sizeof(struct mc_par);
	int32_t *ga = (int32_t *)st->guest->hva, *na = (int32_t *)st->native.hva;
	/* A and B: int8-range values, so no sum of n products overflows. */
	for (uint64_t i = 0; i < 2 * n * n; i++)
		ga[i] = na[i] = (int32_t)(mc_splitmix(&s) & 255) - 128;
	/* The reference: C in the twin's third matrix, a plain i-k-j loop. */
	const int32_t *a = na, *b = na + n * n;
	int32_t *cc = na + 2 * n * n;
	memset(cc, 0, n * n * sizeof(*cc));
	for (uint64_t i = 0; i < n; i++)
		for (uint64_t k = 0; k < n; k++)
			for (uint64_t j = 0; j < n; j++)
				cc[i * n + j] += a[i * n + k] * b[k * n + j];
	for (uint64_t i = 0; i < n * n; i++)
		w = mc_weigh(w, i, (uint64_t)(int64_t)cc[i]);
	uint64_t *p = c->vm->shared->param;
	p[MC_P_N] = n;
	p[MC_P_AUX] = bs;
	st->work = (double)n * n * n, st->work_unit = "multiply-adds";
	p[MC_P_REF0] = w ^ (uint64_t)c->params->ext[2];
	mc_setup_done(c, st);
	return 0;
}

static const struct mb_bench b_mm = {
	.name = "macro_matmul", .family = "macro",
	.description = "cache-blocked integer matrix product C = A x B, in the guest and natively: one whole product per op, checked against the host's; with vcpus N the rows are split in N bands, one per vCPU (natively one per thread)",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none: pure computation (what exits there are, are the host's interrupts and first touches)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_matmul", .cpls = MB_CPL_ANY,
	.ext_params = mm_params, .abort_reasons = mm_aborts,
	.setup = mm_setup, .finish = mc_finish,
};
MB_REGISTER(b_mm);
