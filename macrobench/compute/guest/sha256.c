/* sha256 workload: SHA-256 (FIPS 180-4) over a buffer the host filled,
 * compared with the digest the host computed with its own implementation
 * (hvbench/sha256.c) of the same bytes. Written from the standard, byte
 * loads only (arm64 runs with strict alignment), no tables but the
 * constants (read-only, as the arm64 image is). With vcpus N > 1 the
 * buffer is hashed in N segments, one per vCPU (natively one per thread),
 * and the run's result is the digest of their digests (mc_abi.h).
 * Arch-neutral and .native. */
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

/* The digest of len bytes at p, beat bumped every 64 KiB. */
static void sha256_beat(const uint8_t *p, uint64_t len, uint32_t h[8], volatile uint64_t *beat)
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
			(*beat)++;	/* every 64 KiB */
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

void mc_sha256(const uint8_t *p, uint64_t len, uint32_t h[8])
{
	sha256_beat(p, len, h, &SHARED->heartbeat);
}

static int sha_init(void)
{
	uint64_t n = MC(MC_P_N), nv = SHARED->nr_vcpus;

	if (n < 1 || n > MC_SHA_MAX || nv < 1 || nv > HV_MAX_VCPUS || mc_sha_used(n, nv) > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

static void sha_check(const uint32_t h[8])
{
	for (int k = 0; k < 4; k++)
		if (((uint64_t)h[2 * k] << 32 | h[2 * k + 1]) != MC(MC_P_REF0 + k))
			guest_abort(MC_ABORT_WRONG);
}

/* One run on one vCPU: the digest of the whole buffer, checked. Not
 * inlined here and below: each path reaches the page as its own function,
 * in both builds alike (ci/test-macro-insns.sh). */
static __attribute__((noinline, noclone)) void op_sha1(uint64_t i)
{
	uint32_t h[8];

	(void)i;
	mc_sha256((const uint8_t *)MC(MC_P_BASE), MC(MC_P_N), h);
	sha_check(h);
}

static struct mc_par *sha_par(void)
{
	return (struct mc_par *)(MC(MC_P_BASE) + mc_sha_par_off(MC(MC_P_N)));
}

/* vCPU v's segment: its digest, big-endian, into the v-th slot after the
 * meeting point. */
static void sha_step(uint32_t v, uint32_t nv)
{
	uint64_t n = MC(MC_P_N), lo = n * v / nv, hi = n * (v + 1) / nv;
	uint8_t *out = (uint8_t *)sha_par() + sizeof(struct mc_par) + 32 * v;
	uint32_t h[8];

	sha256_beat((const uint8_t *)MC(MC_P_BASE) + lo, hi - lo, h, mc_beat(v));
	for (int k = 0; k < 32; k++)
		out[k] = (uint8_t)(h[k / 4] >> (24 - 8 * (k % 4)));
}

/* One run: on one vCPU the buffer's digest; on N, the digest of the N
 * segments' digests (mc_abi.h), each segment on a vCPU of its own. */
static __attribute__((noinline, noclone)) void op_sha_par(uint32_t nv)
{
	uint32_t h[8];

	if (mc_par_step(sha_par(), 0, sha_step) < 0)
		return;	/* the VM ends: this run is not checked */
	mc_sha256((const uint8_t *)sha_par() + sizeof(struct mc_par), 32ull * nv, h);
	sha_check(h);
}

MC_PAR_BODY(mc_sha256, sha_init, op_sha1, op_sha_par, sha_par, sha_step);

/* macro_timer: the same run, under the runtime's timer (hv_shared.
 * timer_hz, armed before the body): the interrupts each run took are
 * summed in scratch[0], the runs in scratch[1]. Natively the same code
 * counts none (no timer there). */
static void op_sha_timed(uint64_t i)
{
	uint64_t t0 = SHARED->timer_ticks;

	op_sha1(i);
	SHARED->scratch[0] += SHARED->timer_ticks - t0;
	SHARED->scratch[1]++;
}

/* The timer row hashes on vCPU 0 alone (the timer is vCPU 0's). */
static int timer_init(void)
{
	uint64_t n = MC(MC_P_N);

	return n < 1 || n > MC_SHA_MAX || n > MC(MC_P_SIZE) ? MC_ABORT_PARAM : 0;
}

GUEST_BODY(mc_timer, .init = timer_init, .op = op_sha_timed, .native = 1);
