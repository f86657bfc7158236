/* Internal to the suite parser (hvbench/suite*.c): the parse context, the
 * messages that point at PATH:LINE:COL, and the parameter appliers. */
#ifndef HVBENCH_SUITE_INT_H
#define HVBENCH_SUITE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hvbench/jsonpos.h"
#include "hvbench/suite.h"

struct suite_ctx {
	const char *text;
	size_t len;
	const char *path;
	char *err;
	size_t errlen;
	json_t *defaults;	/* may be NULL */
};

/* suite_msg.c: fail at byte offset off, or at segs[0..n) (its key with
 * JSONPOS_KEY); both return -EINVAL with "PATH:LINE:COL: message". */
int suite_fail_off(struct suite_ctx *c, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int suite_fail_at(struct suite_ctx *c, const struct jsonpos_seg *segs, size_t n,
		  int flags, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A jansson syntax error as one pointed line. */
int suite_syntax_error(struct suite_ctx *c, const json_error_t *je);
/* "; did you mean "x"?" for the closest name within 2 edits, else "". */
const char *suite_suggest(const char *word, const char *const *names,
			  size_t n, char *buf, size_t len);
/* names[0..n) joined by ", ", each quoted when @quote. */
void suite_join(char *buf, size_t len, const char *const *names, size_t n,
		bool quote);
size_t suite_bench_names(const char **names);
/* Generic parameter names, then b's family ones (b may be NULL). */
size_t suite_param_names(const struct mb_bench *b, const char **names);
/* Index of a generic parameter in the table, or -1. */
int suite_generic_index(const char *name);
/* A value as the user wrote it, shortened; a string quoted as JSON. */
const char *suite_show(const json_t *v, char *buf, size_t len);
const char *suite_quote(const char *str, char *buf, size_t len);

/* suite_sweep.c: the file's "benchmarks" with every swept parameter (a
 * list, or a {"from", "to", "step"} range) expanded into one entry per
 * value (their product for several), and (*orig)[k] the file index entry k
 * came from; NULL with *rc the error (-EINVAL: pointed at the sweep). */
json_t *suite_expand(struct suite_ctx *c, json_t *benches, size_t **orig, int *rc);

/* suite_params.c: apply one parameter's value to p; on error msg says why
 * (and, for a list, *elem is the offending element's index, else -1). */
int suite_apply_generic(const struct mb_generic_param *g, const json_t *v,
			struct mb_params *p, char *msg, size_t len, int *elem);
int suite_apply_ext(const struct mb_param_def *d, const json_t *v,
		    int64_t *slot, char *msg, size_t len);

#endif
