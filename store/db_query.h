/* The named questions of `hvbench db query` (store/db_query.c). */
#ifndef STORE_DB_QUERY_H
#define STORE_DB_QUERY_H

#include "store/db.h"
#include "store/db_table.h"

/* The latest run of every host and suite (of @host only, unless NULL). */
int db_q_latest(struct db *db, const char *host, struct db_table *t,
		char *err, size_t errlen);
/* Every stored record named @name, oldest first per host and row, with its
 * headline metric's statistics. @host, @variant: NULL for any. */
int db_q_history(struct db *db, const char *name, const char *host,
		 const char *variant, struct db_table *t, char *err,
		 size_t errlen);

struct db_slower_opts {
	const char *baseline; /* hostname */
	const char *backend, *suite; /* NULL: the baseline's only one */
	double threshold; /* 0: compare's default */
};
/* Every host's latest run of the baseline's suite compared with the
 * baseline host's latest: one row per benchmark compare calls slower. */
int db_q_slower(struct db *db, const struct db_slower_opts *o,
		struct db_table *out, size_t *n_slower_hosts, char *err,
		size_t errlen);

#endif
