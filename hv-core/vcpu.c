/* The vCPU threads and their run loop: KVM_RUN, time the user-space part of
 * each exit, dispatch on the exit reason. This is the path hvbench measures,
 * so it does no allocation, no locking and no system call besides KVM_RUN. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hv-core/arch.h"
#include "hv-core/exit.h"
#include "hv-core/hv.h"

/* SIGUSR1 only interrupts KVM_RUN (EINTR); its handler does nothing. */
#define HV_KICK_SIGNAL SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;
}

volatile sig_atomic_t hv_interrupt_requested;

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;

static void install_kick_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(HV_KICK_SIGNAL, &sa, NULL);
}

void hv_vmm_probe_reset(struct hv_vcpu *vcpu)
{
	if (vcpu->vmm.hist)
		memset(vcpu->vmm.hist, 0, HIST_BUCKETS * sizeof(uint32_t));
	hist_moments_init(&vcpu->vmm.m);
	vcpu->vmm.nbuf = 0;
}

/* Off the exit path: the stored samples into the histogram and moments. */
static void vmm_fold(struct hv_vcpu *vcpu)
{
	struct hv_vmm_probe *p = &vcpu->vmm;
	uint32_t n = p->nbuf < HV_VMM_BUF ? p->nbuf : HV_VMM_BUF;

	for (uint32_t i = 0; i < n; i++)
		hist_record(p->hist, &p->m, p->buf[i]);
	p->nbuf = 0;
}

/* KVM_RUN as the bare system call: 0 or -errno, without libc's wrapper
 * and errno (measurable on this path, ci/bench/x86emu-vmm.sh). */
static inline int kvm_run(int fd)
{
#if defined(__x86_64__)
	long r;

	asm volatile("syscall"
		     : "=a"(r)
		     : "0"((long)SYS_ioctl), "D"((long)fd), "S"((long)KVM_RUN), "d"(0L)
		     : "rcx", "r11", "memory");
	return (int)r;
#else
	return ioctl(fd, KVM_RUN, 0) < 0 ? -errno : 0;
#endif
}

/* The run loop's clock, inline: a call per stamp is measurable here. */
static inline uint64_t loop_cycles(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
#else
	return arch_host_cycles();
#endif
}

static void *vcpu_thread(void *arg)
{
	struct hv_vcpu *vcpu = arg;
	struct hv_vm *vm = vcpu->vm;
	struct kvm_run *run = vcpu->run;
	const struct hv_io_dev *hot = NULL;
	bool exited = false;
	int r;

	/* Failing is harmless: the shared table only costs more per exit. */
	if (vm->opts.private_files)
		vcpu->private_files = unshare(CLONE_FILES) == 0;

	for (;;) {
		if (vm->stopping) {
			r = HV_STOP;
			break;
		}
		if (exited && vcpu->vmm.on && !vcpu->vmm.skip) {
			uint64_t d = loop_cycles() - vcpu->t_ret;
			uint32_t n = vcpu->vmm.nbuf;

			if (n >= HV_VMM_BUF) {
				vmm_fold(vcpu);
				n = 0;
			}
			vcpu->vmm.buf[n] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
			vcpu->vmm.nbuf = n + 1;
		}
		vcpu->vmm.skip = false;
		/* The only probe-timeline work on this path: one branch when off. */
		if (__builtin_expect(vcpu->probe_enter != NULL, 0)) {
			*vcpu->probe_enter = loop_cycles();
			vcpu->probe_enter = NULL;
		}
		r = kvm_run(vcpu->fd);
		vcpu->t_ret = loop_cycles();
		if (r < 0) {
			exited = false;
			if (r == -EINTR || r == -EAGAIN) {
				vcpu->exit_stat[KVM_EXIT_INTR]++;
				continue;
			}
			snprintf(vcpu->err, sizeof(vcpu->err),
				 "KVM_RUN (vcpu %u): %s", vcpu->id,
				 strerror(-r));
			break;
		}
		exited = true;
		vcpu->exits++;
		vcpu->exit_stat[run->exit_reason < HV_EXIT_OTHER ?
				run->exit_reason : HV_EXIT_OTHER]++;
		if (run->exit_reason != KVM_EXIT_IO) {
			r = hv_dispatch_exit(vcpu);
		} else if (hot && run->io.port - hot->base < hot->len &&
			   run->io.count == 1) {
			/* The port the last exit went to, one access: straight
			 * to its device model. */
			r = hot->fn(vcpu, run->io.port, run->io.direction == KVM_EXIT_IO_OUT,
				    (uint8_t *)run + run->io.data_offset, run->io.size,
				    hot->opaque);
		} else {
			r = hv_exit_io(vcpu);
			hot = hv_pio_dev(vm, run->io.port);
		}
		if (r != HV_CONTINUE)
			break;
	}
	vmm_fold(vcpu);
	vcpu->result = r < 0 ? r : 0;
	if (vcpu->id == 0 || r < 0) {
		/* vCPU 0 drives the benchmark: when it is done, so are the others. */
		hv_vm_kick(vm);
	}
	return NULL;
}

int hv_vm_start(struct hv_vm *vm, char *err, size_t errlen)
{
	pthread_once(&kick_once, install_kick_handler);
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		struct hv_vcpu *c = &vm->vcpus[i];

		if (!c->vmm.hist) {
			c->vmm.hist = calloc(HIST_BUCKETS, sizeof(uint32_t));
			c->vmm.buf = calloc(HV_VMM_BUF, sizeof(uint32_t));
			if (!c->vmm.hist || !c->vmm.buf) {
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
		}
		hv_vmm_probe_reset(c);
		int r = pthread_create(&c->thread, NULL, vcpu_thread, c);
		if (r) {
			snprintf(err, errlen, "pthread_create (vcpu %u): %s", i,
				 strerror(r));
			hv_vm_kick(vm);
			return -r;
		}
		c->thread_started = true;
		if (vm->opts.affinity) {
			r = pthread_setaffinity_np(c->thread, sizeof(cpu_set_t),
						   &vm->opts.affinity[i]);
			if (r) {
				snprintf(err, errlen, "pthread_setaffinity_np (vcpu %u): %s",
					 i, strerror(r));
				hv_vm_kick(vm);
				return -r;
			}
		}
	}
	return 0;
}

void hv_vm_kick(struct hv_vm *vm)
{
	vm->stopping = 1;
	vm->shared->stop = 1;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		struct hv_vcpu *c = &vm->vcpus[i];

		/* immediate_exit makes a KVM_RUN that has not entered yet return. */
		c->run->immediate_exit = 1;
		if (c->thread_started && !pthread_equal(c->thread, pthread_self()))
			pthread_kill(c->thread, HV_KICK_SIGNAL);
	}
}

static bool all_done(struct hv_vm *vm)
{
	return vm->stopping != 0;
}

int hv_vm_wait(struct hv_vm *vm, char *err, size_t errlen)
{
	struct timespec start, now;
	int timed_out = 0, stalled = 0;
	uint64_t last_progress = ~0ull;
	int64_t last_change_ms = 0, last_ms = 0, paused_ms = 0;
	int stall_ms = vm->opts.stall_ms ? (int)vm->opts.stall_ms : HV_STALL_MS;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!all_done(vm)) {
		/* Ctrl-C: let the guest end its loop and report what it has. */
		if (hv_interrupt_requested && !vm->shared->stop)
			vm->shared->stop = 1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t ms = (int64_t)(now.tv_sec - start.tv_sec) * 1000 +
			     (now.tv_nsec - start.tv_nsec) / 1000000;
		/* Time spent paused on purpose is neither a stall nor run time:
		 * move the clock's origin past it. */
		if (vm->paused) {
			paused_ms += ms - last_ms;
			last_change_ms = ms;
		}
		last_ms = ms;
		ms -= paused_ms;
		last_change_ms = last_change_ms > ms ? ms : last_change_ms;
		/* A vCPU that neither exits nor advances the guest's heartbeat is
		 * stuck: say so now rather than at the timeout. */
		uint64_t progress = vm->vcpus[0].exits + vm->shared->heartbeat;
		if (progress != last_progress) {
			last_progress = progress;
			last_change_ms = ms;
		} else if (ms - last_change_ms > stall_ms) {
			stalled = 1;
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
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		struct hv_vcpu *c = &vm->vcpus[i];

		if (c->result < 0) {
			snprintf(err, errlen, "%s", c->err);
			return c->result;
		}
	}
	if (timed_out || stalled) {
		char where[96];

		arch_vcpu_where(&vm->vcpus[0], where, sizeof(where));
		if (stalled)
			snprintf(err, errlen,
				 "vCPU 0 stalled: no exit and no guest progress for %d ms (at %s, %llu exits so far)",
				 stall_ms, where,
				 (unsigned long long)vm->vcpus[0].exits);
		else
			snprintf(err, errlen,
				 "timed out after %u ms (vcpu 0 at %s; %u samples taken)",
				 vm->opts.timeout_ms, where, vm->shared->nsamples);
		return stalled ? -EDEADLK : -ETIMEDOUT;
	}
	return 0;
}
