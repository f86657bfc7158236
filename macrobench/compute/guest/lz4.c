/* lz4 workload: LZ4 block compression and decompression of the corpus the
 * host made, with lz4 itself (Debian's 1.9.4 source, built with the
 * guest's flags: Makefile LZ4_*), in the independent blocks mc_abi.h
 * describes. Level 1-2: LZ4_compress_fast_extState (acceleration 1, what
 * `lz4 -1` and LZ4_compress_default do); 3-12: LZ4_compress_HC_extStateHC
 * at that level (`lz4 -9`). One run is one phase (MC_P_AUX2), as zlib's.
 * Checked every run: the stream's length and the CRC-32 of its bytes (the
 * guest's zlib computes it) equal the host's liblz4 stream's, when its
 * version is the guest's; every block decompresses (LZ4_decompress_safe,
 * bounds-checked) to exactly its length, the stream ends at its last
 * block, and the output equals the corpus byte for byte. The state lives
 * in the region's arena. Arch-neutral and .native; no writable globals. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"
#include "zlib.h"
/* The copy's symbols are renamed (Makefile lz4_rename): mc_LZ4_*. */
#define LZ4_compressBound mc_LZ4_compressBound
#define LZ4_compress_fast_extState mc_LZ4_compress_fast_extState
#define LZ4_compress_HC_extStateHC mc_LZ4_compress_HC_extStateHC
#define LZ4_decompress_safe mc_LZ4_decompress_safe
#define LZ4_sizeofState mc_LZ4_sizeofState
#define LZ4_sizeofStateHC mc_LZ4_sizeofStateHC
#include "lz4.h"
#include "lz4hc.h"

static int lz4_init(void)
{
	uint64_t n = MC(MC_P_N), cap = MC(MC_P_AUX), level = MC(MC_P_SEED);
	uint64_t state = level < MC_LZ4_LEVEL_HC ? (uint64_t)LZ4_sizeofState() : (uint64_t)LZ4_sizeofStateHC();

	if (n < 1 || n > MC_ZLIB_MAX || cap < 64 || cap > 2 * MC_ZLIB_MAX || level < 1 ||
	    level > MC_LZ4_LEVEL_MAX || MC(MC_P_AUX2) > MC_ZLIB_DECOMPRESS ||
	    state > MC_ZLIB_ARENA || MC_ZLIB_USED(n, cap) > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

/* One run's parameters, read from the page once (as zlib.c's). */
struct job {
	uint8_t *corpus, *comp, *out, *state;
	uint64_t n, cap;
	int level;
	volatile uint64_t *heartbeat;
};

/* The corpus, block by block, into the room; the stream's length. */
static __attribute__((noinline, noclone)) uint64_t do_compress(const struct job *j)
{
	uint8_t *o = j->comp, *end = j->comp + j->cap;

	for (uint64_t off = 0; off < j->n; off += MC_LZ4_BLOCK) {
		int k = (int)(j->n - off < MC_LZ4_BLOCK ? j->n - off : MC_LZ4_BLOCK);
		int bound = LZ4_compressBound(k), c;
		const char *src = (const char *)j->corpus + off;

		if (end - o < 4 + bound)
			guest_abort(MC_ABORT_LOST);	/* the room was too small */
		if (j->level < MC_LZ4_LEVEL_HC)
			c = LZ4_compress_fast_extState(j->state, src, (char *)o + 4, k, bound, 1);
		else
			c = LZ4_compress_HC_extStateHC(j->state, src, (char *)o + 4, k, bound, j->level);
		if (c <= 0)
			guest_abort(MC_ABORT_LOST);
		for (int b = 0; b < 4; b++)
			o[b] = (uint8_t)((uint32_t)c >> (8 * b));
		o += 4 + c;
		(*j->heartbeat)++;
	}
	return (uint64_t)(o - j->comp);
}

/* Decompresses the len-byte stream into out and checks it against the corpus. */
static __attribute__((noinline, noclone)) void do_decompress(const struct job *j, uint64_t len)
{
	const uint8_t *in = j->comp, *end = j->comp + len;

	for (uint64_t off = 0; off < j->n; off += MC_LZ4_BLOCK) {
		int k = (int)(j->n - off < MC_LZ4_BLOCK ? j->n - off : MC_LZ4_BLOCK);
		uint32_t c = 0;

		if (end - in < 4)
			guest_abort(MC_ABORT_ORDER);
		for (int b = 0; b < 4; b++)
			c |= (uint32_t)in[b] << (8 * b);
		if (c > (uint64_t)(end - in - 4) || c > 0x7fffffffu)
			guest_abort(MC_ABORT_ORDER);
		if (LZ4_decompress_safe((const char *)in + 4, (char *)j->out + off, (int)c, k) != k)
			guest_abort(MC_ABORT_ORDER);
		in += 4 + c;
		(*j->heartbeat)++;
	}
	if (in != end || !mc_same(j->out, j->corpus, j->n, j->heartbeat))
		guest_abort(MC_ABORT_ORDER);
}

static void op_lz4(uint64_t it)
{
	uint64_t n = MC(MC_P_N), cap = MC(MC_P_AUX), phase = MC(MC_P_AUX2), len = MC(MC_P_REF0);
	uint64_t crc = MC(MC_P_REF1), check = MC(MC_P_REF2) & 1;
	uint8_t *base = (uint8_t *)MC(MC_P_BASE);
	struct job j = {
		.corpus = base, .comp = base + MC_ZLIB_OFF_COMP(n), .out = base + MC_ZLIB_OFF_OUT(n, cap),
		.state = base + MC_ZLIB_OFF_ARENA(n, cap), .n = n, .cap = cap,
		.level = (int)MC(MC_P_SEED), .heartbeat = &SHARED->heartbeat,
	};

	if (phase != MC_ZLIB_DECOMPRESS) {
		uint64_t got = do_compress(&j);

		if (check && (got != len || crc32(0, j.comp, (uInt)got) != crc))
			guest_abort(MC_ABORT_WRONG);
		len = got;
	}
	if (phase != MC_ZLIB_COMPRESS)
		do_decompress(&j, len);
}

GUEST_BODY(mc_lz4, .init = lz4_init, .op = op_lz4, .native = 1);
