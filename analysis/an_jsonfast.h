/* The store's hot path writes every imported document twice (as written
 * and with its keys sorted, for the content key) and every number of it:
 * jansson's json_dumps and glibc's "%.17g" were most of an import's CPU.
 * These give the same bytes, faster. */
#ifndef ANALYSIS_AN_JSONFAST_H
#define ANALYSIS_AN_JSONFAST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* snprintf(buf, 32, "%.17g", v), byte for byte (glibc rounds the exact
 * binary value; so does this, falling back to snprintf where its integer
 * arithmetic would not be exact). Returns the length. */
int an_fmt_g17(double v, char buf[32]);

/*
 * json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY), with JSON_SORT_KEYS when
 * @sort_keys, byte for byte as jansson 2.14 writes it (its real format:
 * "%.17g", ".0" added to an integral value, the exponent's '+' and leading
 * zeros dropped). malloc'ed; NULL on allocation failure or a string that
 * is not UTF-8 (json_dumps fails on it too).
 */
char *an_json_compact(const json_t *j, bool sort_keys);

/*
 * The tree json_loadb(text, len, JSON_REJECT_DUPLICATES) gives, for the
 * plain documents hvbench writes (analysis/jsonparse.c); NULL when the text
 * is anything else — an error, a duplicate key, a \u escape, a nesting
 * deeper than 1024 — and the caller then asks json_loadb, whose result and
 * message stand.
 */
json_t *an_json_parse(const char *text, size_t len);

/* The UTF-8 sequence at @s (jansson's utf8_check_full): its length, 0 when
 * it is not one jansson accepts (the reader's and the writer's rule). */
size_t an_utf8_len(const unsigned char *s, size_t left);

#endif
