/* x86-64 guest runtime: IDT, syscall MSRs, exception reporting, interrupt
 * dispatch to the registered handlers (GUEST_IRQ), the drop to CPL3 and the
 * entry of secondary vCPUs. The VMM built GDT, TSS and paging. */
#include <stdint.h>
#include "guest.h"
#include "x86.h"

struct idt_gate {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off1;
	uint32_t off2;
	uint32_t zero;
} __attribute__((packed));

struct exc_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

extern const uint64_t exc_stub_table[22];
extern char irq_stubs[], syscall_entry[];

#define IRQ_FIRST 32
#define IRQ_STUB_SIZE 16

static struct idt_gate idt[256] __attribute__((aligned(16)));
/* vector -> handler, from the GUEST_IRQ registrations (vCPU 0 fills it). */
static void (*irq_handler[256])(uint32_t vector);

static void set_gate(int vec, uint64_t fn)
{
	idt[vec] = (struct idt_gate){
		.off0 = (uint16_t)fn,
		.sel = GDT_KCODE,
		.type = 0x8e, /* present, DPL0, 64-bit interrupt gate */
		.off1 = (uint16_t)(fn >> 16),
		.off2 = (uint32_t)(fn >> 32),
	};
}

static void idt_setup(uint32_t vcpu)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

	/* vCPU 0 fills the tables; the others only load the IDT. Only the
	 * registered vectors get a gate (each is a dozen emulated instructions
	 * where CPL0 is emulated): an interrupt without one raises #NP, whose
	 * error code names the vector (bits 3-10), reported as a fault. */
	if (vcpu == 0) {
		for (int v = 0; v < 22; v++)
			set_gate(v, exc_stub_table[v]);
		for (const struct girq *h = __start_girq; h < __stop_girq; h++) {
			if (h->irq < IRQ_FIRST || h->irq > 255)
				continue;
			set_gate((int)h->irq, (uint64_t)irq_stubs +
				 IRQ_STUB_SIZE * (h->irq - IRQ_FIRST));
			irq_handler[h->irq] = h->fn;
		}
	}
	asm volatile("lidt %0" ::"m"(idtr));
}

static uint32_t my_apic_id(void)
{
	uint32_t a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return b >> 24;
}

void guest_exception(struct exc_frame *f);
void guest_exception(struct exc_frame *f)
{
	struct hv_shared *s = SHARED;

	/* Interrupts first, and in as few instructions as may be: at an
	 * emulated CPL0 (PVM) each costs thousands of cycles of the ipi round
	 * trip. Vectors below 32 have no handler in the table. */
	uint32_t vec = (uint8_t)f->vector;
	void (*handler)(uint32_t) = irq_handler[vec];

	if (handler) {
		wrmsr(X2APIC_EOI, 0);
		handler(vec);
		return;
	}
	s->fault.vector = f->vector;
	s->fault.error_code = f->error;
	s->fault.ip = f->rip;
	s->fault.addr = read_cr2();
	s->fault.level = f->cs & 3;
	s->fault.vcpu = my_apic_id();
	s->status = HV_GS_FAULT;
	ucall(HV_UCALL_FAULT);
	garch_halt_forever();
}

/* The runtime's timer: the local APIC timer, periodic, at the APIC bus
 * clock KVM emulates (1 GHz: APIC_BUS_CYCLE_NS 1 unless the VMM set
 * KVM_CAP_X86_APIC_BUS_CYCLES_NS), divided by 1. The host checks the rate
 * from the count and the run's time. */
#define TIMER_VECTOR 0xec
#define APIC_BUS_HZ 1000000000ull

static void timer_tick(uint32_t vector)
{
	(void)vector;
	SHARED->timer_ticks++;
}

GUEST_IRQ(TIMER_VECTOR, timer_tick);

int garch_timer_start(uint32_t hz)
{
	if (!hz)
		return 0;
	x2apic_enable();
	wrmsr(X2APIC_TIMER_DIV, 0xb);			/* divide by 1 */
	wrmsr(X2APIC_LVT_TIMER, (1u << 17) | TIMER_VECTOR);	/* periodic, unmasked */
	wrmsr(X2APIC_TIMER_INIT, APIC_BUS_HZ / hz);
	asm volatile("sti" ::: "memory");
	return 0;
}

static void syscall_setup(void)
{
	/* sysret to CS = 0x18+16 | 3, SS = 0x18+8 | 3; syscall to CS 0x08. */
	wrmsr(MSR_STAR, (uint64_t)(GDT_UCODE32) << 48 | (uint64_t)GDT_KCODE << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, 0x700); /* TF, IF, DF */
}

void guest_main(uint64_t vcpu);
void guest_main(uint64_t vcpu)
{
	idt_setup((uint32_t)vcpu);
	syscall_setup();
	guest_run((uint32_t)vcpu);
}
