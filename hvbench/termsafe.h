/* Human output never carries terminal control sequences from input files:
 * one escaper, installed on stdout and stderr for every command. */
#ifndef HVBENCH_TERMSAFE_H
#define HVBENCH_TERMSAFE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Escapes @len bytes of @s into a malloc'ed, NUL-terminated string: C0
 * controls other than \n and \t, DEL and the C1 controls U+0080..U+009F
 * become \uXXXX (so escaped JSON stays JSON of the same value), every byte
 * of invalid UTF-8 (a raw 0x9b CSI included) becomes \xHH; valid UTF-8 and
 * printable ASCII pass. NULL on out of memory.
 */
char *ts_escape(const char *s, size_t len);

/* Length of the valid UTF-8 sequence at @s (1..4), 0 when @s[0..n) does not
 * start one, -1 when it may still complete with more bytes. */
int ts_utf8_len(const unsigned char *s, size_t n);

/* Replaces stdout and stderr by streams that pass everything through
 * ts_escape on its way to file descriptors 1 and 2 (stdout keeps its
 * buffering, stderr becomes line-buffered). Output written to the file
 * descriptors directly (a result file or page sent to "-") is unchanged.
 * 0, or -1 when a stream cannot be made (the originals then stay). */
int ts_install(void);

#endif
