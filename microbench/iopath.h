/* The io-path (0x22e) study's host side, shared by its files: the run state,
 * the device model placements, the probe ring and the clock check. */
#ifndef MICROBENCH_IOPATH_H
#define MICROBENCH_IOPATH_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv-core/abi.h"
#include "hv-core/dev/dev.h"
#include "microbench/iopath_abi.h"
#include "microbench/mb.h"
#include "probes/topo.h"

struct hv_vm;
struct hv_vcpu;

/* Family parameters, in the order of the row's ext_params. */
enum iop_ext {
	IOP_X_MODEL,
	IOP_X_CPU,
	IOP_X_WORK,
	IOP_X_DIR,
	IOP_X_SIZE,
	IOP_X_PORT,
	IOP_X_PROBES,
};

enum iop_model { IOP_INLINE, IOP_THREAD, IOP_KERNEL };

enum iop_seg { IOP_SEG_EXIT, IOP_SEG_DISPATCH, IOP_SEG_DM, IOP_SEG_ENTRY, IOP_NSEG };

/* Probe slots filled on the vCPU thread and turned into segments when the
 * ring is full or the run is over: the exit path only stores stamps. */
#define IOP_RING 65536

/* One measured access in IOP_UNPROBED goes without host stamps; measured
 * access k is the guest's sample k. */
#define IOP_UNPROBED 8
static inline bool iop_unprobed(uint64_t k)
{
	return k % IOP_UNPROBED == IOP_UNPROBED - 1;
}

/* Clock exchange rounds with the guest, and how long the helper may try. */
#define IOP_CLOCK_ROUNDS 2000
#define IOP_CLOCK_MS 300

/* What the run showed about guest vs host TSC (host stamps shifted by the
 * test offset). The guest's clock is host + delta; each bound narrows delta. */
struct iop_clock {
	const char *offset_control;	/* how the KVM offset was set, in words */
	int64_t kvm_offset;		/* KVM_VCPU_TSC_OFFSET read back after writing */
	bool kvm_offset_set;
	/* VT-x/SVM add the offset to every guest TSC read in hardware (no
	 * scaling: check_scaling): delta is kvm_offset exactly, and the
	 * exchange and bracket only check it. Not on PVM, which keeps its own. */
	bool offset_exact;
	int cpu;			/* helper CPU, -1: no exchange */
	uint64_t rounds;		/* exchange rounds completed */
	int64_t x_lo, x_hi;		/* exchange: x_lo < delta < x_hi (raw host stamps) */
	pthread_t helper;
	bool helper_started;
	/* per-access bracket: guest_before < host_ret and host_enter < guest_after */
	uint64_t accesses;
	int64_t min_exit, min_entry;	/* guest-minus-host gaps, signed */
	uint64_t violations;
};

struct iop_state {
	struct hv_vm *vm;
	enum iop_model model;
	bool other_cpu;
	uint64_t work;			/* busy-wait host cycles per access */
	bool out;
	uint32_t size;
	uint16_t port;
	bool probes;
	int cpl;
	int64_t test_offset;		/* added to every host stamp (tests) */

	cpu_set_t allowed;		/* CPUs the process may use */
	int vcpu_cpu, dev_cpu;		/* -1 until the probe call pins them */

	/* probe ring, written only by the vCPU thread */
	struct iop_probe_slot *ring;
	uint32_t n_ring;
	bool prev_open;			/* ring[n_ring-1] waits for its guest_after */
	struct iop_probe_slot dummy;	/* stamps of accesses outside the window */
	uint32_t *hist[IOP_NSEG];
	struct hist_moments m[IOP_NSEG];

	uint64_t calls;			/* device model calls, all */
	uint64_t window_calls;		/* ... inside the measured window */

	/* thread placement: one request in flight, futex handshake */
	struct dev_thread dev;		/* hv-core/dev/thread.c */
	_Atomic uint32_t req_seq, resp_seq;
	uint32_t seq;
	struct {
		bool stamp;
		bool write;
		uint32_t len;
		uint8_t data[8];
		uint64_t dm_start, dm_end;
	} req;
	uint64_t handoffs;		/* requests the device thread answered */

	/* kernel placement: the ioeventfd a worker drains (device work) */
	int evfd;
	uint64_t kicks;			/* eventfd counts the worker consumed */

	struct iop_clock clk;
};

/* Test hooks: added to every host stamp before the timeline check (a wrong
 * clock), and the value written to KVM_VCPU_TSC_OFFSET instead of 0. */
extern int64_t iopath_test_host_offset;
extern int64_t iopath_test_kvm_offset;

/* iopath_dev.c: the device model behind the port (inline and thread), the
 * device thread, the kernel placement's worker, and the probe ring. */
int iop_dev_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
	       uint32_t len, void *opaque);
int iop_dev_start(struct iop_state *s, char *err, size_t errlen);
void iop_dev_stop(struct iop_state *s);
/* Close the last access and turn every slot of the ring into segments. */
void iop_ring_flush(struct iop_state *s);
/* Placement (pinning, "another core") is probes/topo.h's. */

/* iopath_clock.c: one timeline for guest and host stamps. */
int iop_clock_setup(struct iop_state *s, char *err, size_t errlen);
int iop_clock_start(struct iop_state *s, char *err, size_t errlen);
void iop_clock_stop(struct iop_state *s);
/* The interval delta must lie in, from every bound the run has. skew is the
 * bound on |delta|. OK: within IOP_CLOCK_LIMIT of the round trip; MARGINAL:
 * within IOP_CLOCK_MARGINAL (the shares are shown, with the bound, marked);
 * BAD: beyond that or the clocks disagree (why says how). A bound near one
 * limit must not flip a row between ok and unsupported from run to run. */
#define IOP_CLOCK_LIMIT 0.01
#define IOP_CLOCK_MARGINAL 0.05
enum iop_clock_fit { IOP_CLOCK_OK, IOP_CLOCK_MARGINAL_FIT, IOP_CLOCK_BAD };
enum iop_clock_fit iop_clock_verdict(const struct iop_state *s, double round_trip_p50,
				     double *skew, char *why, size_t len);
struct json_t *iop_clock_json(const struct iop_state *s);

#endif
