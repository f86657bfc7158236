/* macro_iomix (issue 17's I/O mix): compress and send. The guest
 * lz4-compresses macro_lz4's corpus block by block and sends the stream
 * as it comes out through the devices family's virtio transmit queue
 * (microbench/devices: split virtqueue, VIRTIO_F_EVENT_IDX, the kick an
 * ioeventfd to a vhost-like device thread), which checks every byte
 * against the host's own liblz4 stream. Natively the same body runs
 * against the same device model on a thread that polls the available
 * index (bare metal's engine: there is no exit to take), so the overhead
 * is what the VM adds to the compute and to the I/O path together: the
 * kicks' exits, the device thread's wake-ups, the guest's memory. The
 * record: mc.c, and the queue's own counts here. */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hv-core/hv.h"
#include "macrobench/compute/mc.h"
#include "macrobench/compute/mc_abi.h"
#include "microbench/devices/nic.h"
#include "microbench/mb.h"
#include "probes/record.h"

/* What the row keeps beside the family's state (st->row). */
struct io_state {
	struct nic_dev *gdev;	/* the guest's queue: kicked, a vhost-like thread */
	struct nic_dev *tdev;	/* the twin's: the same model, polling */
	uint8_t *expect;	/* the host's stream, which both devices hold the packets to */
	uint64_t expect_len, packets;	/* its bytes, and packets a run */
	cpu_set_t allowed;
	bool gstarted;
};

enum { IO_X_KIB, IO_X_LEVEL, IO_X_MTU, IO_X_BURST, IO_X_CORRUPT };

static const struct mb_param_def io_params[] = {
	{ "kib", MB_PT_INT, "corpus bytes in KiB (macro_lz4's corpus), compressed and sent per run", 1, MC_ZLIB_MAX >> 10, NULL, 4096 },
	{ "level", MB_PT_INT, "lz4 level, as macro_lz4's: 1-2 LZ4_compress_fast (lz4 -1), 3-12 lz4hc", 1, MC_LZ4_LEVEL_MAX, NULL, 1 },
	{ "mtu", MB_PT_INT, "the largest packet, bytes: the stream goes out in packets of this size (the last of a block shorter)", NIC_MIN_SIZE, NIC_MAX_SIZE, NULL, 1500 },
	{ "burst", MB_PT_INT, "packets posted per publish of the available index (and per wait for the device); the kick is the device's to ask for (event index)", 1, NIC_VQ_SIZE, NULL, 32 },
	{ "corrupt", MB_PT_BOOL, "one bit of the devices' copy of the host's stream flipped: the device must refuse that packet, in the guest and natively", 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const io_aborts[] = {
	"the page asked for a corpus, level, room, arena, MTU, burst or queue outside the region or the body's limits (or more than one vCPU)",
	"the stream's length or the CRC-32 of its bytes differs from the host's liblz4 (the same blocks at the same level)",
	"(unused)",
	"a block did not fit its room, or lz4 refused to compress it",
	"the virtio device gave up on the queue (DEVICE_NEEDS_RESET): it refused a packet",
	"the virtio device did not use the posted buffers within 1 s",
	"the used ring gave back another buffer than the one posted",
	NULL,
};

static void io_free(struct io_state *io)
{
	if (!io)
		return;
	if (io->gstarted)
		nic_hw_stop(io->gdev);
	free(io->gdev);
	free(io->tdev);
	free(io->expect);
	free(io);
}

static int twin_begin(struct mc_state *st, char *why, size_t len)
{
	struct io_state *io = st->row;

	return nic_vq_start_polling(io->tdev, nic_place(&io->allowed, sched_getcpu()), why, len);
}

static void twin_end(struct mc_state *st)
{
	nic_hw_stop(((struct io_state *)st->row)->tdev);
}

/* The packets one run sends: each block's length word and bytes in
 * packets of at most mtu. */
static uint64_t stream_packets(const uint8_t *s, uint64_t len, uint64_t mtu)
{
	uint64_t p = 0;

	for (uint64_t o = 0; o + 4 <= len;) {
		uint64_t c = 4 + ((uint64_t)s[o] | (uint64_t)s[o + 1] << 8 | (uint64_t)s[o + 2] << 16 |
				  (uint64_t)s[o + 3] << 24);

		p += (c + mtu - 1) / mtu;
		o += c;
	}
	return p;
}

static int io_setup(struct mb_setup_ctx *c)
{
	const struct mb_params *pp = c->params;
	uint64_t n = (uint64_t)pp->ext[IO_X_KIB] << 10, level = (uint64_t)pp->ext[IO_X_LEVEL];
	uint64_t cap = mc_lz4_cap(n), arena = MC_ZLIB_ARENA, vq = mc_iomix_vq_off(n, cap, arena);
	const char *host, *guest;
	struct mc_state *st;
	struct io_state *io;
	int r;

	if (pp->vcpus > 1) {
		snprintf(c->err, c->errlen, "one driver on one vCPU fills the queue: the row runs on 1 vCPU, not %u", pp->vcpus);
		return -ENOTSUP;
	}
	if (!mc_lz4_same_version(&host, &guest)) {
		snprintf(c->err, c->errlen,
			 "the host's liblz4 is %s and the guest's %s: their output may differ, so the host has no stream to hold the packets to",
			 host, guest);
		return -ENOTSUP;
	}
	io = calloc(1, sizeof(*io));
	if (io) {
		io->gdev = calloc(1, sizeof(*io->gdev));
		io->tdev = calloc(1, sizeof(*io->tdev));
		io->expect = malloc(cap);
	}
	if (!io || !io->gdev || !io->tdev || !io->expect) {
		io_free(io);
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	if (sched_getaffinity(0, sizeof(io->allowed), &io->allowed) < 0) {
		r = -errno;
		snprintf(c->err, c->errlen, "sched_getaffinity: %s", strerror(errno));
		io_free(io);
		return r;
	}
	/* The twin's device polls beside its driver: on one CPU each burst
	 * would wait for the scheduler to switch threads, which measures the
	 * scheduler, not the I/O path. */
	if (CPU_COUNT(&io->allowed) < 2) {
		snprintf(c->err, c->errlen,
			 "the native twin's device polls on a CPU beside its driver's, and this process may run on one CPU only");
		io_free(io);
		return -ENOTSUP;
	}
	r = mc_setup(c, vq + NIC_REGION_SIZE, &st);
	if (r < 0) {
		io_free(io);
		return r;
	}
	uint8_t *g = st->guest->hva, *nat = st->native.hva;
	mc_zlib_corpus(g, n);
	memcpy(nat, g, n);
	if (mc_lz4_stream(io->expect, cap, &io->expect_len, g, n, (int)level, c->err, c->errlen) < 0) {
		io_free(io);
		return mc_abandon(c, -EPROTO);
	}
	uint32_t crc = (uint32_t)crc32(0, io->expect, (uInt)io->expect_len);
	io->packets = stream_packets(io->expect, io->expect_len, (uint64_t)pp->ext[IO_X_MTU]);
	if (pp->ext[IO_X_CORRUPT])
		io->expect[io->expect_len / 2] ^= 1;
	/* The guest's queue: the kick a 4-byte write KVM completes by
	 * signalling the eventfd (any other access reaches the VMM and is
	 * counted), the device thread asleep on it. */
	nic_dev_init(io->gdev, g + vq, MC_REGION_GPA + vq, NIC_REGION_SIZE);
	nic_dev_init(io->tdev, nat + vq, (uint64_t)(uintptr_t)(nat + vq), NIC_REGION_SIZE);
	io->gdev->expect = io->tdev->expect = io->expect;
	io->gdev->expect_len = io->tdev->expect_len = io->expect_len;
	r = hv_vm_ioeventfd(c->vm, NIC_VQ_NOTIFY_GPA, 4, false, c->err, c->errlen);
	if (r >= 0) {
		io->gdev->kick_fd = r;
		r = hv_vm_add_mmio(c->vm, NIC_VQ_NOTIFY_GPA, 4, nic_vq_notify_io, io->gdev, c->err, c->errlen);
	}
	/* The device thread on another CPU than vCPU 0's, where the runner
	 * pinned that to one (as the twin's polling device is placed beside
	 * its driver); else where the scheduler wakes it. */
	int vcpu_cpu = -1;
	const cpu_set_t *aff = c->vm->opts.affinity;
	if (aff && CPU_COUNT(&aff[0]) == 1)
		for (int k = 0; k < CPU_SETSIZE; k++)
			if (CPU_ISSET(k, &aff[0]))
				vcpu_cpu = k;
	if (r >= 0)
		r = nic_vq_start(io->gdev, vcpu_cpu >= 0 ? nic_place(&io->allowed, vcpu_cpu) : -1, c->err, c->errlen);
	if (r < 0) {
		io_free(io);
		return mc_abandon(c, r);
	}
	io->gstarted = true;
	st->row = io;
	st->twin_begin = twin_begin;
	st->twin_end = twin_end;
	uint64_t *p = c->vm->shared->param;
	p[MC_P_N] = n;
	p[MC_P_SEED] = level;
	p[MC_P_AUX] = cap;
	p[MC_P_AUX2] = MC_ZLIB_COMPRESS;
	p[MC_P_REF0] = io->expect_len;
	p[MC_P_REF1] = crc;
	p[MC_P_REF2] = 1;
	p[MC_P_REF3] = arena;
	p[MC_P_IO_VQ] = MC_REGION_GPA + vq;
	p[MC_P_IO_NOTIFY] = NIC_VQ_NOTIFY_GPA;
	p[MC_P_IO_MTU] = (uint64_t)pp->ext[IO_X_MTU];
	p[MC_P_IO_BURST] = (uint64_t)pp->ext[IO_X_BURST];
	p[MC_P_IO_TIMEOUT] = c->vm->shared->tsc_khz * 1000;	/* 1 s */
	st->work = (double)n, st->work_unit = "bytes";
	st->rate = 1;
	st->extra[0] = (struct mc_extra){ "compressed", "bytes", "the host's stream for the corpus at this level: what one run sends", (double)io->expect_len };
	st->extra[1] = (struct mc_extra){ "packets_per_run", "packets", "packets one run sends (each block's length word and bytes in packets of at most the MTU)", (double)io->packets };
	st->n_extra = 2;
	mc_setup_done(c, st);
	return 0;
}

/* A device's refusal, for the record (the body only knows it gave up). */
static json_t *dev_json(const struct nic_dev *d)
{
	json_t *o = json_pack("{s:s, s:I, s:I}", "status", atomic_load(&d->failed) ? "refused" : "ok",
			      "packets", (json_int_t)d->head, "bytes", (json_int_t)d->bytes);

	if (o && atomic_load(&d->failed))
		json_object_set_new(o, "reason", json_string(d->why));
	return o;
}

static void io_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	struct mc_state *st = c->priv;
	struct io_state *io = st ? st->row : NULL;

	if (io && io->gstarted) {
		nic_hw_stop(io->gdev);	/* the vCPU is done */
		io->gstarted = false;
	}
	mc_finish(c, rec);	/* the twin's second half: its device, polling */
	if (!io)
		return;
	struct nic_dev *g = io->gdev;
	rec_set(rec, "queue", json_pack("{s:s, s:o, s:o}", "model",
		"virtio split queue, event index; the guest's kicked through an ioeventfd to a device thread, the twin's polled",
		"guest", dev_json(g), "native", dev_json(io->tdev)));
	if (atomic_load(&g->failed) && rec->status == REC_FAILED) {
		char msg[600];

		snprintf(msg, sizeof(msg), "%s; the device: %s", rec->reason ? rec->reason : "failed", g->why);
		rec_set_status(rec, REC_FAILED, msg);
	}
	if (rec->status == REC_OK && g->head) {
		double per_pkt = (double)io->packets;

		rec_metric_value(rec, "queue/kicks_per_run", "kicks",
				 "kicks the device took (the ioeventfd's count), per run: the event index suppresses those it need not see",
				 (double)g->kicks / (double)g->head * per_pkt);
		rec_metric_value(rec, "queue/wakeups_per_run", "wake-ups", "times the device thread woke to drain the ring, per run",
				 (double)g->wakeups / (double)g->head * per_pkt);
		rec_metric_value(rec, "queue/user_kicks", "accesses",
				 "notify accesses the ioeventfd did not take, which reached the VMM (0 by design)", (double)g->user_kicks);
		rec_metric_value(rec, "queue/busy_per_packet", rec->unit ? rec->unit : "cycles",
				 "host counter ticks (the record's unit) the device spent per packet it checked (the copy and the compare), in the guest's queue",
				 (double)g->busy_cycles / (double)g->head);
	}
	io_free(io);
}

static const struct mb_bench b_iomix = {
	.name = "macro_iomix", .family = "macro",
	.description = "compress and send: macro_lz4's corpus lz4-compressed block by block and sent as it comes out through the devices family's virtio queue in MTU-sized packets, every byte checked by the device against the host's stream; natively the same body against the same device polling",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "the queue's: one kernel exit per kick (ioeventfd, no user-space exit), kicks suppressed by the device's event index; plus the host's interrupts",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_iomix", .cpls = MB_CPL_ANY,
	.ext_params = io_params, .abort_reasons = io_aborts,
	.setup = io_setup, .finish = io_finish,
};
MB_REGISTER(b_iomix);
