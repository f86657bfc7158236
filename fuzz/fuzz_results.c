/* libFuzzer harness for the result loader (analysis/load.c): arbitrary bytes
 * as a result file, parsed as an_result_load parses it, then what compare
 * does with an accepted file (labels, matching, a comparison with itself). */
#include <stdlib.h>

#include "analysis/an_compare.h"
#include "analysis/an_result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	json_error_t jerr;
	struct an_result *r;
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);

	if (!root)
		return 0;
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
