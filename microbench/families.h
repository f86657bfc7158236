/* The per-family benchmark tables that microbench/table.c joins. */
#ifndef MICROBENCH_FAMILIES_H
#define MICROBENCH_FAMILIES_H

#include "microbench/mb.h"

/* NULL-terminated arrays of rows. */
extern const struct mb_bench *const mb_family_exitcost[];
extern const struct mb_bench *const mb_family_iopath[];
/* arm64-only rows of the exit-cost family (microbench/exitcost_arm64.c). */
extern const struct mb_bench *const mb_family_exitcost_arm64[];

#endif
