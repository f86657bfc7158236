/* The NIC driver, one source for every model (issue 14): fill a buffer
 * with the packet's pattern, post a transmit descriptor, ring the doorbell
 * once per batch and wait for the device's completion. Arch-neutral and
 * .native: the same driver runs in the guest (emulated, direct) and on a
 * host thread against a host "hardware" thread (native). */
#include <stdint.h>
#include "guest.h"
#include "microbench/devices/nic_abi.h"
#if defined(__x86_64__)
#include "microbench/guest/x86/pio.h"
#endif

#define P(n) (SHARED->param[n])

static inline struct nic_ctl *nic_ctl(void)
{
	return (struct nic_ctl *)(uintptr_t)(P(NIC_P_BASE) + NIC_CTL_OFF);
}

static inline struct nic_desc *nic_desc(uint64_t slot)
{
	return (struct nic_desc *)(uintptr_t)(P(NIC_P_BASE) + NIC_DESC_OFF) + slot;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

/* The emulated model's register access, where its registers are. */
static inline void reg_write(uint32_t reg, uint32_t v)
{
#if defined(__x86_64__)
	if (P(NIC_P_REGS) == NIC_REGS_PIO) {
		pio_write32((uint16_t)(P(NIC_P_MMIO) + reg), v);
		return;
	}
#endif
	mmio_write32(P(NIC_P_MMIO) + reg, v);
}

static inline uint32_t reg_read(uint32_t reg)
{
#if defined(__x86_64__)
	if (P(NIC_P_REGS) == NIC_REGS_PIO)
		return pio_read32((uint16_t)(P(NIC_P_MMIO) + reg));
#endif
	return mmio_read32(P(NIC_P_MMIO) + reg);
}

static int nic_init(void)
{
	uint64_t model = P(NIC_P_MODEL), size = P(NIC_P_SIZE);
	uint32_t batch = SHARED->batch ? SHARED->batch : 1;

	if (model >= NIC_MODELS || size < NIC_MIN_SIZE ||
	    size > NIC_MAX_SIZE || batch > NIC_RING || !P(NIC_P_BASE) ||
	    P(NIC_P_FAULT) >= NIC_FAULTS || !P(NIC_P_TIMEOUT) || P(NIC_P_REGS) >= NIC_REGS_KINDS)
		return NIC_ABORT_PARAM;
#if !defined(__x86_64__)
	if (P(NIC_P_REGS) == NIC_REGS_PIO)
		return NIC_ABORT_PARAM;	/* no ports here */
#endif
	/* The host places its hardware thread (direct, native) now that this
	 * vCPU runs; for the emulated model it only notes the call. */
	ucall(HV_UCALL_PROBE);
	return 0;
}

static void fill(uint8_t *buf, uint64_t seq, uint64_t len)
{
	uint64_t *w = (uint64_t *)buf, n = len / 8;

	for (uint64_t k = 0; k < n; k++)
		w[k] = nic_pattern(seq, k);
	if (len % 8) {
		uint64_t last = nic_pattern(seq, n);

		for (uint64_t k = 0; k < len % 8; k++)
			buf[n * 8 + k] = (uint8_t)(last >> (8 * k));
	}
}

/* The hostile setting: packet NIC_FAULT_AT goes out wrong in one way. */
static void misbehave(struct nic_desc *d, uint8_t *buf, uint64_t seq)
{
	switch (P(NIC_P_FAULT)) {
	case NIC_F_LENGTH:
		d->len = (uint32_t)NIC_BUF_STRIDE + 1;
		break;
	case NIC_F_ADDRESS:
		d->addr = P(NIC_P_BASE) + NIC_REGION_SIZE - 8;
		break;
	case NIC_F_PAYLOAD:
		buf[d->len / 2] ^= 0x5a;
		break;
	case NIC_F_SEQUENCE:
		d->seq = seq + 1;
		break;
	}
}

/* Every descriptor of the batch that ends at seq: done, or give up. */
static void check_done(uint64_t seq, uint32_t batch)
{
	for (uint64_t s = seq + 1 - batch; s <= seq; s++) {
		uint32_t st = __atomic_load_n(&nic_desc(s % NIC_RING)->status, __ATOMIC_ACQUIRE);

		if (st != NIC_ST_DONE)
			guest_abort(st == NIC_ST_ERR ? NIC_ABORT_DEVICE : NIC_ABORT_TIMEOUT);
	}
}

/* Polling: the last descriptor of the batch leaves the device's hands. */
static void wait_done(uint64_t seq)
{
	volatile uint32_t *st = &nic_desc(seq % NIC_RING)->status;
	uint64_t t0 = garch_counter(), limit = P(NIC_P_TIMEOUT);

	while (!__atomic_load_n(st, __ATOMIC_ACQUIRE)) {
		if (garch_counter() - t0 > limit)
			guest_abort(NIC_ABORT_TIMEOUT);
		garch_relax();
	}
}

static inline struct vq_avail *vq_avail(void)
{
	return (struct vq_avail *)(uintptr_t)(P(NIC_P_BASE) + NIC_VQ_AVAIL_OFF);
}

static inline struct vq_used *vq_used(void)
{
	return (struct vq_used *)(uintptr_t)(P(NIC_P_BASE) + NIC_VQ_USED_OFF);
}

/* virtio: one descriptor per packet (the table's entry i mod its size),
 * its head into the available ring; after the batch's last, publish the
 * index, kick only where the device's avail_event asks for it, and poll
 * the used index (no interrupt: see the row's "completion"). */
static void virtio_post(uint64_t i, uint8_t *buf, uint64_t len, uint32_t batch)
{
	uint16_t id = (uint16_t)(i % NIC_VQ_SIZE), head = id;
	struct vq_desc *d = (struct vq_desc *)(uintptr_t)(P(NIC_P_BASE) + NIC_VQ_DESC_OFF) + id;
	struct vq_avail *av = vq_avail();
	struct vq_used *u = vq_used();

	d->addr = (uint64_t)(uintptr_t)buf;
	d->len = (uint32_t)len;
	d->flags = 0;
	d->next = 0;
	if (i == NIC_FAULT_AT) {
		switch (P(NIC_P_FAULT)) {
		case NIC_F_LENGTH:
			d->len = (uint32_t)NIC_BUF_STRIDE + 1;
			break;
		case NIC_F_ADDRESS:
			d->addr = P(NIC_P_BASE) + NIC_REGION_SIZE - 8;
			break;
		case NIC_F_PAYLOAD:
			buf[len / 2] ^= 0x5a;
			break;
		case NIC_F_SEQUENCE:
			head = NIC_VQ_SIZE + 5;	/* a descriptor past the table */
			break;
		}
	}
	av->ring[i % NIC_VQ_SIZE] = head;
	if ((i + 1) % batch)
		return;
	uint16_t nw = (uint16_t)(i + 1), old = (uint16_t)(i + 1 - batch);
	/* Ask for a notification when the batch's last buffer is used (what
	 * an interrupt-driven driver asks; the device counts it). */
	av->used_event = (uint16_t)(nw - 1);
	__atomic_store_n(&av->idx, nw, __ATOMIC_RELEASE);
	/* The index out before avail_event is read: the device's re-enable
	 * and its second look at the index pair with this. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq_need_event(u->avail_event, nw, old))
		mmio_write32(P(NIC_P_MMIO), 0);	/* queue 0 */
	uint64_t t0 = garch_counter(), limit = P(NIC_P_TIMEOUT);
	volatile uint32_t *status = (volatile uint32_t *)(uintptr_t)(P(NIC_P_BASE) + NIC_VQ_STATUS_OFF);
	while (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != nw) {
		if (*status & VQ_S_NEEDS_RESET)
			guest_abort(NIC_ABORT_DEVICE);
		if (garch_counter() - t0 > limit)
			guest_abort(NIC_ABORT_TIMEOUT);
		garch_relax();
	}
	for (uint64_t k = i + 1 - batch; k <= i; k++) {
		const struct vq_used_elem *e = &u->ring[k % NIC_VQ_SIZE];

		if (e->id != k % NIC_VQ_SIZE || e->len != len)
			guest_abort(NIC_ABORT_USED);
	}
}

/* Packet i: its buffer, its descriptor; the doorbell after the batch's last. */
static void op_nic(uint64_t i)
{
	uint64_t slot = i % NIC_RING, len = P(NIC_P_SIZE);
	uint32_t batch = SHARED->batch ? SHARED->batch : 1;
	uint8_t *buf = (uint8_t *)(uintptr_t)(P(NIC_P_BASE) + NIC_BUF_OFF + slot * NIC_BUF_STRIDE);
	struct nic_desc *d = nic_desc(slot);

	fill(buf, i, len);
	if (P(NIC_P_MODEL) == NIC_VIRTIO) {
		virtio_post(i, buf, len, batch);
		return;
	}
	d->addr = (uint64_t)(uintptr_t)buf;
	d->len = (uint32_t)len;
	d->seq = i;
	d->status = 0;
	if (i == NIC_FAULT_AT)
		misbehave(d, buf, i);
	if ((i + 1) % batch)
		return;
	switch (P(NIC_P_MODEL)) {
	case NIC_EMULATED: {
		/* e1000's way: the tail register (an exit to the VMM, which
		 * moves the packets before the guest resumes), then the
		 * interrupt cause, read to acknowledge it (a second exit). */
		reg_write(NIC_R_TDT, (uint32_t)(i + 1));
		uint32_t icr = reg_read(NIC_R_ICR);
		if (icr & NIC_ICR_ERR)
			guest_abort(NIC_ABORT_DEVICE);
		if (!(icr & NIC_ICR_TXDW))
			guest_abort(NIC_ABORT_CAUSE);
		break;
	}
	default:
		/* direct, native: a store the hardware polls; it polls back. */
		__atomic_store_n(&nic_ctl()->tail, i + 1, __ATOMIC_RELEASE);
		wait_done(i);
		break;
	}
	check_done(i, batch);
}

GUEST_BODY(nic, .init = nic_init, .op = op_nic, .native = 1);
