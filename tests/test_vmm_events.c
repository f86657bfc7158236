/* Events on real VMs: an ioeventfd that hands back its fd, a device thread
 * (hv-core/dev/thread.c) that serves it and raises an irqfd, and MSI
 * injection, each checked in the in-kernel irqchip's own state. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hv-core/dev/dev.h"
#include "hv-core/exit.h"
#include "hv-core/hv.h"
#include "tests/kvmtest.h"
#include "tests/vmmtest.h"

#define KICK_PORT 0x0f10
#define GSI 5

/* mov dx, KICK_PORT; out dx, eax; out 0x80, al; 1: hlt; jmp 1b */
static const uint8_t kick_code[] = { 0x66, 0xba, 0x10, 0x0f, 0xef, 0xe6, 0x80,
				     0xf4, 0xeb, 0xfd };

struct backend {
	int kick_fd, irq_fd;
	uint64_t kicks;
};

/* The device thread: every guest kick raises the interrupt line. */
static int serve(struct dev_thread *t, void *opaque)
{
	struct backend *b = opaque;
	uint64_t n, one = 1;
	int r;

	while ((r = dev_thread_wait_fd(t, b->kick_fd, &n, -1)) == 1) {
		b->kicks += n;
		if (write(b->irq_fd, &one, sizeof(one)) != sizeof(one))
			return -EIO;
	}
	return r;
}

/* An irqfd pulses its line (raise, then lower): the IOAPIC forgets a masked
 * edge on the lowering, the 8259 keeps it latched in IRR until acknowledged.
 * GSIs below 16 reach both by KVM's default routing. */
static bool pic_irr(struct hv_vm *vm, int pin)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };

	assert_int_equal(ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip), 0);
	return chip.chip.pic.irr >> pin & 1;
}

static void wait_for(bool (*cond)(void *), void *arg)
{
	for (int i = 0; i < 2000 && !cond(arg); i++)
		usleep(1000);
}

static bool kicked(void *arg)
{
	return ((struct backend *)arg)->kicks > 0;
}

static bool irr_set(void *arg)
{
	return pic_irr(arg, GSI);
}

static void test_ioeventfd_thread_irqfd(void **state)
{
	char err[256] = "";
	struct hv_vm_opts o = { .nr_vcpus = 1, .mem_bytes = 32 << 20,
				.irqchip = true };
	struct vmm_sink sink = { 0 };
	struct backend b = { 0 };
	struct dev_thread t;
	struct hv_vm *vm;

	NEED_KVM();
	NEED_X86();
	vm = vmmtest_vm_opts(&o, err, sizeof(err));
	b.kick_fd = hv_vm_ioeventfd(vm, KICK_PORT, 4, true, err, sizeof(err));
	assert_true(b.kick_fd >= 0);
	b.irq_fd = hv_vm_irqfd(vm, GSI, err, sizeof(err));
	if (b.irq_fd == -ENOTSUP) {
		print_message("SKIP: %s\n", err);
		hv_vm_destroy(vm);
		skip();
	}
	assert_true(b.irq_fd >= 0);
	assert_int_equal(hv_vm_add_pio(vm, 0x80, 1, vmm_sink_io, &sink, err,
				       sizeof(err)), 0);
	memcpy(hv_gpa_to_hva(vm, HV_IMAGE_GPA, 16), kick_code, sizeof(kick_code));
	assert_false(pic_irr(vm, GSI));
	assert_int_equal(dev_thread_start(&t, "test-dev", -1, serve, &b, err,
					  sizeof(err)), 0);
	assert_int_equal(hv_vm_start(vm, err, sizeof(err)), 0);
	wait_for(kicked, &b);
	wait_for(irr_set, vm);
	/* The edge is latched in the 8259's IRR: the irqfd raised the line. */
	assert_true(pic_irr(vm, GSI));
	hv_vm_kick(vm);
	assert_int_equal(hv_vm_wait(vm, err, sizeof(err)), 0);
	assert_int_equal(dev_thread_stop(&t), 0);
	assert_int_equal(b.kicks, 1);
	/* KVM completed the kick; only the sink's write reached user space. */
	assert_int_equal(sink.writes, 1);
	assert_int_equal(hv_exit_stat(&vm->vcpus[0], KVM_EXIT_IO), 1);
	hv_vm_destroy(vm);
}

static void test_dev_thread_stops_when_idle(void **state)
{
	char err[256] = "";
	struct backend b = { 0 };
	struct dev_thread t;
	int fd[2];

	(void)state;
	/* A thread blocked on an fd nobody signals still stops at once. */
	assert_int_equal(pipe(fd), 0);
	b.kick_fd = fd[0];
	assert_int_equal(dev_thread_start(&t, "idle", -1, serve, &b, err,
					  sizeof(err)), 0);
	usleep(10000);
	assert_int_equal(dev_thread_stop(&t), 0);
	assert_int_equal(b.kicks, 0);
	close(fd[0]);
	close(fd[1]);
}

static void test_msi_reaches_the_lapic(void **state)
{
	char err[256] = "";
	struct hv_vm_opts o = { .nr_vcpus = 1, .mem_bytes = 32 << 20,
				.irqchip = true };
	struct kvm_lapic_state lapic;
	struct hv_vm *vm;
	const uint32_t vec = 0x41;

	NEED_KVM();
	NEED_X86();
	/* Without an in-kernel irqchip there is nothing to take an MSI. */
	vm = vmmtest_vm(1, 32, err, sizeof(err));
	assert_int_equal(hv_vm_signal_msi(vm, 0xfee00000, vec, err, sizeof(err)),
			 -ENOTSUP);
	assert_non_null(strstr(err, "irqchip"));
	hv_vm_destroy(vm);

	vm = vmmtest_vm_opts(&o, err, sizeof(err));
	/* A LAPIC off (reset state) blocks it: 0, not an error. */
	int r = hv_vm_signal_msi(vm, 0xfee00000, vec, err, sizeof(err));
	if (r == -ENOTSUP) {
		print_message("SKIP: %s\n", err);
		hv_vm_destroy(vm);
		skip();
	}
	assert_int_equal(r, 0);
	/* Software-enable the LAPIC (SVR bit 8): now it is delivered, and
	 * pends in IRR while the vCPU has not run. */
	assert_int_equal(ioctl(vm->vcpus[0].fd, KVM_GET_LAPIC, &lapic), 0);
	uint32_t svr = 0x1ff;
	memcpy(lapic.regs + 0xf0, &svr, 4);
	assert_int_equal(ioctl(vm->vcpus[0].fd, KVM_SET_LAPIC, &lapic), 0);
	assert_int_equal(hv_vm_signal_msi(vm, 0xfee00000, vec, err, sizeof(err)), 1);
	assert_int_equal(ioctl(vm->vcpus[0].fd, KVM_GET_LAPIC, &lapic), 0);
	uint32_t irr;
	memcpy(&irr, lapic.regs + 0x200 + (vec / 32) * 0x10, 4);
	assert_true(irr >> (vec % 32) & 1);
	hv_vm_destroy(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_thread_stops_when_idle),
		cmocka_unit_test(test_ioeventfd_thread_irqfd),
		cmocka_unit_test(test_msi_reaches_the_lapic),
	};

	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
