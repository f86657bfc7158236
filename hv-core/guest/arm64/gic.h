/* The guest's side of the in-kernel vGICv3 (hv-core/arch/arm64/vm.c places
 * it): distributor and redistributor set-up over MMIO, the CPU interface
 * through its system registers. Under KVM the ICC_* registers reach the
 * virtual CPU interface (ICV_*) without an exit; only SGI generation
 * (ICC_SGI1R_EL1) traps to the hypervisor. */
#ifndef HV_GUEST_ARM64_GIC_H
#define HV_GUEST_ARM64_GIC_H

#include <stdint.h>
#include "arm64.h"

/* Encodings, so no assembler needs to know the GICv3 register names. */
#define ICC_PMR_EL1 "s3_0_c4_c6_0"
#define ICC_IAR1_EL1 "s3_0_c12_c12_0"
#define ICC_EOIR1_EL1 "s3_0_c12_c12_1"
#define ICC_HPPIR1_EL1 "s3_0_c12_c12_2"
#define ICC_CTLR_EL1 "s3_0_c12_c12_4"
#define ICC_SRE_EL1 "s3_0_c12_c12_5"
#define ICC_IGRPEN1_EL1 "s3_0_c12_c12_7"
#define ICC_SGI1R_EL1 "s3_0_c12_c11_5"

#define gic_read(reg) ({ uint64_t __v; \
	asm volatile("mrs %0, " reg : "=r"(__v)::"memory"); __v; })
#define gic_write(reg, v) \
	asm volatile("msr " reg ", %0" ::"r"((uint64_t)(v)) : "memory")

#define GIC_INTID_SPURIOUS 1020	/* and above: nothing to acknowledge */

#define GICD_CTLR 0x0
#define GICD_CTLR_ENABLE_G1 (1u << 1)	/* single security state (DS=1) */
#define GICD_CTLR_ARE (1u << 4)
#define GICR_STRIDE 0x20000ull		/* RD_base + SGI_base per vCPU */
#define GICR_WAKER 0x14
#define GICR_SGI_BASE 0x10000ull
#define GICR_IGROUPR0 0x80
#define GICR_ISENABLER0 0x100

static inline void gic_mmio_write(uint64_t addr, uint32_t v)
{
	/* A plain store with a base register: a valid syndrome for KVM. */
	asm volatile("str %w0, [%1]" ::"r"(v), "r"(addr) : "memory");
}

/* vCPU 0 only: the distributor forwards group-1 interrupts. */
static inline void gic_dist_enable(void)
{
	gic_mmio_write(A64_GICD_GPA + GICD_CTLR,
		       GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1);
}

/* This vCPU's redistributor and CPU interface: the SGIs in `sgis` (a bit
 * per INTID 0-15) enabled in group 1, every priority unmasked, EOI mode 0
 * (one EOIR write drops the priority and deactivates). Interrupts stay
 * masked in PSTATE until the caller unmasks them. */
static inline void gic_cpu_init(uint32_t vcpu, uint32_t sgis)
{
	uint64_t rd = A64_GICR_GPA + vcpu * GICR_STRIDE;

	gic_mmio_write(rd + GICR_WAKER, 0);
	gic_mmio_write(rd + GICR_SGI_BASE + GICR_IGROUPR0, 0xffffffffu);
	gic_mmio_write(rd + GICR_SGI_BASE + GICR_ISENABLER0, sgis);
	gic_write(ICC_SRE_EL1, gic_read(ICC_SRE_EL1) | 1);
	asm volatile("isb" ::: "memory");
	gic_write(ICC_PMR_EL1, 0xff);
	gic_write(ICC_CTLR_EL1, gic_read(ICC_CTLR_EL1) & ~2ull);
	gic_write(ICC_IGRPEN1_EL1, 1);
	asm volatile("isb" ::: "memory");
}

/* SGI `intid` to vCPU `target` (KVM numbers MPIDR Aff0 = vCPU index for
 * the first 16, Aff1 = index / 16). One trapped system-register write. */
static inline void gic_send_sgi(uint32_t intid, uint32_t target)
{
	uint64_t v = ((uint64_t)intid << 24) | ((uint64_t)(target >> 4) << 16) |
		     (1ull << (target & 15));

	gic_write(ICC_SGI1R_EL1, v);
	asm volatile("isb" ::: "memory");
}

#endif
