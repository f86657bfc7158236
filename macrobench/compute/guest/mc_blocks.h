/* The block stream macro_lz4 and macro_zstd share (mc_abi.h): the corpus
 * in independent blocks of MC_LZ4_BLOCK bytes, each a 32-bit little-endian
 * compressed length and that many bytes of the codec's output. A body gives
 * its codec's two calls; this header walks the stream, checks every bound
 * and the output, and runs one phase a run, as zlib.c does. Header-only:
 * no writable globals (the arm64 image is read-only). */
#ifndef MACROBENCH_COMPUTE_GUEST_MC_BLOCKS_H
#define MACROBENCH_COMPUTE_GUEST_MC_BLOCKS_H

#include <stddef.h>
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
static __attribute__((noinline, noclone, unused)) uint64_t mc_blocks_pack(const struct mc_blockjob *j, mc_block_pack pack)
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
static __attribute__((noinline, noclone, unused)) void mc_blocks_unpack(const struct mc_blockjob *j, uint64_t len, mc_block_unpack unpack)
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
	uint64_t n = MC(MC_P_N), cap = MC(MC_P_AUX), arena = MC(MC_P_REF3), nv = SHARED->nr_vcpus;
	uint64_t slot = MC(MC_P_SLOT), nb = (n + MC_LZ4_BLOCK - 1) / MC_LZ4_BLOCK;

	if (n < 1 || n > MC_ZLIB_MAX || cap < 64 || cap > 2 * MC_ZLIB_MAX || MC(MC_P_SEED) < 1 ||
	    MC(MC_P_SEED) > (uint64_t)level_max || MC(MC_P_AUX2) > MC_ZLIB_DECOMPRESS ||
	    arena < 4096 || arena > arena_max || nv < 1 || nv > HV_MAX_VCPUS ||
	    MC_ZLIB_OFF_ARENA(n, cap) + nv * arena > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	/* N vCPUs: room for every block's slot, and the meeting point. */
	if (nv > 1 && (slot < 5 || slot > cap || (nb - 1) * slot + 4 > cap ||
		       mc_blocks_par_off(n, cap, arena, nv) + sizeof(struct mc_par) > MC(MC_P_SIZE)))
		return MC_ABORT_PARAM;
	return 0;
}

/* ---- N vCPUs (mc_abi.h): bands of whole blocks ---- */

void *mc_memmove(void *d, const void *s, size_t n);	/* guest/mc_mem.c */

enum { MC_BLOCKS_PACK, MC_BLOCKS_UNPACK };

static inline struct mc_par *mc_blocks_par(void)
{
	return (struct mc_par *)(MC(MC_P_BASE) + mc_blocks_par_off(MC(MC_P_N), MC(MC_P_AUX), MC(MC_P_REF3),
								   SHARED->nr_vcpus));
}

static inline uint32_t mc_blocks_word(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Band v of nv, the step par->arg says (low 4 bits; for unpacking, the
 * stream's length above them): 0 in part[v][0], or the abort code the
 * band met (vCPU 0 aborts with it). */
static __attribute__((noinline, noclone, unused)) void mc_blocks_band(uint32_t v, uint32_t nv, mc_block_pack pack,
							      mc_block_unpack unpack)
{
	uint64_t n = MC(MC_P_N), cap = MC(MC_P_AUX), slot = MC(MC_P_SLOT), arena = MC(MC_P_REF3);
	uint8_t *base = (uint8_t *)MC(MC_P_BASE);
	struct mc_par *par = mc_blocks_par();
	uint64_t arg = par->arg, nb = (n + MC_LZ4_BLOCK - 1) / MC_LZ4_BLOCK;
	uint64_t b0 = nb * v / nv, b1 = nb * (v + 1) / nv;
	struct mc_blockjob j = {
		.corpus = base, .comp = base + MC_ZLIB_OFF_COMP(n), .out = base + MC_ZLIB_OFF_OUT(n, cap),
		.arena = base + MC_ZLIB_OFF_ARENA(n, cap) + v * arena, .arena_size = arena, .n = n, .cap = cap,
		.level = (int)MC(MC_P_SEED), .heartbeat = mc_beat(v),
	};

	par->part[v][0] = 0;
	if ((arg & 15) == MC_BLOCKS_PACK) {
		for (uint64_t i = b0; i < b1; i++) {
			uint64_t off = i * MC_LZ4_BLOCK, k = mc_block_len(n, off);
			uint64_t room = (cap - i * slot < slot ? cap - i * slot : slot) - 4;
			uint8_t *o = j.comp + i * slot;
			uint64_t c = pack(&j, j.corpus + off, k, o + 4, room);

			if (c == 0 || c > room || c > 0x7fffffffu) {
				par->part[v][0] = MC_ABORT_LOST;
				return;
			}
			for (int b = 0; b < 4; b++)
				o[b] = (uint8_t)(c >> (8 * b));
			(*j.heartbeat)++;
		}
		return;
	}
	/* Unpack: the band's first block found by the length words. */
	uint64_t len = arg >> 4;
	const uint8_t *in = j.comp, *end = j.comp + (len < cap ? len : cap);

	for (uint64_t i = 0; i < b1; i++) {
		uint64_t off = i * MC_LZ4_BLOCK, k = mc_block_len(n, off), c;

		if (end - in < 4 || (c = mc_blocks_word(in)) > (uint64_t)(end - in - 4) || c > 0x7fffffffu) {
			par->part[v][0] = MC_ABORT_ORDER;
			return;
		}
		if (i >= b0) {
			if (unpack(&j, in + 4, c, j.out + off, k) != k ||
			    !mc_same(j.out + off, j.corpus + off, k, j.heartbeat)) {
				par->part[v][0] = MC_ABORT_ORDER;
				return;
			}
			(*j.heartbeat)++;
		}
		in += 4 + c;
	}
	if (v == nv - 1 && (in != end || len > cap))
		par->part[v][0] = MC_ABORT_ORDER;	/* the stream goes on past the last block */
}

/* vCPU 0 after a step: the first band's refusal, if any. */
static inline void mc_blocks_refused(const struct mc_par *par, uint32_t nv)
{
	for (uint32_t v = 0; v < nv; v++)
		if (par->part[v][0])
			guest_abort((uint32_t)par->part[v][0]);
}

/* The bands' slots closed up, in order, into one stream: its length. */
static inline uint64_t mc_blocks_close(uint8_t *comp, uint64_t n, uint64_t cap, uint64_t slot)
{
	uint8_t *o = comp;

	for (uint64_t i = 0; i * MC_LZ4_BLOCK < n; i++) {
		uint64_t c = mc_blocks_word(comp + i * slot);

		if (c + 4 > slot || i * slot + 4 + c > cap)
			guest_abort(MC_ABORT_LOST);
		mc_memmove(o, comp + i * slot, 4 + c);	/* o <= the slot: a forward copy */
		o += 4 + c;
	}
	return (uint64_t)(o - comp);
}

/* One run on N vCPUs, as mc_blocks_op's on one; step is the body's
 * mc_blocks_band with its codec. */
static __attribute__((noinline, noclone, unused)) void mc_blocks_op_par(uint32_t nv, void (*step)(uint32_t v, uint32_t nv))
{
	struct hv_shared *s = SHARED;	/* the page once (natively a thread-local) */
	uint64_t n = s->param[MC_P_N], cap = s->param[MC_P_AUX], phase = s->param[MC_P_AUX2];
	uint64_t len = s->param[MC_P_REF0], want = s->param[MC_P_REF1], check = s->param[MC_P_REF2] & 1;
	uint64_t slot = s->param[MC_P_SLOT];
	uint8_t *base = (uint8_t *)s->param[MC_P_BASE], *comp = base + MC_ZLIB_OFF_COMP(n);
	struct mc_par *par = (struct mc_par *)(base + mc_blocks_par_off(n, cap, s->param[MC_P_REF3], nv));

	if (phase != MC_ZLIB_DECOMPRESS) {
		if (mc_par_step(par, MC_BLOCKS_PACK, step) < 0)
			return;	/* the VM ends: this run is not checked */
		mc_blocks_refused(par, nv);
		uint64_t got = mc_blocks_close(comp, n, cap, slot);

		if (check && (got != len || crc32(0, comp, (uInt)got) != want))
			guest_abort(MC_ABORT_WRONG);
		len = got;
	}
	if (phase != MC_ZLIB_COMPRESS) {
		if (mc_par_step(par, MC_BLOCKS_UNPACK | len << 4, step) < 0)
			return;
		mc_blocks_refused(par, nv);
	}
}

/* One run: the phase the page says, the stream checked against the
 * host's length and CRC-32 (the guest's zlib computes it) where it may be;
 * on N vCPUs in bands (mc_blocks_op_par). */
static inline void mc_blocks_op(mc_block_pack pack, mc_block_unpack unpack, void (*step)(uint32_t v, uint32_t nv))
{
	uint32_t nv = SHARED->nr_vcpus;

	if (nv > 1) {
		mc_blocks_op_par(nv, step);
		return;
	}

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
