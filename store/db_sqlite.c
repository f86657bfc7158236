/* The store on SQLite: a file, nothing to start. Statements are prepared
 * once per connection and reused; parameters are bound, never spliced. */
#include "store/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static int sq_exec(struct db *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db->url,
			 msg ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Our statements are written with PostgreSQL's $1..$n; SQLite numbers
 * them ?1..?n. Only the literal's own text is rewritten. */
static sqlite3_stmt *sq_prepare(struct db *db, const char *sql, char *err,
				size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char *s;

	for (int i = 0; i < db->n_cache; i++)
		if (db->cache[i].sql == sql)
			return db->cache[i].stmt;
	s = strdup(sql);
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", db->url);
		return NULL;
	}
	for (char *p = s; *p; p++)
		if (*p == '$' && p[1] >= '0' && p[1] <= '9')
			*p = '?';
	if (sqlite3_prepare_v3(db->h, s, -1, SQLITE_PREPARE_PERSISTENT, &st,
			       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db->url, sqlite3_errmsg(db->h));
		free(s);
		return NULL;
	}
	free(s);
	if (db->n_cache < DB_STMT_CACHE) {
		db->cache[db->n_cache].sql = sql;
		db->cache[db->n_cache++].stmt = st;
	}
	return st;
}

static int sq_query(struct db *db, const char *sql, int n,
		    const char *const *params, db_row_fn fn, void *arg,
		    char *err, size_t errlen)
{
	sqlite3_stmt *st = sq_prepare(db, sql, err, errlen);
	const char *vals[DB_MAX_COLS];
	bool cached = false;
	int rc, ret = 0;

	if (!st)
		return -1;
	for (int i = 0; i < db->n_cache; i++)
		cached |= db->cache[i].stmt == (void *)st;
	for (int i = 0; i < n; i++) {
		rc = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1,
						   SQLITE_STATIC) :
				 sqlite3_bind_null(st, i + 1);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "%s: binding $%d: %s", db->url,
				 i + 1, sqlite3_errmsg(db->h));
			ret = -1;
			goto out;
		}
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int nc = sqlite3_column_count(st);

		if (nc > DB_MAX_COLS)
			nc = DB_MAX_COLS;
		for (int c = 0; c < nc; c++)
			vals[c] = (const char *)sqlite3_column_text(st, c);
		if (fn && (ret = fn(arg, nc, vals)))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", db->url, sqlite3_errmsg(db->h));
		ret = -1;
	}
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (!cached)
		sqlite3_finalize(st);
	return ret;
}

static int sq_begin(struct db *db, char *err, size_t errlen)
{
	return sq_exec(db, "BEGIN IMMEDIATE", err, errlen);
}

static void sq_close(struct db *db)
{
	for (int i = 0; i < db->n_cache; i++)
		sqlite3_finalize(db->cache[i].stmt);
	sqlite3_close(db->h);
}

static const struct db_ops sq_ops = {
	.exec = sq_exec,
	.query = sq_query,
	.begin = sq_begin,
	.close = sq_close,
};

int db_sqlite_open(struct db *db, const char *path, unsigned flags,
		   char *err, size_t errlen)
{
	int of = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	sqlite3 *h = NULL;

	if (flags & DB_CREATE)
		of |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &h, of, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open the store: %s", path,
			 h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return -1;
	}
	db->ops = &sq_ops;
	db->h = h;
	/* Importers that run at once wait for each other's transaction
	 * (each holds the write lock for one file) instead of failing. */
	sqlite3_busy_timeout(h, 60000);
	/* Turning a new file to WAL takes its exclusive lock, and SQLite
	 * answers "database is locked" at once, without the busy handler,
	 * while another importer creates the same new store: wait for it
	 * here as the busy timeout would (60 s). */
	for (int tries = 0;; tries++) {
		char *msg = NULL;
		int rc = sqlite3_exec(h, "PRAGMA journal_mode = WAL", NULL, NULL, &msg);

		sqlite3_free(msg);
		if (rc == SQLITE_OK)
			break;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || tries >= 6000) {
			snprintf(err, errlen, "%s: %s", db->url, sqlite3_errmsg(h));
			return -1;
		}
		sqlite3_sleep(10);
	}
	if (sq_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;", err, errlen))
		return -1;
	return 0;
}
