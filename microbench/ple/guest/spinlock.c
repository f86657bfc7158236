/* The ple family's bodies (issue 16). spinlock: every vCPU takes one lock
 * in guest RAM in a loop, with a fixed critical and non-critical section;
 * vCPU 0 is timed per acquisition, the others (at the row's level) acquire
 * until told to stop. ple_probe: one vCPU runs PAUSE alone and notes the
 * first stall. Arch-neutral: the spin's relax is garch_relax (x86 PAUSE,
 * arm64 YIELD), or with SL_WAIT_WFE garch_wait_step (arm64: WFE on the
 * exclusive monitor). */
#include <stdint.h>
#include "guest.h"
#include "microbench/ple/ple_abi.h"

#define P(n) (SHARED->param[n])

static inline uint32_t *sl_lock(void)
{
	return (uint32_t *)(P(SL_P_BASE) + SL_LOCK_OFF);
}

static inline struct sl_data *sl_data(void)
{
	return (struct sl_data *)(P(SL_P_BASE) + SL_DATA_OFF);
}

static inline struct sl_vcpu *sl_me(uint32_t v)
{
	return (struct sl_vcpu *)(P(SL_P_BASE) + SL_VCPU_OFF(v));
}

static inline void turns(uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		asm volatile("" ::: "memory");
}

/* One wait while *w is still @old. */
static inline void sl_wait(uint32_t *w, uint32_t old)
{
	if (P(SL_P_WAIT) == SL_WAIT_WFE)
		garch_wait_step(w, old);
	else
		garch_relax();
}

/* Take the lock; returns the waits (relax or WFE) it spun. Gives up (0xffff..)
 * when the host asks to stop: a stopped run's queue no longer matters. */
static inline uint64_t sl_acquire(volatile uint64_t *beat)
{
	uint32_t *l = sl_lock();
	uint64_t spins = 0;

	if (P(SL_P_VARIANT) == SL_TICKET) {
		uint32_t me = __atomic_fetch_add(&l[0], 1, __ATOMIC_RELAXED);
		uint32_t s;

		while ((s = __atomic_load_n(&l[1], __ATOMIC_ACQUIRE)) != me) {
			sl_wait(&l[1], s);
			if ((++spins & 1023) == 0) {
				(*beat)++;
				if (SHARED->stop)
					return ~0ull;
			}
		}
		return spins;
	}
	while (__atomic_exchange_n(&l[0], 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l[0], __ATOMIC_RELAXED)) {
			sl_wait(&l[0], 1);
			if ((++spins & 1023) == 0) {
				(*beat)++;
				if (SHARED->stop)
					return ~0ull;
			}
		}
	}
	return spins;
}

static inline void sl_release(void)
{
	uint32_t *l = sl_lock();

	if (P(SL_P_VARIANT) == SL_TICKET)
		__atomic_store_n(&l[1], l[1] + 1, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&l[0], 0, __ATOMIC_RELEASE);
}

/* The section: the counter is read, held over the section's turns and
 * written back plus one, so a lock that lets two in loses an update; the
 * holder word and the vCPU's own count let the host tell a run stopped
 * inside a section (the counter one ahead) from a broken lock. */
static inline uint64_t sl_section(uint32_t v, struct sl_vcpu *me)
{
	volatile struct sl_data *d = sl_data();
	uint64_t c;

	d->holder = v + 1;
	c = d->counter;
	turns(P(SL_P_CS));
	d->counter = c + 1;
	me->acquisitions++;
	d->holder = 0;
	return c + 1;
}

static int spinlock_init(void)
{
	struct hv_shared *s = SHARED;

	if (!P(SL_P_BASE) || P(SL_P_VARIANT) > SL_TAS || P(SL_P_CS) > SL_MAX_TURNS ||
	    P(SL_P_NCS) > SL_MAX_TURNS || s->nr_vcpus > SL_MAX_VCPUS)
		return PLE_ABORT_PARAM;
	for (uint32_t v = 1; v < s->nr_vcpus; v++)
		while (!s->secondary_ready[v] && !s->stop) {
			garch_relax();
			s->heartbeat++;
		}
	s->scratch[SL_S_GO] = 1;
	return 0;
}

/* One acquisition by vCPU 0: the acquire is timed, then the section, the
 * release and the non-critical section. Inside its section it adds to its
 * window how far the lock's counter moved since its previous acquisition
 * and how long that took, within a repetition only (a change of
 * hv_shared.iterations says one ended): the host's acquisitions/s. */
static uint64_t spinlock_timed(uint64_t i)
{
	struct hv_shared *s = SHARED;
	uint64_t *w = s->scratch;
	struct sl_vcpu *me = sl_me(0);
	uint64_t t0 = garch_probe_begin();
	uint64_t spins = sl_acquire(&s->heartbeat);
	uint64_t t1 = garch_probe_end();

	if (spins == ~0ull)
		return t1 - t0;
	uint64_t c = sl_section(0, me);
	if (i == s->warmup_done) {
		w[SL_S_ACQ] = w[SL_S_TICKS] = 0;
		me->spin = me->busy = me->pauses = 0;
	} else if (w[SL_S_SEEN_ITERS] == s->iterations && i > s->warmup_done) {
		w[SL_S_ACQ] += c - w[SL_S_PREV_COUNT];
		w[SL_S_TICKS] += t1 - w[SL_S_PREV_T];
	}
	w[SL_S_SEEN_ITERS] = s->iterations;
	w[SL_S_PREV_COUNT] = c;
	w[SL_S_PREV_T] = t1;
	sl_release();
	turns(P(SL_P_NCS));
	me->spin += t1 - t0;
	me->pauses += spins;
	me->busy += garch_counter() - t0;
	return t1 - t0;
}

/* The other vCPUs: acquire until told to stop. When vCPU 0 ends a
 * repetition (hv_shared.iterations moves), the runner may pause it until
 * its next turn: one call (HV_UCALL_PROBE) lets the host keep this vCPU
 * waiting for as long as that lasts, so a paused run does not spin on the
 * CPUs the next benchmark measures on. */
static void spinlock_other(uint32_t v)
{
	struct hv_shared *s = SHARED;

	if (v >= SL_MAX_VCPUS || !P(SL_P_BASE))
		return;
	struct sl_vcpu *me = sl_me(v);
	uint64_t reps = s->iterations;

	s->secondary_ready[v] = 1;
	while (!s->scratch[SL_S_GO] && !s->stop) {
		garch_relax();
		s->vcpu_heartbeat[v]++;
	}
	while (!s->stop) {
		if (s->iterations != reps) {
			reps = s->iterations;
			ucall(HV_UCALL_PROBE);
			me->waits++;
		}
		uint64_t t0 = garch_counter();
		uint64_t spins = sl_acquire(&s->vcpu_heartbeat[v]);
		uint64_t t1 = garch_counter();

		if (spins == ~0ull)
			break;
		sl_section(v, me);
		sl_release();
		turns(P(SL_P_NCS));
		me->spin += t1 - t0;
		me->pauses += spins;
		me->busy += garch_counter() - t0;
		s->vcpu_heartbeat[v]++;
	}
}

GUEST_BODY(spinlock, .init = spinlock_init, .timed = spinlock_timed,
	   .secondary = spinlock_other, .secondary_user = 1);

/* ---- ple_probe ---- */

static int ple_probe_init(void)
{
	if (!P(PP_P_TURNS) || P(PP_P_TURNS) > PP_MAX_TURNS || !P(PP_P_GAP))
		return PLE_ABORT_PARAM;
	return 0;
}

/* Operation i: turns PAUSEs back to back, the counter read after each; a
 * gap longer than PP_P_GAP ticks is a stall (the vCPU left the guest: an
 * exit, or the host ran something else). From the first measured
 * operation on, the first stall's position is kept. */
static void op_ple_probe(uint64_t i)
{
	struct hv_shared *s = SHARED;
	uint64_t n = P(PP_P_TURNS), gap = P(PP_P_GAP);

	if (i == s->warmup_done) {
		s->scratch[PP_S_STALLS] = s->scratch[PP_S_FIRST_PAUSES] = 0;
		s->scratch[PP_S_FIRST_T] = s->scratch[PP_S_PAUSES] = 0;
		s->scratch[PP_S_T0] = garch_counter();
	}
	uint64_t prev = garch_counter();
	for (uint64_t k = 0; k < n; k++) {
		garch_relax();
		uint64_t t = garch_counter();
		if (t - prev > gap) {
			if (!s->scratch[PP_S_FIRST_PAUSES]) {
				s->scratch[PP_S_FIRST_PAUSES] = s->scratch[PP_S_PAUSES] + k + 1;
				s->scratch[PP_S_FIRST_T] = t - s->scratch[PP_S_T0];
			}
			s->scratch[PP_S_STALLS]++;
		}
		prev = t;
	}
	s->scratch[PP_S_PAUSES] += n;
}

GUEST_BODY(ple_probe, .init = ple_probe_init, .op = op_ple_probe);
