/* The ple family's share of the page (issue 16): which param[] and
 * scratch[] slot means what for the spinlock and ple_probe bodies, the
 * layout of the lock area in guest RAM, and the bodies' abort codes.
 * Included by host and guest, so numbers only. */
#ifndef MICROBENCH_PLE_ABI_H
#define MICROBENCH_PLE_ABI_H

#include "hv-core/abi.h"

/* spinlock: N vCPUs contend for one lock in guest RAM at param[SL_P_BASE]. */
enum sl_param {
	SL_P_BASE,	/* guest address of the lock area (identity-mapped RAM) */
	SL_P_VARIANT,	/* enum sl_variant */
	SL_P_CS,	/* loop turns inside the critical section */
	SL_P_NCS,	/* loop turns between a release and the next acquire */
	SL_P_WAIT,	/* enum sl_wait */
};

enum sl_wait {
	SL_WAIT_RELAX,	/* spin with the CPU's relax hint: x86 PAUSE, arm64 YIELD */
	SL_WAIT_WFE,	/* arm64: load-exclusive the lock word, WFE until it is written */
};

enum sl_variant {
	SL_TICKET,	/* fetch-and-add ticket, spin until served: FIFO */
	SL_TAS,		/* test-and-set, read-only spin between tries: unfair */
};

/* The lock area, one 64-byte line each so the lines do not share: */
#define SL_LINE 64ull
#define SL_LOCK_OFF 0ull	/* ticket: u32 next, u32 serving; tas: u32 word */
#define SL_DATA_OFF 64ull	/* struct sl_data: what the lock protects */
#define SL_VCPU_OFF(v) (128ull + (uint64_t)(v) * SL_LINE)	/* struct sl_vcpu */
#define SL_AREA_BYTES(n) SL_VCPU_OFF(n)
#define SL_MAX_VCPUS 256
#define SL_MAX_TURNS 1000000

struct sl_data {
	uint64_t counter;	/* read, held over the section, written back + 1 */
	uint64_t holder;	/* vCPU + 1 while inside the section, 0 outside */
};

/* Per vCPU, written only by that vCPU. vCPU 0 counts from its first
 * measured acquisition, the others from the start signal. */
struct sl_vcpu {
	uint64_t acquisitions;	/* taken inside the section, after counter */
	uint64_t spin;		/* counter ticks spent acquiring */
	uint64_t busy;		/* counter ticks of whole loop turns (acquire to after ncs) */
	uint64_t pauses;	/* relax instructions while acquiring */
	uint64_t waits;		/* secondaries: times it waited out a pause of vCPU 0 */
	uint64_t pad[3];
};

_Static_assert(sizeof(struct sl_vcpu) == SL_LINE, "one line per vCPU");

/* scratch[]: vCPU 0's window, written by vCPU 0 inside its section: the
 * acquisitions of every vCPU and the counter ticks between its measured
 * acquisitions, summed within repetitions (the runner may pause vCPU 0
 * between two: that time is not the lock's). */
#define SL_S_GO 0		/* vCPU 0 set it: the others may start */
#define SL_S_ACQ 1		/* acquisitions (the lock's counter moved) */
#define SL_S_TICKS 2		/* counter ticks they took */
#define SL_S_PREV_COUNT 3	/* the lock's counter at its latest acquisition */
#define SL_S_PREV_T 4		/* ... and the time then */
#define SL_S_SEEN_ITERS 5	/* hv_shared.iterations then: a change is a repetition's end */

/* ple_probe: one vCPU, PAUSE alone, param[PP_P_TURNS] of them per op. */
enum pp_param {
	PP_P_TURNS,	/* PAUSE (YIELD on arm64) instructions per operation */
	PP_P_GAP,	/* counter ticks between two PAUSEs that count as a stall */
};
#define PP_S_STALLS 0		/* scratch[]: stalls seen (exits or interrupts) */
#define PP_S_FIRST_PAUSES 1	/* PAUSEs before the first stall, + 1 (0: none) */
#define PP_S_FIRST_T 2		/* counter ticks from the first PAUSE to it */
#define PP_S_PAUSES 3		/* PAUSEs run in measured operations */
#define PP_S_T0 5		/* counter at the first measured PAUSE */
#define PP_MAX_TURNS (1 << 24)

enum ple_abort {
	PLE_ABORT_PARAM = HV_ABORT_BODY_BASE,	/* a parameter out of range */
};

#endif
