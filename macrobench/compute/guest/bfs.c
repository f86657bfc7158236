/* bfs workload: breadth-first search from vertex 0 of a random directed
 * graph the host built (CSR, fixed seed), a queue of vertex numbers and a
 * level per vertex: every step a load whose address the one before gave,
 * as in mcf's network walks. Checked against the host's own BFS: the
 * vertices reached and a weighted sum of how many sit at each level.
 * With vcpus N > 1 the search goes level by level: each level's frontier
 * (a stretch of the queue) in N bands, one per vCPU (natively one per
 * thread), a vertex claimed by a compare-and-swap of its level and put in
 * the queue at a shared tail; the clearing and the count are banded too.
 * The order the vertices enter the queue then varies, their levels do
 * not. Arch-neutral and .native. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"

static int bfs_init(void)
{
	uint64_t n = MC(MC_P_N), m = MC(MC_P_AUX), nv = SHARED->nr_vcpus;

	if (n < 1 || n > MC_BFS_MAX || m > 64 * MC_BFS_MAX || nv < 1 || nv > HV_MAX_VCPUS ||
	    mc_bfs_used(n, m, nv) > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

/* One vCPU. Not inlined, nor the N-vCPU run: each reaches the page as
 * its own function in both builds (ci/test-macro-insns.sh). */
static __attribute__((noinline, noclone)) void op_bfs(uint64_t it)
{
	uint64_t n = MC(MC_P_N), m = MC(MC_P_AUX), head = 0, tail = 0, reached = 0, w = 0;
	const uint64_t *off = (const uint64_t *)MC(MC_P_BASE);
	const uint32_t *adj = (const uint32_t *)(off + n + 1);
	uint32_t *level = (uint32_t *)(adj + m), *queue = level + n;
	uint64_t count[MC_BFS_LEVELS];

	for (uint64_t v = 0; v < n; v++) {
		level[v] = MC_BFS_UNSEEN;
		mc_alive_every(v);
	}
	for (int l = 0; l < MC_BFS_LEVELS; l++)
		count[l] = 0;
	level[0] = 0;
	queue[tail++] = 0;
	while (head < tail) {
		uint32_t u = queue[head++], lu = level[u] + 1;
		uint64_t e0 = off[u], e1 = off[u + 1];

		/* The host wrote the graph, but a body trusts no index. */
		if (e0 > e1 || e1 > m)
			guest_abort(MC_ABORT_PARAM);
		for (uint64_t e = e0; e < e1; e++) {
			uint32_t v = adj[e];

			if (v >= n)
				guest_abort(MC_ABORT_PARAM);
			if (level[v] == MC_BFS_UNSEEN) {
				level[v] = lu;
				queue[tail++] = v;
			}
		}
		/* Often: a first run faults in the graph's pages in random
		 * order (shadow paging: one fault each), none of them an exit
		 * the stall watchdog sees. */
		if (!(head & 1023))
			mc_alive();
	}
	for (uint64_t v = 0; v < n; v++) {
		uint32_t l = level[v];

		mc_alive_every(v);
		if (l == MC_BFS_UNSEEN)
			continue;
		reached++;
		count[l < MC_BFS_LEVELS ? l : MC_BFS_LEVELS - 1]++;
	}
	for (int l = 0; l < MC_BFS_LEVELS; l++)
		w = mc_weigh(w, (uint64_t)l, count[l]);
	if (reached != tail)
		guest_abort(MC_ABORT_ORDER);
	if (reached != MC(MC_P_REF1) || w != MC(MC_P_REF0))
		guest_abort(MC_ABORT_WRONG);
}

/* ---- N vCPUs ---- */

/* A step's arg: what (low 4 bits), and for an expansion the frontier,
 * queue[fh, ft) (30 bits each: MC_BFS_MAX is 2^24). */
enum { BFS_CLEAR, BFS_EXPAND, BFS_COUNT };
#define BFS_ARG(what, fh, ft) ((uint64_t)(what) | (uint64_t)(fh) << 4 | (uint64_t)(ft) << 34)

static struct mc_par *bfs_par(void)
{
	return (struct mc_par *)(MC(MC_P_BASE) + mc_bfs_par_off(MC(MC_P_N), MC(MC_P_AUX)));
}

/* Band v of nv: part[v][0] is 1 where it met an edge out of range,
 * part[v][1] its vertices reached (BFS_COUNT), and its row of the
 * counters after the meeting point its vertices per level. */
static void bfs_step(uint32_t v, uint32_t nv)
{
	uint64_t n = MC(MC_P_N), m = MC(MC_P_AUX);
	const uint64_t *off = (const uint64_t *)MC(MC_P_BASE);
	const uint32_t *adj = (const uint32_t *)(off + n + 1);
	uint32_t *level = (uint32_t *)(adj + m), *queue = level + n;
	struct mc_par *par = bfs_par();
	uint64_t arg = par->arg, *part = par->part[v];
	uint64_t *count = (uint64_t *)((uint8_t *)par + sizeof(*par)) + MC_BFS_LEVELS * v;
	volatile uint64_t *beat = mc_beat(v);

	switch (arg & 15) {
	case BFS_CLEAR:
		for (uint64_t x = n * v / nv; x < n * (v + 1) / nv; x++) {
			level[x] = MC_BFS_UNSEEN;
			if (!(x & 0xffff))
				(*beat)++;
		}
		part[0] = 0;
		break;
	case BFS_EXPAND: {
		uint64_t fh = arg >> 4 & 0x3fffffff, ft = arg >> 34, len = ft - fh;

		if (ft > n || fh > ft) {
			part[0] = 1;
			break;
		}
		for (uint64_t q = fh + len * v / nv; q < fh + len * (v + 1) / nv; q++) {
			uint32_t u = queue[q], lu = level[u] + 1;
			uint64_t e0 = off[u], e1 = off[u + 1];

			/* The host wrote the graph, but a body trusts no index. */
			if (u >= n || e0 > e1 || e1 > m) {
				part[0] = 1;
				return;
			}
			for (uint64_t e = e0; e < e1; e++) {
				uint32_t t = adj[e], seen = MC_BFS_UNSEEN;

				if (t >= n) {
					part[0] = 1;
					return;
				}
				if (__atomic_load_n(&level[t], __ATOMIC_RELAXED) == MC_BFS_UNSEEN &&
				    __atomic_compare_exchange_n(&level[t], &seen, lu, 0, __ATOMIC_RELAXED,
								__ATOMIC_RELAXED)) {
					uint64_t at = __atomic_fetch_add(&par->word, 1, __ATOMIC_RELAXED);

					if (at < n)	/* each vertex is claimed once: always */
						queue[at] = t;
				}
			}
			if (!(q & 1023))
				(*beat)++;
		}
		break;
	}
	case BFS_COUNT: {
		uint64_t reached = 0;

		for (int l = 0; l < MC_BFS_LEVELS; l++)
			count[l] = 0;
		for (uint64_t x = n * v / nv; x < n * (v + 1) / nv; x++) {
			uint32_t l = level[x];

			if (!(x & 0xffff))
				(*beat)++;
			if (l == MC_BFS_UNSEEN)
				continue;
			reached++;
			count[l < MC_BFS_LEVELS ? l : MC_BFS_LEVELS - 1]++;
		}
		part[1] = reached;
		break;
	}
	}
}

static __attribute__((noinline, noclone)) void op_bfs_par(uint32_t nv)
{
	struct hv_shared *s = SHARED;	/* the page once (natively a thread-local) */
	uint64_t n = s->param[MC_P_N], m = s->param[MC_P_AUX], reached = 0, w = 0, fh = 0, ft = 1, bad = 0;
	uint64_t ref0 = s->param[MC_P_REF0], ref1 = s->param[MC_P_REF1];
	uint32_t *level = (uint32_t *)((const uint64_t *)s->param[MC_P_BASE] + n + 1) + m, *queue = level + n;
	struct mc_par *par = (struct mc_par *)(s->param[MC_P_BASE] + mc_bfs_par_off(n, m));
	const uint64_t *count = (const uint64_t *)((uint8_t *)par + sizeof(*par));

	if (mc_par_step(par, BFS_ARG(BFS_CLEAR, 0, 0), bfs_step) < 0)
		return;	/* the VM ends: this run is not checked */
	level[0] = 0;
	queue[0] = 0;
	par->word = 1;
	while (fh < ft) {
		if (mc_par_step(par, BFS_ARG(BFS_EXPAND, fh, ft), bfs_step) < 0)
			return;
		for (uint32_t v = 0; v < nv; v++)
			bad |= par->part[v][0];
		if (bad)
			guest_abort(MC_ABORT_PARAM);
		fh = ft;
		ft = par->word;
		if (ft > n)
			guest_abort(MC_ABORT_ORDER);
	}
	if (mc_par_step(par, BFS_ARG(BFS_COUNT, 0, 0), bfs_step) < 0)
		return;
	for (int l = 0; l < MC_BFS_LEVELS; l++) {
		uint64_t c = 0;

		for (uint32_t v = 0; v < nv; v++)
			c += count[MC_BFS_LEVELS * v + l];
		w = mc_weigh(w, (uint64_t)l, c);
	}
	for (uint32_t v = 0; v < nv; v++)
		reached += par->part[v][1];
	if (reached != ft)
		guest_abort(MC_ABORT_ORDER);
	if (reached != ref1 || w != ref0)
		guest_abort(MC_ABORT_WRONG);
}

MC_PAR_BODY(mc_bfs, bfs_init, op_bfs, op_bfs_par, bfs_par, bfs_step);
