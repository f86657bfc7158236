/* Small readers the host probes share: a bounded string copy and one-value
 * files from sysfs and procfs. */
#include "probes/hostinfo_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* Truncating copy. A loop, because snprintf("%s") and strnlen trip GCC 12's
 * -Wformat-truncation/-Wstringop-overread at -O2 on fixed-size sources. */
void hi_copy_str(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	if (src)
		for (; n + 1 < len && src[n]; n++)
			dst[n] = src[n];
	dst[n] = '\0';
}

int hi_read_str(const char *path, char *buf, size_t len)
{
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	if (r < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}

int hi_read_long(const char *path, long *v)
{
	char buf[64], *end;
	int ret = hi_read_str(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*v = strtol(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}
