/* The io-path family: the dummy-port 0x22e study as one benchmark row, where
 * the cycles of one I/O exit go with the device model inline/thread/kernel. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"
#include "microbench/mb.h"
#include "microbench/iopath.h"
#include "microbench/iopath_abi.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "probes/stats.h"

static const char *const models[] = { "inline", "thread", "kernel", NULL };
static const char *const cpus[] = { "same", "other", NULL };
static const char *const dirs[] = { "in", "out", NULL };
static const char *const seg_names[IOP_NSEG] = { "exit", "dispatch",
						 "device_model", "entry" };
static const char *const seg_descr[IOP_NSEG] = {
	"exit (host KVM_RUN return - guest before)",
	"dispatch (the VMM's work around the device model, handoffs included)",
	"device model (device end - device start)",
	"entry (guest after - host re-entry)" };

/* The order matches enum iop_ext. */
static const struct mb_param_def io_params[] = {
	{ "device_model", MB_PT_CHOICE, "where the device answers: in the vCPU thread, in a device thread (futex handoff), or in the kernel (ioeventfd, direction out only)", 0, 0, models, IOP_INLINE },
	{ "device_cpu", MB_PT_CHOICE, "thread/kernel: the device thread's CPU, the vCPU's or another one", 0, 0, cpus, 0 },
	{ "device_work_cycles", MB_PT_INT, "simulated device-model work per access (host TSC cycles, busy-waited)", 0, 10000000, NULL, 0 },
	{ "direction", MB_PT_CHOICE, "IN (read) or OUT (write) of the port", 0, 0, dirs, 0 },
	{ "size", MB_PT_INT, "access size in bytes: 1, 2 or 4", 1, 4, NULL, 1 },
	{ "port", MB_PT_INT, "I/O port (default 0x22e = 558)", 0, 65535, NULL, HV_PIO_DUMMY },
	{ "probes", MB_PT_BOOL, "stamp the host side of every access (false: the round trip alone, to measure what the probes cost)", 0, 1, NULL, 1 },
	{ NULL },
};

static int check_params(struct mb_setup_ctx *c, const struct iop_state *s)
{
	uint32_t lo = s->port, hi = s->port + s->size;

	if (s->size != 1 && s->size != 2 && s->size != 4) {
		snprintf(c->err, c->errlen, "size must be 1, 2 or 4 bytes, got %u",
			 s->size);
		return -EINVAL;
	}
	if (hi > 0x10000) {
		snprintf(c->err, c->errlen,
			 "port 0x%x: a %u-byte access runs past port 0xffff",
			 s->port, s->size);
		return -EINVAL;
	}
	if (lo < HV_UCALL_PORT + 4 && hi > HV_UCALL_PORT) {
		snprintf(c->err, c->errlen,
			 "port 0x%x overlaps hvbench's call channel (ports 0x%x-0x%x)",
			 s->port, HV_UCALL_PORT, HV_UCALL_PORT + 3);
		return -EINVAL;
	}
	if (s->model == IOP_KERNEL && !s->out) {
		snprintf(c->err, c->errlen,
			 "device_model kernel needs direction out: an ioeventfd completes a guest write inside KVM, but a read needs a device model that returns data (use inline or thread)");
		return -ENOTSUP;
	}
	return 0;
}

/* Guest and host stamps need one clock: no TSC scaling, offset 0. */
static int check_scaling(struct mb_setup_ctx *c, struct iop_state *s)
{
	uint64_t g = s->vm->shared->tsc_khz, h = c->host ? c->host->tsc_khz : 0;

	if (!g || !h || (g > h ? g - h : h - g) * 2000 <= h)
		return 0;
	snprintf(c->err, c->errlen,
		 "the guest TSC runs at %llu kHz, the host's at %llu kHz: KVM scales it, so guest and host stamps are not one timeline",
		 (unsigned long long)g, (unsigned long long)h);
	return -ENOTSUP;
}

static void state_free(struct iop_state *s)
{
	if (!s)
		return;
	iop_dev_stop(s);
	iop_clock_stop(s);
	free(s->ring);
	for (int i = 0; i < IOP_NSEG; i++)
		free(s->hist[i]);
	free(s);
}

static int setup_io_path(struct mb_setup_ctx *c)
{
	const int64_t *x = c->params->ext;
	struct iop_state *s = calloc(1, sizeof(*s));
	struct hv_shared *sh = c->vm->shared;
	int r;

	if (!s) {
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	s->vm = c->vm;
	s->model = (enum iop_model)x[IOP_X_MODEL];
	s->other_cpu = x[IOP_X_CPU] == 1;
	s->work = (uint64_t)x[IOP_X_WORK];
	s->out = x[IOP_X_DIR] == 1;
	s->size = (uint32_t)x[IOP_X_SIZE];
	s->port = (uint16_t)x[IOP_X_PORT];
	s->probes = x[IOP_X_PROBES] && s->model != IOP_KERNEL;
	s->cpl = c->params->cpl;
	s->test_offset = iopath_test_host_offset;
	s->vcpu_cpu = s->dev_cpu = -1;
	s->evfd = -1;
	c->priv = s;
	r = check_params(c, s);
	if (r < 0)
		goto fail;
	if (sched_getaffinity(0, sizeof(s->allowed), &s->allowed) < 0) {
		r = -errno;
		snprintf(c->err, c->errlen, "sched_getaffinity: %s", strerror(errno));
		goto fail;
	}
	if (s->other_cpu && s->model != IOP_INLINE && CPU_COUNT(&s->allowed) < 2) {
		r = -ENOTSUP;
		snprintf(c->err, c->errlen,
			 "device_cpu other needs a second CPU, but this process may run on only one");
		goto fail;
	}
	if (s->probes) {
		bool oom;

		s->ring = calloc(IOP_RING, sizeof(*s->ring));
		oom = !s->ring;
		for (int i = 0; i < IOP_NSEG; i++) {
			s->hist[i] = calloc(HIST_BUCKETS, sizeof(uint32_t));
			oom |= !s->hist[i];
			hist_moments_init(&s->m[i]);
		}
		if (oom) {
			snprintf(c->err, c->errlen, "out of memory");
			r = -ENOMEM;
			goto fail;
		}
		if ((r = check_scaling(c, s)) < 0 ||
		    (r = iop_clock_setup(s, c->err, c->errlen)) < 0)
			goto fail;
		s->clk.offset_exact = s->clk.kvm_offset_set && c->host &&
				      (!strcmp(c->host->backend, "svm") ||
				       !strcmp(c->host->backend, "vmx"));
		sh->flags |= HV_F_SAMPLES_PREFIX;
	}
	if (s->model == IOP_KERNEL) {
		r = hv_vm_ioeventfd(c->vm, s->port, s->size, true, c->err,
				    c->errlen);
		if (r < 0)
			goto fail;
		s->evfd = r;
	}
	/* For kernel placement this only counts exits that reach user space,
	 * which KVM's ioeventfd should leave at none. */
	r = hv_vm_add_pio(c->vm, s->port, (uint16_t)s->size, iop_dev_io, s,
			  c->err, c->errlen);
	if (r < 0)
		goto fail;
	sh->param[IOP_P_PORT] = s->port;
	sh->param[IOP_P_SIZE] = s->size;
	sh->param[IOP_P_OUT] = s->out;
	return 0;
fail:
	state_free(s);
	c->priv = NULL;
	return r;
}

/* The guest is about to calibrate: pin the vCPU thread where it runs, place
 * the device thread, start the clock exchange. */
static int probe_io_path(struct mb_setup_ctx *c, struct hv_vcpu *vcpu)
{
	struct iop_state *s = c->priv;
	int cpu = sched_getcpu(), r;

	if (!s || s->vcpu_cpu >= 0) {
		snprintf(vcpu->err, sizeof(vcpu->err),
			 "vcpu %u: unexpected io-path probe call", vcpu->id);
		return -EPROTO;
	}
	if (cpu < 0 || !CPU_ISSET(cpu, &s->allowed))
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &s->allowed); cpu++)
			;
	s->vcpu_cpu = cpu;
	s->dev_cpu = s->other_cpu ? topo_other_cpu(&s->allowed, cpu) : cpu;
	r = topo_pin_thread(pthread_self(), cpu, vcpu->err, sizeof(vcpu->err));
	if (r == 0)
		r = iop_dev_start(s, vcpu->err, sizeof(vcpu->err));
	if (r == 0)
		r = iop_clock_start(s, vcpu->err, sizeof(vcpu->err));
	return r < 0 ? r : HV_CONTINUE;
}

/* "inline cpl3", "thread-other cpl0 work=1000", "kernel cpl3", ... */
static void variant(const struct iop_state *s, char *buf, size_t len)
{
	/* Where the device thread runs matters only when there is one. */
	bool thread = s->model == IOP_THREAD || (s->model == IOP_KERNEL && s->work);
	size_t n = (size_t)snprintf(buf, len, "%s%s cpl%d", models[s->model],
				    !thread ? "" : s->other_cpu ? "-other" : "-same",
				    s->cpl);

	if (s->out && s->model != IOP_KERNEL && n < len)
		n += (size_t)snprintf(buf + n, len - n, " out");
	if (s->size != 1 && n < len)
		n += (size_t)snprintf(buf + n, len - n, " %uB", s->size);
	if (s->port != HV_PIO_DUMMY && n < len)
		n += (size_t)snprintf(buf + n, len - n, " port=0x%x", s->port);
	if (s->work && n < len)
		n += (size_t)snprintf(buf + n, len - n, " work=%llu",
				      (unsigned long long)s->work);
	if (!s->probes && s->model != IOP_KERNEL && n < len)
		snprintf(buf + n, len - n, " no-probes");
}

/* What the probes cost: the round trips of the unstamped accesses against
 * the stamped ones, interleaved in the same run so that drift cancels. */
static void probe_cost_json(struct iop_state *s, struct rec *rec)
{
	const struct hv_shared *sh = s->vm->shared;
	uint32_t n = sh->nsamples < HV_MAX_SAMPLES ? sh->nsamples : HV_MAX_SAMPLES;
	double *x[2];
	size_t k[2] = { 0, 0 };
	struct stats_summary st[2];
	char why[256];

	x[0] = malloc(n * sizeof(double) + 1);
	x[1] = malloc(n * sizeof(double) + 1);
	for (uint32_t i = 0; x[0] && x[1] && i < n; i++) {
		int u = iop_unprobed(i);
		x[u][k[u]++] = (double)sh->samples[i];
	}
	if (k[0] && k[1] && stats_from_samples(x[0], k[0], &st[0]) == 0 &&
	    stats_from_samples(x[1], k[1], &st[1]) == 0 && st[1].p50 > 0) {
		double d = (st[0].p50 - st[1].p50) / st[1].p50;
		/* Flag only a cost that exceeds 2% beyond the medians' CIs. */
		double sure = (st[0].ci95_low - st[1].ci95_high) / st[1].p50;

		rec_set(rec, "probe_cost", json_pack(
			"{s:f, s:f, s:I, s:I, s:f, s:f}", "stamped_p50", st[0].p50,
			"unstamped_p50", st[1].p50, "n_stamped", (json_int_t)k[0],
			"n_unstamped", (json_int_t)k[1], "distortion", d,
			"limit", 0.02));
		if (sure > 0.02) {
			snprintf(why, sizeof(why),
				 "the probes add %.1f%% to the round trip (stamped median %.0f, unstamped %.0f; limit 2%%)",
				 100 * d, st[0].p50, st[1].p50);
			rec_flag(rec, "suspect", why);
		}
	}
	free(x[0]);
	free(x[1]);
}

/* Segments, shares and the two checks: segment medians add up to the
 * round-trip median, and the clocks are one timeline. */
static void segments_json(struct iop_state *s, struct rec *rec, double rt,
			  const struct hostinfo *host)
{
	double sum = 0, skew = -1;
	char why[768];

	iop_ring_flush(s);
	for (int i = 0; i < IOP_NSEG; i++) {
		struct stats_summary st;

		if (!s->m[i].n || stats_from_histogram(s->hist[i], &s->m[i], &st) < 0)
			continue;
		char name[64], what[160];
		snprintf(name, sizeof(name), "segments/%s", seg_names[i]);
		snprintf(what, sizeof(what), "the %s segment of one access, guest and host stamps on one TSC timeline",
			 seg_descr[i]);
		rec_metric_set_part_of(rec_metric_stats(rec, name, "cycles", what, &st, 1),
				       "round_trip");
		snprintf(name, sizeof(name), "share/%s", seg_names[i]);
		snprintf(what, sizeof(what), "the %s segment's median over the round-trip median",
			 seg_descr[i]);
		rec_metric_set_part_of(rec_metric_value(rec, name, "fraction", what,
							rt > 0 ? st.p50 / rt : 0),
				       "round_trip");
		sum += st.p50;
	}
	probe_cost_json(s, rec);
	double err = rt > 0 ? (sum - rt) / rt : 0;
	rec_set(rec, "segments_sum_check",
			    json_pack("{s:f, s:f, s:f, s:f}", "sum_p50", sum,
				      "round_trip_p50", rt, "error", err, "limit", 0.02));
	if (fabs(err) > 0.02) {
		snprintf(why, sizeof(why),
			 "segment medians add up to %.0f cycles, %+.1f%% off the round-trip median %.0f (limit 2%%)",
			 sum, 100 * err, rt);
		rec_flag(rec, "suspect", why);
	}
	enum iop_clock_fit fit = iop_clock_verdict(s, rt, &skew, why, sizeof(why));
	rec_metric_value(rec, "skew_cycles", "cycles",
			 "bound on the guest-host clock offset error from the exchange (null: none fit)",
			 skew < 0 ? NAN : skew);
	/* The bound, always: a reader sees how close to a limit a row is. */
	rec_set(rec, "clock_bound", json_pack("{s:o, s:f, s:f}",
		"share", skew >= 0 && rt > 0 ? json_real(skew / rt) : json_null(),
		"limit", IOP_CLOCK_LIMIT, "marginal_limit", IOP_CLOCK_MARGINAL));
	rec_set(rec, "timeline", iop_clock_json(s));
	if (fit == IOP_CLOCK_MARGINAL_FIT) {
		rec_flag(rec, "marginal", why);
	} else if (fit == IOP_CLOCK_BAD) {
		size_t n = strlen(why);

		/* Each emulated instruction takes thousands of cycles there, and
		 * the guest's answer to the clock exchange is several of them. */
		if (s->cpl == 0 && host && !strcmp(host->backend, "pvm"))
			snprintf(why + n, sizeof(why) - n,
				 "; guest CPL0 is emulated on this PVM host, so its TSC reads cannot be placed more precisely (cpl 3 can)");
		rec_set_status(rec, REC_UNSUPPORTED, why);
	}
}

static void finish_io_path(struct mb_setup_ctx *c, struct rec *rec)
{
	struct iop_state *s = c->priv;
	const struct rec_metric *cycles = rec_metric_find(rec, "cycles");
	json_int_t iters = json_integer_value(rec_get(rec, "iterations"));
	char v[128];

	if (!s)
		return;
	/* The threads are done with the state before anything reads it. */
	iop_dev_stop(s);
	iop_clock_stop(s);
	variant(s, v, sizeof(v));
	rec_set_variant(rec, v);
	if (rec->status == REC_OK && cycles) {
		/* The family's figure: one access, exit to re-entry. */
		struct stats_summary st = cycles->st;
		struct rec_metric *rt = rec_metric_stats(rec, "round_trip", cycles->unit,
			"one port access, guest stamp to guest stamp: exit, dispatch, device model and entry",
			&st, cycles->per);
		cycles = rec_metric_find(rec, "cycles");	/* the array may have moved */
		if (rt && cycles->n_reps)
			rec_metric_set_reps(rt, cycles->reps, cycles->n_reps);
		double cyc_p50 = rec_metric_stat(cycles, "p50");
		cycles = NULL;	/* stale after the next add */
		rec_set_headline(rec, "round_trip");
		rec_set(rec, "placement", json_pack("{s:i, s:o, s:I, s:I}",
			"vcpu_cpu", s->vcpu_cpu,
			"device_cpu", s->model == IOP_INLINE || s->dev_cpu < 0 ?
				json_null() : json_integer(s->dev_cpu),
			"handoffs", (json_int_t)s->handoffs,
			"eventfd_kicks", (json_int_t)s->kicks));
		rec_metric_value(rec, "vmm_exits_per_op", "per op",
				 "exits that reached the device model in user space, per access",
				 iters ? (double)s->window_calls / (double)iters : 0);
		if (s->probes)
			segments_json(s, rec, cyc_p50, c->host);
	}
	state_free(s);
	c->priv = NULL;
}

static const struct mb_bench b_io_path = {
	.name = "io_path", .family = "io-path",
	.description = "the dummy-port 0x22e study: one port access, its round trip split into exit, dispatch, device model and entry on one TSC timeline",
	.archs = MB_ARCH_X86, .exit_kind = "port I/O (user space, or kernel with ioeventfd)",
	.expected_exits = 1, .exit_stat = "exits_caused",
	.body = "io_path", .cpls = MB_CPL_ANY, .no_subtract = true,
	.max_batch = 1,	/* one access per sample: the host splits each into segments */
	.ext_params = io_params,
	.setup = setup_io_path, .probe_ucall = probe_io_path,
	.finish = finish_io_path,
};

MB_REGISTER(b_io_path);
