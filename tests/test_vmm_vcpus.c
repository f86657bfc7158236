/* Many vCPUs on real VMs, with hand-assembled guests: 64 vCPUs on this
 * 2-CPU host, each on its own stack (the first HV_LOW_VCPUS in low RAM, the
 * rest in the system area), and the stall watchdog on every vCPU. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hv-core/exit.h"
#include "hv-core/hv.h"
#include "tests/kvmtest.h"
#include "tests/vmmtest.h"

#define CTR_GPA 0x900000u

/* A port device that remembers which vCPUs wrote to it. */
struct seen {
	uint8_t by[HV_MAX_VCPUS];
	uint32_t n;
};

static int seen_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		   uint32_t len, void *opaque)
{
	struct seen *s = opaque;

	/* Each vCPU thread writes only its own byte; n is read after join. */
	if (write && !s->by[vcpu->id]++)
		__atomic_add_fetch(&s->n, 1, __ATOMIC_RELAXED);
	return HV_CONTINUE;
}

/* vCPU 0 exits on port 0x81 until the others have counted themselves in,
 * then writes 0x80 and halts. Every other vCPU pushes its index on its
 * stack, counts itself in (lock inc), writes 0x80 and halts. */
static void many_code(uint8_t *p, uint8_t others)
{
	uint8_t c[] = {
		0x85, 0xff,			/* 0: test edi, edi */
		0x75, 0x0f,			/* 2: jnz 19 */
		0xe6, 0x81,			/* 4: out 0x81, al */
		0x83, 0x3c, 0x25, 0, 0, 0, 0, others, /* 6: cmp dword [ctr], n */
		0x72, 0xf4,			/* 14: jb 4 */
		0xe6, 0x80,			/* 16: out 0x80, al */
		0xf4,				/* 18: hlt */
		0x57,				/* 19: push rdi */
		0xf0, 0xff, 0x04, 0x25, 0, 0, 0, 0, /* 20: lock inc dword [ctr] */
		0xe6, 0x80,			/* 28: out 0x80, al */
		0xf4,				/* 30: hlt */
		0xeb, 0xfd,			/* 31: jmp 30 */
	};
	uint32_t ctr = CTR_GPA;

	memcpy(c + 9, &ctr, 4);
	memcpy(c + 24, &ctr, 4);
	memcpy(p, c, sizeof(c));
}

static void test_64_vcpus(void **state)
{
	const uint32_t n = 64;
	char err[256] = "";
	struct seen seen = { 0 };
	struct hv_vm *vm;

	NEED_KVM();
	NEED_X86();
	vm = vmmtest_vm(n, 32, err, sizeof(err));
	assert_int_equal(vm->nr_vcpus, n);
	assert_int_equal(hv_vm_add_pio(vm, 0x80, 1, seen_io, &seen, err, sizeof(err)), 0);
	assert_int_equal(hv_vm_add_pio(vm, 0x81, 1, seen_io, &(struct seen){ 0 }, err,
				       sizeof(err)), 0);
	many_code(hv_gpa_to_hva(vm, HV_IMAGE_GPA, 64), (uint8_t)(n - 1));
	assert_int_equal(vmmtest_run(vm, err, sizeof(err)), 0);
	assert_int_equal(seen.n, n);
	assert_int_equal(*(uint32_t *)hv_gpa_to_hva(vm, CTR_GPA, 4), n - 1);
	/* Each pushed its index on its own kernel stack, low ones and those in
	 * the system area alike. */
	for (uint32_t i = 1; i < n; i++) {
		uint64_t *top = hv_gpa_to_hva(vm, HV_KSTACK_TOP(i) - 8, 8);

		assert_non_null(top);
		assert_int_equal(*top, i);
	}
	assert_true(HV_KSTACK_TOP(n - 1) > HV_SYS_GPA);
	/* Every vCPU ran (seen.n above); whether a secondary reaches its HLT
	 * before vCPU 0's end stops the VM is a race (lost once in 64 under
	 * ASan), so the halts are bounded, not counted exactly. */
	uint64_t hlt = hv_vm_exit_stat(vm, KVM_EXIT_HLT);
	assert_true(hlt >= 1 && hlt <= n);
	hv_vm_destroy(vm);
}

static void test_more_vcpus_than_hv_core_holds(void **state)
{
	char err[256] = "";
	struct hv_vm *vm = NULL;
	struct hv_vm_opts o = { .nr_vcpus = HV_MAX_VCPUS + 1, .mem_bytes = 32 << 20 };

	(void)state;
	assert_int_equal(hv_vm_create(&o, &vm, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "vcpus must be 1..1024"));
}

static void test_more_vcpus_than_kvm_allows(void **state)
{
	char err[256] = "";
	struct hv_vm *vm = NULL;
	struct hv_vm_opts o = { .mem_bytes = 32 << 20 };

	NEED_KVM();
	int fd = open("/dev/kvm", O_RDWR);
	int max = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	close(fd);
	if (max <= 0 || max >= HV_MAX_VCPUS) {
		print_message("SKIP: KVM allows %d vCPUs, hv-core %d\n", max, HV_MAX_VCPUS);
		skip();
	}
	o.nr_vcpus = (uint32_t)max + 1;
	assert_int_equal(hv_vm_create(&o, &vm, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "KVM_CAP_MAX_VCPUS"));
}

/* vCPU 0 exits forever; vCPU 1 spins without exits or heartbeat. */
static const uint8_t stuck_code[] = {
	0x85, 0xff, 0x75, 0x04,		/* test edi, edi; jnz 8 */
	0xe6, 0x81, 0xeb, 0xfc,		/* 4: out 0x81, al; jmp 4 */
	0xeb, 0xfe,			/* 8: jmp 8 */
};

static void test_watchdog_names_a_stuck_secondary(void **state)
{
	char err[256] = "";
	struct hv_vm_opts o = { .nr_vcpus = 2, .mem_bytes = 32 << 20,
				.stall_ms = 300 };
	struct hv_vm *vm;

	NEED_KVM();
	NEED_X86();
	vm = vmmtest_vm_opts(&o, err, sizeof(err));
	assert_int_equal(hv_vm_add_pio(vm, 0x81, 1, seen_io, &(struct seen){ 0 }, err,
				       sizeof(err)), 0);
	memcpy(hv_gpa_to_hva(vm, HV_IMAGE_GPA, 16), stuck_code, sizeof(stuck_code));
	assert_int_equal(hv_vm_start(vm, err, sizeof(err)), 0);
	assert_int_equal(hv_vm_wait(vm, err, sizeof(err)), -EDEADLK);
	assert_non_null(strstr(err, "vCPU 1 stalled"));
	hv_vm_destroy(vm);
}

/* vCPU 0's port: exits until the host has let it run for `ms`. */
struct timed {
	struct timespec t0;
	long ms;
};

static int timed_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		    uint32_t len, void *opaque)
{
	struct timed *t = opaque;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->t0.tv_sec) * 1000 +
	       (now.tv_nsec - t->t0.tv_nsec) / 1000000 >= t->ms ? HV_STOP :
								  HV_CONTINUE;
}

/* With the in-kernel irqchip, vCPU 1 halts for good (blocked in KVM, idle)
 * while vCPU 0 works three stall times long: no stall. */
static void test_watchdog_lets_a_halted_secondary_idle(void **state)
{
	char err[256] = "";
	struct hv_vm_opts o = { .nr_vcpus = 2, .mem_bytes = 32 << 20,
				.stall_ms = 200, .irqchip = true };
	struct timed t = { .ms = 600 };
	struct hv_vm *vm;
	static const uint8_t c[] = {
		0x85, 0xff, 0x75, 0x04,		/* 0: test edi, edi; jnz 8 */
		0xe6, 0x81, 0xeb, 0xfc,		/* 4: out 0x81, al; jmp 4 */
		0xfa, 0xf4, 0xeb, 0xfd,		/* 8: cli; hlt; jmp 9 */
	};

	NEED_KVM();
	NEED_X86();
	vm = vmmtest_vm_opts(&o, err, sizeof(err));
	assert_int_equal(hv_vm_add_pio(vm, 0x81, 1, timed_io, &t, err, sizeof(err)), 0);
	memcpy(hv_gpa_to_hva(vm, HV_IMAGE_GPA, 16), c, sizeof(c));
	clock_gettime(CLOCK_MONOTONIC, &t.t0);
	assert_int_equal(vmmtest_run(vm, err, sizeof(err)), 0);
	assert_true(hv_exit_stat(&vm->vcpus[0], KVM_EXIT_IO) > 0);
	/* vCPU 1 never left KVM: it halted in the kernel's irqchip. */
	assert_int_equal(vm->vcpus[1].exits, 0);
	hv_vm_destroy(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_more_vcpus_than_hv_core_holds),
		cmocka_unit_test(test_more_vcpus_than_kvm_allows),
		cmocka_unit_test(test_64_vcpus),
		cmocka_unit_test(test_watchdog_names_a_stuck_secondary),
		cmocka_unit_test(test_watchdog_lets_a_halted_secondary_idle),
	};

	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
