/* `hvbench dashboard results/ -o site/`: scans a folder of result files, keeps
 * a cache of what it has read in site/, groups runs by host and compares each
 * host's latest run with the previous one. */
#include "analysis/an.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/an_dash.h"
#include "analysis/an_html.h"
#include "analysis/an_util.h"
#include "hvbench/safefile.h"

#define CACHE_NAME ".hvbench-dashboard-cache.json"
#define CACHE_VERSION 2 /* 2: repetitions[] kept, verdicts need them */

static const char dashboard_usage[] =
	"usage: hvbench dashboard RESULTS_DIR -o SITE_DIR [--threshold PCT]\n"
	"       hvbench dashboard --db PATH|URL -o SITE_DIR [--threshold PCT]\n"
	"\n"
	"Reads every *.json result under RESULTS_DIR (recursively; other JSON is\n"
	"skipped with a warning) and writes a static site: SITE_DIR/index.html\n"
	"(hosts, latest run, regressions of the latest run against the previous\n"
	"one, x86 vs ARM panel) and one page per host with a trend chart per\n"
	"benchmark. Files already read are remembered in SITE_DIR/" CACHE_NAME "\n"
	"and not parsed again; pages whose content did not change are not rewritten.\n"
	"With --db the runs come from the results store instead (docs/store.md):\n"
	"the same site, from every stored run.\n"
	"\n"
	"  -o, --output DIR   site folder (created); each file in it is replaced\n"
	"                     atomically, so an interrupted build leaves only\n"
	"                     complete files\n"
	"  --threshold PCT    smallest change flagged as a regression (default 5)\n"
	"  --db PATH|URL      read the runs from this store (SQLite file or\n"
	"                     postgresql://...)\n"
	"  -h, --help         this text\n"
	"\n"
	"exit: 0 done, 2 bad command line or a store of a newer schema, 4 the site\n"
	"      could not be written or RESULTS_DIR (or the store) read\n";

static int add_file(struct dash *d, const char *rel, const char *abs,
		    const struct stat *st)
{
	struct dash_file *f;

	if (d->n_files == d->cap_files) {
		size_t cap = d->cap_files ? d->cap_files * 2 : 256;
		struct dash_file *n = realloc(d->files, cap * sizeof(*n));

		if (!n)
			return -1;
		d->files = n;
		d->cap_files = cap;
	}
	f = &d->files[d->n_files];
	memset(f, 0, sizeof(*f));
	f->rel = strdup(rel);
	f->abs = strdup(abs);
	f->size = st->st_size;
	f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	if (!f->rel || !f->abs)
		return -1;
	d->n_files++;
	return 0;
}

/* Recursive scan; @rel is the path below the results folder. */
static int scan(struct dash *d, const char *abs, const char *rel, char *err,
		size_t errlen)
{
	DIR *dir = opendir(abs);
	struct dirent *e;

	if (!dir) {
		snprintf(err, errlen, "%s: cannot read folder: %s", abs, strerror(errno));
		return -1;
	}
	while ((e = readdir(dir))) {
		char *a, *r;
		struct stat st;
		size_t l = strlen(e->d_name);
		int ret = 0;

		if (e->d_name[0] == '.')
			continue; /* also skips a site/ cache kept inside */
		a = an_path_join(abs, e->d_name);
		r = *rel ? an_path_join(rel, e->d_name) : strdup(e->d_name);
		if (!a || !r || stat(a, &st)) {
			free(a);
			free(r);
			continue;
		}
		if (S_ISDIR(st.st_mode))
			ret = scan(d, a, r, err, errlen);
		else if (S_ISREG(st.st_mode) && l > 5 &&
			 !strcmp(e->d_name + l - 5, ".json"))
			ret = add_file(d, r, a, &st);
		free(a);
		free(r);
		if (ret) {
			closedir(dir);
			if (!err[0])
				snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	closedir(dir);
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct dash_file *)a)->rel,
		      ((const struct dash_file *)b)->rel);
}

/* The cache keeps result documents without their bulky parts. */
static json_t *reduce(json_t *root)
{
	json_t *doc = json_deep_copy(root), *benches, *b;
	size_t i;

	benches = doc ? json_object_get(doc, "benchmarks") : NULL;
	json_array_foreach(benches, i, b) {
		json_object_del(b, "histogram");
		json_object_del(b, "description");
	}
	return doc;
}

static void strip_samples(json_t *doc)
{
	json_t *benches = json_object_get(doc, "benchmarks"), *b;
	size_t i;

	json_array_foreach(benches, i, b)
		json_object_del(b, "samples");
}

static bool has_samples(json_t *doc)
{
	json_t *benches = json_object_get(doc, "benchmarks"), *b;
	size_t i;

	json_array_foreach(benches, i, b)
		if (json_object_get(b, "samples"))
			return true;
	return false;
}

static json_t *load_cache(const char *out_dir)
{
	char *path = an_path_join(out_dir, CACHE_NAME);
	json_t *c = path ? json_load_file(path, 0, NULL) : NULL;

	free(path);
	/* An unreadable or foreign cache only costs a full re-read. */
	if (c && json_integer_value(json_object_get(c, "version")) != CACHE_VERSION) {
		json_decref(c);
		c = NULL;
	}
	return c;
}

static void read_files(struct dash *d, json_t *cache)
{
	json_t *cfiles = cache ? json_object_get(cache, "files") : NULL;
	char err[1024];

	for (size_t i = 0; i < d->n_files; i++) {
		struct dash_file *f = &d->files[i];
		json_t *ce = cfiles ? json_object_get(cfiles, f->rel) : NULL;
		struct an_result *r;

		if (ce && json_integer_value(json_object_get(ce, "size")) == f->size &&
		    json_integer_value(json_object_get(ce, "mtime_ns")) == f->mtime_ns) {
			const char *skip = json_string_value(json_object_get(ce, "skip"));

			d->n_cached++;
			if (skip) {
				f->skip = strdup(skip);
				d->n_skipped++;
				fprintf(stderr, "dashboard: skipping %s: %s\n", f->abs, skip);
				continue;
			}
			f->doc = json_incref(json_object_get(ce, "doc"));
		} else if (!an_result_load(f->abs, 0, &r, err, sizeof(err))) {
			d->n_fresh++;
			f->fresh = true;
			f->doc = reduce(r->root);
			an_result_free(r);
			/* Hundreds of runs with 4096 samples per benchmark
			 * do not fit in memory as JSON; the (at most two per
			 * host) runs compared are read again below. */
			if (f->doc)
				strip_samples(f->doc);
		} else {
			d->n_fresh++;
			d->n_skipped++;
			/* the message already starts with the path */
			fprintf(stderr, "dashboard: skipping %s\n", err);
			f->skip = strdup(strncmp(err, f->abs, strlen(f->abs)) ? err :
					 err + strlen(f->abs) + (err[strlen(f->abs)] == ':' ? 2 : 0));
			continue;
		}
		if (!f->doc || an_result_from_json(json_incref(f->doc), f->abs, 0,
						   &f->res, err, sizeof(err))) {
			fprintf(stderr, "dashboard: skipping %s\n", err);
			json_decref(f->doc);
			f->doc = NULL;
			f->skip = strdup("cached entry unreadable");
			d->n_skipped++;
		}
	}
}

static void set_day(struct dash_file *f)
{
	snprintf(f->day, sizeof(f->day), "%.10s",
		 f->res->started ? f->res->started : "");
}

static int cmp_run(const void *a, const void *b)
{
	const struct dash_file *x = *(struct dash_file *const *)a;
	const struct dash_file *y = *(struct dash_file *const *)b;
	const char *sx = x->res->started ? x->res->started : "";
	const char *sy = y->res->started ? y->res->started : "";
	int c = strcmp(sx, sy);

	return c ? c : strcmp(x->rel, y->rel);
}

static int cmp_host(const void *a, const void *b)
{
	return strcmp(((const struct dash_host *)a)->key,
		      ((const struct dash_host *)b)->key);
}

static int group_hosts(struct dash *d)
{
	d->hosts = calloc(d->n_files + 1, sizeof(*d->hosts));
	if (!d->hosts)
		return -1;
	for (size_t i = 0; i < d->n_files; i++) {
		struct dash_file *f = &d->files[i];
		struct dash_host *h = NULL;
		char *key;
		size_t k;

		if (!f->res)
			continue;
		set_day(f);
		/* A host's runs of one suite compare with each other only:
		 * an io-path run is not the previous default-suite run. */
		const char *suite = f->res->suite_name ? f->res->suite_name : "";
		if (asprintf(&key, "%s|%s|%s", f->res->host.hostname,
			     f->res->host.backend, suite) < 0)
			return -1;
		for (k = 0; k < d->n_hosts; k++)
			if (!strcmp(d->hosts[k].key, key))
				break;
		h = &d->hosts[k];
		if (k == d->n_hosts) {
			char a[52], b[52], c[52];

			h->key = key;
			h->runs = calloc(d->n_files, sizeof(*h->runs));
			if (!h->runs)
				return -1;
			an_html_slug(a, sizeof(a), f->res->host.hostname);
			an_html_slug(b, sizeof(b), f->res->host.backend);
			an_html_slug(c, sizeof(c), suite);
			snprintf(h->slug, sizeof(h->slug), "%s-%s-%s", a, b, c);
			d->n_hosts++;
		} else {
			free(key);
		}
		h->runs[h->n_runs++] = f;
	}
	qsort(d->hosts, d->n_hosts, sizeof(*d->hosts), cmp_host);
	for (size_t k = 0; k < d->n_hosts; k++)
		qsort(d->hosts[k].runs, d->hosts[k].n_runs, sizeof(struct dash_file *),
		      cmp_run);
	return 0;
}

/* A result with samples for the comparison: from the cached document when
 * it kept them, else (cache lost them) from the file itself. */
static struct an_result *with_samples(struct dash *d, struct dash_file *f)
{
	struct an_result *r = NULL;
	char err[1024];

	if (has_samples(f->doc)) {
		if (!an_result_from_json(json_incref(f->doc), f->abs, AN_LOAD_SAMPLES,
					 &r, err, sizeof(err)))
			return r;
	}
	if (d->reload) {
		/* a store: the run's document again, with its samples */
		json_t *doc = d->reload(d->reload_arg, f, err, sizeof(err));

		if (doc && !an_result_from_json(doc, f->abs, AN_LOAD_SAMPLES, &r,
						err, sizeof(err)))
			return r;
		fprintf(stderr, "dashboard: %s\n", err);
		return NULL;
	}
	if (!f->fresh)
		d->n_reparsed++; /* the cache lost them: worth saying */
	if (!an_result_load(f->abs, AN_LOAD_SAMPLES, &r, err, sizeof(err))) {
		json_t *doc = reduce(r->root);

		if (doc) {
			json_decref(f->doc);
			f->doc = doc;
		}
		return r;
	}
	return NULL;
}

static void compare_hosts(struct dash *d)
{
	for (size_t k = 0; k < d->n_hosts; k++) {
		struct dash_host *h = &d->hosts[k];

		if (h->n_runs < 2)
			continue;
		h->prev = with_samples(d, h->runs[h->n_runs - 2]);
		h->latest = with_samples(d, h->runs[h->n_runs - 1]);
		if (!h->prev || !h->latest) {
			snprintf(h->cmp_err, sizeof(h->cmp_err), "cannot re-read a run for the comparison");
			continue;
		}
		/* The same verdict as compare, with the host's recent history
		 * as the base: its spread holds the run-to-run variation. */
		h->hist[0] = h->prev;
		h->n_hist = 1;
		for (size_t j = h->n_runs - 2; j-- > 0 && h->n_hist < DASH_HISTORY;)
			h->hist[h->n_hist++] = h->runs[j]->res;
		h->cur_run[0] = h->latest;
		if (!an_compare_sets(h->hist, h->n_hist, h->cur_run, 1, &d->opts,
				     &h->cmp, h->cmp_err, sizeof(h->cmp_err)))
			h->have_cmp = true;
	}
}

/* Samples stay cached only for the two newest runs of each host: the next
 * comparison needs nothing older. */
static int save_cache(struct dash *d, char *err, size_t errlen)
{
	json_t *c = json_pack("{s:i, s:{}}", "version", CACHE_VERSION, "files");
	json_t *files = c ? json_object_get(c, "files") : NULL;
	char *text, *path;
	int ret;

	if (!c)
		return -1;
	for (size_t k = 0; k < d->n_hosts; k++) {
		struct dash_host *h = &d->hosts[k];

		for (size_t j = h->n_runs > 2 ? h->n_runs - 2 : 0; j < h->n_runs; j++)
			h->runs[j]->keep_samples = true;
	}
	for (size_t i = 0; i < d->n_files; i++) {
		struct dash_file *f = &d->files[i];
		json_t *e = json_pack("{s:I, s:I}", "size", (json_int_t)f->size,
				      "mtime_ns", (json_int_t)f->mtime_ns);

		if (f->skip)
			json_object_set_new(e, "skip", json_string(f->skip));
		else if (f->doc) {
			if (!f->keep_samples)
				strip_samples(f->doc);
			json_object_set(e, "doc", f->doc);
		}
		json_object_set_new(files, f->rel, e);
	}
	text = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(c);
	path = an_path_join(d->out_dir, CACHE_NAME);
	if (!text || !path) {
		free(text);
		free(path);
		snprintf(err, errlen, "%s: out of memory", d->out_dir);
		return -1;
	}
	ret = an_write_file(path, text, strlen(text), true, err, errlen);
	free(text);
	free(path);
	return ret ? -1 : 0;
}

static void dash_free(struct dash *d)
{
	for (size_t k = 0; k < d->n_hosts; k++) {
		struct dash_host *h = &d->hosts[k];

		if (h->have_cmp)
			an_cmp_free(&h->cmp);
		an_result_free(h->prev);
		an_result_free(h->latest);
		free(h->runs);
		free(h->key);
	}
	free(d->hosts);
	for (size_t i = 0; i < d->n_files; i++) {
		struct dash_file *f = &d->files[i];

		an_result_free(f->res);
		json_decref(f->doc);
		free(f->rel);
		free(f->abs);
		free(f->skip);
	}
	free(d->files);
}

int an_dash_add(struct dash *d, const char *rel, const char *abs, json_t *doc,
		char *err, size_t errlen)
{
	struct stat st = { 0 };
	json_t *benches = json_object_get(doc, "benchmarks"), *b;
	struct dash_file *f;
	size_t i;

	/* what reduce() and strip_samples() leave, without a copy */
	json_array_foreach(benches, i, b) {
		json_object_del(b, "histogram");
		json_object_del(b, "description");
		json_object_del(b, "samples");
	}
	if (add_file(d, rel, abs, &st)) {
		json_decref(doc);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f = &d->files[d->n_files - 1];
	f->fresh = true;
	f->doc = doc;
	d->n_fresh++;
	if (an_result_from_json(json_incref(f->doc), f->abs, 0, &f->res, err,
				errlen)) {
		fprintf(stderr, "dashboard: skipping %s\n", err);
		f->skip = strdup("not a valid result");
		d->n_skipped++;
	}
	return 0;
}

int an_dash_add_result(struct dash *d, const char *rel, const char *abs,
		       struct an_result *res, char *err, size_t errlen)
{
	struct stat st = { 0 };

	if (add_file(d, rel, abs, &st)) {
		an_result_free(res);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->files[d->n_files - 1].res = res;
	d->files[d->n_files - 1].fresh = true;
	d->n_fresh++;
	return 0;
}

int an_dash_args(int argc, char **argv, struct dash *d, const char **db)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "threshold", required_argument, NULL, 't' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int ch;

	*db = NULL;
	an_cmp_opts_default(&d->opts);
	/* A site is rebuilt often; 500 resamples keep the CI stable to the
	 * third digit at half the cost. */
	d->opts.boot_iters = 500;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			d->out_dir = optarg;
			break;
		case 'd':
			*db = optarg;
			break;
		case 't':
			d->opts.threshold = strtod(optarg, &end) / 100;
			if (*end || end == optarg || !(d->opts.threshold >= 0)) {
				fprintf(stderr, "dashboard: --threshold: '%s' is not a percentage\n",
					optarg);
				return AN_EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(dashboard_usage, stdout);
			return AN_EXIT_OK;
		default:
			fputs(dashboard_usage, stderr);
			return AN_EXIT_USAGE;
		}
	}
	if (optind + (*db ? 0 : 1) != argc || !d->out_dir) {
		fprintf(stderr, "dashboard: %s\n%s", !d->out_dir ? "say where: -o SITE_DIR" :
			*db ? "--db reads the store: no RESULTS_DIR with it" :
			"need exactly one RESULTS_DIR", dashboard_usage);
		return AN_EXIT_USAGE;
	}
	d->in_dir = *db ? NULL : argv[optind];
	return -1;
}

int an_dash_build(struct dash *d, an_dash_fill_fn fill, void *arg)
{
	struct stat st;
	json_t *cache = NULL;
	char err[1024] = "";
	int ret = AN_EXIT_OK;

	if (!fill && (stat(d->in_dir, &st) || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "dashboard: %s: not a readable folder\n", d->in_dir);
		return AN_EXIT_INPUT;
	}
	if (sf_is_stdout(d->out_dir)) {
		fprintf(stderr, "dashboard: -o -: a site is a folder of files, it cannot go to standard output\n");
		return AN_EXIT_USAGE;
	}
	/* An unwritable site folder is found before any result is read. */
	if (an_mkdirs(d->out_dir, err, sizeof(err)) ||
	    sf_check_dir(d->out_dir, err, sizeof(err))) {
		fprintf(stderr, "dashboard: %s\n", err);
		return AN_EXIT_OUTPUT;
	}
	if (fill ? fill(d, arg, err, sizeof(err)) :
		   scan(d, d->in_dir, "", err, sizeof(err))) {
		fprintf(stderr, "dashboard: %s\n", err);
		dash_free(d);
		return AN_EXIT_INPUT;
	}
	if (!fill) {
		/* files only: a store is its own cache */
		qsort(d->files, d->n_files, sizeof(*d->files), cmp_file);
		cache = load_cache(d->out_dir);
		read_files(d, cache);
		json_decref(cache);
	}
	if (group_hosts(d)) {
		fprintf(stderr, "dashboard: out of memory\n");
		dash_free(d);
		return AN_EXIT_OUTPUT;
	}
	compare_hosts(d);
	if (an_dash_write_pages(d, err, sizeof(err)) ||
	    (!fill && save_cache(d, err, sizeof(err)))) {
		fprintf(stderr, "dashboard: %s\n", err);
		ret = AN_EXIT_OUTPUT;
	} else {
		printf("dashboard: %zu %s (%zu read, %zu from cache%s), %zu skipped, %zu hosts -> %s/index.html\n",
		       d->n_files, fill ? "stored runs" : "result files", d->n_fresh,
		       d->n_cached, d->n_reparsed ? ", some re-read for comparisons" : "",
		       d->n_skipped, d->n_hosts, d->out_dir);
	}
	dash_free(d);
	return ret;
}

int an_cmd_dashboard(int argc, char **argv)
{
	struct dash d = { 0 };
	const char *db;
	int rc = an_dash_args(argc, argv, &d, &db);

	if (rc >= 0)
		return rc;
	if (db) {
		/* the CLI's dashboard is store/db_dash.c's, which reads --db */
		fprintf(stderr, "dashboard: --db: no store in this build\n");
		return AN_EXIT_USAGE;
	}
	return an_dash_build(&d, NULL, NULL);
}
