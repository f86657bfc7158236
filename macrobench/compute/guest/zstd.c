/* zstd workload: zstd compression and decompression of the corpus the
 * host made, with zstd itself (Debian's 1.5.4 source, built with the
 * guest's flags: Makefile ZSTD_*), one zstd frame per block of the stream
 * in mc_blocks.h: ZSTD_compressCCtx at the page's level (what ZSTD_compress
 * and `zstd -N` do for a block of that size), ZSTD_decompressDCtx, which
 * checks the frame's sizes. Built without SIMD, this copy takes zstd's
 * row match finder (levels 5-12) for a window over 128 KiB only, where
 * the host's SSE2/NEON library takes it from 16 KiB: the host's reference
 * (compress.c) asks for the guest's choice (a block under ~128 KiB then
 * compresses as on a machine without SIMD; a full 256 KiB block as
 * everywhere). Static contexts: ZSTD_compress2 would lose the frame's
 * content size there. Both contexts are static (ZSTD_initStaticCCtx/DCtx) over the
 * region's arena, made again every block; zstd never allocates.
 * Arch-neutral and .native; no writable globals. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_blocks.h"
/* The copy's symbols are renamed (Makefile lib_rename): mc_ZSTD_*. */
#define ZSTD_compressCCtx mc_ZSTD_compressCCtx
#define ZSTD_decompressDCtx mc_ZSTD_decompressDCtx
#define ZSTD_initStaticCCtx mc_ZSTD_initStaticCCtx
#define ZSTD_initStaticDCtx mc_ZSTD_initStaticDCtx
#define ZSTD_estimateCCtxSize_usingCParams mc_ZSTD_estimateCCtxSize_usingCParams
#define ZSTD_estimateDCtxSize mc_ZSTD_estimateDCtxSize
#define ZSTD_getCParams mc_ZSTD_getCParams
#define ZSTD_isError mc_ZSTD_isError
#define ZSTD_STATIC_LINKING_ONLY
#include "zstd.h"

/* The compression context's bytes at the page's level, from the arena's start. */
static uint64_t cctx_size(int level)
{
	return mc_zlib_up(ZSTD_estimateCCtxSize_usingCParams(ZSTD_getCParams(level, MC_LZ4_BLOCK, 0)));
}

static int zstd_init(void)
{
	int r = mc_blocks_init(MC_ZSTD_LEVEL_MAX, MC_ZSTD_ARENA);

	if (r)
		return r;
	if (cctx_size((int)MC(MC_P_SEED)) + mc_zlib_up(ZSTD_estimateDCtxSize()) > MC(MC_P_REF3))
		return MC_ABORT_PARAM;
	return 0;
}

static uint64_t zstd_pack(const struct mc_blockjob *j, const uint8_t *src, uint64_t k, uint8_t *dst, uint64_t room)
{
	ZSTD_CCtx *cctx = ZSTD_initStaticCCtx(j->arena, cctx_size(j->level));
	size_t c;

	if (!cctx)
		return 0;
	c = ZSTD_compressCCtx(cctx, dst, room, src, k, j->level);
	return ZSTD_isError(c) ? 0 : c;
}

static uint64_t zstd_unpack(const struct mc_blockjob *j, const uint8_t *src, uint64_t c, uint8_t *dst, uint64_t k)
{
	uint64_t at = cctx_size(j->level);
	ZSTD_DCtx *dctx = ZSTD_initStaticDCtx(j->arena + at, j->arena_size - at);
	size_t r;

	if (!dctx)
		return ~0ull;
	r = ZSTD_decompressDCtx(dctx, dst, k, src, c);
	return ZSTD_isError(r) ? ~0ull : r;
}

static void zstd_step(uint32_t v, uint32_t nv)
{
	mc_blocks_band(v, nv, zstd_pack, zstd_unpack);
}

static __attribute__((noinline, noclone)) void op_zstd(uint64_t it)
{
	mc_blocks_op(zstd_pack, zstd_unpack, zstd_step);
}

static void zstd_worker(uint32_t v)
{
	mc_par_worker(v, zstd_init, mc_blocks_par, zstd_step);
}

GUEST_BODY(mc_zstd, .init = zstd_init, .op = op_zstd, .secondary = zstd_worker,
	   .secondary_user = 1, .native = 1);
