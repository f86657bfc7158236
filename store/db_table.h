/* A query's answer as a table of text cells, rendered for people (aligned
 * columns), as JSON (an array of objects, numbers as numbers) or as CSV
 * (RFC 4180, the escaping of `hvbench export`). */
#ifndef STORE_DB_TABLE_H
#define STORE_DB_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum db_fmt { DB_FMT_TEXT, DB_FMT_JSON, DB_FMT_CSV };

struct db_table {
	const char *const *cols;
	const char *kinds; /* per column: 's' text, 'n' number, 'i' integer */
	int ncols;
	char **cells; /* nrows * ncols, NULL for no value */
	size_t nrows, cap;
	bool oom;
};

/* A db_row_fn: appends the row (its first ncols values). */
int db_table_row(void *table, int nc, const char *const *vals);
/* Writes @t to @f; 0, or -1 when the output failed. */
int db_table_print(const struct db_table *t, enum db_fmt fmt, FILE *f);
void db_table_free(struct db_table *t);

#endif
