/* The runtime's own check of interrupt registration (tests/test_registry.c):
 * a self-IPI of the vector param[0] names, which a GUEST_IRQ handler of this
 * file answers for IRQ_TEST_VECTOR; any other vector has no handler and must
 * come back as a fault that names it. x86, CPL0 (the x2APIC is MSRs). */
#include <stdint.h>
#include "guest.h"
#include "x86.h"

#define IRQ_TEST_VECTOR 0xe0	/* tests/test_registry.c uses the same */
#define IRQ_TEST_SPINS 1000000

static int irq_test_init(void)
{
	x2apic_enable();
	return 0;
}

static void irq_test_count(uint32_t vector)
{
	SHARED->scratch[0]++;
}
GUEST_IRQ(IRQ_TEST_VECTOR, irq_test_count);

/* One self-IPI, then interrupts open until the handler has counted it. */
static void op_irq_test(uint64_t i)
{
	uint64_t before = SHARED->scratch[0];

	wrmsr(X2APIC_SELF_IPI, (uint8_t)SHARED->param[0]);
	for (uint32_t k = 0; SHARED->scratch[0] == before; k++) {
		if (k == IRQ_TEST_SPINS)
			guest_abort(HV_ABORT_NO_IRQ);
		asm volatile("sti; nop; cli" ::: "memory");
	}
}

GUEST_BODY(irq_test, .init = irq_test_init, .op = op_irq_test);
