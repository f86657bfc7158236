/* Dall et al.'s I/O latency out (issue 14), and what it shares with I/O
 * latency in (iolat_in.c): the guest stamps its counter and kicks an
 * ioeventfd (x86 and arm64 alike: an MMIO write KVM completes); a host
 * device thread asleep on the eventfd stamps its counter when it sees the
 * kick and answers; the latency is the host stamp less the guest's, on
 * one timeline (x86: the TSC, offset 0; arm64: CNTVCT, the host's less
 * the VM's virtual offset, measured). The host checks the two are one
 * timeline: the guest's stamp before its own, and its own before the
 * guest saw the answer, for every kick. */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/arch.h"
#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"
#include "microbench/devices/iolat.h"
#include "microbench/devices/iolat_abi.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "probes/stats.h"
#include "probes/topo.h"

struct iolat {
	struct hv_vm *vm;
	struct dev_thread thr;
	int fd;
	struct iolat_place pl;
	/* The device thread's counts (read after it is joined). */
	uint64_t wakeups, kicks, answered, early, late, margin;
	uint64_t last_th;
	bool have_last;
};

#define SCR(s, n) (((volatile uint64_t *)(s)->vm->shared->scratch)[n])

int iolat_clock_setup(struct hv_vm *vm, const struct hostinfo *host,
		      struct iolat_place *pl, char *err, size_t errlen)
{
	uint64_t g = vm->shared->tsc_khz, h = host ? host->tsc_khz : 0;
	int64_t back = 0;
	int e;

	pl->dev_cpu = -1;
	if (g && h && (g > h ? g - h : h - g) * 2000 > h) {
		snprintf(err, errlen, "the guest counter runs at %llu kHz, the host's at %llu kHz: KVM scales it, so the two stamps are not one clock",
			 (unsigned long long)g, (unsigned long long)h);
		return -ENOTSUP;
	}
	/* x86: offset 0 where KVM lets us; where the host keeps its own,
	 * the order check at run time decides. arm64 has no such control
	 * (-ENOTSUP): the probe measures the offset instead. */
	e = hv_vcpu_tsc_offset(&vm->vcpus[0], 0, &back, err, errlen);
	if (e < 0 && e != -ENOTSUP)
		return e;
	err[0] = '\0';
	if (sched_getaffinity(0, sizeof(pl->allowed), &pl->allowed) < 0) {
		snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int iolat_place_and_start(struct iolat_place *pl, struct hv_vcpu *vcpu,
			  struct dev_thread *thr, const char *name,
			  int (*fn)(struct dev_thread *, void *), void *opaque)
{
	int cpu = sched_getcpu(), r;

	if (pl->placed) {
		snprintf(vcpu->err, sizeof(vcpu->err), "vcpu %u: unexpected probe call", vcpu->id);
		return -EPROTO;
	}
	pl->placed = true;
	/* The vCPU is stopped in this exit, on its own thread: the guest
	 * counter KVM reports is the one it reads. */
	r = hv_vcpu_counter_offset(vcpu, &pl->off, &pl->width, vcpu->err, sizeof(vcpu->err));
	if (r < 0 && r != -ENOTSUP)
		return r;
	pl->measured = r == 0;
	if (!pl->measured)
		pl->off = 0, pl->width = 0;
	vcpu->err[0] = '\0';
	if (cpu < 0 || !CPU_ISSET(cpu, &pl->allowed))
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &pl->allowed); cpu++)
			;
	pl->vcpu_cpu = cpu;
	r = topo_pin_thread(pthread_self(), cpu, vcpu->err, sizeof(vcpu->err));
	pl->dev_cpu = topo_other_cpu(&pl->allowed, cpu);
	if (r == 0)
		r = dev_thread_start(thr, name, pl->dev_cpu >= 0 ? pl->dev_cpu : cpu,
				     fn, opaque, vcpu->err, sizeof(vcpu->err));
	return r < 0 ? r : HV_CONTINUE;
}

json_t *iolat_timeline_json(const struct iolat_place *pl)
{
	if (!pl->measured)
		return json_pack("{s:s, s:I}", "method", "offset 0 (x86 TSC offset), checked by the stamps' order", "host_minus_guest", (json_int_t)0);
	return json_pack("{s:s, s:I, s:I}", "method", "KVM_REG_ARM_TIMER_CNT between two host counter reads, the middle of the narrowest of 32",
			 "host_minus_guest", (json_int_t)pl->off, "width_ticks", (json_int_t)pl->width);
}

/* The device: asleep on the kick's eventfd; stamp as soon as it wakes,
 * then check the guest's previous answer time against its previous stamp
 * and this kick's stamp against the guest's (differences, wrapping). */
static int iolat_main(struct dev_thread *t, void *opaque)
{
	struct iolat *s = opaque;

	while (!dev_thread_stopping(t)) {
		uint64_t n = 0;
		int r = dev_thread_wait_fd(t, s->fd, &n, -1);

		if (r < 0)
			return r;
		if (r == 0)
			continue;
		uint64_t th = iolat_host_now() - (uint64_t)s->pl.off;	/* the guest's timeline */
		uint64_t seq = __atomic_load_n(&SCR(s, IOLAT_S_SEQ), __ATOMIC_ACQUIRE);
		uint64_t t0 = SCR(s, IOLAT_S_T0), t2 = SCR(s, IOLAT_S_T2);

		s->wakeups++;
		s->kicks += n;
		enum iolat_order o1 = iolat_order(&s->pl, t0, th);
		enum iolat_order o2 = s->have_last ? iolat_order(&s->pl, s->last_th, t2) : IOLAT_IN_ORDER;

		if (o1 == IOLAT_OUT_OF_ORDER)
			s->early++;	/* the guest stamped after us: not one clock */
		if (o2 == IOLAT_OUT_OF_ORDER)
			s->late++;	/* it saw our last answer before we gave it */
		if (o1 == IOLAT_IN_MARGIN || o2 == IOLAT_IN_MARGIN)
			s->margin++;	/* out of order by less than the offset's margin */
		SCR(s, IOLAT_S_TH) = th;
		__atomic_store_n(&SCR(s, IOLAT_S_ACK), seq, __ATOMIC_RELEASE);
		s->last_th = th;
		s->have_last = true;
		s->answered++;
	}
	return 0;
}

/* The accesses the ioeventfd does not take (not a 4-byte write) reach the
 * VMM: nothing to do but count them as what they are, an exit the row
 * did not mean. */
static int iolat_mmio(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		      uint32_t len, void *opaque)
{
	if (!write)
		memset(data, 0, len > 8 ? 8 : len);
	return HV_CONTINUE;
}

static int iolat_setup(struct mb_setup_ctx *c)
{
	struct iolat *s = calloc(1, sizeof(*s));
	int e;

	if (!s) {
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	c->priv = s;
	s->vm = c->vm;
	s->fd = -1;
	e = iolat_clock_setup(c->vm, c->host, &s->pl, c->err, c->errlen);
	if (e < 0)
		goto fail;
	e = hv_vm_ioeventfd(c->vm, IOLAT_KICK_GPA, 4, false, c->err, c->errlen);
	if (e < 0)
		goto fail;
	s->fd = e;
	e = hv_vm_add_mmio(c->vm, IOLAT_KICK_GPA, 4, iolat_mmio, s, c->err, c->errlen);
	if (e < 0)
		goto fail;
	c->vm->shared->param[IOLAT_P_TIMEOUT] = c->vm->shared->tsc_khz * 1000;	/* 1 s */
	return 0;
fail:
	free(s);	/* finish runs only after a setup that succeeded */
	c->priv = NULL;
	return e;
}

/* The guest is up: pin its vCPU here, the device thread on another CPU
 * when there is one (else beside it: the kick then waits for a switch). */
static int iolat_probe(struct mb_setup_ctx *c, struct hv_vcpu *vcpu)
{
	struct iolat *s = c->priv;

	if (!s) {
		snprintf(vcpu->err, sizeof(vcpu->err), "vcpu %u: unexpected probe call", vcpu->id);
		return -EPROTO;
	}
	return iolat_place_and_start(&s->pl, vcpu, &s->thr, "iolat-dev", iolat_main, s);
}

static void iolat_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	struct iolat *s = c->priv;
	char why[300];

	c->priv = NULL;
	if (!s)
		return;
	if (s->thr.started)
		dev_thread_stop(&s->thr);
	rec_set(rec, "device_cpu", json_string(s->pl.dev_cpu >= 0 ? "other" : "same"));
	rec_set(rec, "counter_offset", iolat_timeline_json(&s->pl));
	if (rec->status != REC_OK || !s->answered)
		goto out;
	const struct rec_metric *cyc = rec_metric_find(rec, "cycles");
	if (!cyc)
		goto out;
	struct stats_summary st = cyc->st;
	const char *unit = cyc->unit;
	rec_metric_stats(rec, "latency_out", unit,
			 "guest kick -> the host's device thread sees it: the host's counter when its eventfd wait returned (on the guest's timeline) less the guest's before the kick's write (x86 TSC, arm64 CNTVCT; one ioeventfd, no VMM thread)",
			 &st, 1);
	rec_set_headline(rec, "latency_out");
	double n = (double)s->answered;
	rec_metric_value(rec, "kicks_per_wakeup", "per wakeup",
			 "the eventfd's count each time the device thread woke: 1 when every kick was seen apart", (double)s->kicks / (double)s->wakeups);
	rec_metric_value(rec, "clock_check/misses", "fraction",
			 "kicks whose stamps were out of order between the two clocks (the guest's stamp after the host's, or the guest seeing the answer before the host's stamp) by more than the counter offset's margin: 0 when guest and host counters are one timeline",
			 (double)(s->early + s->late) / n);
	rec_set(rec, "clock_check", json_pack("{s:I, s:I, s:I, s:I}", "kicks_answered", (json_int_t)s->answered,
					   "guest_after_host", (json_int_t)s->early,
					   "answer_before_host", (json_int_t)s->late,
					   "within_margin", (json_int_t)s->margin));
	if ((s->early + s->late) * 200 > s->answered) {
		snprintf(why, sizeof(why), "guest and host counters are not one timeline here: %llu of %llu kicks had their stamps out of order, so the latency is not measurable",
			 (unsigned long long)(s->early + s->late), (unsigned long long)s->answered);
		rec_set_status(rec, REC_UNSUPPORTED, why);
	}
out:
	free(s);
}

static const char *const iolat_aborts[] = {
	"the host's device thread gave no answer within 1 s",
	"the page carries no timeout",
	NULL,
};

static const char *const iolat_stats[] = { "mmio_exits", NULL };

static const struct mb_bench b_io_latency_out = {
	.name = "io_latency_out", .family = "devices",
	.description = "Dall et al.'s I/O latency out: guest kick (an ioeventfd write: x86 and arm64 MMIO) -> a host device thread sees it, the counter stamped on both sides (x86 TSC, arm64 CNTVCT)",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "one MMIO write per kick, completed in KVM by the ioeventfd (no user-space exit)",
	.expected_exits = 1, .exit_stat = "exits_caused",
	.body = "io_latency_out", .cpls = MB_CPL_ANY, .no_subtract = true, .max_batch = 1,
	.abort_reasons = iolat_aborts, .kvm_stats = iolat_stats,
	.setup = iolat_setup, .probe_ucall = iolat_probe, .finish = iolat_finish,
};
MB_REGISTER(b_io_latency_out);
