/* SHA-256 (FIPS 180-4) of a buffer, so a result file names the exact bytes
 * of the suite that produced it without pulling in a crypto library. */
#ifndef HVBENCH_SHA256_H
#define HVBENCH_SHA256_H

#include <stdbool.h>
#include <stddef.h>

/* Lower-case hex digest of len bytes at data into hex (65 bytes: 64 digits
 * and the terminating NUL). */
void sha256_hex(const void *data, size_t len, char hex[65]);
/* Tests: the portable rounds even where the CPU's SHA extensions are
 * used otherwise, so both are checked on one machine. */
void sha256_force_portable(bool on);

#endif
