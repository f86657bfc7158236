/* Internal to the host probes (probes/hostinfo*.c): the shared readers. */
#ifndef PROBES_HOSTINFO_INT_H
#define PROBES_HOSTINFO_INT_H

#include <stddef.h>

/* Truncating copy; src NULL gives "". */
void hi_copy_str(char *dst, size_t len, const char *src);
/* A whole small file, trailing newlines and blanks cut; 0 or -errno. */
int hi_read_str(const char *path, char *buf, size_t len);
/* One integer (any base strtol takes); 0, -errno or -EINVAL. */
int hi_read_long(const char *path, long *v);

#endif
