/* x86 guest body of the io-path (0x22e) study, for the body table. */
#ifndef MICROBENCH_GUEST_X86_IOPATH_H
#define MICROBENCH_GUEST_X86_IOPATH_H

#include <stdint.h>

int io_path_init(void);
uint64_t io_path_op(uint64_t i);

#endif
