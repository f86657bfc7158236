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

/* One run's parameters, read from the page once: the twin reaches the
 * page through a thread-local pointer, the guest at a fixed address, and
 * the work should do neither (ci/test-macro-insns.sh counts both builds). */
struct job {
	uint8_t *corpus, *comp, *out, *arena;
	uint64_t n, cap;
	int level;
	volatile uint64_t *heartbeat;	/* the page's, for the stall watchdog */
};

static void arena_reset(struct arena *a, z_stream *z, uint8_t *arena)
{
	a->next = arena;
	a->end = arena + MC_ZLIB_ARENA;
	gmemset(z, 0, sizeof(*z));
	z->zalloc = arena_alloc;
	z->zfree = arena_free;
	z->opaque = a;
}

/* Deflates the corpus into the room, MC_ZLIB_CHUNK of input a call;
 * the compressed length. */
static __attribute__((noinline, noclone)) uint64_t do_compress(const struct job *j)
{
	struct arena a;
	z_stream z;
	int r = Z_OK;

	arena_reset(&a, &z, j->arena);
	if (deflateInit2(&z, j->level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		guest_abort(MC_ABORT_PARAM);
	z.next_out = j->comp;
	z.avail_out = (uInt)j->cap;
	for (uint64_t off = 0; r == Z_OK; ) {
		uint64_t k = j->n - off < MC_ZLIB_CHUNK ? j->n - off : MC_ZLIB_CHUNK;

		z.next_in = j->corpus + off;
		z.avail_in = (uInt)k;
		off += k;
		r = deflate(&z, off == j->n ? Z_FINISH : Z_NO_FLUSH);
		if (z.avail_in)
			guest_abort(MC_ABORT_LOST);	/* the room was too small */
		(*j->heartbeat)++;
	}
	if (r != Z_STREAM_END)
		guest_abort(MC_ABORT_LOST);
	uint64_t len = z.total_out;
	deflateEnd(&z);
	return len;
}

/* Inflates len bytes of the room into out and checks it against the corpus. */
static __attribute__((noinline, noclone)) void do_decompress(const struct job *j, uint64_t len)
{
	struct arena a;
	z_stream z;
	int r = Z_OK;

	arena_reset(&a, &z, j->arena);
	if (inflateInit2(&z, 15) != Z_OK)
		guest_abort(MC_ABORT_PARAM);
	z.next_out = j->out;
	z.avail_out = (uInt)j->n;
	for (uint64_t off = 0; r == Z_OK && off < len; ) {
		uint64_t k = len - off < MC_ZLIB_CHUNK ? len - off : MC_ZLIB_CHUNK;

		z.next_in = j->comp + off;
		z.avail_in = (uInt)k;
		r = inflate(&z, Z_NO_FLUSH);
		off += k - z.avail_in;
		(*j->heartbeat)++;
	}
	/* Stream end: the trailer's Adler-32 matched what inflate wrote. */
	if (r != Z_STREAM_END || z.total_out != j->n || z.total_in != len)
		guest_abort(MC_ABORT_ORDER);
	inflateEnd(&z);
	if (!mc_same(j->out, j->corpus, j->n, j->heartbeat))
		guest_abort(MC_ABORT_ORDER);
}

static void op_zlib(uint64_t it)
{
	uint64_t n = MC(MC_P_N), cap = MC(MC_P_AUX), phase = MC(MC_P_AUX2), len = MC(MC_P_REF0);
	uint64_t crc = MC(MC_P_REF1), check = MC(MC_P_REF2) & 1;
	uint8_t *base = (uint8_t *)MC(MC_P_BASE);
	struct job j = {
		.corpus = base, .comp = base + MC_ZLIB_OFF_COMP(n), .out = base + MC_ZLIB_OFF_OUT(n, cap),
		.arena = base + MC_ZLIB_OFF_ARENA(n, cap), .n = n, .cap = cap,
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

GUEST_BODY(mc_zlib, .init = zlib_init, .op = op_zlib, .native = 1);
