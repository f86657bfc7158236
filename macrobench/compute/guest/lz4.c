/* lz4 workload: LZ4 block compression and decompression of the corpus the
 * host made, with lz4 itself (Debian's 1.9.4 source, built with the
 * guest's flags: Makefile LZ4_*), in the block stream of mc_blocks.h.
 * Level 1-2: LZ4_compress_fast_extState (acceleration 1, what `lz4 -1` and
 * LZ4_compress_default do); 3-12: LZ4_compress_HC_extStateHC at that
 * level (`lz4 -9`); LZ4_decompress_safe, bounds-checked. The state lives
 * in the region's arena. Arch-neutral and .native; no writable globals. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_blocks.h"
/* The copy's symbols are renamed (Makefile lib_rename): mc_LZ4_*. */
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
	uint64_t state = MC(MC_P_SEED) < MC_LZ4_LEVEL_HC ? (uint64_t)LZ4_sizeofState() : (uint64_t)LZ4_sizeofStateHC();

	if (state > MC(MC_P_REF3))
		return MC_ABORT_PARAM;
	return mc_blocks_init(MC_LZ4_LEVEL_MAX, MC_ZLIB_ARENA);
}

static uint64_t lz4_pack(const struct mc_blockjob *j, const uint8_t *src, uint64_t k, uint8_t *dst, uint64_t room)
{
	int bound = LZ4_compressBound((int)k), c;

	if (room < (uint64_t)bound)
		return 0;
	if (j->level < MC_LZ4_LEVEL_HC)
		c = LZ4_compress_fast_extState(j->arena, (const char *)src, (char *)dst, (int)k, bound, 1);
	else
		c = LZ4_compress_HC_extStateHC(j->arena, (const char *)src, (char *)dst, (int)k, bound, j->level);
	return c > 0 ? (uint64_t)c : 0;
}

static uint64_t lz4_unpack(const struct mc_blockjob *j, const uint8_t *src, uint64_t c, uint8_t *dst, uint64_t k)
{
	int r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)c, (int)k);

	return r < 0 ? ~0ull : (uint64_t)r;
}

static void lz4_step(uint32_t v, uint32_t nv)
{
	mc_blocks_band(v, nv, lz4_pack, lz4_unpack);
}

static __attribute__((noinline, noclone)) void op_lz4(uint64_t it)
{
	mc_blocks_op(lz4_pack, lz4_unpack, lz4_step);
}

static void lz4_worker(uint32_t v)
{
	mc_par_worker(v, lz4_init, mc_blocks_par, lz4_step);
}

GUEST_BODY(mc_lz4, .init = lz4_init, .op = op_lz4, .secondary = lz4_worker,
	   .secondary_user = 1, .native = 1);
