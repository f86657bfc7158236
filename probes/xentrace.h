/* The Xentrace table of a workload (issue 17): for a record that ran in
 * the guest and natively (run.guest, run.native) and has an exit profile,
 * each exit reason's count per run, its share of the run's exits, the time
 * it took per run where the profile times it, and that time's share of the
 * overhead (the guest's median run less the native one) -- as the Xentrace
 * study tabled SPEC and a kernel compile. Built from the record as written
 * (a result file's, or the runner's), so the console, the report and any
 * reader show the same rows; every value read is checked. */
#ifndef PROBES_XENTRACE_H
#define PROBES_XENTRACE_H

#include <jansson.h>

/* {"unit", "guest", "native", "overhead" (unit per run, may be < 0),
 *  "overhead_pct", "exits" (per run), "rows": [{"reason", "source"
 *  ("vmm" | "kvm" | "tracepoint"), "count", "share_of_exits",
 *  "time" (unit per run, or null), "share_of_overhead" (or null)}],
 *  "timed_share_of_overhead" (or null), "over_overhead" (why, when the
 *  timed rows exceed the overhead), "note"}; NULL where the record has
 * no guest and native runs or no exit profile. */
json_t *xentrace_table(json_t *bench);

#endif
