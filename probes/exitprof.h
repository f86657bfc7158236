/* An exit profile: per exit reason, how many exits a benchmark's measured
 * window took, per operation, and what each cost (a histogram of cycles),
 * rendered as the record's "exit_profile" block (docs/results-schema.md).
 * Filled by probes/probe_profile.c from the VMM's own counters, or from
 * the kvm:kvm_exit/kvm_entry tracepoints where they fire. */
#ifndef PROBES_EXITPROF_H
#define PROBES_EXITPROF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/histogram.h"

#define EXITPROF_MAX 48

struct exitprof_reason {
	char name[40];
	int64_t code;		/* the reason's number (KVM's, or the ISA's); -1: none */
	uint64_t count;		/* exits in the window */
	/* Their times, where known: exact moments (m.n exits timed) and a
	 * histogram for the quantiles (NULL: none kept, no quantiles). */
	struct hist_moments m;
	uint32_t *hist;		/* HIST_BUCKETS, owned */
	bool hist_partial;	/* some timed exits are in m but not in hist */
};

struct exitprof {
	const char *method;	/* "vmm_counters" or "tracepoints" */
	const char *unit;	/* of every time: "cycles", "instructions", ... */
	const char *time_what;	/* what one time measures */
	uint64_t ops;		/* operations in the window */
	uint64_t window;		/* the window's length, in unit */
	uint32_t vcpus;
	uint64_t call_channel_exits;	/* taken out of the counts already */
	size_t n;
	struct exitprof_reason r[EXITPROF_MAX];
};

void exitprof_init(struct exitprof *p, const char *method, const char *unit,
		   const char *time_what);
/* The row of reason `name`, added (count 0) when new; NULL when the table
 * is full. */
struct exitprof_reason *exitprof_reason(struct exitprof *p, const char *name,
					int64_t code);
/* Add timed exits: a histogram and its moments (hist may be NULL: the
 * moments only, the quantiles are then dropped for the row). 0 or -ENOMEM. */
int exitprof_add_times(struct exitprof_reason *r, const uint32_t *hist,
		       const struct hist_moments *m);
/* Add one timed exit. 0 or -ENOMEM. */
int exitprof_add_time(struct exitprof_reason *r, uint64_t cycles);
/* The block: {"method", "unit", "ops", "vcpus",
 * "window", "call_channel_exits", "reasons": {name: {count, per_op, timed,
 * time_min, time_p50, time_p99, time_max, time_mean, time_total,
 * share_of_window}}}; reasons with no exit left out. NULL on out of
 * memory. */
json_t *exitprof_json(const struct exitprof *p);
void exitprof_free(struct exitprof *p);

/* KVM binary statistics per op (the "exits_per_op" object's entries) by
 * category: "exits" (names with "exit" in them, hypercalls), "mmu" (pf_*,
 * mmu_*, tlb_*, invlpg), "emulation" (insn_emulation*), "halt" (halt_*),
 * "other". Takes a {name: per_op} object (borrowed); NULL on out of memory. */
json_t *exitprof_kvm_categories(json_t *per_op);

#endif
