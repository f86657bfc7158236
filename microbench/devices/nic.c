/* The devices family (issue 14): one NIC-like transmit device, driven by
 * one driver source, under each model of device virtualization — emulated
 * registers (exits to the VMM), a virtio split virtqueue kicked through an
 * ioeventfd to a vhost-like thread, a host thread standing in for a VF's
 * hardware (direct: no exit), and the same driver on a host thread (native:
 * bare metal). Cycles per packet, packets and bytes per second, exits per
 * packet, the device thread's CPU time. */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/hv.h"
#include "microbench/devices/nic.h"
#include "microbench/mb.h"
#include "probes/record.h"
#include "probes/stats.h"
#include "probes/topo.h"

enum nic_ext { NIC_X_MODEL, NIC_X_SIZE, NIC_X_FAULT, NIC_X_REGS };

/* In enum nic_model's order. */
static const char *const nic_models[] = { "emulated", "native", "direct", "virtio", NULL };
static const char *const nic_regs[] = { "mmio", "pio", NULL };
static const char *const nic_faults[] = { "none", "length", "address", "payload", "sequence", "stall", NULL };

static const struct mb_param_def nic_params[] = {
	{ "model", MB_PT_CHOICE, "emulated: registers behind MMIO, the VMM's device model moves the packet in the exit (2 exits per doorbell); native: the driver on a host thread, the bare-metal reference; direct: the SR-IOV/VF model, a host thread polls the ring in guest memory (no exit); virtio: a split virtqueue with event-index suppression, kicked through an ioeventfd (no user-space exit) to a vhost-like device thread", 0, 0, nic_models, 0 },
	{ "size", MB_PT_INT, "packet bytes", NIC_MIN_SIZE, NIC_MAX_SIZE, NULL, 64 },
	{ "fault", MB_PT_CHOICE, "a hostile driver: packet 3 goes out with a bad length, an address outside the device region, a corrupted byte or out of order (virtio: naming a descriptor past the table); the device must refuse it (a failed record with its reason). stall: the device stops serving, and the driver must give up within 1 s (a failed record, not a hang)", 0, 0, nic_faults, 0 },
	{ "regs", MB_PT_CHOICE, "emulated: where the device's registers are: an MMIO window (e1000's BAR0; KVM decodes the instruction) or x86 ports (port I/O exits carry the access decoded); 2 exits per doorbell either way. Other models ignore it", 0, 0, nic_regs, 0 },
	{ NULL },
};

static const char *const nic_aborts[] = {
	"the page asked for a model, size, batch or region out of range",
	"the device refused a descriptor",
	"the device completed no descriptor within 1 s",
	"the cause register said the device had done nothing",
	"the used ring gave back another buffer or length than the driver posted",
	NULL,
};

/* KVM's counts of the exits the models cause, reported at 0 too. */
static const char *const nic_stats[] = { "mmio_exits", "io_exits", "irq_exits", NULL };

#define NIC_REGION_GPA 0xc0000000ull	/* below the device window, above RAM */

static int nic_setup(struct mb_setup_ctx *c)
{
	struct mb_params *p = c->params;
	struct hv_shared *sh = c->vm->shared;
	struct hv_mem_region *r;
	struct nic_state *st;
	int e;

	if (p->ext[NIC_X_REGS] == NIC_REGS_PIO && p->ext[NIC_X_MODEL] == NIC_EMULATED &&
	    mb_host_arch() != MB_ARCH_X86) {
		snprintf(c->err, c->errlen, "regs pio: port I/O is x86's; this arch's registers are MMIO");
		return -ENOTSUP;
	}
	if (hv_vm_ram_low(c->vm) > NIC_REGION_GPA) {
		snprintf(c->err, c->errlen, "the NIC's region sits at 3 GiB: mem_mb above 3072 leaves it no room");
		return -ENOTSUP;
	}
	st = calloc(1, sizeof(*st));
	if (st)
		st->dev = calloc(1, sizeof(*st->dev));
	if (!st || !st->dev) {
		free(st);
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	c->priv = st;
	st->model = (int)p->ext[NIC_X_MODEL];
	st->size = (uint32_t)p->ext[NIC_X_SIZE];
	st->fault = (int)p->ext[NIC_X_FAULT];
	st->batch = p->batch ? p->batch : 1;
	st->regs = st->model == NIC_EMULATED ? (int)p->ext[NIC_X_REGS] : NIC_REGS_MMIO;
	st->orig = *p;
	st->tsc_khz = sh->tsc_khz;
	if (sched_getaffinity(0, sizeof(st->allowed), &st->allowed) < 0) {
		snprintf(c->err, c->errlen, "sched_getaffinity: %s", strerror(errno));
		return -errno;
	}
	if ((st->model == NIC_DIRECT || st->model == NIC_NATIVE) && CPU_COUNT(&st->allowed) < 2) {
		snprintf(c->err, c->errlen, "model %s polls from a hardware thread beside the driver: it needs a second CPU, and this process may run on one",
			 nic_models[st->model]);
		return -ENOTSUP;
	}
	e = hv_vm_add_memory(c->vm, "nic", NIC_REGION_GPA, NIC_REGION_SIZE, HV_BACK_ANON, 0,
			     &r, c->err, c->errlen);
	if (e < 0)
		return e;
	nic_dev_init(st->dev, r->hva, NIC_REGION_GPA, NIC_REGION_SIZE);
	st->dev->stall = st->fault == NIC_F_STALL;
	if (st->model == NIC_EMULATED && st->regs == NIC_REGS_PIO) {
		st->dev->reg_base = NIC_PIO_BASE;
		e = hv_vm_add_pio(c->vm, NIC_PIO_BASE, NIC_PIO_LEN, nic_mmio_io, st->dev,
				  c->err, c->errlen);
		if (e < 0)
			return e;
	} else if (st->model == NIC_EMULATED) {
		st->dev->reg_base = NIC_MMIO_GPA;
		e = hv_vm_add_mmio(c->vm, NIC_MMIO_GPA, NIC_MMIO_LEN, nic_mmio_io, st->dev,
				   c->err, c->errlen);
		if (e < 0)
			return e;
	}
	if (st->model == NIC_VIRTIO) {
		/* The kick: a 4-byte write KVM completes by signalling the
		 * eventfd; any other access reaches the VMM and is counted. */
		e = hv_vm_ioeventfd(c->vm, NIC_VQ_NOTIFY_GPA, 4, false, c->err, c->errlen);
		if (e < 0)
			return e;
		st->dev->kick_fd = e;
		e = hv_vm_add_mmio(c->vm, NIC_VQ_NOTIFY_GPA, 4, nic_vq_notify_io, st->dev,
				   c->err, c->errlen);
		if (e < 0)
			return e;
	}
	/* native: the VM runs the direct model's driver, the yardstick the
	 * twin (finish) is held against; the record's headline is the twin's. */
	sh->param[NIC_P_MODEL] = st->model == NIC_NATIVE ? NIC_DIRECT : (uint64_t)st->model;
	sh->param[NIC_P_BASE] = NIC_REGION_GPA;
	sh->param[NIC_P_SIZE] = st->size;
	sh->param[NIC_P_MMIO] = st->model == NIC_VIRTIO ? NIC_VQ_NOTIFY_GPA :
				st->regs == NIC_REGS_PIO ? NIC_PIO_BASE : NIC_MMIO_GPA;
	sh->param[NIC_P_REGS] = (uint64_t)st->regs;
	sh->param[NIC_P_FAULT] = (uint64_t)st->fault;
	sh->param[NIC_P_TIMEOUT] = st->tsc_khz * 1000;	/* 1 s */
	return 0;
}

/* The driver is up on its vCPU: pin that thread where it runs and put the
 * hardware thread on another CPU (direct). */
static int nic_probe(struct mb_setup_ctx *c, struct hv_vcpu *vcpu)
{
	struct nic_state *st = c->priv;
	int cpu = sched_getcpu(), r;

	if (!st || st->placed) {
		snprintf(vcpu->err, sizeof(vcpu->err), "vcpu %u: unexpected probe call from the NIC driver", vcpu->id);
		return -EPROTO;
	}
	st->placed = true;
	if (st->model == NIC_EMULATED)
		return HV_CONTINUE;
	if (cpu < 0 || !CPU_ISSET(cpu, &st->allowed))
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &st->allowed); cpu++)
			;
	r = topo_pin_thread(pthread_self(), cpu, vcpu->err, sizeof(vcpu->err));
	/* virtio's device thread sleeps until kicked: another CPU if there
	 * is one, else beside the vCPU. */
	if (r == 0 && st->model == NIC_VIRTIO)
		r = nic_vq_start(st->dev, nic_place(&st->allowed, cpu), vcpu->err, sizeof(vcpu->err));
	else if (r == 0)
		r = nic_hw_start(st->dev, nic_place(&st->allowed, cpu), vcpu->err, sizeof(vcpu->err));
	return r < 0 ? r : HV_CONTINUE;
}

static double metric_value(const struct rec *rec, const char *name, double def)
{
	const struct rec_metric *m = rec_metric_find(rec, name);

	return m ? m->value : def;
}

/* User-space exits per packet the design gives each model: the emulated
 * model's two per doorbell (tail, cause); none for the others (virtio's
 * kick ends in KVM, direct has no register). */
static double want_exits(const struct nic_state *st)
{
	return st->model == NIC_EMULATED ? 2.0 / st->batch : 0.0;
}

/*
 * The exits that reach the VMM, counted where they land: the emulated
 * model's register handler and virtio's notify handler count every access
 * they serve (any backend; KVM's io_exits, for one, does not count port
 * I/O on PVM). direct has no handler: KVM's mmio_exits and io_exits say
 * whether anything reached user space. KVM's exits must be at least as
 * many as the device served.
 */
static void exits_check(struct rec *rec, const struct nic_state *st)
{
	const struct nic_dev *d = st->dev;
	double caused = metric_value(rec, "exits_per_op/exits_caused", -1);
	double want = want_exits(st), got;
	const char *stat;

	if (caused >= 0)
		rec_metric_value(rec, "exits_per_packet/kvm", "per packet",
				 "exits less host interrupts per packet, every vCPU (KVM's counters)", caused);
	if (!d->head)
		return;
	if (st->model == NIC_EMULATED) {
		stat = "device_register_exits";
		got = (double)d->reg_exits / (double)d->head;
	} else if (st->model == NIC_VIRTIO) {
		stat = "device_notify_exits";
		got = (double)d->user_kicks / (double)d->head;
	} else {
		stat = "mmio_exits+io_exits";
		got = metric_value(rec, "exits_per_op/mmio_exits", 0) +
		      metric_value(rec, "exits_per_op/io_exits", 0);
	}
	rec_metric_value(rec, "exits_per_packet/vmm", "per packet",
			 "exits that reached the VMM's device model per packet (its own count, warm-up included; direct: KVM's mmio_exits + io_exits)", got);
	double low = want - 0.01, high = want * 1.05 + 0.01;
	rec_set(rec, "model_exit_check", json_pack("{s:s, s:f, s:f, s:f, s:f}", "stat", stat,
						   "expected", want, "measured", got, "low", low, "high", high));
	char why[300];
	if (got < low || got > high) {
		snprintf(why, sizeof(why), "%s per packet is %.3f, the %s model's design says %.3f (2 per doorbell for emulated, none for direct and virtio)",
			 stat, got, nic_models[st->model], want);
		rec_flag(rec, "suspect", why);
	} else if (caused >= 0 && caused < got - 0.01) {
		snprintf(why, sizeof(why), "KVM counted %.3f exits per packet, fewer than the %.3f the device model served",
			 caused, got);
		rec_flag(rec, "suspect", why);
	}
}

static void throughput(struct rec *rec, const struct nic_state *st, double cyc_p50, double hz)
{
	if (cyc_p50 <= 0 || hz <= 0)
		return;
	rec_metric_value(rec, "packets_per_s", "packets/s",
			 "one driver's transmit rate at the median cost per packet", hz / cyc_p50);
	rec_metric_value(rec, "bytes_per_s", "bytes/s",
			 "payload bytes per second at the median cost per packet", hz / cyc_p50 * st->size);
}

static void device_cpu(struct rec *rec, const struct nic_dev *d, const char *unit)
{
	if (!d->head)
		return;
	rec_metric_value(rec, "packets_verified", "packets",
			 "packets the device copied and found intact, in order (warm-up included)", (double)d->head);
	struct stats_summary busy;
	if (stats_from_histogram(d->busy_hist, &d->busy_m, &busy) == 0)
		rec_metric_stats(rec, "device/busy", unit,
				 "host cycles the device model spent per packet (bounds, copy, payload check, completion), on the thread that serves them: one sample per time it served, warm-up included",
				 &busy, 1);
	if (d->cpu_ns)
		rec_metric_value(rec, "host_cpu/device_thread_life", "ns per packet",
				 "the device thread's CPU time (CLOCK_THREAD_CPUTIME_ID) over its whole life (warm-up, calibration and idle polling included) per packet it served",
				 (double)d->cpu_ns / (double)d->head);
}

static const char *completion(const struct nic_state *st)
{
	switch (st->model) {
	case NIC_EMULATED:
		return "cause register read after the doorbell (the device model completes inside the doorbell's exit; no interrupt: the VM has no in-kernel irqchip)";
	case NIC_VIRTIO:
		return "polling the used index (no in-kernel irqchip, so no irqfd: the interrupts the driver's used_event asked for are counted, not sent)";
	default:
		return "polling";
	}
}

/* virtio's own counts: kicks the device took (the ioeventfd's count),
 * how often it woke, the interrupts it owed, per packet. */
static void virtio_metrics(struct rec *rec, const struct nic_dev *d)
{
	double n = (double)d->head;

	if (!d->head)
		return;
	rec_metric_value(rec, "virtio/kicks", "per packet",
			 "notifications the device received (the kick eventfd's count; warm-up included): the driver kicks only where avail_event asks", (double)d->kicks / n);
	rec_metric_value(rec, "virtio/wakeups", "per packet",
			 "times the device thread woke on the kick eventfd", (double)d->wakeups / n);
	rec_metric_value(rec, "virtio/interrupts_owed", "per packet",
			 "interrupts the driver's used_event asked for (sent through an irqfd where the VM has an irqchip, else only counted)", (double)d->irqs_owed / n);
	rec_metric_value(rec, "virtio/user_kicks", "per packet",
			 "notify accesses the ioeventfd did not take, which reached the VMM", (double)d->user_kicks / n);
}

/* The window's edges (measure.c, on the vCPU thread): the vCPU thread's
 * CPU time and the device thread's, pauses left out. */
static void nic_window(struct mb_setup_ctx *c, enum mb_window_point pt)
{
	struct nic_state *st = c->priv;

	if (st)
		nic_cpu_mark(&st->cpu, st->model == NIC_EMULATED ? NULL : &st->dev->thr,
			     pt == MB_WIN_BEGIN || pt == MB_WIN_PAUSE_END);
}

/* Host CPU time per packet timed, by thread: the driver's (the vCPU's in
 * a VM, the host thread's in the native twin) and the device thread's;
 * the window's wall time per packet bounds each. */
static void cpu_metrics(struct rec *rec, const struct nic_cpu *w, uint64_t packets, bool native)
{
	double n = (double)packets;

	if (!packets || !w->spans || w->open || w->bad)
		return;
	if (native)
		rec_metric_value(rec, "host_cpu/driver_thread", "ns per packet",
				 "the native driver's host thread's CPU time (CLOCK_THREAD_CPUTIME_ID) over the twin's measured window, per packet timed",
				 (double)w->drv_ns / n);
	else
		rec_metric_value(rec, "host_cpu/vcpu_thread", "ns per packet",
				 "the vCPU thread's CPU time (CLOCK_THREAD_CPUTIME_ID: the guest's run and the VMM's exit handling on it, the emulated device model included) over the measured window, pauses left out, per packet timed",
				 (double)w->drv_ns / n);
	if (w->dev_ok)
		rec_metric_value(rec, "host_cpu/device_thread", "ns per packet",
				 "the device thread's CPU time (pthread_getcpuclockid, read at the same edges) over the same window, per packet timed: polling included (direct, native), asleep between kicks (virtio)",
				 (double)w->dev_ns / n);
	rec_metric_value(rec, "host_cpu/wall", "ns per packet",
			 "the measured window's wall-clock time (pauses left out) per packet timed: what each thread's CPU time per packet can be at most",
			 (double)w->wall_ns / n);
}

/* The native twin at this record's size and batch, after the VM: this
 * model's share of bare metal, measured in the same record. */
static void twin_ratio(struct mb_setup_ctx *c, struct rec *rec, struct nic_state *st,
		       double guest, const char *unit)
{
	struct stats_summary sum;
	struct nic_twin tw = { .sum = &sum, .dev = calloc(1, sizeof(struct nic_dev)) };
	char err[320], name[64];
	int r = tw.dev ? nic_native_run(c, st, &tw, err, sizeof(err)) : -ENOMEM;

	if (!tw.dev)
		snprintf(err, sizeof(err), "out of memory");
	if (r < 0) {
		rec_set(rec, "native", json_pack("{s:s, s:s}", "status",
						 r == -ENOTSUP ? "unsupported" : "failed", "reason", err));
		free(tw.dev);
		return;
	}
	rec_metric_stats(rec, "native_per_packet", unit,
			 "the native twin after the VM: the same driver and device model at this size and batch on host threads (bare metal)",
			 &sum, st->batch);
	if (sum.p50 > 0 && guest > 0) {
		snprintf(name, sizeof(name), "pct_of_native/%s", nic_models[st->model]);
		rec_metric_value(rec, name, "%",
				 "the native twin's median per packet over this model's in the VM (per_packet): its share of bare metal",
				 100.0 * (sum.p50 / st->batch) / guest);
	}
	free(tw.dev);
}

static double sum_p50(const struct stats_summary *s, uint32_t per)
{
	return s->p50 / (per ? per : 1);
}

static void nic_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	struct nic_state *st = c->priv;
	char variant[64];

	c->priv = NULL;
	if (!st)
		return;
	if (st->model != NIC_EMULATED)
		nic_hw_stop(st->dev);	/* either device thread */
	snprintf(variant, sizeof(variant), "%s%s %uB batch %u", nic_models[st->model],
		 st->regs == NIC_REGS_PIO ? "-pio" : "", st->size, st->batch);
	rec_set_variant(rec, variant);
	rec_set(rec, "model", json_string(nic_models[st->model]));
	rec_set(rec, "completion", json_string(completion(st)));
	if (atomic_load(&st->dev->failed)) {
		/* Whatever the guest said: the device refused its descriptor. */
		char why[320];
		snprintf(why, sizeof(why), "the device refused a descriptor: %s", st->dev->why);
		rec_set_status(rec, REC_FAILED, why);
		goto out;
	}
	if (rec->status != REC_OK)
		goto out;
	const struct rec_metric *cyc = rec_metric_find(rec, "cycles");
	if (!cyc)
		goto out;
	/* Taken now: adding a metric may move the record's array. */
	struct stats_summary sum = cyc->st, cyc_st = cyc->st;
	const char *unit = cyc->unit;
	uint32_t per = cyc->per;
	double hz = (double)st->tsc_khz * 1000.0;
	if (st->model == NIC_NATIVE) {
		struct nic_dev *d = calloc(1, sizeof(*d));
		struct nic_twin tw = { .sum = &sum, .dev = d };
		char err[320];
		int r = d ? nic_native_run(c, st, &tw, err, sizeof(err)) : -ENOMEM;
		if (!d)
			snprintf(err, sizeof(err), "out of memory");
		if (r < 0) {
			free(d);
			rec_set_status(rec, r == -ENOTSUP ? REC_UNSUPPORTED : REC_FAILED, err);
			goto out;
		}
		double guest = sum_p50(&cyc_st, per);
		per = st->batch;
		rec_set(rec, "measured_on", json_string("per_packet: a host thread; cycles: the direct model's driver in the VM, held against it"));
		rec_metric_stats(rec, "per_packet", unit, "one packet, driver and device on host threads (bare metal)", &sum, per);
		if (sum.p50 > 0 && guest > 0)
			rec_metric_value(rec, "pct_of_native/direct", "%",
					 "the native median over the direct model's median in the VM (this record's cycles): direct's share of bare metal",
					 100.0 * (sum.p50 / per) / guest);
		device_cpu(rec, d, unit);
		cpu_metrics(rec, &tw.cpu, tw.packets, true);
		free(d);
	} else {
		rec_metric_stats(rec, "per_packet", unit, "one packet, the driver in the guest: fill, post, doorbell and completion per batch, shared", &sum, per);
		exits_check(rec, st);
		device_cpu(rec, st->dev, unit);
		cpu_metrics(rec, &st->cpu, c->vm->shared->iterations * st->batch, false);
		if (st->model == NIC_VIRTIO)
			virtio_metrics(rec, st->dev);
		twin_ratio(c, rec, st, sum_p50(&cyc_st, per), unit);
	}
	rec_set_headline(rec, "per_packet");
	throughput(rec, st, rec_metric_stat(rec_metric_find(rec, "per_packet"), "p50"), hz);
out:
	free(st->dev);
	free(st);
}

static const struct mb_bench b_nic = {
	.name = "nic", .family = "devices",
	.description = "a NIC-like transmit ring under each device-virtualization model (emulated, virtio, direct/SR-IOV, native): cycles per packet, packets/s, exits per packet",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "per model: emulated 2 MMIO exits per doorbell (tail, cause); virtio one kernel exit per kick (ioeventfd), kicks suppressed by event index; direct and native none",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "nic", .cpls = MB_CPL_ANY, .batch = 1, .max_batch = NIC_RING,
	.ext_params = nic_params, .abort_reasons = nic_aborts, .kvm_stats = nic_stats,
	.setup = nic_setup, .probe_ucall = nic_probe, .window = nic_window, .finish = nic_finish,
};
MB_REGISTER(b_nic);
