/* iomix workload: compress and send. The corpus lz4-compressed block by
 * block (macro_lz4's stream, the same library and levels), each block's
 * length word and bytes sent as they come out through the devices
 * family's virtio transmit queue (microbench/devices: a split virtqueue
 * with VIRTIO_F_EVENT_IDX) in packets of at most the page's MTU: a
 * packet's bytes copied into a buffer of the queue's, a descriptor, its
 * head in the available ring; every `burst` packets (and at the end of the
 * run) the index published, the queue's notify address written where the
 * device's avail_event asks for it, and the used ring polled until the
 * device took them all. The device checks every byte it receives against
 * the host's own liblz4 stream, in order; the run checks the stream's
 * length and CRC-32 as macro_lz4 does. Natively the notify address is 0:
 * the device polls there. One vCPU. Arch-neutral and .native; no writable
 * globals (the arm64 image is read-only). */
#include <stddef.h>
#include <stdint.h>
#include "macrobench/compute/guest/mc_blocks.h"
#include "microbench/devices/nic_abi.h"
/* The copy's symbols are renamed (Makefile lib_rename): mc_LZ4_*. */
#define LZ4_compressBound mc_LZ4_compressBound
#define LZ4_compress_fast_extState mc_LZ4_compress_fast_extState
#define LZ4_compress_HC_extStateHC mc_LZ4_compress_HC_extStateHC
#define LZ4_sizeofState mc_LZ4_sizeofState
#define LZ4_sizeofStateHC mc_LZ4_sizeofStateHC
#include "lz4.h"
#include "lz4hc.h"

void *mc_memcpy(void *d, const void *s, size_t n);	/* guest/mc_mem.c */

/* One run's view of the queue, read from the page once. */
struct io_tx {
	uint8_t *vq;			/* the NIC region: ring, buffers */
	uint64_t notify, timeout, mtu;
	uint32_t burst, pending;
	volatile uint64_t *heartbeat;
};

static int iomix_init(void)
{
	uint64_t n = MC(MC_P_N), cap = MC(MC_P_AUX), arena = MC(MC_P_REF3), vq = MC(MC_P_IO_VQ);
	uint64_t state = MC(MC_P_SEED) < MC_LZ4_LEVEL_HC ? (uint64_t)LZ4_sizeofState() : (uint64_t)LZ4_sizeofStateHC();
	int r = mc_blocks_init(MC_LZ4_LEVEL_MAX, MC_ZLIB_ARENA);

	if (r)
		return r;
	if (SHARED->nr_vcpus != 1 || state > arena || MC(MC_P_AUX2) != MC_ZLIB_COMPRESS ||
	    MC(MC_P_IO_MTU) < NIC_MIN_SIZE || MC(MC_P_IO_MTU) > NIC_MAX_SIZE || MC(MC_P_IO_BURST) < 1 ||
	    MC(MC_P_IO_BURST) > NIC_VQ_SIZE || !MC(MC_P_IO_TIMEOUT) ||
	    vq != MC(MC_P_BASE) + mc_iomix_vq_off(n, cap, arena) ||
	    mc_iomix_vq_off(n, cap, arena) + NIC_REGION_SIZE > MC(MC_P_SIZE))
		return MC_ABORT_PARAM;
	return 0;
}

static inline struct vq_avail *tx_avail(const struct io_tx *t)
{
	return (struct vq_avail *)(t->vq + NIC_VQ_AVAIL_OFF);
}

static inline struct vq_used *tx_used(const struct io_tx *t)
{
	return (struct vq_used *)(t->vq + NIC_VQ_USED_OFF);
}

/* The packets posted since the last publish: the index out, the kick the
 * device asks for, and the wait until it used them all. */
static __attribute__((noinline, noclone)) void tx_flush(struct io_tx *t)
{
	struct nic_ctl *ctl = (struct nic_ctl *)(t->vq + NIC_CTL_OFF);
	struct vq_avail *av = tx_avail(t);
	struct vq_used *u = tx_used(t);
	uint64_t posted = ctl->tail;
	uint16_t nw = (uint16_t)posted, old = (uint16_t)(posted - t->pending);

	if (!t->pending)
		return;
	av->used_event = (uint16_t)(nw - 1);
	__atomic_store_n(&av->idx, nw, __ATOMIC_RELEASE);
	/* The index out before avail_event is read: the device's re-enable
	 * and its second look at the index pair with this. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (t->notify && vq_need_event(u->avail_event, nw, old))
		*(volatile uint32_t *)(uintptr_t)t->notify = 0;	/* queue 0 */
	uint64_t t0 = garch_counter();
	volatile uint32_t *status = (volatile uint32_t *)(t->vq + NIC_VQ_STATUS_OFF);
	while (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != nw) {
		if (*status & VQ_S_NEEDS_RESET)
			guest_abort(MC_ABORT_DEVICE);
		if (garch_counter() - t0 > t->timeout)
			guest_abort(MC_ABORT_TIMEOUT);
		garch_relax();
	}
	for (uint64_t k = posted - t->pending; k < posted; k++)
		if (u->ring[k % NIC_VQ_SIZE].id != k % NIC_VQ_SIZE)
			guest_abort(MC_ABORT_USED);
	t->pending = 0;
	(*t->heartbeat)++;
}

/* len bytes at p into packets of at most the MTU, posted in order. */
static __attribute__((noinline, noclone)) void tx_send(struct io_tx *t, const uint8_t *p, uint64_t len)
{
	struct nic_ctl *ctl = (struct nic_ctl *)(t->vq + NIC_CTL_OFF);
	struct vq_avail *av = tx_avail(t);

	while (len) {
		uint64_t i = ctl->tail, k = len < t->mtu ? len : t->mtu;
		uint16_t id = (uint16_t)(i % NIC_VQ_SIZE);
		uint8_t *buf = t->vq + NIC_BUF_OFF + (uint64_t)id * NIC_BUF_STRIDE;
		struct vq_desc *d = (struct vq_desc *)(t->vq + NIC_VQ_DESC_OFF) + id;

		mc_memcpy(buf, p, k);
		d->addr = (uint64_t)(uintptr_t)buf;
		d->len = (uint32_t)k;
		d->flags = 0;
		d->next = 0;
		av->ring[i % NIC_VQ_SIZE] = id;
		ctl->tail = i + 1;
		p += k, len -= k;
		if (++t->pending == t->burst)
			tx_flush(t);
	}
}

/* One run: every block compressed into the room, then sent; the stream
 * checked against the host's length and CRC-32 where it may be. */
static __attribute__((noinline, noclone)) void op_iomix(uint64_t it)
{
	struct hv_shared *s = SHARED;	/* the page once (natively a thread-local) */
	uint64_t n = s->param[MC_P_N], cap = s->param[MC_P_AUX], len = s->param[MC_P_REF0];
	uint64_t want = s->param[MC_P_REF1], check = s->param[MC_P_REF2] & 1;
	uint8_t *base = (uint8_t *)s->param[MC_P_BASE], *comp = base + MC_ZLIB_OFF_COMP(n), *o = comp;
	uint8_t *arena = base + MC_ZLIB_OFF_ARENA(n, cap), *end = comp + cap;
	int level = (int)s->param[MC_P_SEED];
	struct io_tx t = {
		.vq = (uint8_t *)s->param[MC_P_IO_VQ], .notify = s->param[MC_P_IO_NOTIFY],
		.timeout = s->param[MC_P_IO_TIMEOUT], .mtu = s->param[MC_P_IO_MTU],
		.burst = (uint32_t)s->param[MC_P_IO_BURST], .heartbeat = &s->heartbeat,
	};

	for (uint64_t off = 0; off < n; off += MC_LZ4_BLOCK) {
		int k = (int)mc_block_len(n, off), bound = LZ4_compressBound(k), c;

		if (end - o < 4 + bound)
			guest_abort(MC_ABORT_LOST);	/* the room was too small */
		if (level < MC_LZ4_LEVEL_HC)
			c = LZ4_compress_fast_extState(arena, (const char *)base + off, (char *)o + 4, k, bound, 1);
		else
			c = LZ4_compress_HC_extStateHC(arena, (const char *)base + off, (char *)o + 4, k, bound, level);
		if (c <= 0)
			guest_abort(MC_ABORT_LOST);
		for (int b = 0; b < 4; b++)
			o[b] = (uint8_t)((uint32_t)c >> (8 * b));
		tx_send(&t, o, 4 + (uint64_t)c);
		o += 4 + c;
		(*t.heartbeat)++;
	}
	tx_flush(&t);
	if (check && ((uint64_t)(o - comp) != len || crc32(0, comp, (uInt)(o - comp)) != want))
		guest_abort(MC_ABORT_WRONG);
	(void)it;
}

GUEST_BODY(mc_iomix, .init = iomix_init, .op = op_iomix, .native = 1);
