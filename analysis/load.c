/* Validating loader for hvbench result files: result files come from other
 * machines and other versions, so every key is type-checked before use.
 * This file: the document (schema, host, load) and reading it; a record is
 * load_bench.c's, matching load_index.c's. */
#include "analysis/an_result.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/an_jsonfast.h"
#include "analysis/an_util.h"
#include "analysis/load_int.h"
#include "hvbench/jsonpos.h"

/* "hvbench-result/2" or "hvbench-result/2.3": this major or the one
 * before, read it. */
static void check_schema(struct ctx *c, const char *schema)
{
	size_t pl = strlen(AN_SCHEMA_NAME);
	char *end;
	long major;

	if (strncmp(schema, AN_SCHEMA_NAME "/", pl + 1)) {
		fail(c, "not an hvbench result file (schema '%s', expected '%s/%d')",
		     schema, AN_SCHEMA_NAME, AN_SCHEMA_MAJOR);
		return;
	}
	errno = 0;
	major = strtol(schema + pl + 1, &end, 10);
	if (errno || end == schema + pl + 1 || (*end && *end != '.')) {
		fail(c, "not an hvbench result file (schema '%s' has no version number)",
		     schema);
	} else if (major > AN_SCHEMA_MAJOR) {
		fail(c, "schema '%s' is newer than this hvbench reads (%s/%d)",
		     schema, AN_SCHEMA_NAME, AN_SCHEMA_MAJOR);
	} else if (major < AN_SCHEMA_MIN_MAJOR) {
		fail(c, "schema '%s' is older than this hvbench reads (%s/%d and /%d); re-run the suite",
		     schema, AN_SCHEMA_NAME, AN_SCHEMA_MIN_MAJOR, AN_SCHEMA_MAJOR);
	}
	c->major = major;
}

static void parse_host(struct ctx *c, json_t *h, struct an_host *host)
{
	host->hostname = get_str(c, h, "host", "hostname", false);
	host->kernel = get_str(c, h, "host", "kernel", false);
	host->arch = get_str(c, h, "host", "arch", false);
	host->cpu_vendor = get_str(c, h, "host", "cpu_vendor", false);
	host->cpu_model = get_str(c, h, "host", "cpu_model", false);
	host->backend = get_str(c, h, "host", "backend", false);
	host->paging = get_str(c, h, "host", "paging", false);
	host->emulated = get_bool(c, h, "host", "emulated", &host->emulated_known);
	host->tsc_invariant = get_bool(c, h, "host", "tsc_invariant",
				       &host->tsc_invariant_known);
	host->tsc_khz = get_num(c, h, "host", "tsc_khz", false);
	host->cpl0_slowdown = get_num(c, h, "host", "cpl0_slowdown", false);
	host->nr_cpus = get_num(c, h, "host", "nr_cpus", false);
	if (!host->hostname)
		host->hostname = "unknown-host";
	if (!host->backend)
		host->backend = "unknown";
}

static void parse_load_point(struct ctx *c, json_t *hl, const char *which,
			     struct an_load_point *p)
{
	json_t *o = json_object_get(hl, which);

	p->load1 = p->cpus = p->other_cpus = NAN;
	if (!json_is_object(o))
		return; /* absent, or {"error": ...}: nothing known */
	p->load1 = get_num(c, o, "host_load", "load1", false);
	p->cpus = get_num(c, o, "host_load", "cpus", false);
	p->other_cpus = get_num(c, o, "host_load", "other_cpus", false);
}

static void parse_load(struct ctx *c, json_t *root, struct an_result *r)
{
	json_t *hl = get_obj(c, root, "", "host_load", false);

	parse_load_point(c, hl, "start", &r->load_start);
	parse_load_point(c, hl, "end", &r->load_end);
}

static void parse_root(struct ctx *c, struct an_result *r, unsigned flags)
{
	json_t *root = r->root, *host, *benches, *o;

	if (!json_is_object(root)) {
		fail(c, "not an hvbench result file (top level is %s, not an object)",
		     json_kind(root));
		return;
	}
	o = json_object_get(root, "schema");
	if (!o) {
		fail(c, "not an hvbench result file (no 'schema' key)");
		return;
	}
	if (!json_is_string(o)) {
		fail(c, "not an hvbench result file ('schema' is %s)", json_kind(o));
		return;
	}
	r->schema = json_string_value(o);
	check_schema(c, r->schema);
	if (c->failed)
		return;
	r->started = get_str(c, root, "", "started", false);
	r->finished = get_str(c, root, "", "finished", false);
	r->interrupted = get_bool(c, root, "", "interrupted", NULL);
	if ((o = get_obj(c, root, "", "suite", false)))
		r->suite_name = get_str(c, o, "suite", "name", false);
	if ((o = get_obj(c, root, "", "tool", false))) {
		r->tool_version = get_str(c, o, "tool", "version", false);
		r->tool_git = get_str(c, o, "tool", "git", false);
	}
	host = get_obj(c, root, "", "host", true);
	if (c->failed)
		return;
	parse_host(c, host, &r->host);
	parse_load(c, root, r);
	benches = json_object_get(root, "benchmarks");
	if (!benches || !json_is_array(benches)) {
		fail(c, "benchmarks: expected an array, %s",
		     benches ? json_kind(benches) : "key is missing");
		return;
	}
	r->n_benches = json_array_size(benches);
	r->benches = calloc(r->n_benches + 1, sizeof(*r->benches));
	if (!r->benches) {
		fail(c, "out of memory");
		return;
	}
	for (size_t i = 0; i < r->n_benches && !c->failed; i++)
		parse_bench(c, json_array_get(benches, i), i, flags,
			    &r->benches[i]);
}

int an_result_from_json(json_t *root, const char *path, unsigned flags,
			struct an_result **out, char *err, size_t errlen)
{
	struct ctx c = { .file = path, .err = err, .errlen = errlen };
	struct an_result *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (r)
		r->path = strdup(path);
	if (!r || !r->path) {
		json_decref(root);
		an_result_free(r);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	r->root = root;
	an_results_generation++;
	parse_root(&c, r, flags);
	if (c.failed) {
		an_result_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

int an_result_load(const char *path, unsigned flags, struct an_result **out,
		   char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	char *text = NULL;
	size_t len = 0;
	int e;

	*out = NULL;
	struct stat st;
	/* Refused before it is read: a huge file costs nothing. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > AN_MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s: %lld bytes, more than the %d MiB this reader accepts for one result file",
			 path, (long long)st.st_size, AN_MAX_FILE_BYTES >> 20);
		return -1;
	}
	e = an_read_file(path, &text, &len);
	if (e) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 an_read_strerror(e));
		return -2;
	}
	if (len > AN_MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s: %zu bytes, more than the %d MiB this reader accepts for one result file",
			 path, len, AN_MAX_FILE_BYTES >> 20);
		free(text);
		return -1;
	}
	/* the plain documents hvbench writes without jansson's reader (most
	 * of an import's time); anything else, and every error, by it */
	root = an_json_parse(text, len);
	if (!root)
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		struct jsonpos pos;

		/* jansson's column is 0 at the start of a line; the suite
		 * loader's FILE:LINE:COL counts from 1: the same counter. */
		jsonpos_at(text, len, jerr.position < 0 ? 0 : (size_t)jerr.position,
			   &pos);
		snprintf(err, errlen, "%s:%d:%d: %s", path, pos.line, pos.col,
			 jerr.text);
		free(text);
		return -1;
	}
	free(text);
	return an_result_from_json(root, path, flags, out, err, errlen);
}

void an_result_free(struct an_result *r)
{
	an_results_generation++;
	for (int t = 0; r && t < 3; t++)
		free(r->ix[t]);
	if (!r)
		return;
	for (size_t i = 0; i < r->n_benches; i++) {
		struct an_bench *b = &r->benches[i];

		free(b->key);
		free(b->key_nocpl);
		free(b->exit_counts);
		free(b->samples);
		free(b->rep_p50);
		free(b->rep_mean);
		free(b->segments);
		for (size_t m = 0; m < b->n_metrics; m++)
			free(b->metrics[m].owned_name);
		free(b->metrics);
	}
	free(r->benches);
	json_decref(r->root);
	free(r->path);
	free(r);
}

