/* x86 port I/O for guest bodies, written once: 1, 2 or 4 bytes in or out.
 * X wraps the instruction's text: PIO_INSN for the access itself, or a
 * body's own wrapper (exitcost.c's NOINSN turns it into an assembler comment
 * with the same operands, for the loop's null twin). The value read is
 * discarded: no instruction beyond the access is emitted. */
#ifndef MICROBENCH_GUEST_X86_PIO_H
#define MICROBENCH_GUEST_X86_PIO_H

#include <stdint.h>

#define PIO_INSN(s) s

#define PIO_IN1(X, port)                                                    \
	do {                                                                \
		uint8_t v_;                                                 \
		asm volatile(X("inb %w1, %b0") : "=a"(v_) : "Nd"(port) : "memory"); \
	} while (0)
#define PIO_IN2(X, port)                                                    \
	do {                                                                \
		uint16_t v_;                                                \
		asm volatile(X("inw %w1, %w0") : "=a"(v_) : "Nd"(port) : "memory"); \
	} while (0)
#define PIO_IN4(X, port)                                                    \
	do {                                                                \
		uint32_t v_;                                                \
		asm volatile(X("inl %w1, %0") : "=a"(v_) : "Nd"(port) : "memory"); \
	} while (0)
#define PIO_OUT1(X, port) asm volatile(X("outb %b0, %w1") ::"a"(0), "Nd"(port) : "memory")
#define PIO_OUT2(X, port) asm volatile(X("outw %w0, %w1") ::"a"(0), "Nd"(port) : "memory")
#define PIO_OUT4(X, port) asm volatile(X("outl %0, %w1") ::"a"(0), "Nd"(port) : "memory")

/* For a body that needs the value (a device register): a 32-bit read that
 * returns it, a 32-bit write of v. */
static inline uint32_t pio_read32(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline void pio_write32(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %w1" ::"a"(v), "Nd"(port) : "memory");
}

#endif
