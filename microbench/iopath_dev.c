/* io-path device model (inline, device thread via futex, ioeventfd worker)
 * and the probe ring the exit path fills with stamps. */
#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hv-core/arch.h"
#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"
#include "microbench/iopath.h"

static void futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Simulated device-model work: spin on the host TSC. */
static void busy(uint64_t cycles)
{
	uint64_t t0 = arch_host_cycles();

	while (cycles && arch_host_cycles() - t0 < cycles)
		asm volatile("" ::: "memory");
}

/* The device itself: an absent device (reads all ones, writes dropped) that
 * takes `work` cycles to say so. */
static void answer(const struct iop_state *s, bool write, void *data,
		   uint32_t len)
{
	busy(s->work);
	if (!write)
		memset(data, 0xff, len);
}

/* Close the previous access and open a slot for this one (NULL: leave this
 * one unprobed). Outside the measured window the stamps go to a dummy slot,
 * so warm-up runs the same code. */
static struct iop_probe_slot *probe_exit(struct iop_state *s,
					struct hv_vcpu *vcpu, bool skip)
{
	struct hv_shared *sh = s->vm->shared;
	struct iop_probe_slot *slot;

	if (s->prev_open) {
		s->ring[s->n_ring - 1].guest_after = IOP_SLOT(sh)->guest_after;
		s->prev_open = false;
	}
	if (skip)
		return NULL;
	if (!hv_vcpu_in_window(vcpu))
		return &s->dummy;
	if (s->n_ring == IOP_RING)
		iop_ring_flush(s);	/* one slow access in IOP_RING */
	slot = &s->ring[s->n_ring++];
	slot->guest_before = IOP_SLOT(sh)->guest_before;
	slot->host_ret = hv_vcpu_exit_cycles(vcpu);
	s->prev_open = true;
	return slot;
}

static void handoff(struct iop_state *s, bool write, void *data, uint32_t len,
		    bool stamp)
{
	uint32_t seq = ++s->seq;

	s->req.stamp = stamp;
	s->req.write = write;
	s->req.len = len;
	memcpy(s->req.data, data, len);
	atomic_store_explicit(&s->req_seq, seq, memory_order_release);
	futex_wake(&s->req_seq);
	while (atomic_load_explicit(&s->resp_seq, memory_order_acquire) != seq)
		futex_wait(&s->resp_seq, seq - 1);
	if (!write)
		memcpy(data, s->req.data, len);
}

int iop_dev_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
	       uint32_t len, void *opaque)
{
	struct iop_state *s = opaque;
	struct iop_probe_slot *slot = NULL;
	uint64_t t0 = 0, t1 = 0, k = s->window_calls;

	s->calls++;
	s->window_calls += hv_vcpu_in_window(vcpu);
	if (s->model == IOP_KERNEL) {
		/* The ioeventfd should have completed it in KVM. */
		if (!write)
			memset(data, 0xff, len);
		return HV_CONTINUE;
	}
	/* Every IOP_UNPROBED-th measured access goes unstamped: comparing its
	 * round trip with the others' measures what the probes cost. */
	if (s->probes)
		slot = probe_exit(s, vcpu, hv_vcpu_in_window(vcpu) && iop_unprobed(k));
	if (s->model == IOP_THREAD) {
		handoff(s, write, data, len, slot != NULL);
		t0 = s->req.dm_start;
		t1 = s->req.dm_end;
	} else {
		if (slot)
			t0 = arch_host_cycles();
		answer(s, write, data, len);
		if (slot)
			t1 = arch_host_cycles();
	}
	if (slot) {
		slot->dm_start = t0;
		slot->dm_end = t1;
		hv_vcpu_stamp_next_entry(vcpu, &slot->host_enter);
	}
	return HV_CONTINUE;
}

static int device_thread(struct dev_thread *t, void *arg)
{
	struct iop_state *s = arg;
	uint32_t last = 0, seq;

	for (;;) {
		while ((seq = atomic_load_explicit(&s->req_seq,
						   memory_order_acquire)) == last &&
		       !dev_thread_stopping(t))
			futex_wait(&s->req_seq, last);
		if (dev_thread_stopping(t))
			break;
		if (s->req.stamp)
			s->req.dm_start = arch_host_cycles();
		answer(s, s->req.write, s->req.data, s->req.len);
		if (s->req.stamp)
			s->req.dm_end = arch_host_cycles();
		s->handoffs++;
		last = seq;
		atomic_store_explicit(&s->resp_seq, seq, memory_order_release);
		futex_wake(&s->resp_seq);
	}
	return 0;
}

/* The device thread sleeps on the request futex: a stop must wake it. */
static void wake_device(struct dev_thread *t, void *arg)
{
	struct iop_state *s = arg;

	atomic_fetch_add(&s->req_seq, 1);
	futex_wake(&s->req_seq);
}

/* Kernel placement: KVM completed the OUT and signalled the eventfd; the
 * device's work happens here, while the guest has already moved on. */
static int kernel_worker(struct dev_thread *t, void *arg)
{
	struct iop_state *s = arg;
	uint64_t n;

	while (!dev_thread_stopping(t)) {
		if (dev_thread_wait_fd(t, s->evfd, &n, -1) != 1)
			continue;
		s->kicks += n;
		busy(n * s->work);
	}
	return 0;
}

/* On the vCPU thread, from the guest's probe call: before anything is timed. */
int iop_dev_start(struct iop_state *s, char *err, size_t errlen)
{
	int r = 0;

	if (s->model == IOP_THREAD) {
		r = dev_thread_start(&s->dev, "iop-device", s->dev_cpu,
				     device_thread, s, err, errlen);
		s->dev.wake = wake_device;
	} else if (s->model == IOP_KERNEL && s->work) {
		r = dev_thread_start(&s->dev, "iop-worker", s->dev_cpu,
				     kernel_worker, s, err, errlen);
	}
	return r;
}

void iop_dev_stop(struct iop_state *s)
{
	dev_thread_stop(&s->dev);
}

static int64_t wrap_diff(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b);
}

static uint64_t clamp0(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

void iop_ring_flush(struct iop_state *s)
{
	int64_t off = s->test_offset;
	uint32_t n = s->n_ring;
	struct iop_clock *c = &s->clk;

	/* The last slot is complete only once the guest has run past it. */
	if (s->prev_open) {
		s->ring[n - 1].guest_after = IOP_SLOT(s->vm->shared)->guest_after;
		s->prev_open = false;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct iop_probe_slot *p = &s->ring[i];
		/* The guest's stamps are any 64-bit values it likes: differences
		 * are taken modulo 2^64 (no signed overflow) and a nonsense one
		 * shows up as a bracket violation, never as undefined behaviour. */
		uint64_t ret = p->host_ret + (uint64_t)off;
		uint64_t enter = p->host_enter + (uint64_t)off;
		int64_t exit_ = wrap_diff(ret, p->guest_before);
		int64_t entry = wrap_diff(p->guest_after, enter);
		int64_t dm = wrap_diff(p->dm_end, p->dm_start);
		int64_t disp = (int64_t)((p->dm_start + (uint64_t)off - ret) +
					 (enter - (p->dm_end + (uint64_t)off)));

		if (exit_ < c->min_exit)
			c->min_exit = exit_;
		if (entry < c->min_entry)
			c->min_entry = entry;
		c->violations += exit_ <= 0 || entry <= 0;
		c->accesses++;
		hist_record(s->hist[IOP_SEG_EXIT], &s->m[IOP_SEG_EXIT], clamp0(exit_));
		hist_record(s->hist[IOP_SEG_DISPATCH], &s->m[IOP_SEG_DISPATCH], clamp0(disp));
		hist_record(s->hist[IOP_SEG_DM], &s->m[IOP_SEG_DM], clamp0(dm));
		hist_record(s->hist[IOP_SEG_ENTRY], &s->m[IOP_SEG_ENTRY], clamp0(entry));
	}
	s->n_ring = 0;
}
