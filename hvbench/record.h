/* The results-JSON rendering of a typed record (probes/record.h), and the
 * way back for a record that crossed a process boundary (hvbench/jail.c). */
#ifndef HVBENCH_RECORD_H
#define HVBENCH_RECORD_H

#include <jansson.h>
#include <stdio.h>

#include "probes/record.h"

/*
 * The record as one element of "benchmarks" (docs/results-schema.md):
 * identity and status first, then the blocks in the order they were set,
 * each metric at its place (a name "a/b" is key b of object a; statistics
 * per operation), the flags ("<name>": bool, "<name>_reason"), and the
 * record's own description of its figures: "headline", "flags" (names, in
 * the order they were raised) and "metrics" ({name: {unit, what, kind,
 * part_of, reps}}). NULL on out of memory.
 */
json_t *rec_to_json(const struct rec *r);
/* The way back, for a record rec_to_json wrote (or a bare failed one:
 * name, family, status, reason). NULL if @o is no record or out of memory. */
struct rec *rec_from_json(json_t *o);

/* hvbench/record_console.c: the record as one line of hvbench run's
 * table: label, level or variant, the headline's median, unit, p10-p90 and
 * samples, the row's exits per op, the headline's breakdown (the shares
 * that are part_of it) and every raised flag in capitals. */
void rec_print_line(FILE *f, const char *label, const struct rec *r);
/* The same with the name column `width` wide (the suite's longest name, so
 * the figures line up), the level in a column of its own: "cpl=N" is left
 * out of the name, and of a variant what the name already says. */
void rec_print_line_w(FILE *f, const char *label, int width, const struct rec *r);
/* The name rec_print_line_w shows for label and variant (may be NULL). */
void rec_display_name(char *out, size_t len, const char *label, const char *variant);
/* The record's exit profile as a compact table under its line (reason,
 * count per op, mean and p99 time per exit in the profile's unit, share of
 * the window); nothing when the record has none. */
void rec_print_profile(FILE *f, const struct rec *r);
/* A workload's Xentrace table (probes/xentrace.h) under its line, from
 * the record as written; nothing where it has no guest/native runs or no
 * exit profile. */
void rec_print_xentrace(FILE *f, json_t *bench);
/* What the profile tables' columns and methods mean, once per run. */
void rec_print_profile_legend(FILE *f);

/* The summary: every record counts once, as failed, unsupported, under its
 * first raised flag (in the order the record raised them), or ok. */
#define REC_TALLY_MAX 8
struct rec_tally {
	size_t total, ok, unsupported, failed;
	size_t n_names;
	char names[REC_TALLY_MAX][32];
	size_t count[REC_TALLY_MAX];
};
void rec_tally_add(struct rec_tally *t, const struct rec *r);
/* "N benchmarks: N ok, N suspect, ..., N unsupported, N failed" (no newline). */
void rec_tally_print(FILE *f, const struct rec_tally *t);

#endif
