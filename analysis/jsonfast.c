/* "%.17g" and jansson's compact json_dumps without their costs: glibc
 * prints a double through multi-precision arithmetic (about 2,500
 * instructions each) and jansson writes through a callback per token and
 * snprintf per number. The output is the same bytes: tests/test_jsonfast.c
 * compares both with the originals. */
#include "analysis/an_jsonfast.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

#define P10_16 10000000000000000ULL
#define P10_17 100000000000000000ULL

static u128 pow10_u128(int k)
{
	static const uint64_t lo[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
		10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
		100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
		100000000000000000ULL, 1000000000000000000ULL,
		10000000000000000000ULL,
	};

	return k < 20 ? lo[k] : (u128)lo[19] * lo[k - 19];
}

static int bitlen128(u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;

	return hi ? 128 - __builtin_clzll(hi) : lo ? 64 - __builtin_clzll(lo) : 0;
}

/* The 17 significant digits of |v| (finite, not zero), rounded to
 * nearest, and its decimal exponent after rounding: false where that
 * takes more than 128-bit arithmetic or is an exact tie (then snprintf
 * decides, as glibc would). */
static bool digits17(double v, uint64_t *digits, int *exp10)
{
	uint64_t bits, m;
	int bexp, e, x;

	memcpy(&bits, &v, sizeof(bits));
	bexp = (int)((bits >> 52) & 0x7ff);
	if (bexp == 0)
		return false; /* subnormal: rare, slow path */
	m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
	e = bexp - 1075; /* |v| = m * 2^e, 2^52 <= m < 2^53 */
	x = (int)floor((e + 52) * 0.30102999566398119521);
	for (int tries = 0; tries < 3; tries++) {
		int k = 16 - x;
		u128 num, q, r = 0, half = 0;

		if (k < 0 || k > 22)
			return false;
		num = (u128)m * pow10_u128(k); /* < 2^53 * 10^22 < 2^127 */
		if (e >= 0) {
			if (bitlen128(num) + e > 127)
				return false;
			q = num << e;
		} else {
			int s = -e;

			if (s > 126)
				return false;
			q = num >> s;
			r = num & (((u128)1 << s) - 1);
			half = (u128)1 << (s - 1);
		}
		if (q < P10_16) {
			x--;
			continue;
		}
		if (q >= P10_17) {
			x++;
			continue;
		}
		if (e < 0) {
			if (r == half)
				return false;
			if (r > half)
				q++;
		}
		if (q == P10_17) {
			q = P10_16;
			x++;
		}
		*digits = (uint64_t)q;
		*exp10 = x;
		return true;
	}
	return false;
}

int an_fmt_g17(double v, char buf[32])
{
	char d[17], *o = buf;
	uint64_t q;
	int x, nd;

	if (v == 0) {
		return (int)(strcpy(buf, signbit(v) ? "-0" : "0"), strlen(buf));
	}
	if (!isfinite(v) || !digits17(fabs(v), &q, &x))
		return snprintf(buf, 32, "%.17g", v);
	for (int i = 16; i >= 0; i--, q /= 10)
		d[i] = (char)('0' + q % 10);
	for (nd = 17; nd > 1 && d[nd - 1] == '0'; nd--)
		;
	if (v < 0)
		*o++ = '-';
	if (x < -4 || x >= 17) {
		*o++ = d[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, d + 1, nd - 1);
			o += nd - 1;
		}
		o += sprintf(o, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
	} else if (x >= 0) {
		memcpy(o, d, x + 1);
		o += x + 1;
		if (nd > x + 1) {
			*o++ = '.';
			memcpy(o, d + x + 1, nd - x - 1);
			o += nd - x - 1;
		}
	} else {
		*o++ = '0';
		*o++ = '.';
		for (int i = 0; i < -x - 1; i++)
			*o++ = '0';
		memcpy(o, d, nd);
		o += nd;
	}
	*o = 0;
	return (int)(o - buf);
}

struct out {
	char *s;
	size_t len, cap;
	bool bad;
};

static void grow(struct out *o, size_t n)
{
	size_t cap;
	char *s;

	if (o->bad || o->len + n + 1 <= o->cap)
		return;
	cap = o->cap ? o->cap : 4096;
	while (cap < o->len + n + 1)
		cap *= 2;
	s = realloc(o->s, cap);
	if (!s) {
		o->bad = true;
		return;
	}
	o->s = s;
	o->cap = cap;
}

static void put(struct out *o, const char *s, size_t n)
{
	grow(o, n);
	if (o->bad)
		return;
	memcpy(o->s + o->len, s, n);
	o->len += n;
}

static void putc1(struct out *o, char c)
{
	grow(o, 1);
	if (!o->bad)
		o->s[o->len++] = c;
}

static void put_int(struct out *o, json_int_t v)
{
	char b[24], *p = b + sizeof(b);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
				       (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	put(o, p, (size_t)(b + sizeof(b) - p));
}

/* jansson's jsonp_dtostr: "%.17g", ".0" when that reads as an integer,
 * no '+' and no leading zeros in the exponent. */
static void put_real(struct out *o, double v)
{
	char b[40];
	int n = an_fmt_g17(v, b);
	char *e = strchr(b, 'e');

	if (n <= 0 || n >= 32) {
		o->bad = true;
		return;
	}
	if (!e && !strchr(b, '.')) {
		memcpy(b + n, ".0", 3);
		n += 2;
	}
	if (e) {
		char *start = e + 1, *end = start + 1;

		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)n - (size_t)(end - b) + 1);
			n -= (int)(end - start);
		}
	}
	put(o, b, (size_t)n);
}

size_t an_utf8_len(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	size_t n;
	uint32_t cp;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
		return 0;
	return n;
}

static void put_string(struct out *o, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0;

	putc1(o, '"');
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		char esc[8];

		if (c >= 0x80) {
			size_t n = an_utf8_len(s + i, len - i);

			if (!n) {
				o->bad = true;
				return;
			}
			i += n;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		put(o, str + run, i - run);
		switch (c) {
		case '"': put(o, "\\\"", 2); break;
		case '\\': put(o, "\\\\", 2); break;
		case '\b': put(o, "\\b", 2); break;
		case '\f': put(o, "\\f", 2); break;
		case '\n': put(o, "\\n", 2); break;
		case '\r': put(o, "\\r", 2); break;
		case '\t': put(o, "\\t", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04X", c);
			put(o, esc, 6);
		}
		run = ++i;
	}
	put(o, str + run, len - run);
	putc1(o, '"');
}

struct kv {
	const char *key;
	size_t len;
	json_t *val;
};

/* jansson's compare_keys: bytes, then length */
static int cmp_kv(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void dump(struct out *o, const json_t *j, bool sort, int depth)
{
	if (o->bad)
		return;
	if (depth > 2048) { /* jansson's JSON_PARSER_MAX_DEPTH: no cycle here */
		o->bad = true;
		return;
	}
	switch (json_typeof(j)) {
	case JSON_NULL: put(o, "null", 4); break;
	case JSON_TRUE: put(o, "true", 4); break;
	case JSON_FALSE: put(o, "false", 5); break;
	case JSON_INTEGER: put_int(o, json_integer_value(j)); break;
	case JSON_REAL: put_real(o, json_real_value(j)); break;
	case JSON_STRING:
		put_string(o, json_string_value(j), json_string_length(j));
		break;
	case JSON_ARRAY: {
		size_t n = json_array_size(j);

		putc1(o, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				putc1(o, ',');
			dump(o, json_array_get(j, i), sort, depth + 1);
		}
		putc1(o, ']');
		break;
	}
	case JSON_OBJECT: {
		size_t n = json_object_size(j), i = 0;
		struct kv stack[32], *kv = n <= 32 ? stack : malloc(n * sizeof(*kv));
		void *it;

		if (!kv) {
			o->bad = true;
			return;
		}
		for (it = json_object_iter((json_t *)j); it && i < n;
		     it = json_object_iter_next((json_t *)j, it), i++)
			kv[i] = (struct kv){ json_object_iter_key(it),
					     json_object_iter_key_len(it),
					     json_object_iter_value(it) };
		if (sort)
			qsort(kv, i, sizeof(*kv), cmp_kv);
		putc1(o, '{');
		for (size_t k = 0; k < i; k++) {
			if (k)
				putc1(o, ',');
			put_string(o, kv[k].key, kv[k].len);
			putc1(o, ':');
			dump(o, kv[k].val, sort, depth + 1);
		}
		putc1(o, '}');
		if (kv != stack)
			free(kv);
		break;
	}
	}
}

char *an_json_compact(const json_t *j, bool sort_keys)
{
	struct out o = { 0 };

	if (!j)
		return NULL;
	dump(&o, j, sort_keys, 0);
	grow(&o, 0);
	if (o.bad) {
		free(o.s);
		return NULL;
	}
	o.s[o.len] = 0;
	return o.s;
}
