/* Reading runs back out of the store: the document of a run as it was
 * imported, its samples put back, and `hvbench db export` to result files. */
#include "store/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_jsonfast.h"

struct doc_ctx {
	json_t *doc;
	json_error_t jerr;
	bool bad;
};

static int doc_row(void *arg, int nc, const char *const *v)
{
	struct doc_ctx *c = arg;

	if (nc < 1 || !v[0] || c->doc)
		return 0;
	c->doc = an_json_parse(v[0], strlen(v[0]));
	if (!c->doc)
		c->doc = json_loads(v[0], JSON_REJECT_DUPLICATES, &c->jerr);
	c->bad = !c->doc;
	return 0;
}

struct samples_ctx {
	json_t *benches;
	int bad;
};

static int samples_row(void *arg, int nc, const char *const *v)
{
	struct samples_ctx *c = arg;
	long long idx;
	json_t *b, *s;

	if (nc < 2 || !v[0] || !v[1])
		return 0;
	/* The index comes from the store: checked against the document. */
	idx = atoll(v[0]);
	b = idx >= 0 ? json_array_get(c->benches, (size_t)idx) : NULL;
	s = an_json_parse(v[1], strlen(v[1]));
	if (!s)
		s = json_loads(v[1], 0, NULL);
	if (!json_is_object(b) || !json_is_array(s)) {
		json_decref(s);
		c->bad = 1;
		return 0;
	}
	json_object_set_new(b, "samples", s);
	return 0;
}

json_t *db_run_doc(struct db *db, long long id, bool samples, char *err,
		   size_t errlen)
{
	static const char q[] = "SELECT doc FROM runs WHERE id = $1";
	static const char qs[] =
		"SELECT r.idx, s.data FROM samples s JOIN records r"
		" ON r.id = s.record_id WHERE r.run_id = $1 ORDER BY r.idx";
	struct doc_ctx c = { 0 };
	struct samples_ctx sc = { 0 };
	char ids[24];
	const char *p[] = { ids };

	snprintf(ids, sizeof(ids), "%lld", id);
	if (db_query(db, q, 1, p, doc_row, &c, err, errlen))
		return NULL;
	if (!c.doc) {
		snprintf(err, errlen, "%s: run %lld: %s", db->url, id,
			 c.bad ? "its stored document is not JSON" : "no such run");
		return NULL;
	}
	if (samples) {
		sc.benches = json_object_get(c.doc, "benchmarks");
		if (db_query(db, qs, 1, p, samples_row, &sc, err, errlen)) {
			json_decref(c.doc);
			return NULL;
		}
		if (sc.bad) {
			snprintf(err, errlen, "%s: run %lld: stored samples do not fit its document",
				 db->url, id);
			json_decref(c.doc);
			return NULL;
		}
	}
	return c.doc;
}

struct ids_ctx {
	long long *ids;
	size_t n, cap;
	bool oom;
};

static int ids_row(void *arg, int nc, const char *const *v)
{
	struct ids_ctx *c = arg;

	if (nc < 1 || !v[0])
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		long long *n = realloc(c->ids, cap * sizeof(*n));

		if (!n) {
			c->oom = true;
			return 1;
		}
		c->ids = n;
		c->cap = cap;
	}
	c->ids[c->n++] = atoll(v[0]);
	return 0;
}

int db_run_ids(struct db *db, long long **ids, size_t *n, char *err,
	       size_t errlen)
{
	static const char q[] = "SELECT id FROM runs ORDER BY started, id";
	struct ids_ctx c = { 0 };
	int rc = db_query(db, q, 0, NULL, ids_row, &c, err, errlen);

	if (c.oom)
		snprintf(err, errlen, "%s: out of memory", db->url);
	if (rc || c.oom) {
		free(c.ids);
		return -1;
	}
	*ids = c.ids;
	*n = c.n;
	return 0;
}
