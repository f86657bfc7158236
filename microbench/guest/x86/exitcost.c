/* x86 guest bodies of the exit-cost family: one operation each, timed by the
 * loop in hv-core/guest/common/bench.c, registered by name (GUEST_BODY) for
 * the rows of microbench/exitcost.c. Parameters come from the shared page. */
#include <stdint.h>
#include "guest.h"
#include "x86.h"
#include "microbench/guest/ipi.h"
#include "microbench/guest/x86/pio.h"

#define P(n) (SHARED->param[n])
#define IPI_VECTOR 0xf0		/* the ipi body's fixed IPI */

/*
 * Each operation is written once as a body macro taking X: op_NAME expands
 * it with the instruction, null_NAME with the instruction commented out
 * and the same operands. The two functions are then the same code less the instruction
 * (setup, prologue, return), and calibration times null_NAME: what is
 * subtracted is everything but the instruction. This matters where guest
 * CPL0 is emulated (PVM), at thousands of cycles per extra instruction.
 * No frame pointer: neither twin needs one.
 */
#define INSN(s) s
#define NOINSN(s) "# " s	/* an assembler comment: distinct templates stop
			 * the compiler from merging the null twin's branches */
#define OP_PAIR(name, BODY)                                                  \
	__attribute__((optimize("omit-frame-pointer"))) static void           \
	op_##name(uint64_t i) { (void)i; BODY(INSN) }                         \
	__attribute__((optimize("omit-frame-pointer"))) static void           \
	null_##name(uint64_t i) { (void)i; BODY(NOINSN) }

#define RDTSC_BODY(X)                                                       \
	uint32_t lo, hi;                                                    \
	asm volatile(X("rdtsc") : "=a"(lo), "=d"(hi));
OP_PAIR(rdtsc, RDTSC_BODY)

#define CPUID_BODY(X)                                                       \
	uint32_t a = 0, b, c = 0, d;                                        \
	asm volatile(X("cpuid") : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
OP_PAIR(cpuid, CPUID_BODY)

/* An unknown hypercall number: KVM answers -KVM_ENOSYS after one exit. */
#define HYPERCALL_BODY(X)                                                   \
	uint64_t nr = 0xffff;                                               \
	if (P(0))                                                           \
		asm volatile(X("vmmcall") : "+a"(nr)::"rbx", "rcx", "rdx", "rsi", "memory"); \
	else                                                                \
		asm volatile(X("vmcall") : "+a"(nr)::"rbx", "rcx", "rdx", "rsi", "memory");
OP_PAIR(hypercall, HYPERCALL_BODY)

/* param 0 the port, param 1 the access size in bytes (1, 2, else 4); the
 * accesses are pio.h's, shared with the io-path body. */
#define PIO_IN_BODY(X)                                                      \
	uint16_t port = (uint16_t)P(0);                                     \
	switch (P(1)) {                                                     \
	case 1:                                                             \
		PIO_IN1(X, port);                                           \
		break;                                                      \
	case 2:                                                             \
		PIO_IN2(X, port);                                           \
		break;                                                      \
	default:                                                            \
		PIO_IN4(X, port);                                           \
		break;                                                      \
	}
OP_PAIR(pio_in, PIO_IN_BODY)

#define PIO_OUT_BODY(X)                                                     \
	uint16_t port = (uint16_t)P(0);                                     \
	switch (P(1)) {                                                     \
	case 1:                                                             \
		PIO_OUT1(X, port);                                          \
		break;                                                      \
	case 2:                                                             \
		PIO_OUT2(X, port);                                          \
		break;                                                      \
	default:                                                            \
		PIO_OUT4(X, port);                                          \
		break;                                                      \
	}
OP_PAIR(pio_out, PIO_OUT_BODY)

/* param 0: the guest-physical address (identity mapped). */
#define MMIO_READ_BODY(X)                                                   \
	uint32_t v;                                                         \
	asm volatile(X("movl (%1), %0") : "=r"(v) : "r"(P(0)) : "memory");
OP_PAIR(mmio_read, MMIO_READ_BODY)

#define MMIO_WRITE_BODY(X)                                                  \
	asm volatile(X("movl %k1, (%0)") ::"r"(P(0)), "r"(i) : "memory");
OP_PAIR(mmio_write, MMIO_WRITE_BODY)

/* param 0: the MSR index; param 1: the value written. */
#define MSR_READ_BODY(X)                                                    \
	uint32_t lo, hi;                                                    \
	asm volatile(X("rdmsr") : "=a"(lo), "=d"(hi) : "c"((uint32_t)P(0)) : "memory");
OP_PAIR(msr_read, MSR_READ_BODY)

#define MSR_WRITE_BODY(X)                                                   \
	asm volatile(X("wrmsr") ::"c"((uint32_t)P(0)), "a"((uint32_t)P(1)), \
		     "d"((uint32_t)(P(1) >> 32)) : "memory");
OP_PAIR(msr_write, MSR_WRITE_BODY)

#define CR8_BODY(X)                                                         \
	asm volatile(X("mov %0, %%cr8") ::"r"((uint64_t)0) : "memory");
OP_PAIR(cr8, CR8_BODY)

#define SYSCALL_BODY(X)                                                     \
	asm volatile(X("syscall") ::: "rcx", "r11", "memory");
OP_PAIR(syscall, SYSCALL_BODY)

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

/* vCPU 1's handler (the runtime sent the EOI): answer. */
static void ipi_ack(uint32_t vector)
{
	guest_ipi_count(1);
}
GUEST_IRQ(IPI_VECTOR, ipi_ack);

static void ipi_responder(uint32_t vcpu)
{
	x2apic_enable();
	SHARED->secondary_ready[vcpu] = 1;
	while (!SHARED->stop)
		asm volatile("sti; hlt; cli" ::: "memory");
}

GUEST_BODY(rdtsc, .op = op_rdtsc, .null_op = null_rdtsc);
GUEST_BODY(cpuid, .op = op_cpuid, .null_op = null_cpuid);
GUEST_BODY(hypercall, .op = op_hypercall, .null_op = null_hypercall);
GUEST_BODY(pio_in, .op = op_pio_in, .null_op = null_pio_in);
GUEST_BODY(pio_out, .op = op_pio_out, .null_op = null_pio_out);
GUEST_BODY(mmio_read, .op = op_mmio_read, .null_op = null_mmio_read);
GUEST_BODY(mmio_write, .op = op_mmio_write, .null_op = null_mmio_write);
GUEST_BODY(msr_read, .op = op_msr_read, .null_op = null_msr_read);
GUEST_BODY(msr_write, .op = op_msr_write, .null_op = null_msr_write);
GUEST_BODY(cr8_write, .op = op_cr8, .null_op = null_cr8);
GUEST_BODY(syscall, .op = op_syscall, .null_op = null_syscall);
GUEST_BODY(ipi, .init = ipi_init, .op = op_ipi, .secondary = ipi_responder);
