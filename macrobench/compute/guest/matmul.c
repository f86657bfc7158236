/* matmul workload: C = A x B for n x n matrices of 32-bit integers (int8
 * range, so no sum overflows up to MC_MM_MAX: exact, and no floating point,
 * which the x86 guest is built without), cache-blocked in i, k and j. The
 * host filled A and B and computed C's position-weighted checksum with a
 * plain triple loop of its own; a run that ends on another checksum fails.
 * Arch-neutral and .native. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"

static int mm_init(void)
{
	uint64_t n = MC(MC_P_N), bs = MC(MC_P_AUX);

	if (n < 1 || n > MC_MM_MAX || bs < 1 || bs > n || 3 * n * n * 4 > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

static void op_mm(uint64_t it)
{
	uint64_t n = MC(MC_P_N), bs = MC(MC_P_AUX), w = 0;
	const int32_t *a = (const int32_t *)MC(MC_P_BASE), *b = a + n * n;
	int32_t *c = (int32_t *)(b + n * n);

	for (uint64_t i = 0; i < n * n; i++) {
		c[i] = 0;
		mc_alive_every(i);
	}
	for (uint64_t ii = 0; ii < n; ii += bs) {
		uint64_t ie = ii + bs < n ? ii + bs : n;

		for (uint64_t kk = 0; kk < n; kk += bs) {
			uint64_t ke = kk + bs < n ? kk + bs : n;

			for (uint64_t jj = 0; jj < n; jj += bs) {
				uint64_t je = jj + bs < n ? jj + bs : n;

				for (uint64_t i = ii; i < ie; i++) {
					int32_t *ci = c + i * n;

					mc_alive();

					for (uint64_t k = kk; k < ke; k++) {
						int32_t aik = a[i * n + k];
						const int32_t *bk = b + k * n;

						for (uint64_t j = jj; j < je; j++)
							ci[j] += aik * bk[j];
					}
				}
			}
			mc_alive();
		}
	}
	for (uint64_t i = 0; i < n * n; i++) {
		w = mc_weigh(w, i, (uint64_t)(int64_t)c[i]);
		mc_alive_every(i);
	}
	if (w != MC(MC_P_REF0))
		guest_abort(MC_ABORT_WRONG);
}

GUEST_BODY(mc_matmul, .init = mm_init, .op = op_mm, .native = 1);
