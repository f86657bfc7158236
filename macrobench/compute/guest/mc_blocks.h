/* The block stream macro_lz4 and macro_zstd share (mc_abi.h): the corpus
 * in independent blocks of MC_LZ4_BLOCK bytes, each a 32-bit little-endian
 * compressed length and that many bytes of the codec's output. A body gives
 * its codec's two calls; this header walks the stream, checks every bound
 * and the output, and runs one phase a run, as zlib.c does. Header-only:
 * no writable globals (the arm64 image is read-only). */
#ifndef MACROBENCH_COMPUTE_GUEST_MC_BLOCKS_H
#define MACROBENCH_COMPUTE_GUEST_MC_BLOCKS_H

#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"
#include "zlib.h"	/* the guest's copy (Makefile ZLIB_USERS): crc32 */

/* One run's parameters, read from the page once: the twin reaches the
 * page through a thread-local pointer, the guest at a fixed address, and
 * the work should do neither (ci/test-macro-insns.sh counts both builds). */
struct mc_blockjob {
	uint8_t *corpus, *comp, *out, *arena;
	uint64_t n, cap, arena_size;
	int level;
	volatile uint64_t *heartbeat;	/* the page's, for the stall watchdog */
};

/* k bytes at src into at most room bytes at dst: the compressed length,
 * or 0 where the codec refused. */
typedef uint64_t (*mc_block_pack)(const struct mc_blockjob *j, const uint8_t *src, uint64_t k,
				  uint8_t *dst, uint64_t room);
/* c bytes at src into dst, which has room for k: the bytes written, or
 * anything but k where the block is bad. */
typedef uint64_t (*mc_block_unpack)(const struct mc_blockjob *j, const uint8_t *src, uint64_t c,
				    uint8_t *dst, uint64_t k);

/* The corpus, block by block, into the room; the stream's length. Not
 * inlined, as zlib.c's loops: the twin's PIE code would inline otherwise
 * (ci/test-macro-insns.sh); one indirect call a block. */
static __attribute__((noinline, noclone)) uint64_t mc_blocks_pack(const struct mc_blockjob *j, mc_block_pack pack)
{
	uint8_t *o = j->comp, *end = j->comp + j->cap;

	for (uint64_t off = 0; off < j->n; off += MC_LZ4_BLOCK) {
		uint64_t k = mc_block_len(j->n, off), c;

		if (end - o < 4)
			guest_abort(MC_ABORT_LOST);	/* the room was too small */
		c = pack(j, j->corpus + off, k, o + 4, (uint64_t)(end - o - 4));
		if (c == 0 || c > (uint64_t)(end - o - 4) || c > 0x7fffffffu)
			guest_abort(MC_ABORT_LOST);
		for (int b = 0; b < 4; b++)
			o[b] = (uint8_t)(c >> (8 * b));
		o += 4 + c;
		(*j->heartbeat)++;
	}
	return (uint64_t)(o - j->comp);
}

/* The len-byte stream back into out, checked against the corpus. */
static __attribute__((noinline, noclone)) void mc_blocks_unpack(const struct mc_blockjob *j, uint64_t len, mc_block_unpack unpack)
{
	const uint8_t *in = j->comp, *end = j->comp + len;

	for (uint64_t off = 0; off < j->n; off += MC_LZ4_BLOCK) {
		uint64_t k = mc_block_len(j->n, off);
		uint32_t c = 0;

		if (end - in < 4)
			guest_abort(MC_ABORT_ORDER);
		for (int b = 0; b < 4; b++)
			c |= (uint32_t)in[b] << (8 * b);
		if (c > (uint64_t)(end - in - 4) || c > 0x7fffffffu)
			guest_abort(MC_ABORT_ORDER);
		if (unpack(j, in + 4, c, j->out + off, k) != k)
			guest_abort(MC_ABORT_ORDER);
		in += 4 + c;
		(*j->heartbeat)++;
	}
	if (in != end || !mc_same(j->out, j->corpus, j->n, j->heartbeat))
		guest_abort(MC_ABORT_ORDER);
}

/* The page's checks every block body makes in its init (level range and
 * arena its own): 0 or MC_ABORT_PARAM. */
static inline int mc_blocks_init(int level_max, uint64_t arena_max)
{
	uint64_t n = MC(MC_P_N), cap = MC(MC_P_AUX), arena = MC(MC_P_REF3);

	if (n < 1 || n > MC_ZLIB_MAX || cap < 64 || cap > 2 * MC_ZLIB_MAX || MC(MC_P_SEED) < 1 ||
	    MC(MC_P_SEED) > (uint64_t)level_max || MC(MC_P_AUX2) > MC_ZLIB_DECOMPRESS ||
	    arena < 4096 || arena > arena_max || MC_ZLIB_OFF_ARENA(n, cap) + arena > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

/* One run: the phase the page says, the stream checked against the
 * host's length and CRC-32 (the guest's zlib computes it) where it may be. */
static inline void mc_blocks_op(mc_block_pack pack, mc_block_unpack unpack)
{
	uint64_t n = MC(MC_P_N), cap = MC(MC_P_AUX), phase = MC(MC_P_AUX2), len = MC(MC_P_REF0);
	uint64_t want = MC(MC_P_REF1), check = MC(MC_P_REF2) & 1;
	uint8_t *base = (uint8_t *)MC(MC_P_BASE);
	struct mc_blockjob j = {
		.corpus = base, .comp = base + MC_ZLIB_OFF_COMP(n), .out = base + MC_ZLIB_OFF_OUT(n, cap),
		.arena = base + MC_ZLIB_OFF_ARENA(n, cap), .arena_size = MC(MC_P_REF3), .n = n, .cap = cap,
		.level = (int)MC(MC_P_SEED), .heartbeat = &SHARED->heartbeat,
	};

	if (phase != MC_ZLIB_DECOMPRESS) {
		uint64_t got = mc_blocks_pack(&j, pack);

		if (check && (got != len || crc32(0, j.comp, (uInt)got) != want))
			guest_abort(MC_ABORT_WRONG);
		len = got;
	}
	if (phase != MC_ZLIB_COMPRESS)
		mc_blocks_unpack(&j, len, unpack);
}

#endif
