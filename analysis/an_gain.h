/* compare's gain of two-dimensional paging over shadow paging, for two
 * files whose host.paging differ (analysis/compare_gain.c). */
#ifndef ANALYSIS_AN_GAIN_H
#define ANALYSIS_AN_GAIN_H

#include <stdio.h>
#include <jansson.h>

#include "analysis/an_compare.h"
#include "analysis/an_result.h"

enum {
	AN_GAIN_SAME,		/* same paging: nothing to say */
	AN_GAIN_OTHER,		/* differ, but not one TDP and one shadow */
	AN_GAIN_BASE_TDP,
	AN_GAIN_NEW_TDP,
};

int an_gain_side(const struct an_cmp *c);
/* After the table: the paging line, the gain per row, the rows' ratio
 * metrics in both modes. Nothing when the paging is the same. */
void an_gain_print(const struct an_cmp *c, struct an_result *const *rs, size_t nr, FILE *f);
/* The same as a JSON object, NULL when the paging is the same. */
json_t *an_gain_json(const struct an_cmp *c, struct an_result *const *rs, size_t nr);

#endif
