/* Dall et al.'s "I/O latency out" (issue 14), the part host and guest
 * share: the kick's address, the page's scratch words each side writes,
 * the body's abort codes. Freestanding. */
#ifndef MICROBENCH_DEVICES_IOLAT_ABI_H
#define MICROBENCH_DEVICES_IOLAT_ABI_H

#include "hv-core/abi.h"

/* A 4-byte write here is an ioeventfd: KVM signals the host's eventfd and
 * resumes the guest, no trip to the VMM's thread. */
#define IOLAT_KICK_GPA (HV_MMIO_BASE + 0x12000ull)

/* hv_shared.scratch[]: the guest writes T0 (its TSC before the kick), SEQ
 * (the kick's number) and T2 (its TSC once it saw the answer); the host's
 * device thread writes TH (its TSC when it saw the eventfd) and ACK (the
 * SEQ it answered). Every word is a value either side may lie about:
 * differences only, wrapping, never an index. */
enum iolat_scratch { IOLAT_S_T0, IOLAT_S_SEQ, IOLAT_S_T2, IOLAT_S_TH, IOLAT_S_ACK };

enum iolat_param {
	IOLAT_P_TIMEOUT,	/* counter ticks the guest waits for an answer */
};

enum iolat_abort {
	IOLAT_ABORT_TIMEOUT = HV_ABORT_BODY_BASE,	/* no answer within 1 s */
	IOLAT_ABORT_PARAM,
};

#endif
