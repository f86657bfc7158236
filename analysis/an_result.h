/* In-memory form of one hvbench result file (schema hvbench-result/2, or
 * the previous /1; see docs/results-schema.md) and the validating loader
 * that builds it. */
#ifndef ANALYSIS_AN_RESULT_H
#define ANALYSIS_AN_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define AN_SCHEMA_NAME "hvbench-result"
#define AN_SCHEMA_MAJOR 2
/* The oldest version still read: the one before. */
#define AN_SCHEMA_MIN_MAJOR 1

/* A statistics block ("cycles", "vmm_user_cycles", a segment, ...). */
struct an_stats {
	bool present;
	double n, min, p10, p50, p90, p99, max, mean, stddev, ci95_low,
		ci95_high;
};

struct an_exit_count {
	const char *key;
	double per_op;
};

/* One named metric of a record (the record's "metrics"; for a file of the
 * previous version, the figures it had under fixed keys). */
struct an_metric {
	const char *name, *unit, *what; /* what: NULL in files before /2 */
	char *owned_name;	/* name, when the loader made it (files before /2) */
	const char *part_of;	/* the metric it is a part of, or NULL */
	bool stats;		/* a statistics block; else one number */
	struct an_stats st;
	double value;		/* NAN for null */
};

/* One part of the headline's breakdown, by its last name component (the
 * io-path segments "exit", "dispatch", ...): its statistics, its share. */
struct an_segment {
	const char *name;
	struct an_stats st;
	double share; /* NAN when the record has no share for it */
};

/*
 * Strings point into the parsed JSON kept in struct an_result, so they live
 * as long as the result. Optional strings are NULL, optional numbers NAN.
 */
struct an_bench {
	const char *name, *family, *variant, *description, *status, *reason;
	const char *unit, *exit_stat, *suspect_reason;
	/* Canonical JSON of the params that change what is measured, with the
	 * name and variant: two records match across files iff keys are equal. */
	char *key;
	/* The same without "cpl", and whether the suite let the host pick the
	 * level ("cpl": "auto"): see an_result_find_match. */
	char *key_nocpl;
	bool cpl_auto;
	json_t *params; /* borrowed */
	bool ok, suspect, interrupted;
	bool coarse; /* resolution.coarse: quantization dominates the figure */
	double counter_hz, iterations, probe_overhead, duration_ms;
	double expected_exits, exits; /* exits: exits_per_op[exit_stat] */
	/* cycles: the headline metric's statistics (what the record costs,
	 * in unit), whatever the family named it */
	const char *headline;
	struct an_stats cycles, vmm_user;
	struct an_metric *metrics;
	size_t n_metrics;
	struct an_exit_count *exit_counts;
	size_t n_exit_counts;
	double *samples;
	size_t n_samples;
	/* repetitions[]: per-repetition median and mean per op (NAN where a
	 * file has no mean), always loaded: verdicts are based on them. */
	double *rep_p50, *rep_mean;
	size_t n_reps;
	double sample_stride; /* samples_sampling.stride, NAN if absent */
	struct an_segment *segments;	/* the headline's parts */
	size_t n_segments;
};

struct an_host {
	const char *hostname, *kernel, *arch, *cpu_vendor, *cpu_model;
	const char *backend, *paging;
	bool emulated, emulated_known, tsc_invariant, tsc_invariant_known;
	double tsc_khz, cpl0_slowdown, nr_cpus;
};

/* host_load.start/end: NAN where absent (files before the key existed). */
struct an_load_point {
	double load1, cpus, other_cpus;
};

struct an_result {
	char *path;
	json_t *root;
	const char *schema, *started, *finished, *suite_name, *tool_version,
		*tool_git;
	bool interrupted;
	struct an_host host;
	struct an_load_point load_start, load_end;
	struct an_bench *benches;
	size_t n_benches;
	/* lookup index over benches, built on first an_result_find (load.c) */
	size_t *ix[3], ix_cap;
};

/* What the loader accepts (docs/analysis.md): a hostile file must not make
 * compare, report, plot or dashboard slow or huge. hvbench run writes at
 * most 4096 samples and `repetitions` (<= 1000) entries per record. */
#define AN_MAX_SAMPLES 65536
#define AN_MAX_REPS 10000
#define AN_MAX_FILE_BYTES (256 << 20)

/* Which parts of a file the caller needs; samples are most of the bytes. */
enum an_load_flags {
	AN_LOAD_SAMPLES = 1 << 0,
};

/*
 * Reads and validates @path. On failure returns -2 when the file cannot be
 * read (missing, unreadable, not a regular file), -1 when it was read but is
 * not a valid result, and puts one line in @err:
 * "FILE:LINE:COL: msg" for malformed JSON, "FILE: benchmarks[3].cycles.p50:
 * expected a number" for a wrong shape, a refusal naming the schema for other
 * versions. Unknown keys are ignored: other families add their own.
 */
/* The exit code for an_result_load's failure: 4 unreadable, 2 invalid. */
#define an_load_exit(rc) ((rc) == -2 ? AN_EXIT_INPUT : AN_EXIT_INVALID)
int an_result_load(const char *path, unsigned flags, struct an_result **out,
		   char *err, size_t errlen);
/* Same checks on an already parsed document; takes over the reference to
 * @root (freed on failure too). */
int an_result_from_json(json_t *root, const char *path, unsigned flags,
			struct an_result **out, char *err, size_t errlen);
void an_result_free(struct an_result *r);
/* Bumped whenever a result is loaded or freed: caches over a set of
 * results (analysis/label.c) know they must be rebuilt. Code that edits a
 * loaded record's name or params calls an_results_changed() after. */
extern unsigned long an_results_generation;
static inline void an_results_changed(void)
{
	an_results_generation++;
}

/* The record in @r whose key is @key, or NULL. */
const struct an_bench *an_result_find(const struct an_result *r,
				      const char *key);
/* First status-ok record named @name, or NULL. */
const struct an_bench *an_result_find_name(const struct an_result *r,
					   const char *name);

/* "name" plus " [variant]" and "k=v" for the params that tell same-named
 * records apart across the @nr results in @rs. Malloc'ed; NULL on OOM. */
char *an_bench_label(struct an_result *const *rs, size_t nr,
		     const struct an_bench *b);

/* @b's metric called @name ("pct_of_native/direct"), or NULL. */
const struct an_metric *an_bench_metric(const struct an_bench *b, const char *name);

/* The unit of @r: that of its first status-ok record (NULL if none). */
const char *an_result_unit(const struct an_result *r);

/* The record in @r that matches @b: the same key, or else (one side ran
 * with "cpl": "auto") the same key apart from the level. */
const struct an_bench *an_result_find_match(const struct an_result *r,
					    const struct an_bench *b);

/* Params left out of the matching key; see docs/analysis.md. */
bool an_param_ignored(const char *param);

/* One more param left out of the key (compare --ignore-param), for the
 * files loaded after: -EINVAL for a name that is no parameter name (or is
 * "name"/"variant"), -E2BIG past AN_MAX_USER_IGNORED. @name is kept, not
 * copied. */
#define AN_MAX_USER_IGNORED 16
int an_param_ignore(const char *name);
size_t an_param_user_ignored(const char *const **names);
void an_param_ignore_clear(void);

#endif
