/* How fuzz_shared's input maps onto a shared page (struct hv_shared), used
 * by the harness and by the snapshot writer that makes its seeds. */
#ifndef FUZZ_SHARED_LAYOUT_H
#define FUZZ_SHARED_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hv-core/abi.h"

/*
 * Input: bench (1 byte: index in the benchmark table, modulo its size),
 * mode (1 byte: bits 0-1 the run's result 0 / -EDEADLK / -ETIMEDOUT /
 * -EPROTO, bit 2 cpl 3), ncalls (1 byte, modulo FZ_MAX_CALLS + 1), that many
 * call numbers (1 byte each; 0xff: the next 4 bytes, little endian, are the
 * number), then the page's bytes in the order of fz_segs: what the guest
 * writes first, so short inputs reach the checks; the host-set fields next
 * (a guest can overwrite those too), the samples last. Bytes the input does
 * not reach keep the host's set-up (host fields) or zero (the rest).
 */
#define FZ_MAX_CALLS 32

struct fz_seg {
	size_t off, len;
};

static const struct fz_seg fz_segs[] = {
	{ offsetof(struct hv_shared, heartbeat),
	  offsetof(struct hv_shared, samples) - offsetof(struct hv_shared, heartbeat) },
	{ offsetof(struct hv_shared, hist), sizeof(((struct hv_shared *)0)->hist) },
	{ 0, offsetof(struct hv_shared, heartbeat) },
	{ offsetof(struct hv_shared, samples), sizeof(((struct hv_shared *)0)->samples) },
	{ offsetof(struct hv_shared, family), sizeof(struct hv_shared) - offsetof(struct hv_shared, family) },
};
#define FZ_NSEGS (sizeof(fz_segs) / sizeof(fz_segs[0]))

/* Copies up to len bytes of in onto the page in fz_segs order; returns how
 * many were used. */
static inline size_t fz_unpack(struct hv_shared *s, const uint8_t *in, size_t len)
{
	size_t used = 0;

	for (size_t i = 0; i < FZ_NSEGS && used < len; i++) {
		size_t n = len - used < fz_segs[i].len ? len - used : fz_segs[i].len;
		memcpy((uint8_t *)s + fz_segs[i].off, in + used, n);
		used += n;
	}
	return used;
}

/* The page in fz_segs order into out (sizeof(struct hv_shared) bytes). */
static inline void fz_pack(const struct hv_shared *s, uint8_t *out)
{
	size_t used = 0;

	for (size_t i = 0; i < FZ_NSEGS; i++) {
		memcpy(out + used, (const uint8_t *)s + fz_segs[i].off, fz_segs[i].len);
		used += fz_segs[i].len;
	}
}

#endif
