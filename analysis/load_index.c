/* Matching records across result files: the key of a record (name,
 * variant and the params that change what is measured), and the hashed
 * lookups over one file's records. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/load_int.h"

/* The caller's own (compare --ignore-param), set before any file loads:
 * the keys are made as a record is read. */
static const char *user_ignored[AN_MAX_USER_IGNORED];
static size_t n_user_ignored;

int an_param_ignore(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != len)
		return -EINVAL;
	if (!strcmp(name, "name") || !strcmp(name, "variant"))
		return -EINVAL;
	for (size_t i = 0; i < n_user_ignored; i++)
		if (!strcmp(user_ignored[i], name))
			return 0;
	if (n_user_ignored == AN_MAX_USER_IGNORED)
		return -E2BIG;
	user_ignored[n_user_ignored++] = name;
	an_results_changed();
	return 0;
}

size_t an_param_user_ignored(const char *const **names)
{
	*names = user_ignored;
	return n_user_ignored;
}

void an_param_ignore_clear(void)
{
	n_user_ignored = 0;
	an_results_changed();
}

bool an_param_ignored(const char *param)
{
	for (size_t i = 0; i < n_user_ignored; i++)
		if (!strcmp(param, user_ignored[i]))
			return true;

	/* These change how long or how observed a run is, not what one
	 * operation costs, so runs that differ only there still match. */
	static const char *const ignored[] = {
		"pmu_events", "min_time_ms", "max_iters", "repetitions",
		"cpl_auto", "warmup_iterations", "max_samples", "warmup_iters",
		"timeout_ms", "pin", "cpus", "batch", "profile",
	};

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (!strcmp(param, ignored[i]))
			return true;
	return false;
}

char *make_key(const struct an_bench *b, bool without_cpl)
{
	json_t *p = b->params ? json_deep_copy(b->params) : json_object();
	const char *k;
	json_t *v;
	void *tmp;
	char *dump, *key = NULL;

	if (!p)
		return NULL;
	json_object_foreach_safe(p, tmp, k, v) {
		if (an_param_ignored(k) || (without_cpl && !strcmp(k, "cpl")))
			json_object_del(p, k);
	}
	dump = json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(p);
	if (!dump)
		return NULL;
	if (asprintf(&key, "%s|%s|%s", b->name, b->variant ? b->variant : "",
		     dump) < 0)
		key = NULL;
	free(dump);
	return key;
}

/* Lookups by key go through hashes of the result's records, built on first
 * use: matching N records against N is then O(N), not O(N^2). Each table
 * holds record indices + 1 (0: empty), open addressing; the first record of
 * a key wins, as the linear search did. ix[0]: by key; ix[1]: by the key
 * without cpl, any record; ix[2]: the same, records run with "cpl": "auto". */
static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static const char *ix_str(const struct an_bench *b, int t)
{
	return t == 0 ? b->key : b->key_nocpl;
}

static void ix_put(struct an_result *r, int t, size_t i)
{
	const char *k = ix_str(&r->benches[i], t);
	size_t *tab = r->ix[t], h = key_hash(k) & (r->ix_cap - 1);

	while (tab[h] && strcmp(ix_str(&r->benches[tab[h] - 1], t), k))
		h = (h + 1) & (r->ix_cap - 1);
	if (!tab[h])
		tab[h] = i + 1;
}

static const struct an_bench *ix_get(const struct an_result *r, int t, const char *k)
{
	const size_t *tab = r->ix[t];
	size_t h = key_hash(k) & (r->ix_cap - 1);

	for (; tab[h]; h = (h + 1) & (r->ix_cap - 1)) {
		const struct an_bench *b = &r->benches[tab[h] - 1];
		if (!strcmp(ix_str(b, t), k))
			return b;
	}
	return NULL;
}

static int index_build(struct an_result *r)
{
	size_t cap = 16;

	while (cap < 2 * r->n_benches + 2)
		cap *= 2;
	for (int t = 0; t < 3; t++) {
		r->ix[t] = calloc(cap, sizeof(size_t));
		if (!r->ix[t]) {
			for (int u = 0; u <= t; u++) {
				free(r->ix[u]);
				r->ix[u] = NULL;
			}
			return -1;
		}
	}
	r->ix_cap = cap;
	for (size_t i = 0; i < r->n_benches; i++) {
		ix_put(r, 0, i);
		ix_put(r, 1, i);
		if (r->benches[i].cpl_auto)
			ix_put(r, 2, i);
	}
	return 0;
}

const struct an_bench *an_result_find(const struct an_result *r,
				      const char *key)
{
	struct an_result *w = (struct an_result *)r;	/* the index is a cache */

	if (!w->ix[0] && index_build(w) < 0) {
		for (size_t i = 0; i < r->n_benches; i++)
			if (!strcmp(r->benches[i].key, key))
				return &r->benches[i];
		return NULL;
	}
	return ix_get(r, 0, key);
}

const struct an_bench *an_result_find_match(const struct an_result *r,
					    const struct an_bench *b)
{
	const struct an_bench *m = an_result_find(r, b->key);

	if (m)
		return m;
	/* "cpl": "auto" let a host pick its level (x86 under PVM: 3, arm64:
	 * EL1 = 0): such a record also matches one at another level. */
	if (!r->ix[0]) {	/* out of memory building the index */
		for (size_t i = 0; i < r->n_benches; i++)
			if ((b->cpl_auto || r->benches[i].cpl_auto) &&
			    !strcmp(r->benches[i].key_nocpl, b->key_nocpl))
				return &r->benches[i];
		return NULL;
	}
	return ix_get(r, b->cpl_auto ? 1 : 2, b->key_nocpl);
}

const struct an_bench *an_result_find_name(const struct an_result *r,
					   const char *name)
{
	for (size_t i = 0; i < r->n_benches; i++)
		if (r->benches[i].ok && !strcmp(r->benches[i].name, name))
			return &r->benches[i];
	return NULL;
}
