/* join workload: hash join of two tables the host filled, R (build) and S
 * (probe), rows of a 64-bit key and payload: an open-addressing table of
 * R's rows (linear probing), then one lookup per row of S. Checked against
 * the host's sort-merge join of the same tables: the matches and a sum
 * over them of a mix of both payloads. With vcpus > 1, vCPU 0 builds the
 * table, then every vCPU probes a band of S (the others as secondaries, at
 * the row's level; natively host threads) and vCPU 0 adds up their counts
 * and sums (struct mc_par). Arch-neutral and .native. */
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
	    mc_join_par_off(nr, ns, slots) + sizeof(struct mc_par) > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

static struct mc_par *join_par(void)
{
	return (struct mc_par *)(MC(MC_P_BASE) + mc_join_par_off(MC(MC_P_N), MC(MC_P_SEED), MC(MC_P_AUX)));
}

/* Rows [ns v / nv, ns (v + 1) / nv) of S looked up: their matches and sum. */
static void join_probe(uint32_t v, uint32_t nv, uint64_t out[2], volatile uint64_t *beat)
{
	uint64_t nr = MC(MC_P_N), ns = MC(MC_P_SEED), mask = MC(MC_P_AUX) - 1;
	const uint64_t *r = (const uint64_t *)MC(MC_P_BASE), *s = r + 2 * nr;
	const uint32_t *table = (const uint32_t *)(s + 2 * ns);
	uint64_t matches = 0, sum = 0;

	for (uint64_t j = ns * v / nv; j < ns * (v + 1) / nv; j++) {
		uint64_t key = s[2 * j];

		for (uint64_t k = slot_of(key, mask); table[k]; k = (k + 1) & mask) {
			uint64_t i = table[k] - 1;

			if (r[2 * i] == key) {
				matches++;
				sum += r[2 * i + 1] * 0x2545f4914f6cdd1dull ^ s[2 * j + 1];
			}
		}
		if (!(j & 0xffff))
			(*beat)++;
	}
	out[0] = matches;
	out[1] = sum;
}

static void op_join(uint64_t it)
{
	uint64_t nr = MC(MC_P_N), ns = MC(MC_P_SEED), mask = MC(MC_P_AUX) - 1;
	const uint64_t *r = (const uint64_t *)MC(MC_P_BASE), *s = r + 2 * nr;
	uint32_t *table = (uint32_t *)(s + 2 * ns);
	struct mc_par *par = join_par();
	uint32_t nv = SHARED->nr_vcpus;
	uint64_t mine[2];

	(void)it;
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
	uint64_t gen = mc_par_start(par);	/* the table is built: the others probe */
	join_probe(0, nv, mine, &SHARED->heartbeat);
	if (mc_par_wait(par, gen) < 0)
		return;	/* the VM ends: this run is not checked */
	for (uint32_t v = 1; v < nv && v < HV_MAX_VCPUS; v++) {
		mine[0] += par->part[v][0];
		mine[1] += par->part[v][1];
	}
	if (mine[0] != MC(MC_P_REF1) || mine[1] != MC(MC_P_REF0))
		guest_abort(MC_ABORT_WRONG);
}

static void join_step(uint32_t v, uint32_t nv)
{
	join_probe(v, nv, join_par()->part[v], &SHARED->vcpu_heartbeat[v]);
}

static void join_worker(uint32_t v)
{
	if (v >= SHARED->nr_vcpus || v >= HV_MAX_VCPUS || join_init())
		return;
	mc_par_serve(join_par(), v, join_step);
}

GUEST_BODY(mc_join, .init = join_init, .op = op_join, .secondary = join_worker,
	   .secondary_user = 1, .native = 1);
