/* What the two I/O latency rows' host sides share (iolat.c: out,
 * iolat_in.c: in): the host's counter read fenced, the placement of the
 * vCPU and the device thread, and the guest timeline's offset. */
#ifndef MICROBENCH_DEVICES_IOLAT_H
#define MICROBENCH_DEVICES_IOLAT_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv-core/arch.h"
#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"

struct json_t;
struct hostinfo;

static inline uint64_t iolat_host_now(void)
{
#if defined(__x86_64__)
	uint64_t t;
	asm volatile("lfence" ::: "memory");
	t = arch_host_cycles();
	asm volatile("lfence" ::: "memory");
	return t;
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return arch_host_cycles();
#endif
}

/* Where the row runs and how the host's counter maps onto the guest's:
 * guest = host - off. x86: off 0 (the TSC offset set to 0 where KVM lets
 * us; the per-sample order check decides where it does not). arm64: the
 * VM's virtual counter offset, measured within width ticks
 * (hv_vcpu_counter_offset). */
struct iolat_place {
	cpu_set_t allowed;
	int vcpu_cpu, dev_cpu;
	bool placed;
	int64_t off;
	uint64_t width;
	bool measured;
};

/* setup: the guest counter at the host's rate and offset 0 where KVM
 * lets us; the CPUs this thread may use. 0, -ENOTSUP or -errno (err). */
int iolat_clock_setup(struct hv_vm *vm, const struct hostinfo *host,
		      struct iolat_place *pl, char *err, size_t errlen);
/* probe_ucall, on the vCPU's thread: pin it, read the offset where the
 * arch has one, start the device thread on another CPU (else beside it). */
int iolat_place_and_start(struct iolat_place *pl, struct hv_vcpu *vcpu,
			  struct dev_thread *thr, const char *name,
			  int (*fn)(struct dev_thread *, void *), void *opaque);
/* Whether stamp a comes before stamp b on the guest's timeline, where one
 * of them is the host's, put there through an offset known to within
 * width ticks: IOLAT_IN_ORDER; IOLAT_IN_MARGIN where b is not after a but
 * by no more than half the width, which the offset's own uncertainty
 * explains (never where the offset is exact: width 0); else
 * IOLAT_OUT_OF_ORDER, which no offset in the margin explains. */
enum iolat_order { IOLAT_IN_ORDER, IOLAT_IN_MARGIN, IOLAT_OUT_OF_ORDER };
static inline enum iolat_order iolat_order(const struct iolat_place *pl, uint64_t a, uint64_t b)
{
	int64_t d = (int64_t)(b - a);

	if (d > 0)
		return IOLAT_IN_ORDER;
	return d > -(int64_t)((pl->width + 1) / 2) ? IOLAT_IN_MARGIN : IOLAT_OUT_OF_ORDER;
}

/* The record's "counter_offset": how host stamps were put on the guest's
 * timeline (a JSON object). */
struct json_t *iolat_timeline_json(const struct iolat_place *pl);

#endif
