/* arm64 backend, vCPU side: KVM_ARM_VCPU_INIT (PSCI 0.2, PMUv3 where the host
 * offers it), the EL1h register state at the image entry, the move to EL0,
 * and the words for guest exceptions (from ESR's exception class). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv-core/arch.h"
#include "hv-core/arch/arm64/arm64.h"
#include "hv-core/hv.h"

#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		     KVM_REG_ARM_CORE_REG(x))

static int set_reg(struct hv_vcpu *vcpu, uint64_t id, uint64_t v,
		   const char *name, char *err, size_t errlen)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&v };

	if (ioctl(vcpu->fd, KVM_SET_ONE_REG, &r) < 0) {
		int e = errno;
		snprintf(err, errlen, "KVM_SET_ONE_REG (%s, vcpu %u): %s", name,
			 vcpu->id, strerror(e));
		return -e;
	}
	return 0;
}

static int get_reg(struct hv_vcpu *vcpu, uint64_t id, uint64_t *v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)v };

	return ioctl(vcpu->fd, KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

static int vcpu_features(struct hv_vm *vm, char *err, size_t errlen)
{
	struct arm64_vm *av = vm->arch;
	struct kvm_vcpu_init init;
	int r;

	if (av->target || av->features0)
		return 0;
	memset(&init, 0, sizeof(init));
	r = HV_IOCTL(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init, err, errlen);
	if (r < 0)
		return r;
	av->target = init.target;
	av->features0 = 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3) > 0) {
		av->features0 |= 1u << KVM_ARM_VCPU_PMU_V3;
		av->pmu = true;
	}
	return 0;
}

int arch_vcpu_init(struct hv_vcpu *vcpu, char *err, size_t errlen)
{
	struct arm64_vm *av = vcpu->vm->arch;
	struct kvm_vcpu_init init;
	int r = vcpu_features(vcpu->vm, err, errlen);

	if (r < 0)
		return r;
	memset(&init, 0, sizeof(init));
	init.target = av->target;
	init.features[0] = av->features0;
	r = HV_IOCTL(vcpu->fd, KVM_ARM_VCPU_INIT, &init, err, errlen);
	if (r < 0)
		return r;
	/* Every vCPU starts at the image entry (no PSCI CPU_ON dance), EL1h
	 * with interrupts masked, its kernel stack in SP_EL1, X0 = its index. */
	r = set_reg(vcpu, CORE_REG(regs.pc), HV_IMAGE_GPA, "pc", err, errlen);
	if (r == 0)
		r = set_reg(vcpu, CORE_REG(regs.pstate), A64_PSTATE_EL1H,
			    "pstate", err, errlen);
	if (r == 0)
		r = set_reg(vcpu, CORE_REG(sp_el1),
			    HV_KSTACK_TOP(vcpu->id),
			    "sp_el1", err, errlen);
	if (r == 0)
		r = set_reg(vcpu, CORE_REG(regs.regs[0]), vcpu->id, "x0", err,
			    errlen);
	return r;
}

void arch_vcpu_destroy(struct hv_vcpu *vcpu)
{
}

/* The vCPU stopped in the call channel's MMIO write, which KVM retires
 * (PC += 4) on the next KVM_RUN. Retire it now with an immediate_exit run
 * (KVM commits the PC update before returning -EINTR), then set EL0 state:
 * otherwise the pending increment would land on the new PC. */
int arch_vcpu_enter_user(struct hv_vcpu *vcpu, uint64_t entry, uint64_t sp)
{
	char *err = vcpu->err;
	size_t errlen = sizeof(vcpu->err);
	int r;

	vcpu->run->immediate_exit = 1;
	r = ioctl(vcpu->fd, KVM_RUN, 0);
	if (r == 0 || errno != EINTR) {
		snprintf(err, errlen, "KVM_RUN with immediate_exit (vcpu %u): %s",
			 vcpu->id, r == 0 ? "entered the guest" : strerror(errno));
		return r == 0 ? -EPROTO : -errno;
	}
	vcpu->run->immediate_exit = vcpu->vm->stopping ? 1 : 0;
	r = set_reg(vcpu, CORE_REG(regs.pc), entry, "pc", err, errlen);
	if (r == 0)
		r = set_reg(vcpu, CORE_REG(regs.sp), sp, "sp_el0", err, errlen);
	if (r == 0)	/* user_main's argument */
		r = set_reg(vcpu, CORE_REG(regs.regs[0]), vcpu->id, "x0", err, errlen);
	if (r == 0)
		r = set_reg(vcpu, CORE_REG(regs.pstate),
			    vcpu->vm->opts.user_irqs ? A64_PSTATE_EL0T & ~(1ull << 7) : A64_PSTATE_EL0T,
			    "pstate", err, errlen);	/* user_irqs: PSTATE.I clear */
	return r < 0 ? r : HV_CONTINUE;
}

void arch_vcpu_where(struct hv_vcpu *vcpu, char *buf, size_t len)
{
	uint64_t pc, pstate;

	if (get_reg(vcpu, CORE_REG(regs.pc), &pc) < 0 ||
	    get_reg(vcpu, CORE_REG(regs.pstate), &pstate) < 0) {
		snprintf(buf, len, "registers unavailable");
		return;
	}
	snprintf(buf, len, "pc 0x%llx, EL%u", (unsigned long long)pc,
		 (unsigned)(pstate >> 2) & 3);
}

int arch_handle_exit(struct hv_vcpu *vcpu)
{
	snprintf(vcpu->err, sizeof(vcpu->err),
		 "vcpu %u: unexpected exit reason %u", vcpu->id,
		 vcpu->run->exit_reason);
	return -EPROTO;
}

/* KVM/arm64 hands user space nothing that needs decoding past the generic
 * reasons (MMIO, SYSTEM_EVENT, ARM_NISV are KVM's own): no arch counters. */
const char *arch_exit_stat_name(unsigned n)
{
	return NULL;
}

const char *arch_fault_name(uint64_t vector)
{
	return arm64_ec_name(vector);
}

static void field(struct hv_fault_field *o, const char *key, const char *fmt,
		  uint64_t v)
{
	o->key = key;
	o->num = (int64_t)v;
	o->str = NULL;
	if (fmt) {
		snprintf(o->buf, sizeof(o->buf), fmt, (unsigned long long)v);
		o->str = o->buf;
	}
}

size_t arch_fault_fields(const struct hv_fault *f, struct hv_fault_field *out,
			 size_t max)
{
	const char *fsc = NULL;
	size_t n = 0;

	if (max < 8)
		return 0;
	/* Aborts carry a fault status code in ISS[5:0]. */
	if (f->vector >= 0x20 && f->vector <= 0x25)
		fsc = arm64_fsc_name(f->error_code & 0x3f);
	field(&out[n++], "ec", NULL, f->vector);
	out[n++] = (struct hv_fault_field){ .key = "name", .str = arm64_ec_name(f->vector) };
	/* An unexpected IRQ (vector 0x100) carries its INTID, not an ESR. */
	field(&out[n++], "esr", f->vector == 0x100 ? "intid %llu" : "0x%llx", f->error_code);
	if (fsc)
		out[n++] = (struct hv_fault_field){ .key = "fault_status", .str = fsc };
	field(&out[n++], "elr", "0x%llx", f->ip);
	field(&out[n++], "far", "0x%llx", f->addr);
	field(&out[n++], "el", NULL, f->level);
	field(&out[n++], "vcpu", NULL, f->vcpu);
	return n;
}

/* The guest's CNTVCT is the host's less the VM's virtual offset (KVM sets
 * it when a vCPU is created). KVM_REG_ARM_TIMER_CNT reads the guest's
 * counter now; two host reads around the ioctl bracket it. The narrowest
 * of 32 brackets wins; the offset is taken at its middle, so it is right
 * within half its width (the ioctl's time). */
#define COUNTER_TRIES 32
int arch_vcpu_counter_offset(struct hv_vcpu *vcpu, int64_t *off,
			     uint64_t *width, char *err, size_t errlen)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < COUNTER_TRIES; i++) {
		uint64_t g, h0 = arch_host_cycles();
		int r = get_reg(vcpu, KVM_REG_ARM_TIMER_CNT, &g);
		uint64_t h1 = arch_host_cycles();

		if (r < 0) {
			snprintf(err, errlen, "KVM_GET_ONE_REG (KVM_REG_ARM_TIMER_CNT, vcpu %u): %s",
				 vcpu->id, strerror(-r));
			return r;
		}
		if (h1 - h0 < best) {
			best = h1 - h0;
			*off = (int64_t)(h0 + (h1 - h0) / 2 - g);
		}
	}
	*width = best;
	return 0;
}
