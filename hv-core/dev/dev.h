/* Device models: each is one small file in hv-core/dev/, registered on a VM
 * through hv_vm_add_pio / hv_vm_add_mmio. */
#ifndef HV_CORE_DEV_H
#define HV_CORE_DEV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_vcpu;

/* The guest->host call channel: a 32-bit write of the call number. */
int dev_ucall_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		 uint32_t len, void *opaque);
/* The dummy device behind port 0x22e: reads return all ones (an absent
 * device), writes are dropped. */
int dev_dummy_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		 uint32_t len, void *opaque);

/* A device thread (hv-core/dev/thread.c): one per device that works off the
 * vCPU threads. fn runs until it returns or dev_thread_stopping() says so;
 * its return value is what dev_thread_stop gives back. */
struct dev_thread {
	pthread_t thread;
	bool started;
	_Atomic int stop;
	int result;
	int (*fn)(struct dev_thread *t, void *opaque);
	void *opaque;
	/* Set before stopping when the thread sleeps on something else than
	 * dev_thread_wait_fd (a futex, say): called after the stop flag is set. */
	void (*wake)(struct dev_thread *t, void *opaque);
	char name[16];
};

/* Start fn(t, opaque) on a new thread, on CPU cpu when cpu >= 0 (placement
 * is the caller's decision). 0 or -errno with err filled. */
int dev_thread_start(struct dev_thread *t, const char *name, int cpu,
		     int (*fn)(struct dev_thread *t, void *opaque),
		     void *opaque, char *err, size_t errlen);
bool dev_thread_stopping(const struct dev_thread *t);
/* Wait until eventfd fd is signalled (1, its count in *count), the thread is
 * told to stop (seen within DEV_THREAD_SLICE_MS) or timeout_ms passes (0;
 * -1 waits without a limit), or an error (-errno). */
#define DEV_THREAD_SLICE_MS 20
int dev_thread_wait_fd(struct dev_thread *t, int fd, uint64_t *count,
		       int timeout_ms);
/* Tell the thread to stop, wake it and join it: fn's return value. A thread
 * never started stops at once with 0. */
int dev_thread_stop(struct dev_thread *t);

#endif
