/* `hvbench db import`: one result file into the store, in one transaction,
 * keyed by the SHA-256 of its canonical JSON (keys sorted, no spaces), so a
 * file imported twice, or by two importers at once, is stored once. The
 * document is validated by the analysis loader first: what the store holds
 * is what compare, report and dashboard accept. */
#include "store/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/an_jsonfast.h"
#include "analysis/an_result.h"
#include "analysis/an_util.h"
#include "hvbench/sha256.h"

static int id_row(void *arg, int nc, const char *const *v)
{
	*(long long *)arg = nc > 0 && v[0] ? atoll(v[0]) : -1;
	return 0;
}

static const char *str_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static int put_host(struct db *db, const struct an_result *r, long long *id,
		    char *err, size_t errlen)
{
	static const char q[] =
		"INSERT INTO hosts (hostname, backend, arch, cpu_vendor, cpu_model)"
		" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hostname, backend, arch)"
		" DO UPDATE SET cpu_vendor = excluded.cpu_vendor,"
		" cpu_model = excluded.cpu_model RETURNING id";
	const char *p[] = { r->host.hostname, r->host.backend,
			    str_or(r->host.arch, ""), r->host.cpu_vendor,
			    r->host.cpu_model };

	*id = -1;
	return db_query(db, q, 5, p, id_row, id, err, errlen);
}

static int put_run(struct db *db, const struct an_result *r, long long host,
		   const char *hash, const char *path, const char *doc,
		   long long *id, char *err, size_t errlen)
{
	static const char q[] =
		"INSERT INTO runs (content_hash, host_id, suite, suite_file,"
		" suite_sha256, tool_version, tool_git, kernel, paging, emulated,"
		" tsc_khz, nr_cpus, cpl0_slowdown, started, finished, interrupted,"
		" load1_start, other_cpus_start, load1_end, other_cpus_end, source,"
		" imported_at, host_doc, doc) VALUES ($1, $2, $3, $4, $5, $6, $7,"
		" $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
		" $21, $22, $23, $24) ON CONFLICT (content_hash) DO NOTHING"
		" RETURNING id";
	json_t *suite = json_object_get(r->root, "suite");
	char hid[24], nb[7][32], now[32];
	char *host_doc = an_json_compact(json_object_get(r->root, "host"), true);
	time_t t = time(NULL);
	struct tm tm;
	int ret;

	if (!host_doc) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(hid, sizeof(hid), "%lld", host);
	const char *p[] = {
		hash, hid, r->suite_name,
		json_string_value(json_object_get(suite, "file")),
		json_string_value(json_object_get(suite, "sha256")),
		r->tool_version, r->tool_git, r->host.kernel, r->host.paging,
		r->host.emulated_known ? (r->host.emulated ? "1" : "0") : NULL,
		db_num(r->host.tsc_khz, nb[0]), db_num(r->host.nr_cpus, nb[1]),
		db_num(r->host.cpl0_slowdown, nb[2]), r->started, r->finished,
		r->interrupted ? "1" : "0", db_num(r->load_start.load1, nb[3]),
		db_num(r->load_start.other_cpus, nb[4]),
		db_num(r->load_end.load1, nb[5]),
		db_num(r->load_end.other_cpus, nb[6]), path, now, host_doc, doc,
	};
	*id = -1;
	ret = db_query(db, q, 24, p, id_row, id, err, errlen);
	free(host_doc);
	return ret;
}

/* The record is named by its run and index ($1, $2), not its id: in a
 * batch (PostgreSQL's pipeline) nothing waits for the id the INSERT made. */
static int put_metric(struct db *db, const char *run, const char *idx,
		      const struct an_metric *m, char *err, size_t errlen)
{
	static const char q[] =
		"INSERT INTO metrics (record_id, name, unit, kind, part_of, what,"
		" n, min, p10, p50, p90, p99, max, mean, stddev, ci95_low,"
		" ci95_high, value) VALUES ((SELECT id FROM records WHERE"
		" run_id = $1 AND idx = $2), $3, $4, $5, $6, $7, $8, $9, $10,"
		" $11, $12, $13, $14, $15, $16, $17, $18, $19)";
	const struct an_stats *s = &m->st;
	bool st = m->stats && s->present;
	char nb[12][32];
	const char *p[] = {
		run, idx, m->name, m->unit, m->stats ? "stats" : "value", m->part_of,
		m->what,
		st ? db_num(s->n, nb[0]) : NULL, st ? db_num(s->min, nb[1]) : NULL,
		st ? db_num(s->p10, nb[2]) : NULL, st ? db_num(s->p50, nb[3]) : NULL,
		st ? db_num(s->p90, nb[4]) : NULL, st ? db_num(s->p99, nb[5]) : NULL,
		st ? db_num(s->max, nb[6]) : NULL, st ? db_num(s->mean, nb[7]) : NULL,
		st ? db_num(s->stddev, nb[8]) : NULL,
		st ? db_num(s->ci95_low, nb[9]) : NULL,
		st ? db_num(s->ci95_high, nb[10]) : NULL,
		m->stats ? NULL : db_num(m->value, nb[11]),
	};

	return db_query(db, q, 19, p, NULL, NULL, err, errlen);
}

static int put_record(struct db *db, long long run, size_t idx,
		      const struct an_bench *b, json_t *samples,
		      const char *data, char *err, size_t errlen)
{
	static const char q[] =
		"INSERT INTO records (run_id, idx, name, family, variant,"
		" match_key, params, status, reason, unit, headline, suspect,"
		" exits_per_op, expected_exits_per_op) VALUES ($1, $2, $3, $4, $5,"
		" $6, $7, $8, $9, $10, $11, $12, $13, $14)";
	static const char qs[] =
		"INSERT INTO samples (record_id, n, data) VALUES ((SELECT id FROM"
		" records WHERE run_id = $1 AND idx = $2), $3, $4)";
	char run_s[24], idx_s[24], n_s[24], nb[2][32];
	char *params = b->params ? an_json_compact(b->params, true) :
				   strdup("{}");
	int ret;

	if (!params) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(run_s, sizeof(run_s), "%lld", run);
	snprintf(idx_s, sizeof(idx_s), "%zu", idx);
	const char *p[] = {
		run_s, idx_s, b->name, b->family, b->variant, b->key, params,
		b->status, b->reason, b->unit, b->headline, b->suspect ? "1" : "0",
		db_num(b->exits, nb[0]), db_num(b->expected_exits, nb[1]),
	};
	ret = db_query(db, q, 14, p, NULL, NULL, err, errlen);
	free(params);
	if (ret)
		return ret;
	for (size_t k = 0; k < b->n_metrics; k++)
		if ((ret = put_metric(db, run_s, idx_s, &b->metrics[k], err,
				      errlen)))
			return ret;
	if (samples && data) {
		const char *ps[] = { run_s, idx_s, n_s, data };

		snprintf(n_s, sizeof(n_s), "%zu", json_array_size(samples));
		ret = db_query(db, qs, 4, ps, NULL, NULL, err, errlen);
	}
	return ret;
}

/* The document as stored: without its records' raw samples, which go to
 * their own table. @samples[i] takes record i's (or NULL), @stext[i] its
 * compact JSON text; *@canon the same with keys sorted, for the key. The
 * stored one keeps the writer's key order: a reader takes a breakdown's
 * parts (segments) in that order. */
static char *doc_without_samples(json_t *root, json_t **samples,
				 char **stext, size_t n, char **canon)
{
	json_t *benches = json_object_get(root, "benchmarks");
	char *doc;

	for (size_t i = 0; i < n; i++) {
		json_t *b = json_array_get(benches, i);
		json_t *s = json_object_get(b, "samples");

		samples[i] = json_is_array(s) ? json_incref(s) : NULL;
		if (samples[i]) {
			json_object_del(b, "samples");
			stext[i] = an_json_compact(samples[i], false);
			if (!stext[i])
				return NULL;
		}
	}
	doc = an_json_compact(root, false);
	*canon = an_json_compact(root, true);
	for (size_t i = 0; i < n; i++)
		if (samples[i])
			json_object_set(json_array_get(benches, i), "samples",
					samples[i]);
	return doc;
}

/* The content key: SHA-256 of the canonical document without samples,
 * then of every record's samples ("\n<index>:" and the compact array):
 * the same content gives the same key whatever its spacing or key order,
 * and each array is encoded once for both the key and the store. */
static void content_hash(const char *doc, char **stext, size_t n,
			 char hash[65], bool *oom)
{
	struct an_buf b = { 0 };

	an_buf_put(&b, doc);
	for (size_t i = 0; i < n; i++)
		if (stext[i]) {
			an_buf_printf(&b, "\n%zu:", i);
			an_buf_put(&b, stext[i]);
		}
	*oom = b.oom;
	if (!b.oom)
		sha256_hex(b.s, b.len, hash);
	an_buf_free(&b);
}

static enum db_import_status store(struct db *db, struct an_result *r,
				   const char *path,
				   const struct db_import_opts *o,
				   long long *run_id, char *err, size_t errlen)
{
	char hash[65], *doc = NULL, *canon = NULL;
	json_t **samples = calloc(r->n_benches + 1, sizeof(*samples));
	char **stext = calloc(r->n_benches + 1, sizeof(*stext));
	long long host = -1, run = -1;
	enum db_import_status st = DB_FAILED;
	char e2[768];
	bool oom = true;

	if (samples && stext)
		doc = doc_without_samples(r->root, samples, stext, r->n_benches,
					  &canon);
	if (doc && canon)
		content_hash(canon, stext, r->n_benches, hash, &oom);
	if (oom) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (db_begin(db, e2, sizeof(e2)))
		goto dberr;
	if (put_host(db, r, &host, e2, sizeof(e2)) ||
	    put_run(db, r, host, hash, path, doc, &run, e2, sizeof(e2)))
		goto rollback;
	if (run < 0) {
		/* ON CONFLICT: the same content is stored; nothing written */
		db_rollback(db);
		snprintf(err, errlen, "%s: stored already (sha256 %.16s…)", path,
			 hash);
		st = DB_DUPLICATE;
		goto out;
	}
	/* The records, their metrics and samples and the COMMIT in one batch:
	 * one round trip to a server. Stored only when the COMMIT answered. */
	if (db_batch_begin(db, e2, sizeof(e2)))
		goto rollback;
	for (size_t i = 0; i < r->n_benches; i++)
		if (put_record(db, run, i, &r->benches[i],
			       o && o->no_samples ? NULL : samples[i], stext[i],
			       e2, sizeof(e2)))
			goto rollback;
	if (db_commit(db, e2, sizeof(e2)) || db_batch_end(db, e2, sizeof(e2)))
		goto rollback;
	*run_id = run;
	st = DB_IMPORTED;
	goto out;
rollback:
	db_rollback(db);
dberr:
	snprintf(err, errlen, "%s: not stored: %s", path, e2);
out:
	for (size_t i = 0; samples && i < r->n_benches; i++)
		json_decref(samples[i]);
	for (size_t i = 0; stext && i < r->n_benches; i++)
		free(stext[i]);
	free(samples);
	free(stext);
	free(doc);
	free(canon);
	return st;
}

enum db_import_status db_import_doc(struct db *db, json_t *root,
				    const char *path,
				    const struct db_import_opts *o,
				    long long *run_id, char *err, size_t errlen)
{
	struct an_result *r;
	enum db_import_status st;

	*run_id = -1;
	if (an_result_from_json(json_incref(root), path, AN_LOAD_SAMPLES, &r,
				err, errlen))
		return DB_SKIPPED;
	st = store(db, r, path, o, run_id, err, errlen);
	an_result_free(r);
	return st;
}

enum db_import_status db_import_file(struct db *db, const char *path,
				     const struct db_import_opts *o,
				     long long *run_id, char *err, size_t errlen)
{
	struct an_result *r;
	enum db_import_status st;
	int rc;

	*run_id = -1;
	rc = an_result_load(path, AN_LOAD_SAMPLES, &r, err, errlen);
	if (rc)
		return rc == -2 ? DB_UNREADABLE : DB_SKIPPED;
	st = store(db, r, path, o, run_id, err, errlen);
	an_result_free(r);
	return st;
}
