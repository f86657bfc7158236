/* A JSON reader for the documents hvbench writes, building the tree
 * jansson's json_loadb would: jansson reads a character at a time through
 * a callback and a growing buffer, about 1,300 instructions per sample, and
 * parsing was most of an import's CPU. It takes the plain part of the
 * grammar only; whatever else it meets (an escape \u, an error of any kind,
 * a duplicate key, a nesting deeper than 1024) it leaves to jansson by
 * returning NULL, so what is refused, and every message, stays jansson's.
 * tests/test_jsonfast.c checks it against json_loadb, valid and not. */
#include "analysis/an_jsonfast.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct rd {
	const char *p, *end;
	char *tmp; /* a string with escapes, decoded */
	size_t tmp_cap;
};

static void ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' ||
				 *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

/* A string at r->p (just past its '"'): *s and *len its bytes (decoded
 * into r->tmp when it has escapes). false: leave it to jansson. */
static bool str(struct rd *r, const char **s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)r->p;
	const unsigned char *end = (const unsigned char *)r->end;
	const unsigned char *start = p;
	bool esc = false;
	size_t o = 0;

	while (p < end && *p != '"') {
		if (*p == '\\') {
			if (p + 1 >= end || p[1] == 'u')
				return false;
			esc = true;
			p += 2;
		} else if (*p < 0x20) {
			return false;
		} else if (*p < 0x80) {
			p++;
		} else {
			size_t n = an_utf8_len(p, (size_t)(end - p));

			if (!n)
				return false;
			p += n;
		}
	}
	if (p >= end)
		return false;
	r->p = (const char *)p + 1;
	if (!esc) {
		*s = (const char *)start;
		*len = (size_t)(p - start);
		return true;
	}
	if ((size_t)(p - start) + 1 > r->tmp_cap) {
		size_t cap = (size_t)(p - start) + 1;
		char *t = realloc(r->tmp, cap);

		if (!t)
			return false;
		r->tmp = t;
		r->tmp_cap = cap;
	}
	for (const unsigned char *q = start; q < p; q++) {
		if (*q != '\\') {
			r->tmp[o++] = (char)*q;
			continue;
		}
		switch (*++q) {
		case '"': r->tmp[o++] = '"'; break;
		case '\\': r->tmp[o++] = '\\'; break;
		case '/': r->tmp[o++] = '/'; break;
		case 'b': r->tmp[o++] = '\b'; break;
		case 'f': r->tmp[o++] = '\f'; break;
		case 'n': r->tmp[o++] = '\n'; break;
		case 'r': r->tmp[o++] = '\r'; break;
		case 't': r->tmp[o++] = '\t'; break;
		default: return false; /* jansson: invalid escape */
		}
	}
	*s = r->tmp;
	*len = o;
	return true;
}

static bool digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* jansson's number grammar; an integer that strtoll would not hold and a
 * real that overflows are its errors */
static json_t *number(struct rd *r)
{
	const char *p = r->p, *s = p;
	bool neg = false, real = false;
	unsigned long long u = 0;
	char buf[64], *e;
	double v;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (!digit(p, r->end))
		return NULL;
	if (*p == '0') {
		p++;
		if (digit(p, r->end))
			return NULL;
	} else {
		while (digit(p, r->end)) {
			unsigned d = (unsigned)(*p++ - '0');

			if (u > (ULLONG_MAX - d) / 10)
				return NULL;
			u = u * 10 + d;
		}
	}
	if (p < r->end && *p == '.') {
		real = true;
		if (!digit(++p, r->end))
			return NULL;
		while (digit(p, r->end))
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		real = true;
		p++;
		if (p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (!digit(p, r->end))
			return NULL;
		while (digit(p, r->end))
			p++;
	}
	r->p = p;
	if (!real) {
		if (u > (neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX))
			return NULL;
		return json_integer(neg ? (json_int_t)(0ULL - u) : (json_int_t)u);
	}
	if ((size_t)(p - s) >= sizeof(buf))
		return NULL;
	memcpy(buf, s, (size_t)(p - s));
	buf[p - s] = 0;
	errno = 0;
	v = strtod(buf, &e);
	if (e != buf + (p - s) || (isinf(v) && errno == ERANGE))
		return NULL;
	return json_real(v);
}

static json_t *value(struct rd *r, int depth);

static json_t *object(struct rd *r, int depth)
{
	json_t *o = json_object(), *v;
	const char *k;
	size_t kl;

	if (!o)
		return NULL;
	ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return o;
	}
	for (;;) {
		char *key;

		if (r->p >= r->end || *r->p != '"')
			goto bad;
		r->p++;
		if (!str(r, &k, &kl) || memchr(k, 0, kl))
			goto bad;
		/* the key is kept apart: the value's strings reuse r->tmp */
		key = k == r->tmp ? strndup(k, kl) : NULL;
		if (k == r->tmp && !key)
			goto bad;
		if (key)
			k = key;
		ws(r);
		if (r->p >= r->end || *r->p != ':' || json_object_getn(o, k, kl)) {
			free(key);
			goto bad; /* a duplicate: JSON_REJECT_DUPLICATES decides */
		}
		r->p++;
		ws(r);
		v = value(r, depth + 1);
		if (!v || json_object_setn_new_nocheck(o, k, kl, v)) {
			free(key);
			goto bad;
		}
		free(key);
		ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			ws(r);
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return o;
		}
		goto bad;
	}
bad:
	json_decref(o);
	return NULL;
}

static json_t *array(struct rd *r, int depth)
{
	json_t *a = json_array(), *v;

	if (!a)
		return NULL;
	ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return a;
	}
	for (;;) {
		v = value(r, depth + 1);
		if (!v || json_array_append_new(a, v))
			break;
		ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			ws(r);
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return a;
		}
		break;
	}
	json_decref(a);
	return NULL;
}

static bool word(struct rd *r, const char *w, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n))
		return false;
	r->p += n;
	return true;
}

static json_t *value(struct rd *r, int depth)
{
	const char *s;
	size_t l;

	if (r->p >= r->end || depth > 1024)
		return NULL;
	switch (*r->p) {
	case '{':
		r->p++;
		return object(r, depth);
	case '[':
		r->p++;
		return array(r, depth);
	case '"':
		r->p++;
		return str(r, &s, &l) && !memchr(s, 0, l) ?
			       json_stringn_nocheck(s, l) : NULL;
	case 't': return word(r, "true", 4) ? json_true() : NULL;
	case 'f': return word(r, "false", 5) ? json_false() : NULL;
	case 'n': return word(r, "null", 4) ? json_null() : NULL;
	default:
		return *r->p == '-' || (*r->p >= '0' && *r->p <= '9') ?
			       number(r) : NULL;
	}
}

json_t *an_json_parse(const char *text, size_t len)
{
	struct rd r = { text, text + len, NULL, 0 };
	json_t *root;

	ws(&r);
	if (r.p >= r.end || (*r.p != '{' && *r.p != '['))
		return NULL; /* jansson: '[' or '{' expected */
	root = value(&r, 0);
	ws(&r);
	if (root && r.p != r.end) {
		json_decref(root); /* jansson: end of file expected */
		root = NULL;
	}
	free(r.tmp);
	return root;
}
