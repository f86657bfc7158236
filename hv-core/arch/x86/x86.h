/* x86 backend internals shared by its files. */
#ifndef HV_ARCH_X86_X86_H
#define HV_ARCH_X86_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hv-core/abi.h"
#include "hv-core/arch.h"
#include "hv-core/arch/x86/layout.h"

#define X86_PTE_P (1ull << 0)
#define X86_PTE_RW (1ull << 1)
#define X86_PTE_US (1ull << 2)
#define X86_PTE_PWT (1ull << 3)
#define X86_PTE_PCD (1ull << 4)
#define X86_PTE_PS (1ull << 7)
#define X86_PTE_NX (1ull << 63)
#define X86_PTE_ADDR 0x000ffffffffff000ull

struct x86_vm {
	arch_msr_fn msr_fn;
	void *msr_opaque;
	int cpu_1g, cpu_nx;	/* guest CPUID pdpe1gb / NX: -1 not read yet */
	bool nx_used;		/* a mapping is not executable: EFER.NXE */
	bool wp_used;		/* a mapping is read-only: CR0.WP (CPL0 too) */
};

/* EFER.NXE and CR0.WP as the mappings so far need them, on a vCPU that does
 * not run (its creation, or a mapping added before hv_vm_start). */
int x86_paging_bits(struct hv_vcpu *vcpu, char *err, size_t errlen);

/* Where vCPU v's TSS and GDT are: low memory for the first HV_LOW_VCPUS
 * (one GDT with a TSS descriptor each, the layout of old), else in the
 * vCPU's area of the system area (a GDT of its own, its TSS at GDT_TSS0). */
static inline uint64_t x86_tss_gpa(uint32_t v)
{
	return v < HV_LOW_VCPUS ? X86_TSS_GPA + v * X86_TSS_STRIDE :
				  HV_VCPU_AREA_GPA(v) + 2 * HV_STACK_SIZE;
}

static inline uint64_t x86_gdt_gpa(uint32_t v)
{
	return v < HV_LOW_VCPUS ? X86_GDT_GPA : x86_tss_gpa(v) + X86_TSS_STRIDE;
}

static inline uint16_t x86_tr_sel(uint32_t v)
{
	return v < HV_LOW_VCPUS ? GDT_TSS0 + 16 * v : GDT_TSS0;
}

static inline uint16_t x86_gdt_limit(uint32_t v)
{
	return v < HV_LOW_VCPUS ? GDT_TSS0 + 16 * HV_LOW_VCPUS - 1 : GDT_TSS0 + 15;
}

_Static_assert(X86_TSS_STRIDE + 0x1000 <= HV_VCPU_ARCH_SIZE,
	       "per-vCPU arch area too small for TSS and GDT");
_Static_assert(X86_TSS_GPA + HV_LOW_VCPUS * X86_TSS_STRIDE <= HV_IMAGE_GPA,
	       "low TSSs overlap the image");

/* The guest CPU's CPUID leaf 0x8000_0001 EDX bit (KVM's supported set,
 * which is what the vCPUs get): 1, 0, or -errno. */
int x86_cpuid_ext_edx_bit(struct hv_vm *vm, unsigned bit);

/* x86's own exit counters (hv-core/exit.h, from HV_EXIT_ARCH_BASE): why an
 * MSR access came to user space (kvm_run's msr.reason). */
enum x86_exit_stat {
	X86_EXIT_MSR_FILTER,	/* the MSR filter denied it: ours to answer */
	X86_EXIT_MSR_UNKNOWN,	/* KVM does not know the MSR */
	X86_EXIT_MSR_INVAL,	/* KVM refused the value */
	X86_EXIT_NR
};


#endif
