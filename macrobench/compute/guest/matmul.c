/* matmul workload: C = A x B for n x n matrices of 32-bit integers (int8
 * range, so no sum overflows up to MC_MM_MAX: exact, and no floating point,
 * which the x86 guest is built without), cache-blocked in i, k and j. The
 * host filled A and B and computed C's position-weighted checksum with a
 * plain triple loop of its own; a run that ends on another checksum fails.
 * With vcpus > 1 the rows are split in nr_vcpus bands: vCPU 0 takes the
 * first and starts the others (secondaries, at the row's level) through
 * the region's struct mc_par, waits for them and checks C. Natively the
 * secondaries are host threads (hv-core/native.h). Arch-neutral, .native. */
#include <stdint.h>
#include "macrobench/compute/guest/mc_guest.h"

static int mm_init(void)
{
	uint64_t n = MC(MC_P_N), bs = MC(MC_P_AUX);

	if (n < 1 || n > MC_MM_MAX || bs < 1 || bs > n ||
	    mc_mm_par_off(n) + sizeof(struct mc_par) > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

static struct mc_par *mm_par(void)
{
	return (struct mc_par *)(MC(MC_P_BASE) + mc_mm_par_off(MC(MC_P_N)));
}

/* Rows [n v / nv, n (v + 1) / nv) of C: zeroed, then the blocked product. */
static void mm_band(uint32_t v, uint32_t nv, volatile uint64_t *beat)
{
	uint64_t n = MC(MC_P_N), bs = MC(MC_P_AUX);
	uint64_t lo = n * v / nv, hi = n * (v + 1) / nv;
	const int32_t *a = (const int32_t *)MC(MC_P_BASE), *b = a + n * n;
	int32_t *c = (int32_t *)(b + n * n);

	for (uint64_t i = lo * n; i < hi * n; i++) {
		c[i] = 0;
		if (!(i & 0xffff))
			(*beat)++;
	}
	for (uint64_t ii = lo; ii < hi; ii += bs) {
		uint64_t ie = ii + bs < hi ? ii + bs : hi;

		for (uint64_t kk = 0; kk < n; kk += bs) {
			uint64_t ke = kk + bs < n ? kk + bs : n;

			for (uint64_t jj = 0; jj < n; jj += bs) {
				uint64_t je = jj + bs < n ? jj + bs : n;

				for (uint64_t i = ii; i < ie; i++) {
					int32_t *ci = c + i * n;

					(*beat)++;

					for (uint64_t k = kk; k < ke; k++) {
						int32_t aik = a[i * n + k];
						const int32_t *bk = b + k * n;

						for (uint64_t j = jj; j < je; j++)
							ci[j] += aik * bk[j];
					}
				}
			}
			(*beat)++;
		}
	}
}

static void op_mm(uint64_t it)
{
	uint64_t n = MC(MC_P_N), w = 0;
	const int32_t *c = (const int32_t *)MC(MC_P_BASE) + 2 * n * n;
	struct mc_par *par = mm_par();

	(void)it;
	uint64_t gen = mc_par_start(par);	/* the others start on their bands */
	mm_band(0, SHARED->nr_vcpus, &SHARED->heartbeat);
	if (mc_par_wait(par, gen) < 0)
		return;	/* the VM ends: this run is not checked */
	for (uint64_t i = 0; i < n * n; i++) {
		w = mc_weigh(w, i, (uint64_t)(int64_t)c[i]);
		mc_alive_every(i);
	}
	if (w != MC(MC_P_REF0))
		guest_abort(MC_ABORT_WRONG);
}

static void mm_step(uint32_t v, uint32_t nv)
{
	mm_band(v, nv, &SHARED->vcpu_heartbeat[v]);
}

/* vCPU v > 0: a band of every product vCPU 0 starts, until the stop. */
static void mm_worker(uint32_t v)
{
	if (v >= SHARED->nr_vcpus || v >= HV_MAX_VCPUS || mm_init())
		return;
	mc_par_serve(mm_par(), v, mm_step);
}

GUEST_BODY(mc_matmul, .init = mm_init, .op = op_mm, .secondary = mm_worker,
	   .secondary_user = 1, .native = 1);
