/* The result document of one `hvbench run` (docs/results-schema.md): build
 * it, encode statistics into it, and write it atomically. */
#ifndef HVBENCH_RESULTS_H
#define HVBENCH_RESULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "probes/stats.h"

#define RESULTS_SCHEMA "hvbench-result/2"

/*
 * {schema, tool{name,version,git}, suite{name,file}, started, finished: null
 * (set by results_finish), interrupted: false, host, benchmarks: []}, in that
 * order. host is stolen (NULL gives {}). NULL on out of memory.
 */
json_t *results_new(const char *suite_name, const char *suite_path,
		    json_t *host);

/* Append a benchmark record (stolen) to "benchmarks". */
void results_add_benchmark(json_t *doc, json_t *rec);

/* Set "finished" to now and "interrupted". */
void results_finish(json_t *doc, bool interrupted);

/* ISO-8601 UTC with seconds and 'Z' ("2026-11-21T19:40:02Z"); out needs 21
 * bytes. */
void results_iso8601(time_t t, char *out, size_t outlen);

/*
 * Write doc to path with sf_write (hvbench/safefile.h): "-" is standard
 * output; otherwise a temporary file in the destination's folder, fsync,
 * rename, so a reader sees the old file or the whole new one, never half. A
 * symlink is written through; a destination that is not a regular file is
 * refused. The folder is created if missing (one level). On failure nothing
 * is left behind; -errno with a message naming the step and path in err.
 */
int results_write_atomic(const json_t *doc, const char *path, char *err,
			 size_t errlen);

/* @doc as a reader of the written file sees it (numbers rounded as the
 * writer rounds them), for the store (`run --db`): it then holds what
 * importing the file would. NULL on out of memory. */
json_t *results_as_written(const json_t *doc);

/*
 * The same for a default name: never replaces a file. When @path exists,
 * tries PATH-2.json, PATH-3.json ... (up to -999) with an exclusive rename,
 * so two runs that picked one name both keep their results. The name used
 * lands in @final. 0 or -errno with a message.
 */
int results_write_new(const json_t *doc, const char *path, char *final,
		      size_t finallen, char *err, size_t errlen);

/* Before the first benchmark: can results_write_atomic(path) succeed? The
 * folder is created if missing and a temporary file is made and removed
 * there. 0 or -errno with a one-line message (path and errno text). */
int results_check_output(const char *path, char *err, size_t errlen);

/* DIR/<host>-<YYYYmmddTHHMMSSZ>.json, host reduced to [A-Za-z0-9._-] (others
 * become '_', "" becomes "unknown"). 0, or -ENAMETOOLONG if out is short. */
int results_default_path(const char *dir, const char *hostname, time_t t,
			 char *out, size_t outlen);

/* {"n","min","p10","p50","p90","p99","max","mean","stddev","ci95_low",
 * "ci95_high"}, rounded to 0.1; integral values as JSON integers, NaN as
 * null. */
json_t *results_stats_json(const struct stats_summary *s);
/* The same for a summary of samples that each timed `batch` operations:
 * every figure divided by batch (n stays the sample count), rounded finer
 * as batch grows. */
json_t *results_stats_json_per_op(const struct stats_summary *s,
				  uint32_t batch);
/* v / batch rounded as results_stats_json_per_op rounds. */
double results_round_per_op(double v, uint32_t batch);

/* {"scheme":"log-linear","linear_bits","sub_bits","buckets":[[low,high,
 * count],...]} over HIST_BUCKETS counts, non-empty buckets only. The last
 * bucket is open-ended (values >= 2^HIST_MAX_LOG2 are clamped into it): its
 * high is null. */
json_t *results_histogram_json(const uint32_t *counts);

/* The samples as a JSON array of integers (values past INT64_MAX, which no
 * counter reaches, are clamped). */
json_t *results_samples_json(const uint64_t *samples, size_t n);
/* Per operation: each sample divided by batch (numbers, not integers, when
 * batch > 1). */
json_t *results_samples_json_per_op(const uint64_t *samples, size_t n,
				    uint32_t batch);

#endif
