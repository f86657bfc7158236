/* The exit-cost bodies whose C is the same on every arch: the exit (or
 * fault) they cause comes from the address or the level, not the code. */
#include <stdint.h>
#include "guest.h"

#define P(n) (SHARED->param[n])

static void op_empty(uint64_t i)
{
	asm volatile("" ::: "memory");
}

/* Touch a fresh page: one EPT/NPT/stage-2 or shadow fault per page. */
static void op_pf_touch(uint64_t i)
{
	*(volatile uint64_t *)(P(0) + i * 4096) = i;
}

GUEST_BODY(empty, .op = op_empty, .native = 1);
GUEST_BODY(pf_touch, .op = op_pf_touch);
