/* Internal to the result loader (analysis/load*.c): the context that
 * carries the first error, the type-checking getters, and the parts each
 * file of the loader provides. */
#ifndef ANALYSIS_LOAD_INT_H
#define ANALYSIS_LOAD_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "analysis/an_result.h"

struct ctx {
	const char *file;
	char *err;
	size_t errlen;
	bool failed;
	long major;	/* the file's schema version */
};

void fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *json_kind(const json_t *v);
/* "where" is the JSON path of the object holding @key ("benchmarks[3]"). */
const char *get_str(struct ctx *c, json_t *o, const char *where, const char *key,
		    bool required);
double get_num(struct ctx *c, json_t *o, const char *where, const char *key,
	       bool required);
bool get_bool(struct ctx *c, json_t *o, const char *where, const char *key,
	      bool *known);
json_t *get_obj(struct ctx *c, json_t *o, const char *where, const char *key,
		bool required);
/* A statistics block: the quantiles every chart needs are required, the
 * rest is checked when present. */
void parse_stats(struct ctx *c, json_t *o, const char *where, struct an_stats *st);

/* load_bench.c: one element of "benchmarks". */
void parse_bench(struct ctx *c, json_t *o, size_t idx, unsigned flags,
		 struct an_bench *b);
/* load_index.c: the matching key (without_cpl: for a record whose level
 * was chosen per host). NULL on out of memory. */
char *make_key(const struct an_bench *b, bool without_cpl);

#endif
