/* `hvbench dashboard --db URL -o SITE`: the dashboard's site built from
 * the results store's runs instead of a folder of files — the same pages
 * (analysis/dashboard*.c). Only the runs a comparison reads (each host and
 * suite's last DASH_HISTORY + 1) are read from their documents; every
 * other run is a trend point and a line of the runs table, read from the
 * runs, records and metrics tables: parsing 10,000 documents took most of
 * a dashboard's time, and holding them 3.4 GB. */
#include "store/db_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an.h"
#include "analysis/an_dash.h"

/* The strings of the runs read from the tables, kept until the site is
 * written (an_result's strings are borrowed). */
struct arena {
	char **blocks;
	size_t n;
	char *cur;
	size_t left;
	bool oom;
};

static const char *keep(struct arena *a, const char *s)
{
	size_t l;

	if (!s)
		return NULL;
	l = strlen(s) + 1;
	if (l > a->left) {
		size_t sz = l > 65536 ? l : 65536;
		char **b = realloc(a->blocks, (a->n + 1) * sizeof(*b));

		if (!b || !(b[a->n] = malloc(sz))) {
			a->oom = true;
			if (b)
				a->blocks = b;
			return "";
		}
		a->blocks = b;
		a->cur = b[a->n++];
		a->left = sz;
	}
	memcpy(a->cur, s, l);
	a->cur += l;
	a->left -= l;
	return a->cur - l;
}

static void arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->blocks[i]);
	free(a->blocks);
}

struct srun {
	long long id;
	char rel[32];
	const char *grp, *started;
	bool full;
	struct an_result *res; /* a run read from the tables */
	size_t cap;
};

struct fill_ctx {
	struct db *db;
	struct arena a;
	struct srun *runs; /* by id */
	size_t n, cap, at;
	bool oom;
};

static double num(const char *v)
{
	return v ? strtod(v, NULL) : NAN;
}

static int run_row(void *arg, int nc, const char *const *v)
{
	struct fill_ctx *c = arg;
	struct srun *r;
	char grp[1024];

	if (nc < 8 || !v[0])
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct srun *n = realloc(c->runs, cap * sizeof(*n));

		if (!n) {
			c->oom = true;
			return 1;
		}
		c->runs = n;
		c->cap = cap;
	}
	r = &c->runs[c->n++];
	memset(r, 0, sizeof(*r));
	r->id = atoll(v[0]);
	snprintf(r->rel, sizeof(r->rel), "run %lld", r->id);
	/* the key analysis/dashboard.c groups by: hostname|backend|suite */
	snprintf(grp, sizeof(grp), "%s|%s|%s", v[1] ? v[1] : "",
		 v[2] ? v[2] : "", v[3] ? v[3] : "");
	r->grp = keep(&c->a, grp);
	r->started = keep(&c->a, v[4]);
	r->res = calloc(1, sizeof(*r->res));
	if (!r->res) {
		c->oom = true;
		return 1;
	}
	r->res->path = strdup(r->rel);
	r->res->host.hostname = keep(&c->a, v[1]);
	r->res->host.backend = keep(&c->a, v[2]);
	r->res->suite_name = keep(&c->a, v[3]);
	r->res->started = r->started;
	r->res->tool_git = keep(&c->a, v[5]);
	r->res->host.arch = keep(&c->a, v[6]);
	r->res->host.kernel = keep(&c->a, v[7]);
	r->res->host.tsc_khz = r->res->host.cpl0_slowdown = r->res->host.nr_cpus = NAN;
	return c->a.oom || !r->res->path;
}

/* analysis/dashboard.c's order of a host's runs: start, then name */
static int cmp_grp(const void *x, const void *y)
{
	const struct srun *a = *(struct srun *const *)x;
	const struct srun *b = *(struct srun *const *)y;
	int c = strcmp(a->grp, b->grp);

	if (!c)
		c = strcmp(a->started ? a->started : "", b->started ? b->started : "");
	return c ? c : strcmp(a->rel, b->rel);
}

static int mark_full(struct fill_ctx *c)
{
	struct srun **o = malloc((c->n + 1) * sizeof(*o));

	if (!o)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		o[i] = &c->runs[i];
	qsort(o, c->n, sizeof(*o), cmp_grp);
	for (size_t i = 0, k = 0; i < c->n; i++) {
		/* k: how many of this group's runs come after o[i] */
		if (i == 0 || strcmp(o[i]->grp, o[i - 1]->grp)) {
			for (k = 0; i + k + 1 < c->n && !strcmp(o[i + k + 1]->grp, o[i]->grp); k++)
				;
		} else {
			k--;
		}
		o[i]->full = k <= DASH_HISTORY;
	}
	free(o);
	return 0;
}

/* One record of a run read from the tables: rows come by run, then idx. */
static int record_row(void *arg, int nc, const char *const *v)
{
	struct fill_ctx *c = arg;
	long long id;
	struct srun *r;
	struct an_bench *b;

	if (nc < 22 || !v[0] || !v[1])
		return 0;
	id = atoll(v[0]);
	while (c->at < c->n && c->runs[c->at].id < id)
		c->at++;
	if (c->at == c->n || c->runs[c->at].id != id || c->runs[c->at].full)
		return 0;
	r = &c->runs[c->at];
	if (r->res->n_benches &&
	    (size_t)atoll(v[1]) + 1 <= r->res->n_benches)
		return 0; /* a second headline row: the first one counts */
	if (r->res->n_benches == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct an_bench *n = realloc(r->res->benches, cap * sizeof(*n));

		if (!n) {
			c->oom = true;
			return 1;
		}
		r->res->benches = n;
		r->cap = cap;
	}
	b = &r->res->benches[r->res->n_benches++];
	memset(b, 0, sizeof(*b));
	b->name = keep(&c->a, v[2]);
	b->family = keep(&c->a, v[3]);
	b->variant = keep(&c->a, v[4]);
	b->key = strdup(v[5] ? v[5] : "");
	b->key_nocpl = strdup(b->key ? b->key : "");
	b->status = keep(&c->a, v[6]);
	b->unit = keep(&c->a, v[7]);
	b->ok = v[6] && !strcmp(v[6], "ok");
	b->suspect = v[8] && atoi(v[8]);
	b->headline = keep(&c->a, v[9]);
	b->exits = b->expected_exits = b->counter_hz = NAN;
	b->cycles = (struct an_stats){
		.present = v[10] != NULL, .n = num(v[11]), .min = num(v[12]),
		.p10 = num(v[13]), .p50 = num(v[14]), .p90 = num(v[15]),
		.p99 = num(v[16]), .max = num(v[17]), .mean = num(v[18]),
		.stddev = num(v[19]), .ci95_low = num(v[20]),
		.ci95_high = num(v[21]),
	};
	b->vmm_user.present = false;
	if (!b->key || !b->key_nocpl)
		c->oom = true;
	return c->oom || c->a.oom;
}

static int cmp_id(const void *x, const void *y)
{
	const struct srun *a = x, *b = y;

	return (a->id > b->id) - (a->id < b->id);
}

static int fill(struct dash *d, void *arg, char *err, size_t errlen)
{
	static const char qr[] =
		"SELECT r.id, h.hostname, h.backend, r.suite, r.started,"
		" r.tool_git, h.arch, r.kernel FROM runs r"
		" JOIN hosts h ON h.id = r.host_id ORDER BY r.id";
	/* The headline's statistics: what a trend point and the runs table
	 * show (kind 'stats' is what made it the record's cycles). */
	static const char qb[] =
		"SELECT r.run_id, r.idx, r.name, r.family, r.variant, r.match_key,"
		" r.status, r.unit, r.suspect, r.headline, m.kind, m.n, m.min,"
		" m.p10, m.p50, m.p90, m.p99, m.max, m.mean, m.stddev,"
		" m.ci95_low, m.ci95_high FROM records r"
		" LEFT JOIN metrics m ON m.record_id = r.id AND m.name = r.headline"
		" AND m.kind = 'stats' ORDER BY r.run_id, r.idx";
	struct fill_ctx *c = arg;
	int ret = 0;

	if (db_query(c->db, qr, 0, NULL, run_row, c, err, errlen) ||
	    (!c->oom && mark_full(c)))
		ret = -1;
	qsort(c->runs, c->n, sizeof(*c->runs), cmp_id);
	if (!ret && !c->oom &&
	    db_query(c->db, qb, 0, NULL, record_row, c, err, errlen))
		ret = -1;
	if (!ret && (c->oom || c->a.oom)) {
		snprintf(err, errlen, "%s: out of memory", c->db->url);
		ret = -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct srun *r = &c->runs[i];
		json_t *doc;

		if (ret) {
			an_result_free(r->res);
		} else if (!r->full) {
			if (!r->res->n_benches) /* a run without records */
				r->res->benches = calloc(1, sizeof(*r->res->benches));
			ret = an_dash_add_result(d, r->rel, r->rel, r->res, err, errlen);
		} else {
			an_result_free(r->res);
			doc = db_run_doc(c->db, r->id, false, err, errlen);
			ret = doc ? an_dash_add(d, r->rel, r->rel, doc, err, errlen) : -1;
		}
		r->res = NULL;
	}
	return ret;
}

static json_t *reload(void *arg, const struct dash_file *f, char *err,
		      size_t errlen)
{
	long long id;

	if (sscanf(f->rel, "run %lld", &id) != 1) {
		snprintf(err, errlen, "%s: not a stored run", f->rel);
		return NULL;
	}
	return db_run_doc(arg, id, true, err, errlen);
}

int cmd_dashboard(int argc, char **argv)
{
	struct dash d = { 0 };
	struct fill_ctx c = { 0 };
	const char *url;
	struct db *db;
	char err[1024];
	int rc = an_dash_args(argc, argv, &d, &url);

	if (rc >= 0)
		return rc;
	if (!url)
		return an_dash_build(&d, NULL, NULL);
	rc = db_open(url, 0, &db, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "dashboard: %s\n", err);
		return rc == -2 ? AN_EXIT_USAGE : AN_EXIT_INPUT;
	}
	d.reload = reload;
	d.reload_arg = db;
	c.db = db;
	rc = an_dash_build(&d, fill, &c);
	free(c.runs);
	arena_free(&c.a);
	db_close(db);
	return rc;
}
