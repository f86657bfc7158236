/* The devices family's share of the page and of the NIC's memory (issue
 * 14): which param[] slot means what, the ring's layout in the device
 * region, the registers of the emulated model, the payload pattern and the
 * body's abort codes. Included by host and guest (freestanding). */
#ifndef MICROBENCH_DEVICES_NIC_ABI_H
#define MICROBENCH_DEVICES_NIC_ABI_H

#include <stdint.h>
#include "hv-core/abi.h"

/* The models, in the order of the row's "model" choices. */
enum nic_model {
	NIC_EMULATED,	/* registers behind MMIO: the VMM's device model */
	NIC_NATIVE,	/* the driver on a host thread: bare metal */
	NIC_DIRECT,	/* a host thread as the VF's hardware, no exit */
	NIC_VIRTIO,	/* split virtqueue, ioeventfd kick, host device thread */
	NIC_MODELS
};

/* How the guest was told to misbehave (the row's "fault" choices): the
 * device must refuse it with a reason, and the host live on. */
enum nic_fault {
	NIC_F_NONE,
	NIC_F_LENGTH,	/* a length past the buffer slot */
	NIC_F_ADDRESS,	/* a buffer address outside the device region */
	NIC_F_PAYLOAD,	/* one byte of the packet off the pattern */
	NIC_F_SEQUENCE,	/* a descriptor out of order */
	NIC_F_STALL,	/* not the driver's: the device stops serving */
	NIC_FAULTS
};
#define NIC_FAULT_AT 3	/* the packet (by sequence) that carries the fault */

enum nic_param {
	NIC_P_MODEL,	/* enum nic_model */
	NIC_P_BASE,	/* the device region, as the driver addresses it */
	NIC_P_SIZE,	/* bytes of packet */
	NIC_P_MMIO,	/* emulated: the register window; virtio: the notify address */
	NIC_P_FAULT,	/* enum nic_fault */
	NIC_P_TIMEOUT,	/* counter ticks the driver waits for a completion */
	NIC_P_REGS,	/* emulated: enum nic_regs */
};

/* The device region: control words, the descriptor ring, the buffers. */
#define NIC_RING 256u			/* descriptors; a batch fits in it */
#define NIC_CTL_OFF 0x0ull		/* struct nic_ctl */
#define NIC_DESC_OFF 0x1000ull		/* NIC_RING struct nic_desc */
#define NIC_BUF_OFF 0x10000ull		/* buffer slot i at NIC_BUF_OFF + i * NIC_BUF_STRIDE */
#define NIC_BUF_STRIDE 9216ull		/* the largest packet, in whole lines */
#define NIC_REGION_SIZE 0x400000ull	/* 4 MiB */
#define NIC_MIN_SIZE 64
#define NIC_MAX_SIZE 9000

_Static_assert(NIC_BUF_OFF + NIC_RING * NIC_BUF_STRIDE <= NIC_REGION_SIZE,
	       "buffers past the device region");

/* The producer and consumer indexes, free-running (a slot is index mod
 * NIC_RING), each in a line of its own: the direct and native models'
 * doorbell is the driver's store to tail, which the hardware polls. */
struct nic_ctl {
	volatile uint64_t tail;		/* driver: descriptors posted */
	uint64_t pad0[7];
	volatile uint64_t head;		/* device: descriptors done */
	uint64_t pad1[7];
};

/* One transmit descriptor: the driver fills it, the device reads it once,
 * checks it and writes status. */
struct nic_desc {
	uint64_t addr;			/* the buffer, as the driver addresses it */
	uint32_t len;			/* bytes */
	volatile uint32_t status;	/* NIC_ST_*: 0 while the device owns it */
	uint64_t seq;			/* the packet's number, from 0 */
	uint64_t rsvd;
};
#define NIC_ST_DONE 1u
#define NIC_ST_ERR 2u

/* The emulated model's registers (offsets in its window), 32 bits: in an
 * MMIO window (e1000's BAR0), or, on x86, in a range of ports. */
enum nic_regs { NIC_REGS_MMIO, NIC_REGS_PIO, NIC_REGS_KINDS };
#define NIC_MMIO_GPA (HV_MMIO_BASE + 0x10000ull)
#define NIC_MMIO_LEN 0x1000ull
#define NIC_PIO_BASE 0x0f40
#define NIC_PIO_LEN 0x10
#define NIC_R_TDT 0x00		/* write: descriptors posted (tail, mod 2^32) */
#define NIC_R_ICR 0x08		/* read: interrupt cause, cleared by the read */
#define NIC_ICR_TXDW 0x1u	/* descriptors written back */
#define NIC_ICR_ERR 0x2u	/* the device refused a descriptor */

/* The virtio model: a split virtqueue as virtio 1.x lays it out (2.7 of
 * the spec), with VIRTIO_F_EVENT_IDX: the descriptor table, the available
 * ring (the driver's) ending in used_event, the used ring (the device's)
 * ending in avail_event. One descriptor per packet, no chains (the
 * virtio-net header is left out: the payload is the packet). */
#define NIC_VQ_SIZE 256u
#define NIC_VQ_DESC_OFF 0x4000ull	/* 16-byte aligned */
#define NIC_VQ_AVAIL_OFF 0x5000ull	/* 2-byte aligned */
#define NIC_VQ_USED_OFF 0x6000ull	/* 4-byte aligned */
#define NIC_VQ_STATUS_OFF 0x7000ull	/* the device status word (uint32_t) */
#define NIC_VQ_NOTIFY_GPA (HV_MMIO_BASE + 0x11000ull)	/* the queue's notify address */

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VQ_DESC_F_NEXT 1
#define VQ_DESC_F_WRITE 2
#define VQ_DESC_F_INDIRECT 4

struct vq_avail {
	volatile uint16_t flags;
	volatile uint16_t idx;
	volatile uint16_t ring[NIC_VQ_SIZE];
	volatile uint16_t used_event;
};

struct vq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vq_used {
	volatile uint16_t flags;
	volatile uint16_t idx;
	struct vq_used_elem ring[NIC_VQ_SIZE];
	volatile uint16_t avail_event;
};

_Static_assert(NIC_VQ_DESC_OFF + NIC_VQ_SIZE * sizeof(struct vq_desc) <= NIC_VQ_AVAIL_OFF, "vq desc");
_Static_assert(NIC_VQ_AVAIL_OFF + sizeof(struct vq_avail) <= NIC_VQ_USED_OFF, "vq avail");
_Static_assert(NIC_VQ_USED_OFF + sizeof(struct vq_used) <= NIC_VQ_STATUS_OFF, "vq used");
_Static_assert(NIC_VQ_STATUS_OFF + 4 <= NIC_BUF_OFF, "vq status");

/* The device status bit a virtio device sets when it gives up on the
 * driver (virtio 1.x DEVICE_NEEDS_RESET). */
#define VQ_S_NEEDS_RESET 0x40u

/* virtio's vring_need_event: does moving the index from old to new pass
 * event (the other side's "tell me at this index")? */
static inline int vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* The payload of packet seq: 64-bit word w of it (the last, partial word
 * gives its low bytes). The device checks every byte against it. */
static inline uint64_t nic_pattern(uint64_t seq, uint64_t w)
{
	uint64_t z = seq * 0x9e3779b97f4a7c15ull + w * 0xbf58476d1ce4e5b9ull + 1;

	return z ^ (z >> 29);
}

enum nic_abort {
	NIC_ABORT_PARAM = HV_ABORT_BODY_BASE,	/* model, size or base out of range */
	NIC_ABORT_DEVICE,			/* the device refused a descriptor */
	NIC_ABORT_TIMEOUT,			/* no completion within the wait */
	NIC_ABORT_CAUSE,			/* the cause register said nothing was done */
	NIC_ABORT_USED,				/* virtio: the used ring gave back another buffer */
};

#endif
