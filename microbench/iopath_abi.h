/* The io-path study's guest<->host protocol: body parameters and the clock
 * exchange in the shared page. Included by the freestanding guest too. */
#ifndef MICROBENCH_IOPATH_ABI_H
#define MICROBENCH_IOPATH_ABI_H

#include "hv-core/abi.h"

/* shared->param[] of the io_path body */
#define IOP_P_PORT 0
#define IOP_P_SIZE 1		/* 1, 2 or 4 bytes */
#define IOP_P_OUT 2		/* 0: IN, 1: OUT */

/*
 * Clock exchange (shared->scratch[]), run by the guest's init at the body's
 * privilege level when HV_F_SAMPLES_PREFIX is set (io-path's timeline): a host thread on another
 * CPU writes round k into PING; the guest, on seeing it, reads its TSC into
 * STAMP and answers k in PONG. The host's TSC before PING and after PONG
 * bracket the guest's stamp. IOP_CLOCK_DONE in PING ends the exchange.
 */
#define IOP_S_PING 0
#define IOP_S_PONG 1
#define IOP_S_STAMP 2
#define IOP_CLOCK_DONE (~0ull)

/* Per-access stamps of the current access, all on the guest TSC timeline,
 * in the shared page's family words (hv_shared.family). */
struct iop_probe_slot {
	uint64_t guest_before;
	uint64_t guest_after;
	uint64_t host_ret;	/* KVM_RUN returned */
	uint64_t dm_start;
	uint64_t dm_end;
	uint64_t host_enter;	/* about to re-enter KVM_RUN */
};
#define IOP_SLOT(sh) ((struct iop_probe_slot *)(void *)(sh)->family)
_Static_assert(sizeof(struct iop_probe_slot) <= sizeof(((struct hv_shared *)0)->family),
	       "io-path's stamps exceed the shared page's family words");

#endif
