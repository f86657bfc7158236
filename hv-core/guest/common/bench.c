/* The guest's measured loop, the same on every arch: calibrate the probe
 * pair, warm up, then time each operation into the shared histogram. */
#include <stdint.h>
#include "guest.h"

void guest_abort(uint32_t code)
{
	SHARED->abort_code = code;
	SHARED->status = HV_GS_ABORT;
	ucall(HV_UCALL_ABORT);
	for (;;)
		garch_relax();
}

/* Bracketed by the arch's guest.lds: every GUEST_BODY linked in. */
extern const struct gbody __start_gbody[], __stop_gbody[];

/* name is the host's, NUL-padded in the shared page: compared within its
 * HV_BODY_NAME_MAX bytes, never past them. */
const struct gbody *gbody_find(const char *name)
{
	for (const struct gbody *b = __start_gbody; b < __stop_gbody; b++) {
		uint32_t k = 0;

		while (k < HV_BODY_NAME_MAX && b->name[k] && b->name[k] == name[k])
			k++;
		if (k < HV_BODY_NAME_MAX && !b->name[k] && !name[k])
			return b;
	}
	return 0;
}

#ifdef HV_NATIVE
/* For hv-core/native.c, which does not see struct gbody. */
int gbody_is_native(const struct gbody *b);
int gbody_is_native(const struct gbody *b)
{
	return b->native;
}

int gbody_has_secondary(const struct gbody *b);
int gbody_has_secondary(const struct gbody *b)
{
	return b && b->secondary;
}
#endif

static void empty_op(uint64_t i)
{
	(void)i;
	asm volatile("" ::: "memory");
}

/* `batch` operations between one probe pair: the sample. */
static inline void run_batch(void (*op)(uint64_t), uint64_t idx, uint32_t batch)
{
	for (uint32_t k = 0; k < batch; k++)
		op(idx + k);
}

/* Median cost of an empty probe pair around `batch` indirect calls, measured
 * the same way as the body. It borrows the shared histogram and clears it. */
static uint64_t calibrate(struct hv_shared *s, uint64_t n, uint32_t batch,
			  void (*null_op)(uint64_t))
{
	void (*volatile op)(uint64_t) = null_op ? null_op : empty_op;
	struct hist_moments m;
	uint64_t rank, seen = 0, median = 0;

	hist_moments_init(&m);
	/* The host counts the exits of this window: what the loop itself
	 * causes at this level, taken out of the operation's exits per op. */
	ucall(HV_UCALL_CALIB_BEGIN);
	for (uint64_t i = 0; i < n && !s->stop; i++) {
		uint64_t t0 = garch_probe_begin();
		run_batch(op, i, batch);
		uint64_t t1 = garch_probe_end();
		hist_record(s->hist, &m, t1 - t0);
		s->heartbeat++;
	}
	s->calib_done = m.n;
	ucall(HV_UCALL_CALIB_END);
	rank = (m.n + 1) / 2;
	for (uint32_t b = 0; b < HIST_BUCKETS; b++) {
		if (!s->hist[b])
			continue;
		seen += s->hist[b];
		if (seen >= rank && !median)
			median = hist_bucket_low(b);
		s->hist[b] = 0;
	}
	return median;
}

/*
 * Keeps one sample in the shared buffer and says how many samples to let
 * pass before the next: every samples_stride-th sample of the whole
 * measurement is kept, so all repetitions are represented. A full buffer
 * keeps every other stored sample and doubles the stride (no RNG, and the
 * loop pays one decrement per sample). With HV_F_SAMPLES_PREFIX (a family
 * that pairs stored sample i with its own stamps of operation i, as io-path's
 * timeline does) the first HV_MAX_SAMPLES are kept instead.
 */
static __attribute__((noinline)) uint32_t sample_keep(struct hv_shared *s,
							  uint64_t d)
{
	if (s->nsamples == HV_MAX_SAMPLES) {
		if (s->flags & HV_F_SAMPLES_PREFIX)
			return UINT32_MAX;
		for (uint32_t i = 0; i < HV_MAX_SAMPLES / 2; i++)
			s->samples[i] = s->samples[2 * i];
		s->nsamples = HV_MAX_SAMPLES / 2;
		s->samples_stride *= 2;
	}
	s->samples[s->nsamples++] = d;
	return s->samples_stride;
}

void bench_main(void)
{
	struct hv_shared *s = SHARED;
	const struct gbody *b = gbody_find(s->body);
	void (*op)(uint64_t);
	uint64_t sub, idx = 0, total = 0;
	uint32_t keep_in = 1;	/* samples until the next one stored */
	/* A body that times itself does its batch inside (virq_eoi). */
	uint32_t batch = s->batch ? s->batch : 1;

	if (!b)
		guest_abort(HV_ABORT_NO_BODY);
	if (b->init) {
		int rc = b->init();
		if (rc)
			guest_abort((uint32_t)rc);
	}
	op = b->op ? b->op : empty_op;
	s->status = HV_GS_RUNNING;
	/* Warm-up first: the calibration loop then runs warm too, so neither
	 * its cost nor its exits include first-touch faults of the loop's own
	 * pages (shadow paging takes an exit for each). */
	uint64_t w = 0;
	for (; w < s->warmup_iters && !s->stop; w++) {
		if (b->timed)
			b->timed(idx);
		else
			run_batch(op, idx, batch);
		idx += batch;
		s->heartbeat++;
	}
	s->warmup_done = w;
	s->overhead = calibrate(s, s->calib_iters, b->timed ? 1 : batch, b->null_op);
	sub = (s->flags & HV_F_NO_SUBTRACT) ? 0 : s->overhead;
	hist_moments_init(&s->moments);

	s->nsamples = 0;
	s->samples_stride = 1;
	ucall(HV_UCALL_MEASURE_BEGIN);
	for (uint32_t rep = 0; rep < s->repetitions && !s->stop; rep++) {
		uint64_t start = garch_counter(), n = 0;

		while (n < s->max_iters && !s->stop) {
			uint64_t t1, d;

			if (b->timed) {
				d = b->timed(idx);
				t1 = garch_counter();
			} else {
				uint64_t t0 = garch_probe_begin();
				run_batch(op, idx, batch);
				t1 = garch_probe_end();
				d = t1 - t0;
			}
			d = d > sub ? d - sub : 0;
			hist_record(s->hist, &s->moments, d);
			if (--keep_in == 0)
				keep_in = sample_keep(s, d);
			n++;
			idx += batch;
			s->heartbeat++;
			if (t1 - start >= s->min_cycles)
				break;
		}
		total += n;
		s->rep_iters = n;
		s->iterations = total;
		ucall(HV_UCALL_REP_END);
	}
	ucall(HV_UCALL_MEASURE_END);
	s->status = HV_GS_OK;
	ucall(HV_UCALL_DONE);
}

int secondary_at_user(void)
{
	const struct gbody *b = gbody_find(SHARED->body);

	return SHARED->cpl == 3 && b && b->secondary && b->secondary_user;
}

void secondary_main(uint32_t vcpu)
{
	const struct gbody *b = gbody_find(SHARED->body);

	if (b && b->secondary)
		b->secondary(vcpu);
}
