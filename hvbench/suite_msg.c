/* The suite parser's messages: every error one line pointing at the value
 * as PATH:LINE:COL, with the valid names and the nearest one suggested. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvbench/suite_int.h"

static int vfail_off(struct suite_ctx *c, size_t off, const char *fmt, va_list ap)
{
	struct jsonpos pos;
	int k;

	jsonpos_at(c->text, c->len, off, &pos);
	k = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->path, pos.line,
		     pos.col);
	if (k >= 0 && (size_t)k < c->errlen)
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
	/* One line, whatever the file held (keys may carry escaped
	 * newlines). */
	for (char *p = c->err; c->errlen && *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return -EINVAL;
}

int suite_fail_off(struct suite_ctx *c, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_off(c, off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Fail pointing at segs[0..n) (its key with JSONPOS_KEY). The text parsed,
 * so the path is found; were it not, the root is still a valid place. */
int suite_fail_at(struct suite_ctx *c, const struct jsonpos_seg *segs, size_t n,
		   int flags, const char *fmt, ...)
{
	struct jsonpos pos = { 0 };
	va_list ap;

	if (jsonpos_find_segs(c->text, c->len, segs, n, flags, &pos))
		jsonpos_find_segs(c->text, c->len, NULL, 0, 0, &pos);
	va_start(ap, fmt);
	vfail_off(c, pos.offset, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- names: suggestions and lists ---- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (lb >= 64 || la >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (tolower((unsigned char)a[i - 1]) !=
					      tolower((unsigned char)b[j - 1]));

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

/* "; did you mean "x"?" for the closest name within 2 edits, else "". */
const char *suite_suggest(const char *word, const char *const *names,
			   size_t n, char *buf, size_t len)
{
	size_t best = 3, d;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		d = edit_distance(word, names[i]);
		if (d < best && d < strlen(word)) {
			best = d;
			pick = names[i];
		}
	}
	if (!pick)
		return "";
	snprintf(buf, len, "; did you mean \"%s\"?", pick);
	return buf;
}

void suite_join(char *buf, size_t len, const char *const *names, size_t n,
		 bool quote)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && k < len; i++) {
		int w = snprintf(buf + k, len - k, quote ? "%s\"%s\"" : "%s%s",
				 i ? ", " : "", names[i]);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

size_t suite_bench_names(const char **names)
{
	size_t n = mb_count();

	for (size_t i = 0; i < n; i++)
		names[i] = mb_get(i)->name;
	return n;
}

/* Generic parameter names, then b's family ones. */
size_t suite_param_names(const struct mb_bench *b, const char **names)
{
	size_t n = 0;

	for (size_t i = 0; i < mb_generic_count(); i++)
		names[n++] = mb_generic_get(i)->name;
	for (int j = 0; b && b->ext_params && b->ext_params[j].name; j++)
		names[n++] = b->ext_params[j].name;
	return n;
}

int suite_generic_index(const char *name)
{
	for (size_t i = 0; i < mb_generic_count(); i++)
		if (!strcmp(mb_generic_get(i)->name, name))
			return (int)i;
	return -1;
}

/* A value as the user wrote it, shortened, for "got ..." */
const char *suite_show(const json_t *v, char *buf, size_t len)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	if (!s) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (strlen(s) > 40)
		snprintf(buf, len, "%.37s...", s);
	else
		snprintf(buf, len, "%s", s);
	free(s);
	return buf;
}

/* A string from the file, quoted and escaped as JSON, for messages. */
const char *suite_quote(const char *str, char *buf, size_t len)
{
	json_t *j = json_string(str);

	suite_show(j ? j : json_null(), buf, len);
	json_decref(j);
	return buf;
}

/* Where a jansson syntax error starts: jansson reports the position after
 * the token it choked on and quotes that token as "near '...'". */
static size_t token_start(const char *text, size_t p, const char *msg)
{
	const char *near = strstr(msg, " near '");
	size_t tl;

	if (near) {
		near += strlen(" near '");
		tl = strlen(near);
		if (tl > 0 && near[tl - 1] == '\'')
			tl--;
		if (tl > 0 && tl <= p && !memcmp(text + p - tl, near, tl))
			return p - tl;
	}
	/* "too big integer" has no quote: walk back over the number. */
	while (p > 0 && text[p - 1] != '\0' &&
	       strchr("0123456789+-.eE", text[p - 1]))
		p--;
	return p;
}

int suite_syntax_error(struct suite_ctx *c, const json_error_t *je)
{
	size_t p = je->position < 0 ? 0 : (size_t)je->position, off, end;
	const char *near;

	if (p > c->len)
		p = c->len;
	for (end = c->len; end > 0 && strchr(" \t\r\n", c->text[end - 1]);
	     end--)
		;
	if (end == 0)
		return suite_fail_off(c, 0,
				"the file is empty; a suite is a JSON object {\"name\": ..., \"benchmarks\": [...]}");
	switch (json_error_code(je)) {
	case json_error_premature_end_of_input:
		/* Point just past the last token: where the missing part
		 * belongs, rather than at a trailing newline. */
		near = strstr(je->text, " near end of file");
		return suite_fail_off(c, end,
				"malformed JSON at end of input: %.*s; is the file truncated?",
				near ? (int)(near - je->text) : (int)strlen(je->text),
				je->text);
	case json_error_duplicate_key:
		off = token_start(c->text, p, je->text);
		near = strstr(je->text, " near '");
		return suite_fail_off(c, off, "duplicate key %.*s in the same object",
				near ? (int)strlen(near + 7) - 1 : 0,
				near ? near + 7 : "");
	default:
		break;
	}
	off = token_start(c->text, p, je->text);
	if (off < c->len && (c->text[off] == '}' || c->text[off] == ']')) {
		size_t q = off;

		while (q > 0 && strchr(" \t\r\n", c->text[q - 1]))
			q--;
		if (q > 0 && c->text[q - 1] == ',')
			return suite_fail_off(c, q - 1,
					"malformed JSON: trailing comma before '%c'",
					c->text[off]);
	}
	return suite_fail_off(c, off, "malformed JSON: %s", je->text);
}
