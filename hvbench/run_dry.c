/* `hvbench run --dry-run` (run_args.h): what would run, nothing run. Each
 * entry with every parameter, where its value came from (the command line,
 * the entry, the suite's defaults, or the built-in default), the level
 * "auto" picks on this host and why, and the least time it will take. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvbench/measure.h"
#include "hvbench/run_args.h"
#include "hvbench/suite_int.h"
#include "microbench/mb.h"

static const char *source(const struct suite_entry *e, const struct run_args *a,
			  const char *key)
{
	int gi = suite_generic_index(key), ei = mb_ext_index(e->bench, key);
	uint64_t bit = gi >= 0 ? SUITE_GENERIC_BIT(gi) : ei >= 0 ? SUITE_EXT_BIT(ei) : 0;

	if (!bit)
		return "";
	if ((e->set_here | e->set_by_defaults) & bit && json_object_get(a->settings, key))
		return "command line";
	if (e->set_here & bit)
		return a->suite_path ? "entry" : "command line";
	if (e->set_by_defaults & bit)
		return "defaults";
	return "default";
}

static void auto_why(char *buf, size_t len, const struct mb_bench *b, int cpl,
		     double slowdown, const char *backend)
{
	if (b->cpls == MB_CPL0 || b->cpls == MB_CPL3)
		snprintf(buf, len, "auto: %d, the only level benchmark %s runs at", cpl, b->name);
	else if (slowdown < 0)
		snprintf(buf, len, "auto: 0, the CPL0 slowdown could not be measured here");
	else if (slowdown > 10)
		snprintf(buf, len, "auto: 3, guest CPL0 is emulated on this host (backend %s: %.0fx slower than CPL3); the preflight may move it where the operation does not exit there",
			 backend, slowdown);
	else
		snprintf(buf, len, "auto: 0, guest CPL0 runs natively here (%.1fx CPL3's time); the preflight may move it where the operation does not exit there",
			 slowdown);
}

void run_args_dry_run(FILE *f, const struct suite *s, const struct run_args *a,
		      double cpl0_slowdown, const char *backend)
{
	double total_ms = 0;

	fprintf(f, "hvbench run --dry-run: suite %s (%s), %zu benchmarks; nothing runs\n",
		s->name, s->path, s->n);
	for (size_t i = 0; i < s->n; i++) {
		struct suite_entry e = s->entries[i];
		const struct mb_bench *b = e.bench;
		bool was_auto = e.params.cpl == MB_CPL_AUTO;
		char why[300] = "";
		const char *key;
		json_t *v, *params;

		measure_resolve_cpl(b, &e.params, cpl0_slowdown);
		if (was_auto)
			auto_why(why, sizeof(why), b, e.params.cpl, cpl0_slowdown, backend);
		fprintf(f, "\n[%zu/%zu] %s  (benchmark %s, family %s)\n", i + 1, s->n, e.label,
			b->name, b->family);
		fprintf(f, "    %-22s %-24s %s\n", "parameter", "value", "from");
		params = suite_params_json(&e);
		json_object_foreach(params, key, v) {
			char *txt;

			if (!strcmp(key, "cpl_auto"))
				continue;
			txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			fprintf(f, "    %-22s %-24s %s%s%s\n", key, txt ? txt : "?",
				source(&e, a, key), !strcmp(key, "cpl") && *why ? "; " : "",
				!strcmp(key, "cpl") ? why : "");
			free(txt);
		}
		json_decref(params);
		double ms = (double)e.params.repetitions * e.params.min_time_ms;
		total_ms += ms;
		fprintf(f, "    %-22s at least %.2f s: %u repetitions x %u ms (max_iters can end them sooner; set-up, preflight and warm-up add)\n",
			"time", ms / 1e3, e.params.repetitions, e.params.min_time_ms);
	}
	fprintf(f, "\n%zu benchmarks, at least %.1f s of measuring\n", s->n, total_ms / 1e3);
}
