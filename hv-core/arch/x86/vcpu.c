/* x86 backend, vCPU side: CPUID, 64-bit long-mode register state at the
 * image entry, user-space MSR exits, and the words for guest faults. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv-core/arch.h"
#include "hv-core/arch/x86/layout.h"
#include "hv-core/arch/x86/x86.h"
#include "hv-core/hv.h"

#define CPUID_MAX_ENTRIES 256

static int set_cpuid(struct hv_vcpu *vcpu, char *err, size_t errlen)
{
	size_t sz = sizeof(struct kvm_cpuid2) +
		    CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, sz);
	int r;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->nent = CPUID_MAX_ENTRIES;
	r = HV_IOCTL(vcpu->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c, err, errlen);
	if (r >= 0) {
		/* The APIC ID is the vCPU index: the guest learns who it is. */
		for (uint32_t i = 0; i < c->nent; i++)
			if (c->entries[i].function == 1)
				c->entries[i].ebx = (c->entries[i].ebx & 0x00ffffff) |
						    vcpu->id << 24;
		r = HV_IOCTL(vcpu->fd, KVM_SET_CPUID2, c, err, errlen);
	}
	free(c);
	return r < 0 ? r : 0;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->dpl = sel & 3;
	s->s = 1;
	s->l = code64;
	s->db = !code64;
	s->g = 1;
}

int arch_vcpu_init(struct hv_vcpu *vcpu, char *err, size_t errlen)
{
	struct kvm_sregs sr;
	struct kvm_regs regs;
	int r;

	r = set_cpuid(vcpu, err, errlen);
	if (r < 0)
		return r;
	r = HV_IOCTL(vcpu->fd, KVM_GET_SREGS, &sr, err, errlen);
	if (r < 0)
		return r;
	seg(&sr.cs, GDT_KCODE, 0xb, true);
	seg(&sr.ds, GDT_KDATA, 0x3, false);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.gdt.base = x86_gdt_gpa(vcpu->id);
	sr.gdt.limit = x86_gdt_limit(vcpu->id);
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.selector = x86_tr_sel(vcpu->id);
	sr.tr.base = x86_tss_gpa(vcpu->id);
	sr.tr.limit = X86_TSS_LIMIT;
	sr.tr.type = 0xb; /* busy 64-bit TSS */
	sr.tr.present = 1;
	sr.cr3 = X86_PML4_GPA;
	sr.cr4 = 1u << 5;			/* PAE */
	sr.cr0 = 0x80000033;			/* PG, NE, ET, MP, PE */
	sr.efer = (1u << 0) | (1u << 8) | (1u << 10); /* SCE, LME, LMA */
	r = HV_IOCTL(vcpu->fd, KVM_SET_SREGS, &sr, err, errlen);
	if (r == 0)
		r = x86_paging_bits(vcpu, err, errlen);
	if (r < 0)
		return r;
	memset(&regs, 0, sizeof(regs));
	regs.rip = HV_IMAGE_GPA;
	regs.rsp = HV_KSTACK_TOP(vcpu->id);
	regs.rdi = vcpu->id;
	regs.rflags = 0x2;
	r = HV_IOCTL(vcpu->fd, KVM_SET_REGS, &regs, err, errlen);
	if (r < 0)
		return r;
	if (vcpu->vm->opts.irqchip && vcpu->id > 0) {
		/* With an in-kernel LAPIC, APs wait for INIT/SIPI; ours start
		 * at the image entry like the BSP. */
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
		r = HV_IOCTL(vcpu->fd, KVM_SET_MP_STATE, &mp, err, errlen);
	}
	return r < 0 ? r : 0;
}

void arch_vcpu_destroy(struct hv_vcpu *vcpu)
{
}

int arch_vcpu_enter_user(struct hv_vcpu *vcpu, uint64_t entry, uint64_t sp)
{
	struct kvm_sregs sr;
	struct kvm_regs regs;
	int r;

	r = HV_IOCTL(vcpu->fd, KVM_GET_SREGS, &sr, vcpu->err, sizeof(vcpu->err));
	if (r < 0)
		return r;
	seg(&sr.cs, GDT_UCODE64 | 3, 0xb, true);
	seg(&sr.ss, GDT_UDATA | 3, 0x3, false);
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss;
	r = HV_IOCTL(vcpu->fd, KVM_SET_SREGS, &sr, vcpu->err, sizeof(vcpu->err));
	if (r < 0)
		return r;
	r = HV_IOCTL(vcpu->fd, KVM_GET_REGS, &regs, vcpu->err, sizeof(vcpu->err));
	if (r < 0)
		return r;
	regs.rip = entry;
	regs.rsp = sp;
	regs.rdi = vcpu->id;	/* user_main's argument */
	regs.rflags = 0x2 | 3u << 12; /* IOPL 3 */
	if (vcpu->vm->opts.user_irqs)
		regs.rflags |= 1u << 9;	/* IF */
	r = HV_IOCTL(vcpu->fd, KVM_SET_REGS, &regs, vcpu->err, sizeof(vcpu->err));
	return r < 0 ? r : HV_CONTINUE;
}

void arch_vcpu_where(struct hv_vcpu *vcpu, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs sr;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &sr) < 0) {
		snprintf(buf, len, "registers unavailable");
		return;
	}
	snprintf(buf, len, "rip 0x%llx, cpl %u", (unsigned long long)r.rip,
		 sr.cs.selector & 3);
}

const char *arch_ucall_stat(void)
{
	return "io_exits";
}

unsigned arch_ucall_exit_reason(void)
{
	return KVM_EXIT_IO;
}

const char *arch_kvm_stat_name(const char *name)
{
	return name;
}

int arch_user_msr(struct hv_vm *vm, uint32_t index, arch_msr_fn fn,
		 void *opaque, char *err, size_t errlen)
{
	struct x86_vm *xv = vm->arch;
	int cap = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR);
	int filt = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER);

	if (cap <= 0 || filt <= 0) {
		snprintf(err, errlen, "KVM_CAP_X86_USER_SPACE_MSR/KVM_CAP_X86_MSR_FILTER not offered by this host's KVM");
		return -ENOTSUP;
	}
	struct kvm_enable_cap ec = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER },
	};
	int r = HV_IOCTL(vm->vm_fd, KVM_ENABLE_CAP, &ec, err, errlen);
	if (r < 0)
		return r;
	/* Deny just this MSR in the filter: KVM then exits to user space. */
	static uint8_t deny_bitmap[1] = { 0 };
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges = { { .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			      .nmsrs = 1,
			      .base = index,
			      .bitmap = deny_bitmap } },
	};
	r = HV_IOCTL(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &f, err, errlen);
	if (r < 0)
		return r;
	xv->msr_fn = fn;
	xv->msr_opaque = opaque;
	return 0;
}

static int exit_user_msr(struct hv_vcpu *vcpu, bool write)
{
	struct x86_vm *xv = vcpu->vm->arch;
	struct kvm_run *run = vcpu->run;
	uint64_t data = run->msr.data;

	if (run->msr.reason == KVM_MSR_EXIT_REASON_FILTER)
		vcpu->exit_stat[HV_EXIT_ARCH_BASE + X86_EXIT_MSR_FILTER]++;
	else if (run->msr.reason == KVM_MSR_EXIT_REASON_UNKNOWN)
		vcpu->exit_stat[HV_EXIT_ARCH_BASE + X86_EXIT_MSR_UNKNOWN]++;
	else if (run->msr.reason == KVM_MSR_EXIT_REASON_INVAL)
		vcpu->exit_stat[HV_EXIT_ARCH_BASE + X86_EXIT_MSR_INVAL]++;
	run->msr.error = xv->msr_fn ? (uint8_t)xv->msr_fn(run->msr.index, write,
							  &data, xv->msr_opaque) : 1;
	if (!write)
		run->msr.data = data;
	return HV_CONTINUE;
}

int arch_handle_exit(struct hv_vcpu *vcpu)
{
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_X86_RDMSR:
		return exit_user_msr(vcpu, false);
	case KVM_EXIT_X86_WRMSR:
		return exit_user_msr(vcpu, true);
	default:
		snprintf(vcpu->err, sizeof(vcpu->err),
			 "vcpu %u: unexpected exit reason %u", vcpu->id,
			 vcpu->run->exit_reason);
		return -EPROTO;
	}
}

const char *arch_exit_stat_name(unsigned n)
{
	static const char *const names[X86_EXIT_NR] = {
		[X86_EXIT_MSR_FILTER] = "x86_msr_filter",
		[X86_EXIT_MSR_UNKNOWN] = "x86_msr_unknown",
		[X86_EXIT_MSR_INVAL] = "x86_msr_inval",
	};
	_Static_assert(X86_EXIT_NR <= HV_EXIT_ARCH_MAX, "too many x86 exit counters");

	return n < X86_EXIT_NR ? names[n] : NULL;
}

const char *arch_fault_name(uint64_t vector)
{
	static const char *const names[] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "reserved",
		"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	};

	return vector < sizeof(names) / sizeof(names[0]) ? names[vector] :
							   "interrupt";
}

static void num(struct hv_fault_field *f, const char *key, uint64_t v)
{
	f->key = key;
	f->str = NULL;
	f->num = (int64_t)v;
}

static void hex(struct hv_fault_field *f, const char *key, uint64_t v)
{
	f->key = key;
	snprintf(f->buf, sizeof(f->buf), "0x%llx", (unsigned long long)v);
	f->str = f->buf;
}

size_t arch_fault_fields(const struct hv_fault *f, struct hv_fault_field *out,
			 size_t max)
{
	if (max < 7)
		return 0;
	num(&out[0], "vector", f->vector);
	out[1] = (struct hv_fault_field){ .key = "name", .str = arch_fault_name(f->vector) };
	num(&out[2], "error_code", f->error_code);
	hex(&out[3], "rip", f->ip);
	hex(&out[4], "cr2", f->addr);
	num(&out[5], "cpl", f->level);
	num(&out[6], "vcpu", f->vcpu);
	return 7;
}

int arch_vcpu_counter_offset(struct hv_vcpu *vcpu, int64_t *off,
			     uint64_t *width, char *err, size_t errlen)
{
	snprintf(err, errlen, "x86 sets the guest's TSC offset instead (hv_vcpu_tsc_offset)");
	return -ENOTSUP;
}
