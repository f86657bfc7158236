/* See string.h here. zstd is built with DEBUGLEVEL 0: its asserts are
 * off; xxhash's static ones are C11's. */
#ifndef MC_LIBC_ASSERT_H
#define MC_LIBC_ASSERT_H
#define assert(c) ((void)0)
#define static_assert _Static_assert
#endif
