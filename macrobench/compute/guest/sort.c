/* sort workload: LSD radix sort of N 64-bit keys (8 passes of 8 bits, a
 * ping-pong between two arrays), the keys made from the page's seed at the
 * start of every run (the sort is in place). Checked three ways: every key
 * not below the one before, the keys' sum the same before and after, and
 * the position-weighted checksum of the output equal to the host's, which
 * sorted the same keys with qsort. With vcpus N > 1 every step is split
 * in N bands of the keys (natively N threads): each band makes its keys,
 * then every pass counts its band's digits into a histogram of its own,
 * and after a meeting scatters its band to where all the histograms put
 * it (the bands in order, so the sort stays stable), and the check is
 * banded too; vCPU 0 adds the bands' sums up. Arch-neutral and .native. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"

static int sort_init(void)
{
	uint64_t n = MC(MC_P_N), nv = SHARED->nr_vcpus;

	/* Two arrays of n keys and 256 counters a vCPU. */
	if (n < 2 || n > MC_SORT_MAX || nv < 1 || nv > HV_MAX_VCPUS || mc_sort_used(n, nv) > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

/* One vCPU. Not inlined, nor the N-vCPU run: each reaches the page as
 * its own function in both builds (ci/test-macro-insns.sh). */
static __attribute__((noinline, noclone)) void op_sort(uint64_t it)
{
	uint64_t n = MC(MC_P_N), seed = MC(MC_P_SEED), sum = 0, after = 0, w = 0;
	uint64_t *a = (uint64_t *)MC(MC_P_BASE), *b = a + n, *cnt = b + n;

	for (uint64_t i = 0; i < n; i++) {
		a[i] = mc_splitmix(&seed);
		sum += a[i];
		mc_alive_every(i);
	}
	for (int shift = 0; shift < 64; shift += 8) {
		uint64_t pos = 0;

		for (int d = 0; d < 256; d++)
			cnt[d] = 0;
		for (uint64_t i = 0; i < n; i++) {
			cnt[(a[i] >> shift) & 255]++;
			mc_alive_every(i);
		}
		for (int d = 0; d < 256; d++) {
			uint64_t c = cnt[d];

			cnt[d] = pos;
			pos += c;
		}
		for (uint64_t i = 0; i < n; i++) {
			b[cnt[(a[i] >> shift) & 255]++] = a[i];
			mc_alive_every(i);
		}
		uint64_t *t = a;
		a = b;
		b = t;
		mc_alive();
	}
	/* Eight passes: the keys are back in the first array. */
	for (uint64_t i = 0; i < n; i++) {
		if (i && a[i] < a[i - 1])
			guest_abort(MC_ABORT_ORDER);
		after += a[i];
		w = mc_weigh(w, i, a[i]);
		mc_alive_every(i);
	}
	if (after != sum)
		guest_abort(MC_ABORT_LOST);
	if (w != MC(MC_P_REF0))
		guest_abort(MC_ABORT_WRONG);
}

/* ---- N vCPUs ---- */

enum { SORT_MAKE, SORT_COUNT, SORT_SCATTER, SORT_CHECK };

static struct mc_par *sort_par_of(const struct hv_shared *s)
{
	return (struct mc_par *)(s->param[MC_P_BASE] + mc_sort_par_off(s->param[MC_P_N], s->nr_vcpus));
}

static struct mc_par *sort_par(void)
{
	return sort_par_of(SHARED);
}

/* One step on band v of nv: arg is the step and, for a pass, its shift. */
static void sort_step(uint32_t v, uint32_t nv)
{
	/* The page once (natively a thread-local): the loops below store. */
	struct hv_shared *s = SHARED;
	struct mc_par *par = sort_par_of(s);
	uint64_t n = s->param[MC_P_N], arg = par->arg, lo = n * v / nv, hi = n * (v + 1) / nv;
	uint64_t *a = (uint64_t *)s->param[MC_P_BASE], *b = a + n, *hist = b + n, *mine = hist + 256 * v;
	uint64_t *part = par->part[v], seed0 = s->param[MC_P_SEED];
	unsigned shift = (unsigned)(arg >> 8);
	volatile uint64_t *beat = v ? &s->vcpu_heartbeat[v] : &s->heartbeat;

	/* Passes alternate: even shifts read a, odd ones b (8 of them). */
	const uint64_t *src = (shift / 8) & 1 ? b : a;
	uint64_t *dst = (shift / 8) & 1 ? a : b;

	switch (arg & 255) {
	case SORT_MAKE: {
		/* Key i is splitmix's (i + 1)-th output: a band starts its
		 * stream lo steps in. */
		uint64_t seed = seed0 + lo * 0x9e3779b97f4a7c15ull, sum = 0;

		for (uint64_t i = lo; i < hi; i++) {
			a[i] = mc_splitmix(&seed);
			sum += a[i];
			if (!(i & 0xffff))
				(*beat)++;
		}
		part[0] = sum;
		break;
	}
	case SORT_COUNT:
		for (int d = 0; d < 256; d++)
			mine[d] = 0;
		for (uint64_t i = lo; i < hi; i++) {
			mine[(src[i] >> shift) & 255]++;
			if (!(i & 0xffff))
				(*beat)++;
		}
		break;
	case SORT_SCATTER:
		/* mine[d]: where band v's next key of digit d goes (vCPU 0
		 * turned the counts into places between the two steps). */
		for (uint64_t i = lo; i < hi; i++) {
			uint64_t k = mine[(src[i] >> shift) & 255]++;

			if (k < n)	/* a histogram out of step would show at the check */
				dst[k] = src[i];
			if (!(i & 0xffff))
				(*beat)++;
		}
		break;
	case SORT_CHECK: {
		uint64_t sum = 0, w = 0, bad = 0;

		for (uint64_t i = lo; i < hi; i++) {
			if (i && a[i] < a[i - 1])
				bad = 1;
			sum += a[i];
			w = mc_weigh(w, i, a[i]);
			if (!(i & 0xffff))
				(*beat)++;
		}
		part[0] = sum;
		part[1] = w;
		hist[256 * v] = bad;	/* the counters are free by now */
		break;
	}
	}
}

static __attribute__((noinline, noclone)) void op_sort_par(uint32_t nv)
{
	struct hv_shared *s = SHARED;	/* the page once (natively a thread-local) */
	struct mc_par *par = sort_par_of(s);
	uint64_t n = s->param[MC_P_N], *hist = (uint64_t *)s->param[MC_P_BASE] + 2 * n, ref = s->param[MC_P_REF0];
	uint64_t sum = 0, after = 0, w = 0, bad = 0;

	if (mc_par_step(par, SORT_MAKE, sort_step) < 0)
		return;
	for (uint32_t v = 0; v < nv; v++)
		sum += par->part[v][0];
	for (unsigned shift = 0; shift < 64; shift += 8) {
		if (mc_par_step(par, SORT_COUNT | shift << 8, sort_step) < 0)
			return;	/* the VM ends: this run is not checked */
		/* Digit d of band v goes after every band's smaller digits
		 * and the bands before v's d: counts into places. */
		uint64_t at = 0;
		for (int d = 0; d < 256; d++)
			for (uint32_t v = 0; v < nv; v++) {
				uint64_t c = hist[256 * v + d];

				hist[256 * v + d] = at;
				at += c;
			}
		if (mc_par_step(par, SORT_SCATTER | shift << 8, sort_step) < 0)
			return;
	}
	if (mc_par_step(par, SORT_CHECK, sort_step) < 0)
		return;
	for (uint32_t v = 0; v < nv; v++) {
		after += par->part[v][0];
		w += par->part[v][1];
		bad |= hist[256 * v];
	}
	if (bad)
		guest_abort(MC_ABORT_ORDER);
	if (after != sum)
		guest_abort(MC_ABORT_LOST);
	if (w != ref)
		guest_abort(MC_ABORT_WRONG);
}

MC_PAR_BODY(mc_sort, sort_init, op_sort, op_sort_par, sort_par, sort_step);
