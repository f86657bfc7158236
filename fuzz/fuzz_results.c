/* libFuzzer harness for the result loader (analysis/load.c): arbitrary bytes
 * as a result file, parsed as an_result_load parses it, then what compare
 * does with an accepted file (labels, matching, a comparison with itself).
 * The store's own reader and writer (analysis/jsonparse.c, jsonfast.c) are
 * checked against jansson on every input: where the fast reader accepts,
 * jansson must accept the same tree, and the fast writer must give
 * json_dumps's bytes, sorted and not. */
#include <stdlib.h>
#include <string.h>

#include "analysis/an_jsonfast.h"

#include "analysis/an_compare.h"
#include "analysis/an_result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	json_error_t jerr;
	struct an_result *r;
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	json_t *fast = an_json_parse((const char *)data, size);

	if (fast && (!root || !json_equal(fast, root)))
		abort();	/* the fast reader took a text jansson reads otherwise */
	json_decref(fast);
	if (!root)
		return 0;
	for (int sorted = 0; sorted < 2; sorted++) {
		char *a = an_json_compact(root, sorted);
		char *b = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY | (sorted ? JSON_SORT_KEYS : 0));

		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
			abort();	/* the fast writer's bytes are not jansson's */
		free(a);
		free(b);
	}
	if (an_result_from_json(root, "fuzz.json", AN_LOAD_SAMPLES, &r, err, sizeof(err)) < 0)
		return 0;
	an_result_unit(r);
	for (size_t i = 0; i < r->n_benches && i < 64; i++) {
		const struct an_bench *b = &r->benches[i];
		char *label = an_bench_label(&r, 1, b);

		free(label);
		if (an_result_find_match(r, b) == NULL && b->key)
			abort();	/* a record always matches itself */
		an_result_find_name(r, b->name ? b->name : "");
	}
	struct an_cmp_opts o;
	struct an_cmp c;
	an_cmp_opts_default(&o);
	o.boot_iters = 50;	/* speed: the resampling is not what is fuzzed */
	if (an_compare_pair(r, r, &o, &c, err, sizeof(err)) == 0)
		an_cmp_free(&c);
	an_result_free(r);
	return 0;
}
