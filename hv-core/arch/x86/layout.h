/* The x86 guest's system-table layout, shared by the VMM (which builds the
 * tables) and the guest runtime (which uses the selectors). */
#ifndef HV_ARCH_X86_LAYOUT_H
#define HV_ARCH_X86_LAYOUT_H

/* GDT selectors. sysret needs user code32, user data, user code64 in this
 * order (STAR[63:48] = GDT_UCODE32). */
#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UCODE32 0x18
#define GDT_UDATA 0x20
#define GDT_UCODE64 0x28
#define GDT_TSS0 0x30	/* 16 bytes per vCPU */

/* Guest-physical addresses of the tables (below the image at 1 MiB). */
#define X86_GDT_GPA 0x1000ull
/* The page tables (hv-core/arch/x86/pt.c) start here: the PML4 (CR3),
 * then tables as the mappings need them, up to the TSSs, then in the
 * system area. */
#define X86_PML4_GPA 0x3000ull
/* One TSS per vCPU, each with a full I/O permission bitmap that allows every
 * port: CPL3 bodies do port I/O without depending on IOPL (which PVM does not
 * honour). */
#define X86_TSS_GPA 0x10000ull
#define X86_TSS_STRIDE 0x3000ull
#define X86_TSS_IOMAP 104
#define X86_TSS_LIMIT (X86_TSS_IOMAP + 8192)	/* bitmap + 0xff terminator byte */

#endif
