/* io-path's one timeline: TSC offset 0 where KVM allows, then a clock
 * exchange and every access's exit bound what offset remains. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"
#include "microbench/iopath.h"
#include "microbench/iopath_abi.h"

int64_t iopath_test_host_offset;
int64_t iopath_test_kvm_offset;

/* Guest stamps are any 64-bit values: differences wrap (as in
 * iopath_dev.c) and negation saturates, never signed overflow. */
static int64_t sub_wrap(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static int64_t neg_sat(int64_t v)
{
	return v == INT64_MIN ? INT64_MAX : -v;
}

/* A host stamp that cannot be taken before earlier loads complete (the
 * guest's answer), so the bracket it closes is never too narrow. */
static inline uint64_t fenced_cycles(void)
{
	uint64_t t;

#if defined(__x86_64__)
	asm volatile("lfence" ::: "memory");
	t = arch_host_cycles();
	asm volatile("lfence" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t = arch_host_cycles();
#endif
	return t;
}

int iop_clock_setup(struct iop_state *s, char *err, size_t errlen)
{
	struct iop_clock *c = &s->clk;
	int64_t back = 0;
	int r;

	c->cpu = -1;
	c->min_exit = c->min_entry = INT64_MAX;
	c->offset_control = "none on this host (offset assumed 0, checked at run time)";
	r = hv_vcpu_tsc_offset(&s->vm->vcpus[0], iopath_test_kvm_offset, &back, err, errlen);
	if (r == -ENOTSUP) {
		err[0] = '\0';
		return 0;
	}
	if (r < 0)
		return r;
	/* A host may keep its own offset (PVM reads back 0 whatever was
	 * written): the run-time check decides whether the clocks agree. */
	c->offset_control = back == iopath_test_kvm_offset ? "KVM_VCPU_TSC_OFFSET" :
			    "KVM_VCPU_TSC_OFFSET (the host kept its own value)";
	c->kvm_offset = back;
	c->kvm_offset_set = true;
	return 0;
}

/* Host side of the exchange: stamp, post round k, wait for the guest's
 * answer, stamp. The guest's stamp lies between the two host stamps. */
static void *clock_helper(void *arg)
{
	struct iop_state *s = arg;
	struct hv_shared *sh = s->vm->shared;
	struct iop_clock *c = &s->clk;
	volatile uint64_t *ping = &sh->scratch[IOP_S_PING];
	volatile uint64_t *pong = &sh->scratch[IOP_S_PONG];
	volatile uint64_t *stamp = &sh->scratch[IOP_S_STAMP];
	uint64_t khz = sh->tsc_khz ? sh->tsc_khz : 1000000;
	uint64_t deadline = arch_host_cycles() + IOP_CLOCK_MS * khz;

	c->x_lo = INT64_MIN;
	c->x_hi = INT64_MAX;
	for (uint64_t k = 1; k <= IOP_CLOCK_ROUNDS; k++) {
		uint64_t h1 = fenced_cycles();

		*ping = k;
		while (*pong != k)
			if (arch_host_cycles() > deadline)
				goto out;
		uint64_t h2 = fenced_cycles();
		int64_t g = (int64_t)*stamp;

		/* g is whatever the guest wrote: wrapping differences. */
		int64_t lo = sub_wrap(g, (int64_t)h2), hi = sub_wrap(g, (int64_t)h1);

		if (lo > c->x_lo)
			c->x_lo = lo;
		if (hi < c->x_hi)
			c->x_hi = hi;
		c->rounds++;
	}
out:
	*ping = IOP_CLOCK_DONE;
	return NULL;
}

/* On the vCPU thread (pinned), from the guest's probe call. */
int iop_clock_start(struct iop_state *s, char *err, size_t errlen)
{
	struct hv_shared *sh = s->vm->shared;
	struct iop_clock *c = &s->clk;
	pthread_attr_t a;
	cpu_set_t set;
	int r;

	if (!(sh->flags & HV_F_SAMPLES_PREFIX))
		return 0;
	c->cpu = topo_other_cpu(&s->allowed, s->vcpu_cpu);
	if (c->cpu < 0) {
		/* One CPU: only the per-access bracket will bound the offset. */
		sh->scratch[IOP_S_PING] = IOP_CLOCK_DONE;
		return 0;
	}
	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	pthread_attr_init(&a);
	pthread_attr_setaffinity_np(&a, sizeof(set), &set);
	r = pthread_create(&c->helper, &a, clock_helper, s);
	pthread_attr_destroy(&a);
	if (r) {
		sh->scratch[IOP_S_PING] = IOP_CLOCK_DONE;
		snprintf(err, errlen, "pthread_create (clock helper on cpu %d): %s",
			 c->cpu, strerror(r));
		return -r;
	}
	c->helper_started = true;
	return 0;
}

void iop_clock_stop(struct iop_state *s)
{
	if (s->clk.helper_started) {
		pthread_join(s->clk.helper, NULL);
		s->clk.helper_started = false;
	}
}

/* [lo, hi]: where delta (guest TSC minus host TSC) may lie, given every
 * bound the run produced; lo > hi when they contradict each other. */
static void bounds(const struct iop_state *s, int64_t *lo, int64_t *hi)
{
	const struct iop_clock *c = &s->clk;

	*lo = INT64_MIN;
	*hi = INT64_MAX;
	if (c->accesses) {
		/* guest_before - delta < host_ret, host_enter < guest_after - delta */
		*lo = neg_sat(c->min_exit);
		*hi = c->min_entry;
	}
	if (c->rounds) {
		int64_t xl = sub_wrap(c->x_lo, s->test_offset), xh = sub_wrap(c->x_hi, s->test_offset);

		if (xl > *lo)
			*lo = xl;
		if (xh < *hi)
			*hi = xh;
	}
}

enum iop_clock_fit iop_clock_verdict(const struct iop_state *s, double round_trip_p50,
				     double *skew, char *why, size_t len)
{
	const struct iop_clock *c = &s->clk;
	int64_t lo, hi;

	bounds(s, &lo, &hi);
	*skew = lo == INT64_MIN || hi == INT64_MAX ? -1 :
		(double)(neg_sat(lo) > hi ? neg_sat(lo) : hi);
	if (!c->accesses) {
		snprintf(why, len, "no probed access to check the guest and host clocks against");
		return IOP_CLOCK_BAD;
	}
	if (c->violations) {
		snprintf(why, len,
			 "guest and host TSC are not one timeline: %llu of %llu accesses put a guest stamp outside the host's exit (smallest exit %lld, entry %lld cycles; both must be > 0)",
			 (unsigned long long)c->violations,
			 (unsigned long long)c->accesses, (long long)c->min_exit,
			 (long long)c->min_entry);
		return IOP_CLOCK_BAD;
	}
	if (c->offset_exact) {
		/* The offset KVM applies is known: it must lie where the run's
		 * own bounds put delta, and then there is no skew to bound. */
		if (c->kvm_offset < lo || c->kvm_offset > hi) {
			snprintf(why, len,
				 "guest and host TSC disagree: KVM's TSC offset is %lld cycles but the accesses and the clock exchange put the guest clock %lld..%lld cycles from the host's",
				 (long long)c->kvm_offset, (long long)lo, (long long)hi);
			return IOP_CLOCK_BAD;
		}
		*skew = 0;
		return IOP_CLOCK_OK;
	}
	if (lo >= 0 || hi <= 0) {
		snprintf(why, len,
			 "guest and host TSC disagree: the guest clock reads %lld..%lld cycles %s the host's (clock exchange over %llu rounds with cpu %d and the exit bracket)",
			 (long long)(lo >= 0 ? lo : neg_sat(hi)), (long long)(lo >= 0 ? hi : neg_sat(lo)),
			 lo >= 0 ? "ahead of" : "behind", (unsigned long long)c->rounds,
			 c->cpu);
		return IOP_CLOCK_BAD;
	}
	if (*skew > IOP_CLOCK_LIMIT * round_trip_p50) {
		bool marginal = *skew <= IOP_CLOCK_MARGINAL * round_trip_p50;
		snprintf(why, len,
			 "guest and host TSC could only be aligned to within %.0f cycles, %.1f%% of the %.0f-cycle round trip (%s %.0f%%%s)%s",
			 *skew, 100.0 * *skew / round_trip_p50, round_trip_p50,
			 marginal ? "above the" : "limit", 100.0 * (marginal ? IOP_CLOCK_LIMIT : IOP_CLOCK_MARGINAL),
			 marginal ? ": each segment share is uncertain by that much" : "",
			 c->rounds ? "" : c->cpu < 0 ?
			 ": no second CPU for a clock exchange, and the exit itself is too long to bracket the offset" :
			 ": the clock exchange got no answer from the guest");
		return marginal ? IOP_CLOCK_MARGINAL_FIT : IOP_CLOCK_BAD;
	}
	return IOP_CLOCK_OK;
}

json_t *iop_clock_json(const struct iop_state *s)
{
	const struct iop_clock *c = &s->clk;
	int64_t lo, hi;
	json_t *x = json_null();

	bounds(s, &lo, &hi);
	if (c->rounds)
		x = json_pack("{s:i, s:I, s:I, s:I}", "cpu", c->cpu,
			      "rounds", (json_int_t)c->rounds,
			      "low", (json_int_t)sub_wrap(c->x_lo, s->test_offset),
			      "high", (json_int_t)sub_wrap(c->x_hi, s->test_offset));
	return json_pack("{s:s, s:b, s:o, s:o, s:{s:I, s:I, s:I, s:I}, s:[o, o]}",
			 "offset_control", c->offset_control,
			 "offset_exact", c->offset_exact,
			 "kvm_offset", c->kvm_offset_set ?
				json_integer((json_int_t)c->kvm_offset) : json_null(),
			 "exchange", x,
			 "bracket", "accesses", (json_int_t)c->accesses,
			 "min_exit", (json_int_t)(c->accesses ? c->min_exit : 0),
			 "min_entry", (json_int_t)(c->accesses ? c->min_entry : 0),
			 "violations", (json_int_t)c->violations,
			 "bounds", lo == INT64_MIN ? json_null() : json_integer((json_int_t)lo),
			 hi == INT64_MAX ? json_null() : json_integer((json_int_t)hi));
}
