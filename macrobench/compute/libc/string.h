/* The few libc declarations zstd's sources include (Makefile ZSTD_*: on
 * the include path of zstd's two builds, before the system's): the calls
 * are renamed to guest/mc_mem.c's after compiling. Not a libc. */
#ifndef MC_LIBC_STRING_H
#define MC_LIBC_STRING_H
#include <stddef.h>
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
#endif
