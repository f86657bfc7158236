/* The devices family's bare-metal reference: the same driver body on this
 * host thread, the same device model on a hardware thread polling the same
 * ring layout, the ring in host memory (hv-core/native.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/native.h"
#include "microbench/devices/nic.h"
#include "probes/stats.h"
#include "probes/topo.h"

struct twin {
	struct nic_dev *dev;
	struct nic_cpu *cpu;
	const cpu_set_t *allowed;
	cpu_set_t saved;
	bool pinned, started;
	int r;
	char *err;
	size_t errlen;
};

/* The body's probe call, as the VMM would get it: pin this thread where
 * it runs, start the hardware on another CPU. */
static void on_call(uint32_t nr, void *opaque)
{
	struct twin *t = opaque;
	int cpu = sched_getcpu();

	/* The window's edges, on this (the driver's) thread, as the VMM
	 * reads them on the vCPU's. */
	if (nr == HV_UCALL_MEASURE_BEGIN || nr == HV_UCALL_MEASURE_END) {
		nic_cpu_mark(t->cpu, t->started ? &t->dev->thr : NULL, nr == HV_UCALL_MEASURE_BEGIN);
		return;
	}
	if (nr != HV_UCALL_PROBE || t->started)
		return;
	if (cpu < 0 || !CPU_ISSET(cpu, t->allowed))
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, t->allowed); cpu++)
			;
	if (pthread_getaffinity_np(pthread_self(), sizeof(t->saved), &t->saved) == 0 &&
	    topo_pin_thread(pthread_self(), cpu, t->err, t->errlen) == 0)
		t->pinned = true;
	t->r = nic_hw_start(t->dev, nic_place(t->allowed, cpu), t->err, t->errlen);
	t->started = t->r == 0;
	/* Without its hardware the driver times out: the run says why. */
}

int nic_native_run(const struct mb_setup_ctx *c, const struct nic_state *st,
		   struct nic_twin *out, char *err, size_t errlen)
{
	const struct mb_params *p = &st->orig;
	uint64_t batch = p->batch ? p->batch : 1;
	struct twin t = { .allowed = &st->allowed, .err = err, .errlen = errlen, .cpu = &out->cpu };
	struct hv_shared *s = calloc(1, sizeof(*s));
	uint8_t *ring = aligned_alloc(4096, NIC_REGION_SIZE);
	int r;

	t.dev = calloc(1, sizeof(*t.dev));
	if (!s || !ring || !t.dev) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	memset(ring, 0, NIC_REGION_SIZE);
	memset(&out->cpu, 0, sizeof(out->cpu));
	nic_dev_init(t.dev, ring, (uintptr_t)ring, NIC_REGION_SIZE);
	t.dev->stall = st->fault == NIC_F_STALL;
	/* As the runner fills the guest's page (hvbench/measure.c). */
	s->magic = HV_ABI_MAGIC;
	s->abi_version = HV_ABI_VERSION;
	s->nr_vcpus = 1;
	s->tsc_khz = st->tsc_khz;
	hv_body_name_put(s->body, c->bench->body);
	s->cpl = 3;
	s->min_cycles = (uint64_t)p->min_time_ms * st->tsc_khz;
	s->batch = (uint32_t)batch;
	s->max_iters = (p->max_iters + batch - 1) / batch;
	s->warmup_iters = (p->warmup_iters + batch - 1) / batch;
	s->repetitions = p->repetitions;
	s->calib_iters = 2000;
	s->param[NIC_P_MODEL] = NIC_NATIVE;
	s->param[NIC_P_BASE] = (uintptr_t)ring;
	s->param[NIC_P_SIZE] = st->size;
	s->param[NIC_P_FAULT] = (uint64_t)st->fault;
	s->param[NIC_P_TIMEOUT] = st->tsc_khz * 1000;	/* 1 s */
	r = hv_native_run(s, on_call, &t, err, errlen);
	if (t.started)
		nic_hw_stop(t.dev);
	if (t.pinned)
		pthread_setaffinity_np(pthread_self(), sizeof(t.saved), &t.saved);
	if (r < 0)
		goto out;
	if (t.r < 0) {
		r = t.r;	/* err says why the hardware did not start */
	} else if (atomic_load(&t.dev->failed)) {
		snprintf(err, errlen, "the device refused a descriptor: %s", t.dev->why);
		r = -EPROTO;
	} else if (s->status != HV_GS_OK) {
		char why[200];
		snprintf(err, errlen, "the native driver ended with status %u: %s", s->status,
			 s->status == HV_GS_ABORT ? mb_abort_reason(c->bench, s->abort_code, why, sizeof(why)) :
			 "not finished");
		r = -EPROTO;
	} else if (stats_from_histogram(s->hist, &s->moments, out->sum) < 0) {
		snprintf(err, errlen, "the native run's histogram and moments disagree");
		r = -EPROTO;
	}
	if (r == 0) {
		/* Its counts and histogram; the thread is joined. */
		memcpy(out->dev, t.dev, sizeof(*out->dev));
		out->packets = s->iterations * batch;
	}
out:
	free(t.dev);
	free(ring);
	free(s);
	return r;
}
