/* Dall et al.'s I/O latency in (issue 14): the host signals, the guest's
 * interrupt handler runs. A host device thread asleep on the guest's
 * doorbell (an ioeventfd: "ready for the next interrupt") stamps its
 * counter, writes the stamp into the page and writes the irqfd of one
 * interrupt line (x86: IOAPIC pin -> LAPIC vector; arm64: a vGIC SPI).
 * The guest's registered handler stamps its counter first thing; the
 * sample is the guest's stamp less the host's, on one timeline
 * (iolat.h). Only one signal is ever in flight: the next waits for the
 * next doorbell, which the guest rings after its handler ran. At every
 * doorbell the host checks the previous round: the handler saw that
 * signal, its stamp lies after the host's and before this doorbell. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv-core/arch.h"
#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"
#include "microbench/devices/iolat.h"
#include "microbench/devices/iolat_abi.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "probes/stats.h"

struct iolat_in {
	struct hv_vm *vm;
	struct dev_thread thr;
	int ready_fd, irq_fd;
	struct iolat_place pl;
	/* The device thread's counts (read after it is joined). */
	uint64_t wakeups, doorbells, signals, checked, early, late, lost, errors, margin;
	uint64_t last_th, last_seq;
	int write_errno;
};

#define SCR(s, n) (((volatile uint64_t *)(s)->vm->shared->scratch)[n])

/* The previous round, once the guest rang again (now: the doorbell's
 * time on the guest's timeline). */
static void check_round(struct iolat_in *s, uint64_t now)
{
	uint64_t got = __atomic_load_n(&SCR(s, IOLAT_IN_S_GOT), __ATOMIC_ACQUIRE);
	uint64_t tg = SCR(s, IOLAT_IN_S_TG);

	if (got != s->last_seq) {
		s->lost++;	/* rang again without the handler seeing our signal */
		return;
	}
	s->checked++;
	enum iolat_order o1 = iolat_order(&s->pl, s->last_th, tg), o2 = iolat_order(&s->pl, tg, now);

	if (o1 == IOLAT_OUT_OF_ORDER)
		s->early++;	/* the handler stamped before we signalled */
	if (o2 == IOLAT_OUT_OF_ORDER)
		s->late++;	/* it stamped after the doorbell that followed */
	if (o1 == IOLAT_IN_MARGIN || o2 == IOLAT_IN_MARGIN)
		s->margin++;	/* out of order by less than the offset's margin */
}

static int iolat_in_main(struct dev_thread *t, void *opaque)
{
	struct iolat_in *s = opaque;
	const uint64_t one = 1;

	while (!dev_thread_stopping(t)) {
		uint64_t n = 0;
		int r = dev_thread_wait_fd(t, s->ready_fd, &n, -1);

		if (r < 0)
			return r;
		if (r == 0)
			continue;
		uint64_t now = iolat_host_now() - (uint64_t)s->pl.off;
		uint64_t seq = __atomic_load_n(&SCR(s, IOLAT_IN_S_SEQ), __ATOMIC_ACQUIRE);

		s->wakeups++;
		s->doorbells += n;
		if (s->signals)
			check_round(s, now);
		uint64_t th = iolat_host_now() - (uint64_t)s->pl.off;
		SCR(s, IOLAT_IN_S_TH) = th;
		__atomic_store_n(&SCR(s, IOLAT_IN_S_SENT), seq, __ATOMIC_RELEASE);
		if (write(s->irq_fd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
			s->errors++;
			s->write_errno = errno;
			return -errno;
		}
		s->last_th = th;
		s->last_seq = seq;
		s->signals++;
	}
	return 0;
}

/* Accesses the ioeventfd does not take (not a 4-byte write). */
static int iolat_in_mmio(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
			 uint32_t len, void *opaque)
{
	if (!write)
		memset(data, 0, len > 8 ? 8 : len);
	return HV_CONTINUE;
}

static int iolat_in_setup(struct mb_setup_ctx *c)
{
	struct iolat_in *s;
	int e;

	if (c->params->cpl == 3) {
		snprintf(c->err, c->errlen, "%s",
			 arch_id() == HV_ARCH_X86 ?
			 "io_latency_in needs the guest's interrupt handler to run while the driver waits; at CPL3 this runtime keeps RFLAGS.IF clear (hv-core/arch/x86/vcpu.c enters CPL3 with RFLAGS 0x3002) and CPL3 cannot HLT, so no interrupt is taken while a CPL3 body waits: run it at cpl 0" :
			 "io_latency_in needs the guest's interrupt handler to run while the driver waits; at EL0 this runtime keeps PSTATE.DAIF masked (hv-core/arch/arm64 enters EL0 with A64_PSTATE_EL0T) and its vector table reports an IRQ taken from EL0 as a fault, so no interrupt is taken while an EL0 body waits: run it at cpl 0 (EL1)");
		return -ENOTSUP;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	c->priv = s;
	s->vm = c->vm;
	s->ready_fd = s->irq_fd = -1;
	/* Without an in-kernel irqchip there is no irqfd: -ENOTSUP, saying so. */
	e = hv_vm_irqfd(c->vm, IOLAT_IN_GSI, c->err, c->errlen);
	if (e < 0)
		goto fail;
	s->irq_fd = e;
	e = iolat_clock_setup(c->vm, c->host, &s->pl, c->err, c->errlen);
	if (e < 0)
		goto fail;
	e = hv_vm_ioeventfd(c->vm, IOLAT_IN_READY_GPA, 4, false, c->err, c->errlen);
	if (e < 0)
		goto fail;
	s->ready_fd = e;
	e = hv_vm_add_mmio(c->vm, IOLAT_IN_READY_GPA, 4, iolat_in_mmio, s, c->err, c->errlen);
	if (e < 0)
		goto fail;
	c->vm->shared->param[IOLAT_P_TIMEOUT] = c->vm->shared->tsc_khz * 1000;	/* 1 s */
	return 0;
fail:
	/* finish runs only after a setup that succeeded; the VM closes the
	 * eventfds it made. */
	free(s);
	c->priv = NULL;
	return e;
}

static int iolat_in_probe(struct mb_setup_ctx *c, struct hv_vcpu *vcpu)
{
	struct iolat_in *s = c->priv;

	if (!s) {
		snprintf(vcpu->err, sizeof(vcpu->err), "vcpu %u: unexpected probe call", vcpu->id);
		return -EPROTO;
	}
	return iolat_place_and_start(&s->pl, vcpu, &s->thr, "iolat-in-dev", iolat_in_main, s);
}

static void iolat_in_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	struct iolat_in *s = c->priv;
	char why[400];

	c->priv = NULL;
	if (!s)
		return;
	if (s->thr.started)
		dev_thread_stop(&s->thr);
	/* The last round has no doorbell after it: its handler must have
	 * seen the signal, and its stamp must follow the host's. */
	if (s->signals && __atomic_load_n(&SCR(s, IOLAT_IN_S_GOT), __ATOMIC_ACQUIRE) == s->last_seq) {
		s->checked++;
		enum iolat_order o = iolat_order(&s->pl, s->last_th, SCR(s, IOLAT_IN_S_TG));

		s->early += o == IOLAT_OUT_OF_ORDER;
		s->margin += o == IOLAT_IN_MARGIN;
	}
	uint64_t irqs = SCR(s, IOLAT_IN_S_IRQS);	/* the guest's count: a claim */

	rec_set(rec, "device_cpu", json_string(s->pl.dev_cpu >= 0 ? "other" : "same"));
	rec_set(rec, "counter_offset", iolat_timeline_json(&s->pl));
	if (s->errors) {
		snprintf(why, sizeof(why), "writing the irqfd failed: %s", strerror(s->write_errno));
		rec_set_status(rec, REC_FAILED, why);
	}
	if (rec->status != REC_OK || !s->signals)
		goto out;
	const struct rec_metric *cyc = rec_metric_find(rec, "cycles");
	if (!cyc)
		goto out;
	struct stats_summary st = cyc->st;
	const char *unit = cyc->unit;
	double n = (double)s->signals;

	rec_metric_stats(rec, "latency_in", unit,
			 "the host signals -> the guest's handler runs: the guest's counter on entry to its registered interrupt handler less the host's just before its irqfd write (on the guest's timeline; x86 TSC, arm64 CNTVCT)",
			 &st, 1);
	rec_set_headline(rec, "latency_in");
	rec_metric_value(rec, "interrupts_per_signal", "per signal",
			 "handler runs the guest counted per irqfd write: 1 when every signal raised exactly one interrupt",
			 (double)irqs / n);
	rec_metric_value(rec, "irq_check/misses", "fraction",
			 "rounds whose stamps were out of order (the handler's stamp before the host's signal, or after the guest's next doorbell, by more than the counter offset's margin) or whose signal the handler never saw: 0 when one timeline and one interrupt per signal",
			 (double)(s->early + s->late + s->lost) / n);
	rec_set(rec, "irq_check", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
					   "signals", (json_int_t)s->signals,
					   "rounds_checked", (json_int_t)s->checked,
					   "handler_before_host", (json_int_t)s->early,
					   "handler_after_doorbell", (json_int_t)s->late,
					   "signal_not_seen", (json_int_t)s->lost,
					   "handler_runs", (json_int_t)irqs,
					   "within_margin", (json_int_t)s->margin));
	if (s->lost || irqs != s->signals) {
		snprintf(why, sizeof(why), "%llu signals raised %llu handler runs (%llu not seen by the handler): not one interrupt per signal",
			 (unsigned long long)s->signals, (unsigned long long)irqs, (unsigned long long)s->lost);
		rec_set_status(rec, REC_FAILED, why);
	} else if (s->early + s->late) {
		snprintf(why, sizeof(why), "guest and host counters are not one timeline here: %llu of %llu rounds had their stamps out of order (%llu handler before the host's stamp, %llu after the next doorbell), so the latency is not measurable",
			 (unsigned long long)(s->early + s->late), (unsigned long long)s->checked,
			 (unsigned long long)s->early, (unsigned long long)s->late);
		rec_set_status(rec, REC_UNSUPPORTED, why);
	}
out:
	free(s);
}

static const char *const iolat_in_aborts[] = {
	"the guest's handler saw no interrupt within 1 s of its doorbell",
	"the page carries no timeout",
	NULL,
};

static const struct mb_bench b_io_latency_in = {
	.name = "io_latency_in", .family = "devices",
	.description = "Dall et al.'s I/O latency in: a host device thread writes an irqfd -> the guest's interrupt handler runs (x86: IOAPIC pin to a LAPIC vector; arm64: a vGIC SPI), the counter stamped on both sides; CPL0/EL1 only",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "the doorbell (an MMIO write the ioeventfd completes in KVM), the halt/WFI the guest waits in, and the interrupt's injection (host-dependent)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "io_latency_in", .cpls = MB_CPL_ANY, .irqchip = true,
	.no_subtract = true, .max_batch = 1,
	.abort_reasons = iolat_in_aborts,
	.setup = iolat_in_setup, .probe_ucall = iolat_in_probe, .finish = iolat_in_finish,
};
MB_REGISTER(b_io_latency_in);
