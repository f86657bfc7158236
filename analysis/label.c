/* Human labels for benchmark records: the name, plus only those parameters
 * that tell same-named records apart, so tables stay narrow. */
#include "analysis/an_result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_util.h"

/*
 * Whether a parameter tells same-named records apart: for record b with
 * value v, it does when another record of that name lacks it or holds
 * another value, which is the same as "the records of that name are not
 * all alike in it". That is computed once per set of results, in one pass
 * (a hash of names, then per name the first value of each parameter and
 * whether every record agreed), so labelling N records is O(N), not O(N^2).
 */
struct name_group {
	const char *name;
	size_t members;
	json_t *first;		/* param -> first value seen */
	json_t *mixed;		/* param -> true once records disagree */
};

static struct {
	struct an_result **rs;	/* a copy of the set: callers pass arrays on their stack */
	size_t nr;
	unsigned long gen;
	struct name_group *g;
	size_t cap;
} cache;

unsigned long an_results_generation;

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static struct name_group *group_of(const char *name)
{
	size_t i = (size_t)(hash_str(name) & (cache.cap - 1));

	while (cache.g[i].name && strcmp(cache.g[i].name, name))
		i = (i + 1) & (cache.cap - 1);
	return &cache.g[i];
}

static void cache_clear(void)
{
	for (size_t i = 0; i < cache.cap; i++) {
		json_decref(cache.g[i].first);
		json_decref(cache.g[i].mixed);
	}
	free(cache.g);
	free(cache.rs);
	memset(&cache, 0, sizeof(cache));
}

static int cache_build(struct an_result *const *rs, size_t nr)
{
	size_t n = 0, cap = 16;

	cache_clear();
	for (size_t i = 0; i < nr; i++)
		n += rs[i]->n_benches;
	while (cap < 2 * n + 2)
		cap *= 2;
	cache.g = calloc(cap, sizeof(*cache.g));
	if (!cache.g)
		return -1;
	cache.cap = cap;
	for (size_t i = 0; i < nr; i++) {
		for (size_t j = 0; j < rs[i]->n_benches; j++) {
			const struct an_bench *b = &rs[i]->benches[j];
			struct name_group *g = group_of(b->name);
			const char *k;
			json_t *v;

			if (!g->name) {
				g->name = b->name;
				g->first = json_object();
				g->mixed = json_object();
			}
			/* keys a member lacks that an earlier one had */
			json_object_foreach(g->first, k, v)
				if (!b->params || !json_object_get(b->params, k))
					json_object_set(g->mixed, k, json_true());
			if (b->params) {
				json_object_foreach(b->params, k, v) {
					json_t *f = json_object_get(g->first, k);
					if (!f) {
						json_object_set(g->first, k, v);
						if (g->members)	/* earlier members lacked it */
							json_object_set(g->mixed, k, json_true());
					} else if (!json_equal(f, v)) {
						json_object_set(g->mixed, k, json_true());
					}
				}
			}
			g->members++;
		}
	}
	cache.rs = malloc((nr ? nr : 1) * sizeof(*cache.rs));
	if (!cache.rs) {
		cache_clear();
		return -1;
	}
	memcpy(cache.rs, rs, nr * sizeof(*rs));
	cache.nr = nr;
	cache.gen = an_results_generation;
	return 0;
}

static bool param_varies(struct an_result *const *rs, size_t nr,
			 const struct an_bench *b, const char *param,
			 json_t *val)
{
	if (!cache.g || cache.nr != nr || cache.gen != an_results_generation ||
	    memcmp(cache.rs, rs, nr * sizeof(*rs)))
		if (cache_build(rs, nr) < 0)
			return true;	/* out of memory: say more, never less */
	struct name_group *g = group_of(b->name);
	return g->name && g->members > 1 && json_object_get(g->mixed, param);
}

char *an_bench_label(struct an_result *const *rs, size_t nr,
		     const struct an_bench *b)
{
	struct an_buf out = { 0 };
	const char *k;
	json_t *v;
	bool first = true;

	an_buf_put(&out, b->name);
	if (b->variant)
		an_buf_printf(&out, " [%s]", b->variant);
	/* A variant is the benchmark's own name for its parameter set. */
	if (b->params && !b->variant) {
		json_object_foreach(b->params, k, v) {
			char *s;

			if (an_param_ignored(k) ||
			    !param_varies(rs, nr, b, k, v))
				continue;
			s = json_is_string(v) ? strdup(json_string_value(v)) :
				json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			an_buf_printf(&out, "%s%s=%s", first ? " " : ",", k,
				      s ? s : "?");
			first = false;
			free(s);
		}
	}
	if (out.oom) {
		an_buf_free(&out);
		return NULL;
	}
	return out.s;
}

const char *an_result_unit(const struct an_result *r)
{
	/* Files are written by one host in one unit; take the first record
	 * that measured anything rather than voting. */
	for (size_t i = 0; i < r->n_benches; i++)
		if (r->benches[i].ok && r->benches[i].unit)
			return r->benches[i].unit;
	return NULL;
}
