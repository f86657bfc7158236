/* Guest bodies that are the same C on every arch (microbench/guest/common.c);
 * each arch's body table points at them. */
#ifndef MICROBENCH_GUEST_COMMON_H
#define MICROBENCH_GUEST_COMMON_H

#include <stdint.h>

void gbody_op_empty(uint64_t i);
void gbody_op_pf_touch(uint64_t i);
void gbody_op_fault(uint64_t i);
void gbody_op_spin(uint64_t i);
int gbody_lie_init(void);

#endif
