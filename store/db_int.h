/* Internal to the store (store/db*.c): one connection, whichever engine
 * keeps it, behind the same few calls. */
#ifndef STORE_DB_INT_H
#define STORE_DB_INT_H

#include "store/db.h"

struct db_ops {
	int (*exec)(struct db *db, const char *sql, char *err, size_t errlen);
	int (*query)(struct db *db, const char *sql, int n,
		     const char *const *params, db_row_fn fn, void *arg,
		     char *err, size_t errlen);
	/* BEGIN, taking the write lock at once (SQLite: IMMEDIATE) */
	int (*begin)(struct db *db, char *err, size_t errlen);
	/* NULL where each statement runs at once anyway (SQLite) */
	int (*batch_begin)(struct db *db, char *err, size_t errlen);
	int (*batch_end)(struct db *db, char *err, size_t errlen);
	void (*close)(struct db *db);
};

#define DB_MAX_COLS 64
#define DB_STMT_CACHE 64

struct db {
	const struct db_ops *ops;
	char *url;
	bool pg;
	void *h; /* sqlite3 * or PGconn * */
	struct {
		const char *sql; /* the literal's address */
		void *stmt; /* sqlite3_stmt *, or the PG statement's number */
	} cache[DB_STMT_CACHE];
	int n_cache;
	/* PostgreSQL: statements are named by this counter, never reused */
	int n_named;
	/* in a batch (db_batch_begin): statements sent, not yet answered;
	 * the cache's size when it began (what was prepared inside a batch
	 * that failed is prepared again) */
	bool batch;
	int n_queued, batch_cache;
};

int db_sqlite_open(struct db *db, const char *path, unsigned flags,
		   char *err, size_t errlen);
int db_pg_open(struct db *db, const char *url, char *err, size_t errlen);

/* "%.17g", or NULL (SQL NULL) for NAN and infinities. */
const char *db_num(double v, char buf[32]);

#endif
