/* aarch64 guest entry and exception vectors. The VMM starts every vCPU here
 * at EL1h with DAIF masked, SP_EL1 at its kernel stack and X0 = vCPU index;
 * the VMM also built the identity map (hv-core/arch/arm64/layout.h). */
#include "hv-core/arch/arm64/layout.h"

	.section .text.entry, "ax"
	.global _start
_start:
	mov	x19, x0
	msr	tpidr_el1, x0		/* who we are, for the fault report */
	adr	x1, vectors
	msr	vbar_el1, x1
	ldr	x1, =A64_MAIR_VALUE
	msr	mair_el1, x1
	ldr	x1, =A64_TCR_VALUE
	msr	tcr_el1, x1
	ldr	x1, =A64_L1_GPA
	msr	ttbr0_el1, x1
	mov	x1, #A64_CNTKCTL_VALUE
	msr	cntkctl_el1, x1
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	ldr	x1, =A64_SCTLR_VALUE
	msr	sctlr_el1, x1
	isb
	mov	x0, x19
	bl	guest_main
1:	wfi
	b	1b

/* One entry per (source, kind): each saves the frame and tells C which. */
.macro VEC kind
	.balign 0x80
	sub	sp, sp, #32
	stp	x0, x1, [sp]
	stp	x29, x30, [sp, #16]
	mov	x0, #\kind
	b	exc_common
.endm

/* IRQs may arrive in the middle of any EL1 code: save every register the
 * C handler may clobber, then return to where the interrupt hit. */
.macro VEC_IRQ
	.balign 0x80
	b	irq_common
.endm

	.text
	.balign 0x800
	.global vectors
vectors:
	VEC 0	/* current EL, SP_EL0: sync */
	VEC_IRQ	/* irq */
	VEC 2	/* fiq */
	VEC 3	/* serror */
	VEC 0	/* current EL, SP_ELx */
	VEC_IRQ
	VEC 2
	VEC 3
	VEC 0	/* lower EL, AArch64 */
	VEC_IRQ	/* EL0 runs with IRQs unmasked only where a row asks (its timer) */
	VEC 2
	VEC 3
	VEC 0	/* lower EL, AArch32 */
	VEC 1
	VEC 2
	VEC 3

exc_common:
	mrs	x1, esr_el1
	mrs	x2, far_el1
	mrs	x3, elr_el1
	mrs	x4, spsr_el1
	bl	guest_exception
	/* Only interrupts the runtime chose to take come back here. */
	ldp	x29, x30, [sp, #16]
	ldp	x0, x1, [sp]
	add	sp, sp, #32
	eret

irq_common:
	sub	sp, sp, #176
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x29, [sp, #144]
	str	x30, [sp, #160]
	bl	guest_irq
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x29, [sp, #144]
	ldr	x30, [sp, #160]
	add	sp, sp, #176
	eret

	.section .note.GNU-stack,"",%progbits
