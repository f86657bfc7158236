/* The compute family's compression row (issue 17): zlib's deflate and
 * inflate of a fixed corpus, in the guest and natively, with zlib itself
 * (Debian's 1.2.13 source built with the guest's flags: Makefile ZLIB_*).
 * The reference is the host's own libz (the system's, -lz): compress2() of
 * the same corpus at the same level gives the compressed length and the
 * CRC-32 of its bytes every run must match; every decompression must give
 * back the corpus byte for byte. The body: guest/zlib.c; record: mc.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lz4.h>
#include <lz4hc.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY	/* the static contexts' size estimates */
#include <zstd.h>

#include "hv-core/hv.h"
#include "macrobench/compute/mc.h"
#include "macrobench/compute/mc_abi.h"
#include "macrobench/compute/mc_input.h"
#include "microbench/mb.h"

/* The guest's copy of zlib, linked into this library as the twin's
 * (Z_PREFIX names it z_): its version, to know whether the host's libz
 * must produce the same bytes. */
const char *z_zlibVersion(void);
/* The guest's lz4, linked the same way (Makefile lib_rename: mc_LZ4_*). */
const char *mc_LZ4_versionString(void);
const char *mc_ZSTD_versionString(void);	/* and zstd's: mc_ZSTD_* and the like */
size_t mc_ZSTD_estimateCCtxSize_usingCParams(ZSTD_compressionParameters cp);
ZSTD_compressionParameters mc_ZSTD_getCParams(int level, unsigned long long size, size_t dict);
size_t mc_ZSTD_estimateDCtxSize(void);

#define CORRUPT_HELP "plant a wrong reference (one bit flipped): the run must fail, in the guest and natively"

static const char *const zlib_phases[] = { "roundtrip", "compress", "decompress", NULL };

static const struct mb_param_def zlib_params[] = {
	{ "kib", MB_PT_INT, "corpus bytes in KiB (the host's seeded generator: text-like, record-like and random blocks)", 1, MC_ZLIB_MAX >> 10, NULL, 4096 },
	{ "level", MB_PT_INT, "deflate level, as compress2() takes it (1 fastest .. 9 best)", 1, 9, NULL, 1 },
	{ "phase", MB_PT_CHOICE, "what one run does: roundtrip (compress, then decompress its own output), compress, or decompress (the host's stream)", 0, 0, zlib_phases, 0 },
	{ "corrupt", MB_PT_BOOL, CORRUPT_HELP, 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const zlib_aborts[] = {
	"the page asked for a corpus or level outside the region or the body's limits, or zlib refused its parameters",
	"the compressed length or the CRC-32 of the compressed bytes differs from the host's libz (compress2 at the same level)",
	"the decompressed bytes differ from the corpus, or inflate did not end the stream exactly at the corpus's length (Adler-32, length)",
	"deflate did not finish within the room for the compressed stream",
	NULL,
};

/* A fixed vocabulary for the text-like blocks, commonest first. */
static const char *const words[] = {
	"the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be",
	"by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have",
	"an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has",
	"there", "been", "if", "more", "when", "will", "would", "who", "so", "no", "guest",
	"kernel", "page", "table", "exit", "memory", "virtual", "machine", "interrupt", "timer",
	"device", "register", "benchmark", "compression", "native",
};

/*
 * The corpus: 4 KiB blocks from a splitmix64 stream of seed 0xc0a9, each
 * one of three kinds by the stream's next value mod 10: 0-5 text (words
 * of the list above, the commoner likelier: the smaller of two draws,
 * with spaces, a comma or full stop every few words and a line break
 * past 72 columns), 6-8 records (16 bytes each: a counter, a small
 * number, one of 16 tags, a 24-bit value), 9 random bytes. Deterministic:
 * the same bytes for the same size on every host.
 */
void mc_zlib_corpus(uint8_t *p, uint64_t n)
{
	uint64_t s = 0xc0a9ull, counter = 0;

	for (uint64_t b = 0; b < n; b += 4096) {
		uint64_t end = b + 4096 < n ? b + 4096 : n, kind = mc_splitmix(&s) % 10, i = b, col = 0;

		if (kind <= 5) {
			while (i < end) {
				uint64_t r = mc_splitmix(&s), x = r % 64, y = (r >> 8) % 64;
				const char *w = words[x < y ? x : y];

				for (const char *c = w; *c && i < end; c++, col++)
					p[i++] = (uint8_t)*c;
				if (i < end)
					p[i++] = (r >> 16) % 11 == 0 ? ',' : (r >> 16) % 13 == 0 ? '.' : ' ', col++;
				if (i < end && col > 72)
					p[i++] = '\n', col = 0;
			}
		} else if (kind <= 8) {
			for (; i < end; i++) {
				uint64_t k = (i - b) % 16;

				if (k == 0) {
					uint64_t r = mc_splitmix(&s);
					uint8_t rec[16];

					counter++;
					for (int j = 0; j < 4; j++)
						rec[j] = (uint8_t)(counter >> (8 * j));
					rec[4] = (uint8_t)(r % 100), rec[5] = 0;
					rec[6] = (uint8_t)(0x40 + (r >> 8) % 16), rec[7] = 0;
					for (int j = 0; j < 8; j++)
						rec[8 + j] = j < 3 ? (uint8_t)(r >> (16 + 8 * j)) : 0;
					for (uint64_t j = 0; j < 16 && i + j < end; j++)
						p[i + j] = rec[j];
				}
			}
		} else {
			for (; i < end; i += 8) {
				uint64_t v = mc_splitmix(&s);

				for (uint64_t k = 0; k < 8 && i + k < end; k++)
					p[i + k] = (uint8_t)(v >> (8 * k));
			}
		}
	}
}

/* The host's own compression of the corpus at a level, into dst (room
 * for cap bytes): 0 with *len set, or -1 with err filled. */
typedef int (*codec_ref)(uint8_t *dst, uint64_t cap, uint64_t *len, const uint8_t *src, uint64_t n,
			 int level, char *err, size_t errlen);

static int zlib_ref(uint8_t *dst, uint64_t cap, uint64_t *len, const uint8_t *src, uint64_t n,
		    int level, char *err, size_t errlen)
{
	uLongf clen = (uLongf)cap;
	int r = compress2(dst, &clen, src, (uLong)n, level);

	if (r != Z_OK) {
		snprintf(err, errlen, "the host's compress2 failed (%d)", r);
		return -1;
	}
	*len = clen;
	return 0;
}

/* One block by the host's library: the compressed length, 0 on failure. */
typedef uint64_t (*host_pack)(const uint8_t *src, uint64_t k, uint8_t *dst, uint64_t room, int level);

static uint64_t lz4_host_pack(const uint8_t *src, uint64_t k, uint8_t *dst, uint64_t room, int level)
{
	int bound = LZ4_compressBound((int)k);
	int c = room < (uint64_t)bound ? 0
		: level < MC_LZ4_LEVEL_HC ? LZ4_compress_fast((const char *)src, (char *)dst, (int)k, bound, 1)
					  : LZ4_compress_HC((const char *)src, (char *)dst, (int)k, bound, level);

	return c > 0 ? (uint64_t)c : 0;
}

/* As the body: the level, and the row match finder where a library built
 * without SIMD takes it (a window over 128 KiB; guest/zstd.c says why). */
int mc_zstd_host_block(void *dst, size_t room, const void *src, size_t k, int level, size_t *len)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ZSTD_paramSwitch_e row = ZSTD_getCParams(level, k, 0).windowLog > 17 ? ZSTD_ps_enable : ZSTD_ps_disable;
	size_t c = 0;

	if (!cctx)
		return -1;
	if (!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)) &&
	    !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_useRowMatchFinder, row)))
		c = ZSTD_compress2(cctx, dst, room, src, k);
	ZSTD_freeCCtx(cctx);
	*len = c;
	return c && !ZSTD_isError(c) ? 0 : -1;
}

static uint64_t zstd_host_pack(const uint8_t *src, uint64_t k, uint8_t *dst, uint64_t room, int level)
{
	size_t c;

	return mc_zstd_host_block(dst, room, src, k, level, &c) < 0 ? 0 : c;
}

/* The block stream mc_abi.h describes, by the host's library. */
static int blocks_ref(uint8_t *dst, uint64_t cap, uint64_t *len, const uint8_t *src, uint64_t n,
		      int level, char *err, size_t errlen, host_pack pack, const char *lib)
{
	uint8_t *o = dst;

	for (uint64_t off = 0; off < n; off += MC_LZ4_BLOCK) {
		uint64_t k = mc_block_len(n, off);
		uint64_t room = cap - (uint64_t)(o - dst), c = room < 4 ? 0 : pack(src + off, k, o + 4, room - 4, level);

		if (c == 0) {
			snprintf(err, errlen, "the host's %s failed on block %llu (or its room was too small)", lib,
				 (unsigned long long)(off / MC_LZ4_BLOCK));
			return -1;
		}
		for (int b = 0; b < 4; b++)
			o[b] = (uint8_t)(c >> (8 * b));
		o += 4 + c;
	}
	*len = (uint64_t)(o - dst);
	return 0;
}

static int lz4_ref(uint8_t *dst, uint64_t cap, uint64_t *len, const uint8_t *src, uint64_t n,
		   int level, char *err, size_t errlen)
{
	return blocks_ref(dst, cap, len, src, n, level, err, errlen, lz4_host_pack, "liblz4");
}

static int zstd_ref(uint8_t *dst, uint64_t cap, uint64_t *len, const uint8_t *src, uint64_t n,
		    int level, char *err, size_t errlen)
{
	return blocks_ref(dst, cap, len, src, n, level, err, errlen, zstd_host_pack, "libzstd");
}

/* Room for a block stream of n bytes: every block's bound and length word. */
static uint64_t blocks_cap(uint64_t n, uint64_t (*bound)(uint64_t k))
{
	uint64_t cap = 0;

	for (uint64_t off = 0; off < n; off += MC_LZ4_BLOCK)
		cap += 4 + bound(mc_block_len(n, off));
	return cap;
}

static uint64_t lz4_bound(uint64_t k)
{
	return (uint64_t)LZ4_compressBound((int)k);
}

static uint64_t zstd_bound(uint64_t k)
{
	return ZSTD_compressBound(k);
}

uint64_t mc_lz4_cap(uint64_t n)
{
	return blocks_cap(n, lz4_bound);
}

int mc_lz4_stream(uint8_t *dst, uint64_t cap, uint64_t *len, const uint8_t *src, uint64_t n, int level,
		  char *err, size_t errlen)
{
	return lz4_ref(dst, cap, len, src, n, level, err, errlen);
}

int mc_lz4_same_version(const char **host, const char **guest)
{
	*host = LZ4_versionString();
	*guest = mc_LZ4_versionString();
	return strcmp(*host, *guest) == 0;
}

/* Both rows' setup: the corpus in the guest's region and the twin's, the
 * host's stream (ref) in the twin's room and a copy in the guest's, the
 * page, the planted fault, the record's extras. host/guest: the two
 * libraries' versions; where they differ, the host has no reference for
 * the compressed bytes and only phase decompress runs. */
static int codec_setup(struct mb_setup_ctx *c, uint64_t cap, uint64_t arena, uint64_t slot, const char *lib,
		       const char *host, const char *guest, codec_ref ref)
{
	uint64_t n = (uint64_t)c->params->ext[0] << 10, level = (uint64_t)c->params->ext[1];
	uint64_t phase = (uint64_t)c->params->ext[2], clen = 0;
	uint32_t nvc = c->params->vcpus > 1 ? c->params->vcpus : 1;
	struct mc_state *st;
	int same = strcmp(host, guest) == 0;

	/* One deflate stream is one vCPU's: its window spans the blocks. */
	if (nvc > 1 && !slot) {
		snprintf(c->err, c->errlen,
			 "one %s stream is sequential (each block's matches reach into the ones before): it runs on one vCPU; macro_lz4 and macro_zstd split their independent blocks over %u",
			 lib, nvc);
		return -ENOTSUP;
	}

	if (!same && phase != MC_ZLIB_DECOMPRESS) {
		snprintf(c->err, c->errlen,
			 "the host's %s is %s and the guest's %s: their output may differ, so the host has no reference for the compressed bytes (phase decompress still runs)",
			 lib, host, guest);
		return -ENOTSUP;
	}
	int r = mc_setup(c, nvc > 1 ? mc_blocks_par_off(n, cap, arena, nvc) + sizeof(struct mc_par)
				   : MC_ZLIB_OFF_ARENA(n, cap) + arena, &st);
	if (r < 0)
		return r;
	if (nvc > 1) {
		st->zero_off = mc_blocks_par_off(n, cap, arena, nvc);
		st->zero_len = sizeof(struct mc_par);
	}
	uint8_t *g = st->guest->hva, *nv = st->native.hva;

	mc_zlib_corpus(g, n);
	memcpy(nv, g, n);
	/* The reference: the host's library, into the twin's room; the guest
	 * gets a copy for the decompress phase. */
	uint8_t *comp = nv + MC_ZLIB_OFF_COMP(n);
	if (ref(comp, cap, &clen, g, n, (int)level, c->err, c->errlen) < 0)
		return mc_abandon(c, -EPROTO);
	memcpy(g + MC_ZLIB_OFF_COMP(n), comp, clen);
	uint64_t *p = c->vm->shared->param;
	p[MC_P_N] = n;
	p[MC_P_SEED] = level;
	p[MC_P_AUX] = cap;
	p[MC_P_AUX2] = phase;
	p[MC_P_REF0] = clen;
	p[MC_P_REF1] = crc32(0, comp, (uInt)clen);
	p[MC_P_REF2] = same;
	p[MC_P_REF3] = arena;
	p[MC_P_SLOT] = nvc > 1 ? slot : 0;
	/* The wrong reference where this phase checks: the compressed bytes
	 * for compress and roundtrip, the stream itself (one bit of the
	 * guest's and the twin's copy) for decompress. */
	if (c->params->ext[3] && phase == MC_ZLIB_DECOMPRESS) {
		g[MC_ZLIB_OFF_COMP(n) + clen / 2] ^= 1;
		comp[clen / 2] ^= 1;
	} else if (c->params->ext[3]) {
		p[MC_P_REF1] ^= 1;
	}
	st->work = (double)n, st->work_unit = "bytes";
	st->rate = 1;
	st->extra[0] = (struct mc_extra){ "compressed", "bytes",
		"the host's own output for the corpus at this level (the guest's must match it)", (double)clen };
	st->extra[1] = (struct mc_extra){ "compression_ratio", "x", "corpus bytes over compressed bytes", (double)n / (double)clen };
	st->n_extra = 2;
	mc_setup_done(c, st);
	return 0;
}

static int zlib_setup(struct mb_setup_ctx *c)
{
	uint64_t n = (uint64_t)c->params->ext[0] << 10;

	return codec_setup(c, compressBound((uLong)n), MC_ZLIB_ARENA, 0, "libz", zlibVersion(), z_zlibVersion(),
			   zlib_ref);
}

static int lz4_setup(struct mb_setup_ctx *c)
{
	return codec_setup(c, blocks_cap((uint64_t)c->params->ext[0] << 10, lz4_bound), MC_ZLIB_ARENA,
			   4 + lz4_bound(MC_LZ4_BLOCK), "liblz4",
			   LZ4_versionString(), mc_LZ4_versionString(), lz4_ref);
}

/* zstd's arena: a compression context for a block at the row's level and
 * a decompression context, as the body lays them out (guest/zstd.c), by
 * the host library's own estimates, rounded up to the region's alignment. */
static int zstd_setup(struct mb_setup_ctx *c)
{
	int level = (int)c->params->ext[1];
	/* The twin's copy asks for more under ASan (zstd puts red zones
	 * between its workspace's parts): the larger of the two estimates. */
	uint64_t cctx = ZSTD_estimateCCtxSize_usingCParams(ZSTD_getCParams(level, MC_LZ4_BLOCK, 0));
	uint64_t twin = mc_ZSTD_estimateCCtxSize_usingCParams(mc_ZSTD_getCParams(level, MC_LZ4_BLOCK, 0));
	uint64_t dctx = ZSTD_estimateDCtxSize(), tdctx = mc_ZSTD_estimateDCtxSize();
	uint64_t arena = mc_zlib_up(cctx > twin ? cctx : twin) + mc_zlib_up(dctx > tdctx ? dctx : tdctx);

	if (arena > MC_ZSTD_ARENA) {
		snprintf(c->err, c->errlen, "zstd level %d wants %llu bytes of contexts, over the body's %llu", level,
			 (unsigned long long)arena, (unsigned long long)MC_ZSTD_ARENA);
		return -EINVAL;
	}
	return codec_setup(c, blocks_cap((uint64_t)c->params->ext[0] << 10, zstd_bound), arena,
			   4 + zstd_bound(MC_LZ4_BLOCK), "libzstd",
			   ZSTD_versionString(), mc_ZSTD_versionString(), zstd_ref);
}

static const struct mb_bench b_zlib = {
	.name = "macro_zlib", .family = "macro",
	.description = "zlib deflate/inflate (Debian's zlib 1.2.13 built for the guest) of a fixed seeded corpus, in the guest and natively: one whole compression, decompression or both per op, checked against the host's libz and the corpus",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none: pure computation (what exits there are, are the host's interrupts and first touches)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_zlib", .cpls = MB_CPL_ANY,
	.ext_params = zlib_params, .abort_reasons = zlib_aborts,
	.setup = zlib_setup, .finish = mc_finish,
};
MB_REGISTER(b_zlib);

static const struct mb_param_def lz4_params[] = {
	{ "kib", MB_PT_INT, "corpus bytes in KiB (the same corpus as macro_zlib's)", 1, MC_ZLIB_MAX >> 10, NULL, 4096 },
	{ "level", MB_PT_INT, "1-2: LZ4_compress_fast (acceleration 1, lz4 -1); 3-12: lz4hc at that level (lz4 -9 is 9)", 1, MC_LZ4_LEVEL_MAX, NULL, 1 },
	{ "phase", MB_PT_CHOICE, "what one run does: roundtrip (compress, then decompress its own output), compress, or decompress (the host's stream)", 0, 0, zlib_phases, 0 },
	{ "corrupt", MB_PT_BOOL, CORRUPT_HELP, 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const lz4_aborts[] = {
	"the page asked for a corpus, level or stream room outside the region or the body's limits",
	"the stream's length or the CRC-32 of its bytes differs from the host's liblz4 (the same blocks at the same level)",
	"a block did not decompress to exactly its length (LZ4_decompress_safe), the stream did not end at its last block, or the output differs from the corpus",
	"a block did not fit its room, or lz4 refused to compress it",
	NULL,
};

static const struct mb_bench b_lz4 = {
	.name = "macro_lz4", .family = "macro",
	.description = "LZ4 block compression/decompression (Debian's lz4 1.9.4 built for the guest; level 1 fast, 3-12 lz4hc) of macro_zlib's corpus in 256 KiB blocks, in the guest and natively: checked against the host's liblz4 and the corpus",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none: pure computation (what exits there are, are the host's interrupts and first touches)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_lz4", .cpls = MB_CPL_ANY,
	.ext_params = lz4_params, .abort_reasons = lz4_aborts,
	.setup = lz4_setup, .finish = mc_finish,
};
MB_REGISTER(b_lz4);

static const struct mb_param_def zstd_params[] = {
	{ "kib", MB_PT_INT, "corpus bytes in KiB (the same corpus as macro_zlib's)", 1, MC_ZLIB_MAX >> 10, NULL, 4096 },
	{ "level", MB_PT_INT, "zstd's compression level, as ZSTD_compress takes it (1 fastest .. 19; zstd -1, -9)", 1, MC_ZSTD_LEVEL_MAX, NULL, 1 },
	{ "phase", MB_PT_CHOICE, "what one run does: roundtrip (compress, then decompress its own output), compress, or decompress (the host's stream)", 0, 0, zlib_phases, 0 },
	{ "corrupt", MB_PT_BOOL, CORRUPT_HELP, 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const zstd_aborts[] = {
	"the page asked for a corpus, level, stream room or arena outside the region or the body's limits, or the arena was too small for zstd's contexts",
	"the stream's length or the CRC-32 of its bytes differs from the host's libzstd (the same blocks at the same level)",
	"a block did not decompress to exactly its length (ZSTD_decompressDCtx: its frame's checks), the stream did not end at its last block, or the output differs from the corpus",
	"a block did not fit its room, or zstd refused to compress it",
	NULL,
};

static const struct mb_bench b_zstd = {
	.name = "macro_zstd", .family = "macro",
	.description = "zstd compression/decompression (Debian's zstd 1.5.4 built for the guest, static contexts in the region) of macro_zlib's corpus as one zstd frame per 256 KiB block, in the guest and natively: checked against the host's libzstd and the corpus",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none: pure computation (what exits there are, are the host's interrupts and first touches)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_zstd", .cpls = MB_CPL_ANY,
	.ext_params = zstd_params, .abort_reasons = zstd_aborts,
	.setup = zstd_setup, .finish = mc_finish,
};
MB_REGISTER(b_zstd);
