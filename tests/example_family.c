/* The example family's host side (docs/writing-a-benchmark.md), as a real
 * family's microbench/<family>.c would be; here under tests/, so that only
 * the test binary that includes it (tests/test_example_family.c) lists it. */
#include <errno.h>
#include <stdio.h>

#include "hv-core/hv.h"
#include "microbench/example_abi.h"
#include "microbench/mb.h"
#include "probes/record.h"

/* Family parameters: a suite sets them by name, the runner stores them in
 * mb_params.ext[] in this order. */
static const struct mb_param_def example_params[] = {
	{ "turns", MB_PT_INT, "loop turns per operation", 1, EX_MAX_TURNS, NULL, 100 },
	{ NULL },
};

/* What the body's abort codes mean, in enum ex_abort's order. */
static const char *const example_aborts[] = {
	"the page asked for turns outside 1..100000",
	NULL,
};

/* After the VM exists, before a vCPU runs: tell the body its turns. */
static int example_setup(struct mb_setup_ctx *c)
{
	c->vm->shared->param[EX_P_TURNS] = (uint64_t)c->params->ext[0];
	return 0;
}

/* After the run: the family's own metric, derived from the runner's. */
static void example_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	const struct rec_metric *cycles = rec_metric_find(rec, "cycles");
	int64_t turns = c->params->ext[0];

	if (!cycles || turns < 1)
		return;		/* not measured: nothing to derive */
	rec_metric_value(rec, "per_turn", cycles->unit, "median cost of one loop turn",
			 rec_metric_stat(cycles, "p50") / (double)turns);
}

static const struct mb_bench example_loop = {
	.name = "example_loop", .family = "example",
	.description = "a counted loop in the guest: no exit, the cost of plain work",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none", .expected_exits = 0, .exit_stat = "exits_caused",
	.body = "example_loop", .cpls = MB_CPL_ANY,
	.ext_params = example_params, .abort_reasons = example_aborts,
	.setup = example_setup, .finish = example_finish,
};
MB_REGISTER(example_loop);
