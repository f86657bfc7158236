/* arm64 backend internals shared by its files, and the pure helpers (page
 * tables, ESR decoding) that the x86 unit tests compile too. */
#ifndef HV_ARCH_ARM64_ARM64_H
#define HV_ARCH_ARM64_ARM64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv-core/arch/arm64/layout.h"

struct arm64_vm {
	int vgic_fd;		/* -1 without the in-kernel vGICv3 */
	bool pmu;		/* vCPUs have the PMUv3 feature */
	uint32_t target;	/* KVM_ARM_PREFERRED_TARGET */
	uint32_t features0;	/* KVM_ARM_VCPU_INIT features[0] */
};

/* Stage-1 descriptor for the 2 MiB block at gpa, as the guest maps it. */
uint64_t arm64_block_desc(uint64_t gpa);
/* Write the level-1 and level-2 tables into guest RAM (mem: its host
 * mapping, at least A64_L2_GPA + A64_L2_PAGES pages long). */
void arm64_build_page_tables(uint8_t *mem);
/* ESR_ELx exception class in words ("data abort, same EL", ...). */
const char *arm64_ec_name(uint64_t ec);
/* Data/instruction fault status code (ESR ISS[5:0]) in words, or NULL. */
const char *arm64_fsc_name(uint64_t fsc);

#endif
