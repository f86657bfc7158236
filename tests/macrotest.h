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

/* An ok record (the reason printed where it is not) whose twin is ok too. */
static inline void mt_assert_ok(const struct rec *r, const char *what)
{
	const char *why;

	assert_non_null(r);
	if (r->status != REC_OK)
		print_message("%s: %s\n", what, r->reason ? r->reason : "?");
	assert_int_equal(r->status, REC_OK);
	assert_string_equal(mt_twin(r, &why), "ok");
}

/* A planted wrong reference's record (freed here): failed with the row's
 * own words in the guest, and the twin, run all the same, failed with
 * them too; no overhead computed from a failed pair. */
static inline void mt_assert_failed_both(struct rec *r, const char *what, const char *words)
{
	const char *why;

	assert_non_null(r);
	assert_int_equal(r->status, REC_FAILED);
	assert_non_null(r->reason);
	if (!strstr(r->reason, words))
		print_message("%s: %s\n", what, r->reason);
	assert_non_null(strstr(r->reason, words));
	assert_string_equal(mt_twin(r, &why), "failed");
	assert_non_null(why);
	assert_non_null(strstr(why, words));
	assert_null(rec_metric_find(r, "overhead/of_medians"));
	rec_free(r);
}

#endif
