/* Internal model of `hvbench dashboard`: result files grouped by host, the
 * latest-vs-previous comparison per host, and the page writers. */
#ifndef ANALYSIS_AN_DASH_H
#define ANALYSIS_AN_DASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "analysis/an_compare.h"
#include "analysis/an_result.h"

struct dash_file {
	char *rel; /* path under the results folder: the cache key */
	char *abs;
	int64_t size, mtime_ns;
	json_t *doc; /* reduced result document (no bulky keys), owned */
	char *skip; /* why the file is not a result, or NULL */
	bool fresh; /* parsed in this run */
	bool keep_samples; /* one of the two newest runs of its host */
	struct an_result *res; /* summary view of doc */
	char day[16]; /* date part of "started", for chart axes */
};

struct dash_host {
	char *key; /* hostname|backend|suite: runs compare within one only */
	char slug[160];
	struct dash_file **runs; /* sorted by start time, oldest first */
	size_t n_runs;
	struct an_result *prev, *latest; /* with samples, for the comparison */
	/* The comparison's sides: the previous run (prev) and up to
	 * DASH_HISTORY - 1 before it, against the latest. */
#define DASH_HISTORY 5
	const struct an_result *hist[DASH_HISTORY], *cur_run[1];
	size_t n_hist;
	struct an_cmp cmp;
	bool have_cmp;
	char cmp_err[512];
};

struct dash {
	const char *in_dir, *out_dir;
	struct dash_file *files;
	size_t n_files, cap_files;
	struct dash_host *hosts;
	size_t n_hosts;
	size_t n_fresh, n_cached, n_skipped, n_reparsed;
	struct an_cmp_opts opts;
	/* Runs from a store (store/db_dash.c), not files: a run's document
	 * again, with its samples, for the comparison. NULL with @err. */
	json_t *(*reload)(void *arg, const struct dash_file *f, char *err,
			  size_t errlen);
	void *reload_arg;
};

/* dashboard.c, for a source of runs other than a folder (the store). */
/* Parses the command line: -1 to go on, else the exit code. *@db is the
 * --db argument (then d->in_dir is NULL). */
int an_dash_args(int argc, char **argv, struct dash *d, const char **db);
/* Adds one run: @doc (taken over) is its document, @rel a unique name for
 * it (shown on the pages), @abs what messages call it. 0 or -1 (OOM). */
int an_dash_add(struct dash *d, const char *rel, const char *abs, json_t *doc,
		char *err, size_t errlen);
/* Adds a run without its document: @res (taken over) holds what the
 * pages draw of a run that is neither a host's latest nor in the history
 * its comparison uses (the last DASH_HISTORY + 1 by start): for each
 * record its identity (name, variant, key, unit), status, suspect and the
 * headline's statistics; of the run its host, suite, start and git. */
int an_dash_add_result(struct dash *d, const char *rel, const char *abs,
		       struct an_result *res, char *err, size_t errlen);
/* Fills d->files[] (an_dash_add); 0 or -1 with a message. */
typedef int (*an_dash_fill_fn)(struct dash *d, void *arg, char *err,
			       size_t errlen);
/* Builds the site from d->in_dir's files (@fill NULL) or what @fill adds;
 * returns the exit code and frees what @d holds. */
int an_dash_build(struct dash *d, an_dash_fill_fn fill, void *arg);

/* dashboard_pages.c: returns 0 or -1 with a message in @err. */
int an_dash_write_pages(struct dash *d, char *err, size_t errlen);

#endif
