/* sort workload: LSD radix sort of N 64-bit keys (8 passes of 8 bits, a
 * ping-pong between two arrays), the keys made from the page's seed at the
 * start of every run (the sort is in place). Checked three ways: every key
 * not below the one before, the keys' sum the same before and after, and
 * the position-weighted checksum of the output equal to the host's, which
 * sorted the same keys with qsort. Arch-neutral and .native. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"

static int sort_init(void)
{
	uint64_t n = MC(MC_P_N);

	/* Two arrays of n keys and 256 counters. */
	if (n < 2 || n > MC_SORT_MAX || (2 * n + 256) * 8 > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

static void op_sort(uint64_t it)
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

GUEST_BODY(mc_sort, .init = sort_init, .op = op_sort, .native = 1);
