/* The results store (`hvbench db`): result files imported into one schema
 * kept by SQLite (a file, the default) or PostgreSQL (a server, for fleets),
 * queried, exported back to result files, read by the dashboard. */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* The schema this hvbench writes; a store at a newer version is refused. */
#define DB_SCHEMA_VERSION 2
#define DB_DEFAULT_PATH "results/hvbench.db"

struct db;

/* One row handed to a query's callback: @vals[i] is NULL for SQL NULL.
 * Returns 0 to go on, nonzero to stop (the query then returns it). */
typedef int (*db_row_fn)(void *arg, int ncols, const char *const *vals);

enum db_open_flags {
	DB_CREATE = 1 << 0, /* SQLite: make the file (and its folder) if missing */
	DB_NO_MIGRATE = 1 << 1, /* tests: open without bringing the schema up */
};

/* The store @url names: NULL means $HVBENCH_DB, else DB_DEFAULT_PATH. */
const char *db_url(const char *url);
bool db_url_is_pg(const char *url);

/*
 * Opens the store and brings its schema to DB_SCHEMA_VERSION (migrations,
 * one transaction each). Returns 0; -1 with "URL: why" in @err when it
 * cannot be opened; -2 when its schema is newer than this hvbench's (the
 * message names both versions).
 */
int db_open(const char *url, unsigned flags, struct db **out, char *err,
	    size_t errlen);
void db_close(struct db *db);
bool db_is_pg(const struct db *db);

/* Statements without parameters (DDL, BEGIN/COMMIT). */
int db_exec(struct db *db, const char *sql, char *err, size_t errlen);
/*
 * One statement with @n text parameters $1..$n (NULL for SQL NULL), never
 * spliced into the text. @sql must be a string that lives as long as @db
 * (a literal): the prepared statement is cached by its address. @fn may be
 * NULL. Returns 0, -1 with a message, or what @fn returned.
 */
int db_query(struct db *db, const char *sql, int n, const char *const *params,
	     db_row_fn fn, void *arg, char *err, size_t errlen);
int db_begin(struct db *db, char *err, size_t errlen);
int db_commit(struct db *db, char *err, size_t errlen);
/* Ends a batch first if one is open. */
void db_rollback(struct db *db);
/*
 * A batch: until db_batch_end, db_exec and db_query without a row callback
 * (@fn NULL) are sent without waiting for their answer (PostgreSQL's
 * pipeline mode: one round trip for the lot instead of one each); SQLite
 * runs each at once. db_batch_end waits for every answer and returns 0, or
 * -1 with the first statement's error (those after it were not run).
 * db_query with @fn is refused inside a batch.
 */
int db_batch_begin(struct db *db, char *err, size_t errlen);
int db_batch_end(struct db *db, char *err, size_t errlen);

/* The schema version the store is at (0 when empty), -1 on error. */
int db_version(struct db *db, char *err, size_t errlen);
/* Applies the migrations after the store's version up to @upto. */
int db_migrate(struct db *db, int upto, char *err, size_t errlen);

/* db_import.c: what happened to one file. */
enum db_import_status {
	DB_IMPORTED,
	DB_DUPLICATE, /* that content is stored already: nothing written */
	DB_SKIPPED, /* not a result file (corrupt, foreign): @err says why */
	DB_UNREADABLE, /* could not be read */
	DB_FAILED, /* the store failed: nothing of the file was written */
};
struct db_import_opts {
	bool no_samples; /* leave the raw samples out of the store */
};
/* Imports one result file in one transaction; *run_id is its run's id. */
enum db_import_status db_import_file(struct db *db, const char *path,
				     const struct db_import_opts *o,
				     long long *run_id, char *err,
				     size_t errlen);
/* The same for a document already in memory (hvbench run --db); takes a
 * reference of its own. */
enum db_import_status db_import_doc(struct db *db, json_t *root,
				    const char *path,
				    const struct db_import_opts *o,
				    long long *run_id, char *err,
				    size_t errlen);

/* db_export.c: the result document of run @id as it was imported (its
 * samples put back when @samples and stored). NULL with a message. */
json_t *db_run_doc(struct db *db, long long id, bool samples, char *err,
		   size_t errlen);
/* Every run's id, oldest first (by started); *ids is malloc'ed. */
int db_run_ids(struct db *db, long long **ids, size_t *n, char *err,
	       size_t errlen);

/* cmd_db.c */
int cmd_db(int argc, char **argv);
/* db_dash.c: `hvbench dashboard`, from a folder or (--db) the store */
int cmd_dashboard(int argc, char **argv);

#endif
