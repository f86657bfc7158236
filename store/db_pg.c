/* The store on PostgreSQL through libpq, for fleets: statements are
 * prepared once per connection (PQprepare) and run with their parameters
 * apart from the text (PQexecPrepared), never spliced. */
#include "store/db_int.h"

#include <stdio.h>

#ifndef HVBENCH_PG
/* Built without libpq (Makefile: PG_CFLAGS): a PostgreSQL store is then
 * unsupported, and says why. */
int db_pg_open(struct db *db, const char *url, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "%s: this hvbench was built without PostgreSQL support (no libpq-dev for its architecture at build time)",
		 db->url);
	return -1;
}
#else
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

/* libpq's messages end in a newline; a one-line error has none. */
static void pg_err(struct db *db, const char *msg, char *err, size_t errlen)
{
	size_t l;

	snprintf(err, errlen, "%s: %s", db->url, msg && *msg ? msg :
		 PQerrorMessage(db->h));
	l = strlen(err);
	while (l && (err[l - 1] == '\n' || err[l - 1] == ' '))
		err[--l] = 0;
	for (char *p = err; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* In a batch: a statement sent (its answer read by pg_batch_end). */
static int pg_sent(struct db *db, int ok, char *err, size_t errlen)
{
	if (!ok) {
		pg_err(db, NULL, err, errlen);
		return -1;
	}
	db->n_queued++;
	return 0;
}

static int pg_exec(struct db *db, const char *sql, char *err, size_t errlen)
{
	PGresult *res;
	int st, ret = 0;

	if (db->batch)
		return pg_sent(db, PQsendQueryParams(db->h, sql, 0, NULL, NULL,
						     NULL, NULL, 0), err, errlen);
	res = PQexec(db->h, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_err(db, PQresultErrorMessage(res), err, errlen);
		ret = -1;
	}
	PQclear(res);
	return ret;
}

/* The statement @sql's slot in the cache, prepared (in a batch: the
 * PREPARE sent ahead of it) when it is new; -1 with a message. */
static int pg_prepared(struct db *db, const char *sql, int n, char *err,
		       size_t errlen)
{
	char name[32];
	PGresult *res;
	int slot;

	for (int i = 0; i < db->n_cache; i++)
		if (db->cache[i].sql == sql)
			return i;
	if (db->n_cache == DB_STMT_CACHE) {
		snprintf(err, errlen, "%s: more than %d statements", db->url,
			 DB_STMT_CACHE);
		return -1;
	}
	slot = db->n_cache;
	snprintf(name, sizeof(name), "hvbench_%d", db->n_named);
	if (db->batch) {
		if (pg_sent(db, PQsendPrepare(db->h, name, sql, n, NULL), err,
			    errlen))
			return -1;
	} else {
		res = PQprepare(db->h, name, sql, n, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			pg_err(db, PQresultErrorMessage(res), err, errlen);
			PQclear(res);
			return -1;
		}
		PQclear(res);
	}
	db->cache[slot].sql = sql;
	db->cache[slot].stmt = (void *)(intptr_t)db->n_named++;
	db->n_cache++;
	return slot;
}

static int pg_query(struct db *db, const char *sql, int n,
		    const char *const *params, db_row_fn fn, void *arg,
		    char *err, size_t errlen)
{
	const char *vals[DB_MAX_COLS];
	char name[32];
	PGresult *res;
	int slot, st, ret = 0;

	if (db->batch && fn) {
		snprintf(err, errlen, "%s: a query that returns rows inside a batch",
			 db->url);
		return -1;
	}
	slot = pg_prepared(db, sql, n, err, errlen);
	if (slot < 0)
		return -1;
	snprintf(name, sizeof(name), "hvbench_%d", (int)(intptr_t)db->cache[slot].stmt);
	if (db->batch)
		return pg_sent(db, PQsendQueryPrepared(db->h, name, n, params,
						       NULL, NULL, 0), err, errlen);
	res = PQexecPrepared(db->h, name, n, params, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_err(db, PQresultErrorMessage(res), err, errlen);
		PQclear(res);
		return -1;
	}
	for (int r = 0; fn && r < PQntuples(res) && !ret; r++) {
		int nc = PQnfields(res);

		if (nc > DB_MAX_COLS)
			nc = DB_MAX_COLS;
		for (int c = 0; c < nc; c++)
			vals[c] = PQgetisnull(res, r, c) ? NULL :
							   PQgetvalue(res, r, c);
		ret = fn(arg, nc, vals);
	}
	PQclear(res);
	return ret;
}

static int pg_batch_begin(struct db *db, char *err, size_t errlen)
{
	if (!PQenterPipelineMode(db->h)) {
		pg_err(db, NULL, err, errlen);
		return -1;
	}
	return 0;
}

/* Sync, then every answer in order: each statement's results and a NULL,
 * then the sync's. After an error the server skips to the sync (those
 * statements answer PIPELINE_ABORTED); the first error is the message. */
static int pg_batch_end(struct db *db, char *err, size_t errlen)
{
	bool failed = false;
	PGresult *res;

	if (!PQpipelineSync(db->h)) {
		pg_err(db, NULL, err, errlen);
		failed = true;
		goto out;
	}
	for (int q = 0; q <= db->n_queued; q++) {
		while ((res = PQgetResult(db->h))) {
			int st = PQresultStatus(res);

			if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
			    st != PGRES_PIPELINE_SYNC && !failed) {
				pg_err(db, st == PGRES_PIPELINE_ABORTED ?
				       "a statement before failed" :
				       PQresultErrorMessage(res), err, errlen);
				failed = true;
			}
			PQclear(res);
			if (st == PGRES_PIPELINE_SYNC)
				goto out;
		}
		if (PQstatus(db->h) == CONNECTION_BAD) {
			if (!failed)
				pg_err(db, NULL, err, errlen);
			failed = true;
			break;
		}
	}
out:
	if (!PQexitPipelineMode(db->h) && !failed) {
		pg_err(db, NULL, err, errlen);
		failed = true;
	}
	if (failed) /* what this batch prepared may not be there */
		db->n_cache = db->batch_cache;
	db->n_queued = 0;
	return failed ? -1 : 0;
}

static int pg_begin(struct db *db, char *err, size_t errlen)
{
	return pg_exec(db, "BEGIN", err, errlen);
}

static void pg_close(struct db *db)
{
	PQfinish(db->h);
}

static const struct db_ops pg_ops = {
	.exec = pg_exec,
	.query = pg_query,
	.begin = pg_begin,
	.batch_begin = pg_batch_begin,
	.batch_end = pg_batch_end,
	.close = pg_close,
};

/* CREATE ... IF NOT EXISTS and friends say NOTICE: not for the user. */
static void pg_quiet(void *arg, const char *msg)
{
}

int db_pg_open(struct db *db, const char *url, char *err, size_t errlen)
{
	PGconn *c = PQconnectdb(url);

	db->h = c;
	db->ops = &pg_ops;
	if (!c || PQstatus(c) != CONNECTION_OK) {
		pg_err(db, c ? NULL : "out of memory", err, errlen);
		return -1;
	}
	PQsetNoticeProcessor(c, pg_quiet, NULL);
	return pg_exec(db, "SET client_min_messages = warning", err, errlen);
}
#endif
