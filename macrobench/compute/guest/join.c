/* join workload: hash join of two tables the host filled, R (build) and S
 * (probe), rows of a 64-bit key and payload: an open-addressing table of
 * R's rows (linear probing), then one lookup per row of S. Checked against
 * the host's sort-merge join of the same tables: the matches and a sum
 * over them of a mix of both payloads. Arch-neutral and .native. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"

static inline uint64_t slot_of(uint64_t key, uint64_t mask)
{
	return (key * 0x9e3779b97f4a7c15ull) >> 32 & mask;
}

static int join_init(void)
{
	uint64_t nr = MC(MC_P_N), ns = MC(MC_P_SEED), slots = MC(MC_P_AUX);

	if (nr < 1 || nr > MC_JOIN_MAX || ns < 1 || ns > MC_JOIN_MAX || slots <= nr ||
	    (slots & (slots - 1)) || slots > 4 * MC_JOIN_MAX ||
	    (nr + ns) * 16 + slots * 4 > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

static void op_join(uint64_t it)
{
	uint64_t nr = MC(MC_P_N), ns = MC(MC_P_SEED), mask = MC(MC_P_AUX) - 1;
	const uint64_t *r = (const uint64_t *)MC(MC_P_BASE), *s = r + 2 * nr;
	uint32_t *table = (uint32_t *)(s + 2 * ns);
	uint64_t matches = 0, sum = 0;

	for (uint64_t k = 0; k <= mask; k++) {
		table[k] = 0;
		mc_alive_every(k);
	}
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t k = slot_of(r[2 * i], mask);

		while (table[k])
			k = (k + 1) & mask;
		table[k] = (uint32_t)(i + 1);
		mc_alive_every(i);
	}
	for (uint64_t j = 0; j < ns; j++) {
		uint64_t key = s[2 * j];

		for (uint64_t k = slot_of(key, mask); table[k]; k = (k + 1) & mask) {
			uint64_t i = table[k] - 1;

			if (r[2 * i] == key) {
				matches++;
				sum += r[2 * i + 1] * 0x2545f4914f6cdd1dull ^ s[2 * j + 1];
			}
		}
		mc_alive_every(j);
	}
	if (matches != MC(MC_P_REF1) || sum != MC(MC_P_REF0))
		guest_abort(MC_ABORT_WRONG);
}

GUEST_BODY(mc_join, .init = join_init, .op = op_join, .native = 1);
