/* aarch64 definitions the guest runtime and the arm64 bodies share. */
#ifndef HV_GUEST_ARM64_H
#define HV_GUEST_ARM64_H

#include <stdint.h>
#include "hv-core/arch/arm64/layout.h"


/* Exception kinds from the vector table (start.S). */
#define EXC_SYNC 0
#define EXC_IRQ 1
#define EXC_FIQ 2
#define EXC_SERROR 3

#define read_sysreg(r) ({ uint64_t __v; asm volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define write_sysreg(r, v) asm volatile("msr " #r ", %0" ::"r"((uint64_t)(v)) : "memory")


#endif
