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
};

/* dashboard_pages.c: returns 0 or -1 with a message in @err. */
int an_dash_write_pages(struct dash *d, char *err, size_t errlen);

#endif
