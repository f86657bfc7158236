/* Minimal JSON tokenizer walk that turns a path (benchmarks[2].cpl) into the
 * line:col of that value in the raw text, for semantic error messages. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hvbench/jsonpos.h"

/* Deeper nesting than this is no suite file; the limit keeps the recursion
 * of a hostile file off the stack. */
#define JSONPOS_MAX_DEPTH 256
#define JSONPOS_MAX_SEGS 64

struct walk {
	const char *s;
	size_t len, i;
};

void jsonpos_at(const char *text, size_t len, size_t off, struct jsonpos *out)
{
	int line = 1, col = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\n') {
			line++;
			col = 1;
		} else if ((c & 0xc0) != 0x80) {
			/* UTF-8 continuation bytes belong to the character
			 * before them. */
			col++;
		}
	}
	out->offset = off;
	out->line = line;
	out->col = col;
}

static void skip_ws(struct walk *w)
{
	while (w->i < w->len && (w->s[w->i] == ' ' || w->s[w->i] == '\t' ||
				 w->s[w->i] == '\n' || w->s[w->i] == '\r'))
		w->i++;
}

static bool at(struct walk *w, char c)
{
	return w->i < w->len && w->s[w->i] == c;
}

static int hex4(struct walk *w, uint32_t *cp)
{
	*cp = 0;
	if (w->len - w->i < 4)
		return -EINVAL;
	for (int k = 0; k < 4; k++) {
		char c = w->s[w->i++];

		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*cp |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*cp |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	return 0;
}

static size_t utf8_encode(uint32_t cp, unsigned char *u)
{
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (unsigned char)(0xf0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Scan the string at w->i (on its opening quote). When want is given, *match
 * says whether the decoded string equals it: keys are compared decoded, as
 * jansson hands them to the validator, so "vcp\u0075s" is still "vcpus".
 */
static int scan_string(struct walk *w, const char *want, bool *match)
{
	bool ok = want != NULL;
	size_t k = 0;

	w->i++;
	while (w->i < w->len) {
		unsigned char c = (unsigned char)w->s[w->i], u[4];
		size_t nu = 1;

		if (c == '"') {
			w->i++;
			if (match)
				*match = ok && want[k] == '\0';
			return 0;
		}
		if (c == '\\') {
			if (w->i + 1 >= w->len)
				return -EINVAL;
			c = (unsigned char)w->s[w->i + 1];
			w->i += 2;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				u[0] = c;
				break;
			case 'b':
				u[0] = '\b';
				break;
			case 'f':
				u[0] = '\f';
				break;
			case 'n':
				u[0] = '\n';
				break;
			case 'r':
				u[0] = '\r';
				break;
			case 't':
				u[0] = '\t';
				break;
			case 'u': {
				uint32_t cp, lo;

				if (hex4(w, &cp))
					return -EINVAL;
				if (cp >= 0xd800 && cp < 0xdc00 &&
				    w->len - w->i >= 6 && w->s[w->i] == '\\' &&
				    w->s[w->i + 1] == 'u') {
					size_t save = w->i;

					w->i += 2;
					if (hex4(w, &lo) == 0 && lo >= 0xdc00 &&
					    lo < 0xe000)
						cp = 0x10000 +
						     ((cp - 0xd800) << 10) +
						     (lo - 0xdc00);
					else
						w->i = save;
				}
				nu = utf8_encode(cp, u);
				break;
			}
			default:
				return -EINVAL;
			}
		} else {
			u[0] = c;
			w->i++;
		}
		for (size_t j = 0; ok && j < nu; j++) {
			if (want[k] == '\0' || (unsigned char)want[k] != u[j])
				ok = false;
			else
				k++;
		}
	}
	return -EINVAL;
}

static int skip_value(struct walk *w, int depth)
{
	char open, close;

	skip_ws(w);
	if (w->i >= w->len)
		return -EINVAL;
	open = w->s[w->i];
	if (open == '"')
		return scan_string(w, NULL, NULL);
	if (open != '{' && open != '[') {
		size_t start = w->i;

		while (w->i < w->len &&
		       (strchr("+-.eE", w->s[w->i]) ||
			(w->s[w->i] >= '0' && w->s[w->i] <= '9') ||
			(w->s[w->i] >= 'a' && w->s[w->i] <= 'z')))
			w->i++;
		return w->i > start ? 0 : -EINVAL;
	}
	if (depth > JSONPOS_MAX_DEPTH)
		return -EINVAL;
	close = open == '{' ? '}' : ']';
	w->i++;
	skip_ws(w);
	if (at(w, close)) {
		w->i++;
		return 0;
	}
	for (;;) {
		int rc;

		skip_ws(w);
		if (open == '{') {
			if (!at(w, '"') || scan_string(w, NULL, NULL))
				return -EINVAL;
			skip_ws(w);
			if (!at(w, ':'))
				return -EINVAL;
			w->i++;
		}
		rc = skip_value(w, depth + 1);
		if (rc)
			return rc;
		skip_ws(w);
		if (at(w, ',')) {
			w->i++;
			continue;
		}
		if (at(w, close)) {
			w->i++;
			return 0;
		}
		return -EINVAL;
	}
}

static int find(struct walk *w, const struct jsonpos_seg *seg, size_t n,
		int flags, size_t *off)
{
	int rc;

	skip_ws(w);
	if (w->i >= w->len)
		return -EINVAL;
	if (n == 0) {
		*off = w->i;
		return 0;
	}
	if (seg->key) {
		if (!at(w, '{'))
			return -ENOENT;
		w->i++;
		skip_ws(w);
		if (at(w, '}'))
			return -ENOENT;
		for (;;) {
			size_t key_off;
			bool match = false;

			skip_ws(w);
			key_off = w->i;
			if (!at(w, '"') || scan_string(w, seg->key, &match))
				return -EINVAL;
			skip_ws(w);
			if (!at(w, ':'))
				return -EINVAL;
			w->i++;
			if (match) {
				if (n == 1 && (flags & JSONPOS_KEY)) {
					*off = key_off;
					return 0;
				}
				return find(w, seg + 1, n - 1, flags, off);
			}
			rc = skip_value(w, 0);
			if (rc)
				return rc;
			skip_ws(w);
			if (at(w, ',')) {
				w->i++;
				continue;
			}
			return at(w, '}') ? -ENOENT : -EINVAL;
		}
	}
	if (n == 1 && (flags & JSONPOS_KEY))
		return -EINVAL;
	if (!at(w, '['))
		return -ENOENT;
	w->i++;
	skip_ws(w);
	if (at(w, ']'))
		return -ENOENT;
	for (size_t idx = 0;; idx++) {
		if (idx == seg->index)
			return find(w, seg + 1, n - 1, flags, off);
		rc = skip_value(w, 0);
		if (rc)
			return rc;
		skip_ws(w);
		if (at(w, ',')) {
			w->i++;
			continue;
		}
		return at(w, ']') ? -ENOENT : -EINVAL;
	}
}

int jsonpos_find_segs(const char *text, size_t len,
		      const struct jsonpos_seg *segs, size_t n, int flags,
		      struct jsonpos *out)
{
	struct walk w = { .s = text, .len = len, .i = 0 };
	size_t off = 0;
	int rc;

	if ((flags & JSONPOS_KEY) && (n == 0 || !segs[n - 1].key))
		return -EINVAL;
	rc = find(&w, segs, n, flags, &off);
	if (rc)
		return rc;
	jsonpos_at(text, len, off, out);
	return 0;
}

/* Split a path string into segments; keys are decoded into buf, which has
 * room for the whole path. */
static int parse_path(const char *p, char *buf, struct jsonpos_seg *segs,
		      size_t *n)
{
	*n = 0;
	while (*p) {
		if (*n == JSONPOS_MAX_SEGS)
			return -EINVAL;
		if (*n > 0 && *p == '.')
			p++;
		else if (*n > 0 && *p != '[')
			return -EINVAL;
		if (*p == '[' && p[1] == '"') {
			segs[*n].key = buf;
			for (p += 2; *p && *p != '"'; p++) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				*buf++ = *p;
			}
			*buf++ = '\0';
			if (p[0] != '"' || p[1] != ']')
				return -EINVAL;
			p += 2;
		} else if (*p == '[') {
			char *end;

			if (p[1] < '0' || p[1] > '9')
				return -EINVAL;
			errno = 0;
			segs[*n].key = NULL;
			segs[*n].index = strtoul(p + 1, &end, 10);
			if (errno || *end != ']')
				return -EINVAL;
			p = end + 1;
		} else {
			size_t k = strcspn(p, ".[");

			if (k == 0)
				return -EINVAL;
			memcpy(buf, p, k);
			segs[*n].key = buf;
			buf[k] = '\0';
			buf += k + 1;
			p += k;
		}
		(*n)++;
	}
	return 0;
}

int jsonpos_find(const char *text, size_t len, const char *path, int flags,
		 struct jsonpos *out)
{
	struct jsonpos_seg segs[JSONPOS_MAX_SEGS];
	char *buf = malloc(strlen(path) + 2);
	size_t n;
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = parse_path(path, buf, segs, &n);
	if (rc == 0)
		rc = jsonpos_find_segs(text, len, segs, n, flags, out);
	free(buf);
	return rc;
}
