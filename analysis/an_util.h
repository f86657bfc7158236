/* Small helpers shared by the analysis commands: a growable string buffer,
 * HTML/CSV escaping, number formatting and whole-file output. */
#ifndef ANALYSIS_AN_UTIL_H
#define ANALYSIS_AN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Growable NUL-terminated buffer; on allocation failure it latches @oom and
 * keeps its old content, so callers check once at the end, not per append. */
struct an_buf {
	char *s;
	size_t len, cap;
	bool oom;
};

void an_buf_free(struct an_buf *b);
void an_buf_put(struct an_buf *b, const char *s);
void an_buf_putn(struct an_buf *b, const char *s, size_t n);
void an_buf_printf(struct an_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends @s with &<>"' escaped, for HTML text and attribute values. */
void an_buf_html(struct an_buf *b, const char *s);
/* Appends @s as one CSV text field, quoted only when it has to be (RFC
 * 4180); a field starting with = + - @ tab or CR is written "'..." so a
 * spreadsheet does not run it as a formula (OWASP CSV injection). */
void an_buf_csv(struct an_buf *b, const char *s);

/* "12.3k" style is ambiguous in tables; this prints a value with three
 * significant digits at least and no exponent below 1e9. */
void an_fmt_num(char *out, size_t len, double v);
/* Short unit label for tables and axes ("cycles", "ticks", "insns"). */
const char *an_unit_short(const char *unit);

/*
 * Writes @len bytes to @path with sf_write (hvbench/safefile.h): a temporary
 * file in the destination's folder, fsync, rename, so that a reader (a
 * browser, a web server) or a kill -9 never leaves half a page; a symlink is
 * written through, a non-regular destination refused. When @only_if_changed
 * is set and the file already holds exactly these bytes it is left untouched
 * (keeps mtimes stable for incremental site uploads). Returns 0 or -errno with
 * a message in @err.
 */
int an_write_file(const char *path, const void *data, size_t len,
		  bool only_if_changed, char *err, size_t errlen);
/* mkdir -p; returns 0 or -errno with a message in @err. */
int an_mkdirs(const char *path, char *err, size_t errlen);
/* Reads a whole regular file; *out is NUL-terminated. Opened non-blocking
 * and refused unless regular (a FIFO never hangs it). Returns 0, -errno,
 * or -AN_E_NOTREG for something that is not a regular file. */
#define AN_E_NOTREG 4096 /* above every errno */
int an_read_file(const char *path, char **out, size_t *len);
/* The text for an_read_file's error. */
const char *an_read_strerror(int e);

/* Joins two path parts with one '/'; the result is malloc'ed (NULL on OOM). */
char *an_path_join(const char *a, const char *b);
/* Last path component of @path (pointer into it). */
const char *an_basename(const char *path);

struct an_result;
/* The CSV of `hvbench export` for @r, appended to @out. */
void an_export_csv(const struct an_result *r, struct an_buf *out);
/* The long form: one row per metric of every record (export --metrics). */
void an_export_metrics_csv(const struct an_result *r, struct an_buf *out);

/* @s (malloc'ed, taken) with each newline and tab as the two characters
 * \n, \t: one line of a table whatever a file's string held. */
char *an_one_line(char *s);

#endif
