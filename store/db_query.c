/* `hvbench db query`: the named questions a fleet asks of its store —
 * the latest run per host and suite, the history of one benchmark row,
 * and which hosts are slower than a baseline host (by compare's verdicts:
 * analysis/compare.c, the same rules as `hvbench compare`). */
#include "store/db_query.h"
#include "store/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_compare.h"

int db_q_latest(struct db *db, const char *host, struct db_table *t,
		char *err, size_t errlen)
{
	static const char *const cols[] = {
		"host", "backend", "arch", "suite", "run", "started", "kernel",
		"git", "records", "ok",
	};
	static const char q[] =
		"SELECT h.hostname, h.backend, h.arch, r.suite, r.id, r.started,"
		" r.kernel, r.tool_git,"
		" (SELECT count(*) FROM records c WHERE c.run_id = r.id),"
		" (SELECT count(*) FROM records c WHERE c.run_id = r.id"
		"  AND c.status = 'ok')"
		" FROM runs r JOIN hosts h ON h.id = r.host_id"
		" WHERE h.hostname = COALESCE($1, h.hostname) AND r.id ="
		" (SELECT r2.id FROM runs r2 WHERE r2.host_id = r.host_id"
		"  AND r2.suite = r.suite ORDER BY r2.started DESC, r2.id DESC"
		"  LIMIT 1)"
		" ORDER BY h.hostname, h.backend, h.arch, r.suite";
	const char *p[] = { host };

	t->cols = cols;
	t->kinds = "ssssisssii";
	t->ncols = 10;
	return db_query(db, q, 1, p, db_table_row, t, err, errlen);
}

int db_q_history(struct db *db, const char *name, const char *host,
		 const char *variant, struct db_table *t, char *err,
		 size_t errlen)
{
	static const char *const cols[] = {
		"host", "backend", "started", "kernel", "git", "run", "variant",
		"params", "status", "unit", "metric", "n", "p50", "ci95_low",
		"ci95_high", "mean", "stddev",
	};
	static const char q[] =
		"SELECT h.hostname, h.backend, r.started, r.kernel, r.tool_git,"
		" r.id, c.variant, c.params, c.status, c.unit, c.headline, m.n,"
		" m.p50, m.ci95_low, m.ci95_high, m.mean, m.stddev"
		" FROM records c JOIN runs r ON r.id = c.run_id"
		" JOIN hosts h ON h.id = r.host_id"
		" LEFT JOIN metrics m ON m.record_id = c.id AND m.name = c.headline"
		" WHERE c.name = $1 AND h.hostname = COALESCE($2, h.hostname)"
		" AND COALESCE(c.variant, '') = COALESCE($3, c.variant, '')"
		" ORDER BY h.hostname, h.backend, c.match_key, r.started, r.id";
	const char *p[] = { name, host, variant };

	t->cols = cols;
	t->kinds = "sssssisssssnnnnnn";
	t->ncols = 17;
	return db_query(db, q, 3, p, db_table_row, t, err, errlen);
}

/* slower: the latest run of every host and suite, as (run, host, backend,
 * suite, started, kernel, git). */
static int latest_runs(struct db *db, struct db_table *t, char *err,
		       size_t errlen)
{
	static const char *const cols[] = { "run", "host", "backend", "suite",
					    "started", "kernel", "git" };
	static const char q[] =
		"SELECT r.id, h.hostname, h.backend, r.suite, r.started, r.kernel,"
		" r.tool_git FROM runs r JOIN hosts h ON h.id = r.host_id"
		" WHERE r.id = (SELECT r2.id FROM runs r2"
		"  WHERE r2.host_id = r.host_id AND r2.suite = r.suite"
		"  ORDER BY r2.started DESC, r2.id DESC LIMIT 1)"
		" ORDER BY h.hostname, h.backend, r.suite";

	t->cols = cols;
	t->kinds = "issssss";
	t->ncols = 7;
	return db_query(db, q, 0, NULL, db_table_row, t, err, errlen);
}

static struct an_result *load_run(struct db *db, long long id, char *err,
				  size_t errlen)
{
	json_t *doc = db_run_doc(db, id, false, err, errlen);
	struct an_result *r;
	char name[64];

	if (!doc)
		return NULL;
	snprintf(name, sizeof(name), "run %lld", id);
	if (an_result_from_json(doc, name, 0, &r, err, errlen))
		return NULL;
	return r;
}

static const char *cell(const struct db_table *t, size_t r, int c)
{
	return t->cells[r * t->ncols + c];
}

int db_q_slower(struct db *db, const struct db_slower_opts *o,
		struct db_table *out, size_t *n_slower_hosts, char *err,
		size_t errlen)
{
	static const char *const cols[] = {
		"host", "backend", "suite", "run", "started", "kernel", "git",
		"benchmark", "unit", "baseline", "value", "ratio", "ratio_ci95_low",
		"ratio_ci95_high", "p",
	};
	struct db_table runs = { 0 };
	struct an_result *base = NULL;
	struct an_cmp_opts co;
	size_t bi = (size_t)-1;
	int ret = -1;

	out->cols = cols;
	out->kinds = "sssisssssnnnnnn";
	out->ncols = 15;
	*n_slower_hosts = 0;
	an_cmp_opts_default(&co);
	if (o->threshold > 0)
		co.threshold = o->threshold;
	if (latest_runs(db, &runs, err, errlen))
		goto out;
	for (size_t i = 0; i < runs.nrows; i++) {
		const char *h = cell(&runs, i, 1), *b = cell(&runs, i, 2),
			   *s = cell(&runs, i, 3);

		if (strcmp(h, o->baseline) ||
		    (o->backend && strcmp(b, o->backend)) ||
		    (o->suite && (!s || strcmp(s, o->suite))))
			continue;
		if (bi != (size_t)-1) {
			snprintf(err, errlen,
				 "%s: baseline host '%s' has several latest runs (backends or suites): say which with --backend or --suite",
				 db->url, o->baseline);
			goto out;
		}
		bi = i;
	}
	if (bi == (size_t)-1) {
		snprintf(err, errlen, "%s: no run of baseline host '%s'%s%s",
			 db->url, o->baseline, o->suite ? " with suite " : "",
			 o->suite ? o->suite : "");
		goto out;
	}
	base = load_run(db, atoll(cell(&runs, bi, 0)), err, errlen);
	if (!base)
		goto out;
	for (size_t i = 0; i < runs.nrows; i++) {
		const char *s = cell(&runs, i, 3), *bs = cell(&runs, bi, 3);
		struct an_result *cur, *pair[2];
		struct an_cmp c;
		char e2[768];
		size_t before = out->nrows;

		if (i == bi || (s && bs ? strcmp(s, bs) : s != bs))
			continue;
		cur = load_run(db, atoll(cell(&runs, i, 0)), e2, sizeof(e2));
		if (!cur || an_compare_pair(base, cur, &co, &c, e2, sizeof(e2))) {
			fprintf(stderr, "db query slower: %s (%s): %s\n",
				cell(&runs, i, 1), cell(&runs, i, 2), e2);
			an_result_free(cur);
			continue;
		}
		pair[0] = base;
		pair[1] = cur;
		for (size_t k = 0; k < c.n_rows; k++) {
			const struct an_cmp_row *row = &c.rows[k];
			char nb[6][32], *label;

			if (row->verdict != AN_V_SLOWER)
				continue;
			label = an_bench_label(pair, 2, row->base);
			const char *v[] = {
				cell(&runs, i, 1), cell(&runs, i, 2), s,
				cell(&runs, i, 0), cell(&runs, i, 4),
				cell(&runs, i, 5), cell(&runs, i, 6),
				label ? label : row->base->name,
				c.mode == AN_CMP_NS ? "ns" :
				c.mode == AN_CMP_RATIO ? "ratio" : c.base_unit,
				db_num(row->base_val, nb[0]),
				db_num(row->cur_val, nb[1]), db_num(row->ratio, nb[2]),
				db_num(row->lo, nb[3]), db_num(row->hi, nb[4]),
				db_num(row->p, nb[5]),
			};
			db_table_row(out, 15, v);
			free(label);
		}
		if (out->nrows > before)
			(*n_slower_hosts)++;
		an_cmp_free(&c);
		an_result_free(cur);
	}
	ret = out->oom ? -1 : 0;
	if (out->oom)
		snprintf(err, errlen, "%s: out of memory", db->url);
out:
	an_result_free(base);
	db_table_free(&runs);
	return ret;
}
