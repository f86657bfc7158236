/* The native target's runner (hv-core/native.h): the guest runtime's
 * measured loop, built for the host, on the caller's shared page. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hv-core/native.h"

/* From the arch-neutral guest files, built with HV_NATIVE. */
struct gbody;
const struct gbody *gbody_find(const char *name);
int gbody_is_native(const struct gbody *b);
void bench_main(void);
void secondary_main(uint32_t vcpu);
int gbody_has_secondary(const struct gbody *b);

__thread struct hv_shared *hv_native_page;
static __thread jmp_buf *native_exit;
static __thread hv_native_call_fn native_call;
static __thread void *native_opaque;

/* A body's call to the host. ABORT and FAULT end the run: the guest would
 * wait for the VMM to stop it, a host thread returns instead. */
void hv_native_ucall(uint32_t nr)
{
	if (native_call)
		native_call(nr, native_opaque);
	if ((nr == HV_UCALL_ABORT || nr == HV_UCALL_FAULT) && native_exit)
		longjmp(*native_exit, 1);
}

/* A secondary vCPU of the body as a host thread: its own page pointer
 * (the same page), its own way out on ABORT or FAULT. */
struct native_secondary {
	pthread_t thread;
	struct hv_shared *page;
	uint32_t vcpu;
	bool started;
};

static void *secondary_thread(void *arg)
{
	struct native_secondary *t = arg;
	jmp_buf exit_to;

	hv_native_page = t->page;
	native_exit = &exit_to;
	if (!setjmp(exit_to))
		secondary_main(t->vcpu);
	native_exit = NULL;
	hv_native_page = NULL;
	return NULL;
}

/* vCPU 0's measured loop on this thread, until DONE, ABORT or FAULT. */
static void run_main(hv_native_call_fn on_call, void *opaque)
{
	jmp_buf exit_to;

	native_call = on_call;
	native_opaque = opaque;
	native_exit = &exit_to;
	if (!setjmp(exit_to))
		bench_main();
	native_exit = NULL;
	native_call = NULL;
}

int hv_native_run(struct hv_shared *page, hv_native_call_fn on_call, void *opaque,
		  char *err, size_t errlen)
{
	struct native_secondary sec[HV_MAX_VCPUS];
	uint32_t nsec = 0;
	const struct gbody *b;

	hv_native_page = page;
	b = gbody_find(page->body);
	if (!b || !gbody_is_native(b)) {
		snprintf(err, errlen, "no native body \"%.*s\" (a body runs natively when its GUEST_BODY says .native)",
			 HV_BODY_NAME_MAX, page->body);
		hv_native_page = NULL;
		return -ENOENT;
	}
	if (page->nr_vcpus < 1 || page->nr_vcpus > HV_MAX_VCPUS) {
		snprintf(err, errlen, "nr_vcpus %u: want 1 to %d", page->nr_vcpus, HV_MAX_VCPUS);
		hv_native_page = NULL;
		return -EINVAL;
	}
	/* The other vCPUs, where the body has them: threads started first,
	 * as the VMM starts the secondaries before vCPU 0 measures. */
	for (uint32_t v = 1; gbody_has_secondary(b) && v < page->nr_vcpus; v++) {
		struct native_secondary *t = &sec[nsec];
		int r;

		*t = (struct native_secondary){ .page = page, .vcpu = v };
		if ((r = pthread_create(&t->thread, NULL, secondary_thread, t))) {
			snprintf(err, errlen, "starting the native twin's thread for vCPU %u: %s", v, strerror(r));
			page->stop = 1;
			for (uint32_t i = 0; i < nsec; i++)
				pthread_join(sec[i].thread, NULL);
			hv_native_page = NULL;
			return -r;
		}
		t->started = true;
		nsec++;
	}
	run_main(on_call, opaque);
	/* The secondaries run until told to stop, as in the guest. */
	page->stop = 1;
	for (uint32_t i = 0; i < nsec; i++)
		pthread_join(sec[i].thread, NULL);
	hv_native_page = NULL;
	return 0;
}
