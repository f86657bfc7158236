/* Dall et al.'s "I/O latency out" and "I/O latency in" (issue 14), the
 * part host and guest share: the kick's and the doorbell's addresses, the
 * interrupt line, the page's scratch words each side writes, the bodies'
 * abort codes. Freestanding. */
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

/* io_latency_in (a VM of its own, so the same scratch words mean other
 * things): the guest writes SEQ (its round's number) and rings the
 * doorbell, a 4-byte write at IOLAT_IN_READY_GPA that an ioeventfd
 * completes in KVM: "ready for the next interrupt", the only thing that
 * lets the host signal again. The host's device thread writes TH (its
 * counter just before it signals, on the guest's timeline) and SENT (the
 * SEQ it answers), then writes the irqfd of line IOLAT_IN_GSI. The
 * guest's handler writes TG (its counter on entry), GOT (the SENT it saw)
 * and counts itself in IRQS. Every word is a value either side may lie
 * about: differences only, wrapping, never an index. */
enum iolat_in_scratch {
	IOLAT_IN_S_SEQ, IOLAT_IN_S_TH, IOLAT_IN_S_SENT, IOLAT_IN_S_TG,
	IOLAT_IN_S_GOT, IOLAT_IN_S_IRQS,
};
#define IOLAT_IN_READY_GPA (HV_MMIO_BASE + 0x12010ull)
/* The irqfd's GSI: x86, IOAPIC pin 20 (above the PIC's 16, so only the
 * IOAPIC routes it) programmed to IOLAT_IN_VECTOR, edge; arm64, SPI 20
 * (INTID 32 + 20, KVM's default routing of GSI n to SPI n), edge. */
#define IOLAT_IN_GSI 20
#define IOLAT_IN_VECTOR 0xd4
#define IOLAT_IN_INTID (32 + IOLAT_IN_GSI)

enum iolat_param {
	IOLAT_P_TIMEOUT,	/* counter ticks the guest waits for an answer */
};

enum iolat_abort {
	IOLAT_ABORT_TIMEOUT = HV_ABORT_BODY_BASE,	/* no answer within 1 s */
	IOLAT_ABORT_PARAM,
};

#endif
