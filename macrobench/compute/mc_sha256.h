/* The compute family's own SHA-256 (FIPS 180-4), the sha256 workload's
 * code: built into both guest images and into the native target, so the
 * unit test (tests/test_macro.c) checks the very function the guest runs
 * against the standard's test vectors. */
#ifndef MACROBENCH_COMPUTE_MC_SHA256_H
#define MACROBENCH_COMPUTE_MC_SHA256_H

#include <stdint.h>

/* The digest of len bytes at p, as the eight big-endian words h[0..7]. */
void mc_sha256(const uint8_t *p, uint64_t len, uint32_t h[8]);

#endif
