/* zlib workload: deflate and inflate of a corpus the host made, with zlib
 * itself (Debian's 1.2.13 source, built with the guest's flags: Makefile
 * ZLIB_*), zlib-format stream, window 15, memLevel 8, default strategy: what
 * compress2() at the same level does. One run is one phase (the page's
 * MC_P_AUX2): compress, decompress the host's stream, or both (round trip).
 * Checked every run: the compressed length and the CRC-32 of the compressed
 * bytes equal the host's own libz output (when its version is the guest's);
 * inflate ends the stream (its Adler-32 matched) with exactly the corpus's
 * length, and the output equals the corpus byte for byte. zlib's memory is
 * the region's arena, reset every run (zfree frees nothing). Arch-neutral
 * and .native: no writable globals (the arm64 image is read-only). */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"
#include "zlib.h"

struct arena {
	uint8_t *next, *end;
};

static voidpf arena_alloc(voidpf opaque, uInt items, uInt size)
{
	struct arena *a = opaque;
	uint64_t want = ((uint64_t)items * size + 15) & ~15ull;

	if (want > (uint64_t)(a->end - a->next))
		return Z_NULL;
	void *p = a->next;
	a->next += want;
	return p;
}

static void arena_free(voidpf opaque, voidpf p)
{
}

static int zlib_init(void)
{
	uint64_t n = MC(MC_P_N), cap = MC(MC_P_AUX);

	if (n < 1 || n > MC_ZLIB_MAX || cap < 64 || cap > 2 * MC_ZLIB_MAX ||
	    MC(MC_P_SEED) < 1 || MC(MC_P_SEED) > 9 || MC(MC_P_AUX2) > MC_ZLIB_DECOMPRESS ||
	    MC_ZLIB_USED(n, cap) > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

static void arena_reset(struct arena *a, z_stream *z)
{
	uint8_t *base = (uint8_t *)MC(MC_P_BASE);

	a->next = base + MC_ZLIB_OFF_ARENA(MC(MC_P_N), MC(MC_P_AUX));
	a->end = a->next + MC_ZLIB_ARENA;
	gmemset(z, 0, sizeof(*z));
	z->zalloc = arena_alloc;
	z->zfree = arena_free;
	z->opaque = a;
}

/* Deflates the corpus into the room; the compressed length. */
static uint64_t do_compress(const uint8_t *in, uint64_t n, uint8_t *comp, uint64_t cap)
{
	struct arena a;
	z_stream z;
	int r = Z_OK;

	arena_reset(&a, &z);
	if (deflateInit2(&z, (int)MC(MC_P_SEED), Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		guest_abort(MC_ABORT_PARAM);
	z.next_out = comp;
	z.avail_out = (uInt)cap;
	for (uint64_t off = 0; r == Z_OK; ) {
		uint64_t k = n - off < MC_ZLIB_CHUNK ? n - off : MC_ZLIB_CHUNK;

		z.next_in = (Bytef *)(in + off);
		z.avail_in = (uInt)k;
		off += k;
		r = deflate(&z, off == n ? Z_FINISH : Z_NO_FLUSH);
		if (z.avail_in)
			guest_abort(MC_ABORT_LOST);	/* the room was too small */
		mc_alive();
	}
	if (r != Z_STREAM_END)
		guest_abort(MC_ABORT_LOST);
	uint64_t len = z.total_out;
	deflateEnd(&z);
	return len;
}

/* Inflates len bytes of comp into out and checks it against the corpus. */
static void do_decompress(const uint8_t *comp, uint64_t len, const uint8_t *corpus, uint8_t *out,
			  uint64_t n)
{
	struct arena a;
	z_stream z;
	int r = Z_OK;

	arena_reset(&a, &z);
	if (inflateInit2(&z, 15) != Z_OK)
		guest_abort(MC_ABORT_PARAM);
	z.next_out = out;
	z.avail_out = (uInt)n;
	for (uint64_t off = 0; r == Z_OK && off < len; ) {
		uint64_t k = len - off < MC_ZLIB_CHUNK ? len - off : MC_ZLIB_CHUNK;

		z.next_in = (Bytef *)(comp + off);
		z.avail_in = (uInt)k;
		r = inflate(&z, Z_NO_FLUSH);
		off += k - z.avail_in;
		mc_alive();
	}
	/* Stream end: the trailer's Adler-32 matched what inflate wrote. */
	if (r != Z_STREAM_END || z.total_out != n || z.total_in != len)
		guest_abort(MC_ABORT_ORDER);
	inflateEnd(&z);
	for (uint64_t i = 0; i < n; i++) {
		if (out[i] != corpus[i])
			guest_abort(MC_ABORT_ORDER);
		mc_alive_every(i);
	}
}

static void op_zlib(uint64_t it)
{
	uint64_t n = MC(MC_P_N), cap = MC(MC_P_AUX), phase = MC(MC_P_AUX2);
	uint8_t *base = (uint8_t *)MC(MC_P_BASE);
	uint8_t *comp = base + MC_ZLIB_OFF_COMP(n), *out = base + MC_ZLIB_OFF_OUT(n, cap);
	uint64_t len = MC(MC_P_REF0);

	if (phase != MC_ZLIB_DECOMPRESS) {
		len = do_compress(base, n, comp, cap);
		if ((MC(MC_P_REF2) & 1) &&
		    (len != MC(MC_P_REF0) || crc32(0, comp, (uInt)len) != MC(MC_P_REF1)))
			guest_abort(MC_ABORT_WRONG);
	}
	if (phase != MC_ZLIB_COMPRESS)
		do_decompress(comp, len, base, out, n);
}

GUEST_BODY(mc_zlib, .init = zlib_init, .op = op_zlib, .native = 1);
