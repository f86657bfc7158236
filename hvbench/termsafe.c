/* The terminal escaper (termsafe.h): a hostname with ESC [2J in a result
 * file must print as text, not clear the user's screen. */
#include "hvbench/termsafe.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ts_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int need, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < need; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, past U+10FFFF */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

char *ts_escape(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(len * 6 + 1), *o = out;
	size_t i = 0;

	if (!out)
		return NULL;
	while (i < len) {
		int n = ts_utf8_len(p + i, len - i);

		if (n == 1 && (p[i] >= 0x20 || p[i] == '\n' || p[i] == '\t') &&
		    p[i] != 0x7f) {
			*o++ = (char)p[i++];
		} else if (n == 1) {
			o += sprintf(o, "\\u%04x", p[i++]);
		} else if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
			o += sprintf(o, "\\u%04x", p[i + 1]); /* C1 */
			i += 2;
		} else if (n > 1) {
			memcpy(o, p + i, (size_t)n);
			o += n;
			i += (size_t)n;
		} else {
			o += sprintf(o, "\\x%02x", p[i++]);
		}
	}
	*o = '\0';
	return out;
}

/* A stream's state: the fd, and up to 3 bytes of a UTF-8 sequence that a
 * buffer flush cut in two. */
struct ts_cookie {
	int fd;
	unsigned char carry[4];
	size_t ncarry;
};

static int put_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

static ssize_t ts_write(void *cookie, const char *buf, size_t size)
{
	struct ts_cookie *c = cookie;
	size_t total = c->ncarry + size, keep = 0;
	unsigned char *all = malloc(total ? total : 1);
	char *esc;
	int rc;

	if (!all)
		return -1;
	memcpy(all, c->carry, c->ncarry);
	memcpy(all + c->ncarry, buf, size);
	/* A sequence still incomplete at the end waits for the next write. */
	for (size_t back = 1; back <= 3 && back <= total; back++) {
		if (all[total - back] >= 0xc0) {
			if (ts_utf8_len(all + total - back, back) < 0)
				keep = back;
			break;
		}
		if ((all[total - back] & 0xc0) != 0x80)
			break;
	}
	esc = ts_escape((char *)all, total - keep);
	memcpy(c->carry, all + total - keep, keep);
	c->ncarry = keep;
	free(all);
	if (!esc)
		return -1;
	rc = put_all(c->fd, esc, strlen(esc));
	free(esc);
	return rc ? -1 : (ssize_t)size;
}

static int ts_close(void *cookie)
{
	struct ts_cookie *c = cookie;
	char *esc = NULL;

	/* a sequence that never completed is invalid: shown as \xHH */
	if (c->ncarry && (esc = ts_escape((char *)c->carry, c->ncarry)))
		put_all(c->fd, esc, strlen(esc));
	free(esc);
	free(c);
	return 0;
}

static FILE *wrap(int fd, int mode)
{
	static const cookie_io_functions_t io = { .write = ts_write,
						   .close = ts_close };
	struct ts_cookie *c = calloc(1, sizeof(*c));
	FILE *f;

	if (!c)
		return NULL;
	c->fd = fd;
	f = fopencookie(c, "w", io);
	if (!f) {
		free(c);
		return NULL;
	}
	setvbuf(f, NULL, mode, BUFSIZ);
	return f;
}

/* The escaping streams and the ones they replaced: closed (and the
 * originals put back) at exit, so their buffers are flushed through the
 * escaper once more and nothing they hold is left allocated. */
static FILE *ts_out, *ts_err, *ts_orig_out, *ts_orig_err;

static void ts_uninstall(void)
{
	if (stdout == ts_out && ts_out) {
		stdout = ts_orig_out;
		fclose(ts_out);
		ts_out = NULL;
	}
	if (stderr == ts_err && ts_err) {
		stderr = ts_orig_err;
		fclose(ts_err);
		ts_err = NULL;
	}
}

int ts_install(void)
{
	static bool registered;
	FILE *out, *err;

	fflush(stdout);
	fflush(stderr);
	out = wrap(STDOUT_FILENO, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
	err = wrap(STDERR_FILENO, _IOLBF);
	if (!out || !err) {
		if (out)
			fclose(out);
		if (err)
			fclose(err);
		return -1;
	}
	ts_orig_out = stdout;
	ts_orig_err = stderr;
	ts_out = stdout = out;
	ts_err = stderr = err;
	if (!registered)
		registered = atexit(ts_uninstall) == 0;
	return 0;
}
