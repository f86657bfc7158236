/* The KVM MMU statistics every row of the memory family reports per
 * operation (mb_bench.kvm_stats: in every record, zero included), defined
 * in pt_churn.c. */
#ifndef MICROBENCH_MEMORY_MMU_STATS_H
#define MICROBENCH_MEMORY_MMU_STATS_H

extern const char *const mem_mmu_stats[];

#endif
