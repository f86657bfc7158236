/* VM lifecycle: /dev/kvm, guest RAM, device registration and the embedded
 * guest image. vCPU threads and the run loop live in vcpu.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv-core/arch.h"
#include "hv-core/hv.h"

int hv_ioctl(int fd, unsigned long req, void *arg, const char *name,
	     char *err, size_t errlen)
{
	int r = ioctl(fd, req, arg);

	if (r < 0) {
		int e = errno;
		if (err)
			snprintf(err, errlen, "%s: %s", name, strerror(e));
		return -e;
	}
	return r;
}

static int open_kvm(char *err, size_t errlen)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			snprintf(err, errlen, "/dev/kvm does not exist: this host has no KVM (load kvm_intel/kvm_amd, or enable nested virtualization)");
		else if (e == EACCES || e == EPERM)
			snprintf(err, errlen, "/dev/kvm: permission denied (run as root or add yourself to the 'kvm' group)");
		else
			snprintf(err, errlen, "open /dev/kvm: %s", strerror(e));
		return -e;
	}
	int v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		snprintf(err, errlen, "KVM_GET_API_VERSION: got %d, need %d", v,
			 KVM_API_VERSION);
		close(fd);
		return -ENOTSUP;
	}
	return fd;
}

/* The VM's halt-polling limit (KVM_CAP_HALT_POLL, Linux 5.13 on): its
 * vCPUs poll at most ns before they sleep in HLT/WFI. */
static int set_halt_poll(struct hv_vm *vm, uint32_t ns, char *err, size_t errlen)
{
	struct kvm_enable_cap ec = { .cap = KVM_CAP_HALT_POLL, .args = { ns } };

	if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HALT_POLL) <= 0) {
		snprintf(err, errlen, "KVM_CAP_HALT_POLL not offered by this host's KVM: the VM's halt polling cannot be set");
		return -ENOTSUP;
	}
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &ec) < 0) {
		int e = errno;
		snprintf(err, errlen, "KVM_ENABLE_CAP(KVM_CAP_HALT_POLL, %u ns): %s (errno %d)",
			 ns, strerror(e), e);
		return -ENOTSUP;
	}
	return 0;
}

int hv_vm_create(const struct hv_vm_opts *opts, struct hv_vm **out,
		 char *err, size_t errlen)
{
	struct hv_vm *vm;
	int r;

	if (opts->nr_vcpus < 1 || opts->nr_vcpus > HV_MAX_VCPUS) {
		snprintf(err, errlen, "vcpus must be 1..%d, got %u", HV_MAX_VCPUS,
			 opts->nr_vcpus);
		return -EINVAL;
	}
	if (opts->mem_bytes < (uint64_t)HV_MIN_MEM_MB << 20 ||
	    opts->mem_bytes > HV_MAX_MEM) {
		snprintf(err, errlen, "guest memory must be %d MiB..%llu MiB",
			 HV_MIN_MEM_MB, (unsigned long long)(HV_MAX_MEM >> 20));
		return -EINVAL;
	}
	vm = calloc(1, sizeof(*vm));
	if (vm)
		vm->vcpus = calloc(opts->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm || !vm->vcpus) {
		free(vm);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vm->opts = *opts;
	vm->vm_fd = -1;
	for (uint32_t i = 0; i < opts->nr_vcpus; i++)
		vm->vcpus[i].fd = vm->vcpus[i].stats_fd = -1;
	vm->kvm_fd = open_kvm(err, errlen);
	if (vm->kvm_fd < 0) {
		r = vm->kvm_fd;
		free(vm->vcpus);
		free(vm);
		return r;
	}
	int max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max <= 0)	/* older KVMs: the recommended count is the limit */
		max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max > 0 && opts->nr_vcpus > (uint32_t)max) {
		snprintf(err, errlen, "vcpus %u is more than this host's KVM allows (KVM_CAP_MAX_VCPUS %d)",
			 opts->nr_vcpus, max);
		r = -ENOTSUP;
		goto fail;
	}
	r = HV_IOCTL(vm->kvm_fd, KVM_CREATE_VM, 0, err, errlen);
	if (r < 0)
		goto fail;
	vm->vm_fd = r;
	if (opts->halt_poll_set && (r = set_halt_poll(vm, opts->halt_poll_ns, err, errlen)) < 0)
		goto fail;
	r = HV_IOCTL(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0, err, errlen);
	if (r < 0)
		goto fail;
	vm->run_size = r;

	vm->mem_bytes = opts->mem_bytes;
	r = hv_vm_add_memory(vm, "ram", 0, hv_vm_ram_low(vm), opts->ram_backing,
			     0, NULL, err, errlen);
	if (r < 0)
		goto fail;
	vm->mem = vm->regions[0].hva;
	if (hv_vm_ram_high(vm)) {
		r = hv_vm_add_memory(vm, "ram-high", HV_HIGH_RAM_GPA,
				     hv_vm_ram_high(vm), opts->ram_backing, 0,
				     NULL, err, errlen);
		if (r < 0)
			goto fail;
	}
	if (opts->nr_vcpus > HV_LOW_VCPUS) {
		r = hv_vm_sys_area(vm, err, errlen);
		if (r < 0)
			goto fail;
	}
	vm->shared = (struct hv_shared *)(vm->mem + HV_SHARED_GPA);

	r = arch_vm_init(vm, err, errlen);
	if (r < 0)
		goto fail;
	for (uint32_t i = 0; i < opts->nr_vcpus; i++) {
		struct hv_vcpu *c = &vm->vcpus[i];

		c->vm = vm;
		c->id = i;
		r = HV_IOCTL(vm->vm_fd, KVM_CREATE_VCPU, (void *)(uintptr_t)i,
			     err, errlen);
		if (r < 0)
			goto fail;
		c->fd = r;
		vm->nr_vcpus = i + 1;
		/* vCPU 0 never idles on purpose: its watchdog needs no stats. */
		if (i > 0)
			hv_vcpu_open_blocking(c);
		c->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, c->fd, 0);
		if (c->run == MAP_FAILED) {
			c->run = NULL;
			r = -errno;
			snprintf(err, errlen, "mmap of kvm_run: %s",
				 strerror(-r));
			goto fail;
		}
	}
	r = arch_guest_memory_setup(vm, err, errlen);
	if (r < 0)
		goto fail;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		r = arch_vcpu_init(&vm->vcpus[i], err, errlen);
		if (r < 0)
			goto fail;
	}
	r = arch_vm_finalize(vm, err, errlen);
	if (r < 0)
		goto fail;
	r = arch_ucall_register(vm, err, errlen);
	if (r < 0)
		goto fail;
	*out = vm;
	return 0;
fail:
	hv_vm_destroy(vm);
	return r;
}

void hv_vm_destroy(struct hv_vm *vm)
{
	if (!vm)
		return;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		struct hv_vcpu *c = &vm->vcpus[i];

		arch_vcpu_destroy(c);
		free(c->vmm.hist);
		free(c->vmm.buf);
		free(c->vmm.rbuf);
		for (uint32_t k = 0; k < HV_VMM_REASONS; k++)
			free(c->vmm.by_reason[k].hist);
		if (c->run)
			munmap(c->run, vm->run_size);
		if (c->fd >= 0)
			close(c->fd);
		if (c->stats_fd >= 0)
			close(c->stats_fd);
	}
	arch_vm_destroy(vm);
	for (uint32_t i = 0; i < vm->n_eventfds; i++)
		close(vm->eventfds[i]);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	hv_vm_free_memory(vm);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm->vcpus);
	free(vm);
}

static int add_dev(struct hv_io_dev *devs, uint32_t *n, uint64_t base,
		   uint64_t len, hv_io_fn fn, void *opaque, char *err,
		   size_t errlen)
{
	if (*n >= HV_MAX_DEVS) {
		snprintf(err, errlen, "too many devices (max %d)", HV_MAX_DEVS);
		return -ENOSPC;
	}
	devs[*n] = (struct hv_io_dev){ base, len, fn, opaque };
	(*n)++;
	return 0;
}

int hv_vm_add_pio(struct hv_vm *vm, uint16_t port, uint16_t len, hv_io_fn fn,
		  void *opaque, char *err, size_t errlen)
{
	return add_dev(vm->pio, &vm->n_pio, port, len, fn, opaque, err, errlen);
}

int hv_vm_add_mmio(struct hv_vm *vm, uint64_t gpa, uint64_t len, hv_io_fn fn,
		   void *opaque, char *err, size_t errlen)
{
	return add_dev(vm->mmio, &vm->n_mmio, gpa, len, fn, opaque, err,
		       errlen);
}

/* The VM keeps every eventfd it hands out and closes them on destroy. */
static int new_eventfd(struct hv_vm *vm, char *err, size_t errlen)
{
	if (vm->n_eventfds >= HV_MAX_DEVS) {
		snprintf(err, errlen, "too many eventfds (max %d)", HV_MAX_DEVS);
		return -ENOSPC;
	}
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "eventfd: %s", strerror(e));
		return -e;
	}
	return fd;
}

int hv_vm_ioeventfd(struct hv_vm *vm, uint64_t addr, uint32_t len, bool pio,
		    char *err, size_t errlen)
{
	int fd = new_eventfd(vm, err, errlen);

	if (fd < 0)
		return fd;
	struct kvm_ioeventfd io = {
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = pio ? KVM_IOEVENTFD_FLAG_PIO : 0,
	};
	int r = HV_IOCTL(vm->vm_fd, KVM_IOEVENTFD, &io, err, errlen);
	if (r < 0) {
		close(fd);
		return r;
	}
	vm->eventfds[vm->n_eventfds++] = fd;
	return fd;
}

int hv_vm_add_ioeventfd(struct hv_vm *vm, uint64_t addr, uint32_t len,
			bool pio, char *err, size_t errlen)
{
	int fd = hv_vm_ioeventfd(vm, addr, len, pio, err, errlen);

	return fd < 0 ? fd : 0;
}

int hv_vm_irqfd(struct hv_vm *vm, uint32_t gsi, char *err, size_t errlen)
{
	if (!vm->opts.irqchip) {
		snprintf(err, errlen, "irqfd needs the in-kernel irqchip (irqchip: true)");
		return -ENOTSUP;
	}
	if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) <= 0) {
		snprintf(err, errlen, "KVM_CAP_IRQFD not offered by this host's KVM");
		return -ENOTSUP;
	}
	int fd = new_eventfd(vm, err, errlen);
	if (fd < 0)
		return fd;
	struct kvm_irqfd irqfd = { .fd = (uint32_t)fd, .gsi = gsi };
	int r = HV_IOCTL(vm->vm_fd, KVM_IRQFD, &irqfd, err, errlen);
	if (r < 0) {
		close(fd);
		return r;
	}
	vm->eventfds[vm->n_eventfds++] = fd;
	return fd;
}

int hv_vm_signal_msi(struct hv_vm *vm, uint64_t addr, uint32_t data,
		     char *err, size_t errlen)
{
	if (!vm->opts.irqchip) {
		snprintf(err, errlen, "MSI injection needs the in-kernel irqchip (irqchip: true)");
		return -ENOTSUP;
	}
	if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SIGNAL_MSI) <= 0) {
		snprintf(err, errlen, "KVM_CAP_SIGNAL_MSI not offered by this VM (its irqchip takes no MSIs)");
		return -ENOTSUP;
	}
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = (uint32_t)(addr >> 32),
		.data = data,
	};
	int r = HV_IOCTL(vm->vm_fd, KVM_SIGNAL_MSI, &msi, err, errlen);
	return r < 0 ? r : r > 0;
}

void hv_vm_set_ucall(struct hv_vm *vm, hv_ucall_fn fn, void *opaque)
{
	vm->ucall = fn;
	vm->ucall_opaque = opaque;
}

void hv_vm_set_start(struct hv_vm *vm, hv_start_fn fn)
{
	vm->on_start = fn;
}

int hv_vm_load_guest(struct hv_vm *vm, char *err, size_t errlen)
{
	size_t len = (size_t)(hv_guest_image_end - hv_guest_image);

	if (len == 0 || len > HV_IMAGE_MAX) {
		snprintf(err, errlen, "embedded guest image is %zu bytes (max %llu)",
			 len, (unsigned long long)HV_IMAGE_MAX);
		return -EINVAL;
	}
	memcpy(vm->mem + HV_IMAGE_GPA, hv_guest_image, len);
	struct hv_shared *s = vm->shared;
	memset(s, 0, sizeof(*s));
	s->magic = HV_ABI_MAGIC;
	s->abi_version = HV_ABI_VERSION;
	s->nr_vcpus = vm->nr_vcpus;
	s->tsc_khz = arch_guest_counter_khz(&vm->vcpus[0]);
	return 0;
}
