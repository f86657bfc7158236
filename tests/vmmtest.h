/* Shared by the tests of the VMM surface (tests/test_vmm_*.c): a VM with
 * no benchmark image, a port sink, and one start-and-wait. Include after
 * tests/kvmtest.h. */
#ifndef TESTS_VMMTEST_H
#define TESTS_VMMTEST_H

#include "hv-core/hv.h"

/* The hand-assembled guests are x86 code. */
#if defined(__x86_64__)
#define NEED_X86() do { } while (0)
#else
#define NEED_X86()                                                   \
	do {                                                         \
		print_message("SKIP: the test guest is x86 code\n"); \
		skip();                                              \
	} while (0)
#endif

/* A port device that counts what it sees and reads as zero. */
struct vmm_sink {
	uint64_t writes, reads;
};

static inline int vmm_sink_io(struct hv_vcpu *vcpu, uint64_t addr, bool write,
			      void *data, uint32_t len, void *opaque)
{
	struct vmm_sink *s = opaque;

	if (write)
		s->writes++;
	else
		memset(data, 0, len), s->reads++;
	return HV_CONTINUE;
}

static inline struct hv_vm *vmmtest_vm_opts(struct hv_vm_opts *o, char *err,
					    size_t errlen)
{
	struct hv_vm *vm = NULL;
	int r;

	if (!o->timeout_ms)
		o->timeout_ms = 20000;
	r = hv_vm_create(o, &vm, err, errlen);
	if (r < 0)
		fail_msg("hv_vm_create: %s", err);
	return vm;
}

static inline struct hv_vm *vmmtest_vm(uint32_t vcpus, uint64_t mem_mb,
				       char *err, size_t errlen)
{
	struct hv_vm_opts o = { .nr_vcpus = vcpus, .mem_bytes = mem_mb << 20 };

	return vmmtest_vm_opts(&o, err, errlen);
}

static inline int vmmtest_run(struct hv_vm *vm, char *err, size_t errlen)
{
	int r = hv_vm_start(vm, err, errlen);

	if (r == 0)
		r = hv_vm_wait(vm, err, errlen);
	if (r < 0)
		print_message("run: %s\n", err);
	return r;
}

#endif
