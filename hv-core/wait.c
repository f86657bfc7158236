/* hv_vm_wait: the timeout and the stall watchdog over every vCPU while the
 * vCPU threads run, then the join. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"

/* What the watchdog keeps per vCPU. */
struct watch {
	uint64_t progress;
	int64_t since_ms;	/* when progress last changed */
};

/* KVM's "blocking" statistic of a vCPU (1 while it sleeps in KVM, halted
 * and waiting for an interrupt), found in its binary stats. Opened when
 * the VM is created: KVM_GET_STATS_FD waits for a vCPU in KVM_RUN. */
void hv_vcpu_open_blocking(struct hv_vcpu *c)
{
	struct kvm_stats_header h;
	int fd = ioctl(c->fd, KVM_GET_STATS_FD, NULL);

	c->stats_fd = -1;
	c->blocking_off = 0;
	if (fd < 0)
		return;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || h.name_size > 256 ||
	    h.name_size == 0) {
		close(fd);
		return;
	}
	size_t dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	uint8_t *buf = malloc(dsz);
	for (uint32_t i = 0; buf && i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (struct kvm_stats_desc *)buf;

		if (pread(fd, buf, dsz, h.desc_offset + (off_t)i * dsz) != (ssize_t)dsz)
			break;
		d->name[h.name_size - 1] = 0;
		if (!strcmp(d->name, "blocking")) {
			c->blocking_off = h.data_offset + d->offset;
			break;
		}
	}
	free(buf);
	if (!c->blocking_off) {
		close(fd);
		return;
	}
	c->stats_fd = fd;
}

static bool blocked(const struct hv_vcpu *c)
{
	uint64_t v = 0;

	return c->stats_fd >= 0 &&
	       pread(c->stats_fd, &v, sizeof(v), (off_t)c->blocking_off) == sizeof(v) &&
	       v != 0;
}

static uint64_t progress(struct hv_vm *vm, uint32_t i)
{
	return vm->vcpus[i].exits + (i == 0 ? vm->shared->heartbeat :
					      vm->shared->vcpu_heartbeat[i]);
}

/* Is vCPU i stuck at ms? Idle (blocked) secondaries reset their clock;
 * without the statistic, a secondary is watched once it has a heartbeat. */
static bool stuck(struct hv_vm *vm, struct watch *w, uint32_t i, int64_t ms,
		  int stall_ms)
{
	uint64_t p = progress(vm, i);

	if (vm->vcpus[i].finished || p != w->progress) {
		w->progress = p;
		w->since_ms = ms;
		return false;
	}
	/* Only a vCPU quiet for a while costs a statistics read. */
	if (i > 0 && ms - w->since_ms > stall_ms / 2) {
		const struct hv_vcpu *c = &vm->vcpus[i];

		if (c->stats_fd < 0 ? !vm->shared->vcpu_heartbeat[i] : blocked(c)) {
			w->since_ms = ms;
			return false;
		}
	}
	return ms - w->since_ms > stall_ms;
}

static int64_t now_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void join_all(struct hv_vm *vm)
{
	/* The kick may race with a vCPU that was between its check and
	 * KVM_RUN; immediate_exit covers that, a few repeats cover the signal. */
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		struct hv_vcpu *c = &vm->vcpus[i];

		if (!c->thread_started)
			continue;
		for (;;) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			if (pthread_timedjoin_np(c->thread, NULL, &ts) == 0)
				break;
			pthread_kill(c->thread, HV_KICK_SIGNAL);
		}
		c->thread_started = false;
	}
}

int hv_vm_wait(struct hv_vm *vm, char *err, size_t errlen)
{
	struct timespec start;
	int timed_out = 0;
	int64_t last_ms = 0, paused_ms = 0;
	int stall_ms = vm->opts.stall_ms ? (int)vm->opts.stall_ms : HV_STALL_MS;
	struct watch *w = calloc(vm->nr_vcpus, sizeof(*w));
	int64_t stalled = -1;

	if (!w) {
		hv_vm_kick(vm);
		join_all(vm);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		w[i].progress = ~0ull;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!vm->stopping) {
		/* Ctrl-C: let the guest end its loop and report what it has. */
		if (hv_interrupt_requested && !vm->shared->stop)
			vm->shared->stop = 1;
		int64_t ms = now_ms(&start);
		/* Time spent paused on purpose is neither a stall nor run time:
		 * move the clock's origin past it. */
		if (vm->paused) {
			paused_ms += ms - last_ms;
			for (uint32_t i = 0; i < vm->nr_vcpus; i++)
				w[i].since_ms = ms - paused_ms;
		}
		last_ms = ms;
		ms -= paused_ms;
		for (uint32_t i = 0; i < vm->nr_vcpus && stalled < 0; i++)
			if (stuck(vm, &w[i], i, ms, stall_ms))
				stalled = i;
		if (stalled >= 0) {
			hv_vm_kick(vm);
			break;
		}
		if (vm->opts.timeout_ms && ms > vm->opts.timeout_ms) {
			timed_out = 1;
			hv_vm_kick(vm);
			break;
		}
		usleep(1000);
	}
	join_all(vm);
	free(w);
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		struct hv_vcpu *c = &vm->vcpus[i];

		if (c->result < 0) {
			snprintf(err, errlen, "%s", c->err);
			return c->result;
		}
	}
	if (timed_out || stalled >= 0) {
		char where[96];
		uint32_t v = stalled >= 0 ? (uint32_t)stalled : 0;

		arch_vcpu_where(&vm->vcpus[v], where, sizeof(where));
		if (stalled >= 0)
			snprintf(err, errlen,
				 "vCPU %u stalled: no exit and no guest progress for %d ms (at %s, %llu exits so far)",
				 v, stall_ms, where,
				 (unsigned long long)vm->vcpus[v].exits);
		else
			snprintf(err, errlen,
				 "timed out after %u ms (vcpu 0 at %s; %u samples taken)",
				 vm->opts.timeout_ms, where, vm->shared->nsamples);
		return stalled >= 0 ? -EDEADLK : -ETIMEDOUT;
	}
	return 0;
}
