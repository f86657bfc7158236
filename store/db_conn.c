/* Opening the store (SQLite file or PostgreSQL URL), its schema and the
 * migrations that bring an older store up to this hvbench's version. */
#include "store/db_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/an_jsonfast.h"

const char *db_url(const char *url)
{
	const char *env = getenv("HVBENCH_DB");

	if (url && *url)
		return url;
	return env && *env ? env : DB_DEFAULT_PATH;
}

bool db_url_is_pg(const char *url)
{
	return !strncmp(url, "postgresql://", 13) ||
	       !strncmp(url, "postgres://", 11);
}

/* A URL as messages show it: a password in it becomes "***". */
static char *display_url(const char *url)
{
	const char *s = strstr(url, "://"), *at, *colon;
	char *out;

	if (!db_url_is_pg(url) || !s)
		return strdup(url);
	s += 3;
	at = strchr(s, '@');
	colon = strchr(s, ':');
	if (!at || !colon || colon > at || strchr(s, '/') < at)
		return strdup(url);
	if (asprintf(&out, "%.*s***%s", (int)(colon + 1 - url), url, at) < 0)
		return NULL;
	return out;
}

const char *db_num(double v, char buf[32])
{
	if (!isfinite(v))
		return NULL;
	an_fmt_g17(v, buf); /* "%.17g", faster */
	return buf;
}

bool db_is_pg(const struct db *db)
{
	return db->pg;
}

int db_exec(struct db *db, const char *sql, char *err, size_t errlen)
{
	return db->ops->exec(db, sql, err, errlen);
}

int db_query(struct db *db, const char *sql, int n, const char *const *params,
	     db_row_fn fn, void *arg, char *err, size_t errlen)
{
	return db->ops->query(db, sql, n, params, fn, arg, err, errlen);
}

int db_begin(struct db *db, char *err, size_t errlen)
{
	return db->ops->begin(db, err, errlen);
}

int db_commit(struct db *db, char *err, size_t errlen)
{
	return db->ops->exec(db, "COMMIT", err, errlen);
}

void db_rollback(struct db *db)
{
	char err[256];

	if (db->batch)
		db_batch_end(db, err, sizeof(err));
	db->ops->exec(db, "ROLLBACK", err, sizeof(err));
}

int db_batch_begin(struct db *db, char *err, size_t errlen)
{
	if (db->batch) {
		snprintf(err, errlen, "%s: a batch is open already", db->url);
		return -1;
	}
	if (db->ops->batch_begin && db->ops->batch_begin(db, err, errlen))
		return -1;
	db->batch = true;
	db->n_queued = 0;
	db->batch_cache = db->n_cache;
	return 0;
}

int db_batch_end(struct db *db, char *err, size_t errlen)
{
	int ret = 0;

	if (!db->batch)
		return 0;
	if (db->ops->batch_end)
		ret = db->ops->batch_end(db, err, errlen);
	db->batch = false;
	return ret;
}

/*
 * The migrations, oldest first; a store at version N has had 1..N applied.
 * @ID@ is the engine's auto-numbered key (the only spelling that differs).
 * v1: the tables the queries need; v2: the stored samples and the indexes
 * of the named questions.
 */
static const char *const migrations[DB_SCHEMA_VERSION] = {
	"CREATE TABLE hosts (id @ID@, hostname TEXT NOT NULL,"
	" backend TEXT NOT NULL, arch TEXT NOT NULL, cpu_vendor TEXT,"
	" cpu_model TEXT, UNIQUE (hostname, backend, arch));"
	"CREATE TABLE runs (id @ID@, content_hash TEXT NOT NULL UNIQUE,"
	" host_id BIGINT NOT NULL REFERENCES hosts (id), suite TEXT,"
	" suite_file TEXT, suite_sha256 TEXT, tool_version TEXT, tool_git TEXT,"
	" kernel TEXT, paging TEXT, emulated INTEGER,"
	" tsc_khz DOUBLE PRECISION, nr_cpus DOUBLE PRECISION,"
	" cpl0_slowdown DOUBLE PRECISION, started TEXT, finished TEXT,"
	" interrupted INTEGER NOT NULL, load1_start DOUBLE PRECISION,"
	" other_cpus_start DOUBLE PRECISION, load1_end DOUBLE PRECISION,"
	" other_cpus_end DOUBLE PRECISION, source TEXT, imported_at TEXT NOT NULL,"
	" host_doc TEXT NOT NULL, doc TEXT NOT NULL);"
	"CREATE TABLE records (id @ID@,"
	" run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, name TEXT NOT NULL, family TEXT, variant TEXT,"
	" match_key TEXT NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL,"
	" reason TEXT, unit TEXT, headline TEXT, suspect INTEGER NOT NULL,"
	" exits_per_op DOUBLE PRECISION, expected_exits_per_op DOUBLE PRECISION,"
	" UNIQUE (run_id, idx));"
	"CREATE TABLE metrics ("
	" record_id BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, unit TEXT, kind TEXT NOT NULL, part_of TEXT,"
	" what TEXT, n DOUBLE PRECISION, min DOUBLE PRECISION,"
	" p10 DOUBLE PRECISION, p50 DOUBLE PRECISION, p90 DOUBLE PRECISION,"
	" p99 DOUBLE PRECISION, max DOUBLE PRECISION, mean DOUBLE PRECISION,"
	" stddev DOUBLE PRECISION, ci95_low DOUBLE PRECISION,"
	" ci95_high DOUBLE PRECISION, value DOUBLE PRECISION);",

	"CREATE TABLE samples ("
	" record_id BIGINT PRIMARY KEY REFERENCES records (id) ON DELETE CASCADE,"
	" n INTEGER NOT NULL, data TEXT NOT NULL);"
	"CREATE INDEX runs_host_suite ON runs (host_id, suite, started);"
	"CREATE INDEX records_name ON records (name);"
	"CREATE INDEX metrics_record ON metrics (record_id);",
};

static int int_row(void *arg, int nc, const char *const *v)
{
	*(int *)arg = nc > 0 && v[0] ? atoi(v[0]) : 0;
	return 0;
}

int db_version(struct db *db, char *err, size_t errlen)
{
	static const char q[] = "SELECT max(version) FROM schema_version";
	int v = 0;

	if (db_query(db, q, 0, NULL, int_row, &v, err, errlen))
		return -1;
	return v;
}

static int apply(struct db *db, const char *ddl, char *err, size_t errlen)
{
	const char *id = db->pg ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" :
				  "INTEGER PRIMARY KEY";
	size_t cap = strlen(ddl) * 3 + 1;
	char *sql = malloc(cap), *o = sql;
	int ret;

	if (!sql) {
		snprintf(err, errlen, "%s: out of memory", db->url);
		return -1;
	}
	for (const char *p = ddl; *p;) {
		if (!strncmp(p, "@ID@", 4)) {
			o += sprintf(o, "%s", id);
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	*o = 0;
	ret = db_exec(db, sql, err, errlen);
	free(sql);
	return ret;
}

int db_migrate(struct db *db, int upto, char *err, size_t errlen)
{
	char vbuf[16];
	const char *p[1] = { vbuf };
	int v;

	if (db_begin(db, err, errlen))
		return -1;
	/* Two importers opening a fresh PostgreSQL store at once: one
	 * migrates, the other waits here and then finds it done. */
	if ((db->pg && db_exec(db, "SELECT pg_advisory_xact_lock(1752589923)",
			       err, errlen)) ||
	    db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version"
			" (version INTEGER NOT NULL)", err, errlen) ||
	    (v = db_version(db, err, errlen)) < 0)
		goto fail;
	if (v > DB_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s: the store's schema is version %d, newer than this hvbench's %d: use a newer hvbench",
			 db->url, v, DB_SCHEMA_VERSION);
		db_rollback(db);
		return -2;
	}
	if (v >= upto) {
		db_rollback(db);
		return 0;
	}
	for (int i = v; i < upto; i++)
		if (apply(db, migrations[i], err, errlen))
			goto fail;
	snprintf(vbuf, sizeof(vbuf), "%d", upto);
	if (db_exec(db, "DELETE FROM schema_version", err, errlen) ||
	    db_query(db, "INSERT INTO schema_version (version) VALUES ($1)", 1,
		     p, NULL, NULL, err, errlen) ||
	    db_commit(db, err, errlen))
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* SQLite: the default store's folder (results/) is made one level deep,
 * as `hvbench run` makes its output folder. */
static void make_parent(const char *path)
{
	char *d = strdup(path), *slash = d ? strrchr(d, '/') : NULL;

	if (slash && slash != d) {
		*slash = 0;
		mkdir(d, 0777);
	}
	free(d);
}

int db_open(const char *url, unsigned flags, struct db **out, char *err,
	    size_t errlen)
{
	struct db *db = calloc(1, sizeof(*db));
	struct stat st;
	char e2[512];
	int rc, v;

	*out = NULL;
	if (!db || !(db->url = display_url(url))) {
		free(db);
		snprintf(err, errlen, "%s: out of memory", url);
		return -1;
	}
	db->pg = db_url_is_pg(url);
	if (!db->pg && !(flags & DB_CREATE) && stat(url, &st)) {
		snprintf(err, errlen, "%s: cannot open the store: %s", db->url,
			 strerror(errno));
		rc = -1;
		goto fail;
	}
	if (!db->pg && !stat(url, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot open the store: not a regular file",
			 db->url);
		rc = -1;
		goto fail;
	}
	if (!db->pg && (flags & DB_CREATE))
		make_parent(url);
	rc = db->pg ? db_pg_open(db, url, err, errlen) :
		      db_sqlite_open(db, url, flags, err, errlen);
	if (rc)
		goto fail;
	if (flags & DB_NO_MIGRATE) {
		*out = db;
		return 0;
	}
	/* Up to date: no write lock is taken, so a read-only store reads. */
	v = db_version(db, e2, sizeof(e2));
	if (v != DB_SCHEMA_VERSION) {
		rc = db_migrate(db, DB_SCHEMA_VERSION, err, errlen);
		if (rc)
			goto fail;
	}
	*out = db;
	return 0;
fail:
	db_close(db);
	return rc;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->ops)
		db->ops->close(db);
	free(db->url);
	free(db);
}
