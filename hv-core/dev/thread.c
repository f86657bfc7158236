/* Device threads: one per device model that works apart from the vCPU
 * threads (an ioeventfd worker, a back end that raises an irqfd). The
 * generic part lives here: start (optionally on one CPU), a wait that a stop
 * always ends, stop and join. What the thread does is the device's.
 *
 * A stop is a flag, not a file: a device thread is often started on a vCPU
 * thread that runs with a file table of its own (hv_vm_opts.private_files),
 * where an fd made for it means nothing to the thread that stops it. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hv-core/dev/dev.h"

static void *trampoline(void *arg)
{
	struct dev_thread *t = arg;

	t->result = t->fn(t, t->opaque);
	return NULL;
}

int dev_thread_start(struct dev_thread *t, const char *name, int cpu,
		     int (*fn)(struct dev_thread *t, void *opaque),
		     void *opaque, char *err, size_t errlen)
{
	pthread_attr_t a;
	int r;

	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->opaque = opaque;
	snprintf(t->name, sizeof(t->name), "%s", name);
	pthread_attr_init(&a);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_setaffinity_np(&a, sizeof(set), &set);
	}
	r = pthread_create(&t->thread, &a, trampoline, t);
	pthread_attr_destroy(&a);
	if (r) {
		snprintf(err, errlen, "pthread_create (device thread %s%s): %s",
			 name, cpu >= 0 ? ", pinned" : "", strerror(r));
		return -r;
	}
	/* Named for ps/perf; a name that does not fit is only cosmetic. */
	pthread_setname_np(t->thread, t->name);
	t->started = true;
	return 0;
}

bool dev_thread_stopping(const struct dev_thread *t)
{
	return atomic_load_explicit(&t->stop, memory_order_acquire) != 0;
}

int dev_thread_wait_fd(struct dev_thread *t, int fd, uint64_t *count,
		       int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int waited = 0;

	/* In slices, so that a stop is seen within DEV_THREAD_SLICE_MS. */
	while (!dev_thread_stopping(t)) {
		int slice = DEV_THREAD_SLICE_MS;

		if (timeout_ms >= 0) {
			if (waited >= timeout_ms)
				return 0;
			if (timeout_ms - waited < slice)
				slice = timeout_ms - waited;
		}
		int r = poll(&p, 1, slice);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0) {
			waited += slice;
			continue;
		}
		if (!(p.revents & POLLIN))
			return -EBADF;	/* closed under us, or an error on it */
		uint64_t n;
		/* Nonblocking: another reader may have taken the count. */
		if (read(fd, &n, sizeof(n)) != sizeof(n))
			continue;
		if (count)
			*count = n;
		return 1;
	}
	return 0;
}

int dev_thread_stop(struct dev_thread *t)
{
	if (!t->started)
		return 0;
	atomic_store_explicit(&t->stop, 1, memory_order_release);
	if (t->wake)
		t->wake(t, t->opaque);
	pthread_join(t->thread, NULL);
	t->started = false;
	return t->result;
}
