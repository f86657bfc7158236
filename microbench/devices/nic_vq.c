/* The devices family's virtio model, device side: a vhost-like thread that
 * sleeps on the queue's kick (an ioeventfd: the guest's notify write
 * completes in KVM, no trip to the VMM's thread), drains the available
 * ring, checks every packet with the shared device model (nic_dev.c) and
 * publishes the used ring, re-enabling kicks through avail_event
 * (VIRTIO_F_EVENT_IDX) only once the ring is empty. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"
#include "microbench/devices/nic.h"

static struct vq_avail *avail(struct nic_dev *d)
{
	return (struct vq_avail *)(d->hva + NIC_VQ_AVAIL_OFF);
}

static struct vq_used *used(struct nic_dev *d)
{
	return (struct vq_used *)(d->hva + NIC_VQ_USED_OFF);
}

/* Give up on the driver as a virtio device does: DEVICE_NEEDS_RESET. */
static void needs_reset(struct nic_dev *d)
{
	__atomic_store_n((uint32_t *)(d->hva + NIC_VQ_STATUS_OFF), VQ_S_NEEDS_RESET,
			 __ATOMIC_RELEASE);
}

/* One buffer: the head the ring names, bounded; its descriptor read once. */
static int vq_one(struct nic_dev *d)
{
	uint16_t head = avail(d)->ring[d->last_avail % NIC_VQ_SIZE];
	const struct vq_desc *desc;

	if (head >= NIC_VQ_SIZE)
		return nic_dev_refuse(d, NULL, "packet %llu: the available ring names descriptor %u, past the table's %u",
				      (unsigned long long)d->head, head, NIC_VQ_SIZE);
	desc = (const struct vq_desc *)(d->hva + NIC_VQ_DESC_OFF) + head;
	uint64_t addr = *(volatile const uint64_t *)&desc->addr;
	uint32_t len = *(volatile const uint32_t *)&desc->len;
	uint16_t flags = *(volatile const uint16_t *)&desc->flags;
	if (flags & (VQ_DESC_F_NEXT | VQ_DESC_F_INDIRECT | VQ_DESC_F_WRITE))
		return nic_dev_refuse(d, NULL, "packet %llu: descriptor %u has flags 0x%x: chains, indirect and device-writable buffers are not part of this transmit queue",
				      (unsigned long long)d->head, head, flags);
	if (nic_dev_packet(d, addr, len, d->head) < 0)
		return -1;
	struct vq_used_elem *e = &used(d)->ring[d->used_idx % NIC_VQ_SIZE];
	e->id = head;
	e->len = len;
	d->used_idx++;
	d->last_avail++;
	d->head++;
	return 0;
}

/* Everything posted so far; then kicks back on, and a second look at the
 * index (a buffer posted while they were off would wait for ever). */
static void vq_drain(struct nic_dev *d)
{
	struct vq_avail *av = avail(d);
	struct vq_used *u = used(d);

	while (!atomic_load(&d->failed) && !d->stall) {
		uint16_t idx = __atomic_load_n(&av->idx, __ATOMIC_ACQUIRE);

		if (idx == d->last_avail) {
			u->avail_event = d->last_avail;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (__atomic_load_n(&av->idx, __ATOMIC_ACQUIRE) == d->last_avail)
				return;
			continue;
		}
		uint16_t n = (uint16_t)(idx - d->last_avail), old = d->used_idx;
		if (n > NIC_VQ_SIZE) {
			nic_dev_refuse(d, NULL, "the available index %u runs %u buffers ahead of the device's %u: more than the queue's %u",
				       idx, n, d->last_avail, NIC_VQ_SIZE);
			break;
		}
		uint64_t t0 = arch_host_cycles();
		while (d->last_avail != idx)
			if (vq_one(d) < 0)
				break;
		if (atomic_load(&d->failed))
			break;
		__atomic_store_n(&u->idx, d->used_idx, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		/* The interrupt the driver's used_event asks for: an irqfd
		 * write where there is one, else only counted. */
		if (vq_need_event(av->used_event, d->used_idx, old)) {
			d->irqs_owed++;
			if (d->irq_fd >= 0) {
				uint64_t one = 1;
				if (write(d->irq_fd, &one, sizeof(one)) != sizeof(one))
					nic_dev_refuse(d, NULL, "the interrupt's eventfd: %s", strerror(errno));
			}
		}
		nic_dev_busy(d, arch_host_cycles() - t0, n);
	}
	if (atomic_load(&d->failed))
		needs_reset(d);
}

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int vq_main(struct dev_thread *t, void *opaque)
{
	struct nic_dev *d = opaque;
	uint64_t t0 = thread_ns();
	int r = 0;

	while (!dev_thread_stopping(t)) {
		uint64_t n = 0;

		r = dev_thread_wait_fd(t, d->kick_fd, &n, -1);
		if (r < 0) {
			nic_dev_refuse(d, NULL, "the device thread's wait on the kick eventfd failed: %s", strerror(-r));
			needs_reset(d);
			break;
		}
		if (r == 0)
			continue;	/* told to stop */
		d->kicks += n;
		d->wakeups++;
		vq_drain(d);
	}
	/* The vCPUs are done: a kick the device never had to wait for (it
	 * found the buffers on its second look) is still in the count. */
	uint64_t rest;
	if (read(d->kick_fd, &rest, sizeof(rest)) == sizeof(rest))
		d->kicks += rest;
	d->cpu_ns = thread_ns() - t0;
	return r < 0 ? r : 0;
}

/* Natively there is no exit to take: the device polls the index. */
static int vq_poll_main(struct dev_thread *t, void *opaque)
{
	struct nic_dev *d = opaque;
	uint64_t t0 = thread_ns();

	while (!dev_thread_stopping(t)) {
		if (__atomic_load_n(&avail(d)->idx, __ATOMIC_ACQUIRE) != d->last_avail) {
			d->wakeups++;
			vq_drain(d);
		} else {
#if defined(__x86_64__)
			__builtin_ia32_pause();
#elif defined(__aarch64__)
			__asm__ volatile("yield");
#endif
		}
	}
	d->cpu_ns = thread_ns() - t0;
	return 0;
}

int nic_vq_start_polling(struct nic_dev *d, int cpu, char *err, size_t errlen)
{
	d->cpu = cpu;
	return dev_thread_start(&d->thr, "nic-vq-poll", cpu, vq_poll_main, d, err, errlen);
}

int nic_vq_start(struct nic_dev *d, int cpu, char *err, size_t errlen)
{
	d->cpu = cpu;
	return dev_thread_start(&d->thr, "nic-vhost", cpu, vq_main, d, err, errlen);
}

/* A notify access the ioeventfd did not take (another width, a read):
 * a user-space exit, counted, and passed on as a kick. */
int nic_vq_notify_io(struct hv_vcpu *vcpu, uint64_t addr, bool is_write, void *data,
		     uint32_t len, void *opaque)
{
	struct nic_dev *d = opaque;

	if (!is_write) {
		memset(data, 0, len > 8 ? 8 : len);
		return HV_CONTINUE;
	}
	uint64_t one = 1;
	__atomic_fetch_add(&d->user_kicks, 1, __ATOMIC_RELAXED);
	if (d->kick_fd >= 0 && write(d->kick_fd, &one, sizeof(one)) != sizeof(one)) {
		snprintf(vcpu->err, sizeof(vcpu->err), "the virtio kick's eventfd: %s", strerror(errno));
		return -EIO;
	}
	return HV_CONTINUE;
}
