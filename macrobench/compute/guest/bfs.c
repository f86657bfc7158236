/* bfs workload: breadth-first search from vertex 0 of a random directed
 * graph the host built (CSR, fixed seed), a queue of vertex numbers and a
 * level per vertex: every step a load whose address the one before gave,
 * as in mcf's network walks. Checked against the host's own BFS: the
 * vertices reached and a weighted sum of how many sit at each level.
 * Arch-neutral and .native. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"

static int bfs_init(void)
{
	uint64_t n = MC(MC_P_N), m = MC(MC_P_AUX);

	if (n < 1 || n > MC_BFS_MAX || m > 64 * MC_BFS_MAX ||
	    (n + 1) * 8 + m * 4 + 2 * n * 4 > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

static void op_bfs(uint64_t it)
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

GUEST_BODY(mc_bfs, .init = bfs_init, .op = op_bfs, .native = 1);
