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
#include <unistd.h>

#include "hv-core/arch.h"
#include "hv-core/exit.h"
#include "hv-core/hv.h"


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
	struct hv_vmm_probe *p = &vcpu->vmm;

	if (p->hist)
		memset(p->hist, 0, HIST_BUCKETS * sizeof(uint32_t));
	hist_moments_init(&p->m);
	p->nbuf = 0;
	/* the slots past n_reasons were never written since the last reset */
	for (uint32_t i = 0; i < HV_VMM_REASONS; i++) {
		if (p->by_reason[i].hist && i < p->n_reasons)
			memset(p->by_reason[i].hist, 0, HIST_BUCKETS * sizeof(uint32_t));
		hist_moments_init(&p->by_reason[i].m);
	}
	p->n_reasons = 0;
	memset(p->exit_vmm_n, 0, sizeof(p->exit_vmm_n));
	memset(p->exit_vmm_cycles, 0, sizeof(p->exit_vmm_cycles));
}

/* The histogram slot of one exit reason, NULL past HV_VMM_REASONS. */
static struct hv_vmm_reason *reason_slot(struct hv_vmm_probe *p, uint8_t reason)
{
	for (uint32_t i = 0; i < p->n_reasons; i++)
		if (p->by_reason[i].reason == reason)
			return &p->by_reason[i];
	if (p->n_reasons == HV_VMM_REASONS || !p->by_reason[p->n_reasons].hist)
		return NULL;
	p->by_reason[p->n_reasons].reason = reason;
	return &p->by_reason[p->n_reasons++];
}

/* Off the exit path: the stored samples into the histogram and moments. */
static void vmm_fold(struct hv_vcpu *vcpu)
{
	struct hv_vmm_probe *p = &vcpu->vmm;
	uint32_t n = p->nbuf < HV_VMM_BUF ? p->nbuf : HV_VMM_BUF;
	struct hv_vmm_reason *last = NULL;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t r = p->rbuf[i] < HV_EXIT_ARCH_BASE ? p->rbuf[i] : HV_EXIT_OTHER;

		hist_record(p->hist, &p->m, p->buf[i]);
		p->exit_vmm_n[r]++;
		p->exit_vmm_cycles[r] += p->buf[i];
		if (!last || last->reason != r)
			last = reason_slot(p, r);
		if (last)
			hist_record(last->hist, &last->m, p->buf[i]);
	}
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
	if (vm->on_start)
		vm->on_start(vcpu, vm->ucall_opaque);

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
			/* kvm_run still holds the exit just handled */
			vcpu->vmm.rbuf[n] = (uint8_t)(run->exit_reason < HV_EXIT_OTHER ?
						      run->exit_reason : HV_EXIT_OTHER);
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
	vcpu->finished = 1;
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
			c->vmm.rbuf = calloc(HV_VMM_BUF, 1);
			for (uint32_t k = 0; k < HV_VMM_REASONS; k++)
				c->vmm.by_reason[k].hist = calloc(HIST_BUCKETS, sizeof(uint32_t));
			if (!c->vmm.hist || !c->vmm.buf || !c->vmm.rbuf ||
			    !c->vmm.by_reason[HV_VMM_REASONS - 1].hist) {
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
		}
		hv_vmm_probe_reset(c);
		c->finished = 0;
		/* The thread starts where it is placed: set after the start,
		 * its first guest instructions (and calls) could run elsewhere. */
		pthread_attr_t attr;
		int r = pthread_attr_init(&attr);
		if (r == 0 && vm->opts.affinity)
			r = pthread_attr_setaffinity_np(&attr, sizeof(cpu_set_t),
							&vm->opts.affinity[i]);
		if (r == 0)
			r = pthread_create(&c->thread, &attr, vcpu_thread, c);
		pthread_attr_destroy(&attr);
		if (r) {
			snprintf(err, errlen, "starting vcpu %u's thread%s: %s", i,
				 vm->opts.affinity ? " on its CPU set" : "", strerror(r));
			hv_vm_kick(vm);
			return -r;
		}
		c->thread_started = true;
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

int hv_vcpu_counter_offset(struct hv_vcpu *v, int64_t *off, uint64_t *width,
			   char *err, size_t errlen)
{
	return arch_vcpu_counter_offset(v, off, width, err, errlen);
}

int hv_vcpu_tsc_offset(struct hv_vcpu *v, int64_t off, int64_t *back,
		       char *err, size_t errlen)
{
#ifdef KVM_VCPU_TSC_CTRL
	struct kvm_device_attr a = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uint64_t)(uintptr_t)&off,
	};
	int r;

	if (ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &a) < 0) {
		snprintf(err, errlen, "KVM has no per-vCPU TSC offset control here");
		return -ENOTSUP;
	}
	r = HV_IOCTL(v->fd, KVM_SET_DEVICE_ATTR, &a, err, errlen);
	if (r < 0)
		return r;
	a.addr = (uint64_t)(uintptr_t)back;
	return HV_IOCTL(v->fd, KVM_GET_DEVICE_ATTR, &a, err, errlen);
#else
	snprintf(err, errlen, "KVM has no per-vCPU TSC offset control on this arch");
	return -ENOTSUP;
#endif
}
