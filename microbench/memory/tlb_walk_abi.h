/* The memory family's tlb_walk and pf_storm share of the page: which
 * param[] slot means what, and their bodies' abort codes. Included by host
 * and guest, so numbers only. */
#ifndef MICROBENCH_MEMORY_TLB_WALK_ABI_H
#define MICROBENCH_MEMORY_TLB_WALK_ABI_H

#include "hv-core/abi.h"

/* tlb_walk: a dependent chase, one node per 4 KiB of the working set. A
 * node holds the offset of the next from the base, so the same chain runs
 * in the guest (base: a guest-virtual address) and natively (a host one). */
enum tw_param {
	TW_P_BASE,	/* where the working set starts */
	TW_P_SIZE,	/* bytes of it mapped (every offset is below) */
	TW_P_NODES,	/* nodes in the cycle: one per 4 KiB */
	TW_P_PER_OP,	/* dependent loads per operation */
	TW_P_START,	/* the offset of the first node */
};

/* Body state in scratch[] (the arm64 image is read-only). */
#define TW_S_CUR 0	/* scratch[]: the offset the chase is at */

#define TW_NODE 4096ull		/* one node per this many bytes */
#define TW_MAX_PER_OP 4096

enum tw_abort {
	TW_ABORT_PARAM = HV_ABORT_BODY_BASE,	/* nodes or per_op out of range */
	TW_ABORT_CHAIN,				/* an offset outside the working set */
};

/* pf_storm: first touch of fresh pages of `stride` bytes, vCPU v from
 * base + v * span on; the other vCPUs storm while vCPU 0 is timed. */
enum pf_param {
	PF_P_BASE,	/* guest-virtual start of the region */
	PF_P_SPAN,	/* bytes of it per vCPU */
	PF_P_STRIDE,	/* bytes between two touches: the guest page size */
};

#define PF_S_GO 0	/* scratch[]: vCPU 0 set it, the storm may start */
#define PF_MAX_VCPUS 64

enum pf_abort {
	PF_ABORT_PARAM = HV_ABORT_BODY_BASE,	/* span or stride out of range */
};

#endif
