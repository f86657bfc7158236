/* Small helpers shared by the analysis commands: string buffer, escaping,
 * number formatting, atomic file output. */
#include "analysis/an_util.h"
#include "hvbench/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void an_buf_free(struct an_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

static bool buf_reserve(struct an_buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;
	size_t cap;
	char *s;

	if (b->oom)
		return false;
	if (want <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void an_buf_putn(struct an_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void an_buf_put(struct an_buf *b, const char *s)
{
	an_buf_putn(b, s, strlen(s));
}

void an_buf_printf(struct an_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void an_buf_html(struct an_buf *b, const char *s)
{
	const char *run = s;

	if (!s)
		return;
	for (; *s; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		}
		if (!rep)
			continue;
		an_buf_putn(b, run, (size_t)(s - run));
		an_buf_put(b, rep);
		run = s + 1;
	}
	an_buf_putn(b, run, (size_t)(s - run));
}

void an_buf_csv(struct an_buf *b, const char *s)
{
	/* OWASP, CSV injection: a spreadsheet takes a text cell starting with
	 * = + - @ (or tab, CR) as a formula; a leading ' makes it text again.
	 * Numbers never come here (export writes them with put_num), so a
	 * negative number stays a number. */
	bool formula = s && *s && strchr("=+-@\t\r", *s);

	if (!s)
		return;
	if (!formula && !strpbrk(s, ",\"\r\n") && s[0] != ' ' &&
	    (!*s || s[strlen(s) - 1] != ' ')) {
		an_buf_put(b, s);
		return;
	}
	an_buf_put(b, formula ? "\"'" : "\"");
	for (; *s; s++) {
		if (*s == '"')
			an_buf_put(b, "\"\"");
		else
			an_buf_putn(b, s, 1);
	}
	an_buf_put(b, "\"");
}

void an_fmt_num(char *out, size_t len, double v)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(out, len, "-");
	else if (a >= 1e9)
		snprintf(out, len, "%.3g", v);
	else if (a >= 100 || v == floor(v))
		snprintf(out, len, "%.0f", v);
	else if (a >= 10)
		snprintf(out, len, "%.1f", v);
	else if (a >= 1)
		snprintf(out, len, "%.2f", v);
	else
		snprintf(out, len, "%.3g", v);
}

const char *an_unit_short(const char *unit)
{
	if (!unit)
		return "";
	if (!strcmp(unit, "counter_ticks"))
		return "ticks";
	if (!strcmp(unit, "instructions"))
		return "insns";
	return unit;
}

int an_read_file(const char *path, char **out, size_t *len)
{
	struct an_buf b = { 0 };
	char chunk[65536];
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	/* O_NONBLOCK: a FIFO named as a result file must be refused, not
	 * waited on forever by open(). */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -AN_E_NOTREG;
	}
	while (!err && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		else
			an_buf_putn(&b, chunk, (size_t)n);
	}
	close(fd);
	if (!err && b.oom)
		err = -ENOMEM;
	if (!err && !b.s)
		an_buf_putn(&b, "", 0);
	if (err || b.oom) {
		an_buf_free(&b);
		return err ? err : -ENOMEM;
	}
	*out = b.s;
	if (len)
		*len = b.len;
	return 0;
}

const char *an_read_strerror(int e)
{
	return e == -AN_E_NOTREG ? "not a regular file" : strerror(-e);
}

int an_write_file(const char *path, const void *data, size_t len,
		  bool only_if_changed, char *err, size_t errlen)
{
	if (only_if_changed) {
		char *old = NULL;
		size_t olen = 0;

		if (!an_read_file(path, &old, &olen) && olen == len &&
		    !memcmp(old, data, len)) {
			free(old);
			return 0;
		}
		free(old);
	}
	/* One implementation for every output of hvbench: mkstemp, fsync,
	 * rename within the destination's folder (hvbench/safefile.c). */
	return sf_write(path, data, len, 0, err, errlen);
}

int an_mkdirs(const char *path, char *err, size_t errlen)
{
	char *p = strdup(path);
	char *s;
	int e = 0;

	if (!p) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (s = p + 1;; s++) {
		bool end = *s == '\0';

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST) {
			e = errno;
			break;
		}
		if (end)
			break;
		*s = '/';
	}
	if (!e) {
		struct stat st;

		if (stat(path, &st) || !S_ISDIR(st.st_mode))
			e = ENOTDIR;
	}
	free(p);
	if (e) {
		snprintf(err, errlen, "%s: cannot create folder: %s", path,
			 strerror(e));
		return -e;
	}
	return 0;
}

char *an_path_join(const char *a, const char *b)
{
	char *out;
	size_t la = strlen(a);

	while (la > 1 && a[la - 1] == '/')
		la--;
	if (asprintf(&out, "%.*s/%s", (int)la, a, b) < 0)
		return NULL;
	return out;
}

const char *an_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* A cell is one line: a newline or tab from a file's string (a hostile
 * variant) would break the table for a reader and a script alike. The
 * stream's escaper handles every other control byte. */
char *an_one_line(char *s)
{
	size_t n = 0, len;
	char *o, *p;

	if (!s || !strpbrk(s, "\n\t"))
		return s;
	len = strlen(s);
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n' || s[i] == '\t';
	if (!(o = malloc(len + n + 1)))
		return s;
	p = o;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n' || s[i] == '\t') {
			*p++ = '\\';
			*p++ = s[i] == '\n' ? 'n' : 't';
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	free(s);
	return o;
}
