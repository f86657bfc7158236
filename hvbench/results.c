/* The result document (docs/results-schema.md): its skeleton, the encoders
 * the runner fills it with, and the atomic write that never leaves half a
 * file behind. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvbench/results.h"
#include "hvbench/version.h"
#include "hvbench/safefile.h"
#include "probes/histogram.h"

#ifndef HVBENCH_VERSION
#define HVBENCH_VERSION "0.0.0"
#endif


void results_iso8601(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, outlen, "1970-01-01T00:00:00Z");
}

static json_t *now_json(void)
{
	char buf[32];

	results_iso8601(time(NULL), buf, sizeof(buf));
	return json_string(buf);
}

json_t *results_new(const char *suite_name, const char *suite_path,
		    json_t *host)
{
	json_t *doc = json_object();
	int bad;

	if (!host)
		host = json_object();
	if (!doc || !host) {
		json_decref(doc);
		json_decref(host);
		return NULL;
	}
	/* Insertion order is the file's order: identity first, the bulky
	 * parts last. "finished" holds its place until results_finish. */
	bad = json_object_set_new(doc, "schema", json_string(RESULTS_SCHEMA));
	bad |= json_object_set_new(doc, "tool",
				   json_pack("{s:s, s:s, s:s, s:o}", "name", "hvbench",
					     "version", HVBENCH_VERSION, "git", hvbench_git,
					     "dirty", hvbench_git_dirty < 0 ? json_null() :
						      json_boolean(hvbench_git_dirty)));
	bad |= json_object_set_new(doc, "suite",
				   json_pack("{s:s, s:s}", "name",
					     suite_name ? suite_name : "",
					     "file",
					     suite_path ? suite_path : ""));
	bad |= json_object_set_new(doc, "started", now_json());
	bad |= json_object_set_new(doc, "finished", json_null());
	bad |= json_object_set_new(doc, "interrupted", json_false());
	bad |= json_object_set_new(doc, "host", host);
	bad |= json_object_set_new(doc, "benchmarks", json_array());
	if (bad) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

void results_add_benchmark(json_t *doc, json_t *rec)
{
	json_t *arr = json_object_get(doc, "benchmarks");

	if (!json_is_array(arr)) {
		json_decref(rec);
		return;
	}
	json_array_append_new(arr, rec);
}

void results_finish(json_t *doc, bool interrupted)
{
	json_object_set_new(doc, "finished", now_json());
	json_object_set_new(doc, "interrupted", json_boolean(interrupted));
}

/* How a result file is encoded: both writers and results_as_written. */
#define RESULTS_JSON_FLAGS (JSON_INDENT(1) | JSON_REAL_PRECISION(15))

json_t *results_as_written(const json_t *doc)
{
	char *text = json_dumps(doc, RESULTS_JSON_FLAGS);
	json_t *back = text ? json_loads(text, 0, NULL) : NULL;

	free(text);
	return back;
}

int results_write_atomic(const json_t *doc, const char *path, char *err,
			 size_t errlen)
{
	char *text = json_dumps(doc, RESULTS_JSON_FLAGS);
	char *full = NULL;
	int rc;

	if (!text) {
		snprintf(err, errlen, "%s: cannot encode the results as JSON",
			 path);
		return -EINVAL;
	}
	if (asprintf(&full, "%s\n", text) < 0) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	free(text);
	rc = sf_write(path, full, strlen(full), SF_STDOUT_OK | SF_MKDIR, err,
		      errlen);
	free(full);
	return rc;
}

int results_write_new(const json_t *doc, const char *path, char *final,
		      size_t finallen, char *err, size_t errlen)
{
	char *text = json_dumps(doc, RESULTS_JSON_FLAGS);
	size_t n = strlen(path);
	int rc = -EEXIST;

	if (!text) {
		snprintf(err, errlen, "%s: cannot encode the results as JSON",
			 path);
		return -EINVAL;
	}
	if (n > 5 && !strcmp(path + n - 5, ".json"))
		n -= 5;
	/* Two runs that started in the same second: the second one to finish
	 * takes NAME-2.json, and so on; a result is never replaced. */
	for (int k = 1; k <= 999 && rc == -EEXIST; k++) {
		char *full = NULL;

		if (k == 1)
			snprintf(final, finallen, "%s", path);
		else
			snprintf(final, finallen, "%.*s-%d.json", (int)n, path, k);
		if (asprintf(&full, "%s\n", text) < 0) {
			rc = -ENOMEM;
			snprintf(err, errlen, "%s: out of memory", path);
			break;
		}
		rc = sf_write(final, full, strlen(full),
			      SF_MKDIR | SF_NOREPLACE, err, errlen);
		free(full);
	}
	free(text);
	return rc;
}

int results_check_output(const char *path, char *err, size_t errlen)
{
	return sf_check(path, SF_STDOUT_OK | SF_MKDIR, err, errlen);
}

int results_default_path(const char *dir, const char *hostname, time_t t,
			 char *out, size_t outlen)
{
	char host[65], stamp[32];
	struct tm tm;
	size_t i;
	int n;

	if (!dir || !*dir)
		dir = "results";
	if (!hostname || !*hostname)
		hostname = "unknown";
	for (i = 0; hostname[i] && i < sizeof(host) - 1; i++) {
		char ch = hostname[i];
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
			  ch == '-';

		/* A leading dot would hide the file (and look like our
		 * temporary files). */
		host[i] = ok && !(i == 0 && ch == '.') ? ch : '_';
	}
	host[i] = '\0';
	if (!gmtime_r(&t, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		return -EINVAL;
	n = snprintf(out, outlen, "%s%s%s-%s.json", dir,
		     dir[strlen(dir) - 1] == '/' ? "" : "/", host, stamp);
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* Decimal places that stay below the resolution of a figure that is a
 * sample of `batch` operations divided by batch: 1 for a single operation
 * (a counter unit is the resolution), one more per factor of ten. */
static double scale_for(uint32_t batch)
{
	double sc = 10.0;

	for (uint32_t b = batch; b >= 10; b /= 10)
		sc *= 10.0;
	return batch > 1 && batch % 10 ? sc * 10.0 : sc;
}

/* Whole numbers stay integers so a reader sees 11050, not 11050.0. */
static json_t *num_sc(double v, double sc)
{
	double r;

	if (!isfinite(v))
		return json_null();
	r = round(v * sc) / sc;
	if (r == floor(r) && fabs(r) < 9e15)
		return json_integer((json_int_t)r);
	return json_real(r);
}

double results_round_per_op(double v, uint32_t batch)
{
	double sc = scale_for(batch ? batch : 1);

	return round(v / (batch ? batch : 1) * sc) / sc;
}

json_t *results_stats_json_per_op(const struct stats_summary *s,
				  uint32_t batch)
{
	json_t *o = json_object();
	double k = batch ? (double)batch : 1.0, sc = scale_for(batch ? batch : 1);
	int bad;

	if (!o)
		return NULL;
	bad = json_object_set_new(o, "n", json_integer((json_int_t)s->n));
	bad |= json_object_set_new(o, "min", num_sc(s->min / k, sc));
	bad |= json_object_set_new(o, "p10", num_sc(s->p10 / k, sc));
	bad |= json_object_set_new(o, "p50", num_sc(s->p50 / k, sc));
	bad |= json_object_set_new(o, "p90", num_sc(s->p90 / k, sc));
	bad |= json_object_set_new(o, "p99", num_sc(s->p99 / k, sc));
	bad |= json_object_set_new(o, "max", num_sc(s->max / k, sc));
	bad |= json_object_set_new(o, "mean", num_sc(s->mean / k, sc));
	bad |= json_object_set_new(o, "stddev", num_sc(s->stddev / k, sc));
	bad |= json_object_set_new(o, "ci95_low", num_sc(s->ci95_low / k, sc));
	bad |= json_object_set_new(o, "ci95_high", num_sc(s->ci95_high / k, sc));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *results_stats_json(const struct stats_summary *s)
{
	return results_stats_json_per_op(s, 1);
}

json_t *results_histogram_json(const uint32_t *counts)
{
	json_t *o = json_object(), *b = json_array();
	int bad = !o || !b;

	for (uint32_t i = 0; !bad && i < HIST_BUCKETS; i++) {
		if (!counts[i])
			continue;
		bad |= json_array_append_new(
			b, json_pack("[I, o, I]", (json_int_t)hist_bucket_low(i),
				     i == HIST_BUCKETS - 1 ?
					     json_null() :
					     json_integer((json_int_t)
								  hist_bucket_high(i)),
				     (json_int_t)counts[i]));
	}
	if (!bad) {
		bad |= json_object_set_new(o, "scheme", json_string("log-linear"));
		bad |= json_object_set_new(o, "linear_bits",
					   json_integer(HIST_LINEAR_BITS));
		bad |= json_object_set_new(o, "sub_bits",
					   json_integer(HIST_SUB_BITS));
		bad |= json_object_set_new(o, "buckets", b);
		b = NULL;
	}
	if (bad) {
		json_decref(o);
		json_decref(b);
		return NULL;
	}
	return o;
}

json_t *results_samples_json(const uint64_t *samples, size_t n)
{
	return results_samples_json_per_op(samples, n, 1);
}

json_t *results_samples_json_per_op(const uint64_t *samples, size_t n,
				    uint32_t batch)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		uint64_t v = samples[i] > INT64_MAX ? INT64_MAX : samples[i];
		json_t *e = batch > 1 ? num_sc((double)v / batch, scale_for(batch)) :
					json_integer((json_int_t)v);

		if (json_array_append_new(a, e)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
