/* sha256 workload: SHA-256 (FIPS 180-4) over a buffer the host filled,
 * compared with the digest the host computed with its own implementation
 * (hvbench/sha256.c) of the same bytes. Written from the standard, byte
 * loads only (arm64 runs with strict alignment), no tables but the
 * constants (read-only, as the arm64 image is). Arch-neutral and .native. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"
#include "macrobench/compute/mc_sha256.h"

static const uint32_t mc_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n)
{
	return x >> n | x << (32 - n);
}

/* One 64-byte block into the state (FIPS 180-4 section 6.2.2). */
static void block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;

	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
		       (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int t = 0; t < 64; t++) {
		uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) +
			      mc_k[t] + w[t];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void mc_sha256(const uint8_t *p, uint64_t len, uint32_t h[8])
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint8_t tail[128];
	uint64_t full = len / 64, rest = len % 64, bits = len * 8;

	for (int i = 0; i < 8; i++)
		h[i] = iv[i];
	for (uint64_t k = 0; k < full; k++) {
		block(h, p + 64 * k);
		if (!(k & 1023))
			mc_alive();	/* every 64 KiB */
	}
	/* Padding: 0x80, zeros, the length in bits, big-endian, in one
	 * block or two. */
	uint64_t n = rest < 56 ? 64 : 128;
	for (uint64_t i = 0; i < n; i++)
		tail[i] = i < rest ? p[64 * full + i] : i == rest ? 0x80 : 0;
	for (int i = 0; i < 8; i++)
		tail[n - 1 - i] = (uint8_t)(bits >> (8 * i));
	block(h, tail);
	if (n == 128)
		block(h, tail + 64);
}

static int sha_init(void)
{
	if (MC(MC_P_N) < 1 || MC(MC_P_N) > MC_SHA_MAX || MC(MC_P_N) > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

/* One run: the digest of the whole buffer, checked. */
static void op_sha(uint64_t i)
{
	uint32_t h[8];

	mc_sha256((const uint8_t *)MC(MC_P_BASE), MC(MC_P_N), h);
	for (int k = 0; k < 4; k++)
		if (((uint64_t)h[2 * k] << 32 | h[2 * k + 1]) != MC(MC_P_REF0 + k))
			guest_abort(MC_ABORT_WRONG);
}

GUEST_BODY(mc_sha256, .init = sha_init, .op = op_sha, .native = 1);

/* macro_timer: the same run, under the runtime's timer (hv_shared.
 * timer_hz, armed before the body): the interrupts each run took are
 * summed in scratch[0], the runs in scratch[1]. Natively the same code
 * counts none (no timer there). */
static void op_sha_timed(uint64_t i)
{
	uint64_t t0 = SHARED->timer_ticks;

	op_sha(i);
	SHARED->scratch[0] += SHARED->timer_ticks - t0;
	SHARED->scratch[1]++;
}

GUEST_BODY(mc_timer, .init = sha_init, .op = op_sha_timed, .native = 1);
