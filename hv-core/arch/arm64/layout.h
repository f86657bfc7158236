/* The arm64 guest's system-register and page-table layout, shared by the VMM
 * (which builds the stage-1 tables in guest memory) and the guest runtime
 * (which loads TTBR0/TCR/MAIR/SCTLR from these constants). Pure definitions:
 * also compiled into the x86 unit tests. */
#ifndef HV_ARCH_ARM64_LAYOUT_H
#define HV_ARCH_ARM64_LAYOUT_H

/* Values used by start.S carry no C suffixes: this header is also assembled.
 *
 * Stage-1 tables, below the image at 1 MiB: one level-1 table (4 x 1 GiB)
 * and four level-2 tables (2 MiB blocks) identity-mapping the first 4 GiB. */
#define A64_L1_GPA 0x1000
#define A64_L2_GPA 0x2000ull	/* 4 pages */
#define A64_L2_PAGES 4

/* Block/table descriptor bits (VMSAv8-64, 4K granule). */
#define A64_PTE_VALID (1ull << 0)
#define A64_PTE_TABLE (1ull << 1)	/* level 1/2: table, else block */
#define A64_PTE_ATTR(i) ((unsigned long long)(i) << 2)	/* MAIR index */
#define A64_PTE_AP_EL0 (1ull << 6)	/* AP[1]: EL0 may access */
#define A64_PTE_AP_RO (1ull << 7)	/* AP[2]: read-only */
#define A64_PTE_SH_INNER (3ull << 8)
#define A64_PTE_AF (1ull << 10)
#define A64_PTE_NG (1ull << 11)	/* not global: tagged with the ASID */
#define A64_PTE_PXN (1ull << 53)
#define A64_PTE_UXN (1ull << 54)
#define A64_PTE_ADDR 0x0000fffffffff000ull
#define A64_TTBR_ASID_SHIFT 48

/* MAIR_EL1: attr0 normal write-back, attr1 Device-nGnRE. */
#define A64_MAIR_NORMAL 0
#define A64_MAIR_DEVICE 1
#define A64_MAIR_VALUE 0x04ff

/* TCR_EL1: T0SZ=25 (512 GiB of virtual addresses, walks start at level 1,
 * whose 512 entries map 1 GiB each), WB-WA inner/outer, inner shareable,
 * 4K granule, TTBR1 walks off (EPD1), 8-bit ASIDs from TTBR0 (A1=0, AS=0),
 * IPS 40 bits (1 TiB: KVM's default IPA size, so the memory family's
 * region at 64 GiB is reachable). The identity map covers the first 4 GiB;
 * the rest is for mappings added through hv_vm_map. */
#define A64_TCR_VALUE 0x200803519	/* 25 | 1<<8 | 1<<10 | 3<<12 | 1<<23 | 2<<32 */
#define A64_VA_BITS 39

/* SCTLR_EL1: the ARMv8.0 RES1 bits (11, 20, 22, 23=SPAN: no PAN on exception
 * entry, 28, 29) plus M, C, I, and nTWI/nTWE (EL0 WFI/WFE do not trap to EL1),
 * UCT (EL0 reads CTR_EL0). */
#define A64_SCTLR_VALUE 0x30d59805	/* see tests/test_arm64_layout.c */

/* CNTKCTL_EL1: EL0 may read CNTVCT_EL0 and CNTPCT_EL0. */
#define A64_CNTKCTL_VALUE 0x3

/* The first 4 MiB (tables and image) are read-only and executable at EL1 and
 * EL0: memory writable at EL0 is never executable at EL1 (implicit PXN). */
#define A64_TEXT_END 0x400000ull

/* PSTATE values for KVM_SET_ONE_REG. */
#define A64_PSTATE_DAIF (0xfull << 6)
#define A64_PSTATE_EL1H (0x5ull | A64_PSTATE_DAIF)
#define A64_PSTATE_EL0T (0x0ull | A64_PSTATE_DAIF)

/* The in-kernel vGICv3, above the MMIO window's call channel. */
#define A64_GICD_GPA 0xe0000000ull
#define A64_GICR_GPA 0xe0010000ull	/* 128 KiB per vCPU */
#define A64_PMU_PPI 23

/* SMCCC / PSCI function ids KVM answers in the kernel. */
#define PSCI_0_2_FN_PSCI_VERSION 0x84000000u

#endif
