/* Rendering a query's table: text, JSON or CSV (see db_table.h). */
#include "store/db_table.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis/an_util.h"

int db_table_row(void *arg, int nc, const char *const *vals)
{
	struct db_table *t = arg;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(*c));

		if (!c) {
			t->oom = true;
			return 1;
		}
		t->cells = c;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++) {
		const char *v = i < nc ? vals[i] : NULL;
		char **cell = &t->cells[t->nrows * t->ncols + i];

		*cell = v ? strdup(v) : NULL;
		if (v && !*cell)
			t->oom = true;
	}
	t->nrows++;
	return 0;
}

void db_table_free(struct db_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

static int print_json(const struct db_table *t, FILE *f)
{
	json_t *a = json_array();
	char *s;
	int ret;

	for (size_t r = 0; a && r < t->nrows; r++) {
		json_t *o = json_object();

		for (int c = 0; o && c < t->ncols; c++) {
			const char *v = t->cells[r * t->ncols + c];
			char *end;
			json_t *j = NULL;

			if (v && t->kinds[c] == 'i') {
				long long x = strtoll(v, &end, 10);
				j = *end ? json_string(v) : json_integer(x);
			} else if (v && t->kinds[c] == 'n') {
				double x = strtod(v, &end);
				j = *end ? json_string(v) : json_real(x);
			} else if (v) {
				j = json_string(v);
			}
			json_object_set_new(o, t->cols[c], j ? j : json_null());
		}
		json_array_append_new(a, o);
	}
	s = a ? json_dumps(a, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) : NULL;
	json_decref(a);
	if (!s)
		return -1;
	ret = fprintf(f, "%s\n", s) < 0 ? -1 : 0;
	free(s);
	return ret;
}

static bool is_number(const char *v)
{
	char *end;

	strtod(v, &end);
	return *v && !*end;
}

static int print_csv(const struct db_table *t, FILE *f)
{
	struct an_buf b = { 0 };
	int ret;

	for (int c = 0; c < t->ncols; c++) {
		if (c)
			an_buf_put(&b, ",");
		an_buf_csv(&b, t->cols[c]);
	}
	an_buf_put(&b, "\r\n");
	for (size_t r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *v = t->cells[r * t->ncols + c];

			if (c)
				an_buf_put(&b, ",");
			/* numbers as they are (an_buf_csv would guard a
			 * leading '-' against formulas); a number column
			 * that holds something else (a foreign store) is
			 * text, escaped as text */
			if (v && t->kinds[c] != 's' && is_number(v))
				an_buf_put(&b, v);
			else
				an_buf_csv(&b, v ? v : "");
		}
		an_buf_put(&b, "\r\n");
	}
	ret = b.oom || fwrite(b.s, 1, b.len, f) != b.len ? -1 : 0;
	an_buf_free(&b);
	return ret;
}

static int print_text(const struct db_table *t, FILE *f)
{
	size_t *w = calloc(t->ncols, sizeof(*w));

	if (!w)
		return -1;
	for (int c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->cols[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			const char *v = t->cells[r * t->ncols + c];
			size_t l = strlen(v ? v : "-");

			if (l > w[c])
				w[c] = l;
		}
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *v = r ? t->cells[(r - 1) * t->ncols + c] :
					    t->cols[c];
			bool last = c + 1 == t->ncols;

			if (!v)
				v = "-";
			if (t->kinds[c] != 's' && r)
				fprintf(f, "%*s%s", (int)w[c], v, last ? "" : "  ");
			else
				fprintf(f, "%-*s%s", last ? 0 : (int)w[c], v,
					last ? "" : "  ");
		}
		fputc('\n', f);
	}
	free(w);
	return ferror(f) ? -1 : 0;
}

int db_table_print(const struct db_table *t, enum db_fmt fmt, FILE *f)
{
	if (t->oom)
		return -1;
	switch (fmt) {
	case DB_FMT_JSON:
		return print_json(t, f);
	case DB_FMT_CSV:
		return print_csv(t, f);
	default:
		return print_text(t, f);
	}
}
