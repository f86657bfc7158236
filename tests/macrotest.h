/* What the macrobench tests (test_macro.c, test_macro_compress.c) share:
 * a row's parameters for a short real run, a metric of its record, its
 * native twin's verdict. After cmocka.h and the record headers. */
#ifndef TESTS_MACROTEST_H
#define TESTS_MACROTEST_H

/* The row's defaults, at cpl 3 (which runs natively on every backend),
 * short: the rows run under emulation too. */
static inline void mt_params(const struct mb_bench *b, struct mb_params *p)
{
	assert_non_null(b);
	mb_params_defaults(p, b);
	p->cpl = 3;
	p->min_time_ms = 5;
	p->repetitions = 2;
	p->timeout_ms = 60000;
}

/* A metric's value, or one statistic of it (stat: "p50", ...). */
static inline double mt_metric(const struct rec *r, const char *name, const char *stat)
{
	const struct rec_metric *m = rec_metric_find(r, name);

	assert_non_null(m);
	return stat ? rec_metric_stat(m, stat) : m->value;
}

/* The twin block's status ("ok", "failed", ...) and its reason. */
static inline const char *mt_twin(const struct rec *r, const char **reason)
{
	json_t *n = rec_get(r, "twin");

	assert_non_null(n);
	*reason = json_string_value(json_object_get(n, "reason"));
	return json_string_value(json_object_get(n, "status"));
}

#endif
