/* Dall et al.'s I/O latency rows (issue 14). io_latency_out: the guest
 * stamps its TSC and kicks an ioeventfd; a host device thread asleep on
 * the eventfd stamps the TSC when it sees the kick and answers; the
 * latency is the host stamp less the guest's, both the TSC. The host
 * checks the two are one timeline: the guest's stamp before its own, and
 * its own before the guest saw the answer, for every kick. io_latency_in
 * (host signals -> guest handler runs) needs a guest interrupt while the
 * driver runs at CPL3, which this runtime does not deliver: unsupported,
 * with that reason. */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/arch.h"
#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"
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
	cpu_set_t allowed;
	int vcpu_cpu, dev_cpu;
	bool placed;
	/* The device thread's counts (read after it is joined). */
	uint64_t wakeups, kicks, answered, early, late;
	uint64_t last_th;
	bool have_last;
};

#define SCR(s, n) (((volatile uint64_t *)(s)->vm->shared->scratch)[n])

static inline uint64_t fenced_cycles(void)
{
#if defined(__x86_64__)
	uint64_t t;
	asm volatile("lfence" ::: "memory");
	t = arch_host_cycles();
	asm volatile("lfence" ::: "memory");
	return t;
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return arch_host_cycles();
#endif
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
		uint64_t th = fenced_cycles();
		uint64_t seq = __atomic_load_n(&SCR(s, IOLAT_S_SEQ), __ATOMIC_ACQUIRE);
		uint64_t t0 = SCR(s, IOLAT_S_T0), t2 = SCR(s, IOLAT_S_T2);

		s->wakeups++;
		s->kicks += n;
		if ((int64_t)(th - t0) <= 0)
			s->early++;	/* the guest stamped after us: not one clock */
		if (s->have_last && (int64_t)(t2 - s->last_th) <= 0)
			s->late++;	/* it saw our last answer before we gave it */
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
	uint64_t g = c->vm->shared->tsc_khz, h = c->host ? c->host->tsc_khz : 0;
	int64_t back = 0;
	int e;

	if (!s) {
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	c->priv = s;
	s->vm = c->vm;
	s->fd = -1;
	if (g && h && (g > h ? g - h : h - g) * 2000 > h) {
		snprintf(c->err, c->errlen, "the guest TSC runs at %llu kHz, the host's at %llu kHz: KVM scales it, so the two stamps are not one clock",
			 (unsigned long long)g, (unsigned long long)h);
		return -ENOTSUP;
	}
	/* Offset 0 where KVM lets us; where the host keeps its own, the
	 * bracket check at run time decides. */
	e = hv_vcpu_tsc_offset(&c->vm->vcpus[0], 0, &back, c->err, c->errlen);
	if (e < 0 && e != -ENOTSUP)
		return e;
	c->err[0] = '\0';
	if (sched_getaffinity(0, sizeof(s->allowed), &s->allowed) < 0) {
		snprintf(c->err, c->errlen, "sched_getaffinity: %s", strerror(errno));
		return -errno;
	}
	e = hv_vm_ioeventfd(c->vm, IOLAT_KICK_GPA, 4, false, c->err, c->errlen);
	if (e < 0)
		return e;
	s->fd = e;
	e = hv_vm_add_mmio(c->vm, IOLAT_KICK_GPA, 4, iolat_mmio, s, c->err, c->errlen);
	if (e < 0)
		return e;
	c->vm->shared->param[IOLAT_P_TIMEOUT] = c->vm->shared->tsc_khz * 1000;	/* 1 s */
	return 0;
}

/* The guest is up: pin its vCPU here, the device thread on another CPU
 * when there is one (else beside it: the kick then waits for a switch). */
static int iolat_probe(struct mb_setup_ctx *c, struct hv_vcpu *vcpu)
{
	struct iolat *s = c->priv;
	int cpu = sched_getcpu(), r;

	if (!s || s->placed) {
		snprintf(vcpu->err, sizeof(vcpu->err), "vcpu %u: unexpected probe call", vcpu->id);
		return -EPROTO;
	}
	s->placed = true;
	if (cpu < 0 || !CPU_ISSET(cpu, &s->allowed))
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &s->allowed); cpu++)
			;
	s->vcpu_cpu = cpu;
	r = topo_pin_thread(pthread_self(), cpu, vcpu->err, sizeof(vcpu->err));
	s->dev_cpu = topo_other_cpu(&s->allowed, cpu);
	if (r == 0)
		r = dev_thread_start(&s->thr, "iolat-dev", s->dev_cpu >= 0 ? s->dev_cpu : cpu,
				     iolat_main, s, vcpu->err, sizeof(vcpu->err));
	return r < 0 ? r : HV_CONTINUE;
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
	rec_set(rec, "device_cpu", json_string(s->dev_cpu >= 0 ? "other" : "same"));
	if (rec->status != REC_OK || !s->answered)
		goto out;
	const struct rec_metric *cyc = rec_metric_find(rec, "cycles");
	if (!cyc)
		goto out;
	struct stats_summary st = cyc->st;
	const char *unit = cyc->unit;
	rec_metric_stats(rec, "latency_out", unit,
			 "guest kick -> the host's device thread sees it: the host's TSC when its eventfd wait returned less the guest's TSC before the kick's write (one ioeventfd, no VMM thread)",
			 &st, 1);
	rec_set_headline(rec, "latency_out");
	double n = (double)s->answered;
	rec_metric_value(rec, "kicks_per_wakeup", "per wakeup",
			 "the eventfd's count each time the device thread woke: 1 when every kick was seen apart", (double)s->kicks / (double)s->wakeups);
	rec_metric_value(rec, "clock_check/misses", "fraction",
			 "kicks whose stamps were out of order between the two clocks (the guest's stamp after the host's, or the guest seeing the answer before the host's stamp): 0 when guest and host TSC are one timeline",
			 (double)(s->early + s->late) / n);
	rec_set(rec, "clock_check", json_pack("{s:I, s:I, s:I}", "kicks_answered", (json_int_t)s->answered,
					   "guest_after_host", (json_int_t)s->early,
					   "answer_before_host", (json_int_t)s->late));
	if ((s->early + s->late) * 200 > s->answered) {
		snprintf(why, sizeof(why), "guest and host TSC are not one timeline here: %llu of %llu kicks had their stamps out of order, so the latency is not measurable",
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
	.description = "Dall et al.'s I/O latency out: guest kick (an ioeventfd write) -> a host device thread sees it, the TSC stamped on both sides",
	.archs = MB_ARCH_X86,
	.exit_kind = "one MMIO write per kick, completed in KVM by the ioeventfd (no user-space exit)",
	.expected_exits = 1, .exit_stat = "exits_caused",
	.body = "io_latency_out", .cpls = MB_CPL_ANY, .no_subtract = true, .max_batch = 1,
	.abort_reasons = iolat_aborts, .kvm_stats = iolat_stats,
	.setup = iolat_setup, .probe_ucall = iolat_probe, .finish = iolat_finish,
};
MB_REGISTER(b_io_latency_out);

static int iolat_in_available(const struct hostinfo *hi, char *why, size_t len)
{
	snprintf(why, len, "needs a guest interrupt handler that stamps the TSC while the driver runs at CPL3; this runtime enters CPL3 with RFLAGS.IF clear (hv-core/arch/x86/vcpu.c) and its interrupt handlers serve CPL0 bodies only (x2APIC EOI by MSR): no handler runs while a CPL3 driver waits");
	return -ENOTSUP;
}

static const struct mb_bench b_io_latency_in = {
	.name = "io_latency_in", .family = "devices",
	.description = "Dall et al.'s I/O latency in: the host signals (irqfd) -> the guest's interrupt handler runs; not built yet (see its reason)",
	.archs = MB_ARCH_X86,
	.exit_kind = "an interrupt injected into the guest",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "empty", .cpls = MB_CPL_ANY,
	.available = iolat_in_available,
};
MB_REGISTER(b_io_latency_in);
