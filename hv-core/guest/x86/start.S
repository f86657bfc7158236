/* x86-64 guest entry, exception and interrupt stubs, the syscall target. The VMM starts
 * every vCPU here in 64-bit mode with paging on, RSP at its kernel stack and
 * RDI = vCPU index. */
	.section .text.entry, "ax"
	.global _start
_start:
	/* vCPU 0 clears .bss before anything reads it: by quadwords, as a
	 * host that emulates CPL0 (PVM) emulates a rep string instruction one
	 * element at a time (4 KiB by bytes took ~4 ms there), then the rest
	 * by bytes. */
	test	%rdi, %rdi
	jnz	1f
	push	%rdi
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	mov	%rcx, %rdx
	shr	$3, %rcx
	xor	%eax, %eax
	rep stosq
	mov	%rdx, %rcx
	and	$7, %rcx
	rep stosb
	pop	%rdi
1:	call	guest_main
2:	cli
	hlt
	jmp	2b

	.text
/* Exception stubs: push a dummy error code where the CPU pushes none, then
 * the vector, and share one path to C. */
.macro STUB vec, has_err
	.global exc_stub_\vec
exc_stub_\vec:
	.if \has_err == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	exc_common
.endm

	STUB 0,0
	STUB 1,0
	STUB 2,0
	STUB 3,0
	STUB 4,0
	STUB 5,0
	STUB 6,0
	STUB 7,0
	STUB 8,1
	STUB 9,0
	STUB 10,1
	STUB 11,1
	STUB 12,1
	STUB 13,1
	STUB 14,1
	STUB 15,0
	STUB 16,0
	STUB 17,1
	STUB 18,0
	STUB 19,0
	STUB 20,0
	STUB 21,1

/* Interrupts: one 16-byte stub per vector 32-255 (irq_stubs + 16 * (v - 32)),
 * the same frame as an exception's with error code 0. */
	.balign 16
	.global irq_stubs
irq_stubs:
	.set vec, 32
	.rept 224
	.balign 16
	pushq	$0
	pushq	$vec
	jmp	exc_common
	.set vec, vec + 1
	.endr

exc_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	mov	%rsp, %rdi
	call	guest_exception
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp
	iretq

/* syscall lands here at CPL0 and goes straight back: the benchmark is the
 * round trip itself. RCX/R11 hold the return RIP/RFLAGS. */
	.global syscall_entry
syscall_entry:
	sysretq

	.global exc_stub_table
	.section .rodata
exc_stub_table:
	.quad exc_stub_0, exc_stub_1, exc_stub_2, exc_stub_3, exc_stub_4
	.quad exc_stub_5, exc_stub_6, exc_stub_7, exc_stub_8, exc_stub_9
	.quad exc_stub_10, exc_stub_11, exc_stub_12, exc_stub_13, exc_stub_14
	.quad exc_stub_15, exc_stub_16, exc_stub_17, exc_stub_18, exc_stub_19
	.quad exc_stub_20, exc_stub_21
	.section .note.GNU-stack,"",%progbits
