/* The libc calls the libraries built into the bodies may make (Makefile
 * LZ4_*, ZSTD_*: their objects' memcpy, memmove, memset, and zstd's malloc,
 * calloc and free, are renamed to these): the guest has no libc, and the
 * native twin must run the guest's instructions, not glibc's vector
 * copies. Eight bytes at a time where both ends allow, else bytes. Built
 * with -fno-tree-loop-distribute-patterns (Makefile): gcc would otherwise
 * turn these loops back into the calls. */
#include <stddef.h>
#include <stdint.h>

void *mc_memcpy(void *d, const void *s, size_t n);
void *mc_memmove(void *d, const void *s, size_t n);
void *mc_memset(void *d, int c, size_t n);

/* A word that may alias the bytes it is stored over. */
typedef uint64_t __attribute__((may_alias)) mc_word;

void *mc_memcpy(void *d, const void *s, size_t n)
{
	uint8_t *o = d;
	const uint8_t *i = s;

	if (!(((uintptr_t)o | (uintptr_t)i) & 7))
		for (; n >= 8; n -= 8, o += 8, i += 8)
			*(mc_word *)o = *(const mc_word *)i;
	while (n--)
		*o++ = *i++;
	return d;
}

void *mc_memmove(void *d, const void *s, size_t n)
{
	uint8_t *o = d;
	const uint8_t *i = s;

	if (o <= i || o >= i + n)
		return mc_memcpy(d, s, n);
	while (n--)
		o[n] = i[n];
	return d;
}

void *mc_memset(void *d, int c, size_t n)
{
	uint8_t *o = d;
	uint64_t w = 0x0101010101010101ull * (uint8_t)c;

	for (; n && ((uintptr_t)o & 7); n--)
		*o++ = (uint8_t)c;
	for (; n >= 8; n -= 8, o += 8)
		*(mc_word *)o = w;
	while (n--)
		*o++ = (uint8_t)c;
	return d;
}

/* zstd's allocation calls (its create/free functions): the bodies give
 * every context from the region's arena, so none is ever served. */
void *mc_malloc(size_t n);
void *mc_calloc(size_t n, size_t size);
void mc_free(void *p);

void *mc_malloc(size_t n)
{
	return NULL;
}

void *mc_calloc(size_t n, size_t size)
{
	return NULL;
}

void mc_free(void *p)
{
}
