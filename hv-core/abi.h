/* The guest<->host ABI: guest memory layout, the shared page and the one
 * call channel. Included by both the freestanding guest and the host. */
#ifndef HV_CORE_ABI_H
#define HV_CORE_ABI_H

#include <stdint.h>
#include "probes/histogram.h"

#define HV_ABI_MAGIC 0x314b4d4843425648ull /* "HVBCHMK1" */
#define HV_ABI_VERSION 4

/*
 * Guest-physical layout (identity mapped by the guest's page tables):
 *   0x0000_1000  arch system tables built by the VMM (GDT/TSS/page tables)
 *   0x0010_0000  guest image (entry at its first byte)
 *   0x0040_0000  shared region (struct hv_shared), HV_SHARED_SIZE bytes
 *   0x0050_0000  stacks, HV_STACK_SIZE per vCPU, kernel then user
 *   0x0080_0000  scratch: the rest of RAM; pf_first_touch uses its top part
 *   HV_MMIO_BASE device space with no memory behind it, but for
 *   HV_SYS_GPA   the VMM's system area, a memslot of its own, there only when
 *                needed: per-vCPU areas (stacks, x86 TSS and GDT) of vCPUs
 *                from HV_LOW_VCPUS on
 *   4 GiB        RAM above the hole (guests larger than HV_MMIO_BASE)
 * A VM of up to HV_LOW_VCPUS vCPUs has exactly the layout it always had.
 */
#define HV_IMAGE_GPA 0x100000ull
#define HV_IMAGE_MAX 0x300000ull
#define HV_SHARED_GPA 0x400000ull
#define HV_SHARED_SIZE 0x100000ull
#define HV_STACKS_GPA 0x500000ull
#define HV_STACK_SIZE 0x8000ull	/* per vCPU per privilege level */
/* The shared page's per-vCPU arrays hold this many; a VM gets at most the
 * smaller of this and KVM_CAP_MAX_VCPUS. */
#define HV_MAX_VCPUS 1024
#define HV_LOW_VCPUS 8		/* vCPUs whose stacks are in low RAM */
#define HV_SYS_GPA 0xf0000000ull
#define HV_SYS_SIZE 0x0ec00000ull	/* up to the x86 IOAPIC at 0xfec0_0000 */
/* The system area: a pool of page-table pages, then one area per vCPU from
 * HV_LOW_VCPUS on: kernel stack, user stack, HV_VCPU_ARCH_SIZE bytes of
 * arch tables. */
#define HV_SYS_PT_SIZE 0x400000ull
#define HV_VCPU_ARCH_SIZE 0x4000ull
#define HV_VCPU_AREA (2 * HV_STACK_SIZE + HV_VCPU_ARCH_SIZE)
#define HV_VCPU_AREA_GPA(v) (HV_SYS_GPA + HV_SYS_PT_SIZE +		\
	((uint64_t)(v) - HV_LOW_VCPUS) * HV_VCPU_AREA)
/* Where vCPU v's stacks start: kernel stack, then user stack above it. */
#define HV_STACK_BASE(v) ((v) < HV_LOW_VCPUS ?				\
	HV_STACKS_GPA + 2 * (uint64_t)(v) * HV_STACK_SIZE : HV_VCPU_AREA_GPA(v))
#define HV_KSTACK_TOP(v) (HV_STACK_BASE(v) + HV_STACK_SIZE)
#define HV_USTACK_TOP(v) (HV_STACK_BASE(v) + 2 * HV_STACK_SIZE)
#define HV_SCRATCH_GPA 0x800000ull
#define HV_MIN_MEM_MB 16
/* The most guest RAM hv-core sets up (a KVM and a guest CPU may allow
 * less: KVM_SET_USER_MEMORY_REGION then says so). */
#define HV_MAX_MEM (1ull << 40)

/* Call channel. x86: a 32-bit OUT of the call number to HV_UCALL_PORT.
 * arm64: a 32-bit store of the call number to HV_UCALL_MMIO.
 * Arguments travel in the shared page, never as free text. */
#define HV_UCALL_PORT 0x0f00
#define HV_MMIO_BASE 0xd0000000ull
#define HV_UCALL_MMIO (HV_MMIO_BASE + 0x0000)
#define HV_MMIO_USER (HV_MMIO_BASE + 0x1000)	/* unbacked: exits to the VMM */
#define HV_MMIO_KERNEL (HV_MMIO_BASE + 0x2000)	/* ioeventfd: completes in KVM */
#define HV_PIO_DUMMY 0x22e			/* the seed study's dummy port */
#define HV_PIO_KERNEL 0x0f10			/* ioeventfd port */

enum hv_ucall {
	HV_UCALL_NONE = 0,
	HV_UCALL_READY,		/* guest runtime is up, about to start */
	HV_UCALL_MEASURE_BEGIN, /* warm-up and calibration done: host snapshots counters */
	HV_UCALL_REP_END,	/* one repetition finished: host snapshots the histogram */
	HV_UCALL_MEASURE_END,	/* measured loop done: host snapshots counters */
	HV_UCALL_DONE,		/* results are in the shared page */
	HV_UCALL_FAULT,		/* unexpected exception: fault block filled */
	HV_UCALL_ABORT,		/* guest-detected error: status/abort_code says which */
	HV_UCALL_PROBE,		/* the row's own call: its probe_ucall hook (mb.h) answers */
	HV_UCALL_ENTER_USER,	/* VMM: move this vCPU to CPL3/EL0 at user_entry, its id in the first argument register */
	HV_UCALL_CALIB_BEGIN,	/* calibration loop (the null operation) starts: host snapshots counters */
	HV_UCALL_CALIB_END,	/* ... and ends: its exits are the loop's own, not the operation's */
	HV_UCALL_PARK,		/* a secondary vCPU at CPL3/EL0 is done (it cannot halt there): the VMM ends its thread */
};

/*
 * Guest benchmark bodies are named, not numbered: a family registers each
 * body in its own guest file (GUEST_BODY, hv-core/guest/guest.h) and its
 * table rows name it (mb_bench.body). The host writes the row's body name
 * into hv_shared.body, NUL-padded; the guest looks it up among the bodies
 * linked into its image and aborts with HV_ABORT_NO_BODY when it has none.
 * A name is a C identifier of fewer than HV_BODY_NAME_MAX characters.
 */
#define HV_BODY_NAME_MAX 32

/*
 * Why the guest gave up (hv_shared.abort_code, status HV_GS_ABORT): one list
 * for both sides, decoded by name on the host (mb_abort_reason in
 * microbench/table.c). Codes from HV_ABORT_BODY_BASE on belong to the body
 * that ran: its row's abort_reasons[code - HV_ABORT_BODY_BASE] says what
 * each means.
 */
#define HV_ABORT_CODES(X)                                                       \
	X(ABI, 1, "shared-page ABI mismatch (magic or version)")               \
	X(NO_BODY, 2, "no body of that name in the guest image")               \
	X(NO_IRQ, 3, "an interrupt the body raised never became pending")      \
	X(BAD_PARAM, 4, "a body parameter out of the range the guest body takes") \
	X(NO_TIMER, 5, "the guest runtime has no timer to arm on this architecture")

enum hv_abort {
	HV_ABORT_NONE = 0,
#define HV_ABORT_ENUM(name, code, what) HV_ABORT_##name = code,
	HV_ABORT_CODES(HV_ABORT_ENUM)
#undef HV_ABORT_ENUM
	HV_ABORT_BODY_BASE = 0x100,
};

/* What the "lie" body lies about (param[0]); the host must survive each one
 * with a "failed" record. */
enum hv_lie {
	HV_LIE_NONE = 0,
	HV_LIE_NSAMPLES_MAX,	/* nsamples = 0xffffffff */
	HV_LIE_NSAMPLES_BIG,	/* nsamples = 3,000,000 */
	HV_LIE_ITERATIONS,	/* iterations far above max_iters x repetitions */
	HV_LIE_HIST,		/* histogram counts that are not the samples taken */
	HV_LIE_STATUS,		/* an unknown status code */
	HV_LIE_REP_ITERS,	/* a repetition longer than max_iters */
	HV_LIE_STRIDE,		/* sampling stride 0 */
	HV_LIE_MOMENTS,		/* min above max, sum below n * min */
	HV_LIE_CALIB,		/* more calibration samples than asked */
	HV_LIE_WARMUP,		/* more warm-up than asked */
	HV_LIE_FAULT,		/* a fault block with an impossible vector and level */
	HV_LIE_LIMITS,		/* raises the host's own limits in the page, then iterations */
	HV_LIE_COUNT
};

enum hv_guest_status {
	HV_GS_IDLE = 0,
	HV_GS_RUNNING,
	HV_GS_OK,
	HV_GS_FAULT,
	HV_GS_ABORT,
};

/* Host side: put `name` into hv_shared.body, NUL-padded. Returns 0, or -1
 * (and an empty name, which no body has) when it does not fit. */
static inline int hv_body_name_put(char dst[HV_BODY_NAME_MAX], const char *name)
{
	uint32_t n = 0;

	while (n < HV_BODY_NAME_MAX && name[n])
		n++;
	for (uint32_t i = 0; i < HV_BODY_NAME_MAX; i++)
		dst[i] = n < HV_BODY_NAME_MAX && i < n ? name[i] : 0;
	return n < HV_BODY_NAME_MAX ? 0 : -1;
}

#define HV_MAX_SAMPLES 4096
#define HV_NPARAMS 16

struct hv_fault {
	uint64_t vector;	/* x86 vector; arm64: exception class */
	uint64_t error_code;	/* x86 error code; arm64: ESR */
	uint64_t ip;		/* RIP / ELR */
	uint64_t addr;		/* CR2 / FAR */
	uint64_t level;		/* CPL / EL the fault came from */
	uint64_t vcpu;
};

struct hv_shared {
	/* Filled by the host before the first KVM_RUN. */
	uint64_t magic;
	uint32_t abi_version;
	uint32_t nr_vcpus;
	uint64_t tsc_khz;
	uint32_t reserved0;	/* was a numbered body id (ABI 3); see body below */
	uint32_t cpl;
	uint64_t min_cycles;	/* measure at least this long (guest counter units) */
	uint64_t max_iters;
	uint64_t warmup_iters;
	uint32_t repetitions;
	uint32_t flags;
	uint32_t batch;		/* operations between one probe pair (>= 1) */
	/* The runtime's timer: vCPU 0 arms a periodic interrupt at this rate
	 * (Hz) before the body starts and counts it in timer_ticks; 0: none
	 * (x86: the local APIC timer; arm64: the virtual generic timer; both
	 * need the in-kernel irqchip). */
	uint32_t timer_hz;
#define HV_F_NO_SUBTRACT (1u << 0)	/* report raw probe-pair cost (empty) */
/* Keep the first HV_MAX_SAMPLES samples in order instead of a decimation of
 * the whole measurement: for a family that pairs sample i with its own
 * per-operation stamps (io-path's timeline). */
#define HV_F_SAMPLES_PREFIX (1u << 1)
	uint64_t param[HV_NPARAMS];
	uint64_t calib_iters;
	uint64_t user_entry;	/* guest: where ENTER_USER resumes (the same for every vCPU) */
	uint64_t user_stack;	/* unused: the VMM gives vCPU v the stack HV_USTACK_TOP(v) */

	/* Written by the host at any time; polled by the guest. */
	volatile uint32_t stop;
	uint32_t pad0;

	/* Written by the guest. */
	volatile uint64_t heartbeat;	/* bumped every loop turn: the host's stall watchdog */
	volatile uint32_t status;	/* enum hv_guest_status */
	uint32_t abort_code;
	uint64_t iterations;
	uint64_t warmup_done;
	uint64_t overhead;	/* probe pair cost that was subtracted */
	uint64_t rep_iters;
	uint64_t calib_done;	/* calibration samples taken (CALIB_END) */
	uint64_t scratch[8];	/* body-private */
	struct hv_fault fault;
	struct hist_moments moments;
	uint32_t nsamples;
	/* samples[i] is sample i * samples_stride of the measurement (all
	 * repetitions in order): systematic decimation, see bench.c. */
	uint32_t samples_stride;
	/* (ipi_ack and secondary_ready moved to the end: per vCPU, they grew
	 * with HV_MAX_VCPUS.) */
	volatile uint64_t timer_ticks;	/* guest: timer interrupts taken (timer_hz) */
	uint64_t pad_vcpu[15];
	uint64_t samples[HV_MAX_SAMPLES];
	uint32_t hist[HIST_BUCKETS];
	/* The row's own words: its family's ABI header gives them a shape
	 * (io-path: per-access stamps, microbench/iopath_abi.h); the host
	 * bounds-checks what it reads of them like any guest value. */
	uint64_t family[6];
	/* Filled by the host before the first KVM_RUN: the body to run, by
	 * name, NUL-padded (HV_BODY_NAME_MAX). Last, so that the offsets of
	 * every older field stay those of ABI 3 (fuzz/ seeds are real pages). */
	char body[HV_BODY_NAME_MAX];
	/* Per vCPU, last: HV_MAX_VCPUS entries each, of which a VM uses its
	 * nr_vcpus; the host reads none of them for a record. */
	volatile uint64_t ipi_ack[HV_MAX_VCPUS];	/* ipi responder state */
	volatile uint64_t secondary_ready[HV_MAX_VCPUS];
	/* Secondary vCPU v bumps vcpu_heartbeat[v] while it works without
	 * exits (vCPU 0 uses heartbeat): the host's stall watchdog. */
	volatile uint64_t vcpu_heartbeat[HV_MAX_VCPUS];
};

_Static_assert(sizeof(struct hv_shared) <= HV_SHARED_SIZE,
	       "shared region too small");
_Static_assert(HV_STACKS_GPA + 2 * HV_LOW_VCPUS * HV_STACK_SIZE <= HV_SCRATCH_GPA,
	       "low stacks overlap the scratch area");
_Static_assert(HV_SYS_PT_SIZE + (HV_MAX_VCPUS - HV_LOW_VCPUS) * HV_VCPU_AREA <= HV_SYS_SIZE,
	       "system area too small for HV_MAX_VCPUS");
_Static_assert(HV_SYS_GPA >= HV_MMIO_BASE + 0x20000000ull,
	       "system area inside the device window");

#endif
