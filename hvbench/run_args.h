/* `hvbench run`'s command line as a suite (issue 19): benchmarks named on
 * the command line instead of a suite file, settings (--cpl, --min-time,
 * --repetitions, --batch, --vcpus, -P NAME=VALUE) applied to a suite or to
 * those benchmarks, --filter/--exclude over the labels, and --dry-run's
 * listing of what would run. Everything goes through the suite parser, so
 * a value from the command line is checked as a suite file's is. */
#ifndef HVBENCH_RUN_ARGS_H
#define HVBENCH_RUN_ARGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "hvbench/suite.h"

struct run_args {
	const char *suite_path;		/* NULL: the benchmarks named */
	const char **names;		/* the benchmarks named, in order */
	size_t n_names;
	json_t *settings;		/* parameter -> value, from the options */
	const char *filter, *exclude;	/* POSIX extended regexes over labels */
	bool dry_run;
};

enum {
	RA_OPT_CPL = 0x100, RA_OPT_MIN_TIME, RA_OPT_REPS, RA_OPT_BATCH,
	RA_OPT_VCPUS, RA_OPT_PARAM, RA_OPT_FILTER, RA_OPT_EXCLUDE, RA_OPT_DRY_RUN,
};

void run_args_init(struct run_args *a);
void run_args_free(struct run_args *a);

/* One of the options above (opt, its argument): 0, or -1 with a one-line
 * message in err (a bad duration, a -P without '='). */
int run_args_option(struct run_args *a, int opt, const char *arg, char *err, size_t len);

/* The positional arguments: one suite file, or benchmark names. 0, or -1
 * with err. */
int run_args_positional(struct run_args *a, int argc, char **argv, char *err, size_t len);

/* The suite to run: the file or the names, the settings applied (they win
 * over the file's own values), then the filters. 0, or the exit code (2:
 * invalid, 4: the file cannot be read) with one line in err. */
int run_args_suite(const struct run_args *a, struct suite *out, char *err, size_t len);

/* --dry-run: every entry with every parameter and where its value came
 * from, the level "auto" picks and why, and the time it will take at
 * least. cpl0_slowdown < 0: not measured. */
void run_args_dry_run(FILE *f, const struct suite *s, const struct run_args *a,
		      double cpl0_slowdown, const char *backend);

#endif
