/* One benchmark's result as one typed record: identity, status, unit, an
 * open set of named metrics (each with its unit, its statistics and what it
 * is), flags, and the structured blocks that are not figures. The runner,
 * the probes and a family's finish hook fill it; the console, the results
 * JSON (hvbench/record_json.c), CSV and the database writer render it. */
#ifndef PROBES_RECORD_H
#define PROBES_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "probes/stats.h"

enum rec_status { REC_OK, REC_UNSUPPORTED, REC_FAILED };

enum rec_kind {
	REC_STATS,	/* a distribution: n, min, p10 ... max, mean, stddev, CI */
	REC_VALUE,	/* one number (a rate, a share, a count per op) */
};

/*
 * A metric's name is its place in the record: "cycles", "round_trip",
 * "segments/exit" (the JSON key "exit" of the object "segments"). Statistics
 * of samples that each timed `per` operations are kept per sample and
 * rendered per operation.
 */
struct rec_metric {
	char *name, *unit, *what;
	enum rec_kind kind;
	struct stats_summary st;	/* REC_STATS */
	uint32_t per;			/* operations per sample (>= 1) */
	double value;			/* REC_VALUE */
	double *reps;			/* per-repetition medians, per op */
	size_t n_reps;
	/* The metric this one is a part of (a segment, a share of it), NULL
	 * when none: renderers show the breakdown of the headline. */
	char *part_of;
};

struct rec_flag {
	char *name;	/* "suspect", "marginal": JSON "<name>": bool */
	bool set;
	char *why;	/* "<name>_reason": every reason given, "; "-joined */
};

#define REC_MAX_FLAGS 8

struct rec {
	char *name, *family, *variant, *description;
	json_t *params;			/* owned; {} when none */
	enum rec_status status;
	char *reason;			/* why not ok; NULL for ok */
	char *unit;			/* the headline's unit */
	char *headline;			/* the metric that is the record's figure */
	struct rec_metric *m;
	size_t n_m, cap_m;
	struct rec_flag flags[REC_MAX_FLAGS];
	size_t n_flags;
	/* Everything else, in the order it was set: the runner's blocks
	 * (exit_check, resolution, histogram, samples ...), the probes' and
	 * the family's. Owned. */
	json_t *blocks;
};

/* NULL on out of memory. */
struct rec *rec_new(const char *name, const char *family, const char *description);
void rec_free(struct rec *r);

void rec_set_status(struct rec *r, enum rec_status st, const char *reason);
const char *rec_status_name(enum rec_status st);
/* -1 for a name that is no status. */
int rec_status_parse(const char *s);
void rec_set_params(struct rec *r, json_t *params);	/* stolen */
void rec_set_variant(struct rec *r, const char *variant);
void rec_set_unit(struct rec *r, const char *unit);
/* The family's headline figure (default: the first metric added). */
void rec_set_headline(struct rec *r, const char *metric);

/* Add or replace a metric; returns it (NULL on out of memory). Adding one
 * may move the array: a struct rec_metric pointer from before (a find, an
 * earlier add) is stale after it; its strings (name, unit) are not moved. */
struct rec_metric *rec_metric_stats(struct rec *r, const char *name, const char *unit,
				    const char *what, const struct stats_summary *st,
				    uint32_t per);
struct rec_metric *rec_metric_value(struct rec *r, const char *name, const char *unit,
				    const char *what, double v);
int rec_metric_set_reps(struct rec_metric *m, const double *v, size_t n);
void rec_metric_set_part_of(struct rec_metric *m, const char *whole);
struct rec_metric *rec_metric_find(const struct rec *r, const char *name);
/* The headline metric, NULL when the record has none (not measured). */
struct rec_metric *rec_headline(const struct rec *r);
/* A stats metric's figure per op (field: "p50", "p10", ...; NAN if none). */
double rec_metric_stat(const struct rec_metric *m, const char *field);

/* Raise a flag, adding why (may be NULL) to its reasons. */
void rec_flag(struct rec *r, const char *name, const char *why);
/* Say the flag was checked (rendered false until raised). */
void rec_flag_checked(struct rec *r, const char *name);
bool rec_flagged(const struct rec *r, const char *name);
const struct rec_flag *rec_flag_find(const struct rec *r, const char *name);

/* Blocks: set (value stolen, replaces), get (borrowed), remove. */
void rec_set(struct rec *r, const char *key, json_t *value);
json_t *rec_get(const struct rec *r, const char *key);
void rec_del(struct rec *r, const char *key);

#endif
