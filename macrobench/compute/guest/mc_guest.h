/* What the compute family's bodies share in the guest and natively: the
 * input generator (the host's copy is in mc_input.h, the same arithmetic)
 * and the page's slots. Header-only: arm64's image is read-only, so no
 * state lives here. */
#ifndef MACROBENCH_COMPUTE_GUEST_MC_GUEST_H
#define MACROBENCH_COMPUTE_GUEST_MC_GUEST_H

#include <stdint.h>
#include "garch.h"
#include "guest.h"
#include "macrobench/compute/mc_abi.h"
#include "macrobench/compute/mc_input.h"

#define MC(n) (SHARED->param[n])

/* One run can take a second where the host is slow: the stall watchdog
 * (HV_STALL_MS) must see it move. */
static inline void mc_alive(void)
{
	SHARED->heartbeat++;
}

/* In a loop over i: a sign of life every 64K turns (one test and branch). */
static inline void mc_alive_every(uint64_t i)
{
	if (!(i & 0xffff))
		mc_alive();
}

/* The n bytes at a and b are the same (a sign of life every 64 KiB). */
static inline int mc_same(const uint8_t *a, const uint8_t *b, uint64_t n, volatile uint64_t *heartbeat)
{
	for (uint64_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return 0;
		if (!(i & 0xffff))
			(*heartbeat)++;
	}
	return 1;
}

/* A parallel step over the vCPUs (struct mc_par, mc_abi.h). vCPU 0:
 * mc_par_start, its own band, then mc_par_wait for the others' (0, or -1
 * when the VM stops meanwhile). The others: mc_par_serve runs step(v, nv)
 * for every step vCPU 0 starts, until the stop. One vCPU: no meeting. */
static inline uint64_t mc_par_start(struct mc_par *p)
{
	return SHARED->nr_vcpus > 1 ? __atomic_add_fetch(&p->gen, 1, __ATOMIC_RELEASE) : 0;
}

static inline int mc_par_wait(struct mc_par *p, uint64_t gen)
{
	struct hv_shared *s = SHARED;	/* natively a thread-local: read once */
	uint32_t nv = s->nr_vcpus;

	while (nv > 1 && __atomic_load_n(&p->done, __ATOMIC_ACQUIRE) < gen * (nv - 1)) {
		if (s->stop)
			return -1;
		garch_relax();
		s->heartbeat++;
	}
	return 0;
}

static inline void mc_par_serve(struct mc_par *p, uint32_t v, void (*step)(uint32_t v, uint32_t nv))
{
	struct hv_shared *s = SHARED;
	uint64_t seen = 0;

	s->secondary_ready[v] = 1;
	while (!s->stop) {
		uint64_t g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE);

		if (g == seen) {
			garch_relax();
			s->vcpu_heartbeat[v]++;
			continue;
		}
		seen = g;
		step(v, s->nr_vcpus);
		__atomic_add_fetch(&p->done, 1, __ATOMIC_RELEASE);
	}
}

/* vCPU v's sign of life while it works a band: the page's for vCPU 0,
 * its own for the others (the watchdog reads each). */
static inline volatile uint64_t *mc_beat(uint32_t v)
{
	return v ? &SHARED->vcpu_heartbeat[v] : &SHARED->heartbeat;
}

/* vCPU 0: one step of a parallel workload, every vCPU's band of it with
 * p->arg = arg (the step's phase), its own band included; 0 once all
 * are done, -1 when the VM stops meanwhile. A function of its own, so
 * that its callers' page reads stay theirs (ci/test-macro-insns.sh holds
 * both builds of every function to the same instructions). */
static __attribute__((noinline, noclone, unused)) int mc_par_step(struct mc_par *p, uint64_t arg,
								   void (*step)(uint32_t v, uint32_t nv))
{
	struct hv_shared *s = SHARED;
	uint32_t nv = s->nr_vcpus;

	p->arg = arg;	/* published by the release below */
	uint64_t gen = __atomic_add_fetch(&p->gen, 1, __ATOMIC_RELEASE);

	step(0, nv);
	while (__atomic_load_n(&p->done, __ATOMIC_ACQUIRE) < gen * (nv - 1)) {
		if (s->stop)
			return -1;
		garch_relax();
		s->heartbeat++;
	}
	return 0;
}

/* A secondary's entry for a body whose page init is init: serve steps
 * until the stop (nothing where the page is wrong: vCPU 0 refuses it). */
static inline void mc_par_worker(uint32_t v, int (*init)(void), struct mc_par *(*par)(void),
				 void (*step)(uint32_t v, uint32_t nv))
{
	if (v >= SHARED->nr_vcpus || v >= HV_MAX_VCPUS || init())
		return;
	mc_par_serve(par(), v, step);
}

/* A body that runs serial on one vCPU and in steps on N: its op (the
 * one-vCPU run, or the N-vCPU run taking nr_vcpus), its secondaries'
 * entry (mc_par_worker) and its registration, at the row's level. */
#define MC_PAR_BODY(name, init_fn, serial, parallel, par_fn, step_fn)			\
	static void name##_op(uint64_t it)					\
	{									\
		uint32_t nv = SHARED->nr_vcpus;					\
										\
		if (nv > 1)							\
			parallel(nv);						\
		else								\
			serial(it);						\
	}									\
	static void name##_worker(uint32_t v)					\
	{									\
		mc_par_worker(v, init_fn, par_fn, step_fn);				\
	}									\
	GUEST_BODY(name, .init = init_fn, .op = name##_op, .secondary = name##_worker, \
		   .secondary_user = 1, .native = 1)

#endif
