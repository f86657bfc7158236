/* Human labels for benchmark records: the name, plus only those parameters
 * that tell same-named records apart, so tables stay narrow. */
#include "analysis/an_result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_util.h"

static bool param_varies(struct an_result *const *rs, size_t nr,
			 const struct an_bench *b, const char *param,
			 json_t *val)
{
	for (size_t i = 0; i < nr; i++) {
		for (size_t j = 0; j < rs[i]->n_benches; j++) {
			const struct an_bench *o = &rs[i]->benches[j];
			json_t *ov;

			if (o == b || strcmp(o->name, b->name))
				continue;
			ov = o->params ? json_object_get(o->params, param) : NULL;
			if (!ov || !json_equal(ov, val))
				return true;
		}
	}
	return false;
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
