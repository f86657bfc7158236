/* The compute family's pointer-heavy and system rows (issue 17): a BFS
 * over a random graph, a hash join of two tables, a loop of user/kernel
 * round trips. As in compute.c, every run checks its output against a
 * reference the host computes with an algorithm of its own (a frontier
 * BFS, a sort-merge join, a plain sum). Their record: mc.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/hv.h"
#include "macrobench/compute/mc.h"
#include "macrobench/compute/mc_abi.h"
#include "macrobench/compute/mc_input.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"

#define CORRUPT_HELP "plant a wrong reference (one bit flipped): the run must fail, in the guest and natively"

/* ---- bfs ---- */

static const struct mb_param_def bfs_params[] = {
	{ "vertices", MB_PT_INT, "vertices of the random directed graph", 1, MC_BFS_MAX, NULL, 1 << 19 },
	{ "degree", MB_PT_INT, "mean out-degree (each vertex 1 .. 2 x degree - 1 edges)", 1, 32, NULL, 8 },
	{ "corrupt", MB_PT_BOOL, CORRUPT_HELP, 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const bfs_aborts[] = {
	"the page asked for a graph larger than the region or the body's limits, or an edge led outside it",
	"the vertices reached or the level counts differ from the host's BFS",
	"the queue and the levels disagree",
	"(unused)", NULL,
};

/* The host's BFS: level by level, two frontiers, so not the body's queue.
 * Returns the vertices reached and the weighted sum of the level counts. */
static int host_bfs(const uint64_t *off, const uint32_t *adj, uint64_t n, uint64_t *reached,
		    uint64_t *w)
{
	uint32_t *seen = calloc(n, sizeof(*seen)), *cur = malloc(n * 4), *next = malloc(n * 4);
	uint64_t ncur = 1, count[MC_BFS_LEVELS] = { 0 }, level = 0;

	if (!seen || !cur || !next) {
		free(seen), free(cur), free(next);
		return -ENOMEM;
	}
	cur[0] = 0;
	seen[0] = 1;
	*reached = 0;
	while (ncur) {
		uint64_t nnext = 0;

		count[level < MC_BFS_LEVELS ? level : MC_BFS_LEVELS - 1] += ncur;
		*reached += ncur;
		for (uint64_t i = 0; i < ncur; i++)
			for (uint64_t e = off[cur[i]]; e < off[cur[i] + 1]; e++)
				if (!seen[adj[e]]) {
					seen[adj[e]] = 1;
					next[nnext++] = adj[e];
				}
		uint32_t *t = cur;
		cur = next;
		next = t;
		ncur = nnext;
		level++;
	}
	*w = 0;
	for (uint64_t l = 0; l < MC_BFS_LEVELS; l++)
		*w = mc_weigh(*w, l, count[l]);
	free(seen), free(cur), free(next);
	return 0;
}

static int bfs_setup(struct mb_setup_ctx *c)
{
	uint64_t n = (uint64_t)c->params->ext[0], d = (uint64_t)c->params->ext[1], s = 0xbf5ull;
	uint64_t m = 0, reached, w;
	struct mc_state *st;

	/* Degrees first: the edge count sizes the region. */
	uint32_t *deg = malloc(n * sizeof(*deg));
	if (!deg) {
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint64_t u = 0; u < n; u++) {
		deg[u] = (uint32_t)(1 + mc_splitmix(&s) % (2 * d - 1));
		m += deg[u];
	}
	uint64_t graph = (n + 1) * 8 + m * 4;
	uint32_t nv = c->params->vcpus > 1 ? c->params->vcpus : 1;
	int r = mc_setup(c, mc_bfs_used(n, m, nv), &st);
	if (r < 0) {
		free(deg);
		return r;
	}
	if (nv > 1) {
		st->zero_off = mc_bfs_par_off(n, m);
		st->zero_len = sizeof(struct mc_par);
	}
	uint64_t *off = (uint64_t *)st->guest->hva;
	uint32_t *adj = (uint32_t *)(off + n + 1);
	off[0] = 0;
	for (uint64_t u = 0, e = 0; u < n; u++) {
		for (uint32_t k = 0; k < deg[u]; k++)
			adj[e++] = (uint32_t)(mc_splitmix(&s) % n);
		off[u + 1] = e;
	}
	free(deg);
	memcpy(st->native.hva, st->guest->hva, graph);
	r = host_bfs(off, adj, n, &reached, &w);
	if (r < 0) {
		snprintf(c->err, c->errlen, "out of memory for the host's BFS");
		return mc_abandon(c, r);
	}
	uint64_t *p = c->vm->shared->param;
	p[MC_P_N] = n;
	p[MC_P_AUX] = m;
	st->work = (double)m, st->work_unit = "edges";
	p[MC_P_REF0] = w ^ (uint64_t)c->params->ext[2];
	p[MC_P_REF1] = reached;
	mc_setup_done(c, st);
	return 0;
}

static const struct mb_bench b_bfs = {
	.name = "macro_bfs", .family = "macro",
	.description = "breadth-first search of a random directed graph (CSR, fixed seed), in the guest and natively: one whole search per op, its level counts checked against the host's; with vcpus N each level's frontier in N bands, one per vCPU (natively one per thread)",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none: pure computation (what exits there are, are the host's interrupts and first touches)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_bfs", .cpls = MB_CPL_ANY,
	.ext_params = bfs_params, .abort_reasons = bfs_aborts,
	.setup = bfs_setup, .finish = mc_finish,
};
MB_REGISTER(b_bfs);

/* ---- join ---- */

static const struct mb_param_def join_params[] = {
	{ "build", MB_PT_INT, "rows of the build table R (unique keys)", 1, MC_JOIN_MAX, NULL, 1 << 18 },
	{ "probe", MB_PT_INT, "rows of the probe table S (about half of them match a row of R)", 1, MC_JOIN_MAX, NULL, 1 << 20 },
	{ "corrupt", MB_PT_BOOL, CORRUPT_HELP, 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const join_aborts[] = {
	"the page asked for tables larger than the region or the body's limits",
	"the matches or their payload sum differ from the host's sort-merge join",
	"(unused)", "(unused)", NULL,
};

static int cmp_row(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The host's join: R sorted by key, each row of S looked up by bisection. */
static int host_join(const uint64_t *r, uint64_t nr, const uint64_t *s, uint64_t ns,
		     uint64_t *matches, uint64_t *sum)
{
	uint64_t *rs = malloc(nr * 16);

	if (!rs)
		return -ENOMEM;
	memcpy(rs, r, nr * 16);
	qsort(rs, nr, 16, cmp_row);
	*matches = *sum = 0;
	for (uint64_t j = 0; j < ns; j++) {
		uint64_t lo = 0, hi = nr, key = s[2 * j];

		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2;

			if (rs[2 * mid] < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < nr && rs[2 * lo] == key; lo++) {
			(*matches)++;
			*sum += rs[2 * lo + 1] * 0x2545f4914f6cdd1dull ^ s[2 * j + 1];
		}
	}
	free(rs);
	return 0;
}

static int join_setup(struct mb_setup_ctx *c)
{
	uint64_t nr = (uint64_t)c->params->ext[0], ns = (uint64_t)c->params->ext[1];
	uint64_t slots = 1, s = 0x701ull, matches, sum;
	struct mc_state *st;

	while (slots < 2 * nr)
		slots <<= 1;	/* load at most one half */
	uint64_t tables = (nr + ns) * 16;
	int r = mc_setup(c, mc_join_par_off(nr, ns, slots) + sizeof(struct mc_par), &st);
	if (r < 0)
		return r;
	st->zero_off = mc_join_par_off(nr, ns, slots);
	st->zero_len = sizeof(struct mc_par);
	uint64_t *rr = (uint64_t *)st->guest->hva, *ss = rr + 2 * nr;
	/* R's keys: splitmix of distinct counters, a bijection, so unique. */
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t k = 0x4b1dull + i;

		rr[2 * i] = mc_splitmix(&k);
		rr[2 * i + 1] = mc_splitmix(&s);
	}
	for (uint64_t j = 0; j < ns; j++) {
		uint64_t x = mc_splitmix(&s);

		ss[2 * j] = x & 1 ? rr[2 * ((x >> 1) % nr)] : mc_splitmix(&s);
		ss[2 * j + 1] = mc_splitmix(&s);
	}
	memcpy(st->native.hva, st->guest->hva, tables);
	if (host_join(rr, nr, ss, ns, &matches, &sum) < 0) {
		snprintf(c->err, c->errlen, "out of memory for the host's join");
		return mc_abandon(c, -ENOMEM);
	}
	uint64_t *p = c->vm->shared->param;
	p[MC_P_N] = nr;
	p[MC_P_SEED] = ns;
	p[MC_P_AUX] = slots;
	st->work = (double)(nr + ns), st->work_unit = "rows";
	p[MC_P_REF0] = sum ^ (uint64_t)c->params->ext[2];
	p[MC_P_REF1] = matches;
	mc_setup_done(c, st);
	return 0;
}

static const struct mb_bench b_join = {
	.name = "macro_join", .family = "macro",
	.description = "hash join of two tables (build R, probe S; linear probing), in the guest and natively: one whole join per op, checked against the host's sort-merge join; with vcpus N the probe is split in N bands, one per vCPU (natively one per thread)",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none: pure computation (what exits there are, are the host's interrupts and first touches)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_join", .cpls = MB_CPL_ANY,
	.ext_params = join_params, .abort_reasons = join_aborts,
	.setup = join_setup, .finish = mc_finish,
};
MB_REGISTER(b_join);

/* ---- syscall ---- */

static const struct mb_param_def sys_params[] = {
	{ "kib", MB_PT_INT, "bytes walked per run, in KiB", 1, MC_SYS_MAX >> 10, NULL, 1024 },
	{ "chunk", MB_PT_INT, "bytes between two user/kernel round trips (a multiple of 8)", 8, 1 << 20, NULL, 256 },
	{ "corrupt", MB_PT_BOOL, CORRUPT_HELP, 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const sys_aborts[] = {
	"the page asked for a buffer or chunk outside the region or the body's limits",
	"the buffer's weighted sum differs from the host's",
	"(unused)", "(unused)", NULL,
};

static int sys_setup(struct mb_setup_ctx *c)
{
	uint64_t bytes = (uint64_t)c->params->ext[0] << 10, chunk = (uint64_t)c->params->ext[1];
	uint64_t s = 0x5c11ull, w = 0;
	struct mc_state *st;

	if (chunk % 8 || chunk > bytes) {
		snprintf(c->err, c->errlen, "chunk %llu is not a multiple of 8 bytes up to the buffer's %llu",
			 (unsigned long long)chunk, (unsigned long long)bytes);
		return -EINVAL;
	}
	int r = mc_setup(c, bytes, &st);
	if (r < 0)
		return r;
	uint64_t *g = (uint64_t *)st->guest->hva;
	for (uint64_t k = 0; k < bytes / 8; k++) {
		g[k] = mc_splitmix(&s);
		w = mc_weigh(w, k, g[k]);
	}
	memcpy(st->native.hva, g, bytes);
	uint64_t *p = c->vm->shared->param;
	p[MC_P_N] = bytes;
	p[MC_P_AUX2] = chunk;
	st->work = (double)((bytes + chunk - 1) / chunk), st->work_unit = "syscalls";
	p[MC_P_REF0] = w ^ (uint64_t)c->params->ext[2];
	mc_setup_done(c, st);
	return 0;
}

static const struct mb_bench b_sys = {
	.name = "macro_syscall", .family = "macro",
	.description = "a buffer summed in chunks with a user/kernel round trip (syscall) after each, in the guest (the runtime's handler: sysretq) and natively (Linux getpid): one whole walk per op, checked against the host's sum",
	.archs = MB_ARCH_X86,
	.exit_kind = "none on VT-x/SVM (SYSCALL/SYSRET are not intercepted); the guest kernel's part is emulated where CPL0 is (PVM)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_syscall", .cpls = MB_CPL3,
	.ext_params = sys_params, .abort_reasons = sys_aborts,
	.fault_means_unsupported = "this host cannot complete a guest syscall/sysret round trip: the CPL0 handler's sysretq raised an exception",
	.setup = sys_setup, .finish = mc_finish,
};
MB_REGISTER(b_sys);
