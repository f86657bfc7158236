/* x86 guest bodies of the exit-cost family: one operation each, timed by the
 * loop in hv-core/guest/common/bench.c. Parameters come from the shared page. */
#include <stdint.h>
#include "guest.h"
#include "x86.h"
#include "iopath.h"
#include "microbench/guest/common.h"

#define P(n) (SHARED->param[n])

static void op_rdtsc(uint64_t i)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
}

static void op_cpuid(uint64_t i)
{
	uint32_t a = 0, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
}

/* An unknown hypercall number: KVM answers -KVM_ENOSYS after one exit. */
static void op_hypercall(uint64_t i)
{
	uint64_t nr = 0xffff;

	if (P(0))
		asm volatile("vmmcall" : "+a"(nr)::"rbx", "rcx", "rdx", "rsi", "memory");
	else
		asm volatile("vmcall" : "+a"(nr)::"rbx", "rcx", "rdx", "rsi", "memory");
}

static void op_pio_in(uint64_t i)
{
	uint16_t port = (uint16_t)P(0);

	switch (P(1)) {
	case 1: {
		uint8_t v;
		asm volatile("inb %w1, %0" : "=a"(v) : "Nd"(port) : "memory");
		break;
	}
	case 2: {
		uint16_t v;
		asm volatile("inw %w1, %0" : "=a"(v) : "Nd"(port) : "memory");
		break;
	}
	default: {
		uint32_t v;
		asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(port) : "memory");
		break;
	}
	}
}

static void op_pio_out(uint64_t i)
{
	uint16_t port = (uint16_t)P(0);

	switch (P(1)) {
	case 1:
		asm volatile("outb %b0, %w1" ::"a"(0), "Nd"(port) : "memory");
		break;
	case 2:
		asm volatile("outw %w0, %w1" ::"a"(0), "Nd"(port) : "memory");
		break;
	default:
		asm volatile("outl %0, %w1" ::"a"(0), "Nd"(port) : "memory");
		break;
	}
}

static void op_mmio_read(uint64_t i)
{
	(void)*(volatile uint32_t *)P(0);
}

static void op_mmio_write(uint64_t i)
{
	*(volatile uint32_t *)P(0) = (uint32_t)i;
}

static void op_msr_read(uint64_t i)
{
	(void)rdmsr((uint32_t)P(0));
}

static void op_msr_write(uint64_t i)
{
	wrmsr((uint32_t)P(0), P(1));
}

static void op_cr8(uint64_t i)
{
	uint64_t v = 0;

	asm volatile("mov %0, %%cr8" ::"r"(v) : "memory");
}

static void op_syscall(uint64_t i)
{
	asm volatile("syscall" ::: "rcx", "r11", "memory");
}

static void x2apic_enable(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 10) | (1u << 11));
	wrmsr(X2APIC_SVR, 0x100 | 0xff);
	wrmsr(X2APIC_TPR, 0);
}

static int ipi_init(void)
{
	x2apic_enable();
	guest_wait_secondary(1);
	return 0;
}

static void ipi_send(void)
{
	wrmsr(X2APIC_ICR, (1ull << 32) | IPI_VECTOR);
}

/* vCPU 0 sends a fixed IPI to vCPU 1 (x2APIC ICR write) and spins until the
 * responder's handler has acknowledged it: one round trip. */
static void op_ipi(uint64_t i)
{
	guest_ipi_round_trip(1, ipi_send);
}

static void ipi_responder(uint32_t vcpu)
{
	x2apic_enable();
	SHARED->secondary_ready[vcpu] = 1;
	while (!SHARED->stop)
		asm volatile("sti; hlt; cli" ::: "memory");
}

static const struct gbody bodies[HV_BODY_COUNT] = {
	[HV_BODY_EMPTY] = { .op = gbody_op_empty },
	[HV_BODY_RDTSC] = { .op = op_rdtsc },
	[HV_BODY_CPUID] = { .op = op_cpuid },
	[HV_BODY_HYPERCALL] = { .op = op_hypercall },
	[HV_BODY_PIO_IN] = { .op = op_pio_in },
	[HV_BODY_PIO_OUT] = { .op = op_pio_out },
	[HV_BODY_MMIO_READ] = { .op = op_mmio_read },
	[HV_BODY_MMIO_WRITE] = { .op = op_mmio_write },
	[HV_BODY_MSR_READ] = { .op = op_msr_read },
	[HV_BODY_MSR_WRITE] = { .op = op_msr_write },
	[HV_BODY_CR8_WRITE] = { .op = op_cr8 },
	[HV_BODY_SYSCALL] = { .op = op_syscall },
	[HV_BODY_IPI] = { .init = ipi_init, .op = op_ipi, .secondary = ipi_responder },
	[HV_BODY_PF_TOUCH] = { .op = gbody_op_pf_touch },
	[HV_BODY_FAULT_TEST] = { .op = gbody_op_fault },
	[HV_BODY_SPIN] = { .op = gbody_op_spin },
	[HV_BODY_IO_PATH] = { .init = io_path_init, .timed = io_path_op },
};

const struct gbody *gbody_get(uint32_t id)
{
	if (id >= HV_BODY_COUNT || (!bodies[id].op && !bodies[id].timed))
		return 0;
	return &bodies[id];
}
