/* measure.c's host-side decoding of the shared page, without a VM: for the
 * guest->host fuzzer (fuzz/fuzz_shared.c) and tests. Not a public API. */
#ifndef HVBENCH_MEASURE_INT_H
#define HVBENCH_MEASURE_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hv-core/abi.h"
#include "hvbench/measure.h"

/*
 * Replays @calls (call-channel numbers, as vCPU 0 would make them) against a
 * copy of @shared, then renders the record exactly as measure_run does once
 * the VM has stopped; run_result is hv_vm_wait's result (0, or a negative
 * errno such as -EDEADLK for a fault). A call the handler refuses ends the
 * replay as it ends the vCPU loop. No KVM statistics, PMU or probe hook.
 * Returns the record, NULL only when out of memory.
 */
json_t *measure_render_shared(const struct measure_env *env, const struct mb_bench *b,
			      const struct mb_params *p, const struct hv_shared *shared,
			      const uint32_t *calls, size_t n_calls, int run_result);

#endif
