/* The NIC's device model, shared by every model of the devices family: each
 * descriptor read once from the driver's memory, bounded against the ring
 * and the region, its packet copied out and checked byte by byte against
 * the pattern, its status written back. The emulated model calls it from
 * its register window (on the vCPU thread, inside the exit); direct and
 * native from a thread that polls the ring as hardware would. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"
#include "microbench/devices/nic.h"
#include "probes/topo.h"

void nic_dev_init(struct nic_dev *d, uint8_t *hva, uint64_t base, uint64_t size)
{
	d->hva = hva;
	d->base = base;
	d->size = size;
	d->head = 0;
	d->bytes = 0;
	d->icr = 0;
	d->reg_exits = 0;
	atomic_store(&d->failed, 0);
	d->why[0] = '\0';
	d->cpu = -1;
	d->cpu_ns = 0;
	d->busy_cycles = 0;
	memset(d->busy_hist, 0, sizeof(d->busy_hist));
	hist_moments_init(&d->busy_m);
	d->kick_fd = d->irq_fd = -1;
	d->expect = NULL;
	d->expect_len = d->expect_off = 0;
	d->last_avail = d->used_idx = 0;
	d->kicks = d->wakeups = d->irqs_owed = d->user_kicks = 0;
}

static struct nic_desc *desc_at(struct nic_dev *d, uint64_t seq)
{
	return (struct nic_desc *)(d->hva + NIC_DESC_OFF) + seq % NIC_RING;
}

int nic_dev_refuse(struct nic_dev *d, struct nic_desc *desc, const char *fmt, ...)
{
	va_list ap;

	if (!atomic_load(&d->failed)) {
		va_start(ap, fmt);
		vsnprintf(d->why, sizeof(d->why), fmt, ap);
		va_end(ap);
		atomic_store(&d->failed, 1);
	}
	d->icr |= NIC_ICR_ERR;
	if (desc)
		__atomic_store_n(&desc->status, NIC_ST_ERR, __ATOMIC_RELEASE);
	return -1;
}

/* The first byte of the copy that is not the pattern's, or -1. */
static int64_t pattern_mismatch(const uint8_t *p, uint64_t seq, uint32_t len)
{
	uint32_t n = len / 8;

	for (uint32_t k = 0; k <= n; k++) {
		uint64_t want = nic_pattern(seq, k), got = 0;
		uint32_t bytes = k < n ? 8 : len % 8;

		memcpy(&got, p + 8 * (uint64_t)k, bytes);
		if (bytes < 8)
			want &= (1ull << (8 * bytes)) - 1;
		if (got == want)
			continue;
		for (uint32_t b = 0; b < bytes; b++)
			if ((uint8_t)(got >> (8 * b)) != (uint8_t)(want >> (8 * b)))
				return 8 * (int64_t)k + b;
	}
	return -1;
}

int nic_dev_packet(struct nic_dev *d, uint64_t addr, uint32_t len, uint64_t seq)
{
	uint64_t off = addr - d->base;	/* wraps far out of range below base */

	if (len < 1 || len > NIC_MAX_SIZE)
		return nic_dev_refuse(d, NULL, "packet %llu: length %u outside 1..%u bytes",
				      (unsigned long long)seq, len, NIC_MAX_SIZE);
	if (addr < d->base || off < NIC_BUF_OFF || off > d->size || len > d->size - off)
		return nic_dev_refuse(d, NULL, "packet %llu: buffer 0x%llx + %u bytes outside the device region's buffers (0x%llx..0x%llx)",
				      (unsigned long long)seq, (unsigned long long)addr, len,
				      (unsigned long long)(d->base + NIC_BUF_OFF),
				      (unsigned long long)(d->base + d->size));
	memcpy(d->wire, d->hva + off, len);
	if (d->expect) {
		if (len > d->expect_len - d->expect_off)
			return nic_dev_refuse(d, NULL, "packet %llu: %u bytes at byte %llu of a %llu-byte stream: past its end",
					      (unsigned long long)seq, len, (unsigned long long)d->expect_off,
					      (unsigned long long)d->expect_len);
		for (uint32_t b = 0; b < len; b++)
			if (d->wire[b] != d->expect[d->expect_off + b])
				return nic_dev_refuse(d, NULL, "packet %llu: byte %u of %u (byte %llu of the stream) differs from the host's stream",
						      (unsigned long long)seq, b, len,
						      (unsigned long long)(d->expect_off + b));
		d->expect_off += len;
		if (d->expect_off == d->expect_len)
			d->expect_off = 0;	/* the run's last packet: the next run's stream */
		d->bytes += len;
		return 0;
	}
	int64_t bad = pattern_mismatch(d->wire, seq, len);
	if (bad >= 0)
		return nic_dev_refuse(d, NULL, "packet %llu: byte %lld of %u is not the pattern's (payload corrupted)",
				      (unsigned long long)seq, (long long)bad, len);
	d->bytes += len;
	return 0;
}

/* One descriptor: every field read once (the driver may rewrite it while
 * the device looks), every use of it bounded first. */
static int serve_one(struct nic_dev *d)
{
	struct nic_desc *desc = desc_at(d, d->head);
	uint64_t addr = *(volatile uint64_t *)&desc->addr;
	uint32_t len = *(volatile uint32_t *)&desc->len;
	uint64_t seq = *(volatile uint64_t *)&desc->seq;

	if (seq != d->head)
		return nic_dev_refuse(d, desc, "descriptor %llu (slot %llu) carries sequence %llu: out of order or rewritten",
				      (unsigned long long)d->head, (unsigned long long)(d->head % NIC_RING),
				      (unsigned long long)seq);
	if (nic_dev_packet(d, addr, len, seq) < 0) {
		__atomic_store_n(&desc->status, NIC_ST_ERR, __ATOMIC_RELEASE);
		return -1;
	}
	d->head++;
	__atomic_store_n(&desc->status, NIC_ST_DONE, __ATOMIC_RELEASE);
	return 0;
}

int nic_dev_serve(struct nic_dev *d, uint64_t tail)
{
	uint64_t n = tail - d->head;
	struct nic_ctl *ctl = (struct nic_ctl *)(d->hva + NIC_CTL_OFF);

	if (atomic_load(&d->failed)) {
		/* Sticky: a driver that goes on after a refusal is refused. */
		if (n && n <= NIC_RING)
			nic_dev_refuse(d, desc_at(d, tail - 1), "after a refusal");
		return -1;
	}
	if (d->stall)
		return 0;	/* a device that hangs: the driver must give up */
	if (n > NIC_RING)
		return nic_dev_refuse(d, NULL, "the tail %llu runs %llu descriptors ahead of the device's head %llu: more than the ring's %u",
			      (unsigned long long)tail, (unsigned long long)n,
			      (unsigned long long)d->head, NIC_RING);
	uint64_t t0 = arch_host_cycles();
	while (d->head != tail)
		if (serve_one(d) < 0)
			return -1;
	nic_dev_busy(d, arch_host_cycles() - t0, n);
	__atomic_store_n(&ctl->head, d->head, __ATOMIC_RELEASE);
	if (n)
		d->icr |= NIC_ICR_TXDW;
	return 0;
}

void nic_dev_busy(struct nic_dev *d, uint64_t cycles, uint64_t n)
{
	d->busy_cycles += cycles;
	if (n)
		hist_record(d->busy_hist, &d->busy_m, (cycles + n / 2) / n);
}

int nic_mmio_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		uint32_t len, void *opaque)
{
	struct nic_dev *d = opaque;
	uint64_t reg = addr - d->reg_base;
	uint32_t v = 0;

	d->reg_exits++;
	if (len != 4 || reg >= NIC_MMIO_LEN) {
		/* Not a register access: reads see nothing, writes do nothing. */
		if (!write)
			memset(data, 0, len > 8 ? 8 : len);
		return HV_CONTINUE;
	}
	if (write) {
		memcpy(&v, data, 4);
		if (reg == NIC_R_TDT) {
			/* The register is 32 bits: the tail nearest the head. */
			uint64_t tail = d->head + (uint32_t)(v - (uint32_t)d->head);
			nic_dev_serve(d, tail);
		}
		return HV_CONTINUE;
	}
	if (reg == NIC_R_ICR) {
		v = d->icr;
		d->icr = 0;
	}
	memcpy(data, &v, 4);
	return HV_CONTINUE;
}

/* A spin-wait hint for the polling thread (it shares the core's pipeline
 * with its SMT sibling, if any). */
static inline void relax(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	asm volatile("yield" ::: "memory");
#endif
}

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The hardware: poll the tail the driver stores, serve what it posted. */
static int hw_main(struct dev_thread *t, void *opaque)
{
	struct nic_dev *d = opaque;
	struct nic_ctl *ctl = (struct nic_ctl *)(d->hva + NIC_CTL_OFF);
	uint64_t t0 = thread_ns();

	while (!dev_thread_stopping(t)) {
		uint64_t tail = __atomic_load_n(&ctl->tail, __ATOMIC_ACQUIRE);

		if (tail != d->head)
			nic_dev_serve(d, tail);
		else
			relax();
	}
	d->cpu_ns = thread_ns() - t0;
	return 0;
}

int nic_hw_start(struct nic_dev *d, int cpu, char *err, size_t errlen)
{
	d->cpu = cpu;
	return dev_thread_start(&d->thr, "nic-hw", cpu, hw_main, d, err, errlen);
}

void nic_hw_stop(struct nic_dev *d)
{
	dev_thread_stop(&d->thr);
}

static uint64_t clock_ns(clockid_t id, bool *ok)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0) {
		*ok = false;
		return 0;
	}
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void nic_cpu_mark(struct nic_cpu *w, const struct dev_thread *thr, bool start)
{
	clockid_t dc;
	bool ok = true, dok = thr && thr->started && pthread_getcpuclockid(thr->thread, &dc) == 0;
	uint64_t drv = clock_ns(CLOCK_THREAD_CPUTIME_ID, &ok);
	uint64_t dev = dok ? clock_ns(dc, &dok) : 0;
	uint64_t wall = clock_ns(CLOCK_MONOTONIC, &ok);

	if (!ok)
		w->bad = true;
	if (start) {
		if (w->open)
			return;
		w->drv0 = drv;
		w->dev0 = dev;
		w->wall0 = wall;
		w->dev_ok = w->spans == 0 ? dok : w->dev_ok && dok;
		w->open = true;
		return;
	}
	if (!w->open)
		return;
	w->open = false;
	w->spans++;
	w->drv_ns += drv - w->drv0;
	w->wall_ns += wall - w->wall0;
	if (w->dev_ok && dok)
		w->dev_ns += dev - w->dev0;
	else
		w->dev_ok = false;
}

int nic_place(const cpu_set_t *allowed, int cpu)
{
	return topo_other_cpu(allowed, cpu);
}
