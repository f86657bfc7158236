/* See string.h here. zstd's create/free functions name these; the body
 * uses static contexts only, and guest/mc_mem.c's mc_malloc fails. */
#ifndef MC_LIBC_STDLIB_H
#define MC_LIBC_STDLIB_H
#include <stddef.h>
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void free(void *p);
#endif
