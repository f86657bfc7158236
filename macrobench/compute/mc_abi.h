/* The compute family's share of the page (macrobench/compute/README.md):
 * which param[] slot means what for its whole-workload bodies, and their
 * abort codes. Included by host and guest, so numbers only. */
#ifndef MACROBENCH_COMPUTE_MC_ABI_H
#define MACROBENCH_COMPUTE_MC_ABI_H

#include "hv-core/abi.h"

/* Every workload works in one region the host gives (guest: a memslot
 * mapped user-accessible; native: host memory), and checks its own output
 * against the reference the host computed on its own. */
enum mc_param {
	MC_P_BASE,	/* where the region starts (guest-virtual or host address) */
	MC_P_SIZE,	/* bytes of it the workload may use */
	MC_P_N,		/* the workload's size: bytes, keys, matrix order, ... */
	MC_P_SEED,	/* the input's seed, where the body makes its own input */
	MC_P_AUX,	/* a second size: matmul's block */
	MC_P_AUX2,	/* a third: the syscall loop's bytes per call */
	MC_P_REF0,	/* the host's reference result, up to four words */
	MC_P_REF1,
	MC_P_REF2,
	MC_P_REF3,
	MC_P_SLOT,	/* lz4, zstd with vcpus > 1: the room's bytes per block (below) */
	MC_P_IO_VQ,	/* iomix: the virtqueue's area (guest-virtual or host address) */
	MC_P_IO_NOTIFY,	/* iomix: the queue's notify address; 0: none (a polling device) */
	MC_P_IO_MTU,	/* iomix: the largest packet, bytes */
	MC_P_IO_BURST,	/* iomix: packets posted per publish of the available index */
	MC_P_IO_TIMEOUT,	/* iomix: counter ticks the driver waits for the device */
};

/* Where the family's region sits in the guest: far above RAM. */
#define MC_REGION_GPA 0x1000000000ull	/* 64 GiB */

/* Limits the bodies check (and the host's parameters stay inside). */
#define MC_SHA_MAX (1ull << 30)		/* bytes hashed per run */
#define MC_SORT_MAX (1ull << 25)	/* keys per run */
#define MC_MM_MAX 2048			/* matrix order */
#define MC_BFS_MAX (1ull << 24)		/* graph vertices */
#define MC_BFS_LEVELS 64		/* levels counted (deeper ones: the last) */
#define MC_JOIN_MAX (1ull << 24)	/* rows per table */
#define MC_SYS_MAX (1ull << 28)		/* bytes the syscall loop walks */

/* The vCPUs' meeting point of a parallel workload (every row but zlib,
 * timer, forkexec and syscall), in its region, on cache lines of its own:
 * vCPU 0 writes the step's arg and bumps gen to start a step, each of the
 * nr_vcpus - 1 others does its band of it, leaves its partial result in
 * part[v] and adds one to done (guest/mc_guest.h mc_par_*); word is a
 * counter all of them may add to within a step (bfs: the queue's tail).
 * The host zeroes it before every native run (the twin's buffer outlives
 * one run; the guest's is fresh). */
struct mc_par {
	volatile uint64_t gen;
	volatile uint64_t arg;
	volatile uint64_t word;
	uint64_t pad0[5];
	volatile uint64_t done;
	uint64_t pad1[7];
	uint64_t part[HV_MAX_VCPUS][2];
};
static inline uint64_t mc_par_align(uint64_t off)
{
	return (off + 63) & ~63ull;
}

/* sha256: the buffer (MC_P_N bytes), then its struct mc_par, then with
 * vcpus N > 1 the N digests of its N segments (32 bytes each, big-endian
 * as FIPS 180-4 writes a digest): the run's result is then the digest of
 * those 32 N bytes, a one-level hash tree (segment v: bytes [n v / N,
 * n (v + 1) / N)). */
static inline uint64_t mc_sha_par_off(uint64_t n)
{
	return mc_par_align(n);
}
static inline uint64_t mc_sha_used(uint64_t n, uint64_t nv)
{
	return nv > 1 ? mc_sha_par_off(n) + sizeof(struct mc_par) + 32 * nv : n;
}

/* sort: two arrays of n keys, then 256 counters per vCPU (one digit's
 * histogram of its band), then the struct mc_par. */
static inline uint64_t mc_sort_par_off(uint64_t n, uint64_t nv)
{
	return mc_par_align((2 * n + 256 * nv) * 8);
}
static inline uint64_t mc_sort_used(uint64_t n, uint64_t nv)
{
	return nv > 1 ? mc_sort_par_off(n, nv) + sizeof(struct mc_par) : (2 * n + 256) * 8;
}

/* matmul: A, B and C (n x n int32 each) from the region's start, then its
 * struct mc_par; each vCPU computes a band of C's rows. */
static inline uint64_t mc_mm_par_off(uint64_t n)
{
	return mc_par_align(3 * n * n * 4);
}

/* forkexec: `tasks` (MC_P_N) fork-like address spaces a run, one after
 * the other: the running root copied into the task's root (its window slot
 * pointing to a PDPT -> PD -> PT chain of its own), `pages` (MC_P_AUX)
 * pages mapped at the window (MC_P_REF1, a virtual address on a 512 GiB
 * boundary), the switch to it, each page written and read back after
 * `turns` (MC_P_AUX2) steps of a generator, the switch back and the unmap.
 * The region: page 0 the twin's stand-in for the running root (the guest
 * reads CR3), pages 1-4 the task's tables, then the data pages. MC_P_REF0:
 * the sum of the values read back. */
#define MC_FE_MAX_TASKS 65536
#define MC_FE_MAX_PAGES 512		/* one page table */
#define MC_FE_MAX_TURNS 100000
#define MC_FE_PAGE_TABLES 1		/* the task's root, PDPT, PD, PT: pages 1-4 */
#define MC_FE_PAGE_DATA 5
#define MC_FE_WINDOW 0x640000000000ull	/* PML4 slot 200: far from the identity map and the region */
static inline uint64_t mc_fe_value(uint64_t task, uint64_t page, uint64_t turns)
{
	uint64_t x = task * 0x9e3779b97f4a7c15ull ^ page;

	for (uint64_t k = 0; k < turns; k++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return x;
}

/* bfs: the graph the host built in the region, CSR: off[n + 1] (u64: the
 * first edge of each vertex), adj[m] (u32 targets), then the body's own
 * level[n] (u32) and queue[n] (u32), then its struct mc_par and, with
 * vcpus N > 1, N rows of MC_BFS_LEVELS counters (each band's vertices per
 * level). The start is vertex 0. */
#define MC_BFS_UNSEEN 0xffffffffu
static inline uint64_t mc_bfs_par_off(uint64_t n, uint64_t m)
{
	return mc_par_align((n + 1) * 8 + m * 4 + 2 * n * 4);
}
static inline uint64_t mc_bfs_used(uint64_t n, uint64_t m, uint64_t nv)
{
	return nv > 1 ? mc_bfs_par_off(n, m) + sizeof(struct mc_par) + nv * MC_BFS_LEVELS * 8
		      : (n + 1) * 8 + m * 4 + 2 * n * 4;
}

/* join: R[nr] and S[ns], rows of two u64 (key, payload), then the body's
 * hash table of MC_P_AUX slots (a power of two, > nr), u32 each: a row of
 * R plus one, 0 for empty; then its struct mc_par. vCPU 0 builds the
 * table, then each vCPU probes a band of S, its matches and their sum in
 * its part[]. */
static inline uint64_t mc_join_par_off(uint64_t nr, uint64_t ns, uint64_t slots)
{
	return mc_par_align((nr + ns) * 16 + slots * 4);
}

/* zlib: the region holds the corpus (MC_P_N bytes, from offset 0), the
 * compressed stream's room (MC_P_AUX bytes, from MC_ZLIB_OFF_COMP), the
 * decompressed copy (MC_P_N bytes, after it) and the body's arena for
 * zlib's state (MC_ZLIB_ARENA bytes, last): offsets in MC_ZLIB_ALIGN. The
 * page's MC_P_SEED is the level (1-9), MC_P_AUX2 the phase below, MC_P_REF0
 * the host's compressed length, MC_P_REF1 the CRC-32 of its compressed
 * bytes; MC_P_REF2 bit 0 says whether the compressed bytes are checked
 * against them (the host's libz is the guest's version). */
#define MC_ZLIB_MAX (1ull << 28)	/* corpus bytes */
#define MC_ZLIB_ALIGN 4096ull
#define MC_ZLIB_ARENA (1ull << 20)
#define MC_ZLIB_CHUNK (1ull << 18)	/* input per deflate/inflate call: a heartbeat each */
static inline unsigned long long mc_zlib_up(unsigned long long x)
{
	return (x + MC_ZLIB_ALIGN - 1) / MC_ZLIB_ALIGN * MC_ZLIB_ALIGN;
}
#define MC_ZLIB_OFF_COMP(n) mc_zlib_up(n)
#define MC_ZLIB_OFF_OUT(n, cap) (mc_zlib_up(n) + mc_zlib_up(cap))
#define MC_ZLIB_OFF_ARENA(n, cap) (MC_ZLIB_OFF_OUT(n, cap) + mc_zlib_up(n))
#define MC_ZLIB_USED(n, cap) (MC_ZLIB_OFF_ARENA(n, cap) + MC_ZLIB_ARENA)
enum mc_zlib_phase {
	MC_ZLIB_ROUNDTRIP,	/* compress, then decompress its own output */
	MC_ZLIB_COMPRESS,	/* compress only */
	MC_ZLIB_DECOMPRESS,	/* decompress the host's stream, which it put in the room */
};

/* lz4 and zstd: the zlib layout above (corpus, room, copy, arena), the
 * same page slots, and MC_P_REF3 the arena's bytes. lz4's arena holds its
 * state, 16 KiB for level 1 and 2 (LZ4_compress_fast_extState,
 * acceleration 1), 256 KiB for 3-12 (LZ4_compress_HC_extStateHC); zstd's
 * a static compression context for a block at the level, then a static
 * decompression context (each from a MC_ZLIB_ALIGN boundary). The stream:
 * the corpus in independent blocks of MC_LZ4_BLOCK bytes (the last one
 * shorter), each a 32-bit little-endian compressed length and that many
 * bytes of an LZ4 block or a zstd frame, as the host makes it with the
 * system's library. */
#define MC_LZ4_BLOCK MC_ZLIB_CHUNK
#define MC_LZ4_LEVEL_MAX 12
#define MC_LZ4_LEVEL_HC 3	/* from this level on: lz4hc */
/* The block of the stream that starts at off, of n bytes in all: its length. */
static inline unsigned long long mc_block_len(unsigned long long n, unsigned long long off)
{
	return n - off < MC_LZ4_BLOCK ? n - off : MC_LZ4_BLOCK;
}
/* With vcpus N > 1 the blocks are split in N bands of whole blocks (band
 * v: blocks [nb v / N, nb (v + 1) / N) of nb), each vCPU with an arena of
 * its own (MC_P_REF3 bytes each, vCPU v's at MC_ZLIB_OFF_ARENA + v times
 * that), then the struct mc_par. A band compresses block i into the room
 * at i times MC_P_SLOT (a whole block's bound and its length word), and
 * vCPU 0 then closes the gaps, in order, into the stream one vCPU makes;
 * to decompress, a band finds its first block by the length words. */
static inline unsigned long long mc_blocks_par_off(unsigned long long n, unsigned long long cap,
						   unsigned long long arena, unsigned long long nv)
{
	return mc_par_align(MC_ZLIB_OFF_ARENA(n, cap) + nv * arena);
}
#define MC_ZSTD_LEVEL_MAX 19
#define MC_ZSTD_ARENA (16ull << 20)

/* iomix: the lz4 layout above (corpus, room, arena: its level-1 or HC
 * state), then from MC_P_IO_VQ the devices family's NIC region
 * (NIC_REGION_SIZE bytes, microbench/devices/nic_abi.h) holding the split
 * virtqueue and its buffers, 4 KiB aligned; the driver's count of the
 * packets it posted (free-running: the queue's indexes run on over the
 * runs) is the region's nic_ctl tail. */
static inline unsigned long long mc_iomix_vq_off(unsigned long long n, unsigned long long cap,
						 unsigned long long arena)
{
	return mc_zlib_up(MC_ZLIB_OFF_ARENA(n, cap) + arena);
}

/* The bodies' refusals, from HV_ABORT_BODY_BASE on; each row's
 * abort_reasons[] words them for its workload, in this order. */
enum mc_abort {
	MC_ABORT_PARAM = HV_ABORT_BODY_BASE,	/* a size outside the region or the limits */
	MC_ABORT_WRONG,				/* the result differs from the host's reference */
	MC_ABORT_ORDER,				/* the output breaks its own invariant (sort: order) */
	MC_ABORT_LOST,				/* input lost or changed on the way (sort: key sum) */
	MC_ABORT_DEVICE,			/* iomix: the device gave up on the queue (NEEDS_RESET) */
	MC_ABORT_TIMEOUT,			/* iomix: the device did not use the buffers in time */
	MC_ABORT_USED,				/* iomix: the used ring gave back another buffer */
};

#endif
