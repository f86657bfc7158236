/* The example family's share of the page (docs/writing-a-benchmark.md):
 * what its host rows write into hv_shared.param[] and its body reads, and
 * its own abort codes. Included by both sides, so it holds numbers only. */
#ifndef MICROBENCH_EXAMPLE_ABI_H
#define MICROBENCH_EXAMPLE_ABI_H

#include "hv-core/abi.h"

enum ex_param {
	EX_P_TURNS,		/* loop turns per operation */
};

#define EX_MAX_TURNS 100000

/* The body's refusals, from HV_ABORT_BODY_BASE on; the row's
 * abort_reasons[] says what each means, in the same order. */
enum ex_abort {
	EX_ABORT_TURNS = HV_ABORT_BODY_BASE,	/* turns outside 1..EX_MAX_TURNS */
};

#endif
