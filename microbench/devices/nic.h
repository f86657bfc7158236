/* The devices family, host side: the NIC's device model (the checks every
 * descriptor passes, the copy, the payload check, the completion), the
 * thread that stands in for its hardware, the emulated model's registers
 * and the native twin. */
#ifndef MICROBENCH_DEVICES_NIC_H
#define MICROBENCH_DEVICES_NIC_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv-core/dev/dev.h"
#include "probes/histogram.h"
#include "microbench/devices/nic_abi.h"
#include "microbench/mb.h"

struct hv_vcpu;
struct stats_summary;

/* One device: its region as the host sees it (hva) and as the driver
 * addresses it (base), what it has done, and why it refused, if it did. */
struct nic_dev {
	uint8_t *hva;
	uint64_t base, size;
	uint64_t head;			/* descriptors done: the next one's sequence */
	uint64_t bytes;
	uint64_t busy_cycles;		/* host cycles spent serving descriptors */
	/* The same per packet, one sample per time the device served (its
	 * cycles over the packets it served then): a median, apart from the
	 * tails a preempted device thread adds to the sum. */
	uint32_t busy_hist[HIST_BUCKETS];
	struct hist_moments busy_m;
	uint32_t icr;			/* emulated: cause bits not read yet */
	uint64_t reg_base;		/* emulated: where its registers start (gpa or port) */
	uint64_t reg_exits;		/* emulated: register accesses served (user-space exits) */
	_Atomic int failed;
	bool stall;			/* fault "stall": serve nothing, complete nothing */
	char why[256];
	/* The hardware thread (direct, native): where it runs, its CPU time. */
	struct dev_thread thr;
	int cpu;
	uint64_t cpu_ns;
	/* virtio: the kick's eventfd (the VM owns it), the interrupt's
	 * (-1: none), the device's indexes and what it counted. */
	int kick_fd, irq_fd;
	uint16_t last_avail, used_idx;
	uint64_t kicks, wakeups, irqs_owed, user_kicks;
	/* The payload a packet must carry: NULL, the pattern of its
	 * sequence (nic_pattern); else the next bytes of this stream
	 * (expect_len bytes, what one run sends: at its end it starts again
	 * from its first byte), which the macrobench's I/O mix sends. */
	const uint8_t *expect;
	uint64_t expect_len, expect_off;
	uint8_t wire[NIC_BUF_STRIDE];	/* where a packet lands: the "wire" */
};

void nic_dev_init(struct nic_dev *d, uint8_t *hva, uint64_t base, uint64_t size);
/* Serve every descriptor from d->head up to tail (free-running): read each
 * once, bound it, copy and check its payload, complete it. 0, or -1 when
 * the device refused one (d->why says why; it refuses everything after). */
int nic_dev_serve(struct nic_dev *d, uint64_t tail);
/* The device's checks of one packet, whatever ring it came from: address
 * and length inside the region's buffers, then the copy to the wire and
 * every byte of it against packet seq's pattern. 0, or -1 refused. */
int nic_dev_packet(struct nic_dev *d, uint64_t addr, uint32_t len, uint64_t seq);
/* Refuse: the first reason is kept (the device refuses everything after),
 * desc's status (may be NULL) says so. Returns -1. */
int nic_dev_refuse(struct nic_dev *d, struct nic_desc *desc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The emulated model's registers (hv_io_fn, MMIO or ports from
 * d->reg_base), opaque a struct nic_dev. */
int nic_mmio_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		uint32_t len, void *opaque);
/* The hardware thread: polls the ring's tail, on CPU cpu (-1: anywhere). */
int nic_hw_start(struct nic_dev *d, int cpu, char *err, size_t errlen);
void nic_hw_stop(struct nic_dev *d);

/* virtio (nic_vq.c): the device thread, woken by the kick's eventfd, which
 * drains the available ring as vhost does; and the notify address's
 * user-space side, for the accesses the ioeventfd does not match. */
int nic_vq_start(struct nic_dev *d, int cpu, char *err, size_t errlen);
/* The same device on a thread that polls the available index instead of
 * sleeping on a kick: bare metal's device engine, for a native twin. */
int nic_vq_start_polling(struct nic_dev *d, int cpu, char *err, size_t errlen);
int nic_vq_notify_io(struct hv_vcpu *vcpu, uint64_t addr, bool is_write, void *data,
		     uint32_t len, void *opaque);

/* CPU time over the measured window, its pauses left out, read on the
 * driver's thread (the vCPU's, or the native twin's host thread) at each
 * edge: that thread's own and the device thread's (pthread_getcpuclockid),
 * and the wall clock, summed over the window's spans. */
struct nic_cpu {
	uint64_t drv_ns, dev_ns, wall_ns;
	uint64_t drv0, dev0, wall0;
	uint32_t spans;
	bool open;
	bool dev_ok;		/* a device thread was read at every edge */
	bool bad;		/* a clock could not be read */
};
/* An edge: start (window begin, pause end) or stop (pause begin, window
 * end); thr is the device thread, NULL or not started when there is none. */
void nic_cpu_mark(struct nic_cpu *w, const struct dev_thread *thr, bool start);

/* What a run keeps between its hooks. */
struct nic_state {
	int model;
	uint32_t size, batch;
	int fault;
	int regs;			/* emulated: enum nic_regs */
	struct mb_params orig;		/* the suite's limits, before setup tightened them */
	cpu_set_t allowed;
	bool placed;
	uint64_t tsc_khz;
	struct nic_dev *dev;
	struct nic_cpu cpu;		/* the VM's window */
};

/* What the native twin measured: the per-sample summary, the device's
 * counts (packets, bytes, CPU time), the window's CPU split and the
 * packets timed in it. */
struct nic_twin {
	struct stats_summary *sum;
	struct nic_dev *dev;
	struct nic_cpu cpu;
	uint64_t packets;
};

/* The native twin: the driver on this thread, the hardware on another CPU,
 * the ring in host memory, the same size and batch as st. 0 or -errno
 * with err filled (a refusal by the device gives its reason). */
int nic_native_run(const struct mb_setup_ctx *c, const struct nic_state *st,
		   struct nic_twin *out, char *err, size_t errlen);

/* One time the device served n packets in cycles: into the sum and the
 * per-packet histogram. */
void nic_dev_busy(struct nic_dev *d, uint64_t cycles, uint64_t n);

/* The CPU for a hardware thread: another than cpu in allowed, or -1. */
int nic_place(const cpu_set_t *allowed, int cpu);

#endif
