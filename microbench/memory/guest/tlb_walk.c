/* tlb_walk's body: a dependent pointer chase over a random cyclic
 * permutation of the working set's 4 KiB nodes, so that every load waits for
 * the one before and no prefetcher can guess the next page. Arch-neutral
 * and .native: the same chase runs in the guest and on a host thread. */
#include <stdint.h>
#include "guest.h"
#include "microbench/memory/tlb_walk_abi.h"

#define P(n) (SHARED->param[n])

static inline uint64_t chase(uint64_t base, uint64_t off, uint64_t n)
{
	while (n--)
		off = *(volatile uint64_t *)(base + off);
	return off;
}

/* Check the page, then one lap of the whole cycle: every page of the set
 * is touched (host faults, TLB and shadow entries are in place) and every
 * link is checked once, before anything is timed. */
static int tlb_walk_init(void)
{
	uint64_t base = P(TW_P_BASE), size = P(TW_P_SIZE), nodes = P(TW_P_NODES);
	uint64_t off = P(TW_P_START);

	if (nodes < 1 || nodes > size / TW_NODE || P(TW_P_PER_OP) < 1 ||
	    P(TW_P_PER_OP) > TW_MAX_PER_OP || off >= size)
		return TW_ABORT_PARAM;
	for (uint64_t k = 0; k < nodes; k++) {
		off = *(volatile uint64_t *)(base + off);
		if (off >= size || (off & 7))
			return TW_ABORT_CHAIN;
		/* A lap of a large set takes seconds where each first touch is
		 * a fault the kernel handles without an exit (stage 2, NPT) on
		 * a slow host: the stall watchdog must see it move. */
		if (!(k & 255))
			SHARED->heartbeat++;
	}
	SHARED->scratch[TW_S_CUR] = off;
	return 0;
}

static void op_tlb_walk(uint64_t i)
{
	uint64_t off = chase(P(TW_P_BASE), SHARED->scratch[TW_S_CUR], P(TW_P_PER_OP));

	SHARED->scratch[TW_S_CUR] = off;
}

/* The same loads of the page and the same store, without the chase. */
static void null_tlb_walk(uint64_t i)
{
	uint64_t off = SHARED->scratch[TW_S_CUR] + (P(TW_P_BASE) & 0);

	SHARED->scratch[TW_S_CUR] = off;
	asm volatile("" ::: "memory");
}

GUEST_BODY(tlb_walk, .init = tlb_walk_init, .op = op_tlb_walk,
	   .null_op = null_tlb_walk, .native = 1);
