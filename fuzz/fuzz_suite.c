/* libFuzzer harness for the suite loader: arbitrary bytes as a suite file
 * through suite_parse (what suite_load does after reading the file), then
 * what the runner does with an accepted suite before any VM starts. */
#include <stdlib.h>

#include "hvbench/measure.h"
#include "hvbench/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const params[] = { "cpl", "vcpus", "mem_mb", "batch", "repetitions", "nope" };
	char err[4096];
	struct suite s;

	if (suite_parse((const char *)data, size, "fuzz.json", &s, err, sizeof(err)) < 0)
		return 0;
	suite_check_host(&s, 1ull << 30, mb_host_arch(), err, sizeof(err));
	for (size_t i = 0; i < s.n; i++) {
		struct suite_entry *e = &s.entries[i];
		int line, col;

		for (size_t k = 0; k < sizeof(params) / sizeof(params[0]); k++)
			suite_param_pos(&s, e, params[k], &line, &col);
		measure_resolve_cpl(e->bench, &e->params, i & 1 ? 1.0 : 1000.0);
		json_t *j = suite_params_json(e);
		if (!j)
			abort();	/* cpl is resolved: only OOM gives NULL */
		json_decref(j);
	}
	suite_free(&s);
	return 0;
}
