/* The example family's guest body (docs/writing-a-benchmark.md; its host
 * rows are tests/example_family.c): a counted loop per operation. An
 * arch-neutral file, so both guest images and the native target have it. */
#include <stdint.h>
#include "guest.h"
#include "microbench/example_abi.h"

/* The page is the host's to write: check what the body relies on. */
static int example_init(void)
{
	uint64_t turns = SHARED->param[EX_P_TURNS];

	if (turns < 1 || turns > EX_MAX_TURNS)
		return EX_ABORT_TURNS;
	return 0;
}

static void op_example(uint64_t i)
{
	for (uint64_t k = SHARED->param[EX_P_TURNS]; k; k--)
		asm volatile("" ::: "memory");
}

GUEST_BODY(example_loop, .init = example_init, .op = op_example, .native = 1);
