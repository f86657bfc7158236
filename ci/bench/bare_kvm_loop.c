/* The smallest VMM there is, as the yardstick for hvbench's own exit path
 * (ci/bench/x86emu-vmm.sh): one vCPU (on the main thread unless asked), a
 * KVM_RUN loop that answers each user-space exit in a few instructions, and
 * a guest that stamps its TSC around one operation per turn. The guest is
 * set up as hvbench's (64-bit, CPL0, KVM's supported CPUID), so KVM does
 * the same work for both and only the VMMs differ. Prints the
 * median cost per operation, the empty probe pair taken out.
 * Usage: bare_kvm_loop OP [N [seccomp|seccomp-ssb|thread|thread-unshare]]
 *   OP: empty cpuid pio_in pio_out mmio_read msr_read
 *   seccomp: the loop runs under a seccomp allowlist, as hvbench's jail
 *   (hvbench/jail.c); seccomp-ssb: the same with SECCOMP_FILTER_FLAG_SPEC_ALLOW,
 *   i.e. without the Speculative Store Bypass mitigation seccomp implies.
 *   thread: KVM_RUN in a thread of its own, as hvbench's vCPUs;
 *   thread-unshare: that thread with a file table of its own.
 *   What each costs per exit is then the difference. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM (1u << 20)
#define CODE 0x1000
#define OUT 0x10000	/* results: N u32 deltas */
#define PML4 0x2000	/* identity map of the first 2 MiB, one large page */
#define PORT 0x22e
#define MSR 0x3b	/* IA32_TSC_ADJUST, as hvbench's msr_user */
#define MMIO 0xd0000	/* in the page table, outside the memory slot */

static int die(const char *what)
{
	fprintf(stderr, "bare_kvm_loop: %s: %s\n", what, strerror(errno));
	return 1;
}

static int cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* 64-bit guest at CPL0, as hvbench's: for ebp = n..1: esi = tsc; OP;
 * eax = tsc - esi; [rdi] = eax; rdi += 4. Then hlt. */
static size_t guest(uint8_t *p, const char *op, uint32_t n)
{
	size_t i = 0;
#define B(...) do { const uint8_t b_[] = { __VA_ARGS__ }; memcpy(p + i, b_, sizeof(b_)); i += sizeof(b_); } while (0)
#define U32(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
	B(0xbf, U32(OUT));			/* mov edi, OUT */
	B(0xbd, U32(n));			/* mov ebp, n */
	size_t loop = i;
	B(0x0f, 0x31);				/* rdtsc */
	B(0x89, 0xc6);				/* mov esi, eax */
	if (!strcmp(op, "cpuid"))
		B(0x31, 0xc0, 0x0f, 0xa2);	/* xor eax, eax; cpuid */
	else if (!strcmp(op, "pio_in"))
		B(0xba, U32(PORT), 0xec);	/* mov edx, PORT; in al, dx */
	else if (!strcmp(op, "pio_out"))
		B(0xba, U32(PORT), 0xee);	/* mov edx, PORT; out dx, al */
	else if (!strcmp(op, "mmio_read"))
		B(0x8b, 0x04, 0x25, U32(MMIO));	/* mov eax, [MMIO] */
	else if (!strcmp(op, "msr_read"))
		B(0xb9, U32(MSR), 0x0f, 0x32);	/* mov ecx, MSR; rdmsr */
	else if (strcmp(op, "empty"))
		return 0;
	B(0x0f, 0x31);				/* rdtsc */
	B(0x29, 0xf0);				/* sub eax, esi */
	B(0x89, 0x07);				/* mov [rdi], eax */
	B(0x48, 0x83, 0xc7, 0x04);		/* add rdi, 4 */
	B(0xff, 0xcd);				/* dec ebp */
	B(0x75, (uint8_t)(loop - (i + 2)));	/* jnz loop */
	B(0xf4);				/* hlt */
#undef B
#undef U32
	return i;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code64)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = code64;
	s->db = !code64;
	s->g = 1;
}

struct loop_arg {
	int vcpu;
	struct kvm_run *run;
	int rc;
	int unshare;
};

/* The loop being measured: nothing but KVM_RUN and the answer. */
static void *run_loop(void *arg)
{
	struct loop_arg *la = arg;
	int vcpu = la->vcpu;
	struct kvm_run *run = la->run;

	/* thread-unshare: a file table of the thread's own, so the kernel's
	 * fdget takes the single-owner path without a reference count. */
	if (la->unshare && unshare(CLONE_FILES) < 0) {
		la->rc = die("unshare(CLONE_FILES)");
		return NULL;
	}

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			{ la->rc = die("KVM_RUN"); return NULL; }
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction == KVM_EXIT_IO_IN)
				*((uint8_t *)run + run->io.data_offset) = 0xff;
			continue;
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, run->mmio.len);
			continue;
		case KVM_EXIT_X86_RDMSR:
			run->msr.data = 0;
			run->msr.error = 0;
			continue;
		case KVM_EXIT_HLT:
			break;
		default:
			fprintf(stderr, "bare_kvm_loop: exit reason %u\n", run->exit_reason);
			la->rc = 1;
			return NULL;
		}
		break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "pio_in";
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
	int kvm, vm, vcpu;

	if (n < 10 || n > 100000)
		n = 2000;
	if ((kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0)
		return die("/dev/kvm");
	if ((vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0)
		return die("KVM_CREATE_VM");
	uint8_t *mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return die("mmap");
	if (!guest(mem + CODE, op, (uint32_t)n)) {
		fprintf(stderr, "bare_kvm_loop: unknown op %s\n", op);
		return 2;
	}
	uint64_t *pt = (uint64_t *)(mem + PML4);
	pt[0] = (PML4 + 0x1000) | 3;		/* PML4[0] -> PDPT */
	pt[512] = (PML4 + 0x2000) | 3;		/* PDPT[0] -> PD */
	pt[1024] = 0x83;			/* PD[0]: 2 MiB at 0, P RW PS */
	/* 640 KiB of RAM: 0xd0000 is a hole, so the read is MMIO. */
	struct kvm_userspace_memory_region r = { .slot = 0, .guest_phys_addr = 0,
		.memory_size = 0xa0000, .userspace_addr = (uint64_t)(uintptr_t)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return die("KVM_SET_USER_MEMORY_REGION");
	if (!strcmp(op, "msr_read")) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
			.args = { KVM_MSR_EXIT_REASON_FILTER } };
		static uint8_t deny[1];	/* bit 0 clear: reads of MSR go to user space */
		struct kvm_msr_filter f = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
			.ranges = { { .flags = KVM_MSR_FILTER_READ, .nmsrs = 1, .base = MSR,
				      .bitmap = deny } } };
		if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0 || ioctl(vm, KVM_X86_SET_MSR_FILTER, &f) < 0)
			return die("user-space MSR filter");
	}
	if ((vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0)
		return die("KVM_CREATE_VCPU");
	int sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return die("mmap kvm_run");
	/* KVM's supported CPUID, as hvbench and most VMMs set it: KVM
	 * searches this table on every CPUID exit. */
	struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cpuid = { .c.nent = 256 };
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid) < 0 || ioctl(vcpu, KVM_SET_CPUID2, &cpuid) < 0)
		return die("CPUID");
	struct kvm_sregs s;
	if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		return die("KVM_GET_SREGS");
	seg(&s.cs, 8, 0xb, 1);
	seg(&s.ds, 16, 0x3, 0);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.cr3 = PML4;
	s.cr4 = 1u << 5;			/* PAE */
	s.cr0 = 0x80000033;			/* PG, NE, ET, MP, PE */
	s.efer = (1u << 0) | (1u << 8) | (1u << 10); /* SCE, LME, LMA */
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0)
		return die("KVM_SET_SREGS");
	struct kvm_regs g = { .rip = CODE, .rflags = 2 };
	if (ioctl(vcpu, KVM_SET_REGS, &g) < 0)
		return die("KVM_SET_REGS");

	const char *sc = argc > 3 ? argv[3] : "";
	if (!strncmp(sc, "seccomp", 7)) {
		static const int ok[] = { SCMP_SYS(ioctl), SCMP_SYS(write), SCMP_SYS(exit_group),
					  SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(brk),
					  SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(rt_sigreturn),
					  SCMP_SYS(getrandom), SCMP_SYS(sysinfo) };
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
		int r = ctx ? 0 : -1;
		for (size_t i = 0; r == 0 && i < sizeof(ok) / sizeof(ok[0]); i++)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, ok[i], 0);
		if (r == 0 && !strcmp(sc, "seccomp-ssb"))
			r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
		if (r == 0)
			r = seccomp_load(ctx);
		if (r) {
			fprintf(stderr, "bare_kvm_loop: seccomp: %s\n", strerror(-r));
			return 1;
		}
	}
	struct loop_arg la = { vcpu, run, 0, !strcmp(sc, "thread-unshare") };
	if (!strncmp(sc, "thread", 6)) {
		/* As hvbench: the vCPU runs in a thread of its own. */
		pthread_t t;
		if (pthread_create(&t, NULL, run_loop, &la) || pthread_join(t, NULL))
			return die("pthread");
	} else {
		run_loop(&la);
	}
	if (la.rc)
		return la.rc;
	/* The first tenth is warm-up (first touches, caches). */
	uint32_t *d = (uint32_t *)(mem + OUT);
	long skip = n / 10, m = n - skip;
	qsort(d + skip, (size_t)m, sizeof(uint32_t), cmp);
	printf("%s%s%s p50 %u p10 %u p90 %u n %ld (TSC per op, probe pair included)\n", op,
	       sc[0] ? "+" : "", sc,
	       d[skip + m / 2], d[skip + m / 10], d[skip + m * 9 / 10], m);
	return 0;
}
