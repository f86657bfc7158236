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

static int pg_exec(struct db *db, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(db->h, sql);
	int st = PQresultStatus(res), ret = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_err(db, PQresultErrorMessage(res), err, errlen);
		ret = -1;
	}
	PQclear(res);
	return ret;
}

static int pg_query(struct db *db, const char *sql, int n,
		    const char *const *params, db_row_fn fn, void *arg,
		    char *err, size_t errlen)
{
	const char *vals[DB_MAX_COLS];
	char name[32];
	PGresult *res;
	int slot = -1, st, ret = 0;

	for (int i = 0; i < db->n_cache; i++)
		if (db->cache[i].sql == sql)
			slot = i;
	if (slot < 0) {
		if (db->n_cache == DB_STMT_CACHE) {
			snprintf(err, errlen, "%s: more than %d statements", db->url,
				 DB_STMT_CACHE);
			return -1;
		}
		slot = db->n_cache;
		snprintf(name, sizeof(name), "hvbench_%d", slot);
		res = PQprepare(db->h, name, sql, n, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			pg_err(db, PQresultErrorMessage(res), err, errlen);
			PQclear(res);
			return -1;
		}
		PQclear(res);
		db->cache[slot].sql = sql;
		db->cache[slot].stmt = (void *)(intptr_t)slot;
		db->n_cache++;
	}
	snprintf(name, sizeof(name), "hvbench_%d", slot);
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
